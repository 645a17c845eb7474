/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_JSON_H
#define REEF_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "cleanup.h"
#include "error.h"

DEFINE_CLEANUP(json_t, json_decref)
#define _cleanup_json_ _cleanup_(json_decref_cleanup)

/*
 * Strict readers for request bodies and state files.  Each error names the
 * field and the type expected, so a 400 reply shows the caller what to fix.
 * WHERE is the name of the object being read ("request", "forward").
 */

/* Rejects any key of OBJ that is not in ALLOWED (a NULL-terminated list). */
int json_check_keys(const json_t *obj, const char *const allowed[], const char *where,
		    struct reef_error *err);

/* Reads a string; a missing optional key leaves *RET untouched and returns 0. */
int json_read_string(const json_t *obj, const char *key, bool required, const char **ret,
		     const char *where, struct reef_error *err);

/* Reads an integer in [MIN, MAX]; a missing optional key returns 0 untouched. */
int json_read_int(const json_t *obj, const char *key, bool required, long long min, long long max,
		  long long *ret, const char *where, struct reef_error *err);

int json_read_bool(const json_t *obj, const char *key, bool required, bool *ret, const char *where,
		   struct reef_error *err);

/* Reads an array or object member; a missing optional key sets *RET to NULL. */
int json_read_array(const json_t *obj, const char *key, bool required, json_t **ret,
		    const char *where, struct reef_error *err);
int json_read_object(const json_t *obj, const char *key, bool required, json_t **ret,
		     const char *where, struct reef_error *err);

/* Parses TEXT as a JSON object; the error gives the line and column. */
int json_parse_object(const char *text, size_t len, json_t **ret, struct reef_error *err);

#endif
