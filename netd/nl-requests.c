/* SPDX-License-Identifier: MIT */
/* Link, address and route requests shared by the link kinds. */
#include "netlink.h"

#include <errno.h>
#include <string.h>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "nl-cleanup.h"

int link_index_get(struct netlink *nl, const char *ifname, int *ret_index, uint8_t ret_mac[6],
		   struct reef_error *err)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *link = NULL;
	struct nl_addr *mac;
	int r;

	r = rtnl_link_get_kernel(nl->sock, 0, ifname, &link);
	if (r < 0)
		return netlink_error(nl, r, err, "look up link '%s'", ifname);
	if (ret_mac) {
		mac = rtnl_link_get_addr(link);
		if (!mac || nl_addr_get_len(mac) != 6)
			return error_set(err, EINVAL, "link '%s' has no Ethernet address", ifname);
		memcpy(ret_mac, nl_addr_get_binary_addr(mac), 6);
	}
	*ret_index = rtnl_link_get_ifindex(link);
	return 0;
}

/* Looks up the alias and the kind ("veth", "bridge", "" when unknown) of IFNAME. */
static int link_identity_get(struct netlink *nl, const char *ifname, char alias[256], char kind[32],
			     struct reef_error *err)
{
	_cleanup_(rtnl_link_put_cleanup) struct rtnl_link *link = NULL;
	const char *text;
	int r;

	r = rtnl_link_get_kernel(nl->sock, 0, ifname, &link);
	if (r < 0)
		return netlink_error(nl, r, err, "look up link '%s'", ifname);
	text = rtnl_link_get_ifalias(link);
	snprintf(alias, 256, "%s", text ? text : "");
	text = rtnl_link_get_type(link);
	snprintf(kind, 32, "%s", text ? text : "");
	return 0;
}

int link_mtu_check(const char *ifname, unsigned mtu, struct reef_error *err)
{
	if (mtu == 0 || (mtu >= LINK_MTU_MIN && mtu <= LINK_MTU_MAX))
		return 0;
	return error_set(err, EINVAL, "MTU %u of link '%s' is invalid: use %d to %d", mtu, ifname,
			 LINK_MTU_MIN, LINK_MTU_MAX);
}

int link_owner_check(struct netlink *nl, const char *ifname, const char *alias, const char *kind,
		     bool *ret_exists, struct reef_error *err)
{
	char found_alias[256], found_kind[32];
	int r;

	r = link_identity_get(nl, ifname, found_alias, found_kind, err);
	if (r == -ENODEV) {
		error_clear(err);
		*ret_exists = false;
		return 0;
	}
	if (r < 0)
		return r;

	/*
	 * The kernel ignores the alias when it creates a link, so reef sets it
	 * in a second request.  A link of the expected kind without any alias
	 * is one whose creator was killed in between.
	 */
	if (strcmp(found_alias, alias) != 0 && (found_alias[0] || strcmp(found_kind, kind) != 0))
		return error_set(err, EPERM,
				 "link '%s' is not reef's: its alias is '%s', expected '%s'; "
				 "rename or delete it",
				 ifname, found_alias, alias);
	*ret_exists = true;
	return 0;
}

/*
 * Starts a change request for the link named IFNAME.  It is RTM_NEWLINK
 * without NLM_F_CREATE because RTM_SETLINK silently ignores IFLA_LINKINFO,
 * where bridge port options travel.
 */
static struct nl_msg *link_change_msg_new(const char *ifname, unsigned flags, unsigned change)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_flags = flags,
				 .ifi_change = change };
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, ifname) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Adds IFLA_BRPORT_ISOLATED, which libnl 3.7 has no setter for, as bridge port data. */
static int msg_put_port_isolated(struct nl_msg *msg)
{
	struct nlattr *info, *data;

	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_SLAVE_KIND, "bridge") < 0)
		return -NLE_NOMEM;
	data = nla_nest_start(msg, IFLA_INFO_SLAVE_DATA);
	if (!data || nla_put_u8(msg, IFLA_BRPORT_ISOLATED, 1) < 0)
		return -NLE_NOMEM;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return 0;
}

/*
 * Adds arp_notify=1 for the link's IPv4 settings: the kernel then sends a
 * gratuitous ARP request for the primary address whenever the link comes
 * up or changes its MAC.
 */
static int msg_put_arp_notify(struct nl_msg *msg)
{
	struct nlattr *spec, *inet, *conf;

	spec = nla_nest_start(msg, IFLA_AF_SPEC);
	if (!spec)
		return -NLE_NOMEM;
	inet = nla_nest_start(msg, AF_INET);
	if (!inet)
		return -NLE_NOMEM;
	conf = nla_nest_start(msg, IFLA_INET_CONF);
	if (!conf || nla_put_u32(msg, IPV4_DEVCONF_ARP_NOTIFY, 1) < 0)
		return -NLE_NOMEM;
	nla_nest_end(msg, conf);
	nla_nest_end(msg, inet);
	nla_nest_end(msg, spec);
	return 0;
}

int link_change(struct netlink *nl, const char *ifname, const struct link_change *change,
		struct reef_error *err)
{
	unsigned flags = change->up ? IFF_UP : 0;
	struct nl_msg *msg;
	int r;

	msg = link_change_msg_new(ifname, flags, flags);
	if (!msg || (change->alias && nla_put_string(msg, IFLA_IFALIAS, change->alias) < 0) ||
	    (change->mtu && nla_put_u32(msg, IFLA_MTU, change->mtu) < 0) ||
	    (change->isolated && msg_put_port_isolated(msg) < 0) ||
	    (change->arp_notify && msg_put_arp_notify(msg) < 0)) {
		nlmsg_free(msg);
		return error_set_errno(err, ENOMEM, "build request for link '%s'", ifname);
	}
	/* nl_send_sync() frees the message. */
	r = nl_send_sync(nl->sock, msg);
	if (r < 0)
		return netlink_error(nl, r, err, "configure link '%s'", ifname);
	return 0;
}

int link_delete(struct netlink *nl, const char *ifname, struct reef_error *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg;
	int r;

	msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, IFLA_IFNAME, ifname) < 0) {
		nlmsg_free(msg);
		return error_set_errno(err, ENOMEM, "build request for link '%s'", ifname);
	}
	r = nl_send_sync(nl->sock, msg);
	if (r < 0)
		return netlink_error(nl, r, err, "delete link '%s'", ifname);
	return 0;
}

static struct nl_addr *nl_addr_from_ip(const struct ip_addr *ip, int prefix_len)
{
	struct nl_addr *a = nl_addr_build(ip->family, ip->bytes, ip_addr_size(ip));

	if (a)
		nl_addr_set_prefixlen(a, prefix_len);
	return a;
}

int address_add(struct netlink *nl, int ifindex, const struct ip_prefix *addr,
		struct reef_error *err)
{
	_cleanup_(rtnl_addr_put_cleanup) struct rtnl_addr *ra = NULL;
	_cleanup_(nl_addr_put_cleanup) struct nl_addr *local = NULL;
	char text[IP_PREFIX_STRLEN];
	int r;

	ip_prefix_format(addr, text);
	ra = rtnl_addr_alloc();
	local = nl_addr_from_ip(&addr->addr, addr->len);
	if (!ra || !local)
		return error_set_errno(err, ENOMEM, "add address %s", text);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, addr->addr.family);
	r = rtnl_addr_set_local(ra, local);
	if (r < 0)
		return netlink_error(nl, r, err, "add address %s", text);
	rtnl_addr_set_prefixlen(ra, addr->len);
	/* The allocator guarantees uniqueness, and DAD would leave the address tentative for ~1 s. */
	if (addr->addr.family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);

	/* NLM_F_REPLACE: an address already present (a repeated attach) is updated, not an error. */
	r = rtnl_addr_add(nl->sock, ra, NLM_F_REPLACE);
	if (r < 0)
		return netlink_error(nl, r, err, "add address %s", text);
	return 0;
}

int route_default_add(struct netlink *nl, int ifindex, const struct ip_addr *gateway,
		      struct reef_error *err)
{
	static const uint8_t any[16];
	_cleanup_(rtnl_route_put_cleanup) struct rtnl_route *route = NULL;
	_cleanup_(nl_addr_put_cleanup) struct nl_addr *dst = NULL;
	struct nl_addr *via;
	struct ip_addr zero;
	struct rtnl_nexthop *nh;
	char text[IP_ADDR_STRLEN];
	int r;

	ip_addr_format(gateway, text);
	ip_addr_from_bytes(gateway->family, any, &zero);
	route = rtnl_route_alloc();
	dst = nl_addr_from_ip(&zero, 0);
	nh = rtnl_route_nh_alloc();
	via = nl_addr_from_ip(gateway, ip_addr_bits(gateway));
	if (!route || !dst || !nh || !via) {
		rtnl_route_nh_free(nh);
		nl_addr_put(via);
		return error_set_errno(err, ENOMEM, "add default route via %s", text);
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	nl_addr_put(via);
	rtnl_route_add_nexthop(route, nh);
	rtnl_route_set_family(route, gateway->family);
	rtnl_route_set_dst(route, dst);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(route, RTN_UNICAST);

	r = rtnl_route_add(nl->sock, route, NLM_F_EXCL);
	if (r == -NLE_EXIST) {
		/* A container on several networks keeps the default route of the first one. */
		log_debug("default route via %s: one exists already, keeping it", text);
		nl->ack_errno = 0;
		return 0;
	}
	if (r < 0)
		return netlink_error(nl, r, err, "add default route via %s", text);
	return 0;
}
