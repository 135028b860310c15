/* Layers applied from arbitrary tar bytes (the input twice, as a lower and an upper layer):
 * whiteouts, opaque directories, hard links, paths through symlinks.  Every path left in the
 * tree is absolute and normalised, every staged file is inside the staging directory, and
 * resolving any path stays inside the image. */
#include <ftw.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include "pack/oci.h"
#include "fuzz.h"

struct mem {
	const uint8_t *d;
	size_t n, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;

	if (n > m->n - m->off)
		n = m->n - m->off;
	memcpy(buf, m->d + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s, (void)f, (void)w;
	remove(p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct tar t;
	static char stage[] = "/tmp/fuzz-layer-XXXXXX";
	static int made;
	struct tree tr = { 0 };
	char out[TAR_PATH_MAX], norm[TAR_PATH_MAX];
	size_t i;
	int layer;

	if (!made && !mkdtemp(stage))
		abort();
	made = 1;
	tr.stage = stage;
	for (layer = 0; layer < 2; layer++) {
		struct mem m = { d, n, 0 };
		tar_init(&t, mem_read, &m);
		if (layer_apply(&tr, &t, layer, "fuzz") < 0)
			break;
	}
	for (i = 0; i < tr.n; i++) {
		struct node *nd = &tr.v[i];
		if (nd->dead)
			continue;
		if (nd->path[0] != '/' || strstr(nd->path, "/../") || strstr(nd->path, "//") ||
		    layer_path(nd->path + 1, norm, sizeof(norm)) < 0 || strcmp(norm, nd->path))
			abort();
		if (nd->type == '0' && (!nd->src || strncmp(nd->src, stage, strlen(stage))))
			abort();
		if (tree_resolve(&tr, nd->path, 1, out, sizeof(out)) == 0 &&
		    (out[0] != '/' || strstr(out, "/../") || strstr(out, "/./")))
			abort();
	}
	tree_free(&tr);
	nftw(stage, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	mkdir(stage, 0700);
	return 0;
}
