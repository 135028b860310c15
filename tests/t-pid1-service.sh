#!/bin/sh
# The service-manager side of PID 1, in a PID namespace: the image minboot-pack writes is unpacked
# into a directory and the init runs chrooted in it as PID 1 (see t-pid1.sh for the method).
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "service: needs root for namespaces"; exit 0; }
BB=$(command -v busybox) || { fail "service: busybox-static missing"; exit 1; }
NOTIFY=$(command -v systemd-notify) || NOTIFY=

# image NAME PACK-ARGS...: pack (uncompressed) and unpack into $root
image() {
	root=$TMPROOT/$1; shift
	"$BUILD/minboot-pack" -o "$TMPROOT/img.cpio" --compress none --file "$BB:/bin/busybox" "$@" 2> "$TMPROOT/pack.err" ||
		{ cat "$TMPROOT/pack.err"; return 1; }
	mkdir -p "$root" && (cd "$root" && cpio -idm --quiet < "$TMPROOT/img.cpio")
	for a in sh sleep seq cat echo kill ls id env pwd setsid grep; do ln -sf busybox "$root/bin/$a"; done
}
# boot NAME CMDLINE [UNSHARE-FLAGS]: run $root's /init as PID 1
boot() {
	out=$TMPROOT/$1.out
	start=$(date +%s%N)
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="$2" timeout -k 2 60 \
		unshare --pid --fork --mount $3 chroot "$root" /init > "$out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

# Crash loop: restarted with growing delays, then the status is reported and the VM powers off.
image crash --payload "/bin/sh -c 'echo RUN; exit 1'"
boot crash "minboot.restart=on-failure minboot.restart-delay=0.1 minboot.restart-max=3"
check "service: crash loop runs the payload 1+3 times" test "$(grep -c '^RUN' "$out")" = 4
check "service: restart delays grow (100, 200, 400 ms)" sh -c "grep -q 'restarting the payload in 100 ms' '$out' && grep -q 'in 200 ms' '$out' && grep -q 'in 400 ms' '$out'"
check "service: gives up after restart-max" has "$out" "restarted 3 times; giving up"
check "service: the payload's status is reported" has "$out" "exit status 1"
check "service: and the machine powers off" test "$rc" = 130
boot crash-no ""
check "service: minboot.restart=no (default) does not restart" test "$(grep -c '^RUN' "$out")" = 1
boot ok-always "minboot.restart=on-failure minboot.restart-delay=0.05 -- /bin/sh -c \"echo RUN; exit 0\""
check "service: on-failure does not restart a clean exit" test "$(grep -c '^RUN' "$out")" = 1

# Environment, user, working directory, capabilities.
image env --payload "/bin/sh -c 'env; id -u; id -g; pwd; grep -E \"^(CapBnd|CapEff|NoNewPrivs)\" /proc/self/status'" \
	--set minboot.env.FOO=bar --set minboot.user=nobody --set minboot.workdir=/tmp
boot env ""
check "service: minboot.env.FOO reaches the payload" grep -qx "FOO=bar" "$out"
check "service: minboot.user=nobody runs as uid 65534" sh -c "grep -qx 65534 '$out'"
check "service: HOME/USER come from /etc/passwd" sh -c "grep -qx 'USER=nobody' '$out' && grep -qx 'HOME=/nonexistent' '$out'"
check "service: minboot.workdir" grep -qx "/tmp" "$out"
check "service: non-root payload has an empty bounding set" grep -q "CapBnd:.*0000000000000000" "$out"
check "service: non-root payload has no_new_privs" grep -q "NoNewPrivs:.*1" "$out"
check "service: NOTIFY_SOCKET is set" grep -qx "NOTIFY_SOCKET=/run/minboot/notify" "$out"
boot env-baduser "minboot.user=nosuchuser"
check "service: an unknown user is refused with a reason" sh -c "grep -q 'no such user' '$out' && [ $rc = 130 ]"

# Socket activation: fds 3.. with LISTEN_FDS, LISTEN_PID = the payload's pid, LISTEN_FDNAMES.
image listen --payload "/bin/sh -c 'echo LFDS=\$LISTEN_FDS LPID=\$LISTEN_PID SELF=\$\$ NAMES=\$LISTEN_FDNAMES; ls -l /proc/self/fd/3 /proc/self/fd/4'" \
	--set minboot.listen=8080,unix:/run/app.sock
boot listen "" --net
check "service: LISTEN_FDS=2 and LISTEN_PID is the payload's pid" sh -c "grep -Eq 'LFDS=2 LPID=([0-9]+) SELF=\\1 ' '$out'"
check "service: LISTEN_FDNAMES" has "$out" "NAMES=8080:unix-/run/app.sock"
check "service: fds 3 and 4 are sockets" sh -c "[ \$(grep -c 'socket:' '$out') = 2 ]"

# sd_notify with Debian's systemd-notify: readiness and status are logged; a sender outside the
# payload's session is refused; a missed watchdog kills and restarts the payload.
if [ -n "$NOTIFY" ]; then
	image notify --file "$NOTIFY:/bin/systemd-notify" \
		--payload "/bin/sh -c 'systemd-notify --ready --status=serving; echo SENT; sleep 1.5'"
	out=$TMPROOT/notify.out
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="" unshare --pid --fork --mount chroot "$root" /init > "$out" 2>&1 &
	upid=$!
	for i in $(seq 100); do grep -q SENT "$out" && break; sleep 0.05; done
	# A process outside the appliance's PID namespace reaches the socket through /proc/PID/root.
	initpid=$(cat /proc/$upid/task/$upid/children 2>/dev/null | tr -d ' ')
	NOTIFY_SOCKET=/proc/$initpid/root/run/minboot/notify "$NOTIFY" STATUS=intruder 2>/dev/null
	wait $upid
	check "service: systemd-notify --ready makes the init log readiness" has "$out" "] payload ready"
	check "service: STATUS= is logged" has "$out" "payload status: serving"
	check "service: a sender outside the payload's processes is refused" sh -c "grep -q 'not the payload' '$out' && ! grep -q intruder '$out'"
	boot watchdog "minboot.watchdog=0.3 minboot.restart-max=1 minboot.restart-delay=0.05 -- /bin/sh -c \"echo RUN; systemd-notify WATCHDOG=1; sleep 0.2; systemd-notify WATCHDOG=1; sleep 5\""
	check "service: a missed watchdog kills the payload" has "$out" "missed its watchdog"
	check "service: ... and restarts it" test "$(grep -c '^RUN' "$out")" = 2
	check "service: ... within the limits (${ms} ms)" test "$ms" -lt 5000
else
	fail "service: systemd-notify missing (package systemd)"
fi

# Signals: SIGUSR1/SIGHUP forwarded to the payload; a storm of them does not knock PID 1 over.
image sig --payload "/bin/sh -c 'n=0; trap \"n=\\\$((n+1))\" USR1 HUP; echo READY; while [ \$n -lt 3 ]; do sleep 0.05; done; echo GOT=\$n; exit 7'"
out=$TMPROOT/sig.out
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="" unshare --pid --fork --mount chroot "$root" /init > "$out" 2>&1 &
upid=$!
for i in $(seq 100); do grep -q READY "$out" && break; sleep 0.05; done
initpid=$(cat /proc/$upid/task/$upid/children 2>/dev/null | tr -d ' ')
i=0; while [ $i -lt 1000 ] && kill -0 "$initpid" 2>/dev/null; do kill -USR1 "$initpid" 2>/dev/null; kill -HUP "$initpid" 2>/dev/null; i=$((i+1)); done
# Pending signals of one kind merge, so the storm may count as one or two: after it, PID 1 must
# still be forwarding, one signal at a time, until the payload has counted three.
k=0; while [ $k -lt 50 ] && kill -USR1 "$initpid" 2>/dev/null; do sleep 0.1; k=$((k+1)); done
wait $upid; rc=$?
check "service: SIGUSR1/SIGHUP to PID 1 reach the payload (storm of $i pairs)" grep -q '^GOT=' "$out"
check "service: PID 1 survives the signal storm and reports status 7" sh -c "grep -q 'exit status 7' '$out' && [ $rc = 130 ]"

# 1,000 orphans, and a payload that ignores SIGTERM at shutdown.
image storm --payload "/bin/sh -c 'for i in \$(seq 1000); do (sleep 0.3 &); done; sleep 2; z=0; for f in /proc/[0-9]*/stat; do case \"\$(cat \$f 2>/dev/null)\" in *\") Z \"*) z=\$((z+1));; esac; done; echo ZOMBIES=\$z'"
boot storm ""
check "service: 1,000 orphans reaped" grep -qx "ZOMBIES=0" "$out"
image stubborn --payload "/bin/sh -c 'trap \"echo IGNORED\" TERM; echo READY; while :; do sleep 0.1; done'"
out=$TMPROOT/stubborn.out
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="minboot.stop-timeout=1" unshare --pid --fork --mount chroot "$root" /init > "$out" 2>&1 &
upid=$!
for i in $(seq 100); do grep -q READY "$out" && break; sleep 0.05; done
start=$(date +%s%N)
kill -TERM "$(cat /proc/$upid/task/$upid/children | tr -d ' ')"
wait $upid; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "service: payload ignoring SIGTERM is killed after the grace (${ms} ms)" sh -c "grep -q 'did not stop within 1000 ms' '$out' && [ $ms -lt 4000 ] && [ $rc = 130 ]"
check "service: ... and its status is 137 (SIGKILL)" has "$out" "exit status 137"

# /etc/fstab: mounted before the payload; nofail may be missing; a required missing one stops.
mkdir -p "$TMPROOT/ov/etc"
printf '# test\ntmpfs /data tmpfs size=1m,mode=0750,nosuid 0 0\n/dev/nonexistent /opt ext4 nofail 0 2\n' > "$TMPROOT/ov/etc/fstab"
image fstab --overlay "$TMPROOT/ov" --payload "/bin/sh -c 'grep \" /data \" /proc/mounts'"
boot fstab "minboot.fstab-timeout=0.2"
check "service: fstab entry mounted before the payload" grep -q "^tmpfs /data tmpfs rw,nosuid.*size=1024k,mode=750" "$out"
check "service: a missing nofail device is reported and skipped" has "$out" "device /dev/nonexistent did not appear within 200 ms"
printf '/dev/nonexistent /opt ext4 defaults 0 2\n' > "$TMPROOT/ov/etc/fstab"
image fstab2 --overlay "$TMPROOT/ov" --payload "/bin/sh -c 'echo RAN'"
boot fstab2 "minboot.fstab-timeout=0.2"
check "service: a missing required device stops the boot with a reason" sh -c "grep -q 'unable to mount /opt' '$out' && ! grep -q RAN '$out' && grep -q 'exit status 125' '$out'"
t_done
