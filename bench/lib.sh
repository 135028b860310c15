# Shared by bench/*: medians, the machine line, QEMU boots with kernel timestamps.
BUILD=${BUILD:-build}
KERNEL_DIR=${KERNEL_DIR:-.cache/kernel}
RUNS=${RUNS:-7}
BTMP=$(mktemp -d "${TMPDIR:-/tmp}/minboot-bench.XXXXXX")
trap 'rm -rf "$BTMP"' EXIT
export XDG_CACHE_HOME=$BTMP/cache
# ACCEL: auto (the default) is resolved once by qemu-scripts/run's cached KVM probe, so every
# figure names the accelerator it was measured with; ACCEL=tcg or kvm forces one.
[ "${ACCEL:-auto}" = auto ] && ACCEL=$(qemu-scripts/run --print-accel 2>/dev/null || echo tcg)
export ACCEL

median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "nan"; else printf "%.2f", a / b}'; }
machine() { echo "$(date -u +%Y-%m-%d), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), kernel $(cat "$KERNEL_DIR/kver" 2>/dev/null) ($([ -f "$KERNEL_DIR/vmlinux" ] && echo "uncompressed vmlinux, PVH entry, unless a row says vmlinuz" || echo vmlinuz)), QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'), accel $ACCEL"; }

# kstamp FILE PATTERN: the kernel timestamp (ms) of the first console line matching PATTERN
kstamp() { sed -n "s|^\\[ *\\([0-9]*\\.[0-9]*\\)\\] .*$2.*|\\1|p" "$1" | head -n1 | awk '{printf "%.1f", $1 * 1000}'; }

# mark_payload: BTMP/mark, the static payload marking its start in the kernel log (bench/mark.c)
mark_payload() { musl-gcc -static -Os -s -o "$BTMP/mark" bench/mark.c; }

# elapsed OUT FROM TO: kernel-timestamp ms between two console lines, or nothing
elapsed() { x=$(kstamp "$1" "$2"); y=$(kstamp "$1" "$3"); [ -n "$x" ] && [ -n "$y" ] && awk -v a="$x" -v b="$y" 'BEGIN {printf "%.1f\n", b - a}'; }

# boot IMG APPEND OUT [run options]: one QEMU/TCG boot, console to OUT.  BENCH_QEMU=defaults
# boots every one as boot_defaults does (the run options are then ignored).
boot() {
	[ "${BENCH_QEMU:-}" = defaults ] && { boot_defaults "$1" "$2" "$3"; return; }
	img=$1 app=$2 out=$3; shift 3; qemu-scripts/run --accel "$ACCEL" -t 120 -i "$img" -a "$app" "$@" > "$out" 2>&1 < /dev/null
}
# boot_defaults IMG APPEND OUT: QEMU as a user starts it, none of qemu-scripts/run's tuning: the
# bzImage, QEMU's e1000 on user networking with autonegotiation on, no virtio-rng, no
# cryptomgr.notests, no exit device (the machine ends by power-off or panic=-1).
boot_defaults() {
	k=$KERNEL_DIR/vmlinuz; [ -f "$k" ] || k=$KERNEL_DIR/vmlinux
	timeout -k 5 120 qemu-system-x86_64 -accel "$ACCEL" -m 256 -kernel "$k" -initrd "$1" \
		-append "console=ttyS0 panic=-1$2" -netdev user,id=n0 -device e1000,netdev=n0 \
		-nographic -no-reboot > "$3" 2>&1 < /dev/null
}
