#!/usr/bin/env bats
# The container commands as users type them: help, logs --tail, several
# names at once, errors for missing arguments, and the image's config
# (Env, WorkingDir, Entrypoint and Cmd) combined with launch's options.

bats_require_minimum_version 1.5.0

load runtime_helpers
load image_helpers

setup_file() {
	runtime_setup_file
}

setup() {
	runtime_setup
}

teardown() {
	runtime_teardown
}

# Succeeds once container NAME has exited.
container_stopped() {
	[ "$(info_field "$1" .state)" = stopped ]
}

@test "help of every container command" {
	for command in list info start stop restart delete exec logs launch; do
		run reef "$command" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: reef $command"* ]]
		run reef "$command" -h
		[ "$status" -eq 0 ]
	done
	run reef logs --help
	[[ "$output" == *"--tail LINES"* ]]
	run reef stop --help
	[[ "$output" == *"-t, --time SECONDS"* ]]
	run reef launch --help
	[[ "$output" == *"--memory SIZE"*"bytes"* ]]
}

@test "launch without NAME prints one error line" {
	run reef launch busybox
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "reef: missing container NAME: usage: reef launch "* ]]
	run reef launch
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"missing IMAGE and container NAME"* ]]
}

@test "logs --tail prints the last lines" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sh -c 'for i in 1 2 3 4 5; do echo line$i; done'
	wait_until container_stopped c1
	run reef logs c1 --tail 2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line4\nline5')" ]
	run reef logs -n 1 c1
	[ "$output" = line5 ]
	run reef logs c1 --tail=0
	[ -z "$output" ]
	run reef logs c1 -n 99
	[ "${#lines[@]}" -eq 5 ]
	run reef logs c1 -n x
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --tail 'x'"* ]]
}

@test "delete, stop and start take several names" {
	for name in a b c; do
		reef launch "$RUNTIME_ROOTFS" "$name" -- sleep 1000
	done
	reef stop -t 0 a b
	[ "$(info_field a .state)" = stopped ]
	[ "$(info_field b .state)" = stopped ]
	[ "$(info_field c .state)" = running ]
	reef start a b
	[ "$(info_field a .state)" = running ]
	[ "$(info_field b .state)" = running ]
	# One missing name fails alone: the others are still deleted.
	run reef delete --force a nosuch b c
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"'nosuch'"* ]]
	run reef list --format json
	[ "$output" = "[]" ]
}

@test "image Env, WorkingDir and Entrypoint with launch options" {
	oci_layout_build "$BATS_TEST_TMPDIR/oci" >/dev/null
	REEF_ROOT=$REEF_ROOT "$REEF" image import "$BATS_TEST_TMPDIR/oci" --alias oci >/dev/null

	# Env PATH=/bin replaces the default PATH; --env overrides the image.
	reef launch oci o1 --env GREETING=bye -- 'echo "$GREETING $PATH"; pwd'
	wait_until container_stopped o1
	[ "$(reef info o1 | jq '[.env[] | select(startswith("PATH="))] | length')" = 1 ]
	[ "$(reef info o1 | jq '[.env[] | select(startswith("GREETING="))] | length')" = 1 ]
	# The command replaces Cmd only: Entrypoint ["/bin/sh", "-c"] stays, WorkingDir applies.
	[ "$(reef info o1 | jq -c .command)" = '["/bin/sh","-c","echo \"$GREETING $PATH\"; pwd"]' ]
	[ "$(reef logs o1)" = "$(printf 'bye /bin\n/etc')" ]

	reef launch oci o2 --workdir /opq --entrypoint /bin/sh -- -c pwd
	wait_until container_stopped o2
	[ "$(reef logs o2)" = /opq ]

	# --entrypoint without a command drops the image's Cmd too.
	reef launch oci o3 --entrypoint /bin/sh
	[ "$(reef info o3 | jq -c .command)" = '["/bin/sh"]' ]
}

@test "image User applies to the command" {
	OCI_USER=1000:1001 oci_layout_build "$BATS_TEST_TMPDIR/oci" >/dev/null
	"$REEF" image import "$BATS_TEST_TMPDIR/oci" --alias oci >/dev/null
	# Only busybox's sh is in the image: read the ids with shell builtins.
	reef launch oci o1 -- 'while read key a b c d; do case $key in Uid:|Gid:) echo $key $a;; esac; done </proc/self/status'
	wait_until container_stopped o1
	[ "$(reef logs o1)" = "$(printf 'Uid: 1000\nGid: 1001')" ]

	OCI_USER=nosuch oci_layout_build "$BATS_TEST_TMPDIR/oci2" >/dev/null
	"$REEF" image import "$BATS_TEST_TMPDIR/oci2" --alias oci2 >/dev/null
	run reef launch oci2 o2
	[ "$status" -ne 0 ]
	[[ "$output" == *"user 'nosuch' not found in the image's /etc/passwd"* ]]
}

@test "launch rejects limits out of range" {
	cpus=$(getconf _NPROCESSORS_ONLN)
	run reef launch "$RUNTIME_ROOTFS" c1 --cpus $((cpus * 500)) -- true
	[ "$status" -eq 2 ]
	[ "$output" = "reef: invalid --cpus '$((cpus * 500))': give a number of CPUs from 0.01 to $cpus (the host's online CPUs), such as 0.5" ]
	run reef launch "$RUNTIME_ROOTFS" c1 --memory 1k -- true
	[ "$status" -eq 2 ]
	[ "$output" = "reef: invalid --memory '1k': the minimum is 6m" ]
	run reef launch "$RUNTIME_ROOTFS" c1 --pids 1 -- true
	[ "$status" -eq 2 ]
	[[ "$output" == "reef: invalid --pids 1: the init needs a pid of its own"*"--no-init" ]]
	[ ! -e "$REEF_ROOT/lib/containers/c1" ]

	# Docker's suffixes: t, and "Mi" or "MB" for 1024-based units.
	reef launch "$RUNTIME_ROOTFS" c1 --memory 100T --cpus "$cpus" -- true
	[ "$(info_field c1 .limits.memory_bytes)" = $((100 << 40)) ]
	reef launch "$RUNTIME_ROOTFS" c2 --memory 6Mi --pids 1 --no-init -- sh -c 'echo ran'
	[ "$(info_field c2 .limits.memory_bytes)" = $((6 << 20)) ]
	wait_until bash -c "nsenter --net=/run/netns/$NS $REEF logs c2 | grep -qx ran"
}

@test "stop of stopped and start of running succeed" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef start c1
	[ "$status" -eq 0 ]
	[ "$output" = "container 'c1' is already running" ]
	reef stop -t 0 c1
	run reef stop c1
	[ "$status" -eq 0 ]
	[ "$output" = "container 'c1' is already stopped" ]
	run reef stop nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "reef: stop 'nosuch': container 'nosuch' not found: run 'reef list' to see the containers" ]
}
