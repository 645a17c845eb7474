#!/bin/bash
# Times the compile of reef's default seccomp profile with libseccomp
# against loading the same BPF from reef's cache, and prints a markdown
# section.  Needs a build (make all); no root.
set -eu
cd "$(dirname "$0")/../.." || exit 1
probe=${BUILD:-build}/tests/tools/sec-probe
runs=${RUNS:-200}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

[ -x "$probe" ] || { echo "bench-seccomp: $probe is missing: run make all first" >&2; exit 1; }
out=$("$probe" bench "$root" "$runs")
value() { sed -n "s/^$1=//p" <<<"$out"; }
compile=$(value compile_us)
cached=$(value cached_us)
ratio=$(awk -v c="$compile" -v l="$cached" 'BEGIN { printf "%.0f", c / l }')

echo "## seccomp filter: compile vs cached load"
echo
echo "Default profile, $(value insns) BPF instructions, libseccomp" \
	"$(pkg-config --modversion libseccomp 2>/dev/null || echo unknown)," \
	"median of $runs runs (\`scripts/bench/bench-seccomp.sh\`)."
echo
echo "| step | median (µs) |"
echo "|---|---:|"
echo "| compile with libseccomp (parse profile, generate, export BPF) | $compile |"
echo "| load from cache (open, read, check header and checksum) | $cached |"
echo
echo "Loading from the cache is ${ratio} times faster than compiling; every launch after the"
echo "first one for a given profile and libseccomp version takes the cached path."
