#include "init/service.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fstab_entry e;
	char *s = fuzz_str(d, n);

	fstab_parse_line(s, &e);
	free(s);
	return 0;
}
