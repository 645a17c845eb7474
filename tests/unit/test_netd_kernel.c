/* SPDX-License-Identifier: MIT */
/* Pure parts of the kernel drivers: error translation, extended ACKs, announcements, filters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netlink/errno.h>

#include "../../netd/netlink.h"

static void nle_codes_map_to_errno(void **state)
{
	assert_int_equal(netlink_nle_to_errno(-NLE_EXIST), EEXIST);
	assert_int_equal(netlink_nle_to_errno(NLE_EXIST), EEXIST);
	assert_int_equal(netlink_nle_to_errno(-NLE_NODEV), ENODEV);
	assert_int_equal(netlink_nle_to_errno(-NLE_OBJ_NOTFOUND), ENOENT);
	assert_int_equal(netlink_nle_to_errno(-NLE_PERM), EPERM);
	assert_int_equal(netlink_nle_to_errno(-NLE_NOMEM), ENOMEM);
	assert_int_equal(netlink_nle_to_errno(-NLE_OPNOTSUPP), EOPNOTSUPP);
	assert_int_equal(netlink_nle_to_errno(-NLE_BUSY), EBUSY);
}

static void nle_unknown_codes_map_to_eio(void **state)
{
	assert_int_equal(netlink_nle_to_errno(-NLE_FAILURE), EIO);
	assert_int_equal(netlink_nle_to_errno(0), EIO);
	assert_int_equal(netlink_nle_to_errno(-1000), EIO);
}

static void netlink_error_keeps_libnl_text(void **state)
{
	struct reef_error err = { 0 };

	assert_int_equal(netlink_error(NULL, -NLE_EXIST, &err, "create bridge '%s'", "rb1"),
			 -EEXIST);
	assert_int_equal(err.errnum, EEXIST);
	assert_string_equal(err.message, "create bridge 'rb1': Object exists");
}

static void netlink_error_prefers_kernel_ack(void **state)
{
	struct netlink nl = { .ack_errno = ENETUNREACH };
	struct reef_error err = { 0 };

	strcpy(nl.ack_msg, "Nexthop has invalid gateway");
	assert_int_equal(netlink_error(&nl, -NLE_FAILURE, &err, "add route"), -ENETUNREACH);
	assert_string_equal(err.message,
			    "add route: Network is unreachable: Nexthop has invalid gateway");
	/* The ACK is consumed, so a later local failure does not reuse it. */
	assert_int_equal(nl.ack_errno, 0);
}

static void netlink_error_ignores_stale_ack(void **state)
{
	struct netlink nl = { .ack_errno = EEXIST };
	struct reef_error err = { 0 };

	strcpy(nl.ack_msg, "old message");
	assert_int_equal(netlink_error(&nl, -NLE_NOMEM, &err, "build"), -ENOMEM);
	assert_string_equal(err.message, "build: Out of memory");
}

/* Builds an error message with flags FLAGS, ECHO bytes of echoed payload, then attributes. */
static size_t ack_build(uint8_t *buf, uint16_t flags, size_t echo, const char *text)
{
	struct nlmsghdr *hdr = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(hdr);
	size_t off = NLMSG_HDRLEN + sizeof(*e) + echo;
	struct nlattr *attr;

	memset(buf, 0, 512);
	e->error = -EINVAL;
	e->msg.nlmsg_len = NLMSG_HDRLEN + echo;
	off = NLMSG_ALIGN(off);
	/* An unrelated attribute first, so that the parser has to walk. */
	attr = (struct nlattr *)(buf + off);
	attr->nla_type = NLMSGERR_ATTR_OFFS;
	attr->nla_len = NLA_HDRLEN + 4;
	off += NLA_ALIGN(attr->nla_len);
	if (text) {
		attr = (struct nlattr *)(buf + off);
		attr->nla_type = NLMSGERR_ATTR_MSG;
		attr->nla_len = NLA_HDRLEN + strlen(text) + 1;
		memcpy(buf + off + NLA_HDRLEN, text, strlen(text) + 1);
		off += NLA_ALIGN(attr->nla_len);
	}
	hdr->nlmsg_type = NLMSG_ERROR;
	hdr->nlmsg_flags = flags;
	hdr->nlmsg_len = off;
	return off;
}

static void ext_ack_capped(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	char out[64];

	ack_build(buf, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, "MTU too large");
	netlink_ext_ack_parse((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "MTU too large");
}

static void ext_ack_with_echoed_request(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	char out[64];

	ack_build(buf, NLM_F_ACK_TLVS, 24, "Unknown device type");
	netlink_ext_ack_parse((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "Unknown device type");
}

static void ext_ack_absent(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	char out[64] = "stale";

	ack_build(buf, NLM_F_CAPPED, 0, "ignored without NLM_F_ACK_TLVS");
	netlink_ext_ack_parse((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "");

	ack_build(buf, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, NULL);
	netlink_ext_ack_parse((struct nlmsghdr *)buf, out, sizeof(out));
	assert_string_equal(out, "");
}

static void ext_ack_truncated(void **state)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct nlmsghdr *hdr = (struct nlmsghdr *)buf;
	char out[8];

	/* Long text into a short buffer is cut, not overflowed. */
	ack_build(buf, NLM_F_CAPPED | NLM_F_ACK_TLVS, 0, "a rather long message");
	netlink_ext_ack_parse(hdr, out, sizeof(out));
	assert_string_equal(out, "a rathe");

	/* An attribute running past the message end is ignored. */
	hdr->nlmsg_len -= 8;
	netlink_ext_ack_parse(hdr, out, sizeof(out));
	assert_string_equal(out, "");
}

static void na_announcement_layout(void **state)
{
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
	uint8_t ip[16];
	uint8_t out[ANNOUNCE_NA_SIZE];

	inet_pton(AF_INET6, "fd50::2", ip);
	memset(out, 0xaa, sizeof(out));
	announce_na_build(out, mac, ip);
	assert_int_equal(out[0], 136); /* neighbour advertisement */
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 0); /* checksum left to the kernel */
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], 0x20); /* override only: not solicited, not a router */
	assert_int_equal(out[5] | out[6] | out[7], 0);
	assert_memory_equal(out + 8, ip, 16);
	assert_int_equal(out[24], 2); /* target link-layer address option, 8 bytes */
	assert_int_equal(out[25], 1);
	assert_memory_equal(out + 26, mac, 6);
}

static void bridge_mac_stable_and_local(void **state)
{
	uint8_t a[6], b[6], c[6];

	mac_from_name("reef:lab", a);
	mac_from_name("reef:lab", b);
	mac_from_name("reef:lab2", c);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_int_equal(a[0] & 0x01, 0);
	assert_int_equal(a[0] & 0x02, 0x02);
	assert_int_equal(c[0] & 0x03, 0x02);
}

static bool ignored(const char *text)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(text, true, &p, NULL), 0);
	return kernel_prefix_ignored(&p);
}

static void used_subnets_filter(void **state)
{
	assert_true(ignored("0.0.0.0/0"));
	assert_true(ignored("::/0"));
	assert_true(ignored("127.0.0.1/8"));
	assert_true(ignored("169.254.3.0/24"));
	assert_true(ignored("224.0.0.0/4"));
	assert_true(ignored("::1/128"));
	assert_true(ignored("fe80::1/64"));
	assert_true(ignored("ff02::1/128"));
	assert_false(ignored("10.0.0.0/8"));
	assert_false(ignored("192.168.1.5/24"));
	assert_false(ignored("fd00::/8"));
	assert_false(ignored("2001:db8::/32"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nle_codes_map_to_errno),
		cmocka_unit_test(nle_unknown_codes_map_to_eio),
		cmocka_unit_test(netlink_error_keeps_libnl_text),
		cmocka_unit_test(netlink_error_prefers_kernel_ack),
		cmocka_unit_test(netlink_error_ignores_stale_ack),
		cmocka_unit_test(ext_ack_capped),
		cmocka_unit_test(ext_ack_with_echoed_request),
		cmocka_unit_test(ext_ack_absent),
		cmocka_unit_test(ext_ack_truncated),
		cmocka_unit_test(na_announcement_layout),
		cmocka_unit_test(bridge_mac_stable_and_local),
		cmocka_unit_test(used_subnets_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
