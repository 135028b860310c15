/* The init's small libc replacements (libc-small/) against the C library's own. */
/* Every name under another, so the C library's own stay callable beside them. */
#define strtoul mb_strtoul
#define strtol mb_strtol
#define strtoull mb_strtoull
#define strtoll mb_strtoll
#define strtoimax mb_strtoimax
#define strtoumax mb_strtoumax
#define __strtol_internal mb___strtol_internal
#define __strtoul_internal mb___strtoul_internal
#define __strtoll_internal mb___strtoll_internal
#define __strtoull_internal mb___strtoull_internal
#define __strtoimax_internal mb___strtoimax_internal
#define __strtoumax_internal mb___strtoumax_internal
#define atoi mb_atoi
#define qsort mb_qsort
#define strsignal mb_strsignal
#define getopt mb_getopt
#define getopt_long mb_getopt_long
#define getopt_long_only mb_getopt_long_only
#define __posix_getopt mb___posix_getopt
#define optarg mb_optarg
#define optind mb_optind
#define opterr mb_opterr
#define optopt mb_optopt
#define __optpos mb___optpos
#define __optreset mb___optreset
#define optreset mb_optreset
#define __getopt_msg mb___getopt_msg
#include "../../libc-small/strtol.c"
#include "../../libc-small/atoi.c"
#include "../../libc-small/qsort.c"
#include "../../libc-small/strsignal.c"
#include "../../libc-small/getopt.c"
#undef strtoul
#undef strtol
#undef strtoull
#undef strtoll
#undef strtoimax
#undef strtoumax
#undef __strtol_internal
#undef __strtoul_internal
#undef __strtoll_internal
#undef __strtoull_internal
#undef __strtoimax_internal
#undef __strtoumax_internal
#undef atoi
#undef qsort
#undef strsignal
#undef getopt
#undef getopt_long
#undef getopt_long_only
#undef __posix_getopt
#undef optarg
#undef optind
#undef opterr
#undef optopt
#undef __optpos
#undef __optreset
#undef optreset
#undef __getopt_msg
#include "test.h"

/* the C library's, declared again: its headers were read under the names above */
unsigned long strtoul(const char *, char **, int);
long strtol(const char *, char **, int);
void qsort(void *, size_t, size_t, int (*)(const void *, const void *));

static void numbers(void)
{
	static const char *const in[] = { "0", "42", "-17", "+8", "  12x", "0x1f", "010", "", "abc",
		"18446744073709551615", "18446744073709551616", "-9223372036854775808", "9223372036854775808",
		"4294967295", "  -0", "0x", "99999999999999999999999" };
	static const int bases[] = { 10, 0, 16 };
	unsigned i, k;
	char *e1, *e2;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (k = 0; k < 3; k++) {
			errno = 0;
			unsigned long a = mb_strtoul(in[i], &e1, bases[k]);
			int ea = errno;
			errno = 0;
			unsigned long b = strtoul(in[i], &e2, bases[k]);
			/* EINVAL without digits is musl's choice, not glibc's: compare ERANGE only */
			if (a != b || e1 != e2 || (ea == ERANGE) != (errno == ERANGE)) {
				printf("  strtoul(\"%s\", %d): %lu/%td/%d vs %lu/%td/%d\n", in[i], bases[k], a,
				       e1 - in[i], ea, b, e2 - in[i], errno);
				t_failed_here = 1;
			}
			errno = 0;
			long c = mb_strtol(in[i], &e1, bases[k]);
			ea = errno;
			errno = 0;
			long d = strtol(in[i], &e2, bases[k]);
			if (c != d || e1 != e2 || (ea == ERANGE) != (errno == ERANGE)) {
				printf("  strtol(\"%s\", %d): %ld vs %ld\n", in[i], bases[k], c, d);
				t_failed_here = 1;
			}
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_big(const void *a, const void *b)
{
	int x = *(const int *)((const char *)a + 300), y = *(const int *)((const char *)b + 300);
	return (x > y) - (x < y);
}

static void sorting(void)
{
	static int v[5000], w[5000];
	struct big { char pad[300]; int key; } bv[50];
	int i;

	srand(7);
	for (i = 0; i < 5000; i++)
		v[i] = w[i] = rand() % 1000;
	mb_qsort(v, 5000, sizeof(int), cmp_int);
	qsort(w, 5000, sizeof(int), cmp_int);
	CHECK(!memcmp(v, w, sizeof(v)));
	for (i = 0; i < 50; i++)
		bv[i].key = 50 - i;
	mb_qsort(bv, 50, sizeof(bv[0]), cmp_big); /* elements larger than any buffer */
	for (i = 1; i < 50; i++)
		CHECK(bv[i - 1].key <= bv[i].key);
}

static void options(void)
{
	static const struct option lo[] = { { "dirname", 1, 0, 'd' }, { "show", 0, 0, 'D' }, { 0, 0, 0, 0 } };
	char *argv[] = { "t", "-d", "/r", "-DS5", "--dirname=/x", "--show", "--", "name", NULL };
	int c, seen = 0;

	mb_opterr = 0;
	while ((c = mb_getopt_long(8, argv, "+d:DS:", lo, NULL)) != -1) {
		if (c == 'd') seen += !strcmp(mb_optarg, "/r") || !strcmp(mb_optarg, "/x") ? 1 : 100;
		if (c == 'D') seen += 10;
		if (c == 'S') seen += !strcmp(mb_optarg, "5") ? 1000 : 100000;
	}
	CHECK_INT(seen, 1 + 10 + 1000 + 1 + 10);
	CHECK_INT(mb_optind, 7);
	CHECK_STR(mb_strsignal(SIGKILL), "Killed");
	CHECK_STR(mb_strsignal(SIGTERM), "Terminated");
}

int main(void)
{
	RUN("libc-small", numbers);
	RUN("libc-small", sorting);
	RUN("libc-small", options);
	TEST_EXIT();
}
