/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *log_program = "reef";
static int log_max_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_EMERG] = "emergency", [LOG_ALERT] = "alert",     [LOG_CRIT] = "critical",
	[LOG_ERR] = "error",	   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",	   [LOG_DEBUG] = "debug",
};

void log_init(const char *program, int max_level)
{
	log_program = program;
	log_max_level = max_level;
}

int log_level_parse(const char *name, int *ret_level)
{
	for (int i = 0; i <= LOG_DEBUG; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*ret_level = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool log_enabled(int level)
{
	return level <= log_max_level;
}

void log_message(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int saved_errno = errno;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line so that concurrent writers do not interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_program, level_names[level], line);
	errno = saved_errno;
}
