/* SPDX-License-Identifier: MIT */
#include "image_extract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "image_path.h"
#include "image_store.h"

/* Owner, mode, times, ACLs and xattrs (file capabilities live in security.capability). */
#define IMAGE_EXTRACT_FLAGS                                                              \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |           \
	 ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
	 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |      \
	 ARCHIVE_EXTRACT_SPARSE)

static int openat2_beneath(int dir_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
}

int image_writer_open(struct image_writer *w, const char *root, struct reef_error *err)
{
	memset(w, 0, sizeof(*w));
	w->root_fd = -1;

	w->saved_cwd = -1;
	snprintf(w->root, sizeof(w->root), "%s", root);
	w->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->root_fd < 0)
		return error_set_errno(err, errno, "open '%s'", root);
	w->saved_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->saved_cwd < 0) {
		int saved = errno;

		image_writer_close(w, NULL);
		return error_set_errno(err, saved, "open the working directory");
	}
	w->disk = archive_write_disk_new();
	if (!w->disk) {
		image_writer_close(w, NULL);
		return error_set(err, ENOMEM, "allocate an archive writer");
	}
	/* No user name lookup: numeric ids are the image's own, not the host's. */
	archive_write_disk_set_options(w->disk, IMAGE_EXTRACT_FLAGS);
	return 0;
}

/*
 * Makes the rootfs the working directory.  libarchive resolves member paths
 * relative to it, and ARCHIVE_EXTRACT_SECURE_SYMLINKS then checks only the
 * member's own components.  archive_read_disk changes the working directory
 * while it walks, so this runs before every call that uses a path.
 */
static int writer_enter(struct image_writer *w, struct reef_error *err)
{
	if (fchdir(w->root_fd) < 0)
		return error_set_errno(err, errno, "enter '%s'", w->root);
	return 0;
}

int image_writer_close(struct image_writer *w, struct reef_error *err)
{
	int r = 0;

	if (w->disk && w->root_fd >= 0)
		r = writer_enter(w, err);
	if (w->disk) {
		if (archive_write_close(w->disk) != ARCHIVE_OK)
			r = error_set(err, EIO, "finish '%s': %s", w->root,
				      archive_error_string(w->disk));
		archive_write_free(w->disk);
		w->disk = NULL;
	}
	if (w->saved_cwd >= 0) {
		if (fchdir(w->saved_cwd) < 0 && r == 0)
			r = error_set_errno(err, errno, "return to the working directory");
		close(w->saved_cwd);
		w->saved_cwd = -1;
	}
	if (w->root_fd >= 0) {
		close(w->root_fd);
		w->root_fd = -1;
	}
	return r;
}

/*
 * Checks that the directory holding PATH resolves inside the rootfs
 * without a symlink.  A directory that does not exist yet passes, because
 * libarchive creates it as a real directory.
 */
static int writer_check_parent(struct image_writer *w, const char *path, struct reef_error *err)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	fd = openat2_beneath(w->root_fd, parent, O_PATH | O_DIRECTORY);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	if (errno == ELOOP || errno == EXDEV || errno == ENOTDIR)
		return error_set(err, EINVAL,
				 "member '%s' would be written through a symlink or non-directory",
				 path);
	return error_set_errno(err, errno, "check the parent of member '%s'", path);
}

/* Checks that the hard link target TARGET already exists inside the rootfs. */
static int writer_check_hardlink(struct image_writer *w, const char *path, const char *target,
				 struct reef_error *err)
{
	struct stat st;
	_cleanup_(close_fd) int fd = openat2_beneath(w->root_fd, target, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		return error_set(
			err, EINVAL,
			"hard link '%s' points to '%s', which is not a file inside the image", path,
			target);
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, errno, "check hard link target '%s'", target);
	if (S_ISDIR(st.st_mode))
		return error_set(err, EINVAL, "hard link '%s' points to directory '%s'", path,
				 target);
	return 0;
}

static int writer_copy_data(struct image_writer *w, struct archive *in, const char *path,
			    struct sha256 *content, struct reef_error *err)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	int r;

	while ((r = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
		if (content)
			sha256_update(content, block, size);
		if (archive_write_data_block(w->disk, block, size, offset) < ARCHIVE_OK)
			return error_set(err, EIO, "write '%s': %s", path,
					 archive_error_string(w->disk));
	}
	if (r != ARCHIVE_EOF)
		return error_set(err, EIO, "read member '%s': %s", path, archive_error_string(in));
	return 0;
}

int image_writer_copy(struct image_writer *w, struct archive *in, struct archive_entry *entry,
		      struct sha256 *content, struct reef_error *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *hardlink = archive_entry_hardlink(entry);
	int r;

	r = image_path_clean(archive_entry_pathname(entry), path, sizeof(path), err);
	if (r < 0)
		return r;
	/* The rootfs directory itself is created by reef with mode 0755, owned by root. */
	if (strcmp(path, ".") == 0)
		return 0;
	r = writer_check_parent(w, path, err);
	if (r < 0)
		return r;

	if (hardlink) {
		r = image_path_clean(hardlink, target, sizeof(target), err);
		if (r < 0)
			return error_prefix(err, "hard link '%s'", path);
		r = writer_check_hardlink(w, path, target, err);
		if (r < 0)
			return r;
		archive_entry_copy_hardlink(entry, target);
	}
	archive_entry_copy_pathname(entry, path);

	r = writer_enter(w, err);
	if (r < 0)
		return r;

	if (archive_write_header(w->disk, entry) < ARCHIVE_WARN)
		return error_set(err, EIO, "unpack '%s': %s", path, archive_error_string(w->disk));
	if (archive_entry_size(entry) > 0) {
		r = writer_copy_data(w, in, path, content, err);
		if (r < 0)
			return r;
		if (!hardlink && archive_entry_filetype(entry) == AE_IFREG)
			w->bytes += (uint64_t)archive_entry_size(entry);
	}
	r = writer_enter(w, err);
	if (r < 0)
		return r;
	if (archive_write_finish_entry(w->disk) < ARCHIVE_WARN)
		return error_set(err, EIO, "finish '%s': %s", path, archive_error_string(w->disk));
	w->entries++;
	return 0;
}

/* Deletes TARGET (a cleaned path) from the rootfs, if it exists. */
static int writer_delete(struct image_writer *w, const char *target, struct reef_error *err)
{
	char full[PATH_MAX];
	struct stat st;
	int r = writer_check_parent(w, target, err);

	if (r < 0)
		return r;
	if (fstatat(w->root_fd, target, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : error_set_errno(err, errno, "whiteout '%s'", target);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(w->root_fd, target, 0) < 0)
			return error_set_errno(err, errno, "whiteout '%s'", target);
		return 0;
	}
	snprintf(full, sizeof(full), "%s/%s", w->root, target);
	return image_tree_remove(full, err);
}

/* Empties the directory DIR of the rootfs, keeping DIR itself. */
static int writer_make_opaque(struct image_writer *w, const char *dir, struct reef_error *err)
{
	_cleanup_(close_fd) int fd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	fd = strcmp(dir, ".") == 0 ? dup(w->root_fd)
				   : openat2_beneath(w->root_fd, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set_errno(err, errno, "opaque directory '%s'", dir);
	}
	d = fdopendir(fd);
	if (!d)
		return error_set_errno(err, errno, "opaque directory '%s'", dir);
	fd = -1;
	while (r == 0 && (de = readdir(d))) {
		char child[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(dir, ".") == 0)
			snprintf(child, sizeof(child), "%s", de->d_name);
		else
			snprintf(child, sizeof(child), "%s/%s", dir, de->d_name);
		r = writer_delete(w, child, err);
	}
	closedir(d);
	return r;
}

int image_writer_whiteouts(struct image_writer *w, struct archive *in, struct reef_error *err)
{
	struct archive_entry *entry;
	int r;

	while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
		char path[PATH_MAX], target[PATH_MAX];
		enum image_whiteout kind;

		r = image_path_clean(archive_entry_pathname(entry), path, sizeof(path), err);
		if (r == 0)
			r = image_whiteout_parse(path, target, sizeof(target), &kind, err);
		if (r < 0)
			return r;
		if (kind == IMAGE_WHITEOUT_FILE)
			r = writer_delete(w, target, err);
		else if (kind == IMAGE_WHITEOUT_OPAQUE)
			r = writer_make_opaque(w, target, err);
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return error_set(err, EIO, "read archive: %s", archive_error_string(in));
	return 0;
}

int image_writer_unpack(struct image_writer *w, struct archive *in, bool skip_whiteouts,
			struct reef_error *err)
{
	struct archive_entry *entry;
	int r;

	while ((r = archive_read_next_header(in, &entry)) == ARCHIVE_OK) {
		if (skip_whiteouts) {
			char path[PATH_MAX], target[PATH_MAX];
			enum image_whiteout kind;

			r = image_path_clean(archive_entry_pathname(entry), path, sizeof(path),
					     err);
			if (r == 0)
				r = image_whiteout_parse(path, target, sizeof(target), &kind, err);
			if (r < 0)
				return r;
			if (kind != IMAGE_WHITEOUT_NONE)
				continue;
		}
		r = image_writer_copy(w, in, entry, NULL, err);
		if (r < 0)
			return r;
	}
	if (r != ARCHIVE_EOF)
		return error_set(err, EIO, "read archive: %s", archive_error_string(in));
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void image_progress_report(const struct image_progress *progress, uint64_t total,
			   uint64_t *last_report_ns, bool force)
{
	uint64_t now;

	if (!progress || !progress->update)
		return;
	now = now_ns();
	if (!force && now - *last_report_ns < 100000000ull)
		return;
	*last_report_ns = now;
	progress->update(progress->data, total, false);
}

static la_ssize_t source_read(struct archive *a, void *data, const void **ret_buffer)
{
	struct image_source *source = data;
	ssize_t n;

	do
		n = read(source->fd, source->buffer, sizeof(source->buffer));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	sha256_update(&source->hash, source->buffer, (size_t)n);
	source->bytes += (uint64_t)n;
	if (source->progress_total) {
		*source->progress_total += (uint64_t)n;
		image_progress_report(source->progress, *source->progress_total,
				      &source->last_report_ns, false);
	} else {
		image_progress_report(source->progress, source->bytes, &source->last_report_ns,
				      false);
	}
	*ret_buffer = source->buffer;
	return n;
}

static int source_close(struct archive *a, void *data)
{
	struct image_source *source = data;

	if (source->fd >= 0)
		close(source->fd);
	source->fd = -1;
	return ARCHIVE_OK;
}

int image_source_open(struct image_source *source, const char *path,
		      const struct image_progress *progress, struct archive **ret,
		      struct reef_error *err)
{
	struct archive *a;

	source->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (source->fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	sha256_init(&source->hash);
	source->bytes = 0;
	source->progress = progress;
	source->last_report_ns = now_ns();

	a = archive_read_new();
	if (!a) {
		close(source->fd);
		return error_set(err, ENOMEM, "allocate an archive reader");
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, source, NULL, source_read, source_close) != ARCHIVE_OK) {
		int r = error_set(err, EINVAL,
				  "open '%s': %s: give a tar archive (.tar, .tar.gz, .tar.xz, "
				  ".tar.zst), a rootfs directory or an OCI layout",
				  path, archive_error_string(a));

		archive_read_free(a);
		return r;
	}
	*ret = a;
	return 0;
}
