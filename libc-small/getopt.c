/* getopt, getopt_long and getopt_long_only (musl's getopt.lo and getopt_long.lo, replaced whole)
 * in the one shape minboot's tools use: options stop at the first operand, as with a leading '+';
 * long options match exactly (no abbreviations).  See libc-small.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libc-small/libc-small.h"

char *optarg;
int optind = 1, opterr = 1, optopt;
int __optpos = 1;   /* inside a cluster of short options: the next letter's index */
int __optreset;     /* set, or optind 0: start again (the BSDs' and musl's optreset) */
ALIAS_DATA(__optreset, optreset);

/* "prog: what: arg\n" on stderr, in one write. */
void __getopt_msg(const char *prog, const char *what, const char *arg, size_t len)
{
	char buf[256];
	int n;

	if (!opterr)
		return;
	n = snprintf(buf, sizeof(buf), "%s%s%.*s\n", prog, what, (int)len, arg);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	(void)!write(2, buf, n);
}

/* argv[optind] + skip is a long option's name (with "=value" perhaps); -1 when no option has it. */
static int long_opt(int argc, char *const argv[], int skip, const struct option *lo, int *idx)
{
	const char *a = argv[optind] + skip, *eq = strchr(a, '=');
	size_t l = eq ? (size_t)(eq - a) : strlen(a);
	int i;

	for (i = 0; lo && lo[i].name; i++)
		if (strlen(lo[i].name) == l && !strncmp(lo[i].name, a, l))
			break;
	if (!lo || !lo[i].name)
		return -1;
	optind++;
	if (idx)
		*idx = i;
	optarg = NULL;
	if (lo[i].has_arg == required_argument) {
		if (eq)
			optarg = (char *)eq + 1;
		else if (optind < argc)
			optarg = argv[optind++];
		else
			return __getopt_msg(argv[0], ": option requires an argument: ", a - skip, l + skip), '?';
	} else if (eq) {
		if (lo[i].has_arg != optional_argument)
			return __getopt_msg(argv[0], ": option takes no argument: ", a - skip, l + skip), '?';
		optarg = (char *)eq + 1;
	}
	if (lo[i].flag) {
		*lo[i].flag = lo[i].val;
		return 0;
	}
	return lo[i].val;
}

static int short_opt(int argc, char *const argv[], const char *opts)
{
	const char *a = argv[optind], *o;
	char c = a[__optpos++];

	o = c != ':' ? strchr(opts, c) : NULL;
	if (!a[__optpos]) {
		optind++;
		__optpos = 1;
	}
	if (!o) {
		optopt = c;
		return __getopt_msg(argv[0], ": unrecognized option: ", &c, 1), '?';
	}
	if (o[1] != ':')
		return c;
	if (__optpos > 1) { /* the rest of this word is the argument */
		optarg = (char *)a + __optpos;
		optind++;
		__optpos = 1;
	} else if (optind < argc) {
		optarg = argv[optind++];
	} else {
		optopt = c;
		return __getopt_msg(argv[0], ": option requires an argument: ", &c, 1), '?';
	}
	return c;
}

static int next(int argc, char *const argv[], const char *opts, const struct option *lo, int *idx,
		int long_only)
{
	const char *a;
	int r;

	if (!optind || __optreset) {
		__optreset = 0;
		__optpos = 1;
		optind = 1;
	}
	if (*opts == '+' || *opts == '-')
		opts++;
	if (optind >= argc || !argv[optind] || argv[optind][0] != '-' || !argv[optind][1])
		return -1;
	a = argv[optind];
	if (__optpos == 1 && a[1] == '-') {
		if (!a[2]) {
			optind++;
			return -1;
		}
		r = long_opt(argc, argv, 2, lo, idx);
		if (r == -1) {
			optind++;
			__getopt_msg(argv[0], ": unrecognized option: ", a, strcspn(a, "="));
			return '?';
		}
		return r;
	}
	if (long_only && __optpos == 1 && (r = long_opt(argc, argv, 1, lo, idx)) != -1)
		return r;
	return short_opt(argc, argv, opts);
}

int getopt(int argc, char *const argv[], const char *opts)
{
	return next(argc, argv, opts, NULL, NULL, 0);
}
ALIAS(getopt, __posix_getopt);

int getopt_long(int argc, char *const argv[], const char *opts, const struct option *lo, int *idx)
{
	return next(argc, argv, opts, lo, idx, 0);
}

int getopt_long_only(int argc, char *const argv[], const char *opts, const struct option *lo, int *idx)
{
	return next(argc, argv, opts, lo, idx, 1);
}
