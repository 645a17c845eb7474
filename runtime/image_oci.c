/* SPDX-License-Identifier: MIT */
#include "image_oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "image_path.h"

#define MEDIA_OCI_INDEX	      "application/vnd.oci.image.index.v1+json"
#define MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* Reads "sha256:HEX" into RET_HEX; other algorithms are rejected. */
static int oci_digest_parse(const json_t *descriptor, const char *where, char ret_hex[65],
			    uint64_t *ret_size, struct reef_error *err)
{
	const char *digest = NULL;
	long long size = 0;
	int r;

	r = json_read_string(descriptor, "digest", true, &digest, where, err);
	if (r == 0)
		r = json_read_int(descriptor, "size", true, 0, (long long)1 << 50, &size, where,
				  err);
	if (r < 0)
		return r;
	if (strncmp(digest, "sha256:", 7) != 0 || !image_fingerprint_is_valid(digest + 7))
		return error_set(err, EINVAL,
				 "invalid %s: digest '%.80s' is not sha256 and 64 lowercase hex "
				 "digits",
				 where, digest);
	memcpy(ret_hex, digest + 7, 65);
	*ret_size = (uint64_t)size;
	return 0;
}

static const char *host_oci_arch(void)
{
	static struct utsname u;
	static const char *const names[][2] = {
		{ "x86_64", "amd64" },	  { "aarch64", "arm64" },   { "i686", "386" },
		{ "armv7l", "arm" },	  { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};

	if (uname(&u) < 0)
		return "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(u.machine, names[i][0]) == 0)
			return names[i][1];
	return u.machine;
}

static bool descriptor_is_index(const char *media_type)
{
	return media_type && (strcmp(media_type, MEDIA_OCI_INDEX) == 0 ||
			      strcmp(media_type, MEDIA_DOCKER_LIST) == 0);
}

int oci_index_pick(const char *text, size_t len, const char *arch, char ret_digest[65],
		   enum oci_descriptor_kind *ret_kind, uint64_t *ret_size, struct reef_error *err)
{
	_cleanup_json_ json_t *index = NULL;
	json_t *manifests, *item, *chosen = NULL;
	size_t i, n_candidates = 0;
	int r = json_parse_object(text, len, &index, err);

	if (r == 0)
		r = json_read_array(index, "manifests", true, &manifests, "OCI index", err);
	if (r < 0)
		return r;

	json_array_foreach (manifests, i, item) {
		json_t *platform;
		const char *item_arch = NULL;

		if (!json_is_object(item))
			return error_set(err, EINVAL,
					 "invalid OCI index: manifests[%zu] is not "
					 "an object",
					 i);
		n_candidates++;
		platform = json_object_get(item, "platform");
		if (json_is_object(platform))
			item_arch = json_string_value(json_object_get(platform, "architecture"));
		if (!chosen || (item_arch && strcmp(item_arch, arch) == 0))
			chosen = item;
		if (item_arch && strcmp(item_arch, arch) == 0)
			break;
	}
	if (!chosen)
		return error_set(err, EINVAL, "invalid OCI index: it lists no manifest");
	if (n_candidates > 1) {
		json_t *platform = json_object_get(chosen, "platform");
		const char *chosen_arch =
			json_string_value(json_object_get(platform, "architecture"));

		if (!chosen_arch || strcmp(chosen_arch, arch) != 0)
			return error_set(err, EINVAL,
					 "OCI index lists %zu manifests and none for architecture "
					 "'%s': copy only the wanted one",
					 n_candidates, arch);
	}

	r = oci_digest_parse(chosen, "OCI index manifest", ret_digest, ret_size, err);
	if (r < 0)
		return r;
	*ret_kind = descriptor_is_index(json_string_value(json_object_get(chosen, "mediaType")))
			    ? OCI_DESCRIPTOR_INDEX
			    : OCI_DESCRIPTOR_MANIFEST;
	return 0;
}

void oci_manifest_clear(struct oci_manifest *manifest)
{
	free(manifest->layer_digests);
	free(manifest->layer_sizes);
	memset(manifest, 0, sizeof(*manifest));
}

int oci_manifest_parse(const char *text, size_t len, struct oci_manifest *ret,
		       struct reef_error *err)
{
	_cleanup_json_ json_t *manifest = NULL;
	struct oci_manifest m = { 0 };
	json_t *config, *layers, *layer;
	const char *media_type = NULL;
	size_t i;
	int r = json_parse_object(text, len, &manifest, err);

	if (r == 0)
		r = json_read_string(manifest, "mediaType", false, &media_type, "OCI manifest",
				     err);
	if (r == 0 && media_type && strcmp(media_type, MEDIA_OCI_MANIFEST) != 0 &&
	    strcmp(media_type, MEDIA_DOCKER_MANIFEST) != 0)
		r = error_set(err, EINVAL, "OCI manifest has media type '%.100s', expected '%s'",
			      media_type, MEDIA_OCI_MANIFEST);
	if (r == 0)
		r = json_read_object(manifest, "config", true, &config, "OCI manifest", err);
	if (r == 0)
		r = oci_digest_parse(config, "OCI manifest config", m.config_digest, &m.config_size,
				     err);
	if (r == 0)
		r = json_read_array(manifest, "layers", true, &layers, "OCI manifest", err);
	if (r < 0)
		return r;

	m.n_layers = json_array_size(layers);
	m.layer_digests = calloc(m.n_layers + 1, sizeof(*m.layer_digests));
	m.layer_sizes = calloc(m.n_layers + 1, sizeof(*m.layer_sizes));
	if (!m.layer_digests || !m.layer_sizes) {
		oci_manifest_clear(&m);
		return error_set(err, ENOMEM, "allocate the OCI layer list");
	}
	json_array_foreach (layers, i, layer) {
		char where[64];

		snprintf(where, sizeof(where), "OCI manifest layers[%zu]", i);
		if (!json_is_object(layer))
			r = error_set(err, EINVAL, "invalid %s: expected an object", where);
		else
			r = oci_digest_parse(layer, where, m.layer_digests[i], &m.layer_sizes[i],
					     err);
		if (r < 0) {
			oci_manifest_clear(&m);
			return r;
		}
	}
	*ret = m;
	return 0;
}

int oci_config_parse(const char *text, size_t len, json_t *ret_metadata, struct reef_error *err)
{
	static const char *const keys[] = { "Env", "Entrypoint", "Cmd", "WorkingDir", "User" };
	_cleanup_json_ json_t *config = NULL;
	json_t *inner = NULL, *launch;
	const char *arch = NULL, *created = NULL;
	int r = json_parse_object(text, len, &config, err);

	if (r == 0)
		r = json_read_string(config, "architecture", false, &arch, "OCI config", err);
	if (r == 0)
		r = json_read_string(config, "created", false, &created, "OCI config", err);
	if (r == 0)
		r = json_read_object(config, "config", false, &inner, "OCI config", err);
	if (r < 0)
		return r;

	launch = json_object();
	for (size_t i = 0; inner && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *value = json_object_get(inner, keys[i]);
		bool is_list = i < 3;
		bool valid = json_is_null(value) ||
			     (is_list ? json_is_array(value) : json_is_string(value));

		for (size_t j = 0; valid && is_list && j < json_array_size(value); j++)
			valid = json_is_string(json_array_get(value, j));
		if (!value || json_is_null(value))
			continue;
		if (!valid) {
			json_decref(launch);
			return error_set(err, EINVAL, "invalid OCI config: 'config.%s' must be %s",
					 keys[i], is_list ? "an array of strings" : "a string");
		}
		json_object_set(launch, keys[i], value);
	}
	json_object_set_new(ret_metadata, "config", launch);
	if (arch)
		json_object_set_new(ret_metadata, "architecture",
				    json_string(image_arch_from_oci(arch)));
	if (created)
		json_object_set_new(ret_metadata, "created_at", json_string(created));
	return 0;
}

/* Reads a small blob of DIR whole and checks its size and digest. */
static int oci_blob_read(const char *dir, const char *hex, uint64_t size, char **ret,
			 size_t *ret_len, struct reef_error *err)
{
	char path[PATH_MAX];
	_cleanup_(close_fd) int fd = -1;
	_cleanup_(free_ptr) char *data = NULL;
	char actual[SHA256_HEX_SIZE];
	struct sha256 hash;
	size_t used = 0;

	if (size > OCI_BLOB_MAX)
		return error_set(err, EFBIG,
				 "OCI blob sha256:%s is %llu bytes, more than the %u "
				 "allowed for JSON",
				 hex, (unsigned long long)size, OCI_BLOB_MAX);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "open OCI blob '%s'", path);
	data = malloc(size + 1);
	if (!data)
		return error_set(err, ENOMEM, "read OCI blob '%s'", path);
	while (used <= size) {
		ssize_t n = read(fd, data + used, size + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, errno, "read OCI blob '%s'", path);
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used != size)
		return error_set(err, EINVAL,
				 "OCI blob '%s' has %s bytes than its descriptor's %llu", path,
				 used > size ? "more" : "fewer", (unsigned long long)size);
	sha256_init(&hash);
	sha256_update(&hash, data, used);
	sha256_final_hex(&hash, actual);
	if (strcmp(actual, hex) != 0)
		return error_set(err, EINVAL, "OCI blob '%s' is corrupt: its sha256 is %s", path,
				 actual);
	data[used] = '\0';
	*ret = take_ptr(data);
	*ret_len = used;
	return 0;
}

/* Follows index.json (and nested indexes) to one manifest. */
static int oci_manifest_find(const char *dir, char ret_digest[65], uint64_t *ret_size,
			     struct reef_error *err)
{
	char path[PATH_MAX];
	_cleanup_(free_ptr) char *text = NULL;
	enum oci_descriptor_kind kind;
	size_t len;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/index.json", dir);
	f = fopen(path, "re");
	if (!f)
		return error_set_errno(err, errno, "open '%s'", path);
	text = malloc(OCI_BLOB_MAX + 1);
	len = text ? fread(text, 1, OCI_BLOB_MAX + 1, f) : 0;
	fclose(f);
	if (!text)
		return error_set(err, ENOMEM, "read '%s'", path);
	if (len > OCI_BLOB_MAX)
		return error_set(err, EFBIG, "'%s' is larger than %u bytes", path, OCI_BLOB_MAX);

	r = oci_index_pick(text, len, host_oci_arch(), ret_digest, &kind, ret_size, err);
	/* An index may point at another index (a multi-platform image); follow a few levels. */
	for (int depth = 0; r == 0 && kind == OCI_DESCRIPTOR_INDEX; depth++) {
		char digest[65];

		if (depth == 4)
			return error_set(err, ELOOP, "OCI indexes nest more than 4 levels deep");
		free(text);
		text = NULL;
		memcpy(digest, ret_digest, sizeof(digest));
		r = oci_blob_read(dir, digest, *ret_size, &text, &len, err);
		if (r == 0)
			r = oci_index_pick(text, len, host_oci_arch(), ret_digest, &kind, ret_size,
					   err);
	}
	if (r < 0)
		return error_prefix(err, "read '%s'", path);
	return 0;
}

/* Hashes the blob at PATH and compares it with its descriptor's digest and size. */
static int oci_blob_verify(const char *path, const char *hex, uint64_t size,
			   struct image_source *source, struct reef_error *err)
{
	char actual[SHA256_HEX_SIZE];
	_cleanup_(close_fd) int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct sha256 hash;
	uint64_t bytes = 0;

	if (fd < 0)
		return error_set_errno(err, errno, "open OCI blob '%s'", path);
	sha256_init(&hash);
	for (;;) {
		ssize_t n = read(fd, source->buffer, sizeof(source->buffer));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, errno, "read OCI blob '%s'", path);
		if (n == 0)
			break;
		sha256_update(&hash, source->buffer, (size_t)n);
		bytes += (uint64_t)n;
	}
	sha256_final_hex(&hash, actual);
	if (strcmp(actual, hex) != 0 || bytes != size)
		return error_set(err, EINVAL,
				 "layer '%s' is corrupt: %llu bytes with sha256 %s, expected %llu "
				 "bytes with sha256 %s",
				 path, (unsigned long long)bytes, actual, (unsigned long long)size,
				 hex);
	return 0;
}

/*
 * Applies one layer in three reads: the digest check before anything is
 * trusted, the whiteouts (which hide only the lower layers' files), then
 * the layer's own files.
 */
static int oci_layer_apply(struct image_writer *w, const char *dir, const char *hex, uint64_t size,
			   struct image_source *source, struct reef_error *err)
{
	char path[PATH_MAX];
	struct archive *a = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, hex);
	r = oci_blob_verify(path, hex, size, source, err);
	if (r < 0)
		return r;

	r = image_source_open(source, path, source->progress, &a, err);
	if (r < 0)
		return r;
	r = image_writer_whiteouts(w, a, err);
	archive_read_free(a);
	if (r < 0)
		return error_prefix(err, "layer sha256:%.12s", hex);

	r = image_source_open(source, path, source->progress, &a, err);
	if (r < 0)
		return r;
	r = image_writer_unpack(w, a, true, err);
	archive_read_free(a);
	if (r < 0)
		return error_prefix(err, "layer sha256:%.12s", hex);
	return 0;
}

int oci_layout_unpack(struct image_writer *w, const char *dir,
		      const struct image_progress *progress, char ret_fingerprint[65],
		      json_t *metadata, struct reef_error *err)
{
	_cleanup_(free_ptr) char *config_text = NULL;
	_cleanup_(free_ptr) char *manifest_text = NULL;
	_cleanup_(free_ptr) struct image_source *source = NULL;
	struct oci_manifest manifest = { 0 };
	char digest[65];
	uint64_t size, total = 0;
	size_t len;
	int r;

	r = oci_manifest_find(dir, digest, &size, err);
	if (r == 0)
		r = oci_blob_read(dir, digest, size, &manifest_text, &len, err);
	if (r == 0)
		r = oci_manifest_parse(manifest_text, len, &manifest, err);
	if (r < 0)
		return r;
	r = oci_blob_read(dir, manifest.config_digest, manifest.config_size, &config_text, &len,
			  err);
	if (r == 0)
		r = oci_config_parse(config_text, len, metadata, err);
	if (r < 0)
		goto out;

	source = calloc(1, sizeof(*source));
	if (!source) {
		r = error_set(err, ENOMEM, "allocate a layer reader");
		goto out;
	}
	source->progress = progress;
	source->progress_total = &total;
	for (size_t i = 0; i < manifest.n_layers && r == 0; i++)
		r = oci_layer_apply(w, dir, manifest.layer_digests[i], manifest.layer_sizes[i],
				    source, err);
	if (r == 0)
		memcpy(ret_fingerprint, digest, 65);
out:
	oci_manifest_clear(&manifest);
	return r;
}
