/* SPDX-License-Identifier: MIT */
#include "api.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/client.h"
#include "../common/json.h"
#include "../common/log.h"
#include "forwards.h"

#define REEF_NETD_VERSION "0.1.0"

struct api {
	struct netd *netd;
	struct MHD_Daemon *mhd;
	int listen_fd;
	gid_t group;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/* One request in progress: its body so far and whether the caller may use the API. */
/* An idle connection is dropped after this long; clients send at once. */
#define API_IDLE_SECONDS 10U
/* Upper bound, in milliseconds, of the main loop's sleep between runs of libmicrohttpd. */
#define API_WAKE_MS 1000
/* Bounds of the number of connections open at once. */
#define API_CONNECTIONS_MIN 16U
#define API_CONNECTIONS_MAX 4096U

struct api_request {
	char *body;
	size_t len;
	bool too_large;
	bool forbidden;
	bool privileged; /* root or the daemon's own user, not only a member of --group */
	uid_t uid;
	char peer[64];
};

/* A reply: HTTP status and a JSON body, or an error turned into one. */
struct api_reply {
	unsigned status;
	json_t *body;
};

static void reply_error(struct api_reply *reply, const struct reef_error *err)
{
	const char *code = netd_errno_to_error_code(err->errnum ? err->errnum : EIO);

	reply->status = api_error_status(code);
	reply->body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", err->message);
}

static void reply_errorf(struct api_reply *reply, unsigned status, const char *code,
			 const char *message)
{
	reply->status = status;
	reply->body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

static void reply_ok(struct api_reply *reply, unsigned status, json_t *body)
{
	reply->status = status;
	reply->body = body;
}

/* Logs a failed change at the level that fits: the caller's mistakes are not our errors. */
static void log_request_error(const char *method, const char *url, const struct reef_error *err)
{
	const char *code = netd_errno_to_error_code(err->errnum);

	if (strcmp(code, "internal") == 0)
		log_error("%s %s: %s", method, url, err->message);
	else
		log_info("%s %s rejected: %s", method, url, err->message);
}

static void handle_status(struct api *api, struct api_reply *reply)
{
	size_t n_nets = 0, n_eps = 0;

	for (struct netd_network *net = api->netd->networks; net; net = net->next)
		n_nets++;
	store_endpoint_count(api->netd->store, NULL, NULL, &n_eps, NULL);
	reply_ok(reply, 200,
		 json_pack("{s:s, s:i, s:I, s:I, s:I, s:i}", "version", REEF_NETD_VERSION, "pid",
			   (int)getpid(), "uptime_seconds",
			   (json_int_t)(time(NULL) - api->netd->started), "networks",
			   (json_int_t)n_nets, "endpoints", (json_int_t)n_eps, "schema_version",
			   store_schema_version(api->netd->store)));
}

static int parse_body(const struct api_request *req, json_t **ret, struct reef_error *err)
{
	if (!req->body || req->len == 0)
		return error_set(err, EINVAL, "invalid request: missing JSON body");
	return json_parse_object(req->body, req->len, ret, err);
}

static void handle_network_list(struct api *api, struct api_reply *reply)
{
	_cleanup_(free_ptr) struct store_network *recs = NULL;
	struct reef_error err = { 0 };
	json_t *list;
	size_t n = 0;

	/* The store returns networks sorted by name, and the in-memory list contains their pools. */
	if (store_network_list(api->netd->store, &recs, &n, &err) < 0) {
		reply_error(reply, &err);
		return;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct netd_network *net = netd_network_find(api->netd, recs[i].name);

		if (net)
			json_array_append_new(list, api_network_json(api->netd, net, false));
	}
	reply_ok(reply, 200, list);
}

static void handle_network_create(struct api *api, const struct api_request *req,
				  struct api_reply *reply, struct reef_error *err)
{
	_cleanup_json_ json_t *body = NULL;
	struct network_request nreq;
	struct netd_network *net;

	if (parse_body(req, &body, err) < 0 || network_request_parse(body, &nreq, err) < 0 ||
	    netd_network_create(api->netd, &nreq, &net, err) < 0) {
		reply_error(reply, err);
		return;
	}
	reply_ok(reply, 201, api_network_json(api->netd, net, false));
}

static void handle_network(struct api *api, const char *method, const char *name,
			   struct MHD_Connection *conn, struct api_reply *reply,
			   struct reef_error *err)
{
	struct netd_network *net = netd_network_find(api->netd, name);
	const char *force_arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "force");
	bool force = false;

	if (strcmp(method, "GET") == 0) {
		if (!net) {
			error_set(err, ENOENT, "network '%s' not found: see 'reef network list'",
				  name);
			reply_error(reply, err);
			return;
		}
		reply_ok(reply, 200, api_network_json(api->netd, net, true));
		return;
	}
	if (query_bool_parse("force", force_arg, &force, err) < 0 ||
	    netd_network_delete(api->netd, name, force, err) < 0) {
		reply_error(reply, err);
		return;
	}
	reply_ok(reply, 200, json_pack("{s:s}", "deleted", name));
}

static void handle_endpoint_list(struct api *api, struct MHD_Connection *conn,
				 const char *container, struct api_reply *reply,
				 struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	const char *network = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "network");
	size_t n = 0;
	json_t *list;

	if (!container)
		container = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "container");
	if (store_endpoint_list(api->netd->store, container, network, &eps, &n, err) < 0) {
		reply_error(reply, err);
		return;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct netd_network *net = netd_network_find(api->netd, eps[i].network);

		if (net)
			json_array_append_new(list, api_endpoint_json(api->netd, net, &eps[i]));
	}
	reply_ok(reply, 200, list);
}

/*
 * Checks that the caller may wire the network namespace of the process it
 * names.  No caller may wire reef-netd's own namespace, because an attach
 * there gives the host an eth0 and a default route.  A member of --group
 * may attach only its own processes in namespaces it made, or it could
 * wire any namespace on the host.
 */
static int attach_allowed(const struct api_request *req, const struct attach_request *areq,
			  struct reef_error *err)
{
	bool own_netns;
	uid_t owner;
	int r;

	r = proc_netns_is_own(areq->pid, &own_netns, err);
	if (r < 0)
		return error_prefix(err, "attach '%s'", areq->container);
	if (own_netns)
		return error_set(err, EINVAL,
				 "attach '%s': process %d is in reef-netd's own network namespace: "
				 "attach a process that has a network namespace of its own",
				 areq->container, (int)areq->pid);
	if (req->privileged)
		return 0;
	r = proc_owner(areq->pid, &owner, err);
	if (r < 0)
		return error_prefix(err, "attach '%s'", areq->container);
	if (owner != req->uid)
		return error_set(
			err, EACCES,
			"attach '%s': process %d belongs to uid %u: members of reef-netd's "
			"--group may attach only their own processes",
			areq->container, (int)areq->pid, (unsigned)owner);
	/* The process alone is not enough: it may sit in a namespace that another user made. */
	r = proc_netns_owner(areq->pid, &owner, err);
	if (r < 0)
		return error_prefix(err, "attach '%s'", areq->container);
	if (owner != req->uid)
		return error_set(err, EACCES,
				 "attach '%s': the network namespace of process %d belongs to uid "
				 "%u: members of reef-netd's --group may attach only processes in "
				 "network namespaces they made (unshare --user --net)",
				 areq->container, (int)areq->pid, (unsigned)owner);
	return 0;
}

static void handle_attach(struct api *api, const struct api_request *req, struct api_reply *reply,
			  struct reef_error *err)
{
	_cleanup_json_ json_t *body = NULL;
	struct attach_request areq;
	struct store_endpoint ep;

	if (parse_body(req, &body, err) < 0 || attach_request_parse(body, &areq, err) < 0 ||
	    attach_allowed(req, &areq, err) < 0 ||
	    netd_endpoint_attach(api->netd, &areq, &ep, err) < 0) {
		reply_error(reply, err);
		return;
	}
	reply_ok(reply, 201,
		 api_endpoint_json(api->netd, netd_network_find(api->netd, ep.network), &ep));
}

/*
 * With ?wait=false the veth host ends are deleted after the reply, and
 * "deleting" names those still going, so a caller can wait for them
 * without holding up other requests.
 */
static void handle_detach(struct api *api, struct MHD_Connection *conn, const char *container,
			  const char *network, struct api_reply *reply, struct reef_error *err)
{
	const char *wait_arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "wait");
	struct detach_result result = { 0 };
	json_t *deleting = json_array();
	bool wait = true;
	int r;

	r = name_validate("container", container, err);
	if (r == 0 && network)
		r = name_validate("network", network, err);
	/* Without the argument a detach waits, as it always did. */
	if (r == 0 && wait_arg)
		r = query_bool_parse("wait", wait_arg, &wait, err);
	if (r == 0 && wait)
		r = netd_endpoint_detach(api->netd, container, network, &result.count, err);
	else if (r == 0)
		r = netd_endpoint_detach_later(api->netd, container, network, &result, err);
	if (r < 0) {
		json_decref(deleting);
		reply_error(reply, err);
		return;
	}
	for (size_t i = 0; i < result.n_deleting; i++)
		json_array_append_new(deleting, json_string(result.deleting[i]));
	reply_ok(reply, 200,
		 json_pack("{s:s, s:I, s:o}", "container", container, "detached",
			   (json_int_t)result.count, "deleting", deleting));
}

static json_t *forward_json(const struct store_forward *fwd)
{
	char text[96], addr[IP_ADDR_STRLEN];

	fw_forward_spec_format(&fwd->spec, text, sizeof(text));
	if (fwd->spec.has_host_addr)
		ip_addr_format(&fwd->spec.host_addr, addr);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:i, s:i}", "container", fwd->container,
			 "network", fwd->network, "forward", text, "protocol",
			 fwd->spec.proto == IPPROTO_UDP ? "udp" : "tcp", "host_address",
			 fwd->spec.has_host_addr ? addr : NULL, "host_port", fwd->spec.host_port,
			 "host_port_end", fwd->spec.host_port_end, "container_port",
			 fwd->spec.container_port);
}

static void handle_forward_list(struct api *api, struct MHD_Connection *conn,
				struct api_reply *reply, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_forward *rows = NULL;
	const char *container =
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "container");
	const char *network = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "network");
	json_t *list;
	size_t n = 0;

	if (store_forward_list(api->netd->store, container, network, &rows, &n, err) < 0) {
		reply_error(reply, err);
		return;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, forward_json(&rows[i]));
	reply_ok(reply, 200, list);
}

/* POST /v1/forwards {"container", "network" (optional), "forward", "force" (optional)}. */
static void handle_forward_add(struct api *api, const struct api_request *req,
			       struct api_reply *reply, struct reef_error *err)
{
	static const char *const keys[] = { "container", "network", "forward", "force", NULL };
	_cleanup_json_ json_t *body = NULL;
	const char *container = NULL, *network = NULL, *text = NULL;
	struct fw_forward_spec spec;
	struct store_forward fwd;
	bool force = false;
	int r;

	r = parse_body(req, &body, err);
	if (r == 0)
		r = json_check_keys(body, keys, "request", err);
	if (r == 0)
		r = json_read_string(body, "container", true, &container, "request", err);
	if (r == 0)
		r = json_read_string(body, "network", false, &network, "request", err);
	if (r == 0)
		r = json_read_string(body, "forward", true, &text, "request", err);
	if (r == 0)
		r = json_read_bool(body, "force", false, &force, "request", err);
	if (r == 0)
		r = name_validate("container", container, err);
	if (r == 0 && network)
		r = name_validate("network", network, err);
	if (r == 0)
		r = fw_forward_spec_parse(text, &spec, err);
	if (r == 0)
		r = netd_forward_add(api->netd, container, network, &spec, force, &fwd, err);
	if (r < 0) {
		reply_error(reply, err);
		return;
	}
	reply_ok(reply, 201, forward_json(&fwd));
}

/* DELETE /v1/forwards/CONTAINER?forward=SPEC */
static void handle_forward_remove(struct api *api, struct MHD_Connection *conn,
				  const char *container, struct api_reply *reply,
				  struct reef_error *err)
{
	const char *text = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "forward");
	struct fw_forward_spec spec;

	if (!text) {
		error_set(err, EINVAL,
			  "invalid request: missing query argument 'forward', such as "
			  "?forward=8080:80/tcp");
		reply_error(reply, err);
		return;
	}
	if (name_validate("container", container, err) < 0 ||
	    fw_forward_spec_parse(text, &spec, err) < 0 ||
	    netd_forward_remove(api->netd, container, &spec, err) < 0) {
		reply_error(reply, err);
		return;
	}
	reply_ok(reply, 200, json_pack("{s:s, s:s}", "container", container, "removed", text));
}

/* Splits "/a/b" after PREFIX into at most two path segments; returns their count or -1. */
static int path_split(const char *url, const char *prefix, char seg[2][128])
{
	size_t plen = strlen(prefix);
	const char *rest, *slash;

	if (strncmp(url, prefix, plen) != 0)
		return -1;
	rest = url + plen;
	if (*rest == '\0')
		return 0;
	if (*rest != '/' || rest[1] == '\0')
		return -1;
	rest++;
	slash = strchr(rest, '/');
	if (!slash) {
		snprintf(seg[0], sizeof(seg[0]), "%s", rest);
		return 1;
	}
	if ((size_t)(slash - rest) >= sizeof(seg[0]) || strchr(slash + 1, '/') || !slash[1])
		return -1;
	snprintf(seg[0], sizeof(seg[0]), "%.*s", (int)(slash - rest), rest);
	snprintf(seg[1], sizeof(seg[1]), "%s", slash + 1);
	return 2;
}

static bool method_is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

static void route(struct api *api, struct MHD_Connection *conn, const char *method, const char *url,
		  const struct api_request *req, struct api_reply *reply)
{
	struct reef_error err = { 0 };
	char seg[2][128];
	int n;

	if (strcmp(url, "/v1/status") == 0) {
		if (method_is(method, "GET"))
			handle_status(api, reply);
		else
			reply_errorf(reply, 405, "invalid", "use GET on /v1/status");
	} else if ((n = path_split(url, "/v1/networks", seg)) == 0) {
		if (method_is(method, "GET"))
			handle_network_list(api, reply);
		else if (method_is(method, "POST"))
			handle_network_create(api, req, reply, &err);
		else
			reply_errorf(reply, 405, "invalid", "use GET or POST on /v1/networks");
	} else if (n == 1) {
		if (method_is(method, "GET") || method_is(method, "DELETE"))
			handle_network(api, method, seg[0], conn, reply, &err);
		else
			reply_errorf(reply, 405, "invalid",
				     "use GET or DELETE on /v1/networks/NAME");
	} else if ((n = path_split(url, "/v1/endpoints", seg)) == 0) {
		if (method_is(method, "GET"))
			handle_endpoint_list(api, conn, NULL, reply, &err);
		else if (method_is(method, "POST"))
			handle_attach(api, req, reply, &err);
		else
			reply_errorf(reply, 405, "invalid", "use GET or POST on /v1/endpoints");
	} else if (n == 1 && method_is(method, "GET")) {
		handle_endpoint_list(api, conn, seg[0], reply, &err);
	} else if (n >= 1 && method_is(method, "DELETE")) {
		handle_detach(api, conn, seg[0], n == 2 ? seg[1] : NULL, reply, &err);
	} else if (n >= 1) {
		reply_errorf(reply, 405, "invalid",
			     "use DELETE on /v1/endpoints/CONTAINER[/NETWORK]");
	} else if ((n = path_split(url, "/v1/forwards", seg)) == 0) {
		if (method_is(method, "GET"))
			handle_forward_list(api, conn, reply, &err);
		else if (method_is(method, "POST"))
			handle_forward_add(api, req, reply, &err);
		else
			reply_errorf(reply, 405, "invalid", "use GET or POST on /v1/forwards");
	} else if (n == 1 && method_is(method, "DELETE")) {
		handle_forward_remove(api, conn, seg[0], reply, &err);
	} else if (n >= 1) {
		reply_errorf(reply, 405, "invalid",
			     "use DELETE on /v1/forwards/CONTAINER?forward=SPEC");
	} else {
		reply_errorf(reply, 404, "not_found",
			     "no such API path: see /v1/status, /v1/networks, /v1/endpoints, "
			     "/v1/forwards");
	}
	if (reply->status >= 400 && err.errnum)
		log_request_error(method, url, &err);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct api_reply *reply)
{
	struct MHD_Response *response;
	char *text = NULL;
	enum MHD_Result ret;

	if (!reply->body)
		reply_errorf(reply, 500, "internal", "out of memory while building the reply");
	if (reply->body)
		text = json_dumps(reply->body, JSON_COMPACT);
	json_decref(reply->body);
	reply->body = NULL;
	if (!text)
		return MHD_NO;
	response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(response, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, reply->status, response);
	MHD_destroy_response(response);
	return ret;
}

/* Decides from SO_PEERCRED whether the peer may use the API, and fills in who it is. */
static bool peer_allowed(struct api *api, struct MHD_Connection *conn, struct api_request *req)
{
	char *who = req->peer;
	size_t size = sizeof(req->peer);
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(who, size, "unknown peer");
		return false;
	}
	snprintf(who, size, "pid %d uid %u gid %u", (int)cred.pid, cred.uid, cred.gid);
	req->uid = cred.uid;
	req->privileged = cred.uid == 0 || cred.uid == geteuid();
	return req->privileged || (api->group != (gid_t)-1 && cred.gid == api->group);
}

static enum MHD_Result api_handle(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct api *api = cls;
	struct api_request *req = *con_cls;
	struct api_reply reply = { 0 };

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->forbidden = !peer_allowed(api, conn, req);
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!req->too_large && !req->forbidden &&
		    req->len + *upload_data_size <= API_BODY_MAX) {
			char *grown = realloc(req->body, req->len + *upload_data_size + 1);

			if (!grown)
				return MHD_NO;
			memcpy(grown + req->len, upload_data, *upload_data_size);
			req->body = grown;
			req->len += *upload_data_size;
			req->body[req->len] = '\0';
		} else {
			req->too_large = !req->forbidden;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	if (req->forbidden) {
		log_warning("%s %s from %s rejected: not root and not in the API group", method,
			    url, req->peer);
		reply_errorf(&reply, 403, "forbidden",
			     "permission denied: the reef-netd API is for root and the group "
			     "given with --group");
	} else if (req->too_large) {
		reply_errorf(&reply, 413, "invalid", "request body is larger than 65536 bytes");
	} else {
		struct timespec start, end;

		clock_gettime(CLOCK_MONOTONIC, &start);
		route(api, conn, method, url, req, &reply);
		clock_gettime(CLOCK_MONOTONIC, &end);
		log_debug("%s %s from %s: %u in %.2f ms", method, url, req->peer, reply.status,
			  (double)(end.tv_sec - start.tv_sec) * 1e3 +
				  (double)(end.tv_nsec - start.tv_nsec) / 1e6);
	}
	return send_reply(conn, &reply);
}

static void api_request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			     enum MHD_RequestTerminationCode code)
{
	struct api_request *req = *con_cls;

	if (req)
		free(req->body);
	free(req);
	*con_cls = NULL;
}

static void api_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* A client that goes away mid-request is the client's business, not the daemon's. */
	if (strstr(line, "connection closure") || strstr(line, "Connection reset"))
		log_debug("http: %s", line);
	else
		log_warning("http: %s", line);
}

static int api_listen(struct api *api, const char *path, struct reef_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return error_set(err, ENAMETOOLONG, "socket path '%s' is longer than %zu bytes",
				 path, sizeof(addr.sun_path) - 1);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "create socket");
	/* A socket file left by a killed daemon makes bind() fail, and no process listens on it. */
	unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		close(fd);
		return error_set_errno(err, e, "bind '%s'", path);
	}
	if (chmod(path, 0660) < 0 ||
	    (api->group != (gid_t)-1 && chown(path, (uid_t)-1, api->group) < 0) ||
	    listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return error_set_errno(err, e, "set up socket '%s'", path);
	}
	api->listen_fd = fd;
	snprintf(api->socket_path, sizeof(api->socket_path), "%s", path);
	return 0;
}

/*
 * Raises the soft limit on open files to the hard one and returns the
 * connection limit that leaves 64 descriptors for the daemon's own use, so
 * that accept() does not run into EMFILE.
 */
static unsigned api_connection_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return API_CONNECTIONS_MIN;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > API_CONNECTIONS_MAX + 64 ? API_CONNECTIONS_MAX + 64
								     : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < API_CONNECTIONS_MIN + 64)
		return API_CONNECTIONS_MIN;
	return rl.rlim_cur - 64 > API_CONNECTIONS_MAX ? API_CONNECTIONS_MAX : rl.rlim_cur - 64;
}

int api_start(struct netd *netd, const char *socket_path, gid_t group, struct api **ret,
	      struct reef_error *err)
{
	struct api *api = calloc(1, sizeof(*api));
	int r;

	if (!api)
		return error_set(err, ENOMEM, "allocate API server");
	api->netd = netd;
	api->group = group;
	r = api_listen(api, socket_path, err);
	if (r < 0) {
		free(api);
		return r;
	}
	/*
	 * The logger goes first so that libmicrohttpd sends every message
	 * through it.  reef's clients send their request as soon as they
	 * connect, so a connection idle for API_IDLE_SECONDS is dropped: idle
	 * connections must not fill the connection limit and lock everyone
	 * else out.  The limit stays below the descriptors the process has.
	 */
	api->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, api_handle, api,
		MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET,
		api->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, api_request_done, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, API_IDLE_SECONDS, MHD_OPTION_CONNECTION_LIMIT,
		api_connection_limit(), MHD_OPTION_END);
	if (!api->mhd) {
		close(api->listen_fd);
		unlink(api->socket_path);
		free(api);
		return error_set(err, EIO, "start the HTTP server on '%s' (libmicrohttpd)",
				 socket_path);
	}
	*ret = api;
	return 0;
}

void api_stop(struct api *api)
{
	if (!api)
		return;
	MHD_stop_daemon(api->mhd);
	close(api->listen_fd);
	unlink(api->socket_path);
	free(api);
}

int api_poll_fd(const struct api *api)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(api->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int api_timeout_ms(const struct api *api)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	/*
	 * The sleep always has a bound.  When every connection at the limit
	 * times out in one run, libmicrohttpd puts the listening socket back
	 * into its epoll set only on its next run, which no event would start.
	 */
	if (MHD_get_timeout(api->mhd, &timeout) != MHD_YES)
		return API_WAKE_MS;
	return timeout > API_WAKE_MS ? API_WAKE_MS : (int)timeout;
}

void api_run(struct api *api)
{
	MHD_run(api->mhd);
}
