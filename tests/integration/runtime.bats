#!/usr/bin/env bats
# Container launch and lifecycle without networks: isolation, security
# defaults, limits, exec, logs, stop/start/delete and the failure messages.

bats_require_minimum_version 1.5.0

load runtime_helpers

setup_file() {
	runtime_setup_file
}

setup() {
	runtime_setup
}

teardown() {
	runtime_teardown
}

# The PID, in the host's namespace, of the command that the init started.
command_pid() {
	local init
	init=$(info_field "$1" .pid)
	if [ "$(info_field "$1" .init)" = true ]; then
		cat "/proc/$init/task/$init/children" | awk '{ print $1 }'
	else
		echo "$init"
	fi
}

# Checks that nothing of container NAME (cgroup INSTANCE) is left on the host.
assert_no_trace() {
	local name=$1 instance=$2
	[ ! -e "$REEF_ROOT/lib/containers/$name" ]
	[ ! -e "$REEF_ROOT/run/containers/$name" ]
	[ -z "$(cgroup_leftovers "$instance" | grep "/$name\$")" ]
	[ -z "$(runtime_mounts)" ]
}

@test "launch maps root to an unprivileged host uid" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec c1 -- id -u
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	host_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$(command_pid c1)/status")
	[ "$host_uid" -ge 65536 ]
	[ "$(info_field c1 .id_map.host_base)" = "$host_uid" ]
}

@test "container sees only its own processes and hostname" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec c1 -- ps -o pid,comm
	[ "$status" -eq 0 ]
	# A header, then the reaper as pid 1, sleep and ps itself.
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[1]}" == *" 1 "* ]]
	[[ "${lines[2]}" == *sleep ]]
	[[ "${lines[3]}" == *ps ]]
	run reef exec c1 -- hostname
	[ "$output" = c1 ]
	run reef exec c1 -- cat /etc/hosts
	[[ "$output" == *localhost* ]]
	run reef exec c1 -- ls /sys/class/net
	[ "$output" = lo ]
}

@test "sensitive paths are masked and read-only" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec c1 -- sh -c 'wc -c </proc/keys'
	[ "$output" = 0 ]
	run reef exec c1 -- sh -c 'wc -c </proc/timer_list'
	[ "$output" = 0 ]
	if [ -e /proc/kcore ]; then
		run reef exec c1 -- sh -c 'wc -c </proc/kcore'
		[ "$output" = 0 ]
	fi
	run reef exec c1 -- sh -c 'echo x >/proc/sys/kernel/hostname'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	run reef exec c1 -- touch /sys/kernel/x
	[ "$status" -ne 0 ]
	run reef exec c1 -- sh -c 'test -c /dev/null && test -c /dev/urandom && test -L /dev/ptmx'
	[ "$status" -eq 0 ]
}

@test "mount, unshare, keyring and bpf are denied" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec c1 -- mount -t tmpfs none /mnt
	[ "$status" -ne 0 ]
	run reef exec c1 -- unshare -U true
	[ "$status" -ne 0 ]
	run reef exec c1 -- runtime-probe
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "keyctl: Operation not permitted" ]]
	[[ "${lines[1]}" == "add_key: Operation not permitted" ]]
	[[ "${lines[2]}" == "bpf: Operation not permitted" ]]
}

@test "capabilities, no_new_privs and seccomp are set" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	status_file="/proc/$(command_pid c1)/status"
	grep -q '^CapEff:[[:space:]]*00000000a80425fb$' "$status_file"
	grep -q '^CapBnd:[[:space:]]*00000000a80425fb$' "$status_file"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$status_file"
	grep -q '^Seccomp:[[:space:]]*2$' "$status_file"
	run reef exec c1 -- grep -E '^(CapEff|CapInh|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
	[[ "$output" == *"CapEff:	00000000a80425fb"* ]]
	[[ "$output" == *"CapAmb:	00000000a80425fb"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "cap-add, cap-drop and seccomp=unconfined change the defaults" {
	reef launch "$RUNTIME_ROOTFS" c1 --cap-drop NET_RAW --cap-add NET_ADMIN \
		--security-opt seccomp=unconfined -- sleep 1000
	run reef exec c1 -- grep -E '^(CapEff|Seccomp):' /proc/self/status
	[[ "$output" == *"CapEff:	00000000a80415fb"* ]]
	[[ "$output" == *"Seccomp:	0"* ]]
}

@test "privileged container runs as host root with every capability" {
	reef launch "$RUNTIME_ROOTFS" c1 --privileged -- sleep 1000
	host_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$(command_pid c1)/status")
	[ "$host_uid" = 0 ]
	run reef exec c1 -- grep -E '^(CapEff|Seccomp):' /proc/self/status
	[[ "$output" == *"Seccomp:	0"* ]]
	[[ "$output" != *"CapEff:	00000000a80425fb"* ]]
}

@test "memory and pids limits are set and enforced" {
	reef launch "$RUNTIME_ROOTFS" c1 --memory 32m --pids 20 -- sleep 1000
	cg=$(info_field c1 .cgroup)
	if [ -d "/sys/fs/cgroup/memory/$cg" ]; then
		[ "$(cat "/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes")" = 33554432 ]
		[ "$(cat "/sys/fs/cgroup/pids/$cg/pids.max")" = 20 ]
	else
		[ "$(cat "/sys/fs/cgroup/$cg/memory.max")" = 33554432 ]
		[ "$(cat "/sys/fs/cgroup/$cg/pids.max")" = 20 ]
	fi
	# dd's 64 MiB buffer does not fit: the kernel kills it.
	run reef exec c1 -- dd if=/dev/zero of=/dev/null bs=64M count=1
	[ "$status" -eq 137 ]
	run reef exec c1 -- sh -c 'for i in $(seq 40); do sleep 30 & done'
	[[ "$output" == *"can't fork"* ]]
	if [ -d "/sys/fs/cgroup/pids/$cg" ]; then
		[ "$(cat "/sys/fs/cgroup/pids/$cg/pids.current")" -le 20 ]
	else
		[ "$(cat "/sys/fs/cgroup/$cg/pids.current")" -le 20 ]
	fi
}

@test "init and command are in every hierarchy of the cgroup" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	cg=$(info_field c1 .cgroup)
	init=$(info_field c1 .pid)
	# One line per mounted hierarchy, v1 and cgroup2, each naming the container's cgroup.
	expected=$(grep -c . /proc/self/cgroup)
	for pid in "$init" "$(command_pid c1)"; do
		[ "$(grep -c . "/proc/$pid/cgroup")" -eq "$expected" ]
		[ "$(grep -vc ":/$cg\$" "/proc/$pid/cgroup")" -eq 0 ]
	done
	# The monitor stays outside, so that the container's limits do not count it.
	monitor=$(awk '/^PPid:/ { print $2 }' "/proc/$init/status")
	[ "$(grep -c ":/$cg\$" "/proc/$monitor/cgroup")" -eq 0 ]
	# An exec'd command is in the cgroup too, as the root of its cgroup namespace.
	run reef exec c1 -- cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$expected" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -vc ':/$')" -eq 0 ]
}

@test "exec command joins the cgroup, reef exec stays outside" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	cg=$(info_field c1 .cgroup)
	expected=$(grep -c . /proc/self/cgroup)
	nsenter --net="/run/netns/$NS" "$REEF" exec c1 -- sleep 1000 3>&- &
	cli=$!
	wait_until grep -q . "/proc/$cli/task/$cli/children"
	command=$(awk '{ print $1 }' "/proc/$cli/task/$cli/children")
	[ "$(grep -c ":/$cg\$" "/proc/$command/cgroup")" -eq "$expected" ]
	# The waiting reef process must not count against the container's memory limit.
	[ "$(grep -c ":/$cg" "/proc/$cli/cgroup")" -eq 0 ]
	kill "$command"
	wait "$cli" || true
}

@test "cgroup2 alone: launch and exec join it" {
	local root
	for root in /sys/fs/cgroup /sys/fs/cgroup/unified ""; do
		[ "$(stat -f -c %T "$root" 2>/dev/null)" = cgroup2fs ] && break
	done
	[ -n "$root" ] || skip "no cgroup2 mount"
	# The override makes reef use this cgroup2 mount alone, as on a host without cgroup v1.
	export REEF_CGROUP2_ROOT=$root
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	cg=$(info_field c1 .cgroup)
	init=$(info_field c1 .pid)
	[ "$(grep '^0::' "/proc/$init/cgroup")" = "0::/$cg" ]
	[ "$(grep '^0::' "/proc/$(command_pid c1)/cgroup")" = "0::/$cg" ]
	run reef exec c1 -- cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^0::')" = "0::/" ]
	reef delete --force c1
	[ ! -e "$root/$cg" ]
}

@test "exec returns the status and logs hold the output" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sh -c 'echo to-stdout; echo to-stderr >&2; sleep 1000'
	run reef exec c1 -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run reef exec c1 -- true
	[ "$status" -eq 0 ]
	run -127 reef exec c1 -- nosuch
	[[ "$output" == *"nosuch"* ]]
	run reef exec --env GREETING=hi c1 -- sh -c 'echo $GREETING; cat'
	[ "$output" = hi ]
	run bash -c "echo piped | nsenter --net=/run/netns/$NS $REEF exec c1 -- cat"
	[ "$output" = piped ]
	if command -v script >/dev/null; then
		run script -qec "nsenter --net=/run/netns/$NS $REEF exec -t c1 -- sh -c '[ -t 0 ] && [ -t 1 ] && echo terminal'" /dev/null
		[[ "$output" == terminal* ]]
	fi
	wait_until bash -c "nsenter --net=/run/netns/$NS $REEF logs c1 | grep -q to-stderr"
	run reef logs c1
	[[ "$output" == *to-stdout* ]]
	[[ "$output" == *to-stderr* ]]
}

@test "init reaps and forwards signals; no-init runs the command as pid 1" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec c1 -- cat /proc/1/status
	[[ "$output" != *"Name:	sleep"* ]]
	reef launch "$RUNTIME_ROOTFS" c2 --no-init -- sleep 1000
	run reef exec c2 -- cat /proc/1/status
	[[ "$output" == *"Name:	sleep"* ]]
	# SIGTERM reaches sleep through the reaper: the stop needs no SIGKILL.
	start=$(date +%s%N)
	reef stop -t 20 c1
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ]
	run reef list
	[[ "$output" == *"c1"*"exited 143"* ]]
}

@test "command starts with default signal dispositions" {
	# A caller that ignores SIGPIPE and SIGXFSZ, as Python does, and glibc's internal 32 and 33.
	caller() {
		"$REEF_BUILD/tests/tools/sig-ignore" 13 25 32 33 -- \
			nsenter --net="/run/netns/$NS" "$REEF" "$@"
	}
	caller launch "$RUNTIME_ROOTFS" c1 --init -- sleep 1000
	caller launch "$RUNTIME_ROOTFS" c2 --no-init -- sleep 1000
	for pid in "$(info_field c1 .pid)" "$(command_pid c1)" "$(command_pid c2)"; do
		[ "$(awk '/^SigIgn:/ { print $2 }' "/proc/$pid/status")" = 0000000000000000 ]
	done
	[ "$(awk '/^SigBlk:/ { print $2 }' "/proc/$(command_pid c1)/status")" = 0000000000000000 ]
	run caller exec c1 -- grep -E '^Sig(Ign|Blk):' /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000')" ]
	# With SIGPIPE ignored, yes would write to the closed pipe forever.
	caller launch "$RUNTIME_ROOTFS" c3 -- sh -c 'yes 0123456789 | head -c 3500000 >/dev/null; echo done'
	wait_until bash -c "nsenter --net=/run/netns/$NS $REEF logs c3 | grep -qx done"
}

@test "stop, start, restart and delete leave nothing behind" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	instance=$(runtime_instance c1)
	pid=$(info_field c1 .pid)
	reef stop -t 1 c1
	[ ! -e "/proc/$pid" ]
	[ "$(info_field c1 .state)" = stopped ]
	[ -z "$(cgroup_leftovers "$instance" | grep /c1)" ]
	[ -z "$(runtime_mounts)" ]
	[ ! -e "$REEF_ROOT/run/containers/c1" ]

	reef start c1
	[ "$(info_field c1 .state)" = running ]
	pid=$(info_field c1 .pid)
	reef restart -t 1 c1
	[ ! -e "/proc/$pid" ]
	[ "$(info_field c1 .state)" = running ]
	[ "$(info_field c1 .pid)" != "$pid" ]
	pid=$(info_field c1 .pid)

	run reef delete c1
	[ "$status" -eq 1 ]
	[ "$output" = "reef: delete 'c1': container 'c1' is running: stop it first, or delete it with --force" ]
	reef delete --force c1
	[ ! -e "/proc/$pid" ]
	assert_no_trace c1 "$instance"
	run reef list --format json
	[ "$output" = "[]" ]
}

@test "upper layer survives a restart" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	reef exec c1 -- sh -c 'echo kept >/root/note'
	reef restart -t 1 c1
	run reef exec c1 -- cat /root/note
	[ "$output" = kept ]
	[ ! -e "$RUNTIME_ROOTFS/root/note" ]
}

@test "list tells the truth after kill -9 of the monitor" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	instance=$(runtime_instance c1)
	pid=$(info_field c1 .pid)
	monitor=$(awk '{ print $4 }' "/proc/$pid/stat")
	kill -9 "$monitor"
	wait_until test ! -e "/proc/$pid"
	run reef list
	[[ "${lines[1]}" == "c1"*"stopped"* ]]
	[ "$(info_field c1 .monitored)" = false ]
	[ "$(info_field c1 .exit_code)" = null ]
	run reef exec c1 -- true
	[ "$status" -ne 0 ]
	[[ "$output" == *"'c1' is not running"* ]]
	reef delete c1
	assert_no_trace c1 "$instance"
}

@test "after the runtime directory is emptied containers show stopped and start" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	pid=$(info_field c1 .pid)
	kill -9 "$(awk '{ print $4 }' "/proc/$pid/stat")"
	wait_until test ! -e "/proc/$pid"
	rm -rf "$REEF_ROOT/run"
	[ "$(info_field c1 .state)" = stopped ]
	reef start c1
	[ "$(info_field c1 .state)" = running ]
	run reef exec c1 -- true
	[ "$status" -eq 0 ]
}

@test "--rm removes the container when its command exits" {
	reef launch "$RUNTIME_ROOTFS" c1 --rm -- true
	wait_until test ! -e "$REEF_ROOT/lib/containers/c1"
	run reef list --format json
	[ "$output" = "[]" ]
}

@test "failures print one line and leave no trace" {
	run reef launch /nonexistent/rootfs c1 -- true
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "reef: launch 'c1': rootfs directory '/nonexistent/rootfs' not found"* ]]
	[ ! -e "$REEF_ROOT/lib/containers/c1" ]

	for init in --init --no-init; do
		run reef launch "$RUNTIME_ROOTFS" c1 "$init" -- nosuch-command
		[ "$status" -eq 1 ]
		[ "$output" = "reef: launch 'c1': exec 'nosuch-command': No such file or directory" ]
		[ ! -e "$REEF_ROOT/lib/containers/c1" ]
		[ ! -e "$REEF_ROOT/run/containers/c1" ]
	done

	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	instance=$(runtime_instance c1)
	run reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	[ "$status" -eq 1 ]
	[ "$output" = "reef: launch 'c1': name 'c1' is already in use: choose another name, or remove the container with 'reef delete c1'" ]
	[ "$(info_field c1 .state)" = running ]

	run reef launch "$RUNTIME_ROOTFS" c2 --memory lots -- true
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	run reef launch "$RUNTIME_ROOTFS" Bad_Name -- true
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(cgroup_leftovers "$instance" | grep -E '/(c2|Bad_Name)$')" ]
}

@test "exec -t passes the window size" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run script -qec "stty rows 33 cols 91; nsenter --net=/run/netns/$NS $REEF exec -t c1 -- stty size" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"33 91"* ]]
}

@test "exec -t gives a terminal of the container" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	for flags in -t -it -ti "-i -t"; do
		run env TERM=vt100 script -qec "nsenter --net=/run/netns/$NS $REEF exec $flags c1 -- sh -c 'tty; stty -a >/dev/null && echo stty-ok; echo TERM=\$TERM'" /dev/null
		[ "$status" -eq 0 ]
		[[ "$output" == *"/dev/pts/"* ]]
		[[ "$output" != *"not a tty"* ]]
		[[ "$output" == *stty-ok* ]]
		[[ "$output" == *TERM=vt100* ]]
	done
	# Without TERM on the caller's side the default is xterm.
	run env -u TERM script -qec "nsenter --net=/run/netns/$NS $REEF exec -t c1 -- sh -c 'echo TERM=\$TERM'" /dev/null
	[[ "$output" == *TERM=xterm* ]]
	# The terminal is the command's controlling terminal.
	run script -qec "nsenter --net=/run/netns/$NS $REEF exec -t c1 -- sh -c 'cat /proc/self/stat'" /dev/null
	[ "$status" -eq 0 ]
	tty_nr=$(echo "$output" | tr -d '\r' | sed 's/.*) //' | awk '{ print $5 }')
	[ "$tty_nr" -ne 0 ]
}

@test "exec -t without a terminal fails with one line" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sleep 1000
	run reef exec -t c1 -- true </dev/null
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"the input device is not a terminal"* ]]
	run reef exec -i c1 -- cat <<<hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
}

@test "init shows as reef-init in ps" {
	reef launch "$RUNTIME_ROOTFS" c1 --init -- sleep 1000
	run reef exec c1 -- ps -o pid,args
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *" 1 reef-init" ]]
	[[ "$output" != *launch* ]]
	pid=$(info_field c1 .pid)
	[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | tr -d ' ')" = reef-init ]
}

@test "logs -f follows until the container stops" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sh -c 'echo first; sleep 1; echo second; sleep 1000'
	nsenter --net="/run/netns/$NS" "$REEF" logs -f c1 >"$BATS_TEST_TMPDIR/follow" &
	follower=$!
	wait_until grep -q second "$BATS_TEST_TMPDIR/follow"
	reef stop -t 1 c1
	# The follower ends by itself once the monitor is gone.
	wait_until bash -c "! kill -0 $follower 2>/dev/null"
	wait "$follower"
	[ "$(cat "$BATS_TEST_TMPDIR/follow")" = "$(printf 'first\nsecond')" ]
}

@test "log is bounded in size" {
	reef launch "$RUNTIME_ROOTFS" c1 -- sh -c 'yes 0123456789abcdef | head -c 3000000; sleep 1000'
	wait_until test -e "$REEF_ROOT/lib/containers/c1/console.log.1"
	wait_until bash -c "[ \$(( \$(stat -c %s $REEF_ROOT/lib/containers/c1/console.log) + \$(stat -c %s $REEF_ROOT/lib/containers/c1/console.log.1) )) -ge 900000 ]"
	[ "$(stat -c %s "$REEF_ROOT/lib/containers/c1/console.log")" -le 1048576 ]
	[ "$(stat -c %s "$REEF_ROOT/lib/containers/c1/console.log.1")" -le 1048576 ]
	# The 3 MB of output lost its oldest part: what is left fits in two files.
	size=$(nsenter --net="/run/netns/$NS" "$REEF" logs c1 | wc -c)
	[ "$size" -gt 1048576 ]
	[ "$size" -le 2097152 ]
}
