/* SPDX-License-Identifier: MIT */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"

/*
 * The transport is a small HTTP/1.1 client rather than libcurl.  It sends
 * one request at a time over a unix socket and reads a reply with a
 * Content-Length or chunked body, or one that ends when the daemon closes
 * the connection.  Loading libcurl and the TLS, Kerberos, LDAP and SSH
 * libraries it depends on took about 7 ms in every command that talks to
 * reef-netd (measured with Debian 12's libcurl 7.88 on a 2-core VM).  That
 * was a third of the time of `reef launch` with a network.
 */

/* The maximum reply size accepted.  The daemon's replies are small JSON documents. */
#define CLIENT_REPLY_MAX (64u << 20)

struct netd_client {
	int fd; /* the open connection, or -1 */
	char socket[PATH_MAX];
};

/* The bytes read from the connection and not yet consumed by the reply parser. */
struct reply_reader {
	int fd;
	char buf[16384];
	size_t start, end;
	bool eof;
};

struct reply_buffer {
	char *data;
	size_t len;
};

static const struct {
	const char *code;
	int errnum;
} error_codes[] = {
	{ "invalid", EINVAL }, { "not_found", ENOENT }, { "conflict", EEXIST },
	{ "busy", EBUSY },     { "forbidden", EPERM },	{ "internal", EIO },
};

int netd_error_code_to_errno(const char *code)
{
	for (size_t i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (code && strcmp(code, error_codes[i].code) == 0)
			return error_codes[i].errnum;
	return EIO;
}

const char *netd_errno_to_error_code(int errnum)
{
	errnum = errnum < 0 ? -errnum : errnum;
	if (errnum == ERANGE || errnum == ENAMETOOLONG || errnum == EADDRNOTAVAIL)
		return "invalid";
	if (errnum == EACCES)
		return "forbidden";
	if (errnum == ENOTEMPTY || errnum == EADDRINUSE || errnum == ENOSPC)
		return "conflict";
	if (errnum == ENODEV || errnum == ESRCH)
		return "not_found";
	for (size_t i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (error_codes[i].errnum == errnum)
			return error_codes[i].code;
	return "internal";
}

int netd_client_new(const struct reef_paths *paths, struct netd_client **ret,
		    struct reef_error *err)
{
	struct netd_client *client;

	client = calloc(1, sizeof(*client));
	if (!client)
		return error_set(err, ENOMEM, "allocate API client");
	client->fd = -1;
	snprintf(client->socket, sizeof(client->socket), "%s", paths->socket);
	*ret = client;
	return 0;
}

static void client_disconnect(struct netd_client *client)
{
	if (client->fd >= 0)
		close(client->fd);
	client->fd = -1;
}

void netd_client_free(struct netd_client *client)
{
	if (!client)
		return;
	client_disconnect(client);
	free(client);
}

static int client_not_running(const struct netd_client *client, struct reef_error *err)
{
	return error_set(err, ECONNREFUSED,
			 "reef-netd is not running (no answer on '%s'): start it with 'reef-netd' "
			 "or 'systemctl start reef-netd', with the same --root or REEF_ROOT",
			 client->socket);
}

/* Fails with the "not running" error when the socket went away, else with REASON. */
/*
 * Returns how long a request may wait for reef-netd: REEF_TIMEOUT seconds,
 * 60 by default.  A daemon that is stopped or wedged must not hang reef.
 */
static int client_timeout_seconds(void)
{
	const char *text = getenv("REEF_TIMEOUT");
	char *end;
	long value;

	if (!text || !*text)
		return 60;
	value = strtol(text, &end, 10);
	return *end || value <= 0 || value > 3600 ? 60 : (int)value;
}

static int client_transport_error(const struct netd_client *client, int errnum, const char *reason,
				  struct reef_error *err)
{
	struct stat st;

	if (stat(client->socket, &st) < 0)
		return client_not_running(client, err);
	if (errnum == EAGAIN || errnum == EWOULDBLOCK)
		return error_set(err, ETIMEDOUT,
				 "reef-netd on '%s' did not reply within %d s: check that it runs "
				 "and is not stopped, and look at its log",
				 client->socket, client_timeout_seconds());
	if (errnum)
		return error_set(err, EIO, "request to reef-netd on '%s' failed: %s: %s",
				 client->socket, reason, strerror(errnum));
	return error_set(err, EIO, "request to reef-netd on '%s' failed: %s", client->socket,
			 reason);
}

static int client_connect(struct netd_client *client, struct reef_error *err)
{
	struct timeval limit = { .tv_sec = client_timeout_seconds() };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(client->socket) >= sizeof(addr.sun_path))
		return error_set(err, ENAMETOOLONG,
				 "API socket path '%s' is longer than %zu bytes: use a shorter "
				 "--root or REEF_ROOT",
				 client->socket, sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, client->socket, strlen(client->socket) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, errno, "create a socket for reef-netd");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return client_not_running(client, err);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	client->fd = fd;
	return 0;
}

/* Sends all of HEAD and BODY and returns 0 or -errno.  MSG_NOSIGNAL keeps SIGPIPE away. */
static int client_send(int fd, const char *head, size_t head_len, const char *body, size_t body_len)
{
	struct iovec iov[2] = { { (void *)head, head_len }, { (void *)body, body_len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = body_len ? 2 : 1 };

	while (msg.msg_iovlen > 0) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		while (msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov->iov_len) {
			n -= msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= n;
		}
	}
	return 0;
}

/* Reads more bytes into the reader and returns 0 (setting eof at the end) or -errno. */
static int reader_fill(struct reply_reader *reader)
{
	ssize_t n;

	if (reader->start == reader->end)
		reader->start = reader->end = 0;
	if (reader->end == sizeof(reader->buf)) {
		memmove(reader->buf, reader->buf + reader->start, reader->end - reader->start);
		reader->end -= reader->start;
		reader->start = 0;
	}
	do
		n = read(reader->fd, reader->buf + reader->end, sizeof(reader->buf) - reader->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		reader->eof = true;
	reader->end += n;
	return 0;
}

/*
 * Reads one line without its CR LF into LINE (at most SIZE bytes with the
 * NUL).  Returns 0, -EPROTO for a line too long or cut off by the end of
 * the connection, or -errno.
 */
static int reader_line(struct reply_reader *reader, char *line, size_t size)
{
	for (;;) {
		char *nl = memchr(reader->buf + reader->start, '\n', reader->end - reader->start);

		if (nl) {
			size_t len = nl - (reader->buf + reader->start);

			if (len > 0 && nl[-1] == '\r')
				len--;
			if (len >= size)
				return -EPROTO;
			memcpy(line, reader->buf + reader->start, len);
			line[len] = '\0';
			reader->start = nl + 1 - reader->buf;
			return 0;
		}
		if (reader->end - reader->start >= size || reader->eof)
			return -EPROTO;
		int r = reader_fill(reader);

		if (r < 0)
			return r;
	}
}

static int reply_append(struct reply_buffer *reply, const char *data, size_t len)
{
	char *grown;

	if (reply->len + len > CLIENT_REPLY_MAX)
		return -EFBIG;
	grown = realloc(reply->data, reply->len + len + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + reply->len, data, len);
	reply->len += len;
	grown[reply->len] = '\0';
	reply->data = grown;
	return 0;
}

/*
 * Moves LEN body bytes (or, with UNTIL_EOF, all bytes up to the end of the
 * connection) from the reader into REPLY.  Returns 0, -EPROTO when the
 * connection ends early, or -errno.
 */
static int reader_body(struct reply_reader *reader, struct reply_buffer *reply, uint64_t len,
		       bool until_eof)
{
	while (until_eof || len > 0) {
		size_t have = reader->end - reader->start;
		int r;

		if (have == 0) {
			if (reader->eof)
				return until_eof ? 0 : -EPROTO;
			r = reader_fill(reader);
			if (r < 0)
				return r;
			continue;
		}
		if (!until_eof && have > len)
			have = len;
		r = reply_append(reply, reader->buf + reader->start, have);
		if (r < 0)
			return r;
		reader->start += have;
		len -= until_eof ? 0 : have;
	}
	return 0;
}

static int reader_chunked_body(struct reply_reader *reader, struct reply_buffer *reply)
{
	char line[1024];

	for (;;) {
		uint64_t size;
		char *end;
		int r = reader_line(reader, line, sizeof(line));

		if (r < 0)
			return r;
		errno = 0;
		size = strtoull(line, &end, 16);
		if (end == line || errno || (*end && *end != ';' && *end != ' '))
			return -EPROTO;
		if (size == 0)
			break;
		r = reader_body(reader, reply, size, false);
		if (r < 0)
			return r;
		r = reader_line(reader, line, sizeof(line));
		if (r < 0)
			return r;
		if (line[0])
			return -EPROTO;
	}
	/* Skips trailer fields up to the empty line.  The daemon sends none, but they are legal. */
	for (;;) {
		int r = reader_line(reader, line, sizeof(line));

		if (r < 0)
			return r;
		if (!line[0])
			return 0;
	}
}

/* The parts of a reply's header that decide how its body is read. */
struct reply_head {
	long status;
	bool chunked;
	bool has_length;
	uint64_t length;
	bool close;
};

static bool header_is(const char *line, const char *name, const char **value)
{
	size_t len = strlen(name);

	if (strncasecmp(line, name, len) != 0 || line[len] != ':')
		return false;
	*value = line + len + 1;
	while (**value == ' ' || **value == '\t')
		(*value)++;
	return true;
}

/* Reads the status line and header fields, skipping interim 1xx replies. */
static int reader_head(struct reply_reader *reader, struct reply_head *head)
{
	char line[8192];

	do {
		int minor, r;
		char *end;

		memset(head, 0, sizeof(*head));
		r = reader_line(reader, line, sizeof(line));
		if (r < 0)
			return r;
		if (sscanf(line, "HTTP/1.%d", &minor) != 1 || strlen(line) < 12 || line[8] != ' ')
			return -EPROTO;
		head->status = strtol(line + 9, &end, 10);
		if (end != line + 12 || head->status < 100 || head->status > 999)
			return -EPROTO;
		head->close = minor == 0;
		for (;;) {
			const char *value;

			r = reader_line(reader, line, sizeof(line));
			if (r < 0)
				return r;
			if (!line[0])
				break;
			if (header_is(line, "Content-Length", &value)) {
				errno = 0;
				head->length = strtoull(value, &end, 10);
				if (!isdigit((unsigned char)*value) || errno ||
				    (*end && *end != ' ' && *end != '\t'))
					return -EPROTO;
				head->has_length = true;
			} else if (header_is(line, "Transfer-Encoding", &value)) {
				head->chunked = strcasestr(value, "chunked") != NULL;
			} else if (header_is(line, "Connection", &value)) {
				if (strcasestr(value, "close"))
					head->close = true;
				else if (strcasestr(value, "keep-alive"))
					head->close = false;
			}
		}
	} while (head->status < 200);
	return 0;
}

static const char *client_protocol_reason(int r)
{
	if (r == -EFBIG)
		return "reply larger than 64 MiB";
	if (r == -ENOMEM)
		return "out of memory";
	return "invalid or incomplete HTTP reply";
}

/*
 * Sends one request and reads its reply into STATUS and REPLY.  The daemon
 * may have closed a connection kept from an earlier request.  So when
 * sending on such a connection fails, or it ends before the first byte of
 * the reply, the request is sent once more on a new connection.
 */
static int client_exchange(struct netd_client *client, const char *head, size_t head_len,
			   const char *body, size_t body_len, long *status,
			   struct reply_buffer *reply, struct reef_error *err)
{
	struct reply_reader *reader = NULL;
	struct reply_head rh;
	bool reused;
	int r;

	reader = malloc(sizeof(*reader));
	if (!reader)
		return error_set(err, ENOMEM, "allocate API reply buffer");
retry:
	reused = client->fd >= 0;
	if (!reused) {
		r = client_connect(client, err);
		if (r < 0)
			goto out;
	}
	r = client_send(client->fd, head, head_len, body, body_len);
	if (r < 0) {
		client_disconnect(client);
		if (reused)
			goto retry;
		r = client_transport_error(client, -r, "send", err);
		goto out;
	}
	reader->fd = client->fd;
	reader->start = reader->end = 0;
	reader->eof = false;
	r = reader_fill(reader);
	if (r < 0 || reader->eof) {
		client_disconnect(client);
		if (reused && (r == 0 || r == -ECONNRESET))
			goto retry;
		r = client_transport_error(
			client, -r, r < 0 ? "receive" : "connection closed without a reply", err);
		goto out;
	}
	r = reader_head(reader, &rh);
	if (r == 0) {
		if (rh.chunked)
			r = reader_chunked_body(reader, reply);
		else if (rh.has_length)
			r = reader_body(reader, reply, rh.length, false);
		else if (rh.status != 204 && rh.status != 304)
			r = reader_body(reader, reply, 0, true);
		if (!rh.chunked && !rh.has_length && rh.status != 204 && rh.status != 304)
			rh.close = true;
	}
	if (r < 0) {
		client_disconnect(client);
		if (r == -EPROTO || r == -EFBIG || r == -ENOMEM)
			r = client_transport_error(client, 0, client_protocol_reason(r), err);
		else
			r = client_transport_error(client, -r, "receive", err);
		goto out;
	}
	/* Bytes past the reply belong to no request, so such a connection is not reused. */
	if (rh.close || reader->start != reader->end)
		client_disconnect(client);
	*status = rh.status;
out:
	free(reader);
	return r;
}

static int client_reply_error(long status, const struct reply_buffer *buf, struct reef_error *err)
{
	_cleanup_json_ json_t *root = NULL;
	const char *code = NULL, *message = NULL;
	json_t *error;

	if (buf->data)
		root = json_loadb(buf->data, buf->len, 0, NULL);
	error = json_object_get(root, "error");
	code = json_string_value(json_object_get(error, "code"));
	message = json_string_value(json_object_get(error, "message"));
	if (!message)
		return error_set(err, EIO, "reef-netd replied with HTTP status %ld", status);
	return error_set(err, netd_error_code_to_errno(code), "%s", message);
}

int netd_client_request(struct netd_client *client, const char *method, const char *path,
			json_t *body, json_t **ret_reply, struct reef_error *err)
{
	_cleanup_(free_ptr) char *text = NULL;
	_cleanup_(free_ptr) char *head = NULL;
	struct reply_buffer buf = { 0 };
	size_t text_len = 0;
	long status = 0;
	int head_len, r = 0;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return error_set(err, ENOMEM, "encode request body");
		text_len = strlen(text);
	}
	/* A GET or DELETE without a body carries no Content-Length, as libcurl sent it. */
	if (!text && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0))
		head_len = asprintf(&head, "%s %s HTTP/1.1\r\nHost: reef\r\nAccept: */*\r\n\r\n",
				    method, path);
	else
		head_len = asprintf(&head,
				    "%s %s HTTP/1.1\r\nHost: reef\r\nAccept: */*\r\n"
				    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
				    method, path, text_len);
	if (head_len < 0) {
		head = NULL;
		return error_set(err, ENOMEM, "encode request header");
	}

	r = client_exchange(client, head, head_len, text, text_len, &status, &buf, err);
	if (r < 0)
		goto out;
	if (status < 200 || status > 299) {
		r = client_reply_error(status, &buf, err);
		goto out;
	}
	if (ret_reply) {
		*ret_reply = NULL;
		if (buf.len > 0) {
			json_error_t jerr;

			*ret_reply = json_loadb(buf.data, buf.len, 0, &jerr);
			if (!*ret_reply)
				r = error_set(err, EIO, "invalid JSON reply from reef-netd: %s",
					      jerr.text);
		}
	}
out:
	free(buf.data);
	return r;
}
