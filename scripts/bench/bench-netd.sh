#!/bin/bash
# reef-netd: attach and detach of N endpoints (N = 1, 100, 500) through the
# API, side by side with the CNI bridge plugin (host-local IPAM) and netavark
# wiring the same namespaces.  Prints a markdown section on stdout.
#
# Everything runs inside a bench namespace this script creates and removes:
# the daemon, the bridges, the CNI and netavark state and their firewall
# rules.  Needs root; installs containernetworking-plugins and netavark with
# apt-get when they are missing.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NETD=$PWD/$BUILD/reef-netd
COUNTS=${BENCH_NETD_COUNTS:-1 100 500}
CNI_DIR=/usr/lib/cni
NETAVARK=/usr/lib/podman/netavark
PREFIX=rbn$$
HOST=$PREFIX-host
WORK=$(mktemp -d /tmp/reef-bench-netd.XXXXXX)
SOCK=$WORK/root/run/netd.sock
MAX=$(echo "$COUNTS" | tr ' ' '\n' | sort -n | tail -1)
SLEEPERS=()

log() {
	echo "bench-netd: $*" >&2
}

cleanup() {
	local pid
	# Every step may find its object gone already; under set -e a failed
	# kill or delete would end the cleanup and leak the namespaces.
	if [ -f "$WORK/netd.pid" ]; then
		kill "$(cat "$WORK/netd.pid")" 2>/dev/null || true
	fi
	for pid in "${SLEEPERS[@]}"; do
		kill -9 "$pid" 2>/dev/null || true
	done
	for i in $(seq "$MAX"); do
		ip netns del "$PREFIX-c$i" 2>/dev/null || true
	done
	ip netns del "$HOST" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "## reef-netd attach and detach"
	echo
	echo "Skipped: needs root."
	exit 0
fi
if [ ! -x "$CNI_DIR/bridge" ] || [ ! -x "$NETAVARK" ]; then
	log "installing containernetworking-plugins and netavark"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		containernetworking-plugins netavark >"$WORK/apt.log" 2>&1 ||
		{ cat "$WORK/apt.log" >&2; exit 1; }
fi

# Prints "median p99" in milliseconds of the numbers (milliseconds) in FILE.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		i = int(NR * 0.99 + 0.999); if (i < 1) i = 1; if (i > NR) i = NR
		printf "%.2f %.2f\n", m, v[i] }'
}

# Milliseconds since START (an $EPOCHREALTIME value) to now, without a fork.
elapsed_ms() {
	local now=$EPOCHREALTIME
	echo "$(((${now/./} - ${1/./}) / 1000)).$(((${now/./} - ${1/./}) % 1000 / 100))"
}

setup_namespaces() {
	local i
	ip netns add "$HOST"
	ip -n "$HOST" link set lo up
	for i in $(seq "$MAX"); do
		ip netns add "$PREFIX-c$i"
		ip netns exec "$PREFIX-c$i" sleep 3600 </dev/null >/dev/null 2>&1 &
		SLEEPERS[i]=$!
		disown
	done
	# Wait until every sleeper has entered its namespace.
	for i in $(seq "$MAX"); do
		until [ "$(stat -L -c %i "/proc/${SLEEPERS[i]}/ns/net")" = \
			"$(stat -L -c %i "/run/netns/$PREFIX-c$i")" ]; do
			sleep 0.01
		done
	done
}

start_netd() {
	mkdir -p "$WORK/root"
	ip netns exec "$HOST" "$NETD" --root "$WORK/root" --foreground --log-level warning \
		2>"$WORK/netd.log" &
	echo $! >"$WORK/netd.pid"
	for _ in $(seq 100); do
		curl -sf --unix-socket "$SOCK" http://reef/v1/status >/dev/null && return 0
		sleep 0.05
	done
	cat "$WORK/netd.log" >&2
	return 1
}

# Times N attaches, then N detaches, over one kept-alive connection of one curl process.
bench_reef() {
	local n=$1 i
	: >"$WORK/reef-attach.cfg"
	: >"$WORK/reef-detach.cfg"
	for i in $(seq "$n"); do
		if [ "$i" -gt 1 ]; then
			echo next >>"$WORK/reef-attach.cfg"
			echo next >>"$WORK/reef-detach.cfg"
		fi
		cat >>"$WORK/reef-attach.cfg" <<-EOF
			url = "http://reef/v1/endpoints"
			unix-socket = "$SOCK"
			data = "{\"container\":\"c$i\",\"pid\":${SLEEPERS[i]},\"network\":\"bench\"}"
			header = "Content-Type: application/json"
			output = "/dev/null"
			write-out = "%{http_code} %{time_total}\\n"
		EOF
		cat >>"$WORK/reef-detach.cfg" <<-EOF
			url = "http://reef/v1/endpoints/c$i/bench"
			unix-socket = "$SOCK"
			request = "DELETE"
			output = "/dev/null"
			write-out = "%{http_code} %{time_total}\\n"
		EOF
	done
	curl -s -K "$WORK/reef-attach.cfg" >"$WORK/reef-attach.out"
	curl -s -K "$WORK/reef-detach.cfg" >"$WORK/reef-detach.out"
	if grep -qv '^20[01] ' "$WORK/reef-attach.out" "$WORK/reef-detach.out"; then
		log "reef-netd request failed; its log:"
		cat "$WORK/netd.log" >&2
		return 1
	fi
	awk '{ print $2 * 1000 }' "$WORK/reef-attach.out" >"$WORK/attach.ms"
	awk '{ print $2 * 1000 }' "$WORK/reef-detach.out" >"$WORK/detach.ms"
}

cni_config() {
	cat <<-EOF
		{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "cnibench0",
		 "isGateway": true, "ipMasq": false,
		 "ipam": {"type": "host-local", "subnet": "10.98.0.0/22", "dataDir": "$WORK/cni"}}
	EOF
}

# Runs the CNI bridge plugin for namespace I with COMMAND (ADD or DEL), inside $HOST.
cni_run() {
	CNI_COMMAND=$1 CNI_CONTAINERID=bench$2 CNI_NETNS=/run/netns/$PREFIX-c$2 CNI_IFNAME=eth0 \
		CNI_PATH=$CNI_DIR "$CNI_DIR/bridge" <"$WORK/cni.json" >/dev/null
}

# Times each plugin process from exec to exit, which is what a runtime calling CNI waits for.
bench_cni() {
	local n=$1
	cni_config >"$WORK/cni.json"
	export -f cni_run
	export WORK PREFIX CNI_DIR
	ip netns exec "$HOST" bash -c '
		set -e
		for i in $(seq '"$n"'); do
			t=$EPOCHREALTIME; cni_run ADD $i; n=$EPOCHREALTIME
			echo $(( (${n/./} - ${t/./}) )) >>"$WORK/attach.us"
		done
		for i in $(seq '"$n"'); do
			t=$EPOCHREALTIME; cni_run DEL $i; n=$EPOCHREALTIME
			echo $(( (${n/./} - ${t/./}) )) >>"$WORK/detach.us"
		done'
	awk '{ print $1 / 1000 }' "$WORK/attach.us" >"$WORK/attach.ms"
	awk '{ print $1 / 1000 }' "$WORK/detach.us" >"$WORK/detach.ms"
	rm -f "$WORK/attach.us" "$WORK/detach.us"
	ip -n "$HOST" link del cnibench0 2>/dev/null || true
}

# Netavark takes the whole network description on stdin and expects the
# caller (podman) to have picked the address; here they are sequential.
netavark_config() {
	local i=$1
	cat <<-EOF
		{"container_id": "$(printf '%064x' "$i")", "container_name": "c$i",
		 "networks": {"bench": {"interface_name": "eth0",
		   "static_ips": ["10.97.$((i / 250)).$((i % 250 + 2))"]}},
		 "network_info": {"bench": {"name": "bench", "id": "$(printf 'b%.0s' $(seq 64))",
		   "driver": "bridge", "network_interface": "nvbench0",
		   "subnets": [{"subnet": "10.97.0.0/22", "gateway": "10.97.0.1"}],
		   "ipv6_enabled": false, "internal": false, "dns_enabled": false}},
		 "port_mappings": null}
	EOF
}

bench_netavark() {
	local n=$1 i
	mkdir -p "$WORK/netavark"
	for i in $(seq "$n"); do
		netavark_config "$i" >"$WORK/netavark/c$i.json"
	done
	export WORK PREFIX NETAVARK
	ip netns exec "$HOST" bash -c '
		set -e
		for i in $(seq '"$n"'); do
			t=$EPOCHREALTIME
			"$NETAVARK" --config "$WORK/netavark" setup /run/netns/$PREFIX-c$i \
				<"$WORK/netavark/c$i.json" >/dev/null
			n=$EPOCHREALTIME
			echo $(( (${n/./} - ${t/./}) )) >>"$WORK/attach.us"
		done
		for i in $(seq '"$n"'); do
			t=$EPOCHREALTIME
			"$NETAVARK" --config "$WORK/netavark" teardown /run/netns/$PREFIX-c$i \
				<"$WORK/netavark/c$i.json" >/dev/null
			n=$EPOCHREALTIME
			echo $(( (${n/./} - ${t/./}) )) >>"$WORK/detach.us"
		done'
	awk '{ print $1 / 1000 }' "$WORK/attach.us" >"$WORK/attach.ms"
	awk '{ print $1 / 1000 }' "$WORK/detach.us" >"$WORK/detach.ms"
	rm -f "$WORK/attach.us" "$WORK/detach.us"
}

log "creating $MAX namespaces"
setup_namespaces
start_netd
curl -sf --unix-socket "$SOCK" http://reef/v1/networks \
	-d '{"name":"bench","subnet":"10.99.0.0/22"}' >/dev/null

declare -A RESULT
for n in $COUNTS; do
	for tool in reef cni netavark; do
		log "$tool: attach and detach $n endpoints"
		"bench_$tool" "$n"
		RESULT[$tool-$n]="$(stats "$WORK/attach.ms") $(stats "$WORK/detach.ms")"
	done
done

echo "## reef-netd attach and detach"
echo
echo "Wiring N namespaces on one bridge, then unwiring them, inside a bench namespace;"
echo "\`scripts/bench/bench-netd.sh\`.  reef-netd is timed per HTTP request over one kept-alive"
echo "connection (curl's time_total); the CNI bridge plugin (host-local IPAM,"
echo "containernetworking-plugins $(dpkg-query -W -f '${Version}' containernetworking-plugins))"
echo "and netavark $(dpkg-query -W -f '${Version}' netavark) are timed per process, exec to exit,"
echo "because that is how a runtime calls them.  Milliseconds per operation."
echo "Target: reef attach median under 2 ms at N = 500 and 10 times faster than CNI."
echo
echo "| N | tool | attach median | attach p99 | detach median | detach p99 |"
echo "|---|---|---|---|---|---|"
for n in $COUNTS; do
	for tool in reef cni netavark; do
		read -r am ap dm dp <<<"${RESULT[$tool-$n]}"
		echo "| $n | $tool | $am | $ap | $dm | $dp |"
	done
done
echo
echo "Ratios of medians (other tool / reef-netd; above 1 means reef-netd is faster):"
echo
echo "| N | CNI attach | CNI detach | netavark attach | netavark detach |"
echo "|---|---|---|---|---|"
for n in $COUNTS; do
	read -r ram _ rdm _ <<<"${RESULT[reef-$n]}"
	read -r cam _ cdm _ <<<"${RESULT[cni-$n]}"
	read -r nam _ ndm _ <<<"${RESULT[netavark-$n]}"
	awk -v n="$n" -v ra="$ram" -v rd="$rdm" -v ca="$cam" -v cd="$cdm" -v na="$nam" \
		-v nd="$ndm" 'BEGIN { printf "| %s | %.1f | %.1f | %.1f | %.1f |\n",
		n, ca / ra, cd / rd, na / ra, nd / rd }'
done
