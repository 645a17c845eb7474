#!/usr/bin/env bats
# Container cgroups (runtime/cgroup.c) driven through tests/tools/cgroup-probe.
# The host-mode tests use whatever the host has (v1 on a hybrid host); the
# "v2 root" tests point REEF_CGROUP2_ROOT at a cgroup2 mount so that the v2
# code runs on a hybrid host too.

load helpers
load cgroup_helpers

UNIFIED=/sys/fs/cgroup/unified

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	INSTANCE=$(cgroup_instance)
	unset REEF_CGROUP2_ROOT
}

teardown() {
	cgroup_sweep "$INSTANCE"
}

# Skips unless the host mode has every controller that the limits need.
require_host_controllers() {
	local c
	if [ "$("$CGROUP_PROBE" mode)" = v2 ]; then
		for c in "$@"; do
			grep -qw "$c" /sys/fs/cgroup/cgroup.controllers ||
				skip "cgroup v2 controller '$c' is not available"
		done
	else
		for c in "$@"; do
			cgroup_mounts | grep -q "/$c\$" || skip "cgroup v1 '$c' is not mounted"
		done
	fi
}

# Skips unless $UNIFIED is a cgroup2 mount that this test may use as the v2 root.
require_unified() {
	[ "$(stat -f -c %T "$UNIFIED" 2>/dev/null)" = cgroup2fs ] ||
		skip "no cgroup2 mount at $UNIFIED"
	export REEF_CGROUP2_ROOT=$UNIFIED
}

@test "host mode matches the cgroup mount" {
	run "$CGROUP_PROBE" mode
	[ "$status" -eq 0 ]
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		[ "$output" = v2 ]
	else
		[ "$output" = v1 ]
	fi
}

@test "create writes memory, cpu and pids limits" {
	require_host_controllers memory cpu pids
	run "$CGROUP_PROBE" create "$INSTANCE" c1 memory=67108864 cpu=50000/100000 pids=32
	[ "$status" -eq 0 ]
	[ "$(probe_value memory)" = 67108864 ]
	[ "$(probe_value cpu_quota)" = 50000 ]
	[ "$(probe_value cpu_period)" = 100000 ]
	[ "$(probe_value pids)" = 32 ]

	run "$CGROUP_PROBE" limits "$INSTANCE" c1
	[ "$status" -eq 0 ]
	[ "$(probe_value pids)" = 32 ]
}

@test "v1 swap limit equals memory limit" {
	[ "$("$CGROUP_PROBE" mode)" = v1 ] || skip "host uses cgroup v2"
	require_host_controllers memory
	local dir
	dir=$(cgroup_mounts | grep '/memory$')/reef/$INSTANCE/c1
	run "$CGROUP_PROBE" create "$INSTANCE" c1 memory=33554432
	[ "$status" -eq 0 ]
	[ "$(cat "$dir/memory.limit_in_bytes")" = 33554432 ]
	if [ -e "$dir/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$dir/memory.memsw.limit_in_bytes")" = 33554432 ]
	else
		[ "$(cat "$dir/memory.swappiness")" = 0 ]
	fi
}

@test "fork loop stops at pids.max" {
	require_host_controllers pids
	run "$CGROUP_PROBE" create "$INSTANCE" c1 pids=8
	[ "$status" -eq 0 ]
	run "$CGROUP_PROBE" forkloop "$INSTANCE" c1 100
	[ "$status" -eq 0 ]
	# The looping process is one of the 8, so it forks 7 children.
	[ "$(probe_value forked)" = 7 ]
	[ "$(probe_value errno)" = EAGAIN ]
	[ "$(probe_value exit)" = 0 ]
}

@test "memory hog is killed, small allocation is not" {
	require_host_controllers memory
	run "$CGROUP_PROBE" create "$INSTANCE" c1 memory=33554432
	[ "$status" -eq 0 ]
	run "$CGROUP_PROBE" hog "$INSTANCE" c1 8388608
	[ "$status" -eq 0 ]
	[ "$(probe_value exit)" = 0 ]
	run "$CGROUP_PROBE" hog "$INSTANCE" c1 134217728
	[ "$status" -eq 0 ]
	[ "$(probe_value signal)" = 9 ]
}

@test "cpu quota throttles a busy loop" {
	require_host_controllers cpu
	run "$CGROUP_PROBE" create "$INSTANCE" c1 cpu=20000/100000
	[ "$status" -eq 0 ]
	run "$CGROUP_PROBE" cpuburn "$INSTANCE" c1 1000
	[ "$status" -eq 0 ]
	# 20% of one second is 200 ms; unthrottled it would be close to 1000 ms.
	echo "cpu time: $(probe_value cpu_ms) ms" >&3
	[ "$(probe_value cpu_ms)" -lt 400 ]
}

@test "destroy kills leftovers and removes every directory" {
	run "$CGROUP_PROBE" create "$INSTANCE" c1 pids=64
	[ "$status" -eq 0 ]
	run "$CGROUP_PROBE" create "$INSTANCE" c2
	[ "$status" -eq 0 ]
	run "$CGROUP_PROBE" spawn "$INSTANCE" c1 5
	[ "$status" -eq 0 ]
	sleep 0.2
	local procs
	procs=$(cgroup_leftovers "$INSTANCE" | grep "/c1$" | head -1)/cgroup.procs
	local pids
	pids=$(cat "$procs")
	[ "$(wc -w <<<"$pids")" -eq 5 ]

	run "$CGROUP_PROBE" destroy "$INSTANCE" c1
	[ "$status" -eq 0 ]
	local pid
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null
	done
	# c2 keeps the instance directory alive; c1 is gone everywhere.
	[ -z "$(cgroup_leftovers "$INSTANCE" | grep /c1)" ]

	run "$CGROUP_PROBE" destroy "$INSTANCE" c2
	[ "$status" -eq 0 ]
	[ -z "$(cgroup_leftovers "$INSTANCE")" ]
}

@test "open of a missing cgroup is not found" {
	run "$CGROUP_PROBE" destroy "$INSTANCE" nothing
	[ "$status" -eq 1 ]
	[[ "$output" == *"'reef/$INSTANCE/nothing' not found"* ]]
}

@test "failed create leaves nothing behind" {
	run "$CGROUP_PROBE" create "$INSTANCE" c1 cpu=10/100000
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid cpu quota 10us"* ]]
	[ -z "$(cgroup_leftovers "$INSTANCE")" ]

	run "$CGROUP_PROBE" create "$INSTANCE" ../x
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid cgroup name '../x'"* ]]

	# A cgroup that already exists in the last hierarchy makes create fail
	# after it made the others; those must be rolled back.
	local last
	last=$(cgroup_mounts | tail -1)
	mkdir -p "$last/reef/$INSTANCE/c1"
	run "$CGROUP_PROBE" create "$INSTANCE" c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(cgroup_leftovers "$INSTANCE")" = "$(printf '%s\n%s' "$last/reef/$INSTANCE" \
		"$last/reef/$INSTANCE/c1")" ]
}

@test "v2 root: create, kill leftovers, destroy" {
	require_unified
	run "$CGROUP_PROBE" mode
	[ "$output" = v2 ]
	run "$CGROUP_PROBE" create "$INSTANCE" c1
	[ "$status" -eq 0 ]
	[ -d "$UNIFIED/reef/$INSTANCE/c1" ]
	# Only the v2 hierarchy is used under the override.
	[ "$(cgroup_leftovers "$INSTANCE" | grep -vc "^$UNIFIED/")" -eq 0 ]

	run "$CGROUP_PROBE" spawn "$INSTANCE" c1 4
	[ "$status" -eq 0 ]
	sleep 0.2
	local pids
	pids=$(cat "$UNIFIED/reef/$INSTANCE/c1/cgroup.procs")
	[ "$(wc -w <<<"$pids")" -eq 4 ]

	run "$CGROUP_PROBE" destroy "$INSTANCE" c1
	[ "$status" -eq 0 ]
	local pid
	for pid in $pids; do
		! kill -0 "$pid" 2>/dev/null
	done
	[ -z "$(cgroup_leftovers "$INSTANCE")" ]
}

@test "v2 root: limit without its controller fails cleanly" {
	require_unified
	grep -qw memory "$UNIFIED/cgroup.controllers" &&
		skip "memory controller is available on $UNIFIED"
	run "$CGROUP_PROBE" create "$INSTANCE" c1 memory=33554432
	[ "$status" -eq 1 ]
	[[ "$output" == *"controller 'memory' is not available"* ]]
	[ -z "$(cgroup_leftovers "$INSTANCE")" ]
}

@test "v2 root: limits are written and enforced" {
	require_unified
	local c
	for c in memory pids cpu; do
		grep -qw "$c" "$UNIFIED/cgroup.controllers" ||
			skip "controller '$c' is not available on $UNIFIED (bound to cgroup v1)"
	done
	run "$CGROUP_PROBE" create "$INSTANCE" c1 memory=33554432 cpu=20000/100000 pids=8
	[ "$status" -eq 0 ]
	[ "$(cat "$UNIFIED/reef/$INSTANCE/c1/memory.max")" = 33554432 ]
	[ "$(cat "$UNIFIED/reef/$INSTANCE/c1/cpu.max")" = "20000 100000" ]
	[ "$(cat "$UNIFIED/reef/$INSTANCE/c1/pids.max")" = 8 ]
	run "$CGROUP_PROBE" forkloop "$INSTANCE" c1 100
	[ "$(probe_value forked)" = 7 ]
	run "$CGROUP_PROBE" hog "$INSTANCE" c1 134217728
	[ "$(probe_value signal)" = 9 ]
}
