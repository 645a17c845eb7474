/* SPDX-License-Identifier: MIT */
/* The image's User: "uid[:gid]" numbers, or names looked up in the image's /etc/passwd and /etc/group. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "container.h"

static bool id_parse(const char *text, unsigned long *ret)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	*ret = strtoul(text, &end, 10);
	return !errno && !*end && *ret < 65536;
}

/*
 * Finds NAME in the image's FILE (etc/passwd or
 * etc/group), opened with RESOLVE_IN_ROOT so that a symlink in the image
 * cannot lead to the host's file; *RET_ID gets field 3, *RET_GID field 4.
 */
static int db_lookup(const char *rootfs, const char *file, const char *name, unsigned long *ret_id,
		     unsigned long *ret_gid)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	_cleanup_(close_fd) int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char line[1024];
	FILE *f;
	int fd;

	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, file, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *entry = strtok_r(line, ":", &save);
		char *password = strtok_r(NULL, ":", &save);
		char *id = strtok_r(NULL, ":", &save);
		char *gid = strtok_r(NULL, ":\n", &save);

		if (!entry || !password || !id || strcmp(entry, name) != 0 || !id_parse(id, ret_id))
			continue;
		if (ret_gid && (!gid || !id_parse(gid, ret_gid)))
			continue;
		fclose(f);
		return 0;
	}
	fclose(f);
	return -ENOENT;
}

int container_user_resolve(const char *rootfs, const char *user, uid_t *ret_uid, gid_t *ret_gid,
			   struct reef_error *err)
{
	char copy[256], *group;
	unsigned long uid = 0, gid = 0, primary = 0;
	int r;

	if (strlen(user) >= sizeof(copy))
		return error_set(err, EINVAL, "invalid user '%.32s...': too long", user);
	strcpy(copy, user);
	group = strchr(copy, ':');
	if (group)
		*group++ = '\0';

	if (!id_parse(copy, &uid)) {
		r = db_lookup(rootfs, "etc/passwd", copy, &uid, &primary);
		if (r < 0)
			return error_set(err, -r,
					 "user '%s' not found in the image's /etc/passwd: give a "
					 "uid, or a user of the image",
					 copy);
		gid = primary;
	}
	/* NOTE: a bare uid runs with gid 0; docker takes the uid's primary group from /etc/passwd. */
	if (group && !id_parse(group, &gid)) {
		r = db_lookup(rootfs, "etc/group", group, &gid, NULL);
		if (r < 0)
			return error_set(err, -r,
					 "group '%s' not found in the image's /etc/group: give a "
					 "gid, or a group of the image",
					 group);
	}
	*ret_uid = (uid_t)uid;
	*ret_gid = (gid_t)gid;
	return 0;
}
