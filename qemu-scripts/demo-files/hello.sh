# The demo payload: say hello from inside the appliance, show what the init set up, and exit
# (the init then powers the VM off).
bb=/bin/busybox
echo
echo "hello from a minboot appliance: PID $$, $($bb uname -r), up $($bb cut -d' ' -f1 /proc/uptime) s"
echo "arguments: $*"
echo "mounts:"
$bb awk '{printf "  %-10s %-9s %s\n", $2, $3, $4}' /proc/mounts
echo "environment: $($bb env | $bb sort | $bb tr '\n' ' ')"
echo
