/* SPDX-License-Identifier: MIT */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "image_path.h"
#include "image_store.h"

static void closedir_cleanup(DIR **d)
{
	if (*d)
		closedir(*d);
}

int image_store_prepare(const struct reef_paths *paths, struct reef_error *err)
{
	/*
	 * Searchable but not listable by others: a container's unprivileged root
	 * resolves its lower layer below this directory.
	 */
	int r = mkdir_parents(paths->images, 0711, err);

	if (r < 0)
		return error_prefix(err, "prepare the image store");
	return 0;
}

int image_store_lock(const struct reef_paths *paths, int *ret_fd, struct reef_error *err)
{
	char path[PATH_MAX];
	_cleanup_(close_fd) int fd = -1;
	int r = image_store_prepare(paths, err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/.lock", paths->images);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "open the image store lock '%s'", path);
	if (flock(fd, LOCK_EX) < 0)
		return error_set_errno(err, errno, "lock the image store '%s'", path);
	*ret_fd = take_fd(fd);
	return 0;
}

int image_json_write_atomic(const char *path, json_t *value, struct reef_error *err)
{
	char tmp[PATH_MAX];
	_cleanup_(close_fd) int fd = -1;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	_cleanup_(free_ptr) char *text = NULL;
	size_t len;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "path '%s' is too long", path);
	text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		return error_set(err, ENOMEM, "serialise '%s'", path);
	len = strlen(text);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set_errno(err, errno, "create '%s'", tmp);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		int saved = errno ? errno : EIO;

		unlink(tmp);
		return error_set_errno(err, saved, "write '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		int saved = errno;

		unlink(tmp);
		return error_set_errno(err, saved, "rename '%s' to '%s'", tmp, path);
	}
	return 0;
}

int image_aliases_load(const struct reef_paths *paths, json_t **ret, struct reef_error *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *aliases;
	const char *key;
	json_t *value;

	snprintf(path, sizeof(path), "%s/aliases.json", paths->images);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*ret = json_object();
		return *ret ? 0 : error_set(err, ENOMEM, "allocate the alias table");
	}
	aliases = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!aliases)
		return error_set(err, EINVAL, "read '%s': line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(aliases))
		goto corrupt;
	json_object_foreach (aliases, key, value)
		if (!json_is_string(value) || !image_fingerprint_is_valid(json_string_value(value)))
			goto corrupt;
	*ret = aliases;
	return 0;

corrupt:
	json_decref(aliases);
	return error_set(err, EINVAL, "invalid '%s': expected an object of alias to fingerprint",
			 path);
}

int image_aliases_save(const struct reef_paths *paths, json_t *aliases, struct reef_error *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/aliases.json", paths->images);
	return image_json_write_atomic(path, aliases, err);
}

static int tree_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DP)
		return rmdir(path) < 0 ? errno : 0;
	return unlink(path) < 0 ? errno : 0;
}

int image_tree_remove(const char *path, struct reef_error *err)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return 0;
	/* FTW_PHYS: never follow a symlink out of the tree; FTW_MOUNT: stay on its filesystem. */
	r = nftw(path, tree_remove_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (r < 0)
		return error_set_errno(err, errno, "remove '%s'", path);
	if (r > 0)
		return error_set_errno(err, r, "remove '%s'", path);
	return 0;
}

static bool image_exists(const struct reef_paths *paths, const char *fingerprint)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/metadata.json", paths->images, fingerprint);
	return stat(path, &st) == 0;
}

/* Finds the one image whose fingerprint starts with PREFIX. */
static int image_lookup_prefix(const struct reef_paths *paths, const char *prefix,
			       char ret_fingerprint[65], struct reef_error *err)
{
	_cleanup_(closedir_cleanup) DIR *dir = opendir(paths->images);
	size_t len = strlen(prefix);
	char found[65] = "";
	struct dirent *d;

	if (!dir)
		return errno == ENOENT ? -ENOENT
				       : error_set_errno(err, errno, "open '%s'", paths->images);
	while ((d = readdir(dir))) {
		if (!image_fingerprint_is_valid(d->d_name) || strncmp(d->d_name, prefix, len) != 0)
			continue;
		if (!image_exists(paths, d->d_name))
			continue;
		if (found[0])
			return error_set(err, EINVAL,
					 "fingerprint prefix '%s' matches more than one image: "
					 "give more digits",
					 prefix);
		memcpy(found, d->d_name, sizeof(found));
	}
	if (!found[0])
		return -ENOENT;
	memcpy(ret_fingerprint, found, 65);
	return 0;
}

int image_lookup(const struct reef_paths *paths, const char *name, char ret_fingerprint[65],
		 struct reef_error *err)
{
	_cleanup_json_ json_t *aliases = NULL;
	json_t *target;
	int r = image_aliases_load(paths, &aliases, err);

	if (r < 0)
		return r;
	target = json_object_get(aliases, name);
	if (target) {
		if (!image_exists(paths, json_string_value(target)))
			return error_set(err, ENOENT,
					 "alias '%s' points to image %.12s, which is missing: "
					 "remove the alias with 'reef image alias remove %s'",
					 name, json_string_value(target), name);
		memcpy(ret_fingerprint, json_string_value(target), 65);
		return 0;
	}
	if (image_fingerprint_is_prefix(name)) {
		r = image_lookup_prefix(paths, name, ret_fingerprint, err);
		if (r != -ENOENT)
			return r;
	}
	return error_set(
		err, ENOENT,
		"image '%s' not found: import one with 'reef image import FILE --alias %s' "
		"or list them with 'reef image list'",
		name, name);
}

static int image_metadata_load(const struct reef_paths *paths, const char *fingerprint,
			       json_t **ret, struct reef_error *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *metadata;

	snprintf(path, sizeof(path), "%s/%s/metadata.json", paths->images, fingerprint);
	metadata = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!metadata)
		return error_set(err, EINVAL, "read '%s': line %d: %s", path, jerr.line, jerr.text);
	if (!json_is_object(metadata)) {
		json_decref(metadata);
		return error_set(err, EINVAL, "invalid '%s': expected a JSON object", path);
	}
	*ret = metadata;
	return 0;
}

/* Copies a JSON array of strings into a NULL-terminated array; NULL when absent. */
static int strv_from_json(const json_t *array, const char *key, char ***ret, struct reef_error *err)
{
	size_t n, i;
	char **v;
	json_t *item;

	*ret = NULL;
	if (!array || json_is_null(array))
		return 0;
	if (!json_is_array(array))
		return error_set(err, EINVAL, "invalid image config: '%s' must be an array", key);
	n = json_array_size(array);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "allocate image config '%s'", key);
	json_array_foreach (array, i, item) {
		if (!json_is_string(item) || !(v[i] = strdup(json_string_value(item)))) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return error_set(err, EINVAL,
					 "invalid image config: '%s' must contain strings", key);
		}
	}
	*ret = v;
	return 0;
}

static int string_from_json(const json_t *value, const char *key, char **ret,
			    struct reef_error *err)
{
	*ret = NULL;
	if (!value || json_is_null(value))
		return 0;
	if (!json_is_string(value))
		return error_set(err, EINVAL, "invalid image config: '%s' must be a string", key);
	*ret = strdup(json_string_value(value));
	return *ret ? 0 : error_set(err, ENOMEM, "allocate image config '%s'", key);
}

static int image_config_from_json(const json_t *config, struct image_config *ret,
				  struct reef_error *err)
{
	struct image_config c = { 0 };
	int r;

	r = strv_from_json(json_object_get(config, "Env"), "Env", &c.env, err);
	if (r == 0)
		r = strv_from_json(json_object_get(config, "Entrypoint"), "Entrypoint",
				   &c.entrypoint, err);
	if (r == 0)
		r = strv_from_json(json_object_get(config, "Cmd"), "Cmd", &c.cmd, err);
	if (r == 0)
		r = string_from_json(json_object_get(config, "WorkingDir"), "WorkingDir",
				     &c.working_dir, err);
	if (r == 0)
		r = string_from_json(json_object_get(config, "User"), "User", &c.user, err);
	if (r < 0) {
		image_config_clear(&c);
		return r;
	}
	*ret = c;
	return 0;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void image_config_clear(struct image_config *config)
{
	if (!config)
		return;
	strv_free(config->env);
	strv_free(config->entrypoint);
	strv_free(config->cmd);
	free(config->working_dir);
	free(config->user);
	memset(config, 0, sizeof(*config));
}

int image_resolve(const struct reef_paths *paths, const char *name, char ret_fingerprint[65],
		  char ret_rootfs[PATH_MAX], struct image_config *ret_config,
		  struct reef_error *err)
{
	_cleanup_json_ json_t *metadata = NULL;
	char fingerprint[65];
	char rootfs[PATH_MAX];
	struct stat st;
	int r = image_lookup(paths, name, fingerprint, err);

	if (r < 0)
		return r;
	snprintf(rootfs, sizeof(rootfs), "%s/%s/rootfs", paths->images, fingerprint);
	if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return error_set(
			err, ENOENT,
			"image %.12s has no rootfs directory '%s': delete and re-import it",
			fingerprint, rootfs);
	if (ret_config) {
		r = image_metadata_load(paths, fingerprint, &metadata, err);
		if (r == 0)
			r = image_config_from_json(json_object_get(metadata, "config"), ret_config,
						   err);
		if (r < 0)
			return error_prefix(err, "image '%s'", name);
	}
	memcpy(ret_fingerprint, fingerprint, 65);
	memcpy(ret_rootfs, rootfs, strlen(rootfs) + 1);
	return 0;
}

/* Adds "aliases": [...] to METADATA from the alias table. */
static int metadata_add_aliases(json_t *metadata, const json_t *aliases)
{
	json_t *list = json_array();
	const char *fingerprint = json_string_value(json_object_get(metadata, "fingerprint"));
	const char *key;
	json_t *value;

	if (!list)
		return -ENOMEM;
	json_object_foreach ((json_t *)aliases, key, value)
		if (fingerprint && strcmp(json_string_value(value), fingerprint) == 0)
			json_array_append_new(list, json_string(key));
	return json_object_set_new(metadata, "aliases", list) < 0 ? -ENOMEM : 0;
}

static int compare_field(const json_t *a, const json_t *b, const char *key)
{
	const char *x = json_string_value(json_object_get(a, key));
	const char *y = json_string_value(json_object_get(b, key));

	return strcmp(x ? x : "", y ? y : "");
}

static int compare_imported(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = compare_field(x, y, "imported_at");

	return r ? r : compare_field(x, y, "fingerprint");
}

int image_list(const struct reef_paths *paths, json_t **ret, struct reef_error *err)
{
	_cleanup_json_ json_t *aliases = NULL;
	_cleanup_json_ json_t *list = json_array();
	_cleanup_(closedir_cleanup) DIR *dir = NULL;
	_cleanup_(free_ptr) json_t **sorted = NULL;
	struct dirent *d;
	size_t n;
	int r = image_aliases_load(paths, &aliases, err);

	if (r < 0)
		return r;
	dir = opendir(paths->images);
	if (!dir && errno != ENOENT)
		return error_set_errno(err, errno, "open '%s'", paths->images);
	while (dir && (d = readdir(dir))) {
		json_t *metadata;

		if (!image_fingerprint_is_valid(d->d_name) || !image_exists(paths, d->d_name))
			continue;
		r = image_metadata_load(paths, d->d_name, &metadata, err);
		if (r < 0)
			return r;
		metadata_add_aliases(metadata, aliases);
		json_array_append_new(list, metadata);
	}

	/* Oldest import first, so the listing is stable. */
	n = json_array_size(list);
	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted)
		return error_set(err, ENOMEM, "list images");
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_incref(json_array_get(list, i));
	qsort(sorted, n, sizeof(*sorted), compare_imported);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, sorted[i]);
	*ret = take_ptr(list);
	return 0;
}

int image_info(const struct reef_paths *paths, const char *name, json_t **ret,
	       struct reef_error *err)
{
	_cleanup_json_ json_t *aliases = NULL;
	json_t *metadata;
	char fingerprint[65];
	int r = image_lookup(paths, name, fingerprint, err);

	if (r < 0)
		return r;
	r = image_aliases_load(paths, &aliases, err);
	if (r < 0)
		return r;
	r = image_metadata_load(paths, fingerprint, &metadata, err);
	if (r < 0)
		return r;
	metadata_add_aliases(metadata, aliases);
	*ret = metadata;
	return 0;
}

int image_alias_add(const struct reef_paths *paths, const char *alias, const char *name,
		    struct reef_error *err)
{
	_cleanup_(close_fd) int lock = -1;
	_cleanup_json_ json_t *aliases = NULL;
	char fingerprint[65];
	json_t *existing;
	int r = image_alias_validate(alias, err);

	if (r == 0)
		r = image_store_lock(paths, &lock, err);
	if (r == 0)
		r = image_lookup(paths, name, fingerprint, err);
	if (r == 0)
		r = image_aliases_load(paths, &aliases, err);
	if (r < 0)
		return r;
	existing = json_object_get(aliases, alias);
	if (existing) {
		if (strcmp(json_string_value(existing), fingerprint) == 0)
			return 0;
		return error_set(err, EEXIST,
				 "alias '%s' already points to image %.12s: remove it first with "
				 "'reef image alias remove %s'",
				 alias, json_string_value(existing), alias);
	}
	json_object_set_new(aliases, alias, json_string(fingerprint));
	return image_aliases_save(paths, aliases, err);
}

int image_alias_remove(const struct reef_paths *paths, const char *alias, struct reef_error *err)
{
	_cleanup_(close_fd) int lock = -1;
	_cleanup_json_ json_t *aliases = NULL;
	int r = image_store_lock(paths, &lock, err);

	if (r == 0)
		r = image_aliases_load(paths, &aliases, err);
	if (r < 0)
		return r;
	if (json_object_del(aliases, alias) < 0)
		return error_set(
			err, ENOENT,
			"alias '%s' not found: list the aliases with 'reef image alias list'",
			alias);
	return image_aliases_save(paths, aliases, err);
}

int image_alias_list(const struct reef_paths *paths, json_t **ret, struct reef_error *err)
{
	return image_aliases_load(paths, ret, err);
}

/* Finds a container whose config.json names FINGERPRINT; returns 1 and its name in RET_NAME. */
static int image_find_user(const struct reef_paths *paths, const char *fingerprint, char *ret_name,
			   size_t size, struct reef_error *err)
{
	_cleanup_(closedir_cleanup) DIR *dir = opendir(paths->containers);
	struct dirent *d;

	if (!dir)
		return errno == ENOENT
			       ? 0
			       : error_set_errno(err, errno, "open '%s'", paths->containers);
	while ((d = readdir(dir))) {
		char path[PATH_MAX];
		_cleanup_json_ json_t *config = NULL;
		const char *image;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/config.json", paths->containers, d->d_name);
		config = json_load_file(path, 0, NULL);
		if (!config)
			continue;
		/*
		 * Launch records the fingerprint under "fingerprint" and the name the
		 * user gave under "image"; either key holding it marks the image in use.
		 */
		image = json_string_value(json_object_get(config, "fingerprint"));
		if (!image || strcmp(image, fingerprint) != 0)
			image = json_string_value(json_object_get(config, "image"));
		if (image && strcmp(image, fingerprint) == 0) {
			snprintf(ret_name, size, "%s", d->d_name);
			return 1;
		}
	}
	return 0;
}

int image_delete(const struct reef_paths *paths, const char *name, struct reef_error *err)
{
	_cleanup_(close_fd) int lock = -1;
	_cleanup_json_ json_t *aliases = NULL;
	char fingerprint[65], user[256], dir[PATH_MAX], doomed[PATH_MAX];
	const char *key;
	void *tmp;
	json_t *value;
	int r = image_store_lock(paths, &lock, err);

	if (r == 0)
		r = image_lookup(paths, name, fingerprint, err);
	if (r == 0)
		r = image_find_user(paths, fingerprint, user, sizeof(user), err);
	if (r < 0)
		return r;
	/*
	 * NOTE: launch takes no store lock, so a launch that resolved the image
	 * but has not written its config.json yet is not seen here.
	 */
	if (r > 0)
		return error_set(err, EBUSY,
				 "image '%s' is used by container '%s': delete the container first",
				 name, user);

	r = image_aliases_load(paths, &aliases, err);
	if (r < 0)
		return r;
	json_object_foreach_safe(aliases, tmp, key,
				 value) if (strcmp(json_string_value(value), fingerprint) == 0)
		json_object_del(aliases, key);
	r = image_aliases_save(paths, aliases, err);
	if (r < 0)
		return r;

	/*
	 * Rename first so that the image disappears at once; a crash during the
	 * removal leaves only a .del- directory, which no lookup matches.
	 */
	snprintf(dir, sizeof(dir), "%s/%s", paths->images, fingerprint);
	snprintf(doomed, sizeof(doomed), "%s/.del-%s", paths->images, fingerprint);
	if (rename(dir, doomed) < 0)
		return error_set_errno(err, errno, "rename '%s' to '%s'", dir, doomed);
	return image_tree_remove(doomed, err);
}
