/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_H
#define REEF_RUNTIME_IMAGE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/paths.h"

/*
 * The local image store: PATHS->images/SHA256/ contains rootfs/ (the unpacked
 * root filesystem, used read-only as the overlayfs lower layer) and
 * metadata.json; aliases map names to fingerprints.
 */

/* Launch defaults from an OCI image config; NULL-terminated arrays, NULL when unset. */
struct image_config {
	char **env;
	char **entrypoint;
	char **cmd;
	char *working_dir;
	char *user;
};

/*
 * Resolves NAME (an alias, a full fingerprint or a unique fingerprint
 * prefix) to the image's fingerprint and rootfs directory, and its launch
 * defaults when RET_CONFIG is not NULL (free with image_config_clear()).
 * -ENOENT when no image matches, with a message that explains how to import one.
 */
int image_resolve(const struct reef_paths *paths, const char *name, char ret_fingerprint[65],
		  char ret_rootfs[PATH_MAX], struct image_config *ret_config,
		  struct reef_error *err);

void image_config_clear(struct image_config *config);

/*
 * Progress of a long import or export: UPDATE is called with the bytes read
 * so far at most every few milliseconds, and once more with DONE set.
 */
struct image_progress {
	void (*update)(void *data, uint64_t bytes, bool done);
	void *data;
};

struct image_import_options {
	const char *alias;		       /* NULL: no alias */
	const char *description;	       /* NULL: derived from the OS and release */
	const struct image_progress *progress; /* NULL: silent */
};

/*
 * Imports SOURCE (a rootfs tarball, a rootfs directory, an OCI image layout
 * or its tar) into the store.  The rootfs is unpacked into a temporary
 * directory inside the store and renamed into place only when complete, so
 * a failed import leaves nothing behind.  RET_EXISTED is set when the store
 * already held an image with this fingerprint (then only the alias is added).
 */
int image_import(const struct reef_paths *paths, const char *source,
		 const struct image_import_options *options, char ret_fingerprint[65],
		 bool *ret_existed, struct reef_error *err);

/* Returns an array of the images' metadata objects, each with its "aliases" added. */
int image_list(const struct reef_paths *paths, json_t **ret, struct reef_error *err);
/* Returns the metadata object of NAME, with its "aliases" added. */
int image_info(const struct reef_paths *paths, const char *name, json_t **ret,
	       struct reef_error *err);

/* Points ALIAS at the image NAME; -EEXIST when ALIAS already exists. */
int image_alias_add(const struct reef_paths *paths, const char *alias, const char *name,
		    struct reef_error *err);
int image_alias_remove(const struct reef_paths *paths, const char *alias, struct reef_error *err);
/* Returns the alias object {"ALIAS": "FINGERPRINT", ...}. */
int image_alias_list(const struct reef_paths *paths, json_t **ret, struct reef_error *err);

/*
 * Deletes the image NAME and its aliases; -EBUSY while a container's
 * config.json (PATHS->containers/NAME/config.json) contains its fingerprint
 * under "fingerprint" or "image".
 */
int image_delete(const struct reef_paths *paths, const char *name, struct reef_error *err);

/*
 * Writes the rootfs of NAME to FILE as a tarball compressed by FILE's
 * extension (.tar, .tar.gz, .tar.xz, .tar.zst), through FILE.tmp and rename.
 */
int image_export(const struct reef_paths *paths, const char *name, const char *file,
		 const struct image_progress *progress, struct reef_error *err);

#endif
