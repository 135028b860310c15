/* Policy: every limit, timeout, default and fixed path of an appliance, in one place, shared by
 * the init (which applies them at boot) and the packer (which refuses at pack time what the init
 * would refuse at boot).  Logic elsewhere names these; it holds no literals of its own.  The older
 * names (CONFIG_STR, CONFIG_MAX_IP, CMDLINE_MAX_ARGS, LISTEN_MAX, NETCFG_TIMEOUT_MS ...) are
 * aliases of these. */
#ifndef MINBOOT_POLICY_H
#define MINBOOT_POLICY_H

/* ---- limits: what the init accepts ---- */
#define POLICY_STR              1024  /* one setting's value (minboot.payload, modules-load=, ...) */
#define POLICY_MAX_ENV          32    /* minboot.env.NAME= variables */
#define POLICY_MAX_IP           8     /* ip= values (and interfaces configured) */
#define POLICY_MAX_PARAMS       512   /* words on the kernel command line */
#define POLICY_MAX_ARGS         64    /* words of the payload's command */
#define POLICY_CMDLINE_MAX      4096  /* bytes of /proc/cmdline read (x86 allows 2 KiB) */
#define POLICY_CONF_MAX         16384 /* bytes of /etc/minboot.conf: a larger file stops the boot */
#define POLICY_MAX_LISTEN       16    /* minboot.listen sockets */
#define POLICY_MAX_GROUPS       64    /* supplementary groups of minboot.user */
#define POLICY_MAX_NAMESERVERS  3     /* the resolver reads three (glibc MAXNS) */
#define POLICY_MAX_POWER_BUTTONS 4
#define POLICY_COLDPLUG_PASSES  16    /* coldplug passes before giving up (a bus per pass) */
#define POLICY_COLDPLUG_JOBS    4     /* a pass's drivers load in up to one process per CPU, this many at most */
#define POLICY_TMPFILES_FILES   64    /* tmpfiles.d files read at boot */
#define POLICY_TMPFILES_MAX     16384 /* bytes of one tmpfiles.d file */
#define POLICY_MAX_LIMITS       16    /* minboot.limit.* (one per resource) */
#define POLICY_EXEC_STR         4096  /* every minboot.exec-* command together */
/* minboot.exec-KIND keys: the letter each is stored under, in order (pre, post, reload, stop) */
#define POLICY_EXEC_KINDS       "pPrs"

/* ---- defaults of the settings (minboot-init(8) documents each) ---- */
#define POLICY_STOP_TIMEOUT_MS       10000 /* minboot.stop-timeout: SIGTERM to SIGKILL */
#define POLICY_RESTART_MAX           5     /* minboot.restart-max */
#define POLICY_RESTART_DELAY_MS      500   /* minboot.restart-delay: doubled per restart */
#define POLICY_RESTART_DELAY_MAX_MS  30000 /* minboot.restart-delay-max */
#define POLICY_RESTART_INTERVAL_MS   10000 /* a run this long ends a crash loop (StartLimitIntervalSec=) */
#define POLICY_FSTAB_TIMEOUT_MS      10000 /* minboot.fstab-timeout: wait for each device */
#define POLICY_ROOT_TIMEOUT_MS       30000 /* minboot.root-timeout: wait for root= */
#define POLICY_NET_TIMEOUT_MS        30000 /* minboot.net-timeout: carrier + DHCP, all interfaces */
#define POLICY_SECONDS_MAX           86400 /* the longest duration a setting takes */

/* ---- fixed timings of the init ---- */
#define POLICY_DEVICE_POLL_MS    20    /* how often a device that has not appeared is looked for */
#define POLICY_STOP_POLL_MS      50    /* how often the shutdown looks whether the payload ended */
#define POLICY_KILL_WAIT_MS      1000  /* after SIGKILL to everything, for the last reaps */
#define POLICY_DHCP_REACQUIRE_MS 60000 /* each new attempt after a lost lease */
/* The drivers left for after the payload's start load at this nice value beside it, for this
 * long at most; then at the payload's priority, so a busy payload slows them but never holds
 * back the power button they make. */
#define POLICY_LATE_NICE         10
#define POLICY_LATE_LOW_MS       1000

/* ---- the image ---- */
/* The payload's PATH; the packer looks a payload named without a path up in the same order. */
#define POLICY_IMAGE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define POLICY_CONF_PATH     "/etc/minboot.conf"
#define POLICY_FSTAB_PATH    "/etc/fstab"
#define POLICY_RUN_DIR       "/run/minboot"
#define POLICY_NOTIFY_PATH   POLICY_RUN_DIR "/notify"
#define POLICY_TIMELINE_PATH POLICY_RUN_DIR "/timeline"
#define POLICY_NEWROOT       "/newroot"   /* where root= is mounted before the switch */
/* minboot.exit=virtio-serial: the host's port by its name (QEMU's virtserialport name=, libvirt's
 * <channel><target type='virtio' name=...>), found in the guest through this sysfs class. */
#define POLICY_STATUS_PORT   "org.minboot.status"
#define POLICY_PORTS_DIR     "/sys/class/virtio-ports"

/* The filesystems every process expects, mounted first, in order (each below its parent), and
 * the links into /proc every program expects in /dev.  Both end with a NULL entry. */
struct policy_mount {
	const char *src, *dst, *type;
	unsigned long flags;
	const char *data;
};
extern const struct policy_mount policy_early_mounts[];
extern const struct policy_link { const char *target, *path; } policy_early_links[];

/* root= without rootfstype=: the types tried, in order (NULL-terminated). */
extern const char *const policy_root_fstypes[];
/* The boot's critical path: the modules coldplug loads before the payload starts, those a boot
 * step waits for (NICs, disk controllers and their virtio/PCI/USB transports, filesystems, the
 * hardware RNG, virtio_console, vsock), as words that start a component of the module's path
 * in modules.dep (mod_path_in).  Every other device's driver (the power button's button and
 * evdev, CPU crypto, ...) loads after the payload has started.  NICs' links go up as they load. */
extern const char policy_early_modules[];
#define POLICY_NIC_MODULES "drivers/net/"

/* NIC drivers that look at the link only on their own 2 s timer once it is set up (a link-change
 * interrupt does not hurry it: e1000's watchdog), so a link set up during autonegotiation gets
 * its carrier 2 s later (QEMU's e1000 negotiates for 500 ms after the driver's reset at probe).
 * Such a link (policy_link_phy_first) is set up once the driver reports a speed (the PHY has
 * the link), at most POLICY_LINK_PHY_WAIT_MS after the network step asks; then its carrier
 * comes at once. */
extern const char *const policy_link_phy_first[]; /* NULL-terminated: e1000 */
#define POLICY_LINK_PHY_WAIT_MS 1000

/* The kernel's CPU-jitter entropy source (crypto/jitterentropy_rng, SP 800-90B), for a machine
 * with no hardware RNG (QEMU's defaults): the packer adds its modules to an image with a
 * dynamically linked program (their libraries, OpenSSL's and glibc's arc4random, wait for the
 * CRNG) unless --no-rng, and the init's CRNG helper loads them (policy_jitter_modules) in
 * order (6.1's jitterentropy_rng asks for sha3-256, which its modinfo does not name), reads
 * POLICY_JITTER_BYTES from it through AF_ALG's "rng" type and credits them to the CRNG. */
extern const char *const policy_jitter_modules[]; /* NULL-terminated */
#define POLICY_JITTER_RNG     "jitterentropy_rng"
#define POLICY_JITTER_BYTES   32 /* 256 bits: what seeds the CRNG (the kernel's CRNG_INIT_BITS) */
/* its priority: a payload blocked in getrandom() spins in the kernel's own jitter loop at nice
 * 0, and the helper beside it at nice 10 took 0.86 s instead of 0.15 s under TCG */
#define POLICY_JITTER_NICE    (-10)

#endif
