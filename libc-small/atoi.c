/* atoi (musl's atoi.lo) through the small strtol.  See libc-small.h. */
#include <stdlib.h>

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}
