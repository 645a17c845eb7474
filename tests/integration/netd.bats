#!/usr/bin/env bats
# reef-netd: networks through the CLI and the API, and endpoints wired into
# stand-in containers.  Everything runs in namespaces the test creates.

load helpers
load netd_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	netd_setup
}

teardown() {
	netd_teardown
}

@test "bridge network create, list, show, delete" {
	run reef network create lab --subnet 10.90.0.0/24
	[ "$status" -eq 0 ]
	[[ "$output" == *"created network 'lab'"* ]]

	bridge=$(db "SELECT ifname FROM networks WHERE name = 'lab';")
	[[ "$bridge" == rb* ]]
	[ "${#bridge}" -le 15 ]
	ip -n "$HOST" -d link show "$bridge" | grep -q 'bridge'
	ip -n "$HOST" -4 addr show dev "$bridge" | grep -q 'inet 10.90.0.1/24'
	ip -n "$HOST" link show "$bridge" | grep -q 'alias reef:lab'

	run reef network list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == NAME*TYPE*INTERFACE*SUBNET* ]]
	[[ "${lines[1]}" == lab*bridge*"$bridge"*10.90.0.0/24*10.90.0.1* ]]

	run reef network show lab
	[ "$status" -eq 0 ]
	[[ "$output" == *"interface:  $bridge"* ]]
	[[ "$output" == *"gateway:    10.90.0.1"* ]]

	run reef --format json network list
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.[0].name')" = lab ]
	[ "$(echo "$output" | jq -r '.[0].subnet')" = 10.90.0.0/24 ]
	[ "$(echo "$output" | jq -r '.[0].interface')" = "$bridge" ]

	run reef network show lab --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.gateway')" = 10.90.0.1 ]
	[ "$(echo "$output" | jq -r '.endpoints | length')" = 0 ]

	run reef network delete lab
	[ "$status" -eq 0 ]
	[ -z "$(host_links)" ]
	[ "$(db_count networks)" -eq 0 ]
	run reef network list --format json
	[ "$output" = "[]" ]
}

@test "auto subnets skip host routes and each other" {
	ip -n "$HOST" link add up0 type veth peer name up0p
	ip -n "$HOST" addr add 10.88.0.5/24 dev up0
	reef network create a
	reef network create b --ipv6 auto
	[ "$(reef --format json network show a | jq -r .subnet)" = 10.88.1.0/24 ]
	[ "$(reef --format json network show b | jq -r .subnet)" = 10.88.2.0/24 ]
	[ "$(reef --format json network show b | jq -r .subnet6)" != null ]
	[ "$(reef --format json network show a | jq -r .mtu)" = 1500 ]
}

@test "mtu and ipv6 options reach the bridge" {
	reef network create big --subnet 10.91.0.0/24 --ipv6 fd00:91::/64 --mtu 1400 --internal
	bridge=$(db "SELECT ifname FROM networks WHERE name = 'big';")
	ip -n "$HOST" link show "$bridge" | grep -q 'mtu 1400'
	ip -n "$HOST" -6 addr show dev "$bridge" | grep -q 'fd00:91::1/64'
	[ "$(reef --format json network show big | jq -r .internal)" = true ]
}

@test "two containers get distinct addresses and ping each other" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	read -r ns2 pid2 < <(standin_start c2)

	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.addresses[0]')" = 10.90.0.2/24 ]
	[ "$(echo "${lines[1]}" | jq -r '.gateway')" = 10.90.0.1 ]
	[ "$(echo "${lines[1]}" | jq -r '.interface')" = eth0 ]
	[ "$(echo "${lines[1]}" | jq -r '.mtu')" = 1500 ]
	[ "$(echo "${lines[1]}" | jq -r '.dns | type')" = array ]
	host_if=$(echo "${lines[1]}" | jq -r '.host_interface')
	mac=$(echo "${lines[1]}" | jq -r '.mac')
	ip -n "$HOST" link show "$host_if" | grep -q 'alias reef:c1/lab'
	ip -n "$ns1" link show eth0 | grep -q "$mac"

	run attach c2 "$pid2" lab
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.addresses[0]')" = 10.90.0.3/24 ]

	[ "$(ns_addr "$ns1")" = 10.90.0.2 ]
	[ "$(ns_addr "$ns2")" = 10.90.0.3 ]
	ip -n "$ns1" route show default | grep -q 'via 10.90.0.1'
	ns_ping "$ns1" 10.90.0.1
	ns_ping "$ns2" 10.90.0.1
	ns_ping "$ns1" 10.90.0.3
	ns_ping "$ns2" 10.90.0.2

	run api GET "/v1/endpoints?container=c1"
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r 'length')" = 1 ]
	[ "$(echo "${lines[1]}" | jq -r '.[0].network')" = lab ]

	run reef network show lab
	[[ "$output" == *c1*"$host_if"*10.90.0.2* ]]

	run api DELETE /v1/endpoints/c1/lab
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r '.detached')" = 1 ]
	! ip -n "$HOST" link show "$host_if" 2>/dev/null
	! ip -n "$ns1" link show eth0 2>/dev/null
	[ "$(db "SELECT count(*) FROM leases WHERE container = 'c1';")" -eq 0 ]

	# Detaching twice is harmless.
	run api DELETE /v1/endpoints/c1/lab
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r '.detached')" = 0 ]
}

@test "detach with wait=false deletes the veth after replying" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]
	host_if=$(echo "${lines[1]}" | jq -r '.host_interface')

	run api DELETE "/v1/endpoints/c1?wait=false"
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r '.detached')" = 1 ]
	[ "$(echo "${lines[1]}" | jq -c '.deleting')" = "[\"$host_if\"]" ]
	# Endpoint and lease go at once, the veth shortly after.
	[ "$(db_count endpoints)" -eq 0 ]
	[ "$(db_count leases)" -eq 0 ]
	for _ in $(seq 100); do
		ip -n "$HOST" link show "$host_if" >/dev/null 2>&1 || break
		sleep 0.02
	done
	! ip -n "$HOST" link show "$host_if" 2>/dev/null

	# An attach right after a detach gets the same host name: it waits for the old veth.
	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]
	run api DELETE "/v1/endpoints/c1?wait=false"
	[ "${lines[0]}" = 200 ]
	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.host_interface')" = "$host_if" ]
	ip -n "$HOST" link show "$host_if" | grep -q 'alias reef:c1/lab'

	# Without the argument a detach returns once the veth is gone.
	run api DELETE /v1/endpoints/c1
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -c '.deleting')" = "[]" ]
	! ip -n "$HOST" link show "$host_if" 2>/dev/null

	run api DELETE "/v1/endpoints/c1?wait=maybe"
	[ "${lines[0]}" = 400 ]
}

@test "stop deletes the veths a detach left" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	read -r ns2 pid2 < <(standin_start c2)
	attach c1 "$pid1" lab >/dev/null
	attach c2 "$pid2" lab >/dev/null
	run api DELETE "/v1/endpoints/c1?wait=false"
	[ "${lines[0]}" = 200 ]
	run api DELETE "/v1/endpoints/c2?wait=false"
	[ "${lines[0]}" = 200 ]
	netd_stop "$ROOT"
	[ "$(host_links | grep -c '^rf' || true)" -eq 0 ]
	grep -q "stopping on" "$ROOT/netd.log"
}

@test "detach after the container is gone cleans the host" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]
	kill -9 "$pid1"
	ip netns del "$ns1"

	run api DELETE /v1/endpoints/c1/lab
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r '.detached')" = 1 ]
	[ "$(host_links | grep -c '^rf' || true)" -eq 0 ]
	[ "$(db_count endpoints)" -eq 0 ]
	[ "$(db_count leases)" -eq 0 ]
}

@test "ipv6 network gives both address families" {
	reef network create dual --subnet 10.95.0.0/24 --ipv6 fd00:95::/64
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" dual
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.addresses | join(" ")')" = "10.95.0.2/24 fd00:95::2/64" ]
	[ "$(echo "${lines[1]}" | jq -r '.gateway6')" = fd00:95::1 ]
	ip -n "$ns1" -6 addr show dev eth0 | grep -q 'fd00:95::2/64'
	ip -n "$ns1" -6 route show default | grep -q 'via fd00:95::1'
	[ "$(db "SELECT count(*) FROM leases WHERE container = 'c1';")" -eq 2 ]
}

@test "isolated network blocks container to container" {
	reef network create iso --subnet 10.92.0.0/24 --isolate
	read -r ns1 pid1 < <(standin_start c1)
	read -r ns2 pid2 < <(standin_start c2)
	run attach c1 "$pid1" iso
	[ "${lines[0]}" = 201 ]
	run attach c2 "$pid2" iso
	[ "${lines[0]}" = 201 ]

	ns_ping "$ns1" 10.92.0.1
	ns_ping "$ns2" 10.92.0.1
	! ns_ping "$ns1" 10.92.0.3
	! ns_ping "$ns2" 10.92.0.2
}

@test "second network has no default route unless asked" {
	reef network create one --subnet 10.93.0.0/24
	reef network create two --subnet 10.94.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" one
	[ "${lines[0]}" = 201 ]
	run attach c1 "$pid1" two ',"interface":"eth1"'
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.default_route')" = false ]
	[ "$(ip -n "$ns1" route show default | wc -l)" -eq 1 ]
	ip -n "$ns1" route show default | grep -q 'via 10.93.0.1 dev eth0'
	[ "$(ns_addr "$ns1" eth1)" = 10.94.0.2 ]

	# Detaching the container from everything removes both interfaces.
	run api DELETE /v1/endpoints/c1
	[ "$(echo "${lines[1]}" | jq -r '.detached')" = 2 ]
	[ "$(db_count endpoints)" -eq 0 ]
	! ip -n "$ns1" link show eth1 2>/dev/null
}

@test "static address and mac are honoured" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" lab ',"address":"10.90.0.77","mac":"02:42:0a:5a:00:4d"'
	[ "${lines[0]}" = 201 ]
	[ "$(ns_addr "$ns1")" = 10.90.0.77 ]
	ip -n "$ns1" link show eth0 | grep -q '02:42:0a:5a:00:4d'
}

@test "delete with endpoints needs force" {
	reef network create lab --subnet 10.90.0.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" lab
	[ "${lines[0]}" = 201 ]

	run reef network delete lab
	[ "$status" -ne 0 ]
	[[ "$output" == *"1 container is still attached ('c1')"* ]]
	[ "$(db_count endpoints)" -eq 1 ]
	ns_ping "$ns1" 10.90.0.1

	run reef network delete lab --force
	[ "$status" -eq 0 ]
	[ -z "$(host_links)" ]
	! ip -n "$ns1" link show eth0 2>/dev/null
	[ "$(db_count endpoints)" -eq 0 ]
	[ "$(db_count leases)" -eq 0 ]
	[ "$(db_count pools)" -eq 0 ]
}

@test "macvlan network on a parent interface" {
	ip -n "$HOST" link add lan0 type veth peer name lan0p
	ip -n "$HOST" link set lan0p up
	ip -n "$HOST" link set lan0 up
	run reef network create lan --type macvlan --parent lan0 --subnet 192.168.50.0/24 \
		--gateway 192.168.50.254
	[ "$status" -eq 0 ]
	read -r ns1 pid1 < <(standin_start c1)
	read -r ns2 pid2 < <(standin_start c2)
	run attach c1 "$pid1" lan
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.host_interface')" = lan0 ]
	run attach c2 "$pid2" lan
	[ "${lines[0]}" = 201 ]
	[ "$(ns_addr "$ns1")" = 192.168.50.1 ]
	[ "$(ns_addr "$ns2")" = 192.168.50.2 ]
	ip -n "$ns1" -d link show eth0 | grep -q 'macvlan mode bridge'
	ns_ping "$ns1" 192.168.50.2

	run api DELETE /v1/endpoints/c1/lan
	[ "${lines[0]}" = 200 ]
	! ip -n "$ns1" link show eth0 2>/dev/null
	[ "$(host_links | sort | xargs)" = "lan0 lan0p" ]
}

@test "macvlan attach works with the parent down" {
	ip -n "$HOST" link add lan0 type veth peer name lan0p
	reef network create lan --type macvlan --parent lan0 --subnet 192.168.50.0/24
	read -r ns1 pid1 < <(standin_start c1)
	run attach c1 "$pid1" lan
	[ "${lines[0]}" = 201 ]
	[ "$(ns_addr "$ns1")" = 192.168.50.2 ]
}

@test "daemon is ready fast and removes its socket on SIGTERM" {
	netd_stop "$ROOT"
	[ ! -e "$SOCK" ]
	grep -q 'stopping on Terminated' "$ROOT/netd.log"
	grep -q 'reef-netd: info: stopped' "$ROOT/netd.log"

	# Without --foreground the command returns once the socket answers.
	start=$(date +%s%N)
	nsenter --net="/run/netns/$HOST" "$REEF_NETD" --root "$ROOT" 2>>"$ROOT/netd.log"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	echo "# ready after $elapsed_ms ms" >&3
	run api GET /v1/status
	[ "${lines[0]}" = 200 ]
	[ "$(echo "${lines[1]}" | jq -r '.networks')" = 0 ]
	pid=$(echo "${lines[1]}" | jq -r '.pid')
	echo "$pid" >"$ROOT/netd.pid"
	# Below 50 ms on an idle machine; the bound leaves room for loaded CI hosts.
	[ "$elapsed_ms" -lt 500 ]
	grep -qE 'started .* in [0-9.]+ ms' "$ROOT/netd.log"
}

@test "api rejects callers that are not root or in the group" {
	chmod 0666 "$SOCK"
	# Let the unprivileged caller reach the socket through the test's directories.
	dir=$SOCK
	while dir=$(dirname "$dir") && [ "$dir" != "$(dirname "$BATS_RUN_TMPDIR")" ]; do
		chmod o+x "$dir"
	done
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
		curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" http://reef/v1/status
	[ "$output" = 403 ]
	grep -q 'rejected: not root and not in the API group' "$ROOT/netd.log"
}

# Lets uid 65534 reach the socket through the test's directories.
socket_open_to_others() {
	local dir=$SOCK
	while dir=$(dirname "$dir") && [ "$dir" != "$(dirname "$BATS_RUN_TMPDIR")" ]; do
		chmod o+x "$dir"
	done
}

@test "attach rejects a process in the daemon's own namespace" {
	reef network create lab30 --subnet 10.95.30.0/24 >/dev/null
	pid=$(sleeper_start "$HOST")
	run attach c1 "$pid" lab30
	[ "${lines[0]}" = 400 ]
	[[ "$output" == *"process $pid is in reef-netd's own network namespace"* ]]
	[ "$(db_count endpoints)" -eq 0 ]
	[ -z "$(host_links | grep '^rf' || true)" ]
}

@test "api group members attach only their own processes" {
	netd_stop "$ROOT"
	netd_start "$HOST" "$ROOT" --group nogroup
	socket_open_to_others
	reef network create lab31 --subnet 10.95.31.0/24 >/dev/null
	read -r victim_ns root_pid < <(standin_start victim)
	# The member's process in a namespace that root made...
	borrowed=$(netns_add borrowed)
	nsenter --net="/run/netns/$borrowed" setpriv --reuid=65534 --regid=65534 --clear-groups \
		sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	borrowed_pid=$!
	# ...and in a user and network namespace of its own.
	nsenter --net="/run/netns/$HOST" setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare --user --map-root-user --net sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	own_pid=$!
	sleep 0.3

	as_member() {
		setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -w '\n%{http_code}' \
			--unix-socket "$SOCK" -H 'Content-Type: application/json' \
			-d "{\"container\":\"$1\",\"pid\":$2,\"network\":\"lab31\"}" \
			http://reef/v1/endpoints
	}
	run as_member victim "$root_pid"
	[ "${lines[-1]}" = 403 ]
	[[ "$output" == *"process $root_pid belongs to uid 0"* ]]
	run ip -n "$victim_ns" link show eth0
	[ "$status" -ne 0 ]
	run as_member borrowed "$borrowed_pid"
	[ "${lines[-1]}" = 403 ]
	[[ "$output" == *"the network namespace of process $borrowed_pid belongs to uid 0"* ]]
	run ip -n "$borrowed" link show eth0
	[ "$status" -ne 0 ]
	run as_member mine "$own_pid"
	[ "${lines[-1]}" = 201 ]
	[ "$(db_count endpoints)" -eq 1 ]
	kill "$own_pid"
}

@test "api serves while idle connections pile up, and drops them" {
	idle_connections 1500 "$BATS_TEST_TMPDIR/idle" &
	flood=$!
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/idle" ] && break
		sleep 0.1
	done
	run timeout 5 env REEF_ROOT="$ROOT" "$REEF" network list
	[ "$status" -eq 0 ]
	wait "$flood"
	grep -E 'dropped after ([0-9]|1[0-2]) s' "$BATS_TEST_TMPDIR/idle"
}

@test "api serves again after idle connections at the limit time out" {
	netd_stop "$ROOT"
	# 64 descriptors leave room for 16 connections: 17 idle ones fill the limit.
	ip netns exec "$HOST" prlimit --nofile=64:64 "$REEF_NETD" --root "$ROOT" --foreground \
		>>"$ROOT/netd.log" 2>&1 &
	echo $! >"$ROOT/netd.pid"
	for _ in $(seq 100); do
		curl -sf --unix-socket "$SOCK" http://reef/v1/status >/dev/null && break
		sleep 0.05
	done
	idle_connections 17 "$BATS_TEST_TMPDIR/idle"
	grep -q 'dropped after' "$BATS_TEST_TMPDIR/idle"
	# The loop wakes within a second to take new connections again.
	sleep 1.5
	run curl -sf -m 5 --unix-socket "$SOCK" http://reef/v1/status
	[ "$status" -eq 0 ]
}

@test "reef gives up on a daemon that does not reply" {
	kill -STOP "$(cat "$ROOT/netd.pid")"
	SECONDS=0
	REEF_TIMEOUT=2 run reef network list
	kill -CONT "$(cat "$ROOT/netd.pid")"
	[ "$status" -eq 1 ]
	[[ "$output" == *"did not reply within 2 s: check that it runs and is not stopped"* ]]
	[ "$SECONDS" -lt 10 ]
}

@test "create takes options before the name" {
	run reef network create --subnet 10.95.0.0/24 lab21
	[ "$status" -eq 0 ]
	[[ "$output" == "created network 'lab21'"*"subnet 10.95.0.0/24"* ]]
	run reef network create --subnet=10.95.1.0/24 --isolate lab22 --mtu 1400
	[ "$status" -eq 0 ]
	[ "$(db "SELECT isolate || ' ' || mtu FROM networks WHERE name = 'lab22';")" = "1 1400" ]
	[ "$(db "SELECT subnet FROM pools WHERE network = 'lab22';")" = 10.95.1.0/24 ]
	run reef network create -- lab23
	[ "$status" -eq 0 ]
	run reef network create --subnet 10.95.2.0/24
	[ "$status" -eq 2 ]
	[ "$output" = "reef: missing network name: reef network create NAME [OPTION...]" ]
	run reef network create lab24 lab25
	[ "$status" -eq 2 ]
	[[ "$output" == "reef: unexpected argument 'lab25' after network name 'lab24'"* ]]
}
