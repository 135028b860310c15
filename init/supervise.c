/* Step 7: PID 1's one event loop (on the real machine's signals and fds: the PID-namespace
 * tests, t-pid1*.sh, are its tests).  Every signal is blocked and read from a signalfd, beside the
 * sd_notify socket and the power button: no work happens in asynchronous handlers.  The loop ends
 * when the machine should stop: the payload ended for good, a shutdown signal, the power button. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"
#include "netcfg/netcfg.h"

/* How the payload ended, as systemd.service(5)'s table of Restart= counts it. */
enum end { END_CLEAN, END_CODE, END_SIGNAL, END_TIMEOUT, END_WATCHDOG };

/* The step's own state. */
static struct {
	long restart_at;          /* when to restart the payload; 0 = none pending */
	int restarts;             /* restarts so far in the current crash loop */
	int cause;                /* END_TIMEOUT, END_WATCHDOG: why the init is stopping it; 0 none */
	long kill_at;             /* its SIGKILL is due (after SIGABRT, a start timeout); 0 = none */
	long start_deadline;      /* it must be ready by then (minboot.start-timeout); 0 = none */
	long pidfile_at;          /* look at minboot.pidfile again then; 0 = not waiting for it */
	int power_fds[POLICY_MAX_POWER_BUTTONS], npower;
	pid_t late_pid;           /* the late modules' helper, 0 = none */
	int late_fd;              /* its pipe (its timeline marks, then its end), -1 = none */
	long late_normal_at;      /* when it leaves POLICY_LATE_NICE; 0 = not pending */
} sv;

static const char *shutdown_signal(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "ctrl-alt-del (SIGINT)";
	case SIGPWR: return "SIGPWR";
	default: return NULL;
	}
}

/* Restart delay: restart-delay doubled per restart in the current loop, capped. */
static unsigned backoff_ms(const struct config *c, int restarts)
{
	unsigned long d = c->restart_delay_ms;

	while (restarts-- > 0 && d < c->restart_delay_max_ms)
		d *= 2;
	return d > c->restart_delay_max_ms ? c->restart_delay_max_ms : (unsigned)d;
}

void payload_kill(struct boot *b, int sig, int final)
{
	enum kill_mode k = b->cfg.kill_mode;

	if (b->payload.pid <= 0 || (k == KILL_NONE && !final))
		return;
	/* Its whole process group (its helpers), and the payload itself only when it has left that
	 * group: a second signal would run its handler twice (a shell's trap, node's process.on). */
	if (k == KILL_CONTROL_GROUP || (k == KILL_MIXED && final)) {
		b->m->kill(-b->payload.pid, sig);
		if (b->m->getpgid && b->m->getpgid(b->payload.pid) == b->payload.pid)
			return;
	}
	b->m->kill(b->payload.pid, sig);
}

/* The init stops the payload for a reason (a watchdog, a start timeout, a failed ExecStartPost):
 * sig now, SIGKILL after minboot.stop-timeout (systemd's TimeoutAbortSec= and TimeoutStopSec=). */
static void payload_stop(struct boot *b, int cause, int sig)
{
	sv.cause = cause;
	sv.start_deadline = sv.pidfile_at = 0;
	b->payload.watchdog_deadline = 0;
	payload_kill(b, sig, 0);
	sv.kill_at = uptime_ms(b) + b->cfg.stop_timeout_ms;
}

/* Started as its type says: ExecStartPost now; its failure stops the payload (a failure). */
static void payload_ready(struct boot *b)
{
	b->payload.ready = 1;
	sv.start_deadline = sv.pidfile_at = 0;
	if (service_exec(b, 'P', b->cfg.start_timeout_ms) && b->payload.pid > 0)
		payload_stop(b, END_CODE, b->cfg.kill_signal);
}

/* Just (re)started: simple and exec are started now; notify waits for READY=1, forking for its
 * first process to exit, oneshot for its end, each within minboot.start-timeout. */
static void payload_started(struct boot *b)
{
	enum service_type t = b->cfg.type;

	sv.cause = 0;
	sv.kill_at = 0;
	if (b->payload.pid <= 0)
		return;
	if (t == TYPE_SIMPLE || t == TYPE_EXEC)
		payload_ready(b);
	else if (b->cfg.start_timeout_ms)
		sv.start_deadline = uptime_ms(b) + b->cfg.start_timeout_ms;
}

static int payload_restart(struct boot *b)
{
	int r = payload_spawn(b);

	if (r < 0) {
		err("unable to restart the payload: %s", strerror(-r));
		return 1;
	}
	payload_started(b);
	return 0;
}

/* Restart= as systemd.service(5)'s table: a bit per end (enum end) for each policy. */
static const unsigned char restart_when[] = {
	[RESTART_NO] = 0, [RESTART_ON_FAILURE] = 0x1e, [RESTART_ALWAYS] = 0x1f, [RESTART_ON_SUCCESS] = 0x01,
	[RESTART_ON_ABNORMAL] = 0x1c, [RESTART_ON_ABORT] = 0x04, [RESTART_ON_WATCHDOG] = 0x10,
};

/* systemd's clean ends: status 0, or SIGHUP, SIGINT, SIGTERM, SIGPIPE; ExecStart's "-" makes
 * every end clean. */
static enum end end_of(const struct boot *b)
{
	int st = b->payload.status, sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;

	if (sv.cause)
		return (enum end)sv.cause;
	if (b->payload.ignore_failure || (WIFEXITED(st) && !WEXITSTATUS(st)) ||
	    sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE)
		return END_CLEAN;
	return sig ? END_SIGNAL : END_CODE;
}

/* The payload ended: restart it (policy, backoff, limit) or return 1 to shut down. */
static int payload_ended(struct boot *b)
{
	const struct config *c = &b->cfg;
	char what[96];

	describe_status(b->payload.status, what, sizeof(what));
	info("payload %s", what);
	if (!(restart_when[c->restart] >> end_of(b) & 1))
		return 1;
	/* A payload that ran longer than the longest delay, and at least systemd's
	 * StartLimitIntervalSec=, was not crash-looping: start afresh. */
	if (uptime_ms(b) - b->payload.started_ms > (long)c->restart_delay_max_ms &&
	    uptime_ms(b) - b->payload.started_ms > POLICY_RESTART_INTERVAL_MS)
		sv.restarts = 0;
	if ((unsigned)sv.restarts >= c->restart_max) {
		warn("payload restarted %d times; giving up", sv.restarts);
		return 1;
	}
	unsigned delay = backoff_ms(c, sv.restarts);

	sv.restart_at = uptime_ms(b) + delay;
	info("restarting the payload in %u ms (restart %d of %u)", delay, sv.restarts + 1, c->restart_max);
	sv.restarts++;
	return 0;
}

/* A new main process (MAINPID=, the PID file): its end is the payload's end from now on. */
static void main_pid_set(struct boot *b, pid_t pid)
{
	info("payload main process: pid %d", (int)pid);
	b->payload.pid = pid;
	b->payload.forking = 0;
	b->payload.exited = 0;
}

/* minboot.pidfile, as Type=forking's daemon writes it (perhaps after its parent exited, as
 * nginx does: then it is looked for again until minboot.start-timeout).  1 when it names a
 * live process, which becomes the main one. */
static int pidfile_read(struct boot *b)
{
	char path[MACHINE_PATH], buf[32], *end;
	long pid;

	if (read_file(machine_path(b->m, b->cfg.pidfile, path), buf, sizeof(buf)) < 0)
		return 0;
	pid = strtol(buf, &end, 10);
	if (pid <= 0 || (*end && *end != '\n') || b->m->kill((pid_t)pid, 0) < 0)
		return 0;
	main_pid_set(b, (pid_t)pid);
	return 1;
}

/* Type=forking's first process exited with status 0: the daemon it left is the main process. */
static void forked(struct boot *b)
{
	b->payload.forking = 0;
	b->payload.pid = 0;
	if (b->cfg.pidfile[0] && !pidfile_read(b)) {
		sv.pidfile_at = uptime_ms(b) + POLICY_DEVICE_POLL_MS;
		return;
	}
	if (!b->payload.pid)
		warn("payload forked, but its main process is unknown (no PIDFile= or MAINPID=)");
	payload_ready(b);
}

/* After reaping: the payload's end, when it ended, decides; 1 when the machine should stop. */
static int payload_decide(struct boot *b)
{
	int st = b->payload.status;

	if (!b->payload.exited)
		return 0;
	b->payload.exited = 0;
	if (b->payload.forking && WIFEXITED(st) && !WEXITSTATUS(st) && !sv.cause) {
		forked(b);
		return 0;
	}
	if (b->cfg.type == TYPE_ONESHOT && !b->payload.ready && end_of(b) == END_CLEAN)
		payload_ready(b);
	b->payload.ended = 1;
	b->payload.forking = 0;
	sv.kill_at = sv.start_deadline = sv.pidfile_at = 0;
	b->payload.watchdog_deadline = 0;
	if (!payload_ended(b))
		return 0;
	b->shutdown_reason = "payload ended";
	return 1;
}

/* Only the payload's own processes (its session) speak for it.  A sender that has already exited
 * (systemd-notify sends and exits at once) cannot be placed in a session any more: it is taken
 * when it ran as the payload's user.  Senders outside the appliance's PID namespace show as 0. */
static int notify_sender_ok(const struct boot *b, pid_t pid, uid_t uid)
{
	pid_t sid;

	if (!b->payload.pid || pid <= 0)
		return 0;
	sid = getsid(pid);
	if (sid >= 0)
		return sid == b->payload.pid || pid == b->payload.pid || sid == getsid(b->payload.pid);
	return errno == ESRCH && uid == b->payload.uid;
}

/* One message: what sd_notify(3) says systemd does with each assignment. */
void notify_apply(struct boot *b, const struct notify_msg *m)
{
	long now = uptime_ms(b);

	if (m->mainpid > 1 && m->mainpid != b->payload.pid)
		main_pid_set(b, m->mainpid);
	if (m->reloading) {
		info("payload reloading");
		timeline_mark("payload reloading", NULL);
	}
	if (m->ready) {
		timeline_mark("payload ready", NULL);
		if (!b->payload.ready && b->cfg.type == TYPE_NOTIFY)
			payload_ready(b);
	}
	if (m->has_status)
		info("payload status: %s", m->status);
	if (m->stopping)
		info("payload stopping");
	if (m->has_watchdog_usec) { /* a new interval, from now; 0 turns the watchdog off */
		b->payload.watchdog_ms = (unsigned)((m->watchdog_usec + 999) / 1000);
		info("payload watchdog: %u ms", b->payload.watchdog_ms);
		b->payload.watchdog_deadline = b->payload.watchdog_ms ? now + b->payload.watchdog_ms : 0;
	}
	if (m->watchdog && b->payload.watchdog_ms)
		b->payload.watchdog_deadline = now + b->payload.watchdog_ms;
	if (m->watchdog_trigger && b->payload.pid > 0) {
		warn("payload asked for its watchdog to fire");
		b->payload.watchdog_deadline = now;
	}
}

static void on_notify(struct boot *b)
{
	struct notify_msg m;
	pid_t sender;
	uid_t sender_uid;
	int r;

	while (b->notify_fd >= 0 && (r = notify_recv(b->notify_fd, &m, &sender, &sender_uid)) != -EAGAIN) {
		if (r < 0) {
			if (r != -EMSGSIZE)
				return;
			warn("notify: oversized message ignored");
			continue;
		}
		if (!notify_sender_ok(b, sender, sender_uid)) {
			warn("notify: message from pid %d, not the payload's, ignored", (int)sender);
			continue;
		}
		status_forward(b, &m);
		notify_apply(b, &m);
	}
}

/* The nearest of the deadlines (0 = none) in ms from now, -1 for none. */
static int next_timeout(const struct boot *b)
{
	long d[] = { sv.restart_at, sv.kill_at, sv.start_deadline, sv.pidfile_at, sv.late_normal_at,
		     b->payload.pid > 0 ? b->payload.watchdog_deadline : 0 };
	long now = uptime_ms(b), t = -1;
	unsigned i;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (d[i] && (t < 0 || d[i] - now < t))
			t = d[i] - now > 0 ? d[i] - now : 0;
	return (int)t;
}

static int due(long *at, long now)
{
	if (!*at || now < *at)
		return 0;
	*at = 0;
	return 1;
}

/* Returns 1 when the machine should stop. */
int supervise_timers(struct boot *b)
{
	long now = uptime_ms(b);

	if (due(&sv.restart_at, now) && payload_restart(b))
		return 1;
	if (b->payload.pid > 0 && due(&b->payload.watchdog_deadline, now)) {
		/* systemd's WatchdogSignal= default: SIGABRT, so the payload can dump its state */
		warn("payload missed its watchdog (%u ms): sending SIGABRT", b->payload.watchdog_ms);
		payload_stop(b, END_WATCHDOG, SIGABRT);
	}
	if (due(&sv.start_deadline, now)) {
		warn("payload did not start within %u ms: stopping it", b->cfg.start_timeout_ms);
		payload_stop(b, END_TIMEOUT, b->cfg.kill_signal);
	}
	if (due(&sv.pidfile_at, now)) {
		if (pidfile_read(b))
			payload_ready(b);
		else
			sv.pidfile_at = now + POLICY_DEVICE_POLL_MS;
	}
	if (due(&sv.late_normal_at, now) && sv.late_pid > 0 && setpriority(PRIO_PROCESS, sv.late_pid, 0) == 0)
		info("late modules: still loading after %d ms, now at the payload's priority", POLICY_LATE_LOW_MS);
	if (due(&sv.kill_at, now) && b->payload.pid > 0) {
		warn("payload did not stop within %u ms: killing it", b->cfg.stop_timeout_ms);
		payload_kill(b, SIGKILL, 1);
	}
	return payload_decide(b); /* a command run here may have seen the payload end */
}

/* Reap; when the payload was among them, restart it or return 1: the machine should stop. */
static int reap_and_decide(struct boot *b)
{
	reap_children(b);
	return payload_decide(b);
}

int supervise_begin(struct boot *b)
{
	memset(&sv, 0, sizeof(sv));
	payload_started(b);
	/* A child may have ended before the signalfd existed: its SIGCHLD is pending, but reap now
	 * anyway so nothing waits on it. */
	return reap_and_decide(b);
}

/* Handle one signal; returns 1 when the machine should stop. */
int supervise_signal(struct boot *b, int sig)
{
	const char *name = shutdown_signal(sig);

	if (sig == SIGCHLD)
		return reap_and_decide(b);
	if (sig == SIGHUP && service_has(b, 'r')) { /* systemctl reload: the unit's ExecReload */
		info("SIGHUP received: reloading the payload");
		service_exec(b, 'r', b->cfg.start_timeout_ms);
		return payload_decide(b);
	}
	if (name) {
		info("%s received: shutting down", name);
		b->shutdown_reason = name;
		return 1;
	}
	if ((sig == SIGHUP || sig == SIGUSR1 || sig == SIGUSR2) && b->payload.pid > 0 &&
	    b->m->kill(-b->payload.pid, sig) < 0)
		warn("unable to forward signal %d to the payload: %s", sig, strerror(errno));
	return 0;
}

/* The power buttons the drivers loaded so far made, once: a press is seen from the mark on.  Looked
 * for at the start, at the late helper's end and after hotplug events once it has ended, until one
 * is found.  Never while the helper loads: the button's input device (and its uevent) comes before
 * its driver has installed the ACPI event handler, and a press before that is lost. */
static void power_watch(struct boot *b)
{
	char n[16];

	if (sv.npower > 0 || !(sv.npower = power_buttons_open(b->m, sv.power_fds, POLICY_MAX_POWER_BUTTONS)))
		return;
	snprintf(n, sizeof(n), "%d", sv.npower);
	timeline_mark("power button watched", n);
}

/* The drivers coldplug left off the critical path (the power button's, ...) load in a helper
 * process beside the starting payload, at POLICY_LATE_NICE for POLICY_LATE_LOW_MS at most, while
 * the loop goes on (signals, the payload's end, hotplug); before them it gives the links a
 * static boot set up their early IPv6 link-local address (b->v6_late).  Its timeline marks come
 * through a pipe; the pipe's end is the helper's, and then the buttons it made are watched.
 * Without a helper (no fork on this machine, or it failed) the init does it itself, first. */
static void late_v6(struct boot *b)
{
	if (b->v6_late)
		netcfg_links_up(b->m->netlink, NULL, NC_V6_ONLY);
	b->v6_late = 0;
}

static void late_start(struct boot *b)
{
	sigset_t none;
	int p[2], e, seed;
	pid_t pid;

	if (!b->late_modules && !b->v6_late) {
		crng_seed(b);
		return;
	}
	if (b->m->fork && pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
		seed = crng_claim(b); /* the helper waits for the CRNG after its modules */
		if ((pid = b->m->fork()) == 0) {
			close(p[0]);
			fcntl(p[1], F_SETFL, 0);
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			timeline_to(p[1]);
			late_v6(b); /* at the payload's priority: a busy payload must not push it past carrier */
			setpriority(PRIO_PROCESS, 0, POLICY_LATE_NICE);
			/* the payload may wait for the CRNG: its seeding first (at POLICY_JITTER_NICE) */
			if (seed && crng_jitter(b) == 0)
				seed = 0;
			setpriority(PRIO_PROCESS, 0, POLICY_LATE_NICE);
			modules_late(b);
			if (seed) {
				close(p[1]); /* its end for the init: the power buttons are watched now */
				crng_wait();
			}
			_exit(0);
		}
		e = errno;
		close(p[1]);
		if (pid > 0) {
			modules_release(); /* the helper's copy is its own */
			sv.late_pid = pid;
			sv.late_fd = p[0];
			sv.late_normal_at = uptime_ms(b) + POLICY_LATE_LOW_MS;
			b->late_modules = b->v6_late = 0;
			return;
		}
		close(p[0]);
		warn("unable to start a helper for the late modules: %s; loading them now", strerror(e));
	}
	late_v6(b);
	modules_late(b);
}

/* The helper's marks; at its end, the buttons. */
static void late_events(struct boot *b)
{
	if (timeline_take(sv.late_fd) > 0)
		return;
	close(sv.late_fd);
	sv.late_fd = -1;
	sv.late_pid = 0;
	sv.late_normal_at = 0;
	power_watch(b);
}

int step_supervise(struct boot *b)
{
	struct pollfd pfd[4 + POLICY_MAX_POWER_BUTTONS];
	struct signalfd_siginfo si[16];
	sigset_t all;
	int sfd, n, i, k;
	ssize_t got;

	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return boot_fail(b, -errno, "unable to create a signalfd: %s", strerror(errno));
	if (supervise_begin(b))
		goto out;
	sv.late_fd = -1;
	late_start(b);
	power_watch(b); /* the buttons of drivers loaded before the payload (--module button) */
	while (1) {
		n = 0;
		pfd[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		if (b->notify_fd >= 0)
			pfd[n++] = (struct pollfd){ b->notify_fd, POLLIN, 0 };
		if (b->uevent_fd >= 0)
			pfd[n++] = (struct pollfd){ b->uevent_fd, POLLIN, 0 };
		if (sv.late_fd >= 0)
			pfd[n++] = (struct pollfd){ sv.late_fd, POLLIN, 0 };
		for (i = 0; i < sv.npower; i++)
			pfd[n++] = (struct pollfd){ sv.power_fds[i], POLLIN, 0 };
		if (poll(pfd, n, next_timeout(b)) < 0 && errno != EINTR)
			err("poll: %s", strerror(errno));
		/* Messages before signals, as systemd orders them: a payload that sends MAINPID= or
		 * READY=1 and exits is heard before its end is. */
		on_notify(b);
		while ((got = read(sfd, si, sizeof(si))) > 0)
			for (k = 0; k < (int)(got / sizeof(si[0])); k++)
				if (supervise_signal(b, (int)si[k].ssi_signo))
					goto out;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (pfd[i].fd == sv.late_fd ? POLLIN | POLLHUP : POLLIN)) || pfd[i].fd == sfd)
				continue;
			if (pfd[i].fd == b->notify_fd) {
				continue;
			} else if (pfd[i].fd == sv.late_fd) {
				late_events(b);
			} else if (pfd[i].fd == b->uevent_fd) {
				hotplug_events(b); /* evdev, say, for the button the helper's driver made */
				if (sv.late_fd < 0)
					power_watch(b);
			} else if (power_button_pressed(pfd[i].fd)) {
				info("power button pressed: shutting down");
				b->shutdown_reason = "power button";
				goto out;
			}
		}
		if (supervise_timers(b))
			goto out;
	}
out:
	close(sfd);
	return 0;
}
