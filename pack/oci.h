/* --oci PATH: an OCI image (an image-layout directory, or a tar of one) or a docker save archive
 * as the image's root.  oci.c reads the image (index, manifest, config, blob digests); layer.c
 * applies its layers in order, whiteouts included, into a tree of its own; both feed the plan. */
#ifndef MINBOOT_PACK_OCI_H
#define MINBOOT_PACK_OCI_H
#include <stddef.h>
#include <stdint.h>

#include "pack/tar.h"

struct plan;
struct pack_opts;

/* pack/main.c calls these two: oci_add after the base layout and the default overlay (the image's
 * files replace minboot's defaults, and the user's inputs replace the image's); oci_finish after
 * every input, before the settings are written. */
int oci_add(struct plan *p, struct pack_opts *o);
int oci_finish(struct plan *p, struct pack_opts *o);

/* ---- layer.c: the image's root as layers leave it ---- */
struct node {
	char *path;              /* absolute, normalised */
	char type;               /* the tar types: '0' file, '2' symlink, '3' char, '5' directory */
	unsigned mode;
	uint32_t uid, gid;
	char *src;               /* '0': the staged content */
	char *link;              /* '2': the target */
	unsigned major, minor;
	int layer;               /* the layer that made it (whiteouts hide lower layers only) */
	int dead;
};

struct tree {
	struct node *v;
	size_t n, cap;
	size_t *slot, nslot;     /* open addressing: index + 1 into v, 0 empty */
	char *stage;             /* directory of the staged file contents */
	unsigned long long staged;
	uint64_t skipped;        /* block devices and FIFOs left out */
};

/* Apply one layer's tar (read through t) as layer number `layer`.  0, or -errno after a message
 * naming what (the layer's name is `what`). */
int layer_apply(struct tree *tr, struct tar *t, int layer, const char *what);
struct node *tree_get(struct tree *tr, const char *path);
void tree_free(struct tree *tr);
/* A path in the image with every symlink it goes through followed (relative targets from their
 * directory, absolute ones from the image root, ".." stopping at the root), as the kernel would
 * in the booted image.  Missing components count as directories.  0, -ELOOP, -ENOTDIR. */
int tree_resolve(struct tree *tr, const char *path, int follow_last, char *out, size_t len);
/* "a/./b//c", "./a", "a/" -> "/a/b/c"; -EINVAL for an absolute name or a ".." component. */
int layer_path(const char *name, char *out, size_t len);

#endif
