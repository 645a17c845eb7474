/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_CLEANUP_H
#define REEF_COMMON_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

/*
 * Scope-bound cleanup.  A variable declared _cleanup_(free_ptr) is freed when
 * it goes out of scope; take_ptr() and take_fd() hand ownership on by
 * returning the value and clearing the variable.
 */
#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void free_ptr(void *p)
{
	free(*(void **)p);
}

static inline void close_fd(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define take_ptr(p)                         \
	({                                  \
		__typeof__(p) taken_ = (p); \
		(p) = NULL;                 \
		taken_;                     \
	})

#define take_fd(fd)                \
	({                         \
		int taken_ = (fd); \
		(fd) = -1;         \
		taken_;            \
	})

/* Defines NAME_cleanup(TYPE **) that calls FREE_FN on a non-NULL pointer. */
#define DEFINE_CLEANUP(type, free_fn)                  \
	static inline void free_fn##_cleanup(type **p) \
	{                                              \
		if (*p)                                \
			free_fn(*p);                   \
	}

#endif
