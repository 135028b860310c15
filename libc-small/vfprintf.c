/* A small printf engine (musl's vfprintf.lo).  musl's vfprintf carries its floating-point and
 * wide character formatting (about 10 KiB) whether or not they are used; every printf-family
 * function in musl (snprintf, dprintf, fprintf, ...) goes through vfprintf, so defining vfprintf
 * here replaces the engine for all of them in this static binary.  It covers what minboot's
 * formats use: flags "-0+ #", width and precision (also "*"), hh h l ll z j t L, and
 * d i u o x X c s p f %.  %e and %g print as %f.  See libc-small.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "libc-small/libc-small.h"

struct out {
	FILE *f;                 /* streamed to f, or */
	char *buf;               /* into buf[size] (fmt_vsnprintf) */
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->f) {
		if (n)
			fwrite(s, 1, n, o->f);
	} else if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void pad(struct out *o, char c, int n)
{
	char b[16];

	memset(b, c, sizeof(b));
	for (; n > 0; n -= 16)
		put(o, b, n < 16 ? (size_t)n : 16);
}

/* One converted field: sign/prefix, zeros, digits; padded to width. */
static void field(struct out *o, const char *pre, const char *s, size_t n, int zeros, int width,
		  int left, int zero_pad)
{
	int total = (int)(strlen(pre) + n) + (zeros > 0 ? zeros : 0);

	if (!left && !zero_pad)
		pad(o, ' ', width - total);
	put(o, pre, strlen(pre));
	if (!left && zero_pad)
		pad(o, '0', width - total);
	pad(o, '0', zeros);
	put(o, s, n);
	if (left)
		pad(o, ' ', width - total);
}

static size_t utoa(uintmax_t v, unsigned base, int upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do
		*--p = digits[v % base];
	while (v /= base);
	return (size_t)(end - p);
}

static void fmt_double(struct out *o, double v, int prec, const char *sign, int width, int left, int zp)
{
	char buf[48], *end = buf + sizeof(buf);
	uintmax_t scale = 1, whole, frac;
	size_t n;
	int i;

	if (v != v || v - v != 0) { /* NaN, or infinite */
		field(o, sign, v != v ? "nan" : "inf", 3, 0, width, left, 0);
		return;
	}
	if (prec < 0)
		prec = 6;
	if (prec > 9)
		prec = 9;
	for (i = 0; i < prec; i++)
		scale *= 10;
	if (v >= 1.8e19) /* beyond the integer part's range: no digits for it */
		v = 1.8e19;
	whole = (uintmax_t)v;
	frac = (uintmax_t)((v - (double)whole) * (double)scale + 0.5);
	if (frac >= scale) {
		whole++;
		frac -= scale;
	}
	n = 0;
	if (prec) {
		n = utoa(frac, 10, 0, end);
		for (; (int)n < prec; n++)
			end[-(int)n - 1] = '0';
		end[-(int)n - 1] = '.';
		n++;
	}
	n += utoa(whole, 10, 0, end - n);
	field(o, sign, end - n, n, 0, width, left, zp);
}

static int engine(struct out *o, const char *fmt, va_list ap)
{
	char num[72], *end = num + sizeof(num);
	const char *p, *s;
	int left, zp, plus, space, alt, width, prec, lmod;
	uintmax_t u;
	intmax_t d;
	size_t n;

	for (p = fmt; *p; p++) {
		if (*p != '%') {
			const char *q = strchr(p, '%');
			n = q ? (size_t)(q - p) : strlen(p);
			put(o, p, n);
			p += n - 1;
			continue;
		}
		left = zp = plus = space = alt = 0;
		for (p++;; p++) {
			if (*p == '-') left = 1;
			else if (*p == '0') zp = 1;
			else if (*p == '+') plus = 1;
			else if (*p == ' ') space = 1;
			else if (*p == '#') alt = 1;
			else break;
		}
		width = 0;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0)
				left = 1, width = -width;
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		prec = -1;
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		lmod = 0; /* 1 h, 2 hh, 3 l, 4 ll/j/z/t, 5 L */
		for (;; p++) {
			if (*p == 'h') lmod = lmod == 1 ? 2 : 1;
			else if (*p == 'l') lmod = lmod == 3 ? 4 : 3;
			else if (*p == 'j' || *p == 'z' || *p == 't') lmod = 4;
			else if (*p == 'L') lmod = 5;
			else break;
		}
		if (left)
			zp = 0;
		switch (*p) {
		case 'd': case 'i':
			d = lmod >= 4 ? va_arg(ap, intmax_t) : lmod == 3 ? va_arg(ap, long) : va_arg(ap, int);
			if (lmod == 1) d = (short)d;
			if (lmod == 2) d = (signed char)d;
			u = d < 0 ? -(uintmax_t)d : (uintmax_t)d;
			n = prec == 0 && u == 0 ? 0 : utoa(u, 10, 0, end);
			field(o, d < 0 ? "-" : plus ? "+" : space ? " " : "", end - n, n,
			      prec > (int)n ? prec - (int)n : 0, width, left, zp && prec < 0);
			break;
		case 'u': case 'x': case 'X': case 'o': case 'p':
			if (*p == 'p')
				u = (uintptr_t)va_arg(ap, void *), alt = 1;
			else
				u = lmod >= 4 ? va_arg(ap, uintmax_t) : lmod == 3 ? va_arg(ap, unsigned long)
									 : va_arg(ap, unsigned);
			if (lmod == 1) u = (unsigned short)u;
			if (lmod == 2) u = (unsigned char)u;
			n = prec == 0 && u == 0 ? 0 :
			    utoa(u, *p == 'o' ? 8 : *p == 'u' ? 10 : 16, *p == 'X', end);
			field(o, alt && u && (*p == 'x' || *p == 'p') ? "0x" : alt && u && *p == 'X' ? "0X" :
				 alt && *p == 'o' && u ? "0" : "", end - n, n,
			      prec > (int)n ? prec - (int)n : 0, width, left, zp && prec < 0);
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			field(o, "", num, 1, 0, width, left, 0);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = prec >= 0 ? strnlen(s, prec) : strlen(s);
			field(o, "", s, n, 0, width, left, 0);
			break;
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
			double v = lmod == 5 ? (double)va_arg(ap, long double) : va_arg(ap, double);
			const char *sign = v < 0 ? "-" : plus ? "+" : space ? " " : "";
			fmt_double(o, v < 0 ? -v : v, prec, sign, width, left, zp);
			break;
		}
		case '%':
			put(o, "%", 1);
			break;
		default: /* unknown: print it as it stands */
			put(o, "%", 1);
			if (!*p)
				return (int)o->len;
			put(o, p, 1);
		}
	}
	return (int)o->len;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { NULL, buf, size, 0 };
	int n = engine(&o, fmt, ap);

	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return n;
}

#ifndef FMT_NO_OVERRIDE
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct out o = { f, NULL, 0, 0 };
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = engine(&o, fmt, aq);
	va_end(aq);
	return ferror(f) ? -1 : n;
}
#endif
