/* SPDX-License-Identifier: MIT */
/*
 * Allocates every address of a subnet, then releases them all, and prints
 * the median nanoseconds per allocation and per release over ROUNDS runs.
 * Usage: bench-ipam SUBNET [ROUNDS] [COUNT]  (COUNT caps IPv6 subnets)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../ipam/ipam.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct reef_error err = { 0 };
	struct ip_prefix subnet;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	uint64_t count = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
	double alloc_ns[64], release_ns[64];
	struct ip_addr *addrs;
	uint64_t n = 0;

	if (argc < 2 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: bench-ipam SUBNET [ROUNDS 1-64] [COUNT]\n");
		return 2;
	}
	if (ip_prefix_parse(argv[1], false, &subnet, &err) < 0) {
		fprintf(stderr, "bench-ipam: %s\n", err.message);
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		struct ipam_pool *pool = NULL;
		double start;

		if (ipam_pool_new(&subnet, NULL, &pool, &err) < 0) {
			fprintf(stderr, "bench-ipam: %s\n", err.message);
			return 1;
		}
		if (count == 0 || count > ipam_pool_capacity(pool))
			count = ipam_pool_capacity(pool);
		addrs = malloc(count * sizeof(*addrs));
		if (!addrs)
			return 1;

		start = now_ns();
		for (n = 0; n < count; n++)
			if (ipam_pool_alloc(pool, &addrs[n], &err) < 0)
				break;
		alloc_ns[r] = (now_ns() - start) / (double)n;
		if (n != count) {
			fprintf(stderr, "bench-ipam: allocated %llu of %llu: %s\n",
				(unsigned long long)n, (unsigned long long)count, err.message);
			return 1;
		}

		start = now_ns();
		for (uint64_t i = 0; i < n; i++)
			ipam_pool_release(pool, &addrs[i], NULL);
		release_ns[r] = (now_ns() - start) / (double)n;
		free(addrs);
		ipam_pool_free(pool);
	}
	qsort(alloc_ns, (size_t)rounds, sizeof(double), compare_double);
	qsort(release_ns, (size_t)rounds, sizeof(double), compare_double);
	printf("%s %llu %.1f %.1f\n", argv[1], (unsigned long long)n, alloc_ns[rounds / 2],
	       release_ns[rounds / 2]);
	return 0;
}
