/* SPDX-License-Identifier: MIT */
#include "image_path.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

int image_path_clean(const char *in, char *out, size_t size, struct reef_error *err)
{
	size_t used = 0;
	const char *p = in;

	if (in[0] == '\0')
		return error_set(err, EINVAL, "empty member path");
	if (in[0] == '/')
		return error_set(err, EINVAL, "member '%s' has an absolute path", in);

	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return error_set(err, EINVAL, "member '%s' contains '..'", in);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (used + (used > 0) + n + 1 > size)
				return error_set(err, ENAMETOOLONG, "member '%.64s...' is too long",
						 in);
			if (used > 0)
				out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
		}
		p = *end ? end + 1 : end;
	}
	if (used == 0) {
		if (size < 2)
			return error_set(err, ENAMETOOLONG, "member '%s' is too long", in);
		out[used++] = '.';
	}
	out[used] = '\0';
	return 0;
}

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define WHITEOUT_META	".wh..wh."

int image_whiteout_parse(const char *path, char *ret_target, size_t size,
			 enum image_whiteout *ret_kind, struct reef_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dir_len = slash ? (size_t)(slash - path) : 0;
	const char *name;
	int n;

	if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) != 0) {
		*ret_kind = IMAGE_WHITEOUT_NONE;
		return 0;
	}
	if (strcmp(base, WHITEOUT_OPAQUE) == 0) {
		n = dir_len ? snprintf(ret_target, size, "%.*s", (int)dir_len, path)
			    : snprintf(ret_target, size, ".");
		if (n < 0 || (size_t)n >= size)
			return error_set(err, ENAMETOOLONG, "whiteout '%.64s...' is too long",
					 path);
		*ret_kind = IMAGE_WHITEOUT_OPAQUE;
		return 0;
	}
	if (strncmp(base, WHITEOUT_META, strlen(WHITEOUT_META)) == 0) {
		*ret_kind = IMAGE_WHITEOUT_OTHER;
		return 0;
	}

	name = base + strlen(WHITEOUT_PREFIX);
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return error_set(err, EINVAL, "invalid whiteout '%s': it names no file", path);
	n = dir_len ? snprintf(ret_target, size, "%.*s/%s", (int)dir_len, path, name)
		    : snprintf(ret_target, size, "%s", name);
	if (n < 0 || (size_t)n >= size)
		return error_set(err, ENAMETOOLONG, "whiteout '%.64s...' is too long", path);
	*ret_kind = IMAGE_WHITEOUT_FILE;
	return 0;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool image_fingerprint_is_prefix(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= 64 || !is_lower_hex(s[i]))
			return false;
	return i > 0;
}

bool image_fingerprint_is_valid(const char *s)
{
	return image_fingerprint_is_prefix(s) && strlen(s) == 64;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int image_alias_validate(const char *alias, struct reef_error *err)
{
	size_t len = strlen(alias);

	if (len == 0 || len > IMAGE_ALIAS_MAX || !is_alnum(alias[0]))
		goto invalid;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(alias[i]) && !strchr("._-:", alias[i]))
			goto invalid;
	if (image_fingerprint_is_valid(alias))
		return error_set(err, EINVAL,
				 "invalid alias '%s': a full fingerprint cannot be an alias",
				 alias);
	return 0;

invalid:
	return error_set(err, EINVAL,
			 "invalid alias '%.*s': use 1 to %d letters, digits and '._-:', "
			 "starting with a letter or digit",
			 IMAGE_ALIAS_MAX + 1, alias, IMAGE_ALIAS_MAX);
}

/* Copies the os-release VALUE (quoted or bare, with backslash escapes) into OUT. */
static void os_release_unquote(const char *value, size_t len, char *out, size_t size)
{
	char quote = 0;
	size_t used = 0;

	if (len > 0 && (value[0] == '"' || value[0] == '\'')) {
		quote = value[0];
		value++;
		len--;
	}
	for (size_t i = 0; i < len && used + 1 < size; i++) {
		char c = value[i];

		if (quote && c == quote)
			break;
		if (c == '\\' && quote != '\'' && i + 1 < len)
			c = value[++i];
		if (c == '\0')
			break;
		out[used++] = c;
	}
	out[used] = '\0';
}

void image_os_release_parse(const char *text, size_t len, struct os_release *ret)
{
	static const struct {
		const char *key;
		size_t offset;
		size_t size;
	} fields[] = {
		{ "ID", offsetof(struct os_release, id), sizeof(ret->id) },
		{ "NAME", offsetof(struct os_release, name), sizeof(ret->name) },
		{ "VERSION_ID", offsetof(struct os_release, version_id), sizeof(ret->version_id) },
		{ "PRETTY_NAME", offsetof(struct os_release, pretty_name),
		  sizeof(ret->pretty_name) },
	};
	const char *p = text, *end = text + len;

	memset(ret, 0, sizeof(*ret));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *eq;

		if (!eol)
			eol = end;
		eq = memchr(p, '=', (size_t)(eol - p));
		for (size_t i = 0; eq && i < sizeof(fields) / sizeof(fields[0]); i++) {
			size_t key_len = strlen(fields[i].key);

			if ((size_t)(eq - p) != key_len || memcmp(p, fields[i].key, key_len) != 0)
				continue;
			os_release_unquote(eq + 1, (size_t)(eol - eq - 1),
					   (char *)ret + fields[i].offset, fields[i].size);
		}
		p = eol + 1;
	}
}

const char *image_arch_from_oci(const char *arch)
{
	static const char *const names[][2] = {
		{ "amd64", "x86_64" },	  { "arm64", "aarch64" },   { "386", "i686" },
		{ "arm", "armv7l" },	  { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arch, names[i][0]) == 0)
			return names[i][1];
	return arch;
}
