/* The run-time closure's pure parts: #! lines, .note.dlopen JSON, ld.so.cache written and read
 * back, pyc headers, the image's symlinks followed, a script's interpreter by rule. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "pack/closure.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "test.h"

static void shebang_lines(void)
{
	struct shebang sb;
	char long_line[300];

	CHECK_INT(shebang_parse("#!/bin/sh\necho", 14, &sb), 1);
	CHECK_STR(sb.interp, "/bin/sh");
	CHECK_STR(sb.arg, "");
	CHECK_INT(shebang_parse("#! \t/usr/bin/perl -w -T  \nx", 26, &sb), 1);
	CHECK_STR(sb.interp, "/usr/bin/perl");
	CHECK_STR(sb.arg, "-w -T"); /* one argument: the rest of the line */
	CHECK_INT(shebang_parse("#!/usr/bin/env python3\n", 23, &sb), 1);
	CHECK_STR(sb.env_name, "python3");
	CHECK_INT(sb.env_bad, 0);
	CHECK_INT(shebang_parse("#!/usr/bin/env python3 -u\n", 26, &sb), 1);
	CHECK_INT(sb.env_bad, 1);
	CHECK_INT(shebang_parse("#!/usr/bin/env -S A=1 -i node --x\n", 34, &sb), 1);
	CHECK_STR(sb.env_name, "node");
	CHECK_INT(sb.env_bad, 0);
	CHECK_INT(shebang_parse("#!/bin/sh", 9, &sb), 1); /* no newline, short: the whole */
	CHECK_STR(sb.interp, "/bin/sh");
	CHECK_INT(shebang_parse("#!   \n", 6, &sb), 0);
	CHECK_INT(shebang_parse("echo", 4, &sb), 0);
	long_line[0] = '#', long_line[1] = '!';
	memset(long_line + 2, 'a', sizeof(long_line) - 2);
	CHECK_INT(shebang_parse(long_line, sizeof(long_line), &sb), -ENAMETOOLONG);
	memcpy(long_line + 2, "/bin/sh ", 8); /* an argument cut off is the kernel's business */
	CHECK_INT(shebang_parse(long_line, sizeof(long_line), &sb), 1);
	CHECK_STR(sb.interp, "/bin/sh");
}

static void dlopen_json(void)
{
	const char *j = "[{\"feature\":\"zstd\",\"description\":\"a \\\"b\\\" \\u00e9\",\"priority\":\"required\","
			"\"soname\":[\"libzstd.so.1\",\"libzstd.so\"]},{\"soname\":[\"libx.so.2\"],\"extra\":[1,{\"a\":null}]},"
			"{\"priority\":\"suggested\",\"soname\":[]}]";
	struct elf_dlopen *v = NULL;
	int n = 0;

	CHECK_INT(dlopen_note_parse(j, strlen(j) + 1, &v, &n), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(v[0].feature, "zstd");
		CHECK_INT(v[0].priority, DLOPEN_REQUIRED);
		CHECK_INT(v[0].nsonames, 2);
		CHECK_STR(v[0].sonames[1], "libzstd.so");
		CHECK_INT(v[1].priority, DLOPEN_RECOMMENDED); /* the default */
		CHECK_STR(v[1].sonames[0], "libx.so.2");
		CHECK_INT(v[2].priority, DLOPEN_SUGGESTED);
	}
	dlopen_notes_free(v, n);
	v = NULL, n = 0;
	CHECK_INT(dlopen_note_parse("[{\"soname\":[\"a\"]},{\"soname\":", 30, &v, &n), -EINVAL);
	CHECK_INT(n, 1); /* what came before the damage */
	dlopen_notes_free(v, n);
}

static void ldcache_roundtrip(void)
{
	struct ldcache_entry e[] = {
		{ "libfoo.so.1", "/usr/local/lib/libfoo.so.1" }, { "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6" },
		{ "libfoo.so.10", "/opt/libfoo.so.10" }, { "libfoo.so.2", "/opt/libfoo.so.2" },
		{ "libfoo.so.1", "/elsewhere/libfoo.so.1" },
	};
	unsigned char *buf;
	size_t len;
	struct ldcache c;

	CHECK(ldcache_libcmp("libfoo.so.10", "libfoo.so.9") > 0); /* numbers compare as numbers */
	CHECK(ldcache_libcmp("libfoo.so.01", "libfoo.so.1") == 0);
	/* a run longer than an int holds wraps as glibc's does (4294967302 == 6), no overflow */
	CHECK(ldcache_libcmp("libc.so.4294967302", "libc.so.6") == 0);
	CHECK(ldcache_libcmp("libc.so.99999999999999999999999", "libc.so.6") != 0);
	CHECK_INT(ldcache_write(e, 5, 0x0303, &buf, &len), 0);
	CHECK_INT(ldcache_parse(buf, len, &c), 0);
	CHECK_INT(c.n, 4);
	CHECK_STR(ldcache_lookup(&c, "libfoo.so.1", 0x0303, NULL), "/usr/local/lib/libfoo.so.1");
	CHECK_STR(ldcache_lookup(&c, "libfoo.so.10", 0x0303, NULL), "/opt/libfoo.so.10");
	CHECK_STR(ldcache_lookup(&c, "libc.so.6", 0x0303, NULL), "/lib/x86_64-linux-gnu/libc.so.6");
	CHECK(ldcache_lookup(&c, "libfoo.so.3", 0x0303, NULL) == NULL);
	CHECK(ldcache_lookup(&c, "libc.so.6", 0x0003, NULL) == NULL); /* 32-bit entries only */
	CHECK_INT(ldcache_parse(buf, 40, &c), -EINVAL);
	free(buf);
}

/* The host's own cache answers as the loader does for libc. */
static void ldcache_host(void)
{
	char *buf;
	size_t len;
	struct ldcache c;
	const char *p;

	if (file_read_all("/etc/ld.so.cache", &buf, &len, 1 << 26) < 0)
		return;
	CHECK_INT(ldcache_parse((unsigned char *)buf, len, &c), 0);
	p = ldcache_lookup(&c, "libc.so.6", 0x0303, lib_hwcaps_all);
	CHECK(p && strstr(p, "/libc.so.6"));
	free(buf);
}

static void pyc_headers(void)
{
	unsigned char h[16] = { 0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0 };
	char out[256];

	CHECK_INT(pyc_source("/usr/lib/python3.11/__pycache__/os.cpython-311.pyc", out, sizeof(out)), 0);
	CHECK_STR(out, "/usr/lib/python3.11/os.py");
	CHECK_INT(pyc_source("/a/__pycache__/x.cpython-311.opt-1.pyc", out, sizeof(out)), 0);
	CHECK_STR(out, "/a/x.py");
	CHECK_INT(pyc_source("/a/x.pyc", out, sizeof(out)), -EINVAL);
	CHECK_INT(pyc_current(h, 16, 0x10, 0x20), 1);
	CHECK_INT(pyc_current(h, 16, 0x11, 0x20), 0);
	h[4] = 1; /* hash-based */
	CHECK_INT(pyc_current(h, 16, 0x10, 0x20), 0);
}

/* The image's symlinks are followed (relative, absolute, "..", a loop). */
static void image_symlinks(void)
{
	struct plan p = { 0 };
	struct closure cl;
	char out[256];

	plan_add_symlink(&p, "/lib", "usr/lib", "t");
	plan_add_symlink(&p, "/usr/lib/libz.so.1", "../lib/x/libz.so.1.2", "t");
	plan_add_data(&p, "/usr/lib/x/libz.so.1.2", "z", 1, 0644, "t");
	plan_add_symlink(&p, "/loop", "/loop", "t");
	closure_init(&cl, &p, NULL);
	CHECK_INT(cl_resolve(&cl, "/lib/libz.so.1", out, sizeof(out)), 0);
	CHECK_STR(out, "/usr/lib/x/libz.so.1.2");
	CHECK(cl_entry(&cl, out) != NULL);
	CHECK_INT(cl_resolve(&cl, "/loop/x", out, sizeof(out)), -ELOOP);
	CHECK_INT(cl_resolve(&cl, "/etc/../etc/passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "/etc/passwd");
	closure_free(&cl);
	plan_free(&p);
}

/* A script in the plan brings its interpreter from the host; a missing one is an error for a
 * strict input, and --no-auto interpreters leaves it alone. */
static void script_interpreter(void)
{
	struct plan p = { 0 };
	struct pack_opts o;
	struct closure cl;
	const char *sh = "#!/bin/sh\necho\n", *bad = "#!/nonexistent/interp\n";

	memset(&o, 0, sizeof(o));
	plan_add_data(&p, "/s.sh", sh, strlen(sh), 0755, "t");
	closure_init(&cl, &p, &o);
	closure_root(&cl, "/s.sh");
	CHECK_INT(closure_run(&cl), 0);
	CHECK(cl_entry(&cl, "/bin/sh") != NULL);
	closure_free(&cl);
	plan_free(&p);

	plan_add_data(&p, "/b.sh", bad, strlen(bad), 0755, "t");
	closure_init(&cl, &p, &o);
	closure_root(&cl, "/b.sh");
	CHECK(closure_run(&cl) < 0);
	closure_free(&cl);
	plan_free(&p);

	opts_push(&o.no_auto, &o.nno_auto, "interpreters");
	plan_add_data(&p, "/b.sh", bad, strlen(bad), 0755, "t");
	closure_init(&cl, &p, &o);
	closure_root(&cl, "/b.sh");
	CHECK_INT(closure_run(&cl), 0);
	closure_free(&cl);
	plan_free(&p);
	free(o.no_auto);
}

int main(void)
{
	RUN("closure", shebang_lines);
	RUN("closure", dlopen_json);
	RUN("closure", ldcache_roundtrip);
	RUN("closure", ldcache_host);
	RUN("closure", pyc_headers);
	RUN("closure", image_symlinks);
	RUN("closure", script_interpreter);
	TEST_EXIT();
}
