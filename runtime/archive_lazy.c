/* SPDX-License-Identifier: MIT */
/*
 * libarchive, loaded on first use.  Only image import and export read or
 * write archives, yet linking libarchive and the XML, ICU, compression and
 * crypto libraries it depends on cost every reef process about 2 ms of
 * loading and relocation at start (measured with Debian 12's libarchive
 * 3.6.2 on a 2-core VM), `reef launch` and `reef exec` included.  These
 * definitions of the libarchive functions that reef calls take precedence
 * over the shared library at link time, so with --as-needed the binaries
 * carry no dependency on it.  Each one looks up the real function once.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define ARCHIVE_LIBRARY "libarchive.so.13"

static void *archive_library;
static pthread_once_t archive_once = PTHREAD_ONCE_INIT;

static void archive_library_load(void)
{
	archive_library = dlopen(ARCHIVE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
}

/*
 * Returns the address of libarchive's function NAME.  Without the library
 * no archive can be read or written at all, so a missing library or
 * function ends the process with an error that names it.
 */
static void *archive_symbol(const char *name)
{
	void *fn;

	pthread_once(&archive_once, archive_library_load);
	if (!archive_library) {
		fprintf(stderr, "reef: load %s failed: %s: install libarchive13\n", ARCHIVE_LIBRARY,
			dlerror());
		exit(EXIT_FAILURE);
	}
	fn = dlsym(archive_library, name);
	if (!fn) {
		fprintf(stderr,
			"reef: function %s is missing in %s: install libarchive 3.6 or newer\n",
			name, ARCHIVE_LIBRARY);
		exit(EXIT_FAILURE);
	}
	return fn;
}

#define LAZY(ret, name, params, args)                              \
	ret name params                                            \
	{                                                          \
		static ret(*fn) params;                            \
		if (!fn)                                           \
			fn = (ret(*) params)archive_symbol(#name); \
		return fn args;                                    \
	}

#define LAZY_VOID(name, params, args)                               \
	void name params                                            \
	{                                                           \
		static void(*fn) params;                            \
		if (!fn)                                            \
			fn = (void(*) params)archive_symbol(#name); \
		fn args;                                            \
	}

typedef struct archive *archive_ptr;
typedef struct archive_entry *archive_entry_ptr;
typedef struct archive_entry_linkresolver *linkresolver_ptr;
typedef const char *const_string;

LAZY_VOID(archive_entry_copy_hardlink, (struct archive_entry * e, const char *s), (e, s))
LAZY_VOID(archive_entry_copy_pathname, (struct archive_entry * e, const char *s), (e, s))
LAZY(__LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e))
LAZY_VOID(archive_entry_free, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_gid, (struct archive_entry * e), (e))
LAZY(const_string, archive_entry_hardlink, (struct archive_entry * e), (e))
LAZY_VOID(archive_entry_linkify,
	  (struct archive_entry_linkresolver * r, struct archive_entry **e,
	   struct archive_entry **spare),
	  (r, e, spare))
LAZY_VOID(archive_entry_linkresolver_free, (struct archive_entry_linkresolver * r), (r))
LAZY(linkresolver_ptr, archive_entry_linkresolver_new, (void), ())
LAZY_VOID(archive_entry_linkresolver_set_strategy,
	  (struct archive_entry_linkresolver * r, int format), (r, format))
LAZY(archive_entry_ptr, archive_entry_new, (void), ())
LAZY(const_string, archive_entry_pathname, (struct archive_entry * e), (e))
LAZY(__LA_MODE_T, archive_entry_perm, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
LAZY(const_string, archive_entry_symlink, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_uid, (struct archive_entry * e), (e))
LAZY(const_string, archive_error_string, (struct archive * a), (a))
LAZY(int, archive_read_data_block,
     (struct archive * a, const void **buff, size_t *size, la_int64_t *offset),
     (a, buff, size, offset))
LAZY(int, archive_read_disk_descend, (struct archive * a), (a))
LAZY(archive_ptr, archive_read_disk_new, (void), ())
LAZY(int, archive_read_disk_open, (struct archive * a, const char *path), (a, path))
LAZY(int, archive_read_disk_set_behavior, (struct archive * a, int flags), (a, flags))
LAZY(int, archive_read_disk_set_symlink_physical, (struct archive * a), (a))
LAZY(int, archive_read_free, (struct archive * a), (a))
LAZY(archive_ptr, archive_read_new, (void), ())
LAZY(int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
LAZY(int, archive_read_next_header2, (struct archive * a, struct archive_entry *e), (a, e))
LAZY(int, archive_read_open,
     (struct archive * a, void *data, archive_open_callback *open_cb,
      archive_read_callback *read_cb, archive_close_callback *close_cb),
     (a, data, open_cb, read_cb, close_cb))
LAZY(int, archive_read_open_filename, (struct archive * a, const char *file, size_t block),
     (a, file, block))
LAZY(int, archive_read_support_filter_all, (struct archive * a), (a))
LAZY(int, archive_read_support_format_tar, (struct archive * a), (a))
LAZY(int, archive_write_add_filter_gzip, (struct archive * a), (a))
LAZY(int, archive_write_add_filter_none, (struct archive * a), (a))
LAZY(int, archive_write_add_filter_xz, (struct archive * a), (a))
LAZY(int, archive_write_add_filter_zstd, (struct archive * a), (a))
LAZY(int, archive_write_close, (struct archive * a), (a))
LAZY(la_ssize_t, archive_write_data, (struct archive * a, const void *buf, size_t size),
     (a, buf, size))
LAZY(la_ssize_t, archive_write_data_block,
     (struct archive * a, const void *buf, size_t size, la_int64_t offset), (a, buf, size, offset))
LAZY(archive_ptr, archive_write_disk_new, (void), ())
LAZY(int, archive_write_disk_set_options, (struct archive * a, int flags), (a, flags))
LAZY(int, archive_write_finish_entry, (struct archive * a), (a))
LAZY(int, archive_write_free, (struct archive * a), (a))
LAZY(int, archive_write_header, (struct archive * a, struct archive_entry *e), (a, e))
LAZY(archive_ptr, archive_write_new, (void), ())
LAZY(int, archive_write_open_filename, (struct archive * a, const char *file), (a, file))
LAZY(int, archive_write_set_format_pax_restricted, (struct archive * a), (a))

/* The real function is variadic too, so the message is formatted here and passed as "%s". */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void (*fn)(struct archive *, int, const char *, ...);
	char message[1024];
	va_list ap;

	if (!fn)
		fn = (void (*)(struct archive *, int, const char *, ...))archive_symbol(
			"archive_set_error");
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	fn(a, err, "%s", message);
}
