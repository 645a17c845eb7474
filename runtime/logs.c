/* SPDX-License-Identifier: MIT */
/* logs: the console log the monitor writes, with the rotated older part first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
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
static int log_follow(const struct reef_paths *paths, const char *name, const char *path,
		      off_t offset, int out, struct reef_error *err)
{
	_cleanup_(close_fd) int notify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_(close_fd) int in = open(path, O_RDONLY | O_CLOEXEC);
	char dir[PATH_MAX];
	int r;

	if (in >= 0 && offset > 0)
		lseek(in, offset, SEEK_SET);
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

/* Appends the whole file at PATH to *BUF; a missing file adds nothing. */
static int file_append(const char *path, char **buf, size_t *len, off_t *ret_size,
		       struct reef_error *err)
{
	_cleanup_(close_fd) int in = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*ret_size = 0;
	if (in < 0)
		return errno == ENOENT ? 0 : error_set_errno(err, errno, "open '%s'", path);
	for (;;) {
		char *grown = realloc(*buf, *len + 65536);

		if (!grown)
			return error_set(err, ENOMEM, "read '%s'", path);
		*buf = grown;
		n = read(in, *buf + *len, 65536);
		if (n < 0)
			return error_set_errno(err, errno, "read '%s'", path);
		if (n == 0)
			return 0;
		*len += (size_t)n;
		*ret_size += n;
	}
}

/* Writes the last TAIL lines of both log files; *RET_OFFSET is where following continues. */
static int log_tail(const char *dir, long tail, int out, off_t *ret_offset, struct reef_error *err)
{
	char path[PATH_MAX + 16], *buf = NULL;
	size_t len = 0, start;
	off_t ignored;
	long lines = 0;
	int r;

	snprintf(path, sizeof(path), "%s/console.log.1", dir);
	r = file_append(path, &buf, &len, &ignored, err);
	snprintf(path, sizeof(path), "%s/console.log", dir);
	if (r == 0)
		r = file_append(path, &buf, &len, ret_offset, err);

	/* A last line without its newline still counts as a line. */
	start = len;
	if (start > 0 && buf[start - 1] == '\n')
		start--;
	while (r == 0 && start > 0 && lines < tail) {
		if (buf[start - 1] == '\n' && ++lines == tail)
			break;
		start--;
	}
	if (r == 0 && tail > 0 && len > start && write(out, buf + start, len - start) < 0)
		r = error_set_errno(err, errno, "write the log");
	free(buf);
	return r;
}

int container_logs(const struct reef_paths *paths, const char *name, bool follow, long tail, int fd,
		   struct reef_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	off_t offset = 0;
	int r;

	r = container_check_exists(paths, name, err);
	if (r == 0)
		r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	if (tail >= 0) {
		r = log_tail(dir, tail, fd, &offset, err);
		if (r < 0 || !follow)
			return r;
		snprintf(path, sizeof(path), "%s/console.log", dir);
		return log_follow(paths, name, path, offset, fd, err);
	}
	snprintf(path, sizeof(path), "%s/console.log.1", dir);
	r = file_copy(path, fd, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/console.log", dir);
	if (follow)
		return log_follow(paths, name, path, 0, fd, err);
	return file_copy(path, fd, err);
}
