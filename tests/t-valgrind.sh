#!/bin/sh
# The shipped init binary under valgrind (memcheck) as PID 1 of a PID and mount namespace,
# chrooted into a small tree (busybox, and the host's /usr bound in for valgrind and socat).
# ASan and UBSan check the libraries in the unit tests; this checks the real static binary for
# what they do not see: uninitialised memory reaching a branch or a system call, and pointers a
# system call is given.  Valgrind does not emulate reboot(2), so every boot ends with the init
# idling after "unable to stop the machine"; the harness then kills the namespace.
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "valgrind: needs root for PID and mount namespaces"; exit 0; }
BB=$(command -v busybox) || { fail "valgrind: busybox-static missing"; exit 1; }
command -v valgrind > /dev/null || { fail "valgrind: valgrind missing"; exit 1; }

root=$TMPROOT/root
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp" "$root/usr"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
cp "$BUILD/minboot-init" "$root/init"
cp "$BB" "$root/bin/busybox"
for a in sh sleep seq echo kill trap true false cat; do ln -sf busybox "$root/bin/$a"; done

# vgboot NAME CMDLINE CONF: $out holds the console, valgrind's reports included
vgboot() {
	out=$TMPROOT/$1.out
	printf '%s\n' "$3" > "$root/etc/minboot.conf"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="$2" TERM=dumb \
		unshare --pid --fork --kill-child --mount sh -c "mount --bind /usr '$root/usr' &&
			mount -t proc proc '$root/proc' &&
			exec chroot '$root' /usr/bin/valgrind --error-limit=no --track-fds=no /init" \
		> "$out" 2>&1 &
	vpid=$!
	i=0
	while [ $i -lt 600 ] && ! grep -q 'unable to stop the machine' "$out" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
}

# clean NAME: valgrind ran, the boot reached its end, and memcheck reported nothing
clean() {
	has "$out" "Memcheck, a memory error detector" && has "$out" "unable to stop the machine" &&
		hasnt "$out" "== \(Invalid\|Conditional jump\|Use of uninitialised\|Syscall param\|Source and destination\|Mismatched\|Argument\)"
}

cat > "$root/orphans.sh" <<'S'
for i in $(seq 100); do (sleep 0.2 &) ; done
printf 'READY=1\nSTATUS=serving' | /usr/bin/socat -u - "UNIX-SENDTO:$NOTIFY_SOCKET"
sleep 1
exit 3
S
vgboot orphans "minboot.log=debug" "minboot.payload=/bin/sh /orphans.sh"
check "valgrind: payload, 100 orphans, sd_notify READY: memcheck clean" clean
check "valgrind: the payload ran and its status was reported" has "$out" "exit status 3"
check "valgrind: READY arrived" has "$out" "payload ready"

cat > "$root/flaky.sh" <<'S'
n=$(cat /run/count 2>/dev/null || echo 0); echo $((n + 1)) > /run/count
[ "$n" -ge 2 ] && exit 0
exit 1
S
vgboot restart "minboot.restart=on-failure minboot.restart-delay=0.1 minboot.listen=unix:/run/app.sock,8080" \
	"minboot.payload=/bin/sh /flaky.sh"
check "valgrind: restarts and socket activation: memcheck clean" clean
check "valgrind: the payload ran three times" has "$out" "exit status 0"

cat > "$root/term.sh" <<'S'
trap '' TERM
kill -TERM 1
sleep 30
S
vgboot term "minboot.stop-timeout=1" "minboot.payload=/bin/sh /term.sh"
check "valgrind: SIGTERM to PID 1, payload ignoring it, KILL after the grace: memcheck clean" clean
check "valgrind: the payload was killed after the grace" has "$out" "exit status 137"

# Hostile input: 4 KiB of garbage on the command line, a 1 MB line of spaces in /etc/fstab.
garbage=$(head -c 3000 /dev/urandom | base64 -w0 | tr '+/' '=.' | head -c 4000)
head -c 1048576 /dev/zero | tr '\0' ' ' > "$root/etc/fstab"
printf '\n/dev/nothing /mnt ext4 defaults,nofail 0 0\n# comment\n\t\n' >> "$root/etc/fstab"
vgboot hostile "$garbage minboot.fstab-timeout=1" "minboot.payload=/bin/true"
check "valgrind: 4 KiB garbage command line and a 1 MB fstab line: memcheck clean" clean
check "valgrind: the payload still ran" has "$out" "exit status 0"
rm -f "$root/etc/fstab"
t_done
