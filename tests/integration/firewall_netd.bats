#!/usr/bin/env bats
# Port forwards, NAT and isolation through reef-netd: the API, the CLI,
# restarts and outside changes to the table.  Stand-in containers are sleep
# processes in namespaces of their own.

load helpers
load netd_helpers
load firewall_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	netd_setup
	fw_uplink
	reef network create lab --subnet 10.91.0.0/24 >/dev/null
	reef network create other --subnet 10.91.1.0/24 >/dev/null
	read -r WEB web_pid < <(standin_start web)
	read -r PEER peer_pid < <(standin_start peer)
	read -r OTHER other_pid < <(standin_start other)
}

teardown() {
	netd_teardown
}

# container NAME NS PID NETWORK [EXTRA-JSON]: attaches and starts httpd on port 80 and 81.
container() {
	run attach "$1" "$3" "$4" "${5:-}"
	[ "${lines[0]}" = 201 ] || { echo "$output" >&2; return 1; }
	fw_httpd "$2" 80 "$1"
	fw_httpd "$2" 81 "$1-81"
}

# The element list of map NAME.
map_elements() {
	fw_elements | jq -c --arg name "$1" '.[] | select(.name == $name) | .elem'
}

@test "daemon forwards reach a container from everywhere" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp","5353:53/udp","9000-9001:80/tcp"]'
	container peer "$PEER" "$peer_pid" lab
	container other "$OTHER" "$other_pid" other
	[ "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	grep -q "enabled net.ipv4.ip_forward for NAT network 'lab'" "$ROOT/netd.log"

	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$HOST" "http://127.0.0.1:8080/"
	[ "$output" = web ]
	run fw_get "$HOST" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$WEB" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$PEER" "http://10.91.0.1:8080/"
	[ "$output" = web ]
	run fw_get "$OTHER" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$LAN" "http://$FW_HOST_IP:9001/"
	[ "$output" = web-81 ]

	fw_udp_listen "$WEB" 53
	fw_udp_send "$LAN" "$FW_HOST_IP" 5353 hello-udp
	run fw_udp_received "$WEB" 53
	[ "$output" = hello-udp ]
}

@test "daemon rejects conflicting forwards" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp"]'
	run attach peer "$peer_pid" lab ',"forwards":["8000-8090:80/tcp"]'
	[ "${lines[0]}" = 409 ]
	[[ "$output" == *"already forwarded to 'web' on network 'lab' (8080:80/tcp)"* ]]
	# The failed attach left nothing behind.
	[ "$(db_count endpoints)" -eq 1 ]

	container peer "$PEER" "$peer_pid" lab
	run reef port add peer 10.250.0.1:8080:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"'web'"* ]]
	# UDP on the same port is another forward.
	run reef port add peer 8080:80/udp
	[ "$status" -eq 0 ]

	ip netns exec "$HOST" busybox httpd -p 7070 -h /
	run reef port add peer 7070:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"a host process listens on TCP "*":7070: stop it"* ]]
	run reef port add peer 7070:80 --force
	[ "$status" -eq 0 ]
}

@test "daemon checks host listeners by address and protocol" {
	container peer "$PEER" "$peer_pid" lab
	ip netns exec "$HOST" busybox httpd -p 127.0.0.1:7071 -h /
	ip netns exec "$HOST" python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 7072))
time.sleep(30)
' &
	local udp_pid=$!
	sleep 0.3
	# A listener on 127.0.0.1 takes the port from a forward on every address...
	run reef port add peer 7071:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"a host process listens on TCP 127.0.0.1:7071"* ]]
	# ...but not from one on another host address, nor from UDP.
	reef port add peer "$FW_HOST_IP:7071:80"
	reef port add peer 7071:80/udp
	# A UDP socket on [::] takes the port on every IPv4 address too.
	run reef port add peer "$FW_HOST_IP:7072:53/udp"
	[ "$status" -ne 0 ]
	[[ "$output" == *"a host process listens on UDP [::]:7072"* ]]
	reef port add peer "$FW_HOST_IP:7072:53/tcp"
	kill "$udp_pid"

	# An IPv6-only socket on [::] leaves IPv4 addresses alone, and forwards never take ::1.
	ip netns exec "$HOST" python3 -c '
import socket, time
a = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
a.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
a.bind(("::", 7073))
a.listen()
b = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
b.bind(("::1", 7074))
b.listen()
time.sleep(30)
' &
	local tcp6_pid=$!
	sleep 0.3
	run reef port add peer 7073:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"a host process listens on TCP [::]:7073"* ]]
	reef port add peer "$FW_HOST_IP:7073:80"
	reef port add peer 7074:80
	kill "$tcp6_pid"
}

@test "daemon takes 0.0.0.0 and [::] as every address" {
	container web "$WEB" "$web_pid" lab
	reef port add web 0.0.0.0:8085:80
	reef port add web '[::]:8086:80/UDP'
	run reef port list web
	[[ "$output" == *"8085:80/tcp"* ]]
	[[ "$output" == *"8086:80/udp"* ]]
	[[ "$output" != *"0.0.0.0"* ]]
	run fw_get "$LAN" "http://$FW_HOST_IP:8085/"
	[ "$output" = web ]
	reef port remove web 0.0.0.0:8085:80
	run fw_get "$LAN" "http://$FW_HOST_IP:8085/"
	[ "$status" -ne 0 ]
}

@test "daemon rejects forwards from ::1" {
	container web "$WEB" "$web_pid" lab
	run reef port add web '[::1]:8088:80'
	[ "$status" -ne 0 ]
	[[ "$output" == *"forwards from ::1 cannot work"* ]]
	[[ "$(map_elements fwd6)" != *8088* ]]
}

@test "daemon rejects forwards on an internal network" {
	reef network create closed --subnet 10.91.2.0/24 --internal >/dev/null
	read -r CLOSED closed_pid < <(standin_start closed)
	run attach closed "$closed_pid" closed ',"forwards":["8087:80/tcp"]'
	[ "${lines[0]}" = 400 ]
	[[ "$output" == *"network 'closed' is internal"* ]]
	[ "$(db_count endpoints)" -eq 0 ]
	container closed "$CLOSED" "$closed_pid" closed
	run reef port add closed 8087:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"network 'closed' is internal"* ]]
	[[ "$(map_elements fwd4_any)" != *8087* ]]
}

@test "daemon retarget takes over a running UDP flow" {
	# The flow's conntrack entry is deleted after the reply, in the background.
	container web "$WEB" "$web_pid" lab
	container peer "$PEER" "$peer_pid" lab
	reef port add web 5353:53/udp
	fw_udp_stream "$LAN" "$FW_HOST_IP" 5353 &
	sleep 0.5
	fw_udp_listen "$PEER" 53
	reef port remove web 5353:53/udp
	reef port add peer 5353:53/udp
	sleep 1
	run fw_udp_received "$PEER" 53
	[[ "$output" == x* ]]
}

@test "daemon warns when br_netfilter filters bridged frames" {
	ip netns exec "$HOST" test -e /proc/sys/net/bridge/bridge-nf-call-iptables ||
		skip "br_netfilter is not loaded"
	ip netns exec "$HOST" sysctl -qw net.bridge.bridge-nf-call-iptables=0
	netd_stop "$ROOT"
	: >"$ROOT/netd.log"
	netd_start "$HOST" "$ROOT"
	! grep -q 'br_netfilter is loaded' "$ROOT/netd.log"
	ip netns exec "$HOST" sysctl -qw net.bridge.bridge-nf-call-iptables=1
	netd_stop "$ROOT"
	netd_start "$HOST" "$ROOT"
	grep -q 'warning: br_netfilter is loaded with net.bridge.bridge-nf-call-iptables=1' \
		"$ROOT/netd.log"
}

@test "daemon isolates networks" {
	reef network create closed --subnet 10.91.2.0/24 --internal >/dev/null
	read -r CLOSED closed_pid < <(standin_start closed)
	container web "$WEB" "$web_pid" lab
	container other "$OTHER" "$other_pid" other
	container closed "$CLOSED" "$closed_pid" closed
	fw_httpd "$LAN" 80 lan

	run fw_get "$OTHER" "http://10.91.0.2/"
	[ "$status" -ne 0 ]
	run fw_get "$WEB" "http://$FW_LAN_IP/"
	[ "$output" = lan ]
	ip -n "$CLOSED" route add default via 10.91.2.1
	run fw_get "$CLOSED" "http://$FW_LAN_IP/"
	[ "$status" -ne 0 ]
}

@test "internal networks reach only their own gateway on the host" {
	reef network create closed --subnet 10.91.2.0/24 --ipv6 fd00:91:2::/64 --internal >/dev/null
	read -r CLOSED closed_pid < <(standin_start closed)
	container closed "$CLOSED" "$closed_pid" closed
	container web "$WEB" "$web_pid" lab
	# A host service on every address of the host.
	fw_httpd "$HOST" 8099 host

	# The network's own gateway works: ICMP, services, and IPv6 neighbour discovery.
	ns_ping "$CLOSED" 10.91.2.1
	run fw_get "$CLOSED" "http://10.91.2.1:8099/"
	[ "$output" = host ]
	ip netns exec "$CLOSED" ping -6 -c 1 -W 2 fd00:91:2::1 >/dev/null

	# The host's other addresses are closed, even through a route the container adds.
	ip -n "$CLOSED" route add "$FW_HOST_IP/32" via 10.91.2.1
	ip -n "$CLOSED" route add 10.91.0.1/32 via 10.91.2.1
	run fw_get "$CLOSED" "http://$FW_HOST_IP:8099/"
	[ "$status" -ne 0 ]
	run fw_get "$CLOSED" "http://10.91.0.1:8099/"
	[ "$status" -ne 0 ]
	! ns_ping "$CLOSED" "$FW_HOST_IP"

	# Other networks still reach the host, and the host still reaches the container.
	run fw_get "$WEB" "http://10.91.0.1:8099/"
	[ "$output" = host ]
	run fw_get "$HOST" "http://10.91.2.2/"
	[ "$output" = closed ]
}

@test "daemon restores a flushed ruleset within a second" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp"]'
	before=$(fw_elements)
	ip netns exec "$HOST" nft flush ruleset
	for _ in $(seq 10); do
		[ "$(fw_elements 2>/dev/null)" = "$before" ] && break
		sleep 0.1
	done
	[ "$(fw_elements)" = "$before" ]
	grep -q "table inet reef was changed by another program; restored it" "$ROOT/netd.log"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
}

# Whether $HOST has reef's table.
reef_table_exists() {
	ip netns exec "$HOST" nft list tables | grep -qx "table inet reef"
}

@test "deleting the last network deletes table inet reef" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp"]'
	reef network delete other >/dev/null
	reef_table_exists
	reef network delete lab --force >/dev/null
	! reef_table_exists
	# The monitor must not bring back a table reef deleted itself.
	sleep 0.5
	! reef_table_exists
	! grep -q "restored it" "$ROOT/netd.log"
	# A restart without networks builds none either.
	netd_stop "$ROOT"
	netd_start "$HOST" "$ROOT"
	! reef_table_exists

	# The first network builds it again, and it still recovers from a flush.
	reef network create lab --subnet 10.91.0.0/24 >/dev/null
	reef_table_exists
	container peer "$PEER" "$peer_pid" lab ',"forwards":["8081:80/tcp"]'
	run fw_get "$LAN" "http://$FW_HOST_IP:8081/"
	[ "$output" = peer ]
	ip netns exec "$HOST" nft flush ruleset
	for _ in $(seq 10); do
		reef_table_exists && break
		sleep 0.1
	done
	run fw_get "$LAN" "http://$FW_HOST_IP:8081/"
	[ "$output" = peer ]
}

@test "daemon restart keeps every forward" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp","5353:53/udp"]'
	container peer "$PEER" "$peer_pid" lab
	reef port add peer 8081:80
	before=$(fw_elements)
	netd_stop "$ROOT"
	ip netns exec "$HOST" nft delete table inet reef
	netd_start "$HOST" "$ROOT"
	[ "$(fw_elements)" = "$before" ]
	run fw_get "$LAN" "http://$FW_HOST_IP:8081/"
	[ "$output" = peer ]
}

@test "daemon detach removes exactly its forwards" {
	container web "$WEB" "$web_pid" lab ',"forwards":["8080:80/tcp","9000-9002:80/tcp"]'
	container peer "$PEER" "$peer_pid" lab ',"forwards":["8081:80/tcp"]'
	reef port add web 5353:53/udp
	before=$(map_elements fwd4_any)
	[ "$(echo "$before" | jq length)" -eq 6 ]

	run api DELETE /v1/endpoints/web/lab
	[ "${lines[0]}" = 200 ]
	after=$(map_elements fwd4_any)
	expected=$(echo "$before" | jq -c '[.[] | select(.[0].elem.comment != "web/lab")]')
	[ "$after" = "$expected" ]
	[ "$(echo "$after" | jq length)" -eq 1 ]
	[ "$(db_count forwards)" -eq 1 ]
	run fw_get "$LAN" "http://$FW_HOST_IP:8081/"
	[ "$output" = peer ]
}

@test "reef port add, list and remove" {
	container web "$WEB" "$web_pid" lab
	run reef port add web 8080:80
	[ "$status" -eq 0 ]
	[ "$output" = "forwarding 8080:80/tcp to 'web' on network 'lab'" ]
	reef port add web "[fd00:250::1]:8443:80/tcp" 2>/dev/null && false
	run reef port list
	[[ "${lines[0]}" == CONTAINER*NETWORK*FORWARD ]]
	[[ "${lines[1]}" == web*lab*8080:80/tcp ]]
	run reef --format json port list web
	[ "$(echo "$output" | jq -r '.[0].host_port')" = 8080 ]
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]

	run reef port remove web 8080:80
	[ "$status" -eq 0 ]
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$status" -ne 0 ]
	run reef port remove web 8080:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"container 'web' has no forward 8080:80/tcp"* ]]
	run reef port add web 8080:99999
	[ "$status" -eq 2 ] || [ "$status" -eq 1 ]
	[[ "$output" == *"invalid port forward '8080:99999'"* ]]
}

@test "reef port add explains what is wrong with a forward" {
	container web "$WEB" "$web_pid" lab
	# An address that is no address of reef-netd's namespace.
	run reef port add web 192.0.2.77:9300:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"192.0.2.77 is not an address of this host"* ]]
	[ "$(db_count forwards)" -eq 0 ]
	run reef port add web "$FW_HOST_IP:9300:80"
	[ "$status" -eq 0 ]

	run reef port add nosuch 9400:80
	[ "$status" -ne 0 ]
	[[ "$output" == *"container 'nosuch' not found"* ]]

	run reef port add web 9100-9200:80-90
	[ "$status" -ne 0 ]
	[[ "$output" == *"the container side takes one port, not a range"* ]]
	run reef port add web 9100:http
	[[ "$output" == *"container port 'http' is not a number from 1 to 65535"* ]]
	run reef port add web 0:80
	[[ "$output" == *"host port '0' is not a number from 1 to 65535"* ]]

	# A host range maps port for port from the container port on.
	run reef port add web 9000-9001:80
	[ "$status" -eq 0 ]
	run fw_get "$LAN" "http://$FW_HOST_IP:9001/"
	[ "$output" = web-81 ]
}

@test "daemon anti-spoofing on attach" {
	container web "$WEB" "$web_pid" lab
	container peer "$PEER" "$peer_pid" lab ',"antispoof":true'
	host_if=$(db "SELECT host_ifname FROM endpoints WHERE container = 'peer';")
	fw_json | jq -e ".nftables[] | select(.chain.name == \"spoof-$host_if\")" >/dev/null
	run fw_get "$PEER" "http://10.91.0.2/"
	[ "$output" = web ]
	ip -n "$PEER" addr add 10.91.0.77/24 dev eth0
	run fw_get "$PEER" "http://10.91.0.2/" --interface 10.91.0.77
	[ "$status" -ne 0 ]

	run api DELETE /v1/endpoints/peer
	[ "${lines[0]}" = 200 ]
	! fw_json | jq -e ".nftables[] | select(.chain.name == \"spoof-$host_if\")" >/dev/null
}

@test "daemon starts with 10000 forwards" {
	container web "$WEB" "$web_pid" lab
	netd_stop "$ROOT"
	db "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
	    INSERT INTO forwards SELECT 'web', 'lab', 6, '', 20000 + i, 20000 + i, 80 FROM n;"
	netd_start "$HOST" "$ROOT"
	run fw_json
	[ "$(echo "$output" | jq '[.nftables[] | select(.rule)] | length')" -eq 26 ]
	[ "$(echo "$output" | jq '[.nftables[] | select(.map.name == "fwd4_any") | .map.elem[]] | length')" -eq 10000 ]
	reef port add web 8080:80
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$LAN" "http://$FW_HOST_IP:29999/"
	[ "$output" = web ]
}
