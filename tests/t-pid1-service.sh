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
	for a in sh sleep seq cat echo kill ls id env pwd setsid grep sort tr sed nc; do ln -sf busybox "$root/bin/$a"; done
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
# What a unit's [Service] gives its process: ambient capabilities for a non-root user (port 80
# with net_bind_service), umask, limits, a directory made for it with its owner and mode.
image caps --payload "/bin/sh -c 'grep -E \"^Cap(Amb|Bnd)\" /proc/self/status; echo UMASK=\$(umask); grep \"open files\" /proc/self/limits; ls -ld /run/app; nc -l -p 80 & p=\$!; sleep 0.3; kill -0 \$p && echo BOUND-80; kill \$p'" \
	--set minboot.user=nobody --set minboot.cap-ambient=net_bind_service --set minboot.umask=027 \
	--set minboot.limit.NOFILE=4096:8192 --set minboot.dir=/run/app:2750
boot caps "" --net
check "service: minboot.cap-ambient=net_bind_service: a non-root payload binds port 80" sh -c "grep -q '^BOUND-80' '$out' && grep -q 'CapAmb:.*0000000000000400' '$out' && grep -q 'CapBnd:.*0000000000000400' '$out'"
check "service: minboot.umask=027, minboot.limit.NOFILE=4096:8192" sh -c "grep -qx 'UMASK=0027' '$out' && grep -Eq 'open files +4096 +8192' '$out'"
check "service: minboot.dir=/run/app:2750 made for the payload's user" grep -Eq '^drwxr-s--- .* nobody .* /run/app$' "$out"
boot env-baduser "minboot.user=nosuchuser"
check "service: an unknown user is refused with a reason" sh -c "grep -q 'no such user' '$out' && [ $rc = 130 ]"

# Socket activation: fds 3.. with LISTEN_FDS, LISTEN_PID = the payload's pid, LISTEN_FDNAMES.
image listen --payload "/bin/sh -c 'echo LFDS=\$LISTEN_FDS LPID=\$LISTEN_PID SELF=\$\$ NAMES=\$LISTEN_FDNAMES; ls -l /proc/self/fd/3 /proc/self/fd/4'" \
	--set minboot.listen=8080,unix:/run/app.sock
boot listen "" --net
check "service: LISTEN_FDS=2 and LISTEN_PID is the payload's pid" sh -c "grep -Eq 'LFDS=2 LPID=([0-9]+) SELF=\\1 ' '$out'"
check "service: LISTEN_FDNAMES" has "$out" "NAMES=8080:unix-/run/app.sock"
check "service: fds 3 and 4 are sockets" sh -c "[ \$(grep -c 'socket:' '$out') = 2 ]"
# Exactly LISTEN_FDS descriptors past 2, as Debian's systemd-socket-activate passes them (the
# init's copies used to move them into place were left open without close-on-exec, as 6 and 7).
image listen2 --payload "/bin/busybox ls /proc/self/fd" --set minboot.listen=8080,8081
boot listen2 "" --net
got=$(grep -E '^[0-9]+$' "$out" | sort -n | tr '\n' ' ')
# systemd-socket-activate execs at the first connection
want=$(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout 10 unshare --net sh -c "$BB ip link set lo up
	systemd-socket-activate -l 8080 -l 8081 $BB ls /proc/self/fd 2>/dev/null < /dev/null & sleep 0.3
	socat -u TCP:127.0.0.1:8080 - < /dev/null >/dev/null 2>&1; wait" | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')
check "service: minboot.listen=8080,8081: the payload holds fds '$got', as systemd-socket-activate passes them ('$want')" \
	sh -c "[ -n '$want' ] && [ '$got' = '$want' ]"

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
	boot watchdog "minboot.watchdog=0.3 minboot.restart=on-failure minboot.restart-max=1 minboot.restart-delay=0.05 -- /bin/sh -c \"echo RUN; systemd-notify WATCHDOG=1; sleep 0.2; systemd-notify WATCHDOG=1; sleep 5\""
	check "service: a missed watchdog kills the payload" has "$out" "missed its watchdog"
	check "service: ... and restarts it (Restart=on-failure)" test "$(grep -c '^RUN' "$out")" = 2
	check "service: ... within the limits (${ms} ms)" test "$ms" -lt 5000
	# systemd's WatchdogSignal=: SIGABRT first (the payload may dump its state), SIGKILL after
	# the stop timeout when it does not end
	boot abrt "minboot.watchdog=0.3 minboot.stop-timeout=0.5 -- /bin/sh -c \"trap 'echo GOT-ABRT' ABRT; systemd-notify WATCHDOG=1; while :; do sleep 0.05; done\""
	check "service: a missed watchdog sends SIGABRT first" sh -c "grep -q 'sending SIGABRT' '$out' && grep -q '^GOT-ABRT' '$out'"
	check "service: ... then SIGKILL (status 137)" sh -c "grep -q 'did not stop within 500 ms: killing it' '$out' && grep -q 'exit status 137' '$out'"
	# WATCHDOG_USEC= from the payload: a new interval (systemd-notify sends it as given)
	boot wdusec "minboot.watchdog=0.3 -- /bin/sh -c \"systemd-notify WATCHDOG_USEC=3000000; sleep 1; echo ALIVE; exit 0\""
	check "service: WATCHDOG_USEC=3000000 from the payload lengthens its watchdog" sh -c "grep -q '^ALIVE' '$out' && grep -q 'exit status 0' '$out' && ! grep -q 'missed its watchdog' '$out'"
	# MAINPID= (systemd-notify --pid): that process is the payload; the first one's exit is not
	boot mainpid "-- /bin/sh -c \"(sleep 0.5; echo DAEMON-END; exit 5) & systemd-notify --ready --pid=\$!; echo FIRST-END; exit 0\""
	check "service: systemd-notify --pid: its process is supervised" has "$out" "payload main process: pid"
	check "service: ... the first process's exit does not end the payload, the main one's does (status 5)" \
		sh -c "grep -q '^DAEMON-END' '$out' && grep -q 'exit status 5' '$out'"
	# RELOADING=1 ... READY=1: both in the log and the timeline
	boot reload "-- /bin/sh -c \"systemd-notify --ready; systemd-notify RELOADING=1; sleep 0.1; systemd-notify --ready; sleep 0.2\""
	check "service: RELOADING=1 then READY=1 in the log and the timeline" sh -c "grep -q 'payload reloading' '$out' && [ \$(grep -c '] payload ready' '$out') = 2 ] && grep -q '] payload reloading' '$out'"
else
	fail "service: systemd-notify missing (package systemd)"
fi

# python3-systemd (libsystemd's sd_listen_fds() and sd_notify()) and gunicorn, Debian's own:
# gunicorn takes the init's socket (LISTEN_FDS); a child its worker runs with system() holds no
# copy of it.  python3-systemd sends MAINPID= and WATCHDOG_USEC= and exits.
command -v gunicorn >/dev/null && python3 -c 'import systemd.daemon' 2>/dev/null ||
	scripts/deps packages gunicorn python3-systemd >/dev/null 2>&1
cat > "$TMPROOT/gconf.py" <<'P'
import os, signal
def post_worker_init(worker):
    os.system("echo CHILD-SOCKETS=$(ls -l /proc/$$/fd | grep -c socket:)")
    os.kill(worker.ppid, signal.SIGTERM)
P
printf 'def app(e, r):\n    r("200 OK", [])\n    return [b"hi"]\n' > "$TMPROOT/app.py"
cat > "$TMPROOT/sd.py" <<'P'
import subprocess, sys
from systemd import daemon
print("PY-FDS", daemon.listen_fds(), flush=True)
child = subprocess.Popen(["/bin/sh", "-c", "sleep 0.6; echo MAIN-END; exit 4"])
daemon.notify("READY=1\nSTATUS=py ready\nMAINPID=%d\nWATCHDOG_USEC=5000000" % child.pid)
sys.exit(0)
P
if image py --package gunicorn --package python3-systemd --file "$TMPROOT/gconf.py:/srv/gconf.py" \
	--file "$TMPROOT/app.py:/srv/app.py" --file "$TMPROOT/sd.py:/srv/sd.py" --set minboot.listen=8080 \
	--payload "/usr/bin/gunicorn -c /srv/gconf.py --chdir /srv -w 1 app:app"; then
	boot gunicorn "" --net
	check "service: gunicorn serves the init's socket (LISTEN_FDS)" has "$out" "Listening at: http://\[::\]:8080"
	check "service: gunicorn's READY=1 and STATUS= heard" sh -c "grep -q '] payload ready' '$out' && grep -q 'payload status: Gunicorn arbiter booted' '$out'"
	check "service: a system() child of gunicorn's worker holds no listening socket" grep -qx "CHILD-SOCKETS=0" "$out"
	boot python "minboot.watchdog=0.2 -- /usr/bin/python3 /srv/sd.py" --net
	check "service: python3-systemd's listen_fds() gets [3]" grep -qx "PY-FDS \[3\]" "$out"
	check "service: python3-systemd's MAINPID= and WATCHDOG_USEC=: the child is the payload, its watchdog 5 s" \
		sh -c "grep -q '^MAIN-END' '$out' && grep -q 'exit status 4' '$out' && grep -q 'payload watchdog: 5000 ms' '$out' && ! grep -q 'missed' '$out'"
else
	fail "service: python3 with gunicorn and python3-systemd could not be packed"
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
