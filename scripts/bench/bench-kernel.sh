#!/bin/bash
# Kernel drivers: attach and detach one bridge endpoint (veth pair, IPv4 and
# IPv6 addresses, default routes, announcements) COUNT times with
# build/tests/tools/netd-kernel, against the same wiring done with iproute2
# (three "ip -batch" processes per endpoint).  Runs in throwaway namespaces.
set -eu
cd "$(dirname "$0")/../.."
tool=build/tests/tools/netd-kernel
count=${BENCH_KERNEL_COUNT:-200}
host=rtbench$$-host
ctr=rtbench$$-ctr
pid=

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	ip netns del "$host" 2>/dev/null
	ip netns del "$ctr" 2>/dev/null
}
trap cleanup EXIT

ip netns add "$host"
ip netns add "$ctr"
nsenter --net="/run/netns/$ctr" sleep 600 </dev/null >/dev/null 2>&1 &
pid=$!
until [ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$ctr")" ]; do
	sleep 0.01
done

in_host() {
	nsenter --net="/run/netns/$host" "$@"
}

in_host "$tool" network-create --network bench --bridge rbbench --gateway4 10.77.0.1/24 \
	--gateway6 fd77::1/64
read -r _ _ _ attach_us _ detach_us _ total_us < <(in_host "$tool" bench "$count" \
	--network bench --bridge rbbench --container c --pid "$pid" --host-ifname rfbench \
	--mac 02:00:00:00:77:02 --addr4 10.77.0.2/24 --addr6 fd77::2/64 \
	--route4 10.77.0.1 --route6 fd77::1)

# The same wiring with iproute2, one process per namespace step.
start=$(date +%s%N)
for _ in $(seq "$count"); do
	ip -n "$host" -batch - <<-EOF
		link add rfbench mtu 1500 master rbbench up type veth peer name eth0 address 02:00:00:00:77:02 netns $pid
		link set rfbench alias reef:c/bench
	EOF
	ip -n "$ctr" -batch - <<-EOF
		link set lo up
		link set eth0 alias reef:c/bench up
		addr add 10.77.0.2/24 dev eth0
		addr add fd77::2/64 dev eth0 nodad
		route add default via 10.77.0.1 dev eth0
		route add default via fd77::1 dev eth0
	EOF
	ip -n "$host" link del rfbench
done
ip_us=$((($(date +%s%N) - start) / 1000 / count))

echo "## Kernel drivers: endpoint attach and detach"
echo
echo "Mean of $count attach+detach cycles of one bridge endpoint (veth, IPv4 and IPv6"
echo "address, two default routes); \`scripts/bench/bench-kernel.sh\`."
echo "iproute2 runs three \`ip -batch\` processes per cycle and sends no announcements."
echo
echo "| tool | attach µs | detach µs | attach+detach µs | ratio |"
echo "|---|---|---|---|---|"
echo "| reef (netd-kernel) | $attach_us | $detach_us | $total_us | 1.00 |"
echo "| iproute2 | | | $ip_us | $(awk "BEGIN { printf \"%.2f\", $ip_us / $total_us }") |"
