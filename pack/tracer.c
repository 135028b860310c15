/* The tracer: PID 1 of the sandbox runs the payload under ptrace and records every path it looks
 * up, with the call's result.
 *
 * Why ptrace (with a seccomp filter choosing the calls) and not fanotify or seccomp user
 * notification: fanotify reports files that were opened, never a lookup that failed, a stat or a
 * readlink; a user-notification supervisor sees the call but not its result unless it performs the
 * call itself.  ptrace shows both ends of the call: the arguments at the seccomp stop (the path read
 * from the tracee's memory with process_vm_readv, relative paths resolved against the directory fd
 * or the cwd through /proc/PID) and the result at the syscall-exit stop.  The filter returns
 * SECCOMP_RET_TRACE only for the calls that take a path, so the rest (reads, writes, futexes,
 * epoll) run at full speed, as with strace --seccomp-bpf.  Forks, vforks, clones and execs are
 * followed (PTRACE_O_TRACE*), and PTRACE_O_EXITKILL kills every tracee if the tracer dies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <grp.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/log.h"
#include "common/policy.h"
#include "pack/pack.h"
#include "pack/trace.h"

#if defined(__x86_64__)
#define TRACE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRACE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define TRACE_ARCH AUDIT_ARCH_RISCV64
#else
#error "--trace: no seccomp audit arch for this machine"
#endif

#define PROBE_FIRST_MS 100
#define PROBE_RETRY_MS 200
#define STOP_GRACE_MS 1000
#define TICK_MS 50

/* The calls that look up a path: which argument holds it and which one its directory fd (-1: the
 * cwd).  The legacy calls exist only on some machines. */
static const struct call { long nr; int dirfd, path; char op; } calls[] = {
#ifdef SYS_open
	{ SYS_open, -1, 0, OP_OPEN }, { SYS_creat, -1, 0, OP_OPEN },
	{ SYS_stat, -1, 0, OP_STAT }, { SYS_lstat, -1, 0, OP_STAT },
	{ SYS_access, -1, 0, OP_ACCESS }, { SYS_readlink, -1, 0, OP_READLINK },
#endif
	{ SYS_openat, 0, 1, OP_OPEN }, { SYS_openat2, 0, 1, OP_OPEN },
	{ SYS_execve, -1, 0, OP_EXEC }, { SYS_execveat, 0, 1, OP_EXEC },
	{ SYS_newfstatat, 0, 1, OP_STAT }, { SYS_statx, 0, 1, OP_STAT },
	{ SYS_faccessat, 0, 1, OP_ACCESS }, { SYS_faccessat2, 0, 1, OP_ACCESS },
	{ SYS_readlinkat, 0, 1, OP_READLINK }, { SYS_chdir, -1, 0, OP_CHDIR },
	{ SYS_statfs, -1, 0, OP_OTHER }, { SYS_getxattr, -1, 0, OP_OTHER },
	{ SYS_lgetxattr, -1, 0, OP_OTHER }, { SYS_listxattr, -1, 0, OP_OTHER },
	{ SYS_llistxattr, -1, 0, OP_OTHER }, { SYS_inotify_add_watch, -1, 1, OP_OTHER },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* Capabilities the traced run does not get, even as root: what would reach past the namespaces
 * into the host (modules, the clock, device nodes, raw I/O, new mounts of sysfs or devtmpfs). */
static const int caps_dropped[] = {
	CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_MKNOD, CAP_SYS_BOOT, CAP_SYS_ADMIN,
	CAP_SYSLOG, CAP_WAKE_ALARM, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE, CAP_SYS_PACCT, CAP_BPF,
	CAP_PERFMON,
};

/* The kernel's struct ptrace_syscall_info (PTRACE_GET_SYSCALL_INFO, Linux 5.3). */
struct sc_info {
	uint8_t op, pad[3];
	uint32_t arch;
	uint64_t ip, sp;
	union {
		struct { uint64_t nr, args[6]; } entry;
		struct { int64_t rval; uint8_t is_error; } exit;
		struct { uint64_t nr, args[6]; uint32_t ret_data; } seccomp;
	};
};

struct task {
	pid_t tid;
	int pending;              /* between the seccomp stop and the syscall-exit stop */
	char op;
	char path[PATH_MAX];
	char exe[PATH_MAX];       /* an exec's caller, read before the exec replaces it */
};

static struct task **tasks;
static size_t ntasks, tasks_cap;
static struct smap seen;      /* paths already reported */
static volatile sig_atomic_t ticked;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static struct task *task_find(pid_t tid)
{
	size_t i;

	for (i = 0; i < ntasks; i++)
		if (tasks[i]->tid == tid)
			return tasks[i];
	return NULL;
}

static struct task *task_get(pid_t tid)
{
	struct task *t = task_find(tid);

	if (t)
		return t;
	if (ntasks == tasks_cap) {
		tasks_cap = tasks_cap ? tasks_cap * 2 : 16;
		if (!(tasks = realloc(tasks, tasks_cap * sizeof(*tasks))))
			abort();
	}
	if (!(t = calloc(1, sizeof(*t))))
		abort();
	t->tid = tid;
	tasks[ntasks++] = t;
	return t;
}

static void task_del(pid_t tid)
{
	size_t i;

	for (i = 0; i < ntasks; i++)
		if (tasks[i]->tid == tid) {
			free(tasks[i]);
			tasks[i] = tasks[--ntasks];
			return;
		}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n, len -= n;
	}
	return 0;
}

/* A NUL-terminated string from the tracee, a page at a time (a read across an unmapped page
 * boundary fails as a whole). */
static int mem_str(pid_t pid, uint64_t addr, char *out, size_t len)
{
	size_t got = 0, chunk;
	ssize_t n;

	while (got + 1 < len) {
		chunk = 4096 - ((addr + got) & 4095);
		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		struct iovec l = { out + got, chunk }, r = { (void *)(uintptr_t)(addr + got), chunk };
		n = process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n <= 0)
			return -EFAULT;
		if (memchr(out + got, '\0', n))
			return 0;
		got += n;
	}
	return -ENAMETOOLONG;
}

/* The absolute path a call looks up, as the tracee sees it ("" when it names no path: an fd
 * with AT_EMPTY_PATH, a socket's fd). */
static int call_path(pid_t pid, const struct call *c, const uint64_t *args, char *out, size_t len)
{
	char rel[PATH_MAX], dir[PATH_MAX], link[64];
	int fd = c->dirfd < 0 ? AT_FDCWD : (int)args[c->dirfd];
	ssize_t n;

	out[0] = '\0';
	if (mem_str(pid, args[c->path], rel, sizeof(rel)) < 0 || !rel[0])
		return 0;
	if (rel[0] == '/')
		return snprintf(out, len, "%s", rel) < (int)len ? 0 : -ENAMETOOLONG;
	if (fd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0)
		return 0;
	dir[n] = '\0';
	if (dir[0] != '/') /* "socket:[...]", "anon_inode:..." */
		return 0;
	return trace_path_join(dir, rel, out, len);
}

static void exe_read(pid_t pid, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
}

static int rec_write(int fd, const struct task *t, int err)
{
	struct trace_rec h = { REC_PATH, t->op, 0, 0, err, (int)t->tid };
	char exe[PATH_MAX];
	int r;

	if (t->op == OP_EXEC)
		snprintf(exe, sizeof(exe), "%s", t->exe);
	else
		exe_read(t->tid, exe, sizeof(exe));
	h.exe_len = (unsigned short)strlen(exe);
	h.path_len = (unsigned short)strlen(t->path);
	if ((r = write_all(fd, &h, sizeof(h))) < 0 || (r = write_all(fd, exe, h.exe_len)) < 0)
		return r;
	return write_all(fd, t->path, h.path_len);
}

static const struct call *call_of(uint64_t nr)
{
	unsigned i;

	for (i = 0; i < NCALLS; i++)
		if ((uint64_t)calls[i].nr == nr)
			return &calls[i];
	return NULL;
}

/* At the seccomp stop: note the path; the result comes at the syscall-exit stop. */
static void on_seccomp(struct task *t)
{
	struct sc_info si;
	const struct call *c;

	t->pending = 0;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <= 0 ||
	    si.op != PTRACE_SYSCALL_INFO_SECCOMP || !(c = call_of(si.seccomp.nr)))
		return;
	if (call_path(t->tid, c, si.seccomp.args, t->path, sizeof(t->path)) < 0 || !t->path[0])
		return;
	t->op = c->op;
	t->pending = 1;
	if (t->op == OP_EXEC)
		exe_read(t->tid, t->exe, sizeof(t->exe));
}

static void on_exit_stop(const struct trace_job *j, struct task *t)
{
	struct sc_info si;
	int err;

	if (!t->pending)
		return;
	t->pending = 0;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <= 0 ||
	    si.op != PTRACE_SYSCALL_INFO_EXIT)
		return;
	err = si.exit.is_error ? (int)-si.exit.rval : 0;
	if (smap_put(&seen, t->path, NULL) == 1)
		rec_write(j->fd, t, err);
}

/* Resume: through to the syscall's exit when a path call is under way, else until the next
 * seccomp stop or event. */
static void resume(pid_t tid, int sig)
{
	struct task *t = task_find(tid);

	ptrace(t && t->pending ? PTRACE_SYSCALL : PTRACE_CONT, tid, 0, (void *)(long)sig);
}

static void on_stop(const struct trace_job *j, pid_t pid, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;
	struct task *t = task_get(pid), *old;
	unsigned long msg = 0;

	if (sig == (SIGTRAP | 0x80)) {
		on_exit_stop(j, t);
		resume(pid, 0);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(t);
		resume(pid, 0);
		return;
	case PTRACE_EVENT_EXEC: /* a thread that execs takes the leader's id: its state moves too */
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0 && (pid_t)msg != pid &&
		    (old = task_find((pid_t)msg))) {
			t->pending = old->pending, t->op = old->op;
			memcpy(t->path, old->path, sizeof(t->path));
			memcpy(t->exe, old->exe, sizeof(t->exe));
			task_del((pid_t)msg);
		}
		resume(pid, 0);
		return;
	case PTRACE_EVENT_FORK: case PTRACE_EVENT_VFORK: case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0)
			task_get((pid_t)msg);
		resume(pid, 0);
		return;
	case PTRACE_EVENT_STOP: /* group-stop (PTRACE_SEIZE): stay stopped until SIGCONT */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, pid, 0, 0);
		else
			resume(pid, 0); /* a new task's first stop */
		return;
	case 0: /* a signal for the tracee: deliver it */
		resume(pid, sig);
		return;
	default:
		resume(pid, 0);
	}
}

static int seccomp_install(void)
{
	struct sock_filter f[NCALLS + 6];
	struct sock_fprog prog = { 0, f };
	unsigned i, n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRACE_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (i = 0; i < NCALLS; i++) /* a match jumps over the rest and the ALLOW, to the TRACE */
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i].nr,
						      (unsigned char)(NCALLS - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	prog.len = (unsigned short)n;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -errno : 0;
}

static int caps_drop(int all)
{
	unsigned i;
	int cap;

	if (all) {
		for (cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				return -errno;
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
	}
	for (i = 0; i < sizeof(caps_dropped) / sizeof(caps_dropped[0]); i++)
		if (prctl(PR_CAPBSET_DROP, caps_dropped[i], 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

/* minboot.user=USER[:GROUP] or UID[:GID], from the image's /etc/passwd and /etc/group (laid over
 * the host's in the sandbox), as the init reads them. */
static int user_set(const char *spec, const char **home, const char **name)
{
	char buf[64], *group, *end;
	struct passwd *pw;
	struct group *gr;
	gid_t groups[POLICY_MAX_GROUPS];
	int ngroups = POLICY_MAX_GROUPS;
	uid_t uid;
	gid_t gid;

	snprintf(buf, sizeof(buf), "%s", spec);
	if ((group = strchr(buf, ':')))
		*group++ = '\0';
	uid = (uid_t)strtoul(buf, &end, 10);
	pw = *buf && !*end ? getpwuid(uid) : getpwnam(buf);
	if (!pw && (!*buf || *end))
		return -ENOENT;
	uid = pw ? pw->pw_uid : uid;
	gid = pw ? pw->pw_gid : uid;
	if (group) {
		gid = (gid_t)strtoul(group, &end, 10);
		if (!*group || *end) {
			if (!(gr = getgrnam(group)))
				return -ENOENT;
			gid = gr->gr_gid;
		}
	}
	if (pw && getgrouplist(pw->pw_name, gid, groups, &ngroups) < 0)
		ngroups = POLICY_MAX_GROUPS;
	if (!pw)
		groups[0] = gid, ngroups = 1;
	*home = pw && pw->pw_dir[0] ? pw->pw_dir : "/";
	*name = pw ? pw->pw_name : NULL;
	if (uid != 0 && caps_drop(1) < 0)
		return -errno;
	if (setgroups(ngroups, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		return -errno;
	return 0;
}

/* The init's environment (init/payload.c): PATH, HOME, TERM, USER, LOGNAME, each of which a
 * minboot.env.NAME replaces, then the other minboot.env.* variables. */
static void env_build(const struct trace_job *j, const char *home, const char *name, char **env)
{
	static char buf[4][PATH_MAX + 16];
	size_t l;
	int n = 0, ndef, i, k;

	env[n++] = "PATH=" POLICY_IMAGE_PATH;
	snprintf(buf[0], sizeof(buf[0]), "HOME=%s", home);
	env[n++] = buf[0];
	env[n++] = "TERM=linux";
	if (name) {
		snprintf(buf[1], sizeof(buf[1]), "USER=%s", name);
		snprintf(buf[2], sizeof(buf[2]), "LOGNAME=%s", name);
		env[n++] = buf[1], env[n++] = buf[2];
	}
	ndef = n;
	for (i = 0; j->env[i] && n < POLICY_MAX_ENV + 5; i++) {
		l = strcspn(j->env[i], "=") + 1;
		for (k = 0; k < ndef && strncmp(env[k], j->env[i], l); k++)
			;
		env[k < ndef ? k : n++] = j->env[i];
	}
	env[n] = NULL;
}

/* The payload's side of the fork: wait until traced, then the init's environment, directory and
 * user, the filter, exec.  Exit codes as the init's: 127 not found, 126 not runnable. */
static void payload_child(const struct trace_job *j, int sync)
{
	char *env[POLICY_MAX_ENV + 6], c;
	const char *home = "/", *name = NULL;
	int r = 0, fd;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGALRM, SIG_DFL);
	while (read(sync, &c, 1) < 0 && errno == EINTR)
		;
	close(sync);
	setsid();
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		dup2(fd, 0);
	dup2(2, 1); /* the packer's stdout is --print's */
	if (j->user[0] && (r = user_set(j->user, &home, &name)) < 0) {
		err("--trace: minboot.user=%s: %s", j->user, r == -ENOENT ? "no such user or group in the image" : strerror(-r));
		_exit(126);
	}
	if (geteuid() == 0 && caps_drop(0) < 0) {
		err("--trace: unable to drop capabilities: %s", strerror(errno));
		_exit(126);
	}
	if (chdir(j->workdir[0] ? j->workdir : "/") < 0) {
		err("--trace: minboot.workdir=%s: %s", j->workdir, strerror(errno));
		_exit(126);
	}
	env_build(j, home, name, env);
	if ((r = seccomp_install()) < 0) {
		err("--trace: unable to install the seccomp filter: %s", strerror(-r));
		_exit(126);
	}
	execve(j->exe, j->argv, env);
	err("--trace: unable to run %s: %s", j->exe, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static pid_t probe_start(const struct trace_job *j)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid;
	signal(SIGALRM, SIG_DFL);
	setsid();
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, 0);
		if (!j->verbose)
			dup2(fd, 1), dup2(fd, 2);
		else
			dup2(2, 1);
	}
	caps_drop(0);
	execl("/bin/sh", "sh", "-c", j->probe, (char *)NULL);
	_exit(127);
}

static void on_tick(int sig)
{
	(void)sig;
	ticked = 1;
}

struct run {
	struct trace_end end;
	long start, deadline, next_probe, kill_at;
	pid_t payload, probe;
	int stopping, killed, payload_alive;
};

static void stop_all(struct run *r, int reason, long now)
{
	if (r->stopping)
		return;
	r->stopping = 1;
	r->end.reason = reason;
	r->kill_at = now + STOP_GRACE_MS;
	kill(-1, SIGTERM); /* from PID 1 of the namespace: every process in it but this one */
}

static void tick(const struct trace_job *j, struct run *r, long now)
{
	ticked = 0;
	if (!r->stopping && now >= r->deadline)
		stop_all(r, END_TIMED_OUT, now);
	if (r->stopping && !r->killed && now >= r->kill_at) {
		kill(-1, SIGKILL);
		r->killed = 1;
	}
	if (j->probe && !r->stopping && !r->probe && now >= r->next_probe)
		r->probe = probe_start(j);
}

static void on_gone(const struct trace_job *j, struct run *r, pid_t pid, int status, long now)
{
	(void)j;
	if (pid == r->probe) {
		r->probe = 0;
		r->end.probes++;
		r->end.probe_status = status;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			stop_all(r, END_PROBED, now);
		r->next_probe = now + PROBE_RETRY_MS;
		return;
	}
	if (!task_find(pid))
		return; /* an orphan of the probe's */
	task_del(pid);
	if (pid == r->payload)
		r->end.status = status;
	if (ntasks == 0) /* the payload and everything it started are gone */
		stop_all(r, END_EXITED, now);
}

static int wait_loop(const struct trace_job *j, struct run *r)
{
	int status;
	pid_t pid;
	long now;

	for (;;) {
		pid = waitpid(-1, &status, __WALL);
		now = now_ms();
		tick(j, r, now);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? 0 : -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			on_gone(j, r, pid, status, now);
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (pid == r->payload && (status >> 16) == PTRACE_EVENT_EXEC)
			r->end.started = 1;
		on_stop(j, pid, status);
	}
}

int tracer_run(const struct trace_job *j)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { { 0, TICK_MS * 1000 }, { 0, TICK_MS * 1000 } };
	struct run r = { 0 };
	int sync[2], rc;
	char c = 1;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return 111;
	r.payload = fork();
	if (r.payload < 0)
		return 111;
	if (r.payload == 0) {
		close(sync[1]);
		payload_child(j, sync[0]);
	}
	close(sync[0]);
	if (ptrace(PTRACE_SEIZE, r.payload, 0, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |
		   PTRACE_O_EXITKILL)) < 0) {
		err("--trace: unable to trace the payload: %s", strerror(errno));
		kill(r.payload, SIGKILL);
		return 111;
	}
	task_get(r.payload);
	r.start = now_ms();
	r.deadline = r.start + j->timeout_ms;
	r.next_probe = r.start + PROBE_FIRST_MS;
	sa.sa_handler = on_tick; /* no SA_RESTART: the tick interrupts waitpid */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	write_all(sync[1], &c, 1);
	close(sync[1]);
	rc = wait_loop(j, &r);
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	r.end.elapsed_ms = now_ms() - r.start;
	if (rc < 0) {
		err("--trace: waiting for the payload: %s", strerror(-rc));
		r.end.reason = END_FAILED;
	}
	struct trace_rec h = { REC_END, 0, 0, 0, 0, 0 };
	if (write_all(j->fd, &h, sizeof(h)) < 0 || write_all(j->fd, &r.end, sizeof(r.end)) < 0)
		return 111;
	return rc < 0 ? 111 : 0;
}
