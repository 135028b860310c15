#!/bin/sh
# --unit under QEMU/TCG with Debian's kernel: Debian's own nginx.service, redis-server.service and
# ssh.service packed with --unit, the NIC module and ip=, each booted once and reached from the
# host through QEMU's port forward: nginx serves its page (Type=forking, PIDFile=), redis answers
# PONG after its READY=1 (Type=notify, User=redis, RuntimeDirectory=), sshd takes a key login on
# the socket of ssh.socket (LISTEN_FDS, RuntimeDirectory=sshd).
#
# What --unit does not bring, and the real-programs work (package closure with configuration,
# accounts, owners and modes) will: the accounts the services use (an /etc/passwd and
# /etc/group with the host's lines for them), nginx's site and redis's configuration (the host's,
# as installed; redis's made to listen beyond loopback, which its own file does not), and for
# sshd a drop-in making host keys at boot (the packer gives every file 0644, which sshd refuses
# for a private key) and its settings for a test login (no PAM).
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "unit: no kernel (make kernel)"; exit 1; }
scripts/deps packages nginx redis-server redis-tools openssh-server openssh-client curl >/dev/null 2>&1 ||
	{ fail "unit: nginx, redis-server, openssh-server could not be installed"; exit 1; }
kver=$(cat "$KERNEL_DIR/kver")
BB=$(command -v busybox)
IP="ip=10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off"

# The accounts: the default image's, and the host's lines for the services' users.
mkdir -p "$TMPROOT/acct/etc"
{ cat rootfs-overlay/etc/passwd; grep -E '^(www-data|redis|sshd):' /etc/passwd; } > "$TMPROOT/acct/etc/passwd"
{ cat rootfs-overlay/etc/group; grep -E '^(www-data|redis|adm):' /etc/group; } > "$TMPROOT/acct/etc/group"

# pack NAME UNIT ARGS...: --unit UNIT with e1000 and ip=, the accounts and ARGS
pack() {
	name=$1 unit=$2; shift 2
	"$BUILD/minboot-pack" -o "$TMPROOT/$name.img" --unit "$unit" --kernel-modules "$KERNEL_DIR/modules/$kver" \
		--kver "$kver" --module e1000 --set "$IP" --overlay "$TMPROOT/acct" "$@" > "$TMPROOT/$name.pack" 2>&1
}
# boot NAME GUEST-PORT 'PROBE': boot, run PROBE (a command line; $port is the host's end) until it
# succeeds, then power off over QMP
boot() {
	name=$1 gport=$2; shift 2
	out=$TMPROOT/$name.out; got=
	port=$((20000 + ($$ + gport) % 10000))
	start=$(date +%s%N)
	qemu-scripts/run --accel tcg -m 512 -t 300 -i "$TMPROOT/$name.img" -p "$port:$gport" --qmp "$TMPROOT/$name.qmp" \
		> "$out" 2>&1 < /dev/null &
	q=$!
	i=0
	while [ $i -lt 2400 ] && kill -0 $q 2>/dev/null; do
		got=$(eval "$*" 2>/dev/null) && break
		got=; sleep 0.1; i=$((i + 1))
	done
	secs=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN {printf "%.1f", n / 1e9}')
	power_press "$out" "$TMPROOT/$name.qmp" $q || kill $q
	wait $q; rc=$?
}

# nginx: Type=forking with PIDFile=/run/nginx.pid (written after its parent exits), ExecStartPre
# (nginx -t), ExecStop (start-stop-daemon), KillMode=mixed, TimeoutStopSec=5.
printf '/etc/nginx/**\n/etc/nginx/sites-enabled/default\n/var/www/html/**\n' > "$TMPROOT/nginx.hostfiles"
pack nginx nginx.service --package nginx-common --hostfiles "$TMPROOT/nginx.hostfiles"
check "unit: nginx.service packed with --unit" sh -c "test -s '$TMPROOT/nginx.img' || { cat '$TMPROOT/nginx.pack'; false; }"
boot nginx 80 'curl -fsS --max-time 3 http://127.0.0.1:$port/'
check "unit: nginx serves its page through the port forward ($secs s)" sh -c "echo '$got' | grep -q 'Welcome to nginx'"
check "unit: nginx: ExecStartPre ran before it" has "$out" "ExecStartPre: /usr/sbin/nginx -t"
check "unit: nginx: the daemon from its PID file is the payload" has "$out" "payload main process: pid"
check "unit: nginx: ExecStop at the shutdown, then a clean stop (status $rc)" sh -c "grep -q 'ExecStop: -/sbin/start-stop-daemon' '$out' && [ $rc = 0 ]"

# redis: Type=notify (READY=1 from redis itself), User=redis, RuntimeDirectory=redis (mode 2755),
# UMask=007, LimitNOFILE=65535, NoNewPrivileges=, CapabilityBoundingSet= (empty), sandboxing
# reported.  Its log and data directories as the package's postinst leaves them (redis-owned):
# minboot.dir until the packer takes owners from the host.
mkdir -p "$TMPROOT/redis/etc/redis"
sed 's/^bind .*/bind 0.0.0.0 ::/; s/^protected-mode yes/protected-mode no/' /etc/redis/redis.conf > "$TMPROOT/redis/etc/redis/redis.conf"
pack redis redis-server.service --overlay "$TMPROOT/redis" --set minboot.dir=/var/log/redis:0750 \
	--set minboot.dir=/var/lib/redis:0750
check "unit: redis-server.service packed with --unit" sh -c "test -s '$TMPROOT/redis.img' || { cat '$TMPROOT/redis.pack'; false; }"
check "unit: redis: its sandboxing directives are listed, each with its file and line" \
	grep -q "redis-server.service:[0-9]*: PrivateTmp=true: not applied" "$TMPROOT/redis.pack"
boot redis 6379 'redis-cli -h 127.0.0.1 -p $port ping | grep -x PONG'
check "unit: redis answers PONG through the port forward ($secs s)" test "$got" = PONG
check "unit: redis: Type=notify: 'payload ready' in the log" has "$out" "] payload ready"
check "unit: redis: RuntimeDirectory=redis made for it" sh -c "! grep -q 'unable to make the directory' '$out'"
check "unit: redis: a clean stop (status $rc)" test "$rc" = 0

# sshd: Debian's ssh.service and ssh.socket (ListenStream=22 as minboot.listen, sshd takes it from
# LISTEN_FDS), Type=notify, RuntimeDirectory=sshd, EnvironmentFile=-/etc/default/ssh, ExecStartPre.
mkdir -p "$TMPROOT/units/ssh.service.d" "$TMPROOT/ssh/etc/ssh/sshd_config.d" "$TMPROOT/ssh/root/.ssh"
cp /lib/systemd/system/ssh.service "$TMPROOT/units/ssh.service"
cat > "$TMPROOT/units/ssh.service.d/hostkey.conf" <<'U'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -q -N "" -t ed25519 -f /etc/ssh/ssh_host_ed25519_key
ExecStartPre=/usr/sbin/sshd -t
U
printf 'UsePAM no\nHostKey /etc/ssh/ssh_host_ed25519_key\n' > "$TMPROOT/ssh/etc/ssh/sshd_config.d/test.conf"
ssh-keygen -q -N '' -t ed25519 -f "$TMPROOT/key"
cp "$TMPROOT/key.pub" "$TMPROOT/ssh/root/.ssh/authorized_keys"
printf '/etc/ssh/sshd_config\n/etc/ssh/moduli\n' > "$TMPROOT/ssh.hostfiles"
pack ssh "$TMPROOT/units/ssh.service" --overlay "$TMPROOT/ssh" --hostfiles "$TMPROOT/ssh.hostfiles" --file "$BB:/bin/sh"
check "unit: ssh.service packed with --unit, its socket read" sh -c "grep -q 'with its socket' '$TMPROOT/ssh.pack' || { cat '$TMPROOT/ssh.pack'; false; }"
boot ssh 22 'ssh -i "$TMPROOT/key" -p $port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 root@127.0.0.1 echo KEY-LOGIN-OK'
check "unit: sshd: a key login through the port forward ($secs s)" test "$got" = KEY-LOGIN-OK
check "unit: sshd: it listens on the init's socket (ssh.socket's ListenStream=22)" has "$out" "listening on 22 for the payload"
check "unit: sshd: Type=notify: 'payload ready'" has "$out" "] payload ready"
t_done
