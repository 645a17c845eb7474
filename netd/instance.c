/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "instance.h"

/* Abstract name, without the leading NUL byte that makes it abstract. */
#define CLAIM_NAME "reef-netd/netns-claim"

/* How long a second daemon waits for the running one to send its root. */
#define CLAIM_QUERY_TIMEOUT_MS 2000

static socklen_t claim_address(struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path + 1, CLAIM_NAME, strlen(CLAIM_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(CLAIM_NAME));
}

/*
 * Asks the daemon that has the claim for its pid (from SO_PEERCRED) and its
 * root (sent as one line).  The root stays "?" when that daemon does not
 * answer in time, for example while it still reconciles.
 */
static void claim_holder_query(pid_t *ret_pid, char *root, size_t root_size)
{
	struct timeval timeout = { .tv_usec = CLAIM_QUERY_TIMEOUT_MS * 1000 };
	struct sockaddr_un addr;
	socklen_t len = claim_address(&addr);
	struct ucred cred = { .pid = 0 };
	socklen_t cred_len = sizeof(cred);
	_cleanup_(close_fd) int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t used = 0;
	ssize_t n;

	*ret_pid = 0;
	snprintf(root, root_size, "?");
	timeout.tv_sec = timeout.tv_usec / 1000000;
	timeout.tv_usec %= 1000000;
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, len) < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) == 0)
		*ret_pid = cred.pid;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	while (used < root_size - 1) {
		n = read(fd, root + used, root_size - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (used == 0 || root[used - 1] != '\n') {
		snprintf(root, root_size, "?");
		return;
	}
	root[used - 1] = '\0';
}

static int claim_busy_error(struct reef_error *err)
{
	char root[4096];
	pid_t pid;

	claim_holder_query(&pid, root, sizeof(root));
	if (strcmp(root, "?") == 0)
		return error_set(err, EADDRINUSE,
				 "another reef-netd (pid %d) already runs in this network "
				 "namespace: use that daemon and its --root, or run this one in "
				 "another network namespace",
				 (int)pid);
	if (root[0] == '\0')
		return error_set(err, EADDRINUSE,
				 "another reef-netd (pid %d) already runs in this network "
				 "namespace with the default root (no --root): use that daemon, or "
				 "run this one in another network namespace",
				 (int)pid);
	return error_set(err, EADDRINUSE,
			 "another reef-netd (pid %d) already runs in this network namespace "
			 "with --root '%s': use the same --root, or run this one in another "
			 "network namespace",
			 (int)pid, root);
}

int instance_netns_claim(struct reef_error *err)
{
	struct sockaddr_un addr;
	socklen_t len = claim_address(&addr);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "create the network namespace claim socket");
	if (bind(fd, (struct sockaddr *)&addr, len) < 0) {
		int saved = errno;

		close(fd);
		if (saved == EADDRINUSE)
			return claim_busy_error(err);
		return error_set_errno(err, saved, "bind the network namespace claim socket '@%s'",
				       CLAIM_NAME);
	}
	if (listen(fd, 16) < 0) {
		int saved = errno;

		close(fd);
		return error_set_errno(err, saved,
				       "listen on the network namespace claim socket '@%s'",
				       CLAIM_NAME);
	}
	return fd;
}

void instance_claim_answer(int claim_fd, const char *root)
{
	_cleanup_(close_fd) int fd = accept4(claim_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char line[4200];
	int len;

	if (fd < 0)
		return;
	len = snprintf(line, sizeof(line), "%s\n", root);
	if (len < 0 || (size_t)len >= sizeof(line) ||
	    send(fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
		log_debug("answer a query on the network namespace claim socket: %m, ignoring");
}
