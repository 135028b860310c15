#!/bin/sh
# --format erofs and squashfs under QEMU: the read-only root disk, found by its UUID (erofs's
# superblock; squashfs's MBID record), mounted by the small initramfs under a tmpfs overlay
# (minboot.root-overlay=1), so a payload writes to /, /etc, /var and /tmp; with minboot.root-overlay=0
# the root stays read-only.  The squashfs appliance's small initramfs is --compress lz4: the
# kernel unpacks the legacy lz4 frames.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "rofs: no kernel (make kernel)"; exit 1; }
kver=$(cat "$KERNEL_DIR/kver")
musl-gcc -static -Os -s -o "$TMPROOT/writer" tests/helpers/rofs-writer.c || { fail "rofs: payload build"; exit 1; }
for fs in erofs squashfs; do
	c=gzip; [ $fs = squashfs ] && c=lz4
	"$BUILD/minboot-pack" -o "$TMPROOT/app.$fs" --format $fs --compress $c --kernel-modules "$KERNEL_DIR/modules/$kver" \
		--kver "$kver" --file "$TMPROOT/writer:/writer" --payload /writer 2>"$TMPROOT/pack.$fs.err"
	check "rofs: $fs disk and initramfs written" sh -c "[ -s '$TMPROOT/app.$fs' ] && [ -s '$TMPROOT/app.$fs.initrd' ]" ||
		sed 's/^/  | /' "$TMPROOT/pack.$fs.err"
	qemu-scripts/run -m 128 -t 60 --root-disk "$TMPROOT/app.$fs" > "$TMPROOT/$fs.out" 2>&1 < /dev/null
	rc=$?
	check "rofs: $fs: the initramfs ($c) switched to the disk" has "$TMPROOT/$fs.out" "switch-root /dev/vda"
	check "rofs: $fs: / is an overlay over the $fs root at /.root-ro" sh -c \
		"grep -q 'mount: overlay / overlay' '$TMPROOT/$fs.out' && grep -q 'mount: /dev/vda /.root-ro $fs' '$TMPROOT/$fs.out'"
	check "rofs: $fs: the payload wrote to /, /etc, /var and /tmp" has "$TMPROOT/$fs.out" "ROFS-OK"
	check "rofs: $fs: clean power off (status $rc)" test "$rc" = 0
done
# the overlay off: the root read-only as the disk has it
qemu-scripts/run -m 128 -t 60 --root-disk "$TMPROOT/app.erofs" -a "minboot.root-overlay=0 ro" \
	> "$TMPROOT/ro.out" 2>&1 < /dev/null
check "rofs: minboot.root-overlay=0: / is the erofs disk, not writable" sh -c \
	"grep -q 'mount: /dev/vda / erofs' '$TMPROOT/ro.out' && ! grep -q ROFS-OK '$TMPROOT/ro.out'"
t_done
