#include "pack/pack.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct elf_info e;

	elf_parse(d, n, &e);
	return 0;
}
