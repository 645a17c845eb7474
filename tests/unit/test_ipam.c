/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../ipam/ipam.h"

static struct ip_prefix prefix(const char *text)
{
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse(text, false, &p, NULL), 0);
	return p;
}

static struct ip_addr addr(const char *text)
{
	struct ip_addr a;

	assert_int_equal(ip_addr_parse(text, &a, NULL), 0);
	return a;
}

static struct ipam_pool *pool_new(const char *subnet)
{
	struct ip_prefix p = prefix(subnet);
	struct ipam_pool *pool = NULL;

	assert_int_equal(ipam_pool_new(&p, NULL, &pool, NULL), 0);
	return pool;
}

static void assert_alloc(struct ipam_pool *pool, const char *expected)
{
	struct reef_error err = { 0 };
	char text[IP_ADDR_STRLEN];
	struct ip_addr a;

	assert_int_equal(ipam_pool_alloc(pool, &a, &err), 0);
	ip_addr_format(&a, text);
	assert_string_equal(text, expected);
}

static size_t alloc_until_full(struct ipam_pool *pool)
{
	struct reef_error err = { 0 };
	struct ip_addr a;
	size_t n = 0;

	while (ipam_pool_alloc(pool, &a, &err) == 0)
		n++;
	assert_int_equal(err.errnum, ENOSPC);
	return n;
}

static void test_slash30_one_usable(void **state)
{
	struct ipam_pool *pool = pool_new("10.0.0.0/30");

	assert_alloc(pool, "10.0.0.2");
	assert_int_equal(alloc_until_full(pool), 0);
	assert_int_equal(ipam_pool_capacity(pool), 1);
	ipam_pool_free(pool);
}

static void test_slash24_usable_count(void **state)
{
	struct ipam_pool *pool = pool_new("192.168.5.0/24");
	struct ip_addr gw = addr("192.168.5.1"), bcast = addr("192.168.5.255"),
		       net = addr("192.168.5.0");

	assert_int_equal(alloc_until_full(pool), 253);
	assert_int_equal(ipam_pool_lease_count(pool), 253);
	assert_int_equal(ipam_pool_capacity(pool), 253);
	assert_false(ipam_pool_is_allocated(pool, &gw));
	assert_false(ipam_pool_is_allocated(pool, &bcast));
	assert_false(ipam_pool_is_allocated(pool, &net));
	ipam_pool_free(pool);
}

static void test_custom_gateway_skipped(void **state)
{
	struct ip_prefix p = prefix("10.1.0.0/29");
	struct ip_addr gw = addr("10.1.0.3");
	struct ipam_pool *pool = NULL;

	assert_int_equal(ipam_pool_new(&p, &gw, &pool, NULL), 0);
	assert_alloc(pool, "10.1.0.1");
	assert_alloc(pool, "10.1.0.2");
	assert_alloc(pool, "10.1.0.4");
	ipam_pool_free(pool);
}

static void test_static_inside_outside_reserved_taken(void **state)
{
	const char *reserved[] = { "10.2.0.0", "10.2.0.1", "10.2.0.255" };
	struct ipam_pool *pool = pool_new("10.2.0.0/24");
	struct reef_error err = { 0 };
	struct ip_addr a;

	a = addr("10.2.0.50");
	assert_int_equal(ipam_pool_alloc_static(pool, &a, &err), 0);
	assert_true(ipam_pool_is_allocated(pool, &a));

	assert_int_equal(ipam_pool_alloc_static(pool, &a, &err), -EEXIST);
	assert_non_null(strstr(err.message, "10.2.0.50"));
	assert_non_null(strstr(err.message, "already in use"));

	a = addr("10.3.0.5");
	assert_int_equal(ipam_pool_alloc_static(pool, &a, &err), -EINVAL);
	assert_non_null(strstr(err.message, "outside subnet '10.2.0.0/24'"));

	a = addr("fd00::5");
	assert_int_equal(ipam_pool_alloc_static(pool, &a, &err), -EINVAL);

	for (size_t i = 0; i < 3; i++) {
		a = addr(reserved[i]);
		assert_int_equal(ipam_pool_alloc_static(pool, &a, &err), -EINVAL);
		assert_non_null(strstr(err.message, "reserved"));
	}
	assert_int_equal(ipam_pool_lease_count(pool), 1);
	ipam_pool_free(pool);
}

static void test_release_reuse_order(void **state)
{
	/* /29: .0 network, .1 gateway, .7 broadcast, so .2 to .6 are usable. */
	struct ipam_pool *pool = pool_new("10.4.0.0/29");
	struct ip_addr a2 = addr("10.4.0.2"), a3 = addr("10.4.0.3");
	struct reef_error err = { 0 };

	assert_alloc(pool, "10.4.0.2");
	assert_alloc(pool, "10.4.0.3");
	assert_alloc(pool, "10.4.0.4");
	assert_int_equal(ipam_pool_release(pool, &a3, &err), 0);
	assert_int_equal(ipam_pool_release(pool, &a2, &err), 0);

	/* Never-used addresses come first, then released ones, oldest release first. */
	assert_alloc(pool, "10.4.0.5");
	assert_alloc(pool, "10.4.0.6");
	assert_alloc(pool, "10.4.0.3");
	assert_alloc(pool, "10.4.0.2");
	assert_int_equal(alloc_until_full(pool), 0);
	ipam_pool_free(pool);
}

static void test_released_static_not_fresh(void **state)
{
	struct ipam_pool *pool = pool_new("10.5.0.0/29");
	struct ip_addr a5 = addr("10.5.0.5");
	struct reef_error err = { 0 };

	/* .5 was used once (statically), so the cursor must not treat it as new. */
	assert_int_equal(ipam_pool_alloc_static(pool, &a5, &err), 0);
	assert_int_equal(ipam_pool_release(pool, &a5, &err), 0);
	assert_alloc(pool, "10.5.0.2");
	assert_alloc(pool, "10.5.0.3");
	assert_alloc(pool, "10.5.0.4");
	assert_alloc(pool, "10.5.0.6");
	assert_alloc(pool, "10.5.0.5");
	ipam_pool_free(pool);
}

static void test_release_errors(void **state)
{
	struct ipam_pool *pool = pool_new("10.6.0.0/24");
	struct ip_addr free_addr = addr("10.6.0.9"), outside = addr("10.7.0.9");
	struct reef_error err = { 0 };

	assert_int_equal(ipam_pool_release(pool, &free_addr, &err), -ENOENT);
	assert_non_null(strstr(err.message, "not allocated"));
	assert_int_equal(ipam_pool_release(pool, &outside, &err), -EINVAL);
	ipam_pool_free(pool);
}

static void test_restore_duplicate_rejected(void **state)
{
	struct ipam_pool *pool = pool_new("10.8.0.0/24");
	struct ip_addr a = addr("10.8.0.7"), b = addr("10.8.0.3");
	struct reef_error err = { 0 };

	assert_int_equal(ipam_pool_restore(pool, &a, &err), 0);
	assert_int_equal(ipam_pool_restore(pool, &b, &err), 0);
	assert_int_equal(ipam_pool_restore(pool, &a, &err), -EEXIST);
	assert_non_null(strstr(err.message, "duplicate lease"));
	assert_non_null(strstr(err.message, "10.8.0.7"));

	/* The saved cursor records that .2 to .7 were handed out, so allocation resumes at .8. */
	ipam_pool_cursor_set(pool, 8);
	assert_alloc(pool, "10.8.0.8");
	ipam_pool_free(pool);
}

static void test_restore_cursor_reuses_free(void **state)
{
	struct ipam_pool *pool = pool_new("10.9.0.0/29");
	struct ip_addr a = addr("10.9.0.4");

	assert_int_equal(ipam_pool_restore(pool, &a, NULL), 0);
	ipam_pool_cursor_set(pool, 8);
	/* Everything below the cursor but .4 is free and reused in address order. */
	assert_alloc(pool, "10.9.0.2");
	assert_alloc(pool, "10.9.0.3");
	assert_alloc(pool, "10.9.0.5");
	assert_alloc(pool, "10.9.0.6");
	assert_int_equal(alloc_until_full(pool), 0);
	ipam_pool_free(pool);
}

static void test_prefix_too_small(void **state)
{
	const struct {
		const char *subnet;
		const char *smallest;
	} cases[] = {
		{ "10.0.0.0/31", "/30" },
		{ "10.0.0.1/32", "/30" },
		{ "fd00::/127", "/126" },
		{ "fd00::1/128", "/126" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reef_error err = { 0 };
		struct ipam_pool *pool = NULL;
		struct ip_prefix p;

		assert_int_equal(ip_prefix_parse(cases[i].subnet, true, &p, NULL), 0);
		ip_prefix_mask(&p);
		assert_int_equal(ipam_pool_new(&p, NULL, &pool, &err), -EINVAL);
		assert_null(pool);
		assert_non_null(strstr(err.message, "too small"));
		assert_non_null(strstr(err.message, cases[i].smallest));
	}
}

static void test_host_bits_suggest_network(void **state)
{
	struct reef_error err = { 0 };
	struct ip_prefix p;

	assert_int_equal(ip_prefix_parse("10.1.2.5/24", false, &p, &err), -EINVAL);
	assert_non_null(strstr(err.message, "'10.1.2.0/24'"));
	assert_int_equal(ip_prefix_parse("fd00::1/64", false, &p, &err), -EINVAL);
	assert_non_null(strstr(err.message, "'fd00::/64'"));
	assert_int_equal(ip_prefix_parse("10.1.2.5/24", true, &p, &err), 0);
	assert_int_equal(p.len, 24);
}

static void test_gateway_rules(void **state)
{
	struct ip_prefix p = prefix("10.10.0.0/24");
	const struct {
		const char *gateway;
		const char *message;
	} cases[] = {
		{ "10.11.0.1", "outside subnet" },
		{ "10.10.0.0", "network address" },
		{ "10.10.0.255", "broadcast address" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ip_addr gw = addr(cases[i].gateway);
		struct reef_error err = { 0 };

		assert_int_equal(ipam_subnet_validate(&p, &gw, &err), -EINVAL);
		assert_non_null(strstr(err.message, cases[i].message));
		assert_non_null(strstr(err.message, cases[i].gateway));
	}
}

static void test_special_ranges_rejected(void **state)
{
	const char *bad[] = { "127.0.0.0/24",	    "0.0.0.0/8",    "169.254.1.0/24",
			      "224.0.0.0/24",	    "239.1.0.0/16", "240.0.0.0/24",
			      "fe80::/64",	    "ff02::/64",    "::/126",
			      "::ffff:10.0.0.0/120" };
	const char *good[] = { "10.0.0.0/24",	"172.16.0.0/12", "192.168.1.0/24",
			       "100.64.0.0/10", "fd00::/64",	 "2001:db8::/64" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ip_prefix p = prefix(bad[i]);
		struct reef_error err = { 0 };

		assert_int_equal(ipam_subnet_validate(&p, NULL, &err), -EINVAL);
		assert_non_null(strstr(err.message, bad[i]));
		assert_non_null(strstr(err.message, "range"));
		/* The suggestion is of the subnet's own family. */
		assert_non_null(
			strstr(err.message, strchr(bad[i], ':') ? "fd00:90::/64" : "10.90.0.0/24"));
	}
	/* The loopback address is named as such, not as a subnet that is too small. */
	{
		struct ip_prefix p = prefix("::1/128");
		struct reef_error err = { 0 };

		assert_int_equal(ipam_subnet_validate(&p, NULL, &err), -EINVAL);
		assert_non_null(strstr(err.message, "loopback"));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ip_prefix p = prefix(good[i]);

		assert_int_equal(ipam_subnet_validate(&p, NULL, NULL), 0);
	}
}

static void test_ipv6_allocation(void **state)
{
	struct ipam_pool *pool = pool_new("fd00:1::/64");
	struct ip_addr a = addr("fd00:1::2"), s = addr("fd00:1::ffff:1"), gw = addr("fd00:1::1");
	struct reef_error err = { 0 };

	assert_alloc(pool, "fd00:1::2");
	assert_alloc(pool, "fd00:1::3");
	assert_int_equal(ipam_pool_alloc_static(pool, &s, &err), 0);
	assert_int_equal(ipam_pool_alloc_static(pool, &s, &err), -EEXIST);
	assert_int_equal(ipam_pool_alloc_static(pool, &gw, &err), -EINVAL);
	assert_int_equal(ipam_pool_release(pool, &a, &err), 0);
	assert_alloc(pool, "fd00:1::4");
	assert_int_equal(ipam_pool_lease_count(pool), 3);
	ipam_pool_free(pool);

	pool = pool_new("fd00:2::/126");
	assert_int_equal(alloc_until_full(pool), 2);
	ipam_pool_free(pool);
}

static int collect(const struct ip_addr *a, void *data)
{
	char *out = data;
	char text[IP_ADDR_STRLEN];

	ip_addr_format(a, text);
	strcat(out, text);
	strcat(out, " ");
	return 0;
}

static void test_foreach_in_address_order(void **state)
{
	const char *subnets[] = { "10.12.0.0/24", "fd00:3::/64" };
	const char *statics[][3] = { { "10.12.0.9", "10.12.0.3", "10.12.0.200" },
				     { "fd00:3::9", "fd00:3::3", "fd00:3::200" } };
	const char *expected[] = { "10.12.0.3 10.12.0.9 10.12.0.200 ",
				   "fd00:3::3 fd00:3::9 fd00:3::200 " };

	for (int f = 0; f < 2; f++) {
		struct ipam_pool *pool = pool_new(subnets[f]);
		char out[256] = "";

		for (int i = 0; i < 3; i++) {
			struct ip_addr a = addr(statics[f][i]);

			assert_int_equal(ipam_pool_alloc_static(pool, &a, NULL), 0);
		}
		assert_int_equal(ipam_pool_foreach(pool, collect, out), 0);
		assert_string_equal(out, expected[f]);
		ipam_pool_free(pool);
	}
}

static void test_overlap_names_route(void **state)
{
	struct ipam_used_subnet used[] = {
		{ prefix("192.168.0.0/16"), "route 192.168.0.0/16 dev eth0" },
		{ prefix("10.0.0.0/8"), "route 10.0.0.0/8 dev wg0" },
	};
	struct ip_prefix wanted = prefix("10.20.0.0/24"), free_subnet = prefix("172.20.0.0/24");
	struct reef_error err = { 0 };

	assert_int_equal(ipam_subnet_check_free(&wanted, used, 2, &err), -EEXIST);
	assert_non_null(strstr(err.message, "route 10.0.0.0/8 dev wg0"));
	assert_non_null(strstr(err.message, "10.20.0.0/24"));
	assert_int_equal(ipam_subnet_check_free(&free_subnet, used, 2, &err), 0);
}

static void assert_pick(const char *pool_text, int step, const struct ipam_used_subnet *used,
			size_t n, const char *expected)
{
	struct ip_prefix pool = prefix(pool_text), picked;
	char text[IP_PREFIX_STRLEN];

	assert_int_equal(ipam_subnet_pick(&pool, step, used, n, &picked, NULL), 0);
	ip_prefix_format(&picked, text);
	assert_string_equal(text, expected);
}

static void test_auto_subnet_skips_taken(void **state)
{
	struct ipam_used_subnet used[] = {
		{ prefix("10.88.0.0/24"), "network 'a'" },
		{ prefix("10.88.1.0/24"), "network 'b'" },
		{ prefix("10.88.2.128/25"), "address 10.88.2.129/25 on eth1" },
	};
	struct ipam_used_subnet wide[] = { { prefix("10.88.0.0/15"), "route 10.88.0.0/15" } };
	struct ipam_used_subnet all[] = { { prefix("10.0.0.0/8"), "route 10.0.0.0/8" } };
	struct ipam_used_subnet v6[] = { { prefix("fd00::/64"), "network 'a'" },
					 { prefix("fd00:0:0:1::/64"), "network 'b'" } };
	struct ip_prefix pool = prefix(IPAM_AUTO_POOL_IPV4), picked;
	struct reef_error err = { 0 };

	assert_pick(IPAM_AUTO_POOL_IPV4, IPAM_AUTO_STEP_IPV4, NULL, 0, "10.88.0.0/24");
	assert_pick(IPAM_AUTO_POOL_IPV4, IPAM_AUTO_STEP_IPV4, used, 3, "10.88.3.0/24");
	assert_pick(IPAM_AUTO_POOL_IPV4, IPAM_AUTO_STEP_IPV4, wide, 1, "10.90.0.0/24");
	assert_pick(IPAM_AUTO_POOL_IPV6, IPAM_AUTO_STEP_IPV6, v6, 2, "fd00:0:0:2::/64");

	assert_int_equal(ipam_subnet_pick(&pool, 24, all, 1, &picked, &err), -ENOSPC);
	assert_non_null(strstr(err.message, "10.88.0.0/14"));
}

static void test_mac_unique_local_unicast(void **state)
{
	struct ipam_macs *macs = NULL;
	uint8_t first[6], again[6], mac[6];
	char seed[64];

	/* The set rejects duplicates, so 5000 successful allocations are 5000 distinct MACs. */
	assert_int_equal(ipam_macs_new(&macs, NULL), 0);
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(seed, sizeof(seed), "container-%d/lab", i);

		assert_int_equal(ipam_mac_alloc(macs, seed, (size_t)n, mac, NULL), 0);
		assert_int_equal(mac[0] & 0x03, 0x02);
		assert_true(ipam_mac_is_used(macs, mac));
	}

	assert_int_equal(ipam_mac_alloc(macs, "web/lab", 7, first, NULL), 0);
	assert_int_equal(ipam_mac_alloc(macs, "web/lab", 7, again, NULL), 0);
	assert_memory_not_equal(first, again, 6);
	ipam_macs_free(macs);

	/* Stable: a fresh set gives the same MAC for the same seed. */
	assert_int_equal(ipam_macs_new(&macs, NULL), 0);
	assert_int_equal(ipam_mac_alloc(macs, "web/lab", 7, again, NULL), 0);
	assert_memory_equal(first, again, 6);
	ipam_macs_free(macs);
}

static void test_mac_reserve_rules(void **state)
{
	struct ipam_macs *macs = NULL;
	struct reef_error err = { 0 };
	uint8_t mac[6];

	assert_int_equal(ipam_macs_new(&macs, NULL), 0);
	assert_int_equal(mac_parse("02:42:0a:00:00:02", mac, NULL), 0);
	assert_int_equal(ipam_mac_reserve(macs, mac, &err), 0);
	assert_true(ipam_mac_is_used(macs, mac));
	assert_int_equal(ipam_mac_reserve(macs, mac, &err), -EEXIST);
	assert_non_null(strstr(err.message, "02:42:0a:00:00:02"));
	assert_int_equal(ipam_mac_release(macs, mac), 0);
	assert_false(ipam_mac_is_used(macs, mac));

	assert_int_equal(mac_parse("01:00:5e:00:00:01", mac, NULL), 0);
	assert_int_equal(ipam_mac_reserve(macs, mac, &err), -EINVAL);
	assert_non_null(strstr(err.message, "multicast"));
	ipam_macs_free(macs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slash30_one_usable),
		cmocka_unit_test(test_slash24_usable_count),
		cmocka_unit_test(test_custom_gateway_skipped),
		cmocka_unit_test(test_static_inside_outside_reserved_taken),
		cmocka_unit_test(test_release_reuse_order),
		cmocka_unit_test(test_released_static_not_fresh),
		cmocka_unit_test(test_release_errors),
		cmocka_unit_test(test_restore_duplicate_rejected),
		cmocka_unit_test(test_restore_cursor_reuses_free),
		cmocka_unit_test(test_prefix_too_small),
		cmocka_unit_test(test_host_bits_suggest_network),
		cmocka_unit_test(test_gateway_rules),
		cmocka_unit_test(test_special_ranges_rejected),
		cmocka_unit_test(test_ipv6_allocation),
		cmocka_unit_test(test_foreach_in_address_order),
		cmocka_unit_test(test_overlap_names_route),
		cmocka_unit_test(test_auto_subnet_skips_taken),
		cmocka_unit_test(test_mac_unique_local_unicast),
		cmocka_unit_test(test_mac_reserve_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
