/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "image_extract.h"
#include "image_store.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int export_set_filter(struct archive *out, const char *file, struct reef_error *err)
{
	int r;

	if (has_suffix(file, ".tar.gz") || has_suffix(file, ".tgz"))
		r = archive_write_add_filter_gzip(out);
	else if (has_suffix(file, ".tar.xz"))
		r = archive_write_add_filter_xz(out);
	else if (has_suffix(file, ".tar.zst"))
		r = archive_write_add_filter_zstd(out);
	else if (has_suffix(file, ".tar"))
		r = archive_write_add_filter_none(out);
	else
		return error_set(err, EINVAL,
				 "unknown archive type of '%s': end the name with .tar, .tar.gz, "
				 ".tar.xz or .tar.zst",
				 file);
	if (r != ARCHIVE_OK)
		return error_set(err, EINVAL, "compress '%s': %s", file, archive_error_string(out));
	return 0;
}

static int export_copy_data(struct archive *in, struct archive *out, uint64_t *bytes,
			    const struct image_progress *progress, uint64_t *last_report_ns,
			    struct reef_error *err)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	int r;

	while ((r = archive_read_data_block(in, &block, &size, &offset)) == ARCHIVE_OK) {
		if (archive_write_data(out, block, size) != (la_ssize_t)size)
			return error_set(err, EIO, "write: %s", archive_error_string(out));
		*bytes += size;
		image_progress_report(progress, *bytes, last_report_ns, false);
	}
	if (r != ARCHIVE_EOF)
		return error_set(err, EIO, "read: %s", archive_error_string(in));
	return 0;
}

/* Walks ROOTFS and writes every entry below it as "./PATH" into OUT. */
static int export_walk(const char *rootfs, struct archive *out,
		       const struct image_progress *progress, struct reef_error *err)
{
	struct archive *in = archive_read_disk_new();
	struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
	struct archive_entry *entry = archive_entry_new();
	size_t root_len = strlen(rootfs);
	uint64_t bytes = 0, last_report_ns = 0;
	int r = 0, status;

	if (!in || !links || !entry) {
		r = error_set(err, ENOMEM, "allocate an archive reader");
		goto out;
	}
	archive_entry_linkresolver_set_strategy(links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(in);
	archive_read_disk_set_behavior(in, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
						   ARCHIVE_READDISK_NO_FFLAGS);
	if (archive_read_disk_open(in, rootfs) != ARCHIVE_OK) {
		r = error_set(err, EIO, "read '%s': %s", rootfs, archive_error_string(in));
		goto out;
	}
	while ((status = archive_read_next_header2(in, entry)) == ARCHIVE_OK) {
		const char *path = archive_entry_pathname(entry);
		struct archive_entry *current = entry, *spare = NULL;
		char name[PATH_MAX];

		archive_read_disk_descend(in);
		snprintf(name, sizeof(name), ".%s", path + root_len);
		archive_entry_copy_pathname(entry, path[root_len] ? name : "./");
		archive_entry_linkify(links, &current, &spare);
		if (archive_write_header(out, current) < ARCHIVE_WARN) {
			r = error_set(err, EIO, "write '%s': %s", name, archive_error_string(out));
			break;
		}
		if (archive_entry_size(current) > 0) {
			r = export_copy_data(in, out, &bytes, progress, &last_report_ns, err);
			if (r < 0) {
				error_prefix(err, "'%s'", name);
				break;
			}
		}
	}
	if (r == 0 && status != ARCHIVE_EOF)
		r = error_set(err, EIO, "read '%s': %s", rootfs, archive_error_string(in));
out:
	archive_entry_free(entry);
	if (links)
		archive_entry_linkresolver_free(links);
	if (in)
		archive_read_free(in);
	return r;
}

int image_export(const struct reef_paths *paths, const char *name, const char *file,
		 const struct image_progress *progress, struct reef_error *err)
{
	char fingerprint[65], rootfs[PATH_MAX], tmp[PATH_MAX];
	struct archive *out = NULL;
	int r;

	r = image_resolve(paths, name, fingerprint, rootfs, NULL, err);
	if (r < 0)
		return r;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "path '%s' is too long", file);

	out = archive_write_new();
	if (!out)
		return error_set(err, ENOMEM, "allocate an archive writer");
	/* pax keeps long names, numeric ids beyond 2^21, xattrs and file capabilities. */
	archive_write_set_format_pax_restricted(out);
	r = export_set_filter(out, file, err);
	if (r == 0 && archive_write_open_filename(out, tmp) != ARCHIVE_OK)
		r = error_set(err, EIO, "create '%s': %s", tmp, archive_error_string(out));
	if (r == 0)
		r = export_walk(rootfs, out, progress, err);
	if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
		r = error_set(err, EIO, "write '%s': %s", tmp, archive_error_string(out));
	archive_write_free(out);
	if (progress && progress->update)
		progress->update(progress->data, 0, true);
	if (r == 0 && rename(tmp, file) < 0)
		r = error_set_errno(err, errno, "rename '%s' to '%s'", tmp, file);
	if (r < 0) {
		unlink(tmp);
		return error_prefix(err, "export image '%s'", name);
	}
	return 0;
}
