/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_NETD_H
#define REEF_NETD_NETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../common/error.h"
#include "../ipam/ipam.h"
#include "kernel.h"
#include "request.h"
#include "store.h"

/*
 * The core of reef-netd: networks and endpoints, kept in the store and
 * mirrored in memory by one IPAM pool per family and one MAC set per
 * network.  Every change follows the same steps: validate, write the intent
 * in a database transaction, apply it to the kernel, commit.  A kernel error
 * rolls the transaction back and undoes the in-memory allocation.  A crash
 * before the commit leaves kernel objects that reconciliation removes at the
 * next start, because no database row owns them.
 *
 * Requests are applied one at a time, so nothing here locks.
 */
struct netd_network {
	struct store_network rec;
	const struct link_ops *ops;
	struct ipam_pool *pool4; /* NULL without IPv4 */
	struct ipam_pool *pool6; /* NULL without IPv6 */
	struct ipam_macs *macs;
	struct netd_network *next;
};

struct fw;
struct fw_monitor;

struct netd {
	struct store *store;
	struct fw *fw;		       /* reef's nftables table; NULL until netd_fw_start() */
	struct fw_monitor *fw_monitor; /* events that tell when others change the table */
	struct netd_network *networks; /* in creation order of this run, not sorted */
	char resolv_conf[256];	       /* source of the DNS servers in attach replies */
	time_t started;
};

/* Opens the database at DB_PATH and loads networks and leases into memory. */
int netd_open(const char *db_path, struct netd **ret, struct reef_error *err);
void netd_free(struct netd *netd);

/*
 * Brings the kernel in line with the database at start: recreates missing
 * bridges and rewires their live endpoints, releases endpoints whose process
 * is gone, and deletes reef-owned interfaces that nothing in the database
 * owns.  Each problem is logged and the rest continues.
 */
int netd_reconcile(struct netd *netd, struct reef_error *err);

struct netd_network *netd_network_find(struct netd *netd, const char *name);
/* Builds the in-memory network for REC with empty pools, without touching store or kernel. */
int netd_network_new(const struct store_network *rec, struct netd_network **ret,
		     struct reef_error *err);
void netd_network_free(struct netd_network *net);
int netd_network_create(struct netd *netd, const struct network_request *req,
			struct netd_network **ret, struct reef_error *err);
/* Deletes a network; with endpoints only when FORCE, which detaches them first. */
int netd_network_delete(struct netd *netd, const char *name, bool force, struct reef_error *err);

int netd_endpoint_attach(struct netd *netd, const struct attach_request *req,
			 struct store_endpoint *ret, struct reef_error *err);
/*
 * Detaches CONTAINER from NETWORK, or from every network when NETWORK is
 * NULL.  An endpoint that does not exist is not an error, so detaching
 * twice is harmless; *RET_COUNT (when not NULL) receives how many went.
 */
int netd_endpoint_detach(struct netd *netd, const char *container, const char *network,
			 size_t *ret_count, struct reef_error *err);

/* The maximum number of veth host ends one detach leaves to the link reaper; it deletes the rest. */
#define DETACH_LATER_MAX 16

/* The outcome of netd_endpoint_detach_later(). */
struct detach_result {
	size_t count;	   /* endpoints detached */
	size_t n_deleting; /* host interfaces the link reaper still deletes */
	char deleting[DETACH_LATER_MAX][16];
};

/*
 * Detaches as netd_endpoint_detach() does, but leaves the deletion of each
 * veth host end to the link reaper, so it returns without waiting for the
 * kernel.  Endpoints, leases and forwards are gone when it returns.
 */
int netd_endpoint_detach_later(struct netd *netd, const char *container, const char *network,
			       struct detach_result *ret, struct reef_error *err);

/* Fills the kernel view of NET; GW4 and GW6 receive the gateway prefixes it points to. */
void netd_kernel_network(const struct netd_network *net, struct ip_prefix *gw4,
			 struct ip_prefix *gw6, struct kernel_network *ret);

/*
 * Interface names: PREFIX ("rb" for bridges, "rf" for veth host ends) and
 * 11 hex digits of a hash of KEY, 13 characters in all, so always under
 * IFNAMSIZ.  A name taken in the database or in the kernel makes the next
 * attempt hash KEY with a counter, up to 16 attempts.
 */
int netd_ifname_pick(struct netd *netd, const char *prefix, const char *key, char ret[16],
		     struct reef_error *err);
void netd_ifname_hash(const char *prefix, const char *key, unsigned attempt, char ret[16]);

/*
 * Reads the start time of process PID (field 22 of /proc/PID/stat);
 * -ESRCH when there is no such process.
 */
int proc_start_time(pid_t pid, unsigned long long *ret, struct reef_error *err);
/* True when PID runs and started at START_TIME, so a reused pid does not count. */
bool proc_is_alive(pid_t pid, unsigned long long start_time);
/* Tells whether process PID is in the caller's own network namespace. */
int proc_netns_is_own(pid_t pid, bool *ret, struct reef_error *err);
/*
 * Reads the user that owns the network namespace of process PID: the
 * creator of the user namespace that owns it (0 for the initial one).
 */
int proc_netns_owner(pid_t pid, uid_t *ret, struct reef_error *err);
/* Reads the user that owns process PID (the owner of /proc/PID). */
int proc_owner(pid_t pid, uid_t *ret, struct reef_error *err);

/*
 * Looks ADDR up among the addresses of the interfaces in reef-netd's network
 * namespace.  Sets RET_IFNAME to the interface that has it, or to "" when
 * no interface has it.
 */
int host_address_owner(const struct ip_addr *addr, char ret_ifname[16], struct reef_error *err);

/*
 * Reads the nameservers of resolv.conf at PATH, skipping loopback ones,
 * which mean nothing inside a container; at most MAX.  A missing file gives
 * none.
 */
size_t resolv_nameservers(const char *path, struct ip_addr *ret, size_t max);

#endif
