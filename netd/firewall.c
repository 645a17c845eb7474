/* SPDX-License-Identifier: MIT */
/*
 * reef-netd's side of the firewall: builds the library's descriptions from
 * the store, commits one batch per change, and restores the table when
 * someone else changes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "forwards.h"

#define OWNER_MAX (2 * REEF_NAME_MAX + 2)

static inline void fclose_ptr(FILE **f)
{
	if (*f)
		fclose(*f);
}

DEFINE_CLEANUP(struct fw_batch, fw_batch_free)
#define _cleanup_batch_ _cleanup_(fw_batch_free_cleanup)

static bool network_has_firewall(const struct store_network *rec)
{
	/* Macvlan traffic never passes the host's IP stack, so only bridges get rules. */
	return strcmp(rec->kind, "bridge") == 0;
}

static void fw_network_fill(const struct store_network *rec, struct fw_network *ret)
{
	*ret = (struct fw_network){
		.name = rec->name,
		.bridge = rec->ifname,
		.subnet4 = rec->pool4.present ? &rec->pool4.subnet : NULL,
		.subnet6 = rec->pool6.present ? &rec->pool6.subnet : NULL,
		.gateway4 = rec->pool4.present ? &rec->pool4.gateway : NULL,
		.gateway6 = rec->pool6.present ? &rec->pool6.gateway : NULL,
		.internal = rec->internal,
		.isolate = rec->isolate,
	};
}

static void fw_endpoint_fill(const struct store_endpoint *ep, struct fw_endpoint *ret)
{
	*ret = (struct fw_endpoint){
		.container = ep->container,
		.network = ep->network,
		.host_ifname = ep->host_ifname,
		.addr4 = ep->has_addr4 ? &ep->addr4 : NULL,
		.addr6 = ep->has_addr6 ? &ep->addr6 : NULL,
		.antispoof = true,
	};
	memcpy(ret->mac, ep->mac, 6);
}

static void fw_forward_fill(const struct store_endpoint *ep, const struct fw_forward_spec *spec,
			    const char *owner, struct fw_forward *ret)
{
	fw_forward_from_spec(spec, owner, ep->has_addr4 ? &ep->addr4 : NULL,
			     ep->has_addr6 ? &ep->addr6 : NULL, ret);
}

/* Turns forwarding on for the families NAT networks need, and logs the change. */
static void forwarding_enable(const struct store_network *rec)
{
	struct reef_error err = { 0 };
	bool changed;

	if (rec->internal || !network_has_firewall(rec))
		return;
	if (rec->pool4.present) {
		if (fw_ip_forward_enable(AF_INET, &changed, &err) < 0)
			log_warning("network '%s': %s, ignoring", rec->name, err.message);
		else if (changed)
			log_info("enabled net.ipv4.ip_forward for NAT network '%s'", rec->name);
	}
	if (rec->pool6.present) {
		if (fw_ip_forward_enable(AF_INET6, &changed, &err) < 0)
			log_warning("network '%s': %s, ignoring", rec->name, err.message);
		else if (changed)
			log_info("enabled net.ipv6.conf.all.forwarding for NAT network '%s'",
				 rec->name);
	}
}

/* Everything the store holds for the table, with the storage the descriptions point into. */
struct fw_snapshot {
	struct fw_network *networks;
	struct store_endpoint *eps;
	struct fw_endpoint *endpoints;
	struct store_forward *rows;
	struct fw_forward *forwards;
	char (*owners)[OWNER_MAX];
	struct fw_state state;
};

static void snapshot_free(struct fw_snapshot *s)
{
	free(s->networks);
	free(s->eps);
	free(s->endpoints);
	free(s->rows);
	free(s->forwards);
	free(s->owners);
}

static int endpoint_cmp(const char *container, const char *network, const struct store_endpoint *ep)
{
	int c = strcmp(container, ep->container);

	return c ? c : strcmp(network, ep->network);
}

/*
 * Pairs each forward with its endpoint.  The store lists both sorted by
 * container and network, so one merge pass does it.
 */
static void snapshot_forwards(struct fw_snapshot *s, size_t n_eps, size_t n_rows)
{
	size_t e = 0;

	for (size_t i = 0; i < n_rows; i++) {
		const struct store_forward *row = &s->rows[i];

		while (e < n_eps && endpoint_cmp(row->container, row->network, &s->eps[e]) > 0)
			e++;
		if (e == n_eps || endpoint_cmp(row->container, row->network, &s->eps[e]) != 0)
			continue;
		snprintf(s->owners[s->state.n_forwards], OWNER_MAX, "%s/%s", row->container,
			 row->network);
		fw_forward_fill(&s->eps[e], &row->spec, s->owners[s->state.n_forwards],
				&s->forwards[s->state.n_forwards]);
		s->state.n_forwards++;
	}
}

static int snapshot_take(struct netd *netd, struct fw_snapshot *s, struct reef_error *err)
{
	size_t n_nets = 0, n_eps = 0, n_rows = 0;
	int r;

	memset(s, 0, sizeof(*s));
	for (struct netd_network *net = netd->networks; net; net = net->next)
		n_nets++;
	r = store_endpoint_list(netd->store, NULL, NULL, &s->eps, &n_eps, err);
	if (r == 0)
		r = store_forward_list(netd->store, NULL, NULL, &s->rows, &n_rows, err);
	if (r < 0)
		return r;
	s->networks = calloc(n_nets + 1, sizeof(*s->networks));
	s->endpoints = calloc(n_eps + 1, sizeof(*s->endpoints));
	s->forwards = calloc(n_rows + 1, sizeof(*s->forwards));
	s->owners = calloc(n_rows + 1, sizeof(*s->owners));
	if (!s->networks || !s->endpoints || !s->forwards || !s->owners)
		return error_set(err, ENOMEM, "describe the firewall state");

	for (struct netd_network *net = netd->networks; net; net = net->next) {
		if (network_has_firewall(&net->rec))
			fw_network_fill(&net->rec, &s->networks[s->state.n_networks++]);
	}
	for (size_t i = 0; i < n_eps; i++) {
		/* An ingress chain needs its device; a missing one comes back with its endpoint. */
		if (store_antispoof_get(netd->store, s->eps[i].container, s->eps[i].network) &&
		    kernel_link_exists(s->eps[i].host_ifname))
			fw_endpoint_fill(&s->eps[i], &s->endpoints[s->state.n_endpoints++]);
	}
	snapshot_forwards(s, n_eps, n_rows);
	s->state.networks = s->networks;
	s->state.endpoints = s->endpoints;
	s->state.forwards = s->forwards;
	return 0;
}

int netd_fw_rebuild(struct netd *netd, struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = fw_batch_new();
	struct fw_snapshot snap;
	int r;

	if (!netd->fw)
		return 0;
	if (!b)
		return error_set(err, ENOMEM, "rebuild table inet %s", FW_TABLE);
	r = snapshot_take(netd, &snap, err);
	/* Without a network reef needs no table, and leaves none behind. */
	if (r == 0 && snap.state.n_networks == 0)
		r = fw_batch_table_delete(b, err);
	else if (r == 0)
		r = fw_batch_rebuild(b, &snap.state, err);
	if (r == 0)
		r = fw_commit(netd->fw, b, err);
	if (r == 0)
		log_debug("rebuilt table inet %s: %zu networks, %zu anti-spoofing chains, %zu "
			  "forwards",
			  FW_TABLE, snap.state.n_networks, snap.state.n_endpoints,
			  snap.state.n_forwards);
	snapshot_free(&snap);
	return r;
}

/*
 * Warns when br_netfilter sends bridged frames through the inet hooks.  The
 * program that loaded the module (Docker, for one) owns the setting, so
 * reef only logs what it costs.
 */
static void br_netfilter_check(void)
{
	_cleanup_(close_fd) int fd =
		open("/proc/sys/net/bridge/bridge-nf-call-iptables", O_RDONLY | O_CLOEXEC);
	char value[4] = "";

	if (fd < 0 || read(fd, value, sizeof(value) - 1) <= 0 || value[0] != '1')
		return;
	log_warning("br_netfilter is loaded with net.bridge.bridge-nf-call-iptables=1: a "
		    "container cannot reach its own forwarded ports, nor a neighbour's on an "
		    "--isolate network; set it to 0 unless another tool on this host needs it");
}

int netd_fw_start(struct netd *netd, struct reef_error *err)
{
	char *warning = NULL;
	int r;

	r = fw_open(&netd->fw, err);
	if (r < 0)
		return error_prefix(err, "start the firewall");
	r = fw_monitor_open(fw_portid(netd->fw), &netd->fw_monitor, err);
	if (r < 0) {
		netd_fw_stop(netd);
		return error_prefix(err, "start the firewall");
	}
	if (fw_forward_drop_check(netd->fw, "rb*", &warning, err) < 0)
		log_warning("%s, ignoring", err->message);
	else if (warning)
		log_warning("%s", warning);
	free(warning);
	br_netfilter_check();

	for (struct netd_network *net = netd->networks; net; net = net->next)
		forwarding_enable(&net->rec);
	r = netd_fw_rebuild(netd, err);
	if (r < 0) {
		netd_fw_stop(netd);
		return error_prefix(err, "start the firewall");
	}
	return 0;
}

void netd_fw_stop(struct netd *netd)
{
	fw_monitor_close(netd->fw_monitor);
	netd->fw_monitor = NULL;
	fw_close(netd->fw);
	netd->fw = NULL;
}

int netd_fw_monitor_fd(const struct netd *netd)
{
	return netd->fw_monitor ? fw_monitor_fd(netd->fw_monitor) : -1;
}

void netd_fw_monitor_handle(struct netd *netd)
{
	struct reef_error err = { 0 };
	enum fw_monitor_event ev;
	bool intact = true;

	if (!netd->fw_monitor)
		return;
	if (fw_monitor_read(netd->fw_monitor, &ev, &err) < 0) {
		log_warning("firewall monitor: %s, ignoring", err.message);
		return;
	}
	if (ev == FW_MONITOR_QUIET)
		return;
	if (ev == FW_MONITOR_OVERRUN && fw_table_check(netd->fw, &intact, &err) < 0) {
		log_warning("firewall monitor: %s, rebuilding", err.message);
		intact = false;
	}
	if (ev == FW_MONITOR_OVERRUN && intact)
		return;
	if (netd_fw_rebuild(netd, &err) < 0) {
		log_error("restore table inet %s after an outside change: %s", FW_TABLE,
			  err.message);
		return;
	}
	log_warning("table inet %s was changed by another program; restored it", FW_TABLE);
}

/* Commits B; on failure rebuilds from the store so the table matches what was committed. */
static int commit_or_rebuild(struct netd *netd, struct fw_batch *b, struct reef_error *err)
{
	struct reef_error rebuild_err = { 0 };
	int r = fw_commit(netd->fw, b, err);

	if (r < 0 && netd_fw_rebuild(netd, &rebuild_err) < 0)
		log_error("rebuild table inet %s: %s", FW_TABLE, rebuild_err.message);
	return r;
}

/* Whether a network other than NAME needs reef's table; without one the table does not exist. */
static bool fw_other_network_exists(const struct netd *netd, const char *name)
{
	for (const struct netd_network *net = netd->networks; net; net = net->next) {
		if (network_has_firewall(&net->rec) && strcmp(net->rec.name, name) != 0)
			return true;
	}
	return false;
}

int netd_fw_network_add(struct netd *netd, const struct store_network *rec, struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = NULL;
	struct fw_network fn;
	int r;

	if (!netd->fw || !network_has_firewall(rec))
		return 0;
	b = fw_batch_new();
	if (!b)
		return error_set(err, ENOMEM, "firewall of network '%s'", rec->name);
	fw_network_fill(rec, &fn);
	if (fw_other_network_exists(netd, rec->name)) {
		r = fw_batch_network_add(b, &fn, err);
	} else {
		/* The first network: the table was deleted with the last one, build it again. */
		struct fw_state state = { .networks = &fn, .n_networks = 1 };

		r = fw_batch_rebuild(b, &state, err);
	}
	if (r == 0)
		r = commit_or_rebuild(netd, b, err);
	if (r < 0)
		return error_prefix(err, "firewall");
	forwarding_enable(rec);
	return 0;
}

/* Adds the removal of EP's forwards and anti-spoofing chain to B. */
static int endpoint_remove_add(struct netd *netd, struct fw_batch *b,
			       const struct store_endpoint *ep, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_forward *rows = NULL;
	char owner[OWNER_MAX];
	size_t n = 0;
	int r;

	snprintf(owner, sizeof(owner), "%s/%s", ep->container, ep->network);
	r = store_forward_list(netd->store, ep->container, ep->network, &rows, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct fw_forward fwd;

		fw_forward_fill(ep, &rows[i].spec, owner, &fwd);
		r = fw_batch_forward_remove(b, &fwd, err);
	}
	if (r == 0 && store_antispoof_get(netd->store, ep->container, ep->network)) {
		struct fw_endpoint fe;

		fw_endpoint_fill(ep, &fe);
		r = fw_batch_endpoint_remove(b, &fe, err);
	}
	return r;
}

int netd_fw_network_remove(struct netd *netd, const struct netd_network *net,
			   struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	_cleanup_batch_ struct fw_batch *b = NULL;
	struct fw_network fn;
	size_t n = 0;
	int r;

	if (!netd->fw || !network_has_firewall(&net->rec))
		return 0;
	b = fw_batch_new();
	if (!b)
		return error_set(err, ENOMEM, "firewall of network '%s'", net->rec.name);
	r = store_endpoint_list(netd->store, NULL, net->rec.name, &eps, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = endpoint_remove_add(netd, b, &eps[i], err);
	fw_network_fill(&net->rec, &fn);
	if (r == 0)
		r = fw_batch_network_remove(b, &fn, err);
	/* The last network takes the table with it; the elements go first so their flushes run. */
	if (r == 0 && !fw_other_network_exists(netd, net->rec.name))
		r = fw_batch_table_delete(b, err);
	if (r == 0)
		r = commit_or_rebuild(netd, b, err);
	return r < 0 ? error_prefix(err, "firewall") : 0;
}

int netd_fw_endpoint_detach(struct netd *netd, const struct store_endpoint *ep,
			    struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = NULL;
	int r;

	if (!netd->fw)
		return 0;
	b = fw_batch_new();
	if (!b)
		return error_set(err, ENOMEM, "firewall of endpoint '%s'", ep->container);
	r = endpoint_remove_add(netd, b, ep, err);
	if (r == 0 && fw_batch_count(b) > 0)
		r = commit_or_rebuild(netd, b, err);
	return r < 0 ? error_prefix(err, "firewall") : 0;
}

/*
 * Returns whether ADDR is an address of an interface in this network
 * namespace.  Binding a socket to it is the kernel's own answer, the same
 * one a process that listens on the address would get.
 */
static bool host_addr_is_local(const struct ip_addr *addr)
{
	_cleanup_(close_fd) int fd = -1;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;

	if (addr->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr->bytes, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr->bytes, 16);
		len = sizeof(*sin6);
	}
	fd = socket(addr->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true; /* cannot tell: leave the decision to the forward itself */
	return bind(fd, (struct sockaddr *)&ss, len) == 0 || errno != EADDRNOTAVAIL;
}

int netd_forward_check(struct netd *netd, const struct fw_forward_spec *spec, bool force,
		       struct reef_error *err)
{
	struct reef_error check_err = { 0 };
	struct store_forward owner;
	char text[96], who[128];
	bool found;
	int r;

	fw_forward_spec_format(spec, text, sizeof(text));
	if (spec->has_host_addr && spec->host_addr.family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)spec->host_addr.bytes))
		return error_set(err, EINVAL,
				 "forward %s: forwards from ::1 cannot work, because IPv6 has no "
				 "route_localnet: use one of the host's other IPv6 addresses, or "
				 "127.0.0.1",
				 text);
	if (spec->has_host_addr && !host_addr_is_local(&spec->host_addr)) {
		char addr[IP_ADDR_STRLEN];

		ip_addr_format(&spec->host_addr, addr);
		return error_set(err, EADDRNOTAVAIL,
				 "forward %s: %s is not an address of this host: use one of the "
				 "host's own addresses, or leave the address out to forward from "
				 "all of them",
				 text, addr);
	}
	r = store_forward_conflict(netd->store, spec, &owner, &found, err);
	if (r < 0)
		return r;
	if (found) {
		char other[96];

		fw_forward_spec_format(&owner.spec, other, sizeof(other));
		return error_set(
			err, EEXIST,
			"forward %s: the host port is already forwarded to '%s' on "
			"network '%s' (%s): remove that forward first or pick another port",
			text, owner.container, owner.network, other);
	}
	if (!force && fw_host_port_listener(spec, who, sizeof(who), &found, &check_err) < 0)
		log_warning("forward %s: %s; adding it without the check", text, check_err.message);
	else if (!force && found)
		return error_set(err, EADDRINUSE,
				 "forward %s: a host process listens on %s: stop it, pick another "
				 "port, or take the port from it with 'reef port add --force' "
				 "(\"force\": true in the API)",
				 text, who);
	return 0;
}

/* Stores and adds the forwards of REQ; the caller commits the store transaction. */
static int forwards_attach(struct netd *netd, const struct store_endpoint *ep,
			   const struct fw_forward_spec *specs, size_t n, bool force,
			   struct fw_batch *b, struct reef_error *err)
{
	char owner[OWNER_MAX];
	int r = 0;

	snprintf(owner, sizeof(owner), "%s/%s", ep->container, ep->network);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct store_forward row = { .spec = specs[i] };
		struct fw_forward fwd;

		snprintf(row.container, sizeof(row.container), "%s", ep->container);
		snprintf(row.network, sizeof(row.network), "%s", ep->network);
		r = netd_forward_check(netd, &specs[i], force, err);
		if (r == 0)
			r = store_forward_insert(netd->store, &row, err);
		fw_forward_fill(ep, &specs[i], owner, &fwd);
		if (r == 0)
			r = fw_batch_forward_add(b, &fwd, err);
	}
	return r;
}

static int endpoint_network_check(struct netd *netd, const struct store_endpoint *ep,
				  size_t n_forwards, struct reef_error *err)
{
	struct netd_network *net = netd_network_find(netd, ep->network);

	if (net && !network_has_firewall(&net->rec))
		return error_set(err, EINVAL,
				 "network '%s' is a %s network: port forwards and anti-spoofing "
				 "need a bridge network",
				 ep->network, net->rec.kind);
	if (net && net->rec.internal && n_forwards > 0)
		return error_set(err, EINVAL,
				 "network '%s' is internal, so nothing from outside reaches it: "
				 "forward to the container on a NAT network instead ('reef launch "
				 "-p' uses the first --network, 'reef port add' takes --network)",
				 ep->network);
	return 0;
}

int netd_fw_endpoint_attach(struct netd *netd, const struct store_endpoint *ep,
			    const struct attach_request *req, struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = NULL;
	int r;

	if (req->n_forwards == 0 && !req->antispoof)
		return 0;
	r = endpoint_network_check(netd, ep, req->n_forwards, err);
	if (r < 0)
		return r;
	b = fw_batch_new();
	if (!b)
		return error_set(err, ENOMEM, "firewall of endpoint '%s'", ep->container);
	r = forwards_attach(netd, ep, req->forwards, req->n_forwards, req->force, b, err);
	if (r == 0 && req->antispoof) {
		struct fw_endpoint fe;

		fw_endpoint_fill(ep, &fe);
		r = store_antispoof_set(netd->store, ep->container, ep->network, err);
		if (r == 0)
			r = fw_batch_endpoint_add(b, &fe, err);
	}
	if (r == 0 && netd->fw)
		r = fw_commit(netd->fw, b, err);
	return r;
}

/* Finds the endpoint of CONTAINER on NETWORK, or its only endpoint when NETWORK is NULL. */
static int endpoint_find(struct netd *netd, const char *container, const char *network,
			 struct store_endpoint *ret, struct reef_error *err)
{
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n = 0;
	int r;

	r = store_endpoint_list(netd->store, container, network, &eps, &n, err);
	if (r < 0)
		return r;
	if (n == 0 && network)
		return error_set(err, ENOENT,
				 "container '%s' is not attached to network '%s': see 'reef "
				 "port list'",
				 container, network);
	if (n == 0)
		return error_set(
			err, ENOENT,
			"container '%s' not found: no container of that name has a network "
			"endpoint; check the name, and launch the container with --network "
			"to forward ports to it",
			container);
	if (n > 1)
		return error_set(err, EINVAL,
				 "container '%s' is attached to %zu networks: name the network of "
				 "the forward with --network (\"network\" in the API)",
				 container, n);
	*ret = eps[0];
	return 0;
}

int netd_forward_add(struct netd *netd, const char *container, const char *network,
		     const struct fw_forward_spec *spec, bool force, struct store_forward *ret,
		     struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = fw_batch_new();
	struct store_endpoint ep;
	bool committed;
	char text[96];
	int r;

	fw_forward_spec_format(spec, text, sizeof(text));
	if (!b)
		return error_set(err, ENOMEM, "add forward %s", text);
	r = endpoint_find(netd, container, network, &ep, err);
	if (r == 0)
		r = endpoint_network_check(netd, &ep, 1, err);
	if (r == 0)
		r = store_begin(netd->store, err);
	if (r < 0)
		return error_prefix(err, "add forward %s to '%s'", text, container);
	r = forwards_attach(netd, &ep, spec, 1, force, b, err);
	if (r == 0 && netd->fw)
		r = fw_commit(netd->fw, b, err);
	committed = r == 0 && netd->fw;
	if (r == 0)
		r = store_commit(netd->store, err);
	if (r < 0) {
		struct reef_error rebuild_err = { 0 };

		store_rollback(netd->store);
		/* A rejected check or batch changed nothing in the kernel. */
		if (committed && netd_fw_rebuild(netd, &rebuild_err) < 0)
			log_error("rebuild table inet %s: %s", FW_TABLE, rebuild_err.message);
		return error_prefix(err, "add forward %s to '%s'", text, container);
	}
	if (ret) {
		memset(ret, 0, sizeof(*ret));
		snprintf(ret->container, sizeof(ret->container), "%s", ep.container);
		snprintf(ret->network, sizeof(ret->network), "%s", ep.network);
		ret->spec = *spec;
	}
	log_info("added forward %s to '%s' on network '%s'", text, ep.container, ep.network);
	return 0;
}

int netd_forward_remove(struct netd *netd, const char *container,
			const struct fw_forward_spec *spec, struct reef_error *err)
{
	_cleanup_batch_ struct fw_batch *b = fw_batch_new();
	struct store_forward row;
	struct store_endpoint ep;
	struct fw_forward fwd;
	char text[96], owner[OWNER_MAX];
	int r;

	fw_forward_spec_format(spec, text, sizeof(text));
	if (!b)
		return error_set(err, ENOMEM, "remove forward %s", text);
	r = store_begin(netd->store, err);
	if (r < 0)
		return error_prefix(err, "remove forward %s of '%s'", text, container);
	r = store_forward_delete(netd->store, container, spec, &row, err);
	if (r == -ENOENT)
		error_set(err, ENOENT, "container '%s' has no forward %s: see 'reef port list %s'",
			  container, text, container);
	if (r == 0)
		r = store_endpoint_get(netd->store, row.container, row.network, &ep, err);
	if (r == 0) {
		snprintf(owner, sizeof(owner), "%s/%s", row.container, row.network);
		fw_forward_fill(&ep, spec, owner, &fwd);
		r = fw_batch_forward_remove(b, &fwd, err);
	}
	if (r == 0 && netd->fw)
		r = fw_commit(netd->fw, b, err);
	if (r == 0)
		r = store_commit(netd->store, err);
	if (r < 0) {
		store_rollback(netd->store);
		return error_prefix(err, "remove forward %s of '%s'", text, container);
	}
	log_info("removed forward %s of '%s' on network '%s'", text, row.container, row.network);
	return 0;
}
