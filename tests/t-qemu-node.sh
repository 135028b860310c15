#!/bin/sh
# The seed's appliance under QEMU/TCG: node's web server reached from the host through QEMU's
# port forward, once with the issue's static ip= (address, route, hostname, DNS) and once with
# ip=dhcp and the port bound by the init (minboot.listen=80, socket activation).
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "node: no kernel (make kernel)"; exit 1; }
command -v node >/dev/null || scripts/deps packages nodejs >/dev/null 2>&1
command -v curl >/dev/null || scripts/deps packages curl >/dev/null 2>&1
kver=$(cat "$KERNEL_DIR/kver")
cat > "$TMPROOT/app.js" <<'S'
const fs = require('fs'), os = require('os');
const s = require('http').createServer((q, r) => r.end(`host=${os.hostname()} ` +
	`dns=${fs.readFileSync('/etc/resolv.conf', 'utf8').replace(/\n/g, ';')} ` +
	`fd=${process.env.LISTEN_FDS || 0}\n`));
if (process.env.LISTEN_FDS === '1') s.listen({ fd: 3 }); else s.listen(80);
S
# (--no-auto packages: the copy below is the user's own file, which brings no Debian package;
# the host's node would bring its package's data, and the two images would rightly differ)
"$BUILD/minboot-pack" -o "$TMPROOT/node.img" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" \
	--module e1000 --file "$TMPROOT/app.js:/app.js" --payload 'node /app.js' --no-auto packages 2>/dev/null
check "node: appliance packed" test -s "$TMPROOT/node.img"
# The same appliance from copies with other mtimes, in another directory, under another umask
# and with a cold cache: byte-identical.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
pack=$(abs "$BUILD/minboot-pack"); tree=$(abs "$KERNEL_DIR/modules/$kver")
mkdir -p "$TMPROOT/copy/bin"
cp "$(command -v node)" "$TMPROOT/copy/bin/node"; cp "$TMPROOT/app.js" "$TMPROOT/copy/app.js"
touch -d '2011-11-11 11:11' "$TMPROOT/copy/bin/node" "$TMPROOT/copy/app.js"
(cd "$TMPROOT/copy" && umask 077 && XDG_CACHE_HOME="$TMPROOT/cache2" "$pack" -o ../node2.img \
	--kernel-modules "$tree" --kver "$kver" --module e1000 \
	--file app.js:/app.js --file bin/node:$(command -v node) --payload 'node /app.js' 2>/dev/null)
check "node: two packs of the node appliance from different copies are byte-identical" cmp -s "$TMPROOT/node.img" "$TMPROOT/node2.img"
check "node: zcat IMG | cpio -it lists it" sh -c "zcat '$TMPROOT/node2.img' | cpio -it 2>/dev/null | grep -qx 'app.js'"

# serve NAME PORT APPEND: boot, curl the forwarded port until it answers, power off over QMP
serve() {
	out=$TMPROOT/$1.out; body=
	start=$(date +%s%N)
	qemu-scripts/run --accel tcg -m 512 -t 240 -i "$TMPROOT/node.img" -p "$2:80" --qmp "$TMPROOT/$1.qmp" \
		-a "$3" > "$out" 2>&1 < /dev/null &
	q=$!
	i=0
	while [ $i -lt 1800 ] && kill -0 $q 2>/dev/null; do
		body=$(curl -fsS --max-time 2 "http://127.0.0.1:$2/" 2>/dev/null) && break
		sleep 0.1; i=$((i + 1))
	done
	secs=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN {printf "%.1f", n / 1e9}')
	power_press "$out" "$TMPROOT/$1.qmp" $q || kill $q
	wait $q; rc=$?
}
p1=$((20000 + $$ % 10000)); p2=$((p1 + 1))
serve static $p1 " ip=10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off:10.0.2.3"
check "node: static ip= answers through the port forward ($secs s from QEMU start)" test -n "$body"
check "node: static ip=: hostname appliance" sh -c "echo '$body' | grep -q 'host=appliance '"
check "node: static ip=: nameserver 10.0.2.3" sh -c "echo '$body' | grep -q 'nameserver 10.0.2.3'"
check "node: static ip=: address, default route logged" sh -c "grep -q '10.0.2.15' '$out' && grep -qi 'gateway 10.0.2.2\|via 10.0.2.2\|route' '$out'"
check "node: powered off cleanly (status $rc)" test "$rc" = 0
serve dhcp $p2 " ip=dhcp minboot.listen=80"
check "node: ip=dhcp and minboot.listen=80: node serves on the init's socket ($secs s)" sh -c "echo '$body' | grep -q 'fd=1'"
check "node: the init bound the port before the payload" has "$out" "listening on 80 for the payload"
check "node: DHCP lease from QEMU's server" has "$out" "DHCP lease 10.0.2.15/24"
t_done
