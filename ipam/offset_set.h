/* SPDX-License-Identifier: MIT */
#ifndef REEF_IPAM_OFFSET_SET_H
#define REEF_IPAM_OFFSET_SET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A hash set of 128-bit offsets with open addressing and linear probing,
 * for the sparse IPv6 pools and for MAC addresses.  Deleted slots become
 * tombstones and are reclaimed when the table grows or is rebuilt.
 */
struct offset_set {
	unsigned __int128 *keys;
	unsigned char *states; /* SLOT_EMPTY, SLOT_USED or SLOT_DELETED */
	size_t capacity;       /* a power of two, or 0 before the first insert */
	size_t used;
	size_t deleted;
};

bool offset_set_contains(const struct offset_set *set, unsigned __int128 key);
/* Returns 0, -EEXIST when KEY is present, or -ENOMEM. */
int offset_set_insert(struct offset_set *set, unsigned __int128 key);
/* Returns 0 or -ENOENT. */
int offset_set_remove(struct offset_set *set, unsigned __int128 key);
/* Copies every key into OUT, which has room for SET->used keys; returns the count. */
size_t offset_set_collect(const struct offset_set *set, unsigned __int128 *out);
void offset_set_clear(struct offset_set *set);

#endif
