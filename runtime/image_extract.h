/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_EXTRACT_H
#define REEF_RUNTIME_IMAGE_EXTRACT_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/cleanup.h"
#include "../common/error.h"
#include "image.h"
#include "sha256.h"

/*
 * Safe unpacking into an image's rootfs.  Every member path is cleaned
 * (no "..", no absolute path), no member is written through a symlink, and
 * hard links must point at something already inside the rootfs.
 * libarchive's ARCHIVE_EXTRACT_SECURE_* flags check the same, and reef
 * checks again with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) so that
 * the rule applies whatever the libarchive version.  Ownership (numeric ids,
 * never remapped through the host's user names), modes, times, ACLs and
 * extended attributes (file capabilities included) are kept.
 */
struct image_writer {
	struct archive *disk;
	int root_fd;	     /* the rootfs directory */
	int saved_cwd;	     /* the working directory to return to */
	char root[PATH_MAX]; /* the rootfs path, for messages and tree removals */
	uint64_t bytes;	     /* sum of the regular files' sizes written, for progress */
	uint64_t entries;
};

/* Opens ROOT, an existing directory, for unpacking; the working directory changes until close. */
int image_writer_open(struct image_writer *w, const char *root, struct reef_error *err);
/* Applies the directory modes and times that libarchive defers, and restores the working directory. */
int image_writer_close(struct image_writer *w, struct reef_error *err);

/*
 * Copies the current ENTRY of IN (data included) into the rootfs.  When
 * CONTENT is not NULL, the member's data is also fed to it.
 */
int image_writer_copy(struct image_writer *w, struct archive *in, struct archive_entry *entry,
		      struct sha256 *content, struct reef_error *err);

/*
 * Applies the OCI whiteouts of the layer IN: ".wh.NAME" deletes NAME and
 * ".wh..wh..opq" empties its directory.  Run over a layer before
 * image_writer_unpack(), so that whiteouts hide only the lower layers' files.
 */
int image_writer_whiteouts(struct image_writer *w, struct archive *in, struct reef_error *err);

/* Unpacks every member of IN; with SKIP_WHITEOUTS the whiteout markers are left out. */
int image_writer_unpack(struct image_writer *w, struct archive *in, bool skip_whiteouts,
			struct reef_error *err);

/*
 * A file read for libarchive that hashes every byte and reports progress.
 */
struct image_source {
	int fd;
	struct sha256 hash;
	uint64_t bytes;
	const struct image_progress *progress;
	uint64_t *progress_total; /* shared counter across sources; NULL: use BYTES */
	uint64_t last_report_ns;
	unsigned char buffer[1 << 20];
};

/* Opens PATH as a tar reader (any compression) fed through SOURCE. */
int image_source_open(struct image_source *source, const char *path,
		      const struct image_progress *progress, struct archive **ret,
		      struct reef_error *err);

/* Reports TOTAL bytes to PROGRESS, at most every 100 ms unless FORCE. */
void image_progress_report(const struct image_progress *progress, uint64_t total,
			   uint64_t *last_report_ns, bool force);

DEFINE_CLEANUP(struct archive, archive_read_free)
#define _cleanup_archive_read_ _cleanup_(archive_read_free_cleanup)

#endif
