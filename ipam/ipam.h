/* SPDX-License-Identifier: MIT */
#ifndef REEF_IPAM_IPAM_H
#define REEF_IPAM_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "addr.h"

/*
 * Address allocation for one network and one address family.  Pure C: no
 * I/O and no globals, so reef-netd owns the persistence and the tests run
 * without a kernel.
 *
 * A pool never hands out the network address, the gateway or the IPv4
 * broadcast address.  Dynamic allocation walks a cursor through addresses
 * never used before; only when every address has been used once does it
 * reuse released ones, oldest release first, so a container that just
 * stopped does not pass its address straight to a new one.
 */
struct ipam_pool;

/* Smallest bridge subnets: /30 (IPv4) and /126 (IPv6) leave one usable address. */
#define IPAM_IPV4_MAX_PREFIX 30
#define IPAM_IPV6_MAX_PREFIX 126
/* Largest pools: an IPv4 /8 is a 2 MiB bitmap; IPv6 allocates within 2^64 addresses. */
#define IPAM_IPV4_MIN_PREFIX 8
#define IPAM_IPV6_MIN_PREFIX 8

/*
 * Checks SUBNET and GATEWAY (NULL: the first address after the network
 * address) without creating a pool.  Errors: a prefix too small names the
 * smallest allowed, a gateway outside the subnet or equal to its network or
 * broadcast address is rejected.
 */
int ipam_subnet_validate(const struct ip_prefix *subnet, const struct ip_addr *gateway,
			 struct reef_error *err);

int ipam_pool_new(const struct ip_prefix *subnet, const struct ip_addr *gateway,
		  struct ipam_pool **ret, struct reef_error *err);
void ipam_pool_free(struct ipam_pool *pool);

const struct ip_prefix *ipam_pool_subnet(const struct ipam_pool *pool);
const struct ip_addr *ipam_pool_gateway(const struct ipam_pool *pool);

/* Allocates the next free address; -ENOSPC when the pool is exhausted. */
int ipam_pool_alloc(struct ipam_pool *pool, struct ip_addr *ret, struct reef_error *err);

/*
 * Allocates ADDR itself (a static address): -EINVAL outside the subnet or
 * reserved, -EEXIST when taken.
 */
int ipam_pool_alloc_static(struct ipam_pool *pool, const struct ip_addr *addr,
			   struct reef_error *err);

/* Releases ADDR; -ENOENT when it is not allocated. */
int ipam_pool_release(struct ipam_pool *pool, const struct ip_addr *addr, struct reef_error *err);

/*
 * Restores a lease from saved state: like ipam_pool_alloc_static(), but a
 * duplicate is reported as a corrupt state (-EEXIST, "duplicate lease").
 * Call ipam_pool_cursor_set() afterwards with the saved cursor so that
 * dynamic allocation resumes where it stopped.
 */
int ipam_pool_restore(struct ipam_pool *pool, const struct ip_addr *addr, struct reef_error *err);

/* The cursor is the count of never-used offsets consumed; store it with the leases. */
uint64_t ipam_pool_cursor(const struct ipam_pool *pool);
void ipam_pool_cursor_set(struct ipam_pool *pool, uint64_t cursor);

bool ipam_pool_is_allocated(const struct ipam_pool *pool, const struct ip_addr *addr);
size_t ipam_pool_lease_count(const struct ipam_pool *pool);
/* Number of addresses the pool can hand out in total (saturates at UINT64_MAX). */
uint64_t ipam_pool_capacity(const struct ipam_pool *pool);

/* Calls FN for each allocated address in address order; stops at a non-zero return. */
int ipam_pool_foreach(const struct ipam_pool *pool,
		      int (*fn)(const struct ip_addr *addr, void *data), void *data);

/*
 * Subnets already in use, for automatic selection and overlap checks:
 * host routes and addresses, and other reef networks.  OWNER describes the
 * entry for error messages ("route 10.0.0.0/8 dev eth0", "network 'lab'").
 */
struct ipam_used_subnet {
	struct ip_prefix prefix;
	const char *owner;
};

/* Rejects SUBNET when it overlaps an entry of USED, naming that entry. */
int ipam_subnet_check_free(const struct ip_prefix *subnet, const struct ipam_used_subnet *used,
			   size_t n_used, struct reef_error *err);

/*
 * Picks the first subnet of length STEP_LEN inside POOL that overlaps no
 * entry of USED.  The default pools are IPAM_AUTO_POOL_IPV4 in /24 steps and
 * IPAM_AUTO_POOL_IPV6 in /64 steps.
 */
#define IPAM_AUTO_POOL_IPV4 "10.88.0.0/14"
#define IPAM_AUTO_STEP_IPV4 24
#define IPAM_AUTO_POOL_IPV6 "fd00::/8"
#define IPAM_AUTO_STEP_IPV6 64
int ipam_subnet_pick(const struct ip_prefix *pool, int step_len,
		     const struct ipam_used_subnet *used, size_t n_used, struct ip_prefix *ret,
		     struct reef_error *err);

/*
 * MAC addresses of one network: locally administered unicast and unique
 * within the set.  ipam_mac_alloc() derives the address from SEED, so the
 * same (container, network) seed gives the same MAC while it is free; a
 * caller that wants a random MAC passes random bytes as the seed.
 */
struct ipam_macs;

int ipam_macs_new(struct ipam_macs **ret, struct reef_error *err);
void ipam_macs_free(struct ipam_macs *macs);
int ipam_mac_alloc(struct ipam_macs *macs, const void *seed, size_t seed_len, uint8_t ret[6],
		   struct reef_error *err);
/* Reserves a given MAC: -EINVAL for multicast, -EEXIST when taken. */
int ipam_mac_reserve(struct ipam_macs *macs, const uint8_t mac[6], struct reef_error *err);
int ipam_mac_release(struct ipam_macs *macs, const uint8_t mac[6]);
bool ipam_mac_is_used(const struct ipam_macs *macs, const uint8_t mac[6]);

#endif
