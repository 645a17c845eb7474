/* SPDX-License-Identifier: MIT */
/* Creating and deleting networks: policy, then store and kernel in step. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "forwards.h"
#include "netd.h"

/*
 * Subnets a new network must not overlap: the host's routes and addresses,
 * and every reef network's subnets.  Owners of the reef entries point into
 * NAMES, which the caller frees after use.
 */
struct used_subnets {
	struct ipam_used_subnet *host;
	size_t n_host;
	struct ipam_used_subnet *all;
	size_t n_all;
	char (*names)[REEF_NAME_MAX + 16];
};

static void used_subnets_free(struct used_subnets *used)
{
	kernel_used_subnets_free(used->host, used->n_host);
	free(used->all);
	free(used->names);
}

static int used_subnets_read(struct netd *netd, struct used_subnets *ret, struct reef_error *err)
{
	struct used_subnets used = { 0 };
	size_t n_nets = 0, i = 0;
	int r;

	r = kernel_used_subnets(&used.host, &used.n_host, err);
	if (r < 0)
		return error_prefix(err, "read the host's routes");
	for (struct netd_network *net = netd->networks; net; net = net->next)
		n_nets++;
	used.all = calloc(used.n_host + 2 * n_nets + 1, sizeof(*used.all));
	used.names = calloc(n_nets + 1, sizeof(*used.names));
	if (!used.all || !used.names) {
		used_subnets_free(&used);
		return error_set(err, ENOMEM, "list used subnets");
	}
	if (used.n_host > 0)
		memcpy(used.all, used.host, used.n_host * sizeof(*used.all));
	used.n_all = used.n_host;
	for (struct netd_network *net = netd->networks; net; net = net->next, i++) {
		snprintf(used.names[i], sizeof(used.names[i]), "network '%s'", net->rec.name);
		if (net->rec.pool4.present)
			used.all[used.n_all++] =
				(struct ipam_used_subnet){ net->rec.pool4.subnet, used.names[i] };
		if (net->rec.pool6.present)
			used.all[used.n_all++] =
				(struct ipam_used_subnet){ net->rec.pool6.subnet, used.names[i] };
	}
	*ret = used;
	return 0;
}

/*
 * Fills POOL from an explicit or automatic subnet of one family.  Bridge
 * subnets must not overlap anything on the host; a macvlan subnet is the
 * parent's own LAN, so only other reef networks count for it.
 */
static int pool_choose(const struct network_request *req, int family,
		       const struct used_subnets *used, struct store_pool *pool,
		       struct reef_error *err)
{
	bool v4 = family == AF_INET;
	bool is_auto = v4 ? req->subnet_auto : req->ipv6_auto;
	const struct ip_addr *gateway = NULL;
	bool macvlan = strcmp(req->kind, "macvlan") == 0;
	const struct ipam_used_subnet *check = macvlan ? used->all + used->n_host : used->all;
	size_t n_check = macvlan ? used->n_all - used->n_host : used->n_all;
	struct ip_prefix subnet;
	struct ipam_pool *probe;
	int r;

	if (is_auto) {
		struct ip_prefix auto_pool;

		ip_prefix_parse(v4 ? IPAM_AUTO_POOL_IPV4 : IPAM_AUTO_POOL_IPV6, false, &auto_pool,
				NULL);
		r = ipam_subnet_pick(&auto_pool, v4 ? IPAM_AUTO_STEP_IPV4 : IPAM_AUTO_STEP_IPV6,
				     used->all, used->n_all, &subnet, err);
	} else {
		subnet = v4 ? req->subnet : req->subnet6;
		r = ipam_subnet_check_free(&subnet, check, n_check, err);
	}
	if (r < 0)
		return r;

	if (v4 && req->has_gateway)
		gateway = &req->gateway;
	if (!v4 && req->has_gateway6)
		gateway = &req->gateway6;
	r = ipam_subnet_validate(&subnet, gateway, err);
	if (r < 0)
		return r;
	/* The pool picks the default gateway, so ask it instead of computing it here. */
	r = ipam_pool_new(&subnet, gateway, &probe, err);
	if (r < 0)
		return r;
	pool->present = true;
	pool->subnet = subnet;
	pool->gateway = *ipam_pool_gateway(probe);
	pool->cursor = 0;
	ipam_pool_free(probe);
	return 0;
}

/* Turns REQ into a complete network record: pools, MTU and bridge name. */
static int network_plan(struct netd *netd, const struct network_request *req,
			struct store_network *rec, struct reef_error *err)
{
	struct used_subnets used;
	int r;

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", req->name);
	snprintf(rec->kind, sizeof(rec->kind), "%s", req->kind);
	snprintf(rec->parent, sizeof(rec->parent), "%s", req->parent);
	rec->internal = req->internal;
	rec->isolate = req->isolate;
	rec->created = time(NULL);

	if (rec->parent[0] && !kernel_link_exists(rec->parent))
		return error_set(err, ENODEV,
				 "parent interface '%s' not found: give an existing host interface "
				 "(see 'ip link')",
				 rec->parent);

	r = used_subnets_read(netd, &used, err);
	if (r < 0)
		return r;
	r = pool_choose(req, AF_INET, &used, &rec->pool4, err);
	if (r == 0 && req->ipv6)
		r = pool_choose(req, AF_INET6, &used, &rec->pool6, err);
	used_subnets_free(&used);
	if (r < 0)
		return r;

	rec->mtu = req->mtu;
	if (rec->mtu == 0) {
		r = kernel_default_mtu(&rec->mtu, err);
		if (r < 0)
			return error_prefix(err, "read the default MTU");
	}
	if (strcmp(rec->kind, "bridge") == 0)
		return netd_ifname_pick(netd, "rb", rec->name, rec->ifname, err);
	return 0;
}

static void network_log_created(const struct store_network *rec)
{
	char subnet4[IP_PREFIX_STRLEN] = "-", subnet6[IP_PREFIX_STRLEN] = "-";

	if (rec->pool4.present)
		ip_prefix_format(&rec->pool4.subnet, subnet4);
	if (rec->pool6.present)
		ip_prefix_format(&rec->pool6.subnet, subnet6);
	log_info("created %s network '%s' (interface '%s', subnet %s, ipv6 %s, mtu %u%s%s)",
		 rec->kind, rec->name, rec->ifname[0] ? rec->ifname : rec->parent, subnet4, subnet6,
		 rec->mtu, rec->internal ? ", internal" : "", rec->isolate ? ", isolated" : "");
}

int netd_network_create(struct netd *netd, const struct network_request *req,
			struct netd_network **ret, struct reef_error *err)
{
	struct ip_prefix gw4, gw6;
	struct kernel_network kn;
	struct store_network rec;
	struct netd_network *net;
	int r;

	if (netd_network_find(netd, req->name))
		return error_set(
			err, EEXIST,
			"network '%s' already exists: choose another name or delete it first",
			req->name);
	r = network_plan(netd, req, &rec, err);
	if (r == 0)
		r = netd_network_new(&rec, &net, err);
	if (r < 0)
		return error_prefix(err, "create network '%s'", req->name);

	netd_kernel_network(net, &gw4, &gw6, &kn);
	r = store_begin(netd->store, err);
	if (r < 0)
		goto free_net;
	r = store_network_insert(netd->store, &rec, err);
	if (r < 0)
		goto rollback;
	r = net->ops->network_create(&kn, err);
	if (r < 0)
		goto rollback;
	r = netd_fw_network_add(netd, &rec, err);
	if (r < 0)
		goto delete_link;
	r = store_commit(netd->store, err);
	if (r < 0)
		goto delete_firewall;

	net->next = netd->networks;
	netd->networks = net;
	network_log_created(&rec);
	if (ret)
		*ret = net;
	return 0;

delete_firewall:
	netd_fw_network_remove(netd, net, NULL);
delete_link:
	net->ops->network_delete(&kn, NULL);
rollback:
	store_rollback(netd->store);
free_net:
	netd_network_free(net);
	return error_prefix(err, "create network '%s'", req->name);
}

static void network_unlink(struct netd *netd, struct netd_network *net)
{
	for (struct netd_network **p = &netd->networks; *p; p = &(*p)->next) {
		if (*p == net) {
			*p = net->next;
			break;
		}
	}
	netd_network_free(net);
}

/* Names up to three containers of EPS for an error message. */
static void endpoints_describe(const struct store_endpoint *eps, size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && i < 3; i++)
		len += (size_t)snprintf(out + len, size > len ? size - len : 0, "%s'%s'",
					i ? ", " : "", eps[i].container);
	if (n > 3 && len < size)
		snprintf(out + len, size - len, " and %zu more", n - 3);
}

int netd_network_delete(struct netd *netd, const char *name, bool force, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	struct netd_network *net = netd_network_find(netd, name);
	struct ip_prefix gw4, gw6;
	struct kernel_network kn;
	size_t n_eps = 0;
	char who[256];
	int r;

	if (!net)
		return error_set(err, ENOENT, "network '%s' not found: see 'reef network list'",
				 name);
	r = store_endpoint_list(netd->store, NULL, name, &eps, &n_eps, err);
	if (r < 0)
		return error_prefix(err, "delete network '%s'", name);
	if (n_eps > 0 && !force) {
		endpoints_describe(eps, n_eps, who, sizeof(who));
		return error_set(err, EBUSY,
				 "delete network '%s': %zu %s still attached (%s): stop them "
				 "first, or delete with --force to detach them",
				 name, n_eps, n_eps == 1 ? "container is" : "containers are", who);
	}

	netd_kernel_network(net, &gw4, &gw6, &kn);
	/* The firewall reads the network's forwards, so it goes before the rows do. */
	r = netd_fw_network_remove(netd, net, err);
	if (r < 0)
		return error_prefix(err, "delete network '%s'", name);
	r = store_begin(netd->store, err);
	if (r == 0)
		r = store_network_delete(netd->store, name, err);
	for (size_t i = 0; r == 0 && i < n_eps; i++) {
		struct kernel_endpoint ke = {
			.container = eps[i].container,
			.network = name,
			.pid = eps[i].pid,
			.host_ifname = eps[i].host_ifname,
			.ifname = eps[i].ifname,
		};
		struct reef_error detach_err = { 0 };

		if (net->ops->endpoint_detach(&kn, &ke, &detach_err) < 0)
			log_warning("delete network '%s': detach '%s': %s, ignoring", name,
				    eps[i].container, detach_err.message);
		else
			log_info("detached '%s' from network '%s' (network deleted with force)",
				 eps[i].container, name);
	}
	if (r == 0)
		r = net->ops->network_delete(&kn, err);
	if (r == 0)
		r = store_commit(netd->store, err);
	if (r < 0) {
		struct reef_error rebuild_err = { 0 };

		store_rollback(netd->store);
		if (netd_fw_rebuild(netd, &rebuild_err) < 0)
			log_error("rebuild the firewall: %s", rebuild_err.message);
		return error_prefix(err, "delete network '%s'", name);
	}
	network_unlink(netd, net);
	log_info("deleted network '%s'", name);
	return 0;
}
