/* SPDX-License-Identifier: MIT */
/*
 * The fixed part of reef's table: its sets and maps, base chains and rules,
 * and the per-endpoint anti-spoofing chains.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>

#include "internal.h"

/* Data type numbers nft uses to print set keys; concatenations shift by 6 bits per field. */
enum {
	NFT_TYPE_IPADDR = 7,
	NFT_TYPE_IP6ADDR = 8,
	NFT_TYPE_INET_PROTOCOL = 12,
	NFT_TYPE_INET_SERVICE = 13,
	NFT_TYPE_IFNAME = 41,
};
#define CONCAT2(a, b)	 (((a) << 6) | (b))
#define CONCAT3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))

#define MAX_RULE_PAYLOAD 4096

/*
 * Expression builders.  A rule collects expressions; the first failed
 * allocation is remembered and reported once when the rule is added.
 */
struct rule_builder {
	struct nftnl_rule *rule;
	bool nomem;
};

static void rule_expr_add(struct rule_builder *rb, struct nftnl_expr *e)
{
	if (!e) {
		rb->nomem = true;
		return;
	}
	nftnl_rule_add_expr(rb->rule, e);
}

static void expr_meta(struct rule_builder *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	rule_expr_add(rb, e);
}

static void expr_payload(struct rule_builder *rb, uint32_t base, uint32_t offset, uint32_t len,
			 uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
	rule_expr_add(rb, e);
}

static void expr_cmp(struct rule_builder *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	rule_expr_add(rb, e);
}

static void expr_bitwise(struct rule_builder *rb, const void *mask, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	static const uint8_t zero[16];

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	rule_expr_add(rb, e);
}

/* Looks SREG up in SET; with DREG >= 0 the set is a map and its value lands in DREG. */
static void expr_lookup(struct rule_builder *rb, const char *set, uint32_t sreg, int dreg,
			bool invert)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
		if (dreg >= 0)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
		if (invert)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	rule_expr_add(rb, e);
}

static void expr_ct(struct rule_builder *rb, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	rule_expr_add(rb, e);
}

static void expr_verdict(struct rule_builder *rb, int verdict)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	}
	rule_expr_add(rb, e);
}

static void expr_masq(struct rule_builder *rb)
{
	rule_expr_add(rb, nftnl_expr_alloc("masq"));
}

static void expr_counter(struct rule_builder *rb)
{
	rule_expr_add(rb, nftnl_expr_alloc("counter"));
}

/* Matches packets whose layer 3 protocol is NFPROTO (NFPROTO_IPV4 or NFPROTO_IPV6). */
static void match_nfproto(struct rule_builder *rb, uint8_t nfproto)
{
	expr_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	expr_cmp(rb, NFT_CMP_EQ, &nfproto, 1);
}

static void match_ifname_set(struct rule_builder *rb, uint32_t meta_key, const char *set,
			     bool invert)
{
	expr_meta(rb, meta_key, NFT_REG_1);
	expr_lookup(rb, set, NFT_REG_1, -1, invert);
}

/* Matches ct status having every bit of BITS. */
static void match_ct_bits(struct rule_builder *rb, uint32_t key, uint32_t bits)
{
	uint32_t zero = 0;

	expr_ct(rb, key);
	expr_bitwise(rb, &bits, sizeof(bits));
	expr_cmp(rb, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* Offsets of the source and destination address in the IPv4 and IPv6 headers. */
static uint32_t addr_offset(int family, bool source)
{
	if (family == AF_INET)
		return source ? 12 : 16;
	return source ? 8 : 24;
}

static void match_addr_set(struct rule_builder *rb, int family, bool source, const char *set)
{
	match_nfproto(rb, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	expr_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, source),
		     family == AF_INET ? 4 : 16, NFT_REG_1);
	expr_lookup(rb, set, NFT_REG_1, -1, false);
}

/* Matches an IPv4 source or destination address within 127.0.0.0/8. */
static void match_loopback4(struct rule_builder *rb, bool source)
{
	uint8_t net = 127;

	match_nfproto(rb, NFPROTO_IPV4);
	expr_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(AF_INET, source), 1, NFT_REG_1);
	expr_cmp(rb, NFT_CMP_EQ, &net, 1);
}

/*
 * Destination NAT through a forward map.  The key is either
 * "daddr . l4proto . dport" (WITH_ADDR) or "l4proto . dport" for forwards
 * on every local address; each part sits in its own 32-bit register, as
 * nft lays concatenations out, and the map's value "address . port" comes
 * back in the same way.
 */
static void dnat_map(struct rule_builder *rb, int family, bool with_addr, const char *map)
{
	uint32_t reg = NFT_REG32_00;
	uint32_t addr_len = family == AF_INET ? 4 : 16;
	uint32_t fib_local = RTN_LOCAL;
	struct nftnl_expr *e;

	match_nfproto(rb, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	if (with_addr) {
		expr_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, false), addr_len,
			     reg);
		reg += addr_len / 4;
	} else {
		/* Without an address, only packets to the host itself are forwarded. */
		e = nftnl_expr_alloc("fib");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
			nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		}
		rule_expr_add(rb, e);
		expr_cmp(rb, NFT_CMP_EQ, &fib_local, sizeof(fib_local));
	}
	expr_meta(rb, NFT_META_L4PROTO, reg);
	expr_payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg + 1);
	expr_lookup(rb, map, NFT_REG32_00, NFT_REG32_00, false);

	e = nftnl_expr_alloc("nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
				   family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG32_00);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG32_00 + addr_len / 4);
	}
	rule_expr_add(rb, e);
}

static int rule_comment_set(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 16);

	if (!ud)
		return -ENOMEM;
	if (!nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment)) {
		nftnl_udata_buf_free(ud);
		return -EINVAL;
	}
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return 0;
}

static struct rule_builder rule_begin(const char *chain)
{
	struct rule_builder rb = { .rule = nftnl_rule_alloc() };

	if (!rb.rule) {
		rb.nomem = true;
		return rb;
	}
	nftnl_rule_set_u32(rb.rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(rb.rule, NFTNL_RULE_TABLE, FW_TABLE);
	nftnl_rule_set_str(rb.rule, NFTNL_RULE_CHAIN, chain);
	return rb;
}

/* Appends the rule, with COMMENT, to the batch and frees the builder. */
static int rule_end(struct fw_batch *b, struct rule_builder *rb, const char *comment,
		    struct reef_error *err)
{
	_cleanup_(nftnl_rule_free_cleanup) struct nftnl_rule *r = take_ptr(rb->rule);
	const char *chain;
	struct nlmsghdr *nlh;

	if (rb->nomem || !r || rule_comment_set(r, comment) < 0)
		return error_set_errno(err, ENOMEM, "build rule '%s'", comment);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	nlh = batch_msg_start(b, NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE, MAX_RULE_PAYLOAD,
			      err);
	if (!nlh)
		return -ENOMEM;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	return batch_msg_finish(b, nlh, err, "add rule '%s' to chain '%s'", comment, chain);
}

struct set_spec {
	const char *name;
	uint32_t key_type, key_len;
	uint32_t data_type, data_len; /* 0: a plain set */
	bool interval;
};

#define SET(n, kt, kl)                                         \
	{                                                      \
		.name = (n), .key_type = (kt), .key_len = (kl) \
	}
#define INTERVAL_SET(n, kt, kl)                                                  \
	{                                                                        \
		.name = (n), .key_type = (kt), .key_len = (kl), .interval = true \
	}
#define MAP(n, kt, kl, dt, dl)                                                     \
	{                                                                          \
		.name = (n), .key_type = (kt), .key_len = (kl), .data_type = (dt), \
		.data_len = (dl)                                                   \
	}

static const struct set_spec set_specs[] = {
	SET(FW_SET_BRIDGES, NFT_TYPE_IFNAME, IFNAMSIZ),
	SET(FW_SET_INTERNAL, NFT_TYPE_IFNAME, IFNAMSIZ),
	SET(FW_SET_INTERNAL_GW4, CONCAT2(NFT_TYPE_IFNAME, NFT_TYPE_IPADDR), IFNAMSIZ + 4),
	SET(FW_SET_INTERNAL_GW6, CONCAT2(NFT_TYPE_IFNAME, NFT_TYPE_IP6ADDR), IFNAMSIZ + 16),
	SET(FW_SET_OPEN_PAIRS, CONCAT2(NFT_TYPE_IFNAME, NFT_TYPE_IFNAME), 2 * IFNAMSIZ),
	INTERVAL_SET(FW_SET_SUBNETS4, NFT_TYPE_IPADDR, 4),
	INTERVAL_SET(FW_SET_SUBNETS6, NFT_TYPE_IP6ADDR, 16),
	INTERVAL_SET(FW_SET_NAT4, NFT_TYPE_IPADDR, 4),
	INTERVAL_SET(FW_SET_NAT6, NFT_TYPE_IP6ADDR, 16),
	MAP(FW_MAP_FWD4, CONCAT3(NFT_TYPE_IPADDR, NFT_TYPE_INET_PROTOCOL, NFT_TYPE_INET_SERVICE),
	    12, CONCAT2(NFT_TYPE_IPADDR, NFT_TYPE_INET_SERVICE), 8),
	MAP(FW_MAP_FWD4_ANY, CONCAT2(NFT_TYPE_INET_PROTOCOL, NFT_TYPE_INET_SERVICE), 8,
	    CONCAT2(NFT_TYPE_IPADDR, NFT_TYPE_INET_SERVICE), 8),
	MAP(FW_MAP_FWD6, CONCAT3(NFT_TYPE_IP6ADDR, NFT_TYPE_INET_PROTOCOL, NFT_TYPE_INET_SERVICE),
	    24, CONCAT2(NFT_TYPE_IP6ADDR, NFT_TYPE_INET_SERVICE), 20),
	MAP(FW_MAP_FWD6_ANY, CONCAT2(NFT_TYPE_INET_PROTOCOL, NFT_TYPE_INET_SERVICE), 8,
	    CONCAT2(NFT_TYPE_IP6ADDR, NFT_TYPE_INET_SERVICE), 20),
};

/*
 * nft reads a set's key byte order from its user data, and without it
 * prints interface names byte-swapped (as ""); matching is unaffected.
 */
static int set_byteorder_set(struct nftnl_set *s, const struct set_spec *spec)
{
	enum { BYTEORDER_HOST_ENDIAN = 1, BYTEORDER_BIG_ENDIAN = 2 };
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);
	bool ok;

	if (!ud)
		return -ENOMEM;
	ok = nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER,
				 spec->key_type == NFT_TYPE_IFNAME ? BYTEORDER_HOST_ENDIAN
								   : BYTEORDER_BIG_ENDIAN);
	if (ok && spec->data_len)
		ok = nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER, BYTEORDER_BIG_ENDIAN);
	if (ok)
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ok ? 0 : -ENOMEM;
}

static int set_add(struct fw_batch *b, const struct set_spec *spec, uint32_t id,
		   struct reef_error *err)
{
	_cleanup_(nftnl_set_free_cleanup) struct nftnl_set *s = nftnl_set_alloc();
	uint32_t flags = 0;
	struct nlmsghdr *nlh;

	if (!s)
		return error_set_errno(err, ENOMEM, "build set '%s'", spec->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, spec->name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, spec->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, spec->key_len);
	if (spec->data_len) {
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, spec->data_type);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, spec->data_len);
	}
	if (spec->interval)
		flags |= NFT_SET_INTERVAL;
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	if (set_byteorder_set(s, spec) < 0)
		return error_set_errno(err, ENOMEM, "build set '%s'", spec->name);

	nlh = batch_msg_start(b, NFT_MSG_NEWSET, NLM_F_CREATE, 1024, err);
	if (!nlh)
		return -ENOMEM;
	nftnl_set_nlmsg_build_payload(nlh, s);
	return batch_msg_finish(b, nlh, err, "add %s '%s'", spec->data_len ? "map" : "set",
				spec->name);
}

struct chain_spec {
	const char *name;
	const char *type;
	uint32_t hook;
	int32_t prio;
};

static const struct chain_spec chain_specs[] = {
	{ .name = "guard", .type = "filter", .hook = NF_INET_PRE_ROUTING, .prio = -300 },
	{ .name = "prerouting", .type = "nat", .hook = NF_INET_PRE_ROUTING, .prio = -100 },
	{ .name = "output", .type = "nat", .hook = NF_INET_LOCAL_OUT, .prio = -100 },
	{ .name = "postrouting", .type = "nat", .hook = NF_INET_POST_ROUTING, .prio = 100 },
	{ .name = "forward", .type = "filter", .hook = NF_INET_FORWARD, .prio = 0 },
	{ .name = "input", .type = "filter", .hook = NF_INET_LOCAL_IN, .prio = 0 },
};

static int chain_add(struct fw_batch *b, const struct chain_spec *spec, const char *device,
		     struct reef_error *err)
{
	_cleanup_(nftnl_chain_free_cleanup) struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return error_set_errno(err, ENOMEM, "build chain '%s'", spec->name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, spec->name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, spec->type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, spec->hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, spec->prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if (device)
		nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, device);

	nlh = batch_msg_start(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, 1024, err);
	if (!nlh)
		return -ENOMEM;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	return batch_msg_finish(b, nlh, err, "add chain '%s'", spec->name);
}

static int table_msg(struct fw_batch *b, uint16_t type, const char *what, struct reef_error *err)
{
	_cleanup_(nftnl_table_free_cleanup) struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return error_set_errno(err, ENOMEM, "build table");
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FW_TABLE);
	nlh = batch_msg_start(b, type, type == NFT_MSG_NEWTABLE ? NLM_F_CREATE : 0, 256, err);
	if (!nlh)
		return -ENOMEM;
	nftnl_table_nlmsg_build_payload(nlh, t);
	return batch_msg_finish(b, nlh, err, "%s table inet %s", what, FW_TABLE);
}

int fw_batch_table_delete(struct fw_batch *b, struct reef_error *err)
{
	int r;

	/* Creating the table first makes the delete succeed when it does not exist. */
	r = table_msg(b, NFT_MSG_NEWTABLE, "create (if missing)", err);
	if (r < 0)
		return r;
	return table_msg(b, NFT_MSG_DELTABLE, "delete", err);
}

/*
 * The forward chain: what may cross between reef networks and the outside.
 * Where br_netfilter is active, frames bridged within one network pass
 * this chain too (in and out on the same bridge), so the same-network
 * accept comes before the internal-network drop.
 */
static int forward_rules_add(struct fw_batch *b, struct reef_error *err)
{
	struct rule_builder rb;
	int r;

	rb = rule_begin("forward");
	match_ct_bits(&rb, NFT_CT_STATE,
		      NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "replies and related traffic", err);
	if (r < 0)
		return r;

	rb = rule_begin("forward");
	expr_meta(&rb, NFT_META_IIFNAME, NFT_REG32_00);
	expr_meta(&rb, NFT_META_OIFNAME, NFT_REG32_04);
	expr_lookup(&rb, FW_SET_OPEN_PAIRS, NFT_REG32_00, -1, false);
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "traffic within a non-isolated network", err);
	if (r < 0)
		return r;

	rb = rule_begin("forward");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_INTERNAL, false);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	r = rule_end(b, &rb, "internal networks have no egress", err);
	if (r < 0)
		return r;

	rb = rule_begin("forward");
	match_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "port forwards", err);
	if (r < 0)
		return r;

	rb = rule_begin("forward");
	match_ifname_set(&rb, NFT_META_OIFNAME, FW_SET_BRIDGES, false);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	return rule_end(b, &rb, "nothing else enters a reef network", err);
}

/* Matches ICMPv6 to a destination whose first LEN bytes, masked by MASK, equal NET. */
static void match_icmp6_daddr(struct rule_builder *rb, const uint8_t *net, const uint8_t *mask,
			      uint32_t len)
{
	uint8_t icmp6 = IPPROTO_ICMPV6;

	match_nfproto(rb, NFPROTO_IPV6);
	expr_meta(rb, NFT_META_L4PROTO, NFT_REG_1);
	expr_cmp(rb, NFT_CMP_EQ, &icmp6, 1);
	expr_payload(rb, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(AF_INET6, false), len, NFT_REG_1);
	expr_bitwise(rb, mask, len);
	expr_cmp(rb, NFT_CMP_EQ, net, len);
}

/*
 * The input chain: an internal network has no way out, and that includes
 * the host itself.  From an internal bridge the host accepts replies to its
 * own connections, anything addressed to that network's gateway addresses
 * (ICMP and services on the gateway, as on any network), and ICMPv6 to
 * link-local and multicast addresses for neighbour discovery.  Everything
 * else, including the host's other addresses reached through a route the
 * container added, is dropped.
 */
static int input_rules_add(struct fw_batch *b, struct reef_error *err)
{
	static const uint8_t ll_net[2] = { 0xfe, 0x80 }, ll_mask[2] = { 0xff, 0xc0 };
	static const uint8_t mc_net[1] = { 0xff }, mc_mask[1] = { 0xff };
	struct rule_builder rb;
	int r;

	rb = rule_begin("input");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_INTERNAL, false);
	match_ct_bits(&rb, NFT_CT_STATE,
		      NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "replies to the host from internal networks", err);
	if (r < 0)
		return r;

	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		bool v4 = family == AF_INET;

		rb = rule_begin("input");
		match_nfproto(&rb, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		expr_meta(&rb, NFT_META_IIFNAME, NFT_REG32_00);
		expr_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(family, false),
			     v4 ? 4 : 16, NFT_REG32_04);
		expr_lookup(&rb, v4 ? FW_SET_INTERNAL_GW4 : FW_SET_INTERNAL_GW6, NFT_REG32_00, -1,
			    false);
		expr_verdict(&rb, NF_ACCEPT);
		r = rule_end(b, &rb,
			     v4 ? "internal networks reach their IPv4 gateway"
				: "internal networks reach their IPv6 gateway",
			     err);
		if (r < 0)
			return r;
	}

	rb = rule_begin("input");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_INTERNAL, false);
	match_icmp6_daddr(&rb, ll_net, ll_mask, sizeof(ll_net));
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "ICMPv6 to link-local addresses from internal networks", err);
	if (r < 0)
		return r;

	rb = rule_begin("input");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_INTERNAL, false);
	match_icmp6_daddr(&rb, mc_net, mc_mask, sizeof(mc_net));
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "ICMPv6 to multicast addresses from internal networks", err);
	if (r < 0)
		return r;

	rb = rule_begin("input");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_INTERNAL, false);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	return rule_end(b, &rb, "internal networks reach nothing else on the host", err);
}

static int postrouting_rules_add(struct fw_batch *b, struct reef_error *err)
{
	struct rule_builder rb;
	int r;

	rb = rule_begin("postrouting");
	match_ifname_set(&rb, NFT_META_OIFNAME, FW_SET_BRIDGES, false);
	match_loopback4(&rb, true);
	expr_masq(&rb);
	r = rule_end(b, &rb, "forwards used from 127.0.0.1", err);
	if (r < 0)
		return r;

	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		bool v4 = family == AF_INET;

		rb = rule_begin("postrouting");
		match_ifname_set(&rb, NFT_META_OIFNAME, FW_SET_BRIDGES, false);
		match_ct_bits(&rb, NFT_CT_STATUS, IPS_DST_NAT);
		match_addr_set(&rb, family, true, v4 ? FW_SET_SUBNETS4 : FW_SET_SUBNETS6);
		expr_masq(&rb);
		r = rule_end(b, &rb,
			     v4 ? "forwards used from reef networks (IPv4)"
				: "forwards used from reef networks (IPv6)",
			     err);
		if (r < 0)
			return r;

		rb = rule_begin("postrouting");
		match_addr_set(&rb, family, true, v4 ? FW_SET_NAT4 : FW_SET_NAT6);
		match_ifname_set(&rb, NFT_META_OIFNAME, FW_SET_BRIDGES, true);
		expr_masq(&rb);
		r = rule_end(b, &rb, v4 ? "NAT networks (IPv4)" : "NAT networks (IPv6)", err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int dnat_rules_add(struct fw_batch *b, const char *chain, struct reef_error *err)
{
	static const struct {
		int family;
		bool with_addr;
		const char *map, *comment;
	} maps[] = {
		{ AF_INET, true, FW_MAP_FWD4, "forwards on one IPv4 address" },
		{ AF_INET, false, FW_MAP_FWD4_ANY, "forwards on every local IPv4 address" },
		{ AF_INET6, true, FW_MAP_FWD6, "forwards on one IPv6 address" },
		{ AF_INET6, false, FW_MAP_FWD6_ANY, "forwards on every local IPv6 address" },
	};
	int r;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct rule_builder rb = rule_begin(chain);

		dnat_map(&rb, maps[i].family, maps[i].with_addr, maps[i].map);
		r = rule_end(b, &rb, maps[i].comment, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Forwards used from 127.0.0.1 need route_localnet on the bridges, which
 * would also let containers reach the host's loopback services through the
 * bridge.  The guard chain drops loopback addresses arriving from a bridge.
 */
static int guard_rules_add(struct fw_batch *b, struct reef_error *err)
{
	struct rule_builder rb;
	int r;

	rb = rule_begin("guard");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_BRIDGES, false);
	match_loopback4(&rb, false);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	r = rule_end(b, &rb, "no loopback destinations from containers", err);
	if (r < 0)
		return r;

	rb = rule_begin("guard");
	match_ifname_set(&rb, NFT_META_IIFNAME, FW_SET_BRIDGES, false);
	match_loopback4(&rb, true);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	return rule_end(b, &rb, "no loopback sources from containers", err);
}

/* 4 DNAT rules each in prerouting and output, 5 postrouting, 5 forward, 2 guard, 6 input. */
long ruleset_rule_count(void)
{
	return 4 + 4 + 5 + 5 + 2 + 6;
}

int ruleset_build(struct fw_batch *b, struct reef_error *err)
{
	int r;

	r = table_msg(b, NFT_MSG_NEWTABLE, "add", err);
	for (size_t i = 0; r >= 0 && i < sizeof(set_specs) / sizeof(set_specs[0]); i++)
		r = set_add(b, &set_specs[i], i + 1, err);
	for (size_t i = 0; r >= 0 && i < sizeof(chain_specs) / sizeof(chain_specs[0]); i++)
		r = chain_add(b, &chain_specs[i], NULL, err);
	if (r >= 0)
		r = guard_rules_add(b, err);
	if (r >= 0)
		r = dnat_rules_add(b, "prerouting", err);
	if (r >= 0)
		r = dnat_rules_add(b, "output", err);
	if (r >= 0)
		r = postrouting_rules_add(b, err);
	if (r >= 0)
		r = forward_rules_add(b, err);
	if (r >= 0)
		r = input_rules_add(b, err);
	if (r < 0)
		return r;
	b->rule_delta += ruleset_rule_count();
	return 0;
}

/*
 * Anti-spoofing: an ingress chain on the endpoint's host interface drops
 * what the container sends from another MAC or address.  IPv6 link-local
 * sources and the unspecified address stay allowed for neighbour discovery.
 * NOTE: inet ingress chains see only IPv4 and IPv6, so ARP is not checked.
 */
static void spoof_chain_name(const struct fw_endpoint *ep, char *out, size_t size)
{
	snprintf(out, size, FW_SPOOF_CHAIN_PREFIX "%s", ep->host_ifname);
}

int spoof_rule_count(const struct fw_endpoint *ep)
{
	if (!ep->antispoof)
		return 0;
	return 1 + 1 + (ep->addr6 ? 1 : 0) + 3;
}

static int spoof_rules_add(struct fw_batch *b, const char *chain, const struct fw_endpoint *ep,
			   struct reef_error *err)
{
	static const uint8_t ll_mask[16] = { 0xff, 0xc0 }, ll_net[16] = { 0xfe, 0x80 };
	static const uint8_t unspecified[16];
	uint16_t ether = ARPHRD_ETHER;
	struct rule_builder rb;
	int r;

	rb = rule_begin(chain);
	/* The link type check lets nft print the match as "ether saddr". */
	expr_meta(&rb, NFT_META_IIFTYPE, NFT_REG_1);
	expr_cmp(&rb, NFT_CMP_EQ, &ether, sizeof(ether));
	expr_payload(&rb, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_1);
	expr_cmp(&rb, NFT_CMP_NEQ, ep->mac, 6);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	r = rule_end(b, &rb, "source MAC other than the assigned one", err);
	if (r < 0)
		return r;

	rb = rule_begin(chain);
	match_nfproto(&rb, NFPROTO_IPV4);
	if (ep->addr4) {
		expr_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
		expr_cmp(&rb, NFT_CMP_NEQ, ep->addr4->bytes, 4);
	}
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	r = rule_end(b, &rb, "IPv4 source other than the assigned one", err);
	if (r < 0)
		return r;

	if (ep->addr6) {
		rb = rule_begin(chain);
		match_nfproto(&rb, NFPROTO_IPV6);
		expr_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
		expr_cmp(&rb, NFT_CMP_EQ, ep->addr6->bytes, 16);
		expr_verdict(&rb, NF_ACCEPT);
		r = rule_end(b, &rb, "assigned IPv6 source", err);
		if (r < 0)
			return r;
	}

	rb = rule_begin(chain);
	match_nfproto(&rb, NFPROTO_IPV6);
	expr_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
	expr_bitwise(&rb, ll_mask, 16);
	expr_cmp(&rb, NFT_CMP_EQ, ll_net, 16);
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "IPv6 link-local source", err);
	if (r < 0)
		return r;

	rb = rule_begin(chain);
	match_nfproto(&rb, NFPROTO_IPV6);
	expr_payload(&rb, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
	expr_cmp(&rb, NFT_CMP_EQ, unspecified, 16);
	expr_verdict(&rb, NF_ACCEPT);
	r = rule_end(b, &rb, "IPv6 duplicate address detection", err);
	if (r < 0)
		return r;

	rb = rule_begin(chain);
	match_nfproto(&rb, NFPROTO_IPV6);
	expr_counter(&rb);
	expr_verdict(&rb, NF_DROP);
	return rule_end(b, &rb, "IPv6 source other than the assigned ones", err);
}

int spoof_chain_add(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err)
{
	char name[64];
	struct chain_spec spec = { name, "filter", NF_INET_INGRESS, 0 };
	int r;

	spoof_chain_name(ep, name, sizeof(name));
	r = chain_add(b, &spec, ep->host_ifname, err);
	if (r >= 0)
		r = spoof_rules_add(b, name, ep, err);
	if (r < 0)
		return error_prefix(err, "anti-spoofing for '%s' on '%s'", ep->container,
				    ep->network);
	b->rule_delta += spoof_rule_count(ep);
	return 0;
}

int spoof_chain_delete(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err)
{
	_cleanup_(nftnl_chain_free_cleanup) struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	char name[64];

	if (!c)
		return error_set_errno(err, ENOMEM, "build chain");
	spoof_chain_name(ep, name, sizeof(name));
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FW_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	/* Without NLM_F_NONREC the kernel deletes the chain's rules with it. */
	nlh = batch_msg_start(b, NFT_MSG_DELCHAIN, 0, 256, err);
	if (!nlh)
		return -ENOMEM;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	b->rule_delta -= spoof_rule_count(ep);
	return batch_msg_finish(b, nlh, err, "delete chain '%s' of '%s' on '%s'", name,
				ep->container, ep->network);
}
