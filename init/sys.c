/* The real machine behind init/machine.h: each call is the system call, or the few lines a PID 1
 * needs around it (the reboot from a child, the payload's vfork and exec). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h> /* setgroups */
#include <linux/capability.h>
#include <linux/if_alg.h>
#include <linux/random.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "common/policy.h"
#include "init/machine.h"
#include "modload/modload.h"
#include "netcfg/nl.h"

/* reboot(2) from PID 1: when RB_POWER_OFF fails to power off (no ACPI), the kernel calls
 * do_exit() on the caller -- and PID 1 exiting panics the kernel.  So a power-off, reboot or
 * halt is made from a child (busybox init does the same); if the child comes back, the call
 * failed and its errno is the child's status. */
static int sys_reboot(int cmd)
{
	int status;
	pid_t pid;

	if (cmd == (int)RB_DISABLE_CAD || cmd == (int)RB_ENABLE_CAD)
		return reboot(cmd);
	pid = fork();
	if (pid == 0) {
		reboot(cmd);
		_exit(errno);
	}
	if (pid < 0)
		return reboot(cmd);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		errno = WEXITSTATUS(status);
	return -1;
}

static pid_t sys_reap(int *status)
{
	return waitpid(-1, status, WNOHANG);
}

static int sys_fexecve(int fd, char *const argv[])
{
	extern char **environ;

	return (int)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

static int sys_port_out(unsigned port, unsigned value)
{
	if (ioperm(port, 4, 1) < 0)
		return -1;
	outl(value, port);
	return 0;
}

static long sys_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sys_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int sys_wait_signal(const sigset_t *set, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return ms < 0 ? sigwaitinfo(set, NULL) : sigtimedwait(set, NULL, &ts);
}

static void sys_console(const char *text, size_t len)
{
	(void)!write(2, text, len);
}

/* Listening sockets become exactly fds 3, 4, ...: first moved above the target range, then
 * down, so no dup2 overwrites a socket not yet moved.  The copies above are close-on-exec, as
 * PID 1's own sockets are: the payload holds each socket once, at its LISTEN_FDS number, and a
 * program that marks those close-on-exec (sd_listen_fds) leaves none to its children. */
static int pass_fds(const struct spawn *s)
{
	int i, tmp[64];

	if (s->nfds > (int)(sizeof(tmp) / sizeof(tmp[0])))
		return -EMFILE;
	for (i = 0; i < s->nfds; i++)
		if ((tmp[i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, 3 + s->nfds)) < 0)
			return -errno;
	for (i = 0; i < s->nfds; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			return -errno;
	/* and nothing else: what PID 1 itself was given past 2 stays with it (close_range, 5.9) */
	syscall(SYS_close_range, 3 + s->nfds, ~0U, 0);
	return 0;
}

static int set_limits(const struct spawn *s)
{
	int i;

	for (i = 0; i < s->nlimits; i++) {
		struct rlimit rl = { s->limits[i].soft, s->limits[i].hard };
		if (setrlimit(s->limits[i].res, &rl) < 0)
			return -errno;
	}
	return 0;
}

static int cap_last(void)
{
	char buf[16] = "";
	int last = CAP_LAST_CAP, fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] >= '0' && buf[0] <= '9')
			last = atoi(buf);
		close(fd);
	}
	return last;
}

/* The bounding set down to keep (EINVAL: a capability this kernel does not have). */
static int bound_to(unsigned long long keep)
{
	int cap, last = cap_last();

	for (cap = 0; cap <= last; cap++)
		if (!(keep >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

/* Another user: no capability but the ambient ones (AmbientCapabilities=, so a daemon can
 * bind port 80), kept through setuid (PR_SET_KEEPCAPS), then raised; no_new_privs always. */
static int drop_privileges(const struct spawn *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	unsigned long long amb = s->cap_ambient;
	int cap;

	if (bound_to(amb) < 0)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || (amb && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0))
		return -errno;
	if (setgroups(s->ngroups, s->groups) < 0 || setgid(s->gid) < 0 || setuid(s->uid) < 0)
		return -errno;
	if (!amb)
		return 0;
	for (cap = 0; cap < 2; cap++)
		d[cap].effective = d[cap].permitted = d[cap].inheritable = (unsigned)(amb >> 32 * cap);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	for (cap = 0; cap < 64; cap++)
		if (amb >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -errno;
	return 0;
}

/* Root: the bounding set of CapabilityBoundingSet=, no_new_privs when asked, its groups. */
static int root_privileges(const struct spawn *s)
{
	if ((s->has_cap_bound && bound_to(s->cap_bound) < 0) ||
	    (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ||
	    (s->cred && (setgroups(s->ngroups, s->groups) < 0 || setgid(s->gid) < 0)))
		return -errno;
	return 0;
}

/* In the child: its own session with the console as controlling terminal (so ^C reaches it),
 * default signal mask, then exec.  Exit codes follow the shell: 127 not found, 126 not runnable. */
static void child_exec(const struct spawn *s)
{
	static const char *const pid_names[2] = { "LISTEN_PID", "WATCHDOG_PID" };
	static char pidvar[2][32];
	const char *what = "prepare";
	sigset_t none;
	int r = 0, i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	ioctl(0, TIOCSCTTY, 0);
	for (i = 0; i < 2; i++) {
		if (s->pid_slot[i] < 0)
			continue;
		snprintf(pidvar[i], sizeof(pidvar[i]), "%s=%d", pid_names[i], (int)getpid());
		s->envp[s->pid_slot[i]] = pidvar[i];
	}
	if (s->umask >= 0)
		umask(s->umask);
	if (chdir(s->workdir && *s->workdir ? s->workdir : "/") < 0)
		r = -errno, what = "enter the working directory";
	else if ((r = pass_fds(s)) < 0)
		what = "pass the listening sockets";
	else if ((r = set_limits(s)) < 0)
		what = "set the resource limits";
	else if ((r = s->cred && s->uid != 0 ? drop_privileges(s) : root_privileges(s)) < 0)
		what = "set the credentials";
	if (r < 0) {
		err("payload: unable to %s: %s", what, strerror(-r));
		_exit(126);
	}
	environ = s->envp;
	execvp(s->path ? s->path : s->argv[0], s->argv);
	err("unable to run %s: %s", s->path ? s->path : s->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* vfork: the child runs at once, in PID 1's memory, until its exec, and the payload does not
 * wait for PID 1 to be scheduled again; nothing is copied.  child_exec never returns, writes only
 * what is the payload's anyway (its environment, and environ, set back here), and ends in exec
 * or _exit. */
static pid_t sys_spawn(const struct spawn *s)
{
	char **saved = environ;
	pid_t pid = vfork();

	if (pid == 0)
		child_exec(s);
	environ = saved;
	return pid < 0 ? -errno : pid;
}

static int sys_sethostname(const char *name, size_t len)
{
	return sethostname(name, len);
}

static int sys_jitter(void *buf, size_t n)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "rng", .salg_name = POLICY_JITTER_RNG };
	int s = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), o = -1, r = -EIO;
	ssize_t got;

	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (o = accept4(s, NULL, NULL, SOCK_CLOEXEC)) < 0)
		r = -errno;
	else if ((got = read(o, buf, n)) < 0)
		r = -errno;
	else if ((size_t)got == n)
		r = 0;
	if (o >= 0)
		close(o);
	if (s >= 0)
		close(s);
	return r;
}

static int sys_credit(const void *buf, size_t n)
{
	int words[(sizeof(struct rand_pool_info) + POLICY_JITTER_BYTES) / sizeof(int) + 1], fd, r = 0;
	struct rand_pool_info *p = (struct rand_pool_info *)words;

	if (n > POLICY_JITTER_BYTES)
		return -EINVAL;
	p->entropy_count = (int)n * 8;
	p->buf_size = (int)n;
	memcpy(p->buf, buf, n);
	if ((fd = open("/dev/random", O_WRONLY | O_CLOEXEC)) < 0 || ioctl(fd, RNDADDENTROPY, p) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

const struct machine machine_sys = {
	.root = "",
	.mount = mount,
	.umount2 = umount2,
	.statfs = statfs,
	.reboot = sys_reboot,
	.sync = sync,
	.spawn = sys_spawn,
	.kill = kill,
	.getpgid = getpgid,
	.reap = sys_reap,
	.fork = fork,
	.jitter = sys_jitter,
	.credit = sys_credit,
	.chdir = chdir,
	.chroot = chroot,
	.execv = execv,
	.fexecve = sys_fexecve,
	.sethostname = sys_sethostname,
	.port_out = sys_port_out,
	.modules = &mod_sys_ops,
	.netlink = &nl_sys_ops,
	.now_ms = sys_now_ms,
	.sleep_ms = sys_sleep_ms,
	.wait_signal = sys_wait_signal,
	.console = sys_console,
};

const char *machine_path(const struct machine *m, const char *path, char *buf)
{
	size_t r = strlen(m->root), p = strlen(path);

	if (r + p >= MACHINE_PATH) {
		buf[0] = '\0';
		return buf;
	}
	memmove(buf + r, path, p + 1); /* path may be buf itself */
	memcpy(buf, m->root, r);
	return buf;
}
