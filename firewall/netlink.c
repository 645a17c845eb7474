/* SPDX-License-Identifier: MIT */
/* Committing batches to nf_tables and reading reef's table back. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "../common/log.h"
#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* nft sizes its receive buffer the same way: room for one ACK per message. */
#define ACK_ROOM	1024
#define DEFAULT_SOCKBUF (208 * 1024)
#define ACK_WAIT_MS	1000

struct fw {
	struct mnl_socket *nl;
	uint32_t seq;
	long rules; /* rules in reef's table after the last commit, -1: unknown */
	int sndbuf, rcvbuf;
	struct fw_cleaner *cleaner; /* started by the first commit that changes a forward */
};

int nl_open_netfilter(struct mnl_socket **ret, struct reef_error *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int one = 1;

	if (!nl)
		return error_set_errno(err, errno, "open netfilter netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		return error_set_errno(err, e, "bind netfilter netlink socket");
	}
	/* Extended ACKs carry the kernel's own text about what it rejected. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	*ret = nl;
	return 0;
}

int fw_open(struct fw **ret, struct reef_error *err)
{
	struct fw *fw = calloc(1, sizeof(*fw));
	int r;

	if (!fw)
		return error_set_errno(err, ENOMEM, "open nftables connection");
	r = nl_open_netfilter(&fw->nl, err);
	if (r < 0) {
		free(fw);
		return r;
	}
	fw->seq = time(NULL);
	fw->rules = -1;
	fw->sndbuf = fw->rcvbuf = DEFAULT_SOCKBUF;
	*ret = fw;
	return 0;
}

void fw_close(struct fw *fw)
{
	if (!fw)
		return;
	fw_cleaner_stop(fw->cleaner);
	mnl_socket_close(fw->nl);
	free(fw);
}

void fw_settle(struct fw *fw)
{
	if (fw->cleaner)
		fw_cleaner_wait(fw->cleaner);
}

uint32_t fw_portid(const struct fw *fw)
{
	return mnl_socket_get_portid(fw->nl);
}

/* Grows a socket buffer to SIZE bytes; the FORCE option goes past the sysctl limit as root. */
static void sockbuf_grow(struct fw *fw, int opt, int force_opt, int *cur, size_t size)
{
	int n = size > (1 << 30) ? (1 << 30) : (int)size;

	if (n <= *cur)
		return;
	if (setsockopt(mnl_socket_get_fd(fw->nl), SOL_SOCKET, force_opt, &n, sizeof(n)) < 0)
		setsockopt(mnl_socket_get_fd(fw->nl), SOL_SOCKET, opt, &n, sizeof(n));
	*cur = n;
}

struct ack_state {
	const struct fw_batch *batch;
	size_t acks;
	bool failed;
	uint32_t failed_seq;
	int failed_errno;
	char ext_msg[256];
};

static void ack_ext_msg(const struct nlmsghdr *nlh, char *out, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t offset = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Unless capped, the kernel echoes the whole rejected message before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(attr, nlh, offset)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(out, size, "%s", mnl_attr_get_str(attr));
	}
}

static void ack_handle(struct ack_state *st, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return;
	e = mnl_nlmsg_get_payload(nlh);
	st->acks++;
	if (e->error == 0 || st->failed)
		return;
	st->failed = true;
	st->failed_seq = nlh->nlmsg_seq;
	st->failed_errno = -e->error;
	ack_ext_msg(nlh, st->ext_msg, sizeof(st->ext_msg));
}

/* Reads ACKs until every message has one, the batch failed as a whole, or the wait ends. */
static int acks_read(struct fw *fw, struct ack_state *st, struct reef_error *err)
{
	size_t expected = fw_batch_count(st->batch);
	char buf[1 << 16];
	struct pollfd pfd = { .fd = mnl_socket_get_fd(fw->nl), .events = POLLIN };

	while (st->acks < expected) {
		ssize_t n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		int left;

		if (n < 0 && errno == EAGAIN) {
			if (st->failed)
				break;
			n = poll(&pfd, 1, ACK_WAIT_MS);
			if (n == 0)
				return error_set(err, ETIMEDOUT,
						 "commit nftables batch: the kernel acknowledged "
						 "%zu of %zu messages",
						 st->acks, expected);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, errno, "read nftables ACKs");
		left = n;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			ack_handle(st, nlh);
		/* An error on the batch-begin message rejects the batch before any message runs. */
		if (st->failed && st->failed_seq == st->batch->seq)
			break;
	}
	return 0;
}

static int commit_error(const struct ack_state *st, struct reef_error *err)
{
	const char *desc = fw_batch_describe(st->batch, st->failed_seq);

	if (st->ext_msg[0])
		return error_set(err, st->failed_errno, "%s: %s (%s)", desc ? desc : "nftables",
				 strerror(st->failed_errno), st->ext_msg);
	return error_set_errno(err, st->failed_errno, "%s", desc ? desc : "nftables");
}

static void commit_after(struct fw *fw, struct fw_batch *b)
{
	struct reef_error err = { 0 };

	if (b->n_flushes && !fw->cleaner && fw_cleaner_start(&fw->cleaner, &err) < 0)
		log_warning("%s; deleting conntrack entries before the reply", err.message);
	if (b->n_flushes &&
	    !(fw->cleaner && fw_cleaner_queue(fw->cleaner, b->flushes, b->n_flushes, &err) == 0) &&
	    fw_conntrack_flush_ranges(fw->nl, b->flushes, b->n_flushes, &err) < 0)
		log_warning("delete conntrack entries of changed forwards: %s, ignoring",
			    err.message);
	for (size_t i = 0; i < b->n_localnet; i++) {
		if (fw_route_localnet_enable(b->localnet[i], &err) < 0)
			log_warning("%s; forwards used from 127.0.0.1 will not reach '%s'",
				    err.message, b->localnet[i]);
	}
}

int fw_commit(struct fw *fw, struct fw_batch *b, struct reef_error *err)
{
	struct ack_state st = { .batch = b };
	const void *data;
	size_t len;
	int r;

	fw_batch_set_seq(b, fw->seq);
	fw->seq += fw_batch_count(b) + 2;
	data = fw_batch_data(b, &len);

	sockbuf_grow(fw, SO_SNDBUF, SO_SNDBUFFORCE, &fw->sndbuf, len + 4096);
	sockbuf_grow(fw, SO_RCVBUF, SO_RCVBUFFORCE, &fw->rcvbuf, fw_batch_count(b) * ACK_ROOM);
	if (mnl_socket_sendto(fw->nl, data, len) < 0)
		return error_set_errno(err, errno, "send nftables batch of %zu bytes", len);

	r = acks_read(fw, &st, err);
	if (r < 0)
		return r;
	if (st.failed)
		return commit_error(&st, err);

	if (b->rebuild)
		fw->rules = b->rule_delta;
	else if (fw->rules >= 0)
		fw->rules += b->rule_delta;
	commit_after(fw, b);
	return 0;
}

/* Sends one request and runs CB on every reply message until the dump ends. */
int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    struct reef_error *err)
{
	char buf[1 << 16];
	uint32_t portid = mnl_socket_get_portid(nl);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return error_set_errno(err, errno, "send netlink request");
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return error_set_errno(err, errno, "read netlink reply");
		r = mnl_cb_run(buf, n, seq, portid, cb, data);
	} while (r == MNL_CB_OK);
	if (r < 0)
		return error_set_errno(err, errno, "netlink request");
	return 0;
}

struct rule_count {
	long rules;
};

static int rule_count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_count *rc = data;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWRULE)
		rc->rules++;
	return MNL_CB_OK;
}

int fw_table_check(struct fw *fw, bool *ret_intact, struct reef_error *err)
{
	_cleanup_(nftnl_rule_free_cleanup) struct nftnl_rule *r = nftnl_rule_alloc();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rule_count rc = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	if (!r)
		return error_set_errno(err, ENOMEM, "check table inet %s", FW_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, fw->seq++);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	ret = nl_talk(fw->nl, nlh, rule_count_cb, &rc, err);
	if (ret == -ENOENT) {
		*ret_intact = false;
		return 0;
	}
	if (ret < 0)
		return error_prefix(err, "list rules of table inet %s", FW_TABLE);
	/* NOTE: only rules are counted; set elements deleted by hand go unnoticed here. */
	*ret_intact = fw->rules < 0 ? rc.rules > 0 : rc.rules == fw->rules;
	return 0;
}

struct drop_scan {
	const char *pattern;
	char *text;
	size_t len;
	bool nomem;
};

static const char *family_name(uint32_t family)
{
	switch (family) {
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_INET:
		return "inet";
	default:
		return NULL;
	}
}

static int drop_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	_cleanup_(nftnl_chain_free_cleanup) struct nftnl_chain *c = nftnl_chain_alloc();
	struct drop_scan *scan = data;
	const char *family, *table, *chain;
	char *line;
	int n;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		return MNL_CB_OK;
	family = family_name(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY));
	table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	chain = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	if (!family || !table || !chain || !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		return MNL_CB_OK;
	if (nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) != NF_INET_FORWARD ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP)
		return MNL_CB_OK;
	if (!strcmp(family, "inet") && !strcmp(table, FW_TABLE))
		return MNL_CB_OK;

	n = asprintf(&line,
		     "%stable %s %s: chain '%s' drops forwarded packets by default, so reef's "
		     "containers reach nothing beyond their network; accept their traffic there, "
		     "e.g. 'nft insert rule %s %s %s iifname \"%s\" accept' and 'nft insert rule "
		     "%s %s %s oifname \"%s\" accept'",
		     scan->len ? "; " : "", family, table, chain, family, table, chain,
		     scan->pattern, family, table, chain, scan->pattern);
	if (n < 0) {
		scan->nomem = true;
		return MNL_CB_OK;
	}
	char *text = realloc(scan->text, scan->len + n + 1);

	if (!text) {
		scan->nomem = true;
		free(line);
		return MNL_CB_OK;
	}
	memcpy(text + scan->len, line, n + 1);
	scan->text = text;
	scan->len += n;
	free(line);
	return MNL_CB_OK;
}

int fw_forward_drop_check(struct fw *fw, const char *bridge_pattern, char **ret_warning,
			  struct reef_error *err)
{
	struct drop_scan scan = { .pattern = bridge_pattern };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, fw->seq++);
	r = nl_talk(fw->nl, nlh, drop_scan_cb, &scan, err);
	if (r < 0) {
		free(scan.text);
		return error_prefix(err, "list nftables chains");
	}
	if (scan.nomem) {
		free(scan.text);
		return error_set_errno(err, ENOMEM, "describe forward chains with a drop policy");
	}
	*ret_warning = scan.text;
	return 0;
}
