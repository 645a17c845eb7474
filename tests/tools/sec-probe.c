/* SPDX-License-Identifier: MIT */
/*
 * Drives runtime/caps.c and runtime/seccomp.c for the integration tests
 * and the benchmark:
 *
 *   sec-probe run ROOT PROFILE CAPS   apply CAPS and PROFILE in a child, report
 *   sec-probe load ROOT PROFILE       load (and cache) PROFILE, print its size
 *   sec-probe bench ROOT N            time N compiles and N cached loads
 *
 * CAPS is "default", "none", or capability names joined by ','.  Results
 * go to stdout as KEY=VALUE lines; errors to stderr with exit 1.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../runtime/seccomp_profile.h"
#include "../../runtime/security.h"

static void die(const char *what, const struct reef_error *err)
{
	fprintf(stderr, "sec-probe: %s: %s\n", what, err ? err->message : strerror(errno));
	exit(1);
}

static uint64_t caps_spec_parse(const char *spec)
{
	struct reef_error err = { 0 };
	char copy[1024], *save = NULL;
	uint64_t mask = 0, one;

	if (strcmp(spec, "default") == 0)
		return caps_default();
	if (strcmp(spec, "none") == 0)
		return 0;
	snprintf(copy, sizeof(copy), "%s", spec);
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (caps_parse(name, &one, &err) < 0)
			die("parse capabilities", &err);
		mask |= one;
	}
	return mask;
}

/* Prints the /proc/self/status lines that show capabilities, no_new_privs and seccomp. */
static void status_print(void)
{
	static const char *const keys[] = { "CapInh", "CapPrm",	    "CapEff", "CapBnd",
					    "CapAmb", "NoNewPrivs", "Seccomp" };
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		die("open /proc/self/status", NULL);
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t len = strlen(keys[i]);
			char *value = line + len + 1;

			if (strncmp(line, keys[i], len) != 0 || line[len] != ':')
				continue;
			value += strspn(value, " \t");
			printf("%s=%s", keys[i], value);
		}
	}
	fclose(f);
}

static const char *errno_name(long r)
{
	return r < 0 ? strerrorname_np(errno) : "0";
}

/* Returns the highest system call number of ARCH that the filter's ENOSYS stub lets through, or -1. */
static long filter_max_nr(const struct seccomp_filter *filter, uint32_t arch)
{
	for (unsigned i = 0; i + 2 < filter->len; i++) {
		const struct sock_filter *in = &filter->insns[i];

		if (in->code == (BPF_JMP | BPF_JEQ | BPF_K) && in->k == arch &&
		    filter->insns[i + 2].code == (BPF_JMP | BPF_JGT | BPF_K))
			return filter->insns[i + 2].k;
	}
	return -1;
}

/*
 * Finds the first system call number above MAX that the kernel implements,
 * trying them in a throwaway child because their arguments are nonsense.
 */
static long implemented_nr_above(long max)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		for (long nr = max + 1; nr <= max + 64; nr++)
			if (syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L) == 0 || errno != ENOSYS)
				_exit((int)(nr - max));
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 0)
		return -1;
	return max + WEXITSTATUS(status);
}

#ifdef __x86_64__
/* Makes a 32-bit x86 system call through int 0x80, which the kernel tags AUDIT_ARCH_I386. */
static long ia32_syscall(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Checks the 32-bit x86 part of the filter: getpid (20) allowed, mount (21) denied. */
static void ia32_checks_print(long ia32_max)
{
	long r = ia32_syscall(20, 0, 0, 0);

	printf("ia32_getpid=%s\n", r == getpid() ? "0" : errno_name(r));
	r = ia32_syscall(21, 0, 0, 0);
	printf("ia32_mount=%s\n", errno_name(r));
	if (ia32_max > 0) {
		r = ia32_syscall(ia32_max + 1, -1, -1, -1);
		printf("ia32_above=%s\n", errno_name(r));
	}
}
#endif

/* Runs in the child after the caps and the filter are in place. */
static void checks_print(long above, long ia32_max)
{
	long r;

	status_print();
	r = mount("none", "/proc/self/reef-missing", "tmpfs", 0, NULL);
	printf("mount=%s\n", errno_name(r));
	r = unshare(0);
	printf("unshare=%s\n", errno_name(r));
	r = syscall(SYS_keyctl, -1L, 0L, 0L, 0L, 0L);
	printf("keyctl=%s\n", errno_name(r));
	r = syscall(SYS_bpf, -1L, 0L, 0L);
	printf("bpf=%s\n", errno_name(r));
	r = syscall(SYS_clone3, NULL, 0L);
	printf("clone3=%s\n", errno_name(r));
	r = socket(AF_VSOCK, SOCK_STREAM, 0);
	printf("vsock=%s\n", errno_name(r));
	r = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	printf("unix=%s\n", errno_name(r));
	r = syscall(SYS_clone, (long)(CLONE_NEWUSER | SIGCHLD), 0L, 0L, 0L, 0L);
	if (r == 0)
		_exit(0);
	printf("clone_newuser=%s\n", errno_name(r));
	if (above > 0) {
		r = syscall(above, -1L, -1L, -1L, -1L, -1L, -1L);
		printf("above_nr=%ld\nabove=%s\n", above, errno_name(r));
	}
#ifdef __x86_64__
	ia32_checks_print(ia32_max);
#else
	(void)ia32_max;
#endif
	fflush(stdout);
}

static int command_run(const char *root, const char *profile, const char *caps_spec)
{
	struct reef_error err = { 0 };
	struct seccomp_filter filter;
	struct reef_paths paths;
	uint64_t mask = caps_spec_parse(caps_spec);
	long max, above = -1, ia32_max;
	int status;
	pid_t pid;

	if (paths_init(&paths, root, &err) < 0 ||
	    seccomp_filter_load(&paths, profile, &filter, &err) < 0)
		die("load profile", &err);
	max = filter.len ? filter_max_nr(&filter, seccomp_arch_native()) : -1;
	if (max > 0)
		above = implemented_nr_above(max);
	ia32_max = filter.len ? filter_max_nr(&filter, SCMP_ARCH_X86) : -1;
	printf("max_nr=%ld\n", max);
	fflush(stdout);

	pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		if (caps_apply(mask, true, &err) < 0 || seccomp_filter_install(&filter, &err) < 0)
			die("apply", &err);
		checks_print(above, ia32_max);
		_exit(0);
	}
	seccomp_filter_clear(&filter);
	if (waitpid(pid, &status, 0) < 0)
		die("wait", NULL);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int command_load(const char *root, const char *profile)
{
	struct reef_error err = { 0 };
	struct seccomp_filter filter;
	struct reef_paths paths;

	if (paths_init(&paths, root, &err) < 0 ||
	    seccomp_filter_load(&paths, profile, &filter, &err) < 0)
		die("load profile", &err);
	printf("insns=%u\n", filter.len);
	seccomp_filter_clear(&filter);
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int double_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, int n)
{
	qsort(values, n, sizeof(*values), double_compare);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Times N compiles of the default profile and N loads from a warm cache, in microseconds. */
static int command_bench(const char *root, int n)
{
	struct reef_error err = { 0 };
	struct seccomp_filter filter;
	struct reef_paths paths;
	double *compile = calloc(n, sizeof(double)), *cached = calloc(n, sizeof(double));
	unsigned len = 0;

	if (!compile || !cached || n <= 0)
		die("allocate", NULL);
	if (paths_init(&paths, root, &err) < 0 ||
	    seccomp_filter_load(&paths, "default", &filter, &err) < 0)
		die("warm the cache", &err);
	seccomp_filter_clear(&filter);
	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		if (seccomp_profile_compile(seccomp_profile_text("default"), &filter, &err) < 0)
			die("compile", &err);
		compile[i] = now_us() - t0;
		len = filter.len;
		seccomp_filter_clear(&filter);

		t0 = now_us();
		if (seccomp_filter_load(&paths, "default", &filter, &err) < 0)
			die("load", &err);
		cached[i] = now_us() - t0;
		seccomp_filter_clear(&filter);
	}
	printf("insns=%u\ncompile_us=%.1f\ncached_us=%.1f\n", len, median(compile, n),
	       median(cached, n));
	free(compile);
	free(cached);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "run") == 0)
		return command_run(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "load") == 0)
		return command_load(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "bench") == 0)
		return command_bench(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: sec-probe run ROOT PROFILE CAPS | load ROOT PROFILE | "
			"bench ROOT N\n");
	return 2;
}
