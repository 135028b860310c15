/* strtol and its family (musl's strtol.lo, which defines them all: replaced whole).  musl's pull
 * in its generic number scanner (stdio's __intscan and a FILE on the stack); this one reads the
 * digits directly.  See libc-small.h. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>

#include "libc-small/libc-small.h"

static unsigned long long scan(const char *s, char **end, int base, int *neg, int *overflow)
{
	const char *p = s, *digits;
	unsigned long long v = 0;
	int d, any = 0;

	*neg = *overflow = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && isxdigit((unsigned char)p[2]))
		p += 2, base = 16;
	else if (base == 0)
		base = *p == '0' ? 8 : 10;
	for (digits = p;; p++) {
		d = isdigit((unsigned char)*p) ? *p - '0' : isalpha((unsigned char)*p) ? (*p | 32) - 'a' + 10 : 99;
		if (d >= base)
			break;
		any = 1;
		if (v > (ULLONG_MAX - d) / base)
			*overflow = 1;
		else
			v = v * base + d;
	}
	if (end)
		*end = (char *)(any ? p : (digits == p ? s : p));
	if (!any)
		errno = EINVAL; /* as musl does when there is no number at all */
	return v;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	int neg, of;
	unsigned long long v = scan(s, end, base, &neg, &of);

	if (of || v > ULONG_MAX) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	return neg ? -(unsigned long)v : (unsigned long)v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	int neg, of;
	unsigned long long v = scan(s, end, base, &neg, &of);

	if (of || v > (unsigned long long)LONG_MAX + neg) {
		errno = ERANGE;
		return neg ? LONG_MIN : LONG_MAX;
	}
	return neg ? -(long)(v - 1) - 1 : (long)v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	int neg, of;
	unsigned long long v = scan(s, end, base, &neg, &of);

	if (of) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return neg ? -v : v;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	int neg, of;
	unsigned long long v = scan(s, end, base, &neg, &of);

	if (of || v > (unsigned long long)LLONG_MAX + neg) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? -(long long)(v - 1) - 1 : (long long)v;
}

/* The rest of the member's names (intmax_t is long on LP64). */
_Static_assert(sizeof(intmax_t) == sizeof(long), "strtoimax is strtol");
ALIAS(strtol, strtoimax);
ALIAS(strtoul, strtoumax);
ALIAS(strtol, __strtol_internal);
ALIAS(strtoul, __strtoul_internal);
ALIAS(strtoll, __strtoll_internal);
ALIAS(strtoull, __strtoull_internal);
ALIAS(strtol, __strtoimax_internal);
ALIAS(strtoul, __strtoumax_internal);

