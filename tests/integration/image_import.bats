#!/usr/bin/env bats
# Importing images: each format, what is kept, and what is rejected.

load helpers
load image_helpers

MKTAR=$REEF_BUILD/tests/tools/mktar

setup() {
	REEF_ROOT=$(mktemp -d /tmp/reef-image.XXXXXX)
	export REEF_ROOT
	WORK=$BATS_TEST_TMPDIR/work
	mkdir -p "$WORK"
}

teardown() {
	rm -rf "$REEF_ROOT"
}

@test "import rootfs tarball in each compression" {
	"$REEF_BUILD/../scripts/mkrootfs-busybox.sh" "$WORK/rootfs"
	tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" .
	gzip -c "$WORK/bb.tar" >"$WORK/bb.tar.gz"
	xz -T1 -c "$WORK/bb.tar" >"$WORK/bb.tar.xz"
	zstd -q -c "$WORK/bb.tar" >"$WORK/bb.tar.zst"

	for ext in tar tar.gz tar.xz tar.zst; do
		run "$REEF" image import "$WORK/bb.$ext" --alias "bb-${ext//./-}"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		fingerprint=$(image_fingerprint "bb-${ext//./-}")
		[ "$fingerprint" = "$(sha256sum "$WORK/bb.$ext" | cut -d' ' -f1)" ]
		rootfs=$REEF_ROOT/lib/images/$fingerprint/rootfs
		cmp /bin/busybox "$rootfs/bin/busybox"
		[ "$(readlink "$rootfs/bin/sh")" = /bin/busybox ]
	done
	run "$REEF" image list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[[ "$output" == *bb-tar-zst* ]]
	store_has_no_partial
}

@test "tarball keeps links, owners, modes, caps" {
	mkdir -p "$WORK/src/bin" "$WORK/src/etc"
	cp /bin/busybox "$WORK/src/bin/busybox"
	cp /bin/busybox "$WORK/src/bin/ping"
	setcap cap_net_raw+ep "$WORK/src/bin/ping"
	chmod 4755 "$WORK/src/bin/busybox"
	echo hello >"$WORK/src/etc/a"
	ln "$WORK/src/etc/a" "$WORK/src/etc/b"
	ln -s ../etc/a "$WORK/src/bin/link"
	chown 1000:1001 "$WORK/src/etc/a"
	tar --xattrs --xattrs-include='*' -C "$WORK/src" -czf "$WORK/caps.tar.gz" .

	"$REEF" image import "$WORK/caps.tar.gz" --alias caps
	rootfs=$(image_rootfs caps)
	[ "$(getcap "$rootfs/bin/ping" | cut -d' ' -f2)" = cap_net_raw=ep ]
	[ "$(stat -c '%a' "$rootfs/bin/busybox")" = 4755 ]
	[ "$(stat -c '%u:%g' "$rootfs/etc/a")" = 1000:1001 ]
	[ "$(stat -c '%i' "$rootfs/etc/a")" = "$(stat -c '%i' "$rootfs/etc/b")" ]
	[ "$(readlink "$rootfs/bin/link")" = ../etc/a ]
	[ "$(cat "$rootfs/bin/link")" = hello ]
}

@test "import rootfs directory" {
	"$REEF_BUILD/../scripts/mkrootfs-busybox.sh" "$WORK/rootfs"
	echo hi >"$WORK/rootfs/etc/a"
	ln "$WORK/rootfs/etc/a" "$WORK/rootfs/etc/b"

	run "$REEF" image import "$WORK/rootfs" --alias dir --description "busybox from a directory"
	[ "$status" -eq 0 ]
	rootfs=$(image_rootfs dir)
	diff -r --no-dereference "$WORK/rootfs" "$rootfs"
	[ "$(stat -c '%i' "$rootfs/etc/a")" = "$(stat -c '%i' "$rootfs/etc/b")" ]
	run "$REEF" image info dir
	[[ "$output" == *"Description: busybox from a directory"* ]]
	[[ "$output" == *"Format: directory"* ]]

	# The same unchanged directory has the same fingerprint.
	run "$REEF" image import "$WORK/rootfs" --alias dir2
	[ "$status" -eq 0 ]
	[[ "$output" == *"already in the store"* ]]
	[ "$(image_fingerprint dir)" = "$(image_fingerprint dir2)" ]
	store_has_no_partial
}

@test "import OCI layout with whiteouts" {
	digest=$(oci_layout_build "$WORK/oci")

	run "$REEF" image import "$WORK/oci" --alias oci
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_fingerprint oci)" = "$digest" ]
	rootfs=$(image_rootfs oci)
	[ "$(cat "$rootfs/etc/keep")" = keep ]
	[ "$(cat "$rootfs/etc/added")" = added ]
	[ ! -e "$rootfs/etc/gone" ]
	[ ! -e "$rootfs/gone-dir" ]
	[ ! -e "$rootfs/opq/old" ]
	[ "$(cat "$rootfs/opq/new")" = new ]
	[ -z "$(find "$rootfs" -name '.wh.*')" ]

	run "$REEF" image info oci --format json
	[[ "$output" == *'"GREETING=hello"'* ]]
	[[ "$output" == *'"WorkingDir": "/etc"'* ]]
	[[ "$output" == *'"architecture": "x86_64"'* ]]
	[[ "$output" == *'"source_format": "oci-layout"'* ]]
	[[ "$output" == *'"created_at": "2024-01-02T03:04:05Z"'* ]]
}

@test "import OCI archive" {
	digest=$(oci_layout_build "$WORK/oci")
	tar -C "$WORK/oci" -cf "$WORK/oci.tar" .

	run "$REEF" image import "$WORK/oci.tar" --alias oci-archive
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_fingerprint oci-archive)" = "$digest" ]
	rootfs=$(image_rootfs oci-archive)
	[ ! -e "$rootfs/opq/old" ]
	[ ! -e "$rootfs/oci-layout" ]
	[ "$(cat "$rootfs/opq/new")" = new ]
	run "$REEF" image info oci-archive
	[[ "$output" == *"Format: oci-archive"* ]]
	store_has_no_partial

	# The layout and its tar have one fingerprint: the manifest digest.
	run "$REEF" image import "$WORK/oci" --alias oci-dir
	[[ "$output" == *"already in the store"* ]]
}

@test "OCI layer with wrong digest rejected" {
	oci_layout_build "$WORK/oci" >/dev/null
	layer=$(ls -S "$WORK/oci/blobs/sha256" | head -1)
	printf 'X' | dd of="$WORK/oci/blobs/sha256/$layer" bs=1 seek=600 conv=notrunc 2>/dev/null

	run "$REEF" image import "$WORK/oci" --alias broken
	[ "$status" -eq 1 ]
	[[ "$output" == *"is corrupt"* ]]
	run "$REEF" image list --format json
	[ "$output" = "[]" ]
	store_has_no_partial
}

@test "escaping archives rejected" {
	mkdir -p "$WORK/outside"
	echo original >"$WORK/outside/target"
	out=$WORK/outside
	"$MKTAR" "$WORK/dotdot.tar" f:ok:x "f:../../../../../..$out/dotdot:bad"
	"$MKTAR" "$WORK/absolute.tar" f:ok:x "f:$out/absolute:bad"
	"$MKTAR" "$WORK/symlink-dir.tar" "l:link:$out" f:link/through:bad
	"$MKTAR" "$WORK/symlink-up.tar" "l:link:../../../../../..$out" f:link/through:bad
	"$MKTAR" "$WORK/hardlink-abs.tar" "h:h:$out/target"
	"$MKTAR" "$WORK/hardlink-dotdot.tar" "h:h:../../../../../..$out/target"
	"$MKTAR" "$WORK/hardlink-symlink.tar" "l:link:$out" h:h:link/target

	for archive in dotdot absolute symlink-dir symlink-up hardlink-abs hardlink-dotdot \
		hardlink-symlink; do
		run "$REEF" image import "$WORK/$archive.tar" --alias "$archive"
		echo "$archive: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "reef: import '$WORK/$archive.tar': "* ]]
	done
	[ "$(ls "$WORK/outside")" = target ]
	[ "$(cat "$WORK/outside/target")" = original ]
	run "$REEF" image list --format json
	[ "$output" = "[]" ]
	store_has_no_partial
}

@test "symlink replaced by file stays inside" {
	mkdir -p "$WORK/outside"
	echo original >"$WORK/outside/target"
	"$MKTAR" "$WORK/replace.tar" "l:t:$WORK/outside/target" f:t:inside

	"$REEF" image import "$WORK/replace.tar" --alias replace
	[ "$(cat "$(image_rootfs replace)/t")" = inside ]
	[ "$(cat "$WORK/outside/target")" = original ]
}

@test "truncated archive leaves nothing" {
	"$REEF_BUILD/../scripts/mkrootfs-busybox.sh" "$WORK/rootfs"
	tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" .
	gzip -c "$WORK/bb.tar" >"$WORK/bb.tar.gz"
	size=$(stat -c %s "$WORK/bb.tar")
	head -c $((size / 2)) "$WORK/bb.tar" >"$WORK/half.tar"
	size=$(stat -c %s "$WORK/bb.tar.gz")
	head -c $((size / 2)) "$WORK/bb.tar.gz" >"$WORK/half.tar.gz"

	for archive in half.tar half.tar.gz; do
		run "$REEF" image import "$WORK/$archive" --alias half
		echo "$archive: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"Truncated"* || "$output" == *"truncated"* ]]
	done
	run "$REEF" image list --format json
	[ "$output" = "[]" ]
	run "$REEF" image alias list --format json
	[ "$output" = "{}" ]
	store_has_no_partial
}

@test "non-archive file rejected" {
	head -c 4096 /dev/urandom >"$WORK/noise.tar"

	run "$REEF" image import "$WORK/noise.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: import '$WORK/noise.tar': open "* ]]
	store_has_no_partial
}

@test "export and import again" {
	"$MKTAR" "$WORK/small.tar" d:etc f:etc/hostname:box l:etc/link:hostname h:etc/hard:etc/hostname
	"$REEF" image import "$WORK/small.tar" --alias small

	for ext in tar tar.gz tar.xz tar.zst; do
		"$REEF" image export small "$WORK/out.$ext"
		[ ! -e "$WORK/out.$ext.tmp" ]
		run "$REEF" image import "$WORK/out.$ext" --alias "again-${ext//./-}"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		diff -r --no-dereference "$(image_rootfs small)" "$(image_rootfs "again-${ext//./-}")"
	done
	run "$REEF" image export small "$WORK/out.zip"
	[ "$status" -eq 1 ]
	[[ "$output" == *"end the name with .tar, .tar.gz, .tar.xz or .tar.zst"* ]]
}

@test "Docker 25 archive imports as OCI" {
	digest=$(oci_layout_build "$WORK/oci")
	# Docker 25 and later write manifest.json and repositories next to the OCI layout.
	echo '[]' >"$WORK/oci/manifest.json"
	echo '{}' >"$WORK/oci/repositories"
	tar -C "$WORK/oci" -cf "$WORK/docker.tar" manifest.json repositories oci-layout index.json blobs

	run "$REEF" image import "$WORK/docker.tar" --alias docker
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(image_fingerprint docker)" = "$digest" ]
}

@test "legacy docker save archive rejected" {
	hex=$(printf x | sha256sum | cut -d' ' -f1)
	"$MKTAR" "$WORK/legacy.tar" "d:$hex" "f:$hex/layer.tar:x" "f:$hex.json:{}" \
		'f:manifest.json:[]' 'f:repositories:{}'

	run "$REEF" image import "$WORK/legacy.tar" --alias legacy
	[ "$status" -eq 1 ]
	[[ "$output" == "reef: import '$WORK/legacy.tar': a 'docker save' archive from before Docker 25"* ]]
	store_has_no_partial
}
