#!/bin/sh
# The host's status channel and the UEFI formats under QEMU/TCG: the payload's READY=1, STATUS=
# and exit status read from the virtio-serial port org.minboot.status (direct kernel boot); a UKI
# and a disk image each booted by OVMF (qemu-scripts/run --uefi, one boot each: OVMF under TCG
# takes seconds) to the payload, its exit status taken from that port; a disk with a root
# partition switching to it; the same over AF_VSOCK, inside the guest (its loopback transport) and
# to the host where it has /dev/vhost-vsock.
. tests/lib.sh
PACK=$BUILD/minboot-pack
BB=$(command -v busybox) || { fail "qemu-uefi: busybox-static missing"; exit 1; }
NOTIFY=$(command -v systemd-notify) || { fail "qemu-uefi: systemd-notify missing (package systemd)"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
[ -f "$KERNEL_DIR/vmlinuz" ] && [ -d "$KERNEL_DIR/modules/$KVER" ] || { fail "qemu-uefi: no kernel (make kernel)"; exit 1; }
scripts/deps packages ovmf systemd-boot-efi dosfstools mtools fdisk binutils > "$TMPROOT/deps.log" 2>&1 ||
	{ fail "qemu-uefi: packages: $(tail -n1 "$TMPROOT/deps.log")"; exit 1; }
MODS="--kernel-modules $KERNEL_DIR/modules/$KVER --kver $KVER --module virtio_pci"
# The UKI's command line is its own: it asks for the status port (cryptomgr.notests: see run)
CMDLINE="console=ttyS0 panic=-1 cryptomgr.notests minboot.exit=virtio-serial"

# 1. The channel by itself, direct kernel boot: Debian's systemd-notify, then exit 3.
"$PACK" -o "$TMPROOT/st.img" $MODS --file "$BB:/bin/busybox" --file "$NOTIFY:/bin/systemd-notify" \
	--payload "/bin/busybox sh -c '/bin/systemd-notify --ready --status=serving; /bin/busybox sleep 0.3; exit 3'" 2>/dev/null
qemu-scripts/run --accel tcg -t 90 -i "$TMPROOT/st.img" --status-log "$TMPROOT/st.log" > "$TMPROOT/st.out" 2>&1 < /dev/null
rc=$?
check "status port: READY=1, STATUS=serving and EXIT_STATUS=3 in the order sent, sd_notify's format" \
	sh -c "[ \"\$(tr '\n' ' ' < '$TMPROOT/st.log')\" = 'READY=1 STATUS=serving EXIT_STATUS=3 ' ]" ||
	{ sed 's/^/  port | /' "$TMPROOT/st.log"; grep -a 'minboot' "$TMPROOT/st.out" | tail -n 12 | sed 's/^/  | /'; }
check "status port: run's exit status is the payload's, read from the port (got $rc)" test "$rc" = 3
check "status port: the init loaded virtio_console for it" has "$TMPROOT/st.out" "module virtio_console"

# 2. A UKI, booted by OVMF from a FAT drive as \EFI\BOOT\BOOTX64.EFI.
"$PACK" -o "$TMPROOT/app.efi" --format uki --kernel "$KERNEL_DIR/vmlinuz" $MODS --file "$BB:/bin/busybox" \
	--cmdline "$CMDLINE" --payload "/bin/busybox sh -c 'echo UKI-PAYLOAD-UP; exit 4'" 2>/dev/null
t0=$(date +%s)
qemu-scripts/run --uefi --accel tcg -t 150 -i "$TMPROOT/app.efi" > "$TMPROOT/uki.out" 2>&1 < /dev/null
rc=$?
check "uki: OVMF boots the UKI to its payload ($(( $(date +%s) - t0 )) s)" has "$TMPROOT/uki.out" UKI-PAYLOAD-UP
check "uki: the kernel got the UKI's own command line" has "$TMPROOT/uki.out" "Command line: $CMDLINE"
check "uki: the exit status (4) from the status port (got $rc)" test "$rc" = 4

# 3. A disk image: the firmware finds the ESP and its \EFI\BOOT\BOOTX64.EFI itself.
"$PACK" -o "$TMPROOT/app.raw" --format disk --kernel "$KERNEL_DIR/vmlinuz" $MODS --file "$BB:/bin/busybox" \
	--cmdline "$CMDLINE" --payload "/bin/busybox sh -c 'echo DISK-PAYLOAD-UP; exit 5'" 2>/dev/null
cp "$TMPROOT/app.raw" "$TMPROOT/app.raw.before"
t0=$(date +%s)
qemu-scripts/run --uefi --accel tcg -t 150 -i "$TMPROOT/app.raw" > "$TMPROOT/disk.out" 2>&1 < /dev/null
rc=$?
check "disk: OVMF boots the disk image to its payload ($(( $(date +%s) - t0 )) s)" has "$TMPROOT/disk.out" DISK-PAYLOAD-UP
check "disk: the exit status (5) from the status port (got $rc)" test "$rc" = 5
check "disk: the image is left unchanged (copy-on-write)" cmp -s "$TMPROOT/app.raw" "$TMPROOT/app.raw.before"
rm -f "$TMPROOT/app.raw.before"

# 4. A disk with the root filesystem in its own partition: the UKI's small initramfs switches to it.
"$PACK" -o "$TMPROOT/root.raw" --format disk --root-partition yes --kernel "$KERNEL_DIR/vmlinuz" $MODS \
	--module virtio_blk --module ext4 --file "$BB:/bin/busybox" --cmdline "$CMDLINE" \
	--payload "/bin/busybox sh -c '/bin/busybox grep \" / \" /proc/mounts; exit 6'" 2>/dev/null
t0=$(date +%s)
qemu-scripts/run --uefi --accel tcg -t 150 -i "$TMPROOT/root.raw" > "$TMPROOT/root.out" 2>&1 < /dev/null
rc=$?
check "disk: with a root partition, the payload runs from it ($(( $(date +%s) - t0 )) s; / is /dev/vda2)" \
	has "$TMPROOT/root.out" "^/dev/vda2 / ext4"
check "disk: ... and its exit status (6) still comes from the status port (got $rc)" test "$rc" = 6

# 5. AF_VSOCK (systemd's vmm.notify_socket address).  Inside the guest, with no host device: the
# kernel's own loopback transport (vsock_loopback, CID 1) and a listener in the payload's session
# (socat, sequenced packets): plain "vsock:" tries datagrams, which virtio's transports lack, then
# sequenced packets, as systemd does.
SOCAT=$(command -v socat) || { fail "qemu-uefi: socat missing"; exit 1; }
cat > "$TMPROOT/vl.sh" <<'EOF'
/usr/bin/socat -u VSOCK-LISTEN:1234,type=5 OPEN:/tmp/v.log,creat &
/bin/busybox sleep 1
/bin/systemd-notify --ready --status=over-vsock
/bin/busybox sleep 1
echo "VSOCK-GOT: $(/bin/busybox tr '\n' ' ' < /tmp/v.log)"
EOF
"$PACK" -o "$TMPROOT/vl.img" --kernel-modules "$KERNEL_DIR/modules/$KVER" --kver "$KVER" --module-load vsock_loopback \
	--file "$BB:/bin/busybox" --file "$NOTIFY:/bin/systemd-notify" --file "$SOCAT:/usr/bin/socat" \
	--file "$TMPROOT/vl.sh:/vl.sh" --set minboot.exit=vsock:1:1234 --payload "/bin/busybox sh /vl.sh" 2>/dev/null
qemu-scripts/run --accel tcg -t 90 -i "$TMPROOT/vl.img" --no-exit-code > "$TMPROOT/vl.out" 2>&1 < /dev/null
check "vsock: minboot.exit=vsock:1:1234 reaches a listener over the guest's loopback transport" \
	has "$TMPROOT/vl.out" "VSOCK-GOT: READY=1 STATUS=over-vsock "

# 6. The same to the host, only where the host can offer it.
if [ ! -c /dev/vhost-vsock ]; then
	skip "vsock: minboot.exit=vsock-stream:2:PORT not booted: this host has no /dev/vhost-vsock"
elif ! socat -V 2>/dev/null | grep -q VSOCK; then
	skip "vsock: socat without VSOCK support"
else
	"$PACK" -o "$TMPROOT/vs.img" $MODS --module vmw_vsock_virtio_transport --file "$BB:/bin/busybox" \
		--file "$NOTIFY:/bin/systemd-notify" \
		--payload "/bin/busybox sh -c '/bin/systemd-notify --ready; exit 7'" 2>/dev/null
	port=$((20000 + $$ % 10000))
	socat -u "VSOCK-LISTEN:$port" "OPEN:$TMPROOT/vs.log,creat" & lp=$!
	qemu-scripts/run --accel tcg -t 90 -i "$TMPROOT/vs.img" --no-exit-code -a "minboot.exit=vsock-stream:2:$port" \
		-- -device "vhost-vsock-pci,guest-cid=$((3 + $$ % 1000))" > "$TMPROOT/vs.out" 2>&1 < /dev/null
	sleep 1; kill "$lp" 2>/dev/null
	check "vsock: READY=1 and EXIT_STATUS=7 reach the host's listener" \
		sh -c "grep -qx READY=1 '$TMPROOT/vs.log' && grep -qx EXIT_STATUS=7 '$TMPROOT/vs.log'"
fi
t_done
