# Helpers for the runtime tests: a throwaway reef instance (REEF_ROOT) and a
# network namespace per test, a busybox rootfs per file, and a teardown that
# removes every container, process, mount and cgroup the test left.

load helpers
load cgroup_helpers

# Builds the busybox rootfs, with the static syscall probe, once per file.
runtime_setup_file() {
	export RUNTIME_ROOTFS="$BATS_FILE_TMPDIR/rootfs"
	"$BATS_TEST_DIRNAME/../../scripts/mkrootfs-busybox.sh" "$RUNTIME_ROOTFS"
	cc -static -O2 -o "$RUNTIME_ROOTFS/bin/runtime-probe" \
		"$BATS_TEST_DIRNAME/../tools/runtime-probe.c"
}

runtime_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	# The container's unprivileged root resolves paths below the root: o+x on every level.
	REEF_ROOT=$(mktemp -d /tmp/reef-rt.XXXXXX)
	chmod 0711 "$REEF_ROOT"
	export REEF_ROOT
	NS=$(netns_add rt)
}

# Runs reef inside the test's network namespace.
reef() {
	# nsenter, not "ip netns exec": that remounts /sys and hides the cgroup hierarchies.
	nsenter --net="/run/netns/$NS" "$REEF" "$@"
}

# Prints a field of 'reef info NAME' (a jq path such as .pid).
info_field() {
	reef info "$1" | jq -r "$2"
}

# Prints the cgroup instance of this REEF_ROOT (reef/INSTANCE/NAME).
runtime_instance() {
	reef info "$1" | jq -r .cgroup | cut -d/ -f2
}

# Prints every mount whose source or target lies under REEF_ROOT.
runtime_mounts() {
	grep -F "$REEF_ROOT" /proc/self/mountinfo || true
}

# Waits up to 5 seconds until COMMAND succeeds.
wait_until() {
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

runtime_teardown() {
	local dir name instance=
	[ -n "${REEF_ROOT:-}" ] || return 0
	for dir in "$REEF_ROOT"/lib/containers/*/; do
		[ -d "$dir" ] || continue
		name=$(basename "$dir")
		instance=$(runtime_instance "$name" 2>/dev/null || true)
		reef delete --force "$name" >/dev/null 2>&1
	done
	netd_stop "$REEF_ROOT"
	netns_cleanup
	[ -n "$instance" ] && [ "$instance" != null ] && cgroup_sweep "$instance"
	runtime_mounts | awk '{ print $5 }' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$REEF_ROOT"
}
