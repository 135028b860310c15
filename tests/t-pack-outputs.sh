#!/bin/sh
# The packer's outputs: it replaces only what it may (regular files; a directory it wrote), every
# format's outputs together or not at all, the same bytes from the same inputs in every format,
# no temporary files left by a signal (and those of a killed pack reaped), a full disk named.
. tests/lib.sh
PACK=$BUILD/minboot-pack
T=$TMPROOT
BB=$(command -v busybox) || { fail "pack-outputs: busybox-static missing"; exit 1; }
root=0; [ "$(id -u)" = 0 ] && root=1
# no temporary file of the packer's in DIR...
clean() { for d in "$@"; do ! ls -A "$d" | grep -q 'minboot-tmp\|\.tmp\.' || { ls -A "$d" | sed 's/^/  left: /'; return 1; }; done; }
# status NAME RC LOG MESSAGE: RC non-zero and LOG says MESSAGE
refused() { [ "$2" -ne 0 ] && has "$3" "$4"; }

# 1. -o onto something that is not a regular file: refused, left as it was.
printf 'keep\n' > "$T/target"
ln -s target "$T/link"
"$PACK" -o "$T/link" --file "$BB:/bin/busybox" > "$T/link.log" 2>&1
rc=$?
check "pack-outputs: -o onto a symlink is refused; the link and its target stay (status $rc)" sh -c \
	"[ $rc -ne 0 ] && grep -q 'is a symlink' '$T/link.log' && [ -L '$T/link' ] && grep -qx keep '$T/target'"
if [ $root = 1 ]; then
	mknod "$T/null" c 1 3
	"$PACK" -o "$T/null" --file "$BB:/bin/busybox" > "$T/null.log" 2>&1
	rc=$?
	check "pack-outputs: -o onto a device node is refused; the node stays (status $rc)" sh -c \
		"[ $rc -ne 0 ] && grep -q 'is a character device' '$T/null.log' && [ -c '$T/null' ]"
else
	skip "pack-outputs: -o onto a device node (mknod needs root)"
fi
mkfifo "$T/fifo"
"$PACK" -o "$T/fifo" --file "$BB:/bin/busybox" > "$T/fifo.log" 2>&1
rc=$?
check "pack-outputs: -o onto a fifo is refused; the fifo stays (status $rc)" sh -c \
	"[ $rc -ne 0 ] && grep -q 'is a fifo' '$T/fifo.log' && [ -p '$T/fifo' ]"

# 2. --format chroot: a directory only when the packer's record says it wrote it.
mkdir -p "$T/mine" && printf 'precious\n' > "$T/mine/notes.txt"
"$PACK" -o "$T/mine" --format chroot --file "$BB:/bin/busybox" > "$T/mine.log" 2>&1
rc=$?
check "pack-outputs: chroot onto a directory the packer did not write is refused; its files stay (status $rc)" sh -c \
	"[ $rc -ne 0 ] && grep -q 'did not write' '$T/mine.log' && grep -qx precious '$T/mine/notes.txt'"
"$PACK" -o "$T/tree" --format chroot --file "$BB:/bin/busybox" 2>/dev/null
rm -rf "$T/tree" && mkdir "$T/tree" && printf 'precious\n' > "$T/tree/notes.txt"
"$PACK" -o "$T/tree" --format chroot --file "$BB:/bin/busybox" > "$T/tree.log" 2>&1
rc=$?
check "pack-outputs: chroot onto a directory put where the packer's tree was is refused (status $rc)" sh -c \
	"[ $rc -ne 0 ] && grep -q 'did not write' '$T/tree.log' && grep -qx precious '$T/tree/notes.txt'"
# the tree's root is 0755 whatever the umask; two packs give the same tree
listing() { (cd "$1" && find . -printf '%p %y %m %T@ %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
(umask 077 && "$PACK" -o "$T/t1" --format chroot --file "$BB:/bin/busybox" 2>/dev/null)
sleep 1
(umask 022 && SOURCE_DATE_EPOCH=0 "$PACK" -o "$T/t2" --format chroot --file "$BB:/bin/busybox" 2>/dev/null)
listing "$T/t1" > "$T/t1.list"; listing "$T/t2" > "$T/t2.list"
check "pack-outputs: chroot: the root is 0755 and two packs give the same tree (modes, mtimes, bytes)" sh -c \
	"[ \$(stat -c %a '$T/t1') = 755 ] && [ -s '$T/t1.list' ] && cmp -s '$T/t1.list' '$T/t2.list'"

# 3. --format ext2: reproducible; OUT and OUT.initrd replaced together or not at all.
if command -v mke2fs >/dev/null || [ -x /sbin/mke2fs ]; then
	"$PACK" -o "$T/e1" --format ext2 --file "$BB:/bin/busybox" 2>/dev/null
	sleep 1
	"$PACK" -o "$T/e2" --format ext2 --file "$BB:/bin/busybox" 2>/dev/null
	check "pack-outputs: ext2: two packs give the same disk and initramfs" sh -c \
		"[ -s '$T/e1' ] && cmp -s '$T/e1' '$T/e2' && cmp -s '$T/e1.initrd' '$T/e2.initrd'"
	cp "$T/e1" "$T/e1.keep" && cp "$T/e1.initrd" "$T/e1.initrd.keep"
	# the initramfs half fails (no zstd on PATH) after the disk is made
	PATH=/usr/sbin:/sbin "$PACK" -o "$T/e1" --format ext2 --compress zstd --file "$BB:/bin/busybox" \
		--file "$T/target:/target" > "$T/e1.log" 2>&1
	rc=$?
	check "pack-outputs: ext2: a pack failing half-way leaves both old outputs (status $rc)" sh -c \
		"[ $rc -ne 0 ] && grep -q 'zstd' '$T/e1.log' && cmp -s '$T/e1' '$T/e1.keep' && cmp -s '$T/e1.initrd' '$T/e1.initrd.keep'"
	# killed with OUT renamed and OUT.initrd not: the next pack in the directory completes it
	MINBOOT_PACK_FAULT=commit "$PACK" -o "$T/e1" --format ext2 --file "$BB:/bin/busybox" \
		--file "$T/target:/target" > /dev/null 2>&1
	"$PACK" -o "$T/other.img" --file "$BB:/bin/busybox" > "$T/finish.log" 2>&1
	mkdir "$T/e3" && "$PACK" -o "$T/e3/e" --format ext2 --file "$BB:/bin/busybox" --file "$T/target:/target" 2>/dev/null
	finished() {
		has "$T/finish.log" 'completed the interrupted commit' && cmp -s "$T/e1" "$T/e3/e" &&
			cmp -s "$T/e1.initrd" "$T/e3/e.initrd" && ! cmp -s "$T/e1" "$T/e1.keep" && clean "$T"
	}
	check "pack-outputs: ext2: a pack killed between its two renames is completed by the next pack" finished
else
	skip "pack-outputs: ext2 (mke2fs missing: package e2fsprogs)"
fi

# 4. --format iso: reproducible (the tools installed as t-qemu-pack.sh does, which runs later).
scripts/deps packages xorriso isolinux syslinux-common >/dev/null 2>&1
if [ -f /usr/lib/ISOLINUX/isolinux.bin ] && command -v xorriso >/dev/null && [ -f "$KERNEL_DIR/vmlinuz" ]; then
	"$PACK" -o "$T/a.iso" --format iso --kernel "$KERNEL_DIR/vmlinuz" --file "$BB:/bin/busybox" 2>/dev/null
	sleep 1
	"$PACK" -o "$T/b.iso" --format iso --kernel "$KERNEL_DIR/vmlinuz" --file "$BB:/bin/busybox" 2>/dev/null
	check "pack-outputs: iso: two packs give the same image" sh -c "[ -s '$T/a.iso' ] && cmp -s '$T/a.iso' '$T/b.iso'"
else
	skip "pack-outputs: iso (needs xorriso, isolinux and a kernel: scripts/deps packages xorriso isolinux syslinux-common)"
fi

# 5. Signals: SIGINT and SIGTERM remove the temporary files; SIGKILL's are reaped by the next pack.
head -c 64M /dev/urandom > "$T/big"
mkdir -p "$T/sig" "$T/sig2"
# (a shell without job control starts background commands with SIGINT ignored; ctrl-C reaches a
# foreground pack with it at its default, as env --default-signal sets it)
slow() { exec env --default-signal=INT "$PACK" -o "$T/$1/s.img" --cache "$T/${1}c" --level 9 -j 1 --file "$T/big:/big" > "$T/sig.log" 2>&1; }
started() { i=0; while [ $i -lt 400 ] && ! ls -A "$T/$1" | grep -q tmp; do sleep 0.05; i=$((i + 1)); done; sleep 0.3; }
signalled() { [ $rc -ne 0 ] && [ ! -e "$T/sig/s.img" ] && has "$T/sig.log" interrupted && clean "$T/sig" "$T/sigc"; }
for sig in INT TERM; do
	rm -rf "$T/sigc"
	slow sig & pid=$!
	started sig
	kill -$sig $pid
	wait $pid 2>/dev/null
	rc=$?
	check "pack-outputs: SIG$sig: no temporary file left, beside the output or in the cache (status $rc)" signalled
done
slow sig & pid=$!
started sig
kill -KILL $pid
wait $pid 2>/dev/null
left=$(ls -A "$T/sig" "$T/sigc" | grep -c 'minboot-tmp\|\.tmp\.')
"$PACK" -o "$T/sig/other.img" --cache "$T/sigc" --file "$BB:/bin/busybox" 2>/dev/null
reaped() { [ $left -ge 1 ] && clean "$T/sig" "$T/sigc"; }
check "pack-outputs: SIGKILL: the next pack removes what the killed one left ($left temporary files)" reaped
# ... but never what a pack still running uses
slow sig2 & pid=$!
started sig2
"$PACK" -o "$T/sig2/other.img" --cache "$T/sig2c" --file "$BB:/bin/busybox" 2>/dev/null
wait $pid
rc=$?
alongside() { [ $rc = 0 ] && gzip -t "$T/sig2/s.img" && clean "$T/sig2" "$T/sig2c"; }
check "pack-outputs: a pack running alongside keeps its temporary files and finishes (status $rc)" alongside

# 6. A full disk is named as such, with the file; a full cache costs only the cache.
if [ $root = 1 ] && command -v unshare >/dev/null; then
	mkdir -p "$T/full"
	head -c 4M /dev/urandom > "$T/rand"
	full() { # full SIZE CMD...: CMD with a SIZE tmpfs on $T/full, in a mount namespace of its own
		size=$1; shift
		unshare -m sh -c 't=$1; shift; mount -t tmpfs -o size=$0 none "$t/full" && printf "old\n" > "$t/full/keep.img" &&
			"$@"; echo "rc=$?"; ls -A "$t/full" | sed "s/^/left: /"; cat "$t/full/keep.img"' "$size" "$T" "$@"
	}
	full 1M "$PACK" -o "$T/full/keep.img" --file "$T/rand:/rand" > "$T/full.log" 2>&1
	check "pack-outputs: a full disk: 'No space left on device' naming the output; the old one kept" sh -c \
		"grep -q 'keep.img.*No space left on device' '$T/full.log' && ! grep -q 'rc=0' '$T/full.log' && \
		 ! grep -q '^left: .*minboot-tmp' '$T/full.log' && grep -q '^old' '$T/full.log'"
	full 1M "$PACK" -o "$T/full/tree" --format chroot --file "$T/rand:/rand" > "$T/fullc.log" 2>&1
	check "pack-outputs: a full disk under --format chroot says 'No space left on device', naming the file" sh -c \
		"grep -q 'tree/rand: No space left on device' '$T/fullc.log' && ! grep -q 'rc=0' '$T/fullc.log' && ! grep -q '^left: .*minboot-tmp' '$T/fullc.log'"
	full 1M "$PACK" -o "$T/fullcache.img" --cache "$T/full/cache" --file "$T/rand:/rand" > "$T/fullk.log" 2>&1
	check "pack-outputs: a full cache disk: the image is written all the same" sh -c \
		"grep -q 'rc=0' '$T/fullk.log' && grep -q 'segments are not kept' '$T/fullk.log' && \
		 zcat '$T/fullcache.img' | cpio -i --quiet --to-stdout rand 2>/dev/null | cmp -s - '$T/rand'"
else
	skip "pack-outputs: a full disk (needs root and unshare for a small tmpfs)"
fi
t_done
