/* A tiny unit-test harness: each failed CHECK prints its place; each TEST prints one line
 * "PASS: group/name" or "FAIL: group/name" that tests/run-all counts. */
#ifndef MINBOOT_TEST_H
#define MINBOOT_TEST_H
#include <stdio.h>
#include <string.h>

static int t_failed_here, t_pass, t_fail;

#define CHECK(c) do { if (!(c)) { t_failed_here = 1; \
	printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_INT(a, b) do { long long _a = (a), _b = (b); if (_a != _b) { t_failed_here = 1; \
	printf("  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	if (!_a || !_b || strcmp(_a, _b)) { t_failed_here = 1; \
	printf("  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
	       _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)

#define RUN(group, fn) do { t_failed_here = 0; fn(); \
	if (t_failed_here) { t_fail++; printf("FAIL: %s/%s\n", group, #fn); } \
	else { t_pass++; printf("PASS: %s/%s\n", group, #fn); } } while (0)

#define TEST_EXIT() return t_fail ? 1 : 0
#endif
