#include "init/service.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct notify_msg m;
	struct listen_spec l;
	char *s = fuzz_str(d, n);

	notify_parse((const char *)d, n, &m);
	listen_parse(s, &l);
	free(s);
	return 0;
}
