/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_KERNEL_H
#define REEF_NETD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../ipam/addr.h"
#include "../ipam/ipam.h"

/*
 * The network drivers: everything reef-netd does to links, addresses and
 * routes, over rtnetlink with libnl-route-3.  Policy (names, addresses,
 * which network) is decided by the callers; these functions only build
 * and send messages.  Each link kind has its own file (bridge.c, veth.c,
 * macvlan.c) behind the small ops table below.
 *
 * Every interface reef creates carries the alias "reef:<container>/<network>"
 * (bridges: "reef:<network>"), which reconciliation uses to find orphans.
 */

#define REEF_ALIAS_PREFIX "reef:"

struct kernel_network {
	const char *name;		  /* reef network name */
	const char *kind;		  /* "bridge" or "macvlan" */
	const char *ifname;		  /* bridge name ("rb" + hash) */
	const char *parent;		  /* macvlan parent interface */
	unsigned mtu;			  /* 0: the default */
	bool isolate;			  /* bridge port isolation between containers */
	const struct ip_prefix *gateway4; /* gateway address with the subnet length, or NULL */
	const struct ip_prefix *gateway6;
};

struct kernel_endpoint {
	const char *container;
	const char *network;
	pid_t pid;		 /* init of the container: its network namespace is the target */
	const char *host_ifname; /* host end of the veth ("rf" + hash) */
	const char *ifname;	 /* name inside the container, "eth0" */
	uint8_t mac[6];
	unsigned mtu;
	const struct ip_prefix *addr4; /* address with subnet length, or NULL */
	const struct ip_prefix *addr6;
	const struct ip_addr *gateway4; /* default route via, or NULL for none */
	const struct ip_addr *gateway6;
	/* detach: leave the host end to the link reaper (when it runs) instead of waiting */
	bool delete_later;
};

struct link_ops {
	const char *kind;
	int (*network_create)(const struct kernel_network *net, struct reef_error *err);
	int (*network_delete)(const struct kernel_network *net, struct reef_error *err);
	int (*endpoint_attach)(const struct kernel_network *net, const struct kernel_endpoint *ep,
			       struct reef_error *err);
	/* Removes the host side; a namespace or interface already gone is not an error. */
	int (*endpoint_detach)(const struct kernel_network *net, const struct kernel_endpoint *ep,
			       struct reef_error *err);
};

/*
 * Host facts that policy needs.  All of them read the network namespace
 * reef-netd runs in.
 */

/*
 * Lists the routes and addresses of the namespace, OWNER set to e.g. "route 10.0.0.0/8 dev eth0"
 * or "address 192.168.1.5/24 on eth0".  Default routes, loopback, link-local and multicast
 * prefixes, and everything on reef-owned links (alias "reef:...") are left out.
 */
int kernel_used_subnets(struct ipam_used_subnet **ret, size_t *ret_n, struct reef_error *err);
void kernel_used_subnets_free(struct ipam_used_subnet *used, size_t n);

/* MTU of the interface carrying the default route (IPv4, else IPv6); 1500 without one. */
int kernel_default_mtu(unsigned *ret, struct reef_error *err);

/*
 * Looks ADDR up among the addresses in reef-netd's namespace and sets
 * RET_IFNAME to the interface that has it, or to "" when none has it.
 */
int kernel_address_owner(const struct ip_addr *addr, char ret_ifname[16], struct reef_error *err);

bool kernel_link_exists(const char *ifname);
/* Deletes IFNAME whatever its owner; a link already gone is not an error. */
int kernel_link_delete(const char *ifname, struct reef_error *err);

/*
 * Calls FN for every link whose alias starts with REEF_ALIAS_PREFIX.  It also
 * calls FN with alias "" for every veth without an alias that is a port of
 * such a link.  Stops at the first non-zero return of FN and returns it.
 */
int kernel_owned_links(int (*fn)(const char *ifname, const char *alias, void *data), void *data,
		       struct reef_error *err);

/*
 * The link reaper (link-reaper.c) deletes detached veths in a thread of its
 * own, each only while it still carries the given alias.  link_reaper_queue()
 * returns false when the reaper does not run or its queue is full, and the
 * caller deletes the link itself then.
 * link_reaper_wait() returns once IFNAME is neither queued nor being
 * deleted.  link_reaper_stop() deletes what is queued, then ends the thread.
 */
int link_reaper_start(struct reef_error *err);
void link_reaper_stop(void);
bool link_reaper_queue(const char *ifname, const char *alias);
void link_reaper_wait(const char *ifname);

extern const struct link_ops bridge_ops;
extern const struct link_ops macvlan_ops;
const struct link_ops *link_ops_find(const char *kind);

#endif
