#!/bin/sh
# QEMU/TCG smoke test of the foundation: Debian's stock kernel boots an image minboot-pack wrote;
# the payload sees /proc, /sys, devtmpfs /dev, a writable / and its arguments; "--" overrides
# them; a bad parameter and a missing payload power off with a message, never a kernel panic.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "qemu: no kernel in $KERNEL_DIR (make kernel)"; exit 1; }
BB=$(command -v busybox) || { fail "qemu: busybox-static missing"; exit 1; }

cat > "$TMPROOT/check.sh" <<'S'
echo "CHECK args=$*"
/bin/busybox mount | /bin/busybox awk '{print "CHECK mount " $3 " " $5}'
echo x > /written && echo "CHECK root-writable"
echo "CHECK env $(/bin/busybox env | /bin/busybox sort | /bin/busybox tr '\n' ' ')"
echo "CHECK uptime $(/bin/busybox cut -d' ' -f1 /proc/uptime)"
S
img=$TMPROOT/smoke.img
"$BUILD/minboot-pack" -o "$img" --file "$BB:/bin/busybox" --file "$TMPROOT/check.sh:/check.sh" \
	--payload '/bin/busybox sh /check.sh one two' 2> "$TMPROOT/pack.log"
check "qemu: image packed" test -s "$img"

boot() { # boot NAME IMG APPEND [run options]
	out=$TMPROOT/$1.out
	n=$1 i=$2 a=$3; shift 3
	qemu-scripts/run --accel tcg -t 90 -q -i "$i" -a "$a" "$@" > "$out" 2>&1 < /dev/null
	rc=$?
}

boot args "$img" " FOO=leftover"
check "qemu: payload got its arguments" has "$out" "CHECK args=one two"
check "qemu: /proc mounted" has "$out" "CHECK mount /proc proc"
check "qemu: /sys mounted" has "$out" "CHECK mount /sys sysfs"
check "qemu: devtmpfs on /dev" has "$out" "CHECK mount /dev devtmpfs"
check "qemu: / writable" has "$out" "CHECK root-writable"
check "qemu: clean environment (no kernel leftovers)" has "$out" "CHECK env HOME=/ NOTIFY_SOCKET=/run/minboot/notify PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PWD=/ SHLVL=1 TERM=linux \\s*$"
check "qemu: QEMU exits by itself when the payload ends" test "$rc" = 0
check "qemu: no kernel panic" hasnt "$out" "Kernel panic"
grep 'CHECK uptime' "$out" | sed 's/^/  payload start, guest /'

# The default kernel is the uncompressed vmlinux (PVH entry) when scripts/deps could extract it;
# this boot takes the distribution's compressed vmlinuz (bzImage) through the firmware instead.
if [ -f "$KERNEL_DIR/vmlinux" ]; then
	check "qemu: the default kernel is the uncompressed vmlinux (PVH)" has "$TMPROOT/args.out" "MB, vmlinux): "
fi
boot override "$img" " loglevel=7 -- /bin/busybox sh /check.sh three" -k "$KERNEL_DIR/vmlinuz"
check "qemu: vmlinuz (bzImage) boots too" has "$out" "MB, vmlinuz): "
check "qemu: -- on the kernel command line overrides the arguments" has "$out" "CHECK args=three"
check "qemu: override run powers off" test "$rc" = 0
# qemu-scripts/run turns the kernel's crypto self-tests off; the kernel says it took the option
# (at KERN_INFO: this boot's loglevel=7 overrides run's quiet).
check "qemu: crypto self-tests off (cryptomgr.notests)" has "$out" "alg: self-tests disabled"

boot badparam "$img" " minboot.shutdown=explode"
check "qemu: bad parameter is explained" has "$out" "bad value for minboot.shutdown: 'explode'"
check "qemu: bad parameter powers off with status 125, no panic" sh -c "[ $rc = 125 ] && ! grep -q 'Kernel panic' '$out'"

"$BUILD/minboot-pack" -o "$TMPROOT/nopayload.img" --file "$BB:/bin/busybox" 2>/dev/null
boot nopayload "$TMPROOT/nopayload.img" ""
check "qemu: missing payload is explained" has "$out" "no payload"
check "qemu: missing payload powers off with status 125, no panic" sh -c "[ $rc = 125 ] && ! grep -q 'Kernel panic' '$out'"
t_done
