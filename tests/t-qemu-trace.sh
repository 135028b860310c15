#!/bin/sh
# --trace under QEMU/TCG: a program that dlopens the plugin its configuration names boots from
# its traced image and loads the plugin; the same pack without --trace boots and fails to.
# (tests/t-pack-trace.sh checks the packer's side; this is the guest's.)  Two short boots.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "qemu-trace: no kernel (make kernel)"; exit 1; }
[ "$(id -u)" = 0 ] || { skip "qemu-trace: --trace needs root"; exit 0; }
command -v gcc > /dev/null || { fail "qemu-trace: gcc missing"; exit 1; }
PACK=$BUILD/minboot-pack

# outside /tmp: the sandbox has a fresh /tmp, as the guest has
D=$(cd "$BUILD" && pwd)/t-qemu-trace.$$
trap 'rm -rf "$TMPROOT" "$D"' EXIT
mkdir -p "$D/lib"
gcc -O2 -o "$D/trace-app" tests/helpers/trace-app.c &&
gcc -O2 -shared -fPIC -o "$D/lib/greet.so" tests/helpers/trace-plugin.c ||
	{ fail "qemu-trace: the demo program does not build"; exit 1; }
printf 'plugin=%s/lib/greet.so\n' "$D" > "$D/app.conf"
A="--file $D/trace-app:/usr/bin/trace-app --file $D/app.conf:/etc/app.conf --payload"

"$PACK" -o "$TMPROOT/t.img" --trace $A 'trace-app /etc/app.conf' 2>/dev/null
"$PACK" -o "$TMPROOT/n.img" $A 'trace-app /etc/app.conf' 2>/dev/null
qemu-scripts/run --accel tcg -q -t 60 -i "$TMPROOT/t.img" > "$TMPROOT/t.out" 2>&1 < /dev/null
rt=$?
qemu-scripts/run --accel tcg -q -t 60 -i "$TMPROOT/n.img" > "$TMPROOT/n.out" 2>&1 < /dev/null
rn=$?
check "qemu-trace: the traced image boots and its program loads the plugin (status $rt)" sh -c \
	"grep -q 'trace-app: hello from the plugin' '$TMPROOT/t.out' && [ $rt = 0 ]"
# the control, judged with the traced boot: the same pack without --trace boots and cannot
check "qemu-trace: ... and the same pack without --trace boots and cannot load it (status $rn)" sh -c \
	"[ $rt = 0 ] && grep -q 'greet.so: cannot open shared object file' '$TMPROOT/n.out' &&
	 grep -q 'minboot: exit status 1' '$TMPROOT/n.out' && ! grep -q hello '$TMPROOT/n.out'"
t_done
