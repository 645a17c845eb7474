#!/bin/bash
# Builds a small lab with reef and proves, with real traffic, that it is
# wired as intended:
#
#   front (NAT)       back (internal, no way out)
#     |    \            /     \
#   client  `--- web ---'      db        web: busybox httpd, published as 8080 -> 80
#
# It prints a connectivity matrix (rows are sources, columns destinations)
# and exits non-zero when a cell differs from what the lab intends.  It
# removes everything it created unless given --keep.
#
# Usage: scripts/demo.sh [--keep]
# Environment: REEF_ROOT selects the state directory, as for reef.  REEF and
# REEF_NETD name the binaries (default: this tree's build/).  DEMO_HOST_ADDR
# is the host address to test the published port on (default: the first
# global IPv4 address of this network namespace).
set -u
here=$(cd "$(dirname "$0")" && pwd)
REEF=${REEF:-$here/../build/reef}
REEF_NETD=${REEF_NETD:-$here/../build/reef-netd}
keep=0
case "${1:-}" in
--keep) keep=1 ;;
"") ;;
*)
	echo "usage: scripts/demo.sh [--keep]" >&2
	exit 2
	;;
esac
for bin in "$REEF" "$REEF_NETD"; do
	if [ ! -x "$bin" ]; then
		echo "demo: '$bin' is missing: run 'make' first" >&2
		exit 1
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: reef needs root: run it with sudo" >&2
	exit 1
fi

run_dir=${REEF_ROOT:+$REEF_ROOT/run}
run_dir=${run_dir:-/run/reef}
started_netd=0
created=()

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
	local item
	[ "$keep" -eq 1 ] && {
		echo "demo: kept the lab; remove it with: reef delete --force web client db;" \
			"reef network delete front; reef network delete back"
		return
	}
	say "cleaning up"
	for ((i = ${#created[@]} - 1; i >= 0; i--)); do
		item=${created[$i]}
		case "$item" in
		container:*) "$REEF" delete --force "${item#container:}" >/dev/null ;;
		network:*) "$REEF" network delete "${item#network:}" >/dev/null ;;
		esac
	done
	if [ "$started_netd" -eq 1 ]; then
		kill "$(cat "$run_dir/demo-netd.pid")" 2>/dev/null
		for _ in $(seq 50); do
			[ -S "$run_dir/netd.sock" ] || break
			sleep 0.1
		done
		rm -f "$run_dir/demo-netd.pid"
	fi
}
trap cleanup EXIT

# Runs a reef command and stops the demo with its error when it fails.
step() {
	if ! "$REEF" "$@"; then
		echo "demo: 'reef $*' failed" >&2
		exit 1
	fi
}

start_netd() {
	if curl -sf --unix-socket "$run_dir/netd.sock" http://reef/v1/status >/dev/null 2>&1; then
		echo "reef-netd is already running on $run_dir/netd.sock"
		return
	fi
	say "starting reef-netd"
	mkdir -p "$run_dir"
	"$REEF_NETD" --foreground >"$run_dir/demo-netd.log" 2>&1 &
	echo $! >"$run_dir/demo-netd.pid"
	started_netd=1
	for _ in $(seq 100); do
		curl -sf --unix-socket "$run_dir/netd.sock" http://reef/v1/status >/dev/null 2>&1 && return
		sleep 0.05
	done
	echo "demo: reef-netd did not start; its log:" >&2
	cat "$run_dir/demo-netd.log" >&2
	exit 1
}

# Prints the IPv4 address of CONTAINER on NETWORK, without the prefix length.
address_of() {
	"$REEF" info "$1" | jq -r --arg net "$2" \
		'.networks[] | select(.network == $net) | .addresses[] | select(contains(".")) | split("/")[0]' |
		head -1
}

build_lab() {
	if ! "$REEF" image info busybox >/dev/null 2>&1; then
		say "building the busybox image"
		REEF="$REEF" "$here/mkimage-busybox.sh" busybox || exit 1
	fi

	say "creating networks: front (NAT) and back (internal)"
	step network create front
	created+=(network:front)
	step network create back --internal
	created+=(network:back)

	say "launching web (front and back, port 8080 -> 80), client (front) and db (back)"
	step launch busybox web --network front --network back -p 8080:80 \
		-- sh -c 'echo "hello from web" >/var/www/index.html && exec httpd -f -p 80 -h /var/www'
	created+=(container:web)
	step launch busybox client --network front -- sleep 1000000
	created+=(container:client)
	step launch busybox db --network back -- sleep 1000000
	created+=(container:db)
	"$REEF" list
}

# Each probe prints nothing and returns 0 when the traffic got through.
http_from_host() { curl -sf --max-time 3 "http://$1/" | grep -q 'hello from web'; }
# busybox 1.35 wget crashes with -T, so the timeout comes from the timeout applet.
http_from() { "$REEF" exec "$1" -- timeout 3 wget -q -O - "http://$2/" 2>/dev/null | grep -q "hello from web"; }
ping_from() { "$REEF" exec "$1" -- ping -c 1 -W 2 "$2" >/dev/null 2>&1; }

failures=0
declare -A matrix

# check SOURCE DESTINATION EXPECTED WHAT PROBE...
check() {
	local source=$1 destination=$2 expected=$3 what=$4 result
	shift 4
	if "$@"; then result=ok; else result=blocked; fi
	matrix["$source,$destination"]="$result ($what)"
	if [ "$result" != "$expected" ]; then
		matrix["$source,$destination"]+=" UNEXPECTED"
		failures=$((failures + 1))
	fi
}

probe_lab() {
	local host_addr web_front web_back client_front db_back
	host_addr=${DEMO_HOST_ADDR:-$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)}
	web_front=$(address_of web front)
	web_back=$(address_of web back)
	client_front=$(address_of client front)
	db_back=$(address_of db back)

	say "probing with real traffic"
	check host "127.0.0.1:8080" ok "http" http_from_host 127.0.0.1:8080
	if [ -n "$host_addr" ]; then
		check host "host:8080" ok "http $host_addr:8080" http_from_host "$host_addr:8080"
		check client "host:8080" ok "http $host_addr:8080" http_from client "$host_addr:8080"
		check client host ok "ping $host_addr" ping_from client "$host_addr"
		check db host blocked "ping $host_addr" ping_from db "$host_addr"
	fi
	check client web:80 ok "http $web_front" http_from client "$web_front"
	check client db blocked "ping $db_back" ping_from client "$db_back"
	check db web:80 ok "http $web_back" http_from db "$web_back"
	check db client blocked "ping $client_front" ping_from db "$client_front"
	check web client ok "ping $client_front" ping_from web "$client_front"
	check web db ok "ping $db_back" ping_from web "$db_back"
}

print_matrix() {
	local sources=(host client web db) destinations=("web:80" "127.0.0.1:8080" "host:8080" client db host)
	local s d cell width=14
	for cell in "${matrix[@]}"; do
		[ "${#cell}" -gt "$width" ] && width=${#cell}
	done
	say "connectivity matrix (rows: sources, columns: destinations)"
	printf '%-7s' ""
	for d in "${destinations[@]}"; do printf ' | %-*s' "$width" "$d"; done
	echo
	for s in "${sources[@]}"; do
		printf '%-7s' "$s"
		for d in "${destinations[@]}"; do
			printf ' | %-*s' "$width" "${matrix["$s,$d"]:--}"
		done
		echo
	done
}

start_netd
build_lab
probe_lab
print_matrix
if [ "$failures" -gt 0 ]; then
	echo "demo: $failures cell(s) differ from what the lab intends" >&2
	exit 1
fi
echo "demo: every cell is as the lab intends"
