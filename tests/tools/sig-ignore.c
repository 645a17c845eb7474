/* SPDX-License-Identifier: MIT */
/*
 * Runs a command with signals ignored, as a caller may pass them on:
 *
 *   sig-ignore SIGNUM... -- COMMAND ARG...
 *
 * glibc's sigaction() rejects its internal signals 32 and 33, so they are
 * set through the system call.  NOTE: the raw call assumes the handler is
 * the first field of the kernel's struct sigaction, true on x86 and arm64
 * but not on MIPS.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	unsigned long raw[16] = { (unsigned long)SIG_IGN };
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		int sig = atoi(argv[i]);

		if (sigaction(sig, &ign, NULL) < 0 &&
		    syscall(SYS_rt_sigaction, sig, raw, NULL, (NSIG - 1) / 8) < 0) {
			fprintf(stderr, "sig-ignore: ignore signal %d: %m\n", sig);
			return 1;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: sig-ignore SIGNUM... -- COMMAND ARG...\n");
		return 2;
	}
	execvp(argv[i + 1], argv + i + 1);
	fprintf(stderr, "sig-ignore: run '%s': %m\n", argv[i + 1]);
	return 127;
}
