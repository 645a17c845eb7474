/* SPDX-License-Identifier: MIT */
#include "client.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"

struct netd_client {
	CURL *curl;
	char socket[PATH_MAX];
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
	if (errnum == ENOTEMPTY || errnum == EADDRINUSE)
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
	static bool curl_ready;
	struct netd_client *client;

	/* CURL_GLOBAL_NOTHING: the socket is local, so TLS is never initialised. */
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK)
			return error_set(err, EIO, "initialise libcurl failed");
		curl_ready = true;
	}
	client = calloc(1, sizeof(*client));
	if (!client)
		return error_set(err, ENOMEM, "allocate API client");
	snprintf(client->socket, sizeof(client->socket), "%s", paths->socket);
	client->curl = curl_easy_init();
	if (!client->curl) {
		free(client);
		return error_set(err, ENOMEM, "initialise libcurl handle");
	}
	*ret = client;
	return 0;
}

void netd_client_free(struct netd_client *client)
{
	if (!client)
		return;
	curl_easy_cleanup(client->curl);
	free(client);
}

static size_t reply_write(char *data, size_t size, size_t nmemb, void *user)
{
	struct reply_buffer *buf = user;
	size_t n = size * nmemb;
	char *grown = realloc(buf->data, buf->len + n + 1);

	if (!grown)
		return 0;
	memcpy(grown + buf->len, data, n);
	buf->len += n;
	grown[buf->len] = '\0';
	buf->data = grown;
	return n;
}

static int client_transport_error(struct netd_client *client, CURLcode code, struct reef_error *err)
{
	struct stat st;

	if (code == CURLE_COULDNT_CONNECT || stat(client->socket, &st) < 0)
		return error_set(
			err, ECONNREFUSED,
			"reef-netd is not running (no answer on '%s'): start it with 'reef-netd' "
			"or 'systemctl start reef-netd', with the same --root or REEF_ROOT",
			client->socket);
	return error_set(err, EIO, "request to reef-netd on '%s' failed: %s", client->socket,
			 curl_easy_strerror(code));
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
	struct reply_buffer buf = { 0 };
	struct curl_slist *headers = NULL;
	char url[1024];
	long status = 0;
	CURLcode code;
	int r = 0;

	snprintf(url, sizeof(url), "http://reef%s", path);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return error_set(err, ENOMEM, "encode request body");
	}
	headers = curl_slist_append(headers, "Content-Type: application/json");
	/* Without this, curl waits a second for "100 Continue" on large bodies. */
	headers = curl_slist_append(headers, "Expect:");

	curl_easy_reset(client->curl);
	curl_easy_setopt(client->curl, CURLOPT_UNIX_SOCKET_PATH, client->socket);
	curl_easy_setopt(client->curl, CURLOPT_URL, url);
	curl_easy_setopt(client->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(client->curl, CURLOPT_POSTFIELDS, text ? text : "");
	if (!text && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0))
		curl_easy_setopt(client->curl, CURLOPT_HTTPGET, 1L);
	if (!text && strcmp(method, "DELETE") == 0)
		curl_easy_setopt(client->curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(client->curl, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(client->curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(client->curl, CURLOPT_NOSIGNAL, 1L);

	code = curl_easy_perform(client->curl);
	curl_slist_free_all(headers);
	if (code != CURLE_OK) {
		r = client_transport_error(client, code, err);
		goto out;
	}
	curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &status);
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
