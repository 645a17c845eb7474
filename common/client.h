/* SPDX-License-Identifier: MIT */
#ifndef REEF_COMMON_CLIENT_H
#define REEF_COMMON_CLIENT_H

#include <jansson.h>

#include "error.h"
#include "paths.h"

/*
 * The reef-netd API client: HTTP/1.1 and JSON over the daemon's unix socket.
 * One client keeps one connection open across requests.
 */
struct netd_client;

int netd_client_new(const struct reef_paths *paths, struct netd_client **ret,
		    struct reef_error *err);
void netd_client_free(struct netd_client *client);

/*
 * Sends METHOD PATH with an optional JSON BODY.  On a 2xx reply, *RET_REPLY
 * (when not NULL) receives the parsed body or NULL for an empty one.  An
 * error reply becomes an error with the daemon's message and an errno from
 * its code: invalid EINVAL, not_found ENOENT, conflict EEXIST, busy EBUSY,
 * anything else EIO.  A daemon that is not running gives ECONNREFUSED with
 * a message that says how to start it.
 */
int netd_client_request(struct netd_client *client, const char *method, const char *path,
			json_t *body, json_t **ret_reply, struct reef_error *err);

/* Maps an API error code ("conflict") to an errno value, and back. */
int netd_error_code_to_errno(const char *code);
const char *netd_errno_to_error_code(int errnum);

#endif
