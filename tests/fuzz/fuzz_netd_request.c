/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the reef-netd API request parsers: any body either
 * parses into values that satisfy the documented limits, or fails with an
 * error that has a code and a message.
 * FUZZ_SOURCES: netd/request.c common/json.c common/names.c common/error.c ipam/addr.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/json.h"
#include "../../netd/request.h"

static void check_error(int r, const struct reef_error *err)
{
	if (r >= 0)
		return;
	if (err->errnum == 0 || err->message[0] == '\0' || r != -err->errnum)
		abort();
}

static void check_network(const json_t *body)
{
	struct reef_error err = { 0 };
	struct network_request req;
	int r = network_request_parse(body, &req, &err);

	check_error(r, &err);
	if (r < 0)
		return;
	if (!name_is_valid(req.name))
		abort();
	if (strcmp(req.kind, "bridge") != 0 && strcmp(req.kind, "macvlan") != 0)
		abort();
	if (req.mtu != 0 && (req.mtu < REQUEST_MTU_MIN || req.mtu > REQUEST_MTU_MAX))
		abort();
	if (!req.subnet_auto && req.subnet.addr.family != AF_INET)
		abort();
	if (strlen(req.parent) >= STORE_IFNAMSIZ)
		abort();
}

static void check_attach(const json_t *body)
{
	struct reef_error err = { 0 };
	struct attach_request req;
	int r = attach_request_parse(body, &req, &err);

	check_error(r, &err);
	if (r < 0)
		return;
	if (!name_is_valid(req.container) || !name_is_valid(req.network) || req.pid <= 0)
		abort();
	if (ifname_validate("interface", req.ifname, NULL) < 0)
		abort();
	if (req.has_addr4 && req.addr4.family != AF_INET)
		abort();
	if (req.has_addr6 && req.addr6.family != AF_INET6)
		abort();
	if (req.has_mac && (req.mac[0] & 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reef_error err = { 0 };
	json_t *body = NULL;

	if (json_parse_object((const char *)data, size, &body, &err) < 0) {
		check_error(-err.errnum, &err);
		return 0;
	}
	check_network(body);
	check_attach(body);
	json_decref(body);
	return 0;
}
