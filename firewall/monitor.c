/* SPDX-License-Identifier: MIT */
/*
 * Watching nf_tables events for changes to reef's table by others.  The
 * kernel stamps each event with the netlink port id of the socket whose
 * batch caused it, so reef recognises its own commits by that id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Rebuilding 10,000 forwards sends as many events; room for them keeps overruns rare. */
#define MONITOR_RCVBUF (16 * 1024 * 1024)

struct fw_monitor {
	struct mnl_socket *nl;
	uint32_t own_portid;
};

int fw_monitor_open(uint32_t own_portid, struct fw_monitor **ret, struct reef_error *err)
{
	struct fw_monitor *mon = calloc(1, sizeof(*mon));
	int group = NFNLGRP_NFTABLES, size = MONITOR_RCVBUF;
	int r;

	if (!mon)
		return error_set_errno(err, ENOMEM, "open nftables monitor");
	r = nl_open_netfilter(&mon->nl, err);
	if (r < 0) {
		free(mon);
		return error_prefix(err, "open nftables monitor");
	}
	if (mnl_socket_setsockopt(mon->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		r = error_set_errno(err, errno, "join nftables event group");
		fw_monitor_close(mon);
		return r;
	}
	if (setsockopt(mnl_socket_get_fd(mon->nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(mon->nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	mon->own_portid = own_portid;
	*ret = mon;
	return 0;
}

void fw_monitor_close(struct fw_monitor *mon)
{
	if (!mon)
		return;
	mnl_socket_close(mon->nl);
	free(mon);
}

int fw_monitor_fd(const struct fw_monitor *mon)
{
	return mnl_socket_get_fd(mon->nl);
}

/*
 * Whether an event concerns reef's table.  Every nf_tables object message
 * names its table in attribute 1 (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
 * NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE, ...).
 */
static bool event_is_ours(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN || nfg->nfgen_family != NFPROTO_INET)
		return false;
	mnl_attr_for_each(attr, nlh, sizeof(*nfg))
	{
		if (mnl_attr_get_type(attr) == 1 &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return !strcmp(mnl_attr_get_str(attr), FW_TABLE);
	}
	return false;
}

int fw_monitor_read(struct fw_monitor *mon, enum fw_monitor_event *ret, struct reef_error *err)
{
	enum fw_monitor_event worst = FW_MONITOR_QUIET;
	char buf[1 << 16];

	for (;;) {
		ssize_t n = recv(fw_monitor_fd(mon), buf, sizeof(buf), MSG_DONTWAIT);
		int left = n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == ENOBUFS) {
			worst = FW_MONITOR_OVERRUN;
			continue;
		}
		if (n < 0)
			return error_set_errno(err, errno, "read nftables events");
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_pid != mon->own_portid && event_is_ours(nlh) &&
			    worst == FW_MONITOR_QUIET)
				worst = FW_MONITOR_TAMPERED;
		}
	}
	*ret = worst;
	return 0;
}
