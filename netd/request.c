/* SPDX-License-Identifier: MIT */
#include "request.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../common/json.h"

#define WHERE "request"

/*
 * Messages about a value name the field the way a CLI user reads it too:
 * "invalid gateway '1.2.3': ...", where 'gateway' is both the JSON field and
 * the word behind --gateway.  Only mistakes that the CLI cannot make, such as
 * a wrong JSON type or an unknown field, keep the "invalid request: field"
 * form of the JSON readers.
 */
int ifname_validate(const char *field, const char *name, struct reef_error *err)
{
	const char *what = strcmp(field, "parent") == 0 ? "parent interface" : field;
	size_t len = strlen(name);

	if (len == 0)
		return error_set(err, EINVAL, "invalid %s '': give an interface name", what);
	if (len >= STORE_IFNAMSIZ)
		return error_set(err, EINVAL,
				 "invalid %s '%s': %zu characters, interface names have at most %d",
				 what, name, len, STORE_IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return error_set(err, EINVAL, "invalid %s '%s': give an interface name", what,
				 name);
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]) ||
		    !isprint((unsigned char)name[i]))
			return error_set(
				err, EINVAL,
				"invalid %s '%s': interface names cannot contain '/', ':', "
				"white space or control characters",
				what, name);
	return 0;
}

/* Reads an optional string field and prefixes a parse error of it with the field name. */
static int read_addr(const json_t *body, const char *key, bool *present, struct ip_addr *ret,
		     int family, struct reef_error *err)
{
	const char *text = NULL;
	int r = json_read_string(body, key, false, &text, WHERE, err);

	if (r < 0 || !text)
		return r;
	if (ip_addr_parse(text, ret, NULL) < 0 || ret->family != family)
		return error_set(err, EINVAL, "invalid %s '%s': expected an %s address such as %s",
				 key, text, family == AF_INET ? "IPv4" : "IPv6",
				 family == AF_INET ? "10.0.0.2" : "fd00::2");
	*present = true;
	return 0;
}

/* Reads "auto" or a CIDR of FAMILY with zero host bits. */
static int read_subnet(const json_t *body, const char *key, int family, bool *present,
		       bool *is_auto, struct ip_prefix *ret, struct reef_error *err)
{
	const char *text = NULL;
	int r = json_read_string(body, key, false, &text, WHERE, err);

	if (r < 0 || !text)
		return r;
	*present = true;
	if (strcmp(text, "auto") == 0) {
		*is_auto = true;
		return 0;
	}
	*is_auto = false;
	/* The parser's message already reads "invalid subnet '...': why". */
	if (ip_prefix_parse(text, false, ret, err) < 0)
		return -EINVAL;
	if (ret->addr.family != family)
		return error_set(err, EINVAL,
				 "invalid %s '%s': expected an %s subnet such as %s, or 'auto'",
				 family == AF_INET ? "subnet" : "ipv6 subnet", text,
				 family == AF_INET ? "IPv4" : "IPv6",
				 family == AF_INET ? "10.90.0.0/24" : "fd00:90::/64");
	return 0;
}

static int read_name(const json_t *body, const char *key, const char *kind, char *out, size_t size,
		     struct reef_error *err)
{
	const char *text = NULL;
	int r = json_read_string(body, key, true, &text, WHERE, err);

	if (r < 0)
		return r;
	/* name_validate's message already reads "invalid network name '...': why". */
	if (name_validate(kind, text, err) < 0)
		return -EINVAL;
	snprintf(out, size, "%s", text);
	return 0;
}

static int network_request_check(const struct network_request *req, struct reef_error *err)
{
	bool macvlan = strcmp(req->kind, "macvlan") == 0;
	char text[IP_ADDR_STRLEN];

	if (macvlan && req->parent[0] == '\0')
		return error_set(err, EINVAL,
				 "missing parent interface: a macvlan network needs the host "
				 "interface it sits on");
	if (!macvlan && req->parent[0] != '\0')
		return error_set(err, EINVAL,
				 "invalid parent interface '%s': a parent is only for macvlan "
				 "networks",
				 req->parent);
	if (macvlan && (req->internal || req->isolate))
		return error_set(err, EINVAL,
				 "invalid flag '%s' for a macvlan network: internal and isolate "
				 "are only for bridge networks",
				 req->internal ? "internal" : "isolate");
	if (macvlan && req->subnet_auto)
		return error_set(err, EINVAL,
				 "missing subnet: a macvlan network needs the subnet of the "
				 "parent's LAN, not 'auto'");
	if (macvlan && req->ipv6 && req->ipv6_auto)
		return error_set(err, EINVAL,
				 "invalid ipv6 subnet 'auto': a macvlan network needs the IPv6 "
				 "subnet of the parent's LAN");
	if (req->has_gateway && req->subnet_auto) {
		ip_addr_format(&req->gateway, text);
		return error_set(err, EINVAL,
				 "invalid gateway '%s': a gateway needs an explicit subnet, not "
				 "'auto'",
				 text);
	}
	if (req->has_gateway6 && (!req->ipv6 || req->ipv6_auto)) {
		ip_addr_format(&req->gateway6, text);
		return error_set(err, EINVAL,
				 "invalid gateway6 '%s': a gateway6 needs an explicit ipv6 subnet, "
				 "not 'auto'",
				 text);
	}
	return 0;
}

int network_request_parse(const json_t *body, struct network_request *ret, struct reef_error *err)
{
	static const char *const keys[] = { "name",    "type",	   "subnet",   "ipv6",
					    "gateway", "gateway6", "internal", "isolate",
					    "mtu",     "parent",   NULL };
	struct network_request req = { .subnet_auto = true };
	const char *kind = "bridge", *parent = NULL;
	bool subnet_given = false;
	long long mtu = 0;
	int r;

	r = json_check_keys(body, keys, WHERE, err);
	if (r == 0)
		r = read_name(body, "name", "network", req.name, sizeof(req.name), err);
	if (r == 0)
		r = json_read_string(body, "type", false, &kind, WHERE, err);
	if (r == 0 && strcmp(kind, "bridge") != 0 && strcmp(kind, "macvlan") != 0)
		r = error_set(err, EINVAL,
			      "invalid network type '%s': expected 'bridge' or 'macvlan'", kind);
	if (r == 0)
		r = read_subnet(body, "subnet", AF_INET, &subnet_given, &req.subnet_auto,
				&req.subnet, err);
	if (r == 0)
		r = read_subnet(body, "ipv6", AF_INET6, &req.ipv6, &req.ipv6_auto, &req.subnet6,
				err);
	if (r == 0)
		r = read_addr(body, "gateway", &req.has_gateway, &req.gateway, AF_INET, err);
	if (r == 0)
		r = read_addr(body, "gateway6", &req.has_gateway6, &req.gateway6, AF_INET6, err);
	if (r == 0)
		r = json_read_bool(body, "internal", false, &req.internal, WHERE, err);
	if (r == 0)
		r = json_read_bool(body, "isolate", false, &req.isolate, WHERE, err);
	if (r == 0)
		r = json_read_int(body, "mtu", false, INT32_MIN, INT32_MAX, &mtu, WHERE, err);
	if (r == 0 && json_object_get(body, "mtu") && !json_is_null(json_object_get(body, "mtu")) &&
	    (mtu < REQUEST_MTU_MIN || mtu > REQUEST_MTU_MAX))
		r = error_set(err, ERANGE, "invalid mtu %lld: expected %d to %d bytes", mtu,
			      REQUEST_MTU_MIN, REQUEST_MTU_MAX);
	if (r == 0)
		r = json_read_string(body, "parent", false, &parent, WHERE, err);
	if (r == 0 && parent)
		r = ifname_validate("parent", parent, err);
	if (r < 0)
		return r;

	snprintf(req.kind, sizeof(req.kind), "%s", kind);
	snprintf(req.parent, sizeof(req.parent), "%s", parent ? parent : "");
	req.mtu = (unsigned)mtu;
	r = network_request_check(&req, err);
	if (r < 0)
		return r;
	*ret = req;
	return 0;
}

/* Reads "forwards": ["[HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp]", ...]. */
static int read_forwards(const json_t *body, struct attach_request *req, struct reef_error *err)
{
	json_t *list = NULL, *item;
	size_t i;
	int r;

	r = json_read_array(body, "forwards", false, &list, WHERE, err);
	if (r < 0 || !list)
		return r;
	if (json_array_size(list) > ATTACH_FORWARDS_MAX)
		return error_set(err, EINVAL,
				 "invalid %s: field 'forwards' has %zu entries, more than %d: "
				 "use port ranges or add the rest with 'reef port add'",
				 WHERE, json_array_size(list), ATTACH_FORWARDS_MAX);
	json_array_foreach (list, i, item) {
		if (!json_is_string(item))
			return error_set(err, EINVAL,
					 "invalid %s: field 'forwards' must be a list of strings "
					 "such as \"8080:80/tcp\"",
					 WHERE);
		r = fw_forward_spec_parse(json_string_value(item), &req->forwards[i], err);
		if (r < 0)
			return error_prefix(err, "invalid %s: field 'forwards'", WHERE);
		for (size_t j = 0; j < i; j++) {
			if (fw_forward_spec_overlaps(&req->forwards[j], &req->forwards[i]))
				return error_set(err, EINVAL,
						 "invalid %s: forwards '%s' and '%s' share a host "
						 "port: give each host port once",
						 WHERE, json_string_value(json_array_get(list, j)),
						 json_string_value(item));
		}
	}
	req->n_forwards = json_array_size(list);
	return 0;
}

int attach_request_parse(const json_t *body, struct attach_request *ret, struct reef_error *err)
{
	static const char *const keys[] = { "container", "pid",	      "network", "interface",
					    "address",	 "address6",  "mac",	 "default_route",
					    "forwards",	 "antispoof", "force",	 NULL };
	struct attach_request req = { .default_route = -1 };
	const char *ifname = "eth0", *mac = NULL;
	long long pid = 0;
	bool default_route;
	int r;

	r = json_check_keys(body, keys, WHERE, err);
	if (r == 0)
		r = read_name(body, "container", "container", req.container, sizeof(req.container),
			      err);
	if (r == 0)
		r = json_read_int(body, "pid", true, 1, INT32_MAX, &pid, WHERE, err);
	if (r == 0)
		r = read_name(body, "network", "network", req.network, sizeof(req.network), err);
	if (r == 0)
		r = json_read_string(body, "interface", false, &ifname, WHERE, err);
	if (r == 0)
		r = ifname_validate("interface", ifname, err);
	if (r == 0)
		r = read_addr(body, "address", &req.has_addr4, &req.addr4, AF_INET, err);
	if (r == 0)
		r = read_addr(body, "address6", &req.has_addr6, &req.addr6, AF_INET6, err);
	if (r == 0)
		r = json_read_string(body, "mac", false, &mac, WHERE, err);
	if (r == 0 && mac) {
		r = mac_parse(mac, req.mac, err);
		/* mac_parse's message already reads "invalid MAC address '...': why". */
		if (r == 0 && (req.mac[0] & 1))
			r = error_set(err, EINVAL,
				      "invalid MAC address '%s': a multicast address, give a "
				      "unicast MAC (first byte even)",
				      mac);
		req.has_mac = true;
	}
	if (r == 0 && json_object_get(body, "default_route") &&
	    !json_is_null(json_object_get(body, "default_route"))) {
		r = json_read_bool(body, "default_route", true, &default_route, WHERE, err);
		req.default_route = default_route;
	}
	if (r == 0)
		r = json_read_bool(body, "antispoof", false, &req.antispoof, WHERE, err);
	if (r == 0)
		r = json_read_bool(body, "force", false, &req.force, WHERE, err);
	if (r == 0)
		r = read_forwards(body, &req, err);
	if (r < 0)
		return r;

	req.pid = (pid_t)pid;
	snprintf(req.ifname, sizeof(req.ifname), "%s", ifname);
	*ret = req;
	return 0;
}

int query_bool_parse(const char *key, const char *value, bool *ret, struct reef_error *err)
{
	static const char *const yes[] = { "true", "1", "yes" };
	static const char *const no[] = { "false", "0", "no" };

	if (!value) {
		*ret = false;
		return 0;
	}
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(value, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return error_set(err, EINVAL, "invalid query: '%s' is '%s', expected true or false", key,
			 value);
}
