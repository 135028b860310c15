#!/bin/sh
# qemu-scripts/libvirt-xml under a real libvirt: libvirt's packages installed (root, apt reachable),
# virtlogd and libvirtd started by hand when none runs (PID 1 need not be systemd), the default
# NAT network, one TCG domain booted by direct kernel boot: the payload runs, its DHCP lease comes
# from libvirt's own dnsmasq, "virsh shutdown" (the ACPI power button) ends in 'shut off
# (shutdown)', and "virsh destroy" of a second start in 'shut off (destroyed)'; the status channel
# (a virtio-serial port to a file) gets the exit status.  Then --boot uki and --boot disk: their
# XML validates (virt-xml-validate), and the disk image (minboot-pack --format disk) is defined
# and boots under OVMF to its payload, its exit status in the channel's file.  Everything it
# started or defined is removed again, also on failure.  Skips, with the reason, where libvirt
# cannot run.
. tests/lib.sh
PACK=$BUILD/minboot-pack
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
[ "$(id -u)" = 0 ] || { skip "libvirt: needs root (libvirtd, a bridge, dnsmasq)"; exit 0; }
[ -f "$KERNEL_DIR/vmlinuz" ] && [ -d "$KERNEL_DIR/modules/$KVER" ] || { fail "libvirt: no kernel (make kernel)"; exit 1; }
if ! scripts/deps packages libvirt-daemon-system libvirt-clients qemu-system-x86 > "$TMPROOT/deps.log" 2>&1; then
	skip "libvirt: libvirt's packages cannot be installed here ($(tail -n1 "$TMPROOT/deps.log"))"; exit 0
fi
V="virsh -q -c qemu:///system"
dom=minboot-test-$$ udom=minboot-test-uki-$$ ddom=minboot-test-disk-$$
started_net=0 pids=
cleanup() {
	$V destroy "$dom" >/dev/null 2>&1; $V undefine "$dom" >/dev/null 2>&1
	for d in $udom $ddom; do $V destroy "$d" >/dev/null 2>&1; $V undefine --nvram "$d" >/dev/null 2>&1; done
	[ $started_net = 1 ] && $V net-destroy default >/dev/null 2>&1
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$TMPROOT"
}
trap cleanup EXIT

# The daemons: the running ones, else started here (and stopped at the end).
if ! $V version >/dev/null 2>&1; then
	for d in virtlogd libvirtd; do
		"$d" -d -p "$TMPROOT/$d.pid" 2> "$TMPROOT/$d.err" || { skip "libvirt: $d does not start: $(cat "$TMPROOT/$d.err")"; exit 0; }
		for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$TMPROOT/$d.pid" ] && break; sleep 0.2; done
		pids="$pids $(cat "$TMPROOT/$d.pid" 2>/dev/null)"
	done
	for i in $(seq 50); do $V version >/dev/null 2>&1 && break; sleep 0.2; done
	$V version >/dev/null 2>&1 || { skip "libvirt: libvirtd started but does not answer"; exit 0; }
fi
if ! $V net-info default 2>/dev/null | grep -q '^Active: *yes'; then
	$V net-start default > "$TMPROOT/net.err" 2>&1 || { skip "libvirt: the default network does not start: $(cat "$TMPROOT/net.err")"; exit 0; }
	started_net=1
fi
leasepid=$(cat /run/libvirt/network/default.pid 2>/dev/null)
[ -n "$leasepid" ] && kill -0 "$leasepid" 2>/dev/null || { skip "libvirt: the default network has no dnsmasq running"; exit 0; }

# The image: DHCP on a virtio NIC, a payload that stays up until the power button.
D=$TMPROOT/dom
mkdir -p "$D" && chmod 755 "$TMPROOT" "$D" # QEMU runs as libvirt's own user
cp "$KERNEL_DIR/vmlinuz" "$D/vmlinuz"
"$PACK" -o "$D/img" --file "$(command -v busybox):/bin/busybox" --kernel-modules "$KERNEL_DIR/modules/$KVER" \
	--module virtio_net --module virtio_pci --set ip=dhcp \
	--payload "/bin/busybox sh -c 'echo LIBVIRT-PAYLOAD-UP; exec /bin/busybox sleep 3600'" 2> "$TMPROOT/pack.err" ||
	{ fail "libvirt: pack: $(cat "$TMPROOT/pack.err")"; exit 1; }
log=$D/serial.log status=$D/status.log
qemu-scripts/libvirt-xml --name "$dom" --kernel "$D/vmlinuz" --initrd "$D/img" --serial-log "$log" \
	--status-log "$status" > "$D/dom.xml"
check "libvirt: the domain XML validates (virt-xml-validate)" sh -c "virt-xml-validate '$D/dom.xml' domain > /dev/null 2>&1"
check "libvirt: the domain XML is accepted (virsh define)" $V define "$D/dom.xml"

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 1; n=$((n - 1)); done
	return 1
}
state_is() { $V domstate "$dom" --reason 2>/dev/null | grep -qx "$1"; }
$V start "$dom" > "$TMPROOT/start.err" 2>&1 || { fail "libvirt: virsh start: $(cat "$TMPROOT/start.err")"; exit 1; }
t0=$(date +%s)
wait_for 150 grep -q LIBVIRT-PAYLOAD-UP "$log"
check "libvirt: the TCG domain boots to its payload ($(( $(date +%s) - t0 )) s; serial log)" has "$log" LIBVIRT-PAYLOAD-UP
mac=$($V domiflist "$dom" | awk '{print $5}' | head -n1)
lease=$(sed -n 's/.*DHCP lease \([0-9.]*\)\/[0-9]* from \([0-9.]*\).*/\1 \2/p' "$log" | head -n1)
$V net-dhcp-leases default > "$TMPROOT/leases" 2>&1
check "libvirt: the lease (${lease% *}) came from libvirt's dnsmasq (${lease#* }), which lists it for $mac" \
	sh -c "[ -n '$mac' ] && [ '${lease#* }' = 192.168.122.1 ] && grep -q '$mac .* ${lease% *}/' '$TMPROOT/leases'"
$V shutdown "$dom" --mode acpi >/dev/null 2>&1
wait_for 60 state_is 'shut off (shutdown)'
check "libvirt: virsh shutdown (the ACPI power button) ends in 'shut off (shutdown)' (got '$($V domstate "$dom" --reason)')" \
	state_is 'shut off (shutdown)'
check "libvirt: ... the init stopped the payload and powered off" has "$log" 'reboot: Power down'
check "libvirt: ... and wrote its exit status (0, a clean stop) to the status channel" has "$status" '^EXIT_STATUS=0$'
: > "$log"
$V start "$dom" >/dev/null 2>&1
wait_for 150 grep -q LIBVIRT-PAYLOAD-UP "$log"
$V destroy "$dom" >/dev/null 2>&1
check "libvirt: virsh destroy of a second start ends in 'shut off (destroyed)'" \
	sh -c "grep -q LIBVIRT-PAYLOAD-UP '$log' && $V domstate '$dom' --reason | grep -qx 'shut off (destroyed)'"

# UEFI: a UKI and a disk image (OVMF; their own command line, which asks for the status channel).
if ! scripts/deps packages ovmf systemd-boot-efi dosfstools mtools fdisk > "$TMPROOT/deps.log" 2>&1; then
	skip "libvirt: --boot uki and disk: the UEFI packages cannot be installed ($(tail -n1 "$TMPROOT/deps.log"))"; exit 0
fi
for fmt in uki disk; do
	"$PACK" -o "$D/app.$fmt" --format $fmt --kernel "$D/vmlinuz" --kernel-modules "$KERNEL_DIR/modules/$KVER" \
		--module virtio_pci --file "$(command -v busybox):/bin/busybox" \
		--cmdline "console=ttyS0 panic=-1 cryptomgr.notests minboot.exit=virtio-serial" \
		--payload "/bin/busybox sh -c 'echo LIBVIRT-$fmt-UP; exit 0'" 2> "$TMPROOT/pack.err" ||
		{ fail "libvirt: pack --format $fmt: $(cat "$TMPROOT/pack.err")"; exit 1; }
done
qemu-scripts/libvirt-xml --name "$udom" --boot uki -i "$D/app.uki" --network none --serial-log "$D/uki.log" \
	--status-log "$D/uki-status.log" > "$D/uki.xml"
# validated only: each virsh define costs a minute here (libvirt probes QEMU again each time: "KVM
# was enabled when probing, but it is not available now"); the disk below is defined and booted
check "libvirt: --boot uki: the XML validates" sh -c "virt-xml-validate '$D/uki.xml' domain > /dev/null 2>&1"
qemu-scripts/libvirt-xml --name "$ddom" --boot disk -i "$D/app.disk" --network none --serial-log "$D/disk.log" \
	--status-log "$D/disk-status.log" > "$D/disk.xml"
check "libvirt: --boot disk: the XML validates and is accepted" sh -c "virt-xml-validate '$D/disk.xml' domain > /dev/null 2>&1 && $V define '$D/disk.xml' > /dev/null"
$V start "$ddom" > "$TMPROOT/start.err" 2>&1 || { fail "libvirt: virsh start (disk): $(cat "$TMPROOT/start.err")"; exit 1; }
t0=$(date +%s)
dstate_is() { $V domstate "$ddom" --reason 2>/dev/null | grep -qx "$1"; }
wait_for 150 dstate_is 'shut off (shutdown)'
check "libvirt: --boot disk: OVMF boots the disk image to its payload, which exits ($(( $(date +%s) - t0 )) s)" \
	sh -c "grep -q LIBVIRT-disk-UP '$D/disk.log' && $V domstate '$ddom' --reason | grep -qx 'shut off (shutdown)'" ||
	tail -n 20 "$D/disk.log" | sed 's/^/  | /'
check "libvirt: --boot disk: its exit status in the status channel's file" has "$D/disk-status.log" '^EXIT_STATUS=0$'
t_done
