#!/bin/sh
# Builds a minimal root filesystem directory from Debian's busybox-static:
# the static busybox binary, a symlink per applet, and the few files a
# container expects (/etc/passwd, /etc/group).  Usage: mkrootfs-busybox.sh DIR
set -eu
dir=${1:?usage: mkrootfs-busybox.sh DIR}
busybox=/bin/busybox
if [ ! -x "$busybox" ] || ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
	echo "mkrootfs-busybox: $busybox is missing or not static: apt-get install busybox-static" >&2
	exit 1
fi
mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root var/www run
chmod 1777 tmp
cp "$busybox" bin/busybox
for applet in $(./bin/busybox --list-full); do
	[ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
