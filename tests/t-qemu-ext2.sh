#!/bin/sh
# --format ext2 under QEMU/TCG: the node appliance as a root disk plus a small initramfs; the init
# in the initramfs loads the disk's drivers, switches to the disk and its init runs node — in
# 128 MB of guest RAM, where the same appliance as an initramfs cannot even be unpacked.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "ext2: no kernel (make kernel)"; exit 1; }
command -v node >/dev/null || scripts/deps packages nodejs >/dev/null 2>&1
kver=$(cat "$KERNEL_DIR/kver")
payload="node -e 'console.log(\"NODE-OK\", require(\"fs\").readFileSync(\"/proc/mounts\", \"utf8\").split(\"\\n\").filter(l => l.split(\" \")[1] == \"/\")[0])'"
"$BUILD/minboot-pack" -o "$TMPROOT/app.ext2" --format ext2 --kernel-modules "$KERNEL_DIR/modules/$kver" \
	--kver "$kver" --module virtio_pci --module virtio_blk --module ext4 --payload "$payload" 2>/dev/null
check "ext2: disk and initramfs written" sh -c "[ -s '$TMPROOT/app.ext2' ] && [ -s '$TMPROOT/app.ext2.initrd' ]"
check "ext2: the disk is a clean ext2 filesystem" sh -c "e2fsck -fn '$TMPROOT/app.ext2' > /dev/null 2>&1"
qemu-scripts/run --accel tcg -m 128 -t 150 --root-disk "$TMPROOT/app.ext2" > "$TMPROOT/ext2.out" 2>&1 < /dev/null
rc=$?
check "ext2: the initramfs switched to the disk" has "$TMPROOT/ext2.out" "switch-root /dev/vda"
check "ext2: node runs from the disk in 128 MB (root is /dev/vda)" has "$TMPROOT/ext2.out" "NODE-OK /dev/vda / ext"
check "ext2: clean power off (status $rc)" test "$rc" = 0
"$BUILD/minboot-pack" -o "$TMPROOT/app.img" --payload "$payload" 2>/dev/null
qemu-scripts/run --accel tcg -m 128 -t 150 -i "$TMPROOT/app.img" > "$TMPROOT/initramfs.out" 2>&1 < /dev/null
rc=$?
check "ext2: the same appliance as an initramfs does not fit in 128 MB" sh -c "! grep -q 'NODE-OK' '$TMPROOT/initramfs.out'"
grep -m1 -o 'Out of memory.*\|Initramfs unpacking failed.*' "$TMPROOT/initramfs.out" | sed 's/^/  initramfs in 128 MB: /'
t_done
