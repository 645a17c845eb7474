#!/bin/bash
# Runs the unit tests (cmocka programs given as arguments) and the
# integration tests (tests/integration/*.bats, root only), all in TAP, and
# ends with one summary line: "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1

mode=all
case "${1:-}" in
--unit-only) mode=unit; shift ;;
--integration-only) mode=integration; shift ;;
esac

passed=0 failed=0 skipped=0 flaky=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Counts the TAP lines of one run from $log and prints the failures.
count_tap() {
	local p f s
	p=$(grep -E '^ok ' "$log" | grep -vciE '# skip')
	s=$(grep -E '^ok ' "$log" | grep -ciE '# skip')
	f=$(grep -cE '^not ok ' "$log")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ] || [ "$2" -ne 0 -a "$p$f$s" = "000" ]; then
		echo "FAIL: $1"
		cat "$log"
		[ "$f" -eq 0 ] && failed=$((failed + 1))
	else
		printf '%-40s %3d passed' "$1" "$p"
		[ "$s" -gt 0 ] && printf ', %d skipped' "$s"
		echo
	fi
}

if [ "$mode" != integration ]; then
	for t in "$@"; do
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		count_tap "$(basename "$t")" $?
	done
fi

if [ "$mode" != unit ]; then
	shopt -s nullglob
	suites=(tests/integration/*.bats)
	if [ "${#suites[@]}" -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
		n=$(cat "${suites[@]}" | grep -c "^@test")
		echo "integration tests skipped: they need root"
		skipped=$((skipped + n))
	else
		for suite in "${suites[@]}"; do
			REEF_BUILD="$PWD/${BUILD:-build}" bats --tap "$suite" >"$log" 2>&1
			status=$?
			# A suite that fails once is run again, because one load-dependent
			# failure should not decide a whole run.  The first failure is
			# printed in full and counted as flaky, so it stays visible.
			if grep -qE '^not ok ' "$log"; then
				echo "FLAKY?: $(basename "$suite") failed once; its output:"
				cat "$log"
				flaky=$((flaky + 1))
				REEF_BUILD="$PWD/${BUILD:-build}" bats --tap "$suite" >"$log" 2>&1
				status=$?
			fi
			count_tap "$(basename "$suite")" $status
		done
	fi
fi

[ "$flaky" -gt 0 ] && echo "$flaky integration suite(s) failed once and were run again (see FLAKY? above)"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
