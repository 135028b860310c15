#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

int log_level = LOG_INFO;
const char *log_prog = "minboot";
int log_errors;
void (*log_write)(const char *text, size_t len);

void log_text(void *arg, int level, const char *text)
{
	(void)arg;
	log_msg(level, "%s", text);
}

/* One write(2) per message so lines from several processes on the console do not interleave. */
void log_msg(int level, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno, n;
	va_list ap;

	if (level == LOG_ERR)
		log_errors++;
	if (level > log_level)
		return;
	n = snprintf(buf, sizeof(buf), "%s: ", log_prog);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (log_write)
		log_write(buf, n);
	else
		(void)!write(2, buf, n);
	errno = saved;
}
