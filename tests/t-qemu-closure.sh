#!/bin/sh
# The run-time closure in a guest: an image packed from --payload 'python3 ...' alone boots and
# imports http.server (the standard library came along, its pycs valid in the image), and a
# #!/usr/bin/env python3 script runs (env and python3 found through the image's PATH).
# Two boots of one image under QEMU/TCG; the import time is printed (python -X importtime).
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "qemu-closure: no kernel (make kernel)"; exit 1; }
PACK=$BUILD/minboot-pack
T=$TMPROOT
printf '#!/usr/bin/env python3\nimport sys, http.server\nprint("SCRIPT-OK", sys.version.split()[0], http.server.__name__)\n' > "$T/app.py"
chmod 755 "$T/app.py"
"$PACK" -o "$T/py.img" --file "$T/app.py:/app/app.py" \
	--payload "python3 -X importtime -c 'import http.server; print(\"PY-OK\", http.server.__name__)'" 2> "$T/pack.err"
check "qemu-closure: the python image packs" test -s "$T/py.img"
echo "  qemu-closure: image $(wc -c < "$T/py.img") bytes"
qemu-scripts/run --accel tcg -q -m 512 -t 150 -i "$T/py.img" > "$T/py.out" 2>&1 < /dev/null
rc=$?
check "qemu-closure: python3 imports http.server in the guest" has "$T/py.out" "PY-OK http.server"
check "qemu-closure: ... and exits 0 (got $rc)" test "$rc" = 0
imp=$(tr -d '\r' < "$T/py.out" | sed -n 's/.*import time: *[0-9]* | *\([0-9]*\) | http.server$/\1/p' | tail -n 1)
echo "  qemu-closure: import http.server: ${imp:-?} us cumulative (python -X importtime, TCG)"
qemu-scripts/run --accel tcg -q -m 512 -t 150 -i "$T/py.img" -a "-- /app/app.py" > "$T/sc.out" 2>&1 < /dev/null
check "qemu-closure: a #!/usr/bin/env python3 script runs in the guest" has "$T/sc.out" "SCRIPT-OK 3\..* http.server"
t_done
