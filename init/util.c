/* Helpers the steps share (init.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/init.h"

int read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		len += n;
	}
	buf[len] = '\0';
	n = (len == size - 1 && read(fd, &(char){ 0 }, 1) > 0) ? -EFBIG : 0;
	close(fd);
	return (int)n;
}

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

long uptime_ms(const struct boot *b)
{
	return b->m->now_ms();
}

int boot_fail(struct boot *b, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return e < 0 ? e : -EINVAL;
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
int reap_children(struct boot *b)
{
	int status;
	pid_t pid;

	while ((pid = b->m->reap(&status)) > 0) {
		if (pid == b->payload.pid) {
			b->payload.pid = 0;
			b->payload.status = status;
			b->payload.exited = 1;
		} else if (pid == b->cmd_pid) {
			b->cmd_pid = 0;
			b->cmd_status = status;
		}
	}
	return pid < 0 && errno == ECHILD;
}
