/* SPDX-License-Identifier: MIT */
#ifndef REEF_CLI_CLI_H
#define REEF_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "../common/client.h"
#include "../common/error.h"
#include "../common/paths.h"

enum output_format {
	OUTPUT_TABLE,
	OUTPUT_JSON,
};

/* What every command gets: the paths of this reef instance and the output format. */
struct cli_context {
	struct reef_paths paths;
	enum output_format format;
	struct netd_client *client; /* opened on first use by cli_client() */
};

/*
 * A command group ("network", "image") or a single command ("launch").
 * RUN receives the arguments after the command's name and returns the exit
 * status; errors are printed once with cli_fail().
 */
struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_context *ctx, int argc, char **argv);
};

/* Command groups, each in its own file. */
int cli_image_run(struct cli_context *ctx, int argc, char **argv);
int cli_network_run(struct cli_context *ctx, int argc, char **argv);
int cli_port_run(struct cli_context *ctx, int argc, char **argv);

/* Prints "reef: MESSAGE" for ERR and returns exit status 1. */
int cli_fail(const struct reef_error *err);
/* Prints "reef: " and a formatted message; returns exit status 1 (2 for usage errors). */
int cli_failf(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the API client of CTX, connecting on first use. */
int cli_client(struct cli_context *ctx, struct netd_client **ret, struct reef_error *err);

/* Parses "--format table|json" at ARGV[*I]; returns 1 when consumed, 0 when not, <0 on error. */
int cli_parse_format(struct cli_context *ctx, int argc, char **argv, int *i);

/*
 * Runs the subcommand of a command group named by ARGV[0], after taking
 * --format out of ARGV wherever it appears.  --help anywhere, or no
 * subcommand, prints USAGE; an unknown subcommand is an error that lists
 * CHOICES ("create, list, show or delete").
 */
int cli_subcommand_run(struct cli_context *ctx, int argc, char **argv, const char *group,
		       const struct cli_command *subcommands, size_t n_subcommands,
		       void (*usage)(FILE *out), const char *choices);

/* True for "-h" and "--help". */
bool cli_is_help(const char *arg);

/*
 * A table printed with columns padded to their widest cell, or the JSON
 * array given alongside with --format json.
 */
struct table;
struct table *table_new(int n_columns, const char *const headers[]);
void table_add_row(struct table *t, const char *const cells[]);
void table_print(struct table *t);
void table_free(struct table *t);

/* Prints VALUE as indented JSON followed by a newline. */
void json_print(const json_t *value);

#endif
