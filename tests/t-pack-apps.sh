#!/bin/sh
# What real programs need of an image, checked in the packed images (no boot; t-qemu-apps.sh
# boots them): owners and modes of host files kept and the user's own trees made reproducible,
# --chmod/--chown, the layout (/ 0755, /var/run, /etc/localtime, /etc/shadow), the accounts the
# image refers to, minboot.user checked at pack time, the modules a format or an fstab implies,
# and the package part of the run-time closure (a program's Debian package, what its maintainer
# scripts left on this host, its accounts; secrets left out).
. tests/lib.sh
PACK=$BUILD/minboot-pack
T=$TMPROOT
kver=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
list() { zcat "$1" | cpio -itvn --quiet 2>/dev/null; }

# ---- owners and modes
mkdir -p "$T/host/db" "$T/user"
echo key > "$T/host/key" && chmod 0600 "$T/host/key" && chown 101:104 "$T/host/key" 2>/dev/null
chmod 0700 "$T/host/db" && chown 101:104 "$T/host/db" 2>/dev/null
echo key > "$T/user/key" && chmod 0600 "$T/user/key"
"$PACK" -o "$T/o.img" --file "$T/host/key" --file "$T/host/db" --file "$T/user/key:/etc/userkey" \
	--file "$T/user/key:/etc/private" --chmod 0600:/etc/private --chown 0:42:/etc/private \
	--payload /bin/true 2> "$T/o.err" || cat "$T/o.err"
list "$T/o.img" > "$T/o.lst"
if [ "$(id -u)" = 0 ]; then
	check "apps: a host file at its own path keeps its 0600 mode and owner" \
		grep -q "^-rw------- .* 101 *104 .* ${T#/}/host/key\$" "$T/o.lst"
	check "apps: a host directory keeps its 0700 mode and owner" grep -q "^drwx------ .* 101 *104 .* ${T#/}/host/db\$" "$T/o.lst"
else
	skip "apps: host owners (not root: cannot chown the test's files)"
fi
check "apps: the user's own 0600 file put elsewhere is 0644, owned by 0:0 (git's rule)" \
	grep -q '^-rw-r--r-- .* 0 *0 .* etc/userkey$' "$T/o.lst"
check "apps: --chmod and --chown win, last" grep -q '^-rw------- .* 0 *42 .* etc/private$' "$T/o.lst"

# ---- layout
check "apps: / is the archive's '.' entry, 0755 (the kernel's rootfs is 1777 without it)" \
	grep -q '^drwxr-xr-x .* \.$' "$T/o.lst"
check "apps: /var/run -> ../run" grep -q '^lrwxrwxrwx .* var/run -> \.\./run$' "$T/o.lst"
check "apps: /var/tmp is 1777" grep -q '^drwxrwxrwt .* var/tmp$' "$T/o.lst"
"$PACK" -o "$T/o.d" --format chroot --payload /bin/true --set minboot.user=nobody 2>/dev/null
check "apps: /etc/localtime is UTC (TZif)" sh -c "head -c 4 '$T/o.d/etc/localtime' | grep -q TZif && tail -c 6 '$T/o.d/etc/localtime' | grep -q UTC0"
check "apps: /etc/shadow: locked, 0600 root without a shadow group" sh -c \
	"[ \"\$(stat -c '%a %u' '$T/o.d/etc/shadow')\" = '600 0' ] && grep -qx 'root:\*::0:99999:7:::' '$T/o.d/etc/shadow' && grep -q '^nobody:\*:' '$T/o.d/etc/shadow'"

# ---- accounts
"$PACK" --print --payload /bin/true --set minboot.user=nosuch > /dev/null 2> "$T/u.err"
check "apps: an unknown minboot.user is refused at pack time" \
	sh -c "grep -q 'minboot.user=nosuch .*no user nosuch in the image' '$T/u.err'"
if getent passwd postgres > /dev/null; then
	pg=$(getent passwd postgres | cut -d: -f3)
	"$PACK" -o "$T/a.d" --format chroot --payload /bin/true --set minboot.user=postgres 2>/dev/null
	check "apps: minboot.user=postgres: the host's account and its groups in the image" sh -c \
		"grep -q '^postgres:x:$pg:' '$T/a.d/etc/passwd' && grep -q '^postgres:x:' '$T/a.d/etc/group' && grep -q '^postgres:\*:' '$T/a.d/etc/shadow'"
	check "apps: the host's password hashes never go in" sh -c "! grep -q '\\\$[0-9y]\\\$' '$T/a.d/etc/shadow'"
else
	skip "apps: no postgres account on this host"
fi
"$PACK" --print --payload /bin/true --user nosuch-user > /dev/null 2> "$T/u2.err"
check "apps: --user of an unknown account is refused" grep -q 'no user nosuch-user' "$T/u2.err"
"$PACK" --print --payload /bin/true --user daemon 2>/dev/null > "$T/u3"
check "apps: --user daemon adds it" grep -q ' /etc/passwd .*user daemon (--user)' "$T/u3"

# ---- the formats write the owners
if [ "$(id -u)" = 0 ]; then
	"$PACK" -o "$T/c.d" --format chroot --file "$T/host/key" --payload /bin/true 2>/dev/null
	check "apps: chroot: the host file's owner and mode" sh -c "[ \"\$(stat -c '%a %u %g' '$T/c.d$T/host/key')\" = '600 101 104' ]"
fi
if command -v debugfs > /dev/null && [ -d "$KERNEL_DIR/modules/$kver" ]; then
	"$PACK" -o "$T/e.img" --format ext2 --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" \
		--file "$T/host/key" --file "$T/user/key:/etc/private" --chown 7:8:/etc/private --payload /bin/true > /dev/null 2> "$T/e.err"
	check "apps: ext2: --chown's owner on the disk" sh -c "debugfs -R 'stat /etc/private' '$T/e.img' 2>/dev/null | grep -q 'User: *7 *Group: *8 '"
	[ "$(id -u)" = 0 ] && check "apps: ext2: the host file's owner and mode" sh -c \
		"debugfs -R 'stat $T/host/key' '$T/e.img' 2>/dev/null | grep -q 'Mode:  0600' && debugfs -R 'stat $T/host/key' '$T/e.img' 2>/dev/null | grep -q 'User: *101 *Group: *104 '"
	check "apps: ext2 implies its filesystem's module and the disk's driver" sh -c \
		"grep -q 'modules the image.s filesystems need: ext4, virtio_blk, virtio_pci' '$T/e.err'"
	printf 'LABEL=d /data vfat defaults 0 0\nsrv /srv 9p trans=virtio 0 0\nx /x nosuchfs defaults 0 0\n' > "$T/fstab"
	"$PACK" --print --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" --file "$T/fstab:/etc/fstab" \
		--payload /bin/true > "$T/f" 2> "$T/f.err"
	check "apps: /etc/fstab implies vfat, its code pages, 9p's transport and the disk's driver" sh -c \
		"grep -q 'kernel/fs/fat/vfat.ko' '$T/f' && grep -q 'nls_cp437.ko' '$T/f' && grep -q '9pnet_virtio.ko' '$T/f' && grep -q 'virtio_blk.ko' '$T/f'"
	check "apps: a filesystem the module tree lacks is named in a warning" grep -q 'has no fs-nosuchfs' "$T/f.err"
else
	skip "apps: ext2 and fstab modules (no debugfs or no kernel modules)"
fi

# ---- the package part: a program's Debian package and what its maintainer scripts left
if scripts/deps packages nginx openssh-server redis-server > /dev/null 2>&1; then
	"$PACK" --print --payload "nginx -g 'daemon off;'" > "$T/n" 2>&1
	check "apps: nginx: its package's files (nginx-common's /etc/nginx/nginx.conf)" has "$T/n" ' /etc/nginx/nginx.conf .*package nginx-common (Depends of nginx)'
	check "apps: nginx: the sites-enabled/default its postinst made" has "$T/n" '^l .* /etc/nginx/sites-enabled/default .*left on this host by its maintainer scripts'
	check "apps: nginx: the default page its postinst copied" has "$T/n" ' /var/www/html/index.nginx-debian.html .*package nginx-common: left on this host'
	check "apps: nginx: www-data (Debian's static accounts)" has "$T/n" ' /etc/passwd .*www-data'
	check "apps: nginx: no library package whole, no commands of a dependency (iproute2's ip)" sh -c \
		"! grep -q 'package libc6' '$T/n' && ! grep -q ' /bin/ip .*package iproute2' '$T/n' && ! grep -q ' /sbin/ip ' '$T/n'"
	check "apps: nginx: nothing from the host's logs" sh -c "! grep -q ' /var/log/nginx/.*log ' '$T/n'"
	"$PACK" --print --no-auto packages --payload "nginx -g 'daemon off;'" > "$T/n0" 2>&1
	check "apps: --no-auto packages: the program and its libraries only" sh -c \
		"! grep -q 'nginx.conf' '$T/n0' && grep -q ' /usr/sbin/nginx ' '$T/n0'"
	"$PACK" --print --payload "sh -c 'mkdir -p /run/sshd && exec sshd -D -e'" > "$T/s" 2> "$T/s.err"
	check "apps: sh -c: the programs the command names (mkdir, sshd)" sh -c \
		"grep -q ' /usr/bin/mkdir .*shell command names mkdir' '$T/s' && grep -q ' /usr/sbin/sshd .*shell command names sshd' '$T/s'"
	check "apps: sshd: its sshd_config (made by ucf) and PAM's common-auth (pam-auth-update)" sh -c \
		"grep -q ' /etc/ssh/sshd_config .*left on this host' '$T/s' && grep -q ' /etc/pam.d/common-auth .*left on this host' '$T/s'"
	check "apps: sshd: the host's keys are secrets left out, public halves too" sh -c \
		"! grep -q 'ssh_host_.*_key' '$T/s' && grep -q 'secrets\\? left out' '$T/s.err'"
	check "apps: sshd: the sshd account its postinst made" has "$T/s" ' /etc/passwd .*sshd'
	check "apps: a package's admin scripts bring no interpreter (pam-auth-update: no perl)" sh -c "! grep -q ' /usr/bin/perl ' '$T/s'"
	"$PACK" --print --payload "redis-server --protected-mode no" > "$T/r" 2>&1
	check "apps: redis: the payload's file is not replaced by its package's symlink" grep -q '^f .* /usr/bin/redis-server .*--payload' "$T/r"
	check "apps: redis: the host directory's owner kept (/var/lib/redis)" sh -c \
		"grep -q \"^d 0750 /var/lib/redis .*(owner $(stat -c '%u:%g' /var/lib/redis))\" '$T/r'"
else
	skip "apps: the package part (cannot install nginx, openssh-server, redis-server)"
fi
# ---- the package part leaves out the package's other commands and the trees they lead into
# (nodesource's nodejs: /usr/bin/npm -> ../lib/node_modules/npm/bin/npm-cli.js, a tree of
# scripts whose #! lines brought bash and python3), the rest of the package in.  A fake dpkg
# database (DPKG_ADMINDIR) and a package under /usr/games, in a mount namespace of its own.
db=$T/odb; mkdir -p "$db/info"
printf 'Package: base\nStatus: install ok installed\nArchitecture: all\n\nPackage: fakeapp\nStatus: install ok installed\nArchitecture: amd64\n\n' > "$db/status"
printf '/.\n/usr\n/usr/games\n/usr/games/lib\n/usr/games/share\n' > "$db/info/base.list"
printf '/usr/games/app\n/usr/games/tool\n/usr/games/lib/fakeapp\n/usr/games/lib/fakeapp/bin\n/usr/games/lib/fakeapp/bin/tool.sh\n/usr/games/share/fakeapp\n/usr/games/share/fakeapp/data.txt\n' > "$db/info/fakeapp.list"
unshare -m sh -c "mount -t tmpfs tmpfs /usr/games &&
	mkdir -p /usr/games/lib/fakeapp/bin /usr/games/share/fakeapp && cp '$(command -v busybox)' /usr/games/app &&
	printf '#!/bin/bash\necho tool\n' > /usr/games/lib/fakeapp/bin/tool.sh && chmod 755 /usr/games/lib/fakeapp/bin/tool.sh &&
	ln -s lib/fakeapp/bin/tool.sh /usr/games/tool && echo data > /usr/games/share/fakeapp/data.txt &&
	DPKG_ADMINDIR='$db' '$PACK' --print --payload /usr/games/app" > "$T/oc" 2>&1
check "apps: the package part takes the program's package's data" grep -q ' /usr/games/share/fakeapp/data.txt .*package fakeapp' "$T/oc"
check "apps: ... and leaves out its other command and the tree it leads into (no bash from its #!)" sh -c \
	"grep -q ' /usr/games/app ' '$T/oc' && ! grep -qE ' /usr/games/(tool|lib/fakeapp)|/bin/bash ' '$T/oc'"
t_done
