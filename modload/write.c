/* Writing depmod's text indexes for a subset of a module tree (what the packer puts in an image):
 * the same formats and the same module order, so modload and kmod read them alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modload/internal.h"

static int prio_cmp(const void *a, const void *b, void *db)
{
	const struct mod_entry *m = ((struct mod_db *)db)->mods;
	int x = *(const int *)a, y = *(const int *)b;

	return (m[x].prio > m[y].prio) - (m[x].prio < m[y].prio);
}

/* Kept modules in depmod's order (insertion sort: no qsort_r in C11). */
static int *kept_in_order(const struct mod_db *db, int *n)
{
	int *v = malloc((size_t)db->nmods * sizeof(int) + 1), i, j, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < db->nmods; i++) {
		if (!db->mods[i].keep || !db->mods[i].path)
			continue;
		for (j = k++; j > 0 && prio_cmp(&v[j - 1], &i, (void *)db) > 0; j--)
			v[j] = v[j - 1];
		v[j] = i;
	}
	*n = k;
	return v;
}

static void write_dep(const struct mod_db *db, FILE *f)
{
	int n, i, k, *v = kept_in_order(db, &n);

	for (i = 0; v && i < n; i++) {
		const struct mod_entry *e = &db->mods[v[i]];

		fprintf(f, "%s:", e->path);
		for (k = 0; k < e->ndeps; k++)
			if (db->mods[e->deps[k]].keep)
				fprintf(f, " %s", db->mods[e->deps[k]].path);
		fputc('\n', f);
	}
	free(v);
}

static void write_alias(const struct mod_db *db, FILE *f)
{
	int i;

	fputs("# Aliases extracted from modules themselves.\n", f);
	for (i = 0; i < db->aliases.n; i++)
		if (db->mods[db->aliases.v[i].mod].keep)
			fprintf(f, "alias %s %s\n", db->aliases.v[i].pattern,
				db->mods[db->aliases.v[i].mod].name);
}

static void write_softdep(const struct mod_db *db, FILE *f)
{
	int i, m;

	fputs("# Soft dependencies extracted from modules themselves.\n", f);
	for (i = 0; i < db->nsoftdeps; i++)
		if ((m = mod_db_find(db, db->softdeps[i].pattern)) >= 0 && db->mods[m].keep)
			fprintf(f, "softdep %s %s\n", db->softdeps[i].pattern, db->softdeps[i].spec);
}

int mod_index_text(const struct mod_db *db, enum mod_index_file which, char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);

	if (!f)
		return -ENOMEM;
	if (which == MOD_OUT_DEP)
		write_dep(db, f);
	else if (which == MOD_OUT_ALIAS)
		write_alias(db, f);
	else
		write_softdep(db, f);
	return fclose(f) ? -ENOMEM : 0;
}

/* Each word of a softdep is looked up like a modprobe argument. */
static int keep_words(struct mod_db *db, const char *spec)
{
	char buf[1024], *w, *save = NULL;
	int r = 0, i;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (w = strtok_r(buf, " \t", &save); w && r >= 0; w = strtok_r(NULL, " \t", &save)) {
		struct mod_matches m = { 0 };

		if (strcmp(w, "pre:") && strcmp(w, "post:") && mod_lookup(db, w, &m) > 0)
			for (i = 0; i < m.n && r >= 0; i++)
				r = mod_keep(db, m.v[i].mod);
		mod_matches_free(&m);
	}
	return r;
}

int mod_keep(struct mod_db *db, int mod)
{
	const struct mod_softdep *sd;
	int k, r = 0;

	if (db->mods[mod].keep || !db->mods[mod].path)
		return 0;
	db->mods[mod].keep = 1;
	for (k = 0; k < db->mods[mod].ndeps && r >= 0; k++)
		r = mod_keep(db, db->mods[mod].deps[k]);
	sd = mod_softdep_find(db, db->mods[mod].name);
	return r >= 0 && sd ? keep_words(db, sd->spec) : r;
}
