/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../common/json.h"
#include "../../common/names.h"
#include "../../common/paths.h"
#include "../../ipam/addr.h"

static void test_error_prefix_chains(void **state)
{
	struct reef_error err = { 0 };

	assert_int_equal(error_set(&err, ENODEV, "delete veth '%s'", "rf1"), -ENODEV);
	assert_int_equal(error_prefix(&err, "detach '%s'", "web"), -ENODEV);
	assert_string_equal(err.message, "detach 'web': delete veth 'rf1'");
	assert_int_equal(error_set_errno(&err, -EEXIST, "create '%s'", "rb0"), -EEXIST);
	assert_string_equal(err.message, "create 'rb0': File exists");
	assert_int_equal(error_set(NULL, EPERM, "ignored"), -EPERM);
}

static void test_names_valid_and_invalid(void **state)
{
	char long_name[80];
	struct reef_error err = { 0 };

	assert_true(name_is_valid("web"));
	assert_true(name_is_valid("lab-1"));
	assert_true(name_is_valid("A9"));
	assert_false(name_is_valid(""));
	assert_false(name_is_valid("-web"));
	assert_false(name_is_valid("web-"));
	assert_false(name_is_valid("we_b"));
	assert_false(name_is_valid("we b"));
	assert_false(name_is_valid("../x"));

	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_true(name_is_valid(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_false(name_is_valid(long_name));
	assert_int_equal(name_validate("network", long_name, &err), -EINVAL);
	assert_non_null(strstr(err.message, "64 characters, the maximum is 63"));

	assert_int_equal(name_validate("container", "we/b", &err), -EINVAL);
	assert_non_null(strstr(err.message, "invalid container name 'we/b'"));
}

static void test_json_readers_name_field(void **state)
{
	const char *const allowed[] = { "name", "mtu", "internal", NULL };
	struct reef_error err = { 0 };
	const char *name = NULL;
	long long mtu = 0;
	bool internal = false;
	json_t *obj = NULL;

	assert_int_equal(json_parse_object("{\"name\":\"lab\",\"mtu\":1400}",
					   strlen("{\"name\":\"lab\",\"mtu\":1400}"), &obj, &err),
			 0);
	assert_int_equal(json_check_keys(obj, allowed, "request", &err), 0);
	assert_int_equal(json_read_string(obj, "name", true, &name, "request", &err), 0);
	assert_string_equal(name, "lab");
	assert_int_equal(json_read_int(obj, "mtu", false, 68, 65535, &mtu, "request", &err), 0);
	assert_int_equal(mtu, 1400);
	assert_int_equal(json_read_bool(obj, "internal", false, &internal, "request", &err), 0);
	assert_false(internal);
	assert_int_equal(json_read_int(obj, "mtu", false, 1500, 9000, &mtu, "request", &err),
			 -ERANGE);
	assert_non_null(strstr(err.message, "'mtu' is 1400"));
	assert_int_equal(json_read_bool(obj, "name", true, &internal, "request", &err), -EINVAL);
	assert_non_null(strstr(err.message, "field 'name' must be true or false"));
	json_decref(obj);

	assert_int_equal(
		json_parse_object("{\"nmae\":\"lab\"}", strlen("{\"nmae\":\"lab\"}"), &obj, &err),
		0);
	assert_int_equal(json_check_keys(obj, allowed, "request", &err), -EINVAL);
	assert_non_null(strstr(err.message, "unknown field 'nmae'"));
	assert_int_equal(json_read_string(obj, "name", true, &name, "request", &err), -EINVAL);
	assert_non_null(strstr(err.message, "missing field 'name'"));
	json_decref(obj);

	assert_int_equal(json_parse_object("{\"name\":", strlen("{\"name\":"), &obj, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "invalid JSON"));
	assert_int_equal(json_parse_object("[1]", strlen("[1]"), &obj, &err), -EINVAL);
}

static void test_paths_root_override(void **state)
{
	struct reef_paths paths;
	struct reef_error err = { 0 };

	assert_int_equal(paths_init(&paths, "/tmp/r", &err), 0);
	assert_string_equal(paths.socket, "/tmp/r/run/netd.sock");
	assert_string_equal(paths.database, "/tmp/r/lib/netd.db");
	assert_string_equal(paths.containers, "/tmp/r/lib/containers");
	assert_string_equal(paths.images, "/tmp/r/lib/images");

	unsetenv("REEF_ROOT");
	assert_int_equal(paths_init(&paths, NULL, &err), 0);
	assert_string_equal(paths.socket, "/run/reef/netd.sock");
	assert_string_equal(paths.database, "/var/lib/reef/netd.db");

	setenv("REEF_ROOT", "/srv/reef", 1);
	assert_int_equal(paths_init(&paths, NULL, &err), 0);
	assert_string_equal(paths.run_dir, "/srv/reef/run");
	unsetenv("REEF_ROOT");

	assert_int_equal(paths_init(&paths, "relative", &err), -EINVAL);
	assert_non_null(strstr(err.message, "absolute path"));
}

static void test_addr_parse_format(void **state)
{
	const char *good[] = { "10.0.0.1", "0.0.0.0", "255.255.255.255",
			       "fd00::1",  "::",      "::ffff:10.0.0.1" };
	const char *bad[] = { "",	   "10.0.0",   "10.0.0.256", "010.0.0.1",
			      "1.2.3.4.5", "fd00:::1", "x",	     "10.0.0.1 " };
	char text[IP_ADDR_STRLEN];
	struct ip_addr a;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(ip_addr_parse(good[i], &a, NULL), 0);
		ip_addr_format(&a, text);
		assert_string_equal(text, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reef_error err = { 0 };

		assert_int_equal(ip_addr_parse(bad[i], &a, &err), -EINVAL);
		assert_int_not_equal(err.errnum, 0);
	}
}

static void test_prefix_parse_errors(void **state)
{
	const char *bad[] = { "10.0.0.0",    "10.0.0.0/",    "10.0.0.0/33",
			      "10.0.0.0/-1", "10.0.0.0/2x",  "/24",
			      "fd00::/129",  "10.0.0.0/024", "nonsense/8" };
	struct ip_prefix p, q;
	char text[IP_PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct reef_error err = { 0 };

		assert_int_equal(ip_prefix_parse(bad[i], false, &p, &err), -EINVAL);
		assert_non_null(strstr(err.message, "subnet"));
	}
	assert_int_equal(ip_prefix_parse("10.0.0.0/8", false, &p, NULL), 0);
	ip_prefix_format(&p, text);
	assert_string_equal(text, "10.0.0.0/8");
	assert_int_equal(ip_prefix_parse("10.200.0.0/16", false, &q, NULL), 0);
	assert_true(ip_prefix_overlaps(&p, &q));
	assert_true(ip_prefix_overlaps(&q, &p));
	assert_int_equal(ip_prefix_parse("11.0.0.0/16", false, &q, NULL), 0);
	assert_false(ip_prefix_overlaps(&p, &q));
	assert_int_equal(ip_prefix_parse("fd00::/8", false, &q, NULL), 0);
	assert_false(ip_prefix_overlaps(&p, &q));
}

static void test_mac_parse_format(void **state)
{
	const char *bad[] = { "",
			      "02:42:0a:00:00",
			      "02:42:0a:00:00:02:03",
			      "02-42-0a-00-00-02",
			      "0g:42:0a:00:00:02",
			      "2:42:0a:00:00:02x",
			      " 2:42:0a:00:00:02" };
	uint8_t mac[6];
	char text[MAC_STRLEN];

	assert_int_equal(mac_parse("02:42:0A:00:00:02", mac, NULL), 0);
	mac_format(mac, text);
	assert_string_equal(text, "02:42:0a:00:00:02");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mac_parse(bad[i], mac, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_prefix_chains),
		cmocka_unit_test(test_names_valid_and_invalid),
		cmocka_unit_test(test_json_readers_name_field),
		cmocka_unit_test(test_paths_root_override),
		cmocka_unit_test(test_addr_parse_format),
		cmocka_unit_test(test_prefix_parse_errors),
		cmocka_unit_test(test_mac_parse_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
