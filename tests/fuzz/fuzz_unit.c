/* --unit's reader: unit file text (sections, continuations, comments), then the specifiers of
 * every value, the way unit_map expands them. */
#include "pack/unit.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct unit u = { 0 };
	char *s = fuzz_str(d, n), *v, bad;
	int i;

	strcpy(u.name, "web@a\\x2db.service");
	strcpy(u.prefix, "web");
	strcpy(u.instance, "a\\x2db");
	if (unit_parse(&u, s, "fuzz") == 0)
		for (i = 0; i < u.n; i++)
			if ((v = unit_specifiers(&u, u.v[i].val, "6.1", &bad)))
				free(v);
	unit_free(&u);
	free(s);
	return 0;
}
