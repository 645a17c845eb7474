/* SPDX-License-Identifier: MIT */
#include "cgroup_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"

static const struct {
	const char *name;
	unsigned bit;
} controller_names[] = {
	{ "cpu", CG_CPU },	 { "memory", CG_MEMORY },   { "pids", CG_PIDS },
	{ "cpuset", CG_CPUSET }, { "freezer", CG_FREEZER },
};

const char *cgroup_controller_name(unsigned controller)
{
	for (size_t i = 0; i < sizeof(controller_names) / sizeof(controller_names[0]); i++)
		if (controller_names[i].bit == controller)
			return controller_names[i].name;
	return "unknown";
}

/* Turns a list of controller names separated by any of SEPARATORS into CG_* bits. */
static unsigned controllers_parse(char *list, const char *separators)
{
	unsigned bits = 0;
	char *save = NULL;

	for (char *tok = strtok_r(list, separators, &save); tok;
	     tok = strtok_r(NULL, separators, &save))
		for (size_t i = 0; i < sizeof(controller_names) / sizeof(controller_names[0]); i++)
			if (strcmp(tok, controller_names[i].name) == 0)
				bits |= controller_names[i].bit;
	return bits;
}

/* Undoes the octal escapes (\040 for a space) that mountinfo uses in paths, in place. */
static void mountinfo_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static bool mount_seen(const struct cgroup_mount *mounts, char (*keys)[256], size_t n,
		       const char *key, bool unified)
{
	for (size_t i = 0; i < n; i++)
		if (mounts[i].unified == unified && (unified || strcmp(keys[i], key) == 0))
			return true;
	return false;
}

/*
 * Parses one mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS
 * [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".  Returns false for lines that
 * are not cgroup mounts.
 */
static bool mountinfo_cgroup_parse(char *line, char **ret_path, char **ret_superopts,
				   bool *ret_unified)
{
	char *save = NULL, *tok, *path = NULL, *fstype;
	int field = 0;

	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (field++ == 4)
			path = tok;
		if (strcmp(tok, "-") == 0 && field > 6)
			break;
	}
	fstype = strtok_r(NULL, " \n", &save);
	if (!tok || !path || !fstype || !strtok_r(NULL, " \n", &save))
		return false;
	*ret_superopts = strtok_r(NULL, " \n", &save);
	if (!*ret_superopts)
		return false;
	if (strcmp(fstype, "cgroup2") == 0)
		*ret_unified = true;
	else if (strcmp(fstype, "cgroup") == 0)
		*ret_unified = false;
	else
		return false;
	mountinfo_unescape(path);
	*ret_path = path;
	return true;
}

int cgroup_mounts_read(struct cgroup_mount *mounts, size_t max, size_t *ret_n,
		       struct reef_error *err)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int r;

	if (!f)
		return error_set_errno(err, errno, "open /proc/self/mountinfo");
	r = cgroup_mounts_parse(f, mounts, max, ret_n, err);
	fclose(f);
	return r;
}

int cgroup_mounts_parse(FILE *f, struct cgroup_mount *mounts, size_t max, size_t *ret_n,
			struct reef_error *err)
{
	_cleanup_(free_ptr) char *line = NULL;
	char keys[max][256];
	size_t cap = 0, n = 0;

	while (getline(&line, &cap, f) > 0) {
		char *path, *superopts;
		bool unified;

		if (!mountinfo_cgroup_parse(line, &path, &superopts, &unified))
			continue;
		/* Two mounts of one v1 hierarchy have the same super options. */
		if (mount_seen(mounts, keys, n, superopts, unified))
			continue;
		if (n == max)
			return error_set(err, E2BIG, "more than %zu cgroup hierarchies are mounted",
					 max);
		if (strlen(path) >= sizeof(mounts[n].path))
			return error_set(err, ENAMETOOLONG,
					 "cgroup mount path '%.64s...' is too long", path);
		snprintf(keys[n], sizeof(keys[n]), "%s", superopts);
		strcpy(mounts[n].path, path);
		mounts[n].unified = unified;
		mounts[n].controllers = unified ? 0 : controllers_parse(superopts, ",");
		n++;
	}
	*ret_n = n;
	return 0;
}

int cgroup_file_read(const char *dir, const char *file, char *buf, size_t size,
		     struct reef_error *err)
{
	_cleanup_(close_fd) int fd = -1;
	char path[PATH_MAX];
	size_t len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	while (len + 1 < size) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, errno, "read '%s'", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return 0;
}

int cgroup_file_write(const char *dir, const char *file, const char *value, struct reef_error *err)
{
	_cleanup_(close_fd) int fd = -1;
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, errno, "open '%s'", path);
	/* The kernel parses each write() as one value, so the value goes in one call. */
	n = write(fd, value, len);
	if (n < 0)
		return error_set_errno(err, errno, "write '%s' to '%s'", value, path);
	if ((size_t)n != len)
		return error_set(err, EIO, "write '%s' to '%s': short write", value, path);
	return 0;
}

int cgroup_file_write_u64(const char *dir, const char *file, uint64_t value, struct reef_error *err)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRIu64, value);
	return cgroup_file_write(dir, file, text, err);
}

int cgroup_v2_controllers_read(const char *dir, const char *file, unsigned *ret,
			       struct reef_error *err)
{
	char list[1024];
	int r;

	r = cgroup_file_read(dir, file, list, sizeof(list), err);
	if (r < 0)
		return r;
	*ret = controllers_parse(list, " \n");
	return 0;
}

int cgroup_procs_kill(const char *dir, size_t *ret_left, struct reef_error *err)
{
	_cleanup_(free_ptr) char *line = NULL;
	char path[PATH_MAX];
	size_t cap = 0, left = 0;
	FILE *f;

	*ret_left = 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return 0;
	if (!f)
		return error_set_errno(err, errno, "open '%s'", path);
	while (getline(&line, &cap, f) > 0) {
		int pid = atoi(line);

		if (pid <= 0)
			continue;
		left++;
		if (kill(pid, SIGKILL) < 0 && errno != ESRCH) {
			int e = errno;

			fclose(f);
			return error_set_errno(err, e, "kill process %d of cgroup '%s'", pid, dir);
		}
	}
	fclose(f);
	*ret_left = left;
	return 0;
}

void cgroup_v1_freeze(const char *dir, bool frozen)
{
	char state[32];

	if (cgroup_file_write(dir, "freezer.state", frozen ? "FROZEN" : "THAWED", NULL) < 0 ||
	    !frozen)
		return;
	for (int i = 0; i < 200; i++) {
		if (cgroup_file_read(dir, "freezer.state", state, sizeof(state), NULL) < 0 ||
		    strncmp(state, "FROZEN", 6) == 0)
			return;
		usleep(5000);
	}
}

void cgroup_parents_prune(const char *mount, const char *instance)
{
	char path[PATH_MAX];

	/* Another container may still use them: then rmdir fails with EBUSY, which is fine. */
	snprintf(path, sizeof(path), "%s/reef/%s", mount, instance);
	if (rmdir(path) == 0 || errno == ENOENT) {
		snprintf(path, sizeof(path), "%s/reef", mount);
		rmdir(path);
	}
}
