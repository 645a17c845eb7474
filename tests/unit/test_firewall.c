/* SPDX-License-Identifier: MIT */
/* Firewall batches: build the messages, parse them back with libnftnl, compare. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "../../firewall/firewall.h"

#define MAX_MSGS 64

/* The messages of a batch between begin and end. */
struct parsed {
	const struct nlmsghdr *msgs[MAX_MSGS];
	size_t n;
};

static void batch_parse(struct fw_batch *b, struct parsed *p)
{
	size_t len;
	const void *data = fw_batch_data(b, &len);
	const struct nlmsghdr *nlh = data;
	int left = len;

	p->n = 0;
	assert_true(mnl_nlmsg_ok(nlh, left));
	assert_int_equal(nlh->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
	nlh = mnl_nlmsg_next(nlh, &left);
	while (mnl_nlmsg_ok(nlh, left) && nlh->nlmsg_type != NFNL_MSG_BATCH_END) {
		assert_true(p->n < MAX_MSGS);
		assert_true(nlh->nlmsg_flags & NLM_F_ACK);
		p->msgs[p->n++] = nlh;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	assert_true(mnl_nlmsg_ok(nlh, left));
	assert_int_equal(nlh->nlmsg_type, NFNL_MSG_BATCH_END);
	assert_int_equal(p->n, fw_batch_count(b));
}

static int msg_type(const struct nlmsghdr *nlh)
{
	assert_int_equal(NFNL_SUBSYS_ID(nlh->nlmsg_type), NFNL_SUBSYS_NFTABLES);
	return NFNL_MSG_TYPE(nlh->nlmsg_type);
}

static struct nftnl_set *elems_parse(const struct nlmsghdr *nlh, const char *expected_set)
{
	struct nftnl_set *s = nftnl_set_alloc();

	assert_non_null(s);
	assert_int_equal(nftnl_set_elems_nlmsg_parse(nlh, s), 0);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_TABLE), FW_TABLE);
	assert_string_equal(nftnl_set_get_str(s, NFTNL_SET_NAME), expected_set);
	return s;
}

static struct nftnl_set_elem *elem_nth(struct nftnl_set *s, size_t n)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e = nftnl_set_elems_iter_next(it);

	while (e && n--)
		e = nftnl_set_elems_iter_next(it);
	nftnl_set_elems_iter_destroy(it);
	assert_non_null(e);
	return e;
}

static size_t elem_count(struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	size_t n = 0;

	while (nftnl_set_elems_iter_next(it))
		n++;
	nftnl_set_elems_iter_destroy(it);
	return n;
}

static void assert_bytes(const void *got, uint32_t got_len, const void *expected,
			 uint32_t expected_len)
{
	assert_int_equal(got_len, expected_len);
	assert_memory_equal(got, expected, expected_len);
}

static void assert_elem_key(struct nftnl_set_elem *e, const void *key, uint32_t len)
{
	uint32_t got_len;
	const void *got = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &got_len);

	assert_non_null(got);
	assert_bytes(got, got_len, key, len);
}

static void assert_elem_data(struct nftnl_set_elem *e, const void *data, uint32_t len)
{
	uint32_t got_len;
	const void *got = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &got_len);

	assert_non_null(got);
	assert_bytes(got, got_len, data, len);
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT)
		*(const char **)data = nftnl_udata_get(attr);
	return 0;
}

static void assert_elem_comment(struct nftnl_set_elem *e, const char *expected)
{
	const char *comment = NULL;
	uint32_t len;
	const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);

	assert_non_null(ud);
	nftnl_udata_parse(ud, len, comment_cb, &comment);
	assert_non_null(comment);
	assert_string_equal(comment, expected);
}

static struct ip_addr addr(const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(text, &a, NULL), 0);
	return a;
}

static struct ip_prefix prefix(const char *text)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(text, false, &p, NULL), 0);
	return p;
}

static struct fw_batch *batch_new(void)
{
	struct fw_batch *b = fw_batch_new();

	assert_non_null(b);
	return b;
}

static void test_forward_add_any_address(void **state)
{
	struct ip_addr target = addr("10.89.0.2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_port = 8080,
				  .host_port_end = 8080,
				  .target4 = &target,
				  .container_port = 80 };
	static const uint8_t key[8] = { IPPROTO_TCP, 0, 0, 0, 8080 >> 8, 8080 & 0xff, 0, 0 };
	static const uint8_t value[8] = { 10, 89, 0, 2, 0, 80, 0, 0 };
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(msg_type(p.msgs[0]), NFT_MSG_NEWSETELEM);
	assert_true(p.msgs[0]->nlmsg_flags & NLM_F_EXCL);

	s = elems_parse(p.msgs[0], "fwd4_any");
	assert_int_equal(elem_count(s), 1);
	assert_elem_key(elem_nth(s, 0), key, sizeof(key));
	assert_elem_data(elem_nth(s, 0), value, sizeof(value));
	assert_elem_comment(elem_nth(s, 0), "web/lab");
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_forward_both_families(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2"), t6 = addr("fd00::2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_UDP,
				  .host_port = 53,
				  .host_port_end = 53,
				  .target4 = &t4,
				  .target6 = &t6,
				  .container_port = 5353 };
	uint8_t value6[20] = { 0xfd, 0, [15] = 2, [16] = 5353 >> 8, [17] = 5353 & 0xff };
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	assert_int_equal(p.n, 2);
	nftnl_set_free(elems_parse(p.msgs[0], "fwd4_any"));
	s = elems_parse(p.msgs[1], "fwd6_any");
	assert_elem_data(elem_nth(s, 0), value6, sizeof(value6));
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_forward_host_address(void **state)
{
	struct ip_addr host = addr("192.0.2.7"), t4 = addr("10.89.0.2"), t6 = addr("fd00::2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_addr = &host,
				  .host_port = 443,
				  .host_port_end = 443,
				  .target4 = &t4,
				  .target6 = &t6,
				  .container_port = 8443 };
	static const uint8_t key[12] = { 192, 0, 2, 7, IPPROTO_TCP, 0, 0, 0, 443 >> 8, 443 & 0xff };
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	/* An IPv4 host address forwards over IPv4 only. */
	assert_int_equal(p.n, 1);
	s = elems_parse(p.msgs[0], "fwd4");
	assert_elem_key(elem_nth(s, 0), key, sizeof(key));
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_forward_range_port_for_port(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_port = 9000,
				  .host_port_end = 9002,
				  .target4 = &t4,
				  .container_port = 80 };
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	s = elems_parse(p.msgs[0], "fwd4_any");
	assert_int_equal(elem_count(s), 3);
	for (int i = 0; i < 3; i++) {
		uint8_t key[8] = { IPPROTO_TCP, 0, 0, 0, (9000 + i) >> 8, (9000 + i) & 0xff };
		uint8_t value[8] = { 10, 89, 0, 2, 0, 80 + i };

		assert_elem_key(elem_nth(s, i), key, sizeof(key));
		assert_elem_data(elem_nth(s, i), value, sizeof(value));
	}
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_forward_wide_range_split(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_UDP,
				  .host_port = 20000,
				  .host_port_end = 20999,
				  .target4 = &t4,
				  .container_port = 20000 };
	struct fw_batch *b = batch_new();
	size_t total = 0;
	struct parsed p;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	assert_true(p.n > 1);
	for (size_t i = 0; i < p.n; i++) {
		struct nftnl_set *s = elems_parse(p.msgs[i], "fwd4_any");

		total += elem_count(s);
		nftnl_set_free(s);
	}
	assert_int_equal(total, 1000);
	fw_batch_free(b);
}

static void test_forward_remove_keys_only(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_port = 8080,
				  .host_port_end = 8080,
				  .target4 = &t4,
				  .container_port = 80 };
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_forward_remove(b, &fwd, NULL), 0);
	batch_parse(b, &p);
	assert_int_equal(msg_type(p.msgs[0]), NFT_MSG_DELSETELEM);
	s = elems_parse(p.msgs[0], "fwd4_any");
	assert_false(nftnl_set_elem_is_set(elem_nth(s, 0), NFTNL_SET_ELEM_DATA));
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_forward_validate_rejects(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2"), host6 = addr("fd00::1");
	struct fw_forward base = { .owner = "web/lab",
				   .proto = IPPROTO_TCP,
				   .host_port = 8080,
				   .host_port_end = 8080,
				   .target4 = &t4,
				   .container_port = 80 };
	struct reef_error err = { 0 };
	struct fw_forward f;

	f = base;
	f.proto = IPPROTO_ICMP;
	assert_int_equal(fw_forward_validate(&f, &err), -EINVAL);
	assert_non_null(strstr(err.message, "not tcp or udp"));

	f = base;
	f.host_port_end = 8000;
	assert_int_equal(fw_forward_validate(&f, &err), -EINVAL);
	assert_non_null(strstr(err.message, "LOW-HIGH"));

	f = base;
	f.host_port_end = 8090;
	f.container_port = 65530;
	assert_int_equal(fw_forward_validate(&f, &err), -EINVAL);
	assert_non_null(strstr(err.message, "past 65535"));

	f = base;
	f.host_addr = &host6;
	assert_int_equal(fw_forward_validate(&f, &err), -EINVAL);
	assert_non_null(strstr(err.message, "no IPv6 address"));

	f = base;
	f.target4 = NULL;
	assert_int_equal(fw_forward_validate(&f, &err), -EINVAL);

	assert_int_equal(fw_forward_validate(&base, &err), 0);
}

static void test_forward_format(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2"), host6 = addr("fd00::1"), t6 = addr("fd00::2");
	struct fw_forward f = { .proto = IPPROTO_UDP,
				.host_addr = &host6,
				.host_port = 5000,
				.host_port_end = 5010,
				.target4 = &t4,
				.target6 = &t6,
				.container_port = 6000 };
	char text[96];

	fw_forward_format(&f, text, sizeof(text));
	assert_string_equal(text, "[fd00::1]:5000-5010:6000/udp");
	f.host_addr = NULL;
	f.host_port_end = 5000;
	f.proto = IPPROTO_TCP;
	fw_forward_format(&f, text, sizeof(text));
	assert_string_equal(text, "5000:6000/tcp");
}

static void test_network_add_elements(void **state)
{
	struct ip_prefix s4 = prefix("10.89.0.0/24");
	struct fw_network net = { .name = "lab", .bridge = "rblab", .subnet4 = &s4 };
	static const uint8_t start[4] = { 10, 89, 0, 0 }, end[4] = { 10, 89, 1, 0 };
	char name[16] = "rblab";
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_network_add(b, &net, NULL), 0);
	batch_parse(b, &p);
	/* bridges, open_pairs, subnets4, nat4 */
	assert_int_equal(p.n, 4);
	s = elems_parse(p.msgs[0], "bridges");
	assert_elem_key(elem_nth(s, 0), name, sizeof(name));
	nftnl_set_free(s);
	nftnl_set_free(elems_parse(p.msgs[1], "open_pairs"));

	s = elems_parse(p.msgs[2], "subnets4");
	assert_int_equal(elem_count(s), 2);
	assert_elem_key(elem_nth(s, 0), start, 4);
	assert_elem_key(elem_nth(s, 1), end, 4);
	assert_int_equal(nftnl_set_elem_get_u32(elem_nth(s, 1), NFTNL_SET_ELEM_FLAGS),
			 NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_free(s);
	nftnl_set_free(elems_parse(p.msgs[3], "nat4"));
	fw_batch_free(b);
}

static void test_network_internal_isolated(void **state)
{
	struct ip_prefix s4 = prefix("10.89.0.0/24"), s6 = prefix("fd00:89::/64");
	struct fw_network net = { .name = "lab",
				  .bridge = "rblab",
				  .subnet4 = &s4,
				  .subnet6 = &s6,
				  .internal = true,
				  .isolate = true };
	struct fw_batch *b = batch_new();
	struct parsed p;

	assert_int_equal(fw_batch_network_add(b, &net, NULL), 0);
	batch_parse(b, &p);
	/* bridges, internal, subnets4, subnets6: no NAT sets, no open pair. */
	assert_int_equal(p.n, 4);
	nftnl_set_free(elems_parse(p.msgs[0], "bridges"));
	nftnl_set_free(elems_parse(p.msgs[1], "internal"));
	nftnl_set_free(elems_parse(p.msgs[2], "subnets4"));
	nftnl_set_free(elems_parse(p.msgs[3], "subnets6"));
	fw_batch_free(b);
}

static void test_network_top_prefix_no_end(void **state)
{
	struct ip_prefix s4 = prefix("255.255.255.0/24");
	struct fw_network net = {
		.name = "top", .bridge = "rbtop", .subnet4 = &s4, .internal = true, .isolate = true
	};
	struct fw_batch *b = batch_new();
	struct parsed p;
	struct nftnl_set *s;

	assert_int_equal(fw_batch_network_add(b, &net, NULL), 0);
	batch_parse(b, &p);
	s = elems_parse(p.msgs[2], "subnets4");
	assert_int_equal(elem_count(s), 1);
	nftnl_set_free(s);
	fw_batch_free(b);
}

static void test_network_bridge_name_too_long(void **state)
{
	struct fw_network net = { .name = "lab", .bridge = "a-very-long-bridge-name" };
	struct reef_error err = { 0 };
	struct fw_batch *b = batch_new();

	assert_int_equal(fw_batch_network_add(b, &net, &err), -EINVAL);
	assert_non_null(strstr(err.message, "a-very-long-bridge-name"));
	fw_batch_free(b);
}

struct rule_stats {
	int rules, sets, chains, tables_new, tables_del;
	bool dnat_any4_seen;
};

static int expr_check_cb(struct nftnl_expr *e, void *data)
{
	struct rule_stats *st = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	/* The address goes to the first 32-bit register and the port right after it. */
	if (!strcmp(name, "nat") && nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY) == NFPROTO_IPV4) {
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN), NFT_REG32_00);
		assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN), NFT_REG32_01);
	}
	if (!strcmp(name, "lookup") &&
	    !strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), "fwd4_any"))
		st->dnat_any4_seen = true;
	return 0;
}

static void stats_add(struct rule_stats *st, const struct nlmsghdr *nlh)
{
	struct nftnl_rule *r;

	switch (msg_type(nlh)) {
	case NFT_MSG_NEWRULE:
		r = nftnl_rule_alloc();
		assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
		nftnl_expr_foreach(r, expr_check_cb, st);
		nftnl_rule_free(r);
		st->rules++;
		break;
	case NFT_MSG_NEWSET:
		st->sets++;
		break;
	case NFT_MSG_NEWCHAIN:
		st->chains++;
		break;
	case NFT_MSG_NEWTABLE:
		st->tables_new++;
		break;
	case NFT_MSG_DELTABLE:
		st->tables_del++;
		break;
	}
}

static void test_rebuild_whole_table(void **state)
{
	struct ip_prefix s4 = prefix("10.89.0.0/24");
	struct ip_addr t4 = addr("10.89.0.2");
	struct fw_network net = { .name = "lab", .bridge = "rblab", .subnet4 = &s4 };
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_port = 8080,
				  .host_port_end = 8080,
				  .target4 = &t4,
				  .container_port = 80 };
	struct fw_state st = {
		.networks = &net, .n_networks = 1, .forwards = &fwd, .n_forwards = 1
	};
	struct rule_stats stats = { 0 };
	struct fw_batch *b = batch_new();
	struct parsed p;

	assert_int_equal(fw_batch_rebuild(b, &st, NULL), 0);
	batch_parse(b, &p);
	/* Create-if-missing, delete, create: the old table goes in the same transaction. */
	assert_int_equal(msg_type(p.msgs[0]), NFT_MSG_NEWTABLE);
	assert_int_equal(msg_type(p.msgs[1]), NFT_MSG_DELTABLE);
	assert_int_equal(msg_type(p.msgs[2]), NFT_MSG_NEWTABLE);
	for (size_t i = 0; i < p.n; i++)
		stats_add(&stats, p.msgs[i]);
	assert_int_equal(stats.tables_new, 2);
	assert_int_equal(stats.tables_del, 1);
	assert_int_equal(stats.sets, 13);
	assert_int_equal(stats.chains, 6);
	assert_int_equal(stats.rules, 26);
	assert_true(stats.dnat_any4_seen);
	assert_int_equal(msg_type(p.msgs[p.n - 1]), NFT_MSG_NEWSETELEM);
	fw_batch_free(b);
}

static void test_describe_by_sequence(void **state)
{
	struct ip_addr t4 = addr("10.89.0.2");
	struct fw_forward fwd = { .owner = "web/lab",
				  .proto = IPPROTO_TCP,
				  .host_port = 8080,
				  .host_port_end = 8080,
				  .target4 = &t4,
				  .container_port = 80 };
	struct fw_batch *b = batch_new();
	struct parsed p;

	assert_int_equal(fw_batch_forward_add(b, &fwd, NULL), 0);
	fw_batch_set_seq(b, 1000);
	batch_parse(b, &p);
	assert_int_equal(p.msgs[0]->nlmsg_seq, 1001);
	assert_string_equal(fw_batch_describe(b, 1001),
			    "add forward 8080:80/tcp of 'web/lab' to map 'fwd4_any'");
	assert_string_equal(fw_batch_describe(b, 1000), "begin batch");
	assert_null(fw_batch_describe(b, 1002));
	assert_null(fw_batch_describe(b, 999));
	fw_batch_free(b);
}

static void test_endpoint_antispoof_chain(void **state)
{
	struct ip_addr a4 = addr("10.89.0.2"), a6 = addr("fd00::2");
	struct fw_endpoint ep = { .container = "web",
				  .network = "lab",
				  .host_ifname = "rf1234",
				  .addr4 = &a4,
				  .addr6 = &a6,
				  .mac = { 2, 0, 0, 0, 0, 1 },
				  .antispoof = true };
	struct fw_batch *b = batch_new();
	struct nftnl_chain *c;
	struct parsed p;

	assert_int_equal(fw_batch_endpoint_add(b, &ep, NULL), 0);
	batch_parse(b, &p);
	assert_int_equal(msg_type(p.msgs[0]), NFT_MSG_NEWCHAIN);
	c = nftnl_chain_alloc();
	assert_int_equal(nftnl_chain_nlmsg_parse(p.msgs[0], c), 0);
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "spoof-rf1234");
	assert_string_equal(nftnl_chain_get_str(c, NFTNL_CHAIN_DEV), "rf1234");
	assert_int_equal(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_INGRESS);
	nftnl_chain_free(c);
	assert_int_equal(p.n, 1 + 6);
	for (size_t i = 1; i < p.n; i++)
		assert_int_equal(msg_type(p.msgs[i]), NFT_MSG_NEWRULE);
	fw_batch_free(b);

	ep.antispoof = false;
	b = batch_new();
	assert_int_equal(fw_batch_endpoint_add(b, &ep, NULL), 0);
	assert_int_equal(fw_batch_count(b), 0);
	fw_batch_free(b);
}

static void test_spec_parse_forms(void **state)
{
	static const struct {
		const char *text, *formatted;
		int proto;
		uint16_t port, end, cport;
	} cases[] = {
		{ "8080:80", "8080:80/tcp", IPPROTO_TCP, 8080, 8080, 80 },
		{ "53:5353/udp", "53:5353/udp", IPPROTO_UDP, 53, 53, 5353 },
		{ "9000-9009:9000/tcp", "9000-9009:9000/tcp", IPPROTO_TCP, 9000, 9009, 9000 },
		{ "127.0.0.1:8080:80", "127.0.0.1:8080:80/tcp", IPPROTO_TCP, 8080, 8080, 80 },
		{ "[fd00::1]:443:8443/tcp", "[fd00::1]:443:8443/tcp", IPPROTO_TCP, 443, 443, 8443 },
		/* The unspecified address means every address, as no address does. */
		{ "0.0.0.0:8080:80", "8080:80/tcp", IPPROTO_TCP, 8080, 8080, 80 },
		{ "[::]:8080:80/udp", "8080:80/udp", IPPROTO_UDP, 8080, 8080, 80 },
		/* An IPv4-mapped address is the IPv4 address, and protocols take any case. */
		{ "[::ffff:10.0.0.1]:8080:80/UDP", "10.0.0.1:8080:80/udp", IPPROTO_UDP, 8080, 8080,
		  80 },
	};
	char text[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fw_forward_spec spec;

		assert_int_equal(fw_forward_spec_parse(cases[i].text, &spec, NULL), 0);
		assert_int_equal(spec.proto, cases[i].proto);
		assert_int_equal(spec.host_port, cases[i].port);
		assert_int_equal(spec.host_port_end, cases[i].end);
		assert_int_equal(spec.container_port, cases[i].cport);
		fw_forward_spec_format(&spec, text, sizeof(text));
		assert_string_equal(text, cases[i].formatted);
	}
}

static void test_spec_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"8080",
		"8080:",
		":80",
		"0:80",
		"8080:0",
		"70000:80",
		"8080:80/icmp",
		"9010-9000:80",
		"fd00::1:80:80",
		"a.b.c.d:1:2",
		"8080:65535-1",
		"1-2:65535",
		"8080:80:90:1",
	};
	struct reef_error err = { 0 };
	struct fw_forward_spec spec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.message[0] = '\0';
		assert_int_equal(fw_forward_spec_parse(bad[i], &spec, &err), -EINVAL);
		assert_non_null(strstr(err.message, "invalid port forward"));
	}
}

static void test_spec_overlaps(void **state)
{
	struct fw_forward_spec any, one, other_addr, udp, apart;

	assert_int_equal(fw_forward_spec_parse("8000-8010:80", &any, NULL), 0);
	assert_int_equal(fw_forward_spec_parse("10.0.0.1:8005:80", &one, NULL), 0);
	assert_int_equal(fw_forward_spec_parse("10.0.0.2:8005:80", &other_addr, NULL), 0);
	assert_int_equal(fw_forward_spec_parse("8005:80/udp", &udp, NULL), 0);
	assert_int_equal(fw_forward_spec_parse("8011:80", &apart, NULL), 0);
	assert_true(fw_forward_spec_overlaps(&any, &one));
	assert_true(fw_forward_spec_overlaps(&other_addr, &any));
	assert_false(fw_forward_spec_overlaps(&one, &other_addr));
	assert_false(fw_forward_spec_overlaps(&any, &udp));
	assert_false(fw_forward_spec_overlaps(&any, &apart));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_add_any_address),
		cmocka_unit_test(test_forward_both_families),
		cmocka_unit_test(test_forward_host_address),
		cmocka_unit_test(test_forward_range_port_for_port),
		cmocka_unit_test(test_forward_wide_range_split),
		cmocka_unit_test(test_forward_remove_keys_only),
		cmocka_unit_test(test_forward_validate_rejects),
		cmocka_unit_test(test_forward_format),
		cmocka_unit_test(test_network_add_elements),
		cmocka_unit_test(test_network_internal_isolated),
		cmocka_unit_test(test_network_top_prefix_no_end),
		cmocka_unit_test(test_network_bridge_name_too_long),
		cmocka_unit_test(test_rebuild_whole_table),
		cmocka_unit_test(test_describe_by_sequence),
		cmocka_unit_test(test_endpoint_antispoof_chain),
		cmocka_unit_test(test_spec_parse_forms),
		cmocka_unit_test(test_spec_parse_rejects),
		cmocka_unit_test(test_spec_overlaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
