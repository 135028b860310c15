#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "common/log.h"
#include "pack/pack.h"

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort(); /* the packer is a host tool: out of memory is the end */
	return d;
}

/* Absolute, no ".", "..", empty components or trailing slash.  ".." is refused, never resolved:
 * a destination that tries to climb out of the image is a mistake to report. */
int path_normalise(const char *in, char *out, size_t outlen)
{
	size_t o = 0, l;
	const char *c = in, *e;

	if (*in != '/')
		return -EINVAL;
	while (*c) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		e = strchrnul(c, '/');
		l = e - c;
		if (l == 1 && c[0] == '.') {
			c = e;
			continue;
		}
		if (l == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (o + l + 2 > outlen)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, c, l);
		o += l;
		c = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

static struct entry *plan_new(struct plan *p, const char *dst, enum entry_type t, mode_t perm,
			      const char *why, int *r)
{
	char norm[4096];
	struct entry *e;

	*r = path_normalise(dst, norm, sizeof(norm));
	if (*r < 0)
		return NULL;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
		if (!p->v)
			abort();
	}
	e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->dst = xstrdup(norm);
	e->type = t;
	e->perm = perm & 07777;
	e->why = why;
	e->seq = p->n;
	return e;
}

int plan_add_dir(struct plan *p, const char *dst, mode_t perm, const char *why)
{
	int r;

	plan_new(p, dst, E_DIR, perm, why, &r);
	return r;
}

int plan_add_file(struct plan *p, const char *dst, const char *src, mode_t perm, const char *why)
{
	int r;
	struct entry *e = plan_new(p, dst, E_FILE, perm, why, &r);

	if (e)
		e->src = xstrdup(src);
	return r;
}

int plan_add_data(struct plan *p, const char *dst, const void *data, size_t len, mode_t perm,
		  const char *why)
{
	int r;
	struct entry *e = plan_new(p, dst, E_FILE, perm, why, &r);

	if (e) {
		e->data = malloc(len + 1);
		if (!e->data)
			abort();
		memcpy(e->data, data, len);
		e->data[len] = '\0';
		e->len = len;
	}
	return r;
}

int plan_add_symlink(struct plan *p, const char *dst, const char *target, const char *why)
{
	int r;
	struct entry *e = plan_new(p, dst, E_SYMLINK, 0777, why, &r);

	if (e) {
		e->data = xstrdup(target);
		e->len = strlen(target);
	}
	return r;
}

int plan_add_chr(struct plan *p, const char *dst, unsigned major, unsigned minor, mode_t perm,
		 const char *why)
{
	int r;
	struct entry *e = plan_new(p, dst, E_CHR, perm, why, &r);

	if (e) {
		e->major = major;
		e->minor = minor;
	}
	return r;
}

mode_t mode_user(mode_t m)
{
	if (S_ISDIR(m))
		return 0755 | (m & S_ISVTX);
	return m & S_IXUSR ? 0755 : 0644;
}

int plan_add_host(struct plan *p, const char *dst, const char *src, const struct stat *st, const char *why)
{
	struct entry *e;
	char *target = NULL;
	int r;

	if (S_ISREG(st->st_mode))
		e = plan_new(p, dst, E_FILE, st->st_mode, why, &r);
	else if (S_ISDIR(st->st_mode))
		e = plan_new(p, dst, E_DIR, st->st_mode, why, &r);
	else if (!S_ISLNK(st->st_mode))
		return 0;
	else if (!(target = link_read(src, st->st_size)))
		return -errno;
	else
		e = plan_new(p, dst, E_SYMLINK, 0777, why, &r);
	if (!e) {
		free(target);
		return r;
	}
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->host = 1;
	if (S_ISREG(st->st_mode))
		e->src = xstrdup(src);
	if (target) {
		e->data = target;
		e->len = strlen(target);
	}
	return 0;
}

static void entry_free(struct entry *e)
{
	free(e->dst);
	free(e->src);
	free(e->data);
}

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		entry_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

const struct entry *plan_find(const struct plan *p, const char *dst)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].dst, dst))
			return &p->v[i];
	return NULL;
}

/* Sort so that a directory comes before what it holds ("/a" < "/a/b" < "/a-b"): compare with
 * '/' ranking below every other byte. */
static int path_cmp(const char *a, const char *b)
{
	for (; *a && *a == *b; a++, b++)
		;
	if (*a == *b)
		return 0;
	if (*a == '/')
		return *b ? -1 : 1;
	if (*b == '/')
		return *a ? 1 : -1;
	return (unsigned char)*a - (unsigned char)*b;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int c = path_cmp(a->dst, b->dst);

	if (c == 0)
		return a->seq < b->seq ? -1 : a->seq > b->seq;
	return c;
}

static int add_parents(struct plan *p)
{
	size_t i, n = p->n;
	char buf[4096], *s;
	int r;

	for (i = 0; i < n; i++) {
		strcpy(buf, p->v[i].dst);
		while ((s = strrchr(buf, '/')) && s != buf) {
			*s = '\0';
			r = plan_add_dir(p, buf, 0755, "parent directory");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Paths the packer writes itself: no input may replace them, whatever its order. */
static const struct { const char *dst, *why, *instead; } owned[] = {
	{ "/init", "the init", "--init PATH" },
	{ "/etc/minboot.conf", "settings", "--set KEY=VALUE" },
};

static int owned_clash(const struct entry *a, const struct entry *b)
{
	unsigned i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		if (strcmp(a->dst, owned[i].dst))
			continue;
		if (!strcmp(a->why, owned[i].why) && !strcmp(b->why, owned[i].why))
			return 0;
		err("%s (%s) is written by the packer: give %s instead",
		    a->dst, strcmp(a->why, owned[i].why) ? a->why : b->why, owned[i].instead);
		return -EEXIST;
	}
	return 0;
}

/* Inode numbers from the path, so an entry's bytes do not depend on the rest of the image (each
 * segment is cached on its own), and unique: a number two paths share (CRC-32 collides within a
 * few ten thousand paths) makes cpio and bsdtar take them for hard links.  On a collision the
 * later path in sort order takes the next salted hash. */
static uint32_t ino_hash(const char *path, uint32_t salt)
{
	uint32_t h = (uint32_t)crc32(0, (const unsigned char *)path, strlen(path));

	if (salt)
		h = (uint32_t)crc32(h, (const unsigned char *)&salt, sizeof(salt));
	return h | 1;
}

static void plan_inodes(struct plan *p)
{
	size_t cap = 64, i, k;
	uint32_t *set, ino, salt;

	while (cap < p->n * 2)
		cap *= 2;
	if (!(set = calloc(cap, sizeof(*set))))
		abort();
	for (i = 0; i < p->n; i++) {
		for (salt = 0;; salt++) {
			ino = ino_hash(p->v[i].dst, salt);
			for (k = ino & (cap - 1); set[k] && set[k] != ino; k = (k + 1) & (cap - 1))
				;
			if (!set[k])
				break;
		}
		set[k] = ino;
		p->v[i].ino = ino;
	}
	free(set);
}

/* Later entries for the same path win (the user's --file over the default overlay), except that
 * an implicit parent directory never replaces anything. */
int plan_finish(struct plan *p)
{
	size_t i, o = 0;
	int r = add_parents(p);

	if (r < 0)
		return r;
	if (p->n) /* an empty plan has no array at all */
		qsort(p->v, p->n, sizeof(*p->v), entry_cmp);
	for (i = 0; i + 1 < p->n; i++)
		if (!strcmp(p->v[i].dst, p->v[i + 1].dst) && (r = owned_clash(&p->v[i], &p->v[i + 1])) < 0)
			return r;
	for (i = 0; i < p->n; i++) {
		if (o > 0 && !strcmp(p->v[o - 1].dst, p->v[i].dst)) {
			if (p->v[i].type == E_DIR && !strcmp(p->v[i].why, "parent directory")) {
				entry_free(&p->v[i]);
				continue;
			}
			entry_free(&p->v[o - 1]);
			p->v[o - 1] = p->v[i];
			continue;
		}
		p->v[o++] = p->v[i];
	}
	p->n = o;
	plan_inodes(p);
	/* Something below a non-directory: a file replaced a directory with contents, or a path
	 * goes through a symlink (which could point anywhere): refuse both. */
	for (i = 0; i + 1 < p->n; i++) {
		size_t l = strlen(p->v[i].dst);
		if (p->v[i].type != E_DIR && !strncmp(p->v[i].dst, p->v[i + 1].dst, l) &&
		    p->v[i + 1].dst[l] == '/') {
			err("%s (%s) would be below %s, which is %s (%s)", p->v[i + 1].dst, p->v[i + 1].why,
			    p->v[i].dst, p->v[i].type == E_SYMLINK ? "a symlink" : "not a directory", p->v[i].why);
			return -ENOTDIR;
		}
	}
	return 0;
}
