/* SPDX-License-Identifier: MIT */
#include "offset_set.h"

#include <errno.h>
#include <stdlib.h>

enum { SLOT_EMPTY, SLOT_USED, SLOT_DELETED };

/* splitmix64's finaliser: spreads sequential offsets over the whole table. */
static size_t offset_hash(unsigned __int128 key)
{
	unsigned long long x = (unsigned long long)key ^ (unsigned long long)(key >> 64);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

/* Returns the slot holding KEY, or the first free slot of its probe sequence. */
static size_t offset_set_probe(const struct offset_set *set, unsigned __int128 key, bool *found)
{
	size_t mask = set->capacity - 1;
	size_t i = offset_hash(key) & mask;
	size_t first_free = (size_t)-1;

	for (;;) {
		if (set->states[i] == SLOT_EMPTY) {
			*found = false;
			return first_free != (size_t)-1 ? first_free : i;
		}
		if (set->states[i] == SLOT_DELETED) {
			if (first_free == (size_t)-1)
				first_free = i;
		} else if (set->keys[i] == key) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

bool offset_set_contains(const struct offset_set *set, unsigned __int128 key)
{
	bool found;

	if (set->capacity == 0)
		return false;
	offset_set_probe(set, key, &found);
	return found;
}

static int offset_set_resize(struct offset_set *set, size_t capacity)
{
	struct offset_set grown = { .capacity = capacity };

	grown.keys = malloc(capacity * sizeof(*grown.keys));
	grown.states = calloc(capacity, 1);
	if (!grown.keys || !grown.states) {
		free(grown.keys);
		free(grown.states);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->capacity; i++) {
		bool found;
		size_t slot;

		if (set->states[i] != SLOT_USED)
			continue;
		slot = offset_set_probe(&grown, set->keys[i], &found);
		grown.keys[slot] = set->keys[i];
		grown.states[slot] = SLOT_USED;
		grown.used++;
	}
	offset_set_clear(set);
	*set = grown;
	return 0;
}

int offset_set_insert(struct offset_set *set, unsigned __int128 key)
{
	bool found;
	size_t slot;

	/* Keep used plus tombstones under half the table so probes stay short. */
	if ((set->used + set->deleted + 1) * 2 > set->capacity) {
		size_t capacity = 16;

		while (capacity < (set->used + 1) * 4)
			capacity *= 2;
		if (offset_set_resize(set, capacity) < 0)
			return -ENOMEM;
	}
	slot = offset_set_probe(set, key, &found);
	if (found)
		return -EEXIST;
	if (set->states[slot] == SLOT_DELETED)
		set->deleted--;
	set->keys[slot] = key;
	set->states[slot] = SLOT_USED;
	set->used++;
	return 0;
}

int offset_set_remove(struct offset_set *set, unsigned __int128 key)
{
	bool found;
	size_t slot;

	if (set->capacity == 0)
		return -ENOENT;
	slot = offset_set_probe(set, key, &found);
	if (!found)
		return -ENOENT;
	set->states[slot] = SLOT_DELETED;
	set->used--;
	set->deleted++;
	return 0;
}

size_t offset_set_collect(const struct offset_set *set, unsigned __int128 *out)
{
	size_t n = 0;

	for (size_t i = 0; i < set->capacity; i++)
		if (set->states[i] == SLOT_USED)
			out[n++] = set->keys[i];
	return n;
}

void offset_set_clear(struct offset_set *set)
{
	free(set->keys);
	free(set->states);
	*set = (struct offset_set){ 0 };
}
