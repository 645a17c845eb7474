/* SPDX-License-Identifier: MIT */
/* Facts about the host that policy reads (processes, resolv.conf), and interface names. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "../common/cleanup.h"
#include "kernel.h"
#include "netd.h"

int proc_netns_is_own(pid_t pid, bool *ret, struct reef_error *err)
{
	struct stat own, other;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &own) < 0)
		return error_set_errno(err, errno, "stat /proc/self/ns/net");
	if (stat(path, &other) < 0)
		return error_set(err, ESRCH,
				 "process %d not found: give the pid of a running process",
				 (int)pid);
	*ret = own.st_dev == other.st_dev && own.st_ino == other.st_ino;
	return 0;
}

int proc_netns_owner(pid_t pid, uid_t *ret, struct reef_error *err)
{
	_cleanup_(close_fd) int netns_fd = -1, userns_fd = -1;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (netns_fd < 0)
		return error_set(err, ESRCH,
				 "process %d not found: give the pid of a running process",
				 (int)pid);
	userns_fd = ioctl(netns_fd, NS_GET_USERNS);
	if (userns_fd < 0 || ioctl(userns_fd, NS_GET_OWNER_UID, ret) < 0)
		return error_set_errno(err, errno, "read the owner of the network namespace of %d",
				       (int)pid);
	return 0;
}

int proc_owner(pid_t pid, uid_t *ret, struct reef_error *err)
{
	struct stat st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return error_set(err, ESRCH,
				 "process %d not found: give the pid of a running process",
				 (int)pid);
	*ret = st.st_uid;
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *ret, struct reef_error *err)
{
	char path[64], buf[1024];
	unsigned long long start;
	char *p, *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, ESRCH,
				 "process %d not found: give the pid of a running process",
				 (int)pid);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return error_set(err, ESRCH, "process %d not found: it exited", (int)pid);
	buf[n] = '\0';

	/* The command name (field 2) may contain spaces and ')', so start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return error_set(err, EIO, "parse '%s': no ')' after the command name", path);
	p++;
	/* Field 3 is the state: a zombie or dead task has no network namespace left to wire. */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return error_set(err, ESRCH, "process %d not found: it exited", (int)pid);
	/* Field 3 follows the ')'; skip fields 3 to 21 to reach the start time. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return error_set(err, EIO, "parse '%s': fewer than 22 fields", path);
	}
	errno = 0;
	start = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1)
		return error_set(err, EIO, "parse '%s': invalid start time", path);
	*ret = start;
	return 0;
}

bool proc_is_alive(pid_t pid, unsigned long long start_time)
{
	unsigned long long now;

	if (pid <= 0 || proc_start_time(pid, &now, NULL) < 0)
		return false;
	return now == start_time;
}

static bool addr_is_loopback(const struct ip_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return a->bytes[0] == 127;
	return memcmp(a->bytes, v6_loopback, 16) == 0;
}

size_t resolv_nameservers(const char *path, struct ip_addr *ret, size_t max)
{
	_cleanup_(free_ptr) char *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (n < max && getline(&line, &cap, f) > 0) {
		char *word, *save = NULL;
		struct ip_addr addr;

		word = strtok_r(line, " \t\r\n", &save);
		if (!word || strcmp(word, "nameserver") != 0)
			continue;
		word = strtok_r(NULL, " \t\r\n", &save);
		/* A scoped IPv6 address ("fe80::1%eth0") names a host interface: skip it. */
		if (!word || ip_addr_parse(word, &addr, NULL) < 0 || addr_is_loopback(&addr))
			continue;
		ret[n++] = addr;
	}
	fclose(f);
	return n;
}

void netd_ifname_hash(const char *prefix, const char *key, unsigned attempt, char ret[16])
{
	/* FNV-1a, 64 bits: stable across versions, so a name found after a restart matches. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (unsigned i = 0; i < attempt; i++)
		h = (h ^ 0xff) * 0x100000001b3ULL;
	snprintf(ret, 16, "%.2s%011llx", prefix, (unsigned long long)(h & 0xfffffffffffULL));
}

int host_address_owner(const struct ip_addr *addr, char ret_ifname[16], struct reef_error *err)
{
	return kernel_address_owner(addr, ret_ifname, err);
}
