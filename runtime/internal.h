/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_INTERNAL_H
#define REEF_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "container.h"
#include "security.h"

/* Shared by the runtime's own files; not part of its interface. */

void strv_free(char **strv);
char **strv_copy(char *const *strv);
int file_write_atomic(const char *dir, const char *file, const char *text, size_t len,
		      struct reef_error *err);
/* Returns PID's start time in clock ticks since boot, or 0 when it has exited (or is a zombie). */
uint64_t process_start_time(pid_t pid);
void boot_id_read(char ret[40]);
bool monitor_is_alive(const struct reef_paths *paths, const char *name);
/* Removes DIR and everything below it without crossing into other mounts; absent is fine. */
int tree_remove(const char *dir, struct reef_error *err);

/* The host id range of unprivileged containers: root's /etc/subuid entry, else a fixed base. */
#define ID_BASE_DEFAULT 1000000
#define ID_COUNT	65536
int idmap_range(uid_t *ret_base, uid_t *ret_count, struct reef_error *err);
/* Writes PID's uid_map and gid_map: container 0..COUNT-1 to host BASE..BASE+COUNT-1. */
int idmap_write(pid_t pid, uid_t base, uid_t count, struct reef_error *err);
/*
 * Returns a detached copy of the mount at DIR, id-mapped through the user
 * namespace of PID, as an O_PATH file descriptor for the child to attach.
 */
int idmap_mount_open(const char *dir, pid_t pid, int *ret_fd, struct reef_error *err);
/*
 * Makes DIR_COPY a copy of ROOTFS with every owner shifted by BASE, for
 * kernels or filesystems that cannot id-map ROOTFS; kept across restarts.
 */
int idmap_copy_shifted(const char *rootfs, const char *dir_copy, uid_t base,
		       struct reef_error *err);

/*
 * Messages on the socket between the monitor and the container's init.  The
 * monitor sends the go-ahead twice.  The first carries the lower layer, and
 * the init mounts its rootfs, pivots and drops privileges while the monitor
 * attaches its networks.  The second carries /etc/hosts and
 * /etc/resolv.conf from the attach replies, and the init writes them and
 * execs.
 */
struct launch_go {
	char hosts[2048];
	char resolv[1024];
	bool have_mount_fd; /* the id-mapped lower layer travels as SCM_RIGHTS */
	char lower[4096];   /* the lower layer's directory when it is not id-mapped */
};

struct launch_failure {
	int errnum;
	char step[512];
};

/* The container init's inputs from the monitor, fixed before the clone. */
struct launch_plan {
	const struct container_config *config;
	char state_dir[PATH_MAX];
	char run_dir[PATH_MAX];
	int sync_fd;   /* the init's end of the socket */
	int output_fd; /* write end of the log pipe: stdout and stderr */
	struct seccomp_filter filter;
	bool have_filter;
	struct cgroup_entry cgroup; /* the init joins its cgroup through it first */
	bool born_in_unified;	    /* clone3() placed the init in the cgroup2 directory */
};

/*
 * Gives every signal its default action and empties the signal mask, as runc
 * does before the exec.  A process inherits ignored signals and the mask from
 * its caller: the monitor ignores SIGPIPE, and Python ignores SIGXFSZ.  A
 * command that ignores SIGPIPE spins on EPIPE instead of dying.
 */
void signals_reset(void);

/* The container's init: sets everything up and execs; never returns. */
__attribute__((noreturn)) void child_main(struct launch_plan *plan);

/* Sends a failure on FD: STEP names what failed, ERRNUM why. */
void launch_failure_send(int fd, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Mounts the container's root filesystem and everything below it, and
 * leaves the init in its top directory; returns 0 or sends a failure.
 */
int rootfs_mount(struct launch_plan *plan, const struct launch_go *go, int mount_fd);
/* Writes /etc/hostname and pivots into the rootfs. */
int rootfs_enter(struct launch_plan *plan);
/* Writes /etc/hosts and /etc/resolv.conf from GO, after the pivot. */
int rootfs_write_network(struct launch_plan *plan, const struct launch_go *go);

/* The monitor: forks off, starts the container, stays as the init's parent. */
int monitor_spawn(const struct reef_paths *paths, const struct container_config *config,
		  struct reef_error *err);

/* Capability set and seccomp use shared by launch and exec. */
uint64_t container_effective_caps(const struct container_config *config);

#endif
