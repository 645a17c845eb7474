/* SPDX-License-Identifier: MIT */
#ifndef REEF_FIREWALL_INTERNAL_H
#define REEF_FIREWALL_INTERNAL_H

#include <linux/netlink.h>
#include <stdarg.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "../common/cleanup.h"
#include "firewall.h"

DEFINE_CLEANUP(struct nftnl_table, nftnl_table_free)
DEFINE_CLEANUP(struct nftnl_chain, nftnl_chain_free)
DEFINE_CLEANUP(struct nftnl_rule, nftnl_rule_free)
DEFINE_CLEANUP(struct nftnl_set, nftnl_set_free)

/* Sets and maps of reef's table; the rules refer to them by these names. */
#define FW_SET_BRIDGES	    "bridges"	   /* ifname: every reef bridge */
#define FW_SET_INTERNAL	    "internal"	   /* ifname: bridges of internal networks */
#define FW_SET_INTERNAL_GW4 "internal_gw4" /* ifname . ip: BR . gateway of internal networks */
#define FW_SET_INTERNAL_GW6 "internal_gw6"
#define FW_SET_OPEN_PAIRS   "open_pairs" /* ifname . ifname: BR . BR of non-isolated networks */
#define FW_SET_SUBNETS4	    "subnets4"	 /* every reef IPv4 subnet */
#define FW_SET_SUBNETS6	    "subnets6"
#define FW_SET_NAT4	    "nat4" /* subnets of NAT networks, masqueraded on the way out */
#define FW_SET_NAT6	    "nat6"
#define FW_MAP_FWD4	    "fwd4"     /* ip daddr . l4proto . dport : ip . port */
#define FW_MAP_FWD4_ANY	    "fwd4_any" /* l4proto . dport : ip . port, any local address */
#define FW_MAP_FWD6	    "fwd6"
#define FW_MAP_FWD6_ANY	    "fwd6_any"

#define FW_SPOOF_CHAIN_PREFIX "spoof-"

/* A host port range whose conntrack entries go once the batch is committed. */
struct fw_flush {
	int proto;
	bool has_addr;
	struct ip_addr addr;
	uint16_t port, port_end;
};

struct fw_batch {
	char *buf;
	size_t len, cap;
	size_t n_msgs;	 /* messages between begin and end */
	char **descs;	 /* descs[i]: what message i (begin is 0) does */
	uint32_t seq;	 /* sequence number of the begin message */
	bool rebuild;	 /* the batch replaces the whole table */
	long rule_delta; /* rules added minus rules removed */
	struct fw_flush *flushes;
	size_t n_flushes;
	char (*localnet)[16]; /* bridges that need route_localnet after the commit */
	size_t n_localnet;
};

/* Starts a message of TYPE for the inet family with room for MAX_PAYLOAD bytes. */
struct nlmsghdr *batch_msg_start(struct fw_batch *b, uint16_t type, uint16_t flags,
				 size_t max_payload, struct reef_error *err);
/* Counts the message started last and stores its description. */
int batch_msg_finish(struct fw_batch *b, struct nlmsghdr *nlh, struct reef_error *err,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ruleset.c: the table with its sets, base chains and fixed rules. */
int ruleset_build(struct fw_batch *b, struct reef_error *err);
/* Number of rules ruleset_build() adds. */
long ruleset_rule_count(void);
/* Adds the anti-spoofing chain of EP with its rules. */
int spoof_chain_add(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err);
int spoof_chain_delete(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err);
int spoof_rule_count(const struct fw_endpoint *ep);

struct mnl_socket;

/* A netfilter netlink socket with extended ACKs, bound to an automatic port id. */
int nl_open_netfilter(struct mnl_socket **ret, struct reef_error *err);
/* Sends the request NLH and runs CB on each reply until the end of the dump or the ACK. */
int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh,
	    int (*cb)(const struct nlmsghdr *nlh, void *data), void *data, struct reef_error *err);

/* Deletes the conntrack entries of all N ranges in one pass over the table; returns how many. */
int fw_conntrack_flush_ranges(struct mnl_socket *nl, const struct fw_flush *ranges, size_t n,
			      struct reef_error *err);

/*
 * A thread that deletes the conntrack entries of queued ranges, many
 * ranges per pass.  Stopping it handles what is queued first.
 */
struct fw_cleaner;

int fw_cleaner_start(struct fw_cleaner **ret, struct reef_error *err);
int fw_cleaner_queue(struct fw_cleaner *c, const struct fw_flush *ranges, size_t n,
		     struct reef_error *err);
/* Waits until every queued range is handled. */
void fw_cleaner_wait(struct fw_cleaner *c);
void fw_cleaner_stop(struct fw_cleaner *c);

#endif
