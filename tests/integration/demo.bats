#!/usr/bin/env bats
# The demo lab, run inside a throwaway network namespace that stands in for
# the host: its connectivity matrix must be as the lab intends, and it must
# leave nothing behind.

bats_require_minimum_version 1.5.0

load runtime_helpers

setup() {
	[ -x "$REEF_NETD" ] || skip "reef-netd is not built"
	runtime_setup
	# The namespace's own address, standing in for the host's address on its LAN.
	ip -n "$NS" link add uplink type veth peer name uplink-peer
	ip -n "$NS" addr add 192.0.2.10/24 dev uplink
	ip -n "$NS" link set uplink up
	ip -n "$NS" link set uplink-peer up
}

teardown() {
	runtime_teardown
}

@test "demo matrix is as intended" {
	run nsenter --net="/run/netns/$NS" env REEF="$REEF" REEF_NETD="$REEF_NETD" \
		DEMO_HOST_ADDR=192.0.2.10 "$BATS_TEST_DIRNAME/../../scripts/demo.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"every cell is as the lab intends"* ]]
	[[ "$output" == *"connectivity matrix"* ]]
	for row in host client web db; do
		grep -qE "^$row +\|" <<<"$output"
	done
	[ "$(grep -c ' blocked ' <<<"$output")" -ge 1 ]
	! grep -q UNEXPECTED <<<"$output"
}

@test "demo leaves nothing behind" {
	nsenter --net="/run/netns/$NS" env REEF="$REEF" REEF_NETD="$REEF_NETD" \
		DEMO_HOST_ADDR=192.0.2.10 "$BATS_TEST_DIRNAME/../../scripts/demo.sh" >/dev/null 2>&1 || true

	run ip -n "$NS" -o link show
	! grep -qE 'reef:|: r[bf][0-9a-f]' <<<"$output"
	[ -z "$(ls -A "$REEF_ROOT/lib/containers" 2>/dev/null)" ]
	[ -z "$(runtime_mounts)" ]
	run ip netns pids "$NS"
	[ -z "$output" ]
	run nsenter --net="/run/netns/$NS" nft list table inet reef
	[ "$status" -ne 0 ] || ! grep -q 'elements = {' <<<"$output"
}

@test "demo keeps the lab with --keep" {
	run nsenter --net="/run/netns/$NS" env REEF="$REEF" REEF_NETD="$REEF_NETD" \
		DEMO_HOST_ADDR=192.0.2.10 "$BATS_TEST_DIRNAME/../../scripts/demo.sh" --keep
	[ "$status" -eq 0 ]
	[ -d "$REEF_ROOT/lib/containers/web" ]
	[ "$(reef network list --format json | jq length)" -eq 2 ]
	# The demo's reef-netd keeps running with the lab; teardown removes both.
	cp "$REEF_ROOT/run/demo-netd.pid" "$REEF_ROOT/netd.pid"
}

@test "demo rejects unknown options" {
	run "$BATS_TEST_DIRNAME/../../scripts/demo.sh" --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: scripts/demo.sh [--keep]"* ]]
}
