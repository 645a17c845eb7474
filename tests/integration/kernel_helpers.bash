# Helpers for the kernel driver tests.  They run build/tests/tools/netd-kernel
# in a test namespace in place of reef-netd's, and the containers are sleep
# processes in namespaces of their own.

NETD_KERNEL=$REEF_BUILD/tests/tools/netd-kernel

# Runs a command in network namespace NS.  nsenter only switches the network
# namespace, where "ip netns exec" also remounts /sys and fails now and then
# when other tests mount at the same time.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# Runs netd-kernel inside the namespace $HOST.
nk() {
	in_ns "$HOST" "$NETD_KERNEL" "$@"
}

# Starts a sleep process in namespace NS and prints its pid once it runs there.
sleeper_start() {
	local ns=$1 pid
	local want have
	want=$(stat -L -c %i "/run/netns/$ns") || return 1
	nsenter --net="/run/netns/$ns" sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	pid=$!
	# Until nsenter has entered the namespace, the pid is still in the
	# test's own one, and an attach would wire that namespace instead.
	for _ in $(seq 100); do
		have=$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)
		[ "$have" = "$want" ] && break
		sleep 0.01
	done
	[ "$have" = "$want" ] || return 1
	echo "$pid"
}

# Creates a stand-in container: namespace NAME (prefixed) with a sleep process
# in it.  Prints "NAMESPACE PID".
container_start() {
	local ns pid
	ns=$(netns_add "$1") || return 1
	pid=$(sleeper_start "$ns") || return 1
	echo "$ns $pid"
}

# Kills the container's process and removes its namespace, so the kernel
# destroys it as it does when a real container exits.
container_kill() {
	local ns=$1 pid=$2
	kill -9 "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	ip netns del "$ns"
}

# Creates the bridge network 'lab' on bridge rbt0 with 10.50.0.0/24 and fd50::/64.
lab_create() {
	nk network-create --network lab --bridge rbt0 --mtu 1400 \
		--gateway4 10.50.0.1/24 --gateway6 fd50::1/64 "$@"
}

# Attaches container NAME with pid PID to 'lab' as host end rfNAME, address
# .N and MAC 02:00:00:00:00:0N; more options follow.
lab_attach() {
	local name=$1 pid=$2 n=$3
	shift 3
	nk attach --network lab --bridge rbt0 --mtu 1400 --container "$name" --pid "$pid" \
		--host-ifname "rf$name" --mac "02:00:00:00:00:0$n" \
		--addr4 "10.50.0.$n/24" --addr6 "fd50::$n/64" --route4 10.50.0.1 --route6 fd50::1 "$@"
}

lab_detach() {
	local name=$1 pid=$2
	nk detach --network lab --bridge rbt0 --container "$name" --pid "$pid" \
		--host-ifname "rf$name"
}

# Lists the links of namespace NS other than lo, one name per line.
links_of() {
	ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -vx lo || true
}
