/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "container.h"

#define REEF_VERSION "0.1.0"

/* Command groups add themselves here; each is implemented in its own file. */
static const struct cli_command commands[] = {
	CONTAINER_COMMANDS,
	{ "image", "manage the local image store", cli_image_run },
	{ "network", "create, list, show and delete networks", cli_network_run },
	{ "port", "add, list and remove port forwards", cli_port_run },
	{ 0 },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: reef [--root DIR] [--format table|json] COMMAND [ARG...]\n\n"
		     "reef runs containers and wires their networks through reef-netd.\n\n"
		     "commands:\n");
	for (const struct cli_command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out,
		"\nglobal options:\n"
		"  --root DIR       keep state under DIR instead of /var/lib/reef and /run/reef\n"
		"                   (default: $REEF_ROOT when set)\n"
		"  --format FORMAT  output of listings: table (default) or json\n"
		"  --version        print the version and exit\n\n"
		"Run 'reef COMMAND --help' for the options of a command.\n");
}

/*
 * Takes "--root DIR" and "--root=DIR" out of ARGV wherever they stand before
 * "--", so that "reef list --root DIR" works like "reef --root DIR list".
 * Returns the new argument count, or -1 when --root has no value.
 */
static int take_root_option(int argc, char **argv, const char **ret_root)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--root") == 0) {
			if (i + 1 >= argc)
				return -1;
			*ret_root = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--root=", 7) == 0) {
			*ret_root = argv[i] + 7;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	struct cli_context ctx = { .format = OUTPUT_TABLE };
	struct reef_error err = { 0 };
	const char *root = NULL;
	int i, status;

	argc = take_root_option(argc, argv, &root);
	if (argc < 0)
		return cli_failf(2,
				 "missing value for --root: give a directory, such as /tmp/reef");
	if (root && root[0] == '\0')
		return cli_failf(2, "invalid --root '': give a directory, such as /tmp/reef");

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		int r = cli_parse_format(&ctx, argc, argv, &i);

		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("reef %s\n", REEF_VERSION);
			return 0;
		}
		return cli_failf(2, "unknown option '%s': run 'reef --help' for the options",
				 argv[i]);
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (paths_init(&ctx.paths, root, &err) < 0)
		return cli_fail(&err);

	for (const struct cli_command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[i]) != 0)
			continue;
		status = c->run(&ctx, argc - i - 1, argv + i + 1);
		netd_client_free(ctx.client);
		return status;
	}
	return cli_failf(2, "unknown command '%s': run 'reef --help' for the commands", argv[i]);
}
