/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "ipam.h"
#include "offset_set.h"

struct ipam_macs {
	struct offset_set used;
};

static unsigned __int128 mac_key(const uint8_t mac[6])
{
	unsigned __int128 k = 0;

	for (int i = 0; i < 6; i++)
		k = (k << 8) | mac[i];
	return k;
}

int ipam_macs_new(struct ipam_macs **ret, struct reef_error *err)
{
	struct ipam_macs *macs = calloc(1, sizeof(*macs));

	if (!macs)
		return error_set(err, ENOMEM, "allocate MAC set");
	*ret = macs;
	return 0;
}

void ipam_macs_free(struct ipam_macs *macs)
{
	if (!macs)
		return;
	offset_set_clear(&macs->used);
	free(macs);
}

/* FNV-1a over the seed and a counter, then splitmix64's finaliser. */
static uint64_t mac_hash(const void *seed, size_t len, uint32_t counter)
{
	const uint8_t *p = seed;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((counter >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

int ipam_mac_alloc(struct ipam_macs *macs, const void *seed, size_t seed_len, uint8_t ret[6],
		   struct reef_error *err)
{
	/* A network contains far fewer MACs than 2^46, so a free one turns up within a few tries. */
	for (uint32_t counter = 0; counter < 1024; counter++) {
		uint64_t h = mac_hash(seed, seed_len, counter);
		uint8_t mac[6];

		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(h >> (8 * i));
		/* Locally administered (bit 1 set), unicast (bit 0 clear). */
		mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
		if (offset_set_contains(&macs->used, mac_key(mac)))
			continue;
		if (offset_set_insert(&macs->used, mac_key(mac)) < 0)
			return error_set(err, ENOMEM, "record MAC address");
		for (int i = 0; i < 6; i++)
			ret[i] = mac[i];
		return 0;
	}
	return error_set(err, ENOSPC, "no free MAC address found after 1024 tries");
}

int ipam_mac_reserve(struct ipam_macs *macs, const uint8_t mac[6], struct reef_error *err)
{
	char text[MAC_STRLEN];
	bool zero = true;
	int r;

	mac_format(mac, text);
	for (int i = 0; i < 6; i++)
		zero = zero && mac[i] == 0;
	if (mac[0] & 1)
		return error_set(
			err, EINVAL,
			"invalid MAC address '%s': it is a multicast address, clear the lowest bit of the first byte",
			text);
	if (zero)
		return error_set(err, EINVAL, "invalid MAC address '%s': it is all zeros", text);
	r = offset_set_insert(&macs->used, mac_key(mac));
	if (r == -EEXIST)
		return error_set(
			err, EEXIST,
			"MAC address '%s' is already used on this network: choose another or omit it",
			text);
	if (r < 0)
		return error_set(err, ENOMEM, "record MAC address");
	return 0;
}

int ipam_mac_release(struct ipam_macs *macs, const uint8_t mac[6])
{
	return offset_set_remove(&macs->used, mac_key(mac));
}

bool ipam_mac_is_used(const struct ipam_macs *macs, const uint8_t mac[6])
{
	return offset_set_contains(&macs->used, mac_key(mac));
}
