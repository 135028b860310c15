/* The init's steps against a fake machine (init/machine.h), unprivileged: a fake tree as root,
 * every call that would change the machine recorded as one line in `calls` (paths without the
 * fake root), a fake clock that moves only when the init waits, and fake processes that end when
 * signalled.  What is checked is the recorded sequence and the console, with expected values:
 * the early mounts, the settings' precedence, / made writable, fstab (device wait, nofail,
 * order), the root switch, the payload's environment and credentials, the shutdown's order
 * (TERM, grace, KILL, unmounts in reverse, read-only remount), modules, the network, a whole
 * boot.  Then the pure parsers of fstab lines, sd_notify messages and minboot.listen specs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/service.h"
#include "modload/modload.h"
#include "tests/unit/fake_netlink.h"
#include "tests/unit/test.h"

/* ---- the fake machine ---- */

static char root[64], calls[16384], console[16384];
static long now;                /* the fake clock, ms */
static long fs_type = RAMFS_MAGIC, fs_flags;
static int reboot_errno;        /* reboot(POWER_OFF/AUTOBOOT) fails with it */
static const char *busy[4];     /* mount points whose umount2 is EBUSY */
static const char *enodev_type; /* mount of this type is ENODEV */

static struct proc {
	pid_t pid;
	long exit_at;           /* -1: running */
	int status, reaped;
	long term_ms;           /* SIGTERM ends it after this long; -1: ignores SIGTERM */
	int term_status;        /* its wait status when SIGTERM ends it */
	pid_t pgid;             /* 0: its own process group (it leads it) */
} procs[16];
static int nprocs;

/* Something that happens in the fake world at a time: a device appears. */
static struct { long at; const char *path; } events[4];
static int nevents;

static const char *rel(const char *path)
{
	size_t l = strlen(root);

	return path && !strncmp(path, root, l) ? (path[l] ? path + l : "/") : path ? path : "-";
}

#define RECORD(...) snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), __VA_ARGS__)

static void put(const char *relpath, const void *data, size_t len, int mode)
{
	char path[512], *s;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, relpath);
	for (s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		(void)!write(fd, data, len);
		close(fd);
	}
}
#define PUT(relpath, str) put(relpath, str, strlen(str), 0644)

static int exists(const char *relpath)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, relpath);
	return lstat(path, &st) == 0;
}

static void run_events(void)
{
	int i;

	for (i = 0; i < nevents; i++)
		if (events[i].path && now >= events[i].at) {
			PUT(events[i].path, "");
			events[i].path = NULL;
		}
}

static const char *flag_names(unsigned long f, char *buf, size_t len)
{
	static const struct { unsigned long f; const char *n; } names[] = {
		{ MS_RDONLY, "ro" }, { MS_NOSUID, "nosuid" }, { MS_NODEV, "nodev" }, { MS_NOEXEC, "noexec" },
		{ MS_REMOUNT, "remount" }, { MS_MOVE, "move" }, { MS_BIND, "bind" }, { MS_NOATIME, "noatime" },
	};
	size_t n = 0, i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].f)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i].n), f &= ~names[i].f;
	if (f)
		snprintf(buf + n, len - n, "%s%#lx", n ? "," : "", f);
	return buf[0] ? buf : "-";
}

static int f_mount(const char *src, const char *dst, const char *type, unsigned long flags, const void *data)
{
	char f[96];

	RECORD("mount %s %s %s %s %s\n", rel(src), rel(dst), type && *type ? type : "-",
	       flag_names(flags, f, sizeof(f)), data ? (const char *)data : "-");
	if (enodev_type && type && !strcmp(type, enodev_type))
		return errno = ENODEV, -1;
	return 0;
}

static int f_umount2(const char *target, int flags)
{
	int i;

	RECORD("umount %s%s\n", rel(target), flags == MNT_DETACH ? " detach" : flags ? " ?" : "");
	for (i = 0; i < 4; i++)
		if (busy[i] && !strcmp(rel(target), busy[i]))
			return errno = EBUSY, -1;
	return 0;
}

static int f_statfs(const char *path, struct statfs *sf)
{
	(void)path;
	memset(sf, 0, sizeof(*sf));
	sf->f_type = fs_type;
	sf->f_flags = fs_flags;
	return 0;
}

static int f_reboot(int cmd)
{
	const char *n = cmd == (int)RB_POWER_OFF ? "POWER_OFF" : cmd == (int)RB_AUTOBOOT ? "AUTOBOOT" :
			cmd == (int)RB_HALT_SYSTEM ? "HALT" : cmd == (int)RB_DISABLE_CAD ? "CAD_OFF" : "?";

	RECORD("reboot %s\n", n);
	if (reboot_errno && cmd != (int)RB_DISABLE_CAD && cmd != (int)RB_HALT_SYSTEM)
		return errno = reboot_errno, -1;
	return 0;
}

static void f_sync(void)
{
	RECORD("sync\n");
}

static void signal_proc(struct proc *p, int sig)
{
	if (p->exit_at >= 0 && p->exit_at <= now)
		return; /* already gone */
	if (sig == SIGKILL) {
		p->exit_at = now;
		p->status = SIGKILL;
	} else if (sig == SIGTERM && p->term_ms >= 0 && (p->exit_at < 0 || p->exit_at > now + p->term_ms)) {
		p->exit_at = now + p->term_ms;
		p->status = p->term_status;
	}
}

static int f_kill(pid_t pid, int sig)
{
	int i, any = 0;

	RECORD("kill %d %s\n", (int)pid, sig == SIGTERM ? "TERM" : sig == SIGKILL ? "KILL" : sig == SIGABRT ? "ABRT" :
	       sig == 0 ? "0" : strsignal(sig));
	for (i = 0; i < nprocs; i++) {
		struct proc *p = &procs[i];
		if ((pid == -1 || p->pid == pid || -p->pid == pid) && !p->reaped) {
			any = 1;
			signal_proc(p, sig);
		}
	}
	return any ? 0 : (errno = ESRCH, -1);
}

static pid_t f_getpgid(pid_t pid)
{
	int i;

	for (i = 0; i < nprocs; i++)
		if (procs[i].pid == pid && !procs[i].reaped)
			return procs[i].pgid ? procs[i].pgid : pid;
	return errno = ESRCH, -1;
}

static pid_t f_reap(int *status)
{
	int i, alive = 0;

	for (i = 0; i < nprocs; i++) {
		if (procs[i].reaped)
			continue;
		if (procs[i].exit_at >= 0 && procs[i].exit_at <= now) {
			procs[i].reaped = 1;
			*status = procs[i].status;
			return procs[i].pid;
		}
		alive = 1;
	}
	return alive ? 0 : (errno = ECHILD, -1);
}

static int f_wait_signal(const sigset_t *set, long ms)
{
	long next = -1;
	int i;

	(void)set;
	for (i = 0; i < nprocs; i++)
		if (!procs[i].reaped && procs[i].exit_at > now && (next < 0 || procs[i].exit_at < next))
			next = procs[i].exit_at;
	if (next >= 0 && (ms < 0 || next <= now + ms)) {
		now = next;
		return SIGCHLD;
	}
	if (ms < 0)
		return errno = EINTR, -1;
	now += ms;
	run_events();
	return errno = EAGAIN, -1;
}

static char *const *spawn_env; /* the last payload's environment */
static char *const *cmd_env;   /* the last command's */
static long payload_exit_at = -1, payload_term_ms = 100;
static int payload_status, payload_term_status = SIGTERM;

static pid_t f_spawn(const struct spawn *s)
{
	int i;

	RECORD("spawn");
	if (s->path)
		RECORD(" (%s)", s->path);
	for (i = 0; s->argv[i]; i++)
		RECORD("%s%s", i ? "|" : " ", s->argv[i]);
	RECORD(" cwd=%s", s->workdir && *s->workdir ? s->workdir : "/");
	if (s->cred) {
		RECORD(" uid=%u gid=%u groups=", (unsigned)s->uid, (unsigned)s->gid);
		for (i = 0; i < s->ngroups; i++)
			RECORD("%s%u", i ? "," : "", (unsigned)s->groups[i]);
	}
	RECORD(" fds=%d", s->nfds);
	if (s->umask >= 0)
		RECORD(" umask=%03o", (unsigned)s->umask);
	for (i = 0; i < s->nlimits; i++)
		RECORD(" limit%d=%llu:%llu", s->limits[i].res, s->limits[i].soft, s->limits[i].hard);
	if (s->no_new_privs)
		RECORD(" nnp");
	if (s->has_cap_bound)
		RECORD(" bound=%#llx", s->cap_bound);
	if (s->cap_ambient)
		RECORD(" ambient=%#llx", s->cap_ambient);
	RECORD("\n");
	for (i = 0; i < 2; i++)
		if (s->pid_slot[i] >= 0)
			s->envp[s->pid_slot[i]] = i ? "WATCHDOG_PID=100" : "LISTEN_PID=100";
	/* a command "/cmd/NAME STATUS": ends after 10 ms with that status; others are the payload */
	if (!strncmp(s->path ? s->path : s->argv[0], "/cmd/", 5)) {
		for (i = 0; s->argv[i + 1]; i++)
			;
		cmd_env = s->envp;
		procs[nprocs] = (struct proc){ 100 + nprocs, now + 10, atoi(s->argv[i]) << 8, 0, 5, SIGTERM, 0 };
		return 100 + nprocs++;
	}
	spawn_env = s->envp;
	procs[nprocs] = (struct proc){ 100 + nprocs, payload_exit_at, payload_status, 0, payload_term_ms, payload_term_status, 0 };
	return 100 + nprocs++;
}

static int f_chdir(const char *path)
{
	RECORD("chdir %s\n", rel(path));
	return 0;
}

static int f_chroot(const char *path)
{
	RECORD("chroot %s\n", rel(path));
	return 0;
}

static int f_execv(const char *path, char *const argv[])
{
	RECORD("execv %s %s\n", rel(path), argv && argv[0] ? argv[0] : "-");
	return 0;
}

static int f_fexecve(int fd, char *const argv[])
{
	char buf[64] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	RECORD("fexecve [%s] %s\n", n > 0 ? buf : "?", argv && argv[0] ? argv[0] : "-");
	return 0;
}

static int f_sethostname(const char *name, size_t len)
{
	RECORD("sethostname %.*s\n", (int)len, name);
	return 0;
}

static int jitter_errno; /* what the fake jitter source fails with (its module not loaded) */

static int f_jitter(void *buf, size_t n)
{
	RECORD("jitter %zu\n", n);
	memset(buf, 0xa5, n);
	return jitter_errno ? -jitter_errno : 0;
}

static int f_credit(const void *buf, size_t n)
{
	RECORD("credit %zu bytes %02x\n", n, ((const unsigned char *)buf)[0]);
	return 0;
}

static int f_port_out(unsigned port, unsigned value)
{
	RECORD("port %#x %u\n", port, value);
	return 0;
}

static long f_now_ms(void)
{
	return now;
}

static void f_sleep_ms(long ms)
{
	now += ms;
	run_events();
}

static void f_console(const char *text, size_t len)
{
	snprintf(console + strlen(console), sizeof(console) - strlen(console), "%.*s", (int)len, text);
}

static int f_finit(int fd, const char *params, int flags)
{
	char path[64], target[512];
	ssize_t n;

	(void)flags;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	RECORD("finit %s [%s]\n", strrchr(target, '/') ? strrchr(target, '/') + 1 : target, params);
	return 0;
}

static int f_init_module(const void *img, unsigned long len, const char *params)
{
	(void)img;
	RECORD("init_module %lu [%s]\n", len, params);
	return 0;
}

static const struct mod_ops f_mod_ops = { f_finit, f_init_module, NULL, NULL, NULL, NULL };

static const struct machine fake = {
	.root = root, .mount = f_mount, .umount2 = f_umount2, .statfs = f_statfs, .reboot = f_reboot,
	.sync = f_sync, .spawn = f_spawn, .kill = f_kill, .getpgid = f_getpgid, .reap = f_reap, .chdir = f_chdir,
	.chroot = f_chroot, .execv = f_execv, .fexecve = f_fexecve, .sethostname = f_sethostname, .port_out = f_port_out,
	.modules = &f_mod_ops, .netlink = &fnl_ops, .now_ms = f_now_ms, .sleep_ms = f_sleep_ms,
	.wait_signal = f_wait_signal, .console = f_console, .jitter = f_jitter, .credit = f_credit,
};

static struct boot b;

/* A new fake tree and machine state; b as boot_run leaves it before the first step. */
static void fresh(void)
{
	char cmd[128];

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		(void)!system(cmd);
	}
	strcpy(root, "/tmp/init-unit.XXXXXX");
	if (!mkdtemp(root))
		exit(2);
	calls[0] = console[0] = '\0';
	now = 1000;
	fs_type = RAMFS_MAGIC;
	fs_flags = 0;
	reboot_errno = 0;
	memset(busy, 0, sizeof(busy));
	enodev_type = NULL;
	nprocs = nevents = 0;
	payload_exit_at = -1;
	jitter_errno = 0;
	payload_term_ms = 100;
	payload_status = 0;
	payload_term_status = SIGTERM;
	spawn_env = NULL;
	fnl_reset();
	memset(&b, 0, sizeof(b));
	b.m = &fake;
	b.uevent_fd = b.notify_fd = -1;
	config_defaults(&b.cfg);
	log_write = f_console;
	log_level = LOG_INFO;
	timeline_start(&fake);
	timeline_enable(0);
	unsetenv("MINBOOT_CMDLINE");
	setenv("TERM", "linux", 1);
	PUT("/proc/cmdline", "\n"); /* what every machine has; tests replace it */
	mkdir(strcat(strcpy(cmd, root), "/run"), 0755); /* mounted by step_early */
}

static int has(const char *text, const char *what)
{
	if (strstr(text, what))
		return 1;
	printf("  expected \"%s\" in:\n%s\n", what, text);
	return 0;
}

/* ---- init-early ---- */

static void mounts_in_order(void)
{
	char target[64] = "";

	fresh();
	CHECK_INT(step_early(&b), 0);
	CHECK_STR(calls,
		  "chdir /\n"
		  "mount proc /proc proc nosuid,nodev,noexec -\n"
		  "mount sysfs /sys sysfs nosuid,nodev,noexec -\n"
		  "mount devtmpfs /dev devtmpfs nosuid mode=0755\n"
		  "mount devpts /dev/pts devpts nosuid,noexec gid=5,mode=0620,ptmxmode=0666\n"
		  "mount tmpfs /dev/shm tmpfs nosuid,nodev mode=1777\n"
		  "mount tmpfs /run tmpfs nosuid,nodev mode=0755\n"
		  "mount tmpfs /tmp tmpfs nosuid,nodev mode=1777\n"
		  "reboot CAD_OFF\n");
	CHECK(exists("/proc") && exists("/dev/pts") && exists("/tmp"));
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/dev/fd", root);
		(void)!readlink(path, target, sizeof(target) - 1);
	}
	CHECK_STR(target, "/proc/self/fd");
	CHECK(exists("/dev/stdin") && exists("/dev/stderr"));
	CHECK_STR(console, "");
}

/* ---- init-config ---- */

static void config_precedence(void)
{
	fresh();
	PUT("/etc/minboot.conf", "# packed\nminboot.payload=/bin/app one\nminboot.stop-timeout=3\n"
				 "minboot.restart=always\n");
	PUT("/proc/cmdline", "console=ttyS0 minboot.stop-timeout=4.5 quiet -- /bin/other two\n");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(b.cfg.stop_timeout_ms, 4500);          /* the command line wins */
	CHECK_INT(b.cfg.restart, RESTART_ALWAYS);        /* the file's, unchallenged */
	CHECK_STR(b.cfg.payload, "/bin/app one");
	CHECK(b.cfg.has_override && !strcmp(b.cfg.payload_override[0], "/bin/other") &&
	      !strcmp(b.cfg.payload_override[1], "two"));
	CHECK_INT(log_level, LOG_WARN);                  /* quiet */
	CHECK_INT(b.cfg.fstab_timeout_ms, POLICY_FSTAB_TIMEOUT_MS); /* the default */
}

static void config_refusals(void)
{
	static char big[POLICY_CONF_MAX + 2];

	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app\nminboot.shutdown=explode\n");
	CHECK_INT(step_config(&b), -EINVAL);
	CHECK_STR(b.why, "/etc/minboot.conf: line 2: bad value for minboot.shutdown: 'explode' "
			 "(poweroff, reboot or halt)");
	fresh();
	memset(big, '#', sizeof(big) - 1);
	PUT("/etc/minboot.conf", big);
	CHECK_INT(step_config(&b), -EFBIG);
	CHECK_STR(b.why, "/etc/minboot.conf: larger than 16384 bytes");
	fresh();
	PUT("/proc/cmdline", "minboot.restrat=always");
	CHECK_INT(step_config(&b), -EINVAL);
	CHECK_STR(b.why, "kernel command line: unknown parameter minboot.restrat");
}

/* ---- init-root ---- */

static void root_made_writable(void)
{
	fresh();
	fs_flags = ST_RDONLY;
	CHECK_INT(step_root(&b), 0);
	CHECK_STR(calls, "mount - / - remount -\n");
	CHECK(has(console, "remounted / read-write"));
	fresh();
	CHECK_INT(step_root(&b), 0); /* already writable */
	CHECK_STR(calls, "");
	fresh();
	fs_flags = ST_RDONLY;
	b.cfg.rw = 0; /* "ro" */
	CHECK_INT(step_root(&b), 0);
	CHECK_STR(calls, "");
}

/* ---- init-fstab ---- */

static void put_ext(const char *relpath, const char *label)
{
	unsigned char img[2048] = { 0 };

	img[1024 + 56] = 0x53;
	img[1024 + 57] = 0xEF;
	memcpy(img + 1024 + 104, "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
	memcpy(img + 1024 + 120, label, strlen(label));
	put(relpath, img, sizeof(img), 0600);
}

static void fstab_order_wait_nofail(void)
{
	long t0;

	fresh();
	PUT("/etc/fstab",
	    "# data disks\n"
	    "/dev/vdb /data ext4 defaults,noatime 0 2\n"
	    "LABEL=logs /var/log ext4 nofail,nodev 0 0\n"
	    "UUID=12345678-9ABC-DEF0-0123-456789ABCDEF /srv ext4 ro 0 0\n"
	    "/dev/vdc /late xfs ro 0 0\n"
	    "/dev/missing /opt ext4 nofail 0 0\n"
	    "tmpfs /scratch tmpfs size=10m,mode=1777 0 0\n"
	    "/dev/vdb /mnt/my\\040disk ext4 noauto 0 0\n"
	    "/dev/vde none swap sw 0 0\n"
	    "garbage\n");
	PUT("/dev/vdb", "");
	PUT("/sys/class/block/vdd/dev", "254:48\n");
	put_ext("/dev/vdd", "logs");
	events[nevents++].at = now + 150, events[nevents - 1].path = "/dev/vdc"; /* a late driver */
	b.cfg.fstab_timeout_ms = 1000;
	t0 = now;
	CHECK_INT(step_storage(&b), 0);
	CHECK_STR(calls,
		  "mount /dev/vdb /data ext4 noatime -\n"
		  "mount /dev/vdd /var/log ext4 nodev -\n"
		  "mount /dev/vdd /srv ext4 ro -\n"
		  "mount /dev/vdc /late xfs ro -\n"
		  "mount tmpfs /scratch tmpfs - size=10m,mode=1777\n");
	CHECK(has(console, "/opt: device /dev/missing did not appear within 1000 ms"));
	CHECK(has(console, "/etc/fstab line 10: not understood, ignored"));
	/* the late disk was waited for (150 ms, in 20 ms steps), then the missing one for 1 s */
	CHECK(now - t0 >= 1150 && now - t0 <= 1200);
	CHECK(exists("/data") && exists("/scratch") && !exists("/mnt/my disk"));
}

static void fstab_needed_device_stops_the_boot(void)
{
	fresh();
	PUT("/etc/fstab", "/dev/vdb /data ext4 defaults 0 0\n/dev/gone /need ext4 defaults 0 0\n"
			  "/dev/vdb /after ext4 defaults 0 0\n");
	PUT("/dev/vdb", "");
	b.cfg.fstab_timeout_ms = 100;
	CHECK_INT(step_storage(&b), -ENODEV);
	CHECK_STR(b.why, "unable to mount /need, needed by /etc/fstab (add nofail to go on without it)");
	CHECK_STR(calls, "mount /dev/vdb /data ext4 - -\n"); /* nothing after it */
	/* a filesystem the kernel does not know yet: its module, then the mount again */
	fresh();
	PUT("/etc/fstab", "/dev/vdb /data xfs defaults 0 0\n");
	PUT("/dev/vdb", "");
	enodev_type = "xfs";
	CHECK_INT(step_storage(&b), -ENODEV);
	CHECK(has(console, "unable to mount /dev/vdb on /data (xfs): No such device"));
}

/* ---- init-tmpfiles ---- */

static int mode_of(const char *relpath)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, relpath);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void tmpfiles_dirs(void)
{
	fresh();
	PUT("/usr/lib/tmpfiles.d/postgresql-common.conf",
	    "d /run/postgresql 2775 0 0 - -\nd /var/log/postgresql 1775 root - - -\n");
	PUT("/usr/lib/tmpfiles.d/masked.conf", "d /run/from-usr 0755\n");
	PUT("/etc/tmpfiles.d/masked.conf", "d /run/from-etc 0700\n");   /* the same name: /etc's wins */
	PUT("/usr/lib/tmpfiles.d/other.conf", "L /run/link - - - - /x\nd /run/a/b/c :0711\nd /run/%U 0700\n"
	    "d /run/bad 9z\nd /run/who 0755 nosuchuser\n");
	PUT("/usr/lib/tmpfiles.d/notconf.txt", "d /run/never\n");
	PUT("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	CHECK_INT(step_tmpfiles(&b), 0);
	CHECK_INT(mode_of("/run/postgresql"), 02775);
	CHECK_INT(mode_of("/var/log/postgresql"), 01775);
	CHECK_INT(mode_of("/run/from-etc"), 0700);
	CHECK(!exists("/run/from-usr") && !exists("/run/never") && !exists("/run/link"));
	CHECK_INT(mode_of("/run/a/b/c"), 0711);   /* with its parents */
	CHECK_INT(mode_of("/run/a"), 0755);
	CHECK(!exists("/run/%U") && !exists("/run/who"));
	CHECK(has(console, "tmpfiles: other.conf: a bad line: d /run/bad 9z"));
	CHECK(has(console, "tmpfiles: /run/who: no user nosuchuser in /etc/passwd"));
	/* none: nothing done, nothing said */
	fresh();
	CHECK_INT(step_tmpfiles(&b), 0);
	CHECK(!has(console, "tmpfiles"));
}

/* ---- init-switch-root ---- */

static void switch_root_hands_over(void)
{
	char *argv[] = { "/init", NULL };

	fresh();
	b.argv = argv;
	PUT("/proc/cmdline", "root=/dev/vda");
	CHECK_INT(step_config(&b), 0);
	PUT("/dev/vda", "");
	put("/newroot/init", "#!", 2, 0755);
	PUT("/bin/old", "initramfs file");
	calls[0] = '\0';
	CHECK_INT(step_switch_root(&b), 1);
	CHECK_STR(calls,
		  "mount /dev/vda /newroot ext4 - -\n"
		  "umount /tmp detach\n" "umount /run detach\n" "umount /dev/shm detach\n"
		  "umount /dev/pts detach\n" "umount /sys detach\n" "umount /proc detach\n"
		  "mount /dev /newroot/dev - move -\n"
		  "chdir /newroot\n"
		  "mount /newroot / - move -\n"
		  "chroot .\n"
		  "chdir /\n"
		  "execv /init /init\n");
	CHECK(!exists("/bin/old") && exists("/newroot/init")); /* the initramfs's RAM is given back */
}

/* The root's /init the same program as the running one: the init goes on from its own copy (in
 * RAM already); another program of the same size, or none to compare with: the root's. */
static void switch_root_same_init(void)
{
	char *argv[] = { "/init", NULL };
	static const struct { const char *self, *root, *want; } c[] = {
		{ "minboot init v1", "minboot init v1", "fexecve [minboot init v1] /init\n" },
		{ "minboot init v1", "minboot init v2", "execv /init /init\n" },
		{ "minboot init v1", "minboot init v1 and more", "execv /init /init\n" },
		{ NULL, "minboot init v1", "execv /init /init\n" },
	};
	unsigned i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		fresh();
		b.argv = argv;
		PUT("/proc/cmdline", "root=/dev/vda");
		CHECK_INT(step_config(&b), 0);
		PUT("/dev/vda", "");
		put("/newroot/init", c[i].root, strlen(c[i].root), 0755);
		if (c[i].self)
			put("/proc/self/exe", c[i].self, strlen(c[i].self), 0755);
		calls[0] = '\0';
		CHECK_INT(step_switch_root(&b), 1);
		CHECK(has(calls, "chroot .\nchdir /\n"));
		CHECK_STR(strstr(calls, "chdir /\n") + 8, c[i].want);
	}
	/* the same first 4096 bytes, read chunk for chunk, and a root's /init that goes on after them */
	static char big[4096 + 8];
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 2; i++) {
		fresh();
		b.argv = argv;
		PUT("/proc/cmdline", "root=/dev/vda");
		CHECK_INT(step_config(&b), 0);
		PUT("/dev/vda", "");
		put("/newroot/init", big, i ? sizeof(big) : 4096, 0755);
		put("/proc/self/exe", big, 4096, 0755);
		calls[0] = '\0';
		CHECK_INT(step_switch_root(&b), 1);
		CHECK(has(calls, i ? "execv /init /init\n" : "fexecve [xxxx"));
	}
}

static void switch_root_refusals(void)
{
	fresh();
	PUT("/proc/cmdline", "root=/dev/vda rootfstype=ext4");
	CHECK_INT(step_config(&b), 0);
	PUT("/dev/vda", "");
	calls[0] = '\0';
	CHECK_INT(step_switch_root(&b), -ENOEXEC);
	CHECK_STR(b.why, "root=/dev/vda has no /init: it is not a minboot root");
	CHECK_STR(calls, "mount /dev/vda /newroot ext4 - -\numount /newroot\n");
	fresh();
	PUT("/proc/cmdline", "root=LABEL=gone minboot.root-timeout=0.2");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_switch_root(&b), -ENODEV);
	CHECK_STR(b.why, "root=LABEL=gone: the device did not appear within 200 ms");
	fresh();
	PUT("/proc/cmdline", "root=/dev/vda");
	CHECK_INT(step_config(&b), 0);
	fs_type = EXT4_SUPER_MAGIC; /* this is the init on the real root already */
	CHECK_INT(step_switch_root(&b), 0);
	CHECK_STR(calls, "");
}

/* b->load_module for the root's overlay: the kernel knows overlay from here on */
static int overlay_loads;
static int load_overlay(struct boot *bb, const char *name)
{
	(void)bb;
	RECORD("load %s\n", name);
	overlay_loads++;
	if (enodev_type && !strcmp(name, enodev_type))
		enodev_type = NULL;
	return 0;
}

/* A fresh boot whose root= is the erofs disk img (its UUID at 48 of the superblock) under
 * minboot.root-overlay=1, with an /init on it. */
static void erofs_root_disk(char **argv, const unsigned char *img)
{
	fresh();
	b.argv = argv;
	put("/dev/vdb", img, 2048, 0600);
	PUT("/sys/class/block/vdb/dev", "254:16\n");
	PUT("/proc/cmdline", "root=UUID=12345678-9abc-def0-0123-456789abcdef rootfstype=erofs minboot.root-overlay=1");
	CHECK_INT(step_config(&b), 0);
	put("/newroot/init", "#!", 2, 0755);
}

/* root=UUID= of an erofs disk (the UUID at 48 of its superblock) and of a squashfs one (the
 * packer's MBID record after bytes_used), under minboot.root-overlay=1. */
static void switch_root_overlay(void)
{
	static const unsigned char uuid[16] = "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef";
	unsigned char img[3 * 4096] = { 0 };
	char *argv[] = { "/init", NULL };
	unsigned long long used = 5000; /* the record's block: 8192 */

	fresh();
	b.argv = argv;
	memcpy(img + 1024, "\xe2\xe1\xf5\xe0", 4);
	memcpy(img + 1024 + 48, uuid, 16);
	put("/dev/vdb", img, 2048, 0600);
	PUT("/sys/class/block/vdb/dev", "254:16\n");
	PUT("/proc/cmdline", "root=UUID=12345678-9abc-def0-0123-456789abcdef rootfstype=erofs minboot.root-overlay=1");
	CHECK_INT(step_config(&b), 0);
	put("/newroot/init", "#!", 2, 0755);
	calls[0] = '\0';
	CHECK_INT(step_switch_root(&b), 1);
	CHECK(has(calls, "mount /dev/vdb /.root-ro erofs - -\n"
		  "mount tmpfs /.root-rw tmpfs - -\n"
		  "mount overlay /newroot overlay - lowerdir=/.root-ro,upperdir=/.root-rw/u,workdir=/.root-rw/w\n"
		  "mount /.root-ro /newroot/.root-ro - move -\n"
		  "mount /.root-rw /newroot/.root-rw - move -\n"));
	CHECK(!has(calls, "load "));
	/* the overlay module on demand: the mount again once it is loaded (no modules-load=overlay,
	 * which would hold up coldplug's first drivers) */
	erofs_root_disk(argv, img);
	enodev_type = "overlay";
	b.load_module = load_overlay;
	overlay_loads = 0;
	calls[0] = '\0';
	CHECK_INT(step_switch_root(&b), 1);
	CHECK_INT(overlay_loads, 1);
	CHECK(has(calls, "mount overlay /newroot overlay - lowerdir=/.root-ro,upperdir=/.root-rw/u,workdir=/.root-rw/w\n"
		  "load overlay\n"
		  "mount overlay /newroot overlay - lowerdir=/.root-ro,upperdir=/.root-rw/u,workdir=/.root-rw/w\n"
		  "mount /.root-ro /newroot/.root-ro - move -\n"));
	/* no module to load: the boot stops with the mount's reason */
	erofs_root_disk(argv, img);
	enodev_type = "overlay";
	CHECK_INT(step_switch_root(&b), -ENODEV);
	enodev_type = NULL;
	/* squashfs: no UUID of its own; the record with another UUID, then the right one */
	fresh();
	b.argv = argv;
	memset(img, 0, sizeof(img));
	memcpy(img, "hsqs", 4);
	memcpy(img + 40, &used, 8);
	memcpy(img + 8192 + 1024, "MBID", 4);
	memcpy(img + 8192 + 1024 + 48, uuid, 16);
	img[8192 + 1024 + 48 + 15] = 0xee;
	put("/dev/vdc", img, sizeof(img), 0600);
	PUT("/sys/class/block/vdc/dev", "254:32\n");
	PUT("/proc/cmdline", "root=UUID=12345678-9abc-def0-0123-456789abcdef rootfstype=squashfs minboot.root-timeout=0.1");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_switch_root(&b), -ENODEV);
	img[8192 + 1024 + 48 + 15] = 0xef;
	put("/dev/vdc", img, sizeof(img), 0600);
	put("/newroot/init", "#!", 2, 0755);
	calls[0] = '\0';
	CHECK_INT(step_switch_root(&b), 1);
	CHECK(has(calls, "mount /dev/vdc /newroot squashfs - -\n")); /* minboot.root-overlay=0 */
}

/* ---- init-payload ---- */

static void env_is(const char *want)
{
	char got[2048] = "";
	int i;

	for (i = 0; spawn_env && spawn_env[i]; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", spawn_env[i]);
	CHECK_STR(got, want);
}

static void payload_environment(void)
{
	struct stat st;
	char path[512];

	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app --flag 'a b'\nminboot.env.FOO=bar\n"
				 "minboot.user=app\nminboot.workdir=/srv\nminboot.watchdog=5\n"
				 "minboot.env.PATH=/app/bin:/bin\nminboot.env.LISTEN_FDS=9\nminboot.groups=web,77\n");
	PUT("/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
	PUT("/etc/group", "root:x:0:\napp:x:1000:\nlog:x:2000:app,other\nweb:x:3000:nobody\n");
	PUT("/srv/.keep", "");
	PUT("/proc/cmdline", "console=ttyS0 TERM=vt100 leftover=1");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), 0);
	/* minboot.groups (SupplementaryGroups=) after /etc/group's: a name and a number */
	CHECK_STR(calls, "spawn /bin/app|--flag|a b cwd=/srv uid=1000 gid=1000 groups=1000,2000,3000,77 fds=0\n");
	/* minboot.env.PATH replaces the default PATH; a service-manager variable is not replaced */
	env_is("PATH=/app/bin:/bin HOME=/home/app TERM=linux "
	       "USER=app LOGNAME=app NOTIFY_SOCKET=/run/minboot/notify WATCHDOG_USEC=5000000 "
	       "WATCHDOG_PID=100 FOO=bar LISTEN_FDS=9");
	CHECK_INT(b.payload.pid, 100);
	CHECK_INT(b.payload.uid, 1000);
	CHECK_INT(b.payload.watchdog_deadline, now + 5000);
	snprintf(path, sizeof(path), "%s/run/minboot/notify", root);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
	close(b.notify_fd);
}

static void payload_sockets_and_override(void)
{
	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app\nminboot.listen=unix:/run/app.sock\n");
	PUT("/proc/cmdline", "-- /bin/sh -c \"echo hi\"");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), 0);
	CHECK_STR(calls, "spawn /bin/sh|-c|echo hi cwd=/ fds=1\n");
	env_is("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/ TERM=linux "
	       "NOTIFY_SOCKET=/run/minboot/notify LISTEN_FDS=1 LISTEN_FDNAMES=unix-/run/app.sock LISTEN_PID=100");
	CHECK(exists("/run/app.sock"));
	close(b.notify_fd);
}

static void payload_refusals(void)
{
	fresh();
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), -ENOENT);
	CHECK_STR(b.why, "no payload: pack one with minboot-pack --payload, or give a command after -- on "
			 "the kernel command line");
	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app\nminboot.user=nobody\n");
	PUT("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), -ENOENT);
	CHECK_STR(b.why, "minboot.user=nobody: no such user in /etc/passwd");
	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app\nminboot.workdir=/nowhere\n");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), -ENOENT);
	CHECK_STR(b.why, "minboot.workdir=/nowhere: No such file or directory");
	fresh();
	PUT("/etc/minboot.conf", "minboot.payload=/bin/app\nminboot.user=root\nminboot.groups=nogroup\n");
	PUT("/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	PUT("/etc/group", "root:x:0:\n");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), -ENOENT);
	CHECK_STR(b.why, "minboot.groups: no group nogroup in /etc/group");
	CHECK_STR(calls, ""); /* nothing started */
}

/* ---- init-shutdown ---- */

static void start_payload(void)
{
	struct spawn s = { .argv = (char *[]){ "/bin/app", NULL }, .pid_slot = { -1, -1 } };

	b.payload.pid = f_spawn(&s);
	calls[0] = '\0';
}

static void shutdown_order(void)
{
	long t0;

	fresh();
	PUT("/proc/self/mounts",
	    "rootfs / rootfs rw 0 0\n"
	    "proc /proc proc rw,nosuid 0 0\n"
	    "/dev/vdb /data ext4 rw,relatime 0 0\n"
	    "/dev/vdc /mnt/my\\040disk ext4 rw 0 0\n"
	    "tmpfs /run tmpfs rw 0 0\n");
	busy[0] = "/data";
	b.cfg.stop_timeout_ms = 1000;
	payload_term_ms = 200;                 /* the payload stops 200 ms after SIGTERM */
	start_payload();
	procs[nprocs++] = (struct proc){ 101, -1, 0, 0, -1, 0, 0 }; /* a helper that ignores SIGTERM */
	t0 = now;
	step_shutdown(&b);
	CHECK_STR(calls,
		  "kill -100 TERM\n"                      /* the payload's group first, alone */
		  "kill -1 TERM\n"                         /* then everything */
		  "kill -1 KILL\n"                         /* after the grace */
		  "sync\n"
		  "umount /run\n" "umount /mnt/my disk\n"  /* in reverse, names unescaped */
		  "umount /data\n" "mount - /data - ro,remount -\n" /* busy: read-only instead */
		  "umount /proc\n"                         /* never / */
		  "sync\n"
		  "reboot POWER_OFF\n");
	CHECK_INT(now - t0, 200 + 1000); /* TERM, 200 ms to stop; the helper's grace, 1 s */
	CHECK(has(console, "shutting down (nothing left to do)"));
	CHECK(has(console, "payload killed by signal 15 (Terminated)"));
	CHECK(has(console, "processes still running after 1000 ms: killing them"));
	CHECK(has(console, "exit status 0")); /* stopped by our own SIGTERM: a clean stop */
}

/* One signal per process, as systemd's KillMode=: the payload's group (which holds the payload),
 * and the payload itself only when it has left that group; KillMode=process, the payload alone. */
static void payload_signalled_once(void)
{
	fresh();
	start_payload();
	payload_kill(&b, SIGTERM, 0);
	CHECK_STR(calls, "kill -100 TERM\n");
	calls[0] = '\0';
	procs[nprocs - 1].pgid = 7; /* it left its group (setsid, setpgid) */
	payload_kill(&b, SIGTERM, 0);
	CHECK_STR(calls, "kill -100 TERM\nkill 100 TERM\n");
	calls[0] = '\0';
	b.cfg.kill_mode = KILL_PROCESS;
	payload_kill(&b, SIGTERM, 0);
	CHECK_STR(calls, "kill 100 TERM\n");
}

static void shutdown_payload_ignores_term(void)
{
	fresh();
	b.cfg.stop_timeout_ms = 500;
	b.cfg.shutdown = SHUTDOWN_REBOOT;
	b.cfg.exit_report = EXIT_ISA_DEBUG;
	payload_term_ms = -1;
	start_payload();
	step_shutdown(&b);
	CHECK_STR(calls, "kill -100 TERM\nkill -1 TERM\nkill -1 KILL\nsync\nsync\n"
			 "port 0xf4 9\nreboot AUTOBOOT\n");
	CHECK(has(console, "payload did not stop within 500 ms: killing it"));
	CHECK(has(console, "exit status 137")); /* 128 + SIGKILL */
	CHECK(has(console, "unable to read /proc/self/mounts"));
	/* a reboot that fails falls back to halting */
	fresh();
	reboot_errno = EPERM;
	strcpy(b.why, "no payload");
	step_shutdown(&b);
	CHECK_STR(calls, "kill -1 TERM\nkill -1 KILL\nsync\nsync\nreboot POWER_OFF\nreboot HALT\n");
	CHECK(has(console, "shutting down (no payload)"));
	CHECK(has(console, "reboot(0x4321fedc) failed: Operation not permitted"));
	CHECK(has(console, "exit status 125")); /* never ran */
}

/* ---- init-status: the host's channel (minboot.exit=virtio-serial) ---- */

static char *slurp(const char *relpath, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, relpath);
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY)) >= 0) {
		n = read(fd, buf, len - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return buf;
}

static void status_port_carries_notify_and_exit(void)
{
	struct notify_msg m = { .ready = 1, .has_status = 1, .status = "starting" };
	char out[256];

	fresh();
	status_close();
	b.cfg.exit_report = EXIT_VIRTIO_SERIAL;
	PUT("/sys/class/virtio-ports/vport0p0/name", "\n");        /* the console port: no name */
	PUT("/sys/class/virtio-ports/vport0p1/name", "org.qemu.guest_agent.0\n");
	PUT("/dev/vport0p0", "");
	PUT("/dev/vport0p1", "");
	status_forward(&b, &m);   /* the port is not there yet: dropped, tried again next time */
	PUT("/sys/class/virtio-ports/vport0p2/name", "org.minboot.status\n");
	PUT("/dev/vport0p2", "");
	status_forward(&b, &m);
	m.ready = 0;
	strcpy(m.status, "serving 3 clients");
	status_forward(&b, &m);
	m.has_status = 0;
	m.stopping = m.watchdog = 1; /* not forwarded */
	status_forward(&b, &m);
	payload_term_status = 3 << 8; /* SIGTERM makes it exit 3 */
	start_payload();
	step_shutdown(&b);
	CHECK_STR(slurp("/dev/vport0p2", out, sizeof(out)),
		  "READY=1\nSTATUS=starting\nSTATUS=serving 3 clients\nEXIT_STATUS=3\n");
	CHECK_STR(slurp("/dev/vport0p1", out, sizeof(out)), "");
	CHECK_STR(slurp("/dev/vport0p0", out, sizeof(out)), "");
	CHECK(has(console, "exit status 3"));
	status_close();
}

static void status_port_missing_or_not_asked(void)
{
	struct notify_msg m = { .ready = 1 };
	char out[64];

	fresh();
	status_close();
	b.cfg.exit_report = EXIT_VIRTIO_SERIAL;  /* no virtio_console: no port */
	strcpy(b.why, "no payload");
	step_shutdown(&b);
	CHECK(has(console, "minboot: exit status 125"));
	CHECK(has(console, "minboot.exit=virtio-serial: no port named org.minboot.status"));
	CHECK_STR(calls, "kill -1 TERM\nkill -1 KILL\nsync\nsync\nreboot POWER_OFF\n");
	status_close();
	fresh();                                  /* a port, but minboot.exit=console */
	PUT("/sys/class/virtio-ports/vport0p1/name", "org.minboot.status\n");
	PUT("/dev/vport0p1", "");
	status_forward(&b, &m);
	step_shutdown(&b);
	CHECK_STR(slurp("/dev/vport0p1", out, sizeof(out)), "");
	status_close();
}

/* ---- init-modules ---- */

static void modules_load_and_blacklist(void)
{
	struct utsname u;
	char dir[256];

	fresh();
	uname(&u);
	snprintf(dir, sizeof(dir), "/lib/modules/%s/modules.dep", u.release);
	PUT(dir, "kernel/foo.ko: kernel/dep.ko\nkernel/dep.ko:\nkernel/bar.ko:\n");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/foo.ko", u.release);
	PUT(dir, "F");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/dep.ko", u.release);
	PUT(dir, "D");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/bar.ko", u.release);
	PUT(dir, "B");
	PUT("/proc/cmdline", "modules-load=foo,bar modprobe.blacklist=bar foo.debug=1 minboot.coldplug=0");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_modules(&b), 0);
	CHECK_STR(calls, "finit dep.ko []\nfinit foo.ko [debug=1 ]\n"); /* modload's joining */
	CHECK(has(console, "modules-load: bar is blacklisted (modprobe.blacklist=, modprobe.d)"));
	CHECK(b.load_module != NULL);
	calls[0] = '\0';
	CHECK_INT(b.load_module(&b, "bar"), -EPERM); /* later loads keep the blacklist */
	CHECK_STR(calls, "");
}

/* The critical path: before the payload only the drivers a boot step waits for (the NIC's);
 * the power button's (button, and evdev for its input device) once it has started, once. */
/* A fresh machine's module tree: files[i] = { path under /lib/modules/RELEASE, content }. */
static void put_modules(const char *const files[][2], unsigned n)
{
	struct utsname u;
	char dir[256];
	unsigned i;

	uname(&u);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "/lib/modules/%s/%s", u.release, files[i][0]);
		PUT(dir, files[i][1]);
	}
}

/* The CRNG's jitter source: its modules in POLICY_JITTER_MODULES order, then 32 bytes read and
 * credited; nothing where a hardware RNG is there; its failure said, nothing credited. */
static void crng_from_jitter(void)
{
	static const char *const files[][2] = {
		{ "modules.dep", "kernel/crypto/sha3_generic.ko:\nkernel/crypto/jitterentropy_rng.ko:\n"
				 "kernel/crypto/algif_rng.ko: kernel/crypto/af_alg.ko\nkernel/crypto/af_alg.ko:\n" },
		{ "kernel/crypto/sha3_generic.ko", "S" }, { "kernel/crypto/jitterentropy_rng.ko", "J" },
		{ "kernel/crypto/algif_rng.ko", "R" }, { "kernel/crypto/af_alg.ko", "A" },
	};
	struct utsname u;
	char dir[256];

	fresh();
	uname(&u);
	put_modules(files, sizeof(files) / sizeof(files[0]));
	PUT("/proc/cmdline", "console=ttyS0");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_modules(&b), 0);
	calls[0] = '\0';
	PUT("/sys/class/misc/hw_random/rng_current", "none\n"); /* the core, no device */
	CHECK_INT(crng_jitter(&b), 0);
	CHECK_STR(calls, "finit sha3_generic.ko []\nfinit jitterentropy_rng.ko []\nfinit af_alg.ko []\n"
			 "finit algif_rng.ko []\njitter 32\ncredit 32 bytes a5\n");
	CHECK(strstr(console, "crng seeded jitterentropy_rng") != NULL);
	calls[0] = '\0';
	PUT("/sys/class/misc/hw_random/rng_current", "virtio_rng.0\n");
	CHECK_INT(crng_jitter(&b), -EEXIST); /* virtio-rng seeds it */
	CHECK_STR(calls, "");
	unlink(strcat(strcpy(dir, root), "/sys/class/misc/hw_random/rng_current"));
	jitter_errno = ENOENT; /* an image without the modules: AF_ALG has no such algorithm */
	CHECK_INT(crng_jitter(&b), -ENOENT);
	CHECK(strstr(calls, "credit") == NULL);
}

static void modules_critical_then_late(void)
{
	static const char *const files[][2] = {
		{ "modules.dep", "kernel/drivers/acpi/button.ko:\nkernel/drivers/net/ethernet/e1000.ko:\n"
				 "kernel/drivers/input/evdev.ko:\n" },
		{ "modules.alias", "alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000\nalias acpi*:LNXPWRBN:* button\n"
				   "alias input:b*v*p*e*-e*k*r*a*m*l*s*f*w* evdev\n" },
		{ "kernel/drivers/acpi/button.ko", "B" }, { "kernel/drivers/net/ethernet/e1000.ko", "E" },
		{ "kernel/drivers/input/evdev.ko", "V" },
	};
	struct utsname u;
	char dir[256];

	fresh();
	uname(&u);
	put_modules(files, sizeof(files) / sizeof(files[0]));
	PUT("/sys/bus/pci/devices/0000:00:03.0/modalias", "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\n");
	PUT("/sys/bus/acpi/devices/LNXPWRBN:00/modalias", "acpi:LNXPWRBN:\n");
	PUT("/sys/class/input/input0/modalias", "input:b0019v0000p0001e0000-e0,1,k74,ramlsfw\n");
	PUT("/proc/cmdline", "console=ttyS0");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_modules(&b), 0);
	CHECK_STR(calls, "finit e1000.ko []\n");
	CHECK_INT(b.late_modules, 2);
	calls[0] = '\0';
	/* the late ones load by name from the step's own context: neither sysfs nor the module
	 * database is read again */
	unlink(strcat(strcpy(dir, root), "/sys/bus/acpi/devices/LNXPWRBN:00/modalias"));
	unlink(strcat(strcpy(dir, root), "/sys/class/input/input0/modalias"));
	snprintf(dir, sizeof(dir), "%s/lib/modules/%s/modules.alias", root, u.release);
	unlink(dir);
	PUT("/sys/module/e1000/initstate", "live\n");
	CHECK_INT(modules_late(&b), 2);
	CHECK_STR(calls, "finit button.ko []\nfinit evdev.ko []\n");
	CHECK_INT(modules_late(&b), 0);
	CHECK_STR(calls, "finit button.ko []\nfinit evdev.ko []\n");
	CHECK_STR(fnl_calls, "");                        /* no ip=: no link set up */
	PUT("/proc/cmdline", "ip=dhcp");                 /* with it, as the NIC's driver loads */
	snprintf(dir, sizeof(dir), "/lib/modules/%s/modules.alias", u.release);
	PUT(dir, files[1][1]);
	unlink(strcat(strcpy(dir, root), "/sys/module/e1000/initstate"));
	rmdir(strcat(strcpy(dir, root), "/sys/module/e1000"));
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_modules(&b), 0);
	CHECK_STR(fnl_calls, "getlink dump\nnewlink 2 up\n");
	CHECK(has(console, "link up fake0"));
}

/* ---- init-network ---- */

static void network_loopback_and_static(void)
{
	fresh();
	PUT("/proc/cmdline", "ip=10.0.2.15::10.0.2.2:255.255.255.0:box:fake0:off");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_network(&b), 0);
	CHECK_STR(fnl_calls, "newlink 1 up\n" "getlink dump\n" "newlink 2 up\n" "getlink dump\n"
			     "newaddr 2 10.0.2.15/24\n" "newroute 2 default/0 via 10.0.2.2\n");
	CHECK_STR(calls, "sethostname box\n");
	CHECK(exists("/etc/hostname") && exists("/etc/hosts"));
	CHECK(has(console, "fake0: 10.0.2.15/24 via 10.0.2.2"));
	fresh();
	CHECK_INT(step_network(&b), 0); /* no ip=: the loopback only */
	CHECK_STR(fnl_calls, "newlink 1 up\n");
}

/* ---- init-boot: the whole table, to the shutdown ---- */

static void whole_boot_stops_with_reason(void)
{
	char *argv[] = { "/init", NULL };

	fresh();
	PUT("/etc/fstab", "tmpfs /scratch tmpfs defaults 0 0\n");
	PUT("/proc/cmdline", "console=ttyS0");
	boot_run(&b, &fake, argv);
	CHECK(has(calls, "reboot CAD_OFF\nmount tmpfs /scratch tmpfs - -\nkill -1 TERM\nkill -1 KILL\nsync\nsync\n"
			 "reboot POWER_OFF\n"));
	CHECK_STR(fnl_calls, "newlink 1 up\n"); /* the network step ran, before the payload's */
	CHECK(has(console, "minboot: no payload: pack one with minboot-pack --payload"));
	CHECK(has(console, "minboot: shutting down (no payload: "));
	CHECK(has(console, "minboot: exit status 125"));
	CHECK(log_write == f_console);
	log_write = NULL;
}


/* ---- init-service: supervision's decisions, against the fake clock and processes ---- */

/* A boot to the payload's start with conf; the payload ends after exit_ms (-1: never) with
 * wait status st. */
static void boot_payload_ending(const char *conf, long exit_ms, int st)
{
	fresh();
	payload_exit_at = exit_ms < 0 ? -1 : now + exit_ms;
	payload_status = st;
	PUT("/etc/minboot.conf", conf);
	PUT("/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
	CHECK_INT(step_config(&b), 0);
	CHECK_INT(step_payload(&b), 0);
}
#define boot_payload(conf) boot_payload_ending(conf, -1, 0)

/* Let the fake clock run to t (ms from now), reaping and running the timers on the way. */
static int run_for(long ms)
{
	long end = now + ms;
	int r = 0;
	sigset_t s;

	sigemptyset(&s);
	while (!r && now < end) {
		f_wait_signal(&s, end - now < 10 ? end - now : 10); /* the timers' 10 ms resolution */
		reap_children(&b);
		r = supervise_timers(&b);
	}
	if (!r) { /* what the last timers did (a SIGKILL) takes effect at once */
		reap_children(&b);
		r = supervise_timers(&b);
	}
	return r;
}

static void service_watchdog_abort_then_kill(void)
{
	struct notify_msg m;

	boot_payload("minboot.payload=/bin/app\nminboot.watchdog=0.5\nminboot.stop-timeout=1\n"
		     "minboot.restart=on-failure\nminboot.restart-delay=0.1\n");
	payload_term_ms = -1; /* it ignores SIGABRT and SIGTERM: only SIGKILL ends it */
	calls[0] = '\0';
	CHECK_INT(supervise_begin(&b), 0);
	CHECK_INT(run_for(499), 0);
	CHECK_STR(calls, "");
	CHECK_INT(run_for(2), 0);              /* 500 ms without WATCHDOG=1: SIGABRT, as systemd */
	CHECK_STR(calls, "kill -100 ABRT\n"); /* its group, which holds it: one signal each */
	CHECK(has(console, "payload missed its watchdog (500 ms): sending SIGABRT"));
	calls[0] = '\0';
	CHECK_INT(run_for(1000), 0);           /* then SIGKILL after the stop timeout */
	CHECK_STR(calls, "kill -100 KILL\n");
	CHECK(has(console, "payload killed by signal 9"));
	CHECK(has(console, "restarting the payload in 100 ms")); /* a watchdog end is a failure */
	calls[0] = '\0';
	CHECK_INT(run_for(101), 0);
	CHECK(has(calls, "spawn /bin/app"));
	CHECK_INT(b.payload.watchdog_ms, 500);
	/* WATCHDOG_USEC= from the payload: its new interval from now; 0 turns it off */
	memset(&m, 0, sizeof(m));
	m.has_watchdog_usec = 1;
	m.watchdog_usec = 2000000;
	notify_apply(&b, &m);
	CHECK_INT(b.payload.watchdog_deadline, now + 2000);
	calls[0] = '\0';
	CHECK_INT(run_for(1900), 0);
	CHECK_STR(calls, "");
	m.watchdog_usec = 0;
	notify_apply(&b, &m);
	CHECK_INT(run_for(5000), 0);
	CHECK_STR(calls, "");
}

/* A helper's marks (the late modules' process) reach the init's timeline through a pipe; the
 * pipe's end is the helper's. */
static void timeline_from_a_helper(void)
{
	char path[512], text[512] = "";
	int p[2];

	fresh();
	snprintf(path, sizeof(path), "%s/run", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/run/minboot", root);
	mkdir(path, 0755);
	CHECK_INT(pipe2(p, O_NONBLOCK), 0);
	CHECK_INT(timeline_take(p[0]), 1);        /* nothing yet, more to come */
	timeline_to(p[1]);                       /* as in the helper */
	timeline_mark("module", "button");
	timeline_mark("late modules", "2");
	timeline_to(-1);
	timeline_write();
	snprintf(path, sizeof(path), "%s/run/minboot/timeline", root);
	CHECK_INT(read_file(path, text, sizeof(text)), 0);
	CHECK(!has(text, "late modules"));       /* not yet taken */
	CHECK_INT(timeline_take(p[0]), 1);
	CHECK_INT(read_file(path, text, sizeof(text)), 0);
	CHECK(has(text, " module button\n") && has(text, " late modules 2\n") &&
	      strstr(text, "module button") < strstr(text, "late modules"));
	close(p[1]);
	CHECK_INT(timeline_take(p[0]), 0);        /* the helper is gone */
	close(p[0]);
}

static void service_mainpid_and_reloading(void)
{
	struct notify_msg m;
	char path[512], text[512] = "";

	boot_payload("minboot.payload=/bin/app\nminboot.type=notify\nminboot.exec-start-post=/cmd/post 0\n");
	procs[nprocs++] = (struct proc){ 150, -1, 0, 0, 100, SIGTERM, 0 }; /* the daemon it forks */
	calls[0] = '\0';
	CHECK_INT(supervise_begin(&b), 0);
	CHECK_STR(calls, "");                  /* notify: ExecStartPost waits for READY=1 */
	CHECK(notify_parse("MAINPID=150\nREADY=1", 19, &m) == 2);
	notify_apply(&b, &m);
	CHECK_INT(b.payload.pid, 150);
	CHECK(has(console, "payload main process: pid 150"));
	CHECK(has(calls, "spawn /cmd/post|0"));
	CHECK(has(console, "ExecStartPost: /cmd/post 0"));
	notify_parse("RELOADING=1", 11, &m);
	notify_apply(&b, &m);
	notify_parse("READY=1", 7, &m);
	notify_apply(&b, &m);
	CHECK(has(console, "payload reloading"));
	timeline_write();
	snprintf(path, sizeof(path), "%s/run/minboot/timeline", root);
	CHECK_INT(read_file(path, text, sizeof(text)), 0);
	CHECK(has(text, " payload ready\n") && has(text, " payload reloading\n") &&
	      strstr(text, "payload reloading") < strrchr(text, 'y'));
	/* the first process ends: not the payload any more; the main one's end is */
	procs[0].exit_at = now;
	CHECK_INT(run_for(10), 0);
	CHECK_INT(b.payload.pid, 150);
	procs[nprocs - 2].exit_at = now;       /* pid 150 */
	procs[nprocs - 2].status = 3 << 8;
	CHECK_INT(run_for(10), 1);
	CHECK(has(console, "payload exited with status 3"));
}

static void service_commands_in_order(void)
{
	boot_payload("minboot.payload=@/bin/app app-name -v\nminboot.user=app\n"
		     "minboot.exec-start-pre=/cmd/pre 0\nminboot.exec-start-pre=-/cmd/pre-fails 1\n"
		     "minboot.exec-start-post=+/cmd/post 0\nminboot.exec-reload=/cmd/reload $MAINPID 0\n"
		     "minboot.exec-stop=/cmd/stop ${MAINPID} 0\nminboot.exec-stop=/cmd/stop2 0\n"
		     "minboot.dir=/run/app/sub:2750\nminboot.umask=007\nminboot.limit.NOFILE=65535\n"
		     "minboot.cap-ambient=net_bind_service\nminboot.env.FOO=bar\nminboot.kill-signal=QUIT\n");
	/* ExecStartPre in order, a failing "-" one is passed over, then the payload ("@": argv[0]) */
	CHECK(has(calls, "spawn /cmd/pre|0 cwd=/ uid=1000 gid=1000 groups=1000 fds=0 umask=007 limit7=65535:65535 ambient=0x400\n"
			 "spawn /cmd/pre-fails|1 cwd=/ uid=1000"));
	CHECK(has(calls, "spawn (/bin/app) app-name|-v cwd=/ uid=1000 gid=1000 groups=1000 fds=0 umask=007"));
	env_is("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/home/app TERM=linux "
	       "USER=app LOGNAME=app NOTIFY_SOCKET=/run/minboot/notify FOO=bar");
	CHECK(exists("/run/app/sub"));
	{
		struct stat st;
		char path[512];
		snprintf(path, sizeof(path), "%s/run/app/sub", root);
		CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 02750);
	}
	calls[0] = '\0';
	CHECK_INT(supervise_begin(&b), 0);     /* simple: started, so ExecStartPost; "+": as root */
	CHECK(has(calls, "spawn /cmd/post|0 cwd=/ fds=0 umask=007"));
	calls[0] = '\0';
	CHECK_INT(supervise_signal(&b, SIGHUP), 0); /* SIGHUP: ExecReload, not forwarded */
	CHECK(has(calls, "spawn /cmd/reload|102|0 cwd=/ uid=1000"));
	CHECK(!strstr(calls, "kill"));
	{
		int i, found = 0;
		for (i = 0; cmd_env && cmd_env[i]; i++)
			found |= (strcmp(cmd_env[i], "MAINPID=102") == 0) | ((strncmp(cmd_env[i], "NOTIFY_SOCKET", 13) == 0) << 1);
		CHECK_INT(found, 1);           /* $MAINPID set, no NOTIFY_SOCKET for commands */
	}
	calls[0] = '\0';
	step_shutdown(&b);                     /* ExecStop in order, then KillSignal= */
	CHECK(has(calls, "spawn /cmd/stop|102|0 cwd=/ uid=1000"));
	CHECK(has(calls, "spawn /cmd/stop2|0"));
	CHECK(has(calls, "fds=0 umask=007 limit7=65535:65535 ambient=0x400\nkill -102 Quit\n"));
}

static void service_forking_pidfile(void)
{
	boot_payload("minboot.payload=/bin/daemon\nminboot.type=forking\nminboot.pidfile=/run/d.pid\n"
		     "minboot.start-timeout=1\nminboot.exec-start-post=/cmd/post 0\n");
	procs[nprocs++] = (struct proc){ 160, -1, 0, 0, 100, SIGTERM, 0 };
	procs[0].exit_at = now + 50;           /* the first process exits 0 after 50 ms */
	CHECK_INT(supervise_begin(&b), 0);
	CHECK_INT(run_for(100), 0);            /* its PID file is not there yet (nginx writes it late) */
	CHECK_INT(b.payload.pid, 0);
	CHECK(!strstr(calls, "/cmd/post"));
	PUT("/run/d.pid", "160\n");
	CHECK_INT(run_for(30), 0);
	CHECK_INT(b.payload.pid, 160);
	CHECK(has(calls, "kill 160 0\n"));
	CHECK(has(calls, "spawn /cmd/post|0"));
	/* without a PID file in time: the start timeout stops it, a failure */
	boot_payload("minboot.payload=/bin/app\nminboot.type=notify\nminboot.start-timeout=0.2\n"
		     "minboot.stop-timeout=0.5\nminboot.restart=on-abnormal\n");
	calls[0] = '\0';
	CHECK_INT(supervise_begin(&b), 0);
	CHECK_INT(run_for(350), 0);            /* SIGTERM at 200 ms; it ends 100 ms later */
	CHECK(has(console, "payload did not start within 200 ms: stopping it"));
	CHECK(has(calls, "kill -100 TERM\n"));
	CHECK(has(console, "restarting the payload")); /* on-abnormal: a timeout restarts */
}

/* Restart= as systemd.service(5)'s table: each policy against each kind of end. */
static void service_restart_table(void)
{
	static const struct { const char *policy; int status, restarts; } t[] = {
		{ "no", 1 << 8, 0 }, { "on-success", 0, 1 }, { "on-success", 1 << 8, 0 },
		{ "on-failure", 0, 0 }, { "on-failure", SIGSEGV, 1 }, { "on-failure", SIGTERM, 0 },
		{ "on-abnormal", 1 << 8, 0 }, { "on-abnormal", SIGSEGV, 1 }, { "on-abort", SIGABRT, 1 },
		{ "on-abort", 2 << 8, 0 }, { "on-watchdog", SIGSEGV, 0 }, { "always", SIGPIPE, 1 },
		{ "always", 0, 1 }, { "on-failure", SIGHUP, 0 },
	};
	char conf[256];
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(conf, sizeof(conf), "minboot.payload=/bin/app\nminboot.restart=%s\n", t[i].policy);
		boot_payload_ending(conf, 10, t[i].status);
		CHECK_INT(supervise_begin(&b), 0);
		run_for(20);
		if (!!strstr(console, "restarting the payload") != t[i].restarts)
			printf("  Restart=%s, wait status %#x: %s\n", t[i].policy, t[i].status,
			       t[i].restarts ? "not restarted" : "restarted");
		CHECK_INT(!!strstr(console, "restarting the payload"), t[i].restarts);
	}
	/* ExecStart's "-": a failure counts as success; a failing ExecStartPre is the payload's */
	boot_payload_ending("minboot.payload=-/bin/app\nminboot.restart=on-failure\n", 10, 1 << 8);
	CHECK_INT(supervise_begin(&b), 0);
	CHECK_INT(run_for(20), 1);
	boot_payload("minboot.payload=/bin/app\nminboot.exec-start-pre=/cmd/pre 4\n");
	CHECK(!strstr(calls, "spawn /bin/app"));
	CHECK(has(console, "ExecStartPre /cmd/pre exited with status 4"));
	CHECK_INT(supervise_begin(&b), 1);
	CHECK_INT(exit_status_of(b.payload.status), 4);
	/* a constant RestartSec= (delay and cap 100 ms) still counts a crash loop: runs shorter than
	 * 10 s (StartLimitIntervalSec=) do not start a fresh count */
	boot_payload_ending("minboot.payload=/bin/app\nminboot.restart=on-failure\nminboot.restart-delay=0.1\n"
			    "minboot.restart-delay-max=0.1\nminboot.restart-max=3\n", 500, 1 << 8);
	payload_exit_at = -1;
	CHECK_INT(supervise_begin(&b), 0);
	{
		int i, r = 0;
		for (i = 0; i < 4 && !r; i++) {
			r = run_for(200);                  /* the restart */
			procs[nprocs - 1].exit_at = now + 500;
			procs[nprocs - 1].status = 1 << 8;
			r = r ? r : run_for(600);
		}
		CHECK_INT(r, 1);
	}
	CHECK(has(console, "payload restarted 3 times; giving up"));
}

/* ---- init-parsers: expected values ---- */

static void fstab_lines(void)
{
	struct fstab_entry e;
	char l1[] = "  UUID=ab-cd\t/mnt/with\\040space  ext4  ro,nosuid,noatime,errors=remount-ro,x-systemd.a=1 0 2\n";
	char l2[] = "# comment", l3[] = "   ", l4[] = "/dev/vdb data ext4", l5[] = "/dev/vdb /d",
	     l6[] = "LABEL=x /srv xfs nofail,noauto,_netdev,rw,exec,dev,suid,sync,uid=5",
	     l7[] = "/dev/vde none swap sw", l8[] = "tmpfs /t tmpfs", l9[] = "/a /b\\777 ext4";

	CHECK_INT(fstab_parse_line(l1, &e), 1);
	CHECK_STR(e.spec, "UUID=ab-cd");
	CHECK_STR(e.file, "/mnt/with space");
	CHECK_STR(e.type, "ext4");
	CHECK_INT(e.flags, MS_RDONLY | MS_NOSUID | MS_NOATIME);
	CHECK_STR(e.data, "errors=remount-ro");
	CHECK(!e.nofail && !e.noauto);
	CHECK_INT(fstab_parse_line(l2, &e), 0);
	CHECK_INT(fstab_parse_line(l3, &e), 0);
	CHECK_INT(fstab_parse_line(l4, &e), -EINVAL); /* a relative mount point */
	CHECK_INT(fstab_parse_line(l5, &e), -EINVAL); /* no type */
	CHECK_INT(fstab_parse_line(l6, &e), 1);
	CHECK(e.nofail && e.noauto);
	CHECK_INT(e.flags, MS_SYNCHRONOUS);
	CHECK_STR(e.data, "uid=5");
	CHECK_INT(fstab_parse_line(l7, &e), 1);      /* swap may have no mount point */
	CHECK_STR(e.type, "swap");
	CHECK_INT(fstab_parse_line(l8, &e), 1);
	CHECK(e.flags == 0 && e.data[0] == '\0');
	CHECK_INT(fstab_parse_line(l9, &e), 1);      /* \777 is no escape: taken as it stands */
	CHECK_STR(e.file, "/b\\777");
}

static void notify_messages(void)
{
	struct notify_msg m;
	const char msg[] = "READY=1\nSTATUS=serving\t42\x01 clients\nMAINPID=321\nERRNO=5\nWATCHDOG=1";

	CHECK_INT(notify_parse(msg, sizeof(msg) - 1, &m), 4);
	CHECK(m.ready && m.watchdog && !m.stopping && !m.reloading && !m.watchdog_trigger);
	CHECK(m.has_status);
	CHECK_STR(m.status, "serving?42? clients"); /* one printable console line */
	CHECK_INT(m.mainpid, 321);
	CHECK_INT(notify_parse("STOPPING=1\nRELOADING=1\nWATCHDOG=trigger", 39, &m), 3);
	CHECK(m.stopping && m.reloading && m.watchdog_trigger && !m.ready);
	CHECK_INT(notify_parse("READY=10\nREADY=\nMAINPID=-1\nMAINPID=12x\nFOO=1", 44, &m), 0);
	CHECK(!m.ready && m.mainpid == 0);
	CHECK_INT(notify_parse("READY=1", 7, &m), 1);  /* no newline at the end */
	CHECK_INT(notify_parse("WATCHDOG_USEC=20000000\nWATCHDOG_USEC=x", 37, &m), 1);
	CHECK(m.has_watchdog_usec && m.watchdog_usec == 20000000ULL);
	CHECK_INT(notify_parse("WATCHDOG_USEC=", 14, &m), 0);
	CHECK_INT(notify_parse("", 0, &m), 0);
}

static void listen_specs(void)
{
	struct listen_spec s;

	CHECK_INT(listen_parse("80", &s), 0);
	CHECK(s.family == AF_INET6 && s.any && s.type == SOCK_STREAM && s.port == 80);
	CHECK_STR(s.name, "80");
	CHECK_INT(listen_parse("127.0.0.1:8080", &s), 0);
	CHECK(s.family == AF_INET && !s.any && s.port == 8080 && !memcmp(s.addr, "\x7f\0\0\x01", 4));
	CHECK_STR(s.name, "127.0.0.1-8080");
	CHECK_INT(listen_parse("[::1]:443", &s), 0);
	CHECK(s.family == AF_INET6 && s.port == 443 && s.addr[15] == 1);
	CHECK_STR(s.name, "---1--443");
	CHECK_INT(listen_parse("udp:53", &s), 0);
	CHECK(s.type == SOCK_DGRAM && s.port == 53);
	CHECK_STR(s.name, "udp-53");
	CHECK_INT(listen_parse("tcp:1.2.3.4:9", &s), 0);
	CHECK_STR(s.name, "1.2.3.4-9");
	CHECK_INT(listen_parse("unix:/run/app.sock", &s), 0);
	CHECK(s.family == AF_UNIX);
	CHECK_STR(s.path, "/run/app.sock");
	CHECK_STR(s.name, "unix-/run/app.sock");
	CHECK_INT(listen_parse("0", &s), -EINVAL);
	CHECK_INT(listen_parse("65536", &s), -EINVAL);
	CHECK_INT(listen_parse("+80", &s), -EINVAL);
	CHECK_INT(listen_parse("unix:relative", &s), -EINVAL);
	CHECK_INT(listen_parse("[::1]80", &s), -EINVAL);
	CHECK_INT(listen_parse("300.1.1.1:80", &s), -EINVAL);
	CHECK_INT(listen_parse("", &s), -EINVAL);
}

int main(void)
{
	RUN("init-early", mounts_in_order);
	RUN("init-config", config_precedence);
	RUN("init-config", config_refusals);
	RUN("init-root", root_made_writable);
	RUN("init-fstab", fstab_order_wait_nofail);
	RUN("init-fstab", fstab_needed_device_stops_the_boot);
	RUN("init-tmpfiles", tmpfiles_dirs);
	RUN("init-switch-root", switch_root_hands_over);
	RUN("init-switch-root", switch_root_refusals);
	RUN("init-switch-root", switch_root_overlay);
	RUN("init-switch-root", switch_root_same_init);
	RUN("init-payload", payload_environment);
	RUN("init-payload", payload_sockets_and_override);
	RUN("init-payload", payload_refusals);
	RUN("init-shutdown", shutdown_order);
	RUN("init-shutdown", shutdown_payload_ignores_term);
	RUN("init-shutdown", payload_signalled_once);
	RUN("init-status", status_port_carries_notify_and_exit);
	RUN("init-status", status_port_missing_or_not_asked);
	RUN("init-modules", modules_load_and_blacklist);
	RUN("init-modules", modules_critical_then_late);
	RUN("init-modules", crng_from_jitter);
	RUN("init-network", network_loopback_and_static);
	RUN("init-boot", whole_boot_stops_with_reason);
	RUN("init-service", service_watchdog_abort_then_kill);
	RUN("init-service", service_mainpid_and_reloading);
	RUN("init-service", timeline_from_a_helper);
	RUN("init-service", service_commands_in_order);
	RUN("init-service", service_forking_pidfile);
	RUN("init-service", service_restart_table);
	RUN("init-parsers", fstab_lines);
	RUN("init-parsers", notify_messages);
	RUN("init-parsers", listen_specs);
	if (root[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		(void)!system(cmd);
	}
	TEST_EXIT();
}
