#!/bin/sh
# The run-time closure at pack time (no QEMU): interpreters' standard libraries, #! lines
# (env NAME in the image's PATH), a missing interpreter refused naming it, version-manager shims
# passed over, .note.dlopen followed, lazily loaded files by rule, pycs valid in the image.
. tests/lib.sh
PACK=$BUILD/minboot-pack
T=$TMPROOT
PY=$(readlink -f /usr/bin/python3)
PYV=$(basename "$PY")     # python3.11
[ -x /usr/bin/python3 ] || { fail "closure: /usr/bin/python3 missing"; exit 1; }

# 1. --payload 'python3 -m http.server', with a pyenv-like shim first in PATH
mkdir -p "$T/home/.pyenv/shims"
printf '#!/usr/bin/env bash\nexec pyenv exec python3 "$@"\n' > "$T/home/.pyenv/shims/python3"
chmod 755 "$T/home/.pyenv/shims/python3"
# (the package part off: these are the rules' own checks; t-pack-apps.sh has the package part)
HOME=$T/home PATH="$T/home/.pyenv/shims:/usr/bin:/bin" "$PACK" --print --no-auto packages --payload 'python3 -m http.server' > "$T/py" 2>&1
check "closure: a version manager's shim under \$HOME is passed over" sh -c \
	"grep -q '^f .* /usr/bin/python3 .*--payload' '$T/py' && ! grep -q '^f .*shims/python3' '$T/py'"
check "closure: the note names the shim and the program taken" has "$T/py" "shims/python3 is a version manager's shim.*taking /usr/bin/python3"
check "closure: python's standard library comes with it" has "$T/py" "/usr/lib/$PYV/encodings/__init__.py .*runtime python: the standard library of $PYV (for /usr/bin/python3)"
check "closure: http.server is in the image" has "$T/py" "/usr/lib/$PYV/http/server.py "
check "closure: lib-dynload and its libraries" sh -c \
	"grep -q '/usr/lib/$PYV/lib-dynload/_ssl\.' '$T/py' && grep -q 'libssl.so.3 .*needed by /usr/lib/$PYV/lib-dynload/_ssl' '$T/py'"
check "closure: the tests and IDLE are left out" sh -c "! grep -q '/usr/lib/$PYV/test/' '$T/py' && ! grep -q '/idlelib/' '$T/py' && ! grep -q 'config-3' '$T/py'"
check "closure: libgcc_s for pthread_exit" has "$T/py" "libgcc_s.so.1 .*runtime libgcc_s"
check "closure: the CA bundle for the TLS library" has "$T/py" "/etc/ssl/certs/ca-certificates.crt .*runtime ca-certificates"
check "closure: terminfo for ncurses users" has "$T/py" "/terminfo/l/linux .*runtime terminfo"
check "closure: pycs get the image's source mtime" has "$T/py" "__pycache__/os\.cpython-.*\.pyc .*pyc given the image's source mtime"
"$PACK" --print --no-auto python --no-auto packages --payload '/usr/bin/python3 -c 1' > "$T/nopy" 2>&1
check "closure: --no-auto python leaves the library out" sh -c "! grep -q 'encodings' '$T/nopy' && grep -q '/usr/bin/python3 ' '$T/nopy'"

# the pyc header: the image's mtime (SOURCE_DATE_EPOCH), the size kept
SOURCE_DATE_EPOCH=1234567 "$PACK" -o "$T/py.d" --format chroot --payload '/usr/bin/python3 -c 1' 2>/dev/null
pyc=$(ls "$T/py.d/usr/lib/$PYV/__pycache__/"os.cpython-*.pyc 2>/dev/null | head -n 1)
check "closure: a pyc in the image is valid for its source there" sh -c \
	"[ -n '$pyc' ] && /usr/bin/python3 -c \"
import sys, struct, os
h = open('$pyc', 'rb').read(16)
flags, mtime, size = struct.unpack('<III', h[4:16])
st = os.stat('$T/py.d/usr/lib/$PYV/os.py')
sys.exit(not (flags == 0 and mtime == 1234567 == int(st.st_mtime) and size == st.st_size))\""

# 2. a #!/usr/bin/env python3 script, a #!/usr/bin/perl script
printf '#!/usr/bin/env python3\nimport http.server\nprint("ok")\n' > "$T/app.py"
printf '#!/usr/bin/perl\nuse strict; use POSIX; print "ok\\n";\n' > "$T/app.pl"
chmod 755 "$T/app.py" "$T/app.pl"
"$PACK" --print --file "$T/app.py:/app/app.py" --payload /app/app.py > "$T/envpy" 2>&1
check "closure: #!/usr/bin/env brings env" has "$T/envpy" "/usr/bin/env .*needed by /app/app.py (its #! interpreter)"
check "closure: env's NAME comes from the image's PATH" has "$T/envpy" "/usr/bin/python3 .*needed by /app/app.py (#!/usr/bin/env python3, in the image's PATH)"
check "closure: ... with its standard library" has "$T/envpy" "/usr/lib/$PYV/http/server.py .*runtime python"
"$PACK" --print --file "$T/app.pl:/app/app.pl" > "$T/pl" 2>&1
check "closure: #!/usr/bin/perl brings perl" has "$T/pl" "/usr/bin/perl .*needed by /app/app.pl (its #! interpreter)"
check "closure: ... and its core modules" sh -c \
	"grep -q 'POSIX.pm .*runtime perl' '$T/pl' && grep -q '/strict.pm .*runtime perl' '$T/pl'"
check "closure: ... and perl's libraries" has "$T/pl" "libcrypt.so.1 .*needed by /usr/bin/perl"

# 3. refused: a missing interpreter, env NAME missing, a #! env line with two words
printf '#!/usr/bin/no-such-interpreter -x\necho\n' > "$T/bad.sh"
printf '#!/usr/bin/env no-such-program-x\n' > "$T/bad2.sh"
printf '#!/usr/bin/env python3 -u\n' > "$T/bad3.py"
chmod 755 "$T/bad.sh" "$T/bad2.sh" "$T/bad3.py"
refuse() { # refuse NAME MESSAGE ARGS...
	name=$1 msg=$2; shift 2
	"$PACK" -o "$T/r.img" "$@" > "$T/r.out" 2>&1
	r=$?
	check "closure: refuses $name (status $r)" sh -c "[ $r -ne 0 ] && grep -q -- \"$msg\" '$T/r.out' && [ ! -e '$T/r.img' ]"
	[ $r -ne 0 ] || cat "$T/r.out"
}
refuse "a script whose interpreter is missing, naming it" "/x/bad.sh .*its interpreter /usr/bin/no-such-interpreter" --file "$T/bad.sh:/x/bad.sh" --payload /x/bad.sh
refuse "env's program missing, naming it" "/x/bad2.sh .*its interpreter no-such-program-x" --file "$T/bad2.sh:/x/bad2.sh"
refuse "an env line the kernel passes as one word" "'python3 -u' to env as one program name" --file "$T/bad3.py:/x/bad3.py"

# 4. .note.dlopen: a library that names another in its note; the note's library comes along
mkdir -p "$T/dl"
printf 'int g(void) { return 2; }\n' > "$T/dl/g.c"
gcc -shared -fPIC -o "$T/dl/libnoted-dep.so.1" "$T/dl/g.c" -Wl,-soname,libnoted-dep.so.1
gcc -shared -fPIC -o "$T/dl/libsugg.so.1" "$T/dl/g.c" -Wl,-soname,libsugg.so.1
cat > "$T/dl/n.c" <<'EOF'
#define NOTE(sec, json) \
	__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct { \
		unsigned n, d, t; char name[4]; char desc[(sizeof(json) + 3) & ~3]; } sec = \
		{ 4, sizeof(json), 0x407c0c0a, "FDO", json };
NOTE(n1, "[{\"feature\":\"dep\",\"description\":\"x\",\"priority\":\"recommended\",\"soname\":[\"libnoted-missing.so.9\",\"libnoted-dep.so.1\"]}]")
NOTE(n2, "[{\"feature\":\"sugg\",\"priority\":\"suggested\",\"soname\":[\"libsugg.so.1\"]}]")
int f(void) { return 1; }
EOF
gcc -shared -fPIC -o "$T/dl/libnoted.so.1" "$T/dl/n.c" -Wl,-soname,libnoted.so.1 -Wl,-rpath,"$T/dl"
"$PACK" --print --file "$T/dl/libnoted.so.1:$T/dl/libnoted.so.1" > "$T/dl.out" 2>&1
check "closure: a .note.dlopen soname is followed (first one found)" has "$T/dl.out" "$T/dl/libnoted-dep.so.1 .*\.note\.dlopen, recommended feature dep"
check "closure: a suggested one is not, by default" sh -c "! grep -q 'libsugg' '$T/dl.out'"
"$PACK" --print --dlopen-suggested --file "$T/dl/libnoted.so.1:$T/dl/libnoted.so.1" > "$T/dl2.out" 2>&1
check "closure: --dlopen-suggested follows it" has "$T/dl2.out" "$T/dl/libsugg.so.1 .*suggested feature sugg"
t_done
