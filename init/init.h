/* PID 1's steps and what they hand each other; init/main.c runs them from a table.  Each step
 * owns its own state (static in its file, set afresh when it starts); struct boot holds only the
 * machine, the settings and what one step gives a later one. */
#ifndef MINBOOT_INIT_H
#define MINBOOT_INIT_H
#include <sys/types.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "init/machine.h"

/* The payload's process: started by the payload step, watched by supervision, stopped by the
 * shutdown. */
struct payload_proc {
	pid_t pid;               /* 0 when not running */
	uid_t uid;               /* the user it runs as */
	int status;              /* wait status of its last exit */
	int exited;              /* it exited and supervision has not taken note yet */
	int ended;               /* it has ended at least once (its status is final) */
	int stop_sent;           /* the shutdown sent it SIGTERM */
	long started_ms;         /* when it last started */
	long watchdog_deadline;  /* when WATCHDOG=1 is due; 0 = none */
	unsigned watchdog_ms;    /* its interval: minboot.watchdog, or the payload's WATCHDOG_USEC= */
	int ready;               /* started as its type says (READY=1, the fork, the exec) */
	int forking;             /* pid is Type=forking's first process, not yet the daemon */
	int ignore_failure;      /* ExecStart's "-": a failure counts as success */
};

struct boot {
	const struct machine *m;
	char **argv;             /* PID 1's own, for the init of a root= to get */
	struct config cfg;
	char why[256];           /* the reason a step could not go on: the boot stops, we power off */
	const char *shutdown_reason;
	/* Set by the modules step: load a module by name or alias with its dependencies (root= and
	 * fstab use it for filesystem modules).  0 or -errno. */
	int (*load_module)(struct boot *b, const char *name);
	int late_modules;        /* modules -> supervision: coldplug left drivers for after the start */
	int v6_late;             /* modules -> supervision: links set up without their early IPv6 address */
	int uevent_fd;           /* modules -> supervision: uevents for hotplug, -1 when none */
	int notify_fd;           /* payload -> supervision: the sd_notify socket, -1 when none */
	struct payload_proc payload;
	pid_t cmd_pid;           /* an ExecStartPre/Post/Reload/Stop command running, 0 when none */
	int cmd_status;          /* its wait status once reaped */
};

/* A step returns 0 to go on, 1 when another init took over (root=), or -errno with the reason
 * in b->why (boot_fail). */
int step_early(struct boot *b);       /* mounts, console, signals */
int step_config(struct boot *b);      /* defaults < /etc/minboot.conf < /proc/cmdline */
int step_root(struct boot *b);        /* remount / read-write unless ro */
int step_modules(struct boot *b);     /* image list, modules-load=, coldplug */
int step_switch_root(struct boot *b); /* root=: hand over to its /init */
int step_storage(struct boot *b);     /* /etc/fstab */
int step_tmpfiles(struct boot *b);    /* tmpfiles.d directories (/run/postgresql) */
int step_network(struct boot *b);     /* ip= / DHCP over rtnetlink (netcfg/) */
int step_payload(struct boot *b);     /* environment, sockets, spawn */
int step_supervise(struct boot *b);   /* reap, forward, wait for an end */
void step_shutdown(struct boot *b);   /* TERM, grace, KILL, sync, unmount, reboot(); returns only
					 when a fake machine's reboot returns 0 */

/* The boot: the steps in order, then the shutdown (init/main.c). */
void boot_run(struct boot *b, const struct machine *m, char **argv);

/* Helpers the steps share. */
int boot_fail(struct boot *b, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hotplug_events(struct boot *b);
/* The boot waits for the network: carrier (rd.neednet, or it alone) or a DHCP lease. */
int network_waits(const struct config *c);
/* The drivers coldplug left for after the payload's start (b->late_modules): how many loaded.
 * modules_release: the module step's context, kept for them, closed (once a helper has it). */
int modules_late(struct boot *b);
void modules_release(void);
/* The CRNG's seeding while the boot idles (init/crng.c).  crng_claim: 1 once, when the CRNG is
 * not seeded and the caller is to wait for it in a helper (crng_wait, in that helper: SCHED_IDLE,
 * getrandom); crng_seed: a helper of its own for that, when claimed. */
int crng_claim(struct boot *b);
void crng_wait(void);
void crng_seed(struct boot *b);
/* In that helper, first: the CRNG seeded from the kernel's CPU-jitter source where the image has
 * its modules and the machine no hardware RNG.  0 when it did, else -errno (-EEXIST: a hardware
 * RNG is there). */
int crng_jitter(struct boot *b);
/* Wait for a device (/dev/vdb, UUID=, LABEL=; other specs, tmpfs say, at once): its name in the
 * machine, its path as the init opens it, and src, which of them the mount call takes. */
struct device {
	char name[300], path[MACHINE_PATH];
	const char *src;
};
int wait_device(struct boot *b, const char *spec, struct device *d, unsigned timeout_ms);
/* (Re)start the payload: its ExecStartPre commands, then the payload; 0 or -errno.  A failed
 * ExecStartPre is the payload's failure: it is left exited with that command's status. */
int payload_spawn(struct boot *b);
/* Run the minboot.exec-* commands of kind (a letter of POLICY_EXEC_KINDS) in order, each waited
 * for up to timeout_ms (0: no limit) with $MAINPID set; stops at the first that fails without
 * systemd's "-" prefix and returns its wait status (0: all succeeded). */
int service_exec(struct boot *b, char kind, unsigned timeout_ms);
int service_has(const struct boot *b, char kind);
/* A signal to the payload as minboot.kill-mode says (systemd.kill(5)): control-group, its
 * process group and itself; mixed, itself, and its group too when final (the SIGKILL);
 * process, itself; none, nothing but the final SIGKILL to itself. */
void payload_kill(struct boot *b, int sig, int final);
/* Supervision's timers (restart, watchdog, start timeout, PID file, the SIGKILL after a stop),
 * run after every wake-up; 1 when the machine should stop.  The fake machine's tests call it. */
int supervise_timers(struct boot *b);
int supervise_begin(struct boot *b);           /* the payload just started; 1: stop the machine */
int supervise_signal(struct boot *b, int sig); /* one signal taken; 1: stop the machine */
struct notify_msg;
void notify_apply(struct boot *b, const struct notify_msg *m); /* one sd_notify message heard */
int exit_status_of(int wait_status);      /* the shell's convention: 128+N for signal N */
int power_buttons_open(const struct machine *m, int *fds, int max); /* how many were found */
int power_button_pressed(int fd);
int reap_children(struct boot *b);        /* 1 when no child is left */
void describe_status(int status, char *buf, size_t len);
long uptime_ms(const struct boot *b);

/* A whole small file into buf[size], NUL-terminated: 0, -EFBIG when it does not fit, -errno. */
int read_file(const char *path, char *buf, size_t size);

struct lines {
	int fd, skipping;
	size_t start, end;
	char buf[1024];
};
int lines_open(struct lines *l, const char *path); /* 0 or -errno */
int lines_next(struct lines *l, char **line, int *overlong);
void lines_close(struct lines *l);

/* status.c — minboot.exit=virtio-serial | vsock:CID:PORT: sd_notify's format to the host. */
struct notify_msg;
void status_open(struct boot *b);        /* when configured and not open yet */
void status_forward(struct boot *b, const struct notify_msg *n); /* the payload's READY=1, STATUS= */
void status_exit(struct boot *b, int status);                    /* EXIT_STATUS=N */
void status_close(void);

/* timeline.c — stage timestamps on the console and in /run/minboot/timeline. */
void timeline_start(const struct machine *m); /* a new boot: no marks, not yet enabled */
void timeline_mark(const char *stage, const char *detail);
void timeline_mark_ago(long ago_ms, const char *stage, const char *detail); /* ago_ms before now */
void timeline_write(void);
/* A helper process of the init's (the late modules') marks: timeline_to(fd) in the helper sends
 * each mark down the pipe fd instead; timeline_take(fd) in the init records what has come: 1 when
 * more may come, 0 at the end (the helper is gone), -errno. */
void timeline_to(int fd);
int timeline_take(int fd);
void timeline_enable(int on);

int init_main(int argc, char **argv);

#endif
