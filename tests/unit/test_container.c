/* SPDX-License-Identifier: MIT */
/* The container store: config and state files, liveness checks, names, instances. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../runtime/container.h"
#include "../../runtime/internal.h"

struct fixture {
	char root[64];
	struct reef_paths paths;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->root, "/tmp/reef-unit-container.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	assert_int_equal(paths_init(&f->paths, f->root, NULL), 0);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(tree_remove(f->root, NULL), 0);
	free(f);
	return 0;
}

static void container_dir_make(struct fixture *f, const char *name)
{
	char dir[PATH_MAX];

	assert_int_equal(mkdir_parents(f->paths.containers, 0711, NULL), 0);
	assert_int_equal(container_state_dir(&f->paths, name, dir, NULL), 0);
	assert_int_equal(mkdir(dir, 0711), 0);
}

static void config_fill(struct container_config *c, const char *name)
{
	char *argv[] = { "/bin/sh", "-c", "echo hi", NULL };
	char *env[] = { "A=1", "PATH=/bin", NULL };
	char *publish[] = { "8080:80/tcp", NULL };

	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	strcpy(c->image, "/srv/rootfs");
	strcpy(c->rootfs, "/srv/rootfs");
	strcpy(c->workdir, "/root");
	strcpy(c->created, "2026-01-02T03:04:05Z");
	c->argv = strv_copy(argv);
	c->env = strv_copy(env);
	c->publish = strv_copy(publish);
	c->init = true;
	c->remove = true;
	c->seccomp = true;
	c->caps = 0xa80425fbULL;
	c->limits.memory_bytes = 32 << 20;
	c->limits.cpu_quota_us = 50000;
	c->limits.cpu_period_us = 100000;
	c->limits.pids_max = 20;
	c->id_base = 100000;
	c->id_count = 65536;
	strcpy(c->networks[0].network, "lab");
	strcpy(c->networks[0].address, "10.0.0.5");
	strcpy(c->networks[1].network, "wan");
	strcpy(c->networks[1].mac, "02:00:00:00:00:01");
	c->n_networks = 2;
}

static void test_config_round_trip(void **state)
{
	struct fixture *f = *state;
	struct container_config in, out = { 0 };

	container_dir_make(f, "web");
	config_fill(&in, "web");
	assert_int_equal(container_config_write(&f->paths, &in, NULL), 0);
	assert_int_equal(container_config_read(&f->paths, "web", &out, NULL), 0);

	assert_string_equal(out.name, "web");
	assert_string_equal(out.rootfs, "/srv/rootfs");
	assert_string_equal(out.workdir, "/root");
	assert_string_equal(out.created, "2026-01-02T03:04:05Z");
	assert_string_equal(out.argv[2], "echo hi");
	assert_null(out.argv[3]);
	assert_string_equal(out.env[1], "PATH=/bin");
	assert_string_equal(out.publish[0], "8080:80/tcp");
	assert_true(out.init);
	assert_true(out.remove);
	assert_false(out.privileged);
	assert_true(out.seccomp);
	assert_int_equal(out.caps, 0xa80425fbULL);
	assert_int_equal(out.limits.memory_bytes, 32 << 20);
	assert_int_equal(out.limits.cpu_quota_us, 50000);
	assert_int_equal(out.limits.cpu_period_us, 100000);
	assert_int_equal(out.limits.pids_max, 20);
	assert_int_equal(out.id_base, 100000);
	assert_int_equal(out.id_count, 65536);
	assert_int_equal(out.n_networks, 2);
	assert_string_equal(out.networks[0].address, "10.0.0.5");
	assert_string_equal(out.networks[1].network, "wan");
	assert_string_equal(out.networks[1].mac, "02:00:00:00:00:01");
	container_config_clear(&in);
	container_config_clear(&out);
}

static void test_config_missing_container(void **state)
{
	struct fixture *f = *state;
	struct container_config out = { 0 };
	struct reef_error err = { 0 };

	assert_int_equal(container_config_read(&f->paths, "nosuch", &out, &err), -ENOENT);
	assert_string_equal(err.message,
			    "container 'nosuch' not found: run 'reef list' to see the containers");
	assert_int_equal(container_config_read(&f->paths, "Bad_Name", &out, &err), -EINVAL);
}

static void state_write_pid(struct fixture *f, const char *name, pid_t pid, uint64_t start)
{
	struct container_state s = {
		.status = CONTAINER_RUNNING,
		.pid = pid,
		.pid_start = start,
		.started_at = 1,
		.exit_code = -1,
	};

	assert_int_equal(container_state_write(&f->paths, name, &s, NULL), 0);
}

static void test_state_running_only_while_process_lives(void **state)
{
	struct fixture *f = *state;
	struct container_config c;
	struct container_state s = { 0 };
	uint64_t start = process_start_time(getpid());

	container_dir_make(f, "db");
	config_fill(&c, "db");
	assert_int_equal(container_config_write(&f->paths, &c, NULL), 0);
	container_config_clear(&c);
	assert_true(start > 0);

	/* The test process itself plays the init. */
	state_write_pid(f, "db", getpid(), start);
	assert_int_equal(container_state_read(&f->paths, "db", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_RUNNING);
	assert_false(s.monitored);
	container_state_clear(&s);

	/* Same pid, other start time: the pid was reused. */
	state_write_pid(f, "db", getpid(), start + 1);
	assert_int_equal(container_state_read(&f->paths, "db", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_STOPPED);
	assert_int_equal(s.exit_code, -1);
	container_state_clear(&s);
}

static void test_state_stopped_when_init_is_zombie(void **state)
{
	struct fixture *f = *state;
	struct container_config c;
	struct container_state s = { 0 };
	siginfo_t info;
	uint64_t start;
	int gate[2];
	pid_t pid;
	char byte;

	container_dir_make(f, "zombie");
	config_fill(&c, "zombie");
	assert_int_equal(container_config_write(&f->paths, &c, NULL), 0);
	container_config_clear(&c);

	/* The child plays the init: it lives until the gate closes. */
	assert_int_equal(pipe(gate), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(gate[1]);
		_exit(read(gate[0], &byte, 1) == 0 ? 0 : 1);
	}
	close(gate[0]);
	start = process_start_time(pid);
	assert_true(start > 0);
	state_write_pid(f, "zombie", pid, start);
	assert_int_equal(container_state_read(&f->paths, "zombie", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_RUNNING);
	container_state_clear(&s);

	/* WNOWAIT leaves the exited child unreaped: a zombie. */
	close(gate[1]);
	assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
	assert_int_equal(process_start_time(pid), 0);
	assert_int_equal(container_state_read(&f->paths, "zombie", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_STOPPED);
	container_state_clear(&s);

	/* A monitor that read the start time of the zombie recorded 0. */
	state_write_pid(f, "zombie", pid, 0);
	assert_int_equal(container_state_read(&f->paths, "zombie", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_STOPPED);
	container_state_clear(&s);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_state_stopped_after_reboot(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX + 32], dir[PATH_MAX];
	struct container_config c;
	struct container_state s = { 0 };
	FILE *file;

	container_dir_make(f, "old");
	config_fill(&c, "old");
	assert_int_equal(container_config_write(&f->paths, &c, NULL), 0);
	container_config_clear(&c);
	assert_int_equal(container_state_dir(&f->paths, "old", dir, NULL), 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	file = fopen(path, "w");
	assert_non_null(file);
	fprintf(file,
		"{\"status\": \"running\", \"pid\": %d, \"pid_start\": %llu,"
		" \"boot_id\": \"another-boot\", \"exit_code\": -1}",
		(int)getpid(), (unsigned long long)process_start_time(getpid()));
	fclose(file);

	assert_int_equal(container_state_read(&f->paths, "old", &s, NULL), 0);
	assert_int_equal(s.status, CONTAINER_STOPPED);
	container_state_clear(&s);
}

static void test_names_sorted_and_filtered(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "zeta", "alpha", "mid" };
	struct container_config c;
	char **list = NULL;
	size_t n = 0;

	for (size_t i = 0; i < 3; i++) {
		container_dir_make(f, names[i]);
		config_fill(&c, names[i]);
		assert_int_equal(container_config_write(&f->paths, &c, NULL), 0);
		container_config_clear(&c);
	}
	/* A directory without config.json is a launch in progress or a leftover. */
	container_dir_make(f, "partial");

	assert_int_equal(container_names(&f->paths, &list, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "alpha");
	assert_string_equal(list[1], "mid");
	assert_string_equal(list[2], "zeta");
	container_names_free(list, n);
}

static void test_cgroup_instance_per_root(void **state)
{
	struct reef_paths a, b, none;
	char ia[32], ib[32], ia2[32], inone[32];

	assert_int_equal(paths_init(&a, "/tmp/one", NULL), 0);
	assert_int_equal(paths_init(&b, "/tmp/two", NULL), 0);
	unsetenv("REEF_ROOT");
	assert_int_equal(paths_init(&none, NULL, NULL), 0);
	container_cgroup_instance(&a, ia);
	container_cgroup_instance(&a, ia2);
	container_cgroup_instance(&b, ib);
	container_cgroup_instance(&none, inone);
	assert_string_equal(inone, "default");
	assert_string_equal(ia, ia2);
	assert_string_not_equal(ia, ib);
	assert_int_equal(strncmp(ia, "root-", 5), 0);
	assert_int_equal(strlen(ia), 5 + 16);
}

static void test_tree_remove_nested(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], path[PATH_MAX + 32], outside[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/tree", f->root);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	assert_int_equal(mkdir_parents(path, 0755, NULL), 0);
	snprintf(path, sizeof(path), "%s/a/b/file", dir);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	snprintf(outside, sizeof(outside), "%s/outside", f->root);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/link", dir);
	assert_int_equal(symlink(outside, path), 0);

	assert_int_equal(tree_remove(dir, NULL), 0);
	assert_int_equal(access(dir, F_OK), -1);
	/* The link goes, its target stays. */
	assert_int_equal(access(outside, F_OK), 0);
	assert_int_equal(tree_remove(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_round_trip, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_config_missing_container, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_state_running_only_while_process_lives,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_state_stopped_when_init_is_zombie,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_state_stopped_after_reboot, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_names_sorted_and_filtered, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(test_cgroup_instance_per_root),
		cmocka_unit_test_setup_teardown(test_tree_remove_nested, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
