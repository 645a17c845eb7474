/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"
#include "offset_set.h"

/*
 * Offsets are positions within the subnet (0 is the network address).
 * Dynamic allocation works within a window of the first WINDOW offsets:
 * the whole subnet for IPv4, at most 2^64 addresses for IPv6.  Static
 * addresses may lie anywhere in the subnet.
 *
 * IPv4 pools keep two bitmaps (taken, and retired: released before the
 * cursor reached them); IPv6 pools keep the same two facts in hash sets,
 * because their window is far too large for a bitmap.
 */
struct ipam_pool {
	struct ip_prefix subnet;
	struct ip_addr gateway;
	unsigned __int128 gateway_offset;
	uint64_t window;
	bool has_broadcast;

	uint64_t cursor; /* next offset never handed out dynamically */
	size_t n_leases;

	uint64_t *taken_bits; /* IPv4 */
	uint64_t *retired_bits;
	struct offset_set taken; /* IPv6 */
	struct offset_set retired;

	/* Released offsets in release order; entries before HEAD are consumed. */
	uint64_t *released;
	size_t released_head;
	size_t released_len;
	size_t released_cap;
};

static bool pool_is_v4(const struct ipam_pool *pool)
{
	return pool->subnet.addr.family == AF_INET;
}

static bool bit_get(const uint64_t *bits, uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *bits, uint64_t i, bool on)
{
	if (on)
		bits[i / 64] |= 1ULL << (i % 64);
	else
		bits[i / 64] &= ~(1ULL << (i % 64));
}

static bool pool_taken(const struct ipam_pool *pool, unsigned __int128 off)
{
	if (pool_is_v4(pool))
		return bit_get(pool->taken_bits, (uint64_t)off);
	return offset_set_contains(&pool->taken, off);
}

static bool pool_retired(const struct ipam_pool *pool, uint64_t off)
{
	if (pool_is_v4(pool))
		return bit_get(pool->retired_bits, off);
	return offset_set_contains(&pool->retired, off);
}

static int pool_set_taken(struct ipam_pool *pool, unsigned __int128 off, bool on)
{
	if (pool_is_v4(pool)) {
		bit_set(pool->taken_bits, (uint64_t)off, on);
		return 0;
	}
	return on ? offset_set_insert(&pool->taken, off) : offset_set_remove(&pool->taken, off);
}

static int pool_set_retired(struct ipam_pool *pool, uint64_t off, bool on)
{
	if (pool_is_v4(pool)) {
		bit_set(pool->retired_bits, off, on);
		return 0;
	}
	if (on)
		return offset_set_insert(&pool->retired, off);
	offset_set_remove(&pool->retired, off);
	return 0;
}

static bool pool_reserved(const struct ipam_pool *pool, unsigned __int128 off)
{
	if (off == 0 || off == pool->gateway_offset)
		return true;
	return pool->has_broadcast && off == ip_prefix_size(&pool->subnet) - 1;
}

static int released_push(struct ipam_pool *pool, uint64_t off)
{
	if (pool->released_head > 0 && pool->released_head * 2 >= pool->released_len) {
		/* Compact once half the queue is consumed, keeping pushes amortised O(1). */
		pool->released_len -= pool->released_head;
		memmove(pool->released, pool->released + pool->released_head,
			pool->released_len * sizeof(*pool->released));
		pool->released_head = 0;
	}
	if (pool->released_len == pool->released_cap) {
		size_t cap = pool->released_cap ? pool->released_cap * 2 : 64;
		uint64_t *grown = realloc(pool->released, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		pool->released = grown;
		pool->released_cap = cap;
	}
	pool->released[pool->released_len++] = off;
	return 0;
}

/*
 * Address ranges that can never be a container subnet: routing one of them
 * to a bridge breaks the host (loopback) or the protocol (multicast,
 * link-local, "this network", IPv4-mapped IPv6).
 */
static const struct {
	const char *prefix;
	const char *name;
} special_ranges[] = {
	{ "0.0.0.0/8", "the 'this network' range" },
	{ "127.0.0.0/8", "the loopback range" },
	{ "169.254.0.0/16", "the link-local range" },
	{ "224.0.0.0/4", "the multicast range" },
	{ "240.0.0.0/4", "the reserved range" },
	{ "::/127", "the unspecified and loopback addresses" },
	{ "::ffff:0:0/96", "the IPv4-mapped range" },
	{ "fe80::/10", "the link-local range" },
	{ "ff00::/8", "the multicast range" },
};

static int subnet_check_special(const struct ip_prefix *subnet, const char *text,
				struct reef_error *err)
{
	for (size_t i = 0; i < sizeof(special_ranges) / sizeof(special_ranges[0]); i++) {
		struct ip_prefix range;

		if (ip_prefix_parse(special_ranges[i].prefix, false, &range, NULL) < 0 ||
		    !ip_prefix_overlaps(subnet, &range))
			continue;
		return error_set(
			err, EINVAL,
			"invalid subnet '%s': it overlaps %s %s, choose a private range such as %s, or 'auto'",
			text, special_ranges[i].name, special_ranges[i].prefix,
			subnet->addr.family == AF_INET ? "10.90.0.0/24" : "fd00:90::/64");
	}
	return 0;
}

int ipam_subnet_validate(const struct ip_prefix *subnet, const struct ip_addr *gateway,
			 struct reef_error *err)
{
	bool v4 = subnet->addr.family == AF_INET;
	int max_len = v4 ? IPAM_IPV4_MAX_PREFIX : IPAM_IPV6_MAX_PREFIX;
	int min_len = v4 ? IPAM_IPV4_MIN_PREFIX : IPAM_IPV6_MIN_PREFIX;
	char text[IP_PREFIX_STRLEN], gw[IP_ADDR_STRLEN];
	struct ip_prefix masked = *subnet;
	unsigned __int128 off;

	ip_prefix_format(subnet, text);
	ip_prefix_mask(&masked);
	if (!ip_addr_equal(&masked.addr, &subnet->addr)) {
		char suggestion[IP_PREFIX_STRLEN];

		ip_prefix_format(&masked, suggestion);
		return error_set(err, EINVAL,
				 "invalid subnet '%s': host bits are set, did you mean '%s'?", text,
				 suggestion);
	}
	/* A special range first: '::1/128' is the loopback address more than it is small. */
	if (subnet_check_special(subnet, text, err) < 0)
		return -EINVAL;
	if (subnet->len > max_len)
		return error_set(
			err, EINVAL,
			"subnet '%s' is too small: it leaves no address for a container; the smallest allowed is /%d",
			text, max_len);
	if (subnet->len < min_len)
		return error_set(err, EINVAL,
				 "subnet '%s' is too large: the largest allowed is /%d", text,
				 min_len);
	if (!gateway)
		return 0;

	ip_addr_format(gateway, gw);
	if (!ip_prefix_contains(subnet, gateway))
		return error_set(
			err, EINVAL,
			"invalid gateway '%s': it is outside subnet '%s', choose an address inside it",
			gw, text);
	off = ip_prefix_offset(subnet, gateway);
	if (off == 0)
		return error_set(
			err, EINVAL,
			"invalid gateway '%s': it is the network address of '%s', choose a host address",
			gw, text);
	if (v4 && off == ip_prefix_size(subnet) - 1)
		return error_set(
			err, EINVAL,
			"invalid gateway '%s': it is the broadcast address of '%s', choose a host address",
			gw, text);
	return 0;
}

int ipam_pool_new(const struct ip_prefix *subnet, const struct ip_addr *gateway,
		  struct ipam_pool **ret, struct reef_error *err)
{
	struct ipam_pool *pool;
	unsigned __int128 size;
	int r;

	r = ipam_subnet_validate(subnet, gateway, err);
	if (r < 0)
		return r;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return error_set(err, ENOMEM, "allocate address pool");

	pool->subnet = *subnet;
	size = ip_prefix_size(subnet);
	pool->window = size > UINT64_MAX ? UINT64_MAX : (uint64_t)size;
	pool->has_broadcast = subnet->addr.family == AF_INET;
	if (gateway)
		pool->gateway = *gateway;
	else
		ip_prefix_nth(subnet, 1, &pool->gateway);
	pool->gateway_offset = ip_prefix_offset(subnet, &pool->gateway);
	pool->cursor = 1;

	if (pool_is_v4(pool)) {
		size_t words = (size_t)((pool->window + 63) / 64);

		pool->taken_bits = calloc(words, sizeof(uint64_t));
		pool->retired_bits = calloc(words, sizeof(uint64_t));
		if (!pool->taken_bits || !pool->retired_bits) {
			ipam_pool_free(pool);
			return error_set(err, ENOMEM, "allocate address bitmap");
		}
	}
	*ret = pool;
	return 0;
}

void ipam_pool_free(struct ipam_pool *pool)
{
	if (!pool)
		return;
	free(pool->taken_bits);
	free(pool->retired_bits);
	offset_set_clear(&pool->taken);
	offset_set_clear(&pool->retired);
	free(pool->released);
	free(pool);
}

const struct ip_prefix *ipam_pool_subnet(const struct ipam_pool *pool)
{
	return &pool->subnet;
}

const struct ip_addr *ipam_pool_gateway(const struct ipam_pool *pool)
{
	return &pool->gateway;
}

static int pool_take(struct ipam_pool *pool, unsigned __int128 off, struct ip_addr *ret)
{
	if (pool_set_taken(pool, off, true) < 0)
		return -ENOMEM;
	pool->n_leases++;
	if (ret)
		ip_prefix_nth(&pool->subnet, off, ret);
	return 0;
}

int ipam_pool_alloc(struct ipam_pool *pool, struct ip_addr *ret, struct reef_error *err)
{
	char text[IP_PREFIX_STRLEN];

	/* Never-used addresses first: the cursor only moves forward. */
	while (pool->cursor < pool->window) {
		uint64_t off = pool->cursor++;

		if (pool_reserved(pool, off) || pool_taken(pool, off) || pool_retired(pool, off))
			continue;
		if (pool_take(pool, off, ret) < 0)
			goto nomem;
		return 0;
	}

	/* Then released ones, oldest release first. */
	while (pool->released_head < pool->released_len) {
		uint64_t off = pool->released[pool->released_head++];

		if (pool_taken(pool, off))
			continue;
		pool_set_retired(pool, off, false);
		if (pool_take(pool, off, ret) < 0)
			goto nomem;
		return 0;
	}

	ip_prefix_format(&pool->subnet, text);
	return error_set(
		err, ENOSPC,
		"no free address left in subnet '%s': detach a container or create a larger network",
		text);
nomem:
	return error_set(err, ENOMEM, "allocate address");
}

/* Checks that ADDR can be leased; returns its offset through RET_OFF. */
static int pool_check_static(const struct ipam_pool *pool, const struct ip_addr *addr,
			     unsigned __int128 *ret_off, struct reef_error *err)
{
	char a[IP_ADDR_STRLEN], s[IP_PREFIX_STRLEN];
	unsigned __int128 off;

	if (!ip_prefix_contains(&pool->subnet, addr)) {
		ip_addr_format(addr, a);
		ip_prefix_format(&pool->subnet, s);
		return error_set(err, EINVAL,
				 "address '%s' is outside subnet '%s': choose an address inside it",
				 a, s);
	}
	off = ip_prefix_offset(&pool->subnet, addr);
	if (pool_reserved(pool, off)) {
		ip_addr_format(addr, a);
		ip_prefix_format(&pool->subnet, s);
		return error_set(
			err, EINVAL,
			"address '%s' is reserved in subnet '%s' (network, gateway or broadcast address): choose another",
			a, s);
	}
	*ret_off = off;
	return 0;
}

int ipam_pool_alloc_static(struct ipam_pool *pool, const struct ip_addr *addr,
			   struct reef_error *err)
{
	unsigned __int128 off;
	char a[IP_ADDR_STRLEN];
	int r = pool_check_static(pool, addr, &off, err);

	if (r < 0)
		return r;
	if (pool_taken(pool, off)) {
		ip_addr_format(addr, a);
		return error_set(
			err, EEXIST,
			"address '%s' is already in use: choose another or omit it to get a free one",
			a);
	}
	if (pool_take(pool, off, NULL) < 0)
		return error_set(err, ENOMEM, "allocate address");
	if (off < pool->window && pool_retired(pool, (uint64_t)off))
		pool_set_retired(pool, (uint64_t)off, false);
	return 0;
}

int ipam_pool_restore(struct ipam_pool *pool, const struct ip_addr *addr, struct reef_error *err)
{
	char a[IP_ADDR_STRLEN];
	int r = ipam_pool_alloc_static(pool, addr, err);

	if (r == -EEXIST) {
		ip_addr_format(addr, a);
		return error_set(err, EEXIST, "duplicate lease of address '%s' in saved state", a);
	}
	return r;
}

int ipam_pool_release(struct ipam_pool *pool, const struct ip_addr *addr, struct reef_error *err)
{
	unsigned __int128 off;
	char a[IP_ADDR_STRLEN];
	int r = pool_check_static(pool, addr, &off, err);

	if (r < 0)
		return r;
	if (!pool_taken(pool, off)) {
		ip_addr_format(addr, a);
		return error_set(err, ENOENT, "address '%s' is not allocated", a);
	}
	pool_set_taken(pool, off, false);
	pool->n_leases--;
	if (off >= pool->window)
		return 0;
	/* An address above the cursor was used once: the cursor must not hand it out as new. */
	if (off >= pool->cursor && pool_set_retired(pool, (uint64_t)off, true) < 0)
		return error_set(err, ENOMEM, "record released address");
	if (released_push(pool, (uint64_t)off) < 0)
		return error_set(err, ENOMEM, "record released address");
	return 0;
}

uint64_t ipam_pool_cursor(const struct ipam_pool *pool)
{
	return pool->cursor;
}

void ipam_pool_cursor_set(struct ipam_pool *pool, uint64_t cursor)
{
	if (cursor > pool->window)
		cursor = pool->window;
	if (cursor < 1)
		cursor = 1;
	pool->cursor = cursor;

	/*
	 * The release order is not saved, so every free address below the
	 * cursor counts as released, in address order.
	 * NOTE: this walks the offsets below the cursor once per restore.
	 */
	pool->released_head = pool->released_len = 0;
	for (uint64_t off = 1; off < cursor; off++)
		if (!pool_reserved(pool, off) && !pool_taken(pool, off) &&
		    released_push(pool, off) < 0)
			break;
}

bool ipam_pool_is_allocated(const struct ipam_pool *pool, const struct ip_addr *addr)
{
	if (!ip_prefix_contains(&pool->subnet, addr))
		return false;
	return pool_taken(pool, ip_prefix_offset(&pool->subnet, addr));
}

size_t ipam_pool_lease_count(const struct ipam_pool *pool)
{
	return pool->n_leases;
}

uint64_t ipam_pool_capacity(const struct ipam_pool *pool)
{
	unsigned __int128 size = ip_prefix_size(&pool->subnet);
	unsigned __int128 reserved = pool->has_broadcast ? 3 : 2;

	size -= reserved;
	return size > UINT64_MAX ? UINT64_MAX : (uint64_t)size;
}

static int offset_compare(const void *a, const void *b)
{
	unsigned __int128 x = *(const unsigned __int128 *)a, y = *(const unsigned __int128 *)b;

	return x < y ? -1 : x > y;
}

int ipam_pool_foreach(const struct ipam_pool *pool,
		      int (*fn)(const struct ip_addr *addr, void *data), void *data)
{
	struct ip_addr addr;
	unsigned __int128 *offsets;
	size_t n = 0;
	int r = 0;

	if (pool_is_v4(pool)) {
		for (uint64_t off = 0; off < pool->window && r == 0; off++) {
			if (!bit_get(pool->taken_bits, off))
				continue;
			ip_prefix_nth(&pool->subnet, off, &addr);
			r = fn(&addr, data);
		}
		return r;
	}

	offsets = malloc((pool->taken.used + 1) * sizeof(*offsets));
	if (!offsets)
		return -ENOMEM;
	n = offset_set_collect(&pool->taken, offsets);
	qsort(offsets, n, sizeof(*offsets), offset_compare);
	for (size_t i = 0; i < n && r == 0; i++) {
		ip_prefix_nth(&pool->subnet, offsets[i], &addr);
		r = fn(&addr, data);
	}
	free(offsets);
	return r;
}
