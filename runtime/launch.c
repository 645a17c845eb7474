/* SPDX-License-Identifier: MIT */
/*
 * Launch: the monitor forks off, clones the init into new namespaces and
 * its cgroup, maps its ids, has reef-netd wire its networks, and only then
 * lets it continue.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/client.h"
#include "../common/json.h"
#include "../common/log.h"
#include "internal.h"
#include "monitor.h"

/*
 * A privileged container gets every capability this process may pass on:
 * its bounding set, which a sandbox or a container manager may have cut.
 */
static uint64_t caps_bounding_set(void)
{
	uint64_t mask = 0;

	for (int cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0)
			break;
		if (r == 1)
			mask |= 1ULL << cap;
	}
	return mask;
}

uint64_t container_effective_caps(const struct container_config *config)
{
	return config->privileged ? caps_bounding_set() : config->caps;
}

/* Clones the init, into the cgroup2 directory CGROUP_FD as it is born unless that is -1. */
static pid_t clone_init(unsigned long long flags, int cgroup_fd, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int go_send(int fd, const struct launch_go *go, int lower_fd, struct reef_error *err)
{
	char control[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)go, .iov_len = sizeof(*go) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (lower_fd >= 0) {
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &lower_fd, sizeof(int));
	}
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(*go))
		return error_set_errno(err, errno, "start the init");
	return 0;
}

/* Waits for the init's verdict: EOF once the command was exec'd, or a failure message. */
static int failure_receive(int fd, struct reef_error *err)
{
	struct launch_failure failure;
	ssize_t n;

	do
		n = recv(fd, &failure, sizeof(failure), 0);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(failure))
		return error_set(err, EIO, "the init exited before it ran the command");
	failure.step[sizeof(failure.step) - 1] = '\0';
	return error_set_errno(err, failure.errnum, "%s", failure.step);
}

static void hosts_format(const struct container_config *config, json_t *networks,
			 struct launch_go *go)
{
	size_t len, i, j;
	json_t *reply, *address;

	len = (size_t)snprintf(go->hosts, sizeof(go->hosts),
			       "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	json_array_foreach (networks, i, reply) {
		json_array_foreach (json_object_get(reply, "addresses"), j, address) {
			const char *cidr = json_string_value(address);
			int n;

			if (!cidr || len >= sizeof(go->hosts))
				continue;
			n = snprintf(go->hosts + len, sizeof(go->hosts) - len, "%.*s\t%s\n",
				     (int)strcspn(cidr, "/"), cidr, config->name);
			if (n > 0)
				len += (size_t)n;
		}
	}
	if (len >= sizeof(go->hosts))
		go->hosts[sizeof(go->hosts) - 1] = '\0';
}

static void resolv_format(json_t *networks, struct launch_go *go)
{
	size_t len = 0, i, j;
	json_t *reply, *server;

	go->resolv[0] = '\0';
	json_array_foreach (networks, i, reply) {
		json_array_foreach (json_object_get(reply, "dns"), j, server) {
			int n;

			if (!json_is_string(server) || len >= sizeof(go->resolv))
				continue;
			n = snprintf(go->resolv + len, sizeof(go->resolv) - len, "nameserver %s\n",
				     json_string_value(server));
			if (n > 0)
				len += (size_t)n;
		}
	}
	if (len >= sizeof(go->resolv))
		go->resolv[sizeof(go->resolv) - 1] = '\0';
}

/*
 * Sets the forwards of network I in the attach request BODY.  Published
 * ports go to the first network, 'reef port add' ones to their own.  The
 * request's force flag covers all of its forwards.  So forced forwards ride
 * in the attach only when the network has no other forwards, and
 * forced_forwards_add adds them after the attach otherwise.
 */
static void forwards_request(const struct container_config *config, size_t i, json_t *body)
{
	const struct container_network *net = &config->networks[i];
	json_t *forwards = json_array();

	for (size_t j = 0; i == 0 && config->publish && config->publish[j]; j++)
		json_array_append_new(forwards, json_string(config->publish[j]));
	for (size_t j = 0; net->forwards && net->forwards[j]; j++)
		json_array_append_new(forwards, json_string(net->forwards[j]));
	if (json_array_size(forwards) == 0 && net->forced && net->forced[0]) {
		for (size_t j = 0; net->forced[j]; j++)
			json_array_append_new(forwards, json_string(net->forced[j]));
		json_object_set_new(body, "force", json_true());
	}
	if (json_array_size(forwards) > 0)
		json_object_set_new(body, "forwards", forwards);
	else
		json_decref(forwards);
}

/* Adds the forced forwards of NET that the attach did not carry (IN_ATTACH false). */
static int forced_forwards_add(struct monitor *m, const struct container_network *net,
			       bool in_attach, struct reef_error *err)
{
	for (size_t j = 0; !in_attach && net->forced && net->forced[j]; j++) {
		_cleanup_json_ json_t *body = NULL, *reply = NULL;
		int r;

		body = json_pack("{s:s, s:s, s:s, s:b}", "container", m->config->name, "network",
				 net->network, "forward", net->forced[j], "force", true);
		r = netd_client_request(m->client, "POST", "/v1/forwards", body, &reply, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Asks reef-netd to attach every network to the init's network namespace. */
static int networks_attach(struct monitor *m, pid_t pid, struct reef_error *err)
{
	const struct container_config *config = m->config;
	int r;

	if (config->n_networks == 0)
		return 0;
	m->networks = json_array();
	r = netd_client_new(m->paths, &m->client, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < config->n_networks; i++) {
		const struct container_network *net = &config->networks[i];
		_cleanup_json_ json_t *body = NULL;
		json_t *reply = NULL;
		char ifname[16];

		snprintf(ifname, sizeof(ifname), "eth%zu", i);
		body = json_pack("{s:s, s:i, s:s, s:s}", "container", config->name, "pid", (int)pid,
				 "network", net->network, "interface", ifname);
		if (net->address[0])
			json_object_set_new(body, "address", json_string(net->address));
		if (net->mac[0])
			json_object_set_new(body, "mac", json_string(net->mac));
		if (net->antispoof)
			json_object_set_new(body, "antispoof", json_true());
		forwards_request(config, i, body);
		m->attached = true;
		r = netd_client_request(m->client, "POST", "/v1/endpoints", body, &reply, err);
		/* reef-netd's own messages already name the container and the network. */
		if (r < 0 && strncmp(err->message, "attach '", 8) != 0)
			return error_prefix(err, "attach to network '%s'", net->network);
		if (r < 0)
			return r;
		if (!json_is_object(reply)) {
			json_decref(reply);
			reply = json_object();
		}
		r = forced_forwards_add(m, net, json_object_get(body, "force") != NULL, err);
		if (r < 0) {
			json_decref(reply);
			return r;
		}
		json_object_set_new(reply, "network", json_string(net->network));
		json_object_set_new(reply, "interface", json_string(ifname));
		json_array_append_new(m->networks, reply);
	}
	return 0;
}

/*
 * Prepares the lower layer for the init's user namespace: an id-mapped
 * mount when the kernel and filesystem allow it, else a copy with shifted
 * owners (slow the first time, kept for later starts).
 */
static int lower_prepare(struct monitor *m, pid_t pid, struct launch_go *go, int *ret_mount_fd,
			 struct reef_error *err)
{
	const struct container_config *config = m->config;
	struct reef_error idmap_err = { 0 };
	char copy[PATH_MAX + 16];
	int r;

	*ret_mount_fd = -1;
	snprintf(go->lower, sizeof(go->lower), "%s", config->rootfs);
	if (config->privileged)
		return 0;
	r = idmap_mount_open(config->rootfs, pid, ret_mount_fd, &idmap_err);
	if (r == 0) {
		go->have_mount_fd = true;
		return 0;
	}
	log_info("'%s': %s, using a copy with shifted owners", config->name, idmap_err.message);
	snprintf(copy, sizeof(copy), "%s/lower", m->state_dir);
	r = idmap_copy_shifted(config->rootfs, copy, config->id_base, err);
	if (r < 0)
		return r;
	snprintf(go->lower, sizeof(go->lower), "%s", copy);
	return 0;
}

/* Runs the steps between the clone and the init's exec. */
static int init_release(struct monitor *m, int sync_fd, struct reef_error *err)
{
	const struct container_config *config = m->config;
	_cleanup_(close_fd) int lower_fd = -1;
	struct launch_go go = { 0 };
	int r;

	if (!config->privileged) {
		r = idmap_write(m->pid, config->id_base, config->id_count, err);
		if (r < 0)
			return error_prefix(err, "write the id maps");
	}
	r = lower_prepare(m, m->pid, &go, &lower_fd, err);
	if (r < 0)
		return r;
	/* A failed send means the init is gone: its failure message, when there is one, gives the reason. */
	r = go_send(sync_fd, &go, lower_fd, err);
	if (r < 0)
		return failure_receive(sync_fd, err) ?: r;
	r = networks_attach(m, m->pid, err);
	if (r < 0)
		return r;
	hosts_format(config, m->networks, &go);
	resolv_format(m->networks, &go);
	r = go_send(sync_fd, &go, -1, err);
	return failure_receive(sync_fd, err) ?: r;
}

/* The plan's file descriptors as the init sees them: stdin /dev/null, stdout and stderr the log. */
static __attribute__((noreturn)) void init_enter(struct launch_plan *plan)
{
	const char *cgroup_dir = NULL;
	int null, r;

	/* First of all, so that every later step and process counts against the limits. */
	r = cgroup_entry_join(&plan->cgroup, plan->born_in_unified, &cgroup_dir);
	if (r < 0) {
		launch_failure_send(plan->sync_fd, -r, "join cgroup '%s'", cgroup_dir);
		_exit(1);
	}
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(plan->output_fd, 1) < 0 ||
	    dup2(plan->output_fd, 2) < 0) {
		launch_failure_send(plan->sync_fd, errno, "set up standard input and output");
		_exit(1);
	}
	if (null > 2)
		close(null);
	child_main(plan);
}

static int init_clone(struct monitor *m, struct launch_plan *plan, int *ret_sync_fd,
		      struct reef_error *err)
{
	unsigned long long flags =
		CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;
	int sync[2], output[2];

	if (!m->config->privileged)
		flags |= CLONE_NEWUSER;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return error_set_errno(err, errno, "create the init's socket");
	if (pipe2(output, O_CLOEXEC) < 0) {
		close(sync[0]);
		close(sync[1]);
		return error_set_errno(err, errno, "create the log pipe");
	}
	plan->sync_fd = sync[1];
	plan->output_fd = output[1];

	plan->born_in_unified = plan->cgroup.unified_fd >= 0;
	m->pid = clone_init(flags, plan->cgroup.unified_fd, &m->pidfd);
	/*
	 * Linux before 5.7 rejects CLONE_INTO_CGROUP with EINVAL, or E2BIG for the
	 * longer clone_args.  The init then moves itself, which waits for the lock.
	 */
	if (m->pid < 0 && plan->born_in_unified && (errno == EINVAL || errno == E2BIG)) {
		plan->born_in_unified = false;
		m->pid = clone_init(flags, -1, &m->pidfd);
	}
	if (m->pid == 0) {
		close(sync[0]);
		close(output[0]);
		init_enter(plan);
	}
	close(sync[1]);
	close(output[1]);
	if (m->pid < 0) {
		int e = errno;

		close(sync[0]);
		close(output[0]);
		return error_set_errno(err, e, "clone the init into new namespaces");
	}
	m->output_fd = output[0];
	*ret_sync_fd = sync[0];
	return 0;
}

/* Creates the mount points under RUN/containers/NAME that the init resolves by path. */
static int mount_points_create(const char *run_dir, struct reef_error *err)
{
	char path[PATH_MAX + 16];

	for (const char *const *name = (const char *const[]){ "rootfs", "lower", NULL }; *name;
	     name++) {
		snprintf(path, sizeof(path), "%s/%s", run_dir, *name);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return error_set_errno(err, errno, "create '%s'", path);
	}
	return 0;
}

int monitor_launch(struct monitor *m, struct reef_error *err)
{
	const struct container_config *config = m->config;
	struct launch_plan plan = { .config = config };
	_cleanup_(close_fd) int sync_fd = -1;
	int r;

	snprintf(plan.state_dir, sizeof(plan.state_dir), "%s", m->state_dir);
	snprintf(plan.run_dir, sizeof(plan.run_dir), "%s", m->run_dir);
	r = mount_points_create(m->run_dir, err);
	if (r < 0)
		return r;
	if (config->seccomp && !config->privileged) {
		r = seccomp_filter_load(m->paths, "default", &plan.filter, err);
		if (r < 0)
			return r;
		plan.have_filter = true;
	}
	r = cgroup_entry_open(m->cgroup, &plan.cgroup, err);
	if (r < 0)
		r = error_prefix(err, "join cgroup");
	if (r == 0)
		r = init_clone(m, &plan, &sync_fd, err);
	cgroup_entry_close(&plan.cgroup);
	if (r == 0)
		r = init_release(m, sync_fd, err);
	if (plan.have_filter)
		seccomp_filter_clear(&plan.filter);
	return r;
}
