#!/bin/bash
# Runs every benchmark (scripts/bench/bench-*.sh) and collects their
# markdown sections into bench/results/latest.md.  Each script prints its
# section on stdout; reference tools it needs it installs itself.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=bench/results/latest.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "# reef benchmarks"
	echo
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, kernel $(uname -r)."
	echo
} >"$tmp"
status=0
for script in scripts/bench/bench-*.sh; do
	[ -e "$script" ] || continue
	echo "bench: $script" >&2
	if ! "$script" >>"$tmp"; then
		echo "bench: $script failed" >&2
		status=1
	fi
	echo >>"$tmp"
done
mkdir -p "$(dirname "$out")"
if ! cp "$tmp" "$out"; then
	echo "bench: could not write $out" >&2
	exit 1
fi
echo "bench: results in $out" >&2
exit $status
