#include <string.h>

#include "common/glob.h"

static int in_class(const char *name, size_t len, unsigned char c)
{
	static const struct { const char *name; int (*fn)(unsigned char); } classes[] = { { 0, 0 } };
	(void)classes;
#define CLASS(n, expr) if (len == sizeof(n) - 1 && !memcmp(name, n, len)) return (expr)
	CLASS("alpha", (c | 32) >= 'a' && (c | 32) <= 'z');
	CLASS("digit", c >= '0' && c <= '9');
	CLASS("alnum", ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'));
	CLASS("upper", c >= 'A' && c <= 'Z');
	CLASS("lower", c >= 'a' && c <= 'z');
	CLASS("xdigit", (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f'));
	CLASS("space", c == ' ' || (c >= '\t' && c <= '\r'));
	CLASS("blank", c == ' ' || c == '\t');
	CLASS("punct", c > 32 && c < 127 && !(((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9')));
	CLASS("print", c >= 32 && c < 127);
	CLASS("graph", c > 32 && c < 127);
	CLASS("cntrl", c < 32 || c == 127);
#undef CLASS
	return -1;
}

/* p points after '['.  Returns 1 (match) or 0 with *end after the closing ']', or -1 when the
 * expression is not closed (then '[' is an ordinary character, as POSIX says). */
static int bracket(const char *p, unsigned char c, const char **end)
{
	int neg = 0, hit = 0, first = 1;

	if (*p == '!' || *p == '^')
		neg = 1, p++;
	for (; *p && (first || *p != ']'); first = 0) {
		unsigned char lo = (unsigned char)*p, hi;
		if (lo == '[' && p[1] == ':') {
			const char *close = p + 2;
			while (*close && !(close[0] == ':' && close[1] == ']'))
				close++;
			if (!*close)
				close = NULL;
			int r = close ? in_class(p + 2, close - p - 2, c) : -1;
			if (r >= 0) {
				hit |= r;
				p = close + 2;
				continue;
			}
		}
		if (lo == '\\' && p[1])
			lo = (unsigned char)*++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] && p[1] != ']') {
			hi = (unsigned char)p[1];
			if (hi == '\\' && p[2])
				hi = (unsigned char)*(++p + 1);
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	}
	if (*p != ']')
		return -1;
	*end = p + 1;
	return hit != neg;
}

int glob_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL, *end;
	int r;

	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == '?') {
			p++, s++;
			continue;
		}
		if (*p == '[' && (r = bracket(p + 1, (unsigned char)*s, &end)) >= 0) {
			if (r) {
				p = end, s++;
				continue;
			}
		} else {
			const char *lit = p;
			if (*lit == '\\' && lit[1])
				lit++;
			if (*lit && *lit == *s) {
				p = lit + 1, s++;
				continue;
			}
		}
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return !*p;
}
