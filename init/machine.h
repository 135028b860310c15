/* The machine interface: what every init step may do to the machine, in one table handed to
 * each step (struct boot's m).  It holds the root prefix of every path a step reads or writes,
 * and every call that changes the machine: mount, unmount, reboot, starting and signalling
 * processes, the root switch, module insertion (mod_ops), netlink (nl_ops), the hostname, the
 * clock and the console.  machine_sys (sys.c) is the real machine; tests/unit/test_init.c gives
 * a fake tree as root and records the calls, the way tests/unit/test_modload.c does for modload.
 *
 * Paths given to the calls are prefixed already (machine_path); a fake strips the prefix to
 * record them.  Calls return as the system calls do: 0 or -1 with errno, unless said. */
#ifndef MINBOOT_MACHINE_H
#define MINBOOT_MACHINE_H
#include <signal.h>
#include <stddef.h>
#include <sys/statfs.h>
#include <sys/types.h>

struct mod_ops;
struct config_limit;
struct nl_ops;

/* The payload, as spawn() starts it (argv, envp and workdir as the payload sees them, inside the
 * machine): its own session with the console as controlling terminal,
 * the default signal mask, fds[] as exactly 3, 4, ... (nothing else open past 2), the umask,
 * the resource limits, the working directory, the credentials (a uid other than 0 also loses
 * every capability but the ambient ones and gets no_new_privs; a root one keeps the bounding set
 * cap_bound when has_cap_bound), then execvp of path (argv[0] when NULL).  envp[pid_slot[i]]
 * (when >= 0) becomes LISTEN_PID= / WATCHDOG_PID= with the child's own pid. */
struct spawn {
	const char *path;
	char **argv, **envp;
	int pid_slot[2];
	const char *workdir;
	int cred;                /* set uid, gid, groups */
	uid_t uid;
	gid_t gid;
	int ngroups;
	const gid_t *groups;
	const int *fds;
	int nfds;
	int umask;               /* -1: the init's */
	int no_new_privs;        /* also for uid 0 */
	int has_cap_bound;
	unsigned long long cap_bound, cap_ambient;
	const struct config_limit *limits;
	int nlimits;
};

struct machine {
	const char *root;        /* prefix of every path: "" on the machine itself */
	int (*mount)(const char *src, const char *dst, const char *type, unsigned long flags,
		     const void *data);
	int (*umount2)(const char *target, int flags);
	int (*statfs)(const char *path, struct statfs *sf);
	/* reboot(2) with RB_*; on a real machine a power-off or reboot returns only when it failed */
	int (*reboot)(int cmd);
	void (*sync)(void);
	pid_t (*spawn)(const struct spawn *s);   /* the child's pid, or -errno */
	int (*kill)(pid_t pid, int sig);
	pid_t (*getpgid)(pid_t pid);             /* its process group, or -1 */
	pid_t (*reap)(int *status);              /* waitpid(-1, status, WNOHANG) */
	/* fork(2): a helper process running the init's own code (the late modules); NULL when the
	 * machine has none, and the init does that work itself */
	pid_t (*fork)(void);
	/* the kernel's CPU-jitter entropy source (POLICY_JITTER_RNG, through AF_ALG): n bytes into
	 * buf; credit: n bytes of full entropy added to the CRNG (RNDADDENTROPY).  0 or -errno */
	int (*jitter)(void *buf, size_t n);
	int (*credit)(const void *buf, size_t n);
	/* the root switch: chdir, chroot, then execv of the new init, which returns only when it
	 * failed on a real machine (a fake returns 0: the new init took over) */
	int (*chdir)(const char *path);
	int (*chroot)(const char *path);
	int (*execv)(const char *path, char *const argv[]);
	int (*fexecve)(int fd, char *const argv[]); /* the same, of an open file (the running init's) */
	int (*sethostname)(const char *name, size_t len);
	int (*port_out)(unsigned port, unsigned value); /* outl after ioperm: QEMU's isa-debug-exit */
	const struct mod_ops *modules;           /* finit_module, init_module, uevents */
	const struct nl_ops *netlink;
	long (*now_ms)(void);                    /* CLOCK_BOOTTIME */
	void (*sleep_ms)(long ms);
	/* sigtimedwait on set for up to ms (-1: no limit): the signal, or -1 (EAGAIN: time is up) */
	int (*wait_signal)(const sigset_t *set, long ms);
	void (*console)(const char *text, size_t len); /* every message, one line at a time */
};

extern const struct machine machine_sys;

/* Paths inside the machine: root + path in buf (MACHINE_PATH bytes; path may be buf), which is
 * returned.  A path that does not fit comes back empty, which no call accepts. */
#define MACHINE_PATH 512
const char *machine_path(const struct machine *m, const char *path, char *buf);

#endif
