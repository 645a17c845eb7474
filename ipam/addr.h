/* SPDX-License-Identifier: MIT */
#ifndef REEF_IPAM_ADDR_H
#define REEF_IPAM_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../common/error.h"

/*
 * The one parser and formatter for IP addresses, CIDR prefixes and MAC
 * addresses in reef.  Addresses are kept in network byte order; FAMILY is
 * AF_INET or AF_INET6.
 */
struct ip_addr {
	int family;
	uint8_t bytes[16];
};

struct ip_prefix {
	struct ip_addr addr;
	uint8_t len;
};

#define IP_ADDR_STRLEN	 46 /* INET6_ADDRSTRLEN */
#define IP_PREFIX_STRLEN 50
#define MAC_STRLEN	 18

static inline int ip_addr_bits(const struct ip_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static inline int ip_addr_size(const struct ip_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int ip_addr_parse(const char *text, struct ip_addr *ret, struct reef_error *err);
void ip_addr_format(const struct ip_addr *a, char out[IP_ADDR_STRLEN]);
bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b);
/* Builds an address from FAMILY and BYTES (4 or 16 bytes, network order). */
void ip_addr_from_bytes(int family, const void *bytes, struct ip_addr *ret);
/* Returns whether A is the unspecified address (0.0.0.0 or ::), which means every address. */
bool ip_addr_is_any(const struct ip_addr *a);
/* Turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address a.b.c.d. */
void ip_addr_unmap(struct ip_addr *a);

/*
 * Parses "A/LEN".  Host bits must be zero unless HOST_BITS_ALLOWED is set
 * ("10.1.2.5/24" for an interface address); the error then suggests the
 * network ("10.1.2.0/24").  A bare address without "/LEN" is rejected.
 */
int ip_prefix_parse(const char *text, bool host_bits_allowed, struct ip_prefix *ret,
		    struct reef_error *err);
void ip_prefix_format(const struct ip_prefix *p, char out[IP_PREFIX_STRLEN]);
bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);
bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b);
/* Clears the host bits of P. */
void ip_prefix_mask(struct ip_prefix *p);

/*
 * Offsets of an address within a prefix, as a 128-bit number, so that the
 * allocator can do arithmetic on IPv4 and IPv6 alike.
 */
unsigned __int128 ip_prefix_offset(const struct ip_prefix *p, const struct ip_addr *a);
void ip_prefix_nth(const struct ip_prefix *p, unsigned __int128 offset, struct ip_addr *ret);
/* Number of addresses in P; saturates at 2^127 for prefixes shorter than /1. */
unsigned __int128 ip_prefix_size(const struct ip_prefix *p);

int mac_parse(const char *text, uint8_t ret[6], struct reef_error *err);
void mac_format(const uint8_t mac[6], char out[MAC_STRLEN]);

#endif
