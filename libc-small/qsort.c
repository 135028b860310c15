/* qsort (musl's qsort_nr.lo; its qsort.lo, the smoothsort behind qsort_r, is then never linked).
 * See libc-small.h. */
#include <stdlib.h>

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
