#!/bin/sh
# Real programs from the obvious pack: each packed with --payload 'CMD', the NIC module and ip=
# only (and the app's own files where it has some: a script, an fstab, a CA, keys, pg_hba.conf),
# booted under QEMU/TCG and checked from the host.  No overlays: the run-time closure (the
# program's Debian package, its maintainer scripts' files, its accounts, owners and modes, the
# modules its filesystems need) is the packer's.  Per app the image size and the time from
# QEMU's start to the first answer are printed ("apps: NAME: SIZE bytes, first answer S s").
# PACK=another/minboot-pack runs the same checks with another packer (an older one shows what
# failed before).  APPS='nginx redis' runs some of them.
. tests/lib.sh
[ -f "$KERNEL_DIR/vmlinuz" ] || { fail "apps: no kernel (make kernel)"; exit 1; }
PACK=${PACK:-$BUILD/minboot-pack}
APPS=${APPS:-python script nginx redis sqlite curl sshd postgres caddy}
T=$TMPROOT
kver=$(cat "$KERNEL_DIR/kver")
IP="ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"
base=$((30000 + $$ % 5000 * 4))
pid=

# pkgs APP PKG...: installed as the project installs packages, or the app is skipped
pkgs() {
	app=$1; shift
	scripts/deps packages "$@" > "$T/deps.log" 2>&1 && return 0
	skip "apps: $app: cannot install $* ($(tail -n 1 "$T/deps.log"))"
	return 1
}

# pack APP ARGS...: the obvious pack, ARGS the payload and the app's own files
pack() {
	app=$1; shift
	img=$T/$app.img
	"$PACK" -o "$img" --kernel-modules "$KERNEL_DIR/modules/$kver" --kver "$kver" --module e1000 \
		--set "$IP" "$@" > "$T/$app.pack" 2>&1
	check "apps: $app: packs" test -s "$img"
	size=$(stat -c %s "$img" 2>/dev/null || echo 0)
}

# boot APP HOST:GUEST [run options]: QEMU in the background, the guest's port forwarded
boot() {
	app=$1 fwd=$2; shift 2
	out=$T/$app.out
	start=$(date +%s%N)
	qemu-scripts/run --accel tcg -m 512 -t 180 -i "${initrd:-$T/$app.img}" -p "$fwd" --qmp "$T/$app.qmp" \
		"$@" > "$out" 2>&1 < /dev/null &
	pid=$!
}

# answer CMD...: run CMD every 0.2 s until it succeeds (up to 150 s, or the guest is gone); its
# output in $T/answer
answer() {
	i=0
	while [ $i -lt 750 ]; do
		if timeout 5 "$@" > "$T/answer" 2>&1; then
			secs=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN {printf "%.1f", n / 1e9}')
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2; i=$((i + 1))
	done
	secs=-
	echo "  apps: $app: no answer; the guest's last lines:"; tr -d '\r' < "$out" | tail -n 15 | sed 's/^/  | /'
	return 1
}

# stop: the power button, then wait for the guest (run's own timeout bounds it)
stop() {
	power_press "$T/$app.out" "$T/$app.qmp" "$pid" 2>/dev/null || kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TMPROOT"' EXIT
[ -n "${KEEP:-}" ] && echo "  apps: files kept in $TMPROOT"

result() {
	echo "  apps: $app: $size bytes, first answer ${secs} s after QEMU started"
}

want() { case " $APPS " in *" $1 "*) return 0 ;; esac; return 1; }


# ---- python3 -m http.server
if want python; then
	p=$((base + 1))
	pack python --payload "python3 -m http.server $p"
	boot python $p:$p
	answer curl -fsS --max-time 3 "http://127.0.0.1:$p/"
	check "apps: python3 -m http.server answers" grep -q 'Directory listing for /' "$T/answer"
	result; stop
fi

# ---- a #!/usr/bin/env python3 script
if want script; then
	p=$((base + 2))
	cat > "$T/app.py" <<EOF
#!/usr/bin/env python3
import http.server, os, platform
def mode(p): return "%s %o" % (p, os.lstat(p).st_mode & 0o7777)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
        self.wfile.write(("hello from app.py on python " + platform.python_version() + "; " +
                          ", ".join(map(mode, ["/", "/tmp", "/etc/shadow"])) + "; /var/run -> " +
                          os.readlink("/var/run") + "\n").encode())
http.server.HTTPServer(("", $p), H).serve_forever()
EOF
	chmod 755 "$T/app.py"
	pack script --file "$T/app.py:/app/app.py" --payload /app/app.py
	boot script $p:$p
	answer curl -fsS --max-time 3 "http://127.0.0.1:$p/"
	check "apps: a #!/usr/bin/env python3 script answers" grep -q 'hello from app.py on python 3' "$T/answer"
	check "apps: in the guest / is 0755, /tmp 1777, /etc/shadow 0640 or 0600, /var/run -> ../run" \
		grep -q '; / 755, /tmp 1777, /etc/shadow 6[04]0; /var/run -> ../run$' "$T/answer"
	result; stop
fi

# ---- nginx's default page
if want nginx && pkgs nginx nginx; then
	pack nginx --payload "nginx -g 'daemon off;'"
	boot nginx $((base + 3)):80    # its default site listens on 80
	answer curl -fsS --max-time 3 "http://127.0.0.1:$((base + 3))/"
	check "apps: nginx serves its default page" grep -q 'Welcome to nginx' "$T/answer"
	result; stop
fi

# ---- redis-server, asked with redis-cli through the forward
if want redis && pkgs redis redis-server redis-tools; then
	p=$((base + 4))
	pack redis --payload "redis-server --port $p --protected-mode no"
	boot redis $p:$p
	answer redis-cli -h 127.0.0.1 -p $p ping
	check "apps: redis-server answers redis-cli ping" grep -qx PONG "$T/answer"
	result; stop
fi

# ---- sqlite3 on an ext4 disk from /etc/fstab: its rows survive two boots
if want sqlite && pkgs sqlite sqlite3 e2fsprogs; then
	truncate -s 64M "$T/data.ext4" && mkfs.ext4 -q -F -L data "$T/data.ext4"
	printf 'LABEL=data /data ext4 defaults 0 2\n' > "$T/fstab"
	pack sqlite --file "$T/fstab:/etc/fstab" \
		--payload "sqlite3 /data/rows.db 'create table if not exists t(boot); insert into t values(1); select \"rows: \" || count(*) from t;'"
	for n in 1 2; do
		start=$(date +%s%N)
		qemu-scripts/run --accel tcg -m 256 -t 120 -i "$T/sqlite.img" --disk "$T/data.ext4" \
			> "$T/sqlite$n.out" 2>&1 < /dev/null
		rc=$?
		[ $n = 1 ] && secs=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN {printf "%.1f", n / 1e9}')
		check "apps: sqlite3: boot $n exits 0 (got $rc)" test "$rc" = 0
		check "apps: sqlite3: boot $n counts $n rows" grep -q "rows: $n" "$T/sqlite$n.out"
	done
	debugfs -R "dump /rows.db $T/rows.db" "$T/data.ext4" > /dev/null 2>&1
	check "apps: sqlite3: the host reads 2 rows from the disk" \
		sh -c "test \"\$(sqlite3 '$T/rows.db' 'select count(*) from t')\" = 2"
	echo "  apps: sqlite: $size bytes, first boot done (rows written, powered off) ${secs} s after QEMU started"
fi

# ---- curl fetching https:// by name from a server on the host, with the test's own CA
if want curl && pkgs curl curl openssl python3; then
	p=$((base + 5))
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=apps-test-ca -keyout "$T/ca.key" \
		-out "$T/ca.pem" -addext basicConstraints=critical,CA:TRUE > /dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj /CN=apps.test -keyout "$T/srv.key" -out "$T/srv.csr" > /dev/null 2>&1
	printf 'subjectAltName=DNS:apps.test\n' > "$T/san"
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		-extfile "$T/san" -out "$T/srv.pem" > /dev/null 2>&1
	cat > "$T/https.py" <<EOF
import http.server, ssl
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"hello over https from the host\n")
s = http.server.HTTPServer(("127.0.0.1", $p), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain("$T/srv.pem", "$T/srv.key")
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
EOF
	python3 "$T/https.py" > "$T/https.log" 2>&1 &
	srv=$!
	printf '127.0.0.1 localhost\n10.0.2.2 apps.test\n' > "$T/hosts"
	hash=$(openssl x509 -hash -noout -in "$T/ca.pem")
	pack curl --file "$T/hosts:/etc/hosts" --file "$T/ca.pem:/etc/ssl/certs/$hash.0" \
		--payload "curl -sS https://apps.test:$p/"
	check "apps: curl: the system CA bundle is in the image" \
		sh -c "'$PACK' --print --payload 'curl -sS https://apps.test/' 2>/dev/null | grep -q ' /etc/ssl/certs/ca-certificates.crt '"
	start=$(date +%s%N)
	qemu-scripts/run --accel tcg -m 256 -t 120 -i "$T/curl.img" > "$T/curl.out" 2>&1 < /dev/null
	rc=$?
	secs=$(awk -v n="$(( $(date +%s%N) - start ))" 'BEGIN {printf "%.1f", n / 1e9}')
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	check "apps: curl fetches https://apps.test/ from the host (status $rc)" grep -q 'hello over https from the host' "$T/curl.out"
	echo "  apps: curl: $size bytes, page fetched and powered off ${secs} s after QEMU started"
fi

# ---- OpenSSH's sshd accepting a key login
if want sshd && pkgs sshd openssh-server openssh-client; then
	p=$((base + 6))
	ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$T/user_key"
	pack sshd --file "$T/host_key:/etc/ssh/ssh_host_ed25519_key" --chmod 0600:/etc/ssh/ssh_host_ed25519_key \
		--file "$T/user_key.pub:/root/.ssh/authorized_keys" \
		--payload "sh -c 'mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -p $p'"
	boot sshd $p:$p
	answer ssh -q -i "$T/user_key" -p $p -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null root@127.0.0.1 'echo logged in as $USER'
	check "apps: sshd accepts a key login" grep -q 'logged in as root' "$T/answer"
	result; stop
fi

# ---- PostgreSQL 15 from an ext2 root disk, asked with psql
if want postgres && pkgs postgres postgresql-15; then
	p=$((base + 7))
	printf 'local all all peer\nhost all all 0.0.0.0/0 trust\n' > "$T/pg_hba.conf"
	pack postgres --format ext2 --set minboot.user=postgres --file "$T/pg_hba.conf:/etc/postgresql/15/main/pg_hba.conf" \
		--payload "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c config_file=/etc/postgresql/15/main/postgresql.conf -c listen_addresses=* -p $p"
	size=$(( $(stat -c %s "$T/postgres.img" 2>/dev/null || echo 0) + $(stat -c %s "$T/postgres.img.initrd" 2>/dev/null || echo 0) ))
	initrd=$T/postgres.img.initrd boot postgres $p:$p --root-disk "$T/postgres.img"
	answer /usr/lib/postgresql/15/bin/psql -h 127.0.0.1 -p $p -U postgres -Atc 'select 1'
	check "apps: postgres answers psql -c 'select 1'" grep -qx 1 "$T/answer"
	result; stop
fi

# ---- caddy serving its welcome page
if want caddy && pkgs caddy caddy; then
	p=$((base + 8))
	pack caddy --payload "caddy file-server --root /usr/share/caddy --listen :$p"
	boot caddy $p:$p
	answer curl -fsS --max-time 3 "http://127.0.0.1:$p/"
	check "apps: caddy serves its welcome page" grep -qi 'caddy works' "$T/answer"
	result; stop
fi
t_done
