/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_NETLINK_H
#define REEF_NETD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include <linux/netlink.h>

#include "../common/error.h"
#include "../ipam/addr.h"
#include "kernel.h"

/*
 * Internal helpers of the kernel drivers (bridge.c, veth.c, macvlan.c,
 * kernel.c).  They provide an rtnetlink socket that keeps the kernel's
 * extended ACK, the one place that turns libnl's NLE_* codes into errno
 * values, entry into a container's network namespace, and the link, address
 * and route requests that every driver needs.
 */

struct nl_sock;

struct netlink {
	struct nl_sock *sock;
	int ack_errno;	   /* positive errno of the last error ACK, 0 once consumed */
	char ack_msg[256]; /* its extended ACK text, "" when the kernel sent none */
};

/* Opens a rtnetlink socket in the network namespace of the calling thread. */
int netlink_open(struct netlink *nl, struct reef_error *err);

/* Opens a rtnetlink socket in the network namespace NETNS_FD (an open /proc/PID/ns/net). */
int netlink_open_in(struct netlink *nl, int netns_fd, struct reef_error *err);

void netlink_close(struct netlink *nl);

/*
 * Sets ERR from the libnl return code NLE (either sign).  The errno is the
 * kernel's own when the failure came from an error ACK, else the NLE code
 * translated.  The message is "CONTEXT: <nl_geterror() text>", followed by
 * ": <extended ACK text>" when the kernel sent one.  Returns -errno.
 */
int netlink_error(struct netlink *nl, int nle, struct reef_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Translates a libnl NLE_* code (either sign) to a positive errno value. */
int netlink_nle_to_errno(int nle);

/*
 * Copies the extended ACK message (NLMSGERR_ATTR_MSG) of the error message
 * HDR into OUT.  OUT is "" when there is none or the message is malformed.
 */
void netlink_ext_ack_parse(const struct nlmsghdr *hdr, char *out, size_t size);

/*
 * Runs the calling thread in the network namespace NETNS_FD until
 * netns_leave(); RET_SAVED receives the namespace to return to.
 */
int netns_enter(int netns_fd, int *ret_saved, struct reef_error *err);
void netns_leave(int saved);

/*
 * Opens /proc/PID/ns/net: -ESRCH when the process is gone, -EINVAL when it
 * shares the caller's namespace (a container always has its own).
 */
int netns_open_pid(pid_t pid, int *ret_fd, struct reef_error *err);

/* Link, address and route requests; links are named by IFNAME. */
/* Looks up the index of IFNAME and, unless RET_MAC is NULL, its MAC. */
int link_index_get(struct netlink *nl, const char *ifname, int *ret_index, uint8_t ret_mac[6],
		   struct reef_error *err);

/* Settings of one change request; zero or NULL fields stay as they are. */
struct link_change {
	const char *alias;
	unsigned mtu;
	bool isolated;	 /* bridge port isolation on */
	bool arp_notify; /* gratuitous ARP from the kernel when the link comes up */
	bool up;
};

/* Applies CHANGE to IFNAME in one request. */
int link_change(struct netlink *nl, const char *ifname, const struct link_change *change,
		struct reef_error *err);
/*
 * Rejects an MTU (0: the default) outside the range that veth and macvlan
 * links take: 68, the IPv4 minimum, to 65535, the Ethernet maximum.
 */
#define LINK_MTU_MIN 68
#define LINK_MTU_MAX 65535
int link_mtu_check(const char *ifname, unsigned mtu, struct reef_error *err);

/*
 * Checks that IFNAME carries the alias ALIAS, or no alias at all and the
 * link kind KIND, before reef changes or deletes it.  Returns 0 with
 * *RET_EXISTS false when there is no such link, and -EPERM naming the
 * alias found when the link belongs to someone else.
 */
int link_owner_check(struct netlink *nl, const char *ifname, const char *alias, const char *kind,
		     bool *ret_exists, struct reef_error *err);
/* Deletes IFNAME; -ENODEV when it does not exist (ERR then set as well). */
int link_delete(struct netlink *nl, const char *ifname, struct reef_error *err);
/*
 * Adds ADDR (with its prefix length) to link IFINDEX; IPv6 addresses skip
 * duplicate address detection.  An address already present is not an error.
 */
int address_add(struct netlink *nl, int ifindex, const struct ip_prefix *addr,
		struct reef_error *err);
/* Adds the default route via GATEWAY on IFINDEX; a default route already present is kept. */
int route_default_add(struct netlink *nl, int ifindex, const struct ip_addr *gateway,
		      struct reef_error *err);

/* The endpoint half of bridge_ops (veth.c). */
int veth_endpoint_attach(const struct kernel_network *net, const struct kernel_endpoint *ep,
			 struct reef_error *err);
int veth_endpoint_detach(const struct kernel_network *net, const struct kernel_endpoint *ep,
			 struct reef_error *err);

/* Derives a stable, locally administered unicast MAC from TEXT (a bridge keeps it for life). */
void mac_from_name(const char *text, uint8_t ret[6]);

/* Tells whether kernel_used_subnets() skips P: default, loopback, link-local, multicast. */
bool kernel_prefix_ignored(const struct ip_prefix *p);

/*
 * Configures the container side of endpoint EP, the link EP->ifname (still
 * down) in the namespace NETNS_FD: alias, addresses, lo and the link up,
 * default routes, and announcements of the addresses.
 */
int netns_link_configure(int netns_fd, const struct kernel_endpoint *ep, struct reef_error *err);

/*
 * Announces the IPv6 address ADDR with MAC on link IFINDEX of the calling
 * thread's namespace: an unsolicited neighbour advertisement with the
 * override flag, so neighbours that cached ADDR with an older MAC switch to
 * MAC at once.  IPv4 needs no call: link_change() with arp_notify has the
 * kernel send the gratuitous ARP.
 */
int announce_ipv6_address(int ifindex, const uint8_t mac[6], const struct ip_addr *addr,
			  struct reef_error *err);

/* Builds the ICMPv6 neighbour advertisement for IP with a target link-layer option. */
#define ANNOUNCE_NA_SIZE 32
void announce_na_build(uint8_t out[ANNOUNCE_NA_SIZE], const uint8_t mac[6], const uint8_t ip[16]);

#endif
