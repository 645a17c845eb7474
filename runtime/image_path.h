/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_IMAGE_PATH_H
#define REEF_RUNTIME_IMAGE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

/*
 * Pure checks on names that come from archives, OCI layouts and the
 * command line.  No I/O, so the unit tests and fuzz targets call them
 * directly.
 */

/*
 * Cleans the member path IN of an archive into OUT: drops empty and "."
 * components, so "./usr//bin/" becomes "usr/bin" and "./" becomes ".".
 * Rejects (-EINVAL) empty and absolute paths and any ".." component,
 * because either could place a file outside the image.
 */
int image_path_clean(const char *in, char *out, size_t size, struct reef_error *err);

enum image_whiteout {
	IMAGE_WHITEOUT_NONE,   /* an ordinary entry */
	IMAGE_WHITEOUT_FILE,   /* ".wh.NAME": delete NAME from the lower layers */
	IMAGE_WHITEOUT_OPAQUE, /* ".wh..wh..opq": hide the lower layers' content of the directory */
	IMAGE_WHITEOUT_OTHER,  /* other ".wh..wh." names (aufs metadata): skip the entry */
};

/*
 * Classifies the cleaned layer path PATH by the OCI whiteout rules.  For
 * FILE, RET_TARGET receives the path to delete; for OPAQUE, the directory
 * ("." for the top).  -EINVAL for whiteouts of "." or "..".
 */
int image_whiteout_parse(const char *path, char *ret_target, size_t size,
			 enum image_whiteout *ret_kind, struct reef_error *err);

/* True for 64 lowercase hex digits. */
bool image_fingerprint_is_valid(const char *s);
/* True when S is a non-empty run of lowercase hex digits of at most 64. */
bool image_fingerprint_is_prefix(const char *s);

/*
 * Aliases are 1 to 128 characters of ASCII letters, digits and "._-:",
 * starting with a letter or digit.  A full fingerprint is not an alias, and
 * neither is a name with '/', because 'reef launch' reads that as a rootfs
 * directory.
 */
#define IMAGE_ALIAS_MAX 128
int image_alias_validate(const char *alias, struct reef_error *err);

/* The fields of /etc/os-release that image metadata records. */
struct os_release {
	char id[64];
	char name[128];
	char version_id[64];
	char pretty_name[256];
};

/*
 * Parses os-release text (KEY=VALUE lines, values optionally quoted with
 * shell escapes) into RET; unknown keys and malformed lines are ignored,
 * as os-release(5) requires of readers.
 */
void image_os_release_parse(const char *text, size_t len, struct os_release *ret);

/* Maps an OCI (Go) architecture name to the kernel's ("amd64" -> "x86_64"). */
const char *image_arch_from_oci(const char *arch);

#endif
