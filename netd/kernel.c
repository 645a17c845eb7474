/* SPDX-License-Identifier: MIT */
/* Host facts for policy, and link lookups by name, in reef-netd's own namespace. */
#include "kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>

#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "netlink.h"
#include "nl-cleanup.h"

const struct link_ops *link_ops_find(const char *kind)
{
	static const struct link_ops *const all[] = { &bridge_ops, &macvlan_ops };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->kind, kind) == 0)
			return all[i];
	return NULL;
}

bool kernel_prefix_ignored(const struct ip_prefix *p)
{
	static const struct {
		int family;
		const char *prefix;
	} skipped[] = {
		{ AF_INET, "127.0.0.0/8" },    /* loopback */
		{ AF_INET, "169.254.0.0/16" }, /* link-local */
		{ AF_INET, "224.0.0.0/3" },    /* multicast and reserved */
		{ AF_INET6, "::1/128" },       { AF_INET6, "fe80::/10" }, { AF_INET6, "ff00::/8" },
	};

	/* A default route overlaps every subnet, so it marks none as used. */
	if (p->len == 0)
		return true;
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		struct ip_prefix s;

		if (skipped[i].family != p->addr.family)
			continue;
		ip_prefix_parse(skipped[i].prefix, false, &s, NULL);
		if (ip_prefix_contains(&s, &p->addr))
			return true;
	}
	return false;
}

static bool prefix_from_nl(const struct nl_addr *a, struct ip_prefix *ret)
{
	int family = nl_addr_get_family(a);
	unsigned len = nl_addr_get_len(a);

	if ((family != AF_INET || len != 4) && (family != AF_INET6 || len != 16))
		return false;
	ip_addr_from_bytes(family, nl_addr_get_binary_addr(a), &ret->addr);
	ret->len = nl_addr_get_prefixlen(a);
	return true;
}

struct used_list {
	struct ipam_used_subnet *items;
	size_t n, cap;
	int error; /* -ENOMEM once an entry could not be stored */
	struct nl_cache *links;
};

static int used_list_add(struct used_list *list, const struct ip_prefix *p, char *owner)
{
	if (!owner)
		return list->error = -ENOMEM;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;
		struct ipam_used_subnet *items = realloc(list->items, cap * sizeof(*items));

		if (!items) {
			free(owner);
			return list->error = -ENOMEM;
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->n].prefix = *p;
	list->items[list->n].owner = owner;
	list->n++;
	return 0;
}

/* Links reef created are skipped: the caller lists reef's networks under their own names. */
static bool link_is_reef(struct nl_cache *links, int ifindex, char *name, size_t size)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *link = rtnl_link_get(links, ifindex);
	const char *alias;

	snprintf(name, size, "if%d", ifindex);
	if (!link)
		return false;
	snprintf(name, size, "%s", rtnl_link_get_name(link));
	alias = rtnl_link_get_ifalias(link);
	return alias && strncmp(alias, REEF_ALIAS_PREFIX, strlen(REEF_ALIAS_PREFIX)) == 0;
}

static bool route_type_counts(const struct rtnl_route *route)
{
	uint8_t type = rtnl_route_get_type((struct rtnl_route *)route);

	/* local, broadcast and multicast routes mirror addresses, listed on their own. */
	return type == RTN_UNICAST || type == RTN_BLACKHOLE || type == RTN_UNREACHABLE ||
	       type == RTN_PROHIBIT;
}

static void route_add_used(struct nl_object *obj, void *data)
{
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct used_list *list = data;
	struct rtnl_nexthop *nh;
	char text[IP_PREFIX_STRLEN], ifname[IFNAMSIZ + 8], *owner;
	struct ip_prefix p;
	int oif = 0;

	if (rtnl_route_get_table(route) == RT_TABLE_LOCAL || !route_type_counts(route))
		return;
	if (!prefix_from_nl(rtnl_route_get_dst(route), &p) || kernel_prefix_ignored(&p))
		return;
	nh = rtnl_route_nexthop_n(route, 0);
	if (nh)
		oif = rtnl_route_nh_get_ifindex(nh);
	if (oif && link_is_reef(list->links, oif, ifname, sizeof(ifname)))
		return;

	ip_prefix_format(&p, text);
	if (oif && asprintf(&owner, "route %s dev %s", text, ifname) < 0)
		owner = NULL;
	else if (!oif && asprintf(&owner, "route %s", text) < 0)
		owner = NULL;
	used_list_add(list, &p, owner);
}

static void address_add_used(struct nl_object *obj, void *data)
{
	struct rtnl_addr *addr = (struct rtnl_addr *)obj;
	struct used_list *list = data;
	char text[IP_PREFIX_STRLEN], ifname[IFNAMSIZ + 8], *owner;
	struct ip_prefix p;

	if (rtnl_addr_get_scope(addr) == RT_SCOPE_HOST || !rtnl_addr_get_local(addr))
		return;
	if (!prefix_from_nl(rtnl_addr_get_local(addr), &p))
		return;
	p.len = rtnl_addr_get_prefixlen(addr);
	if (kernel_prefix_ignored(&p))
		return;
	if (link_is_reef(list->links, rtnl_addr_get_ifindex(addr), ifname, sizeof(ifname)))
		return;

	ip_prefix_format(&p, text);
	if (asprintf(&owner, "address %s on %s", text, ifname) < 0)
		owner = NULL;
	ip_prefix_mask(&p);
	used_list_add(list, &p, owner);
}

void kernel_used_subnets_free(struct ipam_used_subnet *used, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)used[i].owner);
	free(used);
}

int kernel_used_subnets(struct ipam_used_subnet **ret, size_t *ret_n, struct reef_error *err)
{
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *links = NULL;
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *routes = NULL;
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *addrs = NULL;
	struct used_list list = { 0 };
	struct netlink nl;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = rtnl_link_alloc_cache(nl.sock, AF_UNSPEC, &links);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list links");
		goto out;
	}
	r = rtnl_route_alloc_cache(nl.sock, AF_UNSPEC, 0, &routes);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list routes");
		goto out;
	}
	r = rtnl_addr_alloc_cache(nl.sock, &addrs);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list addresses");
		goto out;
	}

	list.links = links;
	nl_cache_foreach(routes, route_add_used, &list);
	nl_cache_foreach(addrs, address_add_used, &list);
	if (list.error < 0) {
		r = error_set_errno(err, -list.error, "list used subnets");
		goto out;
	}
	*ret = list.items;
	*ret_n = list.n;
	list.items = NULL;
	list.n = 0;
out:
	kernel_used_subnets_free(list.items, list.n);
	netlink_close(&nl);
	return r;
}

/* MTU of the device of the lowest-metric default route of FAMILY in the main table, or 0. */
static unsigned default_route_mtu(struct nl_cache *routes, struct nl_cache *links, int family)
{
	struct nl_object *obj;
	uint32_t best_metric = UINT32_MAX;
	unsigned mtu = 0;

	for (obj = nl_cache_get_first(routes); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *route = (struct rtnl_route *)obj;
		struct nl_addr *dst = rtnl_route_get_dst(route);
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, 0);
		struct rtnl_link *link;

		if (rtnl_route_get_family(route) != family ||
		    rtnl_route_get_table(route) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(route) != RTN_UNICAST || !dst ||
		    nl_addr_get_prefixlen(dst) != 0 || !nh ||
		    rtnl_route_get_priority(route) >= best_metric)
			continue;
		link = rtnl_link_get(links, rtnl_route_nh_get_ifindex(nh));
		if (!link)
			continue;
		best_metric = rtnl_route_get_priority(route);
		mtu = rtnl_link_get_mtu(link);
		rtnl_link_put(link);
	}
	return mtu;
}

int kernel_default_mtu(unsigned *ret, struct reef_error *err)
{
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *links = NULL;
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *routes = NULL;
	struct netlink nl;
	unsigned mtu;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = rtnl_link_alloc_cache(nl.sock, AF_UNSPEC, &links);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list links");
		goto out;
	}
	r = rtnl_route_alloc_cache(nl.sock, AF_UNSPEC, 0, &routes);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list routes");
		goto out;
	}
	mtu = default_route_mtu(routes, links, AF_INET);
	if (!mtu)
		mtu = default_route_mtu(routes, links, AF_INET6);
	*ret = mtu ? mtu : 1500;
out:
	netlink_close(&nl);
	return r;
}

/*
 * Reads only the address list.  getifaddrs() also dumps every link with its
 * statistics, which costs time in proportion to the veth host ends and made
 * each attach slower as a bridge grew.  The host ends have no addresses.
 */
int kernel_address_owner(const struct ip_addr *addr, char ret_ifname[16], struct reef_error *err)
{
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *addrs = NULL;
	struct nl_object *obj;
	struct netlink nl;
	int ifindex = 0;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = rtnl_addr_alloc_cache(nl.sock, &addrs);
	if (r < 0) {
		r = netlink_error(&nl, r, err, "list the host's addresses");
		netlink_close(&nl);
		return r;
	}
	netlink_close(&nl);

	for (obj = nl_cache_get_first(addrs); obj && !ifindex; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct ip_addr found;

		if (!local || nl_addr_get_family(local) != addr->family ||
		    nl_addr_get_len(local) != (unsigned)ip_addr_size(addr))
			continue;
		ip_addr_from_bytes(addr->family, nl_addr_get_binary_addr(local), &found);
		if (ip_addr_equal(&found, addr))
			ifindex = rtnl_addr_get_ifindex(a);
	}

	ret_ifname[0] = '\0';
	if (ifindex && !if_indextoname(ifindex, ret_ifname))
		snprintf(ret_ifname, 16, "if%d", ifindex);
	return 0;
}

bool kernel_link_exists(const char *ifname)
{
	struct netlink nl;
	int index;
	int r;

	if (netlink_open(&nl, NULL) < 0)
		return false;
	r = link_index_get(&nl, ifname, &index, NULL, NULL);
	netlink_close(&nl);
	return r == 0;
}

int kernel_link_delete(const char *ifname, struct reef_error *err)
{
	struct netlink nl;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = link_delete(&nl, ifname, err);
	if (r == -ENODEV) {
		error_clear(err);
		r = 0;
	}
	netlink_close(&nl);
	return r;
}

static bool alias_is_reef(const char *alias)
{
	return alias && strncmp(alias, REEF_ALIAS_PREFIX, strlen(REEF_ALIAS_PREFIX)) == 0;
}

/*
 * Tells whether LINK is a veth without an alias on a reef bridge.  The kernel
 * ignores IFLA_IFALIAS when it creates a link, so reef sets the alias in a
 * second request, and a reef-netd killed in between leaves such a host end.
 */
static bool veth_is_unnamed_reef_port(struct nl_cache *links, struct rtnl_link *link)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *master = NULL;
	const char *kind = rtnl_link_get_type(link);
	int master_index = rtnl_link_get_master(link);

	if (rtnl_link_get_ifalias(link) || !kind || strcmp(kind, "veth") != 0 || master_index <= 0)
		return false;
	master = rtnl_link_get(links, master_index);
	return master && alias_is_reef(rtnl_link_get_ifalias(master));
}

int kernel_owned_links(int (*fn)(const char *ifname, const char *alias, void *data), void *data,
		       struct reef_error *err)
{
	_cleanup_(nl_cache_free_cleanup) struct nl_cache *links = NULL;
	struct nl_object *obj;
	struct netlink nl;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = rtnl_link_alloc_cache(nl.sock, AF_UNSPEC, &links);
	netlink_close(&nl);
	if (r < 0)
		return netlink_error(NULL, r, err, "list links");

	for (obj = nl_cache_get_first(links); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		const char *alias = rtnl_link_get_ifalias(link);

		if (alias_is_reef(alias))
			r = fn(rtnl_link_get_name(link), alias, data);
		else if (veth_is_unnamed_reef_port(links, link))
			r = fn(rtnl_link_get_name(link), "", data);
		else
			r = 0;
		if (r != 0)
			return r;
	}
	return 0;
}
