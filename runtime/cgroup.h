/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_CGROUP_H
#define REEF_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
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

/* The maximum number of hierarchies a container joins: every mounted v1 hierarchy plus cgroup2. */
#define CGROUP_HIERARCHY_MAX 24

/*
 * Descriptors through which a new process enters a container's cgroup
 * without a move by pid.  A move by pid (writing a pid to cgroup.procs)
 * takes the kernel's global cgroup_threadgroup_rwsem for writing, and the
 * first writer after a quiet period waits for an RCU grace period: 6 to 13
 * ms measured on Linux 6.18 with HZ=250.  Two ways avoid that lock.
 * clone3() with CLONE_INTO_CGROUP (Linux 5.7) places the child in a cgroup2
 * cgroup as it is born.  A single-threaded process that writes "0" to a v1
 * hierarchy's 'tasks' file moves only the calling thread, and for that the
 * kernel skips the global lock (0.15 ms measured on the same host).  The
 * caller opens the 'tasks' files because the kernel checks the credentials
 * of the opener, so a child in a new user namespace can still use them.
 */
struct cgroup_entry {
	int unified_fd; /* the cgroup2 directory, for CLONE_INTO_CGROUP; -1 when none */
	/* its cgroup.procs, for a move by "0" where the kernel lacks CLONE_INTO_CGROUP */
	int unified_procs_fd;
	const char *unified_dir;
	size_t n_tasks;
	int tasks_fd[CGROUP_HIERARCHY_MAX]; /* each v1 hierarchy's 'tasks' file, write only */
	/* the directories of tasks_fd, for errors, pointing into the struct cgroup */
	const char *tasks_dir[CGROUP_HIERARCHY_MAX];
};

enum cgroup_mode cgroup_host_mode(void);

/* Creates the cgroup and applies LIMITS; on failure removes what it created. */
int cgroup_create(const char *instance, const char *name, const struct cgroup_limits *limits,
		  struct cgroup **ret, struct reef_error *err);
/* Opens an existing cgroup (for exec and delete); -ENOENT when absent. */
int cgroup_open(const char *instance, const char *name, struct cgroup **ret,
		struct reef_error *err);
int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct reef_error *err);

/* Opens the descriptors of ENTRY; *RET stays valid while CG lives. */
int cgroup_entry_open(const struct cgroup *cg, struct cgroup_entry *ret, struct reef_error *err);
/*
 * Moves the calling single-threaded process into each v1 hierarchy of
 * ENTRY, and into the cgroup2 one unless clone3() placed it there already
 * (BORN_IN_UNIFIED).  Closes every descriptor of ENTRY.  On failure returns
 * -errno and sets *RET_DIR to the directory that rejected the move.
 */
int cgroup_entry_join(struct cgroup_entry *entry, bool born_in_unified, const char **ret_dir);
/* Closes what ENTRY still holds; safe to call twice. */
void cgroup_entry_close(struct cgroup_entry *entry);
/* Kills every process left in the cgroup and removes its directories; absent is not an error. */
int cgroup_destroy(struct cgroup *cg, struct reef_error *err);
void cgroup_free(struct cgroup *cg);

/* Reads the current limits and usage for `reef info` and the tests. */
int cgroup_read_limits(struct cgroup *cg, struct cgroup_limits *ret, struct reef_error *err);

#endif
