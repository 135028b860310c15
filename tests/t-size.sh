#!/bin/sh
# The init is one static binary of at most 160 KiB (the size budget); a change that grows it
# past the budget fails here rather than in a benchmark.
. tests/lib.sh
size=$(stat -c %s "$BUILD/minboot-init")
check "size: minboot-init is statically linked" sh -c "file '$BUILD/minboot-init' | grep -q 'statically linked'"
check "size: minboot-init is $size bytes, at most 163840 (160 KiB)" test "$size" -le 163840

# The minimal appliance (issue: speed and size): the init, e1000 (with button and evdev, which
# every image with modules gets for the power button) and a static payload, at most 200 KB.
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
if [ -d "$KERNEL_DIR/modules/$KVER" ]; then
	musl-gcc -static -Os -s -o "$TMPROOT/mark" bench/mark.c
	"$BUILD/minboot-pack" -o "$TMPROOT/min.img" --kernel-modules "$KERNEL_DIR/modules/$KVER" --kver "$KVER" \
		--module e1000 --file "$TMPROOT/mark:/mark" --payload /mark 2>/dev/null
	size=$(stat -c %s "$TMPROOT/min.img")
	check "size: minimal appliance (init, e1000, button, evdev, static payload) is $size bytes, at most 204800" \
		test "$size" -le 204800
else
	skip "size: minimal appliance (no kernel modules: make kernel)"
fi
t_done
