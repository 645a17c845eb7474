/* SPDX-License-Identifier: MIT */
#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "seccomp_profile.h"

/*
 * A cache file is this header followed by COUNT struct sock_filter.  KEY
 * repeats the key in the file name, so a file renamed by hand is not
 * trusted, and CHECKSUM covers the instructions, so a truncated or
 * scribbled file is compiled again instead of being installed.
 */
#define SECCOMP_CACHE_MAGIC "reefbpf1"

struct seccomp_cache_header {
	char magic[8];
	uint32_t count;
	uint32_t reserved;
	uint64_t key;
	uint64_t checksum;
};

/* FNV-1a, 64 bits: a cache key and a corruption check, not a defence against tampering. */
static uint64_t fnv1a(uint64_t hash, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		hash ^= p[i];
		hash *= UINT64_C(0x100000001b3);
	}
	return hash;
}

#define FNV1A_INIT UINT64_C(0xcbf29ce484222325)

/* Hashes the profile text, the libseccomp version, the native arch and the file format. */
static uint64_t seccomp_cache_key(const char *text)
{
	const struct scmp_version *v = seccomp_version();
	char extra[128];
	uint64_t hash;

	hash = fnv1a(FNV1A_INIT, text, strlen(text) + 1);
	snprintf(extra, sizeof(extra), "libseccomp %u.%u.%u arch %u %s", v->major, v->minor,
		 v->micro, seccomp_arch_native(), SECCOMP_CACHE_MAGIC);
	return fnv1a(hash, extra, strlen(extra));
}

static int seccomp_cache_path(const struct reef_paths *paths, const char *profile, uint64_t key,
			      char *path, size_t size, struct reef_error *err)
{
	int n = snprintf(path, size, "%s/seccomp/%s-%016llx.bpf", paths->state_dir, profile,
			 (unsigned long long)key);

	if (n < 0 || (size_t)n >= size)
		return error_set(err, ENAMETOOLONG, "seccomp cache path under '%s' is too long",
				 paths->state_dir);
	return 0;
}

/*
 * Reads a cached filter.  Returns -ENOENT when there is no file and
 * -EBADMSG when the file is there but not a valid filter for KEY.
 */
static int seccomp_cache_read(const char *path, uint64_t key, struct seccomp_filter *ret,
			      struct reef_error *err)
{
	_cleanup_(close_fd) int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_(free_ptr) struct sock_filter *insns = NULL;
	struct seccomp_cache_header header;
	size_t bytes;
	struct stat st;

	if (fd < 0)
		return error_set_errno(err, errno, "open seccomp cache '%s'", path);
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, errno, "stat seccomp cache '%s'", path);
	if ((size_t)st.st_size < sizeof(header) ||
	    pread(fd, &header, sizeof(header), 0) != sizeof(header))
		return error_set(err, EBADMSG, "seccomp cache '%s' is shorter than its header",
				 path);
	if (memcmp(header.magic, SECCOMP_CACHE_MAGIC, 8) != 0 || header.key != key)
		return error_set(err, EBADMSG, "seccomp cache '%s' has a wrong header", path);
	if (header.count == 0 || header.count > BPF_MAXINSNS)
		return error_set(err, EBADMSG, "seccomp cache '%s' claims %u instructions", path,
				 header.count);
	bytes = header.count * sizeof(struct sock_filter);
	if ((size_t)st.st_size != sizeof(header) + bytes)
		return error_set(err, EBADMSG, "seccomp cache '%s' has %lld bytes, expected %zu",
				 path, (long long)st.st_size, sizeof(header) + bytes);

	insns = malloc(bytes);
	if (!insns)
		return error_set(err, ENOMEM, "allocate the seccomp filter");
	if (pread(fd, insns, bytes, sizeof(header)) != (ssize_t)bytes)
		return error_set_errno(err, errno ? errno : EIO, "read seccomp cache '%s'", path);
	if (fnv1a(FNV1A_INIT, insns, bytes) != header.checksum)
		return error_set(err, EBADMSG, "seccomp cache '%s' fails its checksum", path);
	ret->insns = take_ptr(insns);
	ret->len = (unsigned short)header.count;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes FILTER to PATH through a temporary file and rename(), so readers never see half a file. */
static int seccomp_cache_write(const char *path, uint64_t key, const struct seccomp_filter *filter,
			       struct reef_error *err)
{
	struct seccomp_cache_header header = { .count = filter->len, .key = key };
	size_t bytes = filter->len * sizeof(struct sock_filter);
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	r = mkdir_parents(dir, 0700, err);
	if (r < 0)
		return r;
	memcpy(header.magic, SECCOMP_CACHE_MAGIC, 8);
	header.checksum = fnv1a(FNV1A_INIT, filter->insns, bytes);

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "create '%s'", tmp);
	r = write_all(fd, &header, sizeof(header));
	if (r == 0)
		r = write_all(fd, filter->insns, bytes);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return error_set_errno(err, -r, "write seccomp cache '%s'", path);
	}
	return 0;
}

/* Compiles TEXT and stores the result at PATH; a failed store only costs the next launch time. */
static int seccomp_filter_compile_cached(const char *path, uint64_t key, const char *text,
					 struct seccomp_filter *ret, struct reef_error *err)
{
	struct reef_error write_err = { 0 };
	int r;

	r = seccomp_profile_compile(text, ret, err);
	if (r < 0)
		return r;
	if (path && seccomp_cache_write(path, key, ret, &write_err) < 0)
		log_warning("%s, ignoring", write_err.message);
	return 0;
}

int seccomp_filter_load(const struct reef_paths *paths, const char *profile,
			struct seccomp_filter *ret, struct reef_error *err)
{
	struct reef_error read_err = { 0 };
	char path[PATH_MAX];
	const char *text;
	uint64_t key;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!profile || strcmp(profile, "unconfined") == 0)
		return 0;
	text = seccomp_profile_text(profile);
	if (!text)
		return error_set(err, EINVAL,
				 "unknown seccomp profile '%s': give default or unconfined",
				 profile);
	key = seccomp_cache_key(text);
	if (!paths)
		return seccomp_filter_compile_cached(NULL, key, text, ret, err);

	r = seccomp_cache_path(paths, profile, key, path, sizeof(path), err);
	if (r < 0)
		return r;
	r = seccomp_cache_read(path, key, ret, &read_err);
	if (r == 0)
		return 0;
	if (r != -ENOENT)
		log_warning("%s, compiling the profile again", read_err.message);
	r = seccomp_filter_compile_cached(path, key, text, ret, err);
	if (r < 0)
		return error_prefix(err, "compile seccomp profile '%s'", profile);
	return 0;
}

void seccomp_filter_clear(struct seccomp_filter *filter)
{
	if (!filter)
		return;
	free(filter->insns);
	filter->insns = NULL;
	filter->len = 0;
}

int seccomp_filter_install(const struct seccomp_filter *filter, struct reef_error *err)
{
	struct sock_fprog prog;
	int r;

	if (!filter || filter->len == 0)
		return 0; /* unconfined */
	prog.len = filter->len;
	prog.filter = filter->insns;
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	if (r < 0 && errno == ENOSYS)
		r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
	if (r < 0 && errno == EACCES)
		return error_set_errno(err, errno,
				       "install seccomp filter: set no_new_privs first or keep "
				       "CAP_SYS_ADMIN");
	if (r < 0)
		return error_set_errno(err, errno, "install seccomp filter");
	return 0;
}
