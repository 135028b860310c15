#!/bin/sh
# Supervision under QEMU/TCG with Debian's kernel: a crash loop ends with the payload's status as
# QEMU's own exit code (isa-debug-exit), and Debian's systemd-notify reaches the init.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "qemu-service: no kernel (make kernel)"; exit 1; }
BB=$(command -v busybox) || { fail "qemu-service: busybox-static missing"; exit 1; }
NOTIFY=$(command -v systemd-notify) || { fail "qemu-service: systemd-notify missing"; exit 1; }

"$BUILD/minboot-pack" -o "$TMPROOT/crash.img" --file "$BB:/bin/busybox" \
	--payload "/bin/busybox sh -c 'echo RUN; exit 3'" --set minboot.restart=on-failure \
	--set minboot.restart-delay=0.2 --set minboot.restart-max=2 2>/dev/null
out=$TMPROOT/crash.out
qemu-scripts/run --accel tcg -t 90 -i "$TMPROOT/crash.img" > "$out" 2>&1 < /dev/null
rc=$?
check "qemu-service: crash loop restarts the payload twice" test "$(grep -c '^RUN' "$out")" = 3
check "qemu-service: restart delays grow (200, 400 ms)" sh -c "grep -q 'in 200 ms' '$out' && grep -q 'in 400 ms' '$out'" 
check "qemu-service: the payload's status 3 is QEMU's exit code (got $rc)" test "$rc" = 3
check "qemu-service: fixed-format status line on the console" has "$out" "minboot: exit status 3"

"$BUILD/minboot-pack" -o "$TMPROOT/notify.img" --file "$BB:/bin/busybox" --file "$NOTIFY:/bin/systemd-notify" \
	--payload "/bin/busybox sh -c '/bin/systemd-notify --ready --status=serving; /bin/busybox sleep 0.5'" 2>/dev/null
out=$TMPROOT/notify.out
qemu-scripts/run --accel tcg -t 90 -i "$TMPROOT/notify.img" > "$out" 2>&1 < /dev/null
rc=$?
check "qemu-service: Debian's systemd-notify --ready is logged as readiness" has "$out" "] payload ready"
check "qemu-service: its STATUS= is logged" has "$out" "payload status: serving"
check "qemu-service: clean exit is status 0 (got $rc)" test "$rc" = 0
t_done
