/* SPDX-License-Identifier: MIT */
/*
 * netd-kernel: calls the kernel drivers of reef-netd (netd/kernel.h) from
 * the command line, for the integration tests and for timing attach and
 * detach without the daemon around them.
 *
 *   netd-kernel COMMAND [OPTIONS]
 *
 * Commands: network-create, network-delete, attach, detach, bench COUNT,
 * used-subnets, default-mtu, link-exists IFNAME, link-delete IFNAME,
 * owned-links.  Errors go to stderr as "netd-kernel: MESSAGE", exit 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/log.h"
#include "../../netd/kernel.h"

struct options {
	struct kernel_network net;
	struct kernel_endpoint ep;
	struct ip_prefix gateway4, gateway6, addr4, addr6;
	struct ip_addr route4, route6;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: netd-kernel COMMAND [OPTIONS]\n"
		"commands: network-create network-delete attach detach bench COUNT\n"
		"          used-subnets default-mtu link-exists IFNAME link-delete IFNAME owned-links\n"
		"network:  --network NAME --kind bridge|macvlan --bridge IFNAME --parent IFNAME\n"
		"          --mtu N --isolate --gateway4 ADDR/LEN --gateway6 ADDR/LEN\n"
		"endpoint: --container NAME --pid PID --host-ifname IFNAME --ifname IFNAME\n"
		"          --mac MAC --endpoint-mtu N --addr4 ADDR/LEN --addr6 ADDR/LEN\n"
		"          --route4 GATEWAY --route6 GATEWAY\n");
}

static int fail(const struct reef_error *err)
{
	fprintf(stderr, "netd-kernel: %s\n", err->message);
	return 1;
}

static int parse_option(int opt, const char *arg, struct options *o, struct reef_error *err)
{
	switch (opt) {
	case 'n':
		o->net.name = arg;
		o->ep.network = arg;
		return 0;
	case 'k':
		o->net.kind = arg;
		return 0;
	case 'b':
		o->net.ifname = arg;
		return 0;
	case 'P':
		o->net.parent = arg;
		return 0;
	case 'm':
		o->net.mtu = strtoul(arg, NULL, 10);
		return 0;
	case 'I':
		o->net.isolate = true;
		return 0;
	case 'g':
		o->net.gateway4 = &o->gateway4;
		return ip_prefix_parse(arg, true, &o->gateway4, err);
	case 'G':
		o->net.gateway6 = &o->gateway6;
		return ip_prefix_parse(arg, true, &o->gateway6, err);
	case 'c':
		o->ep.container = arg;
		return 0;
	case 'p':
		o->ep.pid = atoi(arg);
		return 0;
	case 'h':
		o->ep.host_ifname = arg;
		return 0;
	case 'i':
		o->ep.ifname = arg;
		return 0;
	case 'M':
		return mac_parse(arg, o->ep.mac, err);
	case 'e':
		o->ep.mtu = strtoul(arg, NULL, 10);
		return 0;
	case 'a':
		o->ep.addr4 = &o->addr4;
		return ip_prefix_parse(arg, true, &o->addr4, err);
	case 'A':
		o->ep.addr6 = &o->addr6;
		return ip_prefix_parse(arg, true, &o->addr6, err);
	case 'r':
		o->ep.gateway4 = &o->route4;
		return ip_addr_parse(arg, &o->route4, err);
	case 'R':
		o->ep.gateway6 = &o->route6;
		return ip_addr_parse(arg, &o->route6, err);
	}
	return error_set(err, EINVAL, "unknown option");
}

static int parse_options(int argc, char **argv, struct options *o, struct reef_error *err)
{
	static const struct option longopts[] = {
		{ "network", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "parent", required_argument, NULL, 'P' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "isolate", no_argument, NULL, 'I' },
		{ "gateway4", required_argument, NULL, 'g' },
		{ "gateway6", required_argument, NULL, 'G' },
		{ "container", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "host-ifname", required_argument, NULL, 'h' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "mac", required_argument, NULL, 'M' },
		{ "endpoint-mtu", required_argument, NULL, 'e' },
		{ "addr4", required_argument, NULL, 'a' },
		{ "addr6", required_argument, NULL, 'A' },
		{ "route4", required_argument, NULL, 'r' },
		{ "route6", required_argument, NULL, 'R' },
		{ 0 },
	};
	int opt;

	o->net.kind = "bridge";
	o->ep.ifname = "eth0";
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == '?')
			return error_set(err, EINVAL, "invalid option, see usage");
		if (parse_option(opt, optarg, o, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static const struct link_ops *ops_get(const struct options *o, struct reef_error *err)
{
	const struct link_ops *ops = link_ops_find(o->net.kind);

	if (!ops)
		error_set(err, EINVAL, "unknown network kind '%s'", o->net.kind);
	return ops;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Attaches and detaches the endpoint COUNT times and prints the mean times. */
static int bench(const struct link_ops *ops, const struct options *o, int count,
		 struct reef_error *err)
{
	double attach_us = 0, detach_us = 0, t0, t1, t2;

	for (int i = 0; i < count; i++) {
		t0 = now_us();
		if (ops->endpoint_attach(&o->net, &o->ep, err) < 0)
			return -1;
		t1 = now_us();
		if (ops->endpoint_detach(&o->net, &o->ep, err) < 0)
			return -1;
		t2 = now_us();
		attach_us += t1 - t0;
		detach_us += t2 - t1;
	}
	printf("endpoints %d attach_us %.0f detach_us %.0f total_us %.0f\n", count,
	       attach_us / count, detach_us / count, (attach_us + detach_us) / count);
	return 0;
}

static int print_owned(const char *ifname, const char *alias, void *data)
{
	printf("%s %s\n", ifname, alias);
	return 0;
}

static int print_used_subnets(struct reef_error *err)
{
	struct ipam_used_subnet *used;
	size_t n;

	if (kernel_used_subnets(&used, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char text[IP_PREFIX_STRLEN];

		ip_prefix_format(&used[i].prefix, text);
		printf("%s\t%s\n", text, used[i].owner);
	}
	kernel_used_subnets_free(used, n);
	return 0;
}

static int run(const char *cmd, const char *arg, const struct options *o, struct reef_error *err)
{
	const struct link_ops *ops;
	unsigned mtu;

	if (strcmp(cmd, "used-subnets") == 0)
		return print_used_subnets(err);
	if (strcmp(cmd, "default-mtu") == 0) {
		if (kernel_default_mtu(&mtu, err) < 0)
			return -1;
		printf("%u\n", mtu);
		return 0;
	}
	if (strcmp(cmd, "owned-links") == 0)
		return kernel_owned_links(print_owned, NULL, err);
	if (strcmp(cmd, "link-exists") == 0 && arg)
		return kernel_link_exists(arg) ? 0 : error_set(err, ENODEV, "'%s' not found", arg);
	if (strcmp(cmd, "link-delete") == 0 && arg)
		return kernel_link_delete(arg, err);

	ops = ops_get(o, err);
	if (!ops)
		return -1;
	if (strcmp(cmd, "network-create") == 0)
		return ops->network_create(&o->net, err);
	if (strcmp(cmd, "network-delete") == 0)
		return ops->network_delete(&o->net, err);
	if (strcmp(cmd, "attach") == 0)
		return ops->endpoint_attach(&o->net, &o->ep, err);
	if (strcmp(cmd, "detach") == 0)
		return ops->endpoint_detach(&o->net, &o->ep, err);
	if (strcmp(cmd, "bench") == 0 && arg)
		return bench(ops, o, atoi(arg), err);
	return error_set(err, EINVAL, "unknown command '%s' or missing argument", cmd);
}

int main(int argc, char **argv)
{
	struct reef_error err = { 0 };
	struct options o = { 0 };
	const char *cmd;

	log_init("netd-kernel", LOG_WARNING);
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (parse_options(argc - 1, argv + 1, &o, &err) < 0)
		return fail(&err);
	if (run(cmd, optind < argc - 1 ? argv[optind + 1] : NULL, &o, &err) < 0)
		return fail(&err);
	return 0;
}
