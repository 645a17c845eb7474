/* SPDX-License-Identifier: MIT */
/* The container's init: waits for the monitor, sets itself up, and execs the command. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

void launch_failure_send(int fd, int errnum, const char *fmt, ...)
{
	struct launch_failure failure = { .errnum = errnum ? errnum : EIO };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(failure.step, sizeof(failure.step), fmt, ap);
	va_end(ap);
	/* Best effort: a monitor that is gone cannot report the failure anyway. */
	if (send(fd, &failure, sizeof(failure), MSG_NOSIGNAL) < 0)
		return;
}

/* Receives the go-ahead and, when sent, the id-mapped lower layer's mount fd. */
static int go_receive(int fd, struct launch_go *go, int *ret_mount_fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = go, .iov_len = sizeof(*go) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*ret_mount_fd = -1;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*go))
		return -EPIPE;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(ret_mount_fd, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}

static int identity_set(struct launch_plan *plan)
{
	/* Until now the init ran as the host's root, which the user namespace cannot map. */
	if (setresgid(0, 0, 0) < 0) {
		launch_failure_send(plan->sync_fd, errno, "set group id 0");
		return -1;
	}
	if (setgroups(0, NULL) < 0) {
		launch_failure_send(plan->sync_fd, errno, "drop supplementary groups");
		return -1;
	}
	if (setresuid(0, 0, 0) < 0) {
		launch_failure_send(plan->sync_fd, errno, "set user id 0");
		return -1;
	}
	return 0;
}

/* Brings lo up, as it is in every container runtime, with or without networks. */
static int loopback_up(struct launch_plan *plan)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_(close_fd) int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		launch_failure_send(plan->sync_fd, errno, "bring up lo");
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		launch_failure_send(plan->sync_fd, errno, "bring up lo");
		return -1;
	}
	return 0;
}

static int security_apply(struct launch_plan *plan)
{
	const struct container_config *config = plan->config;
	struct reef_error err = { 0 };

	if (caps_apply(container_effective_caps(config), !config->privileged, &err) < 0) {
		launch_failure_send(plan->sync_fd, err.errnum, "%s", err.message);
		return -1;
	}
	/* Set after the last credential change, which would clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		launch_failure_send(plan->sync_fd, errno, "set the parent-death signal");
		return -1;
	}
	if (plan->have_filter && seccomp_filter_install(&plan->filter, &err) < 0) {
		launch_failure_send(plan->sync_fd, err.errnum, "%s", err.message);
		return -1;
	}
	return 0;
}

static void command_exec(struct launch_plan *plan, const sigset_t *old_mask)
{
	const struct container_config *config = plan->config;

	sigprocmask(SIG_SETMASK, old_mask, NULL);
	/* The image's User: the kernel drops the capabilities on leaving uid 0, as in docker. */
	if ((config->uid || config->gid) &&
	    (setgroups(0, NULL) < 0 || setresgid(config->gid, config->gid, config->gid) < 0 ||
	     setresuid(config->uid, config->uid, config->uid) < 0)) {
		launch_failure_send(plan->sync_fd, errno, "set user %u:%u", (unsigned)config->uid,
				    (unsigned)config->gid);
		_exit(127);
	}
	/* A credential change clears the parent-death signal, which pid 1 needs. */
	if ((config->uid || config->gid) && getpid() == 1)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (config->workdir[0] && chdir(config->workdir) < 0) {
		launch_failure_send(plan->sync_fd, errno, "change directory to '%s'",
				    config->workdir);
		_exit(127);
	}
	/* execvpe() searches the PATH of the current environment, so that must be the container's. */
	environ = config->env;
	execvpe(config->argv[0], config->argv, config->env);
	launch_failure_send(plan->sync_fd, errno, "exec '%s'", config->argv[0]);
	_exit(127);
}

/*
 * Replaces the argument area with NAME, so that ps shows "reef-init" and not
 * the reef command line the init inherited.  The area's bounds are fields 48
 * and 49 of /proc/self/stat (Linux 3.5 and later).
 */
static void process_title_set(const char *name)
{
	unsigned long start = 0, end = 0;
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;
	int field;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';

	/* Field 2, the command name, may contain spaces: count from its closing parenthesis. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 48; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &start, &end) != 2 || end <= start + strlen(name))
		return;
	memset((char *)start, 0, end - start);
	strcpy((char *)start, name);
}

/*
 * The reaper that runs as pid 1 with --init: forwards every signal it may
 * to the command and reaps whatever the namespace re-parents to it.  It
 * exits with the command's status (128 + N when signal N killed it).
 */
__attribute__((noreturn)) static void reaper_run(pid_t command)
{
	sigset_t all;
	int status = 0;

	sigfillset(&all);
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&all, &info);
		pid_t pid;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(command, sig);
			continue;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != command)
				continue;
			if (WIFSIGNALED(status))
				_exit(128 + WTERMSIG(status));
			_exit(WEXITSTATUS(status));
		}
	}
}

void child_main(struct launch_plan *plan)
{
	struct launch_go go;
	sigset_t all, old_mask;
	int mount_fd;
	pid_t command;

	signals_reset();
	if (go_receive(plan->sync_fd, &go, &mount_fd) < 0)
		_exit(1);
	if (!plan->config->privileged && identity_set(plan) < 0)
		_exit(1);
	if (setsid() < 0) {
		launch_failure_send(plan->sync_fd, errno, "create a session");
		_exit(1);
	}
	if (sethostname(plan->config->name, strlen(plan->config->name)) < 0) {
		launch_failure_send(plan->sync_fd, errno, "set the hostname");
		_exit(1);
	}
	if (rootfs_mount(plan, &go, mount_fd) < 0)
		_exit(1);
	if (mount_fd >= 0)
		close(mount_fd);
	/* The init joined its cgroup as its first step: that becomes the namespace's root. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		launch_failure_send(plan->sync_fd, errno, "create the cgroup namespace");
		_exit(1);
	}
	if (loopback_up(plan) < 0 || rootfs_enter(plan) < 0)
		_exit(1);
	if (security_apply(plan) < 0)
		_exit(1);

	/* Only the files that name the addresses wait for the attach replies. */
	if (go_receive(plan->sync_fd, &go, &mount_fd) < 0)
		_exit(1);
	if (rootfs_write_network(plan, &go) < 0)
		_exit(1);

	if (!plan->config->init) {
		sigemptyset(&old_mask);
		command_exec(plan, &old_mask);
	}

	/* Block every signal before the fork, so none reaches the reaper before sigwaitinfo. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old_mask);
	command = fork();
	if (command < 0) {
		launch_failure_send(plan->sync_fd, errno, "fork the command");
		_exit(1);
	}
	if (command == 0)
		command_exec(plan, &old_mask);
	/* The monitor reads until every copy of the socket is closed: the command's closes on exec. */
	close(plan->sync_fd);
	prctl(PR_SET_NAME, "reef-init");
	process_title_set("reef-init");
	reaper_run(command);
}
