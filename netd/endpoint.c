/* SPDX-License-Identifier: MIT */
/* Attaching containers to networks and detaching them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "forwards.h"
#include "netd.h"

/* The kernel view of endpoint EP on NET; the gateways point into GW. */
static void kernel_endpoint_fill(const struct netd_network *net, const struct store_endpoint *ep,
				 struct ip_prefix addr[2], struct ip_addr gw[2],
				 struct kernel_endpoint *ret)
{
	const struct store_network *rec = &net->rec;
	/* An internal network has no way out, so its gateway is no default route. */
	bool route = ep->default_route && !rec->internal;

	memset(ret, 0, sizeof(*ret));
	ret->container = ep->container;
	ret->network = ep->network;
	ret->pid = ep->pid;
	ret->host_ifname = ep->host_ifname;
	ret->ifname = ep->ifname;
	memcpy(ret->mac, ep->mac, 6);
	ret->mtu = rec->mtu;
	if (ep->has_addr4) {
		addr[0] = (struct ip_prefix){ ep->addr4, rec->pool4.subnet.len };
		ret->addr4 = &addr[0];
		gw[0] = rec->pool4.gateway;
		ret->gateway4 = route ? &gw[0] : NULL;
	}
	if (ep->has_addr6) {
		addr[1] = (struct ip_prefix){ ep->addr6, rec->pool6.subnet.len };
		ret->addr6 = &addr[1];
		gw[1] = rec->pool6.gateway;
		ret->gateway6 = route ? &gw[1] : NULL;
	}
}

/* Gives the addresses and MAC of EP back to the pools of NET. */
static void endpoint_release_memory(struct netd_network *net, const struct store_endpoint *ep)
{
	if (ep->has_addr4 && net->pool4)
		ipam_pool_release(net->pool4, &ep->addr4, NULL);
	if (ep->has_addr6 && net->pool6)
		ipam_pool_release(net->pool6, &ep->addr6, NULL);
	ipam_mac_release(net->macs, ep->mac);
}

/* Rejects static address WANT when an interface of the host already has it. */
static int endpoint_static_check(struct ipam_pool *pool, const struct ip_addr *want,
				 struct reef_error *err)
{
	char ifname[16], text[IP_ADDR_STRLEN];
	int r = host_address_owner(want, ifname, err);

	if (r < 0 || ifname[0] == '\0')
		return r;
	ipam_pool_release(pool, want, NULL);
	ip_addr_format(want, text);
	return error_set(err, EADDRINUSE,
			 "address %s is the host's own address on interface '%s': give another "
			 "address, or none to get a free one",
			 text, ifname);
}

/*
 * Allocates the next free address that no host interface has.  The host's
 * addresses met on the way stay allocated until the end, so the pool moves
 * past them, and are released then: a host address is checked again at each
 * allocation instead of being reserved for good.
 */
static int endpoint_alloc_dynamic(struct ipam_pool *pool, struct ip_addr *ret,
				  struct reef_error *err)
{
	struct ip_addr skipped[32];
	size_t n_skipped = 0;
	char ifname[16];
	int r;

	for (;;) {
		r = ipam_pool_alloc(pool, ret, err);
		if (r == 0)
			r = host_address_owner(ret, ifname, err);
		if (r < 0 || ifname[0] == '\0')
			break;
		if (n_skipped == sizeof(skipped) / sizeof(skipped[0])) {
			ipam_pool_release(pool, ret, NULL);
			r = error_set(err, ENOSPC,
				      "more than %zu addresses of the subnet belong to the host: "
				      "give a static address",
				      n_skipped);
			break;
		}
		skipped[n_skipped++] = *ret;
	}
	for (size_t i = 0; i < n_skipped; i++)
		ipam_pool_release(pool, &skipped[i], NULL);
	return r;
}

static int endpoint_alloc_addr(struct ipam_pool *pool, bool requested, const struct ip_addr *want,
			       struct ip_addr *ret, struct reef_error *err)
{
	int r;

	if (!requested)
		return endpoint_alloc_dynamic(pool, ret, err);
	*ret = *want;
	r = ipam_pool_alloc_static(pool, want, err);
	if (r == 0)
		r = endpoint_static_check(pool, want, err);
	return r;
}

/* Allocates addresses and the MAC of EP from NET as REQ requests; undoes all on failure. */
static int endpoint_alloc(struct netd_network *net, const struct attach_request *req,
			  struct store_endpoint *ep, struct reef_error *err)
{
	char seed[2 * REEF_NAME_MAX + 2];
	int r = 0;

	if (req->has_addr4 && !net->pool4)
		return error_set(err, EINVAL, "network '%s' has no IPv4 subnet", net->rec.name);
	if (req->has_addr6 && !net->pool6)
		return error_set(err, EINVAL,
				 "network '%s' has no IPv6 subnet: create it with an ipv6 subnet "
				 "to give 'address6'",
				 net->rec.name);
	if (net->pool4) {
		r = endpoint_alloc_addr(net->pool4, req->has_addr4, &req->addr4, &ep->addr4, err);
		ep->has_addr4 = r == 0;
	}
	if (r == 0 && net->pool6) {
		r = endpoint_alloc_addr(net->pool6, req->has_addr6, &req->addr6, &ep->addr6, err);
		ep->has_addr6 = r == 0;
	}
	if (r == 0 && req->has_mac) {
		memcpy(ep->mac, req->mac, 6);
		r = ipam_mac_reserve(net->macs, req->mac, err);
	} else if (r == 0) {
		snprintf(seed, sizeof(seed), "%s/%s", ep->container, ep->network);
		r = ipam_mac_alloc(net->macs, seed, strlen(seed), ep->mac, err);
	}
	if (r < 0) {
		if (ep->has_addr4)
			ipam_pool_release(net->pool4, &ep->addr4, NULL);
		if (ep->has_addr6)
			ipam_pool_release(net->pool6, &ep->addr6, NULL);
		ep->has_addr4 = ep->has_addr6 = false;
	}
	return r;
}

/*
 * Checks what only the state can tell: the process, an existing endpoint
 * of the same pair (released first when its process is gone) and the
 * interface name inside the container.
 */
static int endpoint_check(struct netd *netd, const struct attach_request *req,
			  unsigned long long *ret_start, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n = 0;
	int r;

	r = proc_start_time(req->pid, ret_start, err);
	if (r < 0)
		return r;
	r = store_endpoint_list(netd->store, req->container, NULL, &eps, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!proc_is_alive(eps[i].pid, eps[i].start_time)) {
			log_info("release endpoint '%s' on network '%s': process %d is gone",
				 eps[i].container, eps[i].network, (int)eps[i].pid);
			r = netd_endpoint_detach(netd, eps[i].container, eps[i].network, NULL, err);
			if (r < 0)
				return r;
			continue;
		}
		if (strcmp(eps[i].network, req->network) == 0)
			return error_set(err, EEXIST,
					 "container '%s' is already attached to network '%s'",
					 req->container, req->network);
		if (strcmp(eps[i].ifname, req->ifname) == 0)
			return error_set(
				err, EEXIST,
				"container '%s' already has interface '%s' (network '%s'): "
				"give another interface name",
				req->container, req->ifname, eps[i].network);
	}
	return 0;
}

static void endpoint_log_attached(const struct store_endpoint *ep)
{
	char addr4[IP_ADDR_STRLEN] = "-", addr6[IP_ADDR_STRLEN] = "-", mac[MAC_STRLEN];

	if (ep->has_addr4)
		ip_addr_format(&ep->addr4, addr4);
	if (ep->has_addr6)
		ip_addr_format(&ep->addr6, addr6);
	mac_format(ep->mac, mac);
	log_info("attached '%s' (pid %d) to network '%s': interface '%s', host interface '%s', "
		 "address %s, address6 %s, mac %s%s",
		 ep->container, (int)ep->pid, ep->network, ep->ifname, ep->host_ifname, addr4,
		 addr6, mac, ep->default_route ? ", default route" : "");
}

/* Writes EP with its leases and the pool cursors inside the open transaction. */
static int endpoint_store(struct netd *netd, struct netd_network *net,
			  const struct store_endpoint *ep, struct reef_error *err)
{
	int r = store_endpoint_insert(netd->store, ep, err);

	if (r == 0 && net->pool4)
		r = store_pool_cursor_set(netd->store, net->rec.name, AF_INET,
					  ipam_pool_cursor(net->pool4), err);
	if (r == 0 && net->pool6)
		r = store_pool_cursor_set(netd->store, net->rec.name, AF_INET6,
					  ipam_pool_cursor(net->pool6), err);
	return r;
}

int netd_endpoint_attach(struct netd *netd, const struct attach_request *req,
			 struct store_endpoint *ret, struct reef_error *err)
{
	struct netd_network *net = netd_network_find(netd, req->network);
	struct store_endpoint ep = { .pid = req->pid };
	struct ip_prefix gw_prefix[2], addr[2];
	struct kernel_network kn;
	struct kernel_endpoint ke;
	struct ip_addr gw[2];
	size_t n_other = 0;
	char key[2 * REEF_NAME_MAX + 2];
	int r;

	if (!net)
		return error_set(err, ENOENT,
				 "attach '%s': network '%s' not found: see 'reef network list'",
				 req->container, req->network);
	snprintf(ep.container, sizeof(ep.container), "%s", req->container);
	snprintf(ep.network, sizeof(ep.network), "%s", req->network);
	snprintf(ep.ifname, sizeof(ep.ifname), "%s", req->ifname);
	snprintf(key, sizeof(key), "%s/%s", req->container, req->network);

	/* A veth of an earlier attach of the pair may still be going: keep the name it had. */
	netd_ifname_hash("rf", key, 0, ep.host_ifname);
	link_reaper_wait(ep.host_ifname);
	r = endpoint_check(netd, req, &ep.start_time, err);
	if (r == 0)
		r = store_endpoint_count(netd->store, req->container, NULL, &n_other, err);
	if (r == 0)
		r = netd_ifname_pick(netd, "rf", key, ep.host_ifname, err);
	if (r < 0)
		return error_prefix(err, "attach '%s' to network '%s'", req->container,
				    req->network);
	/* By default only a container's first network carries its default route. */
	ep.default_route = req->default_route >= 0 ? req->default_route != 0 : n_other == 0;

	r = endpoint_alloc(net, req, &ep, err);
	if (r < 0)
		return error_prefix(err, "attach '%s' to network '%s'", req->container,
				    req->network);

	netd_kernel_network(net, &gw_prefix[0], &gw_prefix[1], &kn);
	kernel_endpoint_fill(net, &ep, addr, gw, &ke);
	r = store_begin(netd->store, err);
	if (r < 0)
		goto release;
	r = endpoint_store(netd, net, &ep, err);
	if (r < 0)
		goto rollback;
	r = net->ops->endpoint_attach(&kn, &ke, err);
	if (r < 0)
		goto rollback;
	r = netd_fw_endpoint_attach(netd, &ep, req, err);
	if (r < 0)
		goto detach;
	r = store_commit(netd->store, err);
	if (r < 0)
		goto detach;

	endpoint_log_attached(&ep);
	*ret = ep;
	return 0;

detach:
	net->ops->endpoint_detach(&kn, &ke, NULL);
rollback:
	store_rollback(netd->store);
	if (req->n_forwards || req->antispoof)
		netd_fw_rebuild(netd, NULL);
release:
	/*
	 * The cursors stay where the allocation moved them: the released
	 * address is free either way, and the saved cursor lags behind only
	 * until the next attach commits.
	 */
	endpoint_release_memory(net, &ep);
	return error_prefix(err, "attach '%s' to network '%s'", req->container, req->network);
}

/*
 * Detaches one endpoint: store row and kernel objects together, then memory.
 * With LATER the link reaper may delete the veth host end after the commit.
 */
static int endpoint_detach_one(struct netd *netd, const struct store_endpoint *ep, bool later,
			       struct reef_error *err)
{
	struct netd_network *net = netd_network_find(netd, ep->network);
	struct ip_prefix gw_prefix[2], addr[2];
	struct kernel_network kn;
	struct kernel_endpoint ke;
	struct ip_addr gw[2];
	int r;

	if (!net)
		return error_set(err, ENOENT, "network '%s' not found", ep->network);
	netd_kernel_network(net, &gw_prefix[0], &gw_prefix[1], &kn);
	kernel_endpoint_fill(net, ep, addr, gw, &ke);
	ke.delete_later = later;

	/* Forwards and the anti-spoofing chain go first, while their rows and device exist. */
	r = netd_fw_endpoint_detach(netd, ep, err);
	if (r < 0)
		return error_prefix(err, "detach '%s' from network '%s'", ep->container,
				    ep->network);
	r = store_begin(netd->store, err);
	if (r == 0)
		r = store_endpoint_delete(netd->store, ep->container, ep->network, err);
	if (r == 0)
		r = net->ops->endpoint_detach(&kn, &ke, err);
	if (r == 0)
		r = store_commit(netd->store, err);
	if (r < 0) {
		store_rollback(netd->store);
		netd_fw_rebuild(netd, NULL);
		return error_prefix(err, "detach '%s' from network '%s'", ep->container,
				    ep->network);
	}
	endpoint_release_memory(net, ep);
	log_info("detached '%s' from network '%s' (host interface '%s')", ep->container,
		 ep->network, ep->host_ifname);
	return 0;
}

static int endpoint_detach_all(struct netd *netd, const char *container, const char *network,
			       struct detach_result *later, size_t *ret_count,
			       struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n = 0, done = 0;
	int r;

	if (network && !netd_network_find(netd, network))
		return error_set(err, ENOENT,
				 "detach '%s': network '%s' not found: see 'reef network list'",
				 container, network);
	r = store_endpoint_list(netd->store, container, network, &eps, &n, err);
	if (r < 0)
		return error_prefix(err, "detach '%s'", container);
	for (size_t i = 0; i < n; i++) {
		const struct netd_network *net = netd_network_find(netd, eps[i].network);
		/* Only a bridge network's endpoint has a veth host end of its own. */
		bool veth = net && net->rec.ifname[0];
		bool defer = later && veth && later->n_deleting < DETACH_LATER_MAX;

		r = endpoint_detach_one(netd, &eps[i], defer, err);
		if (r < 0)
			return r;
		if (defer)
			snprintf(later->deleting[later->n_deleting++], sizeof(later->deleting[0]),
				 "%s", eps[i].host_ifname);
		done++;
	}
	if (ret_count)
		*ret_count = done;
	return 0;
}

int netd_endpoint_detach(struct netd *netd, const char *container, const char *network,
			 size_t *ret_count, struct reef_error *err)
{
	return endpoint_detach_all(netd, container, network, NULL, ret_count, err);
}

int netd_endpoint_detach_later(struct netd *netd, const char *container, const char *network,
			       struct detach_result *ret, struct reef_error *err)
{
	memset(ret, 0, sizeof(*ret));
	return endpoint_detach_all(netd, container, network, ret, &ret->count, err);
}
