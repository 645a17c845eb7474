/* SPDX-License-Identifier: MIT */
/*
 * Host sockets bound to a forward's host port, from the kernel's socket
 * diagnostics (NETLINK_SOCK_DIAG).  reef asks only for listening TCP
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

static bool addr_is_any(const struct ip_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->bytes, zero, ip_addr_size(a)) == 0;
}

/* Turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address. */
static void addr_unmap(struct ip_addr *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == AF_INET6 && memcmp(a->bytes, prefix, sizeof(prefix)) == 0)
		ip_addr_from_bytes(AF_INET, a->bytes + 12, a);
}

/*
 * Returns whether a socket on ADDR receives traffic that the forward would
 * take: either side covers every address, or both use the same one.
 */
static bool addr_overlaps(const struct fw_forward_spec *spec, const struct ip_addr *addr)
{
	return !spec->has_host_addr || addr_is_any(addr) || ip_addr_equal(addr, &spec->host_addr);
}

static int listener_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct listener_scan *scan = data;
	uint16_t port = ntohs(m->id.idiag_sport);
	struct ip_addr addr;
	char text[IP_ADDR_STRLEN];

	if (scan->found || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    port < scan->spec->host_port || port > scan->spec->host_port_end)
		return MNL_CB_OK;
	ip_addr_from_bytes(m->idiag_family, m->id.idiag_src, &addr);
	addr_unmap(&addr);
	if (!addr_overlaps(scan->spec, &addr))
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
