#!/bin/sh
# Install every build and test dependency of reef on Debian 12 with apt-get.
# Safe to run twice: packages already present are skipped.
set -eu

packages="build-essential pkg-config clang clang-format libclang-rt-14-dev
libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev libseccomp-dev libcap-dev
libsqlite3-dev sqlite3 libjansson-dev libmicrohttpd-dev curl
libarchive-dev libcmocka-dev bats iproute2 nftables iputils-ping busybox-static
netcat-openbsd conntrack procps util-linux kmod libcap2-bin xz-utils zstd jq"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run this script as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-deps: apt-get failed for:$missing" >&2
	exit 1
fi
