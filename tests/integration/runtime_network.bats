#!/usr/bin/env bats
# Containers on reef-netd networks: wiring at launch, reachability, and the
# release of interfaces and leases on stop, delete and a killed monitor.

bats_require_minimum_version 1.5.0

load runtime_helpers

setup_file() {
	runtime_setup_file
}

setup() {
	[ -x "$REEF_NETD" ] || skip "reef-netd is not built"
	runtime_setup
}

teardown() {
	runtime_teardown
}

# Starts reef-netd in the test namespace and creates the internal network 'lab'.
lab_create() {
	netd_start "$NS" "$REEF_ROOT"
	reef network create lab --subnet 10.77.0.0/24 --internal >/dev/null
}

# Prints the endpoints reef-netd holds for container NAME, one JSON object a line.
endpoints_of() {
	curl -sf --unix-socket "$REEF_ROOT/run/netd.sock" http://reef/v1/endpoints |
		jq -c --arg name "$1" '.[] | select(.container == $name)'
}

@test "two containers on one network ping each other" {
	lab_create
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	reef launch "$RUNTIME_ROOTFS" c2 --network lab,ip=10.77.0.50 -- sleep 1000
	address=$(info_field c1 '.networks[0].addresses[0]')
	[[ "$address" == 10.77.0.* ]]
	[ "$(info_field c2 '.networks[0].addresses[0]')" = 10.77.0.50/24 ]
	run reef exec c1 -- ping -c 1 -W 2 10.77.0.50
	[ "$status" -eq 0 ]
	run reef exec c2 -- ping -c 1 -W 2 "${address%/*}"
	[ "$status" -eq 0 ]
	run reef exec c1 -- ls /sys/class/net
	[ "$output" = "$(printf 'eth0\nlo')" ]
	run reef exec c1 -- cat /etc/hosts
	[[ "$output" == *"${address%/*}	c1"* ]]
	run reef list
	[[ "$output" == *"c2"*"running"*"10.77.0.50/24"* ]]
}

@test "list shows addresses after a forced network delete" {
	lab_create
	reef network create side --subnet 10.78.0.0/24 --internal >/dev/null
	reef launch "$RUNTIME_ROOTFS" c1 --network lab,ip=10.77.0.60 --network side,ip=10.78.0.60 \
		-- sleep 1000
	run reef list
	[[ "$output" == *"c1"*"running"*"10.77.0.60/24,10.78.0.60/24"* ]]
	reef network delete side --force
	run reef list
	[[ "$output" == *"c1"*"running"*"10.77.0.60/24 "* ]]
	[[ "$output" != *"10.78.0.60"* ]]
	[ "$(info_field c1 '.networks | length')" = 1 ]
	# Without reef-netd, list falls back to the addresses saved at launch.
	netd_stop "$REEF_ROOT"
	run reef list
	[ "$status" -eq 0 ]
	[[ "$output" == *"c1"*"running"*"10.77.0.60/24,10.78.0.60/24"* ]]
	netd_start "$NS" "$REEF_ROOT"
}

@test "stop, start and delete release the interface and the lease" {
	lab_create
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	host_if=$(endpoints_of c1 | jq -r .host_interface)
	ip -n "$NS" link show "$host_if" >/dev/null

	reef stop -t 1 c1
	[ -z "$(endpoints_of c1)" ]
	run ip -n "$NS" link show "$host_if"
	[ "$status" -ne 0 ]

	reef start c1
	[ -n "$(endpoints_of c1)" ]
	run reef exec c1 -- ls /sys/class/net
	[ "$output" = "$(printf 'eth0\nlo')" ]
	host_if=$(endpoints_of c1 | jq -r .host_interface)
	reef delete --force c1
	[ -z "$(endpoints_of c1)" ]
	run ip -n "$NS" link show "$host_if"
	[ "$status" -ne 0 ]
}

@test "delete after kill -9 of the monitor releases the endpoint" {
	lab_create
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	instance=$(runtime_instance c1)
	pid=$(info_field c1 .pid)
	kill -9 "$(awk '{ print $4 }' "/proc/$pid/stat")"
	wait_until test ! -e "/proc/$pid"
	[ "$(info_field c1 .state)" = stopped ]
	reef delete c1
	[ -z "$(endpoints_of c1)" ]
	[ -z "$(cgroup_leftovers "$instance" | grep /c1)" ]
	[ -z "$(ip -n "$NS" -o link show | grep -v -e ': lo:' -e ': rb')" ]
}

@test "launch fails in one line when reef-netd is down" {
	run reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "reef: launch 'c1': attach to network 'lab': reef-netd is not running"* ]]
	[ ! -e "$REEF_ROOT/lib/containers/c1" ]
	[ ! -e "$REEF_ROOT/run/containers/c1" ]
	# The monitor runs in the test's namespace: nothing may be left there.
	[ -z "$(ip netns pids "$NS")" ]
}

@test "launch fails in one line on an unknown network" {
	lab_create
	run reef launch "$RUNTIME_ROOTFS" c1 --network lab --network nosuch -- sleep 1000
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "reef: launch 'c1': "*"'nosuch'"* ]]
	[ ! -e "$REEF_ROOT/lib/containers/c1" ]
	[ -z "$(endpoints_of c1)" ]
	[ -z "$(ip -n "$NS" -o link show | grep -v -e ': lo:' -e ': rb')" ]
}

@test "published ports reach the container and conflicts are rejected" {
	netd_start "$NS" "$REEF_ROOT"
	reef network create pub --subnet 10.78.0.0/24 >/dev/null
	reef launch "$RUNTIME_ROOTFS" web --network pub -p 8080:80 -- httpd -f -p 80 -h /etc
	[ "$(info_field web '.publish[0]')" = 8080:80 ]
	wait_until nsenter --net="/run/netns/$NS" curl -sf -m 2 -o /dev/null http://127.0.0.1:8080/hostname
	run nsenter --net="/run/netns/$NS" curl -sf -m 2 http://127.0.0.1:8080/hostname
	[ "$output" = web ]

	run reef launch "$RUNTIME_ROOTFS" web2 --network pub -p 8080:80 -- sleep 1000
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "reef: launch 'web2': "*"already forwarded to 'web'"* ]]
	[ ! -e "$REEF_ROOT/lib/containers/web2" ]

	run reef launch "$RUNTIME_ROOTFS" web3 -p 8081:80 -- sleep 1000
	[ "$status" -eq 2 ]
	[[ "$output" == "reef: -p '8081:80' needs a --network"* ]]

	# A restart attaches the forward again.
	reef restart -t 1 web
	wait_until nsenter --net="/run/netns/$NS" curl -sf -m 2 -o /dev/null http://127.0.0.1:8080/hostname
	reef stop -t 1 web
	run nsenter --net="/run/netns/$NS" curl -sf -m 1 http://127.0.0.1:8080/hostname
	[ "$status" -ne 0 ]
}

@test "port add forwards survive a restart" {
	netd_start "$NS" "$REEF_ROOT"
	reef network create web --subnet 10.79.0.0/24 >/dev/null
	mkdir -p "$RUNTIME_ROOTFS/www"
	echo restarted >"$RUNTIME_ROOTFS/www/index.html"
	reef launch "$RUNTIME_ROOTFS" c1 --network web -p 8081:80 -- httpd -f -p 80 -h /www
	reef port add c1 8080:80
	[ "$(jq -c '.networks[0].forwards' "$REEF_ROOT/lib/containers/c1/config.json")" = '["8080:80"]' ]

	reef restart -t 1 c1
	run reef port list c1 --format json
	[ "$(echo "$output" | jq -r '[.[].forward] | sort | join(" ")')" = "8080:80/tcp 8081:80/tcp" ]
	ip netns exec "$NS" ip link set lo up
	run wait_until ip netns exec "$NS" curl -sf -m 2 http://127.0.0.1:8080/
	[ "$status" -eq 0 ]
	run ip netns exec "$NS" curl -sf -m 2 http://127.0.0.1:8080/
	[ "$output" = restarted ]

	# Removed while stopped, a stored forward stays removed after the next start.
	reef stop -t 1 c1
	reef port remove c1 8080:80
	reef port remove c1 8081:80
	reef start c1
	run reef port list c1
	[ "${#lines[@]}" -eq 1 ]
}

@test "forced port add forwards stay forced after a restart" {
	netd_start "$NS" "$REEF_ROOT"
	reef network create web --subnet 10.79.0.0/24 >/dev/null
	ip netns exec "$NS" busybox nc -l -p 8090 >/dev/null 2>&1 3>&- &
	ip netns exec "$NS" busybox nc -l -p 8091 >/dev/null 2>&1 3>&- &
	wait_until bash -c "ip netns exec $NS ss -Htln | grep -q ':8091 '"
	# c1 has a forced forward beside a published one, c2 a forced one alone.
	reef launch "$RUNTIME_ROOTFS" c1 --network web -p 8081:80 -- sleep 1000
	reef launch "$RUNTIME_ROOTFS" c2 --network web -- sleep 1000
	run reef port add c1 8090:80
	[ "$status" -eq 1 ]
	reef port add c1 8090:80 --force
	reef port add c2 8091:80 --force
	[ "$(jq -c '.networks[0].forced_forwards' "$REEF_ROOT/lib/containers/c1/config.json")" = '["8090:80"]' ]

	for name in c1 c2; do
		reef restart -t 1 "$name"
		[ "$(info_field "$name" .state)" = running ]
	done
	reef stop -t 1 c2
	reef start c2
	run reef port list --format json
	[ "$(echo "$output" | jq -r '[.[].forward] | sort | join(" ")')" = "8081:80/tcp 8090:80/tcp 8091:80/tcp" ]
	kill %1 %2
}

@test "port remove takes any spelling, port add no second forward on a port" {
	netd_start "$NS" "$REEF_ROOT"
	reef network create lab --subnet 10.77.0.0/24 >/dev/null
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -p 9902:80 -p 0.0.0.0:9903:80 -- sleep 1000
	# The running container: reef-netd and the config both forget the forward.
	reef port remove c1 9902:80/tcp
	[ "$(info_field c1 '.publish | join(" ")')" = 0.0.0.0:9903:80 ]
	reef stop -t 1 c1
	# The stopped one: the spelling 'reef port list' prints removes it too.
	reef port remove c1 9903:80/TCP
	[ "$(info_field c1 '.forwards | length')" = 0 ]

	reef port add c1 9904:80
	run reef port add c1 0.0.0.0:9904:81
	[ "$status" -eq 1 ]
	[[ "$output" == *"takes a host port of the stored forward 9904:80 of 'c1': remove that one first with 'reef port remove c1 9904:80'"* ]]
	# The same forward again replaces it, here to make it forced.
	reef port add c1 9904:80/tcp --force
	[ "$(info_field c1 '.forwards | map(.forward + " " + (.force | tostring)) | join(",")')" = "9904:80/tcp true" ]
	reef start c1
	run reef port list c1
	[[ "$output" == *"active"*"9904:80/tcp"* ]]
	[[ "$output" != *9902* ]]
	[[ "$output" != *9903* ]]
}

@test "stored forwards of a stopped container" {
	netd_start "$NS" "$REEF_ROOT"
	reef network create lab --subnet 10.77.0.0/24 >/dev/null
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	reef port add c1 8080:80
	[ "$(info_field c1 '.forwards | map(.forward) | join(" ")')" = 8080:80 ]
	reef stop -t 1 c1

	run reef port list c1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == CONTAINER*NETWORK*STATUS*FORWARD ]]
	[[ "${lines[1]}" == c1*lab*"next start"*8080:80/tcp ]]
	run reef port add c1 8081:80
	[ "$status" -eq 0 ]
	[ "$output" = "container 'c1' is stopped: stored forward 8081:80/tcp on network 'lab' for its next start" ]
	run reef port add c1 8082:80 --network nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "reef: add forward 8082:80/tcp to 'c1': container 'c1' is not on network 'nosuch'" ]
	[ "$(info_field c1 '.forwards | map(.forward) | join(" ")')" = "8080:80 8081:80" ]

	reef start c1
	run reef port list c1 --format json
	[ "$(echo "$output" | jq -r 'map(.forward + " " + (.active | tostring)) | join(",")')" = "8080:80/tcp true,8081:80/tcp true" ]

	run reef port list nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "reef: container 'nosuch' not found: run 'reef list' to see the containers" ]

	# What the next start would reject is rejected now.
	reef network create side --subnet 10.78.0.0/24 --internal >/dev/null
	reef launch "$RUNTIME_ROOTFS" c2 --network side -- true
	wait_until bash -c "[ \"\$(nsenter --net=/run/netns/$NS $REEF info c2 | jq -r .state)\" = stopped ]"
	run reef port add c2 8083:80
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: add forward 8083:80/tcp to 'c2': network 'side' is internal"* ]]
	reef stop -t 1 c1
	reef network delete lab
	run reef port add c1 8083:80
	[ "$status" -eq 1 ]
	[[ "$output" == *"network 'lab' not found"* ]]
}

@test "start after its network was deleted" {
	lab_create
	reef launch "$RUNTIME_ROOTFS" c1 --network lab -- sleep 1000
	reef network delete lab --force
	reef stop -t 1 c1
	run reef start c1
	[ "$status" -eq 1 ]
	[ "$output" = "reef: start 'c1': network 'lab' of 'c1' no longer exists: create it again with 'reef network create lab' and its former options, or delete the container with 'reef delete c1'" ]
	[ "$(info_field c1 .state)" = stopped ]
	reef network create lab --subnet 10.77.0.0/24 --internal >/dev/null
	reef start c1
	[ "$(info_field c1 .state)" = running ]
}
