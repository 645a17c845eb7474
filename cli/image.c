/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/json.h"
#include "../runtime/image.h"
#include "cli.h"

static const char image_usage[] =
	"usage: reef image COMMAND [ARG...]\n\n"
	"commands:\n"
	"  import FILE|DIR [--alias NAME] [--description TEXT]\n"
	"                         import a rootfs tarball (.tar, .tar.gz, .tar.xz, .tar.zst),\n"
	"                         a rootfs directory, or an OCI image layout or its tar\n"
	"  list                   list the images\n"
	"  info NAME              show an image's metadata\n"
	"  alias add ALIAS NAME   point ALIAS at the image NAME\n"
	"  alias remove ALIAS     remove ALIAS\n"
	"  alias list             list the aliases\n"
	"  delete NAME            delete an image that no container uses\n"
	"  export NAME FILE       write the image's rootfs as a tarball compressed by FILE's\n"
	"                         extension (.tar, .tar.gz, .tar.xz, .tar.zst)\n\n"
	"NAME is an alias, a fingerprint or a unique fingerprint prefix.\n"
	"Listings take --format table|json.\n";

/* Progress on a terminal for operations that take more than a second: bytes and rate. */
struct cli_progress {
	const char *verb;
	struct timespec start;
	uint64_t bytes;
	bool shown;
};

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void format_size(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double value = (double)bytes;
	size_t unit = 0;

	while (value >= 1024 && unit + 1 < sizeof(units) / sizeof(units[0])) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(out, size, "%lluB", (unsigned long long)bytes);
	else
		snprintf(out, size, "%.1f%s", value, units[unit]);
}

static void progress_update(void *data, uint64_t bytes, bool done)
{
	struct cli_progress *p = data;
	double elapsed = seconds_since(&p->start);
	char amount[32], rate[32];

	if (!done)
		p->bytes = bytes;
	if (!done && elapsed < 1.0)
		return;
	if (done && !p->shown)
		return;
	format_size(p->bytes, amount, sizeof(amount));
	format_size(elapsed > 0 ? (uint64_t)((double)p->bytes / elapsed) : 0, rate, sizeof(rate));
	fprintf(stderr, "\r%s: %s read, %s/s   %s", p->verb, amount, rate, done ? "\n" : "");
	p->shown = true;
}

/* Fills PROGRESS for VERB when stderr is a terminal; returns NULL otherwise. */
static const struct image_progress *
progress_start(struct cli_progress *p, struct image_progress *progress, const char *verb)
{
	if (!isatty(STDERR_FILENO))
		return NULL;
	*p = (struct cli_progress){ .verb = verb };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	*progress = (struct image_progress){ .update = progress_update, .data = p };
	return progress;
}

static int image_import_run(struct cli_context *ctx, int argc, char **argv)
{
	struct image_import_options options = { 0 };
	struct cli_progress p;
	struct image_progress progress;
	struct reef_error err = { 0 };
	const char *source = NULL;
	char fingerprint[65];
	bool existed;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--alias") == 0 && i + 1 < argc)
			options.alias = argv[++i];
		else if (strcmp(argv[i], "--description") == 0 && i + 1 < argc)
			options.description = argv[++i];
		else if (argv[i][0] == '-')
			return cli_failf(2,
					 "unknown option '%s' for 'image import': run "
					 "'reef image --help'",
					 argv[i]);
		else if (!source)
			source = argv[i];
		else
			return cli_failf(2, "unexpected argument '%s': import one source at a time",
					 argv[i]);
	}
	if (!source)
		return cli_failf(2, "missing source: reef image import FILE|DIR [--alias NAME]");

	options.progress = progress_start(&p, &progress, "import");
	if (image_import(&ctx->paths, source, &options, fingerprint, &existed, &err) < 0)
		return cli_fail(&err);
	if (existed)
		printf("image %s is already in the store%s%s\n", fingerprint,
		       options.alias ? "; alias " : "", options.alias ? options.alias : "");
	else
		printf("imported image %s%s%s\n", fingerprint, options.alias ? " as " : "",
		       options.alias ? options.alias : "");
	return 0;
}

static void join_aliases(const json_t *aliases, char *out, size_t size)
{
	size_t i, used = 0;
	json_t *item;

	out[0] = '\0';
	json_array_foreach (aliases, i, item) {
		int n = snprintf(out + used, size - used, "%s%s", i ? "," : "",
				 json_string_value(item));

		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static int parse_format_only(struct cli_context *ctx, int argc, char **argv, int min_args,
			     int max_args, const char *usage_line, const char **args)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		int r = cli_parse_format(ctx, argc, argv, &i);

		if (r < 0)
			return -r;
		if (r > 0)
			continue;
		if (argv[i][0] == '-' || n >= max_args)
			return cli_failf(2, "unexpected argument '%s': %s", argv[i], usage_line);
		args[n++] = argv[i];
	}
	if (n < min_args)
		return cli_failf(2, "missing argument: %s", usage_line);
	return 0;
}

static int image_list_run(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "ALIAS", "FINGERPRINT", "DESCRIPTION",
					       "ARCH",	"SIZE",	       "IMPORTED" };
	struct reef_error err = { 0 };
	_cleanup_json_ json_t *list = NULL;
	struct table *t;
	json_t *image;
	size_t i;
	int r = parse_format_only(ctx, argc, argv, 0, 0, "reef image list [--format table|json]",
				  NULL);

	if (r)
		return r;
	if (image_list(&ctx->paths, &list, &err) < 0)
		return cli_fail(&err);
	if (ctx->format == OUTPUT_JSON) {
		json_print(list);
		return 0;
	}
	t = table_new(6, headers);
	json_array_foreach (list, i, image) {
		char aliases[256], size[32], fingerprint[13];
		const char *row[6];

		join_aliases(json_object_get(image, "aliases"), aliases, sizeof(aliases));
		format_size((uint64_t)json_integer_value(json_object_get(image, "size")), size,
			    sizeof(size));
		snprintf(fingerprint, sizeof(fingerprint), "%s",
			 json_string_value(json_object_get(image, "fingerprint")));
		row[0] = aliases;
		row[1] = fingerprint;
		row[2] = json_string_value(json_object_get(image, "description"));
		row[3] = json_string_value(json_object_get(image, "architecture"));
		row[4] = size;
		row[5] = json_string_value(json_object_get(image, "imported_at"));
		table_add_row(t, row);
	}
	table_print(t);
	table_free(t);
	return 0;
}

static void print_strings(const char *label, const json_t *array)
{
	size_t i;
	json_t *item;

	if (!json_is_array(array))
		return;
	printf("  %s:", label);
	json_array_foreach (array, i, item)
		printf(" %s", json_string_value(item));
	putchar('\n');
}

static int image_info_run(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const fields[][2] = {
		{ "fingerprint", "Fingerprint" },
		{ "description", "Description" },
		{ "os", "OS" },
		{ "release", "Release" },
		{ "architecture", "Architecture" },
		{ "created_at", "Created" },
		{ "imported_at", "Imported" },
		{ "source", "Source" },
		{ "source_format", "Format" },
	};
	struct reef_error err = { 0 };
	_cleanup_json_ json_t *image = NULL;
	const char *name = NULL;
	char aliases[512], size[32];
	json_t *config;
	int r = parse_format_only(ctx, argc, argv, 1, 1, "reef image info NAME", &name);

	if (r)
		return r;
	if (image_info(&ctx->paths, name, &image, &err) < 0)
		return cli_fail(&err);
	if (ctx->format == OUTPUT_JSON) {
		json_print(image);
		return 0;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		printf("%s: %s\n", fields[i][1],
		       json_string_value(json_object_get(image, fields[i][0])) ?: "");
	format_size((uint64_t)json_integer_value(json_object_get(image, "size")), size,
		    sizeof(size));
	printf("Size: %s\n", size);
	join_aliases(json_object_get(image, "aliases"), aliases, sizeof(aliases));
	printf("Aliases: %s\n", aliases);

	config = json_object_get(image, "config");
	if (json_object_size(config) > 0) {
		printf("Launch defaults:\n");
		print_strings("Entrypoint", json_object_get(config, "Entrypoint"));
		print_strings("Cmd", json_object_get(config, "Cmd"));
		print_strings("Env", json_object_get(config, "Env"));
		if (json_object_get(config, "WorkingDir"))
			printf("  WorkingDir: %s\n",
			       json_string_value(json_object_get(config, "WorkingDir")));
		if (json_object_get(config, "User"))
			printf("  User: %s\n", json_string_value(json_object_get(config, "User")));
	}
	return 0;
}

static int image_alias_run(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "ALIAS", "FINGERPRINT" };
	struct reef_error err = { 0 };
	const char *args[2] = { 0 };
	int r;

	if (argc >= 1 && strcmp(argv[0], "add") == 0) {
		r = parse_format_only(ctx, argc - 1, argv + 1, 2, 2,
				      "reef image alias add ALIAS NAME", args);
		if (r)
			return r;
		if (image_alias_add(&ctx->paths, args[0], args[1], &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	if (argc >= 1 && strcmp(argv[0], "remove") == 0) {
		r = parse_format_only(ctx, argc - 1, argv + 1, 1, 1,
				      "reef image alias remove ALIAS", args);
		if (r)
			return r;
		if (image_alias_remove(&ctx->paths, args[0], &err) < 0)
			return cli_fail(&err);
		return 0;
	}
	if (argc >= 1 && strcmp(argv[0], "list") == 0) {
		_cleanup_json_ json_t *aliases = NULL;
		struct table *t;
		const char *key;
		json_t *value;

		r = parse_format_only(ctx, argc - 1, argv + 1, 0, 0,
				      "reef image alias list [--format table|json]", args);
		if (r)
			return r;
		if (image_alias_list(&ctx->paths, &aliases, &err) < 0)
			return cli_fail(&err);
		if (ctx->format == OUTPUT_JSON) {
			json_print(aliases);
			return 0;
		}
		t = table_new(2, headers);
		json_object_foreach (aliases, key, value) {
			const char *row[2] = { key, json_string_value(value) };

			table_add_row(t, row);
		}
		table_print(t);
		table_free(t);
		return 0;
	}
	return cli_failf(2, "unknown 'image alias' command: use add, remove or list");
}

static int image_delete_run(struct cli_context *ctx, int argc, char **argv)
{
	struct reef_error err = { 0 };
	const char *name = NULL;
	int r = parse_format_only(ctx, argc, argv, 1, 1, "reef image delete NAME", &name);

	if (r)
		return r;
	if (image_delete(&ctx->paths, name, &err) < 0)
		return cli_fail(&err);
	return 0;
}

static int image_export_run(struct cli_context *ctx, int argc, char **argv)
{
	struct reef_error err = { 0 };
	struct cli_progress p;
	struct image_progress progress;
	const char *args[2] = { 0 };
	int r = parse_format_only(ctx, argc, argv, 2, 2, "reef image export NAME FILE", args);

	if (r)
		return r;
	if (image_export(&ctx->paths, args[0], args[1], progress_start(&p, &progress, "export"),
			 &err) < 0)
		return cli_fail(&err);
	return 0;
}

int cli_image_run(struct cli_context *ctx, int argc, char **argv)
{
	static const struct cli_command subcommands[] = {
		{ "import", NULL, image_import_run }, { "list", NULL, image_list_run },
		{ "info", NULL, image_info_run },     { "alias", NULL, image_alias_run },
		{ "delete", NULL, image_delete_run }, { "export", NULL, image_export_run },
	};

	/*
	 * pax headers carry member names in UTF-8, and libarchive converts them
	 * to the locale's character set.  The C locale cannot represent
	 * non-ASCII names, so a Debian rootfs would fail to import under it.
	 */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "");

	if (argc == 0 || cli_is_help(argv[0])) {
		fputs(image_usage, argc == 0 ? stderr : stdout);
		return argc == 0 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[0], subcommands[i].name) != 0)
			continue;
		for (int j = 1; j < argc; j++) {
			if (cli_is_help(argv[j])) {
				fputs(image_usage, stdout);
				return 0;
			}
		}
		return subcommands[i].run(ctx, argc - 1, argv + 1);
	}
	return cli_failf(2, "unknown command 'image %s': run 'reef image --help'", argv[0]);
}
