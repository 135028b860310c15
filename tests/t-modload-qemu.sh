#!/bin/sh
# QEMU/TCG: coldplug with Debian's stock kernel.  One image, packed from the raw (never depmod'ed)
# module tree with e1000, virtio_net and virtio_pci, booted with no module named on the command
# line: an e1000 machine loads e1000, a virtio-net machine loads virtio_pci then virtio_net, a
# machine without either loads neither.  Then failures: a missing module, a corrupt .ko.gz, a
# module whose init fails (kvm_intel without VMX) are each logged with the reason, and the
# boot goes on to the payload; e1000.PARAM= on the command line reaches e1000, and so does the
# image's modprobe.d (options e1000 copybreak=77, packed with --modprobe-conf), which the
# command line's comes after (kmod joins them: the last wins).  Last, QEMU's
# microvm machine (no PCI): virtio_mmio from the ACPI description, then virtio_net, and its power
# button (ACPI GED) shuts the appliance down.  And hotplug: a virtio disk added through QMP while
# the payload runs gets virtio_pci and virtio_blk loaded, and appears as /dev/vda.
. tests/lib.sh
scripts/deps packages busybox-static qemu-system-x86 || { fail "modload-qemu: packages"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
SRC=$KERNEL_DIR/modules/$KVER
[ -f "$KERNEL_DIR/vmlinuz" ] && [ -d "$SRC" ] || { skip "modload-qemu: no kernel (make kernel)"; exit 0; }
BB=$(command -v busybox) || { fail "modload-qemu: busybox-static missing"; exit 1; }

cat > "$TMPROOT/mods.sh" <<'EOF'
echo "MODS $(/bin/busybox cut -d' ' -f1 /proc/modules | /bin/busybox tr '\n' ' ')"
echo "COPYBREAK $(/bin/busybox cat /sys/module/e1000/parameters/copybreak 2>/dev/null)"
echo "RNG $(/bin/busybox cat /sys/devices/virtual/misc/hw_random/rng_current 2>/dev/null)"
i=0 # the CRNG is ready once the input pool counts 256 bits; without a hardware RNG that takes seconds
while [ $i -lt 10 ] && [ "$(/bin/busybox cat /proc/sys/kernel/random/entropy_avail)" != 256 ]; do
	/bin/busybox sleep 0.1; i=$((i + 1))
done
echo "ENTROPY $(/bin/busybox cat /proc/sys/kernel/random/entropy_avail)"
i=0 # the drivers no boot step waits for (button, evdev) load after the payload's start; the
# init watches the button once they are in
while [ $i -lt 50 ] && ! /bin/busybox grep -q "power button watched" /run/minboot/timeline; do
	/bin/busybox sleep 0.1; i=$((i + 1))
done
echo "LATE $(/bin/busybox cut -d' ' -f1 /proc/modules | /bin/busybox tr '\n' ' ')"
/bin/busybox sed 's/^/TL /' /run/minboot/timeline
EOF
# Without a hardware RNG (--no-rng): the payload idles until the kernel says its CRNG is seeded
cat > "$TMPROOT/crng.sh" <<'EOF'
/bin/busybox sh /mods.sh
i=0
while [ $i -lt 60 ] && ! /bin/busybox dmesg | /bin/busybox grep -q 'crng init done'; do
	/bin/busybox sleep 0.1; i=$((i + 1))
done
/bin/busybox dmesg | /bin/busybox grep 'crng init done' # the console's level is quiet's
EOF
# A raw tree: Debian's, plus a corrupt gzip module (no depmod anywhere).
T=$TMPROOT/tree/$KVER
mkdir -p "$TMPROOT/tree" && cp -rs "$(cd "$SRC" && pwd)" "$TMPROOT/tree/"
printf '\037\213\010\000\000\000\000\000\000\003garbage-not-deflate' > "$T/kernel/broken.ko.gz"
img=$TMPROOT/mods.img
printf 'options e1000 copybreak=77\n' > "$TMPROOT/e1000-opts"
"$BUILD/minboot-pack" -o "$img" --file "$BB:/bin/busybox" --file "$TMPROOT/mods.sh:/mods.sh" \
	--file "$TMPROOT/crng.sh:/crng.sh" --modprobe-conf "$TMPROOT/e1000-opts" --kernel-modules "$T" --module e1000 --module virtio_net --module virtio_pci --module virtio_mmio --module virtio_blk \
	--module kvm_intel --module broken --payload '/bin/busybox sh /mods.sh' > "$TMPROOT/pack.log" 2>&1
check "modload-qemu: image packed from the raw tree" test -s "$img"
check "modload-qemu: image indexes only what it holds" sh -c \
	"'$BUILD/minboot-pack' -o x --print --file '$BB:/bin/busybox' --kernel-modules '$T' --module e1000 \
	 --no-power-button --payload '/bin/busybox true' | grep -c '\\.ko' | grep -qx 1"
check "modload-qemu: images with modules get the power button's button and evdev" sh -c \
	"'$BUILD/minboot-pack' -o x --print --kernel-modules '$T' --module e1000 | grep -c '/button.ko\\|/evdev.ko' | grep -qx 2"

boot() { # boot NAME NIC APPEND [RUN-OPTION]
	out=$TMPROOT/$1.out
	qemu-scripts/run --accel tcg -t 120 -q --nic "$2" -i "$img" -a "minboot.log=info $3" ${4:-} > "$out" 2>&1 < /dev/null
	rc=$?
	grep -a 'MODS\|minboot: modules:' "$out" | sed "s/^/  $1: /"
}
mods() { grep -a '^MODS' "$out" | head -1; }

boot e1000 e1000 ""
check "modload-qemu: e1000 machine loads e1000" sh -c "echo '$(mods)' | grep -q ' e1000 '"
check "modload-qemu: e1000 machine loads no virtio_net" sh -c "! echo '$(mods)' | grep -q virtio_net"
late() { grep -a '^LATE' "$out" | head -1; }
# The init's own timeline orders them (the payload's first look at /proc/modules races the helper)
after_start() { tr -d '\r' < "$out" | awk '$1 == "TL" && $3 == "payload" && $4 == "start" && p == "" { p = $2 }
	$1 == "TL" && $3 == "module" && ($4 == "button" || $4 == "evdev") { n++; if (p == "" || $2 + 0 < p + 0) bad = 1 }
	END { exit !(p != "" && n == 2 && !bad) }'; }
check "modload-qemu: button and evdev load after the payload's start (the init's timeline)" after_start
check "modload-qemu: coldplug loads button and evdev for the power button after the start" sh -c "echo '$(late)' | grep -q ' button ' && echo '$(late)' | grep -q 'evdev'"
check "modload-qemu: e1000 boot reaches the payload" test "$rc" = 0
check "modload-qemu: the image's modprobe.d options reach e1000 (coldplug by alias)" has "$out" "^COPYBREAK 77"
check "modload-qemu: an image with virtio modules gets virtio_rng" sh -c \
	"'$BUILD/minboot-pack' -o x --print --kernel-modules '$T' --module virtio_pci | grep -q '/virtio-rng.ko'"
check "modload-qemu: --no-rng leaves virtio_rng out" sh -c \
	"'$BUILD/minboot-pack' -o x --print --kernel-modules '$T' --module virtio_pci --no-rng > '$TMPROOT/norng' &&
	 grep -q '/virtio_pci.ko' '$TMPROOT/norng' && ! grep -q '/virtio-rng.ko' '$TMPROOT/norng'"
check "modload-qemu: an image without virtio has no virtio_rng" sh -c \
	"'$BUILD/minboot-pack' -o x --print --kernel-modules '$T' --module e1000 > '$TMPROOT/novirtio' &&
	 grep -q '/e1000.ko' '$TMPROOT/novirtio' && ! grep -q '/virtio-rng.ko' '$TMPROOT/novirtio'"
# qemu-scripts/run gives every guest a virtio-rng device: coldplug loads its driver, and the
# kernel takes the host's entropy from it before the payload runs
check "modload-qemu: the virtio-rng device gets virtio_rng" sh -c "echo '$(mods)' | grep -q ' virtio_rng '"
check "modload-qemu: the kernel's hardware RNG is virtio's" has "$out" "^RNG virtio_rng"
check "modload-qemu: the CRNG is seeded within a second of the payload's start" has "$out" "^ENTROPY 256"

# Two vCPUs: a pass's drivers load in helper processes, one per class (e1000 apart from the
# virtio-rng device's virtio_pci), and the boot ends as on one
boot smp e1000 "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off" "-- -smp 2"
check "modload-qemu: -smp 2: coldplug loads e1000 and virtio_pci in two helper processes" sh -c \
	"echo '$(mods)' | grep -q ' e1000 ' && echo '$(mods)' | grep -q ' virtio_pci ' &&
	 grep -q 'minboot: modules:.*(2 helper processes)' '$out' && [ $rc = 0 ]"
check "modload-qemu: -smp 2: the NIC's link is up, its address set" has "$out" "eth0: 10.0.2.15/24 via 10.0.2.2"
check "modload-qemu: one vCPU: no helper processes" has "$TMPROOT/e1000.out" "minboot: modules:.*(0 helper processes)"

boot virtio virtio-net-pci ""
m=$(mods)
check "modload-qemu: virtio machine loads virtio_pci and virtio_net" \
	sh -c "echo '$m' | grep -q ' virtio_net ' && echo '$m' | grep -q ' virtio_pci '"
# /proc/modules lists the newest first
check "modload-qemu: virtio_net after virtio_pci" sh -c "echo '$m' | grep -q 'virtio_net.* virtio_pci '"
check "modload-qemu: virtio machine loads no e1000" sh -c "! echo '$m' | grep -q ' e1000 '"
check "modload-qemu: coldplug took more than one pass" has "$out" "minboot: modules:.*[2-9] passes"

boot none none "-- /bin/busybox sh /crng.sh" --no-rng
check "modload-qemu: no NIC, no NIC driver" sh -c "! echo '$(mods)' | grep -q 'e1000\|virtio_net'"
check "modload-qemu: no virtio-rng device (--no-rng), no virtio_rng" sh -c "! echo '$(mods)' | grep -q 'virtio_rng'"
# Nothing in this payload asks for random bytes: the init has the kernel seed its CRNG from timer
# jitter while the payload idles, so a program that asks later does not wait
t0=$(sed -n 's/^minboot: \[ *\([0-9.]*\)\] payload start.*/\1/p' "$out" | head -n1)
t1=$(sed -n 's/^\[ *\([0-9.]*\)\] random: crng init done.*/\1/p' "$out" | head -n1)
echo "  none: payload start ${t0:-?} s, crng init done ${t1:-?} s"
check "modload-qemu: no hardware RNG: the CRNG is seeded while the payload idles (within 3 s)" \
	awk -v a="${t0:-x}" -v b="${t1:-x}" 'BEGIN {exit !(a != "x" && b != "x" && b - a <= 3)}'

boot failures none "modules-load=no_such_module,broken,kvm_intel,e1000 e1000.copybreak=123"
check "modload-qemu: missing module logged" has "$out" "modules-load: no_such_module: not found"
check "modload-qemu: corrupt .ko.gz logged" has "$out" "module broken:.*corrupt gzip data"
check "modload-qemu: failing init logged" has "$out" "module kvm_intel: .*[Nn]ot supported"
check "modload-qemu: command-line parameters reach the module, after modprobe.d's" has "$out" "COPYBREAK 123"
check "modload-qemu: the boot goes on to the payload" sh -c "grep -q '^MODS' '$out' && [ $rc = 0 ]"
check "modload-qemu: no kernel panic" hasnt "$out" "Kernel panic"

out=$TMPROOT/microvm.out
rm -f "$TMPROOT/qmp"
qemu-scripts/run --machine microvm --accel tcg -t 120 -i "$img" --qmp "$TMPROOT/qmp" \
	-a "minboot.log=info ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off -- /bin/busybox sh -c \"/bin/busybox sh /mods.sh; exec /bin/busybox sleep 60\"" \
	> "$out" 2>&1 < /dev/null &
qpid=$!
i=0
# pressed once the init watches the button, whose drivers load after the payload's start (mods.sh's LATE)
while [ $i -lt 600 ] && ! grep -q '^LATE' "$out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
qemu-scripts/qmp "$TMPROOT/qmp" system_powerdown
wait $qpid
rc=$?
grep -a 'MODS\|minboot: modules:' "$out" | sed "s/^/  microvm: /"
m=$(mods)
check "modload-qemu: microvm loads virtio_mmio then virtio_net" sh -c "echo '$m' | grep -q 'virtio_net.* virtio_mmio'"
check "modload-qemu: microvm's NIC is configured" has "$out" "eth0: 10.0.2.15/24 via 10.0.2.2"
check "modload-qemu: microvm's power button shuts down cleanly (status $rc)" sh -c \
	"grep -q 'power button pressed' '$out' && [ $rc = 0 ]"
cat > "$TMPROOT/hotplug.sh" <<'EOF'
echo HOTPLUG-READY
i=0
while [ $i -lt 600 ] && [ ! -b /dev/vda ]; do /bin/busybox sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] && echo "HOTPLUG-DISK $(/bin/busybox cat /sys/block/vda/size)"
/bin/busybox sh /mods.sh
EOF
"$BUILD/minboot-pack" -o "$TMPROOT/hp.img" --file "$BB:/bin/busybox" --file "$TMPROOT/mods.sh:/mods.sh" \
	--file "$TMPROOT/hotplug.sh:/hotplug.sh" --kernel-modules "$T" --module virtio_pci --module virtio_blk \
	--payload '/bin/busybox sh /hotplug.sh' > "$TMPROOT/pack.log" 2>&1
truncate -s 8M "$TMPROOT/hp.disk"
out=$TMPROOT/hotplug.out
rm -f "$TMPROOT/qmp"
qemu-scripts/run --accel tcg -t 120 --nic none --no-rng -i "$TMPROOT/hp.img" --qmp "$TMPROOT/qmp" -a "minboot.log=info" \
	-- -drive "file=$TMPROOT/hp.disk,format=raw,if=none,id=hp0" > "$out" 2>&1 < /dev/null &
qpid=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^HOTPLUG-READY' "$out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
m0=$(grep -a -c 'module virtio_blk' "$out")
printf '%s\n' '{"execute":"qmp_capabilities"}' \
	'{"execute":"device_add","arguments":{"driver":"virtio-blk-pci","drive":"hp0","id":"vd0"}}' |
	socat -t 2 - "UNIX-CONNECT:$TMPROOT/qmp" > /dev/null
wait $qpid
rc=$?
grep -a 'HOTPLUG\|MODS\|module virtio' "$out" | sed "s/^/  hotplug: /"
check "modload-qemu: nothing loaded virtio_blk before the disk came" test "$m0" = 0
check "modload-qemu: a hot-added virtio disk gets virtio_pci and virtio_blk, /dev/vda appears" sh -c \
	"grep -q '^HOTPLUG-DISK 16384' '$out' && grep -q '^MODS.*virtio_blk.*virtio_pci' '$out' && [ $rc = 0 ]"
t_done
