/* The module database: names, paths, dependencies; strings live in one arena freed at close. */
#include <errno.h>
#include "common/glob.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modload/internal.h"

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

void *arena_alloc(void **arena, size_t n)
{
	struct chunk *c = *arena;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n) {
		size_t size = n > (64 << 10) ? n : (64 << 10);

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = *arena;
		c->used = 0;
		c->size = size;
		*arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

char *arena_strndup(void **arena, const char *s, size_t n)
{
	char *p = arena_alloc(arena, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void arena_free(void **arena)
{
	struct chunk *c = *arena, *n;

	for (; c; c = n) {
		n = c->next;
		free(c);
	}
	*arena = NULL;
}

int mod_grow(void *pv, int *cap, int n, size_t size)
{
	void *v, *nv;
	int c;

	if (n < *cap)
		return 0;
	if (*cap > INT_MAX / 2 || (size_t)*cap * 2 > SIZE_MAX / size)
		return -ENOMEM;
	c = *cap ? *cap * 2 : 16;
	memcpy(&v, pv, sizeof(v));
	nv = realloc(v, (size_t)c * size);
	if (!nv)
		return -ENOMEM;
	memcpy(pv, &nv, sizeof(nv));
	*cap = c;
	return 0;
}

void mod_buf_add(struct mod_buf *b, const char *s, size_t n)
{
	if (b->err || n >= SIZE_MAX / 4 - b->n)
		goto nomem;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			goto nomem;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return;
nomem:
	b->err = -ENOMEM;
}

/* kmod's path_to_modname(): the basename up to the first '.', '-' read as '_'. */
int mod_name_from_path(const char *path, char *out, size_t outlen)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	for (i = 0; b[i] && b[i] != '.'; i++) {
		if (i + 1 >= outlen) {
			out[0] = '\0';
			return -ENAMETOOLONG;
		}
		out[i] = b[i] == '-' ? '_' : b[i];
	}
	out[i] = '\0';
	return 0;
}

/* kmod's alias_normalize(): '-' -> '_' except inside [...]; an unmatched bracket is an error. */
int mod_normalize(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i]; i++) {
		if (i + 1 >= outlen)
			return -ENAMETOOLONG;
		if (in[i] == ']')
			return -EINVAL;
		if (in[i] == '[') {
			for (; in[i] && in[i] != ']'; i++) {
				if (i + 1 >= outlen)
					return -ENAMETOOLONG;
				out[i] = in[i];
			}
			if (!in[i])
				return -EINVAL;
		}
		out[i] = in[i] == '-' ? '_' : in[i];
	}
	out[i] = '\0';
	return 0;
}

static uint32_t hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int *hash_slot(const struct mod_db *db, const char *name, size_t len)
{
	uint32_t i = hash_str(name, len) & (uint32_t)(db->hashcap - 1);

	for (;; i = (i + 1) & (uint32_t)(db->hashcap - 1)) {
		int *s = &db->hash[i];
		const char *n;

		if (!*s)
			return s;
		n = db->mods[*s - 1].name;
		if (!strncmp(n, name, len) && !n[len])
			return s;
	}
}

static int hash_grow(struct mod_db *db)
{
	int *old = db->hash, oldcap = db->hashcap, i;

	db->hashcap = oldcap ? oldcap * 2 : 1024;
	db->hash = calloc((size_t)db->hashcap, sizeof(int));
	if (!db->hash) {
		db->hash = old;
		db->hashcap = oldcap;
		return -ENOMEM;
	}
	for (i = 0; i < db->nmods; i++) {
		const char *n = db->mods[i].name;

		*hash_slot(db, n, strlen(n)) = i + 1;
	}
	free(old);
	return 0;
}

int mod_db_find(const struct mod_db *db, const char *name)
{
	int *s;

	if (!db->hashcap)
		return -1;
	s = hash_slot(db, name, strlen(name));
	return *s ? *s - 1 : -1;
}

int mod_db_intern(struct mod_db *db, const char *name, size_t len)
{
	struct mod_entry *e;
	int *s;

	if (db->nmods >= INT_MAX / 4 || ((db->nmods + 1) * 2 > db->hashcap && hash_grow(db) < 0))
		return -ENOMEM;
	s = hash_slot(db, name, len);
	if (*s)
		return *s - 1;
	if (MOD_GROW(db->mods, db->nmods, db->capmods) < 0)
		return -ENOMEM;
	e = &db->mods[db->nmods];
	memset(e, 0, sizeof(*e));
	e->name = mod_arena_strndup(db, name, len);
	if (!e->name)
		return -ENOMEM;
	e->prio = (1 << 30) + db->nmods; /* after every module of modules.dep */
	*s = db->nmods + 1;
	return db->nmods++;
}

/* kmod_module_get_softdeps(): the first softdep line whose pattern matches, as module-init-tools:
 * the first naming the module exactly (indexed), unless a pattern before it matches. */
const struct mod_conf_entry *mod_softdep_find(const struct mod_db *db, const char *name)
{
	int m = mod_db_find(db, name), lit = m >= 0 && db->mods[m].softdep ? db->mods[m].softdep - 1 : INT_MAX;
	int i;

	for (i = 0; i < db->nwild && db->wild[i] < lit; i++)
		if (glob_match(db->conf.v[db->wild[i]].key, name))
			return &db->conf.v[db->wild[i]];
	return lit < INT_MAX ? &db->conf.v[lit] : NULL;
}

/* module_is_blacklisted(): exact names */
int mod_conf_blacklisted(const struct mod_db *db, const char *name)
{
	int i;

	for (i = 0; i < db->conf.n; i++)
		if (db->conf.v[i].type == MOD_CONF_BLACKLIST && !strcmp(db->conf.v[i].key, name))
			return 1;
	return 0;
}

/* kmod_module_get_install_commands(): the first install line whose pattern matches */
const char *mod_conf_install(const struct mod_db *db, const char *name)
{
	int i;

	for (i = 0; i < db->conf.n; i++)
		if (db->conf.v[i].type == MOD_CONF_INSTALL && glob_match(db->conf.v[i].key, name))
			return db->conf.v[i].value;
	return NULL;
}

void mod_db_close(struct mod_db *db)
{
	arena_free(&db->arena);
	mod_conf_free(&db->conf);
	free(db->mods);
	free(db->hash);
	free(db->aliases.v);
	free(db->symbols.v);
	free(db->baliases.v);
	free(db->wild);
	free(db->softdep_text);
	memset(db, 0, sizeof(*db));
}
