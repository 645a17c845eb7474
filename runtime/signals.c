/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* The kernel's signal set size: 8 bytes for 64 signals, where glibc's NSIG counts 65. */
#define KERNEL_SIGSET_SIZE ((NSIG - 1) / 8)

void signals_reset(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	/*
	 * All zeros is SIG_DFL with no flags and an empty mask in every
	 * architecture's layout of the kernel's struct sigaction.
	 */
	unsigned long zeros[16] = { 0 };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/*
		 * glibc rejects its two internal signals (32 and 33, for thread
		 * cancellation and setxid), which a caller may still have ignored.
		 */
		if (sigaction(sig, &dfl, NULL) < 0)
			syscall(SYS_rt_sigaction, sig, zeros, NULL, KERNEL_SIGSET_SIZE);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
