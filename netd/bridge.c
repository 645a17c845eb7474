/* SPDX-License-Identifier: MIT */
/* Bridge networks: one Linux bridge per network, holding the gateway addresses. */
#include "netlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/if.h>
#include <netlink/route/link/bridge.h>

#include "../common/log.h"
#include "nl-cleanup.h"

void mac_from_name(const char *text, uint8_t ret[6])
{
	/* 64-bit FNV-1a: the MAC only has to be stable and spread, not secret. */
	uint64_t hash = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		hash = (hash ^ *p) * 0x100000001b3ULL;
	for (int i = 0; i < 6; i++)
		ret[i] = hash >> (8 * i);
	ret[0] = (ret[0] & ~0x01) | 0x02; /* unicast, locally administered */
}

/*
 * Creates the bridge with an explicit MAC.  Without one, the kernel gives
 * the bridge the lowest MAC among its ports and changes it as containers
 * come and go, and every container's cached gateway MAC goes stale.
 */
static int bridge_link_add(struct netlink *nl, const struct kernel_network *net, const char *alias)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *link = NULL;
	_cleanup_(nl_addr_put_cleanup) struct nl_addr *mac = NULL;
	uint8_t bytes[6];

	mac_from_name(alias, bytes);
	link = rtnl_link_bridge_alloc();
	mac = nl_addr_build(AF_LLC, bytes, sizeof(bytes));
	if (!link || !mac)
		return -NLE_NOMEM;
	rtnl_link_set_name(link, net->ifname);
	rtnl_link_set_addr(link, mac);
	return rtnl_link_add(nl->sock, link, NLM_F_CREATE | NLM_F_EXCL);
}

/* Adds the gateway addresses and brings the bridge up. */
static int bridge_configure(struct netlink *nl, const struct kernel_network *net, const char *alias,
			    struct reef_error *err)
{
	/*
	 * An MTU given at creation does not count as set by the user, so the
	 * bridge would follow its ports' MTU.  A change request pins it.
	 */
	struct link_change change = { .alias = alias, .mtu = net->mtu };
	struct link_change up = { .up = true };
	int ifindex;
	int r;

	r = link_change(nl, net->ifname, &change, err);
	if (r < 0)
		return r;
	r = link_index_get(nl, net->ifname, &ifindex, NULL, err);
	if (r < 0)
		return r;
	if (net->gateway4) {
		r = address_add(nl, ifindex, net->gateway4, err);
		if (r < 0)
			return r;
	}
	if (net->gateway6) {
		r = address_add(nl, ifindex, net->gateway6, err);
		if (r < 0)
			return r;
	}
	return link_change(nl, net->ifname, &up, err);
}

static int bridge_network_create(const struct kernel_network *net, struct reef_error *err)
{
	struct netlink nl;
	char alias[256];
	bool existed = false;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s", net->name);

	/* A bridge of this network left from before (a restart) is reused as it is. */
	r = bridge_link_add(&nl, net, alias);
	if (r == -NLE_EXIST) {
		r = link_owner_check(&nl, net->ifname, alias, "bridge", &existed, err);
		if (r < 0)
			goto out;
		/* If it vanished in between, it is created anew. */
		if (!existed)
			r = bridge_link_add(&nl, net, alias);
	}
	if (r < 0) {
		r = netlink_error(&nl, r, err, "create bridge '%s'", net->ifname);
		goto out;
	}

	r = bridge_configure(&nl, net, alias, err);
	if (r < 0 && !existed) {
		struct reef_error undo = { 0 };

		if (link_delete(&nl, net->ifname, &undo) < 0)
			log_warning("roll back bridge of network '%s': %s", net->name,
				    undo.message);
	}
out:
	netlink_close(&nl);
	return r;
}

static int bridge_network_delete(const struct kernel_network *net, struct reef_error *err)
{
	struct netlink nl;
	char alias[256];
	bool exists;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	snprintf(alias, sizeof(alias), REEF_ALIAS_PREFIX "%s", net->name);
	r = link_owner_check(&nl, net->ifname, alias, "bridge", &exists, err);
	if (r < 0 || !exists)
		goto out;
	/* The gateway addresses and their routes go with the bridge. */
	r = link_delete(&nl, net->ifname, err);
	if (r == -ENODEV)
		r = 0;
out:
	netlink_close(&nl);
	return r;
}

const struct link_ops bridge_ops = {
	.kind = "bridge",
	.network_create = bridge_network_create,
	.network_delete = bridge_network_delete,
	.endpoint_attach = veth_endpoint_attach,
	.endpoint_detach = veth_endpoint_detach,
};
