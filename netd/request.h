/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_REQUEST_H
#define REEF_NETD_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../common/names.h"
#include "../firewall/firewall.h"
#include "../ipam/addr.h"
#include "store.h"

/*
 * Parsing of API request bodies and query strings into checked values.
 * Every error is -EINVAL with a message naming the field, so the API can
 * return it as a 400 reply unchanged.  Nothing here touches the kernel or
 * the database: whether a network exists or an address is free is decided
 * later.
 */

/* Body of POST /v1/networks. */
struct network_request {
	char name[REEF_NAME_MAX + 1];
	char kind[16];	  /* "bridge" (default) or "macvlan" */
	bool subnet_auto; /* "subnet": "auto", the default */
	struct ip_prefix subnet;
	bool ipv6; /* "ipv6" given */
	bool ipv6_auto;
	struct ip_prefix subnet6;
	bool has_gateway;
	struct ip_addr gateway;
	bool has_gateway6;
	struct ip_addr gateway6;
	bool internal;
	bool isolate;
	unsigned mtu;		     /* 0: the default */
	char parent[STORE_IFNAMSIZ]; /* macvlan only */
};

/* Port forwards one attach request may carry; each may be a port range. */
#define ATTACH_FORWARDS_MAX 64

/* Body of POST /v1/endpoints. */
struct attach_request {
	char container[REEF_NAME_MAX + 1];
	pid_t pid;
	char network[REEF_NAME_MAX + 1];
	char ifname[STORE_IFNAMSIZ]; /* "interface", default "eth0" */
	bool has_addr4;
	struct ip_addr addr4;
	bool has_addr6;
	struct ip_addr addr6;
	bool has_mac;
	uint8_t mac[6];
	int default_route; /* -1: not given, else 0 or 1 */
	bool antispoof;	   /* drop what the container sends from other addresses or MACs */
	bool force;	   /* forward host ports even where a host process listens */
	size_t n_forwards;
	struct fw_forward_spec forwards[ATTACH_FORWARDS_MAX];
};

/* Limits of the values a network may have. */
#define REQUEST_MTU_MIN 576   /* RFC 791: every IPv4 host must accept 576-byte datagrams */
#define REQUEST_MTU_MAX 65535 /* the largest MTU of a Linux bridge or veth */

int network_request_parse(const json_t *body, struct network_request *ret, struct reef_error *err);
int attach_request_parse(const json_t *body, struct attach_request *ret, struct reef_error *err);

/*
 * Checks a kernel interface name: 1 to 15 bytes, none of '/', ':' or white
 * space, and not "." or "..".  FIELD names the value in the error.
 */
int ifname_validate(const char *field, const char *name, struct reef_error *err);

/*
 * Parses VALUE of the query argument KEY (NULL when absent): true, 1, yes
 * and false, 0, no; an absent argument gives false.
 */
int query_bool_parse(const char *key, const char *value, bool *ret, struct reef_error *err);

#endif
