/* SPDX-License-Identifier: MIT */
/* The reef-netd state store on in-memory SQLite. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../netd/store.h"

static int store_setup(void **state)
{
	struct store *store = NULL;
	struct reef_error err = { 0 };

	if (store_open(":memory:", &store, &err) < 0) {
		fprintf(stderr, "store_open: %s\n", err.message);
		return -1;
	}
	*state = store;
	return 0;
}

static int store_teardown(void **state)
{
	store_close(*state);
	return 0;
}

static struct store_network network(const char *name, const char *subnet, const char *gateway)
{
	struct store_network net = { .mtu = 1500, .created = 1700000000 };

	snprintf(net.name, sizeof(net.name), "%s", name);
	snprintf(net.kind, sizeof(net.kind), "bridge");
	snprintf(net.ifname, sizeof(net.ifname), "rb-%s", name);
	net.pool4.present = true;
	assert_int_equal(ip_prefix_parse(subnet, false, &net.pool4.subnet, NULL), 0);
	assert_int_equal(ip_addr_parse(gateway, &net.pool4.gateway, NULL), 0);
	return net;
}

static struct store_endpoint endpoint(const char *container, const char *network, const char *addr)
{
	struct store_endpoint ep = { .pid = 1234, .start_time = 99, .default_route = true };

	snprintf(ep.container, sizeof(ep.container), "%s", container);
	snprintf(ep.network, sizeof(ep.network), "%s", network);
	snprintf(ep.ifname, sizeof(ep.ifname), "eth0");
	snprintf(ep.host_ifname, sizeof(ep.host_ifname), "rf-%s-%s", container, network);
	ep.mac[0] = 0x02;
	ep.mac[5] = (uint8_t)strlen(container);
	if (addr) {
		ep.has_addr4 = true;
		assert_int_equal(ip_addr_parse(addr, &ep.addr4, NULL), 0);
	}
	return ep;
}

static void test_store_schema_version(void **state)
{
	assert_int_equal(store_schema_version(*state), STORE_SCHEMA_VERSION);
}

static void test_store_network_roundtrip(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1"), got;
	struct reef_error err = { 0 };
	char text[IP_PREFIX_STRLEN];

	net.isolate = true;
	net.pool6.present = true;
	assert_int_equal(ip_prefix_parse("fd00:1::/64", false, &net.pool6.subnet, NULL), 0);
	assert_int_equal(ip_addr_parse("fd00:1::1", &net.pool6.gateway, NULL), 0);
	net.pool6.cursor = 7;
	assert_int_equal(store_network_insert(store, &net, &err), 0);

	assert_int_equal(store_network_get(store, "lab", &got, &err), 0);
	assert_string_equal(got.name, "lab");
	assert_string_equal(got.kind, "bridge");
	assert_string_equal(got.ifname, "rb-lab");
	assert_int_equal(got.mtu, 1500);
	assert_true(got.isolate);
	assert_false(got.internal);
	assert_int_equal(got.created, 1700000000);
	assert_true(got.pool4.present);
	ip_prefix_format(&got.pool4.subnet, text);
	assert_string_equal(text, "10.88.0.0/24");
	assert_true(got.pool6.present);
	ip_prefix_format(&got.pool6.subnet, text);
	assert_string_equal(text, "fd00:1::/64");
	assert_int_equal(got.pool6.cursor, 7);
}

static void test_store_network_duplicate(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct reef_error err = { 0 };

	assert_int_equal(store_network_insert(store, &net, &err), 0);
	assert_int_equal(store_network_insert(store, &net, &err), -EEXIST);
	assert_string_equal(err.message, "network 'lab' already exists");
}

static void test_store_network_missing(void **state)
{
	struct store_network got;
	struct reef_error err = { 0 };

	assert_int_equal(store_network_get(*state, "nope", &got, &err), -ENOENT);
	assert_string_equal(err.message, "network 'nope' not found");
	assert_int_equal(store_network_delete(*state, "nope", &err), -ENOENT);
}

static void test_store_network_list_sorted(void **state)
{
	struct store *store = *state;
	struct store_network a = network("zeta", "10.88.1.0/24", "10.88.1.1");
	struct store_network b = network("alpha", "10.88.2.0/24", "10.88.2.1");
	struct store_network *list = NULL;
	size_t n = 0;

	assert_int_equal(store_network_insert(store, &a, NULL), 0);
	assert_int_equal(store_network_insert(store, &b, NULL), 0);
	assert_int_equal(store_network_list(store, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alpha");
	assert_string_equal(list[1].name, "zeta");
	assert_true(list[1].pool4.present);
	free(list);
}

static void test_store_endpoint_roundtrip(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_endpoint ep = endpoint("web", "lab", "10.88.0.2"), got;
	struct reef_error err = { 0 };
	char text[IP_ADDR_STRLEN];

	assert_int_equal(store_network_insert(store, &net, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &ep, &err), 0);
	assert_int_equal(store_endpoint_get(store, "web", "lab", &got, &err), 0);
	assert_int_equal(got.pid, 1234);
	assert_int_equal(got.start_time, 99);
	assert_string_equal(got.ifname, "eth0");
	assert_string_equal(got.host_ifname, "rf-web-lab");
	assert_memory_equal(got.mac, ep.mac, 6);
	assert_true(got.has_addr4);
	assert_false(got.has_addr6);
	ip_addr_format(&got.addr4, text);
	assert_string_equal(text, "10.88.0.2");
	assert_true(got.default_route);
	assert_true(store_ifname_is_used(store, "rf-web-lab"));
	assert_true(store_ifname_is_used(store, "rb-lab"));
	assert_false(store_ifname_is_used(store, "rf-other"));
}

static void test_store_duplicate_address_rejected(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_endpoint a = endpoint("web", "lab", "10.88.0.2");
	struct store_endpoint b = endpoint("db", "lab", "10.88.0.2");
	struct store_lease *leases = NULL;
	struct reef_error err = { 0 };
	size_t n = 0, count = 0;

	assert_int_equal(store_network_insert(store, &net, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &a, &err), 0);

	/* The lease insert fails after the endpoint row went in, so the caller rolls back. */
	assert_int_equal(store_begin(store, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &b, &err), -EEXIST);
	assert_string_equal(err.message, "address 10.88.0.2 is already leased on network 'lab'");
	store_rollback(store);

	assert_int_equal(store_endpoint_count(store, NULL, "lab", &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_lease_list(store, "lab", &leases, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(leases[0].container, "web");
	free(leases);
}

static void test_store_endpoint_duplicate(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_endpoint a = endpoint("web", "lab", "10.88.0.2");
	struct store_endpoint b = endpoint("web", "lab", "10.88.0.3");
	struct reef_error err = { 0 };

	assert_int_equal(store_network_insert(store, &net, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &a, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &b, &err), -EEXIST);
	assert_non_null(strstr(err.message, "already attached to network 'lab'"));
}

static void test_store_endpoint_delete_releases_leases(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_endpoint ep = endpoint("web", "lab", "10.88.0.2");
	struct store_lease *leases = NULL;
	struct reef_error err = { 0 };
	size_t n = 0;

	assert_int_equal(store_network_insert(store, &net, &err), 0);
	assert_int_equal(store_endpoint_insert(store, &ep, &err), 0);
	assert_int_equal(store_endpoint_delete(store, "web", "lab", &err), 0);
	assert_int_equal(store_lease_list(store, NULL, &leases, &n, &err), 0);
	assert_int_equal(n, 0);
	free(leases);
	assert_false(store_ifname_is_used(store, "rf-web-lab"));
	assert_int_equal(store_endpoint_delete(store, "web", "lab", &err), -ENOENT);
	assert_string_equal(err.message, "container 'web' is not attached to network 'lab'");
}

static void test_store_network_delete_cascades(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_endpoint a = endpoint("web", "lab", "10.88.0.2");
	struct store_endpoint b = endpoint("db", "lab", "10.88.0.3");
	struct store_endpoint *eps = NULL;
	struct store_lease *leases = NULL;
	size_t n = 0;

	assert_int_equal(store_network_insert(store, &net, NULL), 0);
	assert_int_equal(store_endpoint_insert(store, &a, NULL), 0);
	assert_int_equal(store_endpoint_insert(store, &b, NULL), 0);
	assert_int_equal(store_network_delete(store, "lab", NULL), 0);
	assert_int_equal(store_endpoint_list(store, NULL, NULL, &eps, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(eps);
	assert_int_equal(store_lease_list(store, NULL, &leases, &n, NULL), 0);
	assert_int_equal(n, 0);
	free(leases);
	/* The pools went too: a network of the same name starts with a fresh cursor. */
	assert_int_equal(store_network_insert(store, &net, NULL), 0);
}

static void test_store_endpoint_list_filters(void **state)
{
	struct store *store = *state;
	struct store_network lab = network("lab", "10.88.0.0/24", "10.88.0.1");
	struct store_network dmz = network("dmz", "10.88.1.0/24", "10.88.1.1");
	struct store_endpoint eps_in[] = {
		endpoint("web", "lab", "10.88.0.2"),
		endpoint("web", "dmz", "10.88.1.2"),
		endpoint("db", "lab", "10.88.0.3"),
	};
	struct store_endpoint *eps = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(store_network_insert(store, &lab, NULL), 0);
	assert_int_equal(store_network_insert(store, &dmz, NULL), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_endpoint_insert(store, &eps_in[i], NULL), 0);

	assert_int_equal(store_endpoint_list(store, "web", NULL, &eps, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(eps[0].network, "dmz");
	assert_string_equal(eps[1].network, "lab");
	free(eps);
	assert_int_equal(store_endpoint_list(store, NULL, "lab", &eps, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(eps[0].container, "db");
	free(eps);
	assert_int_equal(store_endpoint_count(store, "db", NULL, &count, NULL), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_endpoint_count(store, NULL, NULL, &count, NULL), 0);
	assert_int_equal(count, 3);
}

static void test_store_rollback_undoes_insert(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1"), got;
	struct reef_error err = { 0 };

	assert_int_equal(store_begin(store, &err), 0);
	assert_int_equal(store_network_insert(store, &net, &err), 0);
	store_rollback(store);
	assert_int_equal(store_network_get(store, "lab", &got, &err), -ENOENT);
	/* A second rollback without a transaction does nothing. */
	store_rollback(store);
}

static void test_store_cursor_saved(void **state)
{
	struct store *store = *state;
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1"), got;

	assert_int_equal(store_network_insert(store, &net, NULL), 0);
	assert_int_equal(store_pool_cursor_set(store, "lab", AF_INET, 42, NULL), 0);
	assert_int_equal(store_network_get(store, "lab", &got, NULL), 0);
	assert_int_equal(got.pool4.cursor, 42);
}

/* A file database keeps its state and schema version across close and open. */
static void test_store_file_reopen(void **state)
{
	char dir[] = "/tmp/reef-store-XXXXXX", path[64];
	struct store_network net = network("lab", "10.88.0.0/24", "10.88.0.1"), got;
	struct store *store = NULL;
	struct reef_error err = { 0 };

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/netd.db", dir);
	assert_int_equal(store_open(path, &store, &err), 0);
	assert_int_equal(store_network_insert(store, &net, &err), 0);
	store_close(store);

	assert_int_equal(store_open(path, &store, &err), 0);
	assert_int_equal(store_schema_version(store), STORE_SCHEMA_VERSION);
	assert_int_equal(store_network_get(store, "lab", &got, &err), 0);
	store_close(store);

	unlink(path);
	snprintf(path, sizeof(path), "%s/netd.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/netd.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

#define STORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, store_setup, store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TEST(test_store_schema_version),
		STORE_TEST(test_store_network_roundtrip),
		STORE_TEST(test_store_network_duplicate),
		STORE_TEST(test_store_network_missing),
		STORE_TEST(test_store_network_list_sorted),
		STORE_TEST(test_store_endpoint_roundtrip),
		STORE_TEST(test_store_duplicate_address_rejected),
		STORE_TEST(test_store_endpoint_duplicate),
		STORE_TEST(test_store_endpoint_delete_releases_leases),
		STORE_TEST(test_store_network_delete_cascades),
		STORE_TEST(test_store_endpoint_list_filters),
		STORE_TEST(test_store_rollback_undoes_insert),
		STORE_TEST(test_store_cursor_saved),
		cmocka_unit_test(test_store_file_reopen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
