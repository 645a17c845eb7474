#!/usr/bin/env bats
# macvlan networks: endpoints on a parent link in the test's host namespace.
# The parent is one end of a veth pair because this kernel may lack the dummy
# driver; either way it is a plain Ethernet link that macvlan accepts.

load helpers
load kernel_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	HOST=$(netns_add host)
	ip -n "$HOST" link add uplink0 type veth peer name uplink0p
	ip -n "$HOST" link set uplink0p up
	ip -n "$HOST" link set uplink0 up
}

teardown() {
	netns_cleanup
}

# Attaches container NAME with pid PID to macvlan network 'mv' as address .N.
mv_attach() {
	local name=$1 pid=$2 n=$3
	shift 3
	nk attach --kind macvlan --network mv --parent uplink0 --container "$name" --pid "$pid" \
		--mac "02:00:00:00:01:0$n" --addr4 "10.60.0.$n/24" --addr6 "fd60::$n/64" "$@"
}

mv_detach() {
	nk detach --kind macvlan --network mv --parent uplink0 --container "$1" --pid "$2"
}

@test "macvlan create checks the parent" {
	run nk network-create --kind macvlan --network mv --parent uplink0
	[ "$status" -eq 0 ]
	# The network itself creates nothing in the kernel.
	[ "$(links_of "$HOST" | sort | tr '\n' ' ')" = "uplink0 uplink0p " ]
}

@test "macvlan create names a missing parent" {
	run nk network-create --kind macvlan --network mv --parent nosuch0
	[ "$status" -eq 1 ]
	[[ "$output" == *"parent interface 'nosuch0' of network 'mv' not found"* ]]
	[[ "$output" == *"--parent"* ]]
}

@test "macvlan create rejects a loopback parent" {
	run nk network-create --kind macvlan --network mv --parent lo
	[ "$status" -eq 1 ]
	[[ "$output" == *"parent interface 'lo' of network 'mv' is not an Ethernet interface"* ]]
}

@test "macvlan create without a parent is rejected" {
	run nk network-create --kind macvlan --network mv
	[ "$status" -eq 1 ]
	[[ "$output" == *"macvlan network 'mv' has no parent interface"* ]]
}

@test "macvlan attach configures the container link" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	run mv_attach c1 "$p1" 2 --endpoint-mtu 1400
	[ "$status" -eq 0 ]

	run ip -n "$c1" -d link show eth0
	[[ "$output" == *"macvlan mode bridge"* ]]
	[[ "$output" == *"link/ether 02:00:00:00:01:02"* ]]
	[[ "$output" == *"mtu 1400"* ]]
	[[ "$output" == *"alias reef:c1/mv"* ]]
	run ip -n "$c1" addr show eth0
	[[ "$output" == *"inet 10.60.0.2/24"* ]]
	[[ "$output" == *"inet6 fd60::2/64 scope global nodad"* ]]
	# Nothing appears in the host namespace.
	[ "$(links_of "$HOST" | sort | tr '\n' ' ')" = "uplink0 uplink0p " ]
}

@test "macvlan containers reach each other" {
	local c1 p1 c2 p2
	read -r c1 p1 < <(container_start c1)
	read -r c2 p2 < <(container_start c2)
	mv_attach c1 "$p1" 2
	mv_attach c2 "$p2" 3
	in_ns "$c1" ping -c1 -W2 10.60.0.3
	in_ns "$c2" ping -c1 -W2 fd60::2
}

@test "macvlan default routes via a gateway" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	mv_attach c1 "$p1" 2 --route4 10.60.0.1 --route6 fd60::1
	run ip -n "$c1" -4 route show default
	[[ "$output" == "default via 10.60.0.1 dev eth0"* ]]
	run ip -n "$c1" -6 route show default
	[[ "$output" == "default via fd60::1 dev eth0"* ]]
}

@test "macvlan attach works with the parent down" {
	local c1 p1
	ip -n "$HOST" link set uplink0 down
	read -r c1 p1 < <(container_start c1)
	run mv_attach c1 "$p1" 2
	[ "$status" -eq 0 ]
	run ip -n "$c1" addr show eth0
	[[ "$output" == *"inet 10.60.0.2/24"* ]]
	[[ "$output" == *"NO-CARRIER"*",UP"* ]]
	# Once the parent comes up, so does the carrier.
	ip -n "$HOST" link set uplink0 up
	for _ in $(seq 50); do
		ip -n "$c1" link show eth0 | grep -q LOWER_UP && break
		sleep 0.02
	done
	run ip -n "$c1" link show eth0
	[[ "$output" == *"LOWER_UP"* ]]
}

@test "macvlan attach with a missing parent leaves nothing" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	run nk attach --kind macvlan --network mv --parent nosuch0 --container c1 --pid "$p1" \
		--mac 02:00:00:00:01:02 --addr4 10.60.0.2/24
	[ "$status" -eq 1 ]
	[[ "$output" == *"parent interface 'nosuch0'"* ]]
	[ -z "$(links_of "$c1")" ]
}

@test "macvlan attach failure rolls back the link" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	run mv_attach c1 "$p1" 2 --route4 10.99.0.1
	[ "$status" -eq 1 ]
	[[ "$output" == *"add default route via 10.99.0.1"* ]]
	[ -z "$(links_of "$c1")" ]
}

@test "macvlan detach deletes the container link" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	mv_attach c1 "$p1" 2
	run mv_detach c1 "$p1"
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$c1")" ]
	run mv_detach c1 "$p1"
	[ "$status" -eq 0 ]
}

@test "macvlan detach after the namespace died" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	mv_attach c1 "$p1" 2
	container_kill "$c1" "$p1"
	run mv_detach c1 "$p1"
	[ "$status" -eq 0 ]
	[ "$(links_of "$HOST" | sort | tr '\n' ' ')" = "uplink0 uplink0p " ]
}

@test "macvlan detach deletes a link left without alias" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	ip -n "$HOST" link add eth0 link uplink0 netns "$c1" type macvlan mode bridge
	run mv_detach c1 "$p1"
	[ "$status" -eq 0 ]
	[ -z "$(links_of "$c1")" ]
}

@test "macvlan detach leaves a foreign link alone" {
	local c1 p1
	read -r c1 p1 < <(container_start c1)
	ip -n "$c1" link add eth0 type veth peer name eth1
	run mv_detach c1 "$p1"
	[ "$status" -eq 0 ]
	ip -n "$c1" link show eth0
}
