#!/usr/bin/env bats
# reef-netd after a crash or a restart: reconciliation brings the kernel in
# line with the database, with no leaked interface, no lease without a live
# endpoint and no duplicate address.

load helpers
load netd_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	netd_setup
	reef network create lab --subnet 10.90.0.0/24 >/dev/null
	BRIDGE=$(db "SELECT ifname FROM networks WHERE name = 'lab';")
}

teardown() {
	netd_teardown
}

# Starts N stand-in containers c1..cN; their namespaces and pids go to NS[] and PID[].
standins_start() {
	local i ns pid
	for i in $(seq "$1"); do
		read -r ns pid < <(standin_start "c$i")
		NS[i]=$ns
		PID[i]=$pid
	done
}

# Kills reef-netd with SIGKILL, as a crash would.
netd_crash() {
	kill -9 "$(cat "$ROOT/netd.pid")"
	while kill -0 "$(cat "$ROOT/netd.pid")" 2>/dev/null; do sleep 0.01; done
	rm -f "$ROOT/netd.pid"
}

# Reports how reef-netd ended when a request found it gone, then fails.
netd_exit_status() {
	local pid status=0
	pid=$(cat "$ROOT/netd.pid")
	if kill -0 "$pid" 2>/dev/null; then
		echo "reef-netd (pid $pid) runs but did not answer"
	else
		wait "$pid" || status=$?
		echo "reef-netd (pid $pid) is gone, exit status $status"
	fi
	return 1
}

# Checks that kernel, database and containers agree, for stand-ins 1..N.
check_consistent() {
	local n=$1 i link addr want seen=""

	# Every reef veth on the host belongs to an endpoint, and every endpoint has its veth.
	for link in $(host_links | grep '^rf' || true); do
		[ "$(db "SELECT count(*) FROM endpoints WHERE host_ifname = '$link';")" -eq 1 ] ||
			{ echo "leaked interface $link"; return 1; }
	done
	for link in $(db "SELECT host_ifname FROM endpoints;"); do
		ip -n "$HOST" link show "$link" >/dev/null 2>&1 ||
			{ echo "endpoint without interface $link"; return 1; }
	done

	# Leases are exactly the endpoints' addresses.
	[ "$(db "SELECT group_concat(address) FROM (SELECT address FROM leases ORDER BY address);")" = \
	  "$(db "SELECT group_concat(addr4) FROM (SELECT addr4 FROM endpoints ORDER BY addr4);")" ] ||
		{ echo "leases differ from endpoints"; return 1; }

	# Each container has an interface exactly when it has an endpoint, with its address.
	for i in $(seq "$n"); do
		addr=$(ns_addr "${NS[i]}")
		want=$(db "SELECT addr4 FROM endpoints WHERE container = 'c$i';")
		[ "$addr" = "$want" ] || { echo "c$i has '$addr', database '$want'"; return 1; }
		if [ -n "$addr" ]; then
			[[ " $seen " != *" $addr "* ]] || { echo "duplicate address $addr"; return 1; }
			seen="$seen $addr"
		fi
	done
}

@test "kill -9 during attaches and detaches leaks nothing" {
	local n=20 round
	standins_start $n

	for round in 1 2 3 4; do
		(
			for i in $(seq $n); do
				if [ $((round % 2)) -eq 1 ]; then
					attach "c$i" "${PID[i]}" lab
				else
					api DELETE "/v1/endpoints/c$i/lab"
				fi
			done
		) >/dev/null 2>&1 3>&- &
		loop=$!
		# Somewhere in the middle of the loop: each request takes a few milliseconds.
		sleep "0.$((RANDOM % 12 + 1))"
		netd_crash
		wait "$loop" || true
		netd_start "$HOST" "$ROOT"
		run check_consistent $n
		echo "# round $round: $(db_count endpoints) endpoints after restart" >&3
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done

	# After all that, every container can still be attached and reaches the others.
	for i in $(seq $n); do
		attach "c$i" "${PID[i]}" lab >/dev/null || netd_exit_status
	done
	check_consistent $n
	[ "$(db_count endpoints)" -eq $n ]
	ns_ping "${NS[1]}" "$(ns_addr "${NS[$n]}")"
}

@test "bridge deleted by hand is back after restart" {
	standins_start 1
	run attach c1 "${PID[1]}" lab
	[ "${lines[0]}" = 201 ]
	netd_stop "$ROOT"
	ip -n "$HOST" link del "$BRIDGE"

	netd_start "$HOST" "$ROOT"
	ip -n "$HOST" -4 addr show dev "$BRIDGE" | grep -q 'inet 10.90.0.1/24'
	grep -q "recreated missing bridge '$BRIDGE'" "$ROOT/netd.log"
	# The live container was wired to the new bridge with its old address.
	[ "$(ns_addr "${NS[1]}")" = 10.90.0.2 ]
	ns_ping "${NS[1]}" 10.90.0.1
	check_consistent 1
}

@test "orphan reef interfaces are deleted at start" {
	netd_stop "$ROOT"
	ip -n "$HOST" link add rfdeadbeef000 type veth peer name rfdeadbeef001
	ip -n "$HOST" link set rfdeadbeef000 alias "reef:ghost/lab"
	ip -n "$HOST" link add other0 type veth peer name other1
	ip -n "$HOST" link set other0 alias "not reef"

	netd_start "$HOST" "$ROOT"
	! ip -n "$HOST" link show rfdeadbeef000 2>/dev/null
	ip -n "$HOST" link show other0 >/dev/null
	ip -n "$HOST" link show "$BRIDGE" >/dev/null
	grep -q "deleted orphan interface 'rfdeadbeef000'" "$ROOT/netd.log"
}

@test "endpoints of exited containers are released at start" {
	standins_start 2
	attach c1 "${PID[1]}" lab >/dev/null
	attach c2 "${PID[2]}" lab >/dev/null
	netd_stop "$ROOT"
	kill -9 "${PID[1]}"
	ip netns del "${NS[1]}"

	netd_start "$HOST" "$ROOT"
	[ "$(db "SELECT group_concat(container) FROM endpoints;")" = c2 ]
	[ "$(db "SELECT group_concat(container) FROM leases;")" = c2 ]
	[ "$(host_links | grep -c '^rf')" -eq 1 ]
	grep -q "release endpoint 'c1' on network 'lab'" "$ROOT/netd.log"
}

@test "a reused pid does not keep an endpoint alive" {
	standins_start 1
	attach c1 "${PID[1]}" lab >/dev/null
	netd_stop "$ROOT"
	# Same pid, other start time: what a new process with a recycled pid looks like.
	db "UPDATE endpoints SET start_time = start_time + 1 WHERE container = 'c1';"

	netd_start "$HOST" "$ROOT"
	[ "$(db_count endpoints)" -eq 0 ]
	[ "$(db_count leases)" -eq 0 ]
	! ip -n "${NS[1]}" link show eth0 2>/dev/null
	grep -q "release endpoint 'c1' on network 'lab' (pid ${PID[1]}): its process is gone" \
		"$ROOT/netd.log"
}
