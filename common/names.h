/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_NAMES_H
#define REEF_COMMON_NAMES_H

#include <stdbool.h>

#include "error.h"

/*
 * Container and network names are DNS labels: 1 to 63 characters of ASCII
 * letters, digits and '-', not starting or ending with '-'.  A container's
 * name is its hostname and its name in /etc/hosts, and 63 is the longest
 * label RFC 1035 allows, so every valid name works in both places.  Kernel
 * interface names never contain these names (they are derived from a hash),
 * so IFNAMSIZ does not limit them.
 */
#define REEF_NAME_MAX 63

bool name_is_valid(const char *name);

/* Checks NAME; on failure the error names the KIND ("network", "container"). */
int name_validate(const char *kind, const char *name, struct reef_error *err);

#endif
