#!/bin/sh
# The ACPI power button under QEMU/TCG: QMP system_powerdown while the payload appends lines to
# a file on an ext4 virtio disk mounted from /etc/fstab (no sync).  The payload's SIGTERM handler
# must run to completion, the VM must power off by itself, e2fsck -fn must find the disk clean,
# and no written line may be lost.  The payload counts a line as written once its echo has
# returned; a TERM arriving between that echo and the count leaves one line more on disk than
# the payload reports, which is not a loss.  The payload is busy (a shell loop appending lines
# as fast as it can): the button's drivers, which load after its start at a low priority, are
# in within a bounded time all the same.  Then an idle payload: the drivers load after its start,
# the init's "power button watched" mark comes after them (after the button's driver has installed
# its ACPI event handler, which it does after making the input device), and a press from then on
# is seen.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "powerdown: no kernel (make kernel)"; exit 1; }
BB=$(command -v busybox) || { fail "powerdown: busybox-static missing"; exit 1; }
kver=$(cat "$KERNEL_DIR/kver")
disk=$TMPROOT/data.img
truncate -s 64M "$disk" && mkfs.ext4 -q -F "$disk" || { fail "powerdown: mkfs.ext4"; exit 1; }
mkdir -p "$TMPROOT/ov/etc"
printf '/dev/vda /data ext4 defaults 0 2\n' > "$TMPROOT/ov/etc/fstab"
cat > "$TMPROOT/writer.sh" <<'S'
n=0
trap 'echo "stop $n" >> /data/log; echo "STOPPED after line $n"; exit 0' TERM
echo READY
while :; do
	echo "line $((n + 1))" >> /data/log
	n=$((n + 1))
	[ $((n % 200)) = 0 ] && echo "WROTE $n"
done
S
"$BUILD/minboot-pack" -o "$TMPROOT/pd.img" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" \
	--module virtio_pci --module virtio_blk --module ext4 --overlay "$TMPROOT/ov" \
	--file "$BB:/bin/busybox" --file "$TMPROOT/writer.sh:/writer.sh" --payload '/bin/busybox sh /writer.sh' \
	2> "$TMPROOT/pack.err" || { cat "$TMPROOT/pack.err"; fail "powerdown: pack"; exit 1; }
out=$TMPROOT/pd.out
sock=$TMPROOT/qmp.sock
qemu-scripts/run --accel tcg -t 180 -i "$TMPROOT/pd.img" --disk "$disk" --qmp "$sock" > "$out" 2>&1 < /dev/null &
qemu=$!
i=0
# The button's drivers load after the payload has started; the init watches the button once
# they are in ("power button watched" in the timeline).  A press before that is not seen: the
# kernel clears the ACPI event when the button driver loads, and evdev keeps no events for a
# reader that opens it later.
while [ $i -lt 1200 ] && ! { grep -q "WROTE 400" "$out" && grep -q "power button watched" "$out"; }; do sleep 0.1; i=$((i + 1)); done
check "powerdown: the payload writes to the fstab disk" has "$out" "WROTE 400"
check "powerdown: beside a busy payload the init watches the button (within 120 s)" has "$out" "power button watched"
grep -E 'payload start|late modules|power button watched|now at the payload' "$out" | sed 's/^/  /'
t0=$(date +%s%N)
check "powerdown: QEMU ran system_powerdown (QMP)" qemu-scripts/qmp "$sock" system_powerdown
wait $qemu; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "powerdown: the init saw the power button" has "$out" "power button pressed"
check "powerdown: the payload's SIGTERM handler ran to the end" has "$out" "STOPPED after line"
check "powerdown: the VM powered off by itself with status 0 (got $rc)" test "$rc" = 0
echo "  power button -> QEMU exit: $ms ms (TCG)"
check "powerdown: e2fsck -fn finds the disk clean" sh -c "e2fsck -fn '$disk' > '$TMPROOT/fsck' 2>&1 || { cat '$TMPROOT/fsck'; false; }"
debugfs -R "cat /log" "$disk" > "$TMPROOT/log" 2>/dev/null
last=$(sed -n 's/^STOPPED after line \([0-9]*\).*/\1/p' "$out" | tr -d '\r' | head -n 1)
check "powerdown: the payload's SIGTERM handler ran once (one signal, to its process group)" \
	test "$(grep -c '^STOPPED after line' "$out")" = 1
lines=$(grep -c '^line ' "$TMPROOT/log")
upto=$(( ${last:-0} + 1 ))
check "powerdown: no line lost ($lines lines on disk, the payload wrote $last)" sh -c "[ -n '$last' ] && [ '$lines' -ge '$last' ] && [ '$lines' -le '$upto' ] && tail -n 1 '$TMPROOT/log' | grep -qx 'stop $last' && awk '/^line /{ if (\$2 != NR) exit 1 }' '$TMPROOT/log'" || tail -n 3 "$TMPROOT/log"

# An idle payload: the drivers (button, evdev) load after its start, off the critical path, and
# the init watches the button once they are in.
# Until the init's mark the payload keeps the CPU busy (the helper, at a low priority, is then
# preempted wherever it is), and at the mark it reads the kernel's state of the ACPI power button
# event: its handler must be in ("enabled"), or a press from then on would be lost.
cat > "$TMPROOT/idle.sh" <<'S'
trap 'echo "IDLE STOPPED"; exit 0' TERM
( while :; do :; done ) &
spin=$!
while ! /bin/busybox grep -q "power button watched" /run/minboot/timeline; do :; done
echo "ACPI power button at the mark: $(/bin/busybox cat /sys/firmware/acpi/interrupts/ff_pwr_btn)"
kill $spin
echo IDLE READY
while :; do /bin/busybox sleep 1; done
S
"$BUILD/minboot-pack" -o "$TMPROOT/early.img" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" \
	--module e1000 --file "$BB:/bin/busybox" --file "$TMPROOT/idle.sh:/idle.sh" \
	--payload '/bin/busybox sh /idle.sh' 2> "$TMPROOT/pack.err" || { cat "$TMPROOT/pack.err"; fail "powerdown: pack"; exit 1; }
out=$TMPROOT/early.out
sock=$TMPROOT/qmp2.sock
qemu-scripts/run --accel tcg -t 180 -i "$TMPROOT/early.img" --qmp "$sock" > "$out" 2>&1 < /dev/null &
qemu=$!
i=0
while [ $i -lt 1200 ] && ! { grep -q "IDLE READY" "$out" && grep -q "power button watched" "$out"; }; do sleep 0.1; i=$((i + 1)); done
check "powerdown: the idle payload started" has "$out" "IDLE READY"
check "powerdown: when the init watches the button, the kernel's ACPI power button event is enabled" \
	has "$out" "^ACPI power button at the mark: .* enabled"
check "powerdown: QEMU ran system_powerdown (QMP)" qemu-scripts/qmp "$sock" system_powerdown
wait $qemu; rc=$?
# after the payload's start: a line matching $1 (the helper's and PID 1's marks are printed as
# they come, so a module's mark may follow the button's "watched")
after_start() { tr -d '\r' < "$out" | sed -n '/payload start/,$p' | grep -q "$1"; }
check "powerdown: button and evdev loaded after the payload started, the button watched then" eval \
	'after_start "module button" && after_start "module evdev" && after_start "power button watched"'
check "powerdown: pressed once watched, the button powered the VM off (status $rc)" sh -c "grep -q 'power button pressed' '$out' && grep -q 'IDLE STOPPED' '$out' && [ $rc = 0 ]"
grep -E 'payload start|module|power button' "$out" | sed 's/^/  /'
t_done
