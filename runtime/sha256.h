/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_SHA256_H
#define REEF_RUNTIME_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), for image fingerprints and OCI blob digests. */
#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE	   65 /* 64 hex digits and the terminating NUL */

struct sha256 {
	uint32_t state[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in BLOCK */
};

void sha256_init(struct sha256 *ctx);
void sha256_update(struct sha256 *ctx, const void *data, size_t len);
void sha256_final(struct sha256 *ctx, uint8_t digest[SHA256_DIGEST_SIZE]);
/* Finishes CTX and writes the digest as 64 lowercase hex digits. */
void sha256_final_hex(struct sha256 *ctx, char hex[SHA256_HEX_SIZE]);
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);

#endif
