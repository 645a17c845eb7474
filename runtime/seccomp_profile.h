/* SPDX-License-Identifier: MIT */
#ifndef REEF_RUNTIME_SECCOMP_PROFILE_H
#define REEF_RUNTIME_SECCOMP_PROFILE_H

/* The built-in seccomp profiles and their compilation to BPF with libseccomp. */

#include "security.h"

/* Returns the text of the built-in profile NAME, or NULL when there is none. */
const char *seccomp_profile_text(const char *name);

/*
 * Compiles profile TEXT into a classic BPF program: a stub that returns
 * ENOSYS for system call numbers above the highest one the profile names,
 * followed by libseccomp's filter (default action EPERM).
 */
int seccomp_profile_compile(const char *text, struct seccomp_filter *ret, struct reef_error *err);

#endif
