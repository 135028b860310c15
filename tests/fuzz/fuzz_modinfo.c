#include "modload/modload.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const char *info;
	size_t len;

	mod_modinfo_find(d, n, &info, &len);
	mod_compression_of(d, n);
	return 0;
}
