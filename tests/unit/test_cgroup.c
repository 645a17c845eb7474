/* SPDX-License-Identifier: MIT */
/* Cgroup mount discovery from mountinfo text, and the input checks that run before any mkdir. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../runtime/cgroup.h"
#include "../../runtime/cgroup_fs.h"

/* A hybrid host as /proc/self/mountinfo shows it, with a second mount of the memory hierarchy. */
static const char hybrid[] =
	"24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"26 24 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - "
	"cgroup2 cgroup2 rw,nsdelegate\n"
	"28 26 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
	"cgroup rw,xattr,name=systemd\n"
	"31 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - "
	"cgroup cgroup rw,cpu,cpuacct\n"
	"32 26 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
	"cgroup rw,memory\n"
	"33 26 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup "
	"cgroup rw,pids\n"
	"34 26 0:32 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup "
	"cgroup rw,cpuset,clone_children\n"
	"35 26 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup "
	"cgroup rw,freezer\n"
	"90 30 0:30 / /mnt/mem\\040copy rw,relatime shared:15 - cgroup cgroup rw,memory\n"
	"91 30 0:40 / /mnt/other\\040cg rw,relatime - cgroup2 cgroup2 rw\n";

static void mounts_parse_text(const char *text, struct cgroup_mount *mounts, size_t max, size_t *n,
			      int expected)
{
	struct reef_error err = { 0 };
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	assert_int_equal(cgroup_mounts_parse(f, mounts, max, n, &err), expected);
	fclose(f);
}

static void test_mounts_hybrid_host(void **state)
{
	struct cgroup_mount mounts[16];
	size_t n = 0;

	mounts_parse_text(hybrid, mounts, 16, &n, 0);
	assert_int_equal(n, 7);
	assert_string_equal(mounts[0].path, "/sys/fs/cgroup/unified");
	assert_true(mounts[0].unified);
	assert_int_equal(mounts[0].controllers, 0);
	assert_string_equal(mounts[1].path, "/sys/fs/cgroup/systemd");
	assert_false(mounts[1].unified);
	assert_int_equal(mounts[1].controllers, 0);
	assert_string_equal(mounts[2].path, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(mounts[2].controllers, CG_CPU);
	assert_string_equal(mounts[3].path, "/sys/fs/cgroup/memory");
	assert_int_equal(mounts[3].controllers, CG_MEMORY);
	assert_int_equal(mounts[4].controllers, CG_PIDS);
	assert_int_equal(mounts[5].controllers, CG_CPUSET);
	assert_int_equal(mounts[6].controllers, CG_FREEZER);
}

static void test_mounts_escaped_path(void **state)
{
	static const char text[] =
		"90 30 0:30 / /mnt/my\\040cgroups\\011x rw,relatime - cgroup cgroup rw,pids\n";
	struct cgroup_mount mounts[4];
	size_t n = 0;

	mounts_parse_text(text, mounts, 4, &n, 0);
	assert_int_equal(n, 1);
	assert_string_equal(mounts[0].path, "/mnt/my cgroups\tx");
}

static void test_mounts_ignores_others(void **state)
{
	static const char text[] = "24 30 0:22 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
				   "25 30 0:23 / /cgroup-like rw - tmpfs cgroup rw,memory\n"
				   "short line\n"
				   "\n";
	struct cgroup_mount mounts[4];
	size_t n = 5;

	mounts_parse_text(text, mounts, 4, &n, 0);
	assert_int_equal(n, 0);
}

static void test_mounts_too_many(void **state)
{
	struct cgroup_mount mounts[3];
	size_t n = 0;

	mounts_parse_text(hybrid, mounts, 3, &n, -E2BIG);
}

static void test_create_rejects_bad_input(void **state)
{
	static const char *const bad_names[] = { "", ".", "..", "a/b", "/abs" };
	struct cgroup_limits limits = { 0 };
	struct reef_error err = { 0 };
	struct cgroup *cg = NULL;

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(cgroup_create("test", bad_names[i], NULL, &cg, &err), -EINVAL);
		assert_int_equal(cgroup_create(bad_names[i], "web", NULL, &cg, &err), -EINVAL);
		assert_int_equal(cgroup_open("test", bad_names[i], &cg, &err), -EINVAL);
	}
	assert_null(cg);

	limits.cpu_quota_us = 50000;
	limits.cpu_period_us = 999;
	assert_int_equal(cgroup_create("test", "web", &limits, &cg, &err), -EINVAL);
	assert_string_equal(err.message,
			    "invalid cpu period 999us: give 1000 to 1000000 microseconds");
	limits.cpu_period_us = 1000001;
	assert_int_equal(cgroup_create("test", "web", &limits, &cg, &err), -EINVAL);
	limits.cpu_period_us = 100000;
	limits.cpu_quota_us = 999;
	assert_int_equal(cgroup_create("test", "web", &limits, &cg, &err), -EINVAL);
	assert_string_equal(err.message,
			    "invalid cpu quota 999us: the minimum is 1000 microseconds");
	assert_null(cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mounts_hybrid_host),
		cmocka_unit_test(test_mounts_escaped_path),
		cmocka_unit_test(test_mounts_ignores_others),
		cmocka_unit_test(test_mounts_too_many),
		cmocka_unit_test(test_create_rejects_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
