/* modules.dep, modules.alias, modules.softdep and modules.builtin readers, then lookups: the
 * input is split at 0xff bytes into the four files and a name to look up. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modload/modload.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const files[] = { "modules.dep", "modules.alias", "modules.softdep", "modules.builtin" };
	static char dir[] = "/tmp/fuzz-moddb-XXXXXX";
	static int made;
	struct mod_db db;
	struct mod_matches m;
	char path[128], name[128];
	size_t i = 0, k, a;

	if (!made && !mkdtemp(dir))
		abort();
	made = 1;
	for (k = 0; k < 4; k++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
		f = fopen(path, "w");
		for (a = i; i < n && d[i] != 0xff; i++)
			;
		if (f) {
			fwrite(d + a, 1, i - a, f);
			fclose(f);
		}
		i++;
	}
	snprintf(name, sizeof(name), "%.*s", i < n ? (int)(n - i > 100 ? 100 : n - i) : 0, i < n ? (const char *)d + i : "");
	memset(&db, 0, sizeof(db));
	if (mod_db_open(&db, dir) == 0) {
		memset(&m, 0, sizeof(m));
		mod_db_need(&db, MOD_IDX_ALIAS | MOD_IDX_SOFTDEP | MOD_IDX_BUILTIN);
		if (mod_lookup(&db, name[0] ? name : "x", &m) >= 0)
			mod_matches_free(&m);
		mod_db_close(&db);
	}
	return 0;
}
