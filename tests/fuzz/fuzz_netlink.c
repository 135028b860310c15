#include "netcfg/nl.h"
#include "fuzz.h"

static int cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[64];

	(void)data;
	nl_attr_parse_msg(nlh, 16, tb, 63);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	/* replies as the kernel would send them: aligned buffers */
	void *buf = malloc(n ? n : 1);

	memcpy(buf, d, n);
	nl_cb_run(buf, n, n >= 12 ? *(const uint32_t *)((const char *)buf + 8) : 0, 0, cb, NULL);
	free(buf);
	return 0;
}
