#!/bin/sh
# Images from the packer's other inputs and formats boot Debian's kernel under QEMU/TCG:
# --package busybox-static, a supermin-style hostfiles/excludefiles appliance, the iso format.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "qemu-pack: no kernel (make kernel)"; exit 1; }
PACK=$BUILD/minboot-pack

# (packed with zstd: the kernel unpacks zstd initramfs segments too)
"$PACK" -o "$TMPROOT/pkg.img" --compress zstd --package busybox-static --payload "/bin/busybox sh -c 'echo PKG-OK \$(/bin/busybox ls /usr/share/doc 2>&1 | /bin/busybox head -c 40)'" 2>/dev/null
qemu-scripts/run --accel tcg -q -t 90 -i "$TMPROOT/pkg.img" > "$TMPROOT/pkg.out" 2>&1 < /dev/null
rc=$?
check "qemu-pack: --package busybox-static appliance (zstd) boots to its payload" has "$TMPROOT/pkg.out" "PKG-OK"
check "qemu-pack: ... and powers off with status 0 (got $rc)" test "$rc" = 0

# supermin's way: the host's own files by glob, documentation excluded.
printf '/bin/busybox\n/etc/debian_version\n/usr/share/doc/busybox-static/*\n' > "$TMPROOT/hostfiles"
printf -- '-/usr/share/doc/*\n' > "$TMPROOT/excludefiles"
"$PACK" -o "$TMPROOT/hf.img" --hostfiles "$TMPROOT/hostfiles" --excludefiles "$TMPROOT/excludefiles" \
	--payload "/bin/busybox sh -c 'echo HF-OK debian=\$(/bin/busybox cat /etc/debian_version) doc=\$(/bin/busybox ls /usr/share/doc/busybox-static 2>/dev/null | /bin/busybox wc -l)'" 2>/dev/null
qemu-scripts/run --accel tcg -q -t 90 -i "$TMPROOT/hf.img" > "$TMPROOT/hf.out" 2>&1 < /dev/null
check "qemu-pack: hostfiles/excludefiles appliance boots" has "$TMPROOT/hf.out" "HF-OK debian=$(cat /etc/debian_version) doc=0"

# The iso format: El Torito with isolinux, booted as a CD-ROM.
if scripts/deps packages xorriso isolinux syslinux-common >/dev/null 2>&1 || [ -f /usr/lib/ISOLINUX/isolinux.bin ]; then
	"$PACK" -o "$TMPROOT/a.iso" --format iso --kernel "$KERNEL_DIR/vmlinuz" --package busybox-static \
		--payload "/bin/busybox echo ISO-OK" 2>/dev/null
	timeout 120 qemu-system-x86_64 -accel tcg -m 256 -no-reboot -display none -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$TMPROOT/a.iso" > "$TMPROOT/iso.out" 2>&1 < /dev/null
	check "qemu-pack: --format iso boots from a CD-ROM" has "$TMPROOT/iso.out" "ISO-OK"
	"$PACK" -o "$TMPROOT/b.iso" --format iso --kernel "$KERNEL_DIR/vmlinuz" --package busybox-static \
		--payload "/bin/busybox echo ISO-OK" 2>/dev/null
	check "qemu-pack: the iso is reproducible" cmp -s "$TMPROOT/a.iso" "$TMPROOT/b.iso"
else
	fail "qemu-pack: xorriso/isolinux cannot be installed"
fi
t_done
