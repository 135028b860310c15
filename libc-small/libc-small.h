/* libc-small: smaller versions of a few of musl's functions, linked into the init binary only
 * (never into the packer, the unit tests of other code or the sanitizer builds).
 *
 * Why: the size budget.  The init is one static binary of at most 160 KiB (tests/t-size.sh), and
 * in a static link every printf-family call brings musl's vfprintf with its floating-point and
 * wide-character formatting (about 10 KiB), every strtoul musl's generic number scanner (stdio's
 * __intscan and a FILE), qsort a smoothsort, strsignal every signal's text.  A definition in the
 * program wins over the archive member: musl's is then never linked, for every library linked
 * into the init (modload's qsort, netcfg's snprintf, ...).
 *
 * What, by musl member — each replaced WHOLE: a member is linked as a unit, so a program
 * that defines only some of its names links until the first call of another one pulls the
 * member in ("multiple definition of strtoul" at the first strtoull).  libc-small/guard checks
 * at every link of the init that each member touched here is defined entirely here.
 *   vfprintf.lo     vfprintf (so snprintf, dprintf, fprintf ... use this engine): flags "-0+ #",
 *                   width, precision, hh h l ll z j t L, d i u o x X c s p f %; %e and %g print
 *                   as %f (vfprintf.c)
 *   strtol.lo       strtol strtoul strtoll strtoull strtoimax strtoumax and their __*_internal
 *                   names (strtol.c)
 *   atoi.lo         atoi (atoi.c)
 *   qsort_nr.lo     qsort: a shell sort, not stable (qsort.c)
 *   strsignal.lo    strsignal: the names an appliance meets, "Unknown signal" else (strsignal.c)
 *   getopt.lo, getopt_long.lo
 *                   getopt getopt_long getopt_long_only and their variables; options stop at the
 *                   first operand (as with '+'), long names match exactly (getopt.c)
 *   lite_malloc.lo, malloc.lo, free.lo, realloc.lo, calloc.lo, replaced.lo (mallocng)
 *                   malloc free realloc calloc and musl's internal names for them: a first-fit
 *                   free list over mmap'ed arenas, for one thread (malloc.c); the guard counts a
 *                   member's weak dummies (fork's __malloc_atfork) as no clash
 *
 * Tests: tests/unit/test_fmt.c and test_libc_small.c compare each against the C library's;
 * tests/unit/test_libc_linked.c is linked the way the init is (libc-small before musl) and calls
 * them by their libc names (snprintf -> musl's vsnprintf -> this vfprintf; the allocator under a
 * random mix of calls, and through musl's strdup and getline). */
#ifndef MINBOOT_LIBC_SMALL_H
#define MINBOOT_LIBC_SMALL_H
#include <stdarg.h>
#include <stddef.h>

/* Another name for a function or object defined in the same file. */
#define LIBC_SMALL_STR(x) #x
#define ALIAS(name, other) __typeof__(name) other __attribute__((weak, alias(LIBC_SMALL_STR(name))))
#define ALIAS_DATA(name, other) extern __typeof__(name) other __attribute__((weak, alias(LIBC_SMALL_STR(name))))

/* The printf engine into a buffer, under its own name (tests compare it with the C library's). */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* getopt's message: "prog" "what" and len bytes of arg, a newline, on stderr (when opterr). */
void __getopt_msg(const char *prog, const char *what, const char *arg, size_t len);

#endif
