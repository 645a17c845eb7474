#!/bin/bash
# IPAM: allocate every address of a subnet, then release them all (median of 9 rounds).
set -eu
cd "$(dirname "$0")/../.."
tool=build/tests/tools/bench-ipam
echo "## IPAM allocation"
echo
echo "Median of 9 rounds; \`$tool SUBNET 9 [COUNT]\`. Target: under 200 ns per allocation."
echo
echo "| subnet | addresses | ns per allocation | ns per release |"
echo "|---|---|---|---|"
for args in "10.0.0.0/16" "10.0.0.0/8" "fd00::/64 9 65536" "fd00::/64 9 1000000"; do
	read -r subnet n alloc release < <($tool $args)
	echo "| $subnet | $n | $alloc | $release |"
done
