#!/bin/sh
# netcfg's DHCP client against the servers people run, from Debian: dnsmasq, ISC dhcpd, Kea and
# busybox udhcpd, each in a network namespace on a veth pair (addresses 10.123.0.0/24 only).
# For each server: a lease with every option netcfg reads, a renewal at T1, and a lease lost
# (the server restarted with another pool and no memory of it) followed by a new lease whose
# routes and /etc/hosts line are back.  Then rapid commit, a rebind at T2, two servers at once, a
# server that offers and vanishes, and the init as PID 1 keeping its payload's default route
# across a lost lease.
. tests/lib.sh
NETCFG=$BUILD/netcfg

[ "$(id -u)" = 0 ] || { skip "dhcp-servers (needs root for network namespaces)"; exit 0; }
scripts/deps packages iproute2 busybox-static dnsmasq-base isc-dhcp-server kea-dhcp4-server >/dev/null 2>&1 ||
	{ skip "dhcp-servers (dnsmasq-base, isc-dhcp-server or kea-dhcp4-server could not be installed)"; exit 0; }
for t in ip busybox dnsmasq dhcpd kea-dhcp4; do
	command -v $t >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v $t >/dev/null ||
		{ skip "dhcp-servers ($t missing)"; exit 0; }
done
PATH=$PATH:/usr/sbin:/sbin

C=mdc$$ S=mds$$ S2=mdt$$ T=$TMPROOT
cleanup() {
	stop_servers
	[ -n "${client:-}" ] && kill "$client" 2>/dev/null
	for n in "$C" "$S" "$S2"; do
		ip netns pids "$n" 2>/dev/null | while read -r p; do kill -9 "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
}
trap 'cleanup; rm -rf "$TMPROOT"' EXIT

# A fresh pair: eth0 in the client namespace, srv0 (10.123.0.1) in the server's.
setup() {
	cleanup
	rm -rf "$T/root" && mkdir -p "$T/root/etc"
	ip netns add "$C" && ip netns add "$S" &&
	ip link add eth0 netns "$C" type veth peer name srv0 netns "$S" &&
	ip -n "$S" addr add 10.123.0.1/24 dev srv0 && ip -n "$S" link set srv0 up && ip -n "$S" link set lo up &&
	ip -n "$C" link set eth0 up # Kea does not listen on a link without carrier
}
# Two servers on one segment: a bridge in the first server's namespace, the second server
# (10.123.0.2) in a namespace of its own.
setup_two() {
	setup || return 1
	ip netns add "$S2" &&
	ip -n "$S" link add br0 type bridge && ip -n "$S" link set br0 up &&
	ip -n "$S" addr del 10.123.0.1/24 dev srv0 && ip -n "$S" link set srv0 master br0 &&
	ip -n "$S" addr add 10.123.0.1/24 dev br0 &&
	ip link add srv1 netns "$S2" type veth peer name port1 netns "$S" &&
	ip -n "$S" link set port1 master br0 && ip -n "$S" link set port1 up &&
	ip -n "$S2" addr add 10.123.0.2/24 dev srv1 && ip -n "$S2" link set srv1 up
}

# start KIND [FIRST LAST [NS IF ID]]: a server handing out FIRST..LAST of 10.123.0.0/24 with
# router 10.123.0.1 (option 3, and 121 with a default route and 10.200.0.0/16 via .3), DNS
# 10.123.0.53, domain test.internal, hostname dhcphost (not dnsmasq: it gives out the client's
# own), MTU 1400, T1 3 s and T2 5 s (dnsmasq's leases are 2 minutes at least; the others 6 s).
# The ping checks (dnsmasq's --no-ping, dhcpd's ping-check) are off: they hold an offer for 1-3 s.
nsrv=0
start() {
	kind=$1 first=${2:-100} last=${3:-150} ns=${4:-$S} ifc=${5:-srv0} id=${6:-1}
	nsrv=$((nsrv + 1)); d=$T/srv$nsrv; mkdir -p "$d"
	case $kind in
	dnsmasq)
		ip netns exec "$ns" dnsmasq -d -k --port=0 --conf-file=/dev/null --interface="$ifc" --bind-interfaces \
			--dhcp-range=10.123.0.$first,10.123.0.$last,255.255.255.0,2m --dhcp-authoritative --no-ping \
			--dhcp-option=option:router,10.123.0.1 --dhcp-option=option:dns-server,10.123.0.53 \
			--dhcp-option=option:domain-name,test.internal --dhcp-option=option:mtu,1400 \
			--dhcp-option=121,0.0.0.0/0,10.123.0.1,10.200.0.0/16,10.123.0.3 \
			--dhcp-option=option:T1,3 --dhcp-option=option:T2,5 ${RAPID:+--dhcp-rapid-commit} \
			--dhcp-leasefile="$d/leases" --log-dhcp > "$d/log" 2>&1 & ;;
	dhcpd)
		cat > "$d/conf" <<-EOF
		default-lease-time 6; max-lease-time 6; min-lease-time 6;
		authoritative; ping-check ${PING:-false};
		option classless code 121 = array of unsigned integer 8;
		subnet 10.123.0.0 netmask 255.255.255.0 {
			range 10.123.0.$first 10.123.0.$last;
			option routers 10.123.0.1; option domain-name-servers 10.123.0.53;
			option domain-name "test.internal"; option host-name "dhcphost"; option interface-mtu 1400;
			option classless 0, 10,123,0,1, 16, 10,200, 10,123,0,3;
		}
		EOF
		: > "$d/leases"
		ip netns exec "$ns" dhcpd -4 -f -d -cf "$d/conf" -lf "$d/leases" -pf "$d/pid" "$ifc" > "$d/log" 2>&1 & ;;
	kea)
		cat > "$d/conf" <<-EOF
		{ "Dhcp4": {
		  "interfaces-config": { "interfaces": [ "$ifc" ], "dhcp-socket-type": "raw" },
		  "lease-database": { "type": "memfile", "persist": false },
		  "valid-lifetime": 6, "renew-timer": 3, "rebind-timer": 5, "authoritative": true,
		  "option-def": [ { "name": "classless", "code": 121, "type": "binary" } ],
		  "subnet4": [ { "subnet": "10.123.0.0/24", "id": 1,
		    "pools": [ { "pool": "10.123.0.$first - 10.123.0.$last" } ],
		    "option-data": [ { "name": "routers", "data": "10.123.0.1" },
		      { "name": "domain-name-servers", "data": "10.123.0.53" },
		      { "name": "domain-name", "data": "test.internal" },
		      { "name": "host-name", "data": "dhcphost" },
		      { "name": "interface-mtu", "data": "1400" },
		      { "name": "classless", "code": 121, "csv-format": false, "data": "000A7B0001100AC80A7B0003" } ] } ] } }
		EOF
		KEA_PIDFILE_DIR=$d KEA_LOCKFILE_DIR=$d ip netns exec "$ns" kea-dhcp4 -c "$d/conf" > "$d/log" 2>&1 & ;;
	udhcpd)
		cat > "$d/conf" <<-EOF
		start 10.123.0.$first
		end 10.123.0.$last
		interface $ifc
		lease_file $d/leases
		pidfile $d/own.pid
		min_lease 2
		opt subnet 255.255.255.0
		opt router 10.123.0.1
		opt dns 10.123.0.53
		opt domain test.internal
		opt hostname dhcphost
		opt mtu 1400
		opt staticroutes 0.0.0.0/0 10.123.0.1, 10.200.0.0/16 10.123.0.3
		opt lease 6
		EOF
		: > "$d/leases"
		ip netns exec "$ns" busybox udhcpd -f -a 0 "$d/conf" > "$d/log" 2>&1 & ;;
	esac
	echo $! >> "$T/servers"
	srvlog=$d/log
	sleep 0.5
}
stop_servers() {
	[ -f "$T/servers" ] || return 0
	while read -r p; do kill "$p" 2>/dev/null; done < "$T/servers"
	while read -r p; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done < "$T/servers"
	rm -f "$T/servers"
}
# client OUT ARGS...: netcfg in the client namespace (its own UTS namespace), in the background
# with --renew: the renewal process stays, its messages in OUT.
client_bg() {
	out=$1; shift
	ip netns exec "$C" unshare --uts "$NETCFG" -v --root "$T/root" --renew --timeout 10 "$@" > "$out" 2>&1 &
	client=$!
}
# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt $(($3 * 20)) ] && return 1; sleep 0.05
	done
}
routes() { ip -n "$C" -4 route show dev eth0; }

for kind in dnsmasq dhcpd kea udhcpd; do
	setup || { fail "dhcp-$kind: namespaces"; continue; }
	start $kind
	client_bg "$T/$kind.out" ip=eth0:dhcp
	if ! wait_for "$T/$kind.out" "DHCP lease 10.123.0.1[0-5][0-9]/24" 10; then
		fail "dhcp-$kind: a lease"; sed 's/^/  | /' "$T/$kind.out" "$srvlog" | tail -n 20; continue
	fi
	pass "dhcp-$kind: a lease"
	sleep 0.2
	ip -n "$C" addr show eth0 > "$T/addr"; routes > "$T/route"; ip -n "$C" link show eth0 > "$T/link"
	check "dhcp-$kind: the address, /24" has "$T/addr" "inet 10.123.0.1[0-5][0-9]/24"
	check "dhcp-$kind: classless routes (121) over the router option" sh -c \
		"grep -q '^default via 10.123.0.1' '$T/route' && grep -q '^10.200.0.0/16 via 10.123.0.3' '$T/route'"
	check "dhcp-$kind: DNS and domain in resolv.conf" sh -c \
		"grep -qx 'nameserver 10.123.0.53' '$T/root/etc/resolv.conf' && grep -qx 'search test.internal' '$T/root/etc/resolv.conf'"
	check "dhcp-$kind: the MTU" has "$T/link" "mtu 1400"
	[ $kind = dnsmasq ] || check "dhcp-$kind: the hostname" has "$T/root/etc/hostname" "^dhcphost$"
	addr=$(sed -n 's/.*inet \(10\.123\.0\.[0-9]*\).*/\1/p' "$T/addr")
	# a renewal at T1 (3 s): the server ACKs a REQUEST from the bound address
	check "dhcp-$kind: renewed at T1" wait_for "$T/$kind.out" "lease renewed" 6
	# the lease lost: the server comes back with another pool and no lease; the client's next
	# REQUEST is refused (NAK) or never answered until the lease ends, then a new lease
	stop_servers
	start $kind 160 170
	if wait_for "$T/$kind.out" "new DHCP lease 10.123.0.1[67][0-9]" 20; then
		pass "dhcp-$kind: a new lease after the old one was lost ($(grep -o 'renewal failed ([^)]*)' "$T/$kind.out" | head -n 1))"
		sleep 0.3
		routes > "$T/route"
		check "dhcp-$kind: the default route is back with the new lease" has "$T/route" "^default via 10.123.0.1"
		check "dhcp-$kind: the classless route is back" has "$T/route" "^10.200.0.0/16 via 10.123.0.3"
		check "dhcp-$kind: no route-add errors" hasnt "$T/$kind.out" "unable to add the route"
		new=$(sed -n 's/.*new DHCP lease \([0-9.]*\).*/\1/p' "$T/$kind.out" | head -n 1)
		[ $kind = dnsmasq ] || check "dhcp-$kind: /etc/hosts has the new address" has "$T/root/etc/hosts" "^$new	dhcphost"
		check "dhcp-$kind: the old address is gone" sh -c "! ip -n $C addr show eth0 | grep -q 'inet $addr/'"
	else
		fail "dhcp-$kind: a new lease after the old one was lost"; sed 's/^/  | /' "$T/$kind.out" "$srvlog" | tail -n 20
	fi
	kill "$client" 2>/dev/null; client=
done

# Rapid commit (RFC 4039): dnsmasq with dhcp-rapid-commit ACKs the DISCOVER, no OFFER.
setup; RAPID=1 start dnsmasq
client_bg "$T/rapid.out" ip=eth0:dhcp
check "dhcp-rapid-commit: a lease" wait_for "$T/rapid.out" "DHCP lease 10.123.0" 10
check "dhcp-rapid-commit: straight from the DISCOVER (no OFFER, no REQUEST)" sh -c \
	"grep -q 'ACK received' '$T/rapid.out' && ! grep -q 'OFFER received' '$T/rapid.out' && ! grep -q 'DHCPREQUEST' '$srvlog'"

# Rebind at T2: the server cannot be reached by unicast any more (an unreachable route to it in
# the client), so the renewal at T1 goes unanswered; the broadcast REQUEST at T2 (5 s) is
# answered and the lease kept.
setup; start dhcpd
client_bg "$T/rebind.out" ip=eth0:dhcp
wait_for "$T/rebind.out" "DHCP lease 10.123.0" 10
ip -n "$C" route add unreachable 10.123.0.1/32
check "dhcp-rebind: the lease kept by a broadcast REQUEST at T2" wait_for "$T/rebind.out" "lease renewed" 8
check "dhcp-rebind: no new lease needed" hasnt "$T/rebind.out" "renewal failed"

# Two servers at once (dnsmasq and Kea on one segment): one lease, from the server REQUESTed.
setup_two; start dnsmasq 100 150 "$S" br0; start kea 200 250 "$S2" srv1 2
client_bg "$T/two.out" ip=eth0:dhcp
check "dhcp-two-servers: a lease" wait_for "$T/two.out" "DHCP lease 10.123.0" 10
sleep 0.3
check "dhcp-two-servers: one address" test "$(ip -n "$C" -4 addr show eth0 | grep -c 'inet ')" = 1
from=$(sed -n 's/.*DHCP lease [0-9.\/]* from \([0-9.]*\).*/\1/p' "$T/two.out")
got=$(ip -n "$C" -4 addr show eth0 | sed -n 's/.*inet 10\.123\.0\.\([0-9]*\).*/\1/p')
check "dhcp-two-servers: the address is the pool of the server that ACKed ($from, .$got)" sh -c \
	"{ [ '$from' = 10.123.0.1 ] && [ ${got:-0} -lt 200 ]; } || { [ '$from' = 10.123.0.2 ] && [ ${got:-0} -ge 200 ]; }"

# A server that offers and vanishes (tests/helpers/dhcp-hostile.c offer-only) and always offers
# first: the real server, ISC dhcpd with its ping check on, starts after the first DISCOVER and
# offers 1 s after the second.  The client gives up on its REQUESTs and takes the real server's
# offer, not the same vanishing offer again.
setup_two
musl-gcc -static -Os -o "$T/dhcp-hostile" tests/helpers/dhcp-hostile.c
ip netns exec "$S2" "$T/dhcp-hostile" srv1 30 offer-only > "$T/vanish.log" 2>&1 &
echo $! >> "$T/servers"
sleep 0.3
client_bg "$T/vanish.out" --timeout 20 ip=eth0:dhcp
sleep 1; PING=true start dhcpd 100 150 "$S" br0
check "dhcp-offer-and-vanish: the vanishing server offered first" wait_for "$T/vanish.log" "REQUEST, not answered" 3
check "dhcp-offer-and-vanish: a lease from the real server at the next DISCOVER (not two rounds later, ~15 s)" wait_for "$T/vanish.out" "DHCP lease 10.123.0.1[0-5][0-9]/24 from 10.123.0.1" 11
sed 's/^/  | /' "$T/vanish.out" "$srvlog" | tail -n 12

# The init as PID 1 (a PID namespace in the client's network namespace, MINBOOT_CMDLINE for
# /proc/cmdline) with ip=dhcp from ISC dhcpd; the lease is lost mid-run; the payload watches its
# default route and reports how long after the new address the route was back.
setup; start dhcpd
root=$T/pid1root
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$BUILD/minboot-init" "$root/init" && cp "$(command -v busybox)" "$root/bin/busybox"
cat > "$root/watch.sh" <<'S'
bb=/bin/busybox
ms() { $bb awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
first=$($bb ip -4 addr show eth0 | $bb sed -n 's/.*inet \([0-9.]*\).*/\1/p')
echo "WATCH first $first"
end=$(( $(ms) + 25000 ))
while [ "$(ms)" -lt $end ]; do
	a=$($bb ip -4 addr show eth0 | $bb sed -n 's/.*inet \([0-9.]*\).*/\1/p')
	if [ -n "$a" ] && [ "$a" != "$first" ]; then
		t_addr=$(ms)
		while [ "$(ms)" -lt $end ]; do
			if $bb ip -4 route | $bb grep -q '^default via 10.123.0.1'; then
				echo "WATCH route back $(( $(ms) - t_addr )) ms after the new address $a"; exit 0
			fi
			$bb usleep 20000
		done
		echo "WATCH no default route after the new address $a"; $bb ip -4 route; exit 1
	fi
	$bb usleep 20000
done
echo "WATCH no new address"; exit 1
S
ip netns exec "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
	MINBOOT_CMDLINE="ip=dhcp minboot.net-timeout=8 -- /bin/busybox sh /watch.sh" \
	timeout -k 2 40 unshare --pid --fork --mount --uts chroot "$root" /init > "$T/pid1.out" 2>&1 &
pid1=$!
wait_for "$T/pid1.out" "WATCH first 10.123.0.1" 15
stop_servers; start dhcpd 160 170
wait "$pid1"
grep -e WATCH -e 'new DHCP lease' -e 'route' "$T/pid1.out" | sed 's/^/  /'
ms=$(sed -n 's/.*WATCH route back \([0-9]*\) ms.*/\1/p' "$T/pid1.out")
check "dhcp-pid1: the payload's default route is back within a second of the new lease (${ms:-never} ms)" \
	test "${ms:-99999}" -le 1000
check "dhcp-pid1: the payload's exit status is reported" has "$T/pid1.out" "exit status 0"
cleanup
t_done
