/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the address, CIDR and MAC parsers: every input that
 * parses must format back to text that parses to the same value.
 * FUZZ_SOURCES: ipam/addr.c common/error.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipam/addr.h"

static void check_addr(const char *text)
{
	char formatted[IP_ADDR_STRLEN];
	struct ip_addr a, b;

	if (ip_addr_parse(text, &a, NULL) < 0)
		return;
	ip_addr_format(&a, formatted);
	if (ip_addr_parse(formatted, &b, NULL) < 0 || !ip_addr_equal(&a, &b))
		abort();
}

static void check_prefix(const char *text, bool host_bits_allowed)
{
	char formatted[IP_PREFIX_STRLEN];
	struct ip_prefix p, q;

	if (ip_prefix_parse(text, host_bits_allowed, &p, NULL) < 0)
		return;
	if (p.len > ip_addr_bits(&p.addr))
		abort();
	ip_prefix_format(&p, formatted);
	if (ip_prefix_parse(formatted, host_bits_allowed, &q, NULL) < 0 || p.len != q.len ||
	    !ip_addr_equal(&p.addr, &q.addr))
		abort();
	if (!ip_prefix_contains(&p, &p.addr) || !ip_prefix_overlaps(&p, &q))
		abort();
}

static void check_mac(const char *text)
{
	char formatted[MAC_STRLEN];
	uint8_t a[6], b[6];

	if (mac_parse(text, a, NULL) < 0)
		return;
	mac_format(a, formatted);
	if (mac_parse(formatted, b, NULL) < 0 || memcmp(a, b, 6) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_addr(text);
	check_prefix(text, false);
	check_prefix(text, true);
	check_mac(text);
	free(text);
	return 0;
}
