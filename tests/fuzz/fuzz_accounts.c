/* The accounts generator on arbitrary passwd, group and shadow texts (the image's three and the
 * host's two, split at NUL bytes): no read past them, and whole texts out. */
#include "pack/accounts.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const struct acct_want w[] = {
		{ ACCT_USER, NULL, 0, 0, "a" }, { ACCT_USER, NULL, 33, 0, "b" }, { ACCT_USER, "postgres", -1, 0, "c" },
		{ ACCT_GROUP, NULL, 42, 0, "d" }, { ACCT_GROUP, "ssl-cert", -1, 0, "e" }, { ACCT_USER, NULL, 65534, 0, "f" },
	};
	char *s = fuzz_str(d, n), *part[5] = { s, NULL, NULL, NULL, NULL };
	struct acct_result r;
	size_t i;
	int k = 1;

	for (i = 0; i < n && k < 5; i++)
		if (!s[i])
			part[k++] = s + i + 1;
	if (accounts_make(part[0], part[1], part[2], part[3] ? part[3] : "", part[4] ? part[4] : "", w, 6, &r) == 0 &&
	    (!r.passwd || !r.group || !r.shadow))
		abort();
	acct_result_free(&r);
	free(s);
	return 0;
}
