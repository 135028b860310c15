#include "common/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct config c;
	char err[256], *s = fuzz_str(d, n);

	config_defaults(&c);
	config_apply_file(&c, s, err, sizeof(err));
	free(s);
	return 0;
}
