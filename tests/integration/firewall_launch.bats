#!/usr/bin/env bats
# Containers launched by reef with anti-spoofing and port forwards.

bats_require_minimum_version 1.5.0

load runtime_helpers

setup_file() {
	runtime_setup_file
}

setup() {
	[ -x "$REEF_NETD" ] || skip "reef-netd is not built"
	runtime_setup
	netd_start "$NS" "$REEF_ROOT"
	reef network create lab --subnet 10.78.0.0/24 >/dev/null
}

teardown() {
	runtime_teardown
}

@test "launch with antispoof and a forward" {
	mkdir -p "$RUNTIME_ROOTFS/www"
	echo launched >"$RUNTIME_ROOTFS/www/index.html"
	reef launch "$RUNTIME_ROOTFS" c1 --network lab,antispoof -- httpd -f -p 80 -h /www
	host_if=$(curl -sf --unix-socket "$REEF_ROOT/run/netd.sock" http://reef/v1/endpoints |
		jq -r '.[] | select(.container == "c1") | .host_interface')
	run ip netns exec "$NS" nft list chain inet reef "spoof-$host_if"
	echo "$output"
	[[ "$output" == *"ether saddr"* ]]

	reef port add c1 8080:80
	run reef port list c1
	[[ "$output" == *c1*lab*8080:80/tcp* ]]
	ip netns exec "$NS" ip link set lo up
	run wait_until ip netns exec "$NS" curl -sf -m 2 http://127.0.0.1:8080/
	[ "$status" -eq 0 ]
	run ip netns exec "$NS" curl -sf -m 2 http://127.0.0.1:8080/
	[ "$output" = launched ]

	reef stop -t 1 c1
	run reef port list c1
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == c1*lab*"next start"*8080:80/tcp ]]
	! ip netns exec "$NS" nft list chain inet reef "spoof-$host_if" 2>/dev/null
}
