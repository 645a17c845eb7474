/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_ERROR_H
#define REEF_COMMON_ERROR_H

#include <stdarg.h>

/*
 * An error travels up as an errno value plus one message.  The innermost
 * caller sets it; every outer caller that adds context prefixes it
 * ("attach 'web' to 'lab': create veth: File exists"), and the top level
 * prints or logs it once.  All functions accept a NULL error and then only
 * return the code.
 */
struct reef_error {
	int errnum; /* positive errno value, 0 when no error was set */
	char message[1024];
};

/* Sets the error to ERRNUM (either sign) and a formatted message; returns -ERRNUM. */
int error_set(struct reef_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like error_set(), with the message followed by ": " and strerror(ERRNUM). */
int error_set_errno(struct reef_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the message with a formatted context and ": "; returns -errnum. */
int error_prefix(struct reef_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void error_clear(struct reef_error *err);

#endif
