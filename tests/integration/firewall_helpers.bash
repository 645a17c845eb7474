# Set-up for the firewall tests: a "host" namespace where reef's table
# lives, a "lan" namespace that plays a neighbour on the host's uplink, and
# container namespaces wired to bridges in the host namespace with veth
# pairs.  Everything is made with ip by the test and removed by
# netns_cleanup.

FW_TOOL=$REEF_BUILD/tests/tools/fw-tool

# Addresses of the uplink between the host and its LAN neighbour.
FW_HOST_IP=10.250.0.1
FW_LAN_IP=10.250.0.2

# Creates the host and LAN namespaces and the uplink; sets HOST and LAN.
fw_topology() {
	HOST=$(netns_add host)
	fw_uplink
	ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# Creates the LAN namespace and its uplink to $HOST, which must exist; sets LAN.
fw_uplink() {
	LAN=$(netns_add lan)
	ip -n "$HOST" link add up0 type veth peer name lan0 netns "$LAN"
	ip -n "$HOST" addr add "$FW_HOST_IP/24" dev up0
	ip -n "$HOST" addr add fd00:250::1/64 dev up0 nodad
	ip -n "$HOST" link set up0 up
	ip -n "$LAN" addr add "$FW_LAN_IP/24" dev lan0
	ip -n "$LAN" addr add fd00:250::2/64 dev lan0 nodad
	ip -n "$LAN" link set lan0 up
	# Where br_netfilter is loaded, new namespaces pass bridged frames through
	# the inet hooks.  reef does not need that, so the host namespace runs
	# without it unless a test turns it on.
	fw_br_netfilter 0
}

# fw_br_netfilter 0|1: whether bridged frames in the host namespace pass the inet hooks.
fw_br_netfilter() {
	[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] ||
		ip netns exec "$HOST" test -e /proc/sys/net/bridge/bridge-nf-call-iptables ||
		return 0
	ip netns exec "$HOST" sysctl -qw net.bridge.bridge-nf-call-iptables="$1" \
		net.bridge.bridge-nf-call-ip6tables="$1"
}

# fw_bridge NAME GATEWAY4/LEN [GATEWAY6/LEN]: a bridge in the host namespace.
fw_bridge() {
	ip -n "$HOST" link add "$1" type bridge
	ip -n "$HOST" addr add "$2" dev "$1"
	[ -z "${3:-}" ] || ip -n "$HOST" addr add "$3" dev "$1" nodad
	ip -n "$HOST" link set "$1" up
}

# fw_container NAME BRIDGE ADDR4/LEN GATEWAY4 [ADDR6/LEN GATEWAY6]: a container
# namespace whose eth0 is a veth on BRIDGE; the host end is named NAME-h.
# Prints the namespace name.
fw_container() {
	local name=$1 bridge=$2 ns
	ns=$(netns_add "$name")
	ip -n "$HOST" link add "$name-h" type veth peer name eth0 netns "$ns"
	ip -n "$HOST" link set "$name-h" master "$bridge" up
	ip -n "$ns" addr add "$3" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$4"
	if [ -n "${5:-}" ]; then
		ip -n "$ns" addr add "$5" dev eth0 nodad
		ip -n "$ns" -6 route add default via "$6"
	fi
	echo "$ns"
}

# fw_httpd NS PORT TEXT: busybox httpd in NS serving TEXT at /.
fw_httpd() {
	local dir="$BATS_TEST_TMPDIR/www-$1-$2"
	mkdir -p "$dir"
	echo "$3" >"$dir/index.html"
	ip netns exec "$1" busybox httpd -p "$2" -h "$dir"
}

# fw_get NS URL [CURL-ARGS...]: fetches URL from NS, prints the body; fails after
# 2 seconds.  (busybox 1.35's wget crashes with -T, so this uses curl.)
fw_get() {
	local ns=$1 url=$2
	shift 2
	ip netns exec "$ns" curl -sf -m 2 "$@" "$url"
}

# fw_udp_listen NS PORT: a UDP listener in NS writing what it receives to a file.
fw_udp_listen() {
	: >"$BATS_TEST_TMPDIR/udp-$1-$2"
	ip netns exec "$1" nc -u -l "$2" >"$BATS_TEST_TMPDIR/udp-$1-$2" 2>/dev/null &
	sleep 0.2
}

# fw_udp_send NS ADDR PORT TEXT: sends one datagram from NS.
fw_udp_send() {
	echo "$4" | ip netns exec "$1" nc -u -w 1 "$2" "$3" || true
}

# fw_udp_stream NS ADDR PORT: sends "x" from NS, source port 40000, every 0.1 s for 4 s.
# One source port keeps the flow in one conntrack entry.
fw_udp_stream() {
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40000))
for i in range(40):
    s.sendto(b"x\n", (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.1)
' "$2" "$3"
}

# fw_udp_received NS PORT: what the listener of fw_udp_listen received.
fw_udp_received() {
	cat "$BATS_TEST_TMPDIR/udp-$1-$2"
}

# fw NS ARGS...: runs fw-tool in the host namespace.
fw() {
	ip netns exec "$HOST" "$FW_TOOL" "$@"
}

# fw_elements: every element of reef's sets and maps, one JSON array, sorted.
fw_elements() {
	ip netns exec "$HOST" nft -j list table inet reef |
		jq -c '[.nftables[] | (.set // .map) | select(.) | {name, elem: ((.elem // []) | sort_by(tostring))}]'
}

# fw_json: reef's table as JSON, from the host namespace.
fw_json() {
	ip netns exec "$HOST" nft -j list table inet reef
}

# fw_ipv6_settle NS...: waits up to 3 seconds until no IPv6 address in the
# namespaces is tentative (link-local addresses run duplicate address
# detection before neighbour discovery can use them).
fw_ipv6_settle() {
	local ns
	for _ in $(seq 30); do
		for ns in "$@"; do
			[ -z "$(ip -n "$ns" -6 addr show tentative)" ] || { sleep 0.1; continue 2; }
		done
		return 0
	done
	return 1
}
