#!/usr/bin/env bats
# reef-netd as a daemon: one instance per network namespace, and where its
# log goes once it detached from the terminal.

load helpers
load netd_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	netd_setup
	ROOT2=$BATS_TEST_TMPDIR/root2
	mkdir -p "$ROOT2"
}

teardown() {
	[ -n "${ROOT2:-}" ] && netd_stop "$ROOT2"
	netd_teardown
}

# Records the pid of a detached reef-netd on $ROOT2, if one runs, for teardown.
root2_pid_save() {
	curl -s --unix-socket "$ROOT2/run/netd.sock" http://reef/v1/status 2>/dev/null |
		jq -e .pid >"$ROOT2/netd.pid" || rm -f "$ROOT2/netd.pid"
}

# The nftables tables of $HOST, on one line.
host_tables() {
	ip netns exec "$HOST" nft list tables | sort | xargs
}

@test "second daemon in one namespace is rejected" {
	reef network create lab --subnet 10.90.0.0/24 >/dev/null
	read -r _ PID1 < <(standin_start c1)
	attach c1 "$PID1" lab >/dev/null
	links_before=$(host_links | sort | xargs)
	tables_before=$(host_tables)

	# Without the claim the second daemon would reconcile, delete the links
	# of the first as orphans and keep running, so bound it in time.
	run timeout 10 ip netns exec "$HOST" "$REEF_NETD" --root "$ROOT2" --foreground 3>&-
	echo "# $output" >&3
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"already runs in this network namespace with --root '$ROOT'"* ]]
	[[ "$output" == *"use the same --root, or run this one in another network namespace"* ]]
	[ "$(host_links | sort | xargs)" = "$links_before" ]
	[ "$(host_tables)" = "$tables_before" ]
	[ ! -e "$ROOT2/run/netd.sock" ]
	run reef network show lab
	[ "$status" -eq 0 ]
}

@test "second daemon in another namespace starts" {
	other=$(netns_add other)
	netd_start "$other" "$ROOT2"
	run env REEF_ROOT="$ROOT2" "$REEF" network list
	[ "$status" -eq 0 ]
	run reef network list
	[ "$status" -eq 0 ]
}

@test "namespace claim is freed by kill -9" {
	kill -9 "$(cat "$ROOT/netd.pid")"
	for _ in $(seq 100); do
		kill -0 "$(cat "$ROOT/netd.pid")" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$ROOT/netd.pid"
	netd_start "$HOST" "$ROOT2"
}

@test "detached daemon rejected in a claimed namespace" {
	run timeout 10 ip netns exec "$HOST" "$REEF_NETD" --root "$ROOT2" 3>&-
	root2_pid_save
	echo "# $output" >&3
	[ "$status" -eq 1 ]
	[[ "$output" == "reef-netd: error: start failed: another reef-netd"*"--root '$ROOT'"* ]]
}

@test "detached daemon logs to RUN/netd.log" {
	other=$(netns_add other)
	ip netns exec "$other" "$REEF_NETD" --root "$ROOT2" >"$BATS_TEST_TMPDIR/terminal" 2>&1 3>&-
	root2_pid_save
	REEF_ROOT=$ROOT2 "$REEF" network create lab2 --subnet 10.91.0.0/24 >/dev/null

	grep -q "info: started" "$ROOT2/run/netd.log"
	grep -q "created bridge network 'lab2'" "$ROOT2/run/netd.log"
	[ "$(stat -c %a "$ROOT2/run/netd.log")" = 640 ]
	# The terminal that started the daemon gets nothing after it detached.
	[ ! -s "$BATS_TEST_TMPDIR/terminal" ]
}

@test "foreground daemon logs to stderr" {
	grep -q "info: started" "$ROOT/netd.log"
	[ ! -e "$ROOT/run/netd.log" ]
}
