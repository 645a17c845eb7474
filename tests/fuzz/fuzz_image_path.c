/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the checks on archive member names and os-release
 * text.  A cleaned path must never be absolute or contain a ".." component,
 * cleaning must be idempotent, and a whiteout target must clean to itself.
 * FUZZ_SOURCES: runtime/image_path.c common/error.c
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/image_path.h"

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

static void check_path(const char *text)
{
	char clean[PATH_MAX], again[PATH_MAX], target[PATH_MAX];
	enum image_whiteout kind;

	if (image_path_clean(text, clean, sizeof(clean), NULL) < 0)
		return;
	if (clean[0] == '/' || has_dotdot(clean) || strstr(clean, "//"))
		abort();
	if (image_path_clean(clean, again, sizeof(again), NULL) < 0 || strcmp(clean, again) != 0)
		abort();
	if (image_whiteout_parse(clean, target, sizeof(target), &kind, NULL) < 0)
		return;
	if (kind == IMAGE_WHITEOUT_FILE || kind == IMAGE_WHITEOUT_OPAQUE) {
		if (image_path_clean(target, again, sizeof(again), NULL) < 0 ||
		    strcmp(target, again) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_release os;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_path(text);
	image_alias_validate(text, NULL);
	image_os_release_parse((const char *)data, size, &os);
	if (strlen(os.id) >= sizeof(os.id) || strlen(os.pretty_name) >= sizeof(os.pretty_name))
		abort();
	free(text);
	return 0;
}
