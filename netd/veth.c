/* SPDX-License-Identifier: MIT */
/*
 * Endpoints of bridge networks: a veth pair whose host end is a bridge
 * port and whose peer is created straight inside the container's network
 * namespace under its final name, so it never appears in reef-netd's
 * namespace where the name ("eth0") could clash.
 */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if.h>
#include <netlink/route/link/veth.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "nl-cleanup.h"

DEFINE_CLEANUP(struct rtnl_link, rtnl_link_veth_release)

static bool mac_is_set(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) != 0;
}

/*
 * Builds the RTM_NEWLINK link object: host end enslaved but down, so that
 * IPv6 can be turned off before it comes up, and the peer in NETNS_FD.
 */
static struct rtnl_link *veth_link_new(const struct kernel_endpoint *ep, unsigned mtu,
				       int bridge_index, int netns_fd)
{
	struct rtnl_link *host, *peer;
	struct nl_addr *mac;

	host = rtnl_link_veth_alloc();
	if (!host)
		return NULL;
	peer = rtnl_link_veth_get_peer(host);
	rtnl_link_set_name(host, ep->host_ifname);
	rtnl_link_set_master(host, bridge_index);
	rtnl_link_set_name(peer, ep->ifname);
	/*
	 * One queue each way, set at creation.  Without it the kernel (6.18)
	 * allocates one per possible CPU and then cuts the real count to one on
	 * the registered device, which waits for an RCU grace period under the
	 * RTNL lock for each end.
	 */
	rtnl_link_set_num_tx_queues(host, 1);
	rtnl_link_set_num_rx_queues(host, 1);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	/* Not up yet: veth_open() fails with ENOTCONN while the host end is still being created. */
	rtnl_link_set_ns_fd(peer, netns_fd);
	if (mtu) {
		rtnl_link_set_mtu(host, mtu);
		rtnl_link_set_mtu(peer, mtu);
	}
	if (mac_is_set(ep->mac)) {
		mac = nl_addr_build(AF_LLC, ep->mac, 6);
		if (!mac) {
			rtnl_link_veth_release(host);
			return NULL;
		}
		rtnl_link_set_addr(peer, mac);
		nl_addr_put(mac);
	}
	rtnl_link_put(peer);
	return host;
}

static int veth_create(struct netlink *nl, const struct kernel_endpoint *ep, unsigned mtu,
		       int bridge_index, int netns_fd, struct reef_error *err)
{
	_cleanup_(rtnl_link_veth_release_cleanup) struct rtnl_link *link = NULL;
	int index;
	int r;

	link = veth_link_new(ep, mtu, bridge_index, netns_fd);
	if (!link)
		return error_set_errno(err, ENOMEM, "create veth '%s'", ep->host_ifname);
	r = rtnl_link_add(nl->sock, link, NLM_F_CREATE | NLM_F_EXCL);
	if (r < 0)
		r = netlink_error(nl, r, err, "create veth '%s' with peer '%s' in pid %d",
				  ep->host_ifname, ep->ifname, (int)ep->pid);
	if (r != -EEXIST)
		return r;

	/* The kernel does not say which end clashed; look at the host end. */
	if (link_index_get(nl, ep->host_ifname, &index, NULL, NULL) == 0)
		return error_set(err, EEXIST,
				 "create veth: link '%s' exists already: detach the endpoint "
				 "that owns it or delete the link",
				 ep->host_ifname);
	return error_set(err, EEXIST,
			 "create veth '%s': the container of pid %d has a link '%s' already: "
			 "choose another interface name",
			 ep->host_ifname, (int)ep->pid, ep->ifname);
}

/*
 * Turns IPv6 off on the host end, a bridge port that needs no address.  With
 * IPv6 on, each host end gets a link-local address, its route and a
 * multicast route, and sends router solicitations and MLD reports.  Every
 * later link change then walks IPv6 routes whose number grows with the
 * endpoints.  The kernel takes disable_ipv6 only through /proc/sys, since
 * Linux 6.18 rejects IFLA_AF_SPEC in a create request.  It must be set while
 * the link is down, before addrconf runs.
 */
static void veth_host_ipv6_disable(const struct kernel_endpoint *ep)
{
	_cleanup_(close_fd) int fd = -1;
	char path[96];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ep->host_ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	/* ENOENT: a kernel without IPv6, or booted with ipv6.disable=1. */
	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0 || write(fd, "1", 1) != 1)
		log_warning("disable IPv6 on '%s' of '%s' on '%s': %s, ignoring", ep->host_ifname,
			    ep->container, ep->network, strerror(errno));
}

static void veth_rollback(struct netlink *nl, const struct kernel_endpoint *ep)
{
	struct reef_error err = { 0 };

	/* Deleting one end deletes the peer, with its addresses and routes. */
	if (link_delete(nl, ep->host_ifname, &err) < 0 && err.errnum != ENODEV)
		log_warning("roll back attach of '%s' to '%s': %s", ep->container, ep->network,
			    err.message);
}

int veth_endpoint_attach(const struct kernel_network *net, const struct kernel_endpoint *ep,
			 struct reef_error *err)
{
	_cleanup_(close_fd) int netns_fd = -1;
	unsigned mtu = ep->mtu ? ep->mtu : net->mtu;
	struct link_change change = { 0 };
	struct netlink nl;
	char alias[256];
	int bridge_index;
	int r;

	r = link_mtu_check(ep->host_ifname, mtu, err);
	if (r < 0)
		return r;
	r = netns_open_pid(ep->pid, &netns_fd, err);
	if (r < 0)
		return r;
	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = link_index_get(&nl, net->ifname, &bridge_index, NULL, err);
	if (r < 0) {
		error_prefix(err, "bridge of network '%s'", net->name);
		goto out;
	}
	r = veth_create(&nl, ep, mtu, bridge_index, netns_fd, err);
	if (r < 0)
		goto out;

	veth_host_ipv6_disable(ep);

	/* The kernel ignores IFLA_IFALIAS and bridge port options when it creates a link. */
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s/%s", ep->container, ep->network);
	change.alias = alias;
	change.isolated = net->isolate;
	change.up = true;
	r = link_change(&nl, ep->host_ifname, &change, err);
	if (r < 0)
		goto delete_veth;
	r = netns_link_configure(netns_fd, ep, err);
	if (r < 0)
		goto delete_veth;
	netlink_close(&nl);
	return 0;

delete_veth:
	veth_rollback(&nl, ep);
out:
	netlink_close(&nl);
	return r;
}

int veth_endpoint_detach(const struct kernel_network *net, const struct kernel_endpoint *ep,
			 struct reef_error *err)
{
	struct netlink nl;
	char alias[256];
	bool exists;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s/%s", ep->container, ep->network);
	r = link_owner_check(&nl, ep->host_ifname, alias, "veth", &exists, err);
	if (r < 0 || !exists)
		goto out;

	/*
	 * The host end also disappears on its own when the container's
	 * namespace is destroyed, which can race with this request.
	 */
	if (ep->delete_later && link_reaper_queue(ep->host_ifname, alias))
		goto out;
	r = link_delete(&nl, ep->host_ifname, err);
	if (r == -ENODEV)
		r = 0;
out:
	netlink_close(&nl);
	return r;
}
