/* SPDX-License-Identifier: MIT */
/* reef network create|list|show|delete: thin wrappers over the reef-netd API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/names.h"
#include "cli.h"

static void network_usage(FILE *out)
{
	fprintf(out,
		"usage: reef network create NAME [OPTION...]\n"
		"       reef network list [--format table|json]\n"
		"       reef network show NAME [--format table|json]\n"
		"       reef network delete NAME [--force]\n\n"
		"create options:\n"
		"  --type bridge|macvlan  kind of network (default: bridge)\n"
		"  --subnet CIDR|auto     IPv4 subnet, such as 10.90.0.0/24 (default: auto, a free\n"
		"                         /24 from 10.88.0.0/14); macvlan needs the parent's LAN\n"
		"  --gateway IP           IPv4 gateway (default: the first address of the subnet)\n"
		"  --ipv6 CIDR|auto       also give containers IPv6 from CIDR, or a free /64 of fd00::/8\n"
		"  --gateway6 IP          IPv6 gateway (default: the first address of the subnet)\n"
		"  --internal             no default route out of the network\n"
		"  --isolate              containers on this network cannot reach each other\n"
		"  --mtu BYTES            MTU of the bridge and the containers' interfaces, 576 to\n"
		"                         65535 (default: the MTU of the host's default route)\n"
		"  --parent IFACE         host interface a macvlan network sits on\n\n"
		"delete options:\n"
		"  --force                detach the containers still attached, then delete\n");
}

/* Reads the value of option ARGV[*I] ("--x V" or "--x=V"); NULL when not this option. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *status)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*status = cli_failf(2, "missing value for %s: see 'reef network --help'", name);
		return NULL;
	}
	return argv[++*i];
}

static int parse_mtu(const char *text, json_t *body)
{
	char *end;
	long mtu;

	errno = 0;
	mtu = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || mtu <= 0)
		return cli_failf(2, "invalid --mtu '%s': give a number of bytes from 576 to 65535",
				 text);
	json_object_set_new(body, "mtu", json_integer(mtu));
	return 0;
}

/* Sets RET_NAME to the one argument that is not an option; returns 0 or an exit status. */
static int create_name_take(const char *arg, const char **ret_name)
{
	if (*ret_name)
		return cli_failf(2,
				 "unexpected argument '%s' after network name '%s': create one "
				 "network at a time",
				 arg, *ret_name);
	*ret_name = arg;
	return 0;
}

/*
 * Fills BODY from the create options and RET_NAME from the one other
 * argument.  Options may come before or after the name; after "--" every
 * argument is a name.  Returns 0 or an exit status.
 */
static int parse_create_options(int argc, char **argv, json_t *body, const char **ret_name)
{
	static const char *const string_options[][2] = {
		{ "--type", "type" }, { "--subnet", "subnet" },	    { "--gateway", "gateway" },
		{ "--ipv6", "ipv6" }, { "--gateway6", "gateway6" }, { "--parent", "parent" },
	};
	bool options_end = false;

	*ret_name = NULL;
	for (int i = 0; i < argc; i++) {
		int status = 0;
		const char *value;
		bool matched = false;

		if (options_end || argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			status = create_name_take(argv[i], ret_name);
			if (status)
				return status;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			options_end = true;
			continue;
		}
		if (strcmp(argv[i], "--internal") == 0 || strcmp(argv[i], "--isolate") == 0) {
			json_object_set_new(body, argv[i] + 2, json_true());
			continue;
		}
		if ((value = option_value(argc, argv, &i, "--mtu", &status))) {
			status = parse_mtu(value, body);
			if (status)
				return status;
			continue;
		}
		for (size_t o = 0;
		     !status && o < sizeof(string_options) / sizeof(string_options[0]); o++) {
			value = option_value(argc, argv, &i, string_options[o][0], &status);
			if (value) {
				json_object_set_new(body, string_options[o][1], json_string(value));
				matched = true;
				break;
			}
		}
		if (status)
			return status;
		if (!matched)
			return cli_failf(2,
					 "unknown option '%s' for 'network create': see 'reef "
					 "network --help'",
					 argv[i]);
	}
	return 0;
}

static const char *json_text(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "-";
}

static int network_create(struct cli_context *ctx, int argc, char **argv)
{
	_cleanup_json_ json_t *body = json_object(), *reply = NULL;
	struct netd_client *client;
	struct reef_error err = { 0 };
	const char *name;
	int status;

	status = parse_create_options(argc, argv, body, &name);
	if (status)
		return status;
	if (!name)
		return cli_failf(2, "missing network name: reef network create NAME [OPTION...]");
	if (name_validate("network", name, &err) < 0)
		return cli_fail(&err);
	json_object_set_new(body, "name", json_string(name));

	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "POST", "/v1/networks", body, &reply, &err) < 0) {
		return cli_fail(&err);
	}
	if (ctx->format == OUTPUT_JSON)
		json_print(reply);
	else
		printf("created network '%s': %s %s, subnet %s, gateway %s\n", name,
		       json_text(reply, "type"), json_text(reply, "interface"),
		       json_text(reply, "subnet"), json_text(reply, "gateway"));
	return 0;
}

static void flags_format(const json_t *net, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s",
		 json_is_true(json_object_get(net, "internal")) ? "internal" : "",
		 json_is_true(json_object_get(net, "internal")) &&
				 json_is_true(json_object_get(net, "isolate"))
			 ? ","
			 : "",
		 json_is_true(json_object_get(net, "isolate")) ? "isolate" : "");
	if (out[0] == '\0')
		snprintf(out, size, "-");
}

static int network_list(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "NAME", "TYPE", "INTERFACE", "SUBNET", "GATEWAY",
					       "IPV6", "MTU",  "ENDPOINTS", "FLAGS" };
	_cleanup_json_ json_t *reply = NULL;
	struct netd_client *client;
	struct reef_error err = { 0 };
	struct table *t;
	size_t i;
	json_t *net;

	if (argc > 0)
		return cli_failf(2, "unexpected argument '%s': reef network list [--format json]",
				 argv[0]);
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "GET", "/v1/networks", NULL, &reply, &err) < 0) {
		return cli_fail(&err);
	}
	if (ctx->format == OUTPUT_JSON) {
		json_print(reply);
		return 0;
	}
	t = table_new(9, headers);
	json_array_foreach (reply, i, net) {
		char mtu[16], count[16], flags[32];
		const char *cells[9];

		snprintf(mtu, sizeof(mtu), "%lld",
			 (long long)json_integer_value(json_object_get(net, "mtu")));
		snprintf(count, sizeof(count), "%lld",
			 (long long)json_integer_value(json_object_get(net, "endpoint_count")));
		flags_format(net, flags, sizeof(flags));
		cells[0] = json_text(net, "name");
		cells[1] = json_text(net, "type");
		cells[2] = json_text(net, "interface");
		cells[3] = json_text(net, "subnet");
		cells[4] = json_text(net, "gateway");
		cells[5] = json_text(net, "subnet6");
		cells[6] = mtu;
		cells[7] = count;
		cells[8] = flags;
		table_add_row(t, cells);
	}
	table_print(t);
	table_free(t);
	return 0;
}

static void network_show_table(const json_t *net)
{
	static const char *const headers[] = { "CONTAINER",	 "PID", "INTERFACE",
					       "HOST INTERFACE", "MAC", "ADDRESSES" };
	json_t *eps = json_object_get(net, "endpoints"), *ep;
	char flags[32];
	struct table *t;
	size_t i;

	flags_format(net, flags, sizeof(flags));
	printf("name:       %s\n", json_text(net, "name"));
	printf("type:       %s\n", json_text(net, "type"));
	printf("interface:  %s\n", json_text(net, "interface"));
	if (json_string_value(json_object_get(net, "parent")))
		printf("parent:     %s\n", json_text(net, "parent"));
	printf("subnet:     %s\n", json_text(net, "subnet"));
	printf("gateway:    %s\n", json_text(net, "gateway"));
	if (json_string_value(json_object_get(net, "subnet6"))) {
		printf("subnet6:    %s\n", json_text(net, "subnet6"));
		printf("gateway6:   %s\n", json_text(net, "gateway6"));
	}
	printf("mtu:        %lld\n", (long long)json_integer_value(json_object_get(net, "mtu")));
	printf("flags:      %s\n", flags);
	printf("endpoints:  %zu\n", json_array_size(eps));
	if (json_array_size(eps) == 0)
		return;
	putchar('\n');
	t = table_new(6, headers);
	json_array_foreach (eps, i, ep) {
		char pid[16], addresses[128] = "";
		json_t *addr;
		size_t j, len = 0;
		const char *cells[6];

		snprintf(pid, sizeof(pid), "%lld",
			 (long long)json_integer_value(json_object_get(ep, "pid")));
		json_array_foreach (json_object_get(ep, "addresses"), j, addr)
			len += (size_t)snprintf(addresses + len, sizeof(addresses) - len, "%s%s",
						j ? "," : "", json_string_value(addr));
		cells[0] = json_text(ep, "container");
		cells[1] = pid;
		cells[2] = json_text(ep, "interface");
		cells[3] = json_text(ep, "host_interface");
		cells[4] = json_text(ep, "mac");
		cells[5] = len ? addresses : "-";
		table_add_row(t, cells);
	}
	table_print(t);
	table_free(t);
}

static int network_show(struct cli_context *ctx, int argc, char **argv)
{
	_cleanup_json_ json_t *reply = NULL;
	struct netd_client *client;
	struct reef_error err = { 0 };
	char path[128];

	if (argc != 1)
		return cli_failf(2, "usage: reef network show NAME [--format json]");
	if (name_validate("network", argv[0], &err) < 0)
		return cli_fail(&err);
	snprintf(path, sizeof(path), "/v1/networks/%s", argv[0]);
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "GET", path, NULL, &reply, &err) < 0) {
		return cli_fail(&err);
	}
	if (ctx->format == OUTPUT_JSON)
		json_print(reply);
	else
		network_show_table(reply);
	return 0;
}

static int network_delete(struct cli_context *ctx, int argc, char **argv)
{
	struct netd_client *client;
	struct reef_error err = { 0 };
	const char *name = NULL;
	bool force = false;
	char path[160];

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = true;
		else if (argv[i][0] == '-')
			return cli_failf(2,
					 "unknown option '%s' for 'network delete': only --force",
					 argv[i]);
		else if (name)
			return cli_failf(2,
					 "unexpected argument '%s': delete one network at a time",
					 argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cli_failf(2, "missing network name: reef network delete NAME [--force]");
	if (name_validate("network", name, &err) < 0)
		return cli_fail(&err);
	snprintf(path, sizeof(path), "/v1/networks/%s%s", name, force ? "?force=true" : "");
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "DELETE", path, NULL, NULL, &err) < 0)
		return cli_fail(&err);
	printf("deleted network '%s'\n", name);
	return 0;
}

int cli_network_run(struct cli_context *ctx, int argc, char **argv)
{
	static const struct cli_command subcommands[] = {
		{ "create", NULL, network_create }, { "list", NULL, network_list },
		{ "ls", NULL, network_list },	    { "show", NULL, network_show },
		{ "delete", NULL, network_delete }, { "rm", NULL, network_delete },
	};

	return cli_subcommand_run(ctx, argc, argv, "network", subcommands,
				  sizeof(subcommands) / sizeof(subcommands[0]), network_usage,
				  "create, list, show or delete");
}
