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
