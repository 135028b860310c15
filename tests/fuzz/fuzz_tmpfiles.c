#include "init/service.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct tmpfiles_entry e;
	char *s = fuzz_str(d, n);

	if (tmpfiles_parse_line(s, &e) == 1 && (e.path[0] != '/' || e.mode > 07777))
		abort();
	free(s);
	return 0;
}
