#!/bin/sh
# modload --show-depends against kmod's modprobe --show-depends on Debian's whole module tree:
# every module name, and modalias strings built from every modules.alias pattern plus the real
# ones of this machine.  Queries go by chunks through -a (one process per chunk); a chunk whose
# answers differ is asked again one query per process to name the culprits.  Also: the indexes modload computes from .modinfo (no depmod) give the
# same load lists.  Both read modprobe.d: first the system's (kmod's directories), then -C with
# the host's /etc/modprobe.d and /lib/modprobe.d and a test configuration that uses every
# directive (alias, blacklist, options, install, remove, softdep, continued lines, bad lines,
# same-name files, files that are not read); both read /proc/cmdline.  kmod's complaints about
# bad lines (libkmod: ...) are left out of the comparison.
. tests/lib.sh
scripts/deps packages kmod || { fail "modload-kmod: kmod not installable"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
SRC=$KERNEL_DIR/modules/$KVER
[ -n "$KVER" ] && [ -d "$SRC" ] || { skip "modload-kmod: no kernel in $KERNEL_DIR (make kernel)"; exit 0; }
MODLOAD=$(cd "$BUILD" && pwd)/modload
JOBS=$(nproc 2>/dev/null || echo 2)

# A symlink farm, depmod'ed: the cache stays untouched.
R=$TMPROOT/root
mkdir -p "$R/lib/modules"
cp -rs "$(cd "$SRC" && pwd)" "$R/lib/modules/" || { fail "modload-kmod: symlink farm"; exit 1; }
depmod -b "$R" "$KVER" || { fail "modload-kmod: depmod"; exit 1; }
D=$R/lib/modules/$KVER

# run TOOL FILE: one invocation per line of FILE, each answer framed with its exit status;
# the tools' names in messages are made the same.  $CONF: the -C options of both tools.
cat > "$TMPROOT/run" <<'EOF'
#!/bin/sh
tool=$1 list=$2 root=$3 kver=$4
while IFS= read -r n; do
	echo "== $n"
	$tool $CONF --show-depends -d "$root" -S "$kver" "$n" 2>&1
	echo "rc=$?"
done < "$list" | grep -v '^libkmod: ' | sed 's/^[a-z]*: /X: /'
EOF
# runall TOOL FILE: the same with -a over a chunk of FILE; stdout as is, then the messages
# (sorted: the two tools interleave stdout and stderr differently) and the exit status.
cat > "$TMPROOT/runall" <<'EOF'
#!/bin/sh
tool=$1 list=$2 root=$3 kver=$4
xargs $tool $CONF --show-depends -d "$root" -S "$kver" -a < "$list" 2> "$list.err"
echo "rc=$?"
grep -v '^libkmod: ' "$list.err" | sed 's/^[a-z]*: /X: /' | sort
EOF
chmod +x "$TMPROOT/run" "$TMPROOT/runall"

# compare NAME RUNNER LIST CHUNK: both tools over LIST in chunks, in parallel; prints mismatches.
compare() {
	what=$1 runner=$2 list=$3 chunk=$4 dir=$TMPROOT/cmp-$1
	mkdir -p "$dir" && split -l "$chunk" "$list" "$dir/c."
	ls "$dir"/c.* > "$dir/chunks"
	for tool in modprobe "$MODLOAD"; do
		out=mp; [ "$tool" = modprobe ] || out=ml
		xargs -P "$JOBS" -I{} sh -c < "$dir/chunks" \
			"'$TMPROOT/$runner' '$tool' {} '$R' '$KVER' > {}.$out"
	done
	total=$(wc -l < "$list") bad=0
	for c in $(cat "$dir/chunks"); do
		cmp -s "$c.mp" "$c.ml" && continue
		# a chunk differs: find its lines one at a time
		while IFS= read -r n; do
			echo "$n" > "$dir/one"
			"$TMPROOT/run" modprobe "$dir/one" "$R" "$KVER" > "$dir/one.mp"
			"$TMPROOT/run" "$MODLOAD" "$dir/one" "$R" "$KVER" > "$dir/one.ml"
			if ! cmp -s "$dir/one.mp" "$dir/one.ml"; then
				bad=$((bad + 1))
				[ "$bad" -le 5 ] && diff "$dir/one.mp" "$dir/one.ml" | sed 's/^/  | /' | head -20
				[ "$bad" -ge 50 ] && { echo "  (stopped looking at 50)"; break 2; }
			fi
		done < "$c"
	done
	lines=$(sed 's/$/.mp/' "$dir/chunks" | xargs cat | grep -c '^insmod\|^builtin\|^install')
	echo "  $what: $total queries, $lines load-list lines from modprobe, $bad differ"
	[ "$bad" -eq 0 ] && [ "$lines" -gt 0 ]
}

start=$(date +%s)
lap() { echo "  ($(( $(date +%s) - start )) s)"; }
# 1. every module name, as the file is named ('-' kept) and normalised
sed -n 's|^\([^:]*\):.*|\1|p' "$D/modules.dep" | sed 's|.*/||; s|\.ko.*||' | sort -u > "$TMPROOT/names"
tr '-' '_' < "$TMPROOT/names" | sort -u | comm -13 "$TMPROOT/names" - > "$TMPROOT/names_"
cat "$TMPROOT/names_" >> "$TMPROOT/names"
cut -d' ' -f1 "$SRC/modules.builtin" | sed 's|.*/||; s|\.ko$||' >> "$TMPROOT/names"
echo "no-such-module" >> "$TMPROOT/names"
export CONF=
check "modload-kmod: --show-depends for every module name (the system's modprobe.d)" compare names runall "$TMPROOT/names" 500

# 2. modalias strings from every pattern ('*' -> "" and -> "0", '?' -> "0", [..] -> its first
#    character), this machine's real modaliases, and some of a QEMU guest's
sed -n 's/^alias \([^ ]*\) .*/\1/p' "$D/modules.alias" | grep -v '^symbol:' |
	sed 's/\[\(.\)[^]]*\]/\1/g; s/?/0/g' > "$TMPROOT/pat"
{ sed 's/\*//g' "$TMPROOT/pat"; sed 's/\*/0/g' "$TMPROOT/pat"
  find /sys/devices -name modalias -exec cat {} + 2>/dev/null
  cat <<'EOF'
pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00
pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00
pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00
pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01
pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80
pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30
virtio:d00000001v00001AF4
virtio:d00000002v00001AF4
acpi:PNP0303:
acpi:LNXPWRBN:
platform:serial8250
input:b0019v0000p0001e0000-e0,1,k74,ramlsfw
usb:v1D6Bp0003d0601dc09dsc00dp03ic09isc00ip00in00
crypto-crc32c
fs-ext4
net-pf-10
char-major-10-229
EOF
} | grep -v '^$' | sort -u > "$TMPROOT/aliases"
lap
check "modload-kmod: --show-depends for modalias strings (the system's modprobe.d)" compare aliases runall "$TMPROOT/aliases" 1000

# 2b. the same with -C: the host's directories, then a test configuration with every directive.
# Files named alike hide each other in -C order; modules.softdep sorts among the files by name
# (a.conf's softdep for uhci_hcd beats it, zz.conf's for jbd2 does not).
C=$TMPROOT/conf
mkdir -p "$C/one" "$C/two" "$C/one/dir.conf"
cat > "$C/one/00-test.conf" <<'EOF'
# aliases: a name, a modalias e1000 drives (modules.alias loses), a pattern, a module that is
# not there, a builtin, a symbol; bad brackets are bad lines
alias my-nic e1000
alias my_nic2 e1000e
alias pci:v00008086d0000100Esv*sd*bc*sc*i* virtio_net
alias fs-ext* ext4
alias ghost no_such_module
alias my-unix unix
alias symbol:my_symbol e1000
alias char-major-10-229 fuse
alias bad[bracket e1000
alias bad]bracket e1000
blacklist e1000e
blacklist snd-pcsp
blacklist vga16fb
blacklist ext4
blacklist
options e1000 copybreak=0	debug=1
options e1000 TxDescriptors=80
options my-nic RxDescriptors=90
options fs-ext* x=1
options dummy numdummies=2
options virtio_net
options bonding \
	max_bonds=3 \x
install pcspkr /bin/true
install snd-pc* /bin/false
install dummy /sbin/modprobe --ignore-install dummy $CMDLINE_OPTS
install made-up-thing echo made up
install e1000 /bin/true
remove bonding /bin/true
remove ghost-two /bin/true
softdep e1000 pre: crc32c my-nic post: mii no_such_word
softdep mii pre: e1000
softdep ext4 pre: crc16
softdep virtio_* post: virtio_rng
softdep ipv6 ignored-word pre:
include /etc/other.conf
config nothing
unknown directive
EOF
printf 'softdep jbd2 pre: crc32\noptions ifb numifbs=4\n' > "$C/one/zz.conf"
printf 'softdep uhci_hcd pre: ohci_hcd\n' > "$C/one/a.conf"
printf 'alias my-disk virtio_blk\n' > "$C/one/test.alias"
printf 'alias never e1000\n' > "$C/one/notconf"
printf 'alias hidden e1000\n' > "$C/one/.hidden.conf"
printf 'options ifb numifbs=5\n' > "$C/one/shadow.conf"
printf 'options ifb numifbs=6\n' > "$C/two/shadow.conf"
printf 'options snd-intel8x0m index=7\n' > "$C/two/aliases.conf"
printf 'options virtio_net napi_tx=1\nsoftdep virtio_blk pre: virtio_net\n' > "$C/single"
export CONF="-C /etc/modprobe.d -C /lib/modprobe.d -C $C/one -C $C/single -C $C/two"
for n in my-nic my_nic2 fs-ext4 fs-extra ghost my-unix symbol:my_symbol char-major-10-229 bad[bracket \
	made-up-thing made_up_thing ghost-two my-disk never hidden pcspkr snd-pcsp dummy bonding ifb \
	uhci_hcd jbd2 ext4 e1000 mii virtio_blk virtio_net; do echo "$n"; done > "$TMPROOT/confnames"
cat "$TMPROOT/names" >> "$TMPROOT/confnames"
lap
check "modload-kmod: --show-depends for every module name and the configuration's (-C)" \
	compare confnames runall "$TMPROOT/confnames" 500
lap
check "modload-kmod: --show-depends for modalias strings (-C)" compare caliases runall "$TMPROOT/aliases" 1000

# 3. the raw tree (never depmod'ed): modload computes the indexes from .modinfo itself
RAW=$TMPROOT/raw
mkdir -p "$RAW/lib/modules"
cp -rs "$(cd "$SRC" && pwd)" "$RAW/lib/modules/"
raw_vs_depmod() {
	xargs "$MODLOAD" --show-depends -d "$RAW" -S "$KVER" -a < "$TMPROOT/names" 2>/dev/null |
		sed "s|$RAW|ROOT|" > "$TMPROOT/raw.out"
	xargs "$MODLOAD" --show-depends -d "$R" -S "$KVER" -a < "$TMPROOT/names" 2>/dev/null |
		sed "s|$R|ROOT|" > "$TMPROOT/dep.out"
	n=$(grep -c . "$TMPROOT/dep.out")
	same=$(diff "$TMPROOT/dep.out" "$TMPROOT/raw.out" | grep -c '^>')
	echo "  raw tree: $n load-list lines, $same differ from the depmod'ed tree's"
	sort "$TMPROOT/dep.out" > "$TMPROOT/a" && sort "$TMPROOT/raw.out" > "$TMPROOT/b"
	cmp -s "$TMPROOT/a" "$TMPROOT/b" || { echo "  not even the same lines:"; diff "$TMPROOT/a" "$TMPROOT/b" | head; return 1; }
	[ "$same" -eq 0 ] || echo "  (same modules, some in another valid order)"
}
lap
check "modload-kmod: indexes computed from .modinfo load the same modules" raw_vs_depmod
lap

# 4. minboot-pack writes the same indexes into an image from a depmod'ed tree as from a raw one
# (a depmod'ed tree's modules.alias is read only on demand: a pack by module names must ask).
pack_indexes() { # pack_indexes TREE NAME: the image's modules.{dep,alias,softdep} into $TMPROOT/NAME
	"$BUILD/minboot-pack" -o "$TMPROOT/$2.img" --compress none --kernel-modules "$1/lib/modules/$KVER" \
		--kver "$KVER" --module e1000 --no-power-button --file "$BUILD/modload:/bin/modload" --payload /bin/modload 2>/dev/null &&
	mkdir -p "$TMPROOT/$2" && (cd "$TMPROOT/$2" && cpio -id --quiet "lib/modules/$KVER/modules.*" < "$TMPROOT/$2.img")
}
same_image_indexes() {
	pack_indexes "$R" dimg && pack_indexes "$RAW" rimg || return 1
	for f in dep alias softdep; do
		a=$TMPROOT/dimg/lib/modules/$KVER/modules.$f b=$TMPROOT/rimg/lib/modules/$KVER/modules.$f
		cmp -s "$a" "$b" || { echo "  modules.$f differs:"; diff "$a" "$b" | head -5; return 1; }
	done
	a=$TMPROOT/dimg/lib/modules/$KVER/modules.alias
	echo "  $(grep -c '^alias .* e1000$' "$a") e1000 aliases, $(grep -c '^alias' "$a") in all, in both images"
	grep -q '^alias pci:v00008086d0000100Esv\*sd\*bc\*sc\*i\* e1000$' "$a"
}
check "modload-kmod: the packer writes the same indexes from a depmod'ed tree as from a raw one" same_image_indexes
lap

# 5. an image packed with --modprobe-conf holds that file, the host's, and every module they
# pull in (a configuration alias, its softdeps; not ext4, which fs-ext4 reaches through an alias
# the file blacklists): modload in the image's tree, with the image's modprobe.d, gives the load
# lists modprobe gives on the host with the same files.
image_conf() {
	img=$TMPROOT/cimg
	"$BUILD/minboot-pack" -o "$img.img" --compress none --kernel-modules "$R/lib/modules/$KVER" --kver "$KVER" \
		--modprobe-conf "$C/one/00-test.conf" --module my-nic --module fs-ext4 --module virtio_blk \
		--file "$BUILD/modload:/bin/modload" --payload /bin/modload 2> "$img.log" || { cat "$img.log"; return 1; }
	mkdir -p "$img" && (cd "$img" && cpio -id --quiet < "$img.img") || return 1
	(cd "$img" && echo "  image: $(ls etc/modprobe.d/* lib/modprobe.d/* 2>/dev/null | tr '\n' ' ')")
	for n in my-nic e1000 fs-ext4 virtio_blk; do
		modprobe -C /etc/modprobe.d -C /lib/modprobe.d -C "$C/one/00-test.conf" --show-depends -d "$R" -S "$KVER" "$n" 2>&1 |
			grep -v '^libkmod: ' | sed "s|$R/lib/modules/$KVER/||; s/^[a-z]*: /X: /"
	done > "$img.mp"
	for n in my-nic e1000 fs-ext4 virtio_blk; do
		"$MODLOAD" -C "$img/etc/modprobe.d" -C "$img/lib/modprobe.d" --show-depends -d "$img" -S "$KVER" "$n" 2>&1 |
			sed "s|$img/lib/modules/$KVER/||; s/^[a-z]*: /X: /"
	done > "$img.ml"
	echo "  $(grep -c . "$img.mp") load-list lines; the packer warned: $(grep -c 'modprobe.d' "$img.log")"
	grep -q '^insmod kernel/crypto/crc32c_generic.ko' "$img.mp" || { echo "  softdep not in the list"; return 1; }
	cmp -s "$img.mp" "$img.ml" || { diff "$img.mp" "$img.ml" | head -20; return 1; }
}
check "modload-kmod: an image's modprobe.d and modules resolve as modprobe does on the host" image_conf
lap
t_done
