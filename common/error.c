/* SPDX-License-Identifier: MIT */
#include "error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int error_vset(struct reef_error *err, int errnum, bool with_strerror, const char *fmt,
		      va_list ap)
{
	int code = abs(errnum);
	int n;

	if (code == 0)
		code = EIO;
	if (!err)
		return -code;
	err->errnum = code;
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (with_strerror && n >= 0 && (size_t)n < sizeof(err->message))
		snprintf(err->message + n, sizeof(err->message) - n, ": %s", strerror(code));
	return -code;
}

int error_set(struct reef_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int error_set_errno(struct reef_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int error_prefix(struct reef_error *err, const char *fmt, ...)
{
	char context[sizeof(err->message)];
	char old[sizeof(err->message)];
	va_list ap;

	if (!err)
		return -EIO;
	if (err->errnum == 0)
		err->errnum = EIO;
	va_start(ap, fmt);
	vsnprintf(context, sizeof(context), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	snprintf(err->message, sizeof(err->message), "%s: %s", context, old);
	return -err->errnum;
}

void error_clear(struct reef_error *err)
{
	if (!err)
		return;
	err->errnum = 0;
	err->message[0] = '\0';
}
