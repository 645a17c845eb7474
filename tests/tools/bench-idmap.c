/* SPDX-License-Identifier: MIT */
/*
 * Measures the two ways to give a container's user namespace an image's
 * files, and prints the milliseconds each took:
 *
 *   bench-idmap idmap ROOTFS OFFSET  clone ROOTFS with open_tree(2) and
 *                                    id-map it with mount_setattr(2) for a
 *                                    user namespace mapping 0 -> OFFSET
 *   bench-idmap shift ROOTFS DEST OFFSET
 *                                    copy ROOTFS to DEST with every uid and
 *                                    gid raised by OFFSET (what runtimes
 *                                    without id-mapped mounts do)
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Starts a child in a new user namespace mapping 0-65535 to OFFSET; returns its userns fd. */
static int userns_open(unsigned long offset, pid_t *ret_child)
{
	char path[64], map[64];
	int pipe_fd[2], fd;
	pid_t child;

	if (pipe2(pipe_fd, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		char c;

		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		close(pipe_fd[1]);
		(void)!read(pipe_fd[0], &c, 1);
		_exit(0);
	}
	close(pipe_fd[0]);
	/* Wait until the child has its own user namespace. */
	for (;;) {
		char self[64], other[64];
		ssize_t a, b;

		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
		a = readlink(path, other, sizeof(other) - 1);
		b = readlink("/proc/self/ns/user", self, sizeof(self) - 1);
		if (a > 0 && b > 0 && (a != b || memcmp(self, other, (size_t)a) != 0))
			break;
		usleep(1000);
	}
	snprintf(map, sizeof(map), "0 %lu 65536\n", offset);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
	if (write_file(path, map) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)child);
	if (write_file(path, map) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	close(pipe_fd[1]);
	*ret_child = child;
	return fd;
}

static int bench_idmap(const char *rootfs, unsigned long offset)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY };
	pid_t child;
	double start;
	int tree_fd;
	int userns_fd = userns_open(offset, &child);

	if (userns_fd < 0) {
		perror("bench-idmap: user namespace");
		return 1;
	}
	attr.userns_fd = (uint64_t)userns_fd;
	start = now_ms();
	tree_fd = (int)syscall(SYS_open_tree, AT_FDCWD, rootfs,
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree_fd < 0 ||
	    syscall(SYS_mount_setattr, tree_fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		perror("bench-idmap: id-mapped mount");
		return 1;
	}
	printf("%.3f\n", now_ms() - start);
	close(tree_fd);
	close(userns_fd);
	waitpid(child, NULL, 0);
	return 0;
}

static int copy_data(struct archive *in, struct archive *out)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	int r;

	while ((r = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK)
		if (archive_write_data_block(out, block, size, offset) < ARCHIVE_OK)
			return -1;
	return r == ARCHIVE_EOF ? 0 : -1;
}

static int bench_shift(const char *rootfs, const char *dest, unsigned long offset)
{
	struct archive *in = archive_read_disk_new();
	struct archive *out = archive_write_disk_new();
	struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
	struct archive_entry *entry = archive_entry_new();
	size_t root_len = strlen(rootfs);
	double start = now_ms();
	int r;

	archive_entry_linkresolver_set_strategy(links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
						    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR);
	if (archive_read_disk_open(in, rootfs) != ARCHIVE_OK) {
		fprintf(stderr, "bench-idmap: %s\n", archive_error_string(in));
		return 1;
	}
	while ((r = archive_read_next_header2(in, entry)) == ARCHIVE_OK) {
		struct archive_entry *current = entry, *spare = NULL;
		const char *path = archive_entry_pathname(entry);
		char target[8192];

		archive_read_disk_descend(in);
		snprintf(target, sizeof(target), "%s%s", dest, path + root_len);
		archive_entry_copy_pathname(entry, target);
		archive_entry_set_uid(entry, archive_entry_uid(entry) + (la_int64_t)offset);
		archive_entry_set_gid(entry, archive_entry_gid(entry) + (la_int64_t)offset);
		archive_entry_linkify(links, &current, &spare);
		if (archive_entry_hardlink(current)) {
			char link[8192];

			snprintf(link, sizeof(link), "%s", archive_entry_hardlink(current));
			archive_entry_copy_hardlink(current, link);
		}
		if (archive_write_header(out, current) < ARCHIVE_WARN ||
		    (archive_entry_size(current) > 0 && copy_data(in, out) < 0) ||
		    archive_write_finish_entry(out) < ARCHIVE_WARN) {
			fprintf(stderr, "bench-idmap: %s: %s\n", target, archive_error_string(out));
			return 1;
		}
	}
	if (r != ARCHIVE_EOF || archive_write_close(out) != ARCHIVE_OK) {
		fprintf(stderr, "bench-idmap: copy failed\n");
		return 1;
	}
	printf("%.3f\n", now_ms() - start);
	archive_entry_free(entry);
	archive_entry_linkresolver_free(links);
	archive_read_free(in);
	archive_write_free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "idmap") == 0)
		return bench_idmap(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "shift") == 0)
		return bench_shift(argv[2], argv[3], strtoul(argv[4], NULL, 10));
	fprintf(stderr, "usage: bench-idmap idmap ROOTFS OFFSET | shift ROOTFS DEST OFFSET\n");
	return 2;
}
