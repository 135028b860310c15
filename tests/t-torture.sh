#!/bin/sh
# PID-1 torture in a PID namespace (the method of t-pid1.sh and t-pid1-service.sh: an image written
# by minboot-pack, unpacked into a directory, its /init run as PID 1 of a new PID + mount namespace;
# unshare exits 130 for a poweroff, 129 for a reboot, 128+N when PID 1 died of signal N).
# A fork bomb under a pids limit, 10,000 orphans, a payload that closes or floods the console, no
# console at all, a full /run, an OOM-killed payload, 4 KiB command lines of garbage, an fstab line
# of 1 MB of spaces, truncated modules: PID 1 survives each and shuts down cleanly.
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "torture: needs root for namespaces and cgroups"; exit 0; }
BB=$(command -v busybox) || { fail "torture: busybox-static missing"; exit 1; }

# image NAME PACK-ARGS...: pack (uncompressed) and unpack into $root
image() {
	root=$TMPROOT/$1; shift
	"$BUILD/minboot-pack" -o "$TMPROOT/img.cpio" --compress none --file "$BB:/bin/busybox" "$@" 2> "$TMPROOT/pack.err" ||
		{ cat "$TMPROOT/pack.err"; return 1; }
	mkdir -p "$root" && (cd "$root" && cpio -idm --quiet < "$TMPROOT/img.cpio")
	for a in sh sleep seq cat echo kill ls dd df head yes mount grep wc; do ln -sf busybox "$root/bin/$a"; done
}
# boot NAME CMDLINE: run $root's /init as PID 1, in the cgroups listed in $CG (none when empty),
# with a private network namespace; the console is $out unless $CONSOLE is set (a redirection).
boot() {
	out=$TMPROOT/$1.out
	start=$(date +%s%N)
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="$2" CG="$CG" timeout -k 2 60 \
		sh -c 'for c in $CG; do echo $$ > "$c/cgroup.procs" || exit 99; done
		       exec unshare --pid --fork --mount --net chroot "$0" /init' "$root" > "$out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}
CG=

# cgroup CONTROLLER: a fresh child cgroup with CONTROLLER under this shell's own cgroup (a
# delegated subtree) -> $cg.  cgroup v2 when /sys/fs/cgroup is cgroup2, else the v1 hierarchy of
# the controller.  Fails when neither is usable.
cgroups=
cgroup() {
	cg=; cgver=v2
	if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		base=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
		grep -qw "$1" "$base/cgroup.controllers" 2>/dev/null || return 1
		grep -qw "$1" "$base/cgroup.subtree_control" || echo "+$1" > "$base/cgroup.subtree_control" 2>/dev/null || return 1
	else
		cgver=v1
		mnt=$(awk -v c="$1" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $2 }' /proc/self/mounts | head -1)
		[ -n "$mnt" ] || return 1
		base=$mnt$(awk -F: -v c="$1" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $3 }' /proc/self/cgroup | head -1)
	fi
	cg=$base/minboot-torture.$$.$1
	mkdir "$cg" 2>/dev/null || return 1
	cgroups="$cgroups $cg"
}
cleanup() { for c in $cgroups; do rmdir "$c" 2>/dev/null; done; rm -rf "$TMPROOT"; }
trap cleanup EXIT

# A clean end: PID 1 powered the namespace off (130) after saying why, with the expected status.
clean_end() { # clean_end STATUS
	grep -q "shutting down (" "$out" && grep -q "exit status $1\$" "$out" && [ "$rc" = 130 ] ||
		{ echo "  rc=$rc, expected 130 and exit status $1:"; tail -n 15 "$out" | sed 's/^/  | /'; return 1; }
}

# 1. Fork bomb bounded by a pids limit: a subshell forks sleepers until fork fails (EAGAIN), the
# payload then exits 7 with ~200 sleepers left for PID 1 to stop before powering off.
cat > "$TMPROOT/bomb.sh" <<'S'
( while :; do sleep 30 & done ) 2> /tmp/bomb.err
echo "BOMB-STOPPED: $(grep -c "can't fork" /tmp/bomb.err)"
exit 7
S
image bomb --file "$TMPROOT/bomb.sh:/bomb.sh" --payload "/bin/sh /bomb.sh"
if cgroup pids && echo 200 > "$cg/pids.max"; then
	CG=$cg; boot bomb "minboot.stop-timeout=2"; CG=
	check "torture: fork bomb stopped by pids.max=200 (cgroup $cgver)" \
		sh -c "grep -q 'BOMB-STOPPED: [1-9]' '$out' && grep -q '^max [1-9]' '$cg/pids.events'"
	check "torture: fork bomb: PID 1 survives, reaps all, powers off with status 7 (${ms} ms)" clean_end 7
	check "torture: fork bomb: nothing left in the cgroup" sh -c "[ \$(cat '$cg/pids.current') = 0 ]"
else
	# RLIMIT_NPROC is not enforced for root: the payload runs as nobody, with a per-user limit.
	root_cnt=$(ps -u nobody -o pid= 2>/dev/null | wc -l)
	out=$TMPROOT/bomb.out
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="minboot.stop-timeout=2 minboot.user=nobody" timeout -k 2 60 \
		prlimit --nproc=$((root_cnt + 200)) unshare --pid --fork --mount --net chroot "$root" /init > "$out" 2>&1
	rc=$?
	check "torture: fork bomb stopped by prlimit --nproc (no usable pids cgroup)" grep -q 'BOMB-STOPPED: [1-9]' "$out"
	check "torture: fork bomb (prlimit --nproc): PID 1 survives and powers off with status 7" clean_end 7
fi

# 2. 10,000 orphans: 100 subshells each start 100 sleepers and exit at once; the sleepers are
# reparented to PID 1, which must reap them all.
cat > "$TMPROOT/orphans.sh" <<'S'
for i in $(seq 100); do ( for j in $(seq 100); do sleep 1 & done ) & done
wait
echo STARTED
sleep 2.5
z=0; n=0
for f in /proc/[0-9]*/stat; do
	case "$(cat $f 2>/dev/null)" in *") Z "*) z=$((z+1)) ;; "") ;; *) n=$((n+1)) ;; esac
done
echo "ZOMBIES=$z LEFT=$n"
exit 3
S
image orphans --file "$TMPROOT/orphans.sh:/orphans.sh" --payload "/bin/sh /orphans.sh"
boot orphans ""
check "torture: 10,000 orphans reaped (no zombie left)" grep -q "^ZOMBIES=0 " "$out"
check "torture: 10,000 orphans: PID 1 survives and powers off with status 3 (${ms} ms)" clean_end 3

# 3. A payload that closes its stdout and stderr (and stdin) and exits; one that floods the console.
image closes --payload "/bin/sh -c 'exec <&- >&- 2>&-; sleep 0.2; exit 4'"
boot closes ""
check "torture: payload closing fds 0-2: clean shutdown with status 4" clean_end 4
image flood --payload "/bin/sh -c 'yes minboot-flood | head -c 52428800; exit 5'"
boot flood ""
size=$(stat -c %s "$out")
check "torture: payload flooding the console (50 MiB written: $size bytes)" test "$size" -ge 52428800
check "torture: console flood: clean shutdown with status 5 (${ms} ms)" clean_end 5
rm -f "$out"

# 4. No console: fds 0-2 closed and no /dev/console to reopen (the init falls back to /dev/null),
# then a console that is a pipe whose reader has gone (writes fail with EPIPE).  The payload writes
# a marker file, then to the console; the namespace still powers off.
image noconsole --payload "/bin/sh -c 'echo ran > /tmp/../marker; echo to-the-console; echo again >&2; exit 0'"
rm -f "$root/dev/console"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="" timeout -k 2 30 \
	unshare --pid --fork --mount --net chroot "$root" /init < /dev/null >&- 2>&-
rc=$?
check "torture: fds 0-2 closed: the payload runs" test -f "$root/marker"
check "torture: fds 0-2 closed: powers off (rc $rc)" test "$rc" = 130
rm -f "$root/marker"
# The reader takes the first byte and exits before the init starts.
{ echo x; sleep 0.3; env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="" timeout -k 2 30 \
	unshare --pid --fork --mount --net chroot "$root" /init < /dev/null 2>&1; echo $? > "$TMPROOT/rc"; } | head -c 1 > /dev/null
rc=$(cat "$TMPROOT/rc")
check "torture: console a pipe whose reader exited: the payload runs" test -f "$root/marker"
check "torture: console a pipe whose reader exited: powers off (rc $rc)" test "$rc" = 130

# 5. /run full: the payload shrinks /run to 4 MiB (so filling it costs no host memory) and fills
# it with dd; PID 1 still writes nothing it cannot, restarts the payload and shuts down cleanly.
cat > "$TMPROOT/fill.sh" <<'S'
echo RUN
if [ ! -e /run/fill ]; then
	mount -o remount,size=4m /run || echo REMOUNT-FAILED
	dd if=/dev/zero of=/run/fill bs=64k 2>&1 | grep -v records
	df /run | tail -n 1
fi
exit 6
S
image runfull --file "$TMPROOT/fill.sh:/fill.sh" --payload "/bin/sh /fill.sh"
boot runfull "minboot.restart=on-failure minboot.restart-max=1 minboot.restart-delay=0.1"
check "torture: /run filled (No space left on device)" sh -c "grep -q 'No space left' '$out' && grep -q ' 100% /run' '$out' && ! grep -q REMOUNT-FAILED '$out'"
check "torture: /run full: PID 1 restarts the payload" test "$(grep -c '^RUN' "$out")" = 2
check "torture: /run full: clean shutdown with status 6" clean_end 6

# 6. OOM: the payload doubles a string until the memory cgroup's limit kills it.
image oom --payload "/bin/sh -c 'echo ALLOCATING; x=0123456789abcdef; while :; do x=\$x\$x; done'"
memlimit() { # 64 MiB on $cg, without swap
	if [ -f "$cg/memory.max" ]; then
		echo 64M > "$cg/memory.max" || return 1
		[ ! -f "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"
	else
		echo 64M > "$cg/memory.limit_in_bytes" || return 1
		[ ! -f "$cg/memory.memsw.limit_in_bytes" ] || echo 64M > "$cg/memory.memsw.limit_in_bytes" 2>/dev/null || :
	fi
}
if cgroup memory && memlimit 2>/dev/null; then
	CG=$cg; boot oom ""; CG=
	check "torture: OOM under a 64 MiB memory limit (cgroup $cgver): the payload is killed by signal 9" has "$out" "payload killed by signal 9"
	check "torture: OOM: PID 1 survives and powers off with status 137 (${ms} ms)" clean_end 137
else
	skip "torture: OOM of the payload: no usable memory cgroup (cgroup2 memory controller or v1 memory hierarchy under $(sed -n 's/^[0-9]*:[^:]*memory[^:]*://p' /proc/self/cgroup))"
fi

# 7. Kernel command lines of 4 KiB of garbage: random bytes (no NUL), and random runs of the
# tokens the parser cares about (keys with bad values; keys that take anything, quotes, --).  The init runs the payload or powers off with a reason.
image garbage --payload "/bin/sh -c 'echo PAYLOAD-RAN'"
gen() { # gen SEED MODE: 4096 bytes on stdout
	LC_ALL=C awk -v seed="$1" -v mode="$2" 'BEGIN {
		srand(seed)
		if (mode == "tokens") n = split("minboot. minboot.payload= minboot.log= minboot.env. minboot.user= minboot.listen= -- \" = \\ \t , : minboot.shutdown= modules-load= x", tok, " ")
		else n = split("minboot.env.A= minboot.env.= minboot.payload= a.b= modprobe.blacklist= modules-load=x, ip=off \" = \047 \\ , -- x", tok, " ")
		tok[n + 1] = " "; n++
		s = ""
		while (length(s) < 4096) {
			if (mode == "bytes" || rand() < (mode == "tokens" ? 0.3 : 0.1)) s = s sprintf("%c", 1 + int(rand() * 255))
			else s = s tok[1 + int(rand() * n)]
		}
		printf "%s", substr(s, 1, 4096) }'
}
bad=0; ran=0; off=0
for seed in 1 2 3 4 5 6 7 8; do
	for mode in bytes tokens lenient; do
		cl=$(gen $seed $mode)
		CG=; boot "garbage-$seed-$mode" "$cl"
		if [ "$rc" != 130 ] && [ "$rc" != 129 ]; then
			bad=$((bad + 1)); echo "  seed $seed $mode: unshare exited $rc"; tail -n 5 "$out" | sed 's/^/  | /'
		elif grep -q PAYLOAD-RAN "$out"; then ran=$((ran + 1))
		elif grep -q "shutting down (" "$out"; then off=$((off + 1))
		else bad=$((bad + 1)); echo "  seed $seed $mode: no payload and no reason"; tail -n 5 "$out" | sed 's/^/  | /'
		fi
	done
done
check "torture: 24 command lines of 4 KiB of garbage: never a crash ($ran ran the payload, $off powered off with a reason)" test "$bad" = 0
boot garbage-long "$(gen 9 tokens)$(gen 10 bytes)$(gen 11 tokens) -- /bin/sh -c \"echo OVERRIDE-RAN\""
check "torture: 12 KiB of garbage then a valid --: no crash (rc $rc)" sh -c "[ $rc = 130 ] || [ $rc = 129 ]"

# An /etc/fstab line of 1 MB of spaces (and a last one without newline) around a valid tmpfs line.
mkdir -p "$TMPROOT/ov/etc"
{ head -c 1048576 /dev/zero | tr '\0' ' '; printf '\ntmpfs /data tmpfs size=1m 0 0\n'; head -c 1048576 /dev/zero | tr '\0' ' '; } > "$TMPROOT/ov/etc/fstab"
image fstab --overlay "$TMPROOT/ov" --payload "/bin/sh -c 'grep \" /data \" /proc/mounts'"
boot fstab ""
check "torture: fstab: the 1 MB line of spaces is reported and skipped" has "$out" "/etc/fstab line 1: too long, ignored"
check "torture: fstab: the valid tmpfs line after it still mounts" grep -q "^tmpfs /data tmpfs" "$out"
check "torture: fstab: clean shutdown" clean_end 0

# 8. Truncated modules: a hand-made tree for this kernel (uname -r: the namespace shares it) with
# the first 6,000 bytes of a module and a gzip module cut short, both loaded at boot.  Each is
# logged with its reason and the boot goes on; modload in the image says the same.
KVER=$(uname -r); T=$TMPROOT/mods/$KVER
mkdir -p "$T/kernel"
src=$(find "$KERNEL_DIR/modules" -name 'e1000.ko' 2>/dev/null | head -1)
[ -n "$src" ] || src=$BB # without the kernel: the start of any ELF file
head -c 6000 "$src" > "$T/kernel/trunc.ko"
gzip -c < "$src" | head -c 20000 > "$T/kernel/truncgz.ko.gz"
printf 'kernel/trunc.ko:\nkernel/truncgz.ko.gz:\n' > "$T/modules.dep"
image mods --kernel-modules "$T" --kver "$KVER" --module-load trunc --module-load truncgz \
	--file "$BUILD/modload:/sbin/modload" --set minboot.coldplug=0 \
	--payload "/bin/sh -c 'modload trunc; echo MODLOAD=\$?; echo PAYLOAD-RAN'"
boot mods ""
check "torture: truncated .ko: logged with a reason" grep -q "^minboot: module trunc: ." "$out"
check "torture: truncated .ko.gz: logged as corrupt" has "$out" "module truncgz: .*corrupt gzip data"
check "torture: truncated modules: the boot goes on to the payload" has "$out" "PAYLOAD-RAN"
check "torture: modload on a truncated .ko fails with a reason" sh -c "grep -q '^modload: .*trunc' '$out' && grep -q '^MODLOAD=[1-9]' '$out'"
check "torture: truncated modules: clean shutdown" clean_end 0
# The packer on the same tree without modules.dep reads each module's .modinfo: it must not
# crash on the truncated ones either.
rm "$T/modules.dep"
"$BUILD/minboot-pack" -o "$TMPROOT/raw.img" --kernel-modules "$T" --kver "$KVER" --module trunc \
	--file "$BB:/bin/busybox" --payload /bin/busybox > "$TMPROOT/raw.log" 2>&1
prc=$?
check "torture: packer on a raw tree with truncated modules: no crash (status $prc)" sh -c "[ $prc -lt 128 ]" ||
	sed 's/^/  | /' "$TMPROOT/raw.log" | tail -n 3
t_done
