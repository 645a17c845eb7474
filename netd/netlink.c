/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink socket of the kernel drivers: extended ACK text, errno
 * translation and network namespace switching.
 */
#include "netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "../common/cleanup.h"
#include "../common/log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Keeps the kernel's errno and extended ACK text before libnl folds the errno into an NLE code. */
static int netlink_ack_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *data)
{
	struct netlink *nl = data;
	/* libnl passes nlmsg_data() of the error message, so its header sits just before. */
	const struct nlmsghdr *hdr = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	nl->ack_errno = abs(e->error);
	netlink_ext_ack_parse(hdr, nl->ack_msg, sizeof(nl->ack_msg));
	return NL_STOP;
}

int netlink_open(struct netlink *nl, struct reef_error *err)
{
	int one = 1;
	int r;

	*nl = (struct netlink){ 0 };
	nl->sock = nl_socket_alloc();
	if (!nl->sock)
		return error_set_errno(err, ENOMEM, "allocate netlink socket");
	r = nl_connect(nl->sock, NETLINK_ROUTE);
	if (r < 0) {
		r = netlink_error(nl, r, err, "connect rtnetlink socket");
		netlink_close(nl);
		return r;
	}

	/* Kernels before 4.12 lack NETLINK_EXT_ACK, and their errors then omit the reason. */
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sock, NL_CB_CUSTOM, netlink_ack_error, nl);
	return 0;
}

int netlink_open_in(struct netlink *nl, int netns_fd, struct reef_error *err)
{
	int saved;
	int r;

	r = netns_enter(netns_fd, &saved, err);
	if (r < 0)
		return r;
	/* A socket stays in the namespace it was created in. */
	r = netlink_open(nl, err);
	netns_leave(saved);
	return r;
}

void netlink_close(struct netlink *nl)
{
	if (nl->sock)
		nl_socket_free(nl->sock);
	nl->sock = NULL;
}

int netlink_nle_to_errno(int nle)
{
	static const int map[] = {
		[NLE_SUCCESS] = 0,
		[NLE_FAILURE] = EIO,
		[NLE_INTR] = EINTR,
		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,
		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,
		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_NOATTR] = ENOENT,
		[NLE_MISSING_ATTR] = EINVAL,
		[NLE_AF_MISMATCH] = EAFNOSUPPORT,
		[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = EOVERFLOW,
		[NLE_MSG_TRUNC] = EMSGSIZE,
		[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
		[NLE_MSG_TOOSHORT] = EPROTO,
		[NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
		[NLE_OBJ_MISMATCH] = EINVAL,
		[NLE_NOCACHE] = ENOENT,
		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,
		[NLE_PKTLOC_FILE] = ENOENT,
		[NLE_PARSE_ERR] = EINVAL,
		[NLE_NODEV] = ENODEV,
		[NLE_IMMUTABLE] = EPERM,
		[NLE_DUMP_INTR] = EINTR,
		[NLE_ATTRSIZE] = EINVAL,
	};
	int code = abs(nle);

	if (code >= (int)(sizeof(map) / sizeof(map[0])) || map[code] == 0)
		return EIO;
	return map[code];
}

int netlink_error(struct netlink *nl, int nle, struct reef_error *err, const char *fmt, ...)
{
	char context[512];
	const char *reason = nl_geterror(abs(nle));
	const char *ack_msg = "";
	int errnum = netlink_nle_to_errno(nle);
	va_list ap;

	/* Use the ACK only when it explains this failure, not an earlier one that was tolerated. */
	if (nl && nl->ack_errno && nl_syserr2nlerr(nl->ack_errno) == abs(nle)) {
		errnum = nl->ack_errno;
		ack_msg = nl->ack_msg;
		/* NLE_FAILURE covers every errno that libnl has no code for, so name the errno. */
		if (abs(nle) == NLE_FAILURE)
			reason = strerror(errnum);
	}

	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	if (ack_msg[0])
		error_set(err, errnum, "%s: %s: %s", context, reason, ack_msg);
	else
		error_set(err, errnum, "%s: %s", context, reason);
	if (nl)
		nl->ack_errno = 0;
	return -errnum;
}

int netns_open_pid(pid_t pid, int *ret_fd, struct reef_error *err)
{
	_cleanup_(close_fd) int fd = -1;
	struct stat own, target;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return error_set(err, ESRCH, "open network namespace of pid %d: no such process",
				 (int)pid);
	if (fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);

	/* Wiring reef-netd's own namespace would move links out of the host. */
	if (fstat(fd, &target) < 0 || stat("/proc/thread-self/ns/net", &own) < 0)
		return error_set_errno(err, errno, "inspect network namespace of pid %d", (int)pid);
	if (target.st_dev == own.st_dev && target.st_ino == own.st_ino)
		return error_set(err, EINVAL,
				 "pid %d shares reef-netd's network namespace: a container needs "
				 "its own",
				 (int)pid);
	*ret_fd = take_fd(fd);
	return 0;
}

int netns_enter(int netns_fd, int *ret_saved, struct reef_error *err)
{
	int saved;

	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return error_set_errno(err, errno, "open own network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		int r = error_set_errno(err, errno, "enter network namespace");

		close(saved);
		return r;
	}
	*ret_saved = saved;
	return 0;
}

void netns_leave(int saved)
{
	/*
	 * A thread left in a container's namespace would configure the wrong
	 * network from then on, so failing to return is fatal.
	 */
	if (setns(saved, CLONE_NEWNET) < 0) {
		log_error("return to own network namespace: %s, aborting", strerror(errno));
		abort();
	}
	close(saved);
}
