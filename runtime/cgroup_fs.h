/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_CGROUP_FS_H
#define REEF_RUNTIME_CGROUP_FS_H

/* File-level helpers behind cgroup.c: mount discovery and interface files. */

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../common/error.h"

/* Controllers that reef uses, as bits of a hierarchy's controller set. */
enum {
	CG_CPU = 1 << 0,
	CG_MEMORY = 1 << 1,
	CG_PIDS = 1 << 2,
	CG_CPUSET = 1 << 3,
	CG_FREEZER = 1 << 4,
};

/* A mounted cgroup hierarchy. */
struct cgroup_mount {
	char path[PATH_MAX];
	unsigned controllers; /* CG_* bits */
	bool unified;	      /* cgroup2 */
};

/*
 * Lists the mounted hierarchies from /proc/self/mountinfo: each v1
 * hierarchy once (the first of its mounts) and the first cgroup2 mount.
 */
int cgroup_mounts_read(struct cgroup_mount *mounts, size_t max, size_t *ret_n,
		       struct reef_error *err);
/* Does the work of cgroup_mounts_read on mountinfo text read from F. */
int cgroup_mounts_parse(FILE *f, struct cgroup_mount *mounts, size_t max, size_t *ret_n,
			struct reef_error *err);

const char *cgroup_controller_name(unsigned controller);

/* Reads a list of controllers (DIR/cgroup.controllers or DIR/cgroup.subtree_control) into CG_* bits. */
int cgroup_v2_controllers_read(const char *dir, const char *file, unsigned *ret,
			       struct reef_error *err);

/* Reads DIR/FILE into BUF (NUL-terminated); -ENOENT when the file does not exist. */
int cgroup_file_read(const char *dir, const char *file, char *buf, size_t size,
		     struct reef_error *err);
/* Writes VALUE to DIR/FILE in one write(); -ENOENT when the file does not exist. */
int cgroup_file_write(const char *dir, const char *file, const char *value, struct reef_error *err);
int cgroup_file_write_u64(const char *dir, const char *file, uint64_t value,
			  struct reef_error *err);

/* Sends SIGKILL to every process in DIR/cgroup.procs; RET_LEFT counts them (0 when DIR is gone). */
int cgroup_procs_kill(const char *dir, size_t *ret_left, struct reef_error *err);

/* Freezes or thaws the v1 freezer cgroup DIR; waits up to a second for FROZEN. */
void cgroup_v1_freeze(const char *dir, bool frozen);

/* Removes MOUNT/reef/INSTANCE and MOUNT/reef if they are empty. */
void cgroup_parents_prune(const char *mount, const char *instance);

#endif
