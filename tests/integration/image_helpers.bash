# Helpers for the image store tests: tiny archives and OCI layouts built on
# the spot, so the tests need no network and no registry.

# Adds FILE to the OCI layout DIR as a blob; prints "sha256:HEX SIZE".
oci_add_blob() {
	local dir=$1 file=$2 hex size
	hex=$(sha256sum "$file" | cut -d' ' -f1)
	size=$(stat -c %s "$file")
	mkdir -p "$dir/blobs/sha256"
	cp "$file" "$dir/blobs/sha256/$hex"
	echo "sha256:$hex $size"
}

# Builds a two-layer OCI layout in DIR and prints the manifest digest (hex).
# Its config's User is $OCI_USER, default 0:0.
# Layer 1 contains etc/keep, etc/gone, gone-dir/file, opq/old and bin/sh.
# Layer 2 (gzip) deletes etc/gone and gone-dir with whiteouts, makes opq
# opaque and adds opq/new, listed before the opaque marker on purpose.
oci_layout_build() {
	local dir=$1 work l1 l2 config manifest digest size config_digest config_size
	work=$(mktemp -d "$BATS_TEST_TMPDIR/oci-work.XXXXXX")
	mkdir -p "$dir" "$work/l1/etc" "$work/l1/gone-dir" "$work/l1/opq" "$work/l1/bin" \
		"$work/l2/etc" "$work/l2/opq"
	echo keep >"$work/l1/etc/keep"
	echo gone >"$work/l1/etc/gone"
	echo file >"$work/l1/gone-dir/file"
	echo old >"$work/l1/opq/old"
	cp /bin/busybox "$work/l1/bin/sh"
	tar -C "$work/l1" -cf "$work/layer1.tar" etc gone-dir opq bin

	: >"$work/l2/etc/.wh.gone"
	: >"$work/l2/.wh.gone-dir"
	: >"$work/l2/opq/.wh..wh..opq"
	echo new >"$work/l2/opq/new"
	echo added >"$work/l2/etc/added"
	tar -C "$work/l2" -cf - opq/new opq/.wh..wh..opq etc/.wh.gone .wh.gone-dir etc/added |
		gzip -n >"$work/layer2.tar.gz"

	l1=$(oci_add_blob "$dir" "$work/layer1.tar")
	l2=$(oci_add_blob "$dir" "$work/layer2.tar.gz")
	cat >"$work/config.json" <<-JSON
	{"architecture": "amd64", "os": "linux", "created": "2024-01-02T03:04:05Z",
	 "config": {"Env": ["PATH=/bin", "GREETING=hello"], "Entrypoint": ["/bin/sh", "-c"],
	  "Cmd": ["echo \$GREETING; pwd"], "WorkingDir": "/etc", "User": "${OCI_USER:-0:0}"},
	 "rootfs": {"type": "layers", "diff_ids": []}}
	JSON
	config=$(oci_add_blob "$dir" "$work/config.json")
	read -r config_digest config_size <<<"$config"
	cat >"$work/manifest.json" <<-JSON
	{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
	 "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
	  "digest": "$config_digest", "size": $config_size},
	 "layers": [
	  {"mediaType": "application/vnd.oci.image.layer.v1.tar",
	   "digest": "${l1% *}", "size": ${l1#* }},
	  {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
	   "digest": "${l2% *}", "size": ${l2#* }}]}
	JSON
	manifest=$(oci_add_blob "$dir" "$work/manifest.json")
	read -r digest size <<<"$manifest"
	cat >"$dir/index.json" <<-JSON
	{"schemaVersion": 2, "manifests": [
	 {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "$digest",
	  "size": $size, "platform": {"architecture": "amd64", "os": "linux"}}]}
	JSON
	echo '{"imageLayoutVersion": "1.0.0"}' >"$dir/oci-layout"
	rm -rf "$work"
	echo "${digest#sha256:}"
}

# Prints the fingerprint of image NAME.
image_fingerprint() {
	"$REEF" image info "$1" --format json | sed -n 's/^  "fingerprint": "\([0-9a-f]*\)",$/\1/p'
}

# Prints the rootfs directory of image NAME.
image_rootfs() {
	echo "$REEF_ROOT/lib/images/$(image_fingerprint "$1")/rootfs"
}

# Fails when the store contains anything besides finished images and its own files.
store_has_no_partial() {
	local leftovers
	leftovers=$(ls -A "$REEF_ROOT/lib/images" | grep -vE '^([0-9a-f]{64}|aliases\.json|\.lock)$') || true
	if [ -n "$leftovers" ]; then
		echo "left in the store: $leftovers" >&2
		return 1
	fi
}
