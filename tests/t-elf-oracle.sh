#!/bin/sh
# The packer's ELF resolver (pack/libs.c) against glibc's own loader: for every dynamic ELF file
# (programs and libraries) of a few large installed Debian packages, the set of libraries
# tests/helpers/elfdeps finds must be the set `ld.so --list` loads (both as real paths); then
# synthetic cases built here with gcc, checked through minboot-pack --print: DT_RPATH inherited
# down the loader chain, DT_RUNPATH not inherited (a name already loaded still answers), 71
# DT_NEEDED entries, a 140-character soname, $ORIGIN (also through a symlinked program and into
# another image path), $LIB and $PLATFORM, glibc-hwcaps variants, and a library that only
# ld.so.cache finds (an ld.so.conf directory: the image gets its own cache).
. tests/lib.sh
PACK=$BUILD/minboot-pack
RTLD=/lib64/ld-linux-x86-64.so.2
MUSLCC=${MUSLCC:-musl-gcc}
ZLIB=${ZLIB:-.cache/zlib-v2/lib/libz.a}
NETTLE=${NETTLE:-.cache/nettle-v1/lib/libnettle.a}
T=$TMPROOT
command -v gcc >/dev/null || { fail "elf-oracle: gcc missing"; exit 1; }
[ -x "$RTLD" ] || { fail "elf-oracle: no $RTLD"; exit 1; }

# ---- synthetic cases (through the packer: each fails on a resolver without the rule) ----
mk() { printf '%s\n' "$2" > "$T/$1.c"; }
mk f 'int f(void) { return 1; }'
mk m 'int main(void) { return 0; }'
lib() { # lib DIR NAME [gcc args]: DIR/NAME, soname NAME
	d=$1 n=$2; shift 2; mkdir -p "$d"
	gcc -shared -fPIC -o "$d/$n" "$T/f.c" -Wl,-soname,"$n" -Wl,--no-as-needed "$@"
}
prog() { # prog OUT [gcc args]
	o=$1; shift; mkdir -p "$(dirname "$o")"
	gcc -o "$o" "$T/m.c" -Wl,--no-as-needed "$@"
}
plan() { # plan FILE [more packer args]: the plan's lines for FILE packed at its own path
	f=$1; shift
	"$PACK" --print --no-default-overlay --file "$f:$f" "$@" > "$T/plan.out" 2>&1
}
loader_has() { "$RTLD" --list "$1" 2>&1 | grep -q -- "$2"; }

# 1. DT_RPATH applies down the loader chain: prog's RPATH finds libb for liba (no RPATH of its own)
lib "$T/rp/b" libb.so
lib "$T/rp/a" liba.so -L"$T/rp/b" -lb
prog "$T/rp/prog" -L"$T/rp/a" -la -Wl,--disable-new-dtags -Wl,-rpath,"$T/rp/a:$T/rp/b" -Wl,-rpath-link,"$T/rp/b"
check "elf-oracle: the loader runs the RPATH case" loader_has "$T/rp/prog" "$T/rp/b/libb.so"
plan "$T/rp/prog"
check "elf-oracle: DT_RPATH of the program applies to its libraries' lookups" has "$T/plan.out" "$T/rp/b/libb.so .*needed by $T/rp/a/liba.so"

# 2. DT_RUNPATH is the asking object's own: liba (found by prog's RUNPATH) cannot use it for
#    libc2; but a name prog loaded itself answers liba's request
lib "$T/rn/d" libd.so
lib "$T/rn/d" libc2.so
lib "$T/rn/d" liba.so -L"$T/rn/d" -ld
prog "$T/rn/prog" -L"$T/rn/d" -la -ld -Wl,--enable-new-dtags -Wl,-rpath,"$T/rn/d" -Wl,-rpath-link,"$T/rn/d"
check "elf-oracle: the loader runs the RUNPATH case" loader_has "$T/rn/prog" "$T/rn/d/libd.so"
plan "$T/rn/prog"
check "elf-oracle: a name already loaded answers a library without RUNPATH" has "$T/plan.out" "$T/rn/d/libd.so"
lib "$T/rn/d" libe.so -L"$T/rn/d" -lc2
prog "$T/rn/prog2" -L"$T/rn/d" -le -Wl,--enable-new-dtags -Wl,-rpath,"$T/rn/d" -Wl,-rpath-link,"$T/rn/d"
check "elf-oracle: the loader refuses the RUNPATH-not-inherited case" sh -c "! '$RTLD' --list '$T/rn/prog2' 2>&1 | grep -q '$T/rn/d/libc2.so'"
"$PACK" --print --file "$T/rn/prog2:/prog2" > "$T/rn.out" 2>&1
check "elf-oracle: DT_RUNPATH is not inherited (refused, naming the library)" sh -c \
	"! '$PACK' --print --file '$T/rn/prog2:/prog2' >/dev/null 2>&1 && grep -q 'needs libc2.so, which is not found' '$T/rn.out'"

# 3. 71 DT_NEEDED entries
needed=""
for i in $(seq 1 71); do lib "$T/many" "libm$i.so"; needed="$needed -lm$i"; done
prog "$T/many/prog" -L"$T/many" $needed -Wl,-rpath,"$T/many"
check "elf-oracle: the program has 71 DT_NEEDED" sh -c "[ \$(readelf -d '$T/many/prog' | grep -c NEEDED) -ge 72 ]"
plan "$T/many/prog"
check "elf-oracle: 71 DT_NEEDED entries all resolved" sh -c "[ \$(grep -c '$T/many/libm[0-9]*.so ' '$T/plan.out') -eq 71 ]"

# 4. a 140-character soname
long=lib$(printf 'x%.0s' $(seq 1 132)).so.1
lib "$T/long" "$long"
prog "$T/long/prog" -L"$T/long" -l:"$long" -Wl,-rpath,"$T/long"
check "elf-oracle: the soname is 140 characters" [ ${#long} -eq 140 ]
plan "$T/long/prog"
check "elf-oracle: a 140-character soname is resolved" has "$T/plan.out" "$T/long/$long "

# 5. $ORIGIN: relative to the program's real directory (through a symlink), and a library next
#    to a --file goes next to it in the image
lib "$T/app/lib" libo.so
prog "$T/app/bin/prog" -L"$T/app/lib" -lo -Wl,-rpath,'$ORIGIN/../lib'
mkdir -p "$T/links" && ln -s "$T/app/bin/prog" "$T/links/prog"
check "elf-oracle: the loader follows \$ORIGIN through the symlink" sh -c \
	"LD_TRACE_LOADED_OBJECTS=1 '$T/links/prog' | grep -q '$T/app/bin/../lib/libo.so'"
"$PACK" --print --no-default-overlay --file "$T/links/prog:/opt/app/bin/prog" > "$T/plan.out" 2>&1
check "elf-oracle: \$ORIGIN maps into the image next to the program" has "$T/plan.out" "/opt/app/lib/libo.so .*<- $T/app/lib/libo.so"
# $LIB and $PLATFORM
lib "$T/dst/lib/x86_64-linux-gnu" libl.so
lib "$T/dst/x86_64" libp.so
prog "$T/dst/prog" -L"$T/dst/lib/x86_64-linux-gnu" -L"$T/dst/x86_64" -ll -lp -Wl,-rpath,"$T/dst/\$LIB:$T/dst/\$PLATFORM"
check "elf-oracle: the loader expands \$LIB and \$PLATFORM" loader_has "$T/dst/prog" "$T/dst/x86_64/libp.so"
plan "$T/dst/prog"
check "elf-oracle: \$LIB and \$PLATFORM are expanded" sh -c "grep -q '$T/dst/lib/x86_64-linux-gnu/libl.so ' '$T/plan.out' && grep -q '$T/dst/x86_64/libp.so ' '$T/plan.out'"

# 6. glibc-hwcaps: the loader takes the x86-64-v2 build; the image gets every variant
lib "$T/hw" libh.so
lib "$T/hw/glibc-hwcaps/x86-64-v2" libh.so
prog "$T/hw/prog" -L"$T/hw" -lh -Wl,-rpath,"$T/hw"
levels=$("$RTLD" --help | sed -n 's/^  \(x86-64-v[0-9]\) (supported, searched)$/\1/p' | paste -sd, -)
if echo "$levels" | grep -q v2; then
	check "elf-oracle: the loader takes the glibc-hwcaps build" loader_has "$T/hw/prog" "$T/hw/glibc-hwcaps/x86-64-v2/libh.so"
fi
plan "$T/hw/prog"
check "elf-oracle: glibc-hwcaps variants and the baseline both go in" sh -c \
	"grep -q '$T/hw/glibc-hwcaps/x86-64-v2/libh.so ' '$T/plan.out' && grep -q '$T/hw/libh.so ' '$T/plan.out'"

# 7. a library only ld.so.cache finds (fakeroot's ld.so.conf directory): the image gets a cache
fr=$(ldconfig -p | sed -n 's/.*libfakeroot-0.so (libc6,x86-64) => //p' | head -n 1)
if [ -n "$fr" ]; then
	prog "$T/fr/prog" "$fr"
	"$PACK" -o "$T/fr/root" --format chroot --file "$T/fr/prog:/prog" 2>"$T/fr.err"
	check "elf-oracle: a library found through ld.so.cache is found in the image" sh -c \
		"chroot '$T/fr/root' $RTLD --list /prog 2>&1 | grep -q 'libfakeroot-0.so => $fr'"
else
	skip "elf-oracle: ld.so.cache case (no fakeroot library in an ld.so.conf directory)"
fi

# ---- the oracle over installed packages ----
$MUSLCC -std=c11 -D_GNU_SOURCE -I. -Os -static -o "$T/elfdeps" tests/helpers/elfdeps.c \
	"$BUILD/libpack.a" "$BUILD/libminboot.a" "$ZLIB" "$NETTLE" || { fail "elf-oracle: cannot build elfdeps"; exit 1; }
PKGS=${ORACLE_PKGS:-"systemd openjdk-17-jre-headless coreutils util-linux libpython3.11-stdlib libperl5.36 perl-base git postgresql-15 llvm-14 libllvm15"}
: > "$T/files"
for p in $PKGS; do
	dpkg -L "$p" 2>/dev/null | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done >> "$T/files"
done
# the synthetic programs too
find "$T" -name prog -type f >> "$T/files"
sort -u "$T/files" | xargs -r -d '\n' "$T/elfdeps" -s > "$T/sel"
cut -f1 "$T/sel" > "$T/elves"
nrun=$(grep -c -v '	-$' "$T/sel")
# glibc's answer: real paths of what it loads ("linux-vdso" has no file); a file with a missing
# library is "unloadable"; for a library, the loader itself is left out (ld.so --list always
# shows it)
rtld_real=$(realpath "$RTLD")
while read -r f; do
	if ! out=$("$RTLD" --list "$(realpath "$f")" 2>&1) || echo "$out" | grep -q 'not found'; then
		printf '%s\tunloadable\n' "$f"
		continue
	fi
	paths=$(echo "$out" | sed -n -e 's/^[[:space:]]*[^ ]* => \(\/[^ ]*\) (0x.*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
	[ -n "$paths" ] && realpath $paths | while read -r r; do printf '%s\t%s\n' "$f" "$r"; done
done < "$T/elves" | sort -u > "$T/want.raw"
"$T/elfdeps" -l "$levels" $(cat "$T/elves") | sed 's/\terror: .*/\tunloadable/' | sort -u > "$T/got.raw"
# a library's own line for the loader
libs=$(awk -F'\t' '{print $1}' "$T/sel" | while read -r f; do readelf -l "$f" 2>/dev/null | grep -q 'Requesting program interpreter' || echo "$f"; done)
echo "$libs" | sed '/^$/d' | sed "s|\$|	$rtld_real|" > "$T/drop"
grep -v -x -F -f "$T/drop" "$T/want.raw" > "$T/want"
grep -v -x -F -f "$T/drop" "$T/got.raw" > "$T/got"
nfiles=$(wc -l < "$T/elves")
diff "$T/want" "$T/got" > "$T/diff"
ndiff=$(grep '^[<>]' "$T/diff" | cut -f1 | sed 's/^[<>] //' | sort -u | wc -l)
nlibs=$(wc -l < "$T/want")
echo "  elf-oracle: $nfiles ELF files of $(echo $PKGS | wc -w) packages ($nrun with RPATH/RUNPATH), $nlibs (file, library) pairs; files that differ: $ndiff"
head -n 20 "$T/diff" | sed 's/^/  | /'
check "elf-oracle: the resolver agrees with ld.so on every file" [ "$ndiff" -eq 0 ]
check "elf-oracle: the comparison saw enough files" [ "$nfiles" -ge 200 ]
t_done
