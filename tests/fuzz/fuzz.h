/* libFuzzer targets: each file defines LLVMFuzzerTestOneInput for one parser.  Built by
 * "make fuzz" with clang -fsanitize=fuzzer,address,undefined; corpora in tests/fuzz/corpus/NAME. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of the input, for the parsers that take strings. */
static inline char *fuzz_str(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}
