/* kmod_module_new_from_lookup(): a name or alias to the modules it means.  The sources are asked
 * in kmod's order and the first that answers wins: modprobe.d's aliases (every one that matches,
 * in order), modules.dep (module names), modules.symbols ("symbol:" aliases), modprobe.d's
 * install and remove commands (the first of this exact name), modules.alias (fnmatch patterns),
 * modules.builtin, and the builtin modules' aliases. */
#include <errno.h>
#include "common/glob.h"
#include <stdlib.h>
#include <string.h>

#include "modload/internal.h"

static int match_add(struct mod_matches *m, int mod, const char *alias, const char *install, int builtin)
{
	if (MOD_GROW(m->v, m->n, m->cap) < 0)
		return -ENOMEM;
	m->v[m->n++] = (struct mod_match){ mod, alias, install, builtin };
	return 0;
}

void mod_matches_free(struct mod_matches *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

/* Where a matching pattern sits in depmod's index trie walk for this key: patterns that turn
 * wild earlier come first; below a wildcard, children in byte order before the node's own
 * values (a longer pattern before its prefix); exact keys last. */
static size_t wild_at(const char *p)
{
	size_t d = strcspn(p, "*?[");

	return p[d] ? d : (size_t)-1;
}

static int trie_cmp(const char *a, const char *b)
{
	size_t da = wild_at(a), db = wild_at(b), i;

	if (da != db)
		return da < db ? -1 : 1;
	if (da == (size_t)-1)
		return 0;
	for (i = da; a[i] && a[i] == b[i]; i++)
		;
	if (!a[i] || !b[i])
		return a[i] ? -1 : b[i] ? 1 : 0;
	return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
}

struct hit {
	const struct mod_alias *a;
};

static int hit_cmp(const void *x, const void *y)
{
	const struct mod_alias *a = ((const struct hit *)x)->a, *b = ((const struct hit *)y)->a;

	if (a->prio != b->prio)
		return a->prio < b->prio ? -1 : 1;
	/* the index inserts each value before the others of the same priority: last found first */
	return -trie_cmp(a->pattern, b->pattern);
}

/* index_searchwild(): every pattern matching key, in the index's priority order. */
static int alias_search(const struct mod_alist *l, const char *key, struct mod_matches *m,
			int builtin)
{
	struct hit *h = NULL;
	int i, n = 0, cap = 0, r = 0;

	for (i = 0; i < l->n; i++) {
		const struct mod_alias *a = &l->v[i];

		if (strncmp(a->pattern, key, a->lit))
			continue;
		if (a->wild ? !glob_match(a->pattern, key) : strcmp(a->pattern + a->lit, key + a->lit))
			continue;
		if (MOD_GROW(h, n, cap) < 0) {
			free(h);
			return -ENOMEM;
		}
		h[n++].a = a;
	}
	if (n > 1)
		qsort(h, (size_t)n, sizeof(*h), hit_cmp);
	for (i = 0; i < n && r >= 0; i++)
		r = match_add(m, h[i].a->mod, m->norm, NULL, builtin);
	free(h);
	return r < 0 ? r : n;
}

/* kmod_lookup_alias_from_config(): every alias line whose pattern matches, in order; the
 * module is known by the pattern. */
static int conf_aliases(const struct mod_db *db, const char *key, struct mod_matches *m)
{
	int i, r = 0;

	for (i = 0; i < db->conf.n && r >= 0; i++)
		if (db->conf.v[i].type == MOD_CONF_ALIAS && glob_match(db->conf.v[i].key, key))
			r = match_add(m, db->conf.v[i].mod, db->conf.v[i].key, NULL, 0);
	return r < 0 ? r : m->n;
}

/* kmod_lookup_alias_from_commands(): the first install line of this name (the module then has
 * its command), else the first remove line. */
static int conf_commands(const struct mod_db *db, const char *key, struct mod_matches *m)
{
	int i, t;

	for (t = MOD_CONF_INSTALL; t <= MOD_CONF_REMOVE; t++)
		for (i = 0; i < db->conf.n; i++)
			if (db->conf.v[i].type == t && !strcmp(db->conf.v[i].key, key))
				return match_add(m, db->conf.v[i].mod, NULL,
						 t == MOD_CONF_INSTALL ? db->conf.v[i].value : NULL, 0) < 0 ? -ENOMEM : 1;
	return 0;
}

int mod_lookup(struct mod_db *db, const char *name, struct mod_matches *m)
{
	const char *key = m->norm;
	int r, i;

	m->n = 0;
	r = mod_normalize(name, m->norm, sizeof(m->norm));
	if (r < 0)
		return r;
	if ((r = conf_aliases(db, key, m)) != 0)
		return r;
	/* module names have no ':' */
	if (!strchr(key, ':') && (i = mod_db_find(db, key)) >= 0 && db->mods[i].path)
		return match_add(m, i, NULL, NULL, 0) < 0 ? -ENOMEM : 1;
	if (!strncmp(key, "symbol:", 7)) {
		if ((r = mod_db_need(db, MOD_IDX_SYMBOLS)) < 0 ||
		    (r = alias_search(&db->symbols, key, m, 0)) != 0)
			return r;
	}
	if ((r = conf_commands(db, key, m)) != 0)
		return r;
	if ((r = mod_db_need(db, MOD_IDX_ALIAS)) < 0 || (r = alias_search(&db->aliases, key, m, 0)) != 0)
		return r;
	if ((i = mod_db_find(db, key)) >= 0 && db->mods[i].builtin)
		return match_add(m, i, NULL, NULL, 1) < 0 ? -ENOMEM : 1;
	if ((r = mod_db_need(db, MOD_IDX_BMODINFO)) < 0)
		return r;
	return alias_search(&db->baliases, key, m, 1);
}
