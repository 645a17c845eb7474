/* SPDX-License-Identifier: MIT */
/* User namespace id maps, id-mapped mounts and the shifted-copy fallback. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

/* Reads root's first range of at least ID_COUNT ids from FILE; -ENOENT when there is none. */
static int subid_read(const char *file, uid_t *ret_base)
{
	FILE *f = fopen(file, "re");
	char line[256];
	int r = -ENOENT;

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned long base, count;
		char owner[64];

		if (sscanf(line, "%63[^:]:%lu:%lu", owner, &base, &count) != 3)
			continue;
		if ((strcmp(owner, "root") != 0 && strcmp(owner, "0") != 0) || count < ID_COUNT)
			continue;
		if (base == 0 || base + ID_COUNT > UINT32_MAX)
			continue;
		*ret_base = (uid_t)base;
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

int idmap_range(uid_t *ret_base, uid_t *ret_count, struct reef_error *err)
{
	uid_t uid_base, gid_base;
	bool have_uid = subid_read("/etc/subuid", &uid_base) == 0;
	bool have_gid = subid_read("/etc/subgid", &gid_base) == 0;

	/* One base serves both maps, so both files must agree to be used. */
	if (have_uid && have_gid && uid_base == gid_base)
		*ret_base = uid_base;
	else
		*ret_base = ID_BASE_DEFAULT;
	*ret_count = ID_COUNT;
	return 0;
}

static int map_file_write(pid_t pid, const char *file, const char *text, struct reef_error *err)
{
	char path[64];
	_cleanup_(close_fd) int fd = -1;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	if (write(fd, text, len) != (ssize_t)len)
		return error_set_errno(err, errno, "write '%s'", path);
	return 0;
}

int idmap_write(pid_t pid, uid_t base, uid_t count, struct reef_error *err)
{
	char map[64];
	int r;

	snprintf(map, sizeof(map), "0 %u %u\n", (unsigned)base, (unsigned)count);
	r = map_file_write(pid, "uid_map", map, err);
	if (r == 0)
		r = map_file_write(pid, "gid_map", map, err);
	return r;
}

int idmap_mount_open(const char *dir, pid_t pid, int *ret_fd, struct reef_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	_cleanup_(close_fd) int userns = -1;
	_cleanup_(close_fd) int fd = -1;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "clone mount of '%s'", dir);
	attr.userns_fd = (uint64_t)userns;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return error_set_errno(err, errno, "id-map mount of '%s'", dir);
	*ret_fd = take_fd(fd);
	return 0;
}

static const char *copy_source;
static const char *copy_target;
static uid_t copy_base;
static int copy_errno;
static char copy_failed_path[PATH_MAX];

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char dst[PATH_MAX * 2];
	uid_t uid = st->st_uid + copy_base;
	gid_t gid = st->st_gid + copy_base;
	int r = 0;

	snprintf(dst, sizeof(dst), "%s%s", copy_target, path + strlen(copy_source));
	if (st->st_uid >= ID_COUNT || st->st_gid >= ID_COUNT) {
		uid = copy_base + 65534;
		gid = copy_base + 65534;
	}
	if (S_ISDIR(st->st_mode)) {
		if (mkdir(dst, st->st_mode & 07777) < 0 && errno != EEXIST)
			r = -errno;
	} else if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		if (n < 0)
			r = -errno;
		else {
			target[n] = '\0';
			if (symlink(target, dst) < 0)
				r = -errno;
		}
	} else if (S_ISREG(st->st_mode)) {
		_cleanup_(close_fd) int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		_cleanup_(close_fd) int out = -1;

		if (in < 0)
			r = -errno;
		else {
			out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				   st->st_mode & 07777);
			if (out < 0)
				r = -errno;
			while (r == 0) {
				ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

				if (n < 0)
					r = -errno;
				if (n <= 0)
					break;
			}
		}
	} else if (mknod(dst, st->st_mode, st->st_rdev) < 0) {
		r = -errno;
	}
	if (r == 0 && lchown(dst, uid, gid) < 0)
		r = -errno;
	/* chown clears set-id bits, so the mode is set again after it. */
	if (r == 0 && !S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		r = -errno;
	if (r < 0) {
		copy_errno = -r;
		snprintf(copy_failed_path, sizeof(copy_failed_path), "%s", dst);
		return 1;
	}
	return 0;
}

int idmap_copy_shifted(const char *rootfs, const char *dir_copy, uid_t base, struct reef_error *err)
{
	char done[PATH_MAX + 16], tmp[PATH_MAX + 16];
	int r;

	snprintf(done, sizeof(done), "%s.complete", dir_copy);
	if (access(done, F_OK) == 0)
		return 0;
	r = tree_remove(dir_copy, err);
	if (r < 0)
		return r;
	snprintf(tmp, sizeof(tmp), "%s", dir_copy);
	copy_source = rootfs;
	copy_target = tmp;
	copy_base = base;
	copy_errno = 0;
	if (nftw(rootfs, copy_one, 64, FTW_PHYS | FTW_MOUNT) != 0) {
		int e = copy_errno ? copy_errno : errno;

		tree_remove(dir_copy, NULL);
		return error_set_errno(err, e, "copy '%s' with shifted owners to '%s'", rootfs,
				       copy_failed_path[0] ? copy_failed_path : dir_copy);
	}
	/* The marker sits beside the copy, outside the container's view. */
	r = open(done, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (r < 0)
		return error_set_errno(err, errno, "create '%s'", done);
	close(r);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT) {
		copy_errno = errno;
		snprintf(copy_failed_path, sizeof(copy_failed_path), "%s", path);
		return 1;
	}
	return 0;
}

int tree_remove(const char *dir, struct reef_error *err)
{
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	copy_errno = 0;
	if (nftw(dir, remove_one, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
		int e = copy_errno ? copy_errno : errno;

		return error_set_errno(err, e, "remove '%s'",
				       copy_failed_path[0] ? copy_failed_path : dir);
	}
	return 0;
}
