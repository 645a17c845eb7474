/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_CONTAINER_H
#define REEF_RUNTIME_CONTAINER_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../common/names.h"
#include "../common/paths.h"
#include "cgroup.h"

/*
 * Containers.  Each lives in STATE/containers/NAME: config.json (what to
 * run, written once at launch), state.json (the last known process and exit
 * status, rewritten by the monitor), console.log, and the overlayfs upper
 * and work directories.  RUN/containers/NAME holds what only matters while
 * the container runs: the monitor's lock and the mount points the init uses
 * before pivot_root.
 */

#define CONTAINER_NETWORKS_MAX 8

struct container_network {
	char network[REEF_NAME_MAX + 1];
	char address[64]; /* requested static address, or "" */
	char mac[18];	  /* requested MAC, or "" */
	bool antispoof;	  /* reef-netd drops what the container sends from other addresses */
	char **forwards;  /* added with 'reef port add', NULL-terminated; may be NULL */
	char **forced;	  /* added with 'reef port add --force', NULL-terminated; may be NULL */
};

struct container_config {
	char name[REEF_NAME_MAX + 1];
	char image[PATH_MAX];  /* what the user gave: an image name or a directory */
	char fingerprint[65];  /* the image's fingerprint, "" for a directory */
	char rootfs[PATH_MAX]; /* the lower layer: the image's rootfs or the directory */
	char **argv;	       /* NULL-terminated */
	char **env;	       /* NULL-terminated, "KEY=VALUE" */
	char **publish; /* port forwards on the first network, NULL-terminated; may be NULL */
	char workdir[PATH_MAX]; /* "" for / */
	bool init;		/* a reaper runs as pid 1 and the command as its child */
	bool privileged;	/* no user namespace, every capability, no seccomp */
	bool remove;		/* --rm: delete the container when its init exits */
	bool seccomp;		/* false with --security-opt seccomp=unconfined */
	uid_t uid;		/* the command's user and group in the container (image's User) */
	gid_t gid;
	uint64_t caps;
	struct cgroup_limits limits;
	struct container_network networks[CONTAINER_NETWORKS_MAX];
	size_t n_networks;
	uid_t id_base; /* host id of the container's root; 0 when privileged */
	uid_t id_count;
	char created[32]; /* RFC 3339, UTC */
};

void container_config_clear(struct container_config *config);

/* The container's process state, as recorded by the monitor and checked against /proc. */
enum container_status {
	CONTAINER_STOPPED,
	CONTAINER_RUNNING,
};

struct container_state {
	enum container_status status;
	pid_t pid;	       /* the init, in the host's pid namespace; 0 when stopped */
	uint64_t pid_start;    /* its start time in clock ticks since boot, from /proc/PID/stat */
	bool monitored;	       /* the monitor holds its lock */
	long long started_at;  /* seconds since the epoch; 0 when never started */
	long long finished_at; /* 0 while running or when never recorded */
	int exit_code;	       /* -1 when unknown (never ran, or the monitor died) */
	int exit_signal;       /* 0 when the init exited normally */
	json_t *networks;      /* the attach replies, an array; NULL when none */
};

void container_state_clear(struct container_state *state);

/* Directory helpers: DIR of NAME under STATE or RUN. */
int container_state_dir(const struct reef_paths *paths, const char *name, char ret[PATH_MAX],
			struct reef_error *err);
int container_run_dir(const struct reef_paths *paths, const char *name, char ret[PATH_MAX],
		      struct reef_error *err);

/* The name that separates this reef instance's cgroups from other instances'. */
void container_cgroup_instance(const struct reef_paths *paths, char ret[32]);

int container_config_write(const struct reef_paths *paths, const struct container_config *config,
			   struct reef_error *err);
int container_config_read(const struct reef_paths *paths, const char *name,
			  struct container_config *ret, struct reef_error *err);
/*
 * Resolves the image's User ("uid[:gid]", "name[:group]") against the passwd
 * and group files of the image at ROOTFS.
 */
int container_user_resolve(const char *rootfs, const char *user, uid_t *ret_uid, gid_t *ret_gid,
			   struct reef_error *err);
/*
 * Records in NAME's config that forward SPEC to NETWORK was added, with FORCE
 * when it may take a port from a host process, so that start requests it
 * again the same way.  With ADD false, records that SPEC was removed (from
 * every network and from the published ports).
 */
int container_forward_record(const struct reef_paths *paths, const char *name, const char *network,
			     const char *spec, bool add, bool force, struct reef_error *err);
/*
 * Returns the forwards that CONFIG requests at every start, as an array of
 * {"network", "forward", "force"} objects: the -p forwards of 'reef launch'
 * (on the first network) when WITH_PUBLISHED, and those of 'reef port add'.
 */
json_t *container_forwards_json(const struct container_config *config, bool with_published);
int container_state_write(const struct reef_paths *paths, const char *name,
			  const struct container_state *state, struct reef_error *err);
/*
 * Reads NAME's state and checks it against the kernel: a container whose
 * init is gone (the monitor died, or the host rebooted) reads as stopped.
 */
int container_state_read(const struct reef_paths *paths, const char *name,
			 struct container_state *ret, struct reef_error *err);

/* Returns -ENOENT, with a message on how to list containers, when NAME does not exist. */
int container_check_exists(const struct reef_paths *paths, const char *name,
			   struct reef_error *err);

/*
 * Creates the container's directories and config from CONFIG and starts it.
 * Returns once the command runs (or failed to start, in which case nothing
 * of the container is left).
 */
int container_launch(const struct reef_paths *paths, struct container_config *config,
		     struct reef_error *err);
/* Starts a stopped container again with its saved config and upper layer. */
int container_start(const struct reef_paths *paths, const char *name, struct reef_error *err);
/*
 * Sends SIGTERM to the init, SIGKILL after TIMEOUT seconds, and waits
 * until the monitor has detached the networks and removed the cgroup.
 */
int container_stop(const struct reef_paths *paths, const char *name, int timeout,
		   struct reef_error *err);
/* Deletes a stopped container, or a running one when FORCE (killing it first). */
int container_delete(const struct reef_paths *paths, const char *name, bool force,
		     struct reef_error *err);
/*
 * Removes what a container whose monitor died left behind: endpoints in
 * reef-netd, the cgroup, the runtime directory.  Missing pieces are fine.
 */
int container_cleanup(const struct reef_paths *paths, const struct container_config *config,
		      struct reef_error *err);

struct container_exec_options {
	char **argv;
	char **env; /* extra "KEY=VALUE" entries, NULL-terminated; may be NULL */
	bool tty;
};

/* Runs a command inside the running container NAME; *RET_STATUS is its exit status. */
int container_exec(const struct reef_paths *paths, const char *name,
		   const struct container_exec_options *options, int *ret_status,
		   struct reef_error *err);

/*
 * Writes the container's log to FD, only its last TAIL lines when TAIL >= 0;
 * with FOLLOW keeps writing until the container stops.
 */
int container_logs(const struct reef_paths *paths, const char *name, bool follow, long tail, int fd,
		   struct reef_error *err);

/* Fills RET with the names of every container, sorted; free with container_names_free. */
int container_names(const struct reef_paths *paths, char ***ret, size_t *ret_count,
		    struct reef_error *err);
void container_names_free(char **names, size_t count);

#endif
