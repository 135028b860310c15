/* The module database: names, paths, dependencies; strings live in one arena freed at close. */
#include <errno.h>
#include "common/glob.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modload/modload.h"

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

void *mod_arena_alloc(struct mod_db *db, size_t n);

void *mod_arena_alloc(struct mod_db *db, size_t n)
{
	struct chunk *c = db->arena;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n) {
		size_t size = n > (1 << 20) ? n : (1 << 20);

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = db->arena;
		c->used = 0;
		c->size = size;
		db->arena = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

char *mod_arena_strndup(struct mod_db *db, const char *s, size_t n);

char *mod_arena_strndup(struct mod_db *db, const char *s, size_t n)
{
	char *p = mod_arena_alloc(db, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* kmod's path_to_modname(): the basename up to the first '.', '-' read as '_'. */
void mod_name_from_path(const char *path, char *out, size_t outlen)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	for (i = 0; i + 1 < outlen && b[i] && b[i] != '.'; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[i] = '\0';
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

	if ((db->nmods + 1) * 2 > db->hashcap && hash_grow(db) < 0)
		return -ENOMEM;
	s = hash_slot(db, name, len);
	if (*s)
		return *s - 1;
	if (db->nmods == db->capmods) {
		int cap = db->capmods ? db->capmods * 2 : 1024;
		void *v = realloc(db->mods, (size_t)cap * sizeof(*db->mods));

		if (!v)
			return -ENOMEM;
		db->mods = v;
		db->capmods = cap;
	}
	e = &db->mods[db->nmods];
	memset(e, 0, sizeof(*e));
	e->name = mod_arena_strndup(db, name, len);
	if (!e->name)
		return -ENOMEM;
	e->prio = 1 << 20 | db->nmods; /* after every module of modules.dep */
	*s = db->nmods + 1;
	return db->nmods++;
}

/* kmod_module_get_softdeps(): the first softdep line whose pattern matches, as module-init-tools. */
const struct mod_softdep *mod_softdep_find(const struct mod_db *db, const char *name)
{
	int i;

	for (i = 0; i < db->nsoftdeps; i++)
		if (glob_match(db->softdeps[i].pattern, name))
			return &db->softdeps[i];
	return NULL;
}

void mod_db_close(struct mod_db *db)
{
	struct chunk *c = db->arena, *n;

	for (; c; c = n) {
		n = c->next;
		free(c);
	}
	free(db->mods);
	free(db->hash);
	free(db->aliases.v);
	free(db->symbols.v);
	free(db->baliases.v);
	free(db->softdeps);
	memset(db, 0, sizeof(*db));
}
