/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the OCI index, manifest and config parsers, which
 * read JSON from image layouts that users download.  Every digest they
 * accept must be 64 lowercase hex digits, because it becomes a file name
 * under blobs/sha256/.
 * FUZZ_SOURCES: runtime/image_oci.c runtime/image_path.c runtime/image_extract.c runtime/image.c runtime/sha256.c common/json.c common/error.c common/paths.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/image_oci.h"
#include "../../runtime/image_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	enum oci_descriptor_kind kind;
	struct oci_manifest manifest;
	json_t *metadata = json_object();
	char digest[65];
	uint64_t blob_size;

	if (oci_index_pick(text, size, "amd64", digest, &kind, &blob_size, NULL) == 0 &&
	    !image_fingerprint_is_valid(digest))
		abort();
	if (oci_manifest_parse(text, size, &manifest, NULL) == 0) {
		if (!image_fingerprint_is_valid(manifest.config_digest))
			abort();
		for (size_t i = 0; i < manifest.n_layers; i++)
			if (!image_fingerprint_is_valid(manifest.layer_digests[i]))
				abort();
		oci_manifest_clear(&manifest);
	}
	oci_config_parse(text, size, metadata, NULL);
	json_decref(metadata);
	return 0;
}
