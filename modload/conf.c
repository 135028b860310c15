/* modprobe.d as libkmod-config.c reads it.  Files: every *.conf and *.alias of /etc/modprobe.d,
 * /run/modprobe.d, /usr/local/lib/modprobe.d and /lib/modprobe.d (or modprobe -C's paths), plus
 * the module directory's modules.softdep, read in name order; a name in a directory listed
 * earlier hides the same name in the later ones.  Lines: freadline_wrapped()'s ("\" + newline
 * joins lines, "\" before anything else is dropped), then a keyword and strtok_r() words:
 *   alias PATTERN MODULE      blacklist MODULE          options MODULE REST
 *   install MODULE REST       remove MODULE REST        softdep MODULE REST (pre: / post: words)
 * Names and patterns are normalised ('-' -> '_' outside brackets); a line with an unmatched
 * bracket or a missing word is skipped, as kmod skips it ("ignoring bad line").  Everything grows
 * with the input: no line, word or count has a fixed size. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modload/internal.h"

const char *const mod_conf_dirs[] = {
	"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d", NULL,
};

static const char *const keywords[] = { "alias", "blacklist", "options", "install", "remove", "softdep" };
#define SPACE " \t\n\v\f\r" /* isspace() in the C locale: kmod splits softdeps with it */

/* The next run of non-blanks from *s (its length in *n), or NULL. */
static const char *word(const char **s, size_t *n)
{
	const char *w = *s + strspn(*s, SPACE);

	*n = strcspn(w, SPACE);
	*s = w + *n;
	return *n ? w : NULL;
}

/* kmod_config_add_softdep(): "pre:" and "post:" switch lists; words before either are ignored.
 * Two passes: count, then copy. */
static int softdep_words(struct mod_conf *c, struct mod_conf_entry *e)
{
	const char *s, *w;
	size_t n;
	int pass, mode, k[2];

	for (pass = 0; pass < 2; pass++) {
		k[0] = 0, k[1] = e->npre, mode = -1;
		for (s = e->value; (w = word(&s, &n));) {
			if (n == 4 && !memcmp(w, "pre:", 4))
				mode = 0;
			else if (n == 5 && !memcmp(w, "post:", 5))
				mode = 1;
			else if (mode >= 0 && pass && !(e->words[k[mode]++] = arena_strndup(&c->arena, w, n)))
				return -ENOMEM;
			else if (mode >= 0 && !pass)
				k[mode]++;
		}
		if (!pass) {
			e->npre = k[0];
			e->nwords = k[0] + k[1];
			e->words = arena_alloc(&c->arena, (size_t)e->nwords * sizeof(*e->words) + 1);
			if (!e->words)
				return -ENOMEM;
		}
	}
	return 0;
}

/* kmod_config_parse()'s body for one line: 0, 1 when kmod ignores it, or -ENOMEM. */
static int conf_line(struct mod_conf *c, char *line, int index)
{
	char *save = NULL, *cmd, *name, *rest;
	struct mod_conf_entry *e;
	int t;

	if (line[0] == '#' || !(cmd = strtok_r(line, "\t ", &save)))
		return 0;
	for (t = 0; t < (int)(sizeof(keywords) / sizeof(keywords[0])) && strcmp(cmd, keywords[t]); t++)
		;
	if (t == (int)(sizeof(keywords) / sizeof(keywords[0])))
		return 1; /* include, config (deprecated) and unknown words */
	name = strtok_r(NULL, "\t ", &save);
	rest = t == MOD_CONF_ALIAS ? strtok_r(NULL, "\t ", &save) : t == MOD_CONF_BLACKLIST ? "" :
	       strtok_r(NULL, "", &save);
	if (!name || !rest || mod_normalize(name, name, strlen(name) + 1) < 0 ||
	    (t == MOD_CONF_ALIAS && mod_normalize(rest, rest, strlen(rest) + 1) < 0))
		return 1;
	if (MOD_GROW(c->v, c->n, c->cap) < 0)
		return -ENOMEM;
	e = memset(&c->v[c->n], 0, sizeof(*e));
	e->type = (unsigned char)t;
	e->index = (unsigned char)index;
	e->mod = -1;
	e->key = arena_strndup(&c->arena, name, strlen(name));
	e->value = arena_strndup(&c->arena, rest, strlen(rest));
	if (!e->key || !e->value)
		return -ENOMEM;
	if (t == MOD_CONF_OPTIONS) /* kmod_config_add_options(): tabs become spaces */
		for (rest = (char *)e->value; (rest = strchr(rest, '\t')); )
			*rest = ' ';
	if (t == MOD_CONF_SOFTDEP && softdep_words(c, e) < 0)
		return -ENOMEM;
	c->n++;
	return 0;
}

int mod_conf_parse(struct mod_conf *c, char *text, size_t len, int index)
{
	char *r = text, *end = text + len, *line;
	int err = 0, bad = 0;

	while (r < end && err >= 0) {
		char *w = line = r;

		/* freadline_wrapped(), in place: the line only ever shrinks */
		for (; r < end && *r != '\n'; r++) {
			if (*r != '\\')
				*w++ = *r;
			else if (r + 1 == end)
				*w++ = '\xff'; /* "\" at the end: getc()'s EOF is stored as a char */
			else if (*++r != '\n')
				*w++ = *r;      /* "\x" is "x"; "\" and a newline join two lines */
		}
		r++;
		*w = '\0';
		bad += err = line[0] ? conf_line(c, line, index) : 0;
	}
	return err < 0 ? err : bad;
}

void mod_conf_free(struct mod_conf *c)
{
	arena_free(&c->arena);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int mod_conf_files_add(struct mod_conf_files *l, const char *name, const char *path)
{
	struct mod_conf_file *f;

	if (MOD_GROW(l->v, l->n, l->cap) < 0)
		return -ENOMEM;
	f = &l->v[l->n];
	f->name = arena_strndup(&l->arena, name, strlen(name));
	f->path = path ? arena_strndup(&l->arena, path, strlen(path)) : NULL;
	f->seq = l->n;
	if (!f->name || (path && !f->path))
		return -ENOMEM;
	l->n++;
	return 0;
}

/* conf_files_filter_out(): not a dot file, named *.conf or *.alias, not a directory. */
static int conf_name_ok(DIR *d, const char *fn)
{
	size_t len = strlen(fn);
	struct stat st;

	if (fn[0] == '.' || len < 6 || (strcmp(fn + len - 5, ".conf") && strcmp(fn + len - 6, ".alias")))
		return 0;
	return fstatat(dirfd(d), fn, &st, 0) < 0 || !S_ISDIR(st.st_mode);
}

/* conf_files_list() */
int mod_conf_files_scan(struct mod_conf_files *l, const char *path)
{
	struct mod_buf full = { 0 };
	struct dirent *de;
	struct stat st;
	const char *base;
	DIR *d;
	int r = 0;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		base = strrchr(path, '/');
		return mod_conf_files_add(l, base ? base + 1 : path, path);
	}
	if (!(d = opendir(path)))
		return -errno;
	while (r >= 0 && (de = readdir(d))) {
		if (!conf_name_ok(d, de->d_name))
			continue;
		full.n = 0;
		mod_buf_str(&full, path);
		mod_buf_add(&full, "/", 1);
		mod_buf_str(&full, de->d_name);
		r = full.err ? full.err : mod_conf_files_add(l, de->d_name, full.p);
	}
	closedir(d);
	free(full.p);
	return r;
}

static int file_cmp(const void *a, const void *b)
{
	const struct mod_conf_file *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->seq - y->seq;
}

/* conf_files_insert_sorted(): by name; of the same name, the first added ("Ignoring duplicate"). */
void mod_conf_files_sort(struct mod_conf_files *l)
{
	int i, n = 0;

	if (l->n > 1)
		qsort(l->v, (size_t)l->n, sizeof(*l->v), file_cmp);
	for (i = 0; i < l->n; i++)
		if (!n || strcmp(l->v[n - 1].name, l->v[i].name))
			l->v[n++] = l->v[i];
	l->n = n;
}

void mod_conf_files_free(struct mod_conf_files *l)
{
	arena_free(&l->arena);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The entries' modules, and the softdep index: a literal pattern is looked up by name, the
 * patterns are tried in order (mod_softdep_find). */
static int conf_index(struct mod_db *db)
{
	int i, m;

	for (i = 0; i < db->nmods; i++)
		db->mods[i].softdep = 0;
	db->nwild = 0;
	for (i = 0; i < db->conf.n; i++) {
		struct mod_conf_entry *e = &db->conf.v[i];
		const char *k = e->type == MOD_CONF_ALIAS ? e->value : e->key;
		size_t n = e->type == MOD_CONF_INSTALL || e->type == MOD_CONF_REMOVE ? strcspn(k, ".") : strlen(k);

		if (e->type == MOD_CONF_SOFTDEP && k[strcspn(k, "*?[\\")]) {
			if (MOD_GROW(db->wild, db->nwild, db->capwild) < 0)
				return -ENOMEM;
			db->wild[db->nwild++] = i;
			continue;
		}
		if (e->type == MOD_CONF_BLACKLIST || e->type == MOD_CONF_OPTIONS)
			continue;
		if ((m = mod_db_intern(db, k, n)) < 0)
			return m;
		e->mod = m;
		if (e->type == MOD_CONF_SOFTDEP && !db->mods[m].softdep)
			db->mods[m].softdep = i + 1;
	}
	return 0;
}

int mod_db_conf(struct mod_db *db, const struct mod_conf_files *files)
{
	char path[PATH_MAX + 32], *text;
	size_t len;
	int i, r = 0, n = files ? files->n : 1;

	mod_conf_free(&db->conf);
	for (i = 0; i < n && r >= 0; i++) {
		const char *p = files ? files->v[i].path : NULL;

		if (!p && db->scanned) {
			text = db->softdep_text ? strdup(db->softdep_text) : NULL;
			len = text ? strlen(text) : 0;
			r = text || !db->softdep_text ? 0 : -ENOMEM;
		} else {
			if (!p)
				snprintf(path, sizeof(path), "%s/modules.softdep", db->dir);
			r = mod_read_text(p ? p : path, &text, &len);
			if (r < 0) { /* kmod skips a file it cannot open */
				r = r == -ENOMEM ? r : 0;
				continue;
			}
		}
		if (text && r >= 0)
			r = mod_conf_parse(&db->conf, text, len, !p);
		free(text);
	}
	return r < 0 ? r : conf_index(db);
}
