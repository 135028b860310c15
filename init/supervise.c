/* Step 7: PID 1's one event loop.  Every signal is blocked and read from a signalfd, beside the
 * sd_notify socket and the power button: no work happens in asynchronous handlers.  The loop ends
 * when the machine should stop: the payload ended for good, a shutdown signal, the power button. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/service.h"

static long restart_at; /* uptime at which to restart the payload; 0 = none pending */

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

/* The payload ended: restart it (policy, backoff, limit) or return 1 to shut down. */
static int payload_ended(struct init_state *st, int by_watchdog)
{
	const struct config *c = &st->cfg;
	int status = exit_status_of(st->payload_status), again;
	char what[96];

	describe_status(st->payload_status, what, sizeof(what));
	info("payload %s", what);
	again = by_watchdog || c->restart == RESTART_ALWAYS || (c->restart == RESTART_ON_FAILURE && status);
	if (!again)
		return 1;
	/* A payload that ran longer than the longest delay was not crash-looping: start afresh. */
	if (uptime_ms() - st->started_ms > (long)c->restart_delay_max_ms)
		st->restarts = 0;
	if ((unsigned)st->restarts >= c->restart_max) {
		warn("payload restarted %d times; giving up", st->restarts);
		return 1;
	}
	unsigned delay = backoff_ms(c, st->restarts);

	restart_at = uptime_ms() + delay;
	info("restarting the payload in %u ms (restart %d of %u)", delay, st->restarts + 1, c->restart_max);
	st->restarts++;
	return 0;
}

/* Only the payload's own processes (its session) speak for it.  A sender that has already exited
 * (systemd-notify sends and exits at once) cannot be placed in a session any more: it is taken
 * when it ran as the payload's user.  Senders outside the appliance's PID namespace show as 0. */
static int notify_sender_ok(const struct init_state *st, pid_t pid, uid_t uid)
{
	pid_t sid;

	if (!st->payload || pid <= 0)
		return 0;
	sid = getsid(pid);
	if (sid >= 0)
		return sid == st->payload;
	return errno == ESRCH && uid == st->payload_uid;
}

static void on_notify(struct init_state *st)
{
	struct notify_msg m;
	pid_t sender;
	uid_t sender_uid;
	int r;

	while ((r = notify_recv(st->notify_fd, &m, &sender, &sender_uid)) != -EAGAIN) {
		if (r < 0) {
			if (r != -EMSGSIZE)
				return;
			warn("notify: oversized message ignored");
			continue;
		}
		if (!notify_sender_ok(st, sender, sender_uid)) {
			warn("notify: message from pid %d, not the payload's, ignored", (int)sender);
			continue;
		}
		if (m.ready)
			timeline_mark("payload ready", NULL);
		if (m.has_status)
			info("payload status: %s", m.status);
		if (m.stopping)
			info("payload stopping");
		if (m.watchdog && st->cfg.watchdog_ms)
			st->watchdog_deadline = uptime_ms() + st->cfg.watchdog_ms;
		if (m.watchdog_trigger && st->payload > 0) {
			warn("payload asked for its watchdog to fire");
			st->watchdog_deadline = uptime_ms();
		}
	}
}

/* Returns the poll timeout in ms for the nearest deadline, -1 for none. */
static int next_timeout(const struct init_state *st)
{
	long now = uptime_ms(), t = -1;

	if (restart_at)
		t = restart_at - now;
	if (st->payload > 0 && st->watchdog_deadline) {
		long w = st->watchdog_deadline - now;
		t = t < 0 || w < t ? w : t;
	}
	return t < 0 ? (restart_at || st->watchdog_deadline ? 0 : -1) : (int)t;
}

static int on_timers(struct init_state *st)
{
	long now = uptime_ms();
	int r;

	if (restart_at && now >= restart_at) {
		restart_at = 0;
		r = payload_spawn(st);
		if (r < 0) {
			err("unable to restart the payload: %s", strerror(-r));
			return 1;
		}
	}
	if (st->payload > 0 && st->watchdog_deadline && now >= st->watchdog_deadline) {
		warn("payload missed its watchdog (%u ms): killing it", st->cfg.watchdog_ms);
		st->watchdog_deadline = 0;
		kill(-st->payload, SIGKILL);
		kill(st->payload, SIGKILL);
		st->restarts_by_watchdog = 1;
	}
	return 0;
}

/* Handle one signal; returns 1 when the machine should stop. */
static int on_signal(struct init_state *st, const struct signalfd_siginfo *si)
{
	int sig = (int)si->ssi_signo;

	if (sig == SIGCHLD) {
		reap_children(st);
		if (st->payload_exited) {
			int wd = st->restarts_by_watchdog;
			st->payload_exited = 0;
			st->payload_ended = 1;
			st->restarts_by_watchdog = 0;
			if (payload_ended(st, wd)) {
				st->shutdown_reason = "payload ended";
				return 1;
			}
		}
		return 0;
	}
	if (shutdown_signal(sig)) {
		info("%s received: shutting down", shutdown_signal(sig));
		st->shutdown_reason = shutdown_signal(sig);
		return 1;
	}
	if ((sig == SIGHUP || sig == SIGUSR1 || sig == SIGUSR2) && st->payload > 0 &&
	    kill(-st->payload, sig) < 0)
		warn("unable to forward signal %d to the payload: %s", sig, strerror(errno));
	return 0;
}

void step_supervise(struct init_state *st)
{
	struct pollfd pfd[3 + 4];
	struct signalfd_siginfo si[16];
	sigset_t all;
	int sfd, n, i, k;
	ssize_t got;

	sigfillset(&all);
	sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fatal_set(st, "unable to create a signalfd: %s", strerror(errno));
		return;
	}
	power_buttons_open(st);
	/* A child may have ended before the signalfd existed: its SIGCHLD is pending, but reap now
	 * anyway so nothing waits on it. */
	reap_children(st);
	if (st->payload_exited) {
		st->payload_exited = 0;
		st->payload_ended = 1;
		if (payload_ended(st, 0)) {
			st->shutdown_reason = "payload ended";
			return;
		}
	}
	while (1) {
		n = 0;
		pfd[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		if (st->notify_fd >= 0)
			pfd[n++] = (struct pollfd){ st->notify_fd, POLLIN, 0 };
		if (st->uevent_fd >= 0)
			pfd[n++] = (struct pollfd){ st->uevent_fd, POLLIN, 0 };
		for (i = 0; i < st->npower; i++)
			pfd[n++] = (struct pollfd){ st->power_fds[i], POLLIN, 0 };
		if (poll(pfd, n, next_timeout(st)) < 0 && errno != EINTR)
			err("poll: %s", strerror(errno));
		while ((got = read(sfd, si, sizeof(si))) > 0)
			for (k = 0; k < (int)(got / sizeof(si[0])); k++)
				if (on_signal(st, &si[k]))
					goto out;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN) || pfd[i].fd == sfd)
				continue;
			if (pfd[i].fd == st->notify_fd) {
				on_notify(st);
			} else if (pfd[i].fd == st->uevent_fd) {
				hotplug_events(st);
			} else if (power_button_pressed(pfd[i].fd)) {
				info("power button pressed: shutting down");
				st->shutdown_reason = "power button";
				goto out;
			}
		}
		if (on_timers(st))
			goto out;
	}
out:
	close(sfd);
}
