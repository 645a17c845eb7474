/* SPDX-License-Identifier: MIT */
/* Host facts of reef-netd: process start times, resolv.conf, interface names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../netd/netd.h"

static void test_proc_start_time_self(void **state)
{
	unsigned long long start = 0, again = 0;
	struct reef_error err = { 0 };

	assert_int_equal(proc_start_time(getpid(), &start, &err), 0);
	assert_true(start > 0);
	assert_int_equal(proc_start_time(getpid(), &again, &err), 0);
	assert_int_equal(start, again);
	assert_true(proc_is_alive(getpid(), start));
	assert_false(proc_is_alive(getpid(), start + 1));
}

static void test_proc_start_time_missing(void **state)
{
	unsigned long long start;
	struct reef_error err = { 0 };
	pid_t child = fork();

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(proc_start_time(child, &start, &err), -ESRCH);
	assert_non_null(strstr(err.message, "not found"));
	assert_false(proc_is_alive(child, 1));
	assert_false(proc_is_alive(0, 1));
}

/* A child that exited but was not reaped has no network namespace to wire. */
static void test_proc_zombie_is_gone(void **state)
{
	unsigned long long start;
	struct reef_error err = { 0 };
	pid_t child = fork();
	char path[64];
	int tries = 0;

	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	/* Wait until the child is a zombie, without reaping it. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
	for (;;) {
		char buf[256] = "";
		FILE *f = fopen(path, "re");

		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		if (strstr(buf, ") Z "))
			break;
		assert_true(++tries < 1000);
		usleep(1000);
	}
	assert_int_equal(proc_start_time(child, &start, &err), -ESRCH);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

static void test_resolv_skips_loopback(void **state)
{
	char path[] = "/tmp/reef-resolv-XXXXXX";
	struct ip_addr servers[4];
	char text[IP_ADDR_STRLEN];
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("# comment\nsearch example.org\nnameserver 127.0.0.53\nnameserver 192.0.2.53\n"
	      "nameserver ::1\nnameserver 2001:db8::53\nnameserver fe80::1%eth0\n"
	      "nameserver\tnonsense\noptions edns0\n",
	      f);
	fclose(f);

	n = resolv_nameservers(path, servers, 4);
	unlink(path);
	assert_int_equal(n, 2);
	ip_addr_format(&servers[0], text);
	assert_string_equal(text, "192.0.2.53");
	ip_addr_format(&servers[1], text);
	assert_string_equal(text, "2001:db8::53");
}

static void test_resolv_missing_file(void **state)
{
	struct ip_addr servers[2];

	assert_int_equal(resolv_nameservers("/nonexistent/resolv.conf", servers, 2), 0);
}

static void test_ifname_hash_shape(void **state)
{
	char a[16], b[16], c[16];

	netd_ifname_hash("rf", "web/lab", 0, a);
	assert_int_equal(strlen(a), 13);
	assert_memory_equal(a, "rf", 2);
	for (size_t i = 2; i < strlen(a); i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));

	/* Stable: the same key gives the same name after a restart. */
	netd_ifname_hash("rf", "web/lab", 0, b);
	assert_string_equal(a, b);
	/* A retry after a collision gives another name. */
	netd_ifname_hash("rf", "web/lab", 1, c);
	assert_string_not_equal(a, c);
	netd_ifname_hash("rf", "web/lab2", 0, c);
	assert_string_not_equal(a, c);
}

static void test_ifname_hash_long_key(void **state)
{
	char key[2 * REEF_NAME_MAX + 2], name[16];

	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	netd_ifname_hash("rb", key, 15, name);
	assert_true(strlen(name) <= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_start_time_self),
		cmocka_unit_test(test_proc_start_time_missing),
		cmocka_unit_test(test_proc_zombie_is_gone),
		cmocka_unit_test(test_resolv_skips_loopback),
		cmocka_unit_test(test_resolv_missing_file),
		cmocka_unit_test(test_ifname_hash_shape),
		cmocka_unit_test(test_ifname_hash_long_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
