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
	int payload_status;      /* wait status of the payload's last exit */
	int payload_exited;
	const char *shutdown_reason;
};

/* Steps, in boot order.  Each logs its own errors; none exits. */
void step_early(struct init_state *st);     /* mounts, console, signals */
void step_config(struct init_state *st);    /* defaults < /etc/minboot.conf < /proc/cmdline */
void step_root(struct init_state *st);      /* remount / read-write unless ro */
void step_payload(struct init_state *st);   /* environment, spawn */
void step_supervise(struct init_state *st); /* reap, forward, wait for an end */
void step_shutdown(struct init_state *st);  /* TERM, grace, KILL, sync, unmount, reboot(); never returns */

/* Helpers shared by the steps. */
long uptime_ms(void);
void fatal_set(struct init_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int reap_children(struct init_state *st); /* returns how many were reaped */
void describe_status(int status, char *buf, size_t len);

int init_main(int argc, char **argv);

#endif
