/* PID 1's shared state and its steps; init/main.c calls the steps in order. */
#ifndef MINBOOT_INIT_H
#define MINBOOT_INIT_H
#include <sys/types.h>

#include "common/cmdline.h"
#include "common/config.h"

struct init_state {
	struct config cfg;
	struct cmdline cmdline;
	char cmdline_buf[4096 + 1];
	char conf_buf[16384 + 1];
	char fatal[256];         /* set by a step that cannot go on: boot stops, we power off */
	pid_t payload;           /* 0 when not running */
	uid_t payload_uid;       /* the user it runs as */
	int payload_status;      /* wait status of the payload's last exit */
	int payload_exited;
	const char *shutdown_reason;
	/* Set by the modules step: load a module by name or alias with its dependencies (fstab uses it
	 * for filesystem modules).  0 or -errno. */
	int (*load_module)(struct init_state *st, const char *name);
	/* Supervision (init/supervise.c) */
	int restarts;            /* restarts so far in the current crash loop */
	int restarts_by_watchdog; /* the payload was killed for a missed watchdog */
	int payload_ended;       /* the payload has ended at least once (its status is final) */
	int stop_sent;           /* the shutdown sent the payload SIGTERM */
	long started_ms;         /* uptime when the payload last started */
	long watchdog_deadline;  /* uptime by which WATCHDOG=1 is due; 0 = none */
	int notify_fd;           /* sd_notify socket, -1 when unavailable */
	int uevent_fd;           /* kernel uevents for hotplug after coldplug, -1 when none */
	int nlisten;
	int listen_fds[16];
	char listen_names[16][64];
	int power_fds[4];        /* evdev devices of power buttons */
	int npower;
};

/* Steps, in boot order.  Each logs its own errors; none exits. */
void step_early(struct init_state *st);     /* mounts, console, signals */
void step_config(struct init_state *st);    /* defaults < /etc/minboot.conf < /proc/cmdline */
void step_root(struct init_state *st);      /* remount / read-write unless ro */
void step_switch_root(struct init_state *st, char **argv); /* root=: hand over to its /init */
void step_modules(struct init_state *st);   /* image list, modules-load=, coldplug */
void hotplug_events(struct init_state *st); /* st->uevent_fd readable: load added devices' drivers */
void step_storage(struct init_state *st);   /* /etc/fstab */
void step_network(struct init_state *st);   /* ip= / DHCP over rtnetlink (netcfg/) */
int wait_device(const char *spec, char *dev, size_t len, unsigned timeout_ms); /* UUID=, LABEL=, /dev */
void step_payload(struct init_state *st);   /* environment, sockets, spawn */
int payload_spawn(struct init_state *st);   /* (re)start the payload; 0 or -errno */
int exit_status_of(int wait_status);        /* the shell's convention: 128+N for signal N */
int power_buttons_open(struct init_state *st); /* how many were found */
int power_button_pressed(int fd);
void step_supervise(struct init_state *st); /* reap, forward, wait for an end */
void step_shutdown(struct init_state *st);  /* TERM, grace, KILL, sync, unmount, reboot(); never returns */

/* Helpers shared by the steps. */
struct lines {
	int fd, skipping;
	size_t start, end;
	char buf[1024];
};
int lines_open(struct lines *l, const char *path); /* 0 or -errno */
int lines_next(struct lines *l, char **line, int *overlong);
void lines_close(struct lines *l);
long uptime_ms(void);
const char *uptime_str(void);               /* "12.345s", a static buffer */
void fatal_set(struct init_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int reap_children(struct init_state *st); /* returns how many were reaped */
void describe_status(int status, char *buf, size_t len);

/* timeline.c — stage timestamps on the console and in /run/minboot/timeline. */
void timeline_mark(const char *stage, const char *detail);
void timeline_mark_ago(long ago_ms, const char *stage, const char *detail); /* ago_ms before now */
void timeline_mark_at(long ms, const char *stage, const char *detail);     /* at CLOCK_BOOTTIME ms */
void timeline_write(void);
void timeline_enable(int on);

int init_main(int argc, char **argv);

#endif
