#!/usr/bin/env bats
# The image store: lookups, aliases and deletion.

load helpers
load image_helpers

MKTAR=$REEF_BUILD/tests/tools/mktar

setup() {
	REEF_ROOT=$(mktemp -d /tmp/reef-image.XXXXXX)
	export REEF_ROOT
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK"
	"$MKTAR" "$WORK/one.tar" d:etc f:etc/hostname:one
	"$MKTAR" "$WORK/two.tar" d:etc f:etc/hostname:two
}

teardown() {
	rm -rf "$REEF_ROOT"
}

@test "alias add, list and remove" {
	"$REEF" image import "$WORK/one.tar" --alias one
	fingerprint=$(image_fingerprint one)

	"$REEF" image alias add first one
	"$REEF" image alias add by-prefix "${fingerprint:0:8}"
	run "$REEF" image alias list --format json
	[ "$status" -eq 0 ]
	[[ "$output" == *"\"first\": \"$fingerprint\""* ]]
	[[ "$output" == *"\"by-prefix\": \"$fingerprint\""* ]]
	run "$REEF" image list
	[[ "${lines[1]}" == "by-prefix,first,one  ${fingerprint:0:12}  "* ]]

	# Adding the same alias again is a no-op; pointing it elsewhere is a conflict.
	"$REEF" image alias add first one
	"$REEF" image import "$WORK/two.tar" --alias two
	run "$REEF" image alias add first two
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: alias 'first' already points to image ${fingerprint:0:12}: remove it first"* ]]
	run "$REEF" image import "$WORK/two.tar" --alias one
	[ "$status" -eq 1 ]
	[[ "$output" == *"alias 'one' already points to image"* ]]

	"$REEF" image alias remove first
	run "$REEF" image info first
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: image 'first' not found: import one with"* ]]
	run "$REEF" image alias remove first
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: alias 'first' not found"* ]]
}

@test "alias names validated" {
	"$REEF" image import "$WORK/one.tar" --alias one
	fingerprint=$(image_fingerprint one)

	for bad in "_x" ".hidden" "has space" "a*b" "debian/12" "$fingerprint" \
		"$(printf 'a%.0s' $(seq 129))"; do
		run "$REEF" image alias add "$bad" one
		[ "$status" -eq 1 ]
		[[ "$output" == "reef: invalid alias "* ]]
	done
	run "$REEF" image import "$WORK/two.tar" --alias "bad alias"
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: invalid alias 'bad alias'"* ]]
	run "$REEF" image list --format json
	[[ "$output" != *hostname* ]]
	for good in debian-12 busybox:latest a.b_c-d 7; do
		"$REEF" image alias add "$good" one
	done
}

@test "lookup by fingerprint prefix" {
	"$REEF" image import "$WORK/one.tar"
	"$REEF" image import "$WORK/two.tar"
	one=$(sha256sum "$WORK/one.tar" | cut -d' ' -f1)
	two=$(sha256sum "$WORK/two.tar" | cut -d' ' -f1)

	run "$REEF" image info "${one:0:6}" --format json
	[ "$status" -eq 0 ]
	[[ "$output" == *"\"fingerprint\": \"$one\""* ]]
	run "$REEF" image info "$two" --format json
	[[ "$output" == *"\"fingerprint\": \"$two\""* ]]
	if [ "${one:0:1}" != "${two:0:1}" ]; then
		run "$REEF" image info 0123456789abcdef
		[ "$status" -eq 1 ]
	fi
	run "$REEF" image info nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: image 'nosuch' not found: import one with 'reef image import FILE --alias nosuch'"* ]]
}

@test "delete refused while in use" {
	"$REEF" image import "$WORK/one.tar" --alias one
	"$REEF" image alias add other one
	fingerprint=$(image_fingerprint one)
	mkdir -p "$REEF_ROOT/lib/containers/web"
	printf '{"name": "web", "image": "%s"}\n' "$fingerprint" \
		>"$REEF_ROOT/lib/containers/web/config.json"

	run "$REEF" image delete one
	[ "$status" -eq 1 ]
	[ "$output" = "reef: image 'one' is used by container 'web': delete the container first" ]
	[ -d "$REEF_ROOT/lib/images/$fingerprint/rootfs" ]

	rm -r "$REEF_ROOT/lib/containers/web"
	"$REEF" image delete one
	[ ! -e "$REEF_ROOT/lib/images/$fingerprint" ]
	run "$REEF" image alias list --format json
	[ "$output" = "{}" ]
	run "$REEF" image delete one
	[ "$status" -eq 1 ]
	store_has_no_partial
}

@test "stale temporary directories removed" {
	"$REEF" image import "$WORK/one.tar" --alias one
	mkdir -p "$REEF_ROOT/lib/images/.tmp-dead00/rootfs/etc"
	mkdir -p "$REEF_ROOT/lib/images/.del-dead00/rootfs"
	# A live import holds a lock on its directory and is left alone.
	mkdir -p "$REEF_ROOT/lib/images/.tmp-alive0"
	flock "$REEF_ROOT/lib/images/.tmp-alive0" sleep 5 &
	locker=$!
	sleep 0.2

	"$REEF" image import "$WORK/two.tar" --alias two
	[ ! -e "$REEF_ROOT/lib/images/.tmp-dead00" ]
	[ ! -e "$REEF_ROOT/lib/images/.del-dead00" ]
	[ -d "$REEF_ROOT/lib/images/.tmp-alive0" ]
	kill "$locker"
	wait "$locker" || true
}

@test "usage errors" {
	run "$REEF" image
	[ "$status" -eq 2 ]
	run "$REEF" image frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "reef: unknown command 'image frobnicate': run 'reef image --help'" ]
	run "$REEF" image import
	[ "$status" -eq 2 ]
	run "$REEF" image import "$WORK/missing.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "reef: import '$WORK/missing.tar': No such file or directory" ]
	run "$REEF" image alias add onlyone
	[ "$status" -eq 2 ]
	run "$REEF" image --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"import FILE|DIR"* ]]
}

@test "parallel imports all land" {
	pids=()
	for i in 1 2 3 4; do
		"$MKTAR" "$WORK/p$i.tar" d:etc "f:etc/hostname:p$i"
	done
	for i in 1 2 3 4; do
		"$REEF" image import "$WORK/p$i.tar" --alias "p$i" >/dev/null &
		pids+=($!)
		# The same content twice at once: one import wins, the other only adds its alias.
		"$REEF" image import "$WORK/p$i.tar" --alias "q$i" >/dev/null &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done

	run "$REEF" image list --format json
	[ "$(grep -c '"fingerprint"' <<<"$output")" -eq 4 ]
	for i in 1 2 3 4; do
		[ "$(image_fingerprint "p$i")" = "$(image_fingerprint "q$i")" ]
		[ "$(cat "$(image_rootfs "p$i")/etc/hostname")" = "p$i" ]
	done
	store_has_no_partial
}
