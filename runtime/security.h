/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_SECURITY_H
#define REEF_RUNTIME_SECURITY_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/paths.h"

/*
 * Capabilities and seccomp for containers.
 *
 * Capability sets are 64-bit masks (bit N = capability N).  The default
 * set is Docker's: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
 * SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
 * AUDIT_WRITE.
 */
uint64_t caps_default(void);
/* Parses "NET_ADMIN", "CAP_NET_ADMIN" or "ALL" (case-insensitive) into a mask. */
int caps_parse(const char *name, uint64_t *ret, struct reef_error *err);
/*
 * Applies MASK to the bounding, permitted, effective, inheritable and
 * ambient sets of the calling process.  Call it in the container's init
 * after the mounts and before exec; sets no_new_privs too when NO_NEW_PRIVS.
 */
int caps_apply(uint64_t mask, bool no_new_privs, struct reef_error *err);

/*
 * The seccomp filter of a profile ("default" is a Docker-like allow list
 * that returns ENOSYS for system calls newer than the profile and EPERM
 * for the rest), compiled with libseccomp once and cached as BPF under
 * PATHS->state_dir/seccomp/, so that a launch reads a file instead of
 * paying libseccomp's compile time.  The cache is keyed by a hash of the
 * profile and the libseccomp version.
 */
struct seccomp_filter {
	struct sock_filter *insns;
	unsigned short len;
};

int seccomp_filter_load(const struct reef_paths *paths, const char *profile,
			struct seccomp_filter *ret, struct reef_error *err);
void seccomp_filter_clear(struct seccomp_filter *filter);
/* Installs FILTER on the calling thread (no_new_privs must be set, or CAP_SYS_ADMIN held). */
int seccomp_filter_install(const struct seccomp_filter *filter, struct reef_error *err);

#endif
