#!/bin/sh
# --trace without QEMU: a program that dlopens a plugin named in its configuration (and only
# looks for a helper) is packed complete only by tracing it; the saved list packs the same image
# byte for byte; the probe, the time limit, the sandbox's walls, the guest's settings; non-root is
# refused.  Images are run in a chroot of their own (unshare --root) to show what they hold.
. tests/lib.sh
PACK=$BUILD/minboot-pack
command -v gcc > /dev/null || { fail "pack-trace: gcc missing"; exit 1; }
command -v busybox > /dev/null || { fail "pack-trace: busybox missing"; exit 1; }

check "pack-trace: non-root is refused, saying why and what to do instead" sh -c \
	"! setpriv --reuid=65534 --regid=65534 --clear-groups '$PACK' --print --trace --payload /bin/true \
	 > '$TMPROOT/nonroot' 2>&1 && grep -q 'needs root.*--hostfiles FILE from a traced pack' '$TMPROOT/nonroot'"
check "pack-trace: --trace-save without --trace is refused" sh -c \
	"! '$PACK' --print --trace-save '$TMPROOT/x' --payload /bin/true > '$TMPROOT/ts' 2>&1 &&
	 grep -q -- '--trace-save needs --trace' '$TMPROOT/ts'"
check "pack-trace: --trace with --oci is refused (the image has a root of its own)" sh -c \
	"! '$PACK' --print --trace --oci '$TMPROOT/none' --payload /bin/true > '$TMPROOT/to' 2>&1 &&
	 grep -q 'an --oci image has a root of its own' '$TMPROOT/to'"
[ "$(id -u)" = 0 ] || { skip "pack-trace: the rest needs root (namespaces)"; t_done; exit; }

# The demo lives outside /tmp: the sandbox has a fresh /tmp, as the guest has.
D=$(cd "$BUILD" && pwd)/t-pack-trace.$$
trap 'rm -rf "$TMPROOT" "$D"' EXIT
mkdir -p "$D/bin" "$D/lib"
H=tests/helpers
gcc -O2 -o "$D/bin/trace-app" $H/trace-app.c &&
gcc -O2 -shared -fPIC -o "$D/lib/greet.so.1" $H/trace-plugin.c && ln -s greet.so.1 "$D/lib/greet.so" &&
gcc -O2 -shared -fPIC -o "$D/lib/libtracehelper.so" $H/trace-helperlib.c &&
gcc -O2 -o "$D/bin/helper" $H/trace-helper.c -L"$D/lib" -ltracehelper -Wl,-rpath,"$D/lib" ||
	{ fail "pack-trace: the demo program does not build"; exit 1; }
printf '#!/bin/sh\necho tool ran\n' > "$D/bin/tool" && chmod 755 "$D/bin/tool"
# relative names from the working directory, and glob characters a saved list must escape
printf 'plugin=lib/greet.so\nhelper=bin/helper\nrun=bin/tool\n' > "$D/app[1].conf"
printf 'plugin=%s/lib/greet.so\nhelper=%s/bin/helper\nrun=%s/bin/tool\n' "$D" "$D" "$D" > "$D/app.conf"
W="--set minboot.workdir=$D"
APP="$D/bin/trace-app app[1].conf"

# What only the trace finds: the configuration, the plugin (its symlink kept), the helper, the
# helper's library (an ELF file's libraries, which the run never loaded).
"$PACK" --print -v --trace $W --payload "$APP" > "$TMPROOT/t.print" 2> "$TMPROOT/t.err"
"$PACK" --print $W --payload "$APP" > "$TMPROOT/n.print" 2>&1
check "pack-trace: --print lists the plugin with a --trace why, and without --trace it is not there" sh -c \
	"grep -q '^f .*$D/lib/greet.so.1 *--trace: opened by 2 ($D/bin/trace-app)' '$TMPROOT/t.print' &&
	 ! grep -q greet.so '$TMPROOT/n.print'"
check "pack-trace: the plugin's symlink is kept as a symlink" grep -q "^l .*$D/lib/greet.so *--trace: opened" "$TMPROOT/t.print"
check "pack-trace: the configuration, opened relative to minboot.workdir" grep -q "^f .*$D/app\[1\].conf *--trace: opened by 2" "$TMPROOT/t.print"
check "pack-trace: the helper it only looks for, and that helper's library (the run-time closure's)" sh -c \
	"grep -q '^f .*$D/bin/helper *--trace: checked by 2' '$TMPROOT/t.print' &&
	 grep -q '^f .*$D/lib/libtracehelper.so *needed by $D/bin/helper' '$TMPROOT/t.print'"
check "pack-trace: a script it runs, and the script's #! interpreter (which only the kernel opens)" sh -c \
	"grep -q '^f .*$D/bin/tool *--trace: executed by [0-9]* ($D/bin/trace-app)' '$TMPROOT/t.print' &&
	 grep -q '^[fl] .* /bin/sh *needed by $D/bin/tool (its #! interpreter)' '$TMPROOT/t.print'"
check "pack-trace: a path it looked for that this host lacks is said" has "$TMPROOT/t.err" "not on this host: /etc/ld.so.preload, checked by 2"
check "pack-trace: the run's end is said" has "$TMPROOT/t.err" "ran .* s and exited with status 0; .* paths looked up"

# The saved list packs the same image, byte for byte, without tracing (separate caches: every
# segment compressed afresh).
"$PACK" -o "$TMPROOT/a.img" --cache "$TMPROOT/c1" --trace --trace-save "$TMPROOT/list" $W --payload "$APP" 2>/dev/null
"$PACK" -o "$TMPROOT/b.img" --cache "$TMPROOT/c2" --hostfiles "$TMPROOT/list" $W --payload "$APP" 2> "$TMPROOT/b.err"
check "pack-trace: --trace-save writes a hostfiles list (sorted, glob characters escaped)" sh -c \
	"grep -qx '$D/lib/greet.so.1' '$TMPROOT/list' && grep -qxF '$D/app\\[1\\].conf' '$TMPROOT/list' &&
	 grep -v '^#' '$TMPROOT/list' | LC_ALL=C sort -c"
check "pack-trace: --hostfiles LIST in place of --trace gives the same image byte for byte" sh -c \
	"[ -s '$TMPROOT/a.img' ] && cmp '$TMPROOT/a.img' '$TMPROOT/b.img' && ! grep -q 'nothing matches' '$TMPROOT/b.err'"

# The images themselves: run in a chroot, the traced one loads its plugin, the other cannot.
# (the program and its configuration given with --file: what a pack without --trace knows)
F="--format chroot --file $D/bin/trace-app:/usr/bin/trace-app --file $D/app.conf:/etc/app.conf"
"$PACK" -o "$TMPROOT/ct" $F --trace --payload 'trace-app /etc/app.conf' 2>/dev/null
"$PACK" -o "$TMPROOT/cn" $F --payload 'trace-app /etc/app.conf' 2>/dev/null
unshare --root="$TMPROOT/ct" /usr/bin/trace-app /etc/app.conf > "$TMPROOT/ct.out" 2>&1
unshare --root="$TMPROOT/cn" /usr/bin/trace-app /etc/app.conf > "$TMPROOT/cn.out" 2>&1
check "pack-trace: the traced image runs the program, which loads its plugin; the same image without --trace does not" sh -c \
	"grep -q 'hello from the plugin' '$TMPROOT/ct.out' && grep -q 'tool ran' '$TMPROOT/ct.out' &&
	 grep -q 'greet.so: cannot open shared object file' '$TMPROOT/cn.out' && ! grep -q hello '$TMPROOT/cn.out'"

# A server loads the plugin at its first request: only a probe makes it show.
port=$((20000 + $$ % 20000))
SERVE="$D/bin/trace-app app[1].conf --serve $port"
start=$(date +%s)
"$PACK" --print --trace --trace-probe "busybox nc 127.0.0.1 $port </dev/null | grep -q hello" --trace-timeout 30 \
	$W --payload "$SERVE" > "$TMPROOT/p.print" 2> "$TMPROOT/p.err"
took=$(( $(date +%s) - start ))
check "pack-trace: the probe ran against the payload's port and stopped it (${took} s of a 30 s limit)" sh -c \
	"grep -q 'was stopped once the probe succeeded' '$TMPROOT/p.err' && [ $took -lt 10 ]"
check "pack-trace: ... and the plugin the request loaded is in the image" grep -q "$D/lib/greet.so.1 *--trace: opened" "$TMPROOT/p.print"
"$PACK" --print --trace --trace-timeout 1 $W --payload "$SERVE" > "$TMPROOT/np.print" 2> "$TMPROOT/np.err"
check "pack-trace: without the probe the server is stopped at the time limit, its plugin never loaded" sh -c \
	"grep -q 'was stopped at the time limit (1.0 s)' '$TMPROOT/np.err' && ! grep -q greet.so '$TMPROOT/np.print'"

# The time limit stops a program that never exits and ignores SIGTERM; nothing is left running.
start=$(date +%s)
"$PACK" -o "$TMPROOT/f.img" --trace --trace-timeout 1 $W --payload "$D/bin/trace-app app[1].conf --forever" -v 2> "$TMPROOT/f.err"
rc=$? took=$(( $(date +%s) - start ))
check "pack-trace: the time limit stops a payload that never exits (SIGKILL after SIGTERM; ${took} s)" sh -c \
	"[ $rc = 0 ] && [ $took -lt 6 ] && grep -q 'was stopped at the time limit' '$TMPROOT/f.err' && [ -s '$TMPROOT/f.img' ]"
check "pack-trace: ... and leaves no process behind" sh -c "[ -s '$TMPROOT/f.img' ] && ! pgrep -f '^$D/bin/trace-app' > /dev/null"
"$PACK" -o "$TMPROOT/g.img" --trace --trace-timeout 1 --trace-probe false $W --payload "$SERVE" > "$TMPROOT/g.out" 2>&1
rc=$?
check "pack-trace: a probe that never succeeds fails the pack, naming it, and writes nothing" sh -c \
	"[ $rc != 0 ] && grep -q \"trace-probe 'false' did not succeed\" '$TMPROOT/g.out' && [ ! -e '$TMPROOT/g.img' ] &&
	 ! pgrep -f '^$D/bin/trace-app' > /dev/null"

# The sandbox's walls: writes land in the tmpfs, the network is loopback, PIDs are its own, no
# mount outlives it; the guest's own files (/etc/hostname) are not taken from the host.
mounts=$(wc -l < /proc/self/mountinfo)
mark=/etc/minboot-trace-test.$$
"$PACK" --print --trace --payload "/bin/sh -c 'echo w > $mark && cat $mark; echo nets: \$(ls /sys/class/net); echo pid=\$\$; cat /etc/hostname'" \
	-v > "$TMPROOT/s.print" 2> "$TMPROOT/s.err"
check "pack-trace: the payload's writes stay in the sandbox" sh -c "grep -qx w '$TMPROOT/s.err' && [ ! -e $mark ]"
check "pack-trace: the sandbox has loopback only and its own PIDs" sh -c "grep -qx 'nets: lo' '$TMPROOT/s.err' && grep -qx 'pid=2' '$TMPROOT/s.err'"
check "pack-trace: no mount is left behind" sh -c \
	"grep -q 'ran .* and exited with status 0' '$TMPROOT/s.err' && [ \$(wc -l < /proc/self/mountinfo) = $mounts ]"
check "pack-trace: files the guest makes at boot are not taken from the host" sh -c \
	"grep -q '/etc/hostname left out: the image has its own' '$TMPROOT/s.err' && ! grep -q ' /etc/hostname ' '$TMPROOT/s.print'"

# The guest's settings apply to the traced run: its user (from the image's /etc/passwd), env.
"$PACK" --print --trace --set minboot.user=nobody --set minboot.env.TRACE_FOO=bar --set minboot.env.HOME=/srv \
	--payload "/bin/sh -c 'echo uid=\$(id -u) foo=\$TRACE_FOO home=\$HOME; env | grep -c ^HOME='" > /dev/null 2> "$TMPROOT/u.err"
check "pack-trace: minboot.user and minboot.env.* apply in the sandbox (env.HOME replacing the init's)" sh -c \
	"grep -qx 'uid=65534 foo=bar home=/srv' '$TMPROOT/u.err' && grep -qx 1 '$TMPROOT/u.err'"

# A real program the run-time closure packs (python3 and its standard library): the trace takes
# only what no rule provides, and its list still packs the same image byte for byte.
if [ -x /usr/bin/python3 ]; then
	PYC='import json, sqlite3; print(json.dumps({"sqlite": sqlite3.sqlite_version}))'
	PY="/usr/bin/python3 -c '$PYC'"
	"$PACK" -o "$TMPROOT/py" --format chroot --trace --trace-save "$TMPROOT/py.list" --payload "$PY" 2>/dev/null
	unshare --root="$TMPROOT/py" /usr/bin/python3 -c "$PYC" > "$TMPROOT/py.out" 2>&1
	check "pack-trace: python3 runs from its traced image; the trace took none of the rules' files" sh -c \
		"grep -q '\"sqlite\"' '$TMPROOT/py.out' && [ -s '$TMPROOT/py.list' ] &&
		 ! grep -q -e '^/usr/lib/python3.11/' -e '^/usr/bin/python3' '$TMPROOT/py.list'"
	"$PACK" -o "$TMPROOT/py1.img" --cache "$TMPROOT/c3" --trace --trace-save "$TMPROOT/py.list" --payload "$PY" 2>/dev/null
	"$PACK" -o "$TMPROOT/py2.img" --cache "$TMPROOT/c4" --hostfiles "$TMPROOT/py.list" --payload "$PY" 2>/dev/null
	check "pack-trace: ... and its saved list gives the same image byte for byte (the closure's rules and pycs included)" sh -c \
		"[ -s '$TMPROOT/py1.img' ] && cmp '$TMPROOT/py1.img' '$TMPROOT/py2.img'"
else
	skip "pack-trace: python3 is not installed"
fi
t_done
