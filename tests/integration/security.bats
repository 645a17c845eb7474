#!/usr/bin/env bats
# Capabilities and the seccomp filter (runtime/caps.c, runtime/seccomp.c)
# applied in a child of tests/tools/sec-probe, which reports what the
# kernel then shows and allows.  Each test has its own REEF_ROOT for the
# seccomp cache.

load helpers

SEC_PROBE=$REEF_BUILD/tests/tools/sec-probe

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	grep -q '^Seccomp:' /proc/self/status || skip "kernel without seccomp"
	ROOT=$(mktemp -d)
}

teardown() {
	rm -rf "$ROOT"
}

# Prints the value of KEY from the probe's KEY=VALUE output in $output.
probe_value() {
	sed -n "s/^$1=//p" <<<"$output"
}

# Prints the capability mask of the probe itself, as /proc shows it.
own_bounding_set() {
	sed -n 's/^CapBnd:\t//p' /proc/self/status
}

@test "default caps and profile confine the child" {
	run "$SEC_PROBE" run "$ROOT" default default
	[ "$status" -eq 0 ]
	local set
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(probe_value $set)" = 00000000a80425fb ]
	done
	[ "$(probe_value NoNewPrivs)" = 1 ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value unix)" = 0 ]
}

@test "profile denies mount, unshare, keyctl, bpf even with all caps" {
	run "$SEC_PROBE" run "$ROOT" default ALL
	[ "$status" -eq 0 ]
	[ "$(probe_value CapEff)" = "$(own_bounding_set)" ]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value mount)" = EPERM ]
	[ "$(probe_value unshare)" = EPERM ]
	[ "$(probe_value keyctl)" = EPERM ]
	[ "$(probe_value bpf)" = EPERM ]
	[ "$(probe_value vsock)" = EPERM ]
	[ "$(probe_value clone_newuser)" = EPERM ]
	[ "$(probe_value clone3)" = ENOSYS ]
}

@test "unconfined with all caps allows the same calls" {
	# The control for the test above: without the filter no call fails with EPERM.
	run "$SEC_PROBE" run "$ROOT" unconfined ALL
	[ "$status" -eq 0 ]
	[ "$(probe_value Seccomp)" = 0 ]
	[ "$(probe_value mount)" = ENOENT ]
	[ "$(probe_value unshare)" = 0 ]
	[ "$(probe_value keyctl)" != EPERM ]
	[ "$(probe_value bpf)" = EINVAL ]
	[ "$(probe_value clone_newuser)" = 0 ]
	[ ! -e "$ROOT/lib/seccomp" ]
}

@test "syscall above the profile gets ENOSYS" {
	run "$SEC_PROBE" run "$ROOT" default default
	[ "$status" -eq 0 ]
	[ "$(probe_value max_nr)" -gt 400 ]
	[ -n "$(probe_value above_nr)" ] ||
		skip "the kernel implements no system call above $(probe_value max_nr)"
	[ "$(probe_value above_nr)" -gt "$(probe_value max_nr)" ]
	[ "$(probe_value above)" = ENOSYS ]
}

@test "32-bit x86 calls are filtered too" {
	[ "$(uname -m)" = x86_64 ] || skip "not an x86-64 host"
	run "$SEC_PROBE" run "$ROOT" default ALL
	[ "$status" -eq 0 ]
	[ -n "$(probe_value ia32_getpid)" ] || skip "probe built without int 0x80 checks"
	[ "$(probe_value ia32_getpid)" != ENOSYS ] || skip "kernel without IA32 emulation"
	[ "$(probe_value ia32_getpid)" = 0 ]
	[ "$(probe_value ia32_mount)" = EPERM ]
	[ "$(probe_value ia32_above)" = ENOSYS ]
}

@test "compiled filter is cached and reused" {
	run "$SEC_PROBE" load "$ROOT" default
	[ "$status" -eq 0 ]
	local insns=$(probe_value insns) file
	file=$(ls "$ROOT"/lib/seccomp/default-*.bpf)
	[ -f "$file" ]
	[ "$(stat -c %s "$file")" -eq $((32 + 8 * insns)) ]
	local mtime
	mtime=$(stat -c "%i %y" "$file")
	run "$SEC_PROBE" load "$ROOT" default
	[ "$status" -eq 0 ]
	[ "$(probe_value insns)" = "$insns" ]
	[ "$(stat -c "%i %y" "$file")" = "$mtime" ]
}

@test "corrupt cache is rewritten and still confines" {
	run "$SEC_PROBE" load "$ROOT" default
	local file size
	file=$(ls "$ROOT"/lib/seccomp/default-*.bpf)
	size=$(stat -c %s "$file")
	# Turn the first allow rule into garbage without changing the size.
	printf 'garbage!' | dd of="$file" bs=1 seek=100 conv=notrunc status=none
	run "$SEC_PROBE" run "$ROOT" default default
	[ "$status" -eq 0 ]
	[[ "$output" == *"fails its checksum"* ]]
	[ "$(probe_value Seccomp)" = 2 ]
	[ "$(probe_value mount)" = EPERM ]
	[ "$(stat -c %s "$file")" -eq "$size" ]
	run "$SEC_PROBE" load "$ROOT" default
	[[ "$output" != *"checksum"* ]]
}

@test "capability outside the bounding set is rejected" {
	command -v capsh >/dev/null || skip "capsh is not installed"
	local bounding missing="" c
	bounding=$((0x$(own_bounding_set)))
	for c in $(seq 0 "$(cat /proc/sys/kernel/cap_last_cap)"); do
		if (( !(bounding >> c & 1) )); then
			missing=$(capsh --decode="$(printf '%x' $((1 << c)))" | sed 's/.*=//')
			break
		fi
	done
	[ -n "$missing" ] || skip "this process has every capability"
	run "$SEC_PROBE" run "$ROOT" unconfined "$missing"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'$missing' is not in the bounding set"* ]]
}

@test "unknown profile and capability are rejected" {
	run "$SEC_PROBE" run "$ROOT" strict default
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown seccomp profile 'strict': give default or unconfined"* ]]
	run "$SEC_PROBE" run "$ROOT" default NET_ADMIN,FROB
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid capability 'FROB'"* ]]
}
