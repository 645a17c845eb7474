/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_CGROUP_H
#define REEF_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"

/*
 * A container's cgroup on cgroup v2 (unified hierarchy at /sys/fs/cgroup)
 * or v1 (one directory per controller: cpu, memory, pids, ...).  On a
 * hybrid host (v1 controllers plus cgroup2 at /sys/fs/cgroup/unified) the
 * v1 controllers enforce the limits.  INSTANCE separates reef instances
 * that run side by side (derived from the root override), so the path is
 * reef/INSTANCE/NAME under each hierarchy.
 */
struct cgroup_limits {
	uint64_t memory_bytes; /* 0: no limit */
	uint64_t cpu_quota_us; /* per cpu_period_us; 0: no limit */
	uint64_t cpu_period_us;
	uint64_t pids_max; /* 0: no limit */
};

enum cgroup_mode {
	CGROUP_MODE_V2,
	CGROUP_MODE_V1, /* includes hybrid hosts */
};

struct cgroup;

enum cgroup_mode cgroup_host_mode(void);

/* Creates the cgroup and applies LIMITS; on failure removes what it created. */
int cgroup_create(const char *instance, const char *name, const struct cgroup_limits *limits,
		  struct cgroup **ret, struct reef_error *err);
/* Opens an existing cgroup (for exec and delete); -ENOENT when absent. */
int cgroup_open(const char *instance, const char *name, struct cgroup **ret,
		struct reef_error *err);
int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct reef_error *err);
/* Kills every process left in the cgroup and removes its directories; absent is not an error. */
int cgroup_destroy(struct cgroup *cg, struct reef_error *err);
void cgroup_free(struct cgroup *cg);

/* Reads the current limits and usage for `reef info` and the tests. */
int cgroup_read_limits(struct cgroup *cg, struct cgroup_limits *ret, struct reef_error *err);

#endif
