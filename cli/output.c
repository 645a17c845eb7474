/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct table {
	int n_columns;
	size_t n_rows;
	char **cells; /* row-major, header row first */
	size_t *widths;
};

struct table *table_new(int n_columns, const char *const headers[])
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	t->n_columns = n_columns;
	t->widths = calloc((size_t)n_columns, sizeof(*t->widths));
	if (!t->widths)
		abort();
	table_add_row(t, headers);
	return t;
}

void table_add_row(struct table *t, const char *const cells[])
{
	char **grown = realloc(t->cells, (t->n_rows + 1) * (size_t)t->n_columns * sizeof(char *));

	if (!grown)
		abort();
	t->cells = grown;
	for (int c = 0; c < t->n_columns; c++) {
		char *cell = strdup(cells[c] ? cells[c] : "");
		size_t len;

		if (!cell)
			abort();
		len = strlen(cell);
		if (len > t->widths[c])
			t->widths[c] = len;
		t->cells[t->n_rows * (size_t)t->n_columns + (size_t)c] = cell;
	}
	t->n_rows++;
}

void table_print(struct table *t)
{
	for (size_t r = 0; r < t->n_rows; r++) {
		for (int c = 0; c < t->n_columns; c++) {
			const char *cell = t->cells[r * (size_t)t->n_columns + (size_t)c];

			if (c == t->n_columns - 1)
				printf("%s\n", cell);
			else
				printf("%-*s  ", (int)t->widths[c], cell);
		}
	}
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_rows * (size_t)t->n_columns; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->widths);
	free(t);
}

void json_print(const json_t *value)
{
	json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
}

int cli_fail(const struct reef_error *err)
{
	fprintf(stderr, "reef: %s\n", err->message);
	return 1;
}

int cli_failf(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("reef: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int cli_client(struct cli_context *ctx, struct netd_client **ret, struct reef_error *err)
{
	if (!ctx->client) {
		int r = netd_client_new(&ctx->paths, &ctx->client, err);

		if (r < 0)
			return r;
	}
	*ret = ctx->client;
	return 0;
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_format(struct cli_context *ctx, int argc, char **argv, int *i)
{
	const char *value = NULL;

	if (strncmp(argv[*i], "--format=", 9) == 0) {
		value = argv[*i] + 9;
	} else if (strcmp(argv[*i], "--format") == 0) {
		if (*i + 1 >= argc)
			return -cli_failf(2, "missing value for --format: give table or json");
		value = argv[++*i];
	} else {
		return 0;
	}
	if (strcmp(value, "table") == 0)
		ctx->format = OUTPUT_TABLE;
	else if (strcmp(value, "json") == 0)
		ctx->format = OUTPUT_JSON;
	else
		return -cli_failf(2, "invalid --format '%s': give table or json", value);
	return 1;
}

int cli_subcommand_run(struct cli_context *ctx, int argc, char **argv, const char *group,
		       const struct cli_command *subcommands, size_t n_subcommands,
		       void (*usage)(FILE *out), const char *choices)
{
	int n = 0;

	/* --format may come anywhere after the group name; take it out before dispatching. */
	for (int i = 0; i < argc; i++) {
		int r = cli_parse_format(ctx, argc, argv, &i);

		if (r < 0)
			return -r;
		if (r == 0)
			argv[n++] = argv[i];
	}
	argc = n;
	if (argc == 0 || cli_is_help(argv[0])) {
		usage(argc == 0 ? stderr : stdout);
		return argc == 0 ? 2 : 0;
	}
	for (size_t i = 0; i < n_subcommands; i++) {
		if (strcmp(argv[0], subcommands[i].name) != 0)
			continue;
		for (int j = 1; j < argc; j++) {
			if (cli_is_help(argv[j])) {
				usage(stdout);
				return 0;
			}
		}
		return subcommands[i].run(ctx, argc - 1, argv + 1);
	}
	return cli_failf(2, "unknown command '%s %s': use %s", group, argv[0], choices);
}
