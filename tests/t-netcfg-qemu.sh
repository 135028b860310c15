#!/bin/sh
# netcfg in a real guest: Debian's kernel, an e1000 NIC on QEMU's user-mode network (slirp), the
# static ip= of the issue and ip=dhcp against QEMU's built-in DHCP server, then real traffic to a
# server on the host's loopback (slirp maps 10.0.2.2 to the host's 127.0.0.1).  The guest sends
# nothing else: no DNS lookups, no other address.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { skip "netcfg-qemu (no kernel in $KERNEL_DIR: make kernel)"; exit 0; }
BB=$(command -v busybox) || { skip "netcfg-qemu (busybox-static missing)"; exit 0; }
KO=$(find "$KERNEL_DIR/modules" -name e1000.ko 2>/dev/null | head -n1)
[ -n "$KO" ] || { skip "netcfg-qemu (no uncompressed e1000.ko in $KERNEL_DIR)"; exit 0; }

# A file server on the host's loopback for the guest to reach.
mkdir -p "$TMPROOT/www" && echo "hello from the host" > "$TMPROOT/www/probe"
port=$((20000 + $$ % 20000))
"$BB" httpd -f -p "127.0.0.1:$port" -h "$TMPROOT/www" &
httpd=$!
trap 'kill $httpd 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TMPROOT"' EXIT

# Until the init's module step loads NIC drivers from the image, the payload loads e1000 itself
# and runs the netcfg tool (the same code as PID 1's network step).
cat > "$TMPROOT/guest.sh" <<S
bb=/bin/busybox
\$bb insmod /e1000.ko
\$bb ln -s /init /bin/netcfg
n0=\$(\$bb cut -d' ' -f1 /proc/uptime)
/bin/netcfg "\$@"
echo "CHECK netcfg-rc=\$?"
echo "CHECK netcfg-ms \$(\$bb awk -v a=\$n0 -v b=\$(\$bb cut -d' ' -f1 /proc/uptime) 'BEGIN {print int((b - a) * 1000)}')"
\$bb ip -4 addr show eth0 | \$bb sed -n 's/.*inet \([^ ]*\).*/CHECK addr \1/p'
\$bb ip route | \$bb sed 's/^/CHECK route /'
\$bb sed 's/^/CHECK resolv /' /etc/resolv.conf
echo "CHECK hostname \$(\$bb hostname)"
\$bb grep -v localhost /etc/hosts | \$bb sed 's/^/CHECK hosts /'
\$bb ip -6 addr show eth0 scope link | \$bb sed -n 's/.*inet6 \([^ ]*\).*/CHECK ll \1/p'
t0=\$(\$bb cut -d' ' -f1 /proc/uptime)
echo "CHECK http \$(printf "GET /probe HTTP/1.0\\r\\n\\r\\n" | \$bb nc 10.0.2.2 $port | \$bb tail -n 1)"
echo "CHECK http-ms \$(\$bb awk -v a=\$t0 -v b=\$(\$bb cut -d' ' -f1 /proc/uptime) 'BEGIN {print int((b - a) * 1000)}')"
S
img=$TMPROOT/net.img
"$BUILD/minboot-pack" -o "$img" --file "$BB:/bin/busybox" --file "$KO:/e1000.ko" \
	--file "$TMPROOT/guest.sh:/guest.sh" --payload '/bin/busybox sh /guest.sh' 2> "$TMPROOT/pack.log" ||
	{ fail "netcfg-qemu: pack"; cat "$TMPROOT/pack.log"; exit 1; }

nic=e1000
boot() { # boot NAME ARGS...: the payload's arguments
	out=$TMPROOT/$1.out; shift
	qemu-scripts/run --accel tcg -t 120 -q --nic $nic -i "$img" -a " -- /bin/busybox sh /guest.sh $*" \
		> "$out" 2>&1 < /dev/null
}

boot static -v 'ip=10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off:10.0.2.3'
o=$TMPROOT/static.out
check "netcfg-qemu-static-rc" has "$o" "CHECK netcfg-rc=0"
check "netcfg-qemu-static-address" has "$o" "CHECK addr 10.0.2.15/24"
check "netcfg-qemu-static-default-route" has "$o" "CHECK route default via 10.0.2.2 dev eth0"
check "netcfg-qemu-static-hostname" has "$o" "CHECK hostname appliance"
check "netcfg-qemu-static-resolv" has "$o" "CHECK resolv nameserver 10.0.2.3"
check "netcfg-qemu-static-hosts" has "$o" "CHECK hosts 10.0.2.15	appliance"
check "netcfg-qemu-static-traffic" has "$o" "CHECK http hello from the host"
grep 'carrier up' "$o" | sed 's/^/  /'

boot dhcp -v 'ip=dhcp'
o=$TMPROOT/dhcp.out
check "netcfg-qemu-dhcp-rc" has "$o" "CHECK netcfg-rc=0"
check "netcfg-qemu-dhcp-address" has "$o" "CHECK addr 10.0.2.15/24"
check "netcfg-qemu-dhcp-default-route" has "$o" "CHECK route default via 10.0.2.2 dev eth0"
check "netcfg-qemu-dhcp-resolv" has "$o" "CHECK resolv nameserver 10.0.2.3"
check "netcfg-qemu-dhcp-traffic" has "$o" "CHECK http hello from the host"
nms=$(sed -n 's/^CHECK netcfg-ms //p' "$o")
grep 'autoselected\|DHCP lease' "$o" | sed 's/^/  /'
echo "  netcfg ip=dhcp from start to lease: ${nms:-?} ms"
# QEMU's e1000 holds received frames for 1 s after the driver programs its receive unit as the
# link is set up, so the OFFER comes then at the earliest; with QEMU's emulated autonegotiation
# (qemu-scripts/run turns it off) carrier alone came 2.1 s after the link was set up
check "netcfg-qemu-dhcp-lease-within-1.6s-of-start" test "${nms:-9999}" -le 1600
# IPv6 is on through DHCP: its link-local address is made as the link is set up, before carrier,
# so neither the OFFER nor the first connection after the lease waits out QEMU's e1000 one-second
# receive hold (linkup.c)
check "netcfg-qemu-dhcp-ipv6-link-local" has "$o" "CHECK ll fe80::5054:ff:fe12:3456/64"
hms=$(sed -n 's/^CHECK http-ms //p' "$o")
echo "  first HTTP exchange after the lease: ${hms:-?} ms"
check "netcfg-qemu-dhcp-first-exchange-not-held" test "${hms:-9999}" -lt 500

# QEMU's defaults: e1000 with emulated autonegotiation (500 ms after the driver's reset at
# probe).  e1000 looks at the link as it is set up and then every 2 s, so a link set up during
# the negotiation got its carrier 2.1 s later, its lease after 2.1 s; set up once the PHY has the
# link, the carrier comes at once and the lease 1 s later (the receive hold above).
nic=e1000,autonegotiation=on
boot autoneg -v 'ip=dhcp'
o=$TMPROOT/autoneg.out
nms=$(sed -n 's/^CHECK netcfg-ms //p' "$o")
grep 'set up\|carrier up\|DHCP lease' "$o" | sed 's/^/  /'
echo "  netcfg ip=dhcp from the driver's load to the lease, autonegotiation on: ${nms:-?} ms"
check "netcfg-qemu-autoneg-lease" has "$o" "CHECK addr 10.0.2.15/24"
check "netcfg-qemu-autoneg-lease-within-1.9s-of-the-driver" test "${nms:-9999}" -le 1900

# The init's own static ip= (coldplug loads e1000 from the image): nothing waits for carrier, so
# the link is set up as the driver loads, and its early IPv6 link-local address comes once the
# payload has started, before carrier all the same.  With QEMU's emulated autonegotiation the
# carrier comes ~2 s after the link is set up, when the hold of that set-up is over; the payload
# waits for it and talks to the host at once.  Had the address come at carrier (the kernel's
# own), its multicast group would have rewritten e1000's receive unit there and held the answer
# for a second.
cat > "$TMPROOT/static.sh" <<S
bb=/bin/busybox
while [ "\$(\$bb cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ]; do \$bb usleep 20000; done
t0=\$(\$bb cut -d' ' -f1 /proc/uptime)
echo "CHECK http \$(printf "GET /probe HTTP/1.0\\r\\n\\r\\n" | \$bb nc 10.0.2.2 $port | \$bb tail -n 1)"
echo "CHECK http-ms \$(\$bb awk -v a=\$t0 -v b=\$(\$bb cut -d' ' -f1 /proc/uptime) 'BEGIN {print int((b - a) * 1000)}')"
\$bb ip -6 addr show eth0 scope link | \$bb sed -n 's/.*inet6 \([^ ]*\).*/CHECK ll \1/p'
S
kver=$(cat "$KERNEL_DIR/kver")
"$BUILD/minboot-pack" -o "$TMPROOT/static.img" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" \
	--module e1000 --file "$BB:/bin/busybox" --file "$TMPROOT/static.sh:/static.sh" \
	--payload '/bin/busybox sh /static.sh' 2> "$TMPROOT/pack.log" || { fail "netcfg-qemu: pack"; cat "$TMPROOT/pack.log"; }
o=$TMPROOT/init-static.out
qemu-scripts/run --accel tcg -t 120 -q --nic e1000,autonegotiation=on -i "$TMPROOT/static.img" -a " ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off" \
	> "$o" 2>&1 < /dev/null
check "netcfg-qemu-init-static-traffic" has "$o" "CHECK http hello from the host"
check "netcfg-qemu-init-static-ipv6-link-local" has "$o" "CHECK ll fe80::5054:ff:fe12:3456/64"
hms=$(sed -n 's/^CHECK http-ms //p' "$o" | tr -d '\r')
echo "  init, static ip=: first HTTP exchange after carrier: ${hms:-?} ms"
check "netcfg-qemu-init-static-first-exchange-not-held" test "${hms:-9999}" -lt 500
t_done
