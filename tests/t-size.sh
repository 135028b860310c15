#!/bin/sh
# The init is one static binary of at most 128 KiB (issue: foundation); a change that grows it
# past the budget fails here rather than in a benchmark.
. tests/lib.sh
size=$(stat -c %s "$BUILD/minboot-init")
check "size: minboot-init is statically linked" sh -c "file '$BUILD/minboot-init' | grep -q 'statically linked'"
check "size: minboot-init is $size bytes, at most 131072 (128 KiB)" test "$size" -le 131072
t_done
