/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_PATHS_H
#define REEF_COMMON_PATHS_H

#include <limits.h>

#include "error.h"

/*
 * Where reef keeps its files.  Defaults are /var/lib/reef and /run/reef;
 * with a root override (REEF_ROOT or --root DIR) everything lives under DIR,
 * so independent instances can run side by side.
 */
struct reef_paths {
	char root[PATH_MAX];	   /* the override, or "" */
	char state_dir[PATH_MAX];  /* /var/lib/reef or ROOT/lib */
	char run_dir[PATH_MAX];	   /* /run/reef or ROOT/run */
	char socket[PATH_MAX];	   /* RUN/netd.sock */
	char database[PATH_MAX];   /* STATE/netd.db */
	char containers[PATH_MAX]; /* STATE/containers */
	char images[PATH_MAX];	   /* STATE/images */
};

/* Fills PATHS from ROOT, or from $REEF_ROOT when ROOT is NULL. */
int paths_init(struct reef_paths *paths, const char *root, struct reef_error *err);

/* Creates DIR and its missing parents with MODE. */
int mkdir_parents(const char *dir, unsigned mode, struct reef_error *err);

#endif
