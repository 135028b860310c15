/* --trace's pure parts: the paths it never takes from the host, hostfiles escaping (a saved list
 * must match exactly the path it names), joining a relative path to its directory, the string map. */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>

#include "pack/trace.h"
#include "test.h"

static void skipped_trees(void)
{
	CHECK(trace_skipped("/proc"));
	CHECK(trace_skipped("/proc/self/maps"));
	CHECK(trace_skipped("/sys/class/net"));
	CHECK(trace_skipped("/dev/null"));
	CHECK(trace_skipped("/run/lock"));
	CHECK(trace_skipped("/tmp"));
	CHECK(!trace_skipped("/tmpfiles.d"));   /* a name that starts like one, not below it */
	CHECK(!trace_skipped("/proc2/x"));
	CHECK(!trace_skipped("/usr/lib/proc"));
	CHECK(!trace_skipped("/etc/passwd"));
	CHECK(!trace_skipped("/"));
}

/* Each escaped line, read as the glob --hostfiles reads, matches its own path and no other. */
static void glob_escape_round_trip(void)
{
	static const char *const paths[] = { "/usr/lib/x.so", "/opt/a[1].conf", "/opt/*star*",
					     "/opt/q?", "/opt/back\\slash", "/opt/]x" };
	char out[128];
	unsigned i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		CHECK_INT(trace_glob_escape(paths[i], out, sizeof(out)), 0);
		CHECK(fnmatch(out, paths[i], FNM_PATHNAME) == 0);
	}
	CHECK_INT(trace_glob_escape("/opt/*", out, sizeof(out)), 0);
	CHECK_STR(out, "/opt/\\*");
	CHECK(fnmatch(out, "/opt/abc", FNM_PATHNAME) != 0);
	CHECK_INT(trace_glob_escape("/opt/a[1].conf", out, sizeof(out)), 0);
	CHECK(fnmatch(out, "/opt/a1.conf", FNM_PATHNAME) != 0);
	CHECK_INT(trace_glob_escape("/a\nb", out, sizeof(out)), -EINVAL);
	CHECK_INT(trace_glob_escape("/a\rb", out, sizeof(out)), -EINVAL);
	CHECK_INT(trace_glob_escape("/****", out, 6), -ENAMETOOLONG);
}

static void path_join(void)
{
	char out[32];

	CHECK_INT(trace_path_join("/srv/app", "conf/a.ini", out, sizeof(out)), 0);
	CHECK_STR(out, "/srv/app/conf/a.ini");
	CHECK_INT(trace_path_join("/", "etc", out, sizeof(out)), 0);
	CHECK_STR(out, "/etc");
	CHECK_INT(trace_path_join("/srv/", "../x", out, sizeof(out)), 0);
	CHECK_STR(out, "/srv/../x");     /* ".." is the packer's to resolve, against the image */
	CHECK_INT(trace_path_join("/a-very-long-directory-name", "and-a-file", out, sizeof(out)), -ENAMETOOLONG);
}

static void string_map(void)
{
	struct smap m = { 0 };
	char key[32];
	int i, bad = 0;

	CHECK(smap_get(&m, "/x") == NULL);
	CHECK_INT(smap_put(&m, "/x", (void *)1), 1);
	CHECK_INT(smap_put(&m, "/x", (void *)2), 0);
	CHECK(*smap_get(&m, "/x") == (void *)2);
	for (i = 0; i < 5000; i++) { /* through several grows */
		snprintf(key, sizeof(key), "/k/%d", i);
		smap_put(&m, key, (void *)(uintptr_t)(i + 10));
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "/k/%d", i);
		if (!smap_get(&m, key) || *smap_get(&m, key) != (void *)(uintptr_t)(i + 10))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(m.n, 5001);
	CHECK(smap_get(&m, "/k/5000") == NULL);
}

int main(void)
{
	RUN("trace", skipped_trees);
	RUN("trace", glob_escape_round_trip);
	RUN("trace", path_join);
	RUN("trace", string_map);
	TEST_EXIT();
}
