/* SPDX-License-Identifier: MIT */
/* The two sysctls the firewall needs, written through /proc/sys of the caller's namespace. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "firewall.h"

/* Writes "1" to PATH unless it already contains it; *RET_CHANGED is set when it wrote. */
static int sysctl_enable(const char *path, bool *ret_changed, struct reef_error *err)
{
	_cleanup_(close_fd) int fd = open(path, O_RDWR | O_CLOEXEC);
	char cur[8] = "";
	ssize_t n;

	if (fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	n = read(fd, cur, sizeof(cur) - 1);
	if (n < 0)
		return error_set_errno(err, errno, "read '%s'", path);
	if (cur[0] == '1') {
		*ret_changed = false;
		return 0;
	}
	if (pwrite(fd, "1\n", 2, 0) != 2)
		return error_set_errno(err, errno, "write 1 to '%s'", path);
	*ret_changed = true;
	return 0;
}

int fw_ip_forward_enable(int family, bool *ret_changed, struct reef_error *err)
{
	const char *path = family == AF_INET ? "/proc/sys/net/ipv4/ip_forward"
					     : "/proc/sys/net/ipv6/conf/all/forwarding";

	return sysctl_enable(path, ret_changed, err);
}

int fw_route_localnet_enable(const char *ifname, struct reef_error *err)
{
	char path[128];
	bool changed;

	/* A name with '/' or "." components would leave the interface's directory. */
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return error_set(err, EINVAL, "invalid interface name '%s'", ifname);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", ifname);
	return sysctl_enable(path, &changed, err);
}
