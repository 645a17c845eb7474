#!/bin/sh
# Builds a minimal busybox image from Debian's busybox-static and imports it
# into reef's image store.  Usage: mkimage-busybox.sh [ALIAS]  (default: busybox)
# $REEF names the reef binary (default: build/reef of this tree, else reef on
# $PATH); REEF_ROOT selects the reef instance as usual.
set -eu
alias_name=${1:-busybox}
here=$(cd "$(dirname "$0")" && pwd)
reef=${REEF:-$here/../build/reef}
[ -x "$reef" ] || reef=reef

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/mkrootfs-busybox.sh" "$work/rootfs"

# 'reef image list' takes the image's description from os-release.
version=$("$work/rootfs/bin/busybox" 2>&1 | sed -n '1s/^BusyBox v\([0-9.]*\).*/\1/p')
cat >"$work/rootfs/etc/os-release" <<OS
NAME="BusyBox"
ID=busybox
VERSION_ID="$version"
PRETTY_NAME="BusyBox $version (static, from Debian's busybox-static)"
OS

"$reef" image import "$work/rootfs" --alias "$alias_name"
