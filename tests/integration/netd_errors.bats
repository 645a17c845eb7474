#!/usr/bin/env bats
# reef-netd: every bad input gets one clear error and leaves no trace in the
# kernel (links), the database (networks, endpoints) or the lease list.

load helpers
load netd_helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	netd_setup
	# One good network and one attached stand-in, so that conflicts have something to hit.
	reef network create lab --subnet 10.90.0.0/24 >/dev/null
	read -r NS1 PID1 < <(standin_start c1)
	attach c1 "$PID1" lab ',"address":"10.90.0.10"' >/dev/null
	read -r NS2 PID2 < <(standin_start c2)
	LINKS_BEFORE=$(host_links | sort | xargs)
	STATE_BEFORE=$(state_snapshot)
}

teardown() {
	netd_teardown
}

# Networks, endpoints, leases and pools as one line, to compare before and after.
state_snapshot() {
	db "SELECT group_concat(name) FROM networks;
	    SELECT group_concat(container || '/' || network) FROM endpoints;
	    SELECT group_concat(network || ':' || address) FROM leases;
	    SELECT count(*) FROM pools;" | xargs
}

# Checks that nothing changed since setup: no link, row or lease was left behind.
no_trace() {
	[ "$(host_links | sort | xargs)" = "$LINKS_BEFORE" ]
	[ "$(state_snapshot)" = "$STATE_BEFORE" ]
	! ip -n "$NS2" link show eth0 2>/dev/null
}

# Runs the CLI expecting failure with a message containing WANT.
cli_rejects() {
	local want=$1
	shift
	run reef "$@"
	echo "# $output" >&3
	[ "$status" -ne 0 ]
	[[ "$output" == "reef: "*"$want"* ]]
	[ "${#lines[@]}" -eq 1 ]
	no_trace
}

# Sends a request expecting STATUS and an error message containing WANT.
api_rejects() {
	local want_status=$1 want=$2
	shift 2
	run api "$@"
	echo "# ${lines[1]}" >&3
	[ "${lines[0]}" = "$want_status" ]
	[[ "$(echo "${lines[1]}" | jq -r .error.message)" == *"$want"* ]]
	no_trace
}

@test "subnet overlapping a host route is rejected" {
	ip -n "$HOST" link add up0 type veth peer name up0p
	ip -n "$HOST" addr add 10.77.0.1/16 dev up0
	ip -n "$HOST" link set up0 up
	LINKS_BEFORE=$(host_links | sort | xargs)
	cli_rejects "overlaps" network create bad --subnet 10.77.5.0/24
	[[ "$output" == *10.77.0.0/16* ]]
}

@test "subnet overlapping another network is rejected" {
	cli_rejects "overlaps network 'lab'" network create bad --subnet 10.90.0.0/25
}

@test "prefix too small is rejected" {
	cli_rejects "/30" network create bad --subnet 10.95.0.0/31
}

@test "duplicate network name is rejected" {
	cli_rejects "network 'lab' already exists" network create lab --subnet 10.96.0.0/24
}

@test "network name too long is rejected" {
	long=$(printf 'n%.0s' $(seq 64))
	cli_rejects "64 characters, the maximum is 63" network create "$long"
	api_rejects 400 "64 characters, the maximum is 63" POST /v1/networks "{\"name\":\"$long\"}"
}

@test "network name with bad characters is rejected" {
	cli_rejects "invalid network name 'a_b'" network create a_b
	api_rejects 400 "invalid network name 'a/b'" POST /v1/networks '{"name":"a/b"}'
}

@test "gateway outside the subnet is rejected" {
	cli_rejects "gateway" network create bad --subnet 10.97.0.0/24 --gateway 10.98.0.1
}

@test "bad mtu is rejected" {
	cli_rejects "invalid --mtu 'big'" network create bad --mtu big
	api_rejects 400 "invalid mtu 100: expected 576 to 65535 bytes" POST /v1/networks \
		'{"name":"bad","mtu":100}'
}

@test "missing macvlan parent is rejected" {
	cli_rejects "parent interface 'nosuch0' not found" network create bad --type macvlan \
		--parent nosuch0 --subnet 192.168.60.0/24
}

@test "static address outside the subnet is rejected" {
	api_rejects 400 "10.99.0.5" POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",\"address\":\"10.99.0.5\"}"
}

@test "static address already taken is rejected" {
	api_rejects 409 "10.90.0.10" POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",\"address\":\"10.90.0.10\"}"
}

@test "static gateway address is rejected" {
	api_rejects 400 "10.90.0.1" POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",\"address\":\"10.90.0.1\"}"
}

@test "unknown network is rejected" {
	api_rejects 404 "network 'nope' not found" POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"nope\"}"
	api_rejects 404 "network 'nope' not found" GET /v1/networks/nope
	cli_rejects "network 'nope' not found" network delete nope
	cli_rejects "network 'nope' not found" network show nope
}

@test "process that does not exist is rejected" {
	api_rejects 404 "process 999999 not found" POST /v1/endpoints \
		'{"container":"c2","pid":999999,"network":"lab"}'
}

@test "attaching the same container twice is rejected" {
	api_rejects 409 "already attached to network 'lab'" POST /v1/endpoints \
		"{\"container\":\"c1\",\"pid\":$PID1,\"network\":\"lab\"}"
}

@test "a host port given twice in one attach is rejected" {
	api_rejects 400 "forwards '8080:80' and '8000-8090:81' share a host port" POST \
		/v1/endpoints "{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",
		\"forwards\":[\"8080:80\",\"8000-8090:81\"]}"
}

@test "unknown daemon options are named" {
	run "$REEF_NETD" --bogus
	[ "$status" -eq 2 ]
	[ "$output" = "reef-netd: unknown option '--bogus': see 'reef-netd --help'" ]
	run "$REEF_NETD" --root
	[ "$status" -eq 2 ]
	[ "$output" = "reef-netd: option '--root' needs a value: see 'reef-netd --help'" ]
}

@test "malformed JSON is rejected" {
	api_rejects 400 "invalid JSON at line 1" POST /v1/endpoints '{"container":'
	api_rejects 400 "expected an object" POST /v1/networks '[1,2]'
	api_rejects 400 "missing JSON body" POST /v1/networks
}

@test "unknown fields are rejected" {
	api_rejects 400 "unknown field 'colour'" POST /v1/networks '{"name":"x","colour":"red"}'
	api_rejects 400 "unknown field 'ip'" POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",\"ip\":\"10.90.0.9\"}"
}

@test "wrong types are rejected" {
	api_rejects 400 "field 'pid' must be an integer" POST /v1/endpoints \
		'{"container":"c2","pid":"12","network":"lab"}'
	api_rejects 400 "field 'isolate' must be true or false" POST /v1/networks \
		'{"name":"x","isolate":"yes"}'
	api_rejects 400 "field 'name' must be a string" POST /v1/networks '{"name":7}'
}

@test "oversized body is rejected" {
	big=$(head -c 70000 /dev/zero | tr '\0' 'a')
	api_rejects 413 "larger than 65536 bytes" POST /v1/networks "{\"name\":\"$big\"}"
}

@test "unknown paths and methods are rejected" {
	api_rejects 404 "no such API path" GET /v2/networks
	api_rejects 405 "use GET or POST" PUT /v1/networks
	api_rejects 405 "use GET on /v1/status" POST /v1/status '{}'
	api_rejects 400 "invalid query: 'force' is 'maybe'" DELETE "/v1/networks/lab?force=maybe"
}

@test "error replies carry the code" {
	run api POST /v1/networks '{"name":"lab","subnet":"10.96.0.0/24"}'
	[ "${lines[0]}" = 409 ]
	[ "$(echo "${lines[1]}" | jq -r .error.code)" = conflict ]
	run api GET /v1/networks/nope
	[ "$(echo "${lines[1]}" | jq -r .error.code)" = not_found ]
	run api POST /v1/networks '{"name":1}'
	[ "$(echo "${lines[1]}" | jq -r .error.code)" = invalid ]
}

# Adds parent link 'uplink' to $HOST with the host addresses given, and
# macvlan network 'lan2' on it.  The parent is one end of a veth pair because
# the kernel may lack the dummy driver.
uplink_network_add() {
	ip -n "$HOST" link add uplink type veth peer name uplinkp
	for addr in "$@"; do
		ip -n "$HOST" addr add "$addr" dev uplink
	done
	ip -n "$HOST" link set uplink up
	reef network create lan2 --type macvlan --parent uplink --subnet 192.0.2.0/24 >/dev/null
	LINKS_BEFORE=$(host_links | sort | xargs)
	STATE_BEFORE=$(state_snapshot)
}

@test "static host address is rejected" {
	uplink_network_add 192.0.2.10/24
	api_rejects 409 "address 192.0.2.10 is the host's own address on interface 'uplink'" \
		POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lan2\",\"address\":\"192.0.2.10\"}"
}

@test "dynamic address skips host addresses" {
	uplink_network_add 192.0.2.2/24 192.0.2.3/24
	run attach c2 "$PID2" lan2
	[ "${lines[0]}" = 201 ]
	[ "$(echo "${lines[1]}" | jq -r '.addresses[0]')" = 192.0.2.4/24 ]
	[ "$(ns_addr "$NS2")" = 192.0.2.4 ]
	# The skipped host addresses go back to the pool: a later attach checks them again.
	[ "$(db "SELECT group_concat(address) FROM leases WHERE network = 'lan2';")" = 192.0.2.4 ]
}

@test "create errors read naturally in CLI and API" {
	# CLI arguments | the message, the same for the CLI and the API
	while IFS='|' read -r args body want; do
		# shellcheck disable=SC2086
		run reef network create $args bad
		echo "# $output" >&3
		[ "$status" -ne 0 ]
		[ "$output" = "reef: $want" ]
		run api POST /v1/networks "{\"name\":\"bad\",$body}"
		[ "${lines[0]}" = 400 ]
		[ "$(echo "${lines[1]}" | jq -r .error.message)" = "$want" ]
		no_trace
	done <<-'CASES'
	--subnet 10.95.0.0/33|"subnet":"10.95.0.0/33"|invalid subnet '10.95.0.0/33': prefix length must be 0 to 32
	--subnet fd00::/64|"subnet":"fd00::/64"|invalid subnet 'fd00::/64': expected an IPv4 subnet such as 10.90.0.0/24, or 'auto'
	--ipv6 10.0.0.0/24|"ipv6":"10.0.0.0/24"|invalid ipv6 subnet '10.0.0.0/24': expected an IPv6 subnet such as fd00:90::/64, or 'auto'
	--subnet 10.97.0.0/24 --gateway 1.2.3|"subnet":"10.97.0.0/24","gateway":"1.2.3"|invalid gateway '1.2.3': expected an IPv4 address such as 10.0.0.2
	--gateway 10.97.0.1|"gateway":"10.97.0.1"|invalid gateway '10.97.0.1': a gateway needs an explicit subnet, not 'auto'
	--gateway6 fd00::1|"gateway6":"fd00::1"|invalid gateway6 'fd00::1': a gateway6 needs an explicit ipv6 subnet, not 'auto'
	--type vxlan|"type":"vxlan"|invalid network type 'vxlan': expected 'bridge' or 'macvlan'
	--type macvlan|"type":"macvlan"|missing parent interface: a macvlan network needs the host interface it sits on
	--parent eth0|"parent":"eth0"|invalid parent interface 'eth0': a parent is only for macvlan networks
	--type macvlan --parent a/b|"type":"macvlan","parent":"a/b"|invalid parent interface 'a/b': interface names cannot contain '/', ':', white space or control characters
	--type macvlan --parent up0|"type":"macvlan","parent":"up0"|missing subnet: a macvlan network needs the subnet of the parent's LAN, not 'auto'
	--mtu 100|"mtu":100|invalid mtu 100: expected 576 to 65535 bytes
	CASES
}

@test "attach errors name the network once" {
	run api POST /v1/endpoints "{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"nope\"}"
	[ "$(echo "${lines[1]}" | jq -r .error.message)" = \
		"attach 'c2': network 'nope' not found: see 'reef network list'" ]
	run api POST /v1/endpoints \
		"{\"container\":\"c2\",\"pid\":$PID2,\"network\":\"lab\",\"address\":\"10.90.0.10\"}"
	[ "$(echo "${lines[1]}" | jq -r .error.message)" = \
		"attach 'c2' to network 'lab': address '10.90.0.10' is already in use: choose another or omit it to get a free one" ]
}
