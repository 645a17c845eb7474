/* SPDX-License-Identifier: MIT */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int path_join(char *out, const char *dir, const char *name, struct reef_error *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX)
		return error_set(err, ENAMETOOLONG, "path '%s/%s' is too long", dir, name);
	return 0;
}

int paths_init(struct reef_paths *paths, const char *root, struct reef_error *err)
{
	int r = 0;

	if (!root)
		root = getenv("REEF_ROOT");
	if (root && root[0] == '\0')
		root = NULL;
	memset(paths, 0, sizeof(*paths));

	if (root) {
		if (root[0] != '/')
			return error_set(
				err, EINVAL,
				"invalid root '%s': give an absolute path, such as /tmp/reef",
				root);
		if (strlen(root) >= PATH_MAX - 64)
			return error_set(err, ENAMETOOLONG, "root '%.64s...' is too long", root);
		strcpy(paths->root, root);
		r = path_join(paths->state_dir, root, "lib", err);
		if (r == 0)
			r = path_join(paths->run_dir, root, "run", err);
	} else {
		strcpy(paths->state_dir, "/var/lib/reef");
		strcpy(paths->run_dir, "/run/reef");
	}
	if (r == 0)
		r = path_join(paths->socket, paths->run_dir, "netd.sock", err);
	if (r == 0)
		r = path_join(paths->database, paths->state_dir, "netd.db", err);
	if (r == 0)
		r = path_join(paths->containers, paths->state_dir, "containers", err);
	if (r == 0)
		r = path_join(paths->images, paths->state_dir, "images", err);
	return r;
}

int mkdir_parents(const char *dir, unsigned mode, struct reef_error *err)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return error_set(err, ENAMETOOLONG, "path '%s' is too long", dir);
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			return error_set_errno(err, errno, "create directory '%s'", path);
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "create directory '%s'", path);
	return 0;
}
