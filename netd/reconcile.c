/* SPDX-License-Identifier: MIT */
/* Bringing the kernel in line with the database when reef-netd starts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "netd.h"

/*
 * Recreates the bridge of NET when it is missing.  Returns 1 when it was
 * recreated, so that the caller rewires the live endpoints: their host
 * veth ends survived but are no longer bridge ports.
 */
static int reconcile_network(struct netd_network *net, struct reef_error *err)
{
	struct ip_prefix gw4, gw6;
	struct kernel_network kn;
	int r;

	if (strcmp(net->rec.kind, "bridge") != 0 || kernel_link_exists(net->rec.ifname))
		return 0;
	netd_kernel_network(net, &gw4, &gw6, &kn);
	r = net->ops->network_create(&kn, err);
	if (r < 0)
		return error_prefix(err, "recreate bridge '%s' of network '%s'", net->rec.ifname,
				    net->rec.name);
	log_info("recreated missing bridge '%s' of network '%s'", net->rec.ifname, net->rec.name);
	return 1;
}

/*
 * Wires a live endpoint again from its stored values: removes the host
 * side (which takes the container's end with it) and attaches anew with
 * the same name, MAC and addresses.
 */
static int reconcile_rewire(struct netd_network *net, const struct store_endpoint *ep,
			    struct reef_error *err)
{
	struct ip_prefix gw4, gw6, addr4, addr6;
	struct ip_addr route4, route6;
	struct kernel_network kn;
	struct kernel_endpoint ke = {
		.container = ep->container,
		.network = ep->network,
		.pid = ep->pid,
		.host_ifname = ep->host_ifname,
		.ifname = ep->ifname,
		.mtu = net->rec.mtu,
	};
	bool route = ep->default_route && !net->rec.internal;
	int r;

	netd_kernel_network(net, &gw4, &gw6, &kn);
	memcpy(ke.mac, ep->mac, 6);
	if (ep->has_addr4) {
		addr4 = (struct ip_prefix){ ep->addr4, net->rec.pool4.subnet.len };
		route4 = net->rec.pool4.gateway;
		ke.addr4 = &addr4;
		ke.gateway4 = route ? &route4 : NULL;
	}
	if (ep->has_addr6) {
		addr6 = (struct ip_prefix){ ep->addr6, net->rec.pool6.subnet.len };
		route6 = net->rec.pool6.gateway;
		ke.addr6 = &addr6;
		ke.gateway6 = route ? &route6 : NULL;
	}
	r = net->ops->endpoint_detach(&kn, &ke, err);
	if (r == 0)
		r = net->ops->endpoint_attach(&kn, &ke, err);
	if (r < 0)
		return error_prefix(err, "rewire '%s' on network '%s'", ep->container, ep->network);
	log_info("rewired '%s' (pid %d) to the recreated bridge of network '%s'", ep->container,
		 (int)ep->pid, ep->network);
	return 0;
}

/* Releases endpoints whose process is gone, or whose host interface vanished. */
static void reconcile_endpoints(struct netd *netd, const char *rewire_network)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	struct reef_error err = { 0 };
	size_t n = 0;

	if (store_endpoint_list(netd->store, NULL, rewire_network, &eps, &n, &err) < 0) {
		log_error("reconcile endpoints: %s", err.message);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_endpoint *ep = &eps[i];
		struct netd_network *net = netd_network_find(netd, ep->network);
		bool bridge = net && strcmp(net->rec.kind, "bridge") == 0;
		const char *why = NULL;

		/*
		 * NOTE: only bridge endpoints have a host interface to check.  A
		 * macvlan endpoint of a live process whose link a crash removed
		 * stays in the database until the container detaches.
		 */
		if (!proc_is_alive(ep->pid, ep->start_time))
			why = "its process is gone";
		else if (bridge && !rewire_network && !kernel_link_exists(ep->host_ifname))
			why = "its host interface is gone";
		if (why) {
			log_info("release endpoint '%s' on network '%s' (pid %d): %s",
				 ep->container, ep->network, (int)ep->pid, why);
			if (netd_endpoint_detach(netd, ep->container, ep->network, NULL, &err) < 0)
				log_error("reconcile: %s", err.message);
			continue;
		}
		if (rewire_network && reconcile_rewire(net, ep, &err) < 0)
			log_error("reconcile: %s", err.message);
	}
}

/* Names of reef-owned interfaces, collected before any is deleted. */
struct owned_links {
	char (*names)[STORE_IFNAMSIZ];
	char (*aliases)[64];
	size_t n;
};

static int owned_link_collect(const char *ifname, const char *alias, void *data)
{
	struct owned_links *links = data;
	char(*names)[STORE_IFNAMSIZ] = realloc(links->names, (links->n + 1) * sizeof(*names));
	char(*aliases)[64];

	if (!names)
		return -ENOMEM;
	links->names = names;
	aliases = realloc(links->aliases, (links->n + 1) * sizeof(*aliases));
	if (!aliases)
		return -ENOMEM;
	links->aliases = aliases;
	snprintf(names[links->n], sizeof(names[0]), "%s", ifname);
	snprintf(aliases[links->n], sizeof(aliases[0]), "%s", alias);
	links->n++;
	return 0;
}

/* Deletes interfaces with reef's alias that no network or endpoint in the database owns. */
static int reconcile_orphans(struct netd *netd, struct reef_error *err)
{
	struct owned_links links = { 0 };
	struct reef_error step_err = { 0 };
	int r = kernel_owned_links(owned_link_collect, &links, err);

	for (size_t i = 0; r == 0 && i < links.n; i++) {
		if (store_ifname_is_used(netd->store, links.names[i]))
			continue;
		if (kernel_link_delete(links.names[i], &step_err) < 0)
			log_error("reconcile: delete orphan interface '%s' (alias '%s'): %s",
				  links.names[i], links.aliases[i], step_err.message);
		else
			log_info("deleted orphan interface '%s' (alias '%s'): no network or "
				 "endpoint owns it",
				 links.names[i], links.aliases[i]);
	}
	free(links.names);
	free(links.aliases);
	if (r == -ENOMEM)
		return error_set(err, ENOMEM, "list reef interfaces");
	return r;
}

int netd_reconcile(struct netd *netd, struct reef_error *err)
{
	struct reef_error step_err = { 0 };
	int r;

	/* Orphans first: a half-made endpoint's veth must not be taken for a live one. */
	r = reconcile_orphans(netd, err);
	if (r < 0)
		return error_prefix(err, "reconcile: list reef interfaces");

	for (struct netd_network *net = netd->networks; net; net = net->next) {
		r = reconcile_network(net, &step_err);
		if (r < 0)
			log_error("reconcile: %s", step_err.message);
		else if (r > 0)
			reconcile_endpoints(netd, net->rec.name);
	}
	reconcile_endpoints(netd, NULL);
	return 0;
}
