/* A module tree without depmod's indexes (a distribution's package as shipped): compute what
 * depmod would write from each module's .modinfo — depends=, alias=, softdep= — in depmod's
 * module order (modules.order, then the rest by path) and depmod's dependency order (a
 * topological sort, users before the modules they use). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "modload/internal.h"

struct found {
	char *rel;               /* path relative to the module directory */
	int order;               /* line in modules.order, or a large number */
};

struct scan {
	struct found *v;
	int n, cap;
	int **direct;            /* per module index: direct dependencies, -1 terminated */
	int *seen;               /* per module index: the last module + 1 that depends on it */
	struct mod_buf softdeps; /* the modules.softdep depmod would write */
};

static int is_module_name(const char *n)
{
	static const char *const ext[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.zst" };
	size_t i, len = strlen(n);

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);

		if (len > e && !strcmp(n + len - e, ext[i]))
			return 1;
	}
	return 0;
}

static int found_add(struct scan *s, const char *rel)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 512;
		void *v = realloc(s->v, (size_t)cap * sizeof(*s->v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].rel = strdup(rel);
	s->v[s->n].order = 1 << 30;
	return s->v[s->n].rel ? (s->n++, 0) : -ENOMEM;
}

/* Recursive walk; symlinked directories (build/, source/) are not followed. */
static int walk(struct scan *s, const char *base, char *rel, size_t rellen, int depth)
{
	char path[PATH_MAX * 2];
	struct dirent *d;
	DIR *dir;
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	dir = opendir(path);
	if (!dir)
		return depth ? 0 : -errno;
	while (r >= 0 && (d = readdir(dir))) {
		struct stat st;
		size_t n = strlen(d->d_name);

		if (d->d_name[0] == '.' || rellen + n + 2 >= PATH_MAX)
			continue;
		snprintf(rel + rellen, PATH_MAX - rellen, "%s%s", rellen ? "/" : "", d->d_name);
		snprintf(path, sizeof(path), "%s/%s", base, rel);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 16)
			r = walk(s, base, rel, strlen(rel), depth + 1);
		else if (is_module_name(d->d_name) && !stat(path, &st) && S_ISREG(st.st_mode))
			r = found_add(s, rel);
		rel[rellen] = '\0';
	}
	closedir(dir);
	return r;
}

static int found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Up to the end of the last ".ko" (before .gz/.xz/.zst). */
static size_t strip_len(const char *rel)
{
	size_t i, n = strlen(rel), end = n;

	for (i = 0; i + 3 <= n; i++)
		if (rel[i] == '.' && rel[i + 1] == 'k' && rel[i + 2] == 'o')
			end = i + 3;
	return end;
}

static int key_cmp(const void *a, const void *b)
{
	const struct found *x = *(struct found *const *)a, *y = *(struct found *const *)b;
	size_t lx = strip_len(x->rel), ly = strip_len(y->rel);
	int c = strncmp(x->rel, y->rel, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

/* depmod matches modules.order lines against the path without its compression suffix. */
static void apply_order(struct scan *s, const char *dir)
{
	char path[PATH_MAX * 2], *text, *line, *save = NULL;
	struct found **by, key, *kp = &key, **hit;
	int i, n = 0;

	snprintf(path, sizeof(path), "%s/modules.order", dir);
	if (mod_read_text(path, &text, NULL) < 0)
		return;
	by = malloc((size_t)s->n * sizeof(*by) + 1);
	if (!by) {
		free(text);
		return;
	}
	for (i = 0; i < s->n; i++)
		by[i] = &s->v[i];
	qsort(by, (size_t)s->n, sizeof(*by), key_cmp);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		key.rel = line;
		hit = bsearch(&kp, by, (size_t)s->n, sizeof(*by), key_cmp);
		if (hit && (*hit)->order > n)
			(*hit)->order = n;
	}
	free(by);
	free(text);
}

/* Direct dependencies (depends=, deduplicated like depmod's array_append_unique), aliases and
 * softdeps (as depmod writes them into modules.softdep) of module m: any number, any length. */
static int scan_modinfo(struct mod_db *db, struct scan *s, int m)
{
	struct mod_buf path = { 0 };
	char *buf = NULL, *v = NULL;
	const char *info = NULL, *p, *end;
	size_t len, ilen = 0;
	int *dep = NULL, nd = 0, cap = 0, r;

	mod_buf_str(&path, db->dir);
	mod_buf_add(&path, "/", 1);
	mod_buf_str(&path, db->mods[m].path);
	r = path.err ? path.err : mod_file_read(path.p, &buf, &len, db->read_hook);
	free(path.p);
	if (r == -ENOMEM)
		return r;
	/* an unreadable module keeps no dependencies; loading it later says why */
	r = buf ? mod_modinfo_find(buf, len, &info, &ilen) : -ENOEXEC;
	for (p = info, end = info + (r < 0 ? 0 : ilen); r >= 0 && p < end; p++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);

		free(v);
		if (!(v = malloc(n + 1))) {
			r = -ENOMEM;
			break;
		}
		memcpy(v, p, n);
		v[n] = '\0';
		p += n;
		if (!strncmp(v, "alias=", 6)) {
			r = mod_alias_add(db, &db->aliases, v + 6, m, db->mods[m].prio);
		} else if (!strncmp(v, "softdep=", 8)) {
			mod_buf_str(&s->softdeps, "softdep ");
			mod_buf_str(&s->softdeps, db->mods[m].name);
			mod_buf_add(&s->softdeps, " ", 1);
			mod_buf_str(&s->softdeps, v + 8);
			mod_buf_add(&s->softdeps, "\n", 1);
			r = s->softdeps.err;
		} else if (!strncmp(v, "depends=", 8)) {
			char *t, *save = NULL;

			for (t = strtok_r(v + 8, ",", &save); t && r >= 0; t = strtok_r(NULL, ",", &save)) {
				char name[MOD_NAME_MAX];
				int d = mod_name_from_path(t, name, sizeof(name)) < 0 ? -1 : mod_db_find(db, name);

				if (d < 0 || !db->mods[d].path || s->seen[d] == m + 1)
					continue;
				s->seen[d] = m + 1;
				if ((r = MOD_GROW(dep, nd, cap)) >= 0)
					dep[nd++] = d;
			}
		}
	}
	free(v);
	free(buf);
	if (r == -ENOMEM || !(s->direct[m] = mod_arena_alloc(db, (size_t)(nd + 1) * sizeof(int)))) {
		free(dep);
		return -ENOMEM;
	}
	if (nd)
		memcpy(s->direct[m], dep, (size_t)nd * sizeof(int));
	s->direct[m][nd] = -1;
	free(dep);
	return 0;
}

/* depmod_calculate_dependencies(): Kahn's algorithm with a stack, modules nobody uses first. */
static void topo_sort(struct scan *s, int nm, int *users, int *stack, int *sortidx)
{
	int m, n = 0, top = 0;
	const int *d;

	for (m = 0; m < nm; m++)
		for (d = s->direct[m]; *d >= 0; d++)
			users[*d]++;
	for (m = 0; m < nm; m++) {
		sortidx[m] = -1;
		if (!users[m])
			stack[top++] = m;
	}
	while (top > 0) {
		int src = stack[--top];

		sortidx[src] = n++;
		for (d = s->direct[src]; *d >= 0; d++)
			if (--users[*d] == 0)
				stack[top++] = *d;
	}
	for (m = 0; m < nm; m++) /* a cycle: depmod refuses it; keep going with some order */
		if (sortidx[m] < 0)
			sortidx[m] = n++;
}

/* Every dependency, reachable through depends=, sorted by the topological order. */
static int all_deps(struct mod_db *db, struct scan *s, int m, int *mark, int *stack,
		    const int *sortidx, int *out)
{
	int top = 0, n = 0, i, j;
	const int *d;

	stack[top++] = m;
	mark[m] = m + 1;
	while (top > 0) {
		int x = stack[--top];

		for (d = s->direct[x]; *d >= 0; d++)
			if (mark[*d] != m + 1) {
				mark[*d] = m + 1;
				out[n++] = *d;
				stack[top++] = *d;
			}
	}
	for (i = 1; i < n; i++) /* insertion sort: dependency lists are short */
		for (j = i; j > 0 && sortidx[out[j - 1]] > sortidx[out[j]]; j--) {
			int t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	db->mods[m].deps = mod_arena_alloc(db, (size_t)n * sizeof(int) + 1);
	if (!db->mods[m].deps)
		return -ENOMEM;
	memcpy(db->mods[m].deps, out, (size_t)n * sizeof(int));
	db->mods[m].ndeps = n;
	return 0;
}

static int compute_deps(struct mod_db *db, struct scan *s, int nm)
{
	int *work = calloc((size_t)nm * 5 + 1, sizeof(int)), m, r = 0;

	if (!work)
		return -ENOMEM;
	topo_sort(s, nm, work, work + nm, work + 2 * nm);
	memset(work, 0, (size_t)nm * sizeof(int));
	for (m = 0; m < nm && r >= 0; m++)
		r = all_deps(db, s, m, work, work + nm, work + 2 * nm, work + 3 * nm);
	free(work);
	return r;
}

int mod_db_scan(struct mod_db *db)
{
	struct scan s = { 0 };
	char rel[PATH_MAX] = "";
	int i, nm = 0, r;

	r = walk(&s, db->dir, rel, 0, 0);
	if (r < 0)
		goto out;
	apply_order(&s, db->dir);
	qsort(s.v, (size_t)s.n, sizeof(*s.v), found_cmp);
	for (i = 0; i < s.n; i++) {
		char name[MOD_NAME_MAX];
		int m;

		if (mod_name_from_path(s.v[i].rel, name, sizeof(name)) < 0)
			continue;
		m = mod_db_intern(db, name, strlen(name));
		if (m < 0) {
			r = m;
			goto out;
		}
		if (db->mods[m].path) /* the same name twice: the first in depmod's order wins */
			continue;
		db->mods[m].path = mod_arena_strndup(db, s.v[i].rel, strlen(s.v[i].rel));
		db->mods[m].prio = nm++;
	}
	s.direct = calloc((size_t)db->nmods + 1, sizeof(int *));
	s.seen = calloc((size_t)db->nmods + 1, sizeof(int));
	r = s.direct && s.seen ? 0 : -ENOMEM;
	for (i = 0; i < nm && r >= 0; i++)
		r = scan_modinfo(db, &s, i);
	if (r >= 0)
		r = compute_deps(db, &s, nm);
	db->scanned = 1;
	db->loaded |= MOD_IDX_ALIAS | MOD_IDX_SYMBOLS;
	db->softdep_text = s.softdeps.p;
	s.softdeps.p = NULL;
	if (r >= 0)
		r = mod_db_need(db, MOD_IDX_BUILTIN);
	if (r >= 0)
		r = mod_db_conf(db, NULL);
out:
	for (i = 0; i < s.n; i++)
		free(s.v[i].rel);
	free(s.v);
	free(s.direct);
	free(s.seen);
	free(s.softdeps.p);
	return r;
}
