/* SPDX-License-Identifier: MIT */
/*
 * Tries system calls that a default container must not be allowed, and
 * prints for each "NAME: allowed" or "NAME: ERROR TEXT".  The runtime tests
 * build it statically and run it inside a container.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s: %s\n", name, strerror(errno));
	else
		printf("%s: allowed\n", name);
}

int main(void)
{
	union bpf_attr attr;

	report("keyctl", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "reef-probe"));
	report("add_key",
	       syscall(SYS_add_key, "user", "reef-probe", "x", 1, KEY_SPEC_SESSION_KEYRING));
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	report("bpf", syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	return 0;
}
