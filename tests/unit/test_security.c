/* SPDX-License-Identifier: MIT */
/*
 * Capability parsing, the default capability set, and the seccomp cache
 * (compiled into a temporary REEF_ROOT; installing a filter is left to the
 * integration tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../runtime/seccomp_profile.h"
#include "../../runtime/security.h"

#define BIT(c) (UINT64_C(1) << (c))

static void test_caps_default_is_docker_set(void **state)
{
	/* Docker's default set, as /proc/PID/status prints it for a container. */
	assert_int_equal(caps_default(), UINT64_C(0xa80425fb));
	assert_int_equal(__builtin_popcountll(caps_default()), 14);
	assert_true(caps_default() & BIT(CAP_NET_BIND_SERVICE));
	assert_true(caps_default() & BIT(CAP_AUDIT_WRITE));
	assert_false(caps_default() & BIT(CAP_SYS_ADMIN));
	assert_false(caps_default() & BIT(CAP_NET_ADMIN));
	assert_false(caps_default() & BIT(CAP_SYS_PTRACE));
	assert_false(caps_default() & BIT(CAP_SYS_MODULE));
}

static void test_caps_parse_names(void **state)
{
	static const char *const spellings[] = { "NET_ADMIN", "CAP_NET_ADMIN", "net_admin",
						 "cap_net_admin", "Cap_Net_Admin" };
	struct reef_error err = { 0 };
	uint64_t mask;

	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		mask = 0;
		assert_int_equal(caps_parse(spellings[i], &mask, &err), 0);
		assert_int_equal(mask, BIT(CAP_NET_ADMIN));
	}
	assert_int_equal(caps_parse("CHOWN", &mask, &err), 0);
	assert_int_equal(mask, BIT(CAP_CHOWN));
	assert_int_equal(caps_parse("SETFCAP", &mask, &err), 0);
	assert_int_equal(mask, BIT(CAP_SETFCAP));
}

static void test_caps_parse_all(void **state)
{
	struct reef_error err = { 0 };
	uint64_t all = 0, lower = 0;

	assert_int_equal(caps_parse("ALL", &all, &err), 0);
	assert_int_equal(caps_parse("all", &lower, &err), 0);
	assert_int_equal(all, lower);
	/* ALL is the caller's bounding set, which contains the default set wherever reef runs. */
	assert_int_equal(all & caps_default(), caps_default());
	assert_true(all & BIT(CAP_SYS_ADMIN) || getuid() != 0);
}

static void test_caps_parse_rejects(void **state)
{
	static const char *const bad[] = { "",	     "NET",	   "CAP_",	"12",
					   "CAP_12", "NET_ADMIN ", "NET-ADMIN", "SYS_ADMIN,CHOWN" };
	struct reef_error err = { 0 };
	uint64_t mask = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(caps_parse(bad[i], &mask, &err), -EINVAL);
		assert_int_equal(mask, 7);
	}
	assert_int_equal(caps_parse(NULL, &mask, &err), -EINVAL);
	caps_parse("NETADMIN", &mask, &err);
	assert_string_equal(err.message, "invalid capability 'NETADMIN': give a name such as "
					 "NET_ADMIN or CAP_NET_ADMIN, or ALL");
}

/* A temporary REEF_ROOT for the cache tests. */
static int root_setup(void **state)
{
	char *dir = strdup("/tmp/reef-test-seccomp-XXXXXX");

	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int root_teardown(void **state)
{
	char command[128];

	snprintf(command, sizeof(command), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(command) == 0 ? 0 : -1;
}

/* Finds the single cache file under ROOT and writes its path to PATH. */
static void cache_file_find(const char *root, char *path, size_t size)
{
	char command[256];
	FILE *p;

	snprintf(command, sizeof(command), "ls %s/lib/seccomp/default-*.bpf", root);
	p = popen(command, "r");
	assert_non_null(p);
	assert_non_null(fgets(path, (int)size, p));
	path[strcspn(path, "\n")] = '\0';
	pclose(p);
}

static void test_seccomp_cache_written_and_read(void **state)
{
	struct reef_error err = { 0 };
	struct seccomp_filter compiled, loaded;
	struct reef_paths paths;
	char path[512];
	struct stat st;

	assert_int_equal(paths_init(&paths, *state, &err), 0);
	assert_int_equal(seccomp_filter_load(&paths, "default", &compiled, &err), 0);
	assert_true(compiled.len > 100);
	cache_file_find(*state, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(seccomp_filter_load(&paths, "default", &loaded, &err), 0);
	assert_int_equal(loaded.len, compiled.len);
	assert_memory_equal(loaded.insns, compiled.insns, compiled.len * sizeof(*compiled.insns));
	seccomp_filter_clear(&compiled);
	seccomp_filter_clear(&loaded);
	assert_null(loaded.insns);
}

/* Damages the cache file in one of several ways and checks that a load rewrites it. */
static void test_seccomp_cache_corrupt_rewritten(void **state)
{
	struct reef_error err = { 0 };
	struct seccomp_filter good, loaded;
	struct reef_paths paths;
	char path[512];
	struct stat st;
	off_t size;

	assert_int_equal(paths_init(&paths, *state, &err), 0);
	assert_int_equal(seccomp_filter_load(&paths, "default", &good, &err), 0);
	cache_file_find(*state, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	size = st.st_size;

	for (int damage = 0; damage < 4; damage++) {
		int fd = open(path, O_RDWR);

		assert_true(fd >= 0);
		if (damage == 0)
			assert_int_equal(ftruncate(fd, size / 2), 0); /* truncated */
		else if (damage == 1)
			assert_int_equal(pwrite(fd, "x", 1, size - 3), 1); /* bad checksum */
		else if (damage == 2)
			assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4); /* bad magic */
		else
			assert_int_equal(ftruncate(fd, 0), 0); /* empty */
		close(fd);

		assert_int_equal(seccomp_filter_load(&paths, "default", &loaded, &err), 0);
		assert_int_equal(loaded.len, good.len);
		assert_memory_equal(loaded.insns, good.insns, good.len * sizeof(*good.insns));
		seccomp_filter_clear(&loaded);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, size);
	}
	seccomp_filter_clear(&good);
}

static void test_seccomp_profile_names(void **state)
{
	struct reef_error err = { 0 };
	struct seccomp_filter filter;
	struct reef_paths paths;

	assert_int_equal(paths_init(&paths, *state, &err), 0);
	assert_int_equal(seccomp_filter_load(&paths, "unconfined", &filter, &err), 0);
	assert_int_equal(filter.len, 0);
	assert_null(filter.insns);
	assert_int_equal(seccomp_filter_install(&filter, &err), 0);

	assert_int_equal(seccomp_filter_load(&paths, "strict", &filter, &err), -EINVAL);
	assert_string_equal(err.message,
			    "unknown seccomp profile 'strict': give default or unconfined");
}

/* The stub in front of libseccomp's program must return ENOSYS above the highest known call. */
static void test_seccomp_stub_layout(void **state)
{
	struct reef_error err = { 0 };
	struct seccomp_filter filter;
	const struct sock_filter *ret;

	assert_int_equal(seccomp_profile_compile(seccomp_profile_text("default"), &filter, &err),
			 0);
	assert_int_equal(filter.insns[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(filter.insns[1].code, BPF_JMP | BPF_JEQ | BPF_K);
	assert_int_equal(filter.insns[3].code, BPF_JMP | BPF_JGT | BPF_K);
	/* The default profile names calls from Linux 5.1 and later, numbered 424 and up. */
	assert_true(filter.insns[3].k >= 424);
	ret = &filter.insns[3 + 1 + filter.insns[3].jt];
	assert_int_equal(ret->code, BPF_RET | BPF_K);
	assert_int_equal(ret->k, 0x00050000 | ENOSYS); /* SECCOMP_RET_ERRNO | ENOSYS */
	seccomp_filter_clear(&filter);

	assert_int_equal(seccomp_profile_compile("allow read\nfrobnicate write\n", &filter, &err),
			 -EINVAL);
	assert_string_equal(err.message, "seccomp profile line 2: unknown rule 'frobnicate'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps_default_is_docker_set),
		cmocka_unit_test(test_caps_parse_names),
		cmocka_unit_test(test_caps_parse_all),
		cmocka_unit_test(test_caps_parse_rejects),
		cmocka_unit_test_setup_teardown(test_seccomp_cache_written_and_read, root_setup,
						root_teardown),
		cmocka_unit_test_setup_teardown(test_seccomp_cache_corrupt_rewritten, root_setup,
						root_teardown),
		cmocka_unit_test_setup_teardown(test_seccomp_profile_names, root_setup,
						root_teardown),
		cmocka_unit_test(test_seccomp_stub_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
