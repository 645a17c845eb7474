/* SPDX-License-Identifier: MIT */
/*
 * What changes in reef's table: set elements for networks and map elements
 * for port forwards, plus the batch entry points built on them.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "internal.h"

/* Elements per message: a message must fit the room batch_msg_start() reserves. */
#define ELEMS_PER_MSG 256
#define ELEM_ROOM     (256 + NFTNL_UDATA_COMMENT_MAXLEN)

struct elem_msg {
	struct nftnl_set *set;
	size_t n;
};

static int elem_msg_begin(struct elem_msg *m, const char *set, struct reef_error *err)
{
	m->n = 0;
	m->set = nftnl_set_alloc();
	if (!m->set)
		return error_set_errno(err, ENOMEM, "build elements of set '%s'", set);
	nftnl_set_set_u32(m->set, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(m->set, NFTNL_SET_TABLE, FW_TABLE);
	nftnl_set_set_str(m->set, NFTNL_SET_NAME, set);
	return 0;
}

static int elem_push(struct elem_msg *m, const void *key, uint32_t key_len, const void *data,
		     uint32_t data_len, uint32_t flags, const char *comment)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, key_len);
	if (data)
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, data_len);
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	if (comment) {
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 16);

		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT, comment)) {
			nftnl_udata_buf_free(ud);
			nftnl_set_elem_free(e);
			return -ENOMEM;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	nftnl_set_elem_add(m->set, e);
	m->n++;
	return 0;
}

/*
 * Writes the set's elements, each nested as NFTA_LIST_ELEM as the kernel
 * documents.  nftnl_set_elems_nlmsg_build_payload() numbers them 1, 2, ...
 * instead, which the kernel accepts but libnftnl's own parser rejects.
 */
static int elems_payload_build(struct nlmsghdr *nlh, struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;
	struct nlattr *list, *nest;

	if (!it)
		return -ENOMEM;
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, FW_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, nftnl_set_get_str(s, NFTNL_SET_NAME));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	while ((e = nftnl_set_elems_iter_next(it))) {
		nest = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		nftnl_set_elem_nlmsg_build_payload(nlh, e);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, list);
	nftnl_set_elems_iter_destroy(it);
	return 0;
}

/* Appends the collected elements as one NEWSETELEM or DELSETELEM message. */
static int elem_msg_end(struct fw_batch *b, struct elem_msg *m, bool add, struct reef_error *err,
			const char *desc)
{
	_cleanup_(nftnl_set_free_cleanup) struct nftnl_set *s = take_ptr(m->set);
	const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	struct nlmsghdr *nlh;

	nlh = batch_msg_start(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
			      add ? NLM_F_CREATE | NLM_F_EXCL : 0, 512 + m->n * ELEM_ROOM, err);
	if (!nlh)
		return -ENOMEM;
	if (elems_payload_build(nlh, s) < 0)
		return error_set_errno(err, ENOMEM, "build elements of set '%s'", name);
	/* Forward maps are the only maps, and their names start with "fwd". */
	return batch_msg_finish(b, nlh, err, "%s %s %s '%s'", desc, add ? "to" : "from",
				strncmp(name, "fwd", 3) ? "set" : "map", name);
}

static void elem_msg_drop(struct elem_msg *m)
{
	if (m->set)
		nftnl_set_free(m->set);
	m->set = NULL;
}

/* One element, or the two of an interval, in their own message. */
static int set_elem_change(struct fw_batch *b, const char *set, bool add, const void *key,
			   uint32_t key_len, const char *comment, const char *desc,
			   struct reef_error *err)
{
	struct elem_msg m;
	int r;

	r = elem_msg_begin(&m, set, err);
	if (r < 0)
		return r;
	if (elem_push(&m, key, key_len, NULL, 0, 0, comment) < 0) {
		elem_msg_drop(&m);
		return error_set_errno(err, ENOMEM, "build %s", desc);
	}
	return elem_msg_end(b, &m, add, err, desc);
}

/*
 * An interval set stores a prefix as two elements: its first address and,
 * flagged as the interval's end, the first address after it.  A prefix that
 * reaches the top of the address space has no end element.
 */
static int prefix_change(struct fw_batch *b, const char *set, bool add,
			 const struct ip_prefix *prefix, const char *comment,
			 struct reef_error *err)
{
	struct ip_prefix masked = *prefix;
	char text[IP_PREFIX_STRLEN], desc[128];
	int size = ip_addr_size(&prefix->addr);
	uint8_t end[16];
	bool overflow = true;
	struct elem_msg m;
	int r;

	ip_prefix_mask(&masked);
	ip_prefix_format(&masked, text);
	snprintf(desc, sizeof(desc), "%s subnet %s", add ? "add" : "remove", text);

	memcpy(end, masked.addr.bytes, size);
	for (int bit = masked.len; bit < size * 8; bit++)
		end[bit / 8] |= 0x80 >> (bit % 8);
	for (int i = size - 1; i >= 0 && overflow; i--)
		overflow = ++end[i] == 0;

	r = elem_msg_begin(&m, set, err);
	if (r < 0)
		return r;
	if (elem_push(&m, masked.addr.bytes, size, NULL, 0, 0, comment) < 0 ||
	    (!overflow && elem_push(&m, end, size, NULL, 0, NFT_SET_ELEM_INTERVAL_END, NULL) < 0)) {
		elem_msg_drop(&m);
		return error_set_errno(err, ENOMEM, "build %s", desc);
	}
	return elem_msg_end(b, &m, add, err, desc);
}

static int network_change(struct fw_batch *b, const struct fw_network *net, bool add,
			  struct reef_error *err)
{
	char name[IFNAMSIZ] = { 0 }, pair[2 * IFNAMSIZ] = { 0 }, desc[128];
	const char *verb = add ? "add" : "remove";
	int r;

	if (strlen(net->bridge) >= IFNAMSIZ)
		return error_set(err, EINVAL, "bridge name '%s' is longer than %d characters",
				 net->bridge, IFNAMSIZ - 1);
	memcpy(name, net->bridge, strlen(net->bridge));
	memcpy(pair, name, IFNAMSIZ);
	memcpy(pair + IFNAMSIZ, name, IFNAMSIZ);

	snprintf(desc, sizeof(desc), "%s bridge '%s'", verb, net->bridge);
	r = set_elem_change(b, FW_SET_BRIDGES, add, name, IFNAMSIZ, net->name, desc, err);
	if (r >= 0 && net->internal)
		r = set_elem_change(b, FW_SET_INTERNAL, add, name, IFNAMSIZ, net->name, desc, err);
	for (int i = 0; r >= 0 && net->internal && i < 2; i++) {
		const struct ip_addr *gw = i == 0 ? net->gateway4 : net->gateway6;
		uint8_t key[IFNAMSIZ + 16] = { 0 };

		if (!gw)
			continue;
		memcpy(key, name, IFNAMSIZ);
		memcpy(key + IFNAMSIZ, gw->bytes, (size_t)ip_addr_size(gw));
		r = set_elem_change(b, i == 0 ? FW_SET_INTERNAL_GW4 : FW_SET_INTERNAL_GW6, add, key,
				    IFNAMSIZ + (uint32_t)ip_addr_size(gw), net->name, desc, err);
	}
	if (r >= 0 && !net->isolate)
		r = set_elem_change(b, FW_SET_OPEN_PAIRS, add, pair, sizeof(pair), net->name, desc,
				    err);
	if (r >= 0 && net->subnet4)
		r = prefix_change(b, FW_SET_SUBNETS4, add, net->subnet4, net->name, err);
	if (r >= 0 && net->subnet4 && !net->internal)
		r = prefix_change(b, FW_SET_NAT4, add, net->subnet4, net->name, err);
	if (r >= 0 && net->subnet6)
		r = prefix_change(b, FW_SET_SUBNETS6, add, net->subnet6, net->name, err);
	if (r >= 0 && net->subnet6 && !net->internal)
		r = prefix_change(b, FW_SET_NAT6, add, net->subnet6, net->name, err);
	if (r < 0)
		return error_prefix(err, "network '%s'", net->name);

	if (add && net->subnet4) {
		char(*localnet)[16] = realloc(b->localnet, (b->n_localnet + 1) * sizeof(*localnet));

		if (!localnet)
			return error_set_errno(err, ENOMEM, "network '%s'", net->name);
		b->localnet = localnet;
		memcpy(b->localnet[b->n_localnet++], name, IFNAMSIZ);
	}
	return 0;
}

int fw_batch_network_add(struct fw_batch *b, const struct fw_network *net, struct reef_error *err)
{
	return network_change(b, net, true, err);
}

int fw_batch_network_remove(struct fw_batch *b, const struct fw_network *net,
			    struct reef_error *err)
{
	return network_change(b, net, false, err);
}

int fw_batch_endpoint_add(struct fw_batch *b, const struct fw_endpoint *ep, struct reef_error *err)
{
	if (!ep->antispoof)
		return 0;
	return spoof_chain_add(b, ep, err);
}

int fw_batch_endpoint_remove(struct fw_batch *b, const struct fw_endpoint *ep,
			     struct reef_error *err)
{
	if (!ep->antispoof)
		return 0;
	return spoof_chain_delete(b, ep, err);
}

static const char *proto_name(int proto)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	return "?";
}

void fw_forward_format(const struct fw_forward *fwd, char *out, size_t size)
{
	char host[IP_ADDR_STRLEN + 3] = "", addr[IP_ADDR_STRLEN], ports[16];

	if (fwd->host_addr) {
		ip_addr_format(fwd->host_addr, addr);
		snprintf(host, sizeof(host),
			 fwd->host_addr->family == AF_INET6 ? "[%s]:" : "%s:", addr);
	}
	if (fwd->host_port_end != fwd->host_port)
		snprintf(ports, sizeof(ports), "%u-%u", fwd->host_port, fwd->host_port_end);
	else
		snprintf(ports, sizeof(ports), "%u", fwd->host_port);
	snprintf(out, size, "%s%s:%u/%s", host, ports, fwd->container_port, proto_name(fwd->proto));
}

int fw_forward_validate(const struct fw_forward *fwd, struct reef_error *err)
{
	char text[96];

	fw_forward_format(fwd, text, sizeof(text));
	if (fwd->proto != IPPROTO_TCP && fwd->proto != IPPROTO_UDP)
		return error_set(err, EINVAL, "forward %s: protocol %d is not tcp or udp", text,
				 fwd->proto);
	if (fwd->host_port == 0 || fwd->container_port == 0)
		return error_set(err, EINVAL, "forward %s: ports must be 1 to 65535", text);
	if (fwd->host_port_end < fwd->host_port)
		return error_set(err, EINVAL,
				 "forward %s: host port range ends before it starts; write it "
				 "as LOW-HIGH",
				 text);
	if ((unsigned)fwd->container_port + (fwd->host_port_end - fwd->host_port) > 65535)
		return error_set(err, EINVAL,
				 "forward %s: the container ports of the range go past 65535",
				 text);
	if (fwd->host_addr && fwd->host_addr->family == AF_INET && !fwd->target4)
		return error_set(err, EINVAL,
				 "forward %s: the host address is IPv4 but the container has no "
				 "IPv4 address",
				 text);
	if (fwd->host_addr && fwd->host_addr->family == AF_INET6 && !fwd->target6)
		return error_set(err, EINVAL,
				 "forward %s: the host address is IPv6 but the container has no "
				 "IPv6 address",
				 text);
	if (!fwd->target4 && !fwd->target6)
		return error_set(err, EINVAL, "forward %s: the container has no address", text);
	return 0;
}

/*
 * Map keys and values follow nft's layout of concatenations: each part
 * starts on a 4-byte boundary and the padding is zero.
 */
static size_t forward_key(const struct fw_forward *fwd, int family, uint16_t port, uint8_t key[24])
{
	size_t n = 0;

	memset(key, 0, 24);
	if (fwd->host_addr) {
		n = family == AF_INET ? 4 : 16;
		memcpy(key, fwd->host_addr->bytes, n);
	}
	key[n] = fwd->proto;
	key[n + 4] = port >> 8;
	key[n + 5] = port & 0xff;
	return n + 8;
}

static size_t forward_value(const struct ip_addr *target, uint16_t port, uint8_t value[20])
{
	size_t n = target->family == AF_INET ? 4 : 16;

	memset(value, 0, 20);
	memcpy(value, target->bytes, n);
	value[n] = port >> 8;
	value[n + 1] = port & 0xff;
	return n + 4;
}

static const char *forward_map(const struct fw_forward *fwd, int family)
{
	if (family == AF_INET)
		return fwd->host_addr ? FW_MAP_FWD4 : FW_MAP_FWD4_ANY;
	return fwd->host_addr ? FW_MAP_FWD6 : FW_MAP_FWD6_ANY;
}

/* Every host port of the range is one element, mapped to its own container port. */
static int forward_family_change(struct fw_batch *b, const struct fw_forward *fwd, int family,
				 bool add, const char *desc, struct reef_error *err)
{
	const struct ip_addr *target = family == AF_INET ? fwd->target4 : fwd->target6;
	unsigned port = fwd->host_port;
	uint8_t key[24], value[20];
	struct elem_msg m;
	int r;

	while (port <= fwd->host_port_end) {
		r = elem_msg_begin(&m, forward_map(fwd, family), err);
		if (r < 0)
			return r;
		for (; port <= fwd->host_port_end && m.n < ELEMS_PER_MSG; port++) {
			size_t key_len = forward_key(fwd, family, port, key);
			size_t value_len = forward_value(
				target, fwd->container_port + (port - fwd->host_port), value);

			if (elem_push(&m, key, key_len, add ? value : NULL, value_len, 0,
				      add ? fwd->owner : NULL) < 0) {
				elem_msg_drop(&m);
				return error_set_errno(err, ENOMEM, "build %s", desc);
			}
		}
		r = elem_msg_end(b, &m, add, err, desc);
		if (r < 0)
			return r;
	}
	return 0;
}

static int flush_record(struct fw_batch *b, const struct fw_forward *fwd, struct reef_error *err)
{
	struct fw_flush *flushes = realloc(b->flushes, (b->n_flushes + 1) * sizeof(*flushes));

	if (!flushes)
		return error_set_errno(err, ENOMEM, "record conntrack flush");
	b->flushes = flushes;
	flushes[b->n_flushes++] = (struct fw_flush){
		.proto = fwd->proto,
		.has_addr = fwd->host_addr != NULL,
		.addr = fwd->host_addr ? *fwd->host_addr : (struct ip_addr){ 0 },
		.port = fwd->host_port,
		.port_end = fwd->host_port_end,
	};
	return 0;
}

static int forward_change(struct fw_batch *b, const struct fw_forward *fwd, bool add,
			  struct reef_error *err)
{
	int host_family = fwd->host_addr ? fwd->host_addr->family : 0;
	char text[96], desc[192];
	int r;

	r = fw_forward_validate(fwd, err);
	if (r < 0)
		return r;
	fw_forward_format(fwd, text, sizeof(text));
	snprintf(desc, sizeof(desc), "%s forward %s of '%s'", add ? "add" : "remove", text,
		 fwd->owner ? fwd->owner : "?");

	if (fwd->target4 && host_family != AF_INET6) {
		r = forward_family_change(b, fwd, AF_INET, add, desc, err);
		if (r < 0)
			return r;
	}
	if (fwd->target6 && host_family != AF_INET) {
		r = forward_family_change(b, fwd, AF_INET6, add, desc, err);
		if (r < 0)
			return r;
	}
	return flush_record(b, fwd, err);
}

int fw_batch_forward_add(struct fw_batch *b, const struct fw_forward *fwd, struct reef_error *err)
{
	return forward_change(b, fwd, true, err);
}

int fw_batch_forward_remove(struct fw_batch *b, const struct fw_forward *fwd,
			    struct reef_error *err)
{
	return forward_change(b, fwd, false, err);
}

int fw_batch_rebuild(struct fw_batch *b, const struct fw_state *state, struct reef_error *err)
{
	int r;

	r = fw_batch_table_delete(b, err);
	if (r >= 0)
		r = ruleset_build(b, err);
	for (size_t i = 0; r >= 0 && i < state->n_networks; i++)
		r = fw_batch_network_add(b, &state->networks[i], err);
	for (size_t i = 0; r >= 0 && i < state->n_endpoints; i++)
		r = fw_batch_endpoint_add(b, &state->endpoints[i], err);
	for (size_t i = 0; r >= 0 && i < state->n_forwards; i++)
		r = fw_batch_forward_add(b, &state->forwards[i], err);
	if (r < 0)
		return error_prefix(err, "rebuild table inet %s", FW_TABLE);
	b->rebuild = true;
	return 0;
}
