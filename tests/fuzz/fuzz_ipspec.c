#include "netcfg/ipspec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ipspec spec;
	char err[256], buf[512], *s = fuzz_str(d, n);

	if (ipspec_parse(s, &spec, err, sizeof(err)) == 0)
		ipspec_describe(&spec, buf, sizeof(buf));
	free(s);
	return 0;
}
