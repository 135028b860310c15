#!/bin/sh
# The packer's segment cache and --if-newer never give wrong bytes: content hashes that collide
# for CRC-32 + Adler-32, damaged cache entries, a file changed while it is packed, --if-newer
# across checkouts and packer builds, the cache's place, more than 512 segments, --cache-max.
. tests/lib.sh
PACK=$BUILD/minboot-pack
ABS=$(cd "$BUILD" && pwd)/minboot-pack
T=$TMPROOT
command -v cpio >/dev/null || { fail "pack-cache: cpio missing"; exit 1; }
# FILE IMG PATH: the bytes of PATH in the image
member() { zcat "$1" | cpio -i --quiet --to-stdout "$2" 2>/dev/null; }

# 1. Two different files with the same CRC-32 and Adler-32 (the content hash the cache once had).
musl-gcc -static -Os -o "$T/twins" tests/helpers/crc-adler-twins.c
"$T/twins" "$T/tw1" "$T/tw2" || fail "pack-cache: no CRC-32/Adler-32 twins made"
cp "$T/tw1" "$T/in"
"$PACK" -o "$T/tw1.img" --file "$T/in:/data" --cache "$T/c1" 2>/dev/null
cp "$T/tw2" "$T/in"
"$PACK" -o "$T/tw2.img" --file "$T/in:/data" --cache "$T/c1" 2>/dev/null
twins_ok() {
	! cmp -s "$T/tw1" "$T/tw2" && member "$T/tw1.img" data | cmp -s - "$T/tw1" &&
		member "$T/tw2.img" data | cmp -s - "$T/tw2"
}
check "pack-cache: files with the same CRC-32 and Adler-32 each ship their own bytes" twins_ok

# 2. Damaged cache entries: cut short, or the same length with other bytes: rebuilt, never used.
BB=$(command -v busybox) || { fail "pack-cache: busybox-static missing"; exit 1; }
"$PACK" -o "$T/cold.img" --file "$BB:/bin/busybox" --cache "$T/c2" 2>/dev/null
for f in "$T"/c2/seg-*; do truncate -s $(($(stat -c %s "$f") / 2)) "$f"; done
"$PACK" -o "$T/trunc.img" --file "$BB:/bin/busybox" --cache "$T/c2" > "$T/trunc.log" 2>&1
check "pack-cache: truncated cache entries are rebuilt (gzip -t, and the cold pack's bytes)" sh -c \
	"gzip -t '$T/trunc.img' && cmp -s '$T/trunc.img' '$T/cold.img'"
check "pack-cache: ... and the damage is reported" has "$T/trunc.log" "is damaged"
for f in "$T"/c2/seg-*; do printf 'XXXXXXXX' | dd of="$f" bs=1 seek=40 conv=notrunc 2>/dev/null; done
"$PACK" -o "$T/flip.img" --file "$BB:/bin/busybox" --cache "$T/c2" 2>/dev/null
check "pack-cache: cache entries with changed bytes (same length) are rebuilt" sh -c \
	"gzip -t '$T/flip.img' && cmp -s '$T/flip.img' '$T/cold.img' && zcat '$T/flip.img' | cpio -it --quiet >/dev/null 2>&1"

# 3. A file changed after it was hashed, while an earlier segment is being compressed: the pack
# notices and packs again; the cache never keeps the new bytes under the old content's key.
head -c 64M /dev/urandom > "$T/big"
head -c 4096 /dev/zero | tr '\0' A > "$T/A"
head -c 4096 /dev/zero | tr '\0' B > "$T/B"
cp "$T/A" "$T/target"
mkdir -p "$T/race"
"$PACK" -o "$T/race/r.img" --cache "$T/c3" --level 9 -j 1 --file "$T/big:/a-big" \
	--file "$T/target:/z-target" > "$T/race.log" 2>&1 &
pid=$!
i=0 # hashing is over once the output's temporary file (or stage) exists
while [ $i -lt 400 ] && ! ls -A "$T/race" | grep -q tmp; do sleep 0.05; i=$((i + 1)); done
sleep 0.2
cp "$T/B" "$T/target"
wait $pid
race_rc=$?
race_ok() {
	[ $race_rc = 0 ] && has "$T/race.log" 'changed while it was being packed' &&
		member "$T/race/r.img" z-target | cmp -s - "$T/B"
}
check "pack-cache: a file changed while being packed: noticed, packed again, its new bytes shipped" race_ok
cp "$T/A" "$T/target"
"$PACK" -o "$T/after.img" --cache "$T/c3" --file "$T/big:/a-big" --level 9 -j 1 --file "$T/target:/z-target" 2>/dev/null
after_ok() { member "$T/after.img" z-target | cmp -s - "$T/A"; }
check "pack-cache: ... and the next pack of the old content ships the old content" after_ok

# 4. --if-newer: a digest of everything that makes the image, beside the output's real path.
mkdir -p "$T/co1" "$T/co2"
printf 'version one\n' > "$T/co1/app.txt"
printf 'version 222\n' > "$T/co2/app.txt"   # the same size, other bytes
(cd "$T/co2" && "$ABS" -o app.img --file app.txt:/app.txt --if-newer 2>/dev/null)
(cd "$T/co1" && "$ABS" -o app.img --file app.txt:/app.txt --if-newer 2>/dev/null)
printf 'version one\n' > "$T/co2/app.txt"   # checkout 2 now has checkout 1's inputs
(cd "$T/co2" && "$ABS" -o app.img --file app.txt:/app.txt --if-newer > "$T/co2.log" 2>&1)
co2_ok() { member "$T/co2/app.img" app.txt | grep -qx 'version one'; }
check "pack-cache: --if-newer in another checkout with the same -o rebuilds a stale image" co2_ok
"$PACK" -o "$T/co1/app.img" --file "$T/co1/app.txt:/app.txt" --if-newer > "$T/same.log" 2>&1
printf 'X' | dd of="$T/co1/app.img" bs=1 seek=5 conv=notrunc 2>/dev/null   # edited in place
"$PACK" -o "$T/co1/app.img" --file "$T/co1/app.txt:/app.txt" --if-newer > "$T/edit.log" 2>&1
check "pack-cache: --if-newer skips an unchanged pack, and rebuilds an output edited in place (same size)" sh -c \
	"grep -q 'up to date' '$T/same.log' && ! grep -q 'up to date' '$T/edit.log' && gzip -t '$T/co1/app.img'"
cp "$PACK" "$T/pack2" && printf '\0' >> "$T/pack2"   # another build of the packer
args="--init $BUILD/minboot-init --no-default-overlay --file $T/co1/app.txt:/app.txt"
"$PACK" -o "$T/pv.img" $args 2>/dev/null
"$T/pack2" -o "$T/pv.img" $args --if-newer > "$T/pv.log" 2>&1
check "pack-cache: --if-newer rebuilds for another packer binary" sh -c "! grep -q 'up to date' '$T/pv.log'"

# 5. --cache: created with its parents; one that cannot be made is an error, not a silent no-cache.
"$PACK" -o "$T/d1.img" --file "$BB:/bin/busybox" --cache "$T/deep/er/cache" 2>/dev/null
"$PACK" -o "$T/d2.img" --file "$BB:/bin/busybox" --cache "$T/deep/er/cache" > "$T/deep.log" 2>&1
check "pack-cache: --cache under missing directories is created and used" sh -c \
	"ls '$T/deep/er/cache' | grep -q '^seg-' && grep -q '(0 built' '$T/deep.log'"
: > "$T/plainfile"
"$PACK" -o "$T/d3.img" --file "$BB:/bin/busybox" --cache "$T/plainfile/cache" > "$T/nocache.log" 2>&1
rc=$?
check "pack-cache: a --cache that cannot be made fails, saying why (status $rc)" sh -c \
	"[ $rc -ne 0 ] && grep -q -- '--cache $T/plainfile/cache' '$T/nocache.log'"

# 6. More than 512 segments (a segment per --file and per --hostfiles list).
mkdir -p "$T/many"
: > "$T/many/pack.conf"
i=0
while [ $i -lt 256 ]; do
	printf 'f%d\n' $i > "$T/many/f$i"
	printf 'h%d\n' $i > "$T/many/h$i"
	printf '%s\n' "$T/many/h$i" > "$T/many/h$i.list"
	printf 'file f%d:/f/f%d\nhostfiles h%d.list\n' $i $i $i >> "$T/many/pack.conf"
	i=$((i + 1))
done
"$PACK" --config "$T/many/pack.conf" -o "$T/many.img" > "$T/many.log" 2>&1
rc=$?
many_ok() {
	[ $rc = 0 ] && member "$T/many.img" "${T#/}/many/h255" | grep -qx h255 &&
		member "$T/many.img" f/f255 | grep -qx f255
}
check "pack-cache: 516 segments pack (status $rc)" many_ok
[ $rc = 0 ] || sed 's/^/  | /' "$T/many.log" | tail -n 5

# 7. --cache-max: the least recently used entries go, by the packer's own record of use.
for n in 1 2 3; do head -c 1M /dev/urandom > "$T/lru$n"; done
lru() { n=$1; shift; "$PACK" -o "$T/lru.img" --file "$T/lru$n:/d" --cache "$T/c7" "$@" 2>&1; }
lru 1 >/dev/null; lru 2 >/dev/null; lru 1 >/dev/null   # 1 used again after 2
lru 3 --cache-max 2600K > "$T/lru3.log"
total=$(du -sb "$T/c7" | cut -f1)
lru 1 --cache-max 0 -v > "$T/lru1.log"
lru 2 --cache-max 0 -v > "$T/lru2.log"
check "pack-cache: --cache-max removes the least recently used entry (cache $total bytes)" sh -c \
	"[ $total -le 2700000 ] && grep -q 'removed 1 least recently used' '$T/lru3.log' && \
	 grep -q 'lru1:/d .*(cached)' '$T/lru1.log' && ! grep -q 'lru2:/d .*(cached)' '$T/lru2.log'"
"$PACK" -o "$T/x.img" --cache-max 12Q > "$T/cmx.log" 2>&1
check "pack-cache: a bad --cache-max is refused, saying why" has "$T/cmx.log" "cache-max 12Q: expected a size"
t_done
