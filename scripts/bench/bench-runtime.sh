#!/bin/bash
# Times `reef launch --rm` of /bin/true (full isolation and one bridge
# network with NAT, wired by reef-netd) and `reef exec NAME true`, and in
# the same run crun and runc on the same busybox rootfs (their default
# namespaces including a network namespace, no wiring, the same seccomp
# allow list).  `reef launch` returns once the command runs, like
# `crun run --detach`, so that is the comparison for the targets.  `crun run`
# and `runc run` also wait for the exit and delete the container.  Prints a
# markdown section.  Needs root and a build; installs crun and runc with
# apt-get when missing.  Everything runs in a network namespace and a
# REEF_ROOT of its own, removed at the end.  RUNS sets the runs per row.
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
runs=${RUNS:-50}
gap=0.3

# The timing loops run inside the namespace (see the end of the file).
if [ "${1:-}" = --inner ]; then
	work=$2
	REEF=$repo/${BUILD:-build}/reef

	median() {
		sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
	}
	# Prints the milliseconds COMMAND took, measured without forking a clock.
	time_ms() {
		local t0=$EPOCHREALTIME t1
		"$@" >/dev/null 2>>"$work/errors.log" || echo "failed: $*" >>"$work/errors.log"
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
	}
	gone() {
		for _ in $(seq 400); do
			[ -e "$REEF_ROOT/lib/containers/$1" ] || return 0
			sleep 0.005
		done
	}

	# Times RUNS launches named PREFIX1... with ARGS, each GAP seconds after the previous one
	# was removed.  A gap lets the kernel go quiet, as between two commands a person types.
	launch_loop() {
		local prefix=$1 gap=$2 i
		shift 2
		for i in $(seq "$runs"); do
			sleep "$gap"
			time_ms "$REEF" launch --rm "$work/rootfs" "$prefix$i" "$@" -- /bin/true
			gone "$prefix$i"
		done | median
	}
	launch_loop n 0 --network bench >"$work/reef-launch-net"
	launch_loop p 0 >"$work/reef-launch"
	launch_loop q "$gap" --network bench >"$work/reef-launch-cold"
	# Back to back as a script would launch short jobs: the previous container's monitor is
	# still detaching it while the next launch attaches.
	for i in $(seq "$runs"); do
		time_ms "$REEF" launch --rm "$work/rootfs" "s$i" --network bench -- /bin/true
	done | median >"$work/reef-launch-overlap"
	for i in $(seq "$runs"); do
		gone "s$i"
	done

	"$REEF" launch "$work/rootfs" ex --network bench -- sleep 100000
	for _ in $(seq "$runs"); do
		time_ms "$REEF" exec ex true
	done | median >"$work/reef-exec"
	for _ in $(seq "$runs"); do
		sleep "$gap"
		time_ms "$REEF" exec ex true
	done | median >"$work/reef-exec-cold"
	"$REEF" delete --force ex

	# The whole cycle of one launch: until the monitor has detached the network and removed it.
	for i in $(seq "$runs"); do
		t0=$EPOCHREALTIME
		"$REEF" launch --rm "$work/rootfs" "f$i" --network bench -- /bin/true \
			>/dev/null 2>>"$work/errors.log" || echo "failed: reef launch" >>"$work/errors.log"
		gone "f$i"
		t1=$EPOCHREALTIME
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
	done | median >"$work/reef-cycle"

	# crun rejects hybrid cgroup hosts: hide the cgroup2 mount in a private mount namespace.
	# With --detach as the first argument, the delete after each run is not timed.  The
	# second argument is the gap before each run.
	crun_loop() {
		unshare -m --propagation private bash -c '
			umount /sys/fs/cgroup/unified 2>/dev/null
			for i in $(seq '"$runs"'); do
				sleep '"$2"'
				t0=$EPOCHREALTIME
				crun --root "'"$work"'/crun" run '"$1"' -b "'"$work"'/bundle" "c$i" \
					>/dev/null 2>>"'"$work"'/errors.log" ||
					echo "failed: crun run '"$1"'" >>"'"$work"'/errors.log"
				t1=$EPOCHREALTIME
				awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.2f\n\", (b - a) * 1000 }"
				[ -z "'"$1"'" ] || crun --root "'"$work"'/crun" delete -f "c$i" \
					2>>"'"$work"'/errors.log"
			done'
	}
	crun_loop "" 0 | median >"$work/crun-launch"
	crun_loop --detach 0 | median >"$work/crun-detach"
	crun_loop --detach "$gap" | median >"$work/crun-detach-cold"
	for i in $(seq "$runs"); do
		time_ms runc --root "$work/runc" run -b "$work/bundle" "r$i"
	done | median >"$work/runc-launch"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "bench-runtime: needs root" >&2; exit 1; }
for tool in crun runc; do
	command -v "$tool" >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$tool" >/dev/null 2>&1 ||
		{ echo "bench-runtime: $tool is missing and apt-get install $tool failed" >&2; exit 1; }
done

work=$(mktemp -d /tmp/reef-bench.XXXXXX)
chmod 0711 "$work"
ns=reefbench$$
export REEF_ROOT=$work/reef
netd_pid=

cleanup() {
	local name
	for name in $(REEF_ROOT=$REEF_ROOT "$repo/build/reef" list --format json 2>/dev/null |
		jq -r '.[].name'); do
		nsenter --net="/run/netns/$ns" "$repo/build/reef" delete --force "$name" >/dev/null 2>&1
	done
	[ -n "$netd_pid" ] && kill "$netd_pid" 2>/dev/null && wait "$netd_pid" 2>/dev/null
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

scripts/mkrootfs-busybox.sh "$work/rootfs" >/dev/null
mkdir -p "$REEF_ROOT" "$work/bundle"
chmod 0711 "$REEF_ROOT"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$repo/build/reef-netd" --root "$REEF_ROOT" --foreground \
	>"$work/netd.log" 2>&1 &
netd_pid=$!
for _ in $(seq 100); do
	curl -sf --unix-socket "$REEF_ROOT/run/netd.sock" http://reef/v1/status >/dev/null && break
	sleep 0.05
done
nsenter --net="/run/netns/$ns" build/reef network create bench --subnet 10.98.0.0/24 >/dev/null ||
	{ echo "bench-runtime: create network failed; reef-netd log:" >&2; cat "$work/netd.log" >&2; exit 1; }

# The OCI bundle: crun's default spec (pid, network, ipc, uts, mount and cgroup namespaces,
# no user namespace) running /bin/true, with reef's default allow list as its seccomp profile.
allowed=$(sed -n 's/^[[:space:]]*"allow \([^"]*\)\\n"$/\1/p' runtime/seccomp_profile.c |
	tr ' ' '\n' | jq -R . | jq -s -c .)
(cd "$work/bundle" && crun spec)
jq --arg rootfs "$work/rootfs" --argjson names "$allowed" '
	.process.terminal = false | .process.args = ["/bin/true"] | .root.path = $rootfs |
	.linux.seccomp = { defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
		syscalls: [{ names: ($names + ["socket", "clone", "clone3", "personality"]),
			action: "SCMP_ACT_ALLOW" }] }' \
	"$work/bundle/config.json" >"$work/bundle/config.new"
mv "$work/bundle/config.new" "$work/bundle/config.json"

BUILD=${BUILD:-build} RUNS=$runs nsenter --net="/run/netns/$ns" bash "$0" --inner "$work"

if [ -s "$work/errors.log" ]; then
	echo "bench-runtime: some runs failed:" >&2
	sort "$work/errors.log" | uniq -c | head >&2
fi
launch_net=$(cat "$work/reef-launch-net")
launch=$(cat "$work/reef-launch")
exec_ms=$(cat "$work/reef-exec")
cycle_ms=$(cat "$work/reef-cycle")
crun_ms=$(cat "$work/crun-launch")
crun_detach_ms=$(cat "$work/crun-detach")
launch_cold=$(cat "$work/reef-launch-cold")
launch_overlap=$(cat "$work/reef-launch-overlap")
crun_cold=$(cat "$work/crun-detach-cold")
exec_cold=$(cat "$work/reef-exec-cold")
runc_ms=$(cat "$work/runc-launch")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# One table row: the command, its median, then crun -d, crun and runc each divided by it.
row() {
	echo "| $1 | $2 | $(ratio "$crun_detach_ms" "$2") | $(ratio "$crun_ms" "$2") |" \
		"$(ratio "$runc_ms" "$2") |"
}

echo "## runtime: launch and exec"
echo
echo "Median of $runs runs each, wall-clock time of the whole command, busybox rootfs"
echo "(\`scripts/bench/bench-runtime.sh\`).  reef: user, pid, mount, network, uts, ipc and"
echo "cgroup namespaces, id-mapped overlayfs rootfs, default capabilities, cached seccomp"
echo "filter, cgroup.  crun $(crun --version | awk 'NR == 1 { print $3 }') and runc"
echo "$(runc --version | awk 'NR == 1 { print $3 }'): \`run\` of an OCI bundle from \`crun spec\`"
echo "(pid, network, ipc, uts, mount and cgroup namespaces, no user namespace, read-only"
echo "rootfs, no wiring) with reef's allow list as seccomp profile."
echo
echo "| command | median (ms) | crun -d / this | crun / this | runc / this |"
echo "|---|---:|---:|---:|---:|"
row "reef launch --rm /bin/true, one bridge network (veth, address, NAT)" "$launch_net"
row "reef launch --rm /bin/true, no network" "$launch"
row "crun run --detach /bin/true" "$crun_detach_ms"
row "crun run /bin/true" "$crun_ms"
row "runc run /bin/true" "$runc_ms"
row "reef launch --rm /bin/true, one network, until the container is removed" "$cycle_ms"
row "reef launch --rm /bin/true, one network, without waiting for the previous removal" \
	"$launch_overlap"
echo "| reef exec NAME true | $exec_ms | | | |"
echo "| reef launch --rm /bin/true, one network, $gap s after the previous run | $launch_cold |" \
	"$(ratio "$crun_cold" "$launch_cold") | | |"
echo "| crun run --detach /bin/true, $gap s after the previous run | $crun_cold | 1.00 | | |"
echo "| reef exec NAME true, $gap s after the previous run | $exec_cold | | | |"
echo
echo "\`reef launch\` returns once /bin/true has been exec'd, as \`crun run --detach\` does;"
echo "its monitor then reaps it, detaches the network and removes the container in the"
echo "background (not timed in the first two rows, but awaited before the next run)."
echo "\`crun run\` and \`runc run\` return after the container has exited and been deleted;"
echo "the \"until the container is removed\" row times reef's whole cycle the same way."
echo "The \"without waiting\" row starts each launch as soon as the previous one returned,"
echo "while reef-netd still deletes the previous container's veth."
echo "Each run starts right after the previous one, so the kernel is warm, except in the"
echo "last three rows: there each run waits $gap s first (crun -d / this compares the"
echo "launch with crun's)."
