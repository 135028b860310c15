#!/bin/sh
# PID-1 torture, once in a real VM (QEMU/TCG, Debian's kernel): after t-torture.sh did each case
# in a PID namespace, one boot with all of them in a row.  The image has a truncated module to
# load and an /etc/fstab whose first line is 1 MB of spaces; the command line carries garbage
# (as much as x86's 2 KiB command line leaves room for); the payload makes 1,000 orphans, a storm
# of 2,000 signals to PID 1, 200 KB on the console and a full /run, then, in a cgroup with
# pids.max and memory.max, a fork bomb and an OOM kill, and exits 7.  PID 1 must reap everything, power
# the VM off by itself and hand QEMU the payload's status; no kernel panic.
. tests/lib.sh
scripts/deps packages busybox-static qemu-system-x86 || { fail "qemu-torture: packages"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
[ -f "$KERNEL_DIR/vmlinuz" ] && [ -d "$KERNEL_DIR/modules/$KVER" ] || { skip "qemu-torture: no kernel (make kernel)"; exit 0; }
BB=$(command -v busybox) || { fail "qemu-torture: busybox-static missing"; exit 1; }

cat > "$TMPROOT/torture.sh" <<'S'
bb=/bin/busybox
trap '' USR1 USR2 HUP            # PID 1 forwards these to the payload's group
# 1,000 orphans: 20 subshells start 50 sleepers each and exit at once
for i in $($bb seq 20); do ( for j in $($bb seq 50); do $bb sleep 1 & done ) & done
wait
# a storm of signals to PID 1
for i in $($bb seq 1000); do kill -USR1 1; kill -HUP 1; done
echo STORM-DONE
# 200 KB on the console
$bb head -c 200000 /dev/zero | $bb tr '\0' 'x'; echo
# a full /run (made small first: the VM's RAM is not the point)
$bb mount -o remount,size=8m /run
$bb dd if=/dev/zero of=/run/fill bs=1M 2>&1 | $bb tail -n 1
$bb df /run | $bb tail -n 1
$bb rm -f /run/fill
# the rest in a cgroup with pids.max and memory.max
$bb mkdir -p /sys/fs/cgroup && $bb mount -t cgroup2 none /sys/fs/cgroup
echo "+pids +memory" > /sys/fs/cgroup/cgroup.subtree_control
$bb mkdir /sys/fs/cgroup/t
echo 120 > /sys/fs/cgroup/t/pids.max
echo 32M > /sys/fs/cgroup/t/memory.max
echo $$ > /sys/fs/cgroup/t/cgroup.procs
# a fork bomb, stopped by pids.max
( while :; do $bb sleep 5 & done ) 2> /tmp/bomb.err
echo "BOMB-STOPPED $($bb grep -c "can't fork" /tmp/bomb.err)"
# an OOM kill (a 64 MB buffer under memory.max=32M)
$bb dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
echo "OOM-STATUS $?"
$bb sleep 1.5
z=0
for f in /proc/[0-9]*/stat; do case "$($bb cat $f 2>/dev/null)" in *") Z "*) z=$((z+1)) ;; esac; done
echo "ZOMBIES=$z"
exit 7
S
T=$TMPROOT/tree/$KVER
mkdir -p "$T/kernel" "$TMPROOT/ov/etc"
head -c 6000 "$KERNEL_DIR/modules/$KVER/kernel/drivers/input/evdev.ko" > "$T/kernel/trunc.ko"
printf 'kernel/trunc.ko:\n' > "$T/modules.dep"
{ head -c 1048576 /dev/zero | tr '\0' ' '; printf '\ntmpfs /data tmpfs size=1m 0 0\n'; } > "$TMPROOT/ov/etc/fstab"
img=$TMPROOT/torture.img
"$BUILD/minboot-pack" -o "$img" --file "$BB:/bin/busybox" --file "$TMPROOT/torture.sh:/torture.sh" \
	--overlay "$TMPROOT/ov" --kernel-modules "$T" --kver "$KVER" --module-load trunc --no-power-button \
	--set minboot.stop-timeout=3 --payload '/bin/busybox sh /torture.sh' > "$TMPROOT/pack.log" 2>&1 ||
	{ fail "qemu-torture: pack"; cat "$TMPROOT/pack.log"; exit 1; }
# Garbage words (the kernel allows 32 for init's arguments and as many for its environment).
garbage=$(head -c 1200 /dev/urandom | base64 -w0 | tr '+/' '=.' | head -c 1200 | sed 's/.\{100\}/& /g')
out=$TMPROOT/torture.out
start=$(date +%s)
qemu-scripts/run --accel tcg -t 240 -m 256 --nic none -i "$img" -a "$garbage ip=garbage" \
	> "$out" 2>&1 < /dev/null
rc=$?
echo "  QEMU exited $rc after $(( $(date +%s) - start )) s"
grep -a 'BOMB\|STORM\|OOM\|ZOMBIES\|minboot: \(exit\|shutting\|module\|/etc/fstab\)' "$out" | sed 's/^/  | /'
check "qemu-torture: the truncated module is logged with a reason" grep -q "^minboot: module trunc: ." "$out"
check "qemu-torture: the 1 MB fstab line is skipped, the next line mounts" \
	sh -c "grep -q '/etc/fstab line 1: too long' '$out' && ! grep -q 'unable to mount.*/data' '$out'"
check "qemu-torture: garbage on the command line: the payload still runs" has "$out" "STORM-DONE"
check "qemu-torture: the fork bomb is stopped by pids.max" has "$out" "BOMB-STOPPED [1-9]"
check "qemu-torture: the OOM killer ended the 64 MB allocation" sh -c \
	"grep -q 'OOM-STATUS 137' '$out' && grep -qi 'out of memory' '$out'"
check "qemu-torture: /run filled up" has "$out" " 100% /run"
check "qemu-torture: every orphan reaped" has "$out" "ZOMBIES=0"
check "qemu-torture: PID 1 powers off by itself with the payload's status (QEMU exit $rc)" \
	sh -c "[ $rc = 7 ] && grep -q 'minboot: exit status 7' '$out'"
check "qemu-torture: no kernel panic" hasnt "$out" "Kernel panic"
t_done
