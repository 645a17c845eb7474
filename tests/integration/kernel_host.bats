#!/usr/bin/env bats
# Host facts the daemon core asks the kernel drivers for: used subnets, the
# default MTU and reef-owned links, read inside a test namespace.

load helpers
load kernel_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	HOST=$(netns_add host)
	ip -n "$HOST" link add up0 mtu 1450 type veth peer name up0p
	ip -n "$HOST" link set up0p up
	ip -n "$HOST" link set up0 up
	ip -n "$HOST" addr add 192.168.7.5/24 dev up0
	ip -n "$HOST" addr add fd70::5/64 dev up0 nodad
}

teardown() {
	netns_cleanup
}

@test "used subnets lists routes and addresses" {
	ip -n "$HOST" route add 10.0.0.0/8 via 192.168.7.1
	ip -n "$HOST" route add blackhole 10.200.0.0/16
	ip -n "$HOST" route add 172.16.0.0/12 via 192.168.7.1 table 100
	run nk used-subnets
	[ "$status" -eq 0 ]
	echo "$output"
	grep -qxF "$(printf '10.0.0.0/8\troute 10.0.0.0/8 dev up0')" <<<"$output"
	grep -qxF "$(printf '10.200.0.0/16\troute 10.200.0.0/16')" <<<"$output"
	grep -qxF "$(printf '172.16.0.0/12\troute 172.16.0.0/12 dev up0')" <<<"$output"
	grep -qxF "$(printf '192.168.7.0/24\troute 192.168.7.0/24 dev up0')" <<<"$output"
	grep -qxF "$(printf '192.168.7.0/24\taddress 192.168.7.5/24 on up0')" <<<"$output"
	grep -qxF "$(printf 'fd70::/64\taddress fd70::5/64 on up0')" <<<"$output"
	grep -qxF "$(printf 'fd70::/64\troute fd70::/64 dev up0')" <<<"$output"
}

@test "used subnets skips loopback, link-local and defaults" {
	ip -n "$HOST" route add default via 192.168.7.1
	ip -n "$HOST" -6 route add default via fd70::1
	run nk used-subnets
	[ "$status" -eq 0 ]
	echo "$output"
	! grep -q '^127\.' <<<"$output"
	! grep -q '^::1/' <<<"$output"
	! grep -q '^fe80:' <<<"$output"
	! grep -q '^ff00:' <<<"$output"
	! grep -q '^0\.0\.0\.0/0' <<<"$output"
	! grep -q '^::/0' <<<"$output"
}

@test "used subnets skips reef's own bridges" {
	lab_create
	run nk used-subnets
	[ "$status" -eq 0 ]
	! grep -q '10\.50\.0\.' <<<"$output"
	! grep -q 'fd50::' <<<"$output"
	! grep -q 'rbt0' <<<"$output"
	grep -q 'on up0' <<<"$output"
}

@test "default MTU is the default route's link MTU" {
	run nk default-mtu
	[ "$output" = 1500 ]
	ip -n "$HOST" -6 route add default via fd70::1
	run nk default-mtu
	[ "$output" = 1450 ]
	ip -n "$HOST" link add up1 mtu 9000 type veth peer name up1p
	ip -n "$HOST" link set up1 up
	ip -n "$HOST" addr add 192.168.8.5/24 dev up1
	ip -n "$HOST" route add default via 192.168.8.1
	# IPv4 wins over IPv6.
	run nk default-mtu
	[ "$output" = 9000 ]
}

@test "owned links lists links with a reef alias" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	lab_attach c1 "$p1" 2
	ip -n "$HOST" link set up0 alias "not-reef"
	run nk owned-links
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ';')" = "rbt0 reef:lab;rfc1 reef:c1/lab;" ]
}

@test "owned links lists alias-less veths on reef bridges" {
	lab_create
	# A host end whose creator died before the alias request, and two foreign veths.
	ip -n "$HOST" link add rfhalf master rbt0 type veth peer name rfhalfp
	ip -n "$HOST" link add br9 type bridge
	ip -n "$HOST" link add other1 master br9 type veth peer name other1p
	run nk owned-links
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | sort | tr '\n' ';')" = "rbt0 reef:lab;rfhalf ;" ]
}

@test "link exists and link delete" {
	run nk link-exists up0
	[ "$status" -eq 0 ]
	run nk link-delete up0
	[ "$status" -eq 0 ]
	run nk link-exists up0
	[ "$status" -eq 1 ]
	[[ "$output" == *"'up0' not found"* ]]
	# Deleting a link that is already gone succeeds.
	run nk link-delete up0
	[ "$status" -eq 0 ]
}
