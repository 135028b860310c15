#!/bin/sh
# Documentation drift: every init setting and every packer option is in the README and the man
# pages, and the README's test command is what CI runs.
. tests/lib.sh
sed 's/\\//g' man/minboot-init.8 > "$TMPROOT/init.8"
sed 's/\\//g' man/minboot-pack.1 > "$TMPROOT/pack.1"
"$BUILD/minboot-init" --help | sed -n 's/^  \([a-z][^= ]*\).*/\1/p' | sed 's/\*$//' > "$TMPROOT/keys"
check "docs: the init lists its keys" test -s "$TMPROOT/keys"
missing=
while read -r k; do
	grep -qF -- "$k" README.md || missing="$missing README:$k"
	grep -qF -- "$k" "$TMPROOT/init.8" || missing="$missing man:$k"
done < "$TMPROOT/keys"
check "docs: every init key documented${missing:+ (missing:$missing)}" test -z "$missing"
"$BUILD/minboot-pack" --help | sed -n 's/^  \(-., \)\{0,1\} *--\([a-z-]*\).*/\2/p' > "$TMPROOT/opts"
missing=
while read -r o; do
	grep -qF -- "--$o" README.md || missing="$missing README:--$o"
	grep -qF -- "--$o" "$TMPROOT/pack.1" || missing="$missing man:--$o"
done < "$TMPROOT/opts"
check "docs: every packer option documented${missing:+ (missing:$missing)}" sh -c "[ -z '$missing' ] && [ -s '$TMPROOT/opts' ]"
check "docs: CI runs the README's test command" sh -c "grep -q 'make check' .ci/run && grep -q 'make check' README.md"
t_done
