/* SPDX-License-Identifier: MIT */
/*
 * The reef-netd API client against a small server in a child process that
 * sends canned HTTP replies over a real unix socket.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../common/client.h"

struct server {
	char dir[64];
	struct reef_paths paths;
	pid_t pid;
};

/* Reads one request, its header and Content-Length body.  Returns false at the end of the connection. */
static bool server_read_request(int fd)
{
	char buf[8192];
	size_t len = 0;
	char *end;
	long body = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			return false;
		len += n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end)
			break;
	}
	char *length = strcasestr(buf, "Content-Length: ");

	if (length)
		body = strtol(length + 16, NULL, 10);
	body -= len - (end + 4 - buf);
	while (body > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return false;
		body -= n;
	}
	return true;
}

/*
 * Starts a server that accepts CONNECTIONS connections in turn and on each
 * one replies to REPLIES_PER_CONNECTION requests with the next of REPLIES, then
 * closes it.
 */
static void server_start(struct server *server, int connections, int replies_per_connection,
			 const char *const *replies)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	memset(&server->paths, 0, sizeof(server->paths));
	snprintf(server->dir, sizeof(server->dir), "/tmp/reef-client-test.XXXXXX");
	assert_non_null(mkdtemp(server->dir));
	snprintf(server->paths.socket, sizeof(server->paths.socket), "%s/netd.sock", server->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", server->paths.socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	server->pid = fork();
	assert_true(server->pid >= 0);
	if (server->pid == 0) {
		int next = 0;

		for (int c = 0; c < connections; c++) {
			int conn = accept(fd, NULL, NULL);

			if (conn < 0)
				_exit(1);
			for (int r = 0; r < replies_per_connection; r++) {
				if (!server_read_request(conn))
					_exit(2);
				if (write(conn, replies[next], strlen(replies[next])) < 0)
					_exit(3);
				next++;
			}
			close(conn);
		}
		_exit(0);
	}
	close(fd);
}

static void server_stop(struct server *server)
{
	char cmd[128];
	int status;

	assert_int_equal(waitpid(server->pid, &status, 0), server->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(cmd, sizeof(cmd), "%s/netd.sock", server->dir);
	unlink(cmd);
	assert_int_equal(rmdir(server->dir), 0);
}

static void test_client_chunked_reply(void **state)
{
	static const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"7\r\n{\"a\": \r\n3;ext=1\r\n42}\r\n0\r\nX-Trailer: 1\r\n\r\n",
	};
	struct server server;
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };
	json_t *reply = NULL;

	server_start(&server, 1, 1, replies);
	assert_int_equal(netd_client_new(&server.paths, &client, &err), 0);
	assert_int_equal(netd_client_request(client, "GET", "/v1/status", NULL, &reply, &err), 0);
	assert_non_null(reply);
	assert_int_equal(json_integer_value(json_object_get(reply, "a")), 42);
	json_decref(reply);
	netd_client_free(client);
	server_stop(&server);
}

static void test_client_error_reply(void **state)
{
	static const char *const replies[] = {
		"HTTP/1.1 404 Not Found\r\nContent-Length: 61\r\n\r\n"
		"{\"error\": {\"code\": \"not_found\", \"message\": \"no network 'x'\"}}",
	};
	struct server server;
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };
	json_t *body = json_pack("{s:s}", "name", "x");
	json_t *reply = NULL;

	assert_int_equal(strlen(strstr(replies[0], "{")), 61);
	server_start(&server, 1, 1, replies);
	assert_int_equal(netd_client_new(&server.paths, &client, &err), 0);
	assert_int_equal(netd_client_request(client, "POST", "/v1/networks", body, &reply, &err),
			 -ENOENT);
	assert_string_equal(err.message, "no network 'x'");
	json_decref(body);
	netd_client_free(client);
	server_stop(&server);
}

/* The server closes the kept connection after each reply, so the client must reconnect. */
static void test_client_reconnects_closed_connection(void **state)
{
	static const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"n\": 1}",
		"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"n\": 2}",
		"HTTP/1.1 204 No Content\r\n\r\n",
	};
	struct server server;
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };
	json_t *reply = NULL;

	server_start(&server, 3, 1, replies);
	assert_int_equal(netd_client_new(&server.paths, &client, &err), 0);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(
			netd_client_request(client, "GET", "/v1/networks", NULL, &reply, &err), 0);
		assert_int_equal(json_integer_value(json_object_get(reply, "n")), i);
		json_decref(reply);
	}
	assert_int_equal(
		netd_client_request(client, "DELETE", "/v1/networks/x", NULL, &reply, &err), 0);
	assert_null(reply);
	netd_client_free(client);
	server_stop(&server);
}

static void test_client_keeps_connection(void **state)
{
	static const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"n\": 1}",
		"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"n\": 2}",
	};
	struct server server;
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };
	json_t *reply = NULL;

	/* The server accepts one connection only, so a second connect would hang. */
	server_start(&server, 1, 2, replies);
	assert_int_equal(netd_client_new(&server.paths, &client, &err), 0);
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(
			netd_client_request(client, "GET", "/v1/networks", NULL, &reply, &err), 0);
		assert_int_equal(json_integer_value(json_object_get(reply, "n")), i);
		json_decref(reply);
	}
	netd_client_free(client);
	server_stop(&server);
}

static void test_client_truncated_reply(void **state)
{
	static const char *const replies[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"n\": 1}",
	};
	struct server server;
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };
	json_t *reply = NULL;

	server_start(&server, 1, 1, replies);
	assert_int_equal(netd_client_new(&server.paths, &client, &err), 0);
	assert_int_equal(netd_client_request(client, "GET", "/v1/networks", NULL, &reply, &err),
			 -EIO);
	assert_non_null(strstr(err.message, "invalid or incomplete HTTP reply"));
	netd_client_free(client);
	server_stop(&server);
}

static void test_client_daemon_not_running(void **state)
{
	struct reef_paths paths = { 0 };
	struct netd_client *client = NULL;
	struct reef_error err = { 0 };

	snprintf(paths.socket, sizeof(paths.socket), "/tmp/reef-client-test-missing/netd.sock");
	assert_int_equal(netd_client_new(&paths, &client, &err), 0);
	assert_int_equal(netd_client_request(client, "GET", "/v1/status", NULL, NULL, &err),
			 -ECONNREFUSED);
	assert_non_null(strstr(err.message, "reef-netd is not running (no answer on "
					    "'/tmp/reef-client-test-missing/netd.sock')"));
	netd_client_free(client);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_chunked_reply),
		cmocka_unit_test(test_client_error_reply),
		cmocka_unit_test(test_client_reconnects_closed_connection),
		cmocka_unit_test(test_client_keeps_connection),
		cmocka_unit_test(test_client_truncated_reply),
		cmocka_unit_test(test_client_daemon_not_running),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
