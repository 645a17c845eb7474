/* SPDX-License-Identifier: MIT */
/*
 * macvlan networks: each endpoint is a macvlan link in bridge mode on the
 * parent interface, created straight inside the container's namespace.  The
 * network itself has no kernel object, and the container's link dies with
 * its namespace.
 */
#include "netlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <netlink/route/link/macvlan.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "nl-cleanup.h"

static int parent_index_get(struct netlink *nl, const struct kernel_network *net, int *ret_index,
			    struct reef_error *err)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *parent = NULL;
	int r;

	if (!net->parent || !net->parent[0])
		return error_set(
			err, EINVAL,
			"macvlan network '%s' has no parent interface: pass --parent IFACE",
			net->name);
	r = rtnl_link_get_kernel(nl->sock, 0, net->parent, &parent);
	if (r < 0) {
		r = netlink_error(nl, r, err, "look up parent interface '%s'", net->parent);
		if (r == -ENODEV)
			return error_set(
				err, ENODEV,
				"parent interface '%s' of network '%s' not found: create it "
				"or pass an existing one with --parent",
				net->parent, net->name);
		return r;
	}

	/* The kernel takes only Ethernet parents other than loopback and returns a bare EINVAL. */
	if (rtnl_link_get_arptype(parent) != ARPHRD_ETHER ||
	    (rtnl_link_get_flags(parent) & IFF_LOOPBACK))
		return error_set(err, EINVAL,
				 "parent interface '%s' of network '%s' is not an Ethernet "
				 "interface: pass one with --parent",
				 net->parent, net->name);
	*ret_index = rtnl_link_get_ifindex(parent);
	return 0;
}

static int macvlan_network_create(const struct kernel_network *net, struct reef_error *err)
{
	struct netlink nl;
	int index;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = parent_index_get(&nl, net, &index, err);
	netlink_close(&nl);
	return r;
}

static int macvlan_network_delete(const struct kernel_network *net, struct reef_error *err)
{
	return 0;
}

static struct rtnl_link *macvlan_link_new(const struct kernel_endpoint *ep, unsigned mtu,
					  int parent_index, int netns_fd)
{
	struct rtnl_link *link;
	struct nl_addr *mac;
	static const uint8_t zero[6];

	link = rtnl_link_macvlan_alloc();
	if (!link)
		return NULL;
	rtnl_link_set_name(link, ep->ifname);
	rtnl_link_set_link(link, parent_index);
	rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_BRIDGE);
	/* Brought up once it has its addresses, see netns_link_configure(). */
	rtnl_link_set_ns_fd(link, netns_fd);
	if (mtu)
		rtnl_link_set_mtu(link, mtu);
	if (memcmp(ep->mac, zero, 6) != 0) {
		mac = nl_addr_build(AF_LLC, ep->mac, 6);
		if (!mac) {
			rtnl_link_put(link);
			return NULL;
		}
		rtnl_link_set_addr(link, mac);
		nl_addr_put(mac);
	}
	return link;
}

static int macvlan_create(struct netlink *nl, const struct kernel_endpoint *ep, unsigned mtu,
			  int parent_index, int netns_fd, struct reef_error *err)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *link = NULL;
	int r;

	link = macvlan_link_new(ep, mtu, parent_index, netns_fd);
	if (!link)
		return error_set_errno(err, ENOMEM, "create macvlan '%s'", ep->ifname);
	r = rtnl_link_add(nl->sock, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		return netlink_error(nl, r, err, "create macvlan '%s' in pid %d", ep->ifname,
				     (int)ep->pid);
	return 0;
}

static void macvlan_rollback(int netns_fd, const struct kernel_endpoint *ep)
{
	struct reef_error err = { 0 };
	struct netlink nl;

	if (netlink_open_in(&nl, netns_fd, &err) == 0) {
		link_delete(&nl, ep->ifname, &err);
		netlink_close(&nl);
	}
	if (err.errnum && err.errnum != ENODEV)
		log_warning("roll back attach of '%s' to '%s': %s", ep->container, ep->network,
			    err.message);
}

static int macvlan_endpoint_attach(const struct kernel_network *net,
				   const struct kernel_endpoint *ep, struct reef_error *err)
{
	_cleanup_(close_fd) int netns_fd = -1;
	unsigned mtu = ep->mtu ? ep->mtu : net->mtu;
	struct netlink nl;
	int parent_index;
	int r;

	r = link_mtu_check(ep->ifname, mtu, err);
	if (r < 0)
		return r;
	r = netns_open_pid(ep->pid, &netns_fd, err);
	if (r < 0)
		return r;
	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = parent_index_get(&nl, net, &parent_index, err);
	if (r == 0)
		r = macvlan_create(&nl, ep, mtu, parent_index, netns_fd, err);
	netlink_close(&nl);
	if (r < 0)
		return r;

	r = netns_link_configure(netns_fd, ep, err);
	if (r < 0)
		macvlan_rollback(netns_fd, ep);
	return r;
}

static int macvlan_endpoint_detach(const struct kernel_network *net,
				   const struct kernel_endpoint *ep, struct reef_error *err)
{
	_cleanup_(close_fd) int netns_fd = -1;
	struct netlink nl;
	char alias[256];
	bool exists;
	int r;

	/* With the container gone, its namespace and the macvlan in it are gone too. */
	if (netns_open_pid(ep->pid, &netns_fd, NULL) < 0)
		return 0;
	r = netlink_open_in(&nl, netns_fd, err);
	if (r < 0)
		return r;

	/*
	 * A same-named link without our alias means that the pid now belongs
	 * to another process, so the container is gone.
	 */
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s/%s", ep->container, ep->network);
	r = link_owner_check(&nl, ep->ifname, alias, "macvlan", &exists, err);
	if (r == -EPERM) {
		log_debug("detach '%s' from '%s': pid %d no longer runs it, nothing to delete",
			  ep->container, ep->network, (int)ep->pid);
		error_clear(err);
		r = 0;
		goto out;
	}
	if (r < 0 || !exists)
		goto out;
	r = link_delete(&nl, ep->ifname, err);
	if (r == -ENODEV)
		r = 0;
out:
	netlink_close(&nl);
	return r;
}

const struct link_ops macvlan_ops = {
	.kind = "macvlan",
	.network_create = macvlan_network_create,
	.network_delete = macvlan_network_delete,
	.endpoint_attach = macvlan_endpoint_attach,
	.endpoint_detach = macvlan_endpoint_detach,
};
