#!/usr/bin/env bats
# Kernel drivers of reef-netd on bridge networks: the bridge, veth endpoints,
# isolation, detach and rollback, all inside namespaces this file creates.

load helpers
load kernel_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	HOST=$(netns_add host)
}

teardown() {
	netns_cleanup
}

@test "bridge create sets alias, MTU, MAC, addresses and up" {
	run lab_create
	[ "$status" -eq 0 ]

	run ip -n "$HOST" -d link show rbt0
	[[ "$output" == *"alias reef:lab"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *",UP"* ]]
	[[ "$output" == *"bridge forward_delay"* ]]
	run ip -n "$HOST" -4 addr show dev rbt0
	[[ "$output" == *"inet 10.50.0.1/24"* ]]
	run ip -n "$HOST" -6 addr show dev rbt0
	[[ "$output" == *"inet6 fd50::1/64 scope global nodad"* ]]
}

@test "bridge keeps its MAC and MTU as ports come and go" {
	lab_create
	local mac c1 p1
	mac=$(ip -n "$HOST" -j link show rbt0 | jq -r '.[0].address')
	read -r c1 p1 < <(container_start c1)
	# A port with a lower MAC and a bigger MTU must change neither.
	nk attach --network lab --bridge rbt0 --container c1 --pid "$p1" --host-ifname rfc1 \
		--endpoint-mtu 1500 --mac 02:00:00:00:00:01
	run ip -n "$HOST" -j link show rbt0
	[ "$(echo "$output" | jq -r '.[0].address')" = "$mac" ]
	[ "$(echo "$output" | jq -r '.[0].mtu')" = 1400 ]
}

@test "bridge create twice reuses the bridge" {
	lab_create
	run lab_create
	[ "$status" -eq 0 ]
	[ "$(ip -n "$HOST" -o link show type bridge | wc -l)" -eq 1 ]
}

@test "bridge create rejects a foreign link of that name" {
	ip -n "$HOST" link add rbt0 type bridge
	ip -n "$HOST" link set rbt0 alias mine
	run lab_create
	[ "$status" -eq 1 ]
	[[ "$output" == *"link 'rbt0' is not reef's: its alias is 'mine', expected 'reef:lab'"* ]]
	run nk network-delete --network lab --bridge rbt0
	[ "$status" -eq 1 ]
	ip -n "$HOST" link show rbt0
}

@test "attach configures addresses, MAC, MTU, routes and alias" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	run lab_attach c1 "$p1" 2
	[ "$status" -eq 0 ]

	run ip -n "$HOST" -d link show rfc1
	[[ "$output" == *"master rbt0"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *"alias reef:c1/lab"* ]]
	[[ "$output" == *"state UP"* ]]
	[[ "$output" == *"numtxqueues 1 numrxqueues 1"* ]]
	run ip -n "$c1" -d link show eth0
	[[ "$output" == *"numtxqueues 1 numrxqueues 1"* ]]
	run ip -n "$c1" link show eth0
	[[ "$output" == *"link/ether 02:00:00:00:00:02"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *"alias reef:c1/lab"* ]]
	[[ "$output" == *"state UP"* ]]
	run ip -n "$c1" link show lo
	[[ "$output" == *"LOOPBACK,UP"* ]]
	run ip -n "$c1" addr show eth0
	[[ "$output" == *"inet 10.50.0.2/24"* ]]
	[[ "$output" == *"inet6 fd50::2/64 scope global nodad"* ]]
	run ip -n "$c1" -4 route show default
	[[ "$output" == "default via 10.50.0.1 dev eth0"* ]]
	run ip -n "$c1" -6 route show default
	[[ "$output" == "default via fd50::1 dev eth0"* ]]
}

@test "host end has IPv6 off and no IPv6 routes" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	lab_attach c1 "$p1" 2

	[ "$(in_ns "$HOST" cat /proc/sys/net/ipv6/conf/rfc1/disable_ipv6)" = 1 ]
	[ -z "$(ip -n "$HOST" -6 addr show dev rfc1)" ]
	[ -z "$(ip -n "$HOST" -6 route show table all dev rfc1)" ]
	# The container end keeps its link-local address next to the assigned one.
	ip -n "$c1" -6 addr show dev eth0 | grep -q "inet6 fe80::"
	in_ns "$c1" ping -c1 -W2 fd50::1
}

@test "attach without gateways adds no default route" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	nk attach --network lab --bridge rbt0 --container c1 --pid "$p1" --host-ifname rfc1 \
		--mac 02:00:00:00:00:02 --addr4 10.50.0.2/24
	[ -z "$(ip -n "$c1" -4 route show default)" ]
	[ -z "$(ip -n "$c1" -6 route show default)" ]
	ip -n "$c1" addr show eth0 | grep -q "inet 10.50.0.2/24"
}

@test "two containers reach the gateway and each other" {
	local c1 p1 c2 p2
	lab_create
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	lab_attach c1 "$p1" 2
	lab_attach c2 "$p2" 3

	in_ns "$c1" ping -c1 -W2 10.50.0.1
	in_ns "$c1" ping -c1 -W2 fd50::1
	in_ns "$c1" ping -c1 -W2 10.50.0.3
	in_ns "$c2" ping -c1 -W2 fd50::2
}

@test "isolated ports reach the gateway but not each other" {
	local c1 p1 c2 p2
	lab_create
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	lab_attach c1 "$p1" 2 --isolate
	lab_attach c2 "$p2" 3 --isolate

	run ip -n "$HOST" -d link show rfc1
	[[ "$output" == *"isolated on"* ]]
	in_ns "$c1" ping -c1 -W2 10.50.0.1
	in_ns "$c2" ping -c1 -W2 fd50::1
	run in_ns "$c1" ping -c1 -W1 10.50.0.3
	[ "$status" -ne 0 ]
	run in_ns "$c2" ping -c1 -W1 fd50::2
	[ "$status" -ne 0 ]
}

@test "ports without isolation stay unisolated" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	lab_attach c1 "$p1" 2
	run ip -n "$HOST" -d link show rfc1
	[[ "$output" == *"isolated off"* ]]
}

@test "reused address with a new MAC is reachable at once" {
	local c1 p1 c2 p2 c3 p3
	lab_create
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	read -r c3 p3 < <(container_start c3)
	lab_attach c1 "$p1" 2
	lab_attach c2 "$p2" 3
	in_ns "$c2" ping -c1 -W2 10.50.0.2
	in_ns "$c2" ping -c1 -W2 fd50::2
	ip -n "$c2" neigh show 10.50.0.2 | grep -q 02:00:00:00:00:02

	lab_detach c1 "$p1"
	nk attach --network lab --bridge rbt0 --mtu 1400 --container c3 --pid "$p3" \
		--host-ifname rfc3 --mac 02:00:00:00:00:09 --addr4 10.50.0.2/24 \
		--addr6 fd50::2/64 --route4 10.50.0.1 --route6 fd50::1

	# The announcements replaced the cached MACs; without them the entries
	# would stay REACHABLE with the old MAC and these pings would fail.
	run ip -n "$c2" neigh show 10.50.0.2
	[[ "$output" == *"02:00:00:00:00:09"* ]]
	run ip -n "$c2" neigh show fd50::2
	[[ "$output" == *"02:00:00:00:00:09"* ]]
	in_ns "$c2" ping -c1 -W1 10.50.0.2
	in_ns "$c2" ping -c1 -W1 fd50::2
}

@test "detach removes both ends and is idempotent" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	lab_attach c1 "$p1" 2
	run lab_detach c1 "$p1"
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
	[ -z "$(links_of "$c1")" ]
	run lab_detach c1 "$p1"
	[ "$status" -eq 0 ]
}

@test "detach after the container namespace died" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	lab_attach c1 "$p1" 2
	container_kill "$c1" "$p1"
	run lab_detach c1 "$p1"
	[ "$status" -eq 0 ]
	# The namespace is destroyed asynchronously; the host end goes with it.
	for _ in $(seq 50); do
		[ -z "$(links_of "$HOST" | grep -v rbt0)" ] && break
		sleep 0.1
	done
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
}

@test "detach refuses a host link reef does not own" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	ip -n "$HOST" link add rfc1 type veth peer name other
	ip -n "$HOST" link set rfc1 alias mine
	run lab_detach c1 "$p1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"link 'rfc1' is not reef's"* ]]
	ip -n "$HOST" link show rfc1
}

@test "detach deletes a veth left without alias" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	# What an attach killed between creating the veth and naming it leaves.
	ip -n "$HOST" link add rfc1 master rbt0 type veth peer name eth0 netns "$c1"
	run lab_detach c1 "$p1"
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
	[ -z "$(links_of "$c1")" ]
}

@test "bridge without alias is adopted and deleted" {
	ip -n "$HOST" link add rbt0 type bridge
	run lab_create
	[ "$status" -eq 0 ]
	run ip -n "$HOST" link show rbt0
	[[ "$output" == *"alias reef:lab"* ]]
	ip -n "$HOST" link set rbt0 alias ""
	run nk network-delete --network lab --bridge rbt0
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$HOST")" ]
}

@test "attach to a gone process names the pid" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	container_kill "$c1" "$p1"
	run lab_attach c1 "$p1" 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $p1"* ]]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
}

@test "attach with a taken interface name leaves nothing" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	ip -n "$c1" link add eth0 type veth peer name eth1
	run lab_attach c1 "$p1" 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"the container of pid $p1 has a link 'eth0' already"* ]]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
}

@test "attach with a taken host name names it" {
	local c1 p1 c2 p2
	lab_create
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	lab_attach c1 "$p1" 2
	# Same host end name for another container: the first one keeps its link.
	run nk attach --network lab --bridge rbt0 --container c2 --pid "$p2" --host-ifname rfc1
	[ "$status" -eq 1 ]
	[[ "$output" == *"link 'rfc1' exists already"* ]]
	ip -n "$c1" link show eth0
	[ -z "$(links_of "$c2")" ]
}

@test "attach rejects an invalid MTU" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	run lab_attach c1 "$p1" 2 --endpoint-mtu 99999
	[ "$status" -eq 1 ]
	[[ "$output" == *"MTU 99999 of link 'rfc1' is invalid: use 68 to 65535"* ]]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
	[ -z "$(links_of "$c1")" ]
}

@test "attach failing inside the container rolls back the veth" {
	local c1 p1
	lab_create
	read -r c1 p1 < <(container_start c1)
	# A gateway outside the container's subnet cannot be a next hop.
	run nk attach --network lab --bridge rbt0 --container c1 --pid "$p1" --host-ifname rfc1 \
		--mac 02:00:00:00:00:02 --addr4 10.50.0.2/24 --route4 10.99.0.1
	[ "$status" -eq 1 ]
	[[ "$output" == *"add default route via 10.99.0.1"* ]]
	[[ "$output" == *"in the namespace of pid $p1"* ]]
	# The kernel's extended ACK text follows the errno text.
	[[ "$output" == *"Network is unreachable: "?* ]]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
	[ -z "$(links_of "$c1")" ]
}

@test "attach to a missing bridge names the network" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	run lab_attach c1 "$p1" 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"bridge of network 'lab'"* ]]
	[[ "$output" == *"rbt0"* ]]
	[ -z "$(links_of "$HOST")" ]
}

@test "network delete removes the bridge and is idempotent" {
	lab_create
	run nk network-delete --network lab --bridge rbt0
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$HOST")" ]
	[ -z "$(ip -n "$HOST" -4 route show 10.50.0.0/24)" ]
	run nk network-delete --network lab --bridge rbt0
	[ "$status" -eq 0 ]
}

@test "nothing is left after attach, detach and delete" {
	local c1 p1 c2 p2
	lab_create
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	lab_attach c1 "$p1" 2
	lab_attach c2 "$p2" 3 --isolate
	lab_detach c1 "$p1"
	lab_detach c2 "$p2"
	nk network-delete --network lab --bridge rbt0
	[ -z "$(links_of "$HOST")" ]
	[ -z "$(links_of "$c1")" ]
	[ -z "$(links_of "$c2")" ]
	[ -z "$(ip -n "$HOST" addr show | grep -v '127.0.0.1\|::1\|^[0-9]\|link/\|valid_lft')" ]
	[ -z "$(ip -n "$HOST" route show)" ]
}

@test "attach refuses a pid in the daemon's own namespace" {
	local pid
	lab_create
	pid=$(sleeper_start "$HOST")
	run lab_attach self "$pid" 2
	kill "$pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid $pid shares reef-netd's network namespace"* ]]
	[ -z "$(links_of "$HOST" | grep -v rbt0)" ]
}
