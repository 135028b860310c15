#!/bin/sh
# Security properties, in a PID namespace (the method of t-pid1-service.sh) and on packed images:
# a non-root payload has no capabilities and no_new_privs, so a setuid-root program gives it
# nothing; the image has no world-writable, setuid or setgid entries; the packer never follows a
# symlink out of an input tree nor writes through one; sd_notify is heard only from the payload's
# own session.
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "security: needs root for namespaces"; exit 0; }
BB=$(command -v busybox) || { fail "security: busybox-static missing"; exit 1; }
MUSLCC=${MUSLCC:-musl-gcc}

# A static helper for the image: "ids PATH" prints its real and effective uid and whether it can
# read PATH; "notify MSG SECONDS [PID]" sends MSG to $NOTIFY_SOCKET (with credentials claiming PID
# when given) and then stays alive SECONDS, so the receiver can still place it in a session.
cat > "$TMPROOT/helper.c" <<'C'
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "ids")) {
		int fd = open(argv[2], O_RDONLY);
		printf("RUID=%d EUID=%d READ=%s\n", (int)getuid(), (int)geteuid(), fd < 0 ? strerror(errno) : "yes");
		return 0;
	}
	if (argc < 4 || strcmp(argv[1], "notify"))
		return 2;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct iovec iov = { argv[2], strlen(argv[2]) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred))]; } cb;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", getenv("NOTIFY_SOCKET") ? getenv("NOTIFY_SOCKET") : "");
	if (argc > 4) { /* claim another process's pid */
		struct ucred u = { atoi(argv[4]), getuid(), getgid() };
		memset(&cb, 0, sizeof(cb));
		mh.msg_control = cb.b;
		mh.msg_controllen = sizeof(cb.b);
		cb.h.cmsg_level = SOL_SOCKET;
		cb.h.cmsg_type = SCM_CREDENTIALS;
		cb.h.cmsg_len = CMSG_LEN(sizeof(u));
		memcpy(CMSG_DATA(&cb.h), &u, sizeof(u));
	}
	if (sendmsg(fd, &mh, 0) < 0)
		printf("SEND %s: %s\n", argv[2], strerror(errno));
	else
		printf("SENT %s (pid %d, session %d)\n", argv[2], (int)getpid(), (int)getsid(0));
	fflush(stdout);
	sleep(atoi(argv[3]));
	return 0;
}
C
"$MUSLCC" -D_GNU_SOURCE -static -Os -o "$TMPROOT/helper" "$TMPROOT/helper.c" ||
	{ fail "security: unable to build the helper with $MUSLCC"; exit 1; }

# image NAME PACK-ARGS...: pack (uncompressed) and unpack into $root
image() {
	root=$TMPROOT/$1; shift
	"$BUILD/minboot-pack" -o "$TMPROOT/img.cpio" --compress none --file "$BB:/bin/busybox" \
		--file "$TMPROOT/helper:/bin/helper" "$@" 2> "$TMPROOT/pack.err" || { cat "$TMPROOT/pack.err"; return 1; }
	mkdir -p "$root" && (cd "$root" && cpio -idm --quiet < "$TMPROOT/img.cpio")
	for a in sh sleep cat echo grep setsid id; do ln -sf busybox "$root/bin/$a"; done
}
boot() {
	out=$TMPROOT/$1.out
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin MINBOOT_CMDLINE="$2" timeout -k 2 30 \
		unshare --pid --fork --mount --net chroot "$root" /init > "$out" 2>&1
	rc=$?
}

# 1. minboot.user=nobody: no capabilities in any set, no_new_privs, and a setuid-root copy of the
# helper (made setuid in the unpacked tree: the packer itself drops the bit) stays uid 65534.
# (A setuid busybox is no probe: busybox drops setuid itself for all but a few applets.)
image user --payload "/bin/sh -c 'grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status; /bin/suid-helper ids /secret'" \
	--set minboot.user=nobody
cp "$TMPROOT/helper" "$root/bin/suid-helper" && chown 0:0 "$root/bin/suid-helper" && chmod 4755 "$root/bin/suid-helper"
echo TOPSECRET > "$root/secret" && chmod 0600 "$root/secret"
# The control: outside the appliance, without no_new_privs, the setuid bit does work here.
ctl=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$root/bin/suid-helper" ids "$root/secret" 2>&1)
check "security: control: the setuid-root helper gives euid 0 without no_new_privs ($ctl)" \
	sh -c "echo '$ctl' | grep -q 'RUID=65534 EUID=0 READ=yes'"
boot user ""
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "security: minboot.user=nobody: $set is empty" grep -q "^$set:[[:space:]]*0000000000000000\$" "$out"
done
check "security: minboot.user=nobody: NoNewPrivs is 1" grep -q "^NoNewPrivs:[[:space:]]*1\$" "$out"
check "security: a setuid-root program does not give the payload root" \
	grep -q "^RUID=65534 EUID=65534 READ=Permission denied" "$out"
check "security: minboot.user=nobody: clean shutdown" sh -c "grep -q 'exit status 0' '$out' && [ $rc = 130 ]"

# 2. Image modes: an overlay with a world-writable file, setuid and setgid files, a setgid and a
# world-writable directory, a sticky world-writable directory; --file and --hostfiles of a
# setuid host program (mount is setuid root on Debian).
ov=$TMPROOT/ov
mkdir -p "$ov/etc" "$ov/srv/dropbox" "$ov/srv/sgid" "$ov/srv/spool"
echo x > "$ov/etc/world-writable" && chmod 0666 "$ov/etc/world-writable"
cp "$TMPROOT/helper" "$ov/srv/suid" && chmod 4755 "$ov/srv/suid"
cp "$TMPROOT/helper" "$ov/srv/sgid-file" && chmod 2711 "$ov/srv/sgid-file"
echo y > "$ov/srv/all-bits" && chmod 7777 "$ov/srv/all-bits"
chmod 2775 "$ov/srv/sgid"; chmod 0777 "$ov/srv/dropbox"; chmod 1777 "$ov/srv/spool"
suidprog=$(find /usr/bin /bin -maxdepth 1 -type f -perm -4000 2>/dev/null | head -1)
echo "$suidprog" > "$TMPROOT/hostfiles"
"$BUILD/minboot-pack" -o "$TMPROOT/modes.img" --overlay "$ov" --file "$BB:/bin/busybox" \
	${suidprog:+--file "$suidprog:/bin/suid-copy" --hostfiles "$TMPROOT/hostfiles"} \
	--payload '/bin/busybox true' 2> "$TMPROOT/pack.err" || cat "$TMPROOT/pack.err"
zcat "$TMPROOT/modes.img" | cpio -itv --quiet > "$TMPROOT/modes.lst" 2>/dev/null
# Allowed: directories 0755 (/root 0700; the base /tmp and /var/tmp 1777; an input's sticky bit on
# a directory otherwise not writable), files 0755/0644 (/etc/shadow 0600), symlinks, the two
# device nodes; and the host's setuid program taken as the host has it (--hostfiles).
awk -v host="${suidprog#/}" '
	$NF == host { next }
	$1 ~ /^d/ && ($NF == "tmp" || $NF == "var/tmp") { if ($1 != "drwxrwxrwt") print; next }
	$1 ~ /^d/ && $NF == "root" { if ($1 != "drwx------") print; next }
	$1 ~ /^d/ { if ($1 != "drwxr-xr-x" && $1 != "drwxr-xr-t") print; next }
	$1 ~ /^-/ && $NF == "etc/shadow" { if ($1 != "-rw-------") print; next }
	$1 ~ /^-/ { if ($1 != "-rwxr-xr-x" && $1 != "-rw-r--r--") print; next }
	$1 ~ /^l/ { next }
	$1 ~ /^c/ && ($NF == "dev/console" || $NF == "dev/null") { next }
	{ print }' "$TMPROOT/modes.lst" > "$TMPROOT/modes.bad"
n=$(wc -l < "$TMPROOT/modes.lst")
check "security: every one of the image's $n entries has a normalised mode" sh -c "[ $n -gt 30 ] && [ ! -s '$TMPROOT/modes.bad' ]" ||
	sed 's/^/  | /' "$TMPROOT/modes.bad"
check "security: no setuid or setgid entry but the host's own program (cpio -itv shows no other s/S)" \
	sh -c "! awk -v host='${suidprog#/}' '\$NF != host {print \$1}' '$TMPROOT/modes.lst' | grep -q '[sS]'"
check "security: world-writable entries are the sticky /tmp and /var/tmp and /dev/null only" \
	sh -c "[ \"\$(awk '\$1 ~ /^[-dc]......rw/ {print \$NF}' '$TMPROOT/modes.lst' | sort | tr '\n' ' ')\" = 'dev/null tmp var/tmp ' ]"
check "security: the overlay's 0666 file is 0644, its setuid file 0755" sh -c "grep -q '^-rw-r--r-- .* etc/world-writable\$' '$TMPROOT/modes.lst' && grep -q '^-rwxr-xr-x .* srv/suid\$' '$TMPROOT/modes.lst'"
if [ -n "$suidprog" ]; then
	check "security: a setuid host program put elsewhere (--file $suidprog:/bin/suid-copy) is the user's: 0755" \
		grep -q '^-rwxr-xr-x .* bin/suid-copy$' "$TMPROOT/modes.lst"
	check "security: ... taken as the host has it (--hostfiles $suidprog), setuid as on the host" \
		grep -q "^$(stat -c %A "$suidprog") .* ${suidprog#/}\$" "$TMPROOT/modes.lst"
else
	skip "security: no setuid program on the host for --file/--hostfiles"
fi

# 3. Symlinks are never followed out of an input tree: links to /etc/shadow, to a secret outside
# the tree (absolute and ../), and to a directory outside stay links; no secret is packed.
out_dir=$TMPROOT/outside
mkdir -p "$out_dir/dir" "$TMPROOT/ov2/etc" "$TMPROOT/ov2/data"
echo "MINBOOT-SECRET-$$" > "$out_dir/secret"; echo "MINBOOT-SECRET-$$" > "$out_dir/dir/inner"
ln -s /etc/shadow "$TMPROOT/ov2/etc/shadow-link"
ln -s "$out_dir/secret" "$TMPROOT/ov2/data/abs-link"
ln -s ../../outside/secret "$TMPROOT/ov2/data/rel-link"
ln -s "$out_dir/dir" "$TMPROOT/ov2/data/dir-link"
for how in --overlay --file; do
	arg="$TMPROOT/ov2"; [ $how = --file ] && arg="$TMPROOT/ov2:/in"
	p=; [ $how = --file ] && p=in/
	"$BUILD/minboot-pack" -o "$TMPROOT/links.img" $how "$arg" --file "$BB:/bin/busybox" --payload '/bin/busybox true' 2> "$TMPROOT/pack.err" ||
		cat "$TMPROOT/pack.err"
	zcat "$TMPROOT/links.img" | cpio -itv --quiet > "$TMPROOT/links.lst" 2>/dev/null
	check "security: $how: a link to /etc/shadow is packed as a link" grep -q "^l.* ${p}etc/shadow-link -> /etc/shadow\$" "$TMPROOT/links.lst"
	check "security: $how: links out of the tree stay links (absolute, ../, a directory)" sh -c \
		"grep -q '^l.* ${p}data/abs-link -> ' '$TMPROOT/links.lst' && grep -q '^l.* ${p}data/rel-link -> ../../outside/secret\$' '$TMPROOT/links.lst' &&
		 grep -q '^l.* ${p}data/dir-link -> ' '$TMPROOT/links.lst' && ! grep -q 'dir-link/' '$TMPROOT/links.lst'"
	check "security: $how: no outside content in the image" sh -c \
		"! zcat '$TMPROOT/links.img' | grep -aq 'MINBOOT-SECRET-$$' && ! grep -q '^-.* ${p}etc/shadow-link' '$TMPROOT/links.lst'"
done
# ... nor written through: an input's file below another input's link to a directory outside
# (the link winning, as the later input) is refused, for an initramfs and for a chroot tree.
mkdir -p "$TMPROOT/ov3/data/dir-link"; echo planted > "$TMPROOT/ov3/data/dir-link/planted"
for fmt in initramfs chroot; do
	"$BUILD/minboot-pack" -o "$TMPROOT/through.$fmt" --format $fmt --overlay "$TMPROOT/ov3" --overlay "$TMPROOT/ov2" \
		--file "$BB:/bin/busybox" --payload '/bin/busybox true' > "$TMPROOT/through.log" 2>&1
	prc=$?
	check "security: --format $fmt: a file below an input's symlink is refused (status $prc)" sh -c \
		"[ $prc != 0 ] && grep -q symlink '$TMPROOT/through.log' && [ ! -e '$out_dir/dir/planted' ] && [ ! -e '$TMPROOT/through.$fmt' ]"
done

# 4. A newline in --payload would end the setting in /etc/minboot.conf and turn the rest into
# settings of their own (here: another user): refused.
"$BUILD/minboot-pack" -o "$TMPROOT/nl.img" --file "$BB:/bin/busybox" \
	--payload "/bin/busybox sh -c 'echo a
minboot.user=nobody
echo b'" > "$TMPROOT/nl.log" 2>&1
prc=$?
check "security: a newline in --payload is refused (no setting injected into minboot.conf)" sh -c \
	"[ $prc != 0 ] && grep -q 'newline' '$TMPROOT/nl.log' && [ ! -e '$TMPROOT/nl.img' ]"

# 5. sd_notify from the payload's own session only.  A helper started by the payload in its session
# and one started with setsid both send STATUS= and stay alive: the first is heard, the second
# refused.  The payload runs as nobody, so it cannot forge credentials claiming its own pid.
image notify --set minboot.user=nobody --payload "/bin/sh -c '/bin/helper notify STATUS=same-session 2 & setsid /bin/helper notify STATUS=own-session 2 & setsid /bin/helper notify STATUS=forged 2 \$\$ & sleep 1; exit 0'"
boot notify "minboot.stop-timeout=1"
check "security: sd_notify: a sender in the payload's session is heard" has "$out" "payload status: same-session"
check "security: sd_notify: a live sender in its own session (setsid) is refused" sh -c \
	"grep -q '^SENT STATUS=own-session' '$out' && grep -q 'notify: message from pid [1-9][0-9]*, not the payload' '$out' && ! grep -q 'payload status: own-session' '$out'"
check "security: sd_notify: a non-root sender cannot claim the payload's pid" sh -c \
	"grep -q '^SEND STATUS=forged: Operation not permitted' '$out' && ! grep -q 'payload status: forged' '$out'"
check "security: sd_notify: clean shutdown" sh -c "grep -q 'exit status 0' '$out' && [ $rc = 130 ]"
t_done
