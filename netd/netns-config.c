/* SPDX-License-Identifier: MIT */
/* The container side of an endpoint, configured from inside its network namespace. */
#include "netlink.h"

#include <stdio.h>

#include "../common/log.h"

/*
 * Adds the IPv6 address and the default routes once the link is up: IPv4
 * routes need it, since the kernel rejects a next hop on a down device.
 */
static int link_up_configure(struct netlink *nl, int ifindex, const struct kernel_endpoint *ep,
			     struct reef_error *err)
{
	int r;

	if (ep->addr6) {
		r = address_add(nl, ifindex, ep->addr6, err);
		if (r < 0)
			return r;
	}

	if (ep->gateway4) {
		r = route_default_add(nl, ifindex, ep->gateway4, err);
		if (r < 0)
			return r;
	}
	if (ep->gateway6) {
		r = route_default_add(nl, ifindex, ep->gateway6, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A failed announcement leaves a working link, so it is only logged. */
static void ipv6_announce(int ifindex, const uint8_t mac[6], const struct kernel_endpoint *ep)
{
	struct reef_error err = { 0 };
	char text[IP_PREFIX_STRLEN];

	if (!ep->addr6 || announce_ipv6_address(ifindex, mac, &ep->addr6->addr, &err) == 0)
		return;
	ip_prefix_format(ep->addr6, text);
	log_warning("announce %s of '%s' on '%s': %s, ignoring", text, ep->container, ep->network,
		    err.message);
}

/*
 * Runs with the calling thread inside the container's namespace.  The IPv4
 * address goes on before the link comes up, so that the kernel's
 * gratuitous ARP (arp_notify) at link up carries it.
 */
static int configure_in_netns(const struct kernel_endpoint *ep, struct reef_error *err)
{
	struct link_change lo = { .up = true };
	struct link_change settings = { .arp_notify = true };
	struct link_change up = { .up = true };
	struct netlink nl;
	char alias[256];
	uint8_t mac[6];
	int ifindex;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = link_index_get(&nl, ep->ifname, &ifindex, mac, err);
	if (r < 0)
		goto out;
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s/%s", ep->container, ep->network);
	settings.alias = alias;
	r = link_change(&nl, ep->ifname, &settings, err);
	if (r < 0)
		goto out;
	if (ep->addr4) {
		r = address_add(&nl, ifindex, ep->addr4, err);
		if (r < 0)
			goto out;
	}
	r = link_change(&nl, "lo", &lo, err);
	if (r < 0)
		goto out;
	r = link_change(&nl, ep->ifname, &up, err);
	if (r < 0)
		goto out;
	r = link_up_configure(&nl, ifindex, ep, err);
	if (r < 0)
		goto out;
	ipv6_announce(ifindex, mac, ep);
out:
	netlink_close(&nl);
	return r;
}

int netns_link_configure(int netns_fd, const struct kernel_endpoint *ep, struct reef_error *err)
{
	int saved;
	int r;

	r = netns_enter(netns_fd, &saved, err);
	if (r < 0)
		return r;
	r = configure_in_netns(ep, err);
	netns_leave(saved);
	if (r < 0)
		return error_prefix(err, "in the namespace of pid %d", (int)ep->pid);
	return 0;
}
