#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "common/log.h"
#include "init/init.h"

/* Lines of a file through read(2) and one buffer: lines longer than the buffer are reported as
 * overlong and skipped whole, whatever their length (an fstab line of 1 MB of spaces). */
int lines_open(struct lines *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	return l->fd < 0 ? -errno : 0;
}

/* 1 with *line set (NUL-terminated, no newline), 0 at the end; *overlong when it was cut. */
int lines_next(struct lines *l, char **line, int *overlong)
{
	char *nl;
	ssize_t n;

	*overlong = 0;
	for (;;) {
		nl = memchr(l->buf + l->start, '\n', l->end - l->start);
		if (nl) {
			*nl = '\0';
			*line = l->buf + l->start;
			l->start = nl + 1 - l->buf;
			if (!l->skipping)
				return 1;
			l->skipping = 0;
			*overlong = 1;
			return 1;
		}
		if (l->start > 0) { /* keep the partial line, make room behind it */
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == sizeof(l->buf) - 1) { /* a line longer than the buffer: drop what we have */
			l->end = 0;
			l->skipping = 1;
		}
		n = l->fd >= 0 ? read(l->fd, l->buf + l->end, sizeof(l->buf) - 1 - l->end) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) { /* the last line may lack its newline */
			if (l->end == 0 && !l->skipping)
				return 0;
			l->buf[l->end] = '\0';
			*line = l->buf;
			*overlong = l->skipping;
			l->start = l->end = 0;
			l->skipping = 0;
			return 1;
		}
		l->end += n;
	}
}

void lines_close(struct lines *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

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
