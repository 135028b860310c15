# Shared helpers for tests/t-*.sh.  Source it: . tests/lib.sh
BUILD=${BUILD:-build}
KERNEL_DIR=${KERNEL_DIR:-.cache/kernel}
TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/minboot-test.XXXXXX")
export XDG_CACHE_HOME="$TMPROOT/cache"   # the packer's segment cache: per test run
trap 'rm -rf "$TMPROOT"' EXIT
t_fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; t_fails=$((t_fails + 1)); }
skip() { echo "SKIP: $*"; }
# power_press LOG SOCK [PID]: the ACPI power button over QMP once the init watches it ("power
# button watched" in the console LOG; 30 s at most, while QEMU's PID lives): a press before that
# is not seen
power_press() {
	_i=0
	while [ $_i -lt 300 ] && ! grep -q 'power button watched' "$1" 2>/dev/null &&
		{ [ -z "$3" ] || kill -0 "$3" 2>/dev/null; }; do sleep 0.1; _i=$((_i + 1)); done
	qemu-scripts/qmp "$2" system_powerdown
}
# check NAME CMD...: PASS when CMD succeeds
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
# has FILE PATTERN: grep -q with the output shown on failure
has() { grep -q -- "$2" "$1" || { echo "  expected '$2' in $1:"; sed 's/^/  | /' "$1" | tail -n 40; return 1; }; }
hasnt() { ! grep -q -- "$2" "$1" || { echo "  did not expect '$2' in $1:"; grep -- "$2" "$1" | sed 's/^/  | /'; return 1; }; }
t_done() { [ "$t_fails" -eq 0 ]; }
