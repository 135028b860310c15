/* Reading depmod's text indexes: modules.dep, .alias, .symbols, .builtin and
 * modules.builtin.modinfo (modules.softdep is read as kmod reads it, as a configuration file:
 * conf.c).  kmod itself reads the .bin twins; the text files hold the same data in depmod's
 * module order, which is what orders alias matches.  Any number of lines, of any length. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modload/internal.h"

int mod_read_text(const char *path, char **buf, size_t *len)
{
	struct stat st = { 0 };
	ssize_t n;
	size_t got = 0;
	char *p;
	/* O_NONBLOCK: a FIFO in a configuration directory must not hang PID 1 in open() */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 28)) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size && (n = read(fd, p + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	p[got] = '\0';
	*buf = p;
	if (len)
		*len = got;
	return 0;
}

int mod_alias_add(struct mod_db *db, struct mod_alist *l, const char *pattern, int mod, int prio)
{
	char norm[PATH_MAX];
	struct mod_alias *a;

	if (mod_normalize(pattern, norm, sizeof(norm)) < 0)
		return 0; /* depmod warns "Unmatched bracket" and leaves it out */
	if (MOD_GROW(l->v, l->n, l->cap) < 0)
		return -ENOMEM;
	a = &l->v[l->n];
	a->pattern = mod_arena_strndup(db, norm, strlen(norm));
	if (!a->pattern)
		return -ENOMEM;
	a->mod = mod;
	a->prio = prio;
	a->lit = (unsigned short)strcspn(norm, "*?[");
	a->wild = norm[a->lit] != '\0';
	l->n++;
	return 0;
}

/* The dependency paths of one modules.dep line: as many as it has. */
static int mod_deps_parse(struct mod_db *db, int m, char *text)
{
	char *tok, *save = NULL;
	int n = 0, *v;

	for (tok = text + strspn(text, " \t"); *tok; tok += strspn(tok, " \t"), n++)
		tok += strcspn(tok, " \t");
	if (n > INT_MAX / 4 || !(v = mod_arena_alloc(db, (size_t)n * sizeof(int) + 1)))
		return -ENOMEM;
	db->mods[m].deps = v;
	db->mods[m].ndeps = 0;
	for (tok = strtok_r(text, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char name[MOD_NAME_MAX];
		int d;

		if (mod_name_from_path(tok, name, sizeof(name)) < 0)
			continue; /* no module has such a name */
		d = mod_db_intern(db, name, strlen(name));
		if (d < 0)
			return d;
		if (!db->mods[d].path && !(db->mods[d].path = mod_arena_strndup(db, tok, strlen(tok))))
			return -ENOMEM;
		v[db->mods[m].ndeps++] = d;
	}
	return 0;
}

/* "path: dep dep ..." — first every module (so deps can point forward), then the deps.  rest[]
 * grows with the modules: a line can be as short as "a:" (the name of the module is the key). */
static int parse_dep(struct mod_db *db, char *text)
{
	char *line, *save = NULL, **rest = NULL;
	int i, n = 0, r = 0, nfirst, cap = 0, used = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[MOD_NAME_MAX], *colon = strchr(line, ':');

		if (!colon || line[0] == '#')
			continue;
		*colon = '\0';
		if (mod_name_from_path(line, name, sizeof(name)) < 0)
			continue;
		r = mod_db_intern(db, name, strlen(name));
		if (r < 0)
			goto out;
		for (; used < db->nmods; rest[used++] = NULL)
			if (MOD_GROW(rest, used, cap) < 0) {
				r = -ENOMEM;
				goto out;
			}
		if (!db->mods[r].path) {
			db->mods[r].path = mod_arena_strndup(db, line, (size_t)(colon - line));
			if (!db->mods[r].path) {
				r = -ENOMEM;
				goto out;
			}
			db->mods[r].prio = n++;
			rest[r] = colon + 1;
		}
	}
	nfirst = db->nmods;
	for (i = 0, r = 0; i < nfirst && r >= 0; i++)
		if (rest[i])
			r = mod_deps_parse(db, i, rest[i]);
out:
	free(rest);
	return r < 0 ? r : 0;
}

/* "alias PATTERN MODULE" lines (modules.alias, modules.symbols). */
static int parse_alias(struct mod_db *db, char *text, struct mod_alist *l)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL, *kw = strtok_r(line, " \t", &s2);
		char *pat = strtok_r(NULL, " \t", &s2), *mod = strtok_r(NULL, " \t", &s2);
		int m, r;

		if (!kw || strcmp(kw, "alias") || !pat || !mod)
			continue;
		m = mod_db_intern(db, mod, strlen(mod));
		if (m < 0)
			return m;
		r = mod_alias_add(db, l, pat, m, db->mods[m].prio);
		if (r < 0)
			return r;
	}
	return 0;
}

/* modules.builtin: one path per line. */
static int parse_builtin(struct mod_db *db, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[MOD_NAME_MAX];
		int m;

		if (mod_name_from_path(line, name, sizeof(name)) < 0 || !name[0])
			continue;
		m = mod_db_intern(db, name, strlen(name));
		if (m < 0)
			return m;
		db->mods[m].builtin = 1;
	}
	return 0;
}

/* modules.builtin.modinfo: "module.key=value\0" records; depmod indexes the aliases with one
 * priority (0), kept here as the same. */
static int parse_bmodinfo(struct mod_db *db, char *text, size_t len)
{
	char *p = text, *end = text + len;

	for (; p < end; p += strlen(p) + 1) {
		char *dot = strchr(p, '.');
		int m, r;

		if (!dot || strncmp(dot + 1, "alias=", 6) || !dot[7])
			continue;
		m = mod_db_intern(db, p, (size_t)(dot - p));
		if (m < 0)
			return m;
		r = mod_alias_add(db, &db->baliases, dot + 7, m, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct {
	int bit;
	const char *file;
} index_files[] = {
	{ MOD_IDX_BUILTIN, "modules.builtin" },
	{ MOD_IDX_ALIAS, "modules.alias" },
	{ MOD_IDX_SYMBOLS, "modules.symbols" },
	{ MOD_IDX_BMODINFO, "modules.builtin.modinfo" },
};

static int parse_one(struct mod_db *db, int bit, char *text, size_t len)
{
	switch (bit) {
	case MOD_IDX_BUILTIN: return parse_builtin(db, text);
	case MOD_IDX_ALIAS: return parse_alias(db, text, &db->aliases);
	case MOD_IDX_SYMBOLS: return parse_alias(db, text, &db->symbols);
	default: return parse_bmodinfo(db, text, len);
	}
}

/* A missing index is an empty one, as for kmod. */
int mod_db_need(struct mod_db *db, int which)
{
	size_t i;

	for (i = 0; i < sizeof(index_files) / sizeof(index_files[0]); i++) {
		char path[PATH_MAX + 64], *text;
		size_t len;
		int r;

		if (!(which & index_files[i].bit) || (db->loaded & index_files[i].bit))
			continue;
		db->loaded |= index_files[i].bit;
		snprintf(path, sizeof(path), "%s/%s", db->dir, index_files[i].file);
		r = mod_read_text(path, &text, &len);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		r = parse_one(db, index_files[i].bit, text, len);
		free(text);
		if (r < 0)
			return r;
	}
	return 0;
}

int mod_db_open(struct mod_db *db, const char *dir)
{
	char path[PATH_MAX + 64], *text;
	int r;

	int (*hook)(const char *, char **, size_t *) = db->read_hook;

	memset(db, 0, sizeof(*db));
	db->read_hook = hook;
	if (snprintf(db->dir, sizeof(db->dir), "%s", dir) >= (int)sizeof(db->dir))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	r = mod_read_text(path, &text, NULL);
	if (r == -ENOENT)
		return mod_db_scan(db);
	if (r < 0)
		return r;
	r = parse_dep(db, text);
	free(text);
	if (r < 0)
		return r;
	r = mod_db_need(db, MOD_IDX_BUILTIN);
	return r < 0 ? r : mod_db_conf(db, NULL);
}
