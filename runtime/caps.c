/* SPDX-License-Identifier: MIT */
#include "security.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#define CAP_BIT(c) (UINT64_C(1) << (c))

uint64_t caps_default(void)
{
	return CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_FSETID) |
	       CAP_BIT(CAP_FOWNER) | CAP_BIT(CAP_MKNOD) | CAP_BIT(CAP_NET_RAW) |
	       CAP_BIT(CAP_SETGID) | CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SETFCAP) |
	       CAP_BIT(CAP_SETPCAP) | CAP_BIT(CAP_NET_BIND_SERVICE) | CAP_BIT(CAP_SYS_CHROOT) |
	       CAP_BIT(CAP_KILL) | CAP_BIT(CAP_AUDIT_WRITE);
}

/* Returns the number of capabilities the running kernel supports, at most 64. */
static int caps_kernel_count(void)
{
	int n = (int)cap_max_bits();

	return n > 64 ? 64 : n;
}

/* Writes the name of capability C ("cap_net_admin") into BUF. */
static const char *caps_name(int c, char buf[32])
{
	char *name = cap_to_name(c);

	snprintf(buf, 32, "%s", name ? name : "unknown");
	cap_free(name);
	return buf;
}

/*
 * Reads the bounding set of the calling process.  No process can give a
 * child more than this, so "ALL" means these capabilities: a runtime that
 * itself runs in a container often lacks a few.
 */
static uint64_t caps_bounding_read(void)
{
	uint64_t mask = 0;

	for (int c = 0; c < caps_kernel_count(); c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			mask |= CAP_BIT(c);
	return mask;
}

int caps_parse(const char *name, uint64_t *ret, struct reef_error *err)
{
	char lower[64] = "cap_", canonical[32];
	size_t skip = 0, len;
	cap_value_t value;

	if (!name || name[0] == '\0')
		return error_set(err, EINVAL,
				 "missing capability name: give a name such as NET_ADMIN");
	if (strcasecmp(name, "ALL") == 0) {
		*ret = caps_bounding_read();
		return 0;
	}
	if (strncasecmp(name, "CAP_", 4) == 0)
		skip = 4;
	len = strlen(name + skip);

	/* libcap also takes numbers; a capability is named here, never numbered. */
	if (len == 0 || len + 4 >= sizeof(lower) || !isalpha((unsigned char)name[skip]))
		goto invalid;
	for (size_t i = 0; i <= len; i++)
		lower[4 + i] = (char)tolower((unsigned char)name[skip + i]);
	/* cap_from_name() stops at the end of a known name and ignores what follows. */
	if (cap_from_name(lower, &value) < 0 || value < 0 || value >= caps_kernel_count() ||
	    strcmp(caps_name(value, canonical), lower) != 0)
		goto invalid;
	*ret = CAP_BIT(value);
	return 0;

invalid:
	return error_set(err, EINVAL,
			 "invalid capability '%.64s': give a name such as NET_ADMIN or "
			 "CAP_NET_ADMIN, or ALL",
			 name);
}

/* Drops every capability outside MASK from the bounding set; needs CAP_SETPCAP. */
static int caps_bounding_apply(uint64_t mask, struct reef_error *err)
{
	char name[32];

	for (int c = 0; c < caps_kernel_count(); c++) {
		if (mask & CAP_BIT(c))
			continue;
		if (cap_drop_bound(c) < 0)
			return error_set_errno(err, errno,
					       "drop capability '%s' from the bounding set",
					       caps_name(c, name));
	}
	return 0;
}

/* Sets the permitted, effective and inheritable sets to MASK in one capset(). */
static int caps_process_apply(uint64_t mask, struct reef_error *err)
{
	static const cap_flag_t flags[] = { CAP_PERMITTED, CAP_EFFECTIVE, CAP_INHERITABLE };
	cap_t caps = cap_init();
	char name[32];
	int r = 0;

	if (!caps)
		return error_set_errno(err, errno, "allocate capability state");
	for (int c = 0; c < caps_kernel_count() && r == 0; c++) {
		cap_value_t value = c;

		if (!(mask & CAP_BIT(c)))
			continue;
		for (size_t f = 0; f < 3 && r == 0; f++)
			if (cap_set_flag(caps, flags[f], 1, &value, CAP_SET) < 0)
				r = error_set_errno(err, errno, "set capability '%s'",
						    caps_name(c, name));
	}
	if (r == 0 && cap_set_proc(caps) < 0)
		r = error_set_errno(err, errno, "set the process capabilities");
	cap_free(caps);
	return r;
}

/*
 * Raises MASK in the ambient set, which lets the capabilities survive an
 * exec of a file without file capabilities by a non-root user.  The kernel
 * requires each one to be permitted and inheritable already.
 */
static int caps_ambient_apply(uint64_t mask, struct reef_error *err)
{
	char name[32];

	if (cap_reset_ambient() < 0)
		return error_set_errno(err, errno, "clear the ambient capability set");
	for (int c = 0; c < caps_kernel_count(); c++) {
		if (!(mask & CAP_BIT(c)))
			continue;
		if (cap_set_ambient(c, CAP_SET) < 0)
			return error_set_errno(err, errno, "raise ambient capability '%s'",
					       caps_name(c, name));
	}
	return 0;
}

int caps_apply(uint64_t mask, bool no_new_privs, struct reef_error *err)
{
	uint64_t missing;
	int r;

	missing = mask & ~caps_bounding_read();
	if (missing) {
		char name[32];

		r = error_set(err, EPERM,
			      "capability '%s' is not in the bounding set of this process, so no "
			      "container it starts can have it: drop it from the request",
			      caps_name(__builtin_ctzll(missing), name));
		return error_prefix(err, "apply capabilities");
	}

	/* The bounding set goes first, because dropping from it needs CAP_SETPCAP. */
	r = caps_bounding_apply(mask, err);
	if (r == 0)
		r = caps_process_apply(mask, err);
	if (r == 0)
		r = caps_ambient_apply(mask, err);
	if (r == 0 && no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = error_set_errno(err, errno, "set no_new_privs");
	if (r < 0)
		return error_prefix(err, "apply capabilities");
	return 0;
}
