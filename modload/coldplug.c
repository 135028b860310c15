/* Coldplug without udev: every device the kernel has found publishes the module alias of the
 * driver it wants in /sys/devices/.../modalias; probing those names loads the drivers. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modload/internal.h"

struct dev {
	char *path;
	char *alias;
};

struct walk {
	struct dev *v;           /* every modalias seen, across passes */
	int n, cap;
	int first_new;           /* this pass's new ones start here */
};

static int seen(const struct walk *w, const char *alias)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].alias, alias))
			return 1;
	return 0;
}

static int add(struct walk *w, const char *path, char *alias)
{
	alias[strcspn(alias, "\n")] = '\0';
	if (!alias[0] || seen(w, alias))
		return 0;
	if (w->n == w->cap) {
		void *v = realloc(w->v, (size_t)(w->cap = w->cap ? w->cap * 2 : 64) * sizeof(*w->v));

		if (!v)
			return -ENOMEM;
		w->v = v;
	}
	w->v[w->n].path = strdup(path);
	w->v[w->n].alias = strdup(alias);
	if (!w->v[w->n].path || !w->v[w->n].alias)
		return -ENOMEM;
	w->n++;
	return 0;
}

/* Directories that never hold a modalias but make up most of the tree: every device's power/
 * attributes, the virtual devices (no bus, no driver to load), memory blocks and NUMA nodes.
 * Under emulation each directory read costs; skipping them halves a coldplug pass. */
static int barren(const char *name, int depth)
{
	if (!strcmp(name, "power"))
		return 1;
	if (depth == 0)
		return !strcmp(name, "virtual");
	return depth == 1 && (!strcmp(name, "memory") || !strcmp(name, "node"));
}

/* Symbolic links (subsystem, driver, device...) are not followed: every device has exactly one
 * real directory under /sys/devices. */
static int walk(struct walk *w, char *path, size_t len, int depth)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int r = 0;

	if (!dir)
		return 0; /* devices come and go while we look */
	while (r >= 0 && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);
		unsigned char type = d->d_type;
		struct stat st;

		if (d->d_name[0] == '.' || len + n + 2 >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, d->d_name, n + 1);
		if (type == DT_UNKNOWN && !lstat(path, &st))
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
		if (type == DT_DIR && depth < 40 && !barren(d->d_name, depth)) {
			r = walk(w, path, len + 1 + n, depth + 1);
		} else if (type == DT_REG && !strcmp(d->d_name, "modalias")) {
			char *text;

			if (mod_read_text(path, &text, NULL) == 0) {
				path[len] = '\0';
				r = add(w, path, text);
				free(text);
			}
		}
		path[len] = '\0';
	}
	closedir(dir);
	return r;
}

static int dev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dev *)a)->path, ((const struct dev *)b)->path);
}

int mod_coldplug(struct mod_ctx *c, int flags, int max_passes, int *nalias)
{
	struct walk w = { 0 };
	char path[PATH_MAX];
	int pass, i, r = 0;

	for (pass = 1; pass <= max_passes; pass++) {
		int before = c->nloaded;

		w.first_new = w.n;
		if (snprintf(path, sizeof(path), "%s/sys/devices", c->root) >= (int)sizeof(path)) {
			r = -ENAMETOOLONG;
			break;
		}
		r = walk(&w, path, strlen(path), 0);
		if (r < 0)
			break;
		qsort(w.v + w.first_new, (size_t)(w.n - w.first_new), sizeof(*w.v), dev_cmp);
		for (i = w.first_new; i < w.n; i++)
			mod_probe(c, w.v[i].alias, NULL, flags | MOD_BLACKLIST); /* failures go to notice */
		if (c->nloaded == before)
			break;
	}
	if (nalias)
		*nalias = w.n;
	for (i = 0; i < w.n; i++) {
		free(w.v[i].path);
		free(w.v[i].alias);
	}
	free(w.v);
	return r < 0 ? r : pass > max_passes ? max_passes : pass;
}
