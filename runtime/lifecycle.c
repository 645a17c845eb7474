/* SPDX-License-Identifier: MIT */
/* Launch, start, stop and delete. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/client.h"
#include "internal.h"

/* Creates STATE/containers/NAME; EEXIST when the name is taken. */
static int container_dir_create(const struct reef_paths *paths, const struct container_config *c,
				char dir[PATH_MAX], struct reef_error *err)
{
	char sub[PATH_MAX + 16];
	int r;

	r = mkdir_parents(paths->containers, 0711, err);
	if (r < 0)
		return r;
	r = container_state_dir(paths, c->name, dir, err);
	if (r < 0)
		return r;
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			return error_set(err, EEXIST,
					 "name '%s' is already in use: choose another name, or "
					 "remove the container with 'reef delete %s'",
					 c->name, c->name);
		return error_set_errno(err, errno, "create '%s'", dir);
	}
	/* The upper and work layers belong to the container's root. */
	for (const char *const *name = (const char *const[]){ "upper", "work", NULL }; *name;
	     name++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, *name);
		if (mkdir(sub, 0755) < 0)
			return error_set_errno(err, errno, "create '%s'", sub);
		if (c->id_base && chown(sub, c->id_base, c->id_base) < 0)
			return error_set_errno(err, errno, "change owner of '%s'", sub);
	}
	return 0;
}

/*
 * Checks that others may search every directory above DIR: the container's
 * root resolves its layers and mount points by path from inside its user
 * namespace, where it is an unprivileged host user.
 */
static int path_searchable_check(const char *dir, struct reef_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(path, sizeof(path), "%s", dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH))
			return error_set(
				err, EACCES,
				"directory '%s' is not searchable by other users (mode %04o), "
				"but the container's unprivileged root must reach its layers "
				"below it: run 'chmod o+x %s', or use another --root",
				path, (unsigned)(st.st_mode & 07777), path);
	}
	return 0;
}

/*
 * Lets others search reef's own state and runtime directories (not list
 * them), which other parts of reef may have created 0700.
 */
static int dirs_open_search(const struct reef_paths *paths, struct reef_error *err)
{
	const char *dirs[] = { paths->state_dir, paths->run_dir };
	struct stat st;
	int r;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		r = mkdir_parents(dirs[i], 0711, err);
		if (r < 0)
			return r;
		if (stat(dirs[i], &st) < 0)
			return error_set_errno(err, errno, "stat '%s'", dirs[i]);
		if ((st.st_mode & S_IXOTH) == 0 && chmod(dirs[i], (st.st_mode & 07777) | 0011) < 0)
			return error_set_errno(err, errno, "let others search '%s'", dirs[i]);
	}
	return 0;
}

int container_launch(const struct reef_paths *paths, struct container_config *config,
		     struct reef_error *err)
{
	char dir[PATH_MAX];
	struct tm tm;
	time_t now = time(NULL);
	int r;

	r = name_validate("container", config->name, err);
	if (r < 0)
		return r;
	if (!config->privileged) {
		r = idmap_range(&config->id_base, &config->id_count, err);
		if (r == 0)
			r = dirs_open_search(paths, err);
		if (r == 0)
			r = path_searchable_check(paths->containers, err);
		if (r == 0)
			r = path_searchable_check(paths->run_dir, err);
		if (r < 0)
			return r;
	}
	gmtime_r(&now, &tm);
	strftime(config->created, sizeof(config->created), "%Y-%m-%dT%H:%M:%SZ", &tm);

	r = container_dir_create(paths, config, dir, err);
	if (r == -EEXIST)
		return r;
	if (r == 0)
		r = container_config_write(paths, config, err);
	if (r == 0)
		r = monitor_spawn(paths, config, err);
	/* A failed launch leaves no trace: the monitor has undone its part already. */
	if (r < 0)
		tree_remove(dir, NULL);
	return r;
}

/*
 * Explains a start that failed with R because a network of CONFIG was
 * deleted since the launch: reef-netd's "network not found" does not say
 * that the container still names it.  Asks only after a failure.
 */
static int start_failure_explain(const struct reef_paths *paths,
				 const struct container_config *config, int r,
				 struct reef_error *err)
{
	struct netd_client *client = NULL;
	struct reef_error ignored = { 0 };
	char path[REEF_NAME_MAX + 32];

	if (r != -ENOENT || config->n_networks == 0 ||
	    netd_client_new(paths, &client, &ignored) < 0)
		return r;
	for (size_t i = 0; i < config->n_networks; i++) {
		const char *network = config->networks[i].network;

		snprintf(path, sizeof(path), "/v1/networks/%s", network);
		if (netd_client_request(client, "GET", path, NULL, NULL, &ignored) != -ENOENT)
			continue;
		r = error_set(err, ENOENT,
			      "network '%s' of '%s' no longer exists: create it again with 'reef "
			      "network create %s' and its former options, or delete the container "
			      "with 'reef delete %s'",
			      network, config->name, network, config->name);
		break;
	}
	netd_client_free(client);
	return r;
}

int container_start(const struct reef_paths *paths, const char *name, struct reef_error *err)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	int r;

	r = container_config_read(paths, name, &config, err);
	if (r < 0)
		return r;
	r = container_state_read(paths, name, &state, err);
	if (r == 0 && state.status == CONTAINER_RUNNING)
		r = error_set(err, EEXIST, "container '%s' is already running", name);
	container_state_clear(&state);
	/* Whatever a monitor that died left behind goes before the new start. */
	if (r == 0)
		r = container_cleanup(paths, &config, err);
	if (r == 0)
		r = monitor_spawn(paths, &config, err);
	r = start_failure_explain(paths, &config, r, err);
	container_config_clear(&config);
	return r;
}

static int pidfd_open_checked(const struct container_state *state, int *ret_fd)
{
	int fd = (int)syscall(SYS_pidfd_open, state->pid, 0);

	if (fd < 0)
		return -errno;
	/* The pid may have been reused between the state check and the open. */
	if (process_start_time(state->pid) != state->pid_start) {
		close(fd);
		return -ESRCH;
	}
	*ret_fd = fd;
	return 0;
}

/* Waits up to TIMEOUT_MS for the process behind PIDFD to exit; true when it did. */
static bool pidfd_wait(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/* Waits until the monitor released its lock, that is, finished its cleanup. */
static bool monitor_wait(const struct reef_paths *paths, const char *name, int timeout_ms)
{
	struct timespec step = { 0, 2 * 1000 * 1000 };

	for (int waited = 0; waited < timeout_ms; waited += 2) {
		if (!monitor_is_alive(paths, name))
			return true;
		nanosleep(&step, NULL);
	}
	return false;
}

static int init_signal_and_wait(const struct reef_paths *paths, const char *name,
				const struct container_state *state, int timeout,
				struct reef_error *err)
{
	_cleanup_(close_fd) int pidfd = -1;
	int r;

	r = pidfd_open_checked(state, &pidfd);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return error_set_errno(err, -r, "open the init of '%s'", name);
	if (timeout > 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
		if (pidfd_wait(pidfd, timeout * 1000))
			return 0;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return error_set_errno(err, errno, "kill the init of '%s'", name);
	if (!pidfd_wait(pidfd, 10000))
		return error_set(err, ETIMEDOUT, "the init of '%s' did not exit after SIGKILL",
				 name);
	return 0;
}

int container_stop(const struct reef_paths *paths, const char *name, int timeout,
		   struct reef_error *err)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	int r;

	r = container_config_read(paths, name, &config, err);
	if (r < 0)
		return r;
	r = container_state_read(paths, name, &state, err);
	if (r == 0 && state.status != CONTAINER_RUNNING)
		r = error_set(err, EINVAL, "container '%s' is not running", name);
	if (r == 0)
		r = init_signal_and_wait(paths, name, &state, timeout, err);
	if (r == 0 && !monitor_wait(paths, name, 15000))
		r = error_set(err, ETIMEDOUT, "the monitor of '%s' did not finish its cleanup",
			      name);
	/* Without a monitor no other process removes the cgroup and the endpoints. */
	if (r == 0 && !config.remove && !state.monitored)
		r = container_cleanup(paths, &config, err);
	container_state_clear(&state);
	container_config_clear(&config);
	return r;
}

int container_cleanup(const struct reef_paths *paths, const struct container_config *config,
		      struct reef_error *err)
{
	struct netd_client *client = NULL;
	struct cgroup *cgroup = NULL;
	char instance[32], dir[PATH_MAX], path[PATH_MAX];
	int r;

	if (config->n_networks && netd_client_new(paths, &client, err) == 0) {
		snprintf(path, sizeof(path), "/v1/endpoints/%s", config->name);
		r = netd_client_request(client, "DELETE", path, NULL, NULL, err);
		netd_client_free(client);
		/* reef-netd releases the endpoints of gone containers itself when it starts. */
		if (r < 0 && r != -ENOENT && r != -ECONNREFUSED)
			return error_prefix(err, "detach '%s'", config->name);
	}
	container_cgroup_instance(paths, instance);
	r = cgroup_open(instance, config->name, &cgroup, err);
	if (r == 0) {
		r = cgroup_destroy(cgroup, err);
		cgroup_free(cgroup);
	}
	if (r < 0 && r != -ENOENT)
		return error_prefix(err, "remove the cgroup of '%s'", config->name);
	r = container_run_dir(paths, config->name, dir, err);
	if (r == 0)
		r = tree_remove(dir, err);
	return r;
}

int container_delete(const struct reef_paths *paths, const char *name, bool force,
		     struct reef_error *err)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	char dir[PATH_MAX];
	int r;

	r = container_config_read(paths, name, &config, err);
	if (r < 0)
		return r;
	r = container_state_read(paths, name, &state, err);
	if (r == 0 && state.status == CONTAINER_RUNNING) {
		if (!force)
			r = error_set(err, EBUSY,
				      "container '%s' is running: stop it first, or delete it with "
				      "--force",
				      name);
		else
			r = container_stop(paths, name, 0, err);
	}
	/* A monitor still cleaning up after its init finishes before the directory goes. */
	if (r == 0 && !monitor_wait(paths, name, 15000))
		r = error_set(err, ETIMEDOUT, "the monitor of '%s' did not finish its cleanup",
			      name);
	if (r == 0)
		r = container_cleanup(paths, &config, err);
	if (r == 0)
		r = container_state_dir(paths, name, dir, err);
	if (r == 0)
		r = tree_remove(dir, err);
	container_state_clear(&state);
	container_config_clear(&config);
	return r;
}
