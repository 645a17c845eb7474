/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_STORE_H
#define REEF_NETD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../common/names.h"
#include "../ipam/addr.h"

/*
 * The state of reef-netd in SQLite: networks, their address pools (one per
 * family, with the allocator cursor), endpoints and the leases they hold.
 * The leases table has the primary key (network, address), so the database
 * itself rejects a duplicate address.  Deleting a network deletes its pools,
 * endpoints and leases; deleting an endpoint deletes its leases.
 *
 * Callers group changes with store_begin() / store_commit() and undo them
 * with store_rollback().  Every other function runs inside the current
 * transaction, or on its own when none is open.
 */
struct store;

#define STORE_IFNAMSIZ 16 /* IFNAMSIZ */

struct store_pool {
	bool present;
	struct ip_prefix subnet;
	struct ip_addr gateway;
	uint64_t cursor;
};

struct store_network {
	char name[REEF_NAME_MAX + 1];
	char kind[16];		     /* "bridge" or "macvlan" */
	char ifname[STORE_IFNAMSIZ]; /* the bridge ("rb" + hash); empty for macvlan */
	char parent[STORE_IFNAMSIZ]; /* macvlan parent; empty for bridges */
	unsigned mtu;
	bool internal;
	bool isolate;
	struct store_pool pool4;
	struct store_pool pool6;
	long long created; /* seconds since the epoch */
};

struct store_endpoint {
	char container[REEF_NAME_MAX + 1];
	char network[REEF_NAME_MAX + 1];
	pid_t pid;
	unsigned long long start_time; /* field 22 of /proc/PID/stat, in clock ticks since boot */
	char ifname[STORE_IFNAMSIZ];   /* name inside the container */
	char host_ifname[STORE_IFNAMSIZ];
	uint8_t mac[6];
	bool has_addr4;
	struct ip_addr addr4;
	bool has_addr6;
	struct ip_addr addr6;
	bool default_route;
};

/* Current schema version, stored in PRAGMA user_version. */
#define STORE_SCHEMA_VERSION 3

/* Opens or creates the database at PATH (":memory:" for tests) and migrates it. */
int store_open(const char *path, struct store **ret, struct reef_error *err);
void store_close(struct store *store);
int store_schema_version(struct store *store);

/* The open database, for the firewall's tables (forwards.c). */
struct sqlite3 *store_db(struct store *store);

int store_begin(struct store *store, struct reef_error *err);
int store_commit(struct store *store, struct reef_error *err);
/* Undoes the open transaction; does nothing when none is open. */
void store_rollback(struct store *store);

/* Inserts NET and its pools; -EEXIST when the name or the bridge name is taken. */
int store_network_insert(struct store *store, const struct store_network *net,
			 struct reef_error *err);
/* Deletes a network with its pools, endpoints and leases; -ENOENT when missing. */
int store_network_delete(struct store *store, const char *name, struct reef_error *err);
int store_network_get(struct store *store, const char *name, struct store_network *ret,
		      struct reef_error *err);
/* Lists every network by name; free *RET with free(). */
int store_network_list(struct store *store, struct store_network **ret, size_t *ret_n,
		       struct reef_error *err);
/* Saves the allocator cursor of the pool of FAMILY (AF_INET or AF_INET6). */
int store_pool_cursor_set(struct store *store, const char *network, int family, uint64_t cursor,
			  struct reef_error *err);

/* Inserts EP and a lease for each of its addresses; -EEXIST for a taken address or endpoint. */
int store_endpoint_insert(struct store *store, const struct store_endpoint *ep,
			  struct reef_error *err);
/* Deletes an endpoint and its leases; -ENOENT when missing. */
int store_endpoint_delete(struct store *store, const char *container, const char *network,
			  struct reef_error *err);
int store_endpoint_get(struct store *store, const char *container, const char *network,
		       struct store_endpoint *ret, struct reef_error *err);
/*
 * Lists endpoints ordered by container and network, filtered by CONTAINER
 * and NETWORK when not NULL; free *RET with free().
 */
int store_endpoint_list(struct store *store, const char *container, const char *network,
			struct store_endpoint **ret, size_t *ret_n, struct reef_error *err);
/* Counts endpoints, of NETWORK or of CONTAINER when not NULL. */
int store_endpoint_count(struct store *store, const char *container, const char *network,
			 size_t *ret, struct reef_error *err);
/* True when an endpoint or a network uses IFNAME as its host interface or bridge. */
bool store_ifname_is_used(struct store *store, const char *ifname);

/* A lease as stored: which address of which network belongs to which container. */
struct store_lease {
	char network[REEF_NAME_MAX + 1];
	char container[REEF_NAME_MAX + 1];
	struct ip_addr addr;
};

/* Lists the leases of NETWORK (every network when NULL); free *RET with free(). */
int store_lease_list(struct store *store, const char *network, struct store_lease **ret,
		     size_t *ret_n, struct reef_error *err);

#endif
