/* --oci's pure parts: the tar reader, the JSON reader, layers applied with whiteouts. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pack/json.h"
#include "pack/oci.h"
#include "test.h"

static unsigned char arc[65536];
static size_t arc_len;

static void hdr(const char *name, char type, unsigned mode, unsigned long size, const char *link)
{
	unsigned char *h = arc + arc_len;
	unsigned sum = 0, i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 1000);
	snprintf((char *)h + 116, 8, "%07o", 50);
	snprintf((char *)h + 124, 12, "%011lo", size);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	arc_len += 512;
}

static void data(const char *s, size_t n)
{
	memcpy(arc + arc_len, s, n);
	arc_len += (n + 511) / 512 * 512;
}

static void end(void)
{
	memset(arc + arc_len, 0, 1024);
	arc_len += 1024;
}

struct mem { size_t off, n; };
static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;

	if (n > m->n - m->off)
		n = m->n - m->off;
	memcpy(buf, arc + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static struct tar t;
static struct tar_entry e;

static void tar_reads_ustar_pax_gnu(void)
{
	struct mem m = { 0, 0 };
	char buf[64], pax[] = "27 path=long/name/from/pax\n" "10 size=3\n";
	ssize_t k;

	arc_len = 0;
	hdr("a", '0', 04755, 5, NULL);
	data("hello", 5);
	hdr("pax", 'x', 0644, strlen(pax), NULL);
	data(pax, strlen(pax));
	hdr("short", '0', 0644, 99, NULL); /* the pax size wins */
	data("xyz", 3);
	hdr("././@LongLink", 'L', 0644, 8, NULL);
	data("gnu/lng", 8);
	hdr("gnu/ln", '2', 0777, 0, "target");
	end();
	m.n = arc_len;
	tar_init(&t, mem_read, &m);
	CHECK_INT(tar_next(&t, &e), 1);
	CHECK_STR(e.path, "a");
	CHECK_INT(e.mode, 04755);
	CHECK_INT(e.uid, 1000);
	CHECK_INT(e.gid, 50);
	k = tar_read(&t, buf, sizeof(buf));
	CHECK_INT(k, 5);
	CHECK_INT(tar_next(&t, &e), 1);
	CHECK_STR(e.path, "long/name/from/pax");
	CHECK_INT(e.size, 3);
	CHECK_INT(tar_next(&t, &e), 1); /* data of the last one skipped */
	CHECK_STR(e.path, "gnu/lng");
	CHECK_INT(e.type, '2');
	CHECK_STR(e.link, "target");
	CHECK_INT(tar_next(&t, &e), 0);
}

static void tar_refuses_damage(void)
{
	struct mem m = { 0, 0 };

	arc_len = 0;
	hdr("a", '0', 0644, 5000, NULL);
	data("x", 1);
	m.n = arc_len; /* truncated in the data */
	tar_init(&t, mem_read, &m);
	CHECK_INT(tar_next(&t, &e), 1);
	CHECK_INT(tar_next(&t, &e), -EINVAL);
	CHECK(strstr(t.err, "truncated") != NULL);
	arc_len = 0;
	hdr("a", '0', 0644, 0, NULL);
	arc[10] ^= 1; /* checksum */
	end();
	m = (struct mem){ 0, arc_len };
	tar_init(&t, mem_read, &m);
	CHECK_INT(tar_next(&t, &e), -EINVAL);
	CHECK(strstr(t.err, "checksum") != NULL);
	arc_len = 0;
	hdr("s", 'S', 0644, 0, NULL);
	end();
	m = (struct mem){ 0, arc_len };
	tar_init(&t, mem_read, &m);
	CHECK_INT(tar_next(&t, &e), -ENOTSUP);
	arc_len = 0;
	hdr("a", '5', 0755, 0, NULL);
	m = (struct mem){ 0, arc_len }; /* no end-of-archive block */
	tar_init(&t, mem_read, &m);
	CHECK_INT(tar_next(&t, &e), 1);
	CHECK_INT(tar_next(&t, &e), -EINVAL);
}

static void json_parses_and_refuses(void)
{
	struct json *j;
	char why[128];
	uint64_t v;
	const char *ok = "{\"a\":[1,{\"b\":\"x\\\"\\u00e9\\ud83d\\ude00\"}],\"size\":1234,\"a\":null}";

	CHECK_INT(json_parse(ok, strlen(ok), &j, why, sizeof(why)), 0);
	CHECK(json_get(j, "a") && json_get(j, "a")->type == J_NULL); /* the last member wins */
	CHECK_INT(json_u64(json_get(j, "size"), &v), 0);
	CHECK_INT(v, 1234);
	json_free(j);
	ok = "[{\"b\":\"x\\\"\\u00e9\\ud83d\\ude00\"}]";
	CHECK_INT(json_parse(ok, strlen(ok), &j, why, sizeof(why)), 0);
	CHECK_STR(json_str(json_get(j->kids, "b")), "x\"\xc3\xa9\xf0\x9f\x98\x80");
	json_free(j);
	static const char *const bad[] = { "{\"a\":1,}", "[1 2]", "\"a\\u0000b\"", "\"\\ud800\"",
					   "{\"a\"}", "01", "[", "\"tab\there\"", "1 x", "-", "" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK_INT(json_parse(bad[i], strlen(bad[i]), &j, why, sizeof(why)), -EINVAL);
		CHECK(why[0] != '\0');
	}
	char deep[200];
	memset(deep, '[', sizeof(deep));
	CHECK_INT(json_parse(deep, sizeof(deep), &j, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "deeply") != NULL);
}

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s, (void)f, (void)w;
	remove(p);
	return 0;
}

static int apply(struct tree *tr, int layer)
{
	struct mem m = { 0, arc_len };

	tar_init(&t, mem_read, &m);
	return layer_apply(tr, &t, layer, "test");
}

static void layers_whiteouts_and_opaque(void)
{
	char stage[] = "/tmp/test-oci-XXXXXX", out[256];
	struct tree tr = { 0 };

	CHECK(mkdtemp(stage) != NULL);
	tr.stage = stage;
	arc_len = 0;
	hdr("./etc/", '5', 0755, 0, NULL);
	hdr("./etc/gone", '0', 0644, 1, NULL);
	data("g", 1);
	hdr("./etc/keep", '0', 0644, 1, NULL);
	data("k", 1);
	hdr("./etc/hard", '1', 0644, 0, "./etc/keep");
	hdr("./data/", '5', 0755, 0, NULL);
	hdr("./data/old", '0', 0644, 1, NULL);
	data("o", 1);
	hdr("./lib", '2', 0777, 0, "usr/lib");
	end();
	CHECK_INT(apply(&tr, 0), 0);
	CHECK(tree_get(&tr, "/etc/hard") && tree_get(&tr, "/etc/hard")->type == '0');
	arc_len = 0;
	hdr("etc/.wh.gone", '0', 0644, 0, NULL);
	hdr("data/.wh..wh..opq", '0', 0644, 0, NULL);
	hdr("data/new", '0', 0644, 1, NULL);
	data("n", 1);
	end();
	CHECK_INT(apply(&tr, 1), 0);
	CHECK(tree_get(&tr, "/etc/gone") == NULL);
	CHECK(tree_get(&tr, "/etc/keep") != NULL);
	CHECK(tree_get(&tr, "/data/old") == NULL);
	CHECK(tree_get(&tr, "/data/new") != NULL);
	CHECK(tree_get(&tr, "/data") != NULL);
	CHECK_INT(tree_resolve(&tr, "/lib/modules/x", 1, out, sizeof(out)), 0);
	CHECK_STR(out, "/usr/lib/modules/x");
	/* refused: a path through a symlink, '..', an absolute name, a hard link to nothing */
	static const char *const refused[][2] = { { "lib/x", NULL }, { "a/../../x", NULL },
						  { "/etc/x", NULL }, { "h", "nothing" } };
	for (unsigned i = 0; i < 4; i++) {
		arc_len = 0;
		hdr(refused[i][0], refused[i][1] ? '1' : '0', 0644, 0, refused[i][1]);
		end();
		CHECK(apply(&tr, 2) < 0);
	}
	tree_free(&tr);
	nftw(stage, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void layer_paths(void)
{
	char out[64];

	CHECK_INT(layer_path("./a//b/./c/", out, sizeof(out)), 0);
	CHECK_STR(out, "/a/b/c");
	CHECK_INT(layer_path("./", out, sizeof(out)), 0);
	CHECK_STR(out, "/");
	CHECK_INT(layer_path("a/../b", out, sizeof(out)), -EINVAL);
	CHECK_INT(layer_path("/etc", out, sizeof(out)), -EINVAL);
	CHECK_INT(layer_path("a/..b", out, sizeof(out)), 0);
}

int main(void)
{
	RUN("oci", tar_reads_ustar_pax_gnu);
	RUN("oci", tar_refuses_damage);
	RUN("oci", json_parses_and_refuses);
	RUN("oci", layers_whiteouts_and_opaque);
	RUN("oci", layer_paths);
	TEST_EXIT();
}
