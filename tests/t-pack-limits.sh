#!/bin/sh
# No silent limits, truncation or misplacement in the packer: what it cannot do it refuses, naming
# the input, with a non-zero status; what it accepts lands where the inputs say; and no setting
# it writes is one the init would refuse at boot (the settings are read back with the init's own
# parser and limits).
. tests/lib.sh
PACK=${PACK:-$BUILD/minboot-pack}
BB=$(command -v busybox) || { fail "limits: busybox-static missing"; exit 1; }
out=$TMPROOT/out

# accepts NAME CHECK-GREP ARGS...: the pack succeeds and --print shows CHECK-GREP
accepts() {
	name=$1 want=$2; shift 2
	"$PACK" --print "$@" > "$out" 2>&1
	r=$?
	if [ $r -eq 0 ] && grep -q -- "$want" "$out"; then pass "limits: $name"; else
		fail "limits: $name (status $r)"; sed 's/^/  | /' "$out" | tail -n 15; fi
}
# refuses NAME MESSAGE ARGS...: a non-zero status and a message with MESSAGE
refuses() {
	name=$1 msg=$2; shift 2
	"$PACK" -o "$TMPROOT/r.img" "$@" > "$out" 2>&1
	r=$?
	if [ $r -ne 0 ] && grep -q -- "$msg" "$out" && [ ! -e "$TMPROOT/r.img" ]; then
		pass "limits: refuses $name"
	else
		fail "limits: refuses $name (status $r, wanted a message with '$msg')"; sed 's/^/  | /' "$out" | tail -n 15
	fi
}

# Lists of any length: repeatable options, excludefiles lines, dpkg fields.
i=0; : > "$TMPROOT/ex"
while [ $i -lt 300 ]; do echo "-/nothing/$i/*" >> "$TMPROOT/ex"; i=$((i + 1)); done
echo "-/etc/hosts" >> "$TMPROOT/ex"
"$PACK" --print --excludefiles "$TMPROOT/ex" > "$out" 2>&1
check "limits: a 301-line excludefiles list is read whole" sh -c "! grep -q ' /etc/hosts ' '$out' && grep -q ' /etc/passwd ' '$out'"
set --; i=0
while [ $i -lt 300 ]; do printf 'f%d\n' $i > "$TMPROOT/f$i"; set -- "$@" --file "$TMPROOT/f$i:/many/f$i"; i=$((i + 1)); done
accepts "300 --file options" ' /many/f299 ' "$@"
set --

# A fake dpkg database (dpkg's own DPKG_ADMINDIR): fields longer than any line buffer, a chain
# of Depends: longer than any recursion limit.
db=$TMPROOT/dpkg; mkdir -p "$db/info" "$TMPROOT/pkgroot"
long=$(i=0; while [ $i -lt 400 ]; do printf 'virtual-%d, ' $i; i=$((i + 1)); done)
{
	printf 'Package: top\nStatus: install ok installed\nArchitecture: amd64\nDepends: %s chain-0\n\n' "$(echo "$long" | sed 's/virtual-[0-9]*, /libnothing-here | /g')"
	printf 'Package: provider\nStatus: install ok installed\nArchitecture: all\nProvides: %s wanted-by-name\n\n' "$long"
	i=0; while [ $i -lt 100 ]; do
		printf 'Package: chain-%d\nStatus: install ok installed\nArchitecture: all\nDepends: chain-%d\n\n' $i $((i + 1))
		i=$((i + 1))
	done
	printf 'Package: chain-100\nStatus: install ok installed\nArchitecture: all\nDepends: wanted-by-name\n\n'
} > "$db/status"
for p in top provider $(i=0; while [ $i -le 100 ]; do echo chain-$i; i=$((i + 1)); done); do
	echo "$TMPROOT/pkgroot/$p" > "$db/info/$p.list"; echo "$p" > "$TMPROOT/pkgroot/$p"
done
DPKG_ADMINDIR=$db "$PACK" --print --package top > "$out" 2>&1
check "limits: --package follows a 102-deep Depends: chain and a Provides: past 4 KiB" sh -c \
	"grep -q 'pkgroot/chain-100 .*--package chain-100' '$out' && grep -q 'pkgroot/provider .*--package provider' '$out'"

# Trees deeper than any recursion limit; host paths longer than PATH_MAX are refused, not cut.
deep=$TMPROOT/deep; mkdir -p "$deep"
(cd "$deep" && i=0 && while [ $i -lt 100 ]; do mkdir d && cd d || exit 1; i=$((i + 1)); done && echo x > leaf)
accepts "a tree 100 directories deep" "$(printf '/d%.0s' $(seq 100))/leaf " --file "$deep:/deep"
name=$(printf 'n%.0s' $(seq 250))
long=$TMPROOT/long; mkdir -p "$long"
# (perl: a shell's cd keeps the logical path, which cannot pass PATH_MAX)
perl -e 'chdir $ARGV[0] or die; for (1..17) { mkdir $ARGV[1] or die; chdir $ARGV[1] or die }
	open(F, ">a") or die; print F "a\n"; close F' "$long" "$name" || fail "limits: making a long path"
refuses "a path longer than the kernel's PATH_MAX" "too long" --file "$long:/long"

# Where things go: --file SRC:DIR/ puts SRC into DIR; the packer's own files cannot be replaced.
printf 'x\n' > "$TMPROOT/thing"
accepts "--file SRC:/ puts SRC at /NAME" '^f 0644 /thing ' --file "$TMPROOT/thing:/"
accepts "--file SRC:/opt/ puts SRC at /opt/NAME" '^f 0644 /opt/thing ' --file "$TMPROOT/thing:/opt/"
refuses "--file X:/init (the init is --init's)" "give --init PATH" --file "$TMPROOT/thing:/init"
mkdir -p "$TMPROOT/ov/etc"; echo 'minboot.shutdown=reboot' > "$TMPROOT/ov/etc/minboot.conf"
refuses "an overlay with /etc/minboot.conf (settings are --set's)" "give --set" --overlay "$TMPROOT/ov"
refuses "a directory as the payload" "not a program" --payload /etc
refuses "a non-executable payload in the image" "not executable" --file "$TMPROOT/thing:/thing" --payload /thing
refuses "a device as a --file" "not a regular file" --file /dev/null:/null

# Module trees: a trailing slash is the same directory; a version is one path component.
if [ -d "$KERNEL_DIR/modules" ]; then
	kver=$(cat "$KERNEL_DIR/kver")
	accepts "--kernel-modules DIR/ puts modules under /lib/modules/KVER" "^f 0644 /lib/modules/$kver/kernel/.*/e1000.ko" \
		--kernel-modules "$KERNEL_DIR/modules/$kver/" --module e1000
	refuses "--kver with a slash" "expected a kernel version" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver ../../etc --module e1000
else
	skip "limits: module-tree checks (no kernel in $KERNEL_DIR)"
fi

# Config files: a '#' after white space starts a comment; '\#' and a '#' inside a word stay.
cat > "$TMPROOT/app.conf" <<CONF
file thing:/app/thing   # the app's data
set minboot.env.COLOR=red#1
set minboot.env.HASH=a \# b
CONF
accepts "--config: '# comment' after a value is a comment" '^f 0644 /app/thing .*thing:/app/thing <- ' --config "$TMPROOT/app.conf"
"$PACK" -o "$TMPROOT/c.img" --compress none --config "$TMPROOT/app.conf" > "$out" 2>&1
check "limits: --config: '#' inside a word and '\\#' are kept" sh -c \
	"cpio -i --to-stdout etc/minboot.conf < '$TMPROOT/c.img' 2>/dev/null | grep -qx 'minboot.env.COLOR=red#1' && cpio -i --to-stdout etc/minboot.conf < '$TMPROOT/c.img' 2>/dev/null | grep -qx 'minboot.env.HASH=a # b'"

# Settings the init would refuse at boot are refused now (the init's parser, the init's limits).
set --; i=0; while [ $i -lt 9 ]; do set -- "$@" --set "ip=10.0.$i.2::10.0.$i.1:255.255.255.0::eth$i:off"; i=$((i + 1)); done
refuses "9 ip= (the init takes 8)" "too many ip=" "$@"
shift 2; accepts "8 ip=" "minboot.conf" "$@"
set --; i=0; while [ $i -lt 255 ]; do set -- "$@" --set "minboot.env.V$i=$i"; i=$((i + 1)); done
refuses "255 minboot.env.* (more than the init holds)" "too many minboot.env" "$@"
set --
refuses "a payload over the init's 1023 characters" "too long" --payload "/bin/true $(printf 'x%.0s' $(seq 1100))"
refuses "a --set key with a leading space" "the key has a space" --set " minboot.nope=1"
refuses "modules-load= lists together over the init's limit" "too long" \
	--set "modules-load=$(printf 'module_%d,' $(seq 70))x" --set "modules-load=$(printf 'module_%d,' $(seq 70))y"
set --; i=0; while [ $i -lt 30 ]; do set -- "$@" --set "nameserver.$i=$(printf 'v%.0s' $(seq 600))"; i=$((i + 1)); done
refuses "settings over the 16 KiB the init reads" "the init reads at most" "$@"
set --

# Every non-zero exit says why: the refusals above all printed a message; a few more general ones.
for args in "--level" "--jobs 0" "--format nope" "--config /nonexistent.conf" "-o"; do
	# shellcheck disable=SC2086
	"$PACK" $args > "$out" 2>&1
	r=$?
	check "limits: '$args' fails with a message (status $r)" sh -c "[ $r -ne 0 ] && [ -s '$out' ]"
done
t_done
