#!/bin/sh
# The packer end to end: what cpio(1) lists and extracts, byte-identical repacks, refused inputs.
. tests/lib.sh
PACK=$BUILD/minboot-pack
BB=$(command -v busybox) || { fail "pack: busybox-static missing"; exit 1; }
command -v cpio >/dev/null || { fail "pack: cpio missing"; exit 1; }

printf 'echo hi\n' > "$TMPROOT/check.sh"
img=$TMPROOT/a.img
"$PACK" -o "$img" --file "$BB:/bin/busybox" --file "$TMPROOT/check.sh:/check.sh" \
	--payload '/bin/busybox sh /check.sh one two' 2>/dev/null
zcat "$img" | cpio -it > "$TMPROOT/list" 2>/dev/null
check "pack: cpio -it lists /init" grep -qx init "$TMPROOT/list"
check "pack: cpio -it lists the --file entries" sh -c "grep -qx bin/busybox '$TMPROOT/list' && grep -qx check.sh '$TMPROOT/list'"
check "pack: /dev/console node present" grep -qx dev/console "$TMPROOT/list"
mkdir "$TMPROOT/x" && (cd "$TMPROOT/x" && zcat "$img" | cpio -idm --no-absolute-filenames 2>/dev/null)
check "pack: extracted busybox is byte-identical" cmp -s "$BB" "$TMPROOT/x/bin/busybox"
check "pack: extracted init is byte-identical" cmp -s "$BUILD/minboot-init" "$TMPROOT/x/init"
check "pack: payload recorded in /etc/minboot.conf" grep -qx "minboot.payload=/bin/busybox sh /check.sh one two" "$TMPROOT/x/etc/minboot.conf"
check "pack: default overlay laid in" grep -q '^root:x:0:0' "$TMPROOT/x/etc/passwd"

# Reproducible: other copies, other mtimes, other umask, other working directory.
mkdir -p "$TMPROOT/c1" "$TMPROOT/c2"
cp "$BB" "$TMPROOT/c1/bb"; cp "$TMPROOT/check.sh" "$TMPROOT/c1/check.sh"
cp "$BB" "$TMPROOT/c2/bb"; cp "$TMPROOT/check.sh" "$TMPROOT/c2/check.sh"
touch -d '2001-01-01' "$TMPROOT/c1/bb" "$TMPROOT/c1/check.sh"
chmod 700 "$TMPROOT/c2/check.sh"; chmod 755 "$TMPROOT/c1/check.sh"
abs=$(cd "$BUILD" && pwd)/minboot-pack
(cd "$TMPROOT/c1" && umask 022 && "$abs" -o ../r1.img --file bb:/bin/busybox --file check.sh:/check.sh --payload '/bin/busybox sh /check.sh' 2>/dev/null)
(cd "$TMPROOT/c2" && umask 077 && "$abs" -o ../r2.img --file bb:/bin/busybox --file check.sh:/check.sh --payload '/bin/busybox sh /check.sh' 2>/dev/null)
check "pack: same inputs give byte-identical images" cmp -s "$TMPROOT/r1.img" "$TMPROOT/r2.img"
SOURCE_DATE_EPOCH=1700000000 "$PACK" -o "$TMPROOT/e.img" --file "$BB:/bin/busybox" 2>/dev/null
check "pack: SOURCE_DATE_EPOCH sets mtimes" sh -c "zcat '$TMPROOT/e.img' | cpio -itv --quiet 2>/dev/null | grep -q 'Nov 14  2023 init'"
check "pack: mtimes are 0 without SOURCE_DATE_EPOCH" sh -c "zcat '$img' | cpio -itv --quiet 2>/dev/null | grep -q 'Jan  1  1970 init'"
"$PACK" -o "$TMPROOT/n.img" --compress none --file "$BB:/bin/busybox" 2>/dev/null
check "pack: --compress none writes a plain newc archive" sh -c "cpio -it < '$TMPROOT/n.img' 2>/dev/null | grep -qx bin/busybox"
# zstd: one frame per segment, the same archive inside, the same bytes from a cold cache
"$PACK" -o "$TMPROOT/z1.img" --compress zstd --file "$BB:/bin/busybox" --cache "$TMPROOT/zc1" 2>/dev/null
"$PACK" -o "$TMPROOT/z2.img" --compress zstd --file "$BB:/bin/busybox" --cache "$TMPROOT/zc2" 2>/dev/null
"$PACK" -o "$TMPROOT/g.img" --file "$BB:/bin/busybox" 2>/dev/null
check "pack: --compress zstd holds the gzip image's archive" sh -c \
	"zstd -dc '$TMPROOT/z1.img' | cmp -s - '$TMPROOT/n.img' && zcat '$TMPROOT/g.img' | cmp -s - '$TMPROOT/n.img'"
check "pack: --compress zstd is reproducible" cmp -s "$TMPROOT/z1.img" "$TMPROOT/z2.img"
check "pack: a zstd level above gzip's range is refused for gzip" sh -c \
	"! '$PACK' -o '$TMPROOT/x.img' --level 12 --file '$BB:/bin/busybox' 2> '$TMPROOT/lvl.err' && grep -q 'gzip takes 1 to 9' '$TMPROOT/lvl.err'"
check "pack: without the zstd tool, --compress zstd names its package" sh -c \
	"PATH=/nonexistent '$abs' -o '$TMPROOT/x.img' --compress zstd --file '$BB:/bin/busybox' --cache '$TMPROOT/zc3' 2>&1 | grep -q 'package zstd'"

# ELF dependencies come along: interpreter and libraries of a dynamic binary.
"$PACK" --print --file /bin/ls:/bin/ls --payload 'sh -c true' > "$TMPROOT/print" 2>&1
check "pack: --print shows the interpreter" grep -q '/lib64/ld-linux-x86-64.so.2 .*needed by /bin/ls' "$TMPROOT/print"
check "pack: --print shows libc" grep -q '/libc.so.6 .*needed by' "$TMPROOT/print"
check "pack: --payload takes the program from the host PATH" grep -q 'bin/sh .*--payload' "$TMPROOT/print"

# Refused inputs: a message naming the input, a non-zero status, the old output untouched.
cp "$img" "$TMPROOT/keep.img"
refuse() { # refuse NAME EXPECTED-MESSAGE ARGS...
	name=$1 msg=$2; shift 2
	"$PACK" -o "$img" "$@" > "$TMPROOT/refuse.out" 2>&1
	r=$?
	check "pack: refuses $name (status $r)" sh -c "[ $r -ne 0 ] && grep -q -- \"$msg\" '$TMPROOT/refuse.out' && cmp -s '$img' '$TMPROOT/keep.img'"
	[ $r -ne 0 ] || cat "$TMPROOT/refuse.out"
}
refuse "a missing file" "/nonexistent/file" --file /nonexistent/file:/x
refuse "a destination escaping the image" "bad destination" --file "$TMPROOT/check.sh:/../../etc/x"
refuse "a relative source without destination" "give the destination" --file check.sh
refuse "a payload missing on the host" "no-such-program-here" --payload 'no-such-program-here --x'
refuse "a bad --set value" "bad value for minboot.shutdown" --set minboot.shutdown=never
refuse "an unknown --set key" "unknown parameter minboot.nope" --set minboot.nope=1
refuse "a missing overlay" "/nonexistent/overlay" --overlay /nonexistent/overlay
refuse "an unknown option" "unknown option --frobnicate" --frobnicate
"$PACK" -o /nonexistent/dir/out.img --file "$BB:/bin/busybox" > "$TMPROOT/refuse.out" 2>&1
check "pack: refuses a missing output directory" sh -c "[ $? -ne 0 ] && grep -q /nonexistent/dir/out.img '$TMPROOT/refuse.out'"
check "pack: no temporary files left behind" sh -c "! ls '$TMPROOT' | grep -q '\.tmp\.'"
# supermin-style inputs: hostfiles globs and excludefiles; Debian packages; a config file.
printf '/usr/share/doc/busybox-static/*\n/etc/host*\n' > "$TMPROOT/hostfiles"
printf -- '-/usr/share/doc/busybox-static/changelog*\n-/etc/hosts.*\n' > "$TMPROOT/excludefiles"
"$PACK" --print --hostfiles "$TMPROOT/hostfiles" --excludefiles "$TMPROOT/excludefiles" > "$TMPROOT/hf" 2>&1
check "pack: --hostfiles copies what the globs match" grep -q '^f .*/usr/share/doc/busybox-static/copyright .*--hostfiles' "$TMPROOT/hf"
check "pack: --excludefiles leaves out what its globs match" sh -c "! grep -q 'changelog' '$TMPROOT/hf' && ! grep -q '/etc/hosts\.' '$TMPROOT/hf'"
"$PACK" --print --package busybox-static > "$TMPROOT/pkg" 2>&1
check "pack: --package takes a package's files from dpkg" grep -q '^f 0755 /bin/busybox .*--package busybox-static' "$TMPROOT/pkg"
check "pack: --package leaves documentation out by default" sh -c "! grep -q /usr/share/doc '$TMPROOT/pkg'"
"$PACK" --print --package libc-bin > "$TMPROOT/pkg2" 2>&1
check "pack: --package follows Depends: (libc-bin -> libc6)" grep -q 'libc.so.6 .*--package libc6' "$TMPROOT/pkg2"
refuse "a package that is not installed" "--package no-such-package: not installed" --package no-such-package
mkdir -p "$TMPROOT/app/sub"
printf 'echo from-config\n' > "$TMPROOT/app/sub/run.sh"
cat > "$TMPROOT/app/appliance.conf" <<CONF
# the whole appliance in one file
file $BB:/bin/busybox
file sub/run.sh:/run.sh
payload /bin/busybox sh /run.sh
set minboot.restart=on-failure
CONF
(cd / && "$abs" --config "$TMPROOT/app/appliance.conf" -o "$TMPROOT/cfg.img" 2>/dev/null)
check "pack: --config: options from a file, paths relative to it" sh -c "zcat '$TMPROOT/cfg.img' | cpio -i --to-stdout etc/minboot.conf 2>/dev/null | grep -qx 'minboot.restart=on-failure' && zcat '$TMPROOT/cfg.img' | cpio -it 2>/dev/null | grep -qx run.sh"
printf 'frobnicate yes\n' > "$TMPROOT/bad.conf"
refuse "an unknown option in a config file" "bad.conf:1: unknown option frobnicate" --config "$TMPROOT/bad.conf"
mkdir -p "$TMPROOT/ov2/etc"; ln -s /etc "$TMPROOT/ov2/etcx"
refuse "a destination through a symlink" "which is a symlink" --overlay "$TMPROOT/ov2" --file "$TMPROOT/check.sh:/etcx/passwd"

# --format chroot: the same tree as a directory, replaced atomically; reproducible with cpio.
"$PACK" -o "$TMPROOT/tree" --format chroot --file "$BB:/bin/busybox" --payload '/bin/busybox true' 2>/dev/null
check "pack: --format chroot writes a tree" sh -c "cmp -s '$BB' '$TMPROOT/tree/bin/busybox' && [ -x '$TMPROOT/tree/init' ] && grep -q minboot.payload '$TMPROOT/tree/etc/minboot.conf'"
touch "$TMPROOT/tree/old-marker"
"$PACK" -o "$TMPROOT/tree" --format chroot --file "$BB:/bin/busybox" 2>/dev/null
check "pack: --format chroot replaces the old tree" sh -c "[ ! -e '$TMPROOT/tree/old-marker' ] && [ -x '$TMPROOT/tree/bin/busybox' ] && ! ls '$TMPROOT' | grep -q 'tree\.old'"

# --lock: concurrent packs with the same lock both succeed.
"$PACK" -o "$TMPROOT/l1.img" --lock "$TMPROOT/lock" --file "$BB:/bin/busybox" 2>/dev/null & p1=$!
"$PACK" -o "$TMPROOT/l2.img" --lock "$TMPROOT/lock" --file "$BB:/bin/busybox" 2>/dev/null & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "pack: two concurrent packs with one --lock both succeed" sh -c "[ $r1 = 0 ] && [ $r2 = 0 ] && cmp -s '$TMPROOT/l1.img' '$TMPROOT/l2.img'"

# modprobe.d: each name's winner goes in, where it comes from, with only the lines that can apply
# to the image's modules (not those of the tree's other modules, comments, blank lines).
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
if [ -d "$KERNEL_DIR/modules/$KVER" ]; then
	printf '%s\n' '# a comment' 'options e1000 copybreak=77' 'options e100 debug=1' 'softdep e1000 pre: crc32c' \
		'blacklist floppy' 'alias my-nic e1000' 'options not_a_module x=1' 'options e1000 \' '  TxDescriptors=80' \
		> "$TMPROOT/mp.conf"
	printf '%s\n' 'options e1000 copybreak=77' 'softdep e1000 pre: crc32c' 'alias my-nic e1000' \
		'options not_a_module x=1' 'options e1000 \' '  TxDescriptors=80' > "$TMPROOT/mp.want"
	"$PACK" -o "$TMPROOT/mp.img" --compress none --kernel-modules "$KERNEL_DIR/modules/$KVER" --kver "$KVER" \
		--module e1000 --modprobe-conf "$TMPROOT/mp.conf" 2> "$TMPROOT/mp.log"
	mkdir "$TMPROOT/mp" && (cd "$TMPROOT/mp" && cpio -id --quiet < "$TMPROOT/mp.img" && find . -path '*modprobe.d/*') \
		> "$TMPROOT/mp.list"
	check "pack: modprobe.d keeps e1000's, the alias's and other names' lines verbatim, not e100's, floppy's or comments" \
		sh -c "cmp '$TMPROOT/mp.want' '$TMPROOT/mp/etc/modprobe.d/mp.conf' || diff '$TMPROOT/mp.want' '$TMPROOT/mp/etc/modprobe.d/mp.conf'"
	mp_only() { has "$TMPROOT/mp.list" '^./etc/modprobe.d/mp.conf$' &&
		hasnt "$TMPROOT/mp.list" 'lib/modprobe.d/\(aliases\|systemd\)\.conf$'; }
	check "pack: an e1000 image has no host modprobe.d file naming only other modules" mp_only
	# modules.builtin as sorted module names: every built-in of the tree, no path, no .ko, and still
	# built-in to modload; modules.builtin.modinfo's alias records sorted (smaller compressed)
	b=$TMPROOT/mp/lib/modules/$KVER/modules.builtin
	first=$(head -n1 "$b")
	check "pack: modules.builtin holds every built-in's name, sorted, no path, and modload finds them built in" sh -c \
		"[ \$(grep -c . '$b') = \$(grep -c . '$KERNEL_DIR/modules/$KVER/modules.builtin') ] && ! grep -q '/\|\.ko' '$b' &&
		 LC_ALL=C sort -c '$b' && tr '\\0' '\\n' < '$b.modinfo' | LC_ALL=C sort -c &&
		 '$BUILD/modload' --show-depends -d '$TMPROOT/mp' -S '$KVER' '$first' | grep -qx 'builtin $(echo "$first" | tr - _)'"
	# A tree ROOT/lib/modules/KVER brings ROOT/lib/modprobe.d; --modprobe-conf's file of that name masks it.
	mkdir -p "$TMPROOT/root/lib/modules" "$TMPROOT/root/lib/modprobe.d" "$TMPROOT/mpd" "$TMPROOT/mpm"
	ln -s "$(realpath "$KERNEL_DIR/modules/$KVER")" "$TMPROOT/root/lib/modules/$KVER"
	echo 'options e1000 copybreak=9' > "$TMPROOT/root/lib/modprobe.d/systemd.conf"
	echo 'options e1000 copybreak=5' > "$TMPROOT/mpd/systemd.conf"
	"$PACK" -o "$TMPROOT/mpm.img" --compress none --kernel-modules "$TMPROOT/root/lib/modules/$KVER" --kver "$KVER" \
		--module e1000 --modprobe-conf "$TMPROOT/mpd" 2> "$TMPROOT/mpm.log"
	(cd "$TMPROOT/mpm" && cpio -id --quiet < "$TMPROOT/mpm.img" && find . -name systemd.conf) > "$TMPROOT/mpm.list"
	check "pack: a masked modprobe.d file stays out: one systemd.conf, --modprobe-conf's, in /etc/modprobe.d" \
		sh -c "[ \"\$(cat '$TMPROOT/mpm.list')\" = ./etc/modprobe.d/systemd.conf ] && cmp '$TMPROOT/mpd/systemd.conf' '$TMPROOT/mpm/etc/modprobe.d/systemd.conf' || { sed 's/^/  | /' '$TMPROOT/mpm.list'; false; }"
else
	skip "pack: modprobe.d in the image (no kernel modules: make kernel)"
fi

# An installed packer (DESTDIR, another PREFIX) finds its init and default overlay.
make -s install DESTDIR="$TMPROOT/inst" PREFIX=/opt/mb > "$TMPROOT/install.log" 2>&1
"$TMPROOT/inst/opt/mb/bin/minboot-pack" -o "$TMPROOT/i.img" --file "$BB:/bin/busybox" 2>/dev/null
check "pack: make install DESTDIR= PREFIX= gives a working packer" sh -c "zcat '$TMPROOT/i.img' | cpio -it 2>/dev/null | grep -qx etc/passwd && test -x '$TMPROOT/inst/opt/mb/sbin/modload' && test -f '$TMPROOT/inst/opt/mb/share/man/man8/minboot-init.8'"
missing=
for m in man/*.[1-8]; do
	[ -f "$TMPROOT/inst/opt/mb/share/man/man${m##*.}/${m##*/}" ] || missing="$missing ${m##*/}"
done
check "pack: make install installs every man page (missing:${missing:- none})" test -z "$missing"
t_done
