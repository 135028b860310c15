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

/* depmod's lines, as modules.softdep held them (or .modinfo gave them) */
static void write_softdep(const struct mod_db *db, FILE *f)
{
	int i, m;

	fputs("# Soft dependencies extracted from modules themselves.\n", f);
	for (i = 0; i < db->conf.n; i++) {
		const struct mod_conf_entry *e = &db->conf.v[i];

		if (e->type == MOD_CONF_SOFTDEP && e->index && (m = mod_db_find(db, e->key)) >= 0 &&
		    db->mods[m].keep)
			fprintf(f, "softdep %s %s\n", e->key, e->value);
	}
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

/* A work list, not recursion: each module is marked once, then its dependencies and the
 * modules its softdep's words name (each softdep entry looked up once) are queued. */
int mod_keep(struct mod_db *db, int mod)
{
	struct mod_matches m = { 0 };
	const struct mod_conf_entry *e;
	int *q = NULL, n = 0, cap = 0, r = 0, k, w;
	char *done = calloc((size_t)db->conf.n + 1, 1);

	if (!done || MOD_GROW(q, n, cap) < 0) {
		free(done);
		return -ENOMEM;
	}
	q[n++] = mod;
	while (r >= 0 && n > 0) {
		int x = q[--n];

		if (db->mods[x].keep || !db->mods[x].path)
			continue;
		db->mods[x].keep = 1;
		for (k = 0; k < db->mods[x].ndeps && r >= 0; k++)
			if (!db->mods[db->mods[x].deps[k]].keep && (r = MOD_GROW(q, n, cap)) >= 0)
				q[n++] = db->mods[x].deps[k];
		if (r < 0 || !(e = mod_softdep_find(db, db->mods[x].name)) || done[e - db->conf.v])
			continue;
		done[e - db->conf.v] = 1;
		for (w = 0; w < e->nwords && r >= 0; w++) {
			int found = mod_lookup(db, e->words[w], &m);

			for (k = 0; k < found && r >= 0; k++)
				if ((r = MOD_GROW(q, n, cap)) >= 0)
					q[n++] = m.v[k].mod;
		}
	}
	mod_matches_free(&m);
	free(q);
	free(done);
	return r < 0 ? r : 0;
}
