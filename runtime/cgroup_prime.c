/* SPDX-License-Identifier: MIT */
/*
 * Every move of a process between cgroups takes the kernel's global
 * cgroup_threadgroup_rwsem for writing, and the first writer after a quiet
 * period waits for an RCU grace period (8 to 15 ms on the cgroup v1 host
 * where this was measured); writers within the next grace period do not
 * wait.  Forks and clones keep running meanwhile.  So launch starts that
 * wait at once, with a move of this process into the cgroup it is already
 * in, and the move of the container's init some milliseconds later is
 * cheap.  It is an optimisation only: any failure is ignored.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

/* Finds the cgroup2 mount point; false on a host without one. */
static bool cgroup2_mount_find(char *ret, size_t size)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	char source[256], target[PATH_MAX], type[64];
	bool found = false;

	if (!f)
		return false;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", source, target, type) == 3) {
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(ret, size, "%s", target);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Finds this process's cgroup2 path ("0::/PATH" in /proc/self/cgroup). */
static bool cgroup2_self_find(char *ret, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 16];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(ret, size, "%s", line + 3);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void *cgroup_prime_run(void *arg)
{
	char mount[PATH_MAX], self[PATH_MAX], path[2 * PATH_MAX + 32], pid[16];
	_cleanup_(close_fd) int fd = -1;
	int len;

	if (!cgroup2_mount_find(mount, sizeof(mount)) || !cgroup2_self_find(self, sizeof(self)))
		return NULL;
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mount, strcmp(self, "/") ? self : "");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	len = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write(fd, pid, (size_t)len) < 0)
		return NULL;
	return NULL;
}

bool cgroup_prime_start(pthread_t *ret)
{
	return pthread_create(ret, NULL, cgroup_prime_run, NULL) == 0;
}
