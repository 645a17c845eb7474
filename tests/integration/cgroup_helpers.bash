# Helpers for cgroup.bats: a unique reef instance name per test and a
# teardown that leaves no cgroup behind even when the code under test failed.

CGROUP_PROBE=$REEF_BUILD/tests/tools/cgroup-probe

# An instance name unique to this test, so parallel runs never share cgroups.
cgroup_instance() {
	echo "bats$$-$BATS_TEST_NUMBER"
}

# Prints the mount point of every cgroup and cgroup2 file system.
cgroup_mounts() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts
}

# Prints every directory left under reef/INSTANCE in any hierarchy.
cgroup_leftovers() {
	local instance=$1 mount
	for mount in $(cgroup_mounts); do
		[ -d "$mount/reef/$instance" ] && find "$mount/reef/$instance" -type d
	done
	return 0
}

# Kills the processes left under reef/INSTANCE and removes its directories.
cgroup_sweep() {
	local instance=$1 mount dir
	for mount in $(cgroup_mounts); do
		[ -d "$mount/reef/$instance" ] || continue
		find "$mount/reef/$instance" -name cgroup.procs -exec cat {} + 2>/dev/null |
			xargs -r kill -9 2>/dev/null
	done
	sleep 0.1
	for mount in $(cgroup_mounts); do
		[ -d "$mount/reef/$instance" ] || continue
		find "$mount/reef/$instance" -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$mount/reef" 2>/dev/null
	done
	return 0
}

# Prints the value of KEY from the probe's KEY=VALUE output in $output.
probe_value() {
	sed -n "s/^$1=//p" <<<"$output"
}
