/* libc-small through the path the init binary uses: this program is linked as the init is
 * (libc-small's objects before musl's libc.a, Makefile), and calls the C library's names.  So
 * snprintf is musl's, calling libc-small's vfprintf; strtoull is libc-small's (the call that once
 * broke the link with "multiple definition of strtoul").  Values are the expected text, not a
 * comparison with a C library: there is only one C library here. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

/* libc-small's engine prints %e as %f; musl's would print "1.500000e+00".  So this line says
 * which engine the binary really has. */
static void engine_is_ours(void)
{
	char b[64];

	snprintf(b, sizeof(b), "%e", 1.5);
	CHECK_STR(b, "1.500000");
	CHECK_STR(strsignal(SIGWINCH), "Unknown signal"); /* musl: "Window changed" */
}

static void snprintf_formats(void)
{
	char b[128];
	int n;

	snprintf(b, sizeof(b), "%5d|%-5d|%05d|%+d|%x|%#o|%lu", 42, 42, -42, 5, 0xbeefu, 8u, ULONG_MAX);
	CHECK_STR(b, "   42|42   |-0042|+5|beef|010|18446744073709551615");
	snprintf(b, sizeof(b), "%s|%.2s|%10s|%c|%%|%zu|%p", "abc", "xyz", "r", 'k', (size_t)7, (void *)0x1234);
	CHECK_STR(b, "abc|xy|         r|k|%|7|0x1234");
	snprintf(b, sizeof(b), "[%4ld.%03ld] %.1f s", 12L, 7L, 2.25);
	CHECK_STR(b, "[  12.007] 2.3 s");
	n = snprintf(b, 6, "%s", (char *)(volatile const char *){ "0123456789" });
	CHECK_INT(n, 10);
	CHECK_STR(b, "01234");
	CHECK_INT(snprintf(NULL, 0, "%d", -12345), 6);
}

/* The stream paths: fprintf into a FILE, dprintf into a pipe. */
static void stream_formats(void)
{
	char *text = NULL, b[64] = "";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int p[2];
	ssize_t n;

	CHECK(f != NULL);
	fprintf(f, "minboot: %s: %d", "unable to mount /proc", -2);
	fclose(f);
	CHECK_STR(text, "minboot: unable to mount /proc: -2");
	free(text);
	CHECK_INT(pipe(p), 0);
	dprintf(p[1], "%u%s", 3000000000u, "!");
	close(p[1]);
	n = read(p[0], b, sizeof(b) - 1);
	b[n > 0 ? n : 0] = '\0';
	close(p[0]);
	CHECK_STR(b, "3000000000!");
}

static void numbers(void)
{
	char *end;

	errno = 0;
	CHECK(strtoull("18446744073709551615", &end, 10) == ULLONG_MAX && !*end && errno == 0);
	CHECK(strtoull("18446744073709551616", NULL, 10) == ULLONG_MAX && errno == ERANGE);
	errno = 0;
	CHECK(strtoll("-9223372036854775808", NULL, 10) == LLONG_MIN && errno == 0);
	CHECK(strtoll("9223372036854775808", NULL, 10) == LLONG_MAX && errno == ERANGE);
	CHECK(strtoimax("-0x10", NULL, 0) == -16);
	CHECK(strtoumax("0777", NULL, 0) == 0777);
	CHECK(strtoul("  42x", &end, 10) == 42 && *end == 'x');
	CHECK_INT(strtol("-17", NULL, 10), -17);
	CHECK_INT(atoi("123"), 123);
}

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void sorting_and_names(void)
{
	int v[] = { 5, -1, 9, 3, 3, 0, 7 };
	unsigned i;

	qsort(v, 7, sizeof(v[0]), cmp);
	for (i = 1; i < 7; i++)
		CHECK(v[i - 1] <= v[i]);
	CHECK_STR(strsignal(SIGTERM), "Terminated");
}

static void options(void)
{
	static const struct option lo[] = { { "root", 1, 0, 'r' }, { "quiet", 0, 0, 'q' }, { 0, 0, 0, 0 } };
	char *a1[] = { "t", "-ab", "-cX", "op", NULL }, *a2[] = { "t", "-root=/x", "-quiet", "-v", NULL };
	int c, seen = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt(4, a1, "abc:")) != -1)
		seen += c == 'a' ? 1 : c == 'b' ? 10 : c == 'c' && !strcmp(optarg, "X") ? 100 : 10000;
	CHECK_INT(seen, 111);
	CHECK_INT(optind, 3);
	optind = 0; /* start again */
	seen = 0;
	while ((c = getopt_long_only(4, a2, "v", lo, NULL)) != -1)
		seen += c == 'r' && !strcmp(optarg, "/x") ? 1 : c == 'q' ? 10 : c == 'v' ? 100 : 10000;
	CHECK_INT(seen, 111);
}

/* The allocator (libc-small/malloc.c): a random mix of malloc, calloc, realloc and free, each
 * block filled with its own byte and checked before it goes; blocks past an arena (mapped on
 * their own); calloc zeroes reused memory; musl's own callers (strdup, getline) reach it. */
static void allocator(void)
{
	static unsigned char *p[512];
	static size_t len[512];
	unsigned seed = 12345, i, k, bad = 0, zero = 1;
	char *line = NULL, *d;
	size_t cap = 0;
	FILE *f;

	for (i = 0; i < 60000; i++) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 8) % 512;
		if (p[k]) {
			for (size_t j = 0; j < len[k]; j++)
				bad += p[k][j] != (unsigned char)k;
		}
		switch ((seed >> 20) % 4) {
		case 0:
			free(p[k]);
			p[k] = NULL, len[k] = 0;
			break;
		case 1: {
			size_t n = (seed >> 4) % ((seed & 0x100000) ? 200000 : 300);
			unsigned char *q = realloc(p[k], n);
			if (!q && n)
				bad++;
			if (q) {
				for (size_t j = len[k] < n ? len[k] : n; j < n; j++)
					q[j] = (unsigned char)k;
				p[k] = q, len[k] = n;
			}
			break;
		}
		default: {
			size_t n = (seed >> 5) % 700;
			free(p[k]);
			p[k] = (seed & 1) ? calloc(1, n) : malloc(n);
			if (!p[k])
				bad++;
			for (size_t j = 0; (seed & 1) && j < n; j++)
				zero &= p[k][j] == 0;
			memset(p[k], (int)k, n);
			len[k] = n;
		}
		}
	}
	for (k = 0; k < 512; k++)
		free(p[k]);
	CHECK_INT(bad, 0);
	CHECK(zero);
	CHECK(calloc((size_t)-1 / 2, 4) == NULL && errno == ENOMEM);
	d = strdup("through musl's own call");
	CHECK(d && !strcmp(d, "through musl's own call"));
	free(d);
	f = fopen("/proc/self/status", "r");
	CHECK(f && getline(&line, &cap, f) > 0 && !strncmp(line, "Name:", 5));
	if (f)
		fclose(f);
	free(line);
}

int main(void)
{
	RUN("libc-linked", engine_is_ours);
	RUN("libc-linked", snprintf_formats);
	RUN("libc-linked", stream_formats);
	RUN("libc-linked", numbers);
	RUN("libc-linked", sorting_and_names);
	RUN("libc-linked", options);
	RUN("libc-linked", allocator);
	TEST_EXIT();
}
