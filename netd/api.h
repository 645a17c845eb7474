/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_API_H
#define REEF_NETD_API_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/error.h"
#include "netd.h"

/*
 * The HTTP/1.1 + JSON API of reef-netd on its unix socket, served by
 * libmicrohttpd without threads of its own: the main loop polls
 * api_poll_fd() and calls api_run(), so requests run one at a time.
 */
struct api;

/* Largest request body accepted; attach and create requests are a few hundred bytes. */
#define API_BODY_MAX (64 * 1024)

/*
 * Listens on SOCKET_PATH (mode 0660, group GROUP unless it is (gid_t)-1).
 * Callers must be root, the daemon's own user or in GROUP (by SO_PEERCRED).
 */
int api_start(struct netd *netd, const char *socket_path, gid_t group, struct api **ret,
	      struct reef_error *err);
/* Stops serving and removes the socket. */
void api_stop(struct api *api);
int api_poll_fd(const struct api *api);
/* Milliseconds until libmicrohttpd needs api_run() again, or -1 for no deadline. */
int api_timeout_ms(const struct api *api);
void api_run(struct api *api);

/* JSON views of state, shared with the tests. */
json_t *api_network_json(struct netd *netd, const struct netd_network *net, bool with_endpoints);
json_t *api_endpoint_json(const struct netd *netd, const struct netd_network *net,
			  const struct store_endpoint *ep);
/* HTTP status of an error code from netd_errno_to_error_code(). */
unsigned api_error_status(const char *code);

#endif
