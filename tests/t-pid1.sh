#!/bin/sh
# PID-1 behaviour in a PID namespace: the real init binary runs as PID 1 of a new PID and mount
# namespace, chrooted into a small tree with busybox.  A poweroff from PID 1 of a PID namespace
# ends the namespace with SIGINT (reboot: SIGHUP), which unshare passes on as its own status:
# 130 = the poweroff path was taken, 129 = reboot.
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "pid1: needs root for PID and mount namespaces"; exit 0; }
BB=$(command -v busybox) || { fail "pid1: busybox-static missing"; exit 1; }

root=$TMPROOT/root
mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$BUILD/minboot-init" "$root/init"
cp "$BB" "$root/bin/busybox"
for a in sh sleep seq grep wc cat echo kill trap ls; do ln -sf busybox "$root/bin/$a"; done

# boot NAME CMDLINE CONF -> $out (console) and $rc (unshare's status)
boot() {
	out=$TMPROOT/$1.out
	printf '%s\n' "$3" > "$root/etc/minboot.conf"
	start=$(date +%s%N)
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="$2" TERM=dumb timeout -k 2 30 \
		unshare --pid --fork --mount chroot "$root" /init > "$out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

cat > "$root/zombies.sh" <<'S'
for i in $(seq 200); do (sleep 0.2 &) ; done
sleep 1.5
z=0
for f in /proc/[0-9]*/stat; do
	case "$(cat $f 2>/dev/null)" in *") Z "*) z=$((z+1)) ;; esac
done
echo "ZOMBIES=$z PID=$$"
exit 3
S
boot zombies "" "minboot.payload=/bin/sh /zombies.sh"
check "pid1: 200 orphans reaped (no zombie left)" has "$out" "ZOMBIES=0"
check "pid1: payload exit status reported" has "$out" "payload exited with status 3"
check "pid1: payload exit takes the poweroff path" test "$rc" = 130
check "pid1: /proc, /sys, /dev mounted without error" sh -c "grep -q ZOMBIES '$out' && ! grep -q 'unable to mount' '$out'"

# The kernel groups words with double quotes only.
boot override "x=1 -- /bin/sh -c \"echo ARGS=\$0\" three" "minboot.payload=/bin/sh -c 'echo ARGS=\$0' one"
check "pid1: -- on the command line overrides the payload" has "$out" "ARGS=three"

boot nopayload "" ""
check "pid1: missing payload is reported" has "$out" "no payload"
check "pid1: missing payload powers off" test "$rc" = 130

boot badparam "minboot.shutdown=explode" "minboot.payload=/bin/sh -c 'echo RAN'"
check "pid1: bad parameter is reported" has "$out" "bad value for minboot.shutdown: 'explode'"
check "pid1: bad parameter: payload not started" hasnt "$out" "RAN"
check "pid1: bad parameter powers off" test "$rc" = 130

boot typo "minboot.restrat=always" "minboot.payload=/bin/true"
check "pid1: unknown minboot.* key is reported" has "$out" "unknown parameter minboot.restrat"

boot badconf "" "minboot.payload=/bin/true
minboot.stop-timeout=never"
check "pid1: bad /etc/minboot.conf line is reported with its number" has "$out" "/etc/minboot.conf: line 2"

boot noexec "" "minboot.payload=/nonexistent arg"
check "pid1: exec failure is reported" has "$out" "unable to run /nonexistent: No such file or directory"
check "pid1: exec failure gives status 127" has "$out" "payload exited with status 127"

boot reboot "minboot.shutdown=reboot" "minboot.payload=/bin/true"
check "pid1: minboot.shutdown=reboot reboots" test "$rc" = 129

# A leftover process that ignores SIGTERM is killed after the grace period.
boot stubborn "minboot.stop-timeout=1" "minboot.payload=/bin/sh -c '(trap \"\" TERM; sleep 60) & sleep 0.2; exit 0'"
check "pid1: process ignoring SIGTERM is killed after the grace period" has "$out" "killing them"
check "pid1: ... and the shutdown completes in time (${ms} ms)" test "$ms" -lt 10000

# SIGTERM to PID 1 stops the payload and powers off.
printf '%s\n' "minboot.payload=/bin/sh -c \"trap 'echo GOT-TERM; exit 0' TERM; echo READY; while :; do sleep 0.1; done\"" > "$root/etc/minboot.conf"
out=$TMPROOT/sigterm.out
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="" unshare --pid --fork --mount chroot "$root" /init > "$out" 2>&1 &
upid=$!
for i in $(seq 50); do grep -q READY "$out" && break; sleep 0.1; done
initpid=$(cat /proc/$upid/task/$upid/children 2>/dev/null | tr -d ' ')
[ -n "$initpid" ] && kill -TERM "$initpid"
wait $upid; rc=$?
check "pid1: SIGTERM to PID 1 starts the shutdown" has "$out" "SIGTERM received"
check "pid1: the payload's TERM handler ran" grep -qx GOT-TERM "$out"
check "pid1: SIGTERM ends in poweroff" test "$rc" = 130

t_done
