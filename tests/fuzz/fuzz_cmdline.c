#include "common/cmdline.h"
#include "common/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct cmdline cl;
	static struct config c;
	char err[256], *s = fuzz_str(d, n), *t = fuzz_str(d, n), *argv[CMDLINE_MAX_ARGS + 1];

	cmdline_parse(s, &cl);
	config_defaults(&c);
	config_apply_cmdline(&c, &cl, err, sizeof(err));
	cmd_split(t, argv, CMDLINE_MAX_ARGS);
	free(s);
	free(t);
	return 0;
}
