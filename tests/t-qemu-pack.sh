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

# No hardware RNG (QEMU's defaults: no virtio-rng): a dynamically linked payload gets the kernel's
# CPU-jitter entropy source, which the init's CRNG helper reads and credits, so its blocking
# getrandom() returns within a fraction of a second of its start, not after the kernel's own
# second or more of timer jitter.  A static payload's image and --no-rng have none of it.
KVER=$(cat "$KERNEL_DIR/kver")
mods="--kernel-modules $KERNEL_DIR/modules/$KVER --kver $KVER --module e1000"
cat > "$TMPROOT/rng.c" <<'C'
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
int main(void)
{
	struct timespec a, b;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (getrandom(&c, 1, 0) != 1)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("RNG-OK waited %ld ms\n", (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
	return 0;
}
C
cc -O2 -o "$TMPROOT/rng" "$TMPROOT/rng.c"
"$PACK" -o "$TMPROOT/rng.img" $mods --file "$TMPROOT/rng:/rng" --payload /rng 2>/dev/null
"$PACK" -o "$TMPROOT/norng.img" $mods --no-rng --file "$TMPROOT/rng:/rng" --payload /rng 2>/dev/null
musl-gcc -static -O2 -o "$TMPROOT/rngs" "$TMPROOT/rng.c"
"$PACK" -o "$TMPROOT/rngs.img" $mods --file "$TMPROOT/rngs:/rng" --payload /rng 2>/dev/null
lst() { zcat "$1" | cpio -t --quiet 2>/dev/null | grep -c 'jitterentropy_rng.ko$\|algif_rng.ko$\|sha3_generic.ko$'; }
check "qemu-pack: a dynamically linked payload's image has the jitter source's modules, a static one's and --no-rng's none" \
	sh -c "[ $(lst "$TMPROOT/rng.img") = 3 ] && [ $(lst "$TMPROOT/rngs.img") = 0 ] && [ $(lst "$TMPROOT/norng.img") = 0 ]"
qemu-scripts/run --accel tcg -t 90 --no-rng -i "$TMPROOT/rng.img" > "$TMPROOT/rng.out" 2>&1 < /dev/null
w=$(sed -n 's/^RNG-OK waited \([0-9]*\) ms.*/\1/p' "$TMPROOT/rng.out")
echo "  getrandom() at the payload's start, no virtio-rng: waited ${w:-?} ms"
check "qemu-pack: no hardware RNG: the init seeds the CRNG from the jitter source" has "$TMPROOT/rng.out" "crng seeded jitterentropy_rng"
check "qemu-pack: ... and the payload's getrandom() waits less than 700 ms (got ${w:-none})" test "${w:-9999}" -lt 700

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
