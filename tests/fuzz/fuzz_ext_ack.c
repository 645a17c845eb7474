/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the extended ACK parser: any bytes taken as a
 * netlink error message must yield a terminated string within the buffer.
 * FUZZ_SOURCES: netd/netlink-ack.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../netd/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *hdr;
	char out[32];
	size_t len;

	if (size < NLMSG_HDRLEN)
		return 0;
	/* An exact-size copy lets AddressSanitizer catch any read past the message. */
	hdr = malloc(size);
	if (!hdr)
		return 0;
	memcpy(hdr, data, size);
	if (hdr->nlmsg_len > size)
		hdr->nlmsg_len = size;
	netlink_ext_ack_parse(hdr, out, sizeof(out));
	len = strnlen(out, sizeof(out));
	free(hdr);
	if (len >= sizeof(out))
		abort();
	return 0;
}
