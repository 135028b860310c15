#!/bin/sh
# netcfg against real links: two network namespaces joined by a veth pair, busybox udhcpd on the
# server side.  Only addresses inside the namespaces (10.123.0.0/24) are used.
. tests/lib.sh
NETCFG=$BUILD/netcfg

[ "$(id -u)" = 0 ] || { skip "netcfg-netns (needs root for network namespaces)"; exit 0; }
scripts/deps packages iproute2 busybox-static >/dev/null 2>&1 || true
command -v ip >/dev/null && command -v busybox >/dev/null || { skip "netcfg-netns (no ip or busybox)"; exit 0; }

C=mbc$$ S=mbs$$ T=$TMPROOT
cleanup() {
	[ -f "$T/server.pid" ] && kill "$(cat "$T/server.pid")" 2>/dev/null
	[ -n "${renew_pid:-}" ] && kill "$renew_pid" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$TMPROOT"
}
trap cleanup EXIT

# A fresh pair for each case: eth0 in the client namespace, srv0 (10.123.0.1) in the server's.
setup() {
	cleanup_ns
	ip netns add "$C" && ip netns add "$S" &&
	ip link add eth0 netns "$C" type veth peer name srv0 netns "$S" &&
	ip -n "$S" addr add 10.123.0.1/24 dev srv0 && ip -n "$S" link set srv0 up &&
	ip -n "$S" link set lo up
}
cleanup_ns() {
	stop_server
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$T/root" && mkdir -p "$T/root/etc"
}
# start_server [LEASE_SECONDS]; -a 0: udhcpd probes an address with ARP before offering it and
# waits 2 s by default, which would hide the client's own latency.
start_server() {
	cat > "$T/udhcpd.conf" <<-EOF
	start 10.123.0.100
	end 10.123.0.150
	interface srv0
	lease_file $T/leases
	pidfile $T/udhcpd-own.pid
	min_lease 2
	opt subnet 255.255.255.0
	opt router 10.123.0.1
	opt dns 10.123.0.53
	opt domain test.internal
	opt hostname dhcphost
	opt lease ${1:-3600}
	${SERVER_OPTS:-}
	EOF
	: > "$T/leases"
	ip netns exec "$S" busybox udhcpd -f -a 0 "$T/udhcpd.conf" > "$T/udhcpd.log" 2>&1 &
	echo $! > "$T/server.pid"
}
stop_server() {
	[ -f "$T/server.pid" ] && kill "$(cat "$T/server.pid")" 2>/dev/null && wait "$(cat "$T/server.pid")" 2>/dev/null
	rm -f "$T/server.pid"
}
# run_client OUT ARGS...: netcfg in the client namespace, in its own UTS namespace; the hostname
# it set is appended to OUT as "hostname=...".
run_client() {
	out=$1; shift
	ip netns exec "$C" unshare --uts sh -c '"$@"; rc=$?; echo "hostname=$(hostname)"; exit $rc' \
		sh "$NETCFG" --root "$T/root" "$@" > "$out" 2>&1
}

# 1. --dry-run prints the plan and touches nothing
"$NETCFG" --dry-run 'ip=10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off:10.0.2.3' \
	nameserver=10.0.2.4 > "$T/plan" 2>&1
check "netcfg-dry-run-plan" has "$T/plan" "eth0: static 10.0.2.15/24 gateway 10.0.2.2 hostname appliance dns 10.0.2.3"
check "netcfg-dry-run-nameserver" has "$T/plan" "nameserver 10.0.2.4"

# 2. static: address, default route, hostname, resolv.conf, hosts, and real traffic
setup || { fail "netcfg-netns-setup"; exit 1; }
run_client "$T/out" --timeout 5 'ip=10.123.0.2::10.123.0.1:255.255.255.0:nsclient:eth0:off:10.123.0.53'
rc=$?
check "netcfg-static-exit-0" test $rc = 0
ip -n "$C" addr show eth0 > "$T/addr"; ip -n "$C" route > "$T/route"
check "netcfg-static-address" has "$T/addr" "inet 10.123.0.2/24"
check "netcfg-static-default-route" has "$T/route" "default via 10.123.0.1 dev eth0"
check "netcfg-static-hostname" has "$T/out" "hostname=nsclient"
check "netcfg-static-etc-hostname" has "$T/root/etc/hostname" "^nsclient$"
check "netcfg-static-resolv" has "$T/root/etc/resolv.conf" "^nameserver 10.123.0.53$"
check "netcfg-static-hosts" has "$T/root/etc/hosts" "^10.123.0.2	nsclient$"
check "netcfg-static-lo-up" sh -c "ip -n $C link show lo | grep -q 'UP'"
check "netcfg-static-traffic" ip netns exec "$C" sh -c "busybox ping -c 1 -W 2 10.123.0.1 >/dev/null"

# 3. ip=dhcp (device autoselected) against udhcpd
setup; start_server; sleep 0.2
run_client "$T/out" --timeout 10 ip=dhcp
rc=$?
ip -n "$C" addr show eth0 > "$T/addr"; ip -n "$C" route > "$T/route"
check "netcfg-dhcp-exit-0" test $rc = 0
check "netcfg-dhcp-autoselect" has "$T/out" "autoselected eth0"
check "netcfg-dhcp-address" has "$T/addr" "inet 10.123.0.1[0-9][0-9]/24"
check "netcfg-dhcp-lease-lifetime" has "$T/addr" "valid_lft 3[56][0-9][0-9]sec"
check "netcfg-dhcp-default-route" has "$T/route" "default via 10.123.0.1 dev eth0"
check "netcfg-dhcp-resolv" has "$T/root/etc/resolv.conf" "^nameserver 10.123.0.53$"
check "netcfg-dhcp-search" has "$T/root/etc/resolv.conf" "^search test.internal$"
check "netcfg-dhcp-hostname" has "$T/out" "hostname=dhcphost"
check "netcfg-dhcp-hosts" has "$T/root/etc/hosts" "dhcphost.test.internal dhcphost"
check "netcfg-dhcp-traffic" ip netns exec "$C" sh -c "busybox ping -c 1 -W 2 10.123.0.1 >/dev/null"
grep -o 'bound at .*' "$T/out" | sed 's/^/  /'

# 3b. classless static routes (RFC 3442, option 121): they replace the router option, a gateway
#     outside the leased subnet is reached on-link (the /32 lease of some clouds), gateway 0.0.0.0
#     is an on-link route
setup; SERVER_OPTS='opt staticroutes 10.99.0.1/32 0.0.0.0, 0.0.0.0/0 10.123.0.254, 10.200.0.0/16 10.123.0.2, 10.98.0.0/16 10.99.0.1' start_server; sleep 0.2
run_client "$T/out" --timeout 10 ip=eth0:dhcp
rc=$?
ip -n "$C" route > "$T/route"
sed 's/^/  | /' "$T/route"
check "netcfg-classless-exit-0" test $rc = 0
check "netcfg-classless-default-route" has "$T/route" "^default via 10.123.0.254 dev eth0"
check "netcfg-classless-router-option-ignored" sh -c "! grep -q 'via 10.123.0.1 ' '$T/route'"
check "netcfg-classless-route" has "$T/route" "^10.200.0.0/16 via 10.123.0.2 dev eth0"
check "netcfg-classless-on-link" has "$T/route" "^10.99.0.1 dev eth0 .*scope link"
check "netcfg-classless-off-subnet-gateway" has "$T/route" "^10.98.0.0/16 via 10.99.0.1 dev eth0 .*onlink"
check "netcfg-classless-logged" has "$T/out" "classless routes"

# 4. carrier comes up late: DISCOVER leaves on the RTM_NEWLINK event, not on a retry timer
setup; ip -n "$S" link set srv0 down; start_server; sleep 0.2
run_client "$T/out" -v --timeout 10 ip=eth0:dhcp &
client=$!
sleep 1.5; ip -n "$S" link set srv0 up
wait $client; rc=$?
check "netcfg-late-carrier-exit-0" test $rc = 0
up=$(sed -n 's/.*carrier up at +\([0-9]*\) ms.*/\1/p' "$T/out")
sent=$(sed -n 's/.*DISCOVER sent, try 1, at +\([0-9]*\) ms.*/\1/p' "$T/out")
ms=$(sed -n 's/.*bound at .*, \([0-9]*\) ms after carrier.*/\1/p' "$T/out")
echo "  first DISCOVER $(( ${sent:-0} - ${up:-0} )) ms after carrier-up; lease bound ${ms:-?} ms after carrier-up"
# Ours is the DISCOVER on the event; the rest is udhcpd's (~50 ms here: lease file, ARP probe).
check "netcfg-late-carrier-discover-on-event" test $(( ${sent:-9999} - ${up:-0} )) -le 10
check "netcfg-late-carrier-bound-without-retry" test "${ms:-9999}" -lt 400

# 5. a server that answers late (started 2.5 s after the client): retries with backoff get it
setup
run_client "$T/out" --timeout 15 ip=eth0:dhcp &
client=$!
sleep 2.5; start_server
wait $client; rc=$?
check "netcfg-late-server-exit-0" test $rc = 0
check "netcfg-late-server-bound" has "$T/out" "DHCP lease 10.123.0.1[0-9][0-9]/24"

# 6. a server that never answers: a message after the timeout, exit 1, nothing written
setup
start=$(date +%s)
run_client "$T/out" --timeout 2 ip=eth0:dhcp
rc=$?
check "netcfg-no-server-exit-1" test $rc = 1
check "netcfg-no-server-message" has "$T/out" "no DHCP lease within 2.0 s (no answer); going on"
check "netcfg-no-server-within-timeout" test $(( $(date +%s) - start )) -le 4
check "netcfg-no-server-no-resolv" test ! -e "$T/root/etc/resolv.conf"

# 7. a malformed ip= and a missing device: messages, the good one still applies
setup
run_client "$T/out" --timeout 5 'ip=10.123.0.300::::::' 'ip=10.123.0.7/24:::::eth0:none' 'ip=nosuch0:dhcp'
rc=$?
ip -n "$C" addr show eth0 > "$T/addr"
check "netcfg-malformed-exit-1" test $rc = 1
check "netcfg-malformed-message" has "$T/out" "ip=10.123.0.300::::::: bad client address '10.123.0.300'; going on"
check "netcfg-missing-device-message" has "$T/out" "no link named nosuch0"
check "netcfg-malformed-others-apply" has "$T/addr" "inet 10.123.0.7/24"

# 8. IPv6 static, on-link and default route
setup
run_client "$T/out" --timeout 5 'ip=[fd00:123::2]::[fd00:123::1]:64::eth0:none'
ip -n "$C" -6 addr show eth0 > "$T/addr"; ip -n "$C" -6 route > "$T/route"
check "netcfg-ipv6-address" has "$T/addr" "inet6 fd00:123::2/64"
check "netcfg-ipv6-default-route" has "$T/route" "default via fd00:123::1 dev eth0"

# 9. renewal: a 4 s lease outlives itself because the child renews it at T1
setup; start_server 4; sleep 0.2
ip netns exec "$C" "$NETCFG" --root "$T/root" --no-hostname --timeout 5 --renew ip=eth0:dhcp > "$T/out" 2>&1 &
renew_pid=$!
sleep 7
ip -n "$C" addr show eth0 > "$T/addr"
kill "$renew_pid" 2>/dev/null
check "netcfg-renew-address-kept" has "$T/addr" "inet 10.123.0.1[0-9][0-9]/24"
check "netcfg-renew-acks" test "$(grep -c 'sending ACK' "$T/udhcpd.log")" -ge 2
ip netns pids "$C" 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null; done
renew_pid=

# 10. PID 1's network step: the real init as PID 1 of a PID namespace in the client's network
#     namespace, ip=dhcp on its command line (MINBOOT_CMDLINE stands in for /proc/cmdline)
setup; start_server; sleep 0.2
root=$T/pid1root
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$BUILD/minboot-init" "$root/init" && cp "$(command -v busybox)" "$root/bin/busybox"
cat > "$root/check.sh" <<'S'
bb=/bin/busybox
$bb ip -4 addr show eth0 | $bb sed -n 's/.*inet \([^ ]*\).*/CHECK addr \1/p'
$bb sed 's/^/CHECK resolv /' /etc/resolv.conf
echo "CHECK hostname $($bb hostname)"
$bb ps | $bb grep -q '[n]etcfg-dhcp' && echo "CHECK renewal process"
S
ip netns exec "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	MINBOOT_CMDLINE="ip=dhcp nameserver=10.123.0.9 minboot.net-timeout=5 -- /bin/busybox sh /check.sh" \
	timeout -k 2 30 unshare --pid --fork --mount --uts chroot "$root" /init > "$T/pid1.out" 2>&1
check "netcfg-pid1-lease" has "$T/pid1.out" "DHCP lease 10.123.0.1[0-9][0-9]/24"
check "netcfg-pid1-address" has "$T/pid1.out" "CHECK addr 10.123.0.1[0-9][0-9]/24"
check "netcfg-pid1-resolv-order" sh -c "grep -A1 'CHECK resolv nameserver 10.123.0.9' '$T/pid1.out' | grep -q 'nameserver 10.123.0.53'"
check "netcfg-pid1-hostname" has "$T/pid1.out" "CHECK hostname dhcphost"
check "netcfg-pid1-renewal-process" has "$T/pid1.out" "CHECK renewal process"
check "netcfg-pid1-timeline" has "$T/pid1.out" "network"

# 11. a hostile DHCP server (tests/helpers/dhcp-hostile.c): to each DISCOVER and REQUEST a burst
#     of malformed replies, then one well-formed reply with hostile contents.  The malformed ones
#     are dropped, the good one binds, and none of its names reaches a file or the UTS name.
setup
musl-gcc -static -Os -o "$T/dhcp-hostile" tests/helpers/dhcp-hostile.c
ip netns exec "$S" "$T/dhcp-hostile" srv0 25 > "$T/hostile.log" 2>&1 &
hpid=$!
sleep 0.2
run_client "$T/out" --timeout 10 ip=dhcp
rc=$?
ip -n "$C" addr show eth0 > "$T/addr"; ip -n "$C" link show eth0 > "$T/link"
check "netcfg-hostile-server-answered" has "$T/hostile.log" "REQUEST, 8 replies"
check "netcfg-hostile-exit-0" test $rc = 0
check "netcfg-hostile-address" has "$T/addr" "inet 10.123.0.77/24"
check "netcfg-hostile-no-hostname" sh -c "! grep -q 'hostname=evil' '$T/out'"
check "netcfg-hostile-files-clean" sh -c "! cat '$T/root/etc/resolv.conf' '$T/root/etc/hosts' 2>/dev/null | grep -q -e evil -e 6.6.6.6 -e reboot"
check "netcfg-hostile-dns-capped" sh -c "[ \$(grep -c '^nameserver' '$T/root/etc/resolv.conf') -le 3 ]"
check "netcfg-hostile-mtu-10-refused" has "$T/link" "mtu 1500"
# the same server against the real init as PID 1: the payload runs
rm -f "$root/etc/hostname" "$root/etc/resolv.conf" "$root/etc/hosts"
ip -n "$C" addr flush dev eth0
ip netns exec "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	MINBOOT_CMDLINE="ip=dhcp minboot.net-timeout=8 -- /bin/busybox sh /check.sh" \
	timeout -k 2 30 unshare --pid --fork --mount --uts chroot "$root" /init > "$T/pid1h.out" 2>&1
check "netcfg-hostile-pid1-lease" has "$T/pid1h.out" "DHCP lease 10.123.0.77/24"
check "netcfg-hostile-pid1-payload-ran" has "$T/pid1h.out" "CHECK addr 10.123.0.77/24"
check "netcfg-hostile-pid1-clean-end" has "$T/pid1h.out" "exit status 0"
kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null

cleanup_ns
t_done
