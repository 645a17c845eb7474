/* SPDX-License-Identifier: MIT */
/* The container's mounts, run by its init before pivot_root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "internal.h"

/* Docker's masked paths: hidden behind /dev/null (files) or an empty read-only tmpfs (dirs). */
static const char *const masked_paths[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};

/* Docker's read-only paths. */
static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const char *const device_names[] = {
	"null", "zero", "full", "random", "urandom", "tty", NULL
};

#define FAIL(plan, e, ...)                                              \
	({                                                              \
		launch_failure_send((plan)->sync_fd, (e), __VA_ARGS__); \
		-(e);                                                   \
	})

static int mount_at(struct launch_plan *plan, const char *source, const char *target,
		    const char *type, unsigned long flags, const char *data, const char *what)
{
	if (mount(source, target, type, flags, data) < 0)
		return FAIL(plan, errno, "mount %s", what);
	return 0;
}

static int dir_ensure(struct launch_plan *plan, const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return FAIL(plan, errno, "create directory '%s'", path);
	return 0;
}

/*
 * Mounts the overlay at RUN/containers/NAME/rootfs and enters it.  Every
 * layer path is resolved by the container's root, so the directories above
 * them must be searchable by others (the monitor checks that).
 */
static int rootfs_mount_overlay(struct launch_plan *plan, const struct launch_go *go, int mount_fd)
{
	char lower[PATH_MAX + 16], upper[PATH_MAX + 16], work[PATH_MAX + 16], target[PATH_MAX + 16];
	_cleanup_(close_fd) int fs = -1;
	_cleanup_(close_fd) int mnt = -1;

	snprintf(lower, sizeof(lower), "%s", go->lower);
	if (mount_fd >= 0) {
		/* Older kernels take no detached mount as a layer, so it is attached first. */
		snprintf(lower, sizeof(lower), "%s/lower", plan->run_dir);
		if (syscall(SYS_move_mount, mount_fd, "", AT_FDCWD, lower,
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return FAIL(plan, errno, "attach the id-mapped rootfs at '%s'", lower);
	}
	snprintf(upper, sizeof(upper), "%s/upper", plan->state_dir);
	snprintf(work, sizeof(work), "%s/work", plan->state_dir);
	snprintf(target, sizeof(target), "%s/rootfs", plan->run_dir);

	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return FAIL(plan, errno, "mount the overlay rootfs: open overlayfs");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
		return FAIL(plan, errno, "mount the overlay rootfs: set its layers");
	/* Inside a user namespace overlayfs keeps its metadata in user.* xattrs. */
	if (!plan->config->privileged &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		return FAIL(plan, errno, "mount the overlay rootfs: set userxattr");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return FAIL(plan, errno, "mount the overlay rootfs");
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return FAIL(plan, errno, "mount the overlay rootfs: create the mount");
	if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return FAIL(plan, errno, "mount the overlay rootfs: attach it at '%s'", target);
	if (fchdir(mnt) < 0)
		return FAIL(plan, errno, "change directory to the rootfs");
	return 0;
}

/* Creates an empty file or directory at PATH as the target of a bind mount. */
static int mount_point_create(struct launch_plan *plan, const char *path, bool dir)
{
	_cleanup_(close_fd) int fd = -1;

	if (dir)
		return dir_ensure(plan, path, 0755);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EEXIST)
		return FAIL(plan, errno, "create '%s'", path);
	return 0;
}

static int rootfs_mount_dev(struct launch_plan *plan)
{
	char path[64];

	if (dir_ensure(plan, "dev", 0755) < 0 ||
	    mount_at(plan, "tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		     "mode=755,size=65536k", "/dev") < 0)
		return -1;

	/* A user namespace cannot mknod, so the host's nodes are bind-mounted in. */
	for (const char *const *name = device_names; *name; name++) {
		char source[64];

		snprintf(source, sizeof(source), "/dev/%s", *name);
		snprintf(path, sizeof(path), "dev/%s", *name);
		if (mount_point_create(plan, path, false) < 0 ||
		    mount_at(plan, source, path, NULL, MS_BIND, NULL, source) < 0)
			return -1;
	}

	if (dir_ensure(plan, "dev/pts", 0755) < 0 ||
	    mount_at(plan, "devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620,gid=5", "/dev/pts") < 0)
		return -1;
	if (symlink("pts/ptmx", "dev/ptmx") < 0)
		return FAIL(plan, errno, "link /dev/ptmx");
	if (dir_ensure(plan, "dev/shm", 01777) < 0 ||
	    mount_at(plan, "shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "mode=1777,size=65536k", "/dev/shm") < 0)
		return -1;
	if (dir_ensure(plan, "dev/mqueue", 0755) < 0 ||
	    mount_at(plan, "mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		     "/dev/mqueue") < 0)
		return -1;
	if (symlink("/proc/self/fd", "dev/fd") < 0 || symlink("/proc/self/fd/0", "dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", "dev/stderr") < 0)
		return FAIL(plan, errno, "link /dev/fd");
	return 0;
}

/* Checks that the container's /dev/null is the null device before hiding paths behind it. */
static int dev_null_check(struct launch_plan *plan)
{
	struct stat st;

	if (stat("dev/null", &st) < 0)
		return FAIL(plan, errno, "check /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return FAIL(plan, ENODEV, "check /dev/null: not the null device");
	return 0;
}

static int paths_mask(struct launch_plan *plan)
{
	for (const char *const *p = masked_paths; *p; p++) {
		const char *path = *p + 1; /* relative to the new root */
		struct stat st;

		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") < 0)
				return FAIL(plan, errno, "mask %s", *p);
		} else if (mount("dev/null", path, NULL, MS_BIND, NULL) < 0) {
			return FAIL(plan, errno, "mask %s", *p);
		}
	}
	return 0;
}

/* A read-only remount must keep the flags the kernel locked in a user namespace. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	return flags;
}

static int paths_readonly(struct launch_plan *plan)
{
	for (const char *const *p = readonly_paths; *p; p++) {
		const char *path = *p + 1;

		if (access(path, F_OK) < 0)
			continue;
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path),
			  NULL) < 0)
			return FAIL(plan, errno, "make %s read-only", *p);
	}
	return 0;
}

static int file_write(struct launch_plan *plan, const char *path, const char *text)
{
	_cleanup_(close_fd) int fd = -1;
	size_t len = strlen(text);

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return FAIL(plan, errno, "write /%s", path);
	if (write(fd, text, len) != (ssize_t)len)
		return FAIL(plan, errno ? errno : EIO, "write /%s", path);
	return 0;
}

static int rootfs_pivot(struct launch_plan *plan)
{
	/* pivot_root(".", ".") stacks the old root on top of the new; detaching it leaves the new. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return FAIL(plan, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return FAIL(plan, errno, "detach the old root");
	if (chdir("/") < 0)
		return FAIL(plan, errno, "change directory to /");
	return 0;
}

int rootfs_mount(struct launch_plan *plan, const struct launch_go *go, int mount_fd)
{
	bool privileged = plan->config->privileged;

	/* Nothing mounted from here on may propagate back to the host. */
	if (mount_at(plan, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, "/ private") < 0)
		return -1;
	if (rootfs_mount_overlay(plan, go, mount_fd) < 0)
		return -1;

	if (dir_ensure(plan, "proc", 0555) < 0 ||
	    mount_at(plan, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
		     "/proc") < 0)
		return -1;
	if (dir_ensure(plan, "sys", 0555) < 0 ||
	    mount_at(plan, "sysfs", "sys", "sysfs",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC | (privileged ? 0 : MS_RDONLY), NULL,
		     "/sys") < 0)
		return -1;
	if (rootfs_mount_dev(plan) < 0)
		return -1;
	if (!privileged &&
	    (dev_null_check(plan) < 0 || paths_mask(plan) < 0 || paths_readonly(plan) < 0))
		return -1;
	return 0;
}

int rootfs_enter(struct launch_plan *plan)
{
	if (dir_ensure(plan, "etc", 0755) < 0 ||
	    file_write(plan, "etc/hostname", plan->config->name) < 0)
		return -1;
	return rootfs_pivot(plan);
}

int rootfs_write_network(struct launch_plan *plan, const struct launch_go *go)
{
	if (file_write(plan, "etc/hosts", go->hosts) < 0)
		return -1;
	if (go->resolv[0] && file_write(plan, "etc/resolv.conf", go->resolv) < 0)
		return -1;
	return 0;
}
