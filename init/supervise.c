/* Step 7: PID 1's one signal loop.  Every signal is blocked and taken here, one at a time; no
 * work happens in asynchronous handlers. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "common/log.h"
#include "init/init.h"

/* Signals passed on to the payload's process group (SIGTERM, SIGINT and SIGPWR mean shutdown). */
static int forwarded(int sig)
{
	return sig == SIGHUP || sig == SIGUSR1 || sig == SIGUSR2;
}

static const char *shutdown_signal(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "ctrl-alt-del (SIGINT)";
	case SIGPWR: return "SIGPWR";
	default: return NULL;
	}
}

void step_supervise(struct init_state *st)
{
	char what[96];
	siginfo_t si;
	sigset_t all;
	int sig;

	sigfillset(&all);
	while (1) {
		reap_children(st);
		if (st->payload_exited) {
			describe_status(st->payload_status, what, sizeof(what));
			info("payload %s", what);
			st->shutdown_reason = "payload ended";
			return;
		}
		sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno != EINTR)
				err("unable to wait for signals: %s", strerror(errno));
			continue;
		}
		if (shutdown_signal(sig)) {
			info("%s received: shutting down", shutdown_signal(sig));
			st->shutdown_reason = shutdown_signal(sig);
			return;
		}
		if (forwarded(sig) && st->payload > 0 && kill(-st->payload, sig) < 0)
			warn("unable to forward signal %d to the payload: %s", sig, strerror(errno));
	}
}
