#!/usr/bin/env bats
# The reef command as a newcomer meets it: help, errors without a daemon,
# and bash completion.

load helpers

setup() {
	REEF_ROOT=$(mktemp -d /tmp/reef-cli.XXXXXX)
	export REEF_ROOT
}

teardown() {
	rm -rf "$REEF_ROOT"
}

# Prints the completions bash offers for the words given.
complete_words() {
	bash -c 'source "$1/cli/reef.bash-completion"; shift
		PATH="$REEF_BUILD:$PATH"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_reef; echo "${COMPREPLY[*]}"' _ "$BATS_TEST_DIRNAME/../.." "$@"
}

@test "help lists every command" {
	run "$REEF" --help
	[ "$status" -eq 0 ]
	for command in network launch list info start stop restart delete exec logs image; do
		grep -qE "^  $command " <<<"$output"
	done
}

@test "unknown command names itself" {
	run "$REEF" frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "reef: unknown command 'frobnicate': run 'reef --help' for the commands" ]
}

@test "no daemon says how to start it" {
	run "$REEF" network list
	[ "$status" -ne 0 ]
	[[ "$output" == *"reef-netd is not running"* ]]
	[[ "$output" == *"start it with 'reef-netd'"* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
}

@test "completion offers commands and subcommands" {
	[ "$(complete_words reef net)" = network ]
	[ "$(complete_words reef network cr)" = create ]
	[ "$(complete_words reef image ex)" = export ]
	[ "$(complete_words reef --format j)" = json ]
	[[ " $(complete_words reef launch busybox web --)" == *" --network "* ]]
}

@test "root option works after the command" {
	local other
	other=$(mktemp -d /tmp/reef-cli.XXXXXX)
	run "$REEF" network list --root "$other"
	[[ "$output" == *"$other/run/netd.sock"* ]]
	run "$REEF" --root="$other" network list
	[[ "$output" == *"$other/run/netd.sock"* ]]
	rm -rf "$other"
}

@test "empty or missing root rejected" {
	run "$REEF" --root "" list
	[ "$status" -eq 2 ]
	[ "$output" = "reef: invalid --root '': give a directory, such as /tmp/reef" ]
	run "$REEF" list --root
	[ "$status" -eq 2 ]
	[[ "$output" == "reef: missing value for --root"* ]]
}
