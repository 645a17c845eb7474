/* SPDX-License-Identifier: MIT */
/*
 * Drives runtime/cgroup.c for the integration tests.  Each command works
 * on the cgroup reef/INSTANCE/NAME:
 *
 *   cgroup-probe mode
 *   cgroup-probe create INSTANCE NAME [memory=BYTES] [cpu=QUOTA/PERIOD] [pids=N]
 *   cgroup-probe limits INSTANCE NAME
 *   cgroup-probe destroy INSTANCE NAME
 *   cgroup-probe spawn INSTANCE NAME N      N sleeping processes left behind
 *   cgroup-probe forkloop INSTANCE NAME N   forks until N children or failure
 *   cgroup-probe hog INSTANCE NAME BYTES    touches BYTES of memory
 *   cgroup-probe cpuburn INSTANCE NAME MS   spins MS milliseconds of wall time
 *
 * Results go to stdout as KEY=VALUE lines; errors to stderr with exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../runtime/cgroup.h"

static void die(const char *what, const struct reef_error *err)
{
	fprintf(stderr, "cgroup-probe: %s: %s\n", what, err ? err->message : strerror(errno));
	exit(1);
}

static uint64_t number_parse(const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '/')) {
		fprintf(stderr, "cgroup-probe: invalid number '%s'\n", text);
		exit(2);
	}
	return v;
}

static void limits_parse(int argc, char **argv, struct cgroup_limits *limits)
{
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "memory=", 7) == 0) {
			limits->memory_bytes = number_parse(argv[i] + 7);
		} else if (strncmp(argv[i], "pids=", 5) == 0) {
			limits->pids_max = number_parse(argv[i] + 5);
		} else if (strncmp(argv[i], "cpu=", 4) == 0 && strchr(argv[i], '/')) {
			limits->cpu_quota_us = number_parse(argv[i] + 4);
			limits->cpu_period_us = number_parse(strchr(argv[i], '/') + 1);
		} else {
			fprintf(stderr, "cgroup-probe: invalid limit '%s'\n", argv[i]);
			exit(2);
		}
	}
}

static void limits_print(struct cgroup *cg)
{
	struct reef_error err = { 0 };
	struct cgroup_limits limits;

	if (cgroup_read_limits(cg, &limits, &err) < 0)
		die("read limits", &err);
	printf("memory=%" PRIu64 "\ncpu_quota=%" PRIu64 "\ncpu_period=%" PRIu64 "\npids=%" PRIu64
	       "\n",
	       limits.memory_bytes, limits.cpu_quota_us, limits.cpu_period_us, limits.pids_max);
}

static struct cgroup *cgroup_must_open(const char *instance, const char *name)
{
	struct reef_error err = { 0 };
	struct cgroup *cg;

	if (cgroup_open(instance, name, &cg, &err) < 0)
		die("open", &err);
	return cg;
}

/* Child side of a workload: the parent moves it into the cgroup before it runs. */
typedef int (*workload_fn)(uint64_t arg);

static __attribute__((noreturn)) int workload_spawn(uint64_t n)
{
	/* Leave N-1 more sleepers and this one, none of them a child of the probe. */
	for (uint64_t i = 1; i < n; i++)
		if (fork() == 0)
			break;
	for (;;)
		pause();
}

static int workload_forkloop(uint64_t n)
{
	uint64_t forked = 0;
	int e = 0;

	while (forked < n) {
		pid_t pid = fork();

		if (pid == 0) {
			/* Sleepers must not hold the test's output pipe open. */
			close(STDOUT_FILENO);
			close(STDERR_FILENO);
			for (;;)
				pause();
		}
		if (pid < 0) {
			e = errno;
			break;
		}
		forked++;
	}
	printf("forked=%" PRIu64 "\nerrno=%s\n", forked, e ? strerrorname_np(e) : "0");
	fflush(stdout);
	return 0;
}

static int workload_hog(uint64_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	for (uint64_t off = 0; off < bytes; off += 4096)
		p[off] = 1;
	return 0;
}

static int workload_cpuburn(uint64_t ms)
{
	struct timespec start, now;
	volatile unsigned long spin = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			spin++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 <
		 (long)ms);
	return 0;
}

/* Forks a child, moves it into CG, lets it run FN and returns its pid. */
static pid_t workload_start(struct cgroup *cg, workload_fn fn, uint64_t arg, bool detach)
{
	struct reef_error err = { 0 };
	int go[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe", NULL);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(4);
		if (detach) {
			/* Sleepers must not hold the test's output pipe open. */
			close(STDOUT_FILENO);
			close(STDERR_FILENO);
		}
		_exit(fn(arg));
	}
	close(go[0]);
	if (cgroup_add_pid(cg, pid, &err) < 0) {
		kill(pid, SIGKILL);
		die("add pid", &err);
	}
	if (write(go[1], "x", 1) != 1)
		die("start child", NULL);
	close(go[1]);
	return pid;
}

static void wait_print(pid_t pid)
{
	struct rusage ru;
	int status;

	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait", NULL);
	if (WIFSIGNALED(status))
		printf("signal=%d\n", WTERMSIG(status));
	else
		printf("exit=%d\n", WEXITSTATUS(status));
	printf("cpu_ms=%ld\n", ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
				       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
}

int main(int argc, char **argv)
{
	struct reef_error err = { 0 };
	struct cgroup_limits limits = { 0 };
	struct cgroup *cg;
	const char *cmd;

	if (argc == 2 && strcmp(argv[1], "mode") == 0) {
		puts(cgroup_host_mode() == CGROUP_MODE_V2 ? "v2" : "v1");
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: cgroup-probe COMMAND INSTANCE NAME [ARG...]\n");
		return 2;
	}
	cmd = argv[1];

	if (strcmp(cmd, "create") == 0) {
		limits_parse(argc - 4, argv + 4, &limits);
		if (cgroup_create(argv[2], argv[3], &limits, &cg, &err) < 0)
			die("create", &err);
		limits_print(cg);
	} else if (strcmp(cmd, "destroy") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		if (cgroup_destroy(cg, &err) < 0)
			die("destroy", &err);
	} else if (strcmp(cmd, "limits") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		limits_print(cg);
	} else if (argc == 5 && strcmp(cmd, "spawn") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		workload_start(cg, workload_spawn, number_parse(argv[4]), true);
	} else if (argc == 5 && strcmp(cmd, "forkloop") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		wait_print(workload_start(cg, workload_forkloop, number_parse(argv[4]), false));
	} else if (argc == 5 && strcmp(cmd, "hog") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		wait_print(workload_start(cg, workload_hog, number_parse(argv[4]), false));
	} else if (argc == 5 && strcmp(cmd, "cpuburn") == 0) {
		cg = cgroup_must_open(argv[2], argv[3]);
		wait_print(workload_start(cg, workload_cpuburn, number_parse(argv[4]), false));
	} else {
		fprintf(stderr, "cgroup-probe: unknown command '%s'\n", cmd);
		return 2;
	}
	cgroup_free(cg);
	return 0;
}
