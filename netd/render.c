/* SPDX-License-Identifier: MIT */
/* JSON views of networks and endpoints for API replies. */
#include <string.h>

#include "../common/cleanup.h"
#include "../common/client.h"
#include "api.h"

/* resolv.conf itself takes at most three (MAXNS in glibc); more cost nothing here. */
#define DNS_MAX		       8
#define RESOLVED_UPSTREAM_CONF "/run/systemd/resolve/resolv.conf"

static json_t *json_addr(bool present, const struct ip_addr *addr)
{
	char text[IP_ADDR_STRLEN];

	if (!present)
		return json_null();
	ip_addr_format(addr, text);
	return json_string(text);
}

static json_t *json_prefix(bool present, const struct ip_prefix *prefix)
{
	char text[IP_PREFIX_STRLEN];

	if (!present)
		return json_null();
	ip_prefix_format(prefix, text);
	return json_string(text);
}

json_t *api_endpoint_json(const struct netd *netd, const struct netd_network *net,
			  const struct store_endpoint *ep)
{
	const struct store_network *rec = &net->rec;
	json_t *addresses = json_array();
	json_t *dns = json_array();
	struct ip_addr servers[DNS_MAX];
	size_t n_servers = resolv_nameservers(netd->resolv_conf, servers, DNS_MAX);
	char mac[MAC_STRLEN];

	/*
	 * With systemd-resolved, /etc/resolv.conf names only its stub at
	 * 127.0.0.53, which a container cannot reach.  The upstream servers
	 * are in the file below.
	 */
	if (n_servers == 0)
		n_servers = resolv_nameservers(RESOLVED_UPSTREAM_CONF, servers, DNS_MAX);

	mac_format(ep->mac, mac);
	if (ep->has_addr4)
		json_array_append_new(
			addresses,
			json_prefix(true, &(struct ip_prefix){ ep->addr4, rec->pool4.subnet.len }));
	if (ep->has_addr6)
		json_array_append_new(
			addresses,
			json_prefix(true, &(struct ip_prefix){ ep->addr6, rec->pool6.subnet.len }));
	for (size_t i = 0; i < n_servers; i++)
		json_array_append_new(dns, json_addr(true, &servers[i]));

	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:b}",
			 "container", ep->container, "network", ep->network, "pid", (int)ep->pid,
			 "interface", ep->ifname, "host_interface",
			 rec->ifname[0] ? ep->host_ifname : rec->parent, "mac", mac, "addresses",
			 addresses, "gateway", json_addr(ep->has_addr4, &rec->pool4.gateway),
			 "gateway6", json_addr(ep->has_addr6, &rec->pool6.gateway), "dns", dns,
			 "mtu", (int)rec->mtu, "default_route", ep->default_route);
}

json_t *api_network_json(struct netd *netd, const struct netd_network *net, bool with_endpoints)
{
	const struct store_network *rec = &net->rec;
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n_eps = 0;
	json_t *obj, *list;

	if (with_endpoints)
		store_endpoint_list(netd->store, NULL, rec->name, &eps, &n_eps, NULL);
	else
		store_endpoint_count(netd->store, NULL, rec->name, &n_eps, NULL);

	obj = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:b, s:b, s:I, s:I}", "name",
			rec->name, "type", rec->kind, "interface",
			rec->ifname[0] ? rec->ifname : rec->parent, "parent",
			rec->parent[0] ? json_string(rec->parent) : json_null(), "subnet",
			json_prefix(rec->pool4.present, &rec->pool4.subnet), "gateway",
			json_addr(rec->pool4.present, &rec->pool4.gateway), "subnet6",
			json_prefix(rec->pool6.present, &rec->pool6.subnet), "gateway6",
			json_addr(rec->pool6.present, &rec->pool6.gateway), "mtu", (int)rec->mtu,
			"internal", rec->internal, "isolate", rec->isolate, "created",
			(json_int_t)rec->created, "endpoint_count", (json_int_t)n_eps);
	if (!obj || !with_endpoints)
		return obj;

	list = json_array();
	for (size_t i = 0; i < n_eps; i++) {
		const struct store_endpoint *ep = &eps[i];
		char mac[MAC_STRLEN];
		json_t *addresses = json_array();

		mac_format(ep->mac, mac);
		if (ep->has_addr4)
			json_array_append_new(addresses, json_addr(true, &ep->addr4));
		if (ep->has_addr6)
			json_array_append_new(addresses, json_addr(true, &ep->addr6));
		json_array_append_new(list,
				      json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}", "container",
						ep->container, "pid", (int)ep->pid, "interface",
						ep->ifname, "host_interface",
						rec->ifname[0] ? ep->host_ifname : rec->parent,
						"mac", mac, "addresses", addresses));
	}
	json_object_set_new(obj, "endpoints", list);
	return obj;
}

unsigned api_error_status(const char *code)
{
	static const struct {
		const char *code;
		unsigned status;
	} statuses[] = {
		{ "invalid", 400 },  { "forbidden", 403 }, { "not_found", 404 },
		{ "conflict", 409 }, { "busy", 409 },	   { "internal", 500 },
	};

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(code, statuses[i].code) == 0)
			return statuses[i].status;
	return 500;
}
