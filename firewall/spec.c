/* SPDX-License-Identifier: MIT */
/* Parsing and formatting port forwards as users write them. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firewall.h"

#define SPEC_SYNTAX "write [HOSTIP:]HPORT[-HEND]:CPORT[/tcp|udp], e.g. 8080:80/tcp"

static int port_parse(const char *text, size_t len, uint16_t *ret)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* Parses one port of a spec; WHAT names it in the error ("host port"). */
static int spec_port_parse(const char *spec_text, const char *what, const char *text, size_t len,
			   uint16_t *ret, struct reef_error *err)
{
	if (port_parse(text, len, ret) == 0)
		return 0;
	if (len == 0)
		return error_set(err, EINVAL,
				 "invalid port forward '%s': the %s is missing; " SPEC_SYNTAX,
				 spec_text, what);
	return error_set(err, EINVAL,
			 "invalid port forward '%s': %s '%.*s' is not a number from 1 to 65535",
			 spec_text, what, (int)len, text);
}

/*
 * Parses "HPORT[-HEND]:CPORT" from TEXT.  The container side is one port:
 * a host range maps port for port onto the container ports from CPORT on.
 */
static int ports_parse(const char *spec_text, const char *text, struct fw_forward_spec *spec,
		       struct reef_error *err)
{
	const char *colon = strchr(text, ':'), *dash;

	if (!colon || strchr(colon + 1, ':'))
		return error_set(err, EINVAL, "invalid port forward '%s': " SPEC_SYNTAX, spec_text);
	if (strchr(colon + 1, '-'))
		return error_set(
			err, EINVAL,
			"invalid port forward '%s': the container side takes one port, not "
			"a range: HPORT-HEND:CPORT maps the host ports onto CPORT, CPORT+1 "
			"and on (9000-9002:80 maps 9000 to 80, 9001 to 81, 9002 to 82)",
			spec_text);
	dash = memchr(text, '-', (size_t)(colon - text));
	if (dash) {
		if (spec_port_parse(spec_text, "host port", text, (size_t)(dash - text),
				    &spec->host_port, err) < 0 ||
		    spec_port_parse(spec_text, "last host port", dash + 1,
				    (size_t)(colon - dash - 1), &spec->host_port_end, err) < 0)
			return -EINVAL;
	} else {
		if (spec_port_parse(spec_text, "host port", text, (size_t)(colon - text),
				    &spec->host_port, err) < 0)
			return -EINVAL;
		spec->host_port_end = spec->host_port;
	}
	return spec_port_parse(spec_text, "container port", colon + 1, strlen(colon + 1),
			       &spec->container_port, err);
}

/* Splits a leading "HOSTIP:" (IPv6 in brackets) off TEXT; *RET_REST points after it. */
static int host_parse(char *text, struct fw_forward_spec *spec, char **ret_rest,
		      struct reef_error *err)
{
	char *end;

	*ret_rest = text;
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		*end = '\0';
		*ret_rest = end + 2;
		spec->has_host_addr = true;
		return ip_addr_parse(text + 1, &spec->host_addr, err);
	}
	end = strchr(text, ':');
	if (!end || !strchr(end + 1, ':'))
		return 0;
	*end = '\0';
	*ret_rest = end + 1;
	spec->has_host_addr = true;
	return ip_addr_parse(text, &spec->host_addr, err);
}

int fw_forward_spec_parse(const char *text, struct fw_forward_spec *ret, struct reef_error *err)
{
	struct fw_forward_spec spec = { .proto = IPPROTO_TCP };
	char buf[128], *slash, *rest;
	struct reef_error addr_err = { 0 };

	if (strlen(text) >= sizeof(buf))
		return error_set(err, EINVAL, "invalid port forward '%.32s...': too long", text);
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (strcasecmp(slash + 1, "tcp") == 0)
			spec.proto = IPPROTO_TCP;
		else if (strcasecmp(slash + 1, "udp") == 0)
			spec.proto = IPPROTO_UDP;
		else
			return error_set(err, EINVAL,
					 "invalid port forward '%s': protocol '%s' is not tcp or "
					 "udp",
					 text, slash + 1);
	}
	if (host_parse(buf, &spec, &rest, &addr_err) < 0) {
		if (addr_err.errnum)
			return error_set(err, EINVAL, "invalid port forward '%s': %s", text,
					 addr_err.message);
		return error_set(err, EINVAL,
				 "invalid port forward '%s': put an IPv6 host address in "
				 "brackets, as in [fd00::1]:8080:80",
				 text);
	}
	if (spec.has_host_addr) {
		/* Docker's -p 0.0.0.0:8080:80 means every address, as no address does here. */
		ip_addr_unmap(&spec.host_addr);
		spec.has_host_addr = !ip_addr_is_any(&spec.host_addr);
		if (!spec.has_host_addr)
			spec.host_addr = (struct ip_addr){ 0 };
	}
	if (ports_parse(text, rest, &spec, err) < 0)
		return -EINVAL;
	if (spec.host_port_end < spec.host_port)
		return error_set(err, EINVAL,
				 "invalid port forward '%s': the host port range ends before it "
				 "starts; write it as LOW-HIGH",
				 text);
	if ((unsigned)spec.container_port + (spec.host_port_end - spec.host_port) > 65535)
		return error_set(err, EINVAL,
				 "invalid port forward '%s': the container ports of the range go "
				 "past 65535",
				 text);
	*ret = spec;
	return 0;
}

void fw_forward_from_spec(const struct fw_forward_spec *spec, const char *owner,
			  const struct ip_addr *target4, const struct ip_addr *target6,
			  struct fw_forward *ret)
{
	*ret = (struct fw_forward){
		.owner = owner,
		.proto = spec->proto,
		.host_addr = spec->has_host_addr ? &spec->host_addr : NULL,
		.host_port = spec->host_port,
		.host_port_end = spec->host_port_end,
		.target4 = target4,
		.target6 = target6,
		.container_port = spec->container_port,
	};
}

void fw_forward_spec_format(const struct fw_forward_spec *spec, char *out, size_t size)
{
	struct fw_forward fwd;

	fw_forward_from_spec(spec, NULL, NULL, NULL, &fwd);
	fw_forward_format(&fwd, out, size);
}

bool fw_forward_spec_overlaps(const struct fw_forward_spec *a, const struct fw_forward_spec *b)
{
	if (a->proto != b->proto || a->host_port > b->host_port_end ||
	    b->host_port > a->host_port_end)
		return false;
	if (!a->has_host_addr || !b->has_host_addr)
		return true;
	return ip_addr_equal(&a->host_addr, &b->host_addr);
}
