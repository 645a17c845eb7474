/* SPDX-License-Identifier: MIT */
/*
 * fw-tool: drives the firewall library from the integration tests and the
 * benchmark, without reef-netd.  Objects are given as JSON:
 *
 *   network   {"name", "bridge", "subnet4", "subnet6", "internal", "isolate"}
 *   endpoint  {"container", "network", "host_ifname", "addr4", "addr6", "mac", "antispoof"}
 *   forward   {"owner", "proto", "host_addr", "host_port", "host_port_end",
 *              "target4", "target6", "container_port"}
 *   state     {"networks": [...], "endpoints": [...], "forwards": [...]}
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../../common/log.h"
#include "../../firewall/firewall.h"

struct addr_slot {
	struct ip_addr addr;
	struct ip_prefix prefix;
};

struct tool_state {
	json_t *root;
	struct fw_network *networks;
	struct fw_endpoint *endpoints;
	struct fw_forward *forwards;
	struct addr_slot *slots; /* storage the objects' address pointers point into */
	size_t n_networks, n_endpoints, n_forwards, n_slots;
};

static void die(const char *what, const struct reef_error *err)
{
	fprintf(stderr, "fw-tool: %s: %s\n", what, err->message);
	exit(1);
}

static const char *str_field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long int_field(json_t *obj, const char *key, long fallback)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : fallback;
}

static struct addr_slot *slot_next(struct tool_state *st)
{
	return &st->slots[st->n_slots++];
}

static const struct ip_addr *addr_field(struct tool_state *st, json_t *obj, const char *key)
{
	const char *text = str_field(obj, key);
	struct reef_error err = { 0 };
	struct addr_slot *s;

	if (!text)
		return NULL;
	s = slot_next(st);
	if (ip_addr_parse(text, &s->addr, &err) < 0)
		die(key, &err);
	return &s->addr;
}

static const struct ip_prefix *prefix_field(struct tool_state *st, json_t *obj, const char *key)
{
	const char *text = str_field(obj, key);
	struct reef_error err = { 0 };
	struct addr_slot *s;

	if (!text)
		return NULL;
	s = slot_next(st);
	if (ip_prefix_parse(text, false, &s->prefix, &err) < 0)
		die(key, &err);
	return &s->prefix;
}

static void network_read(struct tool_state *st, json_t *obj, struct fw_network *net)
{
	*net = (struct fw_network){
		.name = str_field(obj, "name"),
		.bridge = str_field(obj, "bridge"),
		.subnet4 = prefix_field(st, obj, "subnet4"),
		.subnet6 = prefix_field(st, obj, "subnet6"),
		.internal = json_is_true(json_object_get(obj, "internal")),
		.isolate = json_is_true(json_object_get(obj, "isolate")),
	};
	if (!net->name || !net->bridge) {
		fprintf(stderr, "fw-tool: a network needs \"name\" and \"bridge\"\n");
		exit(2);
	}
}

static void endpoint_read(struct tool_state *st, json_t *obj, struct fw_endpoint *ep)
{
	const char *mac = str_field(obj, "mac");
	struct reef_error err = { 0 };

	*ep = (struct fw_endpoint){
		.container = str_field(obj, "container"),
		.network = str_field(obj, "network"),
		.host_ifname = str_field(obj, "host_ifname"),
		.addr4 = addr_field(st, obj, "addr4"),
		.addr6 = addr_field(st, obj, "addr6"),
		.antispoof = json_is_true(json_object_get(obj, "antispoof")),
	};
	if (!ep->container || !ep->network || !ep->host_ifname || !mac) {
		fprintf(stderr,
			"fw-tool: an endpoint needs container, network, host_ifname, mac\n");
		exit(2);
	}
	if (mac_parse(mac, ep->mac, &err) < 0)
		die("mac", &err);
}

static void forward_read(struct tool_state *st, json_t *obj, struct fw_forward *fwd)
{
	const char *proto = str_field(obj, "proto");
	long port = int_field(obj, "host_port", 0);

	*fwd = (struct fw_forward){
		.owner = str_field(obj, "owner"),
		.proto = proto && !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP,
		.host_addr = addr_field(st, obj, "host_addr"),
		.host_port = port,
		.host_port_end = int_field(obj, "host_port_end", port),
		.target4 = addr_field(st, obj, "target4"),
		.target6 = addr_field(st, obj, "target6"),
		.container_port = int_field(obj, "container_port", 0),
	};
}

static json_t *json_load_arg(const char *arg)
{
	json_error_t jerr;
	json_t *root;

	if (arg[0] == '@')
		root = json_load_file(arg + 1, 0, &jerr);
	else
		root = json_loads(arg, 0, &jerr);
	if (!root) {
		fprintf(stderr, "fw-tool: invalid JSON at line %d: %s\n", jerr.line, jerr.text);
		exit(2);
	}
	return root;
}

/* Reads a state object, or one object of KIND ("network", ...) as a state of one. */
static void state_load(struct tool_state *st, const char *arg, const char *kind)
{
	json_t *nets, *eps, *fwds, *v;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->root = json_load_arg(arg);
	if (kind) {
		json_t *wrapped = json_pack("{s:[O]}", kind, st->root);

		json_decref(st->root);
		st->root = wrapped;
	}
	nets = json_object_get(st->root, "networks");
	eps = json_object_get(st->root, "endpoints");
	fwds = json_object_get(st->root, "forwards");
	st->networks = calloc(json_array_size(nets) + 1, sizeof(*st->networks));
	st->endpoints = calloc(json_array_size(eps) + 1, sizeof(*st->endpoints));
	st->forwards = calloc(json_array_size(fwds) + 1, sizeof(*st->forwards));
	st->slots = calloc(2 * json_array_size(nets) + 2 * json_array_size(eps) +
				   3 * json_array_size(fwds) + 1,
			   sizeof(*st->slots));
	if (!st->networks || !st->endpoints || !st->forwards || !st->slots) {
		fprintf(stderr, "fw-tool: out of memory\n");
		exit(1);
	}
	json_array_foreach (nets, i, v)
		network_read(st, v, &st->networks[st->n_networks++]);
	json_array_foreach (eps, i, v)
		endpoint_read(st, v, &st->endpoints[st->n_endpoints++]);
	json_array_foreach (fwds, i, v)
		forward_read(st, v, &st->forwards[st->n_forwards++]);
}

static struct fw_state state_view(const struct tool_state *st)
{
	return (struct fw_state){ st->networks,	   st->n_networks, st->endpoints,
				  st->n_endpoints, st->forwards,   st->n_forwards };
}

static struct fw *fw_connect(void)
{
	struct reef_error err = { 0 };
	struct fw *fw;

	if (fw_open(&fw, &err) < 0)
		die("open", &err);
	return fw;
}

/* Commits B as a caller of the library does, without waiting for the conntrack pass. */
static void commit_only_or_die(struct fw *fw, struct fw_batch *b, const char *what)
{
	struct reef_error err = { 0 };

	if (fw_commit(fw, b, &err) < 0)
		die(what, &err);
	fw_batch_free(b);
}

static int commit_or_die(struct fw *fw, struct fw_batch *b, const char *what)
{
	commit_only_or_die(fw, b, what);
	/* Conntrack entries of changed forwards are deleted in the background: wait for them. */
	fw_settle(fw);
	return 0;
}

static int cmd_rebuild(struct fw *fw, const struct tool_state *st)
{
	struct fw_state state = state_view(st);
	struct fw_batch *b = fw_batch_new();
	struct reef_error err = { 0 };

	if (!b || fw_batch_rebuild(b, &state, &err) < 0)
		die("rebuild", &err);
	return commit_or_die(fw, b, "rebuild");
}

/* Applies every object of ST as one add or remove batch. */
static int cmd_change(struct fw *fw, const struct tool_state *st, bool add)
{
	struct fw_batch *b = fw_batch_new();
	struct reef_error err = { 0 };
	int r = b ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < st->n_networks; i++)
		r = add ? fw_batch_network_add(b, &st->networks[i], &err)
			: fw_batch_network_remove(b, &st->networks[i], &err);
	for (size_t i = 0; r >= 0 && i < st->n_endpoints; i++)
		r = add ? fw_batch_endpoint_add(b, &st->endpoints[i], &err)
			: fw_batch_endpoint_remove(b, &st->endpoints[i], &err);
	for (size_t i = 0; r >= 0 && i < st->n_forwards; i++)
		r = add ? fw_batch_forward_add(b, &st->forwards[i], &err)
			: fw_batch_forward_remove(b, &st->forwards[i], &err);
	if (r < 0)
		die(add ? "add" : "remove", &err);
	return commit_or_die(fw, b, add ? "add" : "remove");
}

/* Restores the table from ST whenever someone else changes it; runs until killed. */
static int cmd_monitor(struct fw *fw, const struct tool_state *st)
{
	struct reef_error err = { 0 };
	struct fw_monitor *mon;

	if (fw_monitor_open(fw_portid(fw), &mon, &err) < 0)
		die("monitor", &err);
	cmd_rebuild(fw, st);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd = { .fd = fw_monitor_fd(mon), .events = POLLIN };
		enum fw_monitor_event ev;
		bool intact = true;

		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return 1;
		if (fw_monitor_read(mon, &ev, &err) < 0)
			die("monitor", &err);
		if (ev == FW_MONITOR_QUIET)
			continue;
		if (ev == FW_MONITOR_OVERRUN && fw_table_check(fw, &intact, &err) < 0)
			die("check", &err);
		if (ev == FW_MONITOR_TAMPERED || !intact) {
			cmd_rebuild(fw, st);
			printf("restored\n");
			fflush(stdout);
		}
	}
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * bench N REPS: installs N forwards (10.89.0.2, host ports from 10000) in
 * one rebuild, then adds and removes one more forward REPS times.  Prints
 * "install_ms add_median_us remove_median_us".
 */
static int cmd_bench(struct fw *fw, long n, long reps)
{
	struct ip_prefix subnet = { .len = 16 };
	struct ip_addr target;
	struct fw_network net = { .name = "bench", .bridge = "rbbench", .subnet4 = &subnet };
	struct fw_forward *fwds = calloc(n + 1, sizeof(*fwds));
	double *add = calloc(reps, sizeof(double)), *del = calloc(reps, sizeof(double));
	struct reef_error err = { 0 };
	struct fw_forward extra;
	struct fw_batch *b;
	double t0;

	if (!fwds || !add || !del)
		return 1;
	ip_prefix_parse("10.89.0.0/16", false, &subnet, &err);
	ip_addr_parse("10.89.0.2", &target, &err);
	for (long i = 0; i < n; i++)
		fwds[i] = (struct fw_forward){ .owner = "bench/bench",
					       .proto = IPPROTO_TCP,
					       .host_port = 10000 + i,
					       .host_port_end = 10000 + i,
					       .target4 = &target,
					       .container_port = 80 };
	extra = (struct fw_forward){ .owner = "bench/extra",
				     .proto = IPPROTO_TCP,
				     .host_port = 9000,
				     .host_port_end = 9000,
				     .target4 = &target,
				     .container_port = 80 };

	struct fw_state state = {
		.networks = &net, .n_networks = 1, .forwards = fwds, .n_forwards = n
	};
	t0 = now_us();
	b = fw_batch_new();
	if (!b || fw_batch_rebuild(b, &state, &err) < 0)
		die("bench rebuild", &err);
	commit_or_die(fw, b, "bench rebuild");
	double install_ms = (now_us() - t0) / 1000;

	for (long i = 0; i < reps; i++) {
		t0 = now_us();
		b = fw_batch_new();
		if (!b || fw_batch_forward_add(b, &extra, &err) < 0)
			die("bench add", &err);
		commit_only_or_die(fw, b, "bench add");
		add[i] = now_us() - t0;

		t0 = now_us();
		b = fw_batch_new();
		if (!b || fw_batch_forward_remove(b, &extra, &err) < 0)
			die("bench remove", &err);
		commit_only_or_die(fw, b, "bench remove");
		del[i] = now_us() - t0;
	}
	fw_settle(fw);
	qsort(add, reps, sizeof(double), cmp_double);
	qsort(del, reps, sizeof(double), cmp_double);
	printf("%.1f %.1f %.1f\n", install_ms, add[reps / 2], del[reps / 2]);
	free(fwds);
	free(add);
	free(del);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fw-tool rebuild STATE | monitor STATE | delete | check | drop-check\n"
		"       fw-tool add STATE | remove STATE\n"
		"       fw-tool network-add|network-remove NETWORK\n"
		"       fw-tool endpoint-add|endpoint-remove ENDPOINT\n"
		"       fw-tool forward-add|forward-remove FORWARD\n"
		"       fw-tool ip-forward | bench N REPS\n"
		"JSON arguments are inline text or @FILE.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *kind;
		bool add;
	} changes[] = {
		{ "add", NULL, true },
		{ "remove", NULL, false },
		{ "network-add", "networks", true },
		{ "network-remove", "networks", false },
		{ "endpoint-add", "endpoints", true },
		{ "endpoint-remove", "endpoints", false },
		{ "forward-add", "forwards", true },
		{ "forward-remove", "forwards", false },
	};
	struct reef_error err = { 0 };
	struct tool_state st;
	const char *cmd;

	log_init("fw-tool", LOG_INFO);
	if (argc < 2)
		usage();
	cmd = argv[1];

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (strcmp(cmd, changes[i].name))
			continue;
		if (argc != 3)
			usage();
		state_load(&st, argv[2], changes[i].kind);
		return cmd_change(fw_connect(), &st, changes[i].add);
	}
	if ((!strcmp(cmd, "rebuild") || !strcmp(cmd, "monitor")) && argc == 3) {
		state_load(&st, argv[2], NULL);
		return cmd[0] == 'r' ? cmd_rebuild(fw_connect(), &st)
				     : cmd_monitor(fw_connect(), &st);
	}
	if (!strcmp(cmd, "delete") && argc == 2) {
		struct fw_batch *b = fw_batch_new();

		if (!b || fw_batch_table_delete(b, &err) < 0)
			die("delete", &err);
		return commit_or_die(fw_connect(), b, "delete");
	}
	if (!strcmp(cmd, "check") && argc == 2) {
		bool intact;

		if (fw_table_check(fw_connect(), &intact, &err) < 0)
			die("check", &err);
		printf("%s\n", intact ? "intact" : "damaged");
		return intact ? 0 : 1;
	}
	if (!strcmp(cmd, "drop-check") && argc == 2) {
		char *warning = NULL;

		if (fw_forward_drop_check(fw_connect(), "rb*", &warning, &err) < 0)
			die("drop-check", &err);
		if (warning)
			printf("%s\n", warning);
		free(warning);
		return 0;
	}
	if (!strcmp(cmd, "ip-forward") && argc == 2) {
		bool changed;

		if (fw_ip_forward_enable(AF_INET, &changed, &err) < 0)
			die("ip-forward", &err);
		printf("%s\n", changed ? "enabled" : "already on");
		return 0;
	}
	if (!strcmp(cmd, "bench") && argc == 4)
		return cmd_bench(fw_connect(), atol(argv[2]), atol(argv[3]));
	usage();
}
