#!/bin/sh
# modload --show-depends against kmod's modprobe --show-depends on Debian's whole module tree:
# every module name, and modalias strings built from every modules.alias pattern plus the real
# ones of this machine.  Queries go by chunks through -a (one process per chunk); a chunk whose
# answers differ is asked again one query per process to name the culprits.  Also: the indexes modload computes from .modinfo (no depmod) give the
# same load lists.  modprobe runs with an empty -C so /etc/modprobe.d, which modload does not
# read, stays out of the comparison; both read /proc/cmdline.
. tests/lib.sh
scripts/deps packages kmod || { fail "modload-kmod: kmod not installable"; exit 1; }
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
SRC=$KERNEL_DIR/modules/$KVER
[ -n "$KVER" ] && [ -d "$SRC" ] || { skip "modload-kmod: no kernel in $KERNEL_DIR (make kernel)"; exit 0; }
MODLOAD=$(cd "$BUILD" && pwd)/modload
JOBS=$(nproc 2>/dev/null || echo 2)

# A symlink farm, depmod'ed: the cache stays untouched.
R=$TMPROOT/root
mkdir -p "$R/lib/modules" "$TMPROOT/noconf"
cp -rs "$(cd "$SRC" && pwd)" "$R/lib/modules/" || { fail "modload-kmod: symlink farm"; exit 1; }
depmod -b "$R" "$KVER" || { fail "modload-kmod: depmod"; exit 1; }
D=$R/lib/modules/$KVER

# run TOOL FILE: one invocation per line of FILE, each answer framed with its exit status;
# the tools' names in messages are made the same.
cat > "$TMPROOT/run" <<'EOF'
#!/bin/sh
tool=$1 list=$2 root=$3 kver=$4 noconf=$5
while IFS= read -r n; do
	echo "== $n"
	if [ "$tool" = modprobe ]; then
		modprobe -C "$noconf" --show-depends -d "$root" -S "$kver" "$n" 2>&1
	else
		"$tool" --show-depends -d "$root" -S "$kver" "$n" 2>&1
	fi
	echo "rc=$?"
done < "$list" | sed 's/^[a-z]*: /X: /'
EOF
# runall TOOL FILE: the same with -a over a chunk of FILE; stdout as is, then the messages
# (sorted: the two tools interleave stdout and stderr differently) and the exit status.
cat > "$TMPROOT/runall" <<'EOF'
#!/bin/sh
tool=$1 list=$2 root=$3 kver=$4 noconf=$5
if [ "$tool" = modprobe ]; then
	xargs modprobe -C "$noconf" --show-depends -d "$root" -S "$kver" -a < "$list" 2> "$list.err"
else
	xargs "$tool" --show-depends -d "$root" -S "$kver" -a < "$list" 2> "$list.err"
fi
echo "rc=$?"
sed 's/^[a-z]*: /X: /' "$list.err" | sort
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
			"'$TMPROOT/$runner' '$tool' {} '$R' '$KVER' '$TMPROOT/noconf' > {}.$out"
	done
	total=$(wc -l < "$list") bad=0
	for c in $(cat "$dir/chunks"); do
		cmp -s "$c.mp" "$c.ml" && continue
		# a chunk differs: find its lines one at a time
		while IFS= read -r n; do
			echo "$n" > "$dir/one"
			"$TMPROOT/run" modprobe "$dir/one" "$R" "$KVER" "$TMPROOT/noconf" > "$dir/one.mp"
			"$TMPROOT/run" "$MODLOAD" "$dir/one" "$R" "$KVER" "$TMPROOT/noconf" > "$dir/one.ml"
			if ! cmp -s "$dir/one.mp" "$dir/one.ml"; then
				bad=$((bad + 1))
				[ "$bad" -le 5 ] && diff "$dir/one.mp" "$dir/one.ml" | sed 's/^/  | /' | head -20
			fi
		done < "$c"
	done
	lines=$(sed 's/$/.mp/' "$dir/chunks" | xargs cat | grep -c '^insmod\|^builtin')
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
check "modload-kmod: --show-depends for every module name" compare names runall "$TMPROOT/names" 500

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
check "modload-kmod: --show-depends for modalias strings" compare aliases runall "$TMPROOT/aliases" 1000

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
t_done
