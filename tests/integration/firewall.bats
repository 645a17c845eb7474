#!/usr/bin/env bats
# The firewall library on its own, driven by fw-tool: reef's table in a
# host namespace, real traffic between namespaces.

load helpers
load firewall_helpers

NET_A='{"name":"a","bridge":"rba","subnet4":"10.89.0.0/24","subnet6":"fd00:89::/64"}'
NET_B='{"name":"b","bridge":"rbb","subnet4":"10.89.1.0/24"}'
NET_I='{"name":"i","bridge":"rbi","subnet4":"10.89.2.0/24","internal":true}'
WEB_A='"owner":"web/a","target4":"10.89.0.2","target6":"fd00:89::2"'

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	fw_topology
	fw_bridge rba 10.89.0.1/24 fd00:89::1/64
	fw_bridge rbb 10.89.1.1/24
	fw_bridge rbi 10.89.2.1/24
	WEB=$(fw_container web rba 10.89.0.2/24 10.89.0.1 fd00:89::2/64 fd00:89::1)
	PEER=$(fw_container peer rba 10.89.0.3/24 10.89.0.1)
	OTHER=$(fw_container other rbb 10.89.1.2/24 10.89.1.1)
	CLOSED=$(fw_container closed rbi 10.89.2.2/24 10.89.2.1)
	fw_httpd "$WEB" 80 web
	fw_httpd "$PEER" 80 peer
	fw_httpd "$OTHER" 80 other
	fw_httpd "$LAN" 80 lan
	fw rebuild "{\"networks\":[$NET_A,$NET_B,$NET_I]}"
}

teardown() {
	netns_cleanup
}

@test "rebuild creates the fixed rules" {
	run fw_json
	[ "$status" -eq 0 ]
	for chain in guard prerouting output postrouting forward input; do
		echo "$output" | jq -e ".nftables[] | select(.chain.name == \"$chain\")"
	done
	rules=$(echo "$output" | jq '[.nftables[] | select(.rule)] | length')
	[ "$rules" -eq 26 ]
	elems=$(echo "$output" | jq -c '.nftables[] | select(.set.name == "bridges") | .set.elem')
	[[ "$elems" == *rba* && "$elems" == *rbb* && "$elems" == *rbi* ]]
	run fw check
	[ "$output" = intact ]
}

@test "forward from a LAN neighbour" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
}

@test "forward from the host itself" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$HOST" "http://127.0.0.1:8080/"
	[ "$output" = web ]
	run fw_get "$HOST" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$HOST" "http://10.89.1.1:8080/"
	[ "$output" = web ]
	[ "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/rba/route_localnet)" = 1 ]
	[ "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/up0/route_localnet)" = 0 ]
}

@test "containers cannot reach the host loopback" {
	# route_localnet is on for the bridge; the guard chain must still stop this.
	ip netns exec "$HOST" busybox httpd -p 127.0.0.1:8081 -h /
	ip -n "$WEB" route add 127.0.0.0/8 via 10.89.0.1 2>/dev/null ||
		ip -n "$WEB" route add 127.1.0.0/16 via 10.89.0.1
	run fw_get "$WEB" "http://127.0.0.1:8081/"
	[ "$status" -ne 0 ]
}

@test "forward hairpin to a container's own port" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$WEB" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
}

@test "forward hairpin within a network" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$PEER" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$PEER" "http://10.89.0.1:8080/"
	[ "$output" = web ]
}

@test "forward from another reef network" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$OTHER" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$OTHER" "http://10.89.1.1:8080/"
	[ "$output" = web ]
}

@test "forward over IPv6" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	fw_ipv6_settle "$HOST" "$LAN" "$WEB"
	run fw_get "$LAN" "http://[fd00:250::1]:8080/"
	[ "$output" = web ]
}

@test "forward of UDP" {
	fw forward-add "{$WEB_A,\"proto\":\"udp\",\"host_port\":5353,\"container_port\":53}"
	fw_udp_listen "$WEB" 53
	fw_udp_send "$LAN" "$FW_HOST_IP" 5353 hello-udp
	run fw_udp_received "$WEB" 53
	[ "$output" = hello-udp ]
}

@test "forward of a port range maps port for port" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":9000,\"host_port_end\":9002,\"container_port\":80}"
	fw_httpd "$WEB" 82 web-82
	run fw_get "$LAN" "http://$FW_HOST_IP:9000/"
	[ "$output" = web ]
	run fw_get "$LAN" "http://$FW_HOST_IP:9002/"
	[ "$output" = web-82 ]
	run fw_get "$LAN" "http://$FW_HOST_IP:9003/"
	[ "$status" -ne 0 ]
}

@test "forward on one host address only" {
	ip -n "$HOST" addr add 10.250.0.5/24 dev up0
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_addr\":\"10.250.0.5\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://10.250.0.5:8080/"
	[ "$output" = web ]
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$status" -ne 0 ]
}

@test "forward removed stops at once" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	fw forward-remove "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$status" -ne 0 ]
	run fw_json
	[[ "$output" != *'"web/a"'* ]]
}

@test "forward retarget flushes conntrack" {
	# A UDP flow keeps its conntrack entry while packets flow; the new target
	# gets the next datagram only because the entry is deleted.
	fw forward-add "{$WEB_A,\"proto\":\"udp\",\"host_port\":5353,\"container_port\":53}"
	fw_udp_stream "$LAN" "$FW_HOST_IP" 5353 &
	sleep 0.5
	fw_udp_listen "$PEER" 53
	fw forward-remove "{$WEB_A,\"proto\":\"udp\",\"host_port\":5353,\"container_port\":53}"
	fw forward-add '{"owner":"peer/a","target4":"10.89.0.3","proto":"udp","host_port":5353,"container_port":53}'
	sleep 1
	run fw_udp_received "$PEER" 53
	[[ "$output" == x* ]]
}

@test "duplicate forward names the failed message" {
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw forward-add '{"owner":"peer/a","target4":"10.89.0.3","proto":"tcp","host_port":8080,"container_port":80}'
	[ "$status" -ne 0 ]
	[[ "$output" == *"add forward 8080:80/tcp of 'peer/a' to map 'fwd4_any'"*"File exists"* ]]
}

@test "networks are isolated from each other" {
	run fw_get "$OTHER" "http://10.89.0.2/"
	[ "$status" -ne 0 ]
	run fw_get "$WEB" "http://10.89.1.2/"
	[ "$status" -ne 0 ]
	# Within a network containers talk directly.
	run fw_get "$PEER" "http://10.89.0.2/"
	[ "$output" = web ]
}

@test "NAT network reaches the LAN masqueraded" {
	# The LAN neighbour has no route back to 10.89.0.0/24, so only masquerade works.
	run fw_get "$WEB" "http://$FW_LAN_IP/"
	[ "$output" = lan ]
}

@test "internal network has no egress" {
	fw_httpd "$HOST" 80 host
	run fw_get "$CLOSED" "http://$FW_LAN_IP/"
	[ "$status" -ne 0 ]
	run fw_get "$CLOSED" "http://10.89.0.2/"
	[ "$status" -ne 0 ]
	run fw_get "$LAN" "http://10.89.2.2/"
	[ "$status" -ne 0 ]
}

@test "br_netfilter keeps networks working" {
	ip netns exec "$HOST" test -e /proc/sys/net/bridge/bridge-nf-call-iptables ||
		skip "br_netfilter is not available"
	fw_br_netfilter 1
	# Bridged frames now pass the forward chain, so same-network traffic
	# depends on the open_pairs rule.
	run fw_get "$PEER" "http://10.89.0.2/"
	[ "$output" = web ]
	run fw_get "$OTHER" "http://10.89.0.2/"
	[ "$status" -ne 0 ]
	# Within an internal network too.
	closed2=$(fw_container closed2 rbi 10.89.2.3/24 10.89.2.1)
	fw_httpd "$closed2" 80 closed2
	run fw_get "$CLOSED" "http://10.89.2.3/"
	[ "$output" = closed2 ]
	run fw_get "$CLOSED" "http://$FW_LAN_IP/"
	[ "$status" -ne 0 ]
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$OTHER" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
}

@test "LAN cannot reach containers directly" {
	ip -n "$LAN" route add 10.89.0.0/24 via "$FW_HOST_IP"
	run fw_get "$LAN" "http://10.89.0.2/"
	[ "$status" -ne 0 ]
}

@test "anti-spoofing drops foreign sources" {
	mac=$(ip -n "$PEER" -j link show eth0 | jq -r '.[0].address')
	fw endpoint-add "{\"container\":\"peer\",\"network\":\"a\",\"host_ifname\":\"peer-h\",\"addr4\":\"10.89.0.3\",\"mac\":\"$mac\",\"antispoof\":true}"
	run fw_get "$PEER" "http://10.89.0.2/"
	[ "$output" = web ]
	ip -n "$PEER" addr add 10.89.0.77/24 dev eth0
	run fw_get "$PEER" http://10.89.0.2/ --interface 10.89.0.77
	[ "$status" -ne 0 ]
	run fw_get "$PEER" http://10.89.0.2/ --interface 10.89.0.3
	[ "$output" = web ]
	fw endpoint-remove "{\"container\":\"peer\",\"network\":\"a\",\"host_ifname\":\"peer-h\",\"addr4\":\"10.89.0.3\",\"mac\":\"$mac\",\"antispoof\":true}"
	run fw_json
	[[ "$output" != *spoof-peer-h* ]]
}

@test "monitor restores a flushed ruleset within a second" {
	state="{\"networks\":[$NET_A],\"forwards\":[{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}]}"
	fw monitor "$state" >"$BATS_TEST_TMPDIR/monitor.out" &
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/monitor.out" && break; sleep 0.1; done
	ip netns exec "$HOST" nft flush ruleset
	sleep 1
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	grep -q restored "$BATS_TEST_TMPDIR/monitor.out"
	ip netns exec "$HOST" nft flush table inet reef
	sleep 1
	run fw check
	[ "$output" = intact ]
	kill %1
}

@test "drop policy elsewhere is reported" {
	ip netns exec "$HOST" nft add table ip other
	ip netns exec "$HOST" nft 'add chain ip other filter_fwd { type filter hook forward priority 0; policy drop; }'
	run fw drop-check
	[[ "$output" == *"table ip other: chain 'filter_fwd' drops forwarded packets"* ]]
	[[ "$output" == *'nft insert rule ip other filter_fwd iifname "rb*" accept'* ]]
}

@test "10000 forwards keep the rule count" {
	python3 - "$BATS_TEST_TMPDIR/big.json" <<-'EOF'
	import json, sys
	fwds = [{"owner": "web/a", "target4": "10.89.0.2", "proto": "tcp",
	         "host_port": 20000 + i, "container_port": 80} for i in range(10000)]
	net = {"name": "a", "bridge": "rba", "subnet4": "10.89.0.0/24"}
	json.dump({"networks": [net], "forwards": fwds}, open(sys.argv[1], "w"))
	EOF
	fw rebuild "@$BATS_TEST_TMPDIR/big.json"
	run fw_json
	[ "$(echo "$output" | jq '[.nftables[] | select(.rule)] | length')" -eq 26 ]
	[ "$(echo "$output" | jq '[.nftables[] | select(.map.name == "fwd4_any") | .map.elem[]] | length')" -eq 10000 ]
	fw forward-add "{$WEB_A,\"proto\":\"tcp\",\"host_port\":8080,\"container_port\":80}"
	run fw_get "$LAN" "http://$FW_HOST_IP:8080/"
	[ "$output" = web ]
	run fw_get "$LAN" "http://$FW_HOST_IP:29999/"
	[ "$output" = web ]
}
