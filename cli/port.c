/* SPDX-License-Identifier: MIT */
/* reef port add|list|remove: port forwards of attached containers, through reef-netd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/names.h"
#include "../firewall/firewall.h"
#include "../runtime/container.h"
#include "cli.h"

static void port_usage(FILE *out)
{
	fprintf(out,
		"usage: reef port add NAME [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp] [--network NET]\n"
		"                     [--force]\n"
		"       reef port list [NAME] [--format table|json]\n"
		"       reef port remove NAME [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp]\n\n"
		"A forward sends host ports HPORT to HEND (on HOSTIP only, when given; IPv6 in\n"
		"brackets) to the container's ports from CPORT on, port for port.  It works\n"
		"from other hosts, from the host itself and from containers.\n\n"
		"add options:\n"
		"  --network NET  network of the container that receives the traffic (needed\n"
		"                 when the container is on more than one network)\n"
		"  --force        take the port even where a host process listens on it\n\n"
		"A forward added here is stored in the container's config and requested again\n"
		"whenever the container starts, like the -p forwards of 'reef launch', and\n"
		"with --force when it was added with --force; 'reef port remove' removes\n"
		"either kind for good.  On a stopped container, add only stores the forward\n"
		"for its next start, and list shows the stored forwards as 'next start'.\n");
}

static const char *json_text(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "-";
}

/*
 * Stores an added or removed forward in the container's config, so that the
 * next start requests the same forwards.  Containers of another reef instance
 * (reef-netd serves several) have no config here and are skipped.
 */
static void port_record(struct cli_context *ctx, const char *name, const char *network,
			const char *spec, bool add, bool force)
{
	struct reef_error err = { 0 };

	if (container_check_exists(&ctx->paths, name, &err) < 0)
		return;
	/* A forward that the config does not list (added by an older reef) needs no change. */
	if (container_forward_record(&ctx->paths, name, network, spec, add, force, &err) < 0 &&
	    (add || err.errnum != ENOENT))
		fprintf(stderr,
			"reef: warning: store forward %s in the config of '%s': %s; the next "
			"start will %s it\n",
			spec, name, err.message, add ? "not restore" : "restore");
}

static bool config_network_find(const struct container_config *config, const char *network)
{
	for (size_t i = 0; i < config->n_networks; i++)
		if (strcmp(config->networks[i].network, network) == 0)
			return true;
	return false;
}

/*
 * Checks what reef-netd would reject at the next start: a network that is
 * gone or internal.  Passes when reef-netd does not reply, because the
 * start checks again.
 */
static int port_network_check(struct cli_context *ctx, const char *network, struct reef_error *err)
{
	_cleanup_json_ json_t *reply = NULL;
	struct netd_client *client;
	struct reef_error lookup = { 0 };
	char path[REEF_NAME_MAX + 32];
	int r;

	if (cli_client(ctx, &client, &lookup) < 0)
		return 0;
	snprintf(path, sizeof(path), "/v1/networks/%s", network);
	r = netd_client_request(client, "GET", path, NULL, &reply, &lookup);
	if (r == -ENOENT)
		return error_set(err, ENOENT, "%s", lookup.message);
	if (r == 0 && json_is_true(json_object_get(reply, "internal")))
		return error_set(err, EINVAL,
				 "network '%s' is internal, so nothing from outside reaches it: "
				 "forward to the container on a NAT network instead",
				 network);
	return 0;
}

/*
 * Stores forward SPEC (TEXT as the user gave it) for the next start when
 * NAME is a stopped container of this reef instance, as 'reef port remove'
 * edits a stopped container's config.  reef-netd checks the forward at that
 * start.  Returns -1 when NAME is no such container, else an exit status.
 */
static int port_add_stopped(struct cli_context *ctx, const char *name, const char *network,
			    const char *text, const struct fw_forward_spec *spec, bool force)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	struct reef_error err = { 0 };
	char shown[128];
	int status = -1;

	if (container_config_read(&ctx->paths, name, &config, NULL) < 0)
		return -1;
	if (container_state_read(&ctx->paths, name, &state, NULL) < 0 ||
	    state.status == CONTAINER_RUNNING)
		goto out;

	fw_forward_spec_format(spec, shown, sizeof(shown));
	if (!network && config.n_networks == 1)
		network = config.networks[0].network;
	if (config.n_networks == 0)
		error_set(&err, EINVAL,
			  "container '%s' is on no network: forwards need one, so launch the "
			  "container with --network",
			  name);
	else if (!network)
		error_set(&err, EINVAL,
			  "container '%s' is on several networks: name the network of the forward "
			  "with --network",
			  name);
	else if (!config_network_find(&config, network))
		error_set(&err, ENOENT, "container '%s' is not on network '%s'", name, network);
	else if (port_network_check(ctx, network, &err) == 0)
		container_forward_record(&ctx->paths, name, network, text, true, force, &err);
	if (err.errnum) {
		error_prefix(&err, "add forward %s to '%s'", shown, name);
		status = cli_fail(&err);
		goto out;
	}

	status = 0;
	if (ctx->format == OUTPUT_JSON) {
		_cleanup_json_ json_t *stored =
			json_pack("{s:s, s:s, s:s, s:b, s:b}", "container", name, "network",
				  network, "forward", shown, "force", force, "active", false);

		json_print(stored);
	} else
		printf("container '%s' is stopped: stored forward %s on network '%s' for its "
		       "next start\n",
		       name, shown, network);
out:
	container_state_clear(&state);
	container_config_clear(&config);
	return status;
}

static int port_add(struct cli_context *ctx, int argc, char **argv)
{
	_cleanup_json_ json_t *body = json_object(), *reply = NULL;
	struct fw_forward_spec spec;
	struct netd_client *client;
	struct reef_error err = { 0 };
	const char *network = NULL;
	bool force = false;
	int n = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--network") == 0 && i + 1 < argc) {
			network = argv[++i];
		} else if (strncmp(argv[i], "--network=", 10) == 0) {
			network = argv[i] + 10;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return cli_failf(2,
					 "unknown option '%s' for 'port add': see 'reef port "
					 "--help'",
					 argv[i]);
		} else {
			argv[n++] = argv[i];
		}
	}
	if (n != 2)
		return cli_failf(2,
				 "usage: reef port add NAME [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp]");
	if (name_validate("container", argv[0], &err) < 0 ||
	    (network && name_validate("network", network, &err) < 0) ||
	    fw_forward_spec_parse(argv[1], &spec, &err) < 0)
		return cli_fail(&err);

	n = port_add_stopped(ctx, argv[0], network, argv[1], &spec, force);
	if (n >= 0)
		return n;

	json_object_set_new(body, "container", json_string(argv[0]));
	json_object_set_new(body, "forward", json_string(argv[1]));
	if (network)
		json_object_set_new(body, "network", json_string(network));
	if (force)
		json_object_set_new(body, "force", json_true());
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "POST", "/v1/forwards", body, &reply, &err) < 0)
		return cli_fail(&err);
	port_record(ctx, argv[0], json_string_value(json_object_get(reply, "network")), argv[1],
		    true, force);
	if (ctx->format == OUTPUT_JSON)
		json_print(reply);
	else
		printf("forwarding %s to '%s' on network '%s'\n", json_text(reply, "forward"),
		       json_text(reply, "container"), json_text(reply, "network"));
	return 0;
}

/*
 * Appends to LIST the stored forwards of container NAME when it is not
 * running, as "active": false: its next start requests them.  A running
 * container's forwards are in reef-netd's reply already.
 */
static void port_list_stored(struct cli_context *ctx, const char *name, json_t *list)
{
	struct container_config config = { 0 };
	struct container_state state = { 0 };
	json_t *stored, *fwd;
	size_t i;

	if (container_config_read(&ctx->paths, name, &config, NULL) < 0)
		return;
	if (container_state_read(&ctx->paths, name, &state, NULL) == 0 &&
	    state.status != CONTAINER_RUNNING) {
		stored = container_forwards_json(&config, true);
		json_array_foreach (stored, i, fwd) {
			struct fw_forward_spec spec;
			char text[128];

			/* Shown as reef-netd shows it: "8080:80" reads "8080:80/tcp". */
			if (fw_forward_spec_parse(
				    json_string_value(json_object_get(fwd, "forward")), &spec,
				    NULL) == 0) {
				fw_forward_spec_format(&spec, text, sizeof(text));
				json_object_set_new(fwd, "forward", json_string(text));
			}
			json_object_set_new(fwd, "container", json_string(name));
			json_object_set_new(fwd, "active", json_false());
			json_array_append(list, fwd);
		}
		json_decref(stored);
	}
	container_state_clear(&state);
	container_config_clear(&config);
}

static int port_list(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "CONTAINER", "NETWORK", "STATUS", "FORWARD" };
	_cleanup_json_ json_t *reply = NULL;
	struct netd_client *client;
	struct reef_error err = { 0 };
	char path[128] = "/v1/forwards";
	char **names = NULL;
	size_t count = 0, i;
	struct table *t;
	json_t *fwd;

	if (argc > 1)
		return cli_failf(2, "unexpected argument '%s': reef port list [NAME]", argv[1]);
	if (argc == 1) {
		if (name_validate("container", argv[0], &err) < 0)
			return cli_fail(&err);
		snprintf(path, sizeof(path), "/v1/forwards?container=%s", argv[0]);
	}
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "GET", path, NULL, &reply, &err) < 0)
		return cli_fail(&err);
	if (!json_is_array(reply)) {
		json_decref(reply);
		reply = json_array();
	}
	/* A container of another reef instance has forwards in reef-netd but no config here. */
	if (argc == 1 && json_array_size(reply) == 0 &&
	    container_check_exists(&ctx->paths, argv[0], &err) < 0)
		return cli_fail(&err);
	json_array_foreach (reply, i, fwd)
		json_object_set_new(fwd, "active", json_true());
	if (argc == 1)
		port_list_stored(ctx, argv[0], reply);
	else if (container_names(&ctx->paths, &names, &count, NULL) == 0)
		for (i = 0; i < count; i++)
			port_list_stored(ctx, names[i], reply);
	container_names_free(names, count);

	if (ctx->format == OUTPUT_JSON) {
		json_print(reply);
		return 0;
	}
	t = table_new(4, headers);
	json_array_foreach (reply, i, fwd) {
		const char *cells[4] = { json_text(fwd, "container"), json_text(fwd, "network"),
					 json_is_true(json_object_get(fwd, "active"))
						 ? "active"
						 : "next start",
					 json_text(fwd, "forward") };

		table_add_row(t, cells);
	}
	table_print(t);
	table_free(t);
	return 0;
}

/* Percent-encodes TEXT for a query string: "[fd00::1]:80:80/tcp" has reserved characters. */
static void query_encode(const char *text, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *text && n + 4 < size; text++) {
		unsigned char c = (unsigned char)*text;

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '-' || c == '.' || c == '_') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

static int port_remove(struct cli_context *ctx, int argc, char **argv)
{
	_cleanup_json_ json_t *reply = NULL;
	struct fw_forward_spec spec;
	struct netd_client *client;
	struct reef_error err = { 0 };
	char path[512], query[384];

	if (argc != 2)
		return cli_failf(
			2, "usage: reef port remove NAME [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp]");
	if (name_validate("container", argv[0], &err) < 0 ||
	    fw_forward_spec_parse(argv[1], &spec, &err) < 0)
		return cli_fail(&err);
	query_encode(argv[1], query, sizeof(query));
	snprintf(path, sizeof(path), "/v1/forwards/%s?forward=%s", argv[0], query);
	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "DELETE", path, NULL, &reply, &err) < 0) {
		struct reef_error ignored = { 0 };

		/* A stopped container's forwards exist only in its config. */
		if (container_check_exists(&ctx->paths, argv[0], &ignored) < 0 ||
		    container_forward_record(&ctx->paths, argv[0], NULL, argv[1], false, false,
					     &ignored) < 0)
			return cli_fail(&err);
		printf("removed forward %s of '%s'\n", argv[1], argv[0]);
		return 0;
	}
	port_record(ctx, argv[0], NULL, argv[1], false, false);
	printf("removed forward %s of '%s'\n", argv[1], argv[0]);
	return 0;
}

int cli_port_run(struct cli_context *ctx, int argc, char **argv)
{
	static const struct cli_command subcommands[] = {
		{ "add", NULL, port_add },   { "list", NULL, port_list },
		{ "ls", NULL, port_list },   { "remove", NULL, port_remove },
		{ "rm", NULL, port_remove },
	};

	return cli_subcommand_run(ctx, argc, argv, "port", subcommands,
				  sizeof(subcommands) / sizeof(subcommands[0]), port_usage,
				  "add, list or remove");
}
