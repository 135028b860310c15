/* What the image's own files need besides their bytes: accounts (pack/accounts.c: /etc/passwd,
 * /etc/group and /etc/shadow holding every account the image refers to, from the host's
 * databases), per-path modes and owners (attrs.c), the modules its filesystems need (implied.c). */
#ifndef MINBOOT_PACK_ACCOUNTS_H
#define MINBOOT_PACK_ACCOUNTS_H
#include <stddef.h>

#include "pack/pack.h"

struct pack_opts;

enum { ACCT_USER, ACCT_GROUP };
struct acct_want {
	int kind;                /* ACCT_USER or ACCT_GROUP */
	const char *name;        /* by name, or NULL for */
	long id;                 /* by number */
	int required;            /* not in the image nor on the host: an error, else left out */
	const char *why;         /* "minboot.user", "owns /var/lib/redis", ... */
};

struct acct_result {
	char *passwd, *group, *shadow;  /* the new files' text (malloc'ed) */
	int shadow_group;        /* the gid of group "shadow" in the new group file, or -1 */
	char *why;               /* "accounts: ... (why each was added)" */
	int added;               /* accounts (users and groups) taken from the host */
	char err[512];           /* why it failed */
};

/* Pure: the image's files (NULL when it has none) and the host's, and what is wanted.  Lines of
 * the image stay as they are; each wanted account the image lacks is taken from the host (its
 * primary group and the groups listing it come along), appended in order of their ids; every
 * user without a shadow line gets a locked one ("*": no password works, keys do).  0, or
 * -ENOENT with err set for a required account found nowhere. */
int accounts_make(const char *img_passwd, const char *img_group, const char *img_shadow,
		  const char *host_passwd, const char *host_group,
		  const struct acct_want *w, int nw, struct acct_result *out);
void acct_result_free(struct acct_result *r);

/* USER or USER:GROUP (names or numbers) as the init reads minboot.user, into wants. */
int acct_user_spec(const char *spec, const char *why, struct acct_want *w, int *nw);

/* For the packer: wanted accounts gathered (--user, --chown, the package part), then the plan's
 * /etc/passwd, /etc/group and /etc/shadow written for them, the owners of host files and
 * minboot.user; the host's databases are read from accounts_host_etc (default "/etc"). */
extern const char *accounts_host_etc;
void accounts_need(int kind, const char *name, long id, int required, const char *why);
/* --unit's hook (pack/unit.h): its User= must be in the image; 0, it will be (from the host). */
int accounts_want(const char *name);
int accounts_add(struct plan *p, struct pack_opts *o);
/* An account name or number of the image (after accounts_add) or the host: its id, or -ENOENT. */
long accounts_id(const struct plan *p, int kind, const char *name);

/* implied.c — the modules --format ext2 and /etc/fstab need, onto o->module (before modules_add). */
int modules_implied(struct plan *p, struct pack_opts *o);

/* attrs.c — --chmod and --chown on the finished plan (after the accounts); attrs_wants first. */
void attrs_wants(const struct pack_opts *o);
int attrs_apply(struct plan *p, const struct pack_opts *o);

#endif
