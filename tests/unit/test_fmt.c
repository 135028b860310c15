/* The init's printf engine (libc-small/vfprintf.c) against the C library's, format by format. */
#define FMT_NO_OVERRIDE
#include "../../libc-small/vfprintf.c"
#include "test.h"

static int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define SAME(...) do { char a[256], b[256]; int na = fmt_snprintf(a, sizeof(a), __VA_ARGS__), \
	nb = snprintf(b, sizeof(b), __VA_ARGS__); if (na != nb || strcmp(a, b)) { t_failed_here = 1; \
	printf("  %s: mine \"%s\" (%d), libc \"%s\" (%d)\n", #__VA_ARGS__, a, na, b, nb); } } while (0)

static void integers(void)
{
	SAME("%d %i %u", 42, -7, 3000000000u);
	SAME("%ld %lld %zu %jd", -1234567890123L, 1LL << 62, (size_t)77, (intmax_t)-5);
	SAME("[%4ld.%03ld]", 12L, 7L);
	SAME("%02x:%02x %x %X %#x %o %#o", 5, 0xab, 0xdeadbeefu, 0xbeefu, 255, 8, 8);
	SAME("%5d|%-5d|%05d|%+d|% d|%.3d|%8.3d", 42, 42, -42, 5, 5, 7, -7);
	SAME("%hhu %hd %lu", 300, 70000, 18446744073709551615UL);
	SAME("%.0d|%.0x|%d", 0, 0, 0);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
}

static void strings_and_chars(void)
{
	SAME("%s|%10s|%-10s|%.2s|%.*s|%c%c", "abc", "right", "left", "abcdef", 3, "xyzw", 'o', 'k');
	SAME("%.16s", "0123456789abcdefghij");
	SAME("100%% %s", "done");
	SAME("%p", (void *)0x1234);
	SAME("no conversions at all");
	SAME("%s", "");
}

static void floats(void)
{
	SAME("%.3f %.1f %.0f", 1.2345, 2.05, 2.6); /* ties round half-up here, to even in libc */
	SAME("%f %.2f %8.3f %-8.1f|", 3.14159, -0.005, 12.3456, 9.99);
	SAME("%.3f s", 1234.0005);
	SAME("%.1f", 0.04);
}

static void truncation(void)
{
	char b[8];
	int n = fmt_snprintf(b, sizeof(b), "%s", "0123456789");

	CHECK_INT(n, 10);
	CHECK_STR(b, "0123456");
	CHECK_INT(fmt_snprintf(NULL, 0, "%d", 12345), 5);
}

int main(void)
{
	RUN("fmt", integers);
	RUN("fmt", strings_and_chars);
	RUN("fmt", floats);
	RUN("fmt", truncation);
	TEST_EXIT();
}
