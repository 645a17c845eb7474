#!/bin/sh
# Builds a Debian 12 (bookworm) minbase image with debootstrap, with the
# tools a lab needs (iproute2, iputils-ping, curl, netcat-openbsd, procps),
# and imports it into reef's image store.
# Usage: mkimage-debian.sh [ALIAS] [OUT.tar.zst]  (default alias: debian-12)
# With OUT, the rootfs is also kept as a tarball there (the benchmark imports it).
# The mirror is the one this machine's apt uses for bookworm; set MIRROR to override.
# $REEF names the reef binary (default: build/reef of this tree, else reef on $PATH).
set -eu
alias_name=${1:-debian-12}
out=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
reef=${REEF:-$here/../build/reef}
[ -x "$reef" ] || reef=reef
packages=iproute2,iputils-ping,curl,netcat-openbsd,procps,ca-certificates

if [ "$(id -u)" -ne 0 ]; then
	echo "mkimage-debian: debootstrap needs root: run this script as root" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
		>/dev/null
fi

# Prints the first mirror URI that apt's sources list for the suite bookworm,
# from one-line .list files and deb822 .sources files alike.
find_mirror() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i !~ /=/) {
			if ($(i + 1) == "bookworm") { print $i; exit } ; break } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uri = ""; suite = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, u, " "); uri = u[2] }
				if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) suite = 1
			}
			if (uri != "" && suite) { print uri; exit }
		}' "$f"
	done
}
mirror=${MIRROR:-$(find_mirror | head -1)}
if [ -z "$mirror" ]; then
	echo "mkimage-debian: no bookworm mirror in /etc/apt/sources*: set MIRROR=URL" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "mkimage-debian: debootstrap bookworm from $mirror" >&2
if ! debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror" \
	>"$work/debootstrap.log" 2>&1; then
	tail -20 "$work/debootstrap.log" >&2
	echo "mkimage-debian: debootstrap failed; the lines above are the end of its log" >&2
	exit 1
fi
# Leave out what only the build needed: downloaded packages and apt's lists.
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*

if [ -n "$out" ]; then
	tar --xattrs --xattrs-include='*' --numeric-owner -C "$work/rootfs" -cf - . |
		zstd -q -T0 -o "$out" -f
	"$reef" image import "$out" --alias "$alias_name"
else
	"$reef" image import "$work/rootfs" --alias "$alias_name"
fi
