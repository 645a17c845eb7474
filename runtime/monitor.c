/* SPDX-License-Identifier: MIT */
/*
 * The monitor: one process per running container, detached from the caller
 * (double fork, setsid).  It stays the init's parent, copies the init's
 * output into a size-bounded log, reaps it, records the exit status, and
 * then detaches the networks and removes the cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "internal.h"
#include "monitor.h"

/* Each log file is at most this large; one older file is kept beside it. */
#define LOG_FILE_MAX (1024 * 1024)

struct log_file {
	char path[PATH_MAX + 16];
	char old_path[PATH_MAX + 16];
	int fd;
	off_t size;
};

static int log_open(struct log_file *log, const char *state_dir)
{
	struct stat st;

	snprintf(log->path, sizeof(log->path), "%s/console.log", state_dir);
	snprintf(log->old_path, sizeof(log->old_path), "%s/console.log.1", state_dir);
	log->fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return -errno;
	log->size = fstat(log->fd, &st) == 0 ? st.st_size : 0;
	return 0;
}

static void log_append(struct log_file *log, const char *data, size_t len)
{
	if (log->size + (off_t)len > LOG_FILE_MAX) {
		rename(log->path, log->old_path);
		close(log->fd);
		log->size = 0;
		log->fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (log->fd < 0)
			return;
	}
	if (write(log->fd, data, len) == (ssize_t)len)
		log->size += (off_t)len;
}

/* Copies what the init wrote into the log; returns false at end of file. */
static bool output_drain(struct monitor *m, struct log_file *log)
{
	char buf[16384];
	ssize_t n = read(m->output_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (log->fd >= 0)
		log_append(log, buf, (size_t)n);
	return true;
}

static void init_kill(struct monitor *m)
{
	siginfo_t info;

	if (m->pidfd < 0)
		return;
	syscall(SYS_pidfd_send_signal, m->pidfd, SIGKILL, NULL, 0);
	waitid(P_PIDFD, (id_t)m->pidfd, &info, WEXITED);
	close(m->pidfd);
	m->pidfd = -1;
}

/* How long the monitor waits for reef-netd to delete a detached container's veths. */
#define LINK_GONE_TIMEOUT_MS 5000

/*
 * Waits until no interface of this network namespace has a name in NAMES,
 * so that what reef-netd still deletes after the detach reply is gone when
 * the container is.  Polls: a veth takes the kernel tens of milliseconds.
 */
static void links_wait_gone(const struct monitor *m, json_t *names)
{
	const struct timespec step = { .tv_nsec = 1000000 };
	size_t i;
	json_t *name;

	json_array_foreach (names, i, name) {
		const char *ifname = json_string_value(name);
		int waited = 0;

		while (ifname && if_nametoindex(ifname) != 0 && waited < LINK_GONE_TIMEOUT_MS) {
			nanosleep(&step, NULL);
			waited++;
		}
		if (ifname && waited == LINK_GONE_TIMEOUT_MS)
			log_warning("'%s': interface '%s' still exists %d ms after the detach, "
				    "ignoring",
				    m->config->name, ifname, LINK_GONE_TIMEOUT_MS);
	}
}

/* Detaches the networks and removes the cgroup; each failure is logged and the rest goes on. */
static void monitor_teardown(struct monitor *m)
{
	struct reef_error err = { 0 };
	json_t *reply = NULL;
	char path[PATH_MAX];

	/* reef-netd replies before it deletes the veths, so other requests need not wait. */
	if (m->attached) {
		if (!m->client)
			netd_client_new(m->paths, &m->client, NULL);
		snprintf(path, sizeof(path), "/v1/endpoints/%s?wait=false", m->config->name);
		if (m->client &&
		    netd_client_request(m->client, "DELETE", path, NULL, &reply, &err) < 0 &&
		    err.errnum != ENOENT)
			log_warning("'%s': detach networks: %s, ignoring", m->config->name,
				    err.message);
	}
	if (m->cgroup && cgroup_destroy(m->cgroup, &err) < 0)
		log_warning("'%s': remove cgroup: %s, ignoring", m->config->name, err.message);
	links_wait_gone(m, json_object_get(reply, "deleting"));
	json_decref(reply);
	cgroup_free(m->cgroup);
	m->cgroup = NULL;
	netd_client_free(m->client);
	m->client = NULL;
	json_decref(m->networks);
	m->networks = NULL;
}

static void state_record_exit(struct monitor *m, const siginfo_t *info, long long started_at)
{
	struct container_state state = {
		.status = CONTAINER_STOPPED,
		.started_at = started_at,
		.finished_at = (long long)time(NULL),
		.exit_code = -1,
	};
	struct reef_error err = { 0 };

	if (info->si_code == CLD_EXITED)
		state.exit_code = info->si_status;
	else
		state.exit_signal = info->si_status;
	if (container_state_write(m->paths, m->config->name, &state, &err) < 0)
		log_warning("'%s': record exit status: %s", m->config->name, err.message);
}

/* Follows the running container until its init exits; then cleans up after it. */
static void monitor_follow(struct monitor *m, long long started_at)
{
	struct log_file log = { .fd = -1 };
	struct pollfd fds[2] = {
		{ .fd = m->output_fd, .events = POLLIN },
		{ .fd = m->pidfd, .events = POLLIN },
	};
	siginfo_t info = { 0 };

	log_open(&log, m->state_dir);
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents && !output_drain(m, &log))
			fds[0].fd = -1;
		if (fds[1].revents)
			break;
	}
	waitid(P_PIDFD, (id_t)m->pidfd, &info, WEXITED);
	close(m->pidfd);
	m->pidfd = -1;

	/* The whole pid namespace dies with its init, so every writer is gone soon. */
	fcntl(m->output_fd, F_SETFL, O_NONBLOCK);
	while (fds[0].fd >= 0 && poll(fds, 1, 1000) > 0 && output_drain(m, &log))
		;
	if (log.fd >= 0)
		close(log.fd);

	monitor_teardown(m);
	state_record_exit(m, &info, started_at);
}

static int monitor_start(struct monitor *m, long long *ret_started_at, struct reef_error *err)
{
	struct container_state state = { .status = CONTAINER_RUNNING, .exit_code = -1 };
	int r;

	r = monitor_launch(m, err);
	if (r < 0)
		return r;
	state.pid = m->pid;
	state.pid_start = process_start_time(m->pid);
	state.started_at = (long long)time(NULL);
	state.networks = m->networks;
	r = container_state_write(m->paths, m->config->name, &state, err);
	if (r < 0)
		return r;
	*ret_started_at = state.started_at;
	return 0;
}

/* The monitor process: RESULT_FD receives one struct reef_error (errnum 0 on success). */
static __attribute__((noreturn)) void monitor_main(const struct reef_paths *paths,
						   const struct container_config *config,
						   struct cgroup *cgroup, int result_fd,
						   int lock_fd)
{
	struct monitor m = { .paths = paths,
			     .config = config,
			     .cgroup = cgroup,
			     .pid = -1,
			     .pidfd = -1,
			     .output_fd = -1 };
	struct reef_error err = { 0 };
	long long started_at = 0;
	int r;

	container_state_dir(paths, config->name, m.state_dir, NULL);
	container_run_dir(paths, config->name, m.run_dir, NULL);

	r = monitor_start(&m, &started_at, &err);
	if (r < 0) {
		init_kill(&m);
		monitor_teardown(&m);
		tree_remove(m.run_dir, NULL);
	}
	if (write(result_fd, &err, sizeof(err)) != (ssize_t)sizeof(err))
		log_warning("'%s': report the launch result: %m", config->name);
	close(result_fd);
	if (r < 0) {
		close(lock_fd);
		_exit(1);
	}

	monitor_follow(&m, started_at);
	if (config->remove) {
		if (tree_remove(m.state_dir, &err) < 0)
			log_warning("'%s': remove after exit: %s", config->name, err.message);
	}
	tree_remove(m.run_dir, NULL);
	close(lock_fd);
	_exit(0);
}

/* Opens and locks RUN/containers/NAME/monitor.lock, which shows the monitor alive. */
static int monitor_lock(const char *run_dir, int *ret_fd, struct reef_error *err)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/monitor.lock", run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "create '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return error_set(err, EBUSY, "another monitor runs the container");
	}
	*ret_fd = fd;
	return 0;
}

/* Detaches the process from the caller: new session, standard streams to /dev/null or the log. */
static void monitor_detach(const char *state_dir, int result_fd, int lock_fd)
{
	char path[PATH_MAX + 16];
	int null = open("/dev/null", O_RDWR);
	int log;

	snprintf(path, sizeof(path), "%s/monitor.log", state_dir);
	log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0640);
	dup2(null, 0);
	dup2(null, 1);
	dup2(log >= 0 ? log : null, 2);
	/*
	 * Keep no descriptor of the caller's: a test harness waits for all of them to
	 * close.  Both survivors move out of the way first, so neither dup2 overwrites
	 * the other.
	 */
	result_fd = fcntl(result_fd, F_DUPFD_CLOEXEC, 10);
	lock_fd = fcntl(lock_fd, F_DUPFD_CLOEXEC, 10);
	dup2(result_fd, 3);
	dup2(lock_fd, 4);
	syscall(SYS_close_range, 5, ~0U, 0);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	setsid();
	prctl(PR_SET_NAME, "reef-monitor");
	signal(SIGPIPE, SIG_IGN);
	log_init("reef-monitor", LOG_INFO);
}

/* Reads the monitor's launch report: 0, or the launch's error. */
static int monitor_report_read(int fd, const char *state_dir, struct reef_error *err)
{
	struct reef_error result = { 0 };
	ssize_t n;

	do
		n = read(fd, &result, sizeof(result));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(result))
		return error_set(err, EIO,
				 "the monitor exited before it reported: see '%s/monitor.log'",
				 state_dir);
	if (result.errnum) {
		*err = result;
		return -result.errnum;
	}
	return 0;
}

int monitor_spawn(const struct reef_paths *paths, const struct container_config *config,
		  struct reef_error *err)
{
	char run_dir[PATH_MAX], state_dir[PATH_MAX], instance[32];
	_cleanup_(close_fd) int lock_fd = -1;
	struct cgroup *cgroup = NULL;
	int pipefd[2] = { -1, -1 }, status;
	pid_t pid;
	int r;

	r = container_run_dir(paths, config->name, run_dir, err);
	if (r == 0)
		r = container_state_dir(paths, config->name, state_dir, err);
	if (r == 0)
		r = mkdir_parents(run_dir, 0711, err);
	if (r == 0)
		r = monitor_lock(run_dir, &lock_fd, err);
	if (r < 0)
		return r;
	container_cgroup_instance(paths, instance);
	r = cgroup_create(instance, config->name, &config->limits, &cgroup, err);
	if (r < 0)
		return r;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = error_set_errno(err, errno, "create the monitor's pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = error_set_errno(err, errno, "fork the monitor");
		goto out;
	}
	if (pid == 0) {
		monitor_detach(state_dir, pipefd[1], lock_fd);
		/* The second fork leaves a process that is no session leader and nobody's child. */
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		monitor_main(paths, config, cgroup, 3, 4);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	waitpid(pid, &status, 0);
	r = monitor_report_read(pipefd[0], state_dir, err);
	/* The monitor owns the cgroup now and removed it itself when the launch failed. */
	if (r != -EIO) {
		cgroup_free(cgroup);
		cgroup = NULL;
	}
out:
	if (cgroup) {
		cgroup_destroy(cgroup, NULL);
		cgroup_free(cgroup);
	}
	for (int i = 0; i < 2; i++)
		if (pipefd[i] >= 0)
			close(pipefd[i]);
	return r;
}
