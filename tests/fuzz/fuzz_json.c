/* The JSON reader (OCI manifests, indexes, configs): a parse either fails with a reason or gives
 * a tree whose strings hold no NUL and whose lookups are safe. */
#include <errno.h>

#include "pack/json.h"
#include "fuzz.h"

static void walk(const struct json *j, int depth)
{
	uint64_t v;

	for (; j; j = j->next) {
		if (depth > JSON_MAX_DEPTH + 1)
			abort();
		if ((j->type == J_STR || j->type == J_NUM) && !j->str)
			abort();
		json_u64(j, &v);
		json_str(json_get(j, "mediaType"));
		walk(j->kids, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct json *j;
	char why[128] = "";

	if (json_parse((const char *)d, n, &j, why, sizeof(why)) < 0) {
		if (!why[0])
			abort();
		return 0;
	}
	walk(j, 0);
	json_free(j);
	return 0;
}
