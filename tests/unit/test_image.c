/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../runtime/image_oci.h"
#include "../../runtime/image_path.h"
#include "../../runtime/sha256.h"

static void hash_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE])
{
	struct sha256 ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final_hex(&ctx, hex);
}

static void test_sha256_known_vectors(void **state)
{
	char hex[SHA256_HEX_SIZE];
	char million[1001];
	struct sha256 ctx;

	/* FIPS 180-4 examples. */
	hash_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	/* One million 'a', fed in pieces that straddle block boundaries. */
	memset(million, 'a', sizeof(million));
	sha256_init(&ctx);
	for (int i = 0; i < 1000; i++)
		sha256_update(&ctx, million, i % 2 ? 999 : 1001);
	sha256_final_hex(&ctx, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_split_updates(void **state)
{
	unsigned char data[300];
	char whole[SHA256_HEX_SIZE], split[SHA256_HEX_SIZE];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	hash_hex(data, sizeof(data), whole);
	for (size_t cut = 0; cut <= sizeof(data); cut += 13) {
		struct sha256 ctx;

		sha256_init(&ctx);
		sha256_update(&ctx, data, cut);
		sha256_update(&ctx, data + cut, sizeof(data) - cut);
		sha256_final_hex(&ctx, split);
		assert_string_equal(whole, split);
	}
}

static void test_path_clean_accepts(void **state)
{
	static const char *const cases[][2] = {
		{ "usr/bin/env", "usr/bin/env" },
		{ "./usr//bin/", "usr/bin" },
		{ "./", "." },
		{ ".", "." },
		{ "a/./b/.", "a/b" },
		{ "..a/b..", "..a/b.." },
		{ "...", "..." },
		{ "etc/.wh.x", "etc/.wh.x" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(image_path_clean(cases[i][0], out, sizeof(out), NULL), 0);
		assert_string_equal(out, cases[i][1]);
	}
}

static void test_path_clean_rejects(void **state)
{
	static const char *const bad[] = { "",		"/etc/passwd", "..",   "../x",
					   "a/../../x", "a/..",	       "./..", "//x" };
	struct reef_error err = { 0 };
	char out[64], small[4];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(image_path_clean(bad[i], out, sizeof(out), NULL), -EINVAL);
	assert_int_equal(image_path_clean("a/../b", out, sizeof(out), &err), -EINVAL);
	assert_string_equal(err.message, "member 'a/../b' contains '..'");
	assert_int_equal(image_path_clean("/x", out, sizeof(out), &err), -EINVAL);
	assert_string_equal(err.message, "member '/x' has an absolute path");
	assert_int_equal(image_path_clean("abcd", small, sizeof(small), NULL), -ENAMETOOLONG);
	assert_int_equal(image_path_clean("abc", small, sizeof(small), NULL), 0);
	assert_string_equal(small, "abc");
}

static void test_whiteout_kinds(void **state)
{
	enum image_whiteout kind;
	char target[64];

	assert_int_equal(image_whiteout_parse("etc/passwd", target, sizeof(target), &kind, NULL),
			 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_NONE);
	assert_int_equal(image_whiteout_parse("etc/.wh.gone", target, sizeof(target), &kind, NULL),
			 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_FILE);
	assert_string_equal(target, "etc/gone");
	assert_int_equal(image_whiteout_parse(".wh.top", target, sizeof(target), &kind, NULL), 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_FILE);
	assert_string_equal(target, "top");
	assert_int_equal(
		image_whiteout_parse("a/b/.wh..wh..opq", target, sizeof(target), &kind, NULL), 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_OPAQUE);
	assert_string_equal(target, "a/b");
	assert_int_equal(image_whiteout_parse(".wh..wh..opq", target, sizeof(target), &kind, NULL),
			 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_OPAQUE);
	assert_string_equal(target, ".");
	assert_int_equal(
		image_whiteout_parse("x/.wh..wh.plnk", target, sizeof(target), &kind, NULL), 0);
	assert_int_equal(kind, IMAGE_WHITEOUT_OTHER);
	/* A whiteout never names the directory itself or its parent. */
	assert_int_equal(image_whiteout_parse("x/.wh...", target, sizeof(target), &kind, NULL),
			 -EINVAL);
	assert_int_equal(image_whiteout_parse("x/.wh..", target, sizeof(target), &kind, NULL),
			 -EINVAL);
	assert_int_equal(image_whiteout_parse("x/.wh.", target, sizeof(target), &kind, NULL),
			 -EINVAL);
	assert_int_equal(image_whiteout_parse("a/.wh.long-name", target, 8, &kind, NULL),
			 -ENAMETOOLONG);
}

static void test_fingerprint_and_alias(void **state)
{
	const char *full = "2119b0ead9b205b9aec4e63a4658f7d1824a74aa5b4c7ed325ae89e5cca5beee";
	struct reef_error err = { 0 };

	assert_true(image_fingerprint_is_valid(full));
	assert_false(image_fingerprint_is_valid("2119b0ea"));
	assert_true(image_fingerprint_is_prefix("2119b0ea"));
	assert_false(image_fingerprint_is_prefix(""));
	assert_false(image_fingerprint_is_prefix("2119B0EA"));
	assert_false(image_fingerprint_is_prefix("debian"));

	assert_int_equal(image_alias_validate("debian-12", NULL), 0);
	assert_int_equal(image_alias_validate("debian/12", NULL), -EINVAL);
	assert_int_equal(image_alias_validate("busybox:1.36", NULL), 0);
	assert_int_equal(image_alias_validate("", NULL), -EINVAL);
	assert_int_equal(image_alias_validate("-x", NULL), -EINVAL);
	assert_int_equal(image_alias_validate("a b", NULL), -EINVAL);
	assert_int_equal(image_alias_validate(full, &err), -EINVAL);
	assert_string_equal(err.message, "invalid alias '2119b0ead9b205b9aec4e63a4658f7d1824a74aa5b"
					 "4c7ed325ae89e5cca5beee': a full fingerprint cannot be an "
					 "alias");
}

static void test_os_release_parse(void **state)
{
	static const char text[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
				   "NAME='Debian GNU/Linux'\n"
				   "# a comment\n"
				   "VERSION_ID=\"12\"\n"
				   "ID=debian\n"
				   "garbage line\n"
				   "HOME_URL=\"https://www.debian.org/\"\n"
				   "VERSION_CODENAME=bookworm";
	struct os_release os;

	image_os_release_parse(text, strlen(text), &os);
	assert_string_equal(os.id, "debian");
	assert_string_equal(os.name, "Debian GNU/Linux");
	assert_string_equal(os.version_id, "12");
	assert_string_equal(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");

	image_os_release_parse("NAME=\"a \\\"quoted\\\" name\"", 25, &os);
	assert_string_equal(os.name, "a \"quoted\" name");
	assert_string_equal(os.id, "");
	image_os_release_parse("", 0, &os);
	assert_string_equal(os.name, "");
}

static void test_oci_index_pick(void **state)
{
	static const char one[] =
		"{\"manifests\": [{\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\","
		" \"digest\": \"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		" \"size\": 500}]}";
	static const char multi[] =
		"{\"manifests\": ["
		"{\"digest\": \"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		" \"size\": 1, \"platform\": {\"architecture\": \"arm64\"}},"
		"{\"digest\": \"sha256:2222222222222222222222222222222222222222222222222222222222222222\","
		" \"size\": 2, \"platform\": {\"architecture\": \"amd64\"},"
		" \"mediaType\": \"application/vnd.oci.image.index.v1+json\"}]}";
	static const char bad_digest[] =
		"{\"manifests\": [{\"digest\": \"sha512:abcd\", \"size\": 1}]}";
	enum oci_descriptor_kind kind;
	struct reef_error err = { 0 };
	char digest[65];
	uint64_t size;

	assert_int_equal(oci_index_pick(one, strlen(one), "amd64", digest, &kind, &size, NULL), 0);
	assert_string_equal(digest,
			    "1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(kind, OCI_DESCRIPTOR_MANIFEST);
	assert_int_equal(size, 500);

	assert_int_equal(oci_index_pick(multi, strlen(multi), "amd64", digest, &kind, &size, NULL),
			 0);
	assert_string_equal(digest,
			    "2222222222222222222222222222222222222222222222222222222222222222");
	assert_int_equal(kind, OCI_DESCRIPTOR_INDEX);
	assert_int_equal(oci_index_pick(multi, strlen(multi), "s390x", digest, &kind, &size, &err),
			 -EINVAL);
	assert_string_equal(err.message, "OCI index lists 2 manifests and none for architecture "
					 "'s390x': copy only the wanted one");

	assert_int_equal(
		oci_index_pick(bad_digest, strlen(bad_digest), "amd64", digest, &kind, &size, NULL),
		-EINVAL);
	assert_int_equal(
		oci_index_pick("{\"manifests\": []}", 17, "amd64", digest, &kind, &size, NULL),
		-EINVAL);
	assert_int_equal(oci_index_pick("[]", 2, "amd64", digest, &kind, &size, NULL), -EINVAL);
}

static void test_oci_manifest_and_config(void **state)
{
	static const char manifest_text[] =
		"{\"schemaVersion\": 2, \"config\": {\"digest\": \"sha256:"
		"3333333333333333333333333333333333333333333333333333333333333333\", \"size\": 7},"
		" \"layers\": [{\"digest\": \"sha256:"
		"4444444444444444444444444444444444444444444444444444444444444444\", \"size\": 9},"
		"{\"digest\": \"sha256:"
		"5555555555555555555555555555555555555555555555555555555555555555\", \"size\": 10}]}";
	static const char traversal[] =
		"{\"config\": {\"digest\": \"sha256:../../../../etc/passwd\", \"size\": 7},"
		" \"layers\": []}";
	static const char config_text[] =
		"{\"architecture\": \"arm64\", \"config\": {\"Env\": [\"A=1\"], \"Cmd\": [\"sh\"],"
		" \"WorkingDir\": \"/w\", \"Labels\": {\"x\": \"y\"}}}";
	struct oci_manifest manifest;
	json_t *metadata = json_object();
	json_t *launch;

	assert_int_equal(oci_manifest_parse(manifest_text, strlen(manifest_text), &manifest, NULL),
			 0);
	assert_string_equal(manifest.config_digest,
			    "3333333333333333333333333333333333333333333333333333333333333333");
	assert_int_equal(manifest.n_layers, 2);
	assert_string_equal(manifest.layer_digests[1],
			    "5555555555555555555555555555555555555555555555555555555555555555");
	assert_int_equal(manifest.layer_sizes[1], 10);
	oci_manifest_clear(&manifest);
	assert_int_equal(oci_manifest_parse(traversal, strlen(traversal), &manifest, NULL),
			 -EINVAL);

	assert_int_equal(oci_config_parse(config_text, strlen(config_text), metadata, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(metadata, "architecture")),
			    "aarch64");
	launch = json_object_get(metadata, "config");
	assert_string_equal(json_string_value(json_array_get(json_object_get(launch, "Env"), 0)),
			    "A=1");
	assert_string_equal(json_string_value(json_object_get(launch, "WorkingDir")), "/w");
	assert_null(json_object_get(launch, "Labels"));
	assert_int_equal(oci_config_parse("{\"config\": {\"Cmd\": \"sh\"}}", 26, metadata, NULL),
			 -EINVAL);
	json_decref(metadata);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_known_vectors),
		cmocka_unit_test(test_sha256_split_updates),
		cmocka_unit_test(test_path_clean_accepts),
		cmocka_unit_test(test_path_clean_rejects),
		cmocka_unit_test(test_whiteout_kinds),
		cmocka_unit_test(test_fingerprint_and_alias),
		cmocka_unit_test(test_os_release_parse),
		cmocka_unit_test(test_oci_index_pick),
		cmocka_unit_test(test_oci_manifest_and_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
