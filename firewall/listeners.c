/* SPDX-License-Identifier: MIT */
/*
 * Host sockets bound to a forward's host port, from the kernel's socket
 * diagnostics (NETLINK_SOCK_DIAG).  The request names only listening TCP
 * sockets and unconnected UDP sockets, so the kernel walks its listener
 * and UDP tables.  Reading /proc/net/tcp walks every established
 * connection as well, which took milliseconds per forward.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "internal.h"

struct listener_scan {
	const struct fw_forward_spec *spec;
	bool found;
	char *listener;
	size_t size;
};

static bool addr_is_loopback6(const struct ip_addr *a)
{
	static const uint8_t loopback[16] = { [15] = 1 };

	return a->family == AF_INET6 && memcmp(a->bytes, loopback, 16) == 0;
}

/*
 * Returns whether a socket on ADDR receives traffic that the forward would
 * take.  A socket on [::] without IPV6_V6ONLY receives IPv4 as well, and
 * forwards never take traffic to ::1, because IPv6 has no route_localnet.
 */
static bool addr_overlaps(const struct fw_forward_spec *spec, const struct ip_addr *addr,
			  bool v6only)
{
	const struct ip_addr *want = &spec->host_addr;

	if (addr_is_loopback6(addr))
		return spec->has_host_addr && ip_addr_equal(addr, want);
	if (!spec->has_host_addr)
		return true;
	if (ip_addr_is_any(addr))
		return addr->family == want->family || (addr->family == AF_INET6 && !v6only);
	return ip_addr_equal(addr, want);
}

static int listener_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct listener_scan *scan = data;
	uint16_t port = ntohs(m->id.idiag_sport);
	const struct nlattr *attr;
	bool v6only = false;
	struct ip_addr addr;
	char text[IP_ADDR_STRLEN];

	if (scan->found || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    port < scan->spec->host_port || port > scan->spec->host_port_end)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*m))
	{
		if (mnl_attr_get_type(attr) == INET_DIAG_SKV6ONLY &&
		    mnl_attr_get_payload_len(attr) >= 1)
			v6only = mnl_attr_get_u8(attr) != 0;
	}
	ip_addr_from_bytes(m->idiag_family, m->id.idiag_src, &addr);
	ip_addr_unmap(&addr);
	if (!addr_overlaps(scan->spec, &addr, v6only))
		return MNL_CB_OK;
	ip_addr_format(&addr, text);
	snprintf(scan->listener, scan->size, addr.family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		 scan->spec->proto == IPPROTO_TCP ? "TCP" : "UDP", text, port);
	scan->found = true;
	return MNL_CB_OK;
}

int fw_host_port_listener(const struct fw_forward_spec *spec, char *listener, size_t size,
			  bool *found, struct reef_error *err)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct listener_scan scan = { .spec = spec, .listener = listener, .size = size };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	int r = 0;

	if (!nl)
		return error_set_errno(err, errno, "open socket diagnostics netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = error_set_errno(err, errno, "bind socket diagnostics netlink socket");
		goto out;
	}
	for (size_t i = 0; r == 0 && !scan.found && i < sizeof(families) / sizeof(*families); i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct inet_diag_req_v2 *req;

		nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = i + 1;
		req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
		req->sdiag_family = families[i];
		req->sdiag_protocol = spec->proto;
		/* A UDP socket without a connected peer is in TCP_CLOSE. */
		req->idiag_states = spec->proto == IPPROTO_TCP ? 1u << TCP_LISTEN : 1u << TCP_CLOSE;
		r = nl_talk(nl, nlh, listener_cb, &scan, err);
	}
	if (r < 0)
		error_prefix(err, "list host sockets on %s ports",
			     spec->proto == IPPROTO_TCP ? "TCP" : "UDP");
	*found = scan.found;
out:
	mnl_socket_close(nl);
	return r;
}
