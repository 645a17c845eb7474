/* SPDX-License-Identifier: MIT */
/* Loading state into memory, lookups, and the names of kernel interfaces. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "netd.h"

#define IFNAME_ATTEMPTS 16

int netd_ifname_pick(struct netd *netd, const char *prefix, const char *key, char ret[16],
		     struct reef_error *err)
{
	char name[16];

	for (unsigned attempt = 0; attempt < IFNAME_ATTEMPTS; attempt++) {
		netd_ifname_hash(prefix, key, attempt, name);
		if (store_ifname_is_used(netd->store, name) || kernel_link_exists(name)) {
			log_debug("interface name '%s' for '%s' is taken, trying the next", name,
				  key);
			continue;
		}
		memcpy(ret, name, sizeof(name));
		return 0;
	}
	return error_set(err, EEXIST, "no free interface name for '%s' after %d attempts", key,
			 IFNAME_ATTEMPTS);
}

void netd_kernel_network(const struct netd_network *net, struct ip_prefix *gw4,
			 struct ip_prefix *gw6, struct kernel_network *ret)
{
	const struct store_network *rec = &net->rec;

	memset(ret, 0, sizeof(*ret));
	ret->name = rec->name;
	ret->kind = rec->kind;
	ret->ifname = rec->ifname;
	ret->parent = rec->parent;
	ret->mtu = rec->mtu;
	ret->isolate = rec->isolate;
	if (rec->pool4.present) {
		gw4->addr = rec->pool4.gateway;
		gw4->len = rec->pool4.subnet.len;
		ret->gateway4 = gw4;
	}
	if (rec->pool6.present) {
		gw6->addr = rec->pool6.gateway;
		gw6->len = rec->pool6.subnet.len;
		ret->gateway6 = gw6;
	}
}

struct netd_network *netd_network_find(struct netd *netd, const char *name)
{
	for (struct netd_network *net = netd->networks; net; net = net->next)
		if (strcmp(net->rec.name, name) == 0)
			return net;
	return NULL;
}

void netd_network_free(struct netd_network *net)
{
	if (!net)
		return;
	ipam_pool_free(net->pool4);
	ipam_pool_free(net->pool6);
	ipam_macs_free(net->macs);
	free(net);
}

void netd_free(struct netd *netd)
{
	if (!netd)
		return;
	while (netd->networks) {
		struct netd_network *next = netd->networks->next;

		netd_network_free(netd->networks);
		netd->networks = next;
	}
	store_close(netd->store);
	free(netd);
}

int netd_network_new(const struct store_network *rec, struct netd_network **ret,
		     struct reef_error *err)
{
	struct netd_network *net = calloc(1, sizeof(*net));
	int r = 0;

	if (!net)
		return error_set(err, ENOMEM, "allocate network '%s'", rec->name);
	net->rec = *rec;
	net->ops = link_ops_find(rec->kind);
	if (!net->ops)
		r = error_set(err, EINVAL, "network '%s' has unknown type '%s'", rec->name,
			      rec->kind);
	if (r == 0 && rec->pool4.present)
		r = ipam_pool_new(&rec->pool4.subnet, &rec->pool4.gateway, &net->pool4, err);
	if (r == 0 && rec->pool6.present)
		r = ipam_pool_new(&rec->pool6.subnet, &rec->pool6.gateway, &net->pool6, err);
	if (r == 0)
		r = ipam_macs_new(&net->macs, err);
	if (r < 0) {
		netd_network_free(net);
		return r;
	}
	*ret = net;
	return 0;
}

/* Restores the leases and MACs of the endpoints in EPS that belong to NET. */
static int network_restore(struct netd_network *net, const struct store_endpoint *eps, size_t n,
			   struct reef_error *err)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const struct store_endpoint *ep = &eps[i];

		if (strcmp(ep->network, net->rec.name) != 0)
			continue;
		if (ep->has_addr4 && net->pool4)
			r = ipam_pool_restore(net->pool4, &ep->addr4, err);
		if (r == 0 && ep->has_addr6 && net->pool6)
			r = ipam_pool_restore(net->pool6, &ep->addr6, err);
		if (r == 0)
			r = ipam_mac_reserve(net->macs, ep->mac, err);
		if (r < 0)
			error_prefix(err, "endpoint '%s' on network '%s'", ep->container,
				     ep->network);
	}
	if (r == 0 && net->pool4)
		ipam_pool_cursor_set(net->pool4, net->rec.pool4.cursor);
	if (r == 0 && net->pool6)
		ipam_pool_cursor_set(net->pool6, net->rec.pool6.cursor);
	return r;
}

static int netd_load(struct netd *netd, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_network *recs = NULL;
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n_recs = 0, n_eps = 0;
	struct netd_network **tail = &netd->networks;
	int r;

	r = store_network_list(netd->store, &recs, &n_recs, err);
	if (r == 0)
		r = store_endpoint_list(netd->store, NULL, NULL, &eps, &n_eps, err);
	for (size_t i = 0; r == 0 && i < n_recs; i++) {
		struct netd_network *net;

		r = netd_network_new(&recs[i], &net, err);
		if (r < 0)
			break;
		*tail = net;
		tail = &net->next;
		r = network_restore(net, eps, n_eps, err);
	}
	if (r < 0)
		return error_prefix(err, "load state");
	log_debug("loaded %zu networks and %zu endpoints", n_recs, n_eps);
	return 0;
}

int netd_open(const char *db_path, struct netd **ret, struct reef_error *err)
{
	struct netd *netd = calloc(1, sizeof(*netd));
	int r;

	if (!netd)
		return error_set(err, ENOMEM, "allocate daemon state");
	netd->started = time(NULL);
	snprintf(netd->resolv_conf, sizeof(netd->resolv_conf), "/etc/resolv.conf");
	r = store_open(db_path, &netd->store, err);
	if (r == 0)
		r = netd_load(netd, err);
	if (r < 0) {
		netd_free(netd);
		return r;
	}
	*ret = netd;
	return 0;
}
