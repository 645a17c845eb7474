/* SPDX-License-Identifier: MIT */
/*
 * Writes a tar archive member by member, including members that GNU tar
 * refuses to write, for the image store tests:
 *
 *   mktar OUT.tar[.gz|.xz|.zst] SPEC...
 *     f:PATH:CONTENT   regular file
 *     d:PATH           directory
 *     l:PATH:TARGET    symlink
 *     h:PATH:TARGET    hard link
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int add_member(struct archive *out, const char *spec)
{
	char kind = spec[0];
	char path[4096];
	const char *rest = spec + 2, *colon = strchr(rest, ':');
	struct archive_entry *entry = archive_entry_new();
	const char *value = colon ? colon + 1 : "";
	int r;

	if (spec[1] != ':' || (kind != 'd' && !colon)) {
		fprintf(stderr, "mktar: invalid member '%s'\n", spec);
		return -1;
	}
	snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
	archive_entry_set_pathname(entry, path);
	archive_entry_set_mtime(entry, 1700000000, 0);
	switch (kind) {
	case 'f':
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		archive_entry_set_size(entry, (la_int64_t)strlen(value));
		break;
	case 'd':
		archive_entry_set_filetype(entry, AE_IFDIR);
		archive_entry_set_perm(entry, 0755);
		break;
	case 'l':
		archive_entry_set_filetype(entry, AE_IFLNK);
		archive_entry_set_perm(entry, 0777);
		archive_entry_set_symlink(entry, value);
		break;
	case 'h':
		archive_entry_set_filetype(entry, AE_IFREG);
		archive_entry_set_perm(entry, 0644);
		archive_entry_set_hardlink(entry, value);
		break;
	default:
		fprintf(stderr, "mktar: unknown member kind '%c'\n", kind);
		archive_entry_free(entry);
		return -1;
	}
	r = archive_write_header(out, entry);
	if (r == ARCHIVE_OK && kind == 'f')
		archive_write_data(out, value, strlen(value));
	archive_entry_free(entry);
	if (r != ARCHIVE_OK) {
		fprintf(stderr, "mktar: %s: %s\n", path, archive_error_string(out));
		return -1;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(int argc, char **argv)
{
	struct archive *out = archive_write_new();

	if (argc < 2) {
		fprintf(stderr, "usage: mktar OUT.tar[.gz|.xz|.zst] f:PATH:CONTENT|d:PATH|"
				"l:PATH:TARGET|h:PATH:TARGET...\n");
		return 2;
	}
	archive_write_set_format_pax_restricted(out);
	if (ends_with(argv[1], ".gz"))
		archive_write_add_filter_gzip(out);
	else if (ends_with(argv[1], ".xz"))
		archive_write_add_filter_xz(out);
	else if (ends_with(argv[1], ".zst"))
		archive_write_add_filter_zstd(out);
	if (archive_write_open_filename(out, argv[1]) != ARCHIVE_OK) {
		fprintf(stderr, "mktar: %s: %s\n", argv[1], archive_error_string(out));
		return 1;
	}
	for (int i = 2; i < argc; i++)
		if (add_member(out, argv[i]) < 0)
			return 1;
	if (archive_write_close(out) != ARCHIVE_OK) {
		fprintf(stderr, "mktar: %s: %s\n", argv[1], archive_error_string(out));
		return 1;
	}
	archive_write_free(out);
	return 0;
}
