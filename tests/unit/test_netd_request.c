/* SPDX-License-Identifier: MIT */
/* Parsing of reef-netd API requests: every bad input names its field. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../common/json.h"
#include "../../netd/request.h"

static json_t *parse(const char *text)
{
	json_t *body = NULL;
	struct reef_error err = { 0 };

	if (json_parse_object(text, strlen(text), &body, &err) < 0)
		fail_msg("bad test JSON %s: %s", text, err.message);
	return body;
}

/* Parses TEXT as a network request expecting failure with a message containing WANT. */
static void network_rejects(const char *text, const char *want)
{
	_cleanup_json_ json_t *body = parse(text);
	struct network_request req;
	struct reef_error err = { 0 };

	assert_int_equal(network_request_parse(body, &req, &err), -EINVAL);
	if (!strstr(err.message, want))
		fail_msg("request %s: message '%s' lacks '%s'", text, err.message, want);
}

static void attach_rejects(const char *text, const char *want)
{
	_cleanup_json_ json_t *body = parse(text);
	struct attach_request req;
	struct reef_error err = { 0 };

	assert_int_equal(attach_request_parse(body, &req, &err), -EINVAL);
	if (!strstr(err.message, want))
		fail_msg("request %s: message '%s' lacks '%s'", text, err.message, want);
}

static void test_network_defaults(void **state)
{
	_cleanup_json_ json_t *body = parse("{\"name\":\"lab\"}");
	struct network_request req;
	struct reef_error err = { 0 };

	assert_int_equal(network_request_parse(body, &req, &err), 0);
	assert_string_equal(req.name, "lab");
	assert_string_equal(req.kind, "bridge");
	assert_true(req.subnet_auto);
	assert_false(req.ipv6);
	assert_false(req.has_gateway);
	assert_false(req.internal);
	assert_false(req.isolate);
	assert_int_equal(req.mtu, 0);
	assert_string_equal(req.parent, "");
}

static void test_network_all_fields(void **state)
{
	_cleanup_json_ json_t *body = parse(
		"{\"name\":\"lab\",\"type\":\"bridge\",\"subnet\":\"10.1.2.0/24\","
		"\"gateway\":\"10.1.2.254\",\"ipv6\":\"fd00:1::/64\","
		"\"gateway6\":\"fd00:1::fe\",\"internal\":true,\"isolate\":true,\"mtu\":9000}");
	struct network_request req;
	struct reef_error err = { 0 };
	char text[IP_PREFIX_STRLEN];

	assert_int_equal(network_request_parse(body, &req, &err), 0);
	assert_false(req.subnet_auto);
	ip_prefix_format(&req.subnet, text);
	assert_string_equal(text, "10.1.2.0/24");
	assert_true(req.has_gateway);
	ip_addr_format(&req.gateway, text);
	assert_string_equal(text, "10.1.2.254");
	assert_true(req.ipv6);
	assert_false(req.ipv6_auto);
	ip_prefix_format(&req.subnet6, text);
	assert_string_equal(text, "fd00:1::/64");
	assert_true(req.has_gateway6);
	assert_true(req.internal);
	assert_true(req.isolate);
	assert_int_equal(req.mtu, 9000);
}

static void test_network_ipv6_auto(void **state)
{
	_cleanup_json_ json_t *body = parse("{\"name\":\"lab\",\"ipv6\":\"auto\"}");
	struct network_request req;

	assert_int_equal(network_request_parse(body, &req, NULL), 0);
	assert_true(req.ipv6);
	assert_true(req.ipv6_auto);
}

static void test_network_macvlan(void **state)
{
	_cleanup_json_ json_t *body =
		parse("{\"name\":\"lan\",\"type\":\"macvlan\",\"parent\":\"eth0\","
		      "\"subnet\":\"192.168.1.0/24\",\"gateway\":\"192.168.1.1\"}");
	struct network_request req;

	assert_int_equal(network_request_parse(body, &req, NULL), 0);
	assert_string_equal(req.kind, "macvlan");
	assert_string_equal(req.parent, "eth0");
}

static void test_network_bad_inputs(void **state)
{
	network_rejects("{}", "missing field 'name'");
	network_rejects("{\"name\":5}", "field 'name' must be a string");
	network_rejects("{\"name\":\"bad_name\"}", "invalid network name 'bad_name'");
	network_rejects(
		"{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		"64 characters, the maximum is 63");
	network_rejects("{\"name\":\"lab\",\"color\":\"red\"}", "unknown field 'color'");
	network_rejects("{\"name\":\"lab\",\"type\":\"vxlan\"}",
			"invalid network type 'vxlan': expected 'bridge' or 'macvlan'");
	network_rejects("{\"name\":\"lab\",\"subnet\":\"10.1.2.3/24\"}",
			"invalid subnet '10.1.2.3/24': host bits are set");
	network_rejects("{\"name\":\"lab\",\"subnet\":\"fd00::/64\"}",
			"invalid subnet 'fd00::/64': expected an IPv4 subnet");
	network_rejects("{\"name\":\"lab\",\"subnet\":\"nonsense\"}", "invalid subnet 'nonsense'");
	network_rejects("{\"name\":\"lab\",\"ipv6\":\"10.0.0.0/8\"}",
			"invalid ipv6 subnet '10.0.0.0/8': expected an IPv6 subnet");
	network_rejects("{\"name\":\"lab\",\"gateway\":\"10.0.0.1\"}",
			"invalid gateway '10.0.0.1': a gateway needs an explicit subnet");
	network_rejects("{\"name\":\"lab\",\"subnet\":\"10.0.0.0/24\",\"gateway\":\"fd00::1\"}",
			"expected an IPv4 address");
	network_rejects("{\"name\":\"lab\",\"internal\":\"yes\"}",
			"field 'internal' must be true or false");
	network_rejects("{\"name\":\"lab\",\"mtu\":\"1500\"}", "field 'mtu' must be an integer");
	network_rejects("{\"name\":\"lab\",\"type\":\"macvlan\"}", "missing parent interface");
	network_rejects("{\"name\":\"lab\",\"parent\":\"eth0\"}",
			"invalid parent interface 'eth0': a parent is only for macvlan networks");
	network_rejects("{\"name\":\"lab\",\"type\":\"macvlan\",\"parent\":\"a/b\","
			"\"subnet\":\"10.0.0.0/24\"}",
			"invalid parent interface 'a/b'");
	network_rejects("{\"name\":\"lab\",\"type\":\"macvlan\",\"parent\":\"eth0\"}",
			"missing subnet: a macvlan network needs the subnet of the parent's LAN");
	network_rejects("{\"name\":\"lab\",\"type\":\"macvlan\",\"parent\":\"eth0\","
			"\"subnet\":\"10.0.0.0/24\",\"isolate\":true}",
			"only for bridge networks");
}

static void test_network_mtu_range(void **state)
{
	_cleanup_json_ json_t *body = parse("{\"name\":\"lab\",\"mtu\":100}");
	struct network_request req;
	struct reef_error err = { 0 };

	assert_int_equal(network_request_parse(body, &req, &err), -ERANGE);
	assert_non_null(strstr(err.message, "invalid mtu 100: expected 576 to 65535 bytes"));
}

static void test_attach_defaults(void **state)
{
	_cleanup_json_ json_t *body =
		parse("{\"container\":\"web\",\"pid\":4242,\"network\":\"lab\"}");
	struct attach_request req;
	struct reef_error err = { 0 };

	assert_int_equal(attach_request_parse(body, &req, &err), 0);
	assert_string_equal(req.container, "web");
	assert_int_equal(req.pid, 4242);
	assert_string_equal(req.network, "lab");
	assert_string_equal(req.ifname, "eth0");
	assert_false(req.has_addr4);
	assert_false(req.has_addr6);
	assert_false(req.has_mac);
	assert_int_equal(req.default_route, -1);
}

static void test_attach_all_fields(void **state)
{
	_cleanup_json_ json_t *body =
		parse("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"interface\":\"net1\","
		      "\"address\":\"10.88.0.9\",\"address6\":\"fd00::9\","
		      "\"mac\":\"02:00:00:aa:bb:cc\",\"default_route\":false}");
	struct attach_request req;
	struct reef_error err = { 0 };
	char text[IP_ADDR_STRLEN];

	assert_int_equal(attach_request_parse(body, &req, &err), 0);
	assert_string_equal(req.ifname, "net1");
	assert_true(req.has_addr4);
	ip_addr_format(&req.addr4, text);
	assert_string_equal(text, "10.88.0.9");
	assert_true(req.has_addr6);
	assert_true(req.has_mac);
	assert_int_equal(req.mac[5], 0xcc);
	assert_int_equal(req.default_route, 0);
}

static void test_attach_bad_inputs(void **state)
{
	attach_rejects("{\"pid\":1,\"network\":\"lab\"}", "missing field 'container'");
	attach_rejects("{\"container\":\"web\",\"network\":\"lab\"}", "missing field 'pid'");
	attach_rejects("{\"container\":\"web\",\"pid\":\"1\",\"network\":\"lab\"}",
		       "field 'pid' must be an integer");
	attach_rejects("{\"container\":\"web\",\"pid\":1}", "missing field 'network'");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"extra\":1}",
		       "unknown field 'extra'");
	attach_rejects("{\"container\":\"w b\",\"pid\":1,\"network\":\"lab\"}",
		       "invalid container name 'w b'");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\","
		       "\"interface\":\"averyveryverylongname\"}",
		       "interface names have at most 15");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"interface\":\"\"}",
		       "invalid interface '': give an interface name");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"address\":\"x\"}",
		       "invalid address 'x': expected an IPv4 address");
	attach_rejects(
		"{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"address\":\"fd00::1\"}",
		"expected an IPv4 address");
	attach_rejects(
		"{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"address6\":\"10.0.0.1\"}",
		"expected an IPv6 address");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"mac\":\"zz\"}",
		       "invalid MAC address 'zz'");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\","
		       "\"mac\":\"01:00:5e:00:00:01\"}",
		       "a multicast address");
	attach_rejects("{\"container\":\"web\",\"pid\":1,\"network\":\"lab\",\"default_route\":1}",
		       "field 'default_route' must be true or false");
}

static void test_attach_pid_range(void **state)
{
	_cleanup_json_ json_t *body =
		parse("{\"container\":\"web\",\"pid\":0,\"network\":\"lab\"}");
	struct attach_request req;
	struct reef_error err = { 0 };

	assert_int_equal(attach_request_parse(body, &req, &err), -ERANGE);
	assert_non_null(strstr(err.message, "field 'pid' is 0"));
}

static void test_ifname_validate(void **state)
{
	struct reef_error err = { 0 };

	assert_int_equal(ifname_validate("interface", "eth0", &err), 0);
	assert_int_equal(ifname_validate("interface", "123456789012345", &err), 0);
	assert_int_equal(ifname_validate("interface", "1234567890123456", &err), -EINVAL);
	assert_int_equal(ifname_validate("interface", "..", &err), -EINVAL);
	assert_int_equal(ifname_validate("interface", "a:b", &err), -EINVAL);
	assert_int_equal(ifname_validate("interface", "a b", &err), -EINVAL);
}

static void test_query_bool(void **state)
{
	struct reef_error err = { 0 };
	bool value = true;

	assert_int_equal(query_bool_parse("force", NULL, &value, &err), 0);
	assert_false(value);
	assert_int_equal(query_bool_parse("force", "true", &value, &err), 0);
	assert_true(value);
	assert_int_equal(query_bool_parse("force", "0", &value, &err), 0);
	assert_false(value);
	assert_int_equal(query_bool_parse("force", "maybe", &value, &err), -EINVAL);
	assert_string_equal(err.message,
			    "invalid query: 'force' is 'maybe', expected true or false");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_defaults),
		cmocka_unit_test(test_network_all_fields),
		cmocka_unit_test(test_network_ipv6_auto),
		cmocka_unit_test(test_network_macvlan),
		cmocka_unit_test(test_network_bad_inputs),
		cmocka_unit_test(test_network_mtu_range),
		cmocka_unit_test(test_attach_defaults),
		cmocka_unit_test(test_attach_all_fields),
		cmocka_unit_test(test_attach_bad_inputs),
		cmocka_unit_test(test_attach_pid_range),
		cmocka_unit_test(test_ifname_validate),
		cmocka_unit_test(test_query_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
