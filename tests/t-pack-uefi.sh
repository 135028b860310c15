#!/bin/sh
# --format uki and --format disk without booting them: the UKI's PE sections (order, page-aligned
# VMAs after the stub's, their contents, the header's time), the disk's GPT (fixed GUIDs, the
# ESP's FAT holding that same UKI as \EFI\BOOT\BOOTX64.EFI, a clean fsck), the root partition
# variant, --disk-size, byte-identical repacks, refused inputs, and virtio_console in images
# with virtio (not in the minimal e1000 one).  The boots are in t-qemu-uefi.sh.
. tests/lib.sh
PACK=$BUILD/minboot-pack
BB=$(command -v busybox) || { fail "pack-uefi: busybox-static missing"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
[ -f "$KERNEL_DIR/vmlinuz" ] && [ -d "$KERNEL_DIR/modules/$KVER" ] || { fail "pack-uefi: no kernel (make kernel)"; exit 1; }
scripts/deps packages systemd-boot-efi dosfstools mtools fdisk binutils e2fsprogs > "$TMPROOT/deps.log" 2>&1 ||
	{ fail "pack-uefi: packages: $(tail -n1 "$TMPROOT/deps.log")"; exit 1; }
K=$KERNEL_DIR/vmlinuz
MODS="--kernel-modules $KERNEL_DIR/modules/$KVER --kver $KVER"
CMDLINE="console=ttyS0 panic=-1 minboot.exit=virtio-serial"
pack() { # pack OUT FORMAT [ARGS...]: the same appliance each time
	out=$1 fmt=$2; shift 2
	"$PACK" -o "$out" --format "$fmt" --kernel "$K" $MODS --module virtio_pci --file "$BB:/bin/busybox" \
		--cmdline "$CMDLINE" --payload "/bin/busybox echo UP" "$@"
}
section() { objcopy -O binary --only-section="$2" "$1" "$TMPROOT/sec" 2>/dev/null && cat "$TMPROOT/sec"; }

# ---- UKI ----
pack "$TMPROOT/a.efi" uki 2> "$TMPROOT/uki.err"
check "uki: written" sh -c "[ -s '$TMPROOT/a.efi' ]" || sed 's/^/  | /' "$TMPROOT/uki.err"
objdump -h "$TMPROOT/a.efi" > "$TMPROOT/h" 2>&1
check "uki: a PE32+ EFI application (objdump)" sh -c "grep -q 'file format pei-x86-64' '$TMPROOT/h' &&
	objdump -p '$TMPROOT/a.efi' | grep -q 'Subsystem.*(EFI application)'"
awk '$2 ~ /^\./ { print $2, $3, $4 }' "$TMPROOT/h" > "$TMPROOT/secs"
check "uki: .osrel .cmdline .uname .initrd .linux after the stub's sections, in ukify's order" \
	sh -c "awk '{print \$1}' '$TMPROOT/secs' | tr '\n' ' ' | grep -q '.sdmagic .osrel .cmdline .uname .initrd .linux $'"
# each added section on a page of its own, after the one before
aligned=1 end=0
while read -r name size vma; do
	v=$(printf '%d' "0x$vma") z=$(printf '%d' "0x$size")
	case $name in .osrel|.cmdline|.uname|.initrd|.linux) [ $((v % 4096)) = 0 ] && [ "$v" -ge "$end" ] || aligned=0 ;; esac
	end=$((v + z))
done < "$TMPROOT/secs"
check "uki: each added section page-aligned, above the end of the one before" test $aligned = 1
check "uki: .cmdline is --cmdline" test "$(section "$TMPROOT/a.efi" .cmdline)" = "$CMDLINE"
check "uki: .uname is the kernel's version ($KVER)" test "$(section "$TMPROOT/a.efi" .uname)" = "$KVER"
check "uki: .osrel is minboot's os-release" sh -c "objcopy -O binary --only-section=.osrel '$TMPROOT/a.efi' '$TMPROOT/osrel' && grep -qx 'ID=minboot' '$TMPROOT/osrel'"
check "uki: .linux is the kernel, byte for byte" sh -c "objcopy -O binary --only-section=.linux '$TMPROOT/a.efi' '$TMPROOT/linux' && cmp -s '$TMPROOT/linux' '$K'"
objcopy -O binary --only-section=.initrd "$TMPROOT/a.efi" "$TMPROOT/initrd"
mkdir "$TMPROOT/ir" && (cd "$TMPROOT/ir" && gzip -dc ../initrd | cpio -idm --quiet 2>/dev/null)
check "uki: .initrd is the image (init, busybox, virtio_console)" sh -c "cmp -s '$BUILD/minboot-init' '$TMPROOT/ir/init' &&
	[ -f '$TMPROOT/ir/bin/busybox' ] && find '$TMPROOT/ir/lib/modules' -name virtio_console.ko | grep -q ."
check "uki: the PE header's time is SOURCE_DATE_EPOCH (0), not the time of the pack" \
	sh -c "objdump -p '$TMPROOT/a.efi' | grep -q 'Time/Date.*Jan  1 00:00:00 1970'"
check "uki: mode 0644 like every output" test "$(stat -c %a "$TMPROOT/a.efi")" = 644
# Reproducible: another cache, later, another umask and time zone.
sleep 1
(umask 077; TZ=America/New_York XDG_CACHE_HOME=$TMPROOT/cache2 pack "$TMPROOT/b.efi" uki 2>/dev/null)
check "uki: two packs are byte-identical" cmp -s "$TMPROOT/a.efi" "$TMPROOT/b.efi"
SOURCE_DATE_EPOCH=1700000000 pack "$TMPROOT/t.efi" uki 2>/dev/null
check "uki: SOURCE_DATE_EPOCH sets the PE header's time" sh -c "objdump -p '$TMPROOT/t.efi' | grep -q 'Time/Date.*Nov 14 22:13:20 2023'"
# the image's own os-release wins, through its symlink
mkdir -p "$TMPROOT/ovl/etc" "$TMPROOT/ovl/usr/lib"
printf 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' > "$TMPROOT/ovl/usr/lib/os-release"
ln -s ../usr/lib/os-release "$TMPROOT/ovl/etc/os-release"
pack "$TMPROOT/o.efi" uki --overlay "$TMPROOT/ovl" 2>/dev/null
check "uki: the image's own os-release (/etc/os-release -> ../usr/lib/os-release) is .osrel" \
	sh -c "objcopy -O binary --only-section=.osrel '$TMPROOT/o.efi' '$TMPROOT/osrel' && grep -qx 'ID=debian' '$TMPROOT/osrel'"
pack "$TMPROOT/d.efi" uki --cmdline "console=ttyS0" 2>/dev/null
check "uki: another --cmdline, another image" sh -c "! cmp -s '$TMPROOT/a.efi' '$TMPROOT/d.efi'"

refuse() { # refuse NAME MESSAGE ARGS...
	name=$1 msg=$2; shift 2
	"$PACK" -o "$TMPROOT/r.out" "$@" > "$TMPROOT/refuse.err" 2>&1
	check "$name (status $?)" sh -c "[ ! -e '$TMPROOT/r.out' ] && grep -q -- '$msg' '$TMPROOT/refuse.err'" ||
		sed 's/^/  | /' "$TMPROOT/refuse.err"
}
refuse "uki: refused without --kernel" "needs --kernel FILE" --format uki --file "$BB:/bin/busybox"
refuse "uki: an ELF vmlinux refused: systemd-stub boots bzImages" "not a bzImage" --format uki --kernel "$BUILD/minboot-init"
refuse "uki: a --cmdline the init would refuse is refused" "bad value for minboot.exit" --format uki --kernel "$K" \
	--cmdline "minboot.exit=serial"

# ---- disk ----
pack "$TMPROOT/a.raw" disk 2> "$TMPROOT/disk.err"
check "disk: written" sh -c "[ -s '$TMPROOT/a.raw' ]" || sed 's/^/  | /' "$TMPROOT/disk.err"
sfdisk -d "$TMPROOT/a.raw" > "$TMPROOT/gpt" 2>&1
check "disk: a GPT with one EFI system partition at 1 MiB" sh -c "grep -q '^label: gpt' '$TMPROOT/gpt' &&
	[ \$(grep -c 'start=' '$TMPROOT/gpt') = 1 ] && grep -q 'start= *2048, .*type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B' '$TMPROOT/gpt'"
check "disk: sfdisk --verify finds nothing wrong" sh -c "sfdisk --verify '$TMPROOT/a.raw' 2>&1 | grep -q 'No errors detected'"
dd if="$TMPROOT/a.raw" of="$TMPROOT/esp" bs=1M skip=1 count=64 status=none
check "disk: the ESP is a clean FAT32 (fsck.fat)" sh -c "fsck.fat -n '$TMPROOT/esp' > '$TMPROOT/fsck' 2>&1 &&
	file -s '$TMPROOT/esp' | grep -q 'FAT (32 bit)'"
MTOOLSRC=/dev/null mcopy -n -i "$TMPROOT/esp" ::/EFI/BOOT/BOOTX64.EFI "$TMPROOT/boot.efi" 2>/dev/null
check "disk: \\EFI\\BOOT\\BOOTX64.EFI is the UKI --format uki writes, byte for byte" cmp -s "$TMPROOT/boot.efi" "$TMPROOT/a.efi"
check "disk: sparse (the ESP's free space takes no room)" sh -c "[ \$(du -k '$TMPROOT/a.raw' | cut -f1) -lt \$(( \$(stat -c %s '$TMPROOT/a.raw') / 2048 )) ]"
sleep 1
(umask 077; TZ=Asia/Tokyo XDG_CACHE_HOME=$TMPROOT/cache3 pack "$TMPROOT/b.raw" disk 2>/dev/null)
check "disk: two packs are byte-identical (GUIDs, FAT serial and times fixed)" cmp -s "$TMPROOT/a.raw" "$TMPROOT/b.raw"
pack "$TMPROOT/c.raw" disk --cmdline "console=ttyS0" 2>/dev/null
check "disk: other contents, other disk and partition GUIDs" sh -c "[ \"\$(sfdisk -d '$TMPROOT/c.raw' | grep -o 'uuid=[^,]*' | sort)\" != \"\$(grep -o 'uuid=[^,]*' '$TMPROOT/gpt' | sort)\" ]"
pack "$TMPROOT/s.raw" disk --disk-size 1G 2>/dev/null
check "disk: --disk-size 1G: 1 GiB, the backup GPT at its end" sh -c "[ \$(stat -c %s '$TMPROOT/s.raw') = 1073741824 ] &&
	sfdisk --verify '$TMPROOT/s.raw' 2>&1 | grep -q 'No errors detected' && sfdisk -d '$TMPROOT/s.raw' | grep -q 'last-lba: 2097118'"
refuse "disk: --disk-size smaller than the partitions is refused" "the partitions need" --format disk --kernel "$K" --disk-size 10M

# the root filesystem in a partition of its own: refused without the drivers to mount it
refuse "disk: a root partition without the disk's driver and ext4 is refused, naming them" "driver and ext4 to mount it" \
	--format disk --kernel "$K" $MODS --module virtio_pci --root-partition yes --file "$BB:/bin/busybox"
pack "$TMPROOT/r.raw" disk --root-partition yes --module virtio_blk --module ext4 2> "$TMPROOT/root.err"
sfdisk -d "$TMPROOT/r.raw" > "$TMPROOT/rgpt" 2>&1
check "disk: --root-partition yes: a second partition, Linux root (x86-64)" \
	grep -q 'r.raw2 : .*type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709' "$TMPROOT/rgpt" || sed 's/^/  | /' "$TMPROOT/root.err"
start=$(sed -n 's/.*r.raw2 : start= *\([0-9]*\), size= *\([0-9]*\).*/\1/p' "$TMPROOT/rgpt")
size=$(sed -n 's/.*r.raw2 : start= *\([0-9]*\), size= *\([0-9]*\).*/\2/p' "$TMPROOT/rgpt")
dd if="$TMPROOT/r.raw" of="$TMPROOT/root" bs=512 skip="$start" count="$size" status=none 2>/dev/null
check "disk: the root partition is a clean ext2 holding the payload" sh -c "e2fsck -fn '$TMPROOT/root' > /dev/null 2>&1 &&
	debugfs -R 'stat /bin/busybox' '$TMPROOT/root' 2>/dev/null | grep -q 'Type: regular'"
uuid=$(dumpe2fs -h "$TMPROOT/root" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p')
dd if="$TMPROOT/r.raw" of="$TMPROOT/resp" bs=1M skip=1 count=64 status=none
MTOOLSRC=/dev/null mcopy -n -i "$TMPROOT/resp" ::/EFI/BOOT/BOOTX64.EFI "$TMPROOT/r.efi" 2>/dev/null
objcopy -O binary --only-section=.initrd "$TMPROOT/r.efi" "$TMPROOT/rinitrd" 2>/dev/null
mkdir "$TMPROOT/rir" && (cd "$TMPROOT/rir" && gzip -dc ../rinitrd | cpio -idm --quiet 2>/dev/null)
check "disk: the UKI's small initramfs mounts that partition (root=UUID=$uuid), without the payload" sh -c "
	[ -n '$uuid' ] && grep -qx 'root=UUID=$uuid' '$TMPROOT/rir/etc/minboot.conf' && [ ! -e '$TMPROOT/rir/bin/busybox' ] &&
	find '$TMPROOT/rir/lib/modules' -name virtio_blk.ko | grep -q ."
XDG_CACHE_HOME=$TMPROOT/cache4 pack "$TMPROOT/r2.raw" disk --root-partition yes --module virtio_blk --module ext4 2>/dev/null
check "disk: with a root partition, two packs are byte-identical" cmp -s "$TMPROOT/r.raw" "$TMPROOT/r2.raw"

# virtio_console comes with virtio, not with e1000 alone (the minimal appliance)
"$PACK" --print -o x $MODS --module e1000 --file "$BB:/bin/busybox" 2>/dev/null > "$TMPROOT/e1000"
check "pack: no virtio_console in an image without virtio" sh -c "! grep -q virtio_console '$TMPROOT/e1000' && grep -q e1000.ko '$TMPROOT/e1000'"
t_done
