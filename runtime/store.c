/* SPDX-License-Identifier: MIT */
/* Container state on disk: config.json, state.json, and the directory layout. */
#include "container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../firewall/firewall.h"
#include "internal.h"

int container_state_dir(const struct reef_paths *paths, const char *name, char ret[PATH_MAX],
			struct reef_error *err)
{
	int n = snprintf(ret, PATH_MAX, "%s/%s", paths->containers, name);

	if (n < 0 || n >= PATH_MAX)
		return error_set(err, ENAMETOOLONG, "path of container '%s' is too long", name);
	return 0;
}

int container_run_dir(const struct reef_paths *paths, const char *name, char ret[PATH_MAX],
		      struct reef_error *err)
{
	int n = snprintf(ret, PATH_MAX, "%s/containers/%s", paths->run_dir, name);

	if (n < 0 || n >= PATH_MAX)
		return error_set(err, ENAMETOOLONG, "runtime path of container '%s' is too long",
				 name);
	return 0;
}

void container_cgroup_instance(const struct reef_paths *paths, char ret[32])
{
	uint64_t hash = 0xcbf29ce484222325ULL;

	if (!paths->root[0]) {
		strcpy(ret, "default");
		return;
	}
	/* FNV-1a of the root override: stable, short, and a valid cgroup name. */
	for (const char *p = paths->root; *p; p++) {
		hash ^= (unsigned char)*p;
		hash *= 0x100000001b3ULL;
	}
	snprintf(ret, 32, "root-%016llx", (unsigned long long)hash);
}

void container_config_clear(struct container_config *config)
{
	strv_free(config->argv);
	strv_free(config->env);
	strv_free(config->publish);
	for (size_t i = 0; i < CONTAINER_NETWORKS_MAX; i++) {
		strv_free(config->networks[i].forwards);
		strv_free(config->networks[i].forced);
		config->networks[i].forwards = NULL;
		config->networks[i].forced = NULL;
	}
	config->argv = NULL;
	config->env = NULL;
	config->publish = NULL;
}

void container_state_clear(struct container_state *state)
{
	json_decref(state->networks);
	state->networks = NULL;
}

int container_check_exists(const struct reef_paths *paths, const char *name, struct reef_error *err)
{
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int r;

	r = name_validate("container", name, err);
	if (r < 0)
		return r;
	r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	snprintf(file, sizeof(file), "%s/config.json", dir);
	if (access(file, F_OK) < 0)
		return error_set(err, ENOENT,
				 "container '%s' not found: run 'reef list' to see the containers",
				 name);
	return 0;
}

/* Writes TEXT to DIR/FILE through a temporary file and rename, so readers never see half. */
int file_write_atomic(const char *dir, const char *file, const char *text, size_t len,
		      struct reef_error *err)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	_cleanup_(close_fd) int fd = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, file, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set_errno(err, errno, "create '%s'", tmp);
	if (write(fd, text, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		unlink(tmp);
		return error_set_errno(err, e, "write '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return error_set_errno(err, e, "rename '%s' to '%s'", tmp, path);
	}
	return 0;
}

static int json_write_file(const char *dir, const char *file, json_t *value, struct reef_error *err)
{
	_cleanup_(free_ptr) char *text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (!text)
		return error_set(err, ENOMEM, "encode '%s/%s'", dir, file);
	return file_write_atomic(dir, file, text, strlen(text), err);
}

static int json_read_file(const char *dir, const char *file, json_t **ret, struct reef_error *err)
{
	char path[PATH_MAX + 64];
	json_error_t jerr;
	json_t *value;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	value = json_load_file(path, 0, &jerr);
	if (!value) {
		if (access(path, F_OK) < 0)
			return error_set_errno(err, errno, "read '%s'", path);
		return error_set(err, EINVAL, "read '%s': line %d: %s", path, jerr.line, jerr.text);
	}
	if (!json_is_object(value)) {
		json_decref(value);
		return error_set(err, EINVAL, "read '%s': not a JSON object", path);
	}
	*ret = value;
	return 0;
}

static json_t *strv_to_json(char **strv)
{
	json_t *array = json_array();

	for (size_t i = 0; strv && strv[i]; i++)
		json_array_append_new(array, json_string(strv[i]));
	return array;
}

static int strv_from_json(const json_t *array, const char *key, char ***ret, struct reef_error *err)
{
	size_t n = json_array_size(array), i;
	char **strv = calloc(n + 1, sizeof(*strv));
	json_t *item;

	if (!strv)
		return error_set(err, ENOMEM, "allocate '%s'", key);
	json_array_foreach (array, i, item) {
		if (!json_is_string(item)) {
			strv_free(strv);
			return error_set(err, EINVAL, "'%s' must hold strings", key);
		}
		strv[i] = strdup(json_string_value(item));
		if (!strv[i]) {
			strv_free(strv);
			return error_set(err, ENOMEM, "allocate '%s'", key);
		}
	}
	*ret = strv;
	return 0;
}

static json_t *networks_to_json(const struct container_config *config)
{
	json_t *array = json_array();

	for (size_t i = 0; i < config->n_networks; i++) {
		const struct container_network *n = &config->networks[i];
		json_t *obj = json_pack("{s:s}", "network", n->network);

		if (n->address[0])
			json_object_set_new(obj, "address", json_string(n->address));
		if (n->mac[0])
			json_object_set_new(obj, "mac", json_string(n->mac));
		if (n->antispoof)
			json_object_set_new(obj, "antispoof", json_true());
		if (n->forwards && n->forwards[0])
			json_object_set_new(obj, "forwards", strv_to_json(n->forwards));
		if (n->forced && n->forced[0])
			json_object_set_new(obj, "forced_forwards", strv_to_json(n->forced));
		json_array_append_new(array, obj);
	}
	return array;
}

int container_config_write(const struct reef_paths *paths, const struct container_config *config,
			   struct reef_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	char dir[PATH_MAX];
	int r;

	r = container_state_dir(paths, config->name, dir, err);
	if (r < 0)
		return r;
	root = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:b, s:b, s:b, s:b, s:I, s:o,"
			 " s:I, s:I, s:s}",
			 "name", config->name, "image", config->image, "fingerprint",
			 config->fingerprint, "rootfs", config->rootfs, "command",
			 strv_to_json(config->argv), "env", strv_to_json(config->env), "workdir",
			 config->workdir, "init", config->init, "privileged", config->privileged,
			 "remove", config->remove, "seccomp", config->seccomp, "capabilities",
			 (json_int_t)config->caps, "networks", networks_to_json(config), "id_base",
			 (json_int_t)config->id_base, "id_count", (json_int_t)config->id_count,
			 "created", config->created);
	if (!root)
		return error_set(err, ENOMEM, "encode config of '%s'", config->name);
	json_object_set_new(root, "publish", strv_to_json(config->publish));
	json_object_set_new(root, "uid", json_integer(config->uid));
	json_object_set_new(root, "gid", json_integer(config->gid));
	json_object_set_new(root, "limits",
			    json_pack("{s:I, s:I, s:I, s:I}", "memory_bytes",
				      (json_int_t)config->limits.memory_bytes, "cpu_quota_us",
				      (json_int_t)config->limits.cpu_quota_us, "cpu_period_us",
				      (json_int_t)config->limits.cpu_period_us, "pids_max",
				      (json_int_t)config->limits.pids_max));
	return json_write_file(dir, "config.json", root, err);
}

static int copy_string(char *dst, size_t size, const json_t *obj, const char *key,
		       struct reef_error *err)
{
	const char *value = "";
	int r = json_read_string(obj, key, false, &value, "config", err);

	if (r < 0)
		return r;
	if (strlen(value) >= size)
		return error_set(err, ENAMETOOLONG, "config: '%s' is too long", key);
	strcpy(dst, value);
	return 0;
}

static int networks_from_json(const json_t *array, struct container_config *config,
			      struct reef_error *err)
{
	size_t i;
	json_t *item;

	if (json_array_size(array) > CONTAINER_NETWORKS_MAX)
		return error_set(err, EINVAL, "config: too many networks");
	json_array_foreach (array, i, item) {
		struct container_network *n = &config->networks[i];
		int r = copy_string(n->network, sizeof(n->network), item, "network", err);

		if (r == 0)
			r = copy_string(n->address, sizeof(n->address), item, "address", err);
		if (r == 0)
			r = copy_string(n->mac, sizeof(n->mac), item, "mac", err);
		if (r == 0 && json_object_get(item, "forwards"))
			r = strv_from_json(json_object_get(item, "forwards"), "forwards",
					   &n->forwards, err);
		if (r == 0 && json_object_get(item, "forced_forwards"))
			r = strv_from_json(json_object_get(item, "forced_forwards"),
					   "forced_forwards", &n->forced, err);
		if (r < 0)
			return r;
		n->antispoof = json_is_true(json_object_get(item, "antispoof"));
	}
	config->n_networks = json_array_size(array);
	return 0;
}

static int config_from_json(const json_t *root, struct container_config *c, struct reef_error *err)
{
	json_t *limits = json_object_get(root, "limits");
	long long v;
	int r = 0;

	r = copy_string(c->name, sizeof(c->name), root, "name", err);
	r = r ?: copy_string(c->image, sizeof(c->image), root, "image", err);
	r = r ?: copy_string(c->fingerprint, sizeof(c->fingerprint), root, "fingerprint", err);
	r = r ?: copy_string(c->rootfs, sizeof(c->rootfs), root, "rootfs", err);
	r = r ?: copy_string(c->workdir, sizeof(c->workdir), root, "workdir", err);
	r = r ?: copy_string(c->created, sizeof(c->created), root, "created", err);
	r = r ?: json_read_bool(root, "init", true, &c->init, "config", err);
	r = r ?: json_read_bool(root, "privileged", true, &c->privileged, "config", err);
	r = r ?: json_read_bool(root, "remove", true, &c->remove, "config", err);
	r = r ?: json_read_bool(root, "seccomp", true, &c->seccomp, "config", err);
	r = r ?: strv_from_json(json_object_get(root, "command"), "command", &c->argv, err);
	r = r ?: strv_from_json(json_object_get(root, "env"), "env", &c->env, err);
	r = r ?: strv_from_json(json_object_get(root, "publish"), "publish", &c->publish, err);
	r = r ?: networks_from_json(json_object_get(root, "networks"), c, err);
	if (r < 0)
		return r;
	c->caps = (uint64_t)json_integer_value(json_object_get(root, "capabilities"));
	c->id_base = (uid_t)json_integer_value(json_object_get(root, "id_base"));
	c->uid = (uid_t)json_integer_value(json_object_get(root, "uid"));
	c->gid = (gid_t)json_integer_value(json_object_get(root, "gid"));
	c->id_count = (uid_t)json_integer_value(json_object_get(root, "id_count"));
	v = json_integer_value(json_object_get(limits, "memory_bytes"));
	c->limits.memory_bytes = (uint64_t)v;
	c->limits.cpu_quota_us =
		(uint64_t)json_integer_value(json_object_get(limits, "cpu_quota_us"));
	c->limits.cpu_period_us =
		(uint64_t)json_integer_value(json_object_get(limits, "cpu_period_us"));
	c->limits.pids_max = (uint64_t)json_integer_value(json_object_get(limits, "pids_max"));
	if (!c->argv[0])
		return error_set(err, EINVAL, "config: 'command' is empty");
	return 0;
}

int container_config_read(const struct reef_paths *paths, const char *name,
			  struct container_config *ret, struct reef_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	struct container_config config = { 0 };
	char dir[PATH_MAX];
	int r;

	r = container_check_exists(paths, name, err);
	if (r < 0)
		return r;
	r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	r = json_read_file(dir, "config.json", &root, err);
	if (r < 0)
		return r;
	r = config_from_json(root, &config, err);
	if (r < 0) {
		container_config_clear(&config);
		return error_prefix(err, "container '%s'", name);
	}
	*ret = config;
	return 0;
}

int container_state_write(const struct reef_paths *paths, const char *name,
			  const struct container_state *state, struct reef_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	char dir[PATH_MAX], boot_id[40] = "";
	int r;

	r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	boot_id_read(boot_id);
	root = json_pack("{s:s, s:i, s:I, s:s, s:I, s:I, s:i, s:i}", "status",
			 state->status == CONTAINER_RUNNING ? "running" : "stopped", "pid",
			 (int)state->pid, "pid_start", (json_int_t)state->pid_start, "boot_id",
			 boot_id, "started_at", (json_int_t)state->started_at, "finished_at",
			 (json_int_t)state->finished_at, "exit_code", state->exit_code,
			 "exit_signal", state->exit_signal);
	if (!root)
		return error_set(err, ENOMEM, "encode state of '%s'", name);
	json_object_set(root, "networks", state->networks ? state->networks : json_array());
	if (!state->networks)
		json_decref(json_object_get(root, "networks"));
	return json_write_file(dir, "state.json", root, err);
}

/* Reads the start time (field 22 of /proc/PID/stat) in clock ticks; 0 when PID is gone. */
uint64_t process_start_time(pid_t pid)
{
	char path[64], buf[1024];
	_cleanup_(close_fd) int fd = -1;
	unsigned long long start = 0;
	char state, *p;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	if (sscanf(p + 2,
		   "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d"
		   " %*d %*d %llu",
		   &state, &start) != 2)
		return 0;
	/* A zombie has exited: after a kill -9 of its monitor, it can stay unreaped for seconds. */
	if (state == 'Z' || state == 'X')
		return 0;
	return start;
}

void boot_id_read(char ret[40])
{
	_cleanup_(close_fd) int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	ret[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, ret, 39);
	if (n <= 0)
		return;
	ret[n] = '\0';
	ret[strcspn(ret, "\n")] = '\0';
}

bool monitor_is_alive(const struct reef_paths *paths, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	_cleanup_(close_fd) int fd = -1;

	if (container_run_dir(paths, name, dir, NULL) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/monitor.lock", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static void state_from_json(const json_t *root, struct container_state *s)
{
	const char *status = json_string_value(json_object_get(root, "status"));
	const char *boot = json_string_value(json_object_get(root, "boot_id"));
	json_t *networks = json_object_get(root, "networks");
	char boot_id[40];

	s->status =
		status && strcmp(status, "running") == 0 ? CONTAINER_RUNNING : CONTAINER_STOPPED;
	s->pid = (pid_t)json_integer_value(json_object_get(root, "pid"));
	s->pid_start = (uint64_t)json_integer_value(json_object_get(root, "pid_start"));
	s->started_at = json_integer_value(json_object_get(root, "started_at"));
	s->finished_at = json_integer_value(json_object_get(root, "finished_at"));
	s->exit_code = (int)json_integer_value(json_object_get(root, "exit_code"));
	s->exit_signal = (int)json_integer_value(json_object_get(root, "exit_signal"));
	s->networks = json_is_array(networks) ? json_incref(networks) : NULL;

	/*
	 * The recorded init counts only while the same process runs: same boot,
	 * same pid, same start time.  A monitor killed with SIGKILL takes its init
	 * along (parent-death signal), so a stale "running" means stopped.  A start
	 * time of 0 was recorded for an init that had exited already.
	 */
	boot_id_read(boot_id);
	if (s->status == CONTAINER_RUNNING &&
	    (!boot || strcmp(boot, boot_id) != 0 || s->pid <= 0 || s->pid_start == 0 ||
	     process_start_time(s->pid) != s->pid_start)) {
		s->status = CONTAINER_STOPPED;
		s->exit_code = -1;
		s->exit_signal = 0;
	}
}

int container_state_read(const struct reef_paths *paths, const char *name,
			 struct container_state *ret, struct reef_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	struct container_state state = { .exit_code = -1 };
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int r;

	r = container_check_exists(paths, name, err);
	if (r < 0)
		return r;
	r = container_state_dir(paths, name, dir, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	if (access(path, F_OK) == 0) {
		r = json_read_file(dir, "state.json", &root, err);
		if (r < 0)
			return r;
		state_from_json(root, &state);
	}
	state.monitored = monitor_is_alive(paths, name);
	*ret = state;
	return 0;
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void container_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int container_names(const struct reef_paths *paths, char ***ret, size_t *ret_count,
		    struct reef_error *err)
{
	DIR *dir = opendir(paths->containers);
	char **names = NULL;
	size_t count = 0;
	struct dirent *entry;

	if (!dir) {
		if (errno != ENOENT)
			return error_set_errno(err, errno, "open '%s'", paths->containers);
		*ret = NULL;
		*ret_count = 0;
		return 0;
	}
	while ((entry = readdir(dir))) {
		char **grown;

		if (!name_is_valid(entry->d_name) ||
		    container_check_exists(paths, entry->d_name, NULL) < 0)
			continue;
		grown = realloc(names, (count + 1) * sizeof(*names));
		if (!grown || !(grown[count] = strdup(entry->d_name))) {
			closedir(dir);
			container_names_free(grown ? grown : names, count);
			return error_set(err, ENOMEM, "list containers");
		}
		names = grown;
		count++;
	}
	closedir(dir);
	if (count)
		qsort(names, count, sizeof(*names), name_compare);
	*ret = names;
	*ret_count = count;
	return 0;
}

void strv_free(char **strv)
{
	for (size_t i = 0; strv && strv[i]; i++)
		free(strv[i]);
	free(strv);
}

char **strv_copy(char *const *strv)
{
	size_t n = 0;
	char **copy;

	while (strv && strv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(strv[i]);
		if (!copy[i]) {
			strv_free(copy);
			return NULL;
		}
	}
	return copy;
}

/*
 * Returns whether texts A and B give the same forward, however they are
 * spelled: "8080:80", "8080:80/tcp" and "0.0.0.0:8080:80/TCP" are one.
 */
static bool forward_same(const char *a, const char *b)
{
	struct fw_forward_spec x, y;

	if (fw_forward_spec_parse(a, &x, NULL) < 0 || fw_forward_spec_parse(b, &y, NULL) < 0)
		return strcmp(a, b) == 0;
	return x.proto == y.proto && x.has_host_addr == y.has_host_addr &&
	       (!x.has_host_addr || ip_addr_equal(&x.host_addr, &y.host_addr)) &&
	       x.host_port == y.host_port && x.host_port_end == y.host_port_end &&
	       x.container_port == y.container_port;
}

/* Returns the first entry of STRV that takes a host port of SPEC, or NULL. */
static const char *strv_overlap(char *const *strv, const char *spec)
{
	struct fw_forward_spec x, y;

	if (fw_forward_spec_parse(spec, &x, NULL) < 0)
		return NULL;
	for (size_t i = 0; strv && strv[i]; i++) {
		if (fw_forward_spec_parse(strv[i], &y, NULL) == 0 &&
		    fw_forward_spec_overlaps(&x, &y))
			return strv[i];
	}
	return NULL;
}

/* Removes every entry that gives the forward SPEC from STRV, keeping the order of the others. */
static size_t strv_remove(char **strv, const char *spec)
{
	size_t out = 0, removed = 0;

	for (size_t i = 0; strv && strv[i]; i++) {
		if (forward_same(strv[i], spec)) {
			free(strv[i]);
			removed++;
		} else {
			strv[out++] = strv[i];
		}
	}
	if (strv)
		strv[out] = NULL;
	return removed;
}

/* Appends a copy of SPEC to *STRV unless it is there already. */
static int strv_add(char ***strv, const char *spec)
{
	size_t n = 0;
	char **grown;

	while (*strv && (*strv)[n]) {
		if (strcmp((*strv)[n], spec) == 0)
			return 0;
		n++;
	}
	grown = realloc(*strv, (n + 2) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*strv = grown;
	grown[n] = strdup(spec);
	grown[n + 1] = NULL;
	return grown[n] ? 0 : -ENOMEM;
}

static void forwards_append(json_t *array, const char *network, char *const *specs, bool force)
{
	for (size_t i = 0; specs && specs[i]; i++)
		json_array_append_new(array, json_pack("{s:s, s:s, s:b}", "network", network,
						       "forward", specs[i], "force", force));
}

json_t *container_forwards_json(const struct container_config *config, bool with_published)
{
	json_t *array = json_array();

	if (with_published && config->n_networks > 0)
		forwards_append(array, config->networks[0].network, config->publish, false);
	for (size_t i = 0; i < config->n_networks; i++) {
		forwards_append(array, config->networks[i].network, config->networks[i].forwards,
				false);
		forwards_append(array, config->networks[i].network, config->networks[i].forced,
				true);
	}
	return array;
}

int container_forward_record(const struct reef_paths *paths, const char *name, const char *network,
			     const char *spec, bool add, bool force, struct reef_error *err)
{
	struct container_config config = { 0 };
	struct container_network *net = NULL;
	const char *overlapping = NULL;
	size_t removed = 0;
	int r;

	r = container_config_read(paths, name, &config, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < config.n_networks; i++) {
		if (add && network && strcmp(config.networks[i].network, network) == 0)
			net = &config.networks[i];
		/* An added forward replaces the same forward stored before, forced or not. */
		removed += strv_remove(config.networks[i].forwards, spec);
		removed += strv_remove(config.networks[i].forced, spec);
	}
	if (!add)
		removed += strv_remove(config.publish, spec);
	/* Two stored forwards on one host port would fail the next start. */
	overlapping = add ? strv_overlap(config.publish, spec) : NULL;
	for (size_t i = 0; add && !overlapping && i < config.n_networks; i++) {
		overlapping = strv_overlap(config.networks[i].forwards, spec);
		if (!overlapping)
			overlapping = strv_overlap(config.networks[i].forced, spec);
	}
	if (overlapping)
		r = error_set(err, EEXIST,
			      "forward %s takes a host port of the stored forward %s of '%s': "
			      "remove that one first with 'reef port remove %s %s'",
			      spec, overlapping, name, name, overlapping);
	else if (!add && !removed)
		r = error_set(err, ENOENT, "forward %s of '%s' not found in its config", spec,
			      name);
	else if (add && !net)
		r = error_set(err, ENOENT, "container '%s' has no network '%s' in its config", name,
			      network ? network : "");
	else if (add && strv_add(force ? &net->forced : &net->forwards, spec) < 0)
		r = error_set(err, ENOMEM, "record forward %s", spec);
	/* NOTE: a concurrent change of the same config (another port add) may be lost. */
	if (r == 0)
		r = container_config_write(paths, &config, err);
	container_config_clear(&config);
	return r;
}
