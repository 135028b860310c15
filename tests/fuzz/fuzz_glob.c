#include "common/glob.h"
#include "fuzz.h"

/* pattern NUL string */
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s = fuzz_str(d, n);
	size_t l = strlen(s);

	glob_match(s, l < n ? s + l + 1 : "");
	free(s);
	return 0;
}
