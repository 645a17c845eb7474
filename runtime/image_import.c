/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "image.h"
#include "image_extract.h"
#include "image_oci.h"
#include "image_path.h"
#include "image_store.h"

/* An import in progress: STORE/.tmp-XXXXXX, flock(2)ed so that others know it is alive. */
struct import_job {
	char dir[PATH_MAX];
	char rootfs[PATH_MAX];
	int lock_fd;
	json_t *metadata;
	char fingerprint[65];
};

/* Removes what dead imports and deletes left behind; call with the store lock held. */
static void import_clean_stale(const struct reef_paths *paths)
{
	DIR *dir = opendir(paths->images);
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		char path[PATH_MAX];
		int fd;

		if (strncmp(d->d_name, ".tmp-", 5) != 0 && strncmp(d->d_name, ".del-", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", paths->images, d->d_name);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			image_tree_remove(path, NULL);
		close(fd);
	}
	if (dir)
		closedir(dir);
}

static int import_job_start(const struct reef_paths *paths, struct import_job *job,
			    struct reef_error *err)
{
	int lock = -1;
	int r = image_store_lock(paths, &lock, err);

	if (r < 0)
		return r;
	import_clean_stale(paths);
	snprintf(job->dir, sizeof(job->dir), "%s/.tmp-XXXXXX", paths->images);
	if (!mkdtemp(job->dir)) {
		r = error_set_errno(err, errno, "create a temporary directory in '%s'",
				    paths->images);
		close(lock);
		return r;
	}
	job->lock_fd = open(job->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (job->lock_fd < 0 || flock(job->lock_fd, LOCK_EX) < 0)
		r = error_set_errno(err, errno, "lock '%s'", job->dir);
	close(lock);
	snprintf(job->rootfs, sizeof(job->rootfs), "%s/rootfs", job->dir);
	if (r == 0 && mkdir(job->rootfs, 0755) < 0)
		r = error_set_errno(err, errno, "create '%s'", job->rootfs);
	if (r == 0 && chmod(job->dir, 0755) < 0)
		r = error_set_errno(err, errno, "chmod '%s'", job->dir);
	job->metadata = json_object();
	return r;
}

static void import_job_abort(struct import_job *job)
{
	if (job->dir[0])
		image_tree_remove(job->dir, NULL);
	if (job->lock_fd >= 0)
		close(job->lock_fd);
	json_decref(job->metadata);
	job->dir[0] = '\0';
	job->lock_fd = -1;
	job->metadata = NULL;
}

/* Imports a rootfs tarball; the fingerprint is the sha256 of the file. */
static int import_tarball(struct import_job *job, const char *file,
			  const struct image_progress *progress, struct reef_error *err)
{
	_cleanup_(free_ptr) struct image_source *source = calloc(1, sizeof(*source));
	struct image_writer w;
	struct archive *a = NULL;
	int r;

	if (!source)
		return error_set(err, ENOMEM, "allocate an archive reader");
	r = image_source_open(source, file, progress, &a, err);
	if (r < 0)
		return error_prefix(err, "import '%s'", file);
	r = image_writer_open(&w, job->rootfs, err);
	if (r == 0) {
		r = image_writer_unpack(&w, a, false, err);
		if (r < 0)
			image_writer_close(&w, NULL);
		else
			r = image_writer_close(&w, err);
	}
	archive_read_free(a);
	if (r < 0)
		return error_prefix(err, "import '%s'", file);
	if (w.entries == 0)
		return error_set(err, EINVAL, "import '%s': the archive contains no files", file);

	sha256_final_hex(&source->hash, job->fingerprint);
	json_object_set_new(job->metadata, "source_format", json_string("tarball"));
	json_object_set_new(job->metadata, "source_size", json_integer((json_int_t)source->bytes));
	return 0;
}

/* One entry of a directory's fingerprint: its cleaned path and a digest of what it is. */
struct dir_record {
	char *path;
	uint8_t digest[SHA256_DIGEST_SIZE];
};

static int dir_record_compare(const void *a, const void *b)
{
	return strcmp(((const struct dir_record *)a)->path, ((const struct dir_record *)b)->path);
}

/*
 * Hashes the sorted records into the directory's fingerprint.  Every
 * entry's path, type, mode, owner, size, link target and content count,
 * but not its mtime or extended attributes.
 */
static void dir_records_fingerprint(struct dir_record *records, size_t n, char ret[65])
{
	struct sha256 hash;

	qsort(records, n, sizeof(*records), dir_record_compare);
	sha256_init(&hash);
	for (size_t i = 0; i < n; i++) {
		sha256_update(&hash, records[i].path, strlen(records[i].path) + 1);
		sha256_update(&hash, records[i].digest, sizeof(records[i].digest));
	}
	sha256_final_hex(&hash, ret);
}

static void dir_record_begin(struct sha256 *hash, struct archive_entry *entry)
{
	char header[128];
	const char *symlink = archive_entry_symlink(entry);
	const char *hardlink = archive_entry_hardlink(entry);
	int n = snprintf(header, sizeof(header), "%o %o %lld %lld %lld",
			 (unsigned)archive_entry_filetype(entry),
			 (unsigned)archive_entry_perm(entry), (long long)archive_entry_uid(entry),
			 (long long)archive_entry_gid(entry), (long long)archive_entry_size(entry));

	sha256_init(hash);
	sha256_update(hash, header, (size_t)n + 1);
	if (symlink)
		sha256_update(hash, symlink, strlen(symlink) + 1);
	if (hardlink)
		sha256_update(hash, hardlink, strlen(hardlink) + 1);
}

/* Rewrites ENTRY's absolute path under ROOT to a relative one; returns false for ROOT itself. */
static bool dir_entry_relative(struct archive_entry *entry, const char *root)
{
	const char *path = archive_entry_pathname(entry);
	size_t len = strlen(root);

	if (strncmp(path, root, len) != 0 || path[len] != '/' || path[len + 1] == '\0')
		return false;
	archive_entry_copy_pathname(entry, path + len + 1);
	return true;
}

struct dir_import {
	struct archive *disk;
	struct archive_entry_linkresolver *links;
	struct dir_record *records;
	size_t n_records;
	uint64_t last_report_ns;
};

static void dir_import_clear(struct dir_import *d)
{
	for (size_t i = 0; i < d->n_records; i++)
		free(d->records[i].path);
	free(d->records);
	if (d->links)
		archive_entry_linkresolver_free(d->links);
	if (d->disk)
		archive_read_free(d->disk);
}

static int dir_import_entry(struct dir_import *d, struct image_writer *w,
			    struct archive_entry *entry, struct reef_error *err)
{
	struct archive_entry *spare = NULL;
	struct dir_record *grown;
	struct sha256 hash;
	int r;

	archive_entry_linkify(d->links, &entry, &spare);
	if (!entry)
		return 0;
	grown = realloc(d->records, (d->n_records + 1) * sizeof(*d->records));
	if (!grown)
		return error_set(err, ENOMEM, "allocate the fingerprint records");
	d->records = grown;
	d->records[d->n_records].path = strdup(archive_entry_pathname(entry));
	if (!d->records[d->n_records].path)
		return error_set(err, ENOMEM, "allocate the fingerprint records");
	d->n_records++;

	dir_record_begin(&hash, entry);
	r = image_writer_copy(w, d->disk, entry, &hash, err);
	sha256_final(&hash, d->records[d->n_records - 1].digest);
	return r;
}

static int dir_import_walk(struct dir_import *d, struct image_writer *w, const char *root,
			   const struct image_progress *progress, struct reef_error *err)
{
	struct archive_entry *entry = archive_entry_new();
	int r = 0, status;

	if (!entry)
		return error_set(err, ENOMEM, "allocate an archive entry");
	while ((status = archive_read_next_header2(d->disk, entry)) == ARCHIVE_OK ||
	       status == ARCHIVE_WARN) {
		if (status == ARCHIVE_WARN) {
			r = error_set(err, EIO, "read '%s': %s", archive_entry_pathname(entry),
				      archive_error_string(d->disk));
			break;
		}
		archive_read_disk_descend(d->disk);
		if (!dir_entry_relative(entry, root))
			continue;
		r = dir_import_entry(d, w, entry, err);
		if (r < 0)
			break;
		image_progress_report(progress, w->bytes, &d->last_report_ns, false);
	}
	if (r == 0 && status != ARCHIVE_EOF)
		r = error_set(err, EIO, "read '%s': %s", root, archive_error_string(d->disk));
	archive_entry_free(entry);
	return r;
}

/*
 * Copies a rootfs directory; the fingerprint hashes the sorted entries (see
 * dir_records_fingerprint), so an unchanged directory imports to the same
 * fingerprint.
 */
static int import_directory(struct import_job *job, const char *dir,
			    const struct image_progress *progress, struct reef_error *err)
{
	struct dir_import d = { 0 };
	struct image_writer w;
	char root[PATH_MAX];
	int r;

	if (!realpath(dir, root))
		return error_set_errno(err, errno, "import '%s'", dir);
	d.disk = archive_read_disk_new();
	d.links = archive_entry_linkresolver_new();
	if (!d.disk || !d.links) {
		dir_import_clear(&d);
		return error_set(err, ENOMEM, "allocate a directory reader");
	}
	archive_entry_linkresolver_set_strategy(d.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_read_disk_set_symlink_physical(d.disk);
	/* A live rootfs may have /proc or /sys mounted: copy only its own filesystem. */
	archive_read_disk_set_behavior(d.disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
						       ARCHIVE_READDISK_NO_FFLAGS);
	if (archive_read_disk_open(d.disk, root) != ARCHIVE_OK) {
		r = error_set(err, EIO, "import '%s': %s", dir, archive_error_string(d.disk));
		dir_import_clear(&d);
		return r;
	}

	r = image_writer_open(&w, job->rootfs, err);
	if (r == 0) {
		r = dir_import_walk(&d, &w, root, progress, err);
		if (r < 0)
			image_writer_close(&w, NULL);
		else
			r = image_writer_close(&w, err);
	}
	if (r == 0)
		dir_records_fingerprint(d.records, d.n_records, job->fingerprint);
	dir_import_clear(&d);
	if (r < 0)
		return error_prefix(err, "import '%s'", dir);
	if (w.entries == 0)
		return error_set(err, EINVAL, "import '%s': the directory is empty", dir);
	json_object_set_new(job->metadata, "source_format", json_string("directory"));
	return 0;
}

static int import_oci_dir(struct import_job *job, const char *dir, const char *format,
			  const struct image_progress *progress, struct reef_error *err)
{
	struct image_writer w;
	int r = image_writer_open(&w, job->rootfs, err);

	if (r < 0)
		return r;
	r = oci_layout_unpack(&w, dir, progress, job->fingerprint, job->metadata, err);
	if (r < 0) {
		image_writer_close(&w, NULL);
		return error_prefix(err, "import OCI layout '%s'", dir);
	}
	r = image_writer_close(&w, err);
	if (r < 0)
		return r;
	json_object_set_new(job->metadata, "source_format", json_string(format));
	return 0;
}

/* Unpacks an OCI archive into JOB/oci, imports the layout from there and removes it. */
static int import_oci_archive(struct import_job *job, const char *file,
			      const struct image_progress *progress, struct reef_error *err)
{
	_cleanup_(free_ptr) struct image_source *source = calloc(1, sizeof(*source));
	struct image_writer w;
	struct archive *a = NULL;
	char layout[PATH_MAX];
	int r;

	if (!source)
		return error_set(err, ENOMEM, "allocate an archive reader");
	snprintf(layout, sizeof(layout), "%s/oci", job->dir);
	if (mkdir(layout, 0700) < 0)
		return error_set_errno(err, errno, "create '%s'", layout);
	r = image_source_open(source, file, progress, &a, err);
	if (r < 0)
		return r;
	r = image_writer_open(&w, layout, err);
	if (r == 0) {
		r = image_writer_unpack(&w, a, false, err);
		if (r < 0)
			image_writer_close(&w, NULL);
		else
			r = image_writer_close(&w, err);
	}
	archive_read_free(a);
	if (r < 0)
		return error_prefix(err, "import OCI archive '%s'", file);

	r = import_oci_dir(job, layout, "oci-archive", progress, err);
	if (r == 0)
		r = image_tree_remove(layout, err);
	return r;
}

enum archive_kind {
	ARCHIVE_ROOTFS,
	ARCHIVE_OCI, /* an OCI layout, with manifest.json when Docker 25 or later saved it */
	ARCHIVE_DOCKER_LEGACY, /* 'docker save' before Docker 25: manifest.json, HEX/layer.tar */
};

/* True for names that OCI archives and 'docker save' archives contain at their top. */
static bool is_image_archive_member(const char *path)
{
	static const char *const names[] = {
		".", "oci-layout", "index.json", "manifest.json", "repositories", "blobs"
	};
	char first[65];
	size_t len = strcspn(path, "/.");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(path, names[i]) == 0)
			return true;
	if (strncmp(path, "blobs/", 6) == 0)
		return true;
	/* Docker's legacy layout: HEX/ directories with layer.tar, and HEX.json configs. */
	if (len != 64)
		return false;
	memcpy(first, path, 64);
	first[64] = '\0';
	return image_fingerprint_is_valid(first) &&
	       (path[64] == '\0' || path[64] == '/' || strcmp(path + 64, ".json") == 0);
}

/*
 * Tells an OCI archive and a legacy 'docker save' archive from a rootfs
 * tarball by their member names.  The scan stops at the first name that no
 * image archive has, so a rootfs tarball costs one header.
 */
static enum archive_kind archive_classify(const char *file)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	bool layout = false, docker_manifest = false, other = false;

	if (!a)
		return ARCHIVE_ROOTFS;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 1 << 16) != ARCHIVE_OK) {
		archive_read_free(a);
		return ARCHIVE_ROOTFS;
	}
	while (!other && archive_read_next_header(a, &entry) == ARCHIVE_OK) {
		char path[PATH_MAX];

		if (image_path_clean(archive_entry_pathname(entry), path, sizeof(path), NULL) < 0)
			break;
		if (strcmp(path, "oci-layout") == 0)
			layout = true;
		else if (strcmp(path, "manifest.json") == 0)
			docker_manifest = true;
		else if (!is_image_archive_member(path))
			other = true;
	}
	archive_read_free(a);
	if (other)
		return ARCHIVE_ROOTFS;
	if (layout)
		return ARCHIVE_OCI;
	return docker_manifest ? ARCHIVE_DOCKER_LEGACY : ARCHIVE_ROOTFS;
}

static int import_archive(struct import_job *job, const char *file,
			  const struct image_progress *progress, struct reef_error *err)
{
	switch (archive_classify(file)) {
	case ARCHIVE_OCI:
		return import_oci_archive(job, file, progress, err);
	case ARCHIVE_DOCKER_LEGACY:
		return error_set(
			err, EINVAL,
			"import '%s': a 'docker save' archive from before Docker 25, which "
			"is not an OCI layout: convert it with 'skopeo copy "
			"docker-archive:%s oci-archive:OUT.tar'",
			file, file);
	case ARCHIVE_ROOTFS:
		break;
	}
	return import_tarball(job, file, progress, err);
}

static bool dir_is_oci_layout(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/oci-layout", dir);
	return access(path, F_OK) == 0;
}

static int openat2_in_root(int root_fd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* Reads up to SIZE - 1 bytes of PATH inside the rootfs, resolving symlinks within it. */
static ssize_t rootfs_read(int root_fd, const char *path, char *buf, size_t size)
{
	int fd = openat2_in_root(root_fd, path);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The kernel's name for the machine of the rootfs's /bin/sh, from its ELF header. */
static const char *rootfs_architecture(int root_fd)
{
	static const struct {
		unsigned machine;
		const char *name;
	} machines[] = {
		{ 62, "x86_64" },  { 183, "aarch64" }, { 3, "i686" },	   { 40, "armv7l" },
		{ 21, "ppc64le" }, { 22, "s390x" },    { 243, "riscv64" },
	};
	unsigned char elf[20];
	unsigned machine;
	char buf[21];
	ssize_t n = rootfs_read(root_fd, "bin/sh", buf, sizeof(buf));

	if (n < 20 || memcmp(buf, "\177ELF", 4) != 0)
		return "unknown";
	memcpy(elf, buf, sizeof(elf));
	/* e_machine is 2 bytes at offset 18, in the byte order EI_DATA (offset 5) names. */
	machine = elf[5] == 2 ? (unsigned)(elf[18] << 8 | elf[19])
			      : (unsigned)(elf[19] << 8 | elf[18]);
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].machine == machine)
			return machines[i].name;
	return "unknown";
}

/* State of rootfs_size(); nftw(3) passes no user pointer to its callback. */
static struct {
	uint64_t bytes; /* files with one link */
	struct linked_file {
		dev_t dev;
		ino_t ino;
		uint64_t size;
	} * linked; /* files with more links, counted once after sorting */
	size_t n_linked;
	bool failed;
} size_walk;

static int size_walk_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct linked_file *grown;

	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (st->st_nlink == 1) {
		size_walk.bytes += (uint64_t)st->st_size;
		return 0;
	}
	grown = realloc(size_walk.linked, (size_walk.n_linked + 1) * sizeof(*grown));
	if (!grown) {
		size_walk.failed = true;
		return 1;
	}
	size_walk.linked = grown;
	size_walk.linked[size_walk.n_linked++] =
		(struct linked_file){ st->st_dev, st->st_ino, (uint64_t)st->st_size };
	return 0;
}

static int linked_file_compare(const void *a, const void *b)
{
	const struct linked_file *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * Sums the sizes of the rootfs's regular files, each hard-linked file once.
 * It walks the finished tree because OCI layers may delete or replace files
 * that an earlier layer wrote.
 */
static int rootfs_size(const char *rootfs, uint64_t *ret, struct reef_error *err)
{
	uint64_t bytes;
	int r;

	memset(&size_walk, 0, sizeof(size_walk));
	r = nftw(rootfs, size_walk_entry, 64, FTW_PHYS | FTW_MOUNT);
	if (r != 0 || size_walk.failed) {
		free(size_walk.linked);
		return error_set_errno(err, size_walk.failed ? ENOMEM : errno, "measure '%s'",
				       rootfs);
	}
	qsort(size_walk.linked, size_walk.n_linked, sizeof(*size_walk.linked), linked_file_compare);
	bytes = size_walk.bytes;
	for (size_t i = 0; i < size_walk.n_linked; i++)
		if (i == 0 || linked_file_compare(&size_walk.linked[i - 1], &size_walk.linked[i]))
			bytes += size_walk.linked[i].size;
	free(size_walk.linked);
	size_walk.linked = NULL;
	*ret = bytes;
	return 0;
}

static void set_default(json_t *metadata, const char *key, const char *value)
{
	const char *current = json_string_value(json_object_get(metadata, key));

	if (!current || !current[0])
		json_object_set_new(metadata, key, json_string(value));
}

/* Fills the metadata that comes from the rootfs itself: OS, release and architecture. */
static int import_describe(struct import_job *job, const char *source,
			   const struct image_import_options *options, struct reef_error *err)
{
	struct os_release os;
	char text[16384], when[32];
	char description[512], resolved[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	uint64_t size = 0;
	int root_fd;
	ssize_t n;
	int r = rootfs_size(job->rootfs, &size, err);

	if (r < 0)
		return r;
	json_object_set_new(job->metadata, "size", json_integer((json_int_t)size));

	root_fd = open(job->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return error_set_errno(err, errno, "open '%s'", job->rootfs);
	n = rootfs_read(root_fd, "etc/os-release", text, sizeof(text));
	if (n < 0)
		n = rootfs_read(root_fd, "usr/lib/os-release", text, sizeof(text));
	image_os_release_parse(text, n > 0 ? (size_t)n : 0, &os);
	set_default(job->metadata, "architecture", rootfs_architecture(root_fd));
	close(root_fd);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(job->metadata, "fingerprint", json_string(job->fingerprint));
	json_object_set_new(job->metadata, "os", json_string(os.name[0] ? os.name : os.id));
	json_object_set_new(job->metadata, "release", json_string(os.version_id));
	json_object_set_new(job->metadata, "imported_at", json_string(when));
	set_default(job->metadata, "created_at", when);
	if (!realpath(source, resolved))
		snprintf(resolved, sizeof(resolved), "%s", source);
	json_object_set_new(job->metadata, "source", json_string(resolved));
	if (!json_object_get(job->metadata, "config"))
		json_object_set_new(job->metadata, "config", json_object());

	if (options->description)
		snprintf(description, sizeof(description), "%s", options->description);
	else if (os.pretty_name[0])
		snprintf(description, sizeof(description), "%s", os.pretty_name);
	else
		snprintf(description, sizeof(description), "imported from %s", source);
	json_object_set_new(job->metadata, "description", json_string(description));
	return 0;
}

/* Moves the finished import into place and points ALIAS at it, under the store lock. */
static int import_commit(const struct reef_paths *paths, struct import_job *job, const char *alias,
			 bool *ret_existed, struct reef_error *err)
{
	_cleanup_(close_fd) int lock = -1;
	_cleanup_json_ json_t *aliases = NULL;
	char final[PATH_MAX], metadata[PATH_MAX];
	json_t *existing;
	struct stat st;
	bool existed;
	int r;

	snprintf(metadata, sizeof(metadata), "%s/metadata.json", job->dir);
	r = image_json_write_atomic(metadata, job->metadata, err);
	if (r == 0)
		r = image_store_lock(paths, &lock, err);
	if (r == 0)
		r = image_aliases_load(paths, &aliases, err);
	if (r < 0)
		return r;
	existing = alias ? json_object_get(aliases, alias) : NULL;
	if (existing && strcmp(json_string_value(existing), job->fingerprint) != 0)
		return error_set(err, EEXIST,
				 "alias '%s' already points to image %.12s: remove it first with "
				 "'reef image alias remove %s'",
				 alias, json_string_value(existing), alias);

	snprintf(final, sizeof(final), "%s/%s", paths->images, job->fingerprint);
	existed = stat(final, &st) == 0;
	if (!existed && rename(job->dir, final) < 0)
		return error_set_errno(err, errno, "rename '%s' to '%s'", job->dir, final);
	if (!existed)
		job->dir[0] = '\0';
	if (alias && !existing) {
		json_object_set_new(aliases, alias, json_string(job->fingerprint));
		r = image_aliases_save(paths, aliases, err);
		if (r < 0)
			return r;
	}
	*ret_existed = existed;
	return 0;
}

int image_import(const struct reef_paths *paths, const char *source,
		 const struct image_import_options *options, char ret_fingerprint[65],
		 bool *ret_existed, struct reef_error *err)
{
	struct import_job job = { .lock_fd = -1 };
	struct stat st;
	bool existed = false;
	int r;

	if (options->alias && image_alias_validate(options->alias, err) < 0)
		return -EINVAL;
	if (stat(source, &st) < 0)
		return error_set_errno(err, errno, "import '%s'", source);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return error_set(err, EINVAL,
				 "import '%s': not a file or directory: give a tarball, a rootfs "
				 "directory or an OCI layout",
				 source);

	r = import_job_start(paths, &job, err);
	if (r == 0) {
		if (S_ISDIR(st.st_mode) && dir_is_oci_layout(source))
			r = import_oci_dir(&job, source, "oci-layout", options->progress, err);
		else if (S_ISDIR(st.st_mode))
			r = import_directory(&job, source, options->progress, err);
		else
			r = import_archive(&job, source, options->progress, err);
	}
	if (options->progress && options->progress->update)
		options->progress->update(options->progress->data, 0, true);
	if (r == 0)
		r = import_describe(&job, source, options, err);
	if (r == 0)
		r = import_commit(paths, &job, options->alias, &existed, err);
	if (r == 0)
		memcpy(ret_fingerprint, job.fingerprint, 65);
	import_job_abort(&job);
	if (r < 0)
		return r;
	*ret_existed = existed;
	return 0;
}
