/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "ipam.h"

int ipam_subnet_check_free(const struct ip_prefix *subnet, const struct ipam_used_subnet *used,
			   size_t n_used, struct reef_error *err)
{
	char text[IP_PREFIX_STRLEN];

	for (size_t i = 0; i < n_used; i++) {
		if (!ip_prefix_overlaps(subnet, &used[i].prefix))
			continue;
		ip_prefix_format(subnet, text);
		return error_set(err, EEXIST,
				 "subnet '%s' overlaps %s: choose another subnet, or 'auto'", text,
				 used[i].owner);
	}
	return 0;
}

int ipam_subnet_pick(const struct ip_prefix *pool, int step_len,
		     const struct ipam_used_subnet *used, size_t n_used, struct ip_prefix *ret,
		     struct reef_error *err)
{
	int bits = ip_addr_bits(&pool->addr);
	unsigned __int128 step, end, offset = 0;
	char text[IP_PREFIX_STRLEN];
	struct ip_prefix candidate;

	if (step_len < pool->len || step_len > bits) {
		ip_prefix_format(pool, text);
		return error_set(err, EINVAL, "invalid step /%d for address pool '%s'", step_len,
				 text);
	}
	step = (unsigned __int128)1 << (bits - step_len);
	end = ip_prefix_size(pool);

	while (offset < end) {
		const struct ip_prefix *blocker = NULL;

		ip_prefix_nth(pool, offset, &candidate.addr);
		candidate.len = (uint8_t)step_len;
		for (size_t i = 0; i < n_used && !blocker; i++)
			if (ip_prefix_overlaps(&candidate, &used[i].prefix))
				blocker = &used[i].prefix;
		if (!blocker) {
			*ret = candidate;
			return 0;
		}

		/* Skip the whole blocking prefix when it is larger than one step. */
		if (blocker->len < step_len) {
			struct ip_prefix b = *blocker;
			unsigned __int128 blocker_end;

			ip_prefix_mask(&b);
			blocker_end = ip_prefix_offset(pool, &b.addr) + ip_prefix_size(&b);
			if (!ip_prefix_contains(pool, &b.addr) || blocker_end <= offset)
				break; /* the blocker covers the rest of the pool */
			offset = blocker_end;
		} else {
			offset += step;
		}
	}
	ip_prefix_format(pool, text);
	return error_set(
		err, ENOSPC,
		"no free /%d subnet left in address pool '%s': delete unused networks or give --subnet",
		step_len, text);
}
