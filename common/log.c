#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int log_level = LOG_INFO;
const char *log_prog = "minboot";

/* One write(2) per message so lines from several processes on the console do not interleave. */
void log_msg(int level, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno, n;
	va_list ap;

	if (level > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s: ", log_prog);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(2, buf, n);
	errno = saved;
}
