/* kmod_module_probe_insert_module(): the load list of a module — softdeps pre, dependencies
 * (each with its own softdeps), the module, softdeps post — built exactly as libkmod builds it,
 * then loaded (or shown) in order.  Like libkmod, a module reached by an alias is a different
 * object from the same module reached by name, so it can appear twice (modprobe prints both). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cmdline.h"
#include "modload/internal.h"

struct obj {
	int mod;
	char *alias;             /* the normalised key it was found by, or NULL */
	unsigned builtin : 1, visited : 1, required : 1;
};

struct probe {
	struct mod_ctx *c;
	struct obj *o;
	int no, co;
	int *list;
	int nl, cl;
};

static int obj_get(struct probe *p, int mod, const char *alias, int builtin)
{
	int i;

	for (i = 0; i < p->no; i++)
		if (p->o[i].mod == mod && (p->o[i].alias && alias ? !strcmp(p->o[i].alias, alias) :
					   p->o[i].alias == alias))
			return i;
	if (p->no == p->co) {
		void *v = realloc(p->o, (size_t)(p->co = p->co ? p->co * 2 : 16) * sizeof(*p->o));

		if (!v)
			return -ENOMEM;
		p->o = v;
	}
	memset(&p->o[p->no], 0, sizeof(p->o[0]));
	p->o[p->no].mod = mod;
	p->o[p->no].builtin = builtin || p->c->db.mods[mod].builtin;
	if (alias && !(p->o[p->no].alias = strdup(alias)))
		return -ENOMEM;
	return p->no++;
}

static int list_add(struct probe *p, int o)
{
	if (p->nl == p->cl) {
		void *v = realloc(p->list, (size_t)(p->cl = p->cl ? p->cl * 2 : 16) * sizeof(int));

		if (!v)
			return -ENOMEM;
		p->list = v;
	}
	p->list[p->nl++] = o;
	return 0;
}

static int visit(struct probe *p, int o, int required);

/* lookup_dep(): each word of a softdep is looked up like a modprobe argument; a word that
 * names nothing is skipped (kmod says "failed to lookup dependency" only for errors). */
static int visit_words(struct probe *p, const char *spec, const char *mode)
{
	char buf[1024], *w, *save = NULL;
	const char *cur = "";
	int r = 0, i;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (w = strtok_r(buf, " \t", &save); w && r >= 0; w = strtok_r(NULL, " \t", &save)) {
		struct mod_matches m = { 0 };

		if (!strcmp(w, "pre:") || !strcmp(w, "post:")) {
			cur = w;
			continue;
		}
		if (strcmp(cur, mode) || mod_lookup(&p->c->db, w, &m) < 0) {
			mod_matches_free(&m);
			continue;
		}
		for (i = 0; i < m.n && r >= 0; i++) {
			r = obj_get(p, m.v[i].mod, m.v[i].by_alias ? m.norm : NULL, m.v[i].builtin);
			if (r >= 0)
				r = visit(p, r, 0);
		}
		mod_matches_free(&m);
	}
	return r;
}

/* __kmod_module_fill_softdep(): pre softdeps, the module, post softdeps. */
static int fill_softdep(struct probe *p, int o)
{
	const struct mod_softdep *sd = mod_softdep_find(&p->c->db, p->c->db.mods[p->o[o].mod].name);
	int r = sd ? visit_words(p, sd->spec, "pre:") : 0;

	if (r >= 0)
		r = list_add(p, o);
	if (r >= 0 && sd)
		r = visit_words(p, sd->spec, "post:");
	return r;
}

/* __kmod_module_get_probe_list(): dependencies come from the module's own modules.dep line
 * (already transitive), taken last to first as libkmod's list is built by prepending. */
static int visit(struct probe *p, int o, int required)
{
	int k, r, mod = p->o[o].mod, nd = p->c->db.mods[mod].ndeps;
	const int *deps = p->c->db.mods[mod].deps;

	if (p->o[o].visited)
		return 0;
	p->o[o].visited = 1;
	if (required) {
		p->o[o].required = 1;
		for (k = 0; k < nd; k++) {
			if ((r = obj_get(p, deps[k], NULL, 0)) < 0)
				return r;
			p->o[r].required = 1;
		}
	}
	for (k = nd - 1; k >= 0; k--) {
		if ((r = obj_get(p, deps[k], NULL, 0)) < 0 || (r = fill_softdep(p, r)) < 0)
			return r;
	}
	return fill_softdep(p, o);
}

static void notice(struct mod_ctx *c, const char *name, int err, int required)
{
	if (c->notice)
		c->notice(c->arg, name, err, required);
}

/* One entry of the list: shown, then inserted unless this is a dry run. */
static int step(struct mod_ctx *c, const struct obj *o, const char *extra, int flags)
{
	struct mod_entry *e = &c->db.mods[o->mod];
	char opts[2048], path[PATH_MAX * 2];
	size_t n;
	int r;

	if (!(flags & MOD_IGNORE_LOADED) && (e->loaded || mod_in_kernel(c, e->name, o->builtin)))
		return -EEXIST;
	mod_cmdline_options(c->cmdline, e->name, o->alias, opts, sizeof(opts));
	n = strlen(opts);
	if (n) /* module_options_concat(): a space after the configured options, always */
		snprintf(opts + n, sizeof(opts) - n, " %s", extra ? extra : "");
	else if (extra)
		snprintf(opts, sizeof(opts), "%s", extra);
	if (e->path)
		snprintf(path, sizeof(path), "%s%s%s", e->path[0] == '/' ? "" : c->db.dir,
			 e->path[0] == '/' ? "" : "/", e->path);
	if (c->show)
		c->show(c->arg, &(struct mod_step){ e->name, e->path ? path : NULL, opts, o->builtin });
	if (flags & MOD_DRY_RUN)
		return 0;
	if (!e->path) {
		snprintf(c->why, sizeof(c->why), "not in modules.dep (no file for it in %s)", c->db.dir);
		return -ENOENT;
	}
	r = mod_insert(c, path, opts);
	if (r == 0) {
		e->loaded = 1;
		c->nloaded++;
		if (c->loaded)
			c->loaded(c->arg, e->name);
	}
	return r;
}

static int run_list(struct mod_ctx *c, struct probe *p, int top, const char *extra, int flags)
{
	int i, r = 0;

	for (i = 0; i < p->nl; i++) {
		const struct obj *o = &p->o[p->list[i]];

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

static int probe_one(struct mod_ctx *c, const struct mod_match *mt, const char *norm,
		     const char *extra, int flags)
{
	struct probe p = { c, NULL, 0, 0, NULL, 0, 0 };
	const char *name = c->db.mods[mt->mod].name;
	int i, top, r;

	top = r = obj_get(&p, mt->mod, mt->by_alias ? norm : NULL, mt->builtin);
	if (r < 0)
		goto out;
	if (!(flags & MOD_IGNORE_LOADED) && (c->db.mods[mt->mod].loaded ||
					      mod_in_kernel(c, name, p.o[top].builtin))) {
		r = flags & MOD_FIRST_TIME ? -EEXIST : 0;
		goto out;
	}
	/* modprobe applies the blacklist to aliases always, to names with -b */
	if ((mt->by_alias || (flags & MOD_BLACKLIST)) && mod_blacklisted(c->blacklist, name)) {
		r = 1;
		goto out;
	}
	r = visit(&p, top, 1);
	if (r >= 0)
		r = run_list(c, &p, top, extra, flags);
out:
	for (i = 0; i < p.no; i++)
		free(p.o[i].alias);
	free(p.o);
	free(p.list);
	return r;
}

int mod_probe(struct mod_ctx *c, const char *name, const char *extra, int flags)
{
	struct mod_matches m = { 0 };
	int i, r, ret = 0;

	c->why[0] = '\0';
	r = mod_lookup(&c->db, name, &m);
	if (r <= 0) {
		mod_matches_free(&m);
		if (r == 0)
			snprintf(c->why, sizeof(c->why), "not found in %s", c->db.dir);
		return r < 0 ? r : -ENOENT;
	}
	for (i = 0; i < m.n; i++) { /* modprobe loads every module an alias matches */
		r = probe_one(c, &m.v[i], m.norm, extra, flags);
		if (r < 0 && ret >= 0)
			ret = r;
		else if (r > 0 && !ret)
			ret = r;
	}
	mod_matches_free(&m);
	return ret;
}

/* kmod's kcmdline parsing: "mod.param[=value]" words; the module part normalised, a second '.'
 * before '=' makes the word not an option.  Values with blanks are quoted again (the shared
 * tokenizer removed the quotes; kmod keeps them). */
void mod_cmdline_options(const struct cmdline *cl, const char *name, const char *alias, char *out,
			 size_t outlen)
{
	size_t n = 0;
	int i;

	out[0] = '\0';
	for (i = 0; cl && i < cl->nparams; i++) {
		const char *k = cl->params[i].key, *v = cl->params[i].val, *dot = strchr(k, '.');
		char mod[256];
		int q;

		if (!dot || strchr(dot + 1, '.') || dot == k || (size_t)(dot - k) >= sizeof(mod) ||
		    !strncmp(k, "modprobe.", 9))
			continue;
		snprintf(mod, sizeof(mod), "%.*s", (int)(dot - k), k);
		if (mod_normalize(mod, mod, sizeof(mod)) < 0)
			continue;
		if (strcmp(mod, name) && (!alias || strcmp(mod, alias)))
			continue;
		q = v && v[strcspn(v, " \t")];
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%s%s%s%s%s%s", n ? " " : "",
				      dot + 1, v ? "=" : "", q ? "\"" : "", v ? v : "", q ? "\"" : "");
		if (n >= outlen) {
			out[outlen - 1] = '\0';
			n = outlen - 1;
		}
	}
}

int mod_blacklisted(const char *list, const char *name)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		char w[256];

		snprintf(w, sizeof(w), "%.*s", (int)n, p);
		if (mod_normalize(w, w, sizeof(w)) == 0 && !strcmp(w, name))
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

int mod_ctx_open(struct mod_ctx *c, const char *root, const char *dir)
{
	char buf[PATH_MAX];
	struct utsname u;

	memset(c, 0, sizeof(*c));
	c->ops = &mod_sys_ops;
	if (snprintf(c->root, sizeof(c->root), "%s", root ? root : "") >= (int)sizeof(c->root))
		return -ENAMETOOLONG;
	if (!dir) {
		if (uname(&u) < 0)
			return -errno;
		if (snprintf(buf, sizeof(buf), "%s/lib/modules/%s", c->root, u.release) >= (int)sizeof(buf))
			return -ENAMETOOLONG;
		dir = buf;
	}
	return mod_db_open(&c->db, dir);
}

void mod_ctx_close(struct mod_ctx *c)
{
	mod_db_close(&c->db);
}
