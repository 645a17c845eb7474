/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_MONITOR_H
#define REEF_RUNTIME_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/client.h"
#include "cgroup.h"
#include "container.h"

/* The per-container monitor process and what it owns. */
struct monitor {
	const struct reef_paths *paths;
	const struct container_config *config;
	char state_dir[PATH_MAX];
	char run_dir[PATH_MAX];
	struct cgroup *cgroup; /* created by the launcher before the fork */
	struct netd_client *client;
	json_t *networks; /* the attach replies */
	bool attached;	  /* an attach was attempted, so a detach is due */
	pid_t pid;	  /* the init, -1 before the clone */
	int pidfd;
	int output_fd; /* read end of the init's stdout and stderr */
};

/* Starts the container: everything up to the init's exec. */
int monitor_launch(struct monitor *m, struct reef_error *err);

#endif
