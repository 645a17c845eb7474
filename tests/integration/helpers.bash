# Shared set-up for the integration tests.  Every test works inside network
# namespaces it creates and removes, with its own REEF_ROOT, so tests never
# touch the host's network and can run side by side.

REEF_BUILD=${REEF_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
REEF=$REEF_BUILD/reef
REEF_NETD=$REEF_BUILD/reef-netd

# A prefix unique to this test run, for namespace names.
test_prefix() {
	echo "rt$$"
}

# Creates network namespace NAME (prefixed) with lo up; records it for cleanup.
netns_add() {
	local ns
	ns="$(test_prefix)-$1"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	echo "$ns" >>"$BATS_TEST_TMPDIR/netns.list"
	echo "$ns"
}

# Removes every namespace that netns_add created in this test.
netns_cleanup() {
	local ns
	[ -f "$BATS_TEST_TMPDIR/netns.list" ] || return 0
	while read -r ns; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done <"$BATS_TEST_TMPDIR/netns.list"
	rm -f "$BATS_TEST_TMPDIR/netns.list"
}

# Starts reef-netd in namespace NS with root DIR and any further options;
# waits until its socket responds.
netd_start() {
	local ns=$1 root=$2
	shift 2
	ip netns exec "$ns" "$REEF_NETD" --root "$root" --foreground --log-level debug "$@" \
		>>"$root/netd.log" 2>&1 &
	echo $! >"$root/netd.pid"
	for _ in $(seq 100); do
		[ -S "$root/run/netd.sock" ] && curl -sf --unix-socket "$root/run/netd.sock" \
			http://reef/v1/status >/dev/null && return 0
		sleep 0.05
	done
	echo "reef-netd did not start; its log:" >&2
	cat "$root/netd.log" >&2
	return 1
}

# Stops the reef-netd started by netd_start for DIR.
netd_stop() {
	local root=$1 pid
	[ -f "$root/netd.pid" ] || return 0
	pid=$(cat "$root/netd.pid")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$root/netd.pid"
}
