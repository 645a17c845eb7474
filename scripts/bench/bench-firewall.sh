#!/bin/bash
# Port forward cost in reef's table against one rule per forward added
# with the nft command.  For 10, 1,000 and 10,000 existing forwards: the
# time to install them in one batch, and the median time to add and to
# remove one more.  Everything runs in throwaway network namespaces.
# Prints a markdown section on stdout.
set -eu
cd "$(dirname "$0")/../.."

BUILD=${BUILD:-build}
FW_TOOL=$BUILD/tests/tools/fw-tool
FWD_TOOL=$BUILD/tests/tools/bench-forwards
REPS=${REPS:-21}
SIZES=${SIZES:-"10 1000 10000"}

if [ "$(id -u)" -ne 0 ]; then
	echo "## Firewall"
	echo
	echo "Skipped: needs root for network namespaces."
	exit 0
fi
[ -x "$FW_TOOL" ] || { echo "bench-firewall: build $FW_TOOL first (make)" >&2; exit 1; }

ns_reef="rbench$$-reef"
ns_nft="rbench$$-nft"
ns_netd="rbench$$-netd"
ns_box="rbench$$-box"
tmp=$(mktemp -d)
cleanup() {
	[ -f "$tmp/root/netd.pid" ] && kill "$(cat "$tmp/root/netd.pid")" 2>/dev/null
	[ -n "${box_pid:-}" ] && kill "$box_pid" 2>/dev/null
	sleep 0.2
	ip netns del "$ns_reef" 2>/dev/null || true
	ip netns del "$ns_nft" 2>/dev/null || true
	ip netns del "$ns_netd" 2>/dev/null || true
	ip netns del "$ns_box" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns_reef"
ip netns add "$ns_nft"
# fw-tool bench adds network "bench" on this bridge.
ip -n "$ns_reef" link add rbbench type bridge

now_us() {
	echo $(($(date +%s%N) / 1000))
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# The reference: a nat chain with one DNAT rule per forward, built with
# nft -f in one go; then single rules added and deleted (by handle) with
# one nft command each, as a script driving nft would do.
nft_bench() {
	local n=$1 t0 t1 handle add=() del=()
	{
		echo "table ip ref {"
		echo "  chain pre { type nat hook prerouting priority dstnat; }"
		echo "}"
		for ((i = 0; i < n; i++)); do
			echo "add rule ip ref pre fib daddr type local tcp dport $((10000 + i)) dnat to 10.89.0.2:80"
		done
	} >"$tmp/ref.nft"
	ip netns exec "$ns_nft" nft delete table ip ref 2>/dev/null || true
	t0=$(now_us)
	ip netns exec "$ns_nft" nft -f "$tmp/ref.nft"
	t1=$(now_us)
	echo "install $(((t1 - t0) / 1000))"
	for ((r = 0; r < REPS; r++)); do
		t0=$(now_us)
		handle=$(ip netns exec "$ns_nft" nft -e -a add rule ip ref pre fib daddr type local \
			tcp dport 9000 dnat to 10.89.0.2:80 | sed -n 's/.*# handle \([0-9]*\).*/\1/p')
		t1=$(now_us)
		add+=($((t1 - t0)))
		t0=$(now_us)
		ip netns exec "$ns_nft" nft delete rule ip ref pre handle "$handle"
		t1=$(now_us)
		del+=($((t1 - t0)))
	done
	echo "add $(printf '%s\n' "${add[@]}" | median)"
	echo "remove $(printf '%s\n' "${del[@]}" | median)"
}

# reef-netd end to end: the request times the daemon logs for POST and DELETE
# /v1/forwards (parse, conflict and listener checks, SQLite commit,
# nftables batch), and the start-up time with N forwards in its database.
NETD=$BUILD/reef-netd
SOCK=$tmp/root/run/netd.sock

netd_up() {
	ip netns exec "$ns_netd" "$NETD" --root "$tmp/root" --foreground --log-level debug \
		>>"$tmp/root/netd.log" 2>&1 &
	echo $! >"$tmp/root/netd.pid"
	for _ in $(seq 400); do
		curl -sf --unix-socket "$SOCK" http://reef/v1/status >/dev/null && return 0
		sleep 0.05
	done
	echo "bench-firewall: reef-netd did not start" >&2
	return 1
}

netd_down() {
	local pid
	pid=$(cat "$tmp/root/netd.pid")
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$tmp/root/netd.pid"
}

api() {
	curl -sf --unix-socket "$SOCK" -X "$1" -H 'Content-Type: application/json' \
		${3:+-d "$3"} "http://reef$2" >/dev/null
}

# Median of the times (ms) of the daemon's log lines for "METHOD PATH-PREFIX" after line FROM.
logged_median() {
	tail -n +"$3" "$tmp/root/netd.log" | grep -F "debug: $1 $2" |
		sed -n 's/.* in \([0-9.]*\) ms$/\1/p' | median
}

netd_bench() {
	local n=$1 from start_ms
	netd_down
	sqlite3 "$tmp/root/lib/netd.db" "DELETE FROM forwards;
		WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < $n - 1)
		INSERT INTO forwards SELECT 'box', 'bench', 6, '', 10000 + i, 10000 + i, 80 FROM k;"
	from=$(($(wc -l <"$tmp/root/netd.log") + 1))
	netd_up
	start_ms=$(tail -n +"$from" "$tmp/root/netd.log" | sed -n 's/.*started .* in \([0-9.]*\) ms$/\1/p')
	conntrack_fill
	read -r client_add client_del < <("$FWD_TOOL" "$tmp/root" box 9000:80/tcp "$REPS")
	sleep 0.2 # the last background conntrack pass
	echo "$start_ms $(logged_median POST /v1/forwards "$from")" \
		"$(logged_median DELETE /v1/forwards "$from") $client_add $client_del" \
		"$(tail -n +"$from" "$tmp/root/netd.log" | grep -F 'conntrack entries for' |
			sed -n 's/.* in \([0-9.]*\) ms$/\1/p' | median)" \
		"$(ip netns exec "$ns_netd" cat /proc/sys/net/netfilter/nf_conntrack_count)"
}

# Conntrack entries in reef-netd's namespace, as on any host with traffic:
# unanswered UDP datagrams on the loopback, one entry per source port.
conntrack_fill() {
	ip -n "$ns_netd" link set lo up
	ip netns exec "$ns_netd" python3 -c '
import socket
for port in range(41000, 41050):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.sendto(b"x", ("127.0.0.1", 9))
    s.close()
'
}

netd_setup_bench() {
	ip netns add "$ns_netd"
	ip netns add "$ns_box"
	mkdir -p "$tmp/root"
	netd_up
	api POST /v1/networks '{"name":"bench","subnet":"10.89.0.0/16"}'
	ip netns exec "$ns_box" sleep 3600 &
	box_pid=$!
	sleep 0.2
	api POST /v1/endpoints "{\"container\":\"box\",\"pid\":$box_pid,\"network\":\"bench\"}"
}

declare -A reef nft netd
have_netd=false
if [ -x "$NETD" ] && command -v sqlite3 >/dev/null && netd_setup_bench; then
	have_netd=true
fi
for n in $SIZES; do
	if $have_netd; then
		read -r start add del cadd cdel ct ct_count < <(netd_bench "$n")
		netd[$n,start]=$start netd[$n,add]=$add netd[$n,remove]=$del
		netd[$n,cadd]=$cadd netd[$n,cdel]=$cdel netd[$n,ct]=$ct netd[$n,ct_count]=$ct_count
	fi
	read -r install add del < <(ip netns exec "$ns_reef" "$FW_TOOL" bench "$n" "$REPS")
	reef[$n,install]=$install reef[$n,add]=$add reef[$n,remove]=$del
	while read -r key value; do
		nft[$n,$key]=$value
	done < <(nft_bench "$n")
done

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "-" }'
}

echo "## Firewall: port forwards"
echo
echo "reef: one map element per forward port in table inet reef, one netlink batch per"
echo "change through libnftnl, median of $REPS, microseconds.  The conntrack pass after"
echo "each change runs on the library's worker thread and is not in these times (see"
echo "the reef-netd table below for its cost).  nft: one DNAT rule per forward, each change one nft"
echo "command, as a script would run it.  Install: all forwards in one batch"
echo "(reef: fw_batch_rebuild; nft: nft -f), milliseconds."
echo
echo "| existing forwards | reef add | reef remove | nft add | nft remove | add ratio nft/reef | reef install ms | nft install ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "${reef[$n,add]}" \
		"${reef[$n,remove]}" "${nft[$n,add]}" "${nft[$n,remove]}" \
		"$(ratio "${nft[$n,add]}" "${reef[$n,add]}")" "${reef[$n,install]}" "${nft[$n,install]}"
done
if $have_netd; then
	echo
	echo "Through reef-netd, median of $REPS, milliseconds.  Caller: from sending the"
	echo "request on a new connection to holding the parsed reply (tests/tools/bench-forwards)."
	echo "Daemon: the request time reef-netd logs (parsing, conflict check, host listener"
	echo "check over sock_diag, the SQLite commit and the nftables batch).  The namespace"
	echo "holds conntrack entries (unanswered UDP on the loopback), so every change is"
	echo "followed by a pass over the conntrack table to delete its port's entries; reef-netd"
	echo "runs it on a worker thread after the reply; its column is the time reef-netd logs."
	echo "Start: reef-netd's start-up time with that many forwards, rebuild included."
	echo
	echo "| existing forwards | caller add ms | caller remove ms | daemon add ms | daemon remove ms | conntrack pass ms (entries) | reef-netd start ms |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	for n in $SIZES; do
		printf '| %s | %s | %s | %s | %s | %s (%s) | %s |\n' "$n" "${netd[$n,cadd]}" \
			"${netd[$n,cdel]}" "${netd[$n,add]}" "${netd[$n,remove]}" "${netd[$n,ct]}" \
			"${netd[$n,ct_count]}" "${netd[$n,start]}"
	done
fi
first=${SIZES%% *}
last=${SIZES##* }
echo
echo "reef add at $last against $first existing: $(awk -v a="${reef[$last,add]}" \
	-v b="${reef[$first,add]}" 'BEGIN { printf "%.2f", a / b }') times (target: at most 1.5)."
if $have_netd; then
	echo "Caller add through reef-netd: $(printf '%s ms with %s, %s ms with %s existing' \
		"${netd[$first,cadd]}" "$first" "${netd[$last,cadd]}" "$last") (target: under 0.5 ms)."
fi
