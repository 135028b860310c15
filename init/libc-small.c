/* Smaller versions of a few C library functions, for the init binary only (the same trick as
 * init/fmt.c: defined here, musl's are not linked).  Each does what minboot's callers need:
 * strtol and strtoul (musl's pull in its generic number scanner), a shell-sort qsort (musl's is a
 * smoothsort), strsignal with the signal names an appliance meets, and getopt_long for the tools.
 * tests/unit/test_libc_small.c checks them against the C library. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* Shell sort with Ciura's gaps: small, not stable (qsort need not be), fast enough for the
 * few thousand aliases a module tree has. */
static void swap(char *a, char *b, size_t size)
{
	char t;

	while (size--) {
		t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Gapped insertion by swaps: any element size, no buffer, nothing that could abort PID 1. */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	static const size_t gaps[] = { 1750, 701, 301, 132, 57, 23, 10, 4, 1 };
	char *b = base;
	size_t g, i, j, k;

	for (k = 0; k < sizeof(gaps) / sizeof(gaps[0]); k++) {
		g = gaps[k];
		for (i = g; i < n; i++)
			for (j = i; j >= g && cmp(b + (j - g) * size, b + j * size) > 0; j -= g)
				swap(b + (j - g) * size, b + j * size, size);
	}
}

char *strsignal(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "Hangup" }, { SIGINT, "Interrupt" }, { SIGQUIT, "Quit" },
		{ SIGILL, "Illegal instruction" }, { SIGTRAP, "Trace/breakpoint trap" },
		{ SIGABRT, "Aborted" }, { SIGBUS, "Bus error" }, { SIGFPE, "Arithmetic exception" },
		{ SIGKILL, "Killed" }, { SIGUSR1, "User defined signal 1" }, { SIGSEGV, "Segmentation fault" },
		{ SIGUSR2, "User defined signal 2" }, { SIGPIPE, "Broken pipe" }, { SIGALRM, "Alarm clock" },
		{ SIGTERM, "Terminated" }, { SIGXCPU, "CPU time limit exceeded" }, { SIGSYS, "Bad system call" },
		{ SIGPWR, "Power failure" },
	};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return (char *)names[i].name;
	return "Unknown signal";
}

char *optarg;
int optind = 1, opterr = 1, optopt;
static int optpos = 1; /* inside a cluster of short options */

static int long_opt(int argc, char *const argv[], const struct option *lo, int *idx)
{
	const char *a = argv[optind] + 2, *eq = strchr(a, '=');
	size_t l = eq ? (size_t)(eq - a) : strlen(a);
	int i;

	optind++;
	for (i = 0; lo && lo[i].name; i++) {
		if (strlen(lo[i].name) != l || strncmp(lo[i].name, a, l))
			continue;
		if (idx)
			*idx = i;
		optarg = NULL;
		if (lo[i].has_arg == required_argument) {
			if (eq)
				optarg = (char *)eq + 1;
			else if (optind < argc)
				optarg = argv[optind++];
			else {
				if (opterr)
					fprintf(stderr, "%s: option requires an argument: --%s\n", argv[0], lo[i].name);
				return '?';
			}
		} else if (eq) {
			if (lo[i].has_arg == optional_argument)
				optarg = (char *)eq + 1;
			else {
				if (opterr)
					fprintf(stderr, "%s: option takes no argument: --%s\n", argv[0], lo[i].name);
				return '?';
			}
		}
		if (lo[i].flag) {
			*lo[i].flag = lo[i].val;
			return 0;
		}
		return lo[i].val;
	}
	if (opterr)
		fprintf(stderr, "%s: unrecognized option: --%.*s\n", argv[0], (int)l, a);
	return '?';
}

/* Options stop at the first operand (as with a leading '+', which musl and minboot's tools use). */
int getopt_long(int argc, char *const argv[], const char *opts, const struct option *lo, int *idx)
{
	const char *a, *o;
	char c;

	if (*opts == '+' || *opts == '-')
		opts++;
	if (optind >= argc || !argv[optind] || argv[optind][0] != '-' || !argv[optind][1])
		return -1;
	a = argv[optind];
	if (optpos == 1 && a[1] == '-') {
		if (!a[2]) {
			optind++;
			return -1;
		}
		return long_opt(argc, argv, lo, idx);
	}
	c = a[optpos++];
	o = c != ':' ? strchr(opts, c) : NULL;
	if (!a[optpos]) {
		optind++;
		optpos = 1;
	}
	if (!o) {
		optopt = c;
		if (opterr)
			fprintf(stderr, "%s: unrecognized option: %c\n", argv[0], c);
		return '?';
	}
	if (o[1] == ':') {
		if (optpos > 1) { /* the rest of this word is the argument */
			optarg = (char *)a + optpos;
			optind++;
			optpos = 1;
		} else if (optind < argc) {
			optarg = argv[optind++];
		} else {
			optopt = c;
			if (opterr)
				fprintf(stderr, "%s: option requires an argument: %c\n", argv[0], c);
			return '?';
		}
	}
	return c;
}
