#!/bin/bash
# Builds each libFuzzer target tests/fuzz/fuzz_*.c with clang and runs it
# for SECONDS seconds.  A target lists the sources it needs on a comment
# line "FUZZ_SOURCES: a.c b.c"; it links against the usual pkg-config libraries.
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-10}
out=build-fuzz
mkdir -p "$out"
libs=$(pkg-config --cflags --libs jansson libarchive 2>/dev/null || true)
status=0
for target in tests/fuzz/fuzz_*.c; do
	name=$(basename "$target" .c)
	sources=$(sed -n 's/.*FUZZ_SOURCES: *//p' "$target" | head -1)
	echo "  FUZZ    $name (${seconds}s)"
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-o "$out/$name" "$target" $sources $libs
	mkdir -p "$out/$name.corpus"
	# Checked-in seeds (tests/fuzz/seeds/NAME/) are read, new inputs go to the build corpus.
	seeds=tests/fuzz/seeds/$name
	[ -d "$seeds" ] || seeds=
	if ! "$out/$name" -max_total_time="$seconds" -timeout=5 "$out/$name.corpus" $seeds \
		>"$out/$name.log" 2>&1; then
		echo "fuzz: $name found a failure; see $out/$name.log" >&2
		tail -30 "$out/$name.log" >&2
		status=1
	fi
done
exit $status
