#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "common/log.h"
#include "init/init.h"

long uptime_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* "12.345s": the boot timeline's format (no floating point: it would pull in printf's %f). */
const char *uptime_str(void)
{
	static char buf[24];
	long ms = uptime_ms();

	snprintf(buf, sizeof(buf), "%ld.%03lds", ms / 1000, ms % 1000);
	return buf;
}

void fatal_set(struct init_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->fatal, sizeof(st->fatal), fmt, ap);
	va_end(ap);
	err("%s", st->fatal);
}

void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped (wait status 0x%x)", status);
}

/* Reap every child that has exited; note the payload's status when it is among them. */
int reap_children(struct init_state *st)
{
	int status, n = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		n++;
		if (pid == st->payload) {
			st->payload = 0;
			st->payload_status = status;
			st->payload_exited = 1;
		}
	}
	return n;
}
