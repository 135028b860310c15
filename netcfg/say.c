/* The library's one way to say something: to the caller's function (netcfg.h), never to a file. */
#include <stdarg.h>
#include <stdio.h>

#include "netcfg/netcfg.h"

void nc_say(const struct netcfg_say *s, int level, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (!s || !s->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->fn(s->arg, level, text);
}
