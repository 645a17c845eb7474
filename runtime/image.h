/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_H
#define REEF_RUNTIME_IMAGE_H

#include <limits.h>

#include "../common/error.h"
#include "../common/paths.h"

/*
 * The local image store: PATHS->images/SHA256/ holds rootfs/ (the unpacked
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
 * -ENOENT when no image matches, with a message that says how to import one.
 */
int image_resolve(const struct reef_paths *paths, const char *name, char ret_fingerprint[65],
		  char ret_rootfs[PATH_MAX], struct image_config *ret_config,
		  struct reef_error *err);

void image_config_clear(struct image_config *config);

#endif
