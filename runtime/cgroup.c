/* SPDX-License-Identifier: MIT */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "cgroup_fs.h"

/*
 * One directory per hierarchy the container joins.  On v2 that is the
 * unified hierarchy alone.  On v1 it is every mounted v1 hierarchy plus,
 * on a hybrid host, the cgroup2 mount, so that the container's cgroup
 * namespace shows "/" in each of them.
 */
struct cgroup_dir {
	char mount[PATH_MAX]; /* the hierarchy's mount point */
	char path[PATH_MAX];  /* MOUNT/reef/INSTANCE/NAME */
	unsigned controllers; /* CG_* bits this v1 hierarchy carries */
	bool unified;	      /* a cgroup2 mount */
	bool created;	      /* made by this cgroup_create, so a rollback removes it */
};

struct cgroup {
	enum cgroup_mode mode;
	char instance[NAME_MAX + 1];
	char name[NAME_MAX + 1];
	size_t n_dirs;
	struct cgroup_dir dirs[CGROUP_HIERARCHY_MAX];
};

/* How long cgroup_destroy waits for killed processes to leave. */
#define CGROUP_DESTROY_TIMEOUT_MS 5000

static int cgroup_component_validate(const char *kind, const char *value, struct reef_error *err)
{
	if (!value || value[0] == '\0')
		return error_set(err, EINVAL, "missing cgroup %s", kind);
	if (strlen(value) > NAME_MAX || strchr(value, '/') || strcmp(value, ".") == 0 ||
	    strcmp(value, "..") == 0)
		return error_set(err, EINVAL,
				 "invalid cgroup %s '%.80s': give one path component of at most "
				 "%d characters without '/'",
				 kind, value, NAME_MAX);
	return 0;
}

/* Returns the cgroup2 mount that REEF_CGROUP2_ROOT names, or NULL when it is unset. */
static const char *cgroup_v2_override(void)
{
	const char *root = getenv("REEF_CGROUP2_ROOT");

	return root && root[0] ? root : NULL;
}

static bool path_is_cgroup2(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

enum cgroup_mode cgroup_host_mode(void)
{
	if (cgroup_v2_override() || path_is_cgroup2("/sys/fs/cgroup"))
		return CGROUP_MODE_V2;
	return CGROUP_MODE_V1;
}

static int cgroup_dir_add(struct cgroup *cg, const char *mount, unsigned controllers, bool unified,
			  struct reef_error *err)
{
	struct cgroup_dir *dir;
	int n;

	if (cg->n_dirs == CGROUP_HIERARCHY_MAX)
		return error_set(err, E2BIG, "more than %d cgroup hierarchies are mounted",
				 CGROUP_HIERARCHY_MAX);
	dir = &cg->dirs[cg->n_dirs];
	memset(dir, 0, sizeof(*dir));
	n = snprintf(dir->mount, sizeof(dir->mount), "%s", mount);
	if (n >= 0 && (size_t)n < sizeof(dir->mount))
		n = snprintf(dir->path, sizeof(dir->path), "%s/reef/%s/%s", mount, cg->instance,
			     cg->name);
	if (n < 0 || (size_t)n >= sizeof(dir->path))
		return error_set(err, ENAMETOOLONG, "cgroup path under '%s' is too long", mount);
	dir->controllers = controllers;
	dir->unified = unified;
	cg->n_dirs++;
	return 0;
}

static int cgroup_v1_discover(struct cgroup *cg, struct reef_error *err)
{
	struct cgroup_mount mounts[CGROUP_HIERARCHY_MAX];
	size_t n = 0;
	int r;

	r = cgroup_mounts_read(mounts, CGROUP_HIERARCHY_MAX, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = cgroup_dir_add(cg, mounts[i].path, mounts[i].controllers, mounts[i].unified,
				   err);
		if (r < 0)
			return r;
	}
	if (cg->n_dirs == 0)
		return error_set(err, ENOENT,
				 "no cgroup hierarchy is mounted: mount cgroup2 at /sys/fs/cgroup");
	return 0;
}

static int cgroup_new(const char *instance, const char *name, struct cgroup **ret,
		      struct reef_error *err)
{
	_cleanup_(free_ptr) struct cgroup *cg = NULL;
	const char *root;
	int r;

	r = cgroup_component_validate("instance", instance, err);
	if (r == 0)
		r = cgroup_component_validate("name", name, err);
	if (r < 0)
		return r;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return error_set(err, ENOMEM, "allocate cgroup '%s'", name);
	strcpy(cg->instance, instance);
	strcpy(cg->name, name);
	cg->mode = cgroup_host_mode();

	if (cg->mode == CGROUP_MODE_V2) {
		root = cgroup_v2_override();
		if (!root)
			root = "/sys/fs/cgroup";
		else if (!path_is_cgroup2(root))
			return error_set(err, EINVAL,
					 "REEF_CGROUP2_ROOT '%s' is not a cgroup2 mount: give the "
					 "mount point of a cgroup2 file system",
					 root);
		r = cgroup_dir_add(cg, root, 0, true, err);
	} else {
		r = cgroup_v1_discover(cg, err);
	}
	if (r < 0)
		return r;
	*ret = take_ptr(cg);
	return 0;
}

void cgroup_free(struct cgroup *cg)
{
	free(cg);
}

static struct cgroup_dir *cgroup_v1_find(struct cgroup *cg, unsigned controller)
{
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (!cg->dirs[i].unified && (cg->dirs[i].controllers & controller))
			return &cg->dirs[i];
	return NULL;
}

static struct cgroup_dir *cgroup_v2_dir(struct cgroup *cg)
{
	return &cg->dirs[0];
}

/* Returns the directory whose files set CONTROLLER's limits, or NULL. */
static struct cgroup_dir *cgroup_limit_dir(struct cgroup *cg, unsigned controller)
{
	if (cg->mode == CGROUP_MODE_V2)
		return cgroup_v2_dir(cg);
	return cgroup_v1_find(cg, controller);
}

static int cgroup_limits_validate(const struct cgroup_limits *limits, struct reef_error *err)
{
	/* The kernel rejects a CFS period outside 1 ms to 1 s and a quota below 1 ms with EINVAL. */
	if (limits->cpu_quota_us == 0)
		return 0;
	if (limits->cpu_period_us < 1000 || limits->cpu_period_us > 1000000)
		return error_set(err, EINVAL,
				 "invalid cpu period %" PRIu64
				 "us: give 1000 to 1000000 microseconds",
				 limits->cpu_period_us);
	if (limits->cpu_quota_us < 1000)
		return error_set(err, EINVAL,
				 "invalid cpu quota %" PRIu64
				 "us: the minimum is 1000 microseconds",
				 limits->cpu_quota_us);
	return 0;
}

/* Returns the controllers that LIMITS needs, as CG_* bits. */
static unsigned cgroup_limits_controllers(const struct cgroup_limits *limits)
{
	unsigned need = 0;

	if (limits->memory_bytes)
		need |= CG_MEMORY;
	if (limits->cpu_quota_us)
		need |= CG_CPU;
	if (limits->pids_max)
		need |= CG_PIDS;
	return need;
}

static int cgroup_v1_check(struct cgroup *cg, unsigned need, struct reef_error *err)
{
	for (unsigned bit = CG_CPU; bit <= CG_PIDS; bit <<= 1) {
		if ((need & bit) && !cgroup_v1_find(cg, bit))
			return error_set(err, EOPNOTSUPP,
					 "cgroup v1 controller '%s' is not mounted: mount it under "
					 "/sys/fs/cgroup or drop the limit that needs it",
					 cgroup_controller_name(bit));
	}
	return 0;
}

/*
 * Enables the controllers among cpu, memory and pids that DIR offers and has
 * not enabled yet in its cgroup.subtree_control, so that its children get
 * their interface files.
 * NEED lists the ones the limits require; a missing one is an error.
 */
static int cgroup_v2_enable(const char *dir, unsigned need, struct reef_error *err)
{
	char enable[64] = "";
	unsigned avail, enabled;
	int r;

	r = cgroup_v2_controllers_read(dir, "cgroup.controllers", &avail, err);
	if (r == 0)
		r = cgroup_v2_controllers_read(dir, "cgroup.subtree_control", &enabled, err);
	if (r < 0)
		return r;
	for (unsigned bit = CG_CPU; bit <= CG_PIDS; bit <<= 1) {
		if ((need & bit) && !(avail & bit))
			return error_set(err, EOPNOTSUPP,
					 "cgroup v2 controller '%s' is not available in '%s' (a v1 "
					 "hierarchy holds it, or it is disabled): drop the limit "
					 "that needs it",
					 cgroup_controller_name(bit), dir);
		if ((avail & bit) && !(enabled & bit)) {
			strcat(enable, enable[0] ? " +" : "+");
			strcat(enable, cgroup_controller_name(bit));
		}
	}
	if (enable[0] == '\0')
		return 0;

	/*
	 * Only the root may enable controllers while it has processes of its
	 * own, so this fails with EBUSY when DIR is the root of a cgroup
	 * namespace whose processes were never moved into a child.
	 */
	r = cgroup_file_write(dir, "cgroup.subtree_control", enable, err);
	if (r == -EBUSY)
		return error_set(err, EBUSY,
				 "enable controllers '%s' in '%s': it has processes of its own, "
				 "move them into a child cgroup first",
				 enable, dir);
	return r;
}

/*
 * Prepares a v1 cpuset directory: a new cpuset cgroup starts with empty
 * cpuset.cpus and cpuset.mems, and the kernel rejects tasks until both are
 * set, so copy the parent's.
 */
static int cgroup_cpuset_init(const char *dir, struct reef_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX];
	char value[4096];
	char *slash;
	int r;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	for (size_t i = 0; i < 2; i++) {
		r = cgroup_file_read(dir, files[i], value, sizeof(value), err);
		if (r == -ENOENT)
			return 0; /* mounted with noprefix or not a cpuset hierarchy */
		if (r < 0)
			return r;
		if (value[0] != '\0' && value[0] != '\n')
			continue;
		r = cgroup_file_read(parent, files[i], value, sizeof(value), err);
		if (r == 0)
			r = cgroup_file_write(dir, files[i], value, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Creates DIR if it is missing, then prepares it as a parent of cgroups. */
static int cgroup_parent_make(const struct cgroup_dir *cgd, const char *dir, unsigned need,
			      struct reef_error *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, errno, "create cgroup '%s'", dir);
	if (cgd->unified)
		return cgroup_v2_enable(dir, need, err);
	if (cgd->controllers & CG_CPUSET)
		return cgroup_cpuset_init(dir, err);
	return 0;
}

/*
 * Makes MOUNT/reef/INSTANCE/NAME.  The parents are shared with other
 * containers, and cgroup_destroy removes them once they are empty, so a
 * parent may vanish between its mkdir and the child's: retry then.
 */
static int cgroup_dir_make(struct cgroup *cg, struct cgroup_dir *cgd, unsigned need,
			   struct reef_error *err)
{
	char reef[PATH_MAX], instance[PATH_MAX];
	int r;

	snprintf(reef, sizeof(reef), "%s/reef", cgd->mount);
	snprintf(instance, sizeof(instance), "%s/%s", reef, cg->instance);
	for (int attempt = 0; attempt < 5; attempt++) {
		if (cgd->unified) {
			r = cgroup_v2_enable(cgd->mount, need, err);
			if (r < 0)
				return r;
		}
		r = cgroup_parent_make(cgd, reef, need, err);
		if (r == 0)
			r = cgroup_parent_make(cgd, instance, need, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (mkdir(cgd->path, 0755) == 0) {
			cgd->created = true;
			break;
		}
		if (errno == ENOENT)
			continue;
		if (errno == EEXIST)
			return error_set(err, EEXIST,
					 "cgroup '%s' already exists: delete the container that "
					 "owns it first",
					 cgd->path);
		return error_set_errno(err, errno, "create cgroup '%s'", cgd->path);
	}
	if (!cgd->created)
		return error_set(err, EAGAIN, "create cgroup '%s': its parent keeps disappearing",
				 cgd->path);
	if (!cgd->unified && (cgd->controllers & CG_CPUSET))
		return cgroup_cpuset_init(cgd->path, err);
	return 0;
}

static int cgroup_v1_memory_set(const char *dir, uint64_t bytes, struct reef_error *err)
{
	int r;

	r = cgroup_file_write_u64(dir, "memory.limit_in_bytes", bytes, err);
	if (r < 0)
		return r;

	/*
	 * memory.memsw.limit_in_bytes caps memory plus swap.  Setting it equal
	 * to the memory limit leaves no room to swap, so a process that goes
	 * over the limit meets the OOM killer instead of the swap device.
	 * Without swap accounting (swapaccount=0) the file is missing, and a
	 * swappiness of 0 is then the closest the cgroup gets.
	 */
	r = cgroup_file_write_u64(dir, "memory.memsw.limit_in_bytes", bytes, err);
	if (r != -ENOENT)
		return r;
	return cgroup_file_write(dir, "memory.swappiness", "0", err);
}

static int cgroup_v1_limits_apply(struct cgroup *cg, const struct cgroup_limits *limits,
				  struct reef_error *err)
{
	int r = 0;

	if (limits->memory_bytes)
		r = cgroup_v1_memory_set(cgroup_v1_find(cg, CG_MEMORY)->path, limits->memory_bytes,
					 err);
	if (r == 0 && limits->cpu_quota_us) {
		const char *dir = cgroup_v1_find(cg, CG_CPU)->path;

		r = cgroup_file_write_u64(dir, "cpu.cfs_period_us", limits->cpu_period_us, err);
		if (r == 0)
			r = cgroup_file_write_u64(dir, "cpu.cfs_quota_us", limits->cpu_quota_us,
						  err);
	}
	if (r == 0 && limits->pids_max)
		r = cgroup_file_write_u64(cgroup_v1_find(cg, CG_PIDS)->path, "pids.max",
					  limits->pids_max, err);
	return r;
}

static int cgroup_v2_limits_apply(struct cgroup *cg, const struct cgroup_limits *limits,
				  struct reef_error *err)
{
	const char *dir = cgroup_v2_dir(cg)->path;
	char value[64];
	int r = 0;

	if (limits->memory_bytes) {
		r = cgroup_file_write_u64(dir, "memory.max", limits->memory_bytes, err);
		/*
		 * memory.swap.max counts swap alone, so 0 is the v2 form of "swap
		 * limit equal to the memory limit".  It is missing without swap
		 * accounting, and then no swap can be charged anyway.
		 */
		if (r == 0) {
			r = cgroup_file_write(dir, "memory.swap.max", "0", err);
			if (r == -ENOENT)
				r = 0;
		}
	}
	if (r == 0 && limits->cpu_quota_us) {
		snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64, limits->cpu_quota_us,
			 limits->cpu_period_us);
		r = cgroup_file_write(dir, "cpu.max", value, err);
	}
	if (r == 0 && limits->pids_max)
		r = cgroup_file_write_u64(dir, "pids.max", limits->pids_max, err);
	return r;
}

/* Removes the directories this cgroup_create made, and their parents once empty. */
static void cgroup_rollback(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		if (!cg->dirs[i].created)
			continue;
		if (rmdir(cg->dirs[i].path) < 0 && errno != ENOENT)
			log_warning("remove cgroup '%s': %s, ignoring", cg->dirs[i].path,
				    strerror(errno));
		cgroup_parents_prune(cg->dirs[i].mount, cg->instance);
	}
}

int cgroup_create(const char *instance, const char *name, const struct cgroup_limits *limits,
		  struct cgroup **ret, struct reef_error *err)
{
	static const struct cgroup_limits no_limits;
	struct cgroup *cg = NULL;
	unsigned need;
	int r;

	if (!limits)
		limits = &no_limits;
	r = cgroup_limits_validate(limits, err);
	if (r == 0)
		r = cgroup_new(instance, name, &cg, err);
	if (r < 0)
		return r;
	need = cgroup_limits_controllers(limits);

	if (cg->mode == CGROUP_MODE_V1)
		r = cgroup_v1_check(cg, need, err);
	for (size_t i = 0; r == 0 && i < cg->n_dirs; i++)
		r = cgroup_dir_make(cg, &cg->dirs[i], cg->mode == CGROUP_MODE_V2 ? need : 0, err);
	if (r == 0 && cg->mode == CGROUP_MODE_V1)
		r = cgroup_v1_limits_apply(cg, limits, err);
	else if (r == 0)
		r = cgroup_v2_limits_apply(cg, limits, err);
	if (r < 0) {
		cgroup_rollback(cg);
		cgroup_free(cg);
		return error_prefix(err, "create cgroup '%s/%s'", instance, name);
	}
	*ret = cg;
	return 0;
}

int cgroup_open(const char *instance, const char *name, struct cgroup **ret, struct reef_error *err)
{
	struct cgroup *cg = NULL;
	bool found = false;
	int r;

	r = cgroup_new(instance, name, &cg, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_dirs; i++)
		if (access(cg->dirs[i].path, F_OK) == 0)
			found = true;
	if (!found) {
		r = error_set(err, ENOENT, "cgroup 'reef/%s/%s' not found under '%s'", instance,
			      name, cg->dirs[0].mount);
		cgroup_free(cg);
		return r;
	}
	*ret = cg;
	return 0;
}

int cgroup_add_pid(struct cgroup *cg, pid_t pid, struct reef_error *err)
{
	char value[32];
	int r;

	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_dirs; i++) {
		r = cgroup_file_write(cg->dirs[i].path, "cgroup.procs", value, err);
		if (r < 0)
			return error_prefix(err, "move process %d into cgroup", (int)pid);
	}
	return 0;
}

/* Opens PATH with FLAGS into *RET_FD; a failure closes all of ENTRY. */
static int cgroup_entry_add(struct cgroup_entry *entry, const char *path, int flags, int *ret_fd,
			    struct reef_error *err)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		cgroup_entry_close(entry);
		return error_set_errno(err, e, "open '%s'", path);
	}
	*ret_fd = fd;
	return 0;
}

int cgroup_entry_open(const struct cgroup *cg, struct cgroup_entry *ret, struct reef_error *err)
{
	struct cgroup_entry entry = { .unified_fd = -1, .unified_procs_fd = -1 };
	char path[PATH_MAX + 16];
	int r;

	for (size_t i = 0; i < cg->n_dirs; i++) {
		const struct cgroup_dir *dir = &cg->dirs[i];

		if (dir->unified) {
			entry.unified_dir = dir->path;
			r = cgroup_entry_add(&entry, dir->path, O_RDONLY | O_DIRECTORY,
					     &entry.unified_fd, err);
			snprintf(path, sizeof(path), "%s/cgroup.procs", dir->path);
			if (r == 0)
				r = cgroup_entry_add(&entry, path, O_WRONLY,
						     &entry.unified_procs_fd, err);
		} else {
			snprintf(path, sizeof(path), "%s/tasks", dir->path);
			entry.tasks_dir[entry.n_tasks] = dir->path;
			entry.tasks_fd[entry.n_tasks] = -1;
			entry.n_tasks++;
			r = cgroup_entry_add(&entry, path, O_WRONLY,
					     &entry.tasks_fd[entry.n_tasks - 1], err);
		}
		if (r < 0)
			return r;
	}
	*ret = entry;
	return 0;
}

/* Writes "0", the calling thread or process, to FD; returns 0 or -errno. */
static int cgroup_self_write(int fd)
{
	return write(fd, "0", 1) == 1 ? 0 : -errno;
}

int cgroup_entry_join(struct cgroup_entry *entry, bool born_in_unified, const char **ret_dir)
{
	int r = 0;

	/* In a 'tasks' file "0" moves the calling thread: the one move that skips the global lock. */
	for (size_t i = 0; r == 0 && i < entry->n_tasks; i++) {
		r = cgroup_self_write(entry->tasks_fd[i]);
		if (r < 0)
			*ret_dir = entry->tasks_dir[i];
	}
	if (r == 0 && !born_in_unified && entry->unified_procs_fd >= 0) {
		r = cgroup_self_write(entry->unified_procs_fd);
		if (r < 0)
			*ret_dir = entry->unified_dir;
	}
	cgroup_entry_close(entry);
	return r;
}

void cgroup_entry_close(struct cgroup_entry *entry)
{
	for (size_t i = 0; i < entry->n_tasks; i++)
		if (entry->tasks_fd[i] >= 0)
			close(entry->tasks_fd[i]);
	entry->n_tasks = 0;
	if (entry->unified_fd >= 0)
		close(entry->unified_fd);
	entry->unified_fd = -1;
	if (entry->unified_procs_fd >= 0)
		close(entry->unified_procs_fd);
	entry->unified_procs_fd = -1;
}

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Kills what is left.  cgroup.kill (v2, Linux 5.14) does it in the kernel
 * without racing forks.  Otherwise a v1 freezer stops the tasks first, so
 * that none forks or exits (and frees its pid for reuse) between reading
 * cgroup.procs and the kill.  Without a freezer, repeated passes catch
 * children forked during the previous one.
 */
static int cgroup_kill_all(struct cgroup *cg, struct reef_error *err)
{
	struct cgroup_dir *freezer = NULL;
	long deadline = monotonic_ms() + CGROUP_DESTROY_TIMEOUT_MS;
	size_t left;
	int r;

	if (cg->mode == CGROUP_MODE_V2 &&
	    cgroup_file_write(cgroup_v2_dir(cg)->path, "cgroup.kill", "1", NULL) == 0)
		goto wait;

	if (cg->mode == CGROUP_MODE_V1)
		freezer = cgroup_v1_find(cg, CG_FREEZER);
	if (freezer && access(freezer->path, F_OK) == 0)
		cgroup_v1_freeze(freezer->path, true);
	for (size_t i = 0; i < cg->n_dirs; i++) {
		r = cgroup_procs_kill(cg->dirs[i].path, &left, err);
		if (r < 0 && r != -ENOENT)
			break;
	}
	if (freezer && access(freezer->path, F_OK) == 0)
		cgroup_v1_freeze(freezer->path, false);

wait:
	for (;;) {
		size_t total = 0;

		for (size_t i = 0; i < cg->n_dirs; i++) {
			r = cgroup_procs_kill(cg->dirs[i].path, &left, err);
			if (r < 0 && r != -ENOENT)
				return r;
			total += left;
		}
		if (total == 0)
			return 0;
		if (monotonic_ms() > deadline)
			return error_set(err, EBUSY,
					 "%zu processes are still in cgroup '%s' after SIGKILL",
					 total, cg->dirs[0].path);
		usleep(5000);
	}
}

/* Removes DIR; the kernel may still report it busy for a moment while killed tasks exit. */
static int cgroup_dir_remove(const char *dir, long deadline, struct reef_error *err)
{
	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || monotonic_ms() > deadline)
			return error_set_errno(err, errno, "remove cgroup '%s'", dir);
		usleep(5000);
	}
}

int cgroup_destroy(struct cgroup *cg, struct reef_error *err)
{
	long deadline;
	int r, first = 0;

	r = cgroup_kill_all(cg, err);
	if (r < 0)
		return error_prefix(err, "destroy cgroup 'reef/%s/%s'", cg->instance, cg->name);

	/* Every hierarchy is tried, so one failure leaves as little as possible behind. */
	deadline = monotonic_ms() + CGROUP_DESTROY_TIMEOUT_MS;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		struct reef_error local = { 0 };

		r = cgroup_dir_remove(cg->dirs[i].path, deadline, &local);
		if (r < 0 && first == 0) {
			first = r;
			if (err)
				*err = local;
		}
		cgroup_parents_prune(cg->dirs[i].mount, cg->instance);
	}
	if (first < 0)
		return error_prefix(err, "destroy cgroup 'reef/%s/%s'", cg->instance, cg->name);
	return 0;
}

/* The kernel shows "no limit" as "max" on v2 and as a huge number on v1. */
static uint64_t cgroup_limit_parse(const char *value)
{
	unsigned long long v;
	char *end;

	if (strncmp(value, "max", 3) == 0 || value[0] == '-')
		return 0;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || end == value)
		return 0;
	/* v1 reports an unlimited memory cgroup as LONG_MAX rounded down to a page. */
	if (v >= (1ULL << 62))
		return 0;
	return v;
}

static int cgroup_limit_read(struct cgroup *cg, unsigned controller, const char *file,
			     uint64_t *ret, struct reef_error *err)
{
	struct cgroup_dir *dir = cgroup_limit_dir(cg, controller);
	char value[128];
	int r;

	*ret = 0;
	if (!dir)
		return 0;
	r = cgroup_file_read(dir->path, file, value, sizeof(value), err);
	if (r == -ENOENT)
		return 0; /* controller not enabled: no limit */
	if (r < 0)
		return r;
	*ret = cgroup_limit_parse(value);
	return 0;
}

static int cgroup_v2_cpu_read(struct cgroup *cg, struct cgroup_limits *limits,
			      struct reef_error *err)
{
	char value[128];
	char quota[32];
	unsigned long long period;
	int r;

	r = cgroup_file_read(cgroup_v2_dir(cg)->path, "cpu.max", value, sizeof(value), err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (sscanf(value, "%31s %llu", quota, &period) != 2)
		return error_set(err, EIO, "unexpected cpu.max '%s' in '%s'", value,
				 cgroup_v2_dir(cg)->path);
	limits->cpu_period_us = period;
	limits->cpu_quota_us = cgroup_limit_parse(quota);
	return 0;
}

int cgroup_read_limits(struct cgroup *cg, struct cgroup_limits *ret, struct reef_error *err)
{
	struct cgroup_limits limits = { 0 };
	int r;

	if (cg->mode == CGROUP_MODE_V2) {
		r = cgroup_limit_read(cg, CG_MEMORY, "memory.max", &limits.memory_bytes, err);
		if (r == 0)
			r = cgroup_v2_cpu_read(cg, &limits, err);
	} else {
		r = cgroup_limit_read(cg, CG_MEMORY, "memory.limit_in_bytes", &limits.memory_bytes,
				      err);
		if (r == 0)
			r = cgroup_limit_read(cg, CG_CPU, "cpu.cfs_quota_us", &limits.cpu_quota_us,
					      err);
		if (r == 0)
			r = cgroup_limit_read(cg, CG_CPU, "cpu.cfs_period_us",
					      &limits.cpu_period_us, err);
	}
	if (r == 0)
		r = cgroup_limit_read(cg, CG_PIDS, "pids.max", &limits.pids_max, err);
	if (r < 0)
		return error_prefix(err, "read limits of cgroup 'reef/%s/%s'", cg->instance,
				    cg->name);
	*ret = limits;
	return 0;
}
