/* The boot timeline: CLOCK_BOOTTIME at each stage, one console line each ("minboot: [  1.234]
 * stage detail"), and the whole list in /run/minboot/timeline for the payload and bench/. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"

#define MAX_MARKS 128

static const struct machine *tm;
static struct {
	long ms;
	char what[72];
} marks[MAX_MARKS];
static int nmarks, enabled = -1, flushed; /* -1: not known before the settings are read */
static int helper_fd = -1; /* in a helper process: its marks go to the init through this pipe */

/* What goes through the pipe: one write each, under PIPE_BUF, so never split. */
struct mark_rec {
	long ms;
	char what[sizeof(marks[0].what)];
};

static void timeline_mark_at(long ms, const char *stage, const char *detail);

void timeline_start(const struct machine *m)
{
	tm = m;
	nmarks = flushed = 0;
	enabled = -1;
}

static void print_mark(int i)
{
	log_msg(enabled > 0 ? LOG_INFO : LOG_DEBUG, "[%4ld.%03ld] %s", marks[i].ms / 1000,
		marks[i].ms % 1000, marks[i].what);
}

/* Called once the settings are known: what was marked before is printed then. */
void timeline_enable(int on)
{
	int i;

	enabled = on;
	for (i = 0; i < nmarks; i++)
		print_mark(i);
}

void timeline_mark(const char *stage, const char *detail)
{
	timeline_mark_at(tm->now_ms(), stage, detail);
}

void timeline_mark_ago(long ago_ms, const char *stage, const char *detail)
{
	timeline_mark_at(tm->now_ms() - ago_ms, stage, detail);
}

static void timeline_mark_at(long ms, const char *stage, const char *detail)
{
	struct mark_rec rec;

	if (helper_fd >= 0) {
		memset(&rec, 0, sizeof(rec));
		rec.ms = ms;
		snprintf(rec.what, sizeof(rec.what), "%s%s%s", stage, detail && *detail ? " " : "", detail ? detail : "");
		if (write(helper_fd, &rec, sizeof(rec)) < 0)
			helper_fd = -1; /* the init is gone: the marks go nowhere */
		return;
	}
	if (nmarks < MAX_MARKS) {
		marks[nmarks].ms = ms;
		snprintf(marks[nmarks].what, sizeof(marks[0].what), "%s%s%s", stage, detail && *detail ? " " : "",
			 detail ? detail : "");
		nmarks++;
	}
	if (enabled >= 0 && nmarks <= MAX_MARKS)
		print_mark(nmarks - 1);
	if (flushed)
		timeline_write(); /* after the payload started, keep the file current */
}

void timeline_to(int fd)
{
	helper_fd = fd;
}

int timeline_take(int fd)
{
	struct mark_rec rec;
	ssize_t n;

	while ((n = read(fd, &rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		rec.what[sizeof(rec.what) - 1] = '\0';
		timeline_mark_at(rec.ms, rec.what, NULL);
	}
	if (n == 0)
		return 0;
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : n < 0 ? -errno : -EIO;
}

/* "1234 stage detail" lines; rewritten whole (small), so a reader never sees half a line. */
void timeline_write(void)
{
	char buf[MAX_MARKS * 96], tmp[MACHINE_PATH], path[MACHINE_PATH];
	int i, n = 0, fd;

	for (i = 0; i < nmarks && n < (int)sizeof(buf) - 96; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%ld %s\n", marks[i].ms, marks[i].what);
	fd = open(machine_path(tm, POLICY_TIMELINE_PATH ".tmp", tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, n) == n && close(fd) == 0)
		rename(tmp, machine_path(tm, POLICY_TIMELINE_PATH, path));
	else
		close(fd);
	flushed = 1;
}
