/* SPDX-License-Identifier: MIT */
#include <signal.h>

#include "internal.h"

void signals_reset(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* glibc rejects its two internal real-time signals with EINVAL, which leaves them as they are. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
