/* SPDX-License-Identifier: MIT */
/* logs: the console log the monitor writes, with the rotated older part first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

/* Copies from IN to OUT until end of file. */
static int fd_copy(int in, int out, struct reef_error *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n)
			return error_set_errno(err, errno, "write the log");
	}
	if (n < 0)
		return error_set_errno(err, errno, "read the log");
	return 0;
}

static int file_copy(const char *path, int out, struct reef_error *err)
{
	_cleanup_(close_fd) int in = open(path, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return errno == ENOENT ? 0 : error_set_errno(err, errno, "open '%s'", path);
	return fd_copy(in, out, err);
}

/* Follows the log while the monitor runs, reopening it when the monitor rotates it. */
static int log_follow(const struct reef_paths *paths, const char *name, const char *path, int out,
		      struct reef_error *err)
{
	_cleanup_(close_fd) int notify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_(close_fd) int in = open(path, O_RDONLY | O_CLOEXEC);
	char dir[PATH_MAX];
	int r;

	if (notify < 0)
		return error_set_errno(err, errno, "watch the log");
	r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	inotify_add_watch(notify, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO);
	for (;;) {
		struct pollfd pfd = { .fd = notify, .events = POLLIN };
		char events[4096];
		bool alive = monitor_is_alive(paths, name);
		int fd;

		if (in >= 0 && (r = fd_copy(in, out, err)) < 0)
			return r;
		/* A rename means a rotation: the new file starts from its beginning. */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && in >= 0) {
			struct stat a, b;

			if (fstat(fd, &a) == 0 && fstat(in, &b) == 0 && a.st_ino == b.st_ino) {
				close(fd);
				fd = -1;
			}
		}
		if (fd >= 0) {
			if (in >= 0)
				close(in);
			in = fd;
			continue;
		}
		if (!alive)
			return 0;
		if (poll(&pfd, 1, 500) > 0 && read(notify, events, sizeof(events)) < 0)
			continue;
	}
}

int container_logs(const struct reef_paths *paths, const char *name, bool follow, int fd,
		   struct reef_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int r;

	r = container_check_exists(paths, name, err);
	if (r == 0)
		r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/console.log.1", dir);
	r = file_copy(path, fd, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/console.log", dir);
	if (follow)
		return log_follow(paths, name, path, fd, err);
	return file_copy(path, fd, err);
}
