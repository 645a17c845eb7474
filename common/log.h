/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_LOG_H
#define REEF_COMMON_LOG_H

#include <stdbool.h>
#include <syslog.h>

/*
 * Logging with syslog levels to stderr, one line per message:
 * "reef-netd: warning: detach 'web' from 'lab': ...".  Under systemd the
 * journal picks stderr up, so there is no separate syslog path.
 */
void log_init(const char *program, int max_level);

/* Parses "error", "warning", "info" or "debug"; returns -EINVAL otherwise. */
int log_level_parse(const char *name, int *ret_level);

bool log_enabled(int level);

void log_message(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)	 log_message(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_message(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	 log_message(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_message(LOG_DEBUG, __VA_ARGS__)

#endif
