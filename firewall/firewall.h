/* SPDX-License-Identifier: MIT */
#ifndef REEF_FIREWALL_FIREWALL_H
#define REEF_FIREWALL_FIREWALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../ipam/addr.h"

/*
 * reef's nftables ruleset: one table, "inet reef", that reef alone owns.
 *
 * The rules never change after the table is built.  Everything that varies
 * (the bridges, subnets, NAT networks and port forwards) lives in sets and
 * maps, so a change is a handful of set elements in one batch and costs the
 * same whether 10 or 10,000 forwards exist.  The only per-object chains are
 * the anti-spoofing chains, one ingress chain per endpoint that requests it.
 *
 * The library keeps no copy of reef's state: callers describe networks,
 * endpoints and forwards, collect changes in a struct fw_batch and commit
 * it.  Each message of a batch carries a description ("add forward
 * 8080/tcp of 'web/lab'"), and a failed commit reports the first message
 * the kernel rejected with that description and the kernel's own text.
 */

#define FW_TABLE "reef"

struct fw_network {
	const char *name;
	const char *bridge;		 /* interface name of the network's bridge */
	const struct ip_prefix *subnet4; /* NULL: no IPv4 */
	const struct ip_prefix *subnet6; /* NULL: no IPv6 */
	const struct ip_addr *gateway4;	 /* the host's address on the network, or NULL */
	const struct ip_addr *gateway6;
	bool internal; /* no traffic leaves the network except replies; of the host it reaches
			* only its gateway addresses */
	bool isolate;  /* containers on the network may not reach each other */
};

struct fw_endpoint {
	const char *container;
	const char *network;
	const char *host_ifname;     /* host end of the container's link */
	const struct ip_addr *addr4; /* NULL: none */
	const struct ip_addr *addr6;
	uint8_t mac[6];
	bool antispoof; /* drop what the container sends from other addresses or MACs */
};

/*
 * One port forward: host ports [host_port, host_port_end] of protocol
 * PROTO reach the container's ports starting at container_port, port for
 * port.  Without a host address it applies to every local address of the
 * host, over IPv4 to TARGET4 and over IPv6 to TARGET6 where they are set.
 */
struct fw_forward {
	const char *owner;		 /* "container/network", stored as the elements' comment */
	int proto;			 /* IPPROTO_TCP or IPPROTO_UDP */
	const struct ip_addr *host_addr; /* NULL: any local address */
	uint16_t host_port;
	uint16_t host_port_end;	       /* equal to host_port for a single port */
	const struct ip_addr *target4; /* container's IPv4 address, NULL: none */
	const struct ip_addr *target6;
	uint16_t container_port;
};

/*
 * A port forward as users write it: [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp],
 * with an IPv6 host address in brackets.  The protocol defaults to tcp.
 */
struct fw_forward_spec {
	int proto;
	bool has_host_addr;
	struct ip_addr host_addr;
	uint16_t host_port, host_port_end, container_port;
};

int fw_forward_spec_parse(const char *text, struct fw_forward_spec *ret, struct reef_error *err);
void fw_forward_spec_format(const struct fw_forward_spec *spec, char *out, size_t size);
/* True when both take a common host port of the same protocol on a common address. */
bool fw_forward_spec_overlaps(const struct fw_forward_spec *a, const struct fw_forward_spec *b);
/* Fills RET from SPEC for the container addresses TARGET4 and TARGET6 (either may be NULL). */
void fw_forward_from_spec(const struct fw_forward_spec *spec, const char *owner,
			  const struct ip_addr *target4, const struct ip_addr *target6,
			  struct fw_forward *ret);

/* Everything reef's table holds, for a rebuild. */
struct fw_state {
	const struct fw_network *networks;
	size_t n_networks;
	const struct fw_endpoint *endpoints;
	size_t n_endpoints;
	const struct fw_forward *forwards;
	size_t n_forwards;
};

/* Checks a forward's fields: protocol, port range, targets that fit the host address. */
int fw_forward_validate(const struct fw_forward *fwd, struct reef_error *err);

/* Formats "[HOSTIP:]HPORT[-HEND]:CPORT/PROTO" into OUT. */
void fw_forward_format(const struct fw_forward *fwd, char *out, size_t size);

/*
 * Batches.  A batch is built in memory without any kernel access, so tests
 * can build one and parse it back.
 */
struct fw_batch;

struct fw_batch *fw_batch_new(void);
void fw_batch_free(struct fw_batch *b);

/* Adds messages that replace reef's table with one built from STATE. */
int fw_batch_rebuild(struct fw_batch *b, const struct fw_state *state, struct reef_error *err);
/* Adds messages that delete reef's table, whether or not it exists. */
int fw_batch_table_delete(struct fw_batch *b, struct reef_error *err);

int fw_batch_network_add(struct fw_batch *b, const struct fw_network *net, struct reef_error *err);
int fw_batch_network_remove(struct fw_batch *b, const struct fw_network *net,
			    struct reef_error *err);
/* Endpoints without antispoof add nothing. */
int fw_batch_endpoint_add(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err);
int fw_batch_endpoint_remove(struct fw_batch *b, const struct fw_endpoint *ep,
			     struct reef_error *err);
int fw_batch_forward_add(struct fw_batch *b, const struct fw_forward *fwd, struct reef_error *err);
int fw_batch_forward_remove(struct fw_batch *b, const struct fw_forward *fwd,
			    struct reef_error *err);

/* The batch's netlink messages, from the batch-begin message to the batch-end one. */
const void *fw_batch_data(struct fw_batch *b, size_t *ret_len);
/* What the message with sequence number SEQ does, or NULL for a number not in the batch. */
const char *fw_batch_describe(const struct fw_batch *b, uint32_t seq);
/* Number of messages between batch begin and end. */
size_t fw_batch_count(const struct fw_batch *b);
/* Sequence number the batch's first message takes; the batch numbers on from there. */
void fw_batch_set_seq(struct fw_batch *b, uint32_t seq);

/*
 * The connection to nf_tables.  One per process: its netlink port id lets
 * the monitor tell reef's own changes from someone else's.
 */
struct fw;

int fw_open(struct fw **ret, struct reef_error *err);
void fw_close(struct fw *fw);
uint32_t fw_portid(const struct fw *fw);

/*
 * Sends the batch and reads every ACK.  On failure nothing was applied and
 * the error names the first message the kernel rejected.  After a success
 * it turns on route_localnet for the bridges the batch added, because
 * connections to 127.0.0.1 are forwarded to them.  It also queues the
 * host ports of the forwards the batch changed for a thread that deletes
 * their conntrack entries: a new target takes effect within milliseconds,
 * and the caller does not wait for the walk over the conntrack table.
 */
int fw_commit(struct fw *fw, struct fw_batch *b, struct reef_error *err);
/* Waits until the conntrack entries of every committed change are deleted. */
void fw_settle(struct fw *fw);

/* Checks that reef's table exists with every base chain and the rule count of the last commit. */
int fw_table_check(struct fw *fw, bool *ret_intact, struct reef_error *err);

/*
 * Looks for forward chains of other tables whose policy is drop.  Such a
 * chain drops reef's forwarded traffic whatever reef's table accepts, and
 * reef never changes another table.  *RET_WARNING is NULL when none was
 * found, or a malloc'd text that names each chain and the rules the
 * administrator must add there; BRIDGE_PATTERN ("rb*") goes into them.
 */
int fw_forward_drop_check(struct fw *fw, const char *bridge_pattern, char **ret_warning,
			  struct reef_error *err);

/*
 * Looks for a host socket bound to a host port of SPEC: a listening TCP
 * socket, or a UDP socket without a connected peer, on an address that the
 * forward covers.  *FOUND tells whether there is one, and LISTENER then
 * names it ("TCP 0.0.0.0:8080").
 */
int fw_host_port_listener(const struct fw_forward_spec *spec, char *listener, size_t size,
			  bool *found, struct reef_error *err);

/*
 * Turns forwarding on for FAMILY (AF_INET: net.ipv4.ip_forward, AF_INET6:
 * net.ipv6.conf.all.forwarding) in the caller's network namespace.
 * *RET_CHANGED is set when it was off, so the caller can log it.
 */
int fw_ip_forward_enable(int family, bool *ret_changed, struct reef_error *err);

/* Sets net.ipv4.conf.IFNAME.route_localnet to 1; only for reef's own bridges. */
int fw_route_localnet_enable(const char *ifname, struct reef_error *err);

/*
 * Watches nf_tables events for changes to reef's table made by anyone but
 * reef (by netlink port id).  Poll fw_monitor_fd() for input, then call
 * fw_monitor_read().
 */
struct fw_monitor;

enum fw_monitor_event {
	FW_MONITOR_QUIET,    /* nothing happened to reef's table */
	FW_MONITOR_TAMPERED, /* someone else changed or deleted reef's table */
	FW_MONITOR_OVERRUN,  /* events were lost: check the table with fw_table_check() */
};

int fw_monitor_open(uint32_t own_portid, struct fw_monitor **ret, struct reef_error *err);
void fw_monitor_close(struct fw_monitor *mon);
int fw_monitor_fd(const struct fw_monitor *mon);
/* Reads every pending event without blocking; *RET receives the worst one seen. */
int fw_monitor_read(struct fw_monitor *mon, enum fw_monitor_event *ret, struct reef_error *err);

#endif
