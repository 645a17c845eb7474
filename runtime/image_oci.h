/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_OCI_H
#define REEF_RUNTIME_IMAGE_OCI_H

#include <jansson.h>
#include <stddef.h>

#include "../common/error.h"
#include "image_extract.h"

/*
 * OCI image layouts (image-spec v1: oci-layout, index.json, blobs/sha256/).
 * The parsers take the raw bytes of index.json, a manifest and a config,
 * so that the fuzz target can feed them directly.
 */

#define OCI_BLOB_MAX (4u << 20) /* largest index, manifest or config read, as registries use */

enum oci_descriptor_kind {
	OCI_DESCRIPTOR_MANIFEST,
	OCI_DESCRIPTOR_INDEX,
};

/* Picks the manifest for ARCH (OCI name, "amd64") from index or manifest list TEXT. */
int oci_index_pick(const char *text, size_t len, const char *arch, char ret_digest[65],
		   enum oci_descriptor_kind *ret_kind, uint64_t *ret_size, struct reef_error *err);

struct oci_manifest {
	char config_digest[65];
	uint64_t config_size;
	size_t n_layers;
	char (*layer_digests)[65];
	uint64_t *layer_sizes;
};

int oci_manifest_parse(const char *text, size_t len, struct oci_manifest *ret,
		       struct reef_error *err);
void oci_manifest_clear(struct oci_manifest *manifest);

/*
 * Reads the image config TEXT into RET_METADATA's "architecture",
 * "created" and "config" (Env, Entrypoint, Cmd, WorkingDir, User).
 */
int oci_config_parse(const char *text, size_t len, json_t *ret_metadata, struct reef_error *err);

/*
 * Unpacks the OCI layout in DIR into the rootfs of W: applies the chosen
 * manifest's layers in order (whiteouts first, then the files of each
 * layer) and verifies every blob's digest.  The fingerprint is the
 * manifest's sha256 digest; METADATA receives the config's fields.
 */
int oci_layout_unpack(struct image_writer *w, const char *dir,
		      const struct image_progress *progress, char ret_fingerprint[65],
		      json_t *metadata, struct reef_error *err);

#endif
