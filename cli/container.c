/* SPDX-License-Identifier: MIT */
/* The container commands: launch, list, info, start, stop, restart, delete, exec, logs. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/json.h"
#include "../runtime/container.h"
#include "../runtime/image.h"
#include "../runtime/security.h"
#include "cli.h"
#include "container.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define ENV_MAX	     256
/* The smallest --memory, Docker's minimum as well. */
#define MEMORY_MIN_BYTES (6ULL << 20)

static const char launch_usage[] =
	"usage: reef launch IMAGE|ROOTFS-DIR NAME [OPTION...] [-- COMMAND ARG...]\n\n"
	"Starts container NAME from an image or a root filesystem directory, in new user, pid,\n"
	"mount, network, uts, ipc and cgroup namespaces.  Without COMMAND it runs /sbin/init.\n\n"
	"options:\n"
	"  --network NET[,ip=ADDR][,mac=MAC][,antispoof]\n"
	"                       attach to network NET (repeatable); antispoof drops what the\n"
	"                       container sends from other addresses or MACs\n"
	"  -p, --publish [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp]\n"
	"                       forward a host port to the container on its first network\n"
	"                       (repeatable; not on internal networks)\n"
	"  --memory SIZE        memory limit in bytes, or with a suffix k, m, g or t (1024-based);\n"
	"                       at least 6m\n"
	"  --cpus N             CPU time limit in CPUs, such as 0.5 or 2; from 0.01 to the\n"
	"                       host's online CPUs\n"
	"  --pids N             maximum number of processes, the init included (at least 2\n"
	"                       with the init)\n"
	"  --env KEY=VALUE      set an environment variable (repeatable)\n"
	"  --workdir DIR        working directory of the command (default: the image's\n"
	"                       WorkingDir, else /)\n"
	"  --entrypoint PROGRAM replace the image's Entrypoint; \"\" clears it (COMMAND then\n"
	"                       replaces the image's Cmd as usual)\n"
	"  --cap-add CAP        add a capability to the default set (repeatable, or ALL)\n"
	"  --cap-drop CAP       drop a capability from the set (repeatable, or ALL)\n"
	"  --security-opt seccomp=unconfined  run without the seccomp filter\n"
	"  --privileged         no user namespace, every capability, no seccomp, writable /sys\n"
	"  --init               run a reaper as pid 1 that forwards signals (default with COMMAND)\n"
	"  --no-init            run COMMAND itself as pid 1\n"
	"  --rm                 delete the container when its command exits\n\n"
	"COMMAND replaces the image's Cmd and keeps its Entrypoint, as docker run does.\n"
	"The image's Env replaces the defaults of the same name (PATH, HOSTNAME, HOME),\n"
	"and --env overrides both.\n";

static const char list_usage[] =
	"usage: reef list [--format table|json]\n\n"
	"Lists the containers with their state, addresses, image and uptime.\n\n"
	"options:\n"
	"  --format table|json  output format (default table)\n";
static const char info_usage[] = "usage: reef info NAME\n\n"
				 "Prints the configuration and state of container NAME as JSON.\n";
static const char start_usage[] =
	"usage: reef start NAME...\n\n"
	"Starts each stopped container NAME with its stored configuration,\n"
	"including its networks and published ports.  A running one is left as it is.\n";
static const char stop_usage[] =
	"usage: reef stop NAME... [-t SECONDS]\n\n"
	"Stops each container NAME: SIGTERM to its init, then SIGKILL after the timeout.\n"
	"A stopped one is left as it is.\n\n"
	"options:\n"
	"  -t, --time SECONDS   seconds to wait before SIGKILL, 0 to 3600 (default 10)\n";
static const char restart_usage[] =
	"usage: reef restart NAME [-t SECONDS]\n\n"
	"Stops container NAME if it runs, then starts it.\n\n"
	"options:\n"
	"  -t, --time SECONDS   seconds to wait before SIGKILL, 0 to 3600 (default 10)\n";
static const char delete_usage[] = "usage: reef delete NAME... [--force]\n\n"
				   "Deletes each container NAME and its writable layer.\n\n"
				   "options:\n"
				   "  -f, --force          stop a running container first\n";
static const char exec_usage[] =
	"usage: reef exec NAME [-i] [-t] [--env KEY=VALUE]... -- COMMAND ARG...\n\n"
	"Runs COMMAND inside running container NAME and exits with its status.\n\n"
	"options:\n"
	"  -i, --interactive    accepted for docker users: stdin is always forwarded\n"
	"  -t, --tty            run COMMAND on a new terminal of the container (needs a\n"
	"                       terminal on stdin); TERM is passed on (default xterm)\n"
	"  -it, -ti             both of the above\n"
	"  --env KEY=VALUE      set an environment variable (repeatable)\n";
static const char logs_usage[] =
	"usage: reef logs NAME [-f] [-n LINES]\n\n"
	"Prints the console output of container NAME.\n\n"
	"options:\n"
	"  -f, --follow         keep printing new output until the container stops\n"
	"  -n, --tail LINES     print only the last LINES lines (default all)\n";

/* Prints USAGE when an argument before "--" requests help; returns true then. */
static bool help_requested(int argc, char **argv, const char *usage)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (cli_is_help(argv[i])) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

/* The first line of USAGE, without its newline, for one-line errors. */
static int usage_fail(const char *usage)
{
	return cli_failf(2, "%.*s", (int)strcspn(usage, "\n"), usage);
}

static int option_value(int argc, char **argv, int *i, const char *option, const char **ret)
{
	size_t len = strlen(option);

	if (strncmp(argv[*i], option, len) == 0 && argv[*i][len] == '=') {
		*ret = argv[*i] + len + 1;
		return 1;
	}
	if (strcmp(argv[*i], option) != 0)
		return 0;
	if (*i + 1 >= argc)
		return -cli_failf(2, "missing value for %s: run 'reef launch --help'", option);
	*ret = argv[++*i];
	return 1;
}

/* Parses bytes, or a number with k, m, g, t or p in powers of 1024 ("256Mi" and "256MB" too). */
static int size_parse(const char *text, uint64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *unit;
	char *end;
	unsigned long long value;
	unsigned shift = 0;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return -EINVAL;
	unit = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
	if (unit) {
		shift = 10 * (unsigned)(unit - units + 1);
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || value == 0 || value > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = value << shift;
	return 0;
}

static int network_parse(const char *spec, struct container_config *config)
{
	struct container_network *net;
	char copy[256], *field, *save = NULL;
	struct reef_error err = { 0 };

	if (config->n_networks >= CONTAINER_NETWORKS_MAX)
		return cli_failf(2, "too many --network options: at most %d",
				 CONTAINER_NETWORKS_MAX);
	if (strlen(spec) >= sizeof(copy))
		return cli_failf(2, "invalid --network '%.32s...': too long", spec);
	strcpy(copy, spec);
	net = &config->networks[config->n_networks];
	field = strtok_r(copy, ",", &save);
	if (!field || name_validate("network", field, &err) < 0)
		return cli_failf(2, "invalid --network '%s': %s", spec,
				 field ? err.message : "give a network name");
	strcpy(net->network, field);
	while ((field = strtok_r(NULL, ",", &save))) {
		if (strncmp(field, "ip=", 3) == 0 && strlen(field + 3) < sizeof(net->address))
			strcpy(net->address, field + 3);
		else if (strncmp(field, "mac=", 4) == 0 && strlen(field + 4) < sizeof(net->mac))
			strcpy(net->mac, field + 4);
		else if (strcmp(field, "antispoof") == 0)
			net->antispoof = true;
		else
			return cli_failf(2,
					 "invalid --network '%s': unknown field '%s', give "
					 "NET[,ip=ADDR][,mac=MAC][,antispoof]",
					 spec, field);
	}
	for (size_t i = 0; i < config->n_networks; i++)
		if (strcmp(config->networks[i].network, net->network) == 0)
			return cli_failf(2, "network '%s' given twice", net->network);
	config->n_networks++;
	return 0;
}

static char **strv_dup(char *const *strv)
{
	size_t n = 0;
	char **copy;

	while (strv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++) {
		copy[i] = strdup(strv[i]);
		if (!copy[i]) {
			for (size_t j = 0; j < i; j++)
				free(copy[j]);
			free(copy);
			return NULL;
		}
	}
	return copy;
}

struct launch_args {
	struct container_config config;
	const char *image;
	const char *env[ENV_MAX];
	size_t n_env;
	const char *publish[ENV_MAX];
	size_t n_publish;
	uint64_t cap_add, cap_drop;
	bool init_set, no_init;
	char **command;
	const char *entrypoint; /* NULL: the image's; "": none */
};

/* Parses one option at ARGV[*I]; returns 0 when consumed, a non-zero exit status otherwise. */
static int launch_option(struct launch_args *a, int argc, char **argv, int *i)
{
	struct container_config *c = &a->config;
	struct reef_error err = { 0 };
	const char *v = NULL;
	uint64_t cap = 0;
	int r;

	if ((r = option_value(argc, argv, i, "--network", &v)))
		return r < 0 ? -r : network_parse(v, c);
	if ((r = option_value(argc, argv, i, "--memory", &v))) {
		if (r > 0 && size_parse(v, &c->limits.memory_bytes) < 0)
			return cli_failf(
				2,
				"invalid --memory '%s': give bytes, or a number with k, m, "
				"g or t, such as 256m",
				v);
		/* Below it the init may not even start. */
		if (r > 0 && c->limits.memory_bytes < MEMORY_MIN_BYTES)
			return cli_failf(2, "invalid --memory '%s': the minimum is 6m", v);
		return r < 0 ? -r : 0;
	}
	if ((r = option_value(argc, argv, i, "--cpus", &v))) {
		char *end;
		double cpus = r > 0 ? strtod(v, &end) : 0;

		long online = sysconf(_SC_NPROCESSORS_ONLN);

		if (r < 0)
			return -r;
		if (online < 1)
			online = 1;
		/* As in Docker: a quota above the host's CPUs could never be used. */
		if (*end || !(cpus >= 0.01 && cpus <= (double)online))
			return cli_failf(2,
					 "invalid --cpus '%s': give a number of CPUs from 0.01 to "
					 "%ld (the host's online CPUs), such as 0.5",
					 v, online);
		c->limits.cpu_period_us = 100000;
		c->limits.cpu_quota_us = (uint64_t)(cpus * 100000 + 0.5);
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--pids", &v))) {
		char *end;
		unsigned long long n = r > 0 ? strtoull(v, &end, 10) : 0;

		if (r < 0)
			return -r;
		if (*end || v[0] == '-' || n == 0 || n > 4194304)
			return cli_failf(2, "invalid --pids '%s': give a number from 1 to 4194304",
					 v);
		c->limits.pids_max = n;
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--publish", &v)) ||
	    (r = option_value(argc, argv, i, "-p", &v))) {
		if (r < 0)
			return -r;
		if (a->n_publish >= ENV_MAX)
			return cli_failf(2, "too many -p options: at most %d, use port ranges",
					 ENV_MAX);
		a->publish[a->n_publish++] = v;
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--env", &v))) {
		if (r < 0)
			return -r;
		if (!strchr(v, '=') || v[0] == '=')
			return cli_failf(2, "invalid --env '%s': give KEY=VALUE", v);
		if (a->n_env >= ENV_MAX)
			return cli_failf(2, "too many --env options: at most %d", ENV_MAX);
		a->env[a->n_env++] = v;
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--workdir", &v))) {
		if (r < 0)
			return -r;
		if (v[0] != '/' || strlen(v) >= sizeof(c->workdir))
			return cli_failf(2, "invalid --workdir '%s': give an absolute path", v);
		strcpy(c->workdir, v);
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--entrypoint", &v))) {
		if (r < 0)
			return -r;
		a->entrypoint = v;
		return 0;
	}
	if ((r = option_value(argc, argv, i, "--cap-add", &v))) {
		if (r > 0 && caps_parse(v, &cap, &err) < 0)
			return cli_failf(2, "invalid --cap-add '%s': %s", v, err.message);
		a->cap_add |= cap;
		return r < 0 ? -r : 0;
	}
	if ((r = option_value(argc, argv, i, "--cap-drop", &v))) {
		if (r > 0 && caps_parse(v, &cap, &err) < 0)
			return cli_failf(2, "invalid --cap-drop '%s': %s", v, err.message);
		a->cap_drop |= cap;
		return r < 0 ? -r : 0;
	}
	if ((r = option_value(argc, argv, i, "--security-opt", &v))) {
		if (r < 0)
			return -r;
		if (strcmp(v, "seccomp=unconfined") != 0)
			return cli_failf(2,
					 "invalid --security-opt '%s': only seccomp=unconfined is "
					 "supported",
					 v);
		c->seccomp = false;
		return 0;
	}
	if (strcmp(argv[*i], "--privileged") == 0)
		c->privileged = true;
	else if (strcmp(argv[*i], "--init") == 0)
		a->init_set = true;
	else if (strcmp(argv[*i], "--no-init") == 0)
		a->no_init = true;
	else if (strcmp(argv[*i], "--rm") == 0)
		c->remove = true;
	else
		return cli_failf(2, "unknown option '%s': run 'reef launch --help' for the options",
				 argv[*i]);
	return 0;
}

static int launch_args_parse(struct launch_args *a, int argc, char **argv)
{
	const char *positional[2];
	int n = 0, r;

	a->config.seccomp = true;
	a->config.caps = caps_default();
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			a->command = argv + i + 1;
			if (!a->command[0])
				return cli_failf(2, "missing command after '--'");
			break;
		}
		if (cli_is_help(argv[i])) {
			fputs(launch_usage, stdout);
			return -1;
		}
		if (argv[i][0] != '-') {
			if (n == 2)
				return cli_failf(2,
						 "unexpected argument '%s': put the command after "
						 "'--'",
						 argv[i]);
			positional[n++] = argv[i];
			continue;
		}
		r = launch_option(a, argc, argv, &i);
		if (r)
			return r;
	}
	if (n < 2)
		return cli_failf(2,
				 "missing %s: usage: reef launch IMAGE|ROOTFS-DIR NAME [OPTION...] "
				 "[-- COMMAND ARG...]",
				 n == 0 ? "IMAGE and container NAME" : "container NAME");
	if (a->init_set && a->no_init)
		return cli_failf(2, "--init and --no-init exclude each other");
	if (a->config.limits.pids_max == 1 && (a->command ? !a->no_init : a->init_set))
		return cli_failf(2, "invalid --pids 1: the init needs a pid of its own beside the "
				    "command: give at least 2, or add --no-init");
	if (a->n_publish && !a->config.n_networks)
		return cli_failf(2,
				 "-p '%s' needs a --network: ports are forwarded to the "
				 "container's address on its first network",
				 a->publish[0]);
	a->image = positional[0];
	if (strlen(positional[1]) > REEF_NAME_MAX)
		return cli_failf(2, "invalid container name '%.32s...': at most %d characters",
				 positional[1], REEF_NAME_MAX);
	strcpy(a->config.name, positional[1]);
	return 0;
}

/* Fills the config's rootfs from the directory a->image. */
static int launch_rootfs_dir(struct launch_args *a, struct reef_error *err)
{
	struct container_config *c = &a->config;
	struct stat st;

	if (stat(a->image, &st) < 0) {
		if (errno == ENOENT)
			return error_set(err, ENOENT,
					 "rootfs directory '%s' not found: give an existing "
					 "directory, or an image name",
					 a->image);
		return error_set_errno(err, errno, "access rootfs directory '%s'", a->image);
	}
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR,
				 "rootfs '%s' is not a directory: give a directory, or an "
				 "image name",
				 a->image);
	if (!realpath(a->image, c->rootfs))
		return error_set_errno(err, errno, "resolve '%s'", a->image);
	return 0;
}

/*
 * Fills the config's rootfs from a directory, or from the image store.  A
 * name with '/' (and "." or "..") is a directory, any other name an image,
 * so that a directory in the current one never shadows an image's alias.
 */
static int launch_rootfs(struct cli_context *ctx, struct launch_args *a, struct image_config *image,
			 struct reef_error *err)
{
	struct container_config *c = &a->config;
	struct stat st;
	int r;

	if (strlen(a->image) >= sizeof(c->image))
		return error_set(err, ENAMETOOLONG, "image name '%.32s...' is too long", a->image);
	strcpy(c->image, a->image);
	if (strchr(a->image, '/') || strcmp(a->image, ".") == 0 || strcmp(a->image, "..") == 0) {
		return launch_rootfs_dir(a, err);
	}
	r = image_resolve(&ctx->paths, a->image, c->fingerprint, c->rootfs, image, err);
	if (r == -ENOENT && stat(a->image, &st) == 0 && S_ISDIR(st.st_mode))
		return error_set(err, ENOENT,
				 "image '%s' not found: a name without '/' is an image, so give "
				 "'./%s' to launch the directory",
				 a->image, a->image);
	return r;
}

static size_t strv_length(char *const *strv)
{
	size_t n = 0;

	while (strv && strv[n])
		n++;
	return n;
}

/* Appends copies of the strings of STRV to ARGV at *N. */
static int strv_append(char **argv, size_t *n, char *const *strv)
{
	for (size_t i = 0; strv && strv[i]; i++)
		if (!(argv[(*n)++] = strdup(strv[i])))
			return -ENOMEM;
	return 0;
}

/*
 * Picks the command as docker run does: the entrypoint (--entrypoint, else
 * the image's), followed by the command given after "--", else the image's
 * Cmd; /sbin/init when both are empty.  --entrypoint drops the image's Cmd.
 * --init is the default only for a given command.
 */
static int launch_command(struct launch_args *a, const struct image_config *image,
			  struct reef_error *err)
{
	static char *const default_command[] = { "/sbin/init", NULL };
	char *entry_given[] = { (char *)a->entrypoint, NULL };
	char *const *entry = image->entrypoint, *const *cmd = a->command ? a->command : image->cmd;
	size_t n = 0;
	char **argv;

	if (a->entrypoint) {
		entry = a->entrypoint[0] ? entry_given : NULL;
		if (!a->command)
			cmd = NULL;
	}
	if (strv_length(entry) + strv_length(cmd) == 0)
		cmd = default_command;
	a->config.init = a->command ? !a->no_init : a->init_set;
	argv = calloc(strv_length(entry) + strv_length(cmd) + 1, sizeof(*argv));
	if (!argv)
		return error_set(err, ENOMEM, "allocate the command");
	a->config.argv = argv;
	if (strv_append(argv, &n, entry) < 0 || strv_append(argv, &n, cmd) < 0)
		return error_set(err, ENOMEM, "allocate the command");
	if (!a->config.workdir[0] && image->working_dir && image->working_dir[0] == '/' &&
	    strlen(image->working_dir) < sizeof(a->config.workdir))
		strcpy(a->config.workdir, image->working_dir);
	return 0;
}

/* True when ENV[0..N) already sets the variable of ENTRY ("KEY=VALUE"). */
static bool env_has_key(char *const *env, size_t n, const char *entry)
{
	size_t key = strcspn(entry, "=");

	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], entry, key + 1) == 0)
			return true;
	return false;
}

/*
 * The --env entries, then the image's, then PATH, HOSTNAME and HOME; each
 * variable once, from the first source that sets it.
 */
static int launch_environment(struct launch_args *a, const struct image_config *image,
			      struct reef_error *err)
{
	size_t n_image = strv_length(image->env), n = 0;
	char **env = calloc(a->n_env + n_image + 4, sizeof(*env));
	char hostname[128];
	const char *defaults[] = { DEFAULT_PATH, hostname, "HOME=/root" };

	if (!env)
		return error_set(err, ENOMEM, "allocate the environment");
	a->config.env = env;
	snprintf(hostname, sizeof(hostname), "HOSTNAME=%s", a->config.name);
	for (size_t i = 0; i < a->n_env; i++)
		if (!env_has_key(env, n, a->env[i]) && !(env[n++] = strdup(a->env[i])))
			return error_set(err, ENOMEM, "allocate the environment");
	for (size_t i = 0; i < n_image; i++)
		if (!env_has_key(env, n, image->env[i]) && !(env[n++] = strdup(image->env[i])))
			return error_set(err, ENOMEM, "allocate the environment");
	for (size_t i = 0; i < 3; i++)
		if (!env_has_key(env, n, defaults[i]) && !(env[n++] = strdup(defaults[i])))
			return error_set(err, ENOMEM, "allocate the environment");
	return 0;
}

int cmd_launch(struct cli_context *ctx, int argc, char **argv)
{
	struct image_config image = { 0 };
	struct launch_args a = { 0 };
	struct reef_error err = { 0 };
	int r;

	r = launch_args_parse(&a, argc, argv);
	if (r)
		return r < 0 ? 0 : r;
	a.config.caps = (a.config.caps | a.cap_add) & ~a.cap_drop;
	r = launch_rootfs(ctx, &a, &image, &err);
	if (r == 0)
		r = launch_command(&a, &image, &err);
	if (r == 0)
		r = launch_environment(&a, &image, &err);
	if (r == 0 && image.user && image.user[0])
		r = container_user_resolve(a.config.rootfs, image.user, &a.config.uid,
					   &a.config.gid, &err);
	if (r == 0 && a.n_publish) {
		a.config.publish = strv_dup((char *const *)a.publish);
		if (!a.config.publish)
			r = error_set(&err, ENOMEM, "allocate the published ports");
	}
	if (r == 0)
		r = container_launch(&ctx->paths, &a.config, &err);
	image_config_clear(&image);
	container_config_clear(&a.config);
	if (r < 0) {
		error_prefix(&err, "launch '%s'", a.config.name);
		return cli_fail(&err);
	}
	return 0;
}

/* "running", "stopped", "exited 0", "killed by signal 9": the STATE column. */
static void state_describe(const struct container_state *s, char *buf, size_t size)
{
	if (s->status == CONTAINER_RUNNING)
		snprintf(buf, size, "running");
	else if (s->exit_signal)
		snprintf(buf, size, "killed by signal %d", s->exit_signal);
	else if (s->exit_code >= 0)
		snprintf(buf, size, "exited %d", s->exit_code);
	else
		snprintf(buf, size, "stopped");
}

static void uptime_format(const struct container_state *s, char *buf, size_t size)
{
	long long t;

	if (s->status != CONTAINER_RUNNING || !s->started_at) {
		snprintf(buf, size, "-");
		return;
	}
	t = (long long)time(NULL) - s->started_at;
	if (t < 60)
		snprintf(buf, size, "%llds", t);
	else if (t < 3600)
		snprintf(buf, size, "%lldm%llds", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%lldh%lldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, size, "%lldd%lldh", t / 86400, t / 3600 % 24);
}

/*
 * Returns reef-netd's endpoints, or NULL when it does not reply.  They are
 * the current ones: the replies saved at launch keep an address that
 * `reef network delete --force` has taken away since.
 */
static json_t *endpoints_live(struct cli_context *ctx)
{
	struct reef_error err = { 0 };
	struct netd_client *client;
	json_t *reply = NULL;

	if (cli_client(ctx, &client, &err) < 0 ||
	    netd_client_request(client, "GET", "/v1/endpoints", NULL, &reply, &err) < 0)
		return NULL;
	if (!json_is_array(reply)) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

/* Replaces the saved networks of a running container S with its endpoints in LIVE. */
static void networks_refresh(const char *name, struct container_state *s, json_t *live)
{
	json_t *endpoint, *mine;
	size_t i;

	if (!live || s->status != CONTAINER_RUNNING)
		return;
	mine = json_array();
	json_array_foreach (live, i, endpoint) {
		const char *container = json_string_value(json_object_get(endpoint, "container"));

		if (container && strcmp(container, name) == 0)
			json_array_append(mine, endpoint);
	}
	json_decref(s->networks);
	s->networks = mine;
}

static void addresses_format(const struct container_state *s, char *buf, size_t size)
{
	size_t len = 0, i, j;
	json_t *reply, *address;

	buf[0] = '\0';
	if (s->status != CONTAINER_RUNNING)
		return;
	json_array_foreach (s->networks, i, reply) {
		json_array_foreach (json_object_get(reply, "addresses"), j, address) {
			int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
					 json_string_value(address));

			if (n < 0 || (size_t)n >= size - len)
				return;
			len += (size_t)n;
		}
	}
}

static json_t *container_json(const struct container_config *c, const struct container_state *s)
{
	char state[64];
	json_t *obj;

	state_describe(s, state, sizeof(state));
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:s, s:I, s:I}", "name",
			c->name, "state", s->status == CONTAINER_RUNNING ? "running" : "stopped",
			"image", c->image, "fingerprint", c->fingerprint, "rootfs", c->rootfs,
			"init", c->init, "privileged", c->privileged, "remove", c->remove,
			"monitored", s->monitored, "created", c->created, "started_at",
			(json_int_t)s->started_at, "finished_at", (json_int_t)s->finished_at);
	json_object_set_new(obj, "pid",
			    s->status == CONTAINER_RUNNING ? json_integer(s->pid) : json_null());
	json_object_set_new(obj, "exit_code",
			    s->exit_code >= 0 ? json_integer(s->exit_code) : json_null());
	json_object_set_new(obj, "exit_signal",
			    s->exit_signal ? json_integer(s->exit_signal) : json_null());
	json_object_set_new(obj, "networks",
			    s->status == CONTAINER_RUNNING && s->networks ? json_incref(s->networks)
									  : json_array());
	return obj;
}

int cmd_list(struct cli_context *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "NAME", "STATE", "ADDRESSES", "IMAGE", "UPTIME" };
	struct reef_error err = { 0 };
	struct table *table = NULL;
	json_t *array = json_array(), *live = NULL;
	char **names = NULL;
	size_t count = 0;

	if (help_requested(argc, argv, list_usage))
		return 0;
	for (int i = 0; i < argc; i++) {
		int r = cli_parse_format(ctx, argc, argv, &i);

		if (r < 0)
			return -r;
		if (r == 0)
			return cli_failf(2,
					 "unexpected argument '%s': usage: reef list "
					 "[--format table|json]",
					 argv[i]);
	}
	if (container_names(&ctx->paths, &names, &count, &err) < 0)
		return cli_fail(&err);
	if (count > 0)
		live = endpoints_live(ctx);
	table = table_new(5, headers);
	for (size_t i = 0; i < count; i++) {
		struct container_config c = { 0 };
		struct container_state s = { 0 };
		char state[64], addresses[512], uptime[32];

		/* A container deleted while listing is simply left out. */
		if (container_config_read(&ctx->paths, names[i], &c, NULL) < 0)
			continue;
		if (container_state_read(&ctx->paths, names[i], &s, NULL) == 0) {
			networks_refresh(c.name, &s, live);
			state_describe(&s, state, sizeof(state));
			addresses_format(&s, addresses, sizeof(addresses));
			uptime_format(&s, uptime, sizeof(uptime));
			table_add_row(table, (const char *const[]){ c.name, state, addresses,
								    c.image, uptime });
			json_array_append_new(array, container_json(&c, &s));
		}
		container_state_clear(&s);
		container_config_clear(&c);
	}
	if (ctx->format == OUTPUT_JSON)
		json_print(array);
	else
		table_print(table);
	table_free(table);
	json_decref(array);
	json_decref(live);
	container_names_free(names, count);
	return 0;
}

int cmd_info(struct cli_context *ctx, int argc, char **argv)
{
	struct container_config c = { 0 };
	struct container_state s = { 0 };
	struct reef_error err = { 0 };
	json_t *obj, *command = json_array(), *env = json_array();
	char instance[32];

	if (help_requested(argc, argv, info_usage))
		return 0;
	if (argc != 1 || argv[0][0] == '-')
		return usage_fail(info_usage);
	if (container_config_read(&ctx->paths, argv[0], &c, &err) < 0 ||
	    container_state_read(&ctx->paths, argv[0], &s, &err) < 0) {
		container_config_clear(&c);
		json_decref(command);
		json_decref(env);
		return cli_fail(&err);
	}
	if (s.status == CONTAINER_RUNNING && s.networks && json_array_size(s.networks) > 0) {
		json_t *live = endpoints_live(ctx);

		networks_refresh(c.name, &s, live);
		json_decref(live);
	}
	obj = container_json(&c, &s);
	for (size_t i = 0; c.argv[i]; i++)
		json_array_append_new(command, json_string(c.argv[i]));
	for (size_t i = 0; c.env[i]; i++)
		json_array_append_new(env, json_string(c.env[i]));
	json_object_set_new(obj, "command", command);
	json_object_set_new(obj, "publish", json_array());
	for (size_t i = 0; c.publish && c.publish[i]; i++)
		json_array_append_new(json_object_get(obj, "publish"), json_string(c.publish[i]));
	json_object_set_new(obj, "forwards", container_forwards_json(&c, false));
	json_object_set_new(obj, "env", env);
	json_object_set_new(obj, "seccomp",
			    json_string(c.seccomp && !c.privileged ? "default" : "unconfined"));
	json_object_set_new(obj, "capabilities", json_integer((json_int_t)c.caps));
	json_object_set_new(obj, "limits",
			    json_pack("{s:I, s:I, s:I, s:I}", "memory_bytes",
				      (json_int_t)c.limits.memory_bytes, "cpu_quota_us",
				      (json_int_t)c.limits.cpu_quota_us, "cpu_period_us",
				      (json_int_t)c.limits.cpu_period_us, "pids_max",
				      (json_int_t)c.limits.pids_max));
	container_cgroup_instance(&ctx->paths, instance);
	json_object_set_new(obj, "cgroup", json_sprintf("reef/%s/%s", instance, c.name));
	if (!c.privileged)
		json_object_set_new(obj, "id_map",
				    json_pack("{s:I, s:I}", "host_base", (json_int_t)c.id_base,
					      "count", (json_int_t)c.id_count));
	json_print(obj);
	json_decref(obj);
	container_state_clear(&s);
	container_config_clear(&c);
	return 0;
}

/* Parses "NAME... [-t SECONDS]"; NAMES gets the names, ended by NULL; returns 0 or an exit status. */
static int stop_args_parse(const char *usage, int argc, char **argv, char **names, bool many,
			   int *ret_timeout)
{
	size_t n = 0;

	*ret_timeout = 10;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--time") == 0) {
			char *end;
			long t;

			if (i + 1 >= argc)
				return cli_failf(2, "missing value for -t: give seconds");
			t = strtol(argv[++i], &end, 10);
			if (*end || argv[i][0] == '\0' || t < 0 || t > 3600)
				return cli_failf(2, "invalid -t '%s': give seconds from 0 to 3600",
						 argv[i]);
			*ret_timeout = (int)t;
		} else if (argv[i][0] != '-' && (many || n == 0)) {
			names[n++] = argv[i];
		} else {
			return usage_fail(usage);
		}
	}
	names[n] = NULL;
	if (n == 0)
		return cli_failf(2, "missing container NAME: %.*s", (int)strcspn(usage, "\n"),
				 usage);
	return 0;
}

/* Runs ACTION on each name; reports each failure and returns 1 if any failed. */
static int each_name(struct cli_context *ctx, char **names, const char *what, int timeout,
		     bool force,
		     int (*action)(struct cli_context *ctx, const char *name, int timeout,
				   bool force, struct reef_error *err))
{
	int status = 0;

	for (size_t i = 0; names[i]; i++) {
		struct reef_error err = { 0 };

		if (action(ctx, names[i], timeout, force, &err) < 0) {
			error_prefix(&err, "%s '%s'", what, names[i]);
			status = cli_fail(&err);
		}
	}
	return status;
}

/*
 * Reads whether NAME runs into *RET_RUNNING.  Start and stop of a container
 * that already is in the requested state succeed with a message, as in Docker.
 */
static int container_running_read(struct cli_context *ctx, const char *name, bool *ret_running,
				  struct reef_error *err)
{
	struct container_state s = { 0 };
	int r = container_state_read(&ctx->paths, name, &s, err);

	if (r == 0)
		*ret_running = s.status == CONTAINER_RUNNING;
	container_state_clear(&s);
	return r;
}

static int start_one(struct cli_context *ctx, const char *name, int timeout, bool force,
		     struct reef_error *err)
{
	bool running = false;
	int r = container_running_read(ctx, name, &running, err);

	(void)timeout;
	(void)force;
	if (r < 0)
		return r;
	if (running) {
		printf("container '%s' is already running\n", name);
		return 0;
	}
	return container_start(&ctx->paths, name, err);
}

static int stop_one(struct cli_context *ctx, const char *name, int timeout, bool force,
		    struct reef_error *err)
{
	bool running = false;
	int r = container_running_read(ctx, name, &running, err);

	(void)force;
	if (r < 0)
		return r;
	if (!running) {
		printf("container '%s' is already stopped\n", name);
		return 0;
	}
	return container_stop(&ctx->paths, name, timeout, err);
}

static int delete_one(struct cli_context *ctx, const char *name, int timeout, bool force,
		      struct reef_error *err)
{
	(void)timeout;
	return container_delete(&ctx->paths, name, force, err);
}

int cmd_start(struct cli_context *ctx, int argc, char **argv)
{
	char *names[argc + 1];

	if (help_requested(argc, argv, start_usage))
		return 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-')
			return usage_fail(start_usage);
		names[i] = argv[i];
	}
	names[argc] = NULL;
	if (argc == 0)
		return cli_failf(2, "missing container NAME: usage: reef start NAME...");
	return each_name(ctx, names, "start", 0, false, start_one);
}

int cmd_stop(struct cli_context *ctx, int argc, char **argv)
{
	char *names[argc + 1];
	int timeout, r;

	if (help_requested(argc, argv, stop_usage))
		return 0;
	r = stop_args_parse(stop_usage, argc, argv, names, true, &timeout);
	if (r)
		return r;
	return each_name(ctx, names, "stop", timeout, false, stop_one);
}

int cmd_restart(struct cli_context *ctx, int argc, char **argv)
{
	struct container_state s = { 0 };
	struct reef_error err = { 0 };
	char *names[argc + 1];
	const char *name;
	int timeout, r;

	if (help_requested(argc, argv, restart_usage))
		return 0;
	r = stop_args_parse(restart_usage, argc, argv, names, false, &timeout);
	if (r)
		return r;
	name = names[0];
	r = container_state_read(&ctx->paths, name, &s, &err);
	if (r == 0 && s.status == CONTAINER_RUNNING)
		r = container_stop(&ctx->paths, name, timeout, &err);
	if (r == 0)
		r = container_start(&ctx->paths, name, &err);
	container_state_clear(&s);
	if (r < 0) {
		error_prefix(&err, "restart '%s'", name);
		return cli_fail(&err);
	}
	return 0;
}

int cmd_delete(struct cli_context *ctx, int argc, char **argv)
{
	char *names[argc + 1];
	bool force = false;
	size_t n = 0;

	if (help_requested(argc, argv, delete_usage))
		return 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = true;
		else if (argv[i][0] != '-')
			names[n++] = argv[i];
		else
			return usage_fail(delete_usage);
	}
	names[n] = NULL;
	if (n == 0)
		return cli_failf(2, "missing container NAME: usage: reef delete NAME... [--force]");
	return each_name(ctx, names, "delete", 0, force, delete_one);
}

/* Parses exec's short option cluster ARG: -i, -t, -it, -ti; returns false for anything else. */
static bool exec_flags_parse(const char *arg, struct container_exec_options *options)
{
	if (strcmp(arg, "--tty") == 0) {
		options->tty = true;
		return true;
	}
	if (strcmp(arg, "--interactive") == 0)
		return true;
	if (arg[0] != '-' || arg[1] == '\0' || arg[1] == '-')
		return false;
	for (const char *c = arg + 1; *c; c++)
		if (*c != 'i' && *c != 't')
			return false;
	if (strchr(arg, 't'))
		options->tty = true;
	return true;
}

int cmd_exec(struct cli_context *ctx, int argc, char **argv)
{
	struct container_exec_options options = { 0 };
	struct reef_error err = { 0 };
	const char *name = NULL;
	char *env[ENV_MAX + 2] = { 0 };
	char term_entry[128];
	size_t n_env = 0;
	int status = 0, i;

	if (help_requested(argc, argv, exec_usage))
		return 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (exec_flags_parse(argv[i], &options)) {
			continue;
		} else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc && n_env < ENV_MAX) {
			if (!strchr(argv[++i], '='))
				return cli_failf(2, "invalid --env '%s': give KEY=VALUE", argv[i]);
			env[n_env++] = argv[i];
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else if (argv[i][0] != '-') {
			break; /* the command, given without "--" */
		} else {
			return usage_fail(exec_usage);
		}
	}
	if (!name)
		return cli_failf(2, "missing container NAME: %.*s", (int)strcspn(exec_usage, "\n"),
				 exec_usage);
	if (i >= argc)
		return cli_failf(2, "missing COMMAND: %.*s", (int)strcspn(exec_usage, "\n"),
				 exec_usage);
	if (options.tty && !isatty(STDIN_FILENO))
		return cli_failf(2, "exec -t in '%s': the input device is not a terminal: drop -t",
				 name);
	/* Programs on a terminal need TERM; docker passes the caller's too. */
	if (options.tty && !env_has_key(env, n_env, "TERM=")) {
		const char *term = getenv("TERM");

		snprintf(term_entry, sizeof(term_entry), "TERM=%s", term && *term ? term : "xterm");
		env[n_env++] = term_entry;
	}
	options.argv = argv + i;
	options.env = env;
	if (container_exec(&ctx->paths, name, &options, &status, &err) < 0) {
		error_prefix(&err, "exec in '%s'", name);
		return cli_fail(&err);
	}
	return status;
}

int cmd_logs(struct cli_context *ctx, int argc, char **argv)
{
	struct reef_error err = { 0 };
	const char *name = NULL;
	bool follow = false;
	long tail = -1;

	if (help_requested(argc, argv, logs_usage))
		return 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) {
			follow = true;
		} else if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--tail") == 0 ||
			   strncmp(argv[i], "--tail=", 7) == 0) {
			bool inline_value = strncmp(argv[i], "--tail=", 7) == 0;
			const char *v;
			char *end;

			if (!inline_value && i + 1 >= argc)
				return cli_failf(2, "missing value for %s: give a number of lines",
						 argv[i]);
			v = inline_value ? argv[i] + 7 : argv[++i];
			if (strcmp(v, "all") == 0) {
				tail = -1;
				continue;
			}
			errno = 0;
			tail = strtol(v, &end, 10);
			if (errno || *end || v[0] == '\0' || tail < 0)
				return cli_failf(2,
						 "invalid --tail '%s': give a number of lines from "
						 "0, or all",
						 v);
		} else if (argv[i][0] != '-' && !name) {
			name = argv[i];
		} else {
			return usage_fail(logs_usage);
		}
	}
	if (!name)
		return cli_failf(2,
				 "missing container NAME: usage: reef logs NAME [-f] [-n LINES]");
	fflush(stdout);
	if (container_logs(&ctx->paths, name, follow, tail, STDOUT_FILENO, &err) < 0) {
		error_prefix(&err, "logs of '%s'", name);
		return cli_fail(&err);
	}
	return 0;
}
