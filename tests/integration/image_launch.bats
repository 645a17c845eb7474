#!/usr/bin/env bats
# Containers launched from the image store: the image is a read-only lower
# layer that no container changes.

load runtime_helpers
load image_helpers

setup() {
	runtime_setup
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs-busybox.sh" "$BATS_TEST_TMPDIR/rootfs"
	"$REEF" image import "$BATS_TEST_TMPDIR/rootfs" --alias bb >/dev/null
}

teardown() {
	runtime_teardown
}

# Succeeds once container NAME has exited.
container_stopped() {
	[ "$(info_field "$1" .state)" = stopped ]
}

# Prints one line per entry of the image's rootfs: path, type, mode, owner, size, content hash.
image_snapshot() {
	local rootfs
	rootfs=$(image_rootfs bb)
	(cd "$rootfs" && find . -printf '%p %y %m %u:%g %s\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

@test "launch leaves image unchanged" {
	before=$(image_snapshot)

	reef launch bb c1 -- sh -c 'echo data >/root/written; echo extra >>/etc/passwd; rm /bin/ls; sleep 1000'
	wait_until reef exec c1 -- test -e /root/written
	[ "$(reef exec c1 -- cat /root/written)" = data ]
	run reef exec c1 -- test -e /bin/ls
	[ "$status" -ne 0 ]
	[ "$(info_field c1 .fingerprint)" = "$(image_fingerprint bb)" ]

	# The image is in use while c1 exists.
	run "$REEF" image delete bb
	[ "$status" -eq 1 ]
	[ "$output" = "reef: image 'bb' is used by container 'c1': delete the container first" ]

	reef delete --force c1
	reef launch bb c2 -- sleep 1000
	wait_until reef exec c2 -- true
	run reef exec c2 -- test -e /root/written
	[ "$status" -ne 0 ]
	reef exec c2 -- test -e /bin/ls
	run reef exec c2 -- grep -c extra /etc/passwd
	[ "$output" = 0 ]

	[ "$(image_snapshot)" = "$before" ]
}

@test "two containers share one image" {
	before=$(image_snapshot)

	reef launch bb c1 -- sh -c 'echo one >/tmp/mine; sleep 1000'
	reef launch "$(image_fingerprint bb | cut -c1-12)" c2 -- sh -c 'echo two >/tmp/mine; sleep 1000'
	wait_until reef exec c1 -- test -e /tmp/mine
	wait_until reef exec c2 -- test -e /tmp/mine
	[ "$(reef exec c1 -- cat /tmp/mine)" = one ]
	[ "$(reef exec c2 -- cat /tmp/mine)" = two ]
	[ "$(info_field c2 .fingerprint)" = "$(image_fingerprint bb)" ]

	reef delete --force c1
	run "$REEF" image delete bb
	[ "$status" -eq 1 ]
	[[ "$output" == *"used by container 'c2'"* ]]
	reef delete --force c2
	[ "$(image_snapshot)" = "$before" ]
	"$REEF" image delete bb
	run "$REEF" image list --format json
	[ "$output" = "[]" ]
}

@test "launch applies OCI config defaults" {
	oci_layout_build "$BATS_TEST_TMPDIR/oci" >/dev/null
	"$REEF" image import "$BATS_TEST_TMPDIR/oci" --alias oci >/dev/null

	# Entrypoint ["/bin/sh", "-c"], Cmd ["echo $GREETING; pwd"], Env GREETING=hello and
	# WorkingDir /etc.
	reef launch oci o1
	wait_until container_stopped o1
	[ "$(info_field o1 .exit_code)" = 0 ]
	[ "$(reef logs o1)" = "$(printf 'hello\n/etc')" ]
}

@test "alias wins over a directory of that name" {
	cd "$BATS_TEST_TMPDIR"
	mkdir bb
	reef launch bb c1 -- sleep 1000
	[ "$(info_field c1 .fingerprint)" = "$(image_fingerprint bb)" ]
	reef launch ./rootfs c2 -- true
	[ "$(info_field c2 .rootfs)" = "$(realpath rootfs)" ]

	run reef launch rootfs c3 -- true
	[ "$status" -eq 1 ]
	[ "$output" = "reef: launch 'c3': image 'rootfs' not found: a name without '/' is an image, so give './rootfs' to launch the directory" ]
	run reef launch /etc/passwd c3 -- true
	[ "$status" -eq 1 ]
	[ "$output" = "reef: launch 'c3': rootfs '/etc/passwd' is not a directory: give a directory, or an image name" ]
	[ ! -e "$REEF_ROOT/lib/containers/c3" ]
}
