/* SPDX-License-Identifier: MIT */
/*
 * exec: joins every namespace of a running container through a pidfd,
 * its cgroup, and its capabilities, no_new_privs and seccomp filter.  The
 * command's process enters the cgroup as the init does (see struct
 * cgroup_entry), so an exec does not wait for the kernel's global cgroup
 * lock.  The reef process itself stays outside the cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

struct exec_context {
	const struct container_config *config;
	const struct container_exec_options *options;
	struct seccomp_filter filter;
	bool have_filter;
	char **env;
	int pty_master;
	int pty_slave;
	int pidfd;	 /* the container's init */
	int cgroupns_fd; /* its cgroup namespace */
	struct cgroup *cgroup_dirs;
	struct cgroup_entry cgroup;
	bool born_in_unified; /* clone3() placed the command in the cgroup2 directory */
};

/* The exec's own entries, then the container's entries whose keys they do not set. */
static char **env_merge(char *const *base, char *const *extra)
{
	size_t n = 0, m = 0;
	char **env;

	while (base && base[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < m; i++)
		env[i] = extra[i];
	for (size_t i = 0, k = m; i < n; i++) {
		size_t key = strcspn(base[i], "=");
		bool overridden = false;

		for (size_t j = 0; j < m; j++)
			if (strncmp(extra[j], base[i], key + 1) == 0)
				overridden = true;
		if (!overridden)
			env[k++] = base[i];
	}
	return env;
}

/*
 * Opens a pseudo-terminal of the container's own devpts instance, through the
 * init's root, so that programs inside find their terminal under /dev/pts.
 * The peer comes from TIOCGPTPEER (Linux 4.13) because the path the master
 * reports names the container's /dev/pts, not the host's.  The slave then
 * belongs to the container's root and group tty (5), as devpts gives it to
 * processes inside.
 */
static int pty_open(struct exec_context *ctx, pid_t init, struct reef_error *err)
{
	const struct container_config *config = ctx->config;
	uid_t base = config->privileged ? 0 : config->id_base;
	char path[64];
	struct winsize ws;
	int unlock = 0;

	snprintf(path, sizeof(path), "/proc/%d/root/dev/pts/ptmx", (int)init);
	ctx->pty_master = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (ctx->pty_master < 0)
		return error_set_errno(err, errno, "open the container's pseudo-terminal '%s'",
				       path);
	if (ioctl(ctx->pty_master, TIOCSPTLCK, &unlock) < 0)
		return error_set_errno(err, errno, "unlock the pseudo-terminal");
	ctx->pty_slave = ioctl(ctx->pty_master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (ctx->pty_slave < 0)
		return error_set_errno(err, errno, "open the pseudo-terminal's peer");
	if (fchown(ctx->pty_slave, base, base + 5) < 0)
		return error_set_errno(err, errno, "give the pseudo-terminal to the container");
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(ctx->pty_master, TIOCSWINSZ, &ws);
	return 0;
}

/* In the forked child, inside the container: become its root and run the command. */
static __attribute__((noreturn)) void exec_child(struct exec_context *ctx)
{
	const struct container_config *config = ctx->config;
	struct reef_error err = { 0 };
	const char *step = NULL, *cgroup_dir = NULL;
	int r;

	r = cgroup_entry_join(&ctx->cgroup, ctx->born_in_unified, &cgroup_dir);
	if (r < 0) {
		fprintf(stderr, "reef: exec in '%s': join cgroup '%s': %s\n", config->name,
			cgroup_dir, strerror(-r));
		_exit(126);
	}
	/*
	 * Joined only now, through a namespace file: a second setns() through the
	 * pidfd fails its ptrace access check from inside the user namespace.
	 */
	if (setns(ctx->cgroupns_fd, CLONE_NEWCGROUP) < 0) {
		fprintf(stderr, "reef: exec in '%s': join the cgroup namespace: %m\n",
			config->name);
		_exit(126);
	}
	if (ctx->options->tty) {
		setsid();
		if (ioctl(ctx->pty_slave, TIOCSCTTY, 0) < 0 || dup2(ctx->pty_slave, 0) < 0 ||
		    dup2(ctx->pty_slave, 1) < 0 || dup2(ctx->pty_slave, 2) < 0)
			step = "attach the pseudo-terminal";
	}
	if (!step && !config->privileged &&
	    (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0))
		step = "become the container's root";
	if (!step && (config->uid || config->gid) &&
	    (setgroups(0, NULL) < 0 || setresgid(config->gid, config->gid, config->gid) < 0 ||
	     setresuid(config->uid, config->uid, config->uid) < 0))
		step = "become the image's user";
	if (!step && chdir(config->workdir[0] ? config->workdir : "/") < 0)
		step = "change directory";
	if (step) {
		fprintf(stderr, "reef: exec in '%s': %s: %m\n", config->name, step);
		_exit(126);
	}
	if (caps_apply(container_effective_caps(config), !config->privileged, &err) < 0 ||
	    (ctx->have_filter && seccomp_filter_install(&ctx->filter, &err) < 0)) {
		fprintf(stderr, "reef: exec in '%s': %s\n", config->name, err.message);
		_exit(126);
	}
	signals_reset();
	/* execvpe() searches the PATH of the current environment, so that must be the container's. */
	environ = ctx->env;
	execvpe(ctx->options->argv[0], ctx->options->argv, ctx->env);
	fprintf(stderr, "reef: exec in '%s': run '%s': %m\n", config->name, ctx->options->argv[0]);
	_exit(errno == ENOENT ? 127 : 126);
}

/* Copies between the caller's terminal and the pty until the command exits. */
static void pty_relay(struct exec_context *ctx, int sigfd)
{
	struct pollfd fds[3] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = ctx->pty_master, .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	char buf[8192];

	for (;;) {
		ssize_t n;

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0)
				fds[0].fd = -1;
			else if (write(ctx->pty_master, buf, (size_t)n) < 0)
				fds[0].fd = -1;
		}
		if (fds[1].revents) {
			n = read(ctx->pty_master, buf, sizeof(buf));
			/* EIO: every copy of the slave is closed, the command is gone. */
			if (n <= 0)
				return;
			if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
				return;
		}
		if (fds[2].revents) {
			struct signalfd_siginfo si;
			struct winsize ws;

			if (read(sigfd, &si, sizeof(si)) > 0 && si.ssi_signo == SIGWINCH &&
			    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(ctx->pty_master, TIOCSWINSZ, &ws);
		}
	}
}

static int exec_wait(struct exec_context *ctx, pid_t pid, int *ret_status)
{
	struct termios saved, raw;
	bool restore = false;
	int status;

	if (ctx->options->tty) {
		sigset_t mask;
		int sigfd;

		close(ctx->pty_slave);
		ctx->pty_slave = -1;
		if (tcgetattr(STDIN_FILENO, &saved) == 0) {
			raw = saved;
			cfmakeraw(&raw);
			restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		}
		sigemptyset(&mask);
		sigaddset(&mask, SIGWINCH);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
		pty_relay(ctx, sigfd);
		if (sigfd >= 0)
			close(sigfd);
		if (restore)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/*
 * Joins the container's namespaces except the cgroup namespace, which the
 * command joins after its cgroup, and opens the cgroup's files first:
 * inside the user namespace they are out of reach.
 */
static int exec_enter(struct exec_context *ctx, const struct reef_paths *paths,
		      const struct container_state *state, struct reef_error *err)
{
	const struct container_config *config = ctx->config;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;
	char instance[32];
	int r;

	char path[64];

	ctx->pidfd = (int)syscall(SYS_pidfd_open, state->pid, 0);
	if (ctx->pidfd < 0 || process_start_time(state->pid) != state->pid_start)
		return error_set(err, ESRCH, "container '%s' is not running", config->name);
	snprintf(path, sizeof(path), "/proc/%d/ns/cgroup", (int)state->pid);
	ctx->cgroupns_fd = open(path, O_RDONLY | O_CLOEXEC);
	/* The pid names the pidfd's process only while that one lives: check it after the open. */
	if (ctx->cgroupns_fd < 0 || syscall(SYS_pidfd_send_signal, ctx->pidfd, 0, NULL, 0) < 0)
		return error_set(err, ESRCH, "container '%s' is not running", config->name);

	container_cgroup_instance(paths, instance);
	r = cgroup_open(instance, config->name, &ctx->cgroup_dirs, err);
	if (r == 0)
		r = cgroup_entry_open(ctx->cgroup_dirs, &ctx->cgroup, err);
	if (r < 0)
		return error_prefix(err, "join the cgroup of '%s'", config->name);

	if (!config->privileged)
		flags |= CLONE_NEWUSER;
	if (setns(ctx->pidfd, flags) < 0)
		return error_set_errno(err, errno, "join the namespaces of '%s'", config->name);
	return 0;
}

/* Forks the command's process, into the cgroup2 directory as it is born where the kernel can. */
static pid_t exec_clone(struct exec_context *ctx)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	pid_t pid;

	ctx->born_in_unified = ctx->cgroup.unified_fd >= 0;
	if (ctx->born_in_unified) {
		args.flags = CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)ctx->cgroup.unified_fd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		/* Linux before 5.7: EINVAL, or E2BIG for the longer clone_args. */
		if (pid >= 0 || (errno != EINVAL && errno != E2BIG))
			return pid;
		ctx->born_in_unified = false;
	}
	return fork();
}

int container_exec(const struct reef_paths *paths, const char *name,
		   const struct container_exec_options *options, int *ret_status,
		   struct reef_error *err)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	struct exec_context ctx = {
		.config = &config,
		.options = options,
		.pty_master = -1,
		.pty_slave = -1,
		.pidfd = -1,
		.cgroupns_fd = -1,
		.cgroup = { .unified_fd = -1, .unified_procs_fd = -1 },
	};
	pid_t pid;
	int r;

	r = container_config_read(paths, name, &config, err);
	if (r == 0)
		r = container_state_read(paths, name, &state, err);
	if (r == 0 && state.status != CONTAINER_RUNNING)
		r = error_set(err, EINVAL,
			      "container '%s' is not running: start it with 'reef "
			      "start %s'",
			      name, name);
	if (r == 0 && config.seccomp && !config.privileged) {
		r = seccomp_filter_load(paths, "default", &ctx.filter, err);
		ctx.have_filter = r == 0;
	}
	if (r == 0 && !(ctx.env = env_merge(config.env, options->env)))
		r = error_set(err, ENOMEM, "allocate the environment");
	if (r == 0 && options->tty)
		r = pty_open(&ctx, state.pid, err);
	if (r == 0)
		r = exec_enter(&ctx, paths, &state, err);
	if (r == 0) {
		pid = exec_clone(&ctx);
		if (pid == 0)
			exec_child(&ctx);
		cgroup_entry_close(&ctx.cgroup);
		if (pid < 0)
			r = error_set_errno(err, errno, "fork into '%s'", name);
		else
			r = exec_wait(&ctx, pid, ret_status);
	}
	if (ctx.pty_master >= 0)
		close(ctx.pty_master);
	if (ctx.pty_slave >= 0)
		close(ctx.pty_slave);
	if (ctx.pidfd >= 0)
		close(ctx.pidfd);
	if (ctx.cgroupns_fd >= 0)
		close(ctx.cgroupns_fd);
	cgroup_entry_close(&ctx.cgroup);
	cgroup_free(ctx.cgroup_dirs);
	if (ctx.have_filter)
		seccomp_filter_clear(&ctx.filter);
	free(ctx.env);
	container_state_clear(&state);
	container_config_clear(&config);
	return r;
}
