#!/bin/sh
# The build with the user's own flags: CFLAGS and LDFLAGS given on make's command line replace
# the optimisation, never the flags the build needs (-std, -I, -static ...), which live apart.
. tests/lib.sh
make -s -j2 BUILD="$TMPROOT/b" CFLAGS=-O2 LDFLAGS=-Wl,-O1 > "$TMPROOT/build.log" 2>&1
rc=$?
[ "$rc" = 0 ] || tail -n 20 "$TMPROOT/build.log"
check "build: make CFLAGS=-O2 LDFLAGS=-Wl,-O1 builds every program" sh -c "[ $rc = 0 ] && test -x '$TMPROOT/b/minboot-init' && test -x '$TMPROOT/b/minboot-pack'"
check "build: ... and the init is still static" sh -c "file '$TMPROOT/b/minboot-init' | grep -q 'statically linked'"
t_done
