/* kmod_module_probe_insert_module(): the load list of a module — softdeps pre, dependencies
 * (each with its own softdeps), the module, softdeps post — built exactly as libkmod builds it,
 * then loaded (or shown) in order, with modprobe.d's options, blacklist and install commands.
 * Like libkmod, a module reached by an alias is a different object from the same module reached
 * by name, so it can appear twice (modprobe prints both).  libkmod recurses from softdep to
 * softdep; this walks an explicit stack of frames instead, at most MOD_DEPTH_MAX visits deep,
 * and gives up past MOD_WORK_MAX steps: a chain of 100,000 softdeps, or softdeps fanning out to
 * every module, ends in an error, never in a stack overflow or an endless boot. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cmdline.h"
#include "common/glob.h"
#include "modload/internal.h"

struct obj {
	int mod;
	char *alias;             /* the key it was found by, or NULL */
	const char *install;     /* the install command its lookup found (has_install) */
	unsigned builtin : 1, visited : 1, required : 1, ignorecmd : 1, has_install : 1;
};

/* A visit of object o (__kmod_module_get_probe_list) or a fill (__kmod_module_fill_softdep):
 * a visit fills each dependency, last first (k counts down), then o itself (k == -1); a fill
 * visits the "pre:" objects of o's softdep, adds o to the list, visits the "post:" ones. */
struct frame {
	int o, k;
	int base, npre, n, i;    /* fill: the softdep's objects, p->pool[base..base+n) */
	unsigned char fill, started, added, required;
};

struct probe {
	struct mod_ctx *c;
	struct obj *o;
	int no, co;
	int *hash, hcap;         /* (module, alias) -> object + 1 */
	int *list, nl, cl;
	struct frame *f;
	int nf, cf, depth;
	int *pool, np, cp;       /* per softdep entry: npre, n, then its n objects */
	int *sd;                 /* per configuration entry: its place in pool + 1, once resolved */
	long work;
};

static uint32_t obj_hash(int mod, const char *alias)
{
	uint32_t h = (uint32_t)mod * 2654435761u;

	for (; alias && *alias; alias++)
		h = (h ^ (unsigned char)*alias) * 16777619u;
	return h;
}

static int *obj_slot(struct probe *p, int mod, const char *alias)
{
	uint32_t i = obj_hash(mod, alias) & (uint32_t)(p->hcap - 1);

	for (;; i = (i + 1) & (uint32_t)(p->hcap - 1)) {
		int *s = &p->hash[i];
		const struct obj *o;

		if (!*s)
			return s;
		o = &p->o[*s - 1];
		if (o->mod == mod && (o->alias && alias ? !strcmp(o->alias, alias) : o->alias == alias))
			return s;
	}
}

static int obj_rehash(struct probe *p)
{
	int i, cap = p->hcap ? p->hcap * 2 : 64, *h = calloc((size_t)cap, sizeof(int));

	if (!h)
		return -ENOMEM;
	free(p->hash);
	p->hash = h;
	p->hcap = cap;
	for (i = 0; i < p->no; i++)
		*obj_slot(p, p->o[i].mod, p->o[i].alias) = i + 1;
	return 0;
}

/* kmod_module_new(): one object per (module, alias) in a resolution. */
static int obj_get(struct probe *p, int mod, const char *alias, const struct mod_match *mt)
{
	struct obj *o;
	int *s;

	if (++p->work > MOD_WORK_MAX)
		return -E2BIG;
	if ((p->no + 1) * 2 > p->hcap && obj_rehash(p) < 0)
		return -ENOMEM;
	s = obj_slot(p, mod, alias);
	if (!*s) {
		if (MOD_GROW(p->o, p->no, p->co) < 0)
			return -ENOMEM;
		o = memset(&p->o[p->no], 0, sizeof(*o));
		o->mod = mod;
		o->builtin = (mt && mt->builtin) || p->c->db.mods[mod].builtin;
		if (alias && !(o->alias = strdup(alias)))
			return -ENOMEM;
		*s = ++p->no;
	}
	o = &p->o[*s - 1];
	if (mt && mt->install) { /* kmod_module_set_install_commands() */
		o->install = mt->install;
		o->has_install = 1;
	}
	return *s - 1;
}

static int add_int(int **v, int *n, int *cap, int x)
{
	if (mod_grow(v, cap, *n, sizeof(int)) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

/* lookup_softdep() of entry e's words, once per resolution: a word that names nothing, or that
 * fails to look up, is skipped ("continuing anyway"). */
static int softdep_objs(struct probe *p, const struct mod_conf_entry *e, int *at)
{
	struct mod_matches m = { 0 };
	int idx = (int)(e - p->c->db.conf.v), w, i, r = 0, h = p->np, npre = 0;

	if (!p->sd && !(p->sd = calloc((size_t)p->c->db.conf.n + 1, sizeof(int))))
		return -ENOMEM;
	if (p->sd[idx]) {
		*at = p->sd[idx] - 1;
		return 0;
	}
	if (add_int(&p->pool, &p->np, &p->cp, 0) < 0 || add_int(&p->pool, &p->np, &p->cp, 0) < 0)
		return -ENOMEM;
	for (w = 0; w < e->nwords && r >= 0; w++) {
		if (mod_lookup(&p->c->db, e->words[w], &m) <= 0)
			continue;
		for (i = 0; i < m.n && r >= 0; i++, npre += w < e->npre)
			if ((r = obj_get(p, m.v[i].mod, m.v[i].alias, &m.v[i])) >= 0)
				r = add_int(&p->pool, &p->np, &p->cp, r);
	}
	mod_matches_free(&m);
	if (r < 0)
		return r;
	p->pool[h] = npre;
	p->pool[h + 1] = p->np - h - 2;
	p->sd[idx] = h + 1;
	*at = h;
	return 0;
}

static int push(struct probe *p, int o, int fill)
{
	struct frame *f;

	if (++p->work > MOD_WORK_MAX)
		return -E2BIG;
	if (!fill && ++p->depth > MOD_DEPTH_MAX)
		return -ELOOP;
	if (MOD_GROW(p->f, p->nf, p->cf) < 0)
		return -ENOMEM;
	f = memset(&p->f[p->nf++], 0, sizeof(*f));
	f->o = o;
	f->fill = (unsigned char)fill;
	return 0;
}

static int push_fill(struct probe *p, int o)
{
	const struct mod_conf_entry *e = mod_softdep_find(&p->c->db, p->c->db.mods[p->o[o].mod].name);
	int r = push(p, o, 1), at;
	struct frame *f;

	if (r < 0 || !e || (r = softdep_objs(p, e, &at)) < 0)
		return r;
	f = &p->f[p->nf - 1];
	f->base = at + 2;
	f->npre = p->pool[at];
	f->n = p->pool[at + 1];
	return 0;
}

/* One step of the top frame: push a child, or finish and pop. */
static int walk_step(struct probe *p)
{
	struct frame *f = &p->f[p->nf - 1];
	const struct mod_entry *e;
	int o = f->o, k, r;

	if (f->fill) {
		if (f->i < f->npre || (f->added && f->i < f->n))
			return push(p, p->pool[f->base + f->i++], 0);
		if (!f->added) {
			f->added = 1;
			p->o[o].ignorecmd = f->n > 0; /* a module with softdeps runs no install command */
			return add_int(&p->list, &p->nl, &p->cl, o);
		}
		p->nf--;
		return 0;
	}
	e = &p->c->db.mods[p->o[o].mod];
	if (!f->started) {
		f->started = 1;
		f->k = e->ndeps - 1;
		if (p->o[o].visited)
			f->k = -2;
		p->o[o].visited = 1;
		/* the module and its dependencies are required, before softdeps visit them */
		for (k = 0; f->required && f->k > -2 && k < e->ndeps; k++) {
			if ((r = obj_get(p, e->deps[k], NULL, NULL)) < 0)
				return r;
			p->o[r].required = 1;
		}
		p->o[o].required |= f->required;
	}
	if (f->k >= 0) {
		if ((r = obj_get(p, e->deps[f->k], NULL, NULL)) < 0)
			return r;
		p->f[p->nf - 1].k--;
		return push_fill(p, r);
	}
	if (f->k == -1) {
		f->k = -2;
		return push_fill(p, o);
	}
	p->nf--;
	p->depth--;
	return 0;
}

static int walk(struct probe *p, int top)
{
	int r = push(p, top, 0);

	if (r >= 0)
		p->f[0].required = 1;
	while (r >= 0 && p->nf)
		r = walk_step(p);
	return r;
}

static void notice(struct mod_ctx *c, const char *name, int err, int required)
{
	if (c->notice)
		c->notice(c->arg, name, err, required);
}

/* kmod_module_get_options(): modprobe.d's for the name or the alias, then the command line's
 * (module_options_concat(): a space after them, then the extra ones). */
static void options(struct mod_ctx *c, const struct obj *o, const char *extra, struct mod_buf *b)
{
	const char *name = c->db.mods[o->mod].name;
	int i;

	for (i = 0; i < c->db.conf.n; i++) {
		const struct mod_conf_entry *e = &c->db.conf.v[i];

		if (e->type != MOD_CONF_OPTIONS || !e->value[0] ||
		    (strcmp(e->key, name) && (!o->alias || strcmp(e->key, o->alias))))
			continue;
		if (b->n)
			mod_buf_add(b, " ", 1);
		mod_buf_str(b, e->value);
	}
	mod_cmdline_options(c->cmdline, name, o->alias, b);
	if (b->n)
		mod_buf_add(b, " ", 1);
	mod_buf_str(b, extra ? extra : "");
}

/* One entry of the list: shown, then inserted unless this is a dry run. */
static int step(struct mod_ctx *c, const struct obj *o, const char *extra, int flags)
{
	struct mod_entry *e = &c->db.mods[o->mod];
	const char *install = o->has_install ? o->install : mod_conf_install(&c->db, e->name);
	struct mod_buf opts = { 0 }, path = { 0 };
	int r = 0;

	if (!(flags & MOD_IGNORE_LOADED) && (e->loaded || mod_in_kernel(c, e->name, o->builtin)))
		return -EEXIST;
	if (o->ignorecmd)
		install = NULL;
	options(c, o, extra, &opts);
	if (e->path) {
		if (e->path[0] != '/') {
			mod_buf_str(&path, c->db.dir);
			mod_buf_add(&path, "/", 1);
		}
		mod_buf_str(&path, e->path);
	}
	if (opts.err || path.err) {
		r = -ENOMEM;
		goto out;
	}
	if (c->show)
		c->show(c->arg, &(struct mod_step){ e->name, e->path ? path.p : NULL, opts.p, install, o->builtin });
	if (flags & MOD_DRY_RUN)
		goto out;
	if (install) {
		snprintf(c->why, sizeof(c->why), "modprobe.d's install command is not run (no commands "
			 "are): install %s %s", e->name, install);
		r = -ENOTSUP;
	} else if (!e->path) {
		snprintf(c->why, sizeof(c->why), "not in modules.dep (no file for it in %s)", c->db.dir);
		r = -ENOENT;
	} else if ((r = mod_insert(c, path.p, opts.p)) == 0) {
		e->loaded = 1;
		c->nloaded++;
		if (c->loaded)
			c->loaded(c->arg, e->name, e->path);
	}
out:
	free(opts.p);
	free(path.p);
	return r;
}

/* A CPU-feature driver (cpu: aliases: an x86cpu device table, as crc32c_intel's SSE4.2) none of
 * whose features this CPU has.  Its init would fail with ENODEV after the whole load: as a soft
 * dependency (libcrc32c's "pre: crc32c") it is left out, as coldplug never matches it here. */
static int cpu_lacks(struct mod_ctx *c, int mod)
{
	char path[PATH_MAX + 64], *cpu = NULL;
	const struct mod_alias *a = c->db.aliases.v, *end = a + c->db.aliases.n;
	int r = 0;

	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/modalias", c->root);
	for (; a < end && r >= 0; a++)
		if (a->mod == mod && !strncmp(a->pattern, "cpu:", 4)) {
			if (!cpu && mod_read_text(path, &cpu, NULL) < 0)
				return 0;
			cpu[strcspn(cpu, "\n")] = '\0';
			r = glob_match(a->pattern, cpu) ? -1 : 1;
		}
	free(cpu);
	return r > 0;
}

static int run_list(struct mod_ctx *c, struct probe *p, int top, const char *extra, int flags)
{
	int i, r = 0;

	for (i = 0; i < p->nl; i++) {
		const struct obj *o = &p->o[p->list[i]];

		if (!o->required && !(flags & MOD_DRY_RUN) && mod_db_need(&c->db, MOD_IDX_ALIAS) >= 0 && cpu_lacks(c, o->mod))
			continue;
		r = step(c, o, p->list[i] == top ? extra : NULL, flags);
		if (r == -EEXIST && p->list[i] == top && (flags & MOD_FIRST_TIME))
			break;
		if (r < 0 && r != -EEXIST) {
			c->nfailed++;
			notice(c, c->db.mods[o->mod].name, r, o->required);
		}
		if (r == -EEXIST || !o->required)
			r = 0; /* softdeps may fail; "already loaded" is fine */
		else if (r < 0)
			break;
	}
	return r;
}

int mod_path_in(const char *list, const char *path)
{
	const char *p, *w;
	size_t n;

	for (p = path; p && *p; p++) /* no strstr: musl's costs the init 1.5 KB */
		for (w = list; *w && (p == path || p[-1] == '/'); w += n + (w[n] == ' '))
			if (!strncmp(p, w, n = strcspn(w, " ")))
				return 1;
	return 0;
}

/* name added to c->skipped (once per probe: a second probe of a loaded module costs nothing). */
static int note_skipped(struct mod_ctx *c, const char *name)
{
	size_t n = c->skipped ? strlen(c->skipped) : 0, k = strlen(name);
	char *v = realloc(c->skipped, n + k + 2);

	if (!v)
		return -ENOMEM;
	snprintf(v + n, k + 2, "%s%s", n ? " " : "", name);
	c->skipped = v;
	return 0;
}

static int probe_one(struct mod_ctx *c, const struct mod_match *mt, const char *extra, int flags)
{
	struct probe p = { 0 };
	const char *name = c->db.mods[mt->mod].name;
	int i, top, r;

	p.c = c;
	top = r = obj_get(&p, mt->mod, mt->alias, mt);
	if (r < 0)
		goto out;
	if (!(flags & MOD_IGNORE_LOADED) && (c->db.mods[mt->mod].loaded ||
					      mod_in_kernel(c, name, p.o[top].builtin))) {
		r = flags & MOD_FIRST_TIME ? -EEXIST : 0;
		goto out;
	}
	/* modprobe applies the blacklist to aliases always, to names with -b */
	if ((mt->alias || (flags & MOD_BLACKLIST)) &&
	    (mod_conf_blacklisted(&c->db, name) || mod_blacklisted(c->blacklist, name))) {
		r = 1;
		goto out;
	}
	if ((flags & MOD_ONLY) && c->only && !p.o[top].builtin && !mod_path_in(c->only, c->db.mods[mt->mod].path)) {
		c->nskipped++;
		r = flags & MOD_DRY_RUN ? 0 : note_skipped(c, name);
		goto out;
	}
	r = walk(&p, top);
	if (r == -ELOOP || r == -E2BIG)
		snprintf(c->why, sizeof(c->why), r == -ELOOP ? "soft dependencies nested more than %d deep" :
			 "soft dependencies fan out past %d steps", r == -ELOOP ? MOD_DEPTH_MAX : MOD_WORK_MAX);
	if (r >= 0)
		r = run_list(c, &p, top, extra, flags);
out:
	for (i = 0; i < p.no; i++)
		free(p.o[i].alias);
	free(p.o);
	free(p.hash);
	free(p.list);
	free(p.f);
	free(p.pool);
	free(p.sd);
	return r;
}

int mod_probe(struct mod_ctx *c, const char *name, const char *extra, int flags)
{
	struct mod_matches m = { 0 };
	int i, r, ret = 0;

	c->why[0] = '\0';
	r = mod_lookup(&c->db, name, &m);
	if (r <= 0) { /* modprobe: any lookup failure (a bad bracket too) is "not found" */
		mod_matches_free(&m);
		snprintf(c->why, sizeof(c->why), "not found in %s", c->db.dir);
		return r == -ENOMEM ? r : -ENOENT;
	}
	for (i = 0; i < m.n; i++) { /* modprobe loads every module an alias matches */
		r = probe_one(c, &m.v[i], extra, flags);
		if (r < 0 && ret >= 0)
			ret = r;
		else if (r > 0 && !ret)
			ret = r;
	}
	mod_matches_free(&m);
	return ret;
}

/* name[0..n) normalised as mod_normalize() does it equals norm (a bad bracket: not equal). */
static int norm_eq(const char *s, size_t n, const char *norm)
{
	size_t i;
	int in = 0;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == ']' && !in)
			return 0;
		in = ch == '[' ? 1 : ch == ']' ? 0 : in;
		if (ch == '-' && !in)
			ch = '_';
		if (norm[i] != ch)
			return 0;
	}
	return !in && !norm[n];
}

/* kmod's kcmdline parsing: "mod.param[=value]" words; the module part normalised, a second '.'
 * before '=' makes the word not an option.  Values with blanks are quoted again (the shared
 * tokenizer removed the quotes; kmod keeps them). */
void mod_cmdline_options(const struct cmdline *cl, const char *name, const char *alias,
			 struct mod_buf *out)
{
	int i;

	for (i = 0; cl && i < cl->nparams; i++) {
		const char *k = cl->params[i].key, *v = cl->params[i].val, *dot = strchr(k, '.');
		size_t n = dot ? (size_t)(dot - k) : 0;
		int q = v && v[strcspn(v, " \t")];

		if (!dot || strchr(dot + 1, '.') || dot == k || !strncmp(k, "modprobe.", 9) ||
		    (!dot[1] && !v) || (!norm_eq(k, n, name) && (!alias || !norm_eq(k, n, alias))))
			continue;
		if (out->n)
			mod_buf_add(out, " ", 1);
		mod_buf_str(out, dot + 1);
		if (v) {
			mod_buf_add(out, "=\"", q ? 2 : 1);
			mod_buf_str(out, v);
			mod_buf_add(out, "\"", (size_t)q);
		}
	}
}

int mod_blacklisted(const char *list, const char *name)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");

		if (norm_eq(p, n, name))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

int mod_ctx_open_conf(struct mod_ctx *c, const char *root, const char *dir, const char *const *conf)
{
	struct mod_conf_files files = { 0 };
	struct mod_buf path = { 0 };
	struct utsname u;
	int r, i;

	memset(c, 0, sizeof(*c));
	c->ops = &mod_sys_ops;
	if (snprintf(c->root, sizeof(c->root), "%s", root ? root : "") >= (int)sizeof(c->root))
		return -ENAMETOOLONG;
	if (!dir) {
		if (uname(&u) < 0)
			return -errno;
		mod_buf_str(&path, c->root);
		mod_buf_str(&path, "/lib/modules/");
		mod_buf_str(&path, u.release);
		if (path.err)
			return path.err;
	}
	r = mod_db_open(&c->db, dir ? dir : path.p);
	r = r < 0 ? r : mod_conf_files_add(&files, "modules.softdep", NULL);
	for (i = 0; r >= 0 && (conf ? conf[i] : mod_conf_dirs[i]); i++) {
		path.n = 0;
		mod_buf_str(&path, conf ? "" : c->root);
		mod_buf_str(&path, conf ? conf[i] : mod_conf_dirs[i]);
		r = path.err ? path.err : mod_conf_files_scan(&files, path.p);
		if (r == -ENOENT || r == -ENOTDIR || r == -EACCES)
			r = 0; /* kmod goes on without a path it cannot read */
	}
	if (r >= 0) {
		mod_conf_files_sort(&files);
		r = mod_db_conf(&c->db, &files);
	}
	mod_conf_files_free(&files);
	free(path.p);
	return r;
}

int mod_ctx_open(struct mod_ctx *c, const char *root, const char *dir)
{
	return mod_ctx_open_conf(c, root, dir, NULL);
}

void mod_ctx_close(struct mod_ctx *c)
{
	mod_db_close(&c->db);
	free(c->skipped);
	c->skipped = NULL;
}
