/* SPDX-License-Identifier: MIT */
/*
 * IPv6 address announcements after attach.  A released address goes to the
 * next container with a new MAC.  Neighbours (the gateway, other
 * containers) may still cache the old MAC as REACHABLE and would send to it
 * until their entry times out.  Linux updates an existing neighbour entry
 * from an unsolicited neighbour advertisement with the override flag.
 *
 * IPv4 gets its gratuitous ARP from the kernel (arp_notify), because
 * closing an AF_PACKET socket waits for an RCU grace period: 8-13 ms on a
 * 2-core VM with Linux 6.18, most of an attach there.
 */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../common/cleanup.h"

void announce_na_build(uint8_t out[ANNOUNCE_NA_SIZE], const uint8_t mac[6], const uint8_t ip[16])
{
	struct nd_neighbor_advert na = {
		.nd_na_type = ND_NEIGHBOR_ADVERT,
		.nd_na_code = 0,
		/* Not solicited, so receivers mark the entry STALE and confirm it on first use. */
		.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE,
	};
	struct nd_opt_hdr opt = { .nd_opt_type = ND_OPT_TARGET_LINKADDR, .nd_opt_len = 1 };

	/* The checksum stays zero: the kernel fills it in for ICMPv6 raw sockets (RFC 3542). */
	memcpy(&na.nd_na_target, ip, 16);
	memcpy(out, &na, sizeof(na));
	memcpy(out + sizeof(na), &opt, sizeof(opt));
	memcpy(out + sizeof(na) + sizeof(opt), mac, 6);
}

int announce_ipv6_address(int ifindex, const uint8_t mac[6], const struct ip_addr *addr,
			  struct reef_error *err)
{
	_cleanup_(close_fd) int fd = -1;
	uint8_t packet[ANNOUNCE_NA_SIZE];
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = ifindex };
	int hops = 255; /* receivers drop neighbour discovery with any other hop limit */

	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return error_set_errno(err, errno, "open ICMPv6 socket");
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0)
		return error_set_errno(err, errno, "set up ICMPv6 socket");

	/* The source is the announced address itself: the link-local one may still be tentative. */
	memcpy(&from.sin6_addr, addr->bytes, 16);
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0)
		return error_set_errno(err, errno, "bind ICMPv6 socket");
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	announce_na_build(packet, mac, addr->bytes);
	if (sendto(fd, packet, sizeof(packet), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return error_set_errno(err, errno, "send unsolicited neighbour advertisement");
	return 0;
}
