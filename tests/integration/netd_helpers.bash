# Helpers for the reef-netd tests.  Each test gets a namespace that acts
# as the host ($HOST), a reef-netd running inside it with its own root
# ($ROOT), and stand-in containers: sleep processes in namespaces of their own.

# Creates $HOST and $ROOT and starts reef-netd there.
netd_setup() {
	HOST=$(netns_add host)
	ROOT=$BATS_TEST_TMPDIR/root
	SOCK=$ROOT/run/netd.sock
	DB=$ROOT/lib/netd.db
	mkdir -p "$ROOT"
	netd_start "$HOST" "$ROOT"
}

# Stops reef-netd and removes every namespace and process of the test.
netd_teardown() {
	[ -n "${ROOT:-}" ] && netd_stop "$ROOT"
	netns_cleanup
	# On failure, show the daemon's log in the test output.
	[ -n "${ROOT:-}" ] && [ -f "$ROOT/netd.log" ] && sed 's/^/# netd: /' "$ROOT/netd.log" >&2
	return 0
}

# Runs the reef CLI against this test's daemon.
reef() {
	REEF_ROOT=$ROOT "$REEF" "$@"
}

# Sends METHOD PATH [BODY] to the API; prints the HTTP status, then the body.
api() {
	local method=$1 path=$2 body=${3:-} out
	out=$BATS_TEST_TMPDIR/api.out
	if [ -n "$body" ]; then
		curl -s --unix-socket "$SOCK" -X "$method" -H 'Content-Type: application/json' \
			-d "$body" -o "$out" -w '%{http_code}\n' "http://reef$path"
	else
		curl -s --unix-socket "$SOCK" -X "$method" -o "$out" -w '%{http_code}\n' \
			"http://reef$path"
	fi
	cat "$out"
	echo
}

# Runs SQL on the daemon's database (read-only use in checks).
db() {
	sqlite3 "$DB" "$1"
}

# Starts a sleep process in namespace NS; prints its pid once it runs there.
sleeper_start() {
	local ns=$1 pid
	ip netns exec "$ns" sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	# Until "ip netns exec" has switched namespaces, the pid is still in the
	# test's own one, and an attach would wire that namespace instead.
	for _ in $(seq 200); do
		[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$ns")" ] &&
			break
		sleep 0.01
	done
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$ns")" ] || return 1
	echo "$pid"
}

# Creates stand-in container NAME: prints "NAMESPACE PID".
standin_start() {
	local ns pid
	ns=$(netns_add "$1") || return 1
	pid=$(sleeper_start "$ns") || return 1
	echo "$ns $pid"
}

# Attaches container NAME (pid PID) to NETWORK through the API; extra JSON fields in $4.
attach() {
	local name=$1 pid=$2 network=$3 extra=${4:-}
	api POST /v1/endpoints "{\"container\":\"$name\",\"pid\":$pid,\"network\":\"$network\"$extra}"
}

# Lists the links of $HOST other than lo, one name per line.
host_links() {
	ip -n "$HOST" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vx lo || true
}

# Prints the IPv4 address of eth0 in namespace NS, without the prefix length.
ns_addr() {
	ip -n "$1" -4 -o addr show dev "${2:-eth0}" 2>/dev/null | awk '{print $4}' | cut -d/ -f1
}

# Pings ADDRESS once from namespace NS.
ns_ping() {
	ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# Counts rows of a table in the daemon's database.
db_count() {
	db "SELECT count(*) FROM $1;"
}

# Opens COUNT idle connections to the API socket, writes "open" to REPORT,
# then waits until the daemon drops the first one (at most 30 s) and adds
# "dropped after N s" to REPORT.
idle_connections() {
	python3 - "$SOCK" "$1" "$2" <<'PY'
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
socks = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    try:
        s.connect(sys.argv[1])
    except OSError:
        pass
    socks.append(s)
open(sys.argv[3], "w").write("open\n")
start = time.monotonic()
socks[0].settimeout(30)
socks[0].recv(1)
open(sys.argv[3], "a").write("dropped after %d s\n" % (time.monotonic() - start))
PY
}
