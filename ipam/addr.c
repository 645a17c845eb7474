/* SPDX-License-Identifier: MIT */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ip_addr_from_bytes(int family, const void *bytes, struct ip_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	memcpy(ret->bytes, bytes, family == AF_INET ? 4 : 16);
}

int ip_addr_parse(const char *text, struct ip_addr *ret, struct reef_error *err)
{
	struct ip_addr a = { 0 };

	if (!text || text[0] == '\0')
		return error_set(err, EINVAL, "missing IP address");
	if (strchr(text, ':')) {
		a.family = AF_INET6;
		if (inet_pton(AF_INET6, text, a.bytes) == 1)
			goto ok;
	} else {
		a.family = AF_INET;
		/* inet_pton accepts only the dotted quad, not "10.1" or "010.0.0.1". */
		if (inet_pton(AF_INET, text, a.bytes) == 1)
			goto ok;
	}
	return error_set(err, EINVAL,
			 "invalid IP address '%s': expected a form like 10.0.0.2 or fd00::2", text);
ok:
	*ret = a;
	return 0;
}

void ip_addr_format(const struct ip_addr *a, char out[IP_ADDR_STRLEN])
{
	if (!inet_ntop(a->family, a->bytes, out, IP_ADDR_STRLEN))
		strcpy(out, "?");
}

bool ip_addr_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, ip_addr_size(a)) == 0;
}

bool ip_addr_is_any(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, ip_addr_size(a)) == 0;
}

void ip_addr_unmap(struct ip_addr *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	uint8_t v4[4];

	if (a->family == AF_INET6 && memcmp(a->bytes, prefix, sizeof(prefix)) == 0) {
		memcpy(v4, a->bytes + 12, sizeof(v4));
		ip_addr_from_bytes(AF_INET, v4, a);
	}
}

void ip_prefix_mask(struct ip_prefix *p)
{
	int bits = ip_addr_bits(&p->addr);

	for (int bit = p->len; bit < bits; bit++)
		p->addr.bytes[bit / 8] &= (uint8_t) ~(1u << (7 - bit % 8));
}

int ip_prefix_parse(const char *text, bool host_bits_allowed, struct ip_prefix *ret,
		    struct reef_error *err)
{
	char addr_text[IP_ADDR_STRLEN];
	struct ip_prefix p = { 0 };
	const char *slash;
	char *end;
	size_t addr_len;
	long len;

	if (!text || text[0] == '\0')
		return error_set(err, EINVAL, "missing subnet: expected a CIDR like 10.0.0.0/24");
	slash = strchr(text, '/');
	if (!slash)
		return error_set(
			err, EINVAL,
			"invalid subnet '%s': missing prefix length, expected a CIDR like 10.0.0.0/24",
			text);
	addr_len = (size_t)(slash - text);
	if (addr_len == 0 || addr_len >= sizeof(addr_text))
		return error_set(err, EINVAL,
				 "invalid subnet '%s': expected a CIDR like 10.0.0.0/24", text);
	memcpy(addr_text, text, addr_len);
	addr_text[addr_len] = '\0';
	if (ip_addr_parse(addr_text, &p.addr, NULL) < 0)
		return error_set(
			err, EINVAL,
			"invalid subnet '%s': '%s' is not an IP address, expected a CIDR like 10.0.0.0/24",
			text, addr_text);

	errno = 0;
	if (slash[1] < '0' || slash[1] > '9')
		return error_set(err, EINVAL,
				 "invalid subnet '%s': prefix length '%s' is not a number", text,
				 slash + 1);
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || errno != 0 || len < 0 || len > ip_addr_bits(&p.addr) ||
	    (slash[1] == '0' && slash[2] != '\0'))
		return error_set(err, EINVAL, "invalid subnet '%s': prefix length must be 0 to %d",
				 text, ip_addr_bits(&p.addr));
	p.len = (uint8_t)len;

	if (!host_bits_allowed) {
		struct ip_prefix masked = p;
		char masked_text[IP_PREFIX_STRLEN];

		ip_prefix_mask(&masked);
		if (!ip_addr_equal(&masked.addr, &p.addr)) {
			ip_prefix_format(&masked, masked_text);
			return error_set(
				err, EINVAL,
				"invalid subnet '%s': host bits are set, did you mean '%s'?", text,
				masked_text);
		}
	}
	*ret = p;
	return 0;
}

void ip_prefix_format(const struct ip_prefix *p, char out[IP_PREFIX_STRLEN])
{
	char a[IP_ADDR_STRLEN];

	ip_addr_format(&p->addr, a);
	snprintf(out, IP_PREFIX_STRLEN, "%s/%u", a, p->len);
}

bool ip_prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	int whole = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.bytes, a->bytes, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr.bytes[whole] ^ a->bytes[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool ip_prefix_overlaps(const struct ip_prefix *a, const struct ip_prefix *b)
{
	/* Two prefixes overlap exactly when the shorter one contains the other's base. */
	if (a->addr.family != b->addr.family)
		return false;
	return a->len <= b->len ? ip_prefix_contains(a, &b->addr) : ip_prefix_contains(b, &a->addr);
}

static unsigned __int128 addr_to_u128(const struct ip_addr *a)
{
	unsigned __int128 v = 0;

	for (int i = 0; i < ip_addr_size(a); i++)
		v = (v << 8) | a->bytes[i];
	return v;
}

static void u128_to_addr(int family, unsigned __int128 v, struct ip_addr *ret)
{
	int size = family == AF_INET ? 4 : 16;

	memset(ret, 0, sizeof(*ret));
	ret->family = family;
	for (int i = size - 1; i >= 0; i--) {
		ret->bytes[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

unsigned __int128 ip_prefix_size(const struct ip_prefix *p)
{
	int host_bits = ip_addr_bits(&p->addr) - p->len;

	if (host_bits >= 128)
		return (unsigned __int128)1 << 127;
	return (unsigned __int128)1 << host_bits;
}

unsigned __int128 ip_prefix_offset(const struct ip_prefix *p, const struct ip_addr *a)
{
	return addr_to_u128(a) - addr_to_u128(&p->addr);
}

void ip_prefix_nth(const struct ip_prefix *p, unsigned __int128 offset, struct ip_addr *ret)
{
	u128_to_addr(p->addr.family, addr_to_u128(&p->addr) + offset, ret);
}

int mac_parse(const char *text, uint8_t ret[6], struct reef_error *err)
{
	unsigned int b[6];
	char tail;

	if (!text || strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return error_set(
			err, EINVAL,
			"invalid MAC address '%s': expected six hex bytes like 02:42:0a:00:00:02",
			text ? text : "");
	for (int i = 0; i < 17; i++) {
		bool hex = (text[i] >= '0' && text[i] <= '9') ||
			   (text[i] >= 'a' && text[i] <= 'f') || (text[i] >= 'A' && text[i] <= 'F');

		if ((i % 3 == 2) ? text[i] != ':' : !hex)
			return error_set(
				err, EINVAL,
				"invalid MAC address '%s': expected six hex bytes like 02:42:0a:00:00:02",
				text);
	}
	for (int i = 0; i < 6; i++)
		ret[i] = (uint8_t)b[i];
	return 0;
}

void mac_format(const uint8_t mac[6], char out[MAC_STRLEN])
{
	snprintf(out, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}
