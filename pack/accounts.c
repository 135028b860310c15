/* The image's accounts.  An image refers to accounts by the owners of the host files it holds
 * (a postgres-owned data directory), by minboot.user, by --user and --chown, and by the packages
 * the package part brings (the accounts their maintainer scripts made: sshd, redis, postgres;
 * Debian's static ones from base-passwd: www-data).  Each one the image's /etc/passwd or
 * /etc/group lacks is taken from the host's, with its primary group and the groups that list
 * it; /etc/shadow gets a locked line ("*") for every user without one, mode 0640 root:shadow
 * (0600 root:root when the image has no shadow group).  The host's password hashes never go
 * in: shadow is written, not copied.  A minboot.user found nowhere is a pack-time error, as
 * the boot would stop with status 125. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "common/log.h"
#include "pack/accounts.h"
#include "pack/closure.h"
#include "pack/opts.h"
#include "pack/pack.h"

const char *accounts_host_etc = "/etc";

struct line {
	char *text;              /* the whole line, as it was */
	char *name;              /* NULL: a line that is not an account (kept as it is) */
	long id, gid;            /* gid: a user's primary group */
	char *members;           /* a group's member list ("" when none) */
	const char *why;         /* an added line: why */
	int of_user;             /* a group that came with the user named by why */
};
struct db { struct line *v; int n, cap; };

static struct line *db_push(struct db *d)
{
	if (d->n == d->cap && !(d->v = realloc(d->v, (d->cap = d->cap ? d->cap * 2 : 32) * sizeof(*d->v))))
		abort();
	memset(&d->v[d->n], 0, sizeof(d->v[0]));
	return &d->v[d->n++];
}

static long id_of(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end || v > 0xfffffffeL ? -1 : v;
}

/* passwd (kind ACCT_USER: 7 fields) or group (ACCT_GROUP: 3 or 4) text into lines */
static void db_parse(struct db *d, const char *text, int kind)
{
	const char *l, *e;

	for (l = text; l && *l; l = *e ? e + 1 : e) {
		struct line *x;
		char *copy, *f[7];
		int n;
		e = strchrnul(l, '\n');
		if (e == l)
			continue;
		x = db_push(d);
		x->text = strndup(l, e - l);
		copy = strndup(l, e - l);
		if (!x->text || !copy)
			abort();
		n = colon_fields(copy, f, 7);
		if ((kind == ACCT_USER && n == 7 && id_of(f[2]) >= 0 && id_of(f[3]) >= 0) ||
		    (kind == ACCT_GROUP && n >= 3 && id_of(f[2]) >= 0)) {
			x->name = xstrdup(f[0]);
			x->id = id_of(f[2]);
			x->gid = kind == ACCT_USER ? id_of(f[3]) : -1;
			x->members = xstrdup(kind == ACCT_GROUP && n >= 4 ? f[3] : "");
		}
		free(copy);
	}
}

static void db_free(struct db *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].text);
		free(d->v[i].name);
		free(d->v[i].members);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static struct line *db_find(const struct db *d, const char *name, long id)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].name && (name ? !strcmp(d->v[i].name, name) : d->v[i].id == id))
			return &d->v[i];
	return NULL;
}

static int member_of(const char *members, const char *user)
{
	size_t l = strlen(user);
	const char *m;

	for (m = members; m && *m; m = strchr(m, ',') ? strchr(m, ',') + 1 : NULL)
		if (!strncmp(m, user, l) && (m[l] == ',' || m[l] == '\0'))
			return 1;
	return 0;
}

struct work { struct acct_want *v; int n, cap; };

static void work_push(struct work *w, int kind, const char *name, long id, int required, const char *why)
{
	if (w->n == w->cap && !(w->v = realloc(w->v, (w->cap = w->cap ? w->cap * 2 : 32) * sizeof(*w->v))))
		abort();
	w->v[w->n++] = (struct acct_want){ kind, name, id, required, why };
}

static int by_id(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* a host line added to the image: the password field is "x" (the hash stays on the host) */
static void add_line(struct db *to, const struct line *h, int kind, const char *why)
{
	struct line *x = db_push(to);
	char *copy = xstrdup(h->text), *f[7];
	int n = colon_fields(copy, f, 7), i;
	size_t len = 1;

	for (i = 0; i < n; i++)
		len += strlen(i == 1 ? "x" : f[i]) + 1;
	if (!(x->text = malloc(len)))
		abort();
	x->text[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(strcat(x->text, i ? ":" : ""), i == 1 ? "x" : f[i]);
	x->name = xstrdup(h->name);
	x->id = h->id;
	x->gid = h->gid;
	x->members = xstrdup(h->members ? h->members : "");
	x->why = why;
	free(copy);
	(void)kind;
}

static char *text_of(const struct db *img, const struct db *added, const struct db *users, int group)
{
	char *out = NULL, *t;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int i;

	if (!f)
		abort();
	for (i = 0; i < img->n; i++)
		fprintf(f, "%s\n", img->v[i].text);
	for (i = 0; i < added->n; i++) {
		const struct line *x = &added->v[i];
		if (!group) {
			fprintf(f, "%s\n", x->text);
			continue;
		}
		/* a group's members: those the image has */
		char *m = xstrdup(x->members), *save = NULL;
		int first = 1;
		fprintf(f, "%s:x:%ld:", x->name, x->id);
		for (t = strtok_r(m, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (users && db_find(users, t, -1)) {
				fprintf(f, "%s%s", first ? "" : ",", t);
				first = 0;
			}
		fputc('\n', f);
		free(m);
	}
	fclose(f);
	return out;
}

/* "user a, b (why); group c (a group of a)": one list per reason, in the order they came */
static void why_add(FILE *f, const struct db *d, const char *what, int *first)
{
	int i, k;

	for (i = 0; i < d->n; i++) {
		int seen = 0;
		for (k = 0; k < i && !seen; k++)
			seen = d->v[k].of_user == d->v[i].of_user && !strcmp(d->v[k].why, d->v[i].why);
		if (seen)
			continue;
		fprintf(f, "%s%s %s", *first ? "" : "; ", what, d->v[i].name);
		for (k = i + 1; k < d->n; k++)
			if (d->v[k].of_user == d->v[i].of_user && !strcmp(d->v[k].why, d->v[i].why))
				fprintf(f, ", %s", d->v[k].name);
		fprintf(f, " (%s%s)", d->v[i].of_user ? "groups of " : "", d->v[i].why);
		*first = 0;
	}
}

int accounts_make(const char *img_passwd, const char *img_group, const char *img_shadow,
		  const char *host_passwd, const char *host_group,
		  const struct acct_want *want, int nwant, struct acct_result *out)
{
	struct db iu = { 0 }, ig = { 0 }, hu = { 0 }, hg = { 0 }, au = { 0 }, ag = { 0 }, all = { 0 };
	struct work w = { 0 };
	const struct line *h;
	char *s = NULL;
	size_t len = 0;
	FILE *f;
	int i, k, r = 0, first = 1;

	memset(out, 0, sizeof(*out));
	out->shadow_group = -1;
	db_parse(&iu, img_passwd, ACCT_USER);
	db_parse(&ig, img_group, ACCT_GROUP);
	db_parse(&hu, host_passwd, ACCT_USER);
	db_parse(&hg, host_group, ACCT_GROUP);
	for (i = 0; i < nwant; i++)
		work_push(&w, want[i].kind, want[i].name, want[i].id, want[i].required, want[i].why);
	/* users first: each one added brings its groups as further wants */
	for (i = 0; i < w.n && !r; i++) {
		const struct acct_want *x = &w.v[i];
		if (x->kind != ACCT_USER || db_find(&iu, x->name, x->id) || db_find(&au, x->name, x->id))
			continue;
		if (!(h = db_find(&hu, x->name, x->id))) {
			if (x->required && x->name)
				snprintf(out->err, sizeof(out->err), "%s: no user %s in the image's /etc/passwd nor on this host", x->why, x->name);
			else if (x->required)
				snprintf(out->err, sizeof(out->err), "%s: no user %ld in the image's /etc/passwd nor on this host", x->why, x->id);
			r = x->required ? -ENOENT : 0;
			continue;
		}
		add_line(&au, h, ACCT_USER, x->why);
		/* why: the user's name (a heap string that stays where it is) */
		work_push(&w, ACCT_GROUP, NULL, h->gid, -1, au.v[au.n - 1].name);
		for (k = 0; k < hg.n; k++)
			if (hg.v[k].name && member_of(hg.v[k].members, h->name))
				work_push(&w, ACCT_GROUP, NULL, hg.v[k].id, -1, au.v[au.n - 1].name);
	}
	for (i = 0; i < w.n && !r; i++) {
		const struct acct_want *x = &w.v[i];
		if (x->kind != ACCT_GROUP || db_find(&ig, x->name, x->id) || db_find(&ag, x->name, x->id))
			continue;
		if (!(h = db_find(&hg, x->name, x->id))) {
			if (x->required > 0) {
				if (x->name)
					snprintf(out->err, sizeof(out->err), "%s: no group %s in the image's /etc/group nor on this host", x->why, x->name);
				else
					snprintf(out->err, sizeof(out->err), "%s: no group %ld in the image's /etc/group nor on this host", x->why, x->id);
				r = -ENOENT;
			}
			continue;
		}
		add_line(&ag, h, ACCT_GROUP, x->why);
		ag.v[ag.n - 1].of_user = x->required < 0; /* came with the user named by why */
	}
	if (r < 0)
		goto out;
	/* the added ones in order of their ids: the same image whatever the order of the wants */
	if (au.n)
		qsort(au.v, au.n, sizeof(*au.v), by_id);
	if (ag.n)
		qsort(ag.v, ag.n, sizeof(*ag.v), by_id);
	for (i = 0; i < iu.n; i++)
		if (iu.v[i].name)
			db_push(&all)->name = iu.v[i].name;
	for (i = 0; i < au.n; i++)
		db_push(&all)->name = au.v[i].name;
	out->passwd = text_of(&iu, &au, NULL, 0);
	out->group = text_of(&ig, &ag, &all, 1);
	/* shadow: the image's lines, then a locked one for each user without */
	{
		struct db is = { 0 };
		char *t = NULL;
		size_t tl = 0;
		FILE *sf = open_memstream(&t, &tl);
		db_parse(&is, img_shadow, ACCT_USER); /* only the lines are used */
		for (i = 0; i < is.n; i++)
			fprintf(sf, "%s\n", is.v[i].text);
		for (i = 0; i < all.n; i++) {
			int have = 0;
			for (k = 0; k < is.n && !have; k++)
				have = !strncmp(is.v[k].text, all.v[i].name, strlen(all.v[i].name)) &&
				       is.v[k].text[strlen(all.v[i].name)] == ':';
			if (!have)
				fprintf(sf, "%s:*::0:99999:7:::\n", all.v[i].name);
		}
		fclose(sf);
		db_free(&is);
		out->shadow = t;
	}
	if ((h = db_find(&ig, "shadow", -1)) || (h = db_find(&ag, "shadow", -1)))
		out->shadow_group = (int)h->id;
	out->added = au.n + ag.n;
	if (out->added) {
		f = open_memstream(&s, &len);
		fputs("accounts: the image's, and from this host: ", f);
		why_add(f, &au, "user", &first);
		why_add(f, &ag, "group", &first);
		fclose(f);
		out->why = s;
	}
out:
	for (i = 0; i < all.n; i++)
		all.v[i].name = NULL;
	db_free(&all);
	db_free(&iu), db_free(&ig), db_free(&hu), db_free(&hg), db_free(&au), db_free(&ag);
	free(w.v);
	return r;
}

void acct_result_free(struct acct_result *r)
{
	free(r->passwd);
	free(r->group);
	free(r->shadow);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

int acct_user_spec(const char *spec, const char *why, struct acct_want *w, int *nw)
{
	char *user = cl_printf("%s", spec), *group = strchr(user, ':'); /* kept: the wants point into it */

	if (group)
		*group++ = '\0';
	if (!*user || (group && !*group))
		return -EINVAL;
	/* a number needs no account (the init runs it as that uid); a name must have one */
	w[(*nw)++] = (struct acct_want){ ACCT_USER, id_of(user) >= 0 ? NULL : user, id_of(user), id_of(user) < 0, why };
	if (group && id_of(group) < 0)
		w[(*nw)++] = (struct acct_want){ ACCT_GROUP, group, -1, 1, why };
	return 0;
}

/* ---- the packer's side ---- */

static struct work wants;

void accounts_need(int kind, const char *name, long id, int required, const char *why)
{
	work_push(&wants, kind, name ? xstrdup(name) : NULL, id, required, why);
}

int accounts_want(const char *name)
{
	accounts_need(ACCT_USER, name, -1, 1, cl_printf("--unit User=%s", name));
	return 0;
}

static char *entry_text(const struct plan *p, const char *path)
{
	const struct entry *e = plan_find(p, path);
	char *buf;
	size_t len;

	if (!e || e->type != E_FILE)
		return NULL;
	if (!e->src)
		return xstrdup(e->data);
	return file_read_all(e->src, &buf, &len, 1 << 24) == 0 ? buf : NULL;
}

static char *host_text(const char *name)
{
	char path[4096], *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", accounts_host_etc, name);
	return file_read_all(path, &buf, &len, 1 << 24) == 0 ? buf : NULL;
}

/* minboot.user and minboot.groups as the init will read them: the image's settings file */
static struct config conf;

static const char *conf_user(const struct plan *p)
{
	char *text = entry_text(p, "/etc/minboot.conf"), why[256];

	config_defaults(&conf);
	if (text)
		config_apply_file(&conf, text, why, sizeof(why));
	free(text);
	return conf.user[0] ? conf.user : NULL;
}

static long seen_id(long *v, int *n, long id)
{
	int i;

	for (i = 0; i < *n; i++)
		if (v[i] == id)
			return 1;
	v[(*n)++] = id;
	return 0;
}

int accounts_add(struct plan *p, struct pack_opts *o)
{
	char *ip = entry_text(p, "/etc/passwd"), *ig = entry_text(p, "/etc/group");
	char *is = entry_text(p, "/etc/shadow"), *hp = host_text("passwd"), *hg = host_text("group");
	struct acct_want *w = calloc(wants.n + 2 * p->n + 4 + sizeof(conf.groups) / 2, sizeof(*w));
	long *uids = calloc(p->n + 1, sizeof(long)), *gids = calloc(p->n + 1, sizeof(long));
	struct acct_result res;
	const char *user = conf_user(p);
	int nw = 0, nu = 0, ng = 0, r;
	size_t i;

	(void)o;
	if (!w || !uids || !gids)
		abort();
	if (user && acct_user_spec(user, cl_printf("minboot.user=%s (the boot would stop with status 125)", user), w, &nw) < 0) {
		err("minboot.user=%s: expected USER[:GROUP]", user);
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < (size_t)wants.n; i++)
		w[nw++] = wants.v[i];
	{ /* minboot.groups: more groups of the user's, names the image must have */
		char *g = cl_printf("%s", conf.groups), *save = NULL, *t;
		for (t = strtok_r(g, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (id_of(t) < 0)
				w[nw++] = (struct acct_want){ ACCT_GROUP, t, -1, 1, "minboot.groups" };
	}
	/* the owners of host files are the host's accounts */
	for (i = 0; i < p->n; i++) {
		const struct entry *e = &p->v[i];
		if (!e->host)
			continue;
		if (e->uid && !seen_id(uids, &nu, e->uid))
			w[nw++] = (struct acct_want){ ACCT_USER, NULL, e->uid, 0, cl_printf("owns %s", e->dst) };
		if (e->gid && !seen_id(gids, &ng, e->gid))
			w[nw++] = (struct acct_want){ ACCT_GROUP, NULL, e->gid, 0, cl_printf("group of %s", e->dst) };
	}
	if ((r = accounts_make(ip, ig, is, hp, hg, w, nw, &res)) < 0) {
		err("%s", res.err);
		goto out;
	}
	if (!res.added && (!ip || is))
		goto done; /* nothing to add; an image without accounts stays so */
	if (res.added) {
		if ((r = plan_add_data(p, "/etc/passwd", res.passwd, strlen(res.passwd), 0644, res.why)) < 0 ||
		    (r = plan_add_data(p, "/etc/group", res.group, strlen(res.group), 0644, res.why)) < 0)
			goto done;
		res.why = NULL; /* the entries point to it */
	}
	if ((r = plan_add_data(p, "/etc/shadow", res.shadow, strlen(res.shadow),
			       res.shadow_group >= 0 ? 0640 : 0600, "accounts: locked passwords")) < 0)
		goto done;
	p->v[p->n - 1].gid = res.shadow_group >= 0 ? (uint32_t)res.shadow_group : 0;
	r = plan_finish(p);
done:
	acct_result_free(&res);
out:
	free(ip), free(ig), free(is), free(hp), free(hg), free(w), free(uids), free(gids);
	return r;
}

long accounts_id(const struct plan *p, int kind, const char *name)
{
	char *img = entry_text(p, kind == ACCT_USER ? "/etc/passwd" : "/etc/group");
	char *host = host_text(kind == ACCT_USER ? "passwd" : "group");
	struct db a = { 0 }, b = { 0 };
	const struct line *x;
	long id = id_of(name);

	if (id < 0) {
		db_parse(&a, img, kind);
		db_parse(&b, host, kind);
		x = db_find(&a, name, -1);
		if (!x)
			x = db_find(&b, name, -1);
		id = x ? x->id : -ENOENT;
		db_free(&a);
		db_free(&b);
	}
	free(img);
	free(host);
	return id;
}
