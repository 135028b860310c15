#!/bin/sh
# --format erofs and squashfs (pack side): a clean filesystem (fsck.erofs, unsquashfs) holding
# the image with its owners and modes, the UUID the small initramfs's root= names (erofs's
# superblock; squashfs's MBID record after the filesystem), the same bytes from the same inputs;
# --compress lz4 (the legacy frames lz4 -dc reads) and the combinations refused.
. tests/lib.sh
PACK=$BUILD/minboot-pack
T=$TMPROOT
BB=$(command -v busybox) || { fail "pack-erofs: busybox-static missing"; exit 1; }
for t in mkfs.erofs fsck.erofs dump.erofs mksquashfs unsquashfs lz4 cpio; do
	command -v $t >/dev/null || { fail "pack-erofs: $t missing (make check installs erofs-utils squashfs-tools lz4)"; exit 1; }
done
mkdir -p "$T/data" && printf 'hello\n' > "$T/data/a.txt" && printf 'secret\n' > "$T/data/b.txt"
kver=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
[ -d "$KERNEL_DIR/modules/$kver" ] || { fail "pack-erofs: no kernel modules in $KERNEL_DIR (make kernel)"; exit 1; }
args="--kernel-modules $KERNEL_DIR/modules/$kver --kver $kver --file $BB:/bin/busybox --file $T/data:/srv --chown 1234:4321:/srv/b.txt --chmod 0600:/srv/b.txt --payload '/bin/busybox true'"
pack() { eval "\"$PACK\" $args \"\$@\""; }

for fs in erofs squashfs; do
	SOURCE_DATE_EPOCH=1700000000 pack -o "$T/a.$fs" --format $fs > "$T/$fs.log" 2>&1
	check "pack-erofs: --format $fs writes the disk and its initramfs" sh -c \
		"[ -s '$T/a.$fs' ] && [ -s '$T/a.$fs.initrd' ]" || sed 's/^/  | /' "$T/$fs.log"
	uuid=$(sed -n "s/.*$fs root filesystem (UUID \(.*\))/\1/p" "$T/$fs.log")
	zcat "$T/a.$fs.initrd" 2>/dev/null | cpio -i --quiet --to-stdout etc/minboot.conf > "$T/$fs.conf" 2>/dev/null
	# overlay is loaded when the root is mounted, not by modules-load= before coldplug's first drivers
	check "pack-erofs: $fs: the small initramfs mounts UUID $uuid as $fs under an overlay (its module on demand)" sh -c \
		"[ -n '$uuid' ] && grep -qx 'root=UUID=$uuid' '$T/$fs.conf' && grep -qx 'rootfstype=$fs' '$T/$fs.conf' &&
		 grep -qx 'minboot.root-overlay=1' '$T/$fs.conf' && ! grep -q '^modules-load=' '$T/$fs.conf'" ||
		sed 's/^/  | /' "$T/$fs.conf"
	zcat "$T/a.$fs.initrd" | cpio -t --quiet > "$T/$fs.small" 2>/dev/null
	check "pack-erofs: $fs: the small initramfs has the init, the $fs and overlay modules, the mount points, not the payload" sh -c \
		"grep -qx init '$T/$fs.small' && grep -q '/$fs.ko\$' '$T/$fs.small' && grep -q '/overlay.ko\$' '$T/$fs.small' &&
		 grep -qx .root-ro '$T/$fs.small' && grep -qx .root-rw '$T/$fs.small' && ! grep -q 'busybox\|srv/a.txt' '$T/$fs.small'"
	SOURCE_DATE_EPOCH=1700000000 XDG_CACHE_HOME=$T/cache2 pack -o "$T/b.$fs" --format $fs > /dev/null 2>&1
	check "pack-erofs: $fs: the same inputs give the same bytes (disk and initramfs, another cache)" sh -c \
		"cmp -s '$T/a.$fs' '$T/b.$fs' && cmp -s '$T/a.$fs.initrd' '$T/b.$fs.initrd'"
done
# --root-compress none: the same files, nothing compressed (a larger disk, another UUID)
for fs in erofs squashfs; do
	SOURCE_DATE_EPOCH=1700000000 pack -o "$T/n.$fs" --format $fs --root-compress none > "$T/n$fs.log" 2>&1
	nuuid=$(sed -n "s/.*$fs root filesystem (UUID \(.*\))/\1/p" "$T/n$fs.log")
	check "pack-erofs: $fs --root-compress none: a larger disk than compressed, with a UUID of its own" sh -c \
		"[ \$(stat -c %s '$T/n.$fs') -gt \$(stat -c %s '$T/a.$fs') ] && [ -n '$nuuid' ] &&
		 ! grep -q 'UUID $nuuid' '$T/$fs.log'" || sed 's/^/  | /' "$T/n$fs.log"
done
fsck.erofs --extract="$T/nx" "$T/n.erofs" > /dev/null 2>&1
check "pack-erofs: erofs --root-compress none: clean, no compression feature (dump.erofs), the same files" sh -c \
	"dump.erofs -s '$T/n.erofs' | grep 'features' | grep -vq 0padding && cmp -s '$T/nx/bin/busybox' '$BB' &&
	 cmp -s '$T/nx/srv/a.txt' '$T/data/a.txt'"
check "pack-erofs: squashfs --root-compress none: unsquashfs says data, inodes and fragments are uncompressed" sh -c \
	"unsquashfs -s '$T/n.squashfs' > '$T/nsq.log' 2>&1; grep -q 'Data is uncompressed' '$T/nsq.log' &&
	 grep -q 'Inodes are uncompressed' '$T/nsq.log' && grep -q 'Fragments are uncompressed' '$T/nsq.log'"
fsck.erofs "$T/a.erofs" > "$T/fsck.log" 2>&1
check "pack-erofs: erofs: fsck.erofs finds it clean" test $? = 0
check "pack-erofs: erofs: the superblock (magic 0xE0F5E1E2 at 1024) names the UUID" sh -c \
	"dump.erofs -s '$T/a.erofs' 2>/dev/null > '$T/dump.log'; grep -qi 'UUID: *$(sed -n 's/.*erofs root filesystem (UUID \(.*\))/\1/p' "$T/erofs.log")' '$T/dump.log' &&
	 hexdump -s 1024 -n 4 -e '1/4 \"%08x\"' '$T/a.erofs' | grep -qx e0f5e1e2"
mkdir -p "$T/x" && fsck.erofs --extract="$T/x/erofs" "$T/a.erofs" > /dev/null 2>&1
check "pack-erofs: erofs: the files' bytes, owners and modes are the plan's" sh -c \
	"cmp -s '$T/x/erofs/srv/a.txt' '$T/data/a.txt' && [ \"\$(stat -c '%u:%g %a' '$T/x/erofs/srv/b.txt')\" = '1234:4321 600' ] &&
	 [ \"\$(stat -c '%u:%g %Y' '$T/x/erofs/bin/busybox')\" = '0:0 1700000000' ] && [ -d '$T/x/erofs/.root-ro' ] && [ -d '$T/x/erofs/.root-rw' ]"
unsquashfs -s "$T/a.squashfs" > "$T/sqs.log" 2>&1
check "pack-erofs: squashfs: unsquashfs reads it: zstd, made at SOURCE_DATE_EPOCH" sh -c \
	"grep -q 'Compression zstd' '$T/sqs.log' && grep -q 'Creation or last append time Tue Nov 14 22:13:20 2023' '$T/sqs.log'"
unsquashfs -lln "$T/a.squashfs" > "$T/sql.log" 2>&1
check "pack-erofs: squashfs: owners and modes are the plan's" sh -c \
	"grep -q -- '-rw------- 1234/4321 .*/srv/b.txt\$' '$T/sql.log' && grep -q -- '-rwxr-xr-x 0/0 .*/bin/busybox\$' '$T/sql.log'" ||
	sed 's/^/  | /' "$T/sql.log"
used=$(od -A n -t u8 -j 40 -N 8 "$T/a.squashfs" | tr -d ' ')
at=$(( (used + 4095) / 4096 * 4096 + 1024 ))
uuid=$(sed -n 's/.*squashfs root filesystem (UUID \(.*\))/\1/p' "$T/squashfs.log" | tr -d -)
check "pack-erofs: squashfs: the MBID record after the filesystem holds its UUID" sh -c \
	"[ \"\$(dd if='$T/a.squashfs' bs=1 skip=$at count=4 2>/dev/null)\" = MBID ] &&
	 [ \"\$(od -A n -t x1 -j $((at + 48)) -N 16 '$T/a.squashfs' | tr -d ' \n')\" = '$uuid' ] &&
	 [ \$(stat -c %s '$T/a.squashfs') = $((at - 1024 + 4096)) ]"

# --compress lz4: legacy lz4 frames, one stream per segment, read whole by lz4 -dc
pack -o "$T/l.img" --compress lz4 > "$T/lz4.log" 2>&1
check "pack-erofs: --compress lz4: the image is legacy lz4 (magic 0x184c2102)" sh -c \
	"[ \"\$(od -A n -t x4 -N 4 '$T/l.img' | tr -d ' ')\" = 184c2102 ]" || sed 's/^/  | /' "$T/lz4.log"
lz4 -dc "$T/l.img" 2>/dev/null | cpio -t --quiet > "$T/l.list" 2>/dev/null
check "pack-erofs: --compress lz4: lz4 -dc | cpio -t lists every segment's entries" sh -c \
	"grep -qx bin/busybox '$T/l.list' && grep -qx srv/b.txt '$T/l.list' && grep -qx etc/minboot.conf '$T/l.list'"
pack -o "$T/l12.img" --compress lz4 --level 12 > /dev/null 2>&1
pack -o "$T/l1.img" --compress lz4 --level 1 > /dev/null 2>&1
check "pack-erofs: --compress lz4 --level 1 and 12: other segments (not taken from the cache), both readable" sh -c \
	"! cmp -s '$T/l1.img' '$T/l12.img' && lz4 -dc '$T/l12.img' | cpio -t --quiet 2>/dev/null | grep -qx srv/a.txt"
pack -o "$T/l2.img" --compress lz4 > /dev/null 2>&1
check "pack-erofs: --compress lz4: the same bytes again (from the cache)" cmp -s "$T/l.img" "$T/l2.img"
pack -o "$T/g.img" --compress gzip > /dev/null 2>&1
check "pack-erofs: --compress gzip after lz4: gzip, not a cached lz4 segment" sh -c \
	"zcat '$T/g.img' | cpio -t --quiet 2>/dev/null | grep -qx srv/a.txt"

# refused, with a message
refused() { "$@" > "$T/r.log" 2>&1; [ $? -ne 0 ] && grep -q "$want" "$T/r.log" || { sed 's/^/  | /' "$T/r.log"; return 1; }; }
want='lz4 takes 1 to 12'; check "pack-erofs: --compress lz4 --level 13 is refused" refused pack -o "$T/r.img" --compress lz4 --level 13
want='expected none, gzip, zstd or lz4'; check "pack-erofs: --compress lz5 is refused" refused pack -o "$T/r.img" --compress lz5
want='is for --format erofs and squashfs'; check "pack-erofs: --root-compress with --format ext2 is refused" refused pack -o "$T/r.ext2" --format ext2 --root-compress none
want='expected auto'; check "pack-erofs: --root-compress lz4 is refused" refused pack -o "$T/r.erofs" --format erofs --root-compress lz4
want='is for --format disk'; check "pack-erofs: --root-partition with --format erofs is refused" refused pack -o "$T/r.erofs" --format erofs --root-partition yes
want='is for --format uki and disk'; check "pack-erofs: --cmdline with --format squashfs is refused" refused pack -o "$T/r.sq" --format squashfs --cmdline quiet
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	chmod 755 "$T" "$T/data" && chmod 644 "$T/data/"* && mkdir -p "$T/nobody" && chmod 777 "$T/nobody"
	want='only a pack as root can record'
	check "pack-erofs: as another user, an image with other owners than root is refused" refused \
		setpriv --reuid 65534 --regid 65534 --clear-groups env XDG_CACHE_HOME="$T/nobody/c" "$PACK" -o "$T/nobody/n.erofs" \
		--format erofs --file "$BB:/bin/busybox" --file "$T/data:/srv" --chown 1234:4321:/srv/b.txt --payload '/bin/busybox true'
	for fs in erofs squashfs; do
		setpriv --reuid 65534 --regid 65534 --clear-groups env XDG_CACHE_HOME="$T/nobody/c" "$PACK" -o "$T/nobody/n.$fs" \
			--format $fs --file "$BB:/bin/busybox" --payload '/bin/busybox true' > "$T/n.log" 2>&1
		[ $fs = erofs ] && fsck.erofs --extract="$T/nobody/x" "$T/nobody/n.erofs" > /dev/null 2>&1
		check "pack-erofs: as another user, a $fs image owned by root throughout is made (--all-root)" sh -c \
			"if [ $fs = erofs ]; then [ \"\$(stat -c %u:%g '$T/nobody/x/bin/busybox')\" = 0:0 ]; else
			 unsquashfs -lln '$T/nobody/n.$fs' 2>/dev/null | grep -q -- '-rwxr-xr-x 0/0 .*/bin/busybox\$'; fi" ||
			sed 's/^/  | /' "$T/n.log"
	done
fi
t_done
