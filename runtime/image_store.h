/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_STORE_H
#define REEF_RUNTIME_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"
#include "../common/paths.h"

/*
 * Shared pieces of the image store for image.c, image_import.c and
 * image_export.c.  Layout under PATHS->images:
 *   SHA256/rootfs/        the unpacked root filesystem
 *   SHA256/metadata.json  see docs/images.md
 *   aliases.json          {"ALIAS": "SHA256", ...}, replaced with rename(2)
 *   .lock                 flock(2) held while aliases or images change
 *   .tmp-XXXXXX/          an import in progress, flock(2)ed by its importer
 */

/* Creates the store directory when missing. */
int image_store_prepare(const struct reef_paths *paths, struct reef_error *err);

/* Takes the store's exclusive lock; close the returned fd to release it. */
int image_store_lock(const struct reef_paths *paths, int *ret_fd, struct reef_error *err);

/* Loads aliases.json (an empty object when the file does not exist yet). */
int image_aliases_load(const struct reef_paths *paths, json_t **ret, struct reef_error *err);
/* Replaces aliases.json with ALIASES; call it with the store lock held. */
int image_aliases_save(const struct reef_paths *paths, json_t *aliases, struct reef_error *err);

/* Writes VALUE to PATH through a temporary file, fsync(2) and rename(2). */
int image_json_write_atomic(const char *path, json_t *value, struct reef_error *err);

/* Removes the tree at PATH without following symlinks or crossing mounts; absent is fine. */
int image_tree_remove(const char *path, struct reef_error *err);

/* Finds a fingerprint for NAME (alias, fingerprint or unique prefix). */
int image_lookup(const struct reef_paths *paths, const char *name, char ret_fingerprint[65],
		 struct reef_error *err);

#endif
