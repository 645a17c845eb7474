/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_INSTANCE_H
#define REEF_NETD_INSTANCE_H

#include "../common/error.h"

/*
 * One reef-netd per network namespace.  Reconcile deletes every link with a
 * reef alias that its own database does not list, so a second daemon with
 * another root in the same namespace would delete the first one's links.
 *
 * The claim is an abstract unix socket with a fixed name.  Abstract names
 * belong to the network namespace, and the kernel frees the name when the
 * holder dies, even on SIGKILL, so no stale claim survives a crash.
 */

/*
 * Claims the current network namespace.  Returns the listening socket, or
 * -EADDRINUSE with a message naming the running daemon's pid and root when
 * another daemon has the claim.
 */
int instance_netns_claim(struct reef_error *err);

/* Sends ROOT ("" for the default root) to one waiting query on CLAIM_FD, without blocking. */
void instance_claim_answer(int claim_fd, const char *root);

#endif
