/* --chmod MODE:GLOB and --chown USER:GROUP:GLOB: per-path modes and owners, applied to the
 * finished plan after everything else (so they win over every input's rule), in the order
 * given.  '*' crosses '/' as in --exclude.  Names are the image's accounts, else the host's
 * (which the image then gets: accounts_chown_wants runs before the accounts are written). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/glob.h"
#include "common/log.h"
#include "pack/accounts.h"
#include "pack/opts.h"
#include "pack/pack.h"

/* the USER and GROUP of a --chown, as wanted accounts */
void attrs_wants(const struct pack_opts *o)
{
	int i;

	for (i = 0; i < o->nchown; i++) {
		char *a = xstrdup(o->chown[i]), *g = strchr(a, ':'), *glob = strchr(g + 1, ':');
		*g++ = '\0';
		*glob = '\0';
		if (*a && strspn(a, "0123456789") != strlen(a))
			accounts_need(ACCT_USER, a, -1, 1, "--chown");
		if (*g && strspn(g, "0123456789") != strlen(g))
			accounts_need(ACCT_GROUP, g, -1, 1, "--chown");
		free(a);
	}
}

static int matches(struct plan *p, const char *glob, const char *what, void (*set)(struct entry *, long, long),
		   long a, long b)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->n; i++)
		if (glob_match(glob, p->v[i].dst)) {
			set(&p->v[i], a, b);
			n++;
		}
	if (!n)
		warn("%s: nothing in the image matches %s", what, glob);
	return n;
}

static void set_mode(struct entry *e, long mode, long unused)
{
	(void)unused;
	if (e->type != E_SYMLINK) /* a symlink's mode means nothing */
		e->perm = (mode_t)mode;
}

static void set_owner(struct entry *e, long uid, long gid)
{
	if (uid >= 0)
		e->uid = (uint32_t)uid;
	if (gid >= 0)
		e->gid = (uint32_t)gid;
	e->host = 0; /* the accounts were asked for by name, or are numbers meant as such */
}

int attrs_apply(struct plan *p, const struct pack_opts *o)
{
	long uid, gid;
	int i;

	for (i = 0; i < o->nchmod; i++) {
		const char *c = strchr(o->chmod[i], ':');
		matches(p, c + 1, o->chmod[i], set_mode, strtol(o->chmod[i], NULL, 8) & 07777, 0);
	}
	for (i = 0; i < o->nchown; i++) {
		char *a = xstrdup(o->chown[i]), *g = strchr(a, ':'), *glob = strchr(g + 1, ':');
		*g++ = '\0';
		*glob++ = '\0';
		uid = *a ? accounts_id(p, ACCT_USER, a) : -1;
		gid = *g ? accounts_id(p, ACCT_GROUP, g) : -1;
		if ((*a && uid < 0) || (*g && gid < 0)) {
			err("--chown %s: no %s %s in the image nor on this host", o->chown[i], *a && uid < 0 ? "user" : "group",
			    *a && uid < 0 ? a : g);
			free(a);
			return -ENOENT;
		}
		matches(p, glob, o->chown[i], set_owner, uid, gid);
		free(a);
	}
	return 0;
}
