#!/bin/bash
# Times the import of the Debian 12 image into reef's store against GNU tar
# unpacking the same tarball, and an id-mapped mount of the image against
# a chown-shifted copy, and prints a markdown section.  Needs root and a
# build (make all).  The Debian tarball is built once with
# scripts/mkimage-debian.sh (which needs the apt mirror) and cached in
# $REEF_BENCH_CACHE (default /var/tmp/reef-bench).
set -eu
cd "$(dirname "$0")/../.." || exit 1
build=${BUILD:-build}
reef=$PWD/$build/reef
idmap=$PWD/$build/tests/tools/bench-idmap
cache=${REEF_BENCH_CACHE:-/var/tmp/reef-bench}
runs=${RUNS:-3}
work=$(mktemp -d /var/tmp/reef-bench-images.XXXXXX)
# A container's unprivileged root resolves its lower layer below the root.
chmod 0711 "$work"
ns=reef-bench-images-$$

cleanup() {
	local dir
	for dir in "$work"/root/lib/containers/*/; do
		[ -d "$dir" ] && REEF_ROOT=$work/root nsenter --net="/run/netns/$ns" \
			"$reef" delete --force "$(basename "$dir")" >/dev/null 2>&1
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "## Images: import and first use of Debian 12"
echo
if [ "$(id -u)" -ne 0 ]; then
	echo "Skipped: the benchmark needs root."
	exit 0
fi
[ -x "$reef" ] && [ -x "$idmap" ] || {
	echo "bench-images: $reef or $idmap is missing: run make all first" >&2
	exit 1
}

mkdir -p "$cache"
if [ ! -s "$cache/debian12.tar.zst" ]; then
	if ! REEF_ROOT="$work/build-root" scripts/mkimage-debian.sh debian-12 \
		"$cache/debian12.tar.zst" >&2; then
		rm -f "$cache/debian12.tar.zst"
		echo "Skipped: scripts/mkimage-debian.sh could not build the image."
		exit 0
	fi
	rm -rf "$work/build-root"
fi
zstd -q -d -c "$cache/debian12.tar.zst" >"$work/debian12.tar"

# Prints the median of the numbers on stdin.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Prints the seconds COMMAND... took, after a sync so that earlier writes do not count.
seconds() {
	local start end
	sync
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

reef_import() {
	REEF_ROOT=$work/root "$reef" image import "$1" --alias debian-12
}

tar_extract() {
	tar --xattrs --xattrs-include='*' --numeric-owner -C "$work/tar" -xf "$1"
}

reef_import "$work/debian12.tar" >/dev/null
size=$(REEF_ROOT=$work/root "$reef" image info debian-12 --format json |
	sed -n 's/^  "size": \([0-9]*\),$/\1/p')
files=$(find "$work/root/lib/images/"*/rootfs | wc -l)
mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }')

echo "Debian 12 minbase with iproute2, iputils-ping, curl, netcat-openbsd and procps:"
echo "$mb MB of regular files in $files entries. Median of $runs runs, page cache warm,"
echo "\`sync\` before each run (\`scripts/bench/bench-images.sh\`)."
echo
echo "| import | reef (s) | reef (MB/s) | GNU tar -x (s) | reef / tar |"
echo "|---|---:|---:|---:|---:|"
for file in debian12.tar "$cache/debian12.tar.zst"; do
	[ "${file#/}" = "$file" ] && file=$work/$file
	reef_s=$(for _ in $(seq "$runs"); do
		rm -rf "$work/root"
		seconds reef_import "$file"
	done | median)
	tar_s=$(for _ in $(seq "$runs"); do
		rm -rf "$work/tar" && mkdir "$work/tar"
		seconds tar_extract "$file"
	done | median)
	awk -v n="$(basename "$file")" -v r="$reef_s" -v t="$tar_s" -v s="$size" 'BEGIN {
		printf "| %s | %.2f | %.0f | %.2f | %.2f |\n", n, r, s / 1e6 / r, t, r / t }'
done
echo
echo "Besides unpacking, reef hashes the file with SHA-256 for the fingerprint and checks"
echo "every member's parent directory for symlinks with openat2(2), and libarchive checks"
echo "each path component again (ARCHIVE_EXTRACT_SECURE_SYMLINKS)."
echo

# Each launch is the first of its container, so it pays for preparing the lower layer.
ip netns add "$ns"
launch_ms=$(for i in $(seq "$runs"); do
	start=$(date +%s%N)
	REEF_ROOT=$work/root nsenter --net="/run/netns/$ns" "$reef" launch debian-12 "b$i" \
		-- sleep 1000 >/dev/null
	end=$(date +%s%N)
	REEF_ROOT=$work/root nsenter --net="/run/netns/$ns" "$reef" delete --force "b$i" >/dev/null
	echo $(((end - start) / 1000)) | awk '{ printf "%.1f\n", $1 / 1000 }'
done | median)

rootfs=$(echo "$work/root/lib/images/"*/rootfs)
idmap_ms=$(for _ in $(seq 20); do "$idmap" idmap "$rootfs" 100000; done | median)
shift_ms=$(for _ in $(seq "$runs"); do
	rm -rf "$work/shifted"
	sync
	"$idmap" shift "$rootfs" "$work/shifted" 100000
done | median)
rm -rf "$work/shifted"
echo "| giving a user namespace (ids 0 -> 100000) the image | median (ms) |"
echo "|---|---:|"
echo "| \`reef launch debian-12 NAME -- sleep 1000\`, a new container each run (id-mapped mount, $runs runs) | $launch_ms |"
echo "| id-mapped mount: open_tree(2) clone + mount_setattr(2) MOUNT_ATTR_IDMAP (20 runs) | $idmap_ms |"
echo "| chown-shifted copy: copy the rootfs with every uid and gid raised by 100000 | $shift_ms |"
echo
awk -v i="$idmap_ms" -v s="$shift_ms" 'BEGIN {
	printf "The id-mapped mount itself is about %.0f times faster than the copy, takes no disk\n", s / i
	printf "space, and lets every container of the image share one copy in the page cache.\n" }'
echo "A launch without id-mapped mounts (an older kernel or a filesystem without support) pays"
echo "for the chown-shifted copy on top of the rest of the launch."
