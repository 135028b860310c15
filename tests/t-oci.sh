#!/bin/sh
# --oci: images made here (tar, gzip, sha256sum and printf'd JSON; no registry): the plan and the
# settings from an OCI layout, its tar and a docker save archive; refusals of damaged and foreign
# images; two packs byte-identical; one boot under QEMU/TCG with the image's settings honoured.
. tests/lib.sh
PACK=$BUILD/minboot-pack
BB=$(command -v busybox) || { fail "oci: busybox-static missing"; exit 1; }
W=$TMPROOT/oci
mkdir -p "$W"

# ---- making images ----
# blob FILE DIR: FILE moved to DIR/blobs/sha256/HEX; prints "sha256:HEX SIZE"
blob() {
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mkdir -p "$2/blobs/sha256"
	mv "$1" "$2/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$2/blobs/sha256/$h")"
}
# layer_tar DIR OUT FORMAT: a reproducible tar of DIR's contents
layer_tar() { tar --format="$3" --sort=name --mtime=@0 -C "$1" -cf "$2" .; }

# The two layers: the program, accounts, a file and a directory the second layer hides.
mkdir -p "$W/l1/bin" "$W/l1/etc" "$W/l1/app" "$W/l1/data" "$W/l1/usr/bin" "$W/l1/home/app"
cp "$BB" "$W/l1/bin/busybox"; ln -s busybox "$W/l1/bin/sh"
mkdir -p "$W/l1/usr/lib"; ln -s usr/lib "$W/l1/lib" # merged /usr
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$W/l1/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' > "$W/l1/etc/group"
echo old > "$W/l1/app/old.txt"; echo a > "$W/l1/data/a"; echo b > "$W/l1/data/b"
echo s > "$W/l1/usr/bin/suid"; chmod 4755 "$W/l1/usr/bin/suid"; ln "$W/l1/usr/bin/suid" "$W/l1/usr/bin/hard"
chown 1000:1000 "$W/l1/home/app"
mkdir -p "$W/l2/app" "$W/l2/data"
: > "$W/l2/app/.wh.old.txt"; : > "$W/l2/data/.wh..wh..opq"; echo c > "$W/l2/data/c"
echo mine > "$W/l2/app/owned"; chown 1000:50 "$W/l2/app/owned"
cat > "$W/l2/app/run.sh" <<'EOF'
echo "OCI-ENV G=$GREETING"
echo "OCI-CWD $(/bin/busybox pwd)"
echo "OCI-ID $(/bin/busybox id -u):$(/bin/busybox id -g) groups=$(/bin/busybox id -G)"
echo "OCI-ARGS [$1] [$2] [$#]"
echo "OCI-WHITEOUT old=$(/bin/busybox ls /app/old.txt 2>/dev/null) data=$(/bin/busybox ls /data | /bin/busybox tr '\n' ' ')"
EOF
layer_tar "$W/l1" "$W/l1.tar" gnu
layer_tar "$W/l2" "$W/l2.tar" pax
D1=sha256:$(sha256sum "$W/l1.tar" | cut -d' ' -f1)
D2=sha256:$(sha256sum "$W/l2.tar" | cut -d' ' -f1)
gzip -n -9 -k "$W/l1.tar"
zstd -q -k "$W/l1.tar" -o "$W/l1.tar.zst" 2>/dev/null

CMD='"Entrypoint":["/bin/sh","/app/run.sh"],"Cmd":["arg one","it'"'"'s"]'
ENV='"Env":["PATH=/usr/local/bin:/usr/bin:/bin","GREETING=hello world"]'
# config JSON OUT [ARCH] [USER]
config() {
	printf '{"architecture":"%s","os":"linux","config":{%s,%s,"WorkingDir":"/work","User":"%s","ExposedPorts":{"80/tcp":{},"53/udp":{}}},"rootfs":{"type":"layers","diff_ids":["%s","%s"]}}' \
		"${2:-amd64}" "$CMD" "$ENV" "${3:-app:staff}" "$D1" "$D2" > "$1"
}
# layout DIR [ARCH] [LAYER-MEDIA-TYPE] [USER]: an OCI image layout of the two layers
layout() {
	rm -rf "$1"; mkdir -p "$1"
	cp "$W/l1.tar.${L1COMP:-gz}" "$W/b1"; cp "$W/l2.tar" "$W/b2"
	set -- "$1" "${2:-amd64}" "${3:-application/vnd.oci.image.layer.v1.tar}" "${4:-app:staff}"
	config "$W/cfg" "$2" "$4"
	c=$(blob "$W/cfg" "$1"); b1=$(blob "$W/b1" "$1"); b2=$(blob "$W/b2" "$1")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s},{"mediaType":"%s","digest":"%s","size":%s}]}' \
		${c% *} ${c#* } ${b1% *} ${b1#* } "$3" ${b2% *} ${b2#* } > "$W/man"
	m=$(blob "$W/man" "$1")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"}}]}' \
		${m% *} ${m#* } "$2" > "$1/index.json"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"
}
layout "$W/img"
(cd "$W/img" && tar --sort=name --mtime=@0 -cf "$W/img.tar" . && gzip -n -c "$W/img.tar" > "$W/img.tar.gz")
# docker save before Docker 25: manifest.json, HEX.json, ID/layer.tar (uncompressed)
mkdir -p "$W/ds/l1" "$W/ds/l2"
cp "$W/l1.tar" "$W/ds/l1/layer.tar"; cp "$W/l2.tar" "$W/ds/l2/layer.tar"
config "$W/ds/cfg"; h=$(sha256sum "$W/ds/cfg" | cut -d' ' -f1); mv "$W/ds/cfg" "$W/ds/$h.json"
printf '[{"Config":"%s.json","RepoTags":["t:latest"],"Layers":["l1/layer.tar","l2/layer.tar"]}]' "$h" > "$W/ds/manifest.json"
(cd "$W/ds" && tar -cf "$W/ds.tar" .)

# ---- the plan and the settings ----
plan() { "$PACK" --print --oci "$@" 2>"$W/plan.err" | sed 's/ <- [^ ]*//'; }
plan "$W/img" > "$W/p.img"
conf() { rm -rf "$W/root"; "$PACK" -o "$W/root" --format chroot --oci "$@" 2>"$W/conf.err"; cat "$W/root/etc/minboot.conf"; }
conf "$W/img" > "$W/conf"
check "oci: the second layer's whiteout hides the first layer's file" eval "has '$W/p.img' '^f .* /app/run.sh ' && hasnt '$W/p.img' '/app/old.txt'"
check "oci: an opaque directory hides what lower layers put in it" eval "has '$W/p.img' '^f .* /data/c ' && ! grep -q '/data/[ab] ' '$W/p.img'"
check "oci: the whiteout files themselves are not in the image" eval "has '$W/p.img' '^d .* /data ' && hasnt '$W/p.img' '\.wh\.'"
check "oci: setuid bits and owners are kept" eval "has '$W/p.img' '^f 4755 /usr/bin/suid' && has '$W/p.img' '/app/owned .*(owner 1000:50)' && has '$W/p.img' '^d 0755 /home/app .*(owner 1000:1000)'"
check "oci: a hard link is a copy of its file" has "$W/p.img" '^f 4755 /usr/bin/hard'
check "oci: the image's /etc/passwd replaces the default one" sh -c "grep -q '^app:x:1000' '$W/root/etc/passwd'"
check "oci: Entrypoint + Cmd are the payload, each word quoted" has "$W/conf" "^minboot.payload=/bin/sh /app/run.sh 'arg one' 'it'\"'\"'s'\$"
check "oci: Env are minboot.env settings, PATH too" eval "has '$W/conf' '^minboot.env.GREETING=hello world\$' && has '$W/conf' '^minboot.env.PATH=/usr/local/bin:/usr/bin:/bin\$'"
check "oci: WorkingDir is minboot.workdir, made in the image" eval "has '$W/conf' '^minboot.workdir=/work\$' && has '$W/p.img' '^d 0755 /work '"
check "oci: User is minboot.user" has "$W/conf" '^minboot.user=app:staff$'
check "oci: ExposedPorts in a comment and a message" eval "has '$W/conf' '^# --oci ExposedPorts: 80/tcp 53/udp\$' && has '$W/conf.err' 'exposes 80/tcp 53/udp'"
conf "$W/img" --payload '/bin/busybox echo mine' --set minboot.env.GREETING=bye --set minboot.user=0 > "$W/conf2"
check "oci: --payload and --set override the image's" eval "has '$W/conf2' '^minboot.payload=/bin/busybox echo mine\$' && \
	[ \"\$(grep -n GREETING=bye '$W/conf2' | cut -d: -f1)\" -gt \"\$(grep -n 'GREETING=hello' '$W/conf2' | cut -d: -f1)\" ] && has '$W/conf2' '^minboot.user=0\$'"
plan "$W/img.tar" > "$W/p.tar"; plan "$W/img.tar.gz" > "$W/p.tgz"; plan "$W/ds.tar" > "$W/p.ds"
check "oci: a tar and a tar.gz of the layout give the same plan" sh -c "grep -q /app/run.sh '$W/p.tar' && cmp -s '$W/p.img' '$W/p.tar' && cmp -s '$W/p.img' '$W/p.tgz'"
if [ -s "$W/l1.tar.zst" ]; then
	L1COMP=zst layout "$W/zst"; plan "$W/zst" > "$W/p.zst"
	check "oci: a zstd layer gives the same plan" sh -c "grep -q /app/run.sh '$W/p.zst' && cmp -s '$W/p.img' '$W/p.zst'"
fi
check "oci: a docker save archive gives the same plan" sh -c "grep -q /app/run.sh '$W/p.ds' && cmp -s '$W/p.img' '$W/p.ds'"
layout "$W/num" amd64 "" 4321
check "oci: a uid without a passwd entry runs with gid 0 (as Docker)" eval "conf '$W/num' | grep -qx 'minboot.user=4321:0'"
KVER=$(cat "$KERNEL_DIR/kver" 2>/dev/null)
plan "$W/img" --file "$W/l1/etc/group:/lib/extra" $( [ -d "$KERNEL_DIR/modules/$KVER" ] && echo --kernel-modules "$KERNEL_DIR/modules/$KVER" --module virtio_net) > "$W/p.usr"
check "oci: what the packer adds below the image's /lib -> usr/lib goes to /usr/lib" \
	eval "has '$W/p.usr' '^f .* /usr/lib/extra ' && has '$W/p.usr' '^l .* /lib ' && hasnt '$W/p.usr' ' /lib/[a-z]'"
if [ -d "$KERNEL_DIR/modules/$KVER" ]; then
	check "oci: ... modules too (/usr/lib/modules/KVER)" has "$W/p.usr" "/usr/lib/modules/$KVER/kernel/.*virtio_net.ko"
fi

# ---- reproducible ----
"$PACK" -o "$W/r1.img" --oci "$W/img" 2>/dev/null
"$PACK" -o "$W/r2.img" --oci "$W/img.tar.gz" --cache "$W/cache2" 2>/dev/null
check "oci: two packs of the same image are byte-identical (layout, and its tar.gz, cold cache)" \
	sh -c "[ -s '$W/r1.img' ] && cmp -s '$W/r1.img' '$W/r2.img'"
check "oci: no staging directory is left behind" sh -c "[ -s '$W/r1.img' ] && ! ls -d \${TMPDIR:-/tmp}/minboot-oci.* 2>/dev/null | grep -q ."

# ---- refusals: a message naming the reason, status non-zero, nothing written ----
refuse() { # refuse NAME MESSAGE ARGS...
	name=$1 msg=$2; shift 2
	rm -f "$W/out.img"
	"$PACK" -o "$W/out.img" "$@" > "$W/refuse.out" 2>&1
	r=$?
	check "oci: refuses $name (status $r)" sh -c "[ $r -ne 0 ] && grep -q -- \"$msg\" '$W/refuse.out' && [ ! -e '$W/out.img' ]"
	[ $r -ne 0 ] || cat "$W/refuse.out"
}
layout "$W/bad"; f=$(ls "$W/bad/blobs/sha256" | head -n1)
for f in "$W/bad/blobs/sha256/"*; do [ "$(stat -c %s "$f")" = "$(stat -c %s "$W/l2.tar")" ] && printf X | dd of="$f" bs=1 seek=600 conv=notrunc 2>/dev/null; done
refuse "a blob whose digest does not match" "not sha256:.*damaged or altered" --oci "$W/bad"
layout "$W/arm" arm64
refuse "an index with only linux/arm64" "no image for linux/amd64 (the image is for linux/arm64)" --oci "$W/arm"
layout "$W/mt" amd64 application/vnd.example.layer.v1
refuse "an unknown layer media type" "unsupported media type application/vnd.example.layer.v1" --oci "$W/mt"
layout "$W/nouser" amd64 "" nobody2
refuse "a User the image has no account for" "no user nobody2 in the image's /etc/passwd" --oci "$W/nouser"
refuse "a path that is no image" "neither an OCI image layout" --oci "$W/l1"
# a layer with hostile names: replace the second layer and rebuild the layout around it
hostile() { # hostile NAME MESSAGE TAR-ARGS...
	name=$1 msg=$2; shift 2
	rm -rf "$W/h"; mkdir -p "$W/h"; (cd "$W/h" && echo x > x && tar "$@" >/dev/null 2>&1)
	cp "$W/l2.tar" "$W/l2.save"; cp "$W/h/t.tar" "$W/l2.tar"; d2=$D2
	D2=sha256:$(sha256sum "$W/l2.tar" | cut -d' ' -f1)
	layout "$W/hostile"
	refuse "$name" "$msg" --oci "$W/hostile"
	[ ! -e "$W/escaped" ] && [ ! -e /escaped-by-minboot ] || fail "oci: $name: a file was written outside the staging directory"
	mv "$W/l2.save" "$W/l2.tar"; D2=$d2
}
hostile "a '..' name in a layer" "refusing the entry '../escaped'" -P --transform 's,^x,../escaped,' -cf t.tar x
hostile "an absolute name in a layer" "refusing the entry '/escaped-by-minboot'" -P --transform 's,^x,/escaped-by-minboot,' -cf t.tar x
mkdir -p "$W/h2"; ln -sfn / "$W/h2/etc"
hostile "a name through a symlink of the same layer" "goes through /etc, which is a symlink" -P --transform 's,^x,etc/escaped,' -cf t.tar -C "$W/h2" etc -C "$W/h" x
# truncated: the blob's digest matches (it was made so), the tar inside ends too soon
head -c 1536 "$W/l2.tar" > "$W/l2.cut"; cp "$W/l2.tar" "$W/l2.save"; mv "$W/l2.cut" "$W/l2.tar"
D2s=$D2; D2=sha256:$(sha256sum "$W/l2.tar" | cut -d' ' -f1); layout "$W/cut"; mv "$W/l2.save" "$W/l2.tar"; D2=$D2s
refuse "a truncated layer" "truncated archive" --oci "$W/cut"

# ---- one boot: the image's settings in the guest ----
if [ -f "$KERNEL_DIR/vmlinuz" ] && command -v qemu-system-x86_64 >/dev/null; then
	qemu-scripts/run --accel tcg -q -t 60 --nic none -i "$W/r1.img" > "$W/boot.out" 2>&1 < /dev/null
	rc=$?
	check "oci: boots to the image's payload with its Env" has "$W/boot.out" 'OCI-ENV G=hello world'
	check "oci: ... in its WorkingDir" has "$W/boot.out" 'OCI-CWD /work'
	check "oci: ... as its User (app:staff, uid 1000 gid 50)" has "$W/boot.out" 'OCI-ID 1000:50'
	check "oci: ... with Entrypoint + Cmd as argv" has "$W/boot.out" "OCI-ARGS \[arg one\] \[it's\] \[2\]"
	check "oci: ... and the whiteouts applied" has "$W/boot.out" 'OCI-WHITEOUT old= data=c .\{0,1\}$'
	check "oci: ... exits 0 (got $rc)" test "$rc" = 0
else
	fail "oci: no kernel or QEMU for the boot (make kernel)"
fi
t_done
