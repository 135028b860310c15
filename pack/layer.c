/* OCI layers applied in order (image-spec layer.md, "Applying Changesets"): each entry adds or
 * replaces a path; ".wh.NAME" removes NAME and what is below it from the layers beneath;
 * ".wh..wh..opq" empties its directory of what the layers beneath put there.  Contents are
 * staged as numbered files in a directory of their own, never at a path the archive names, so no
 * name in a layer can make the packer write anywhere else.
 *
 * Entry types: files, directories, symlinks and character devices are kept; hard links become
 * copies of the file they name (the plan has no hard links); block devices and FIFOs are left
 * out with a warning (devtmpfs provides /dev at boot).  Owners and all 07777 bits are kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/oci.h"
#include "pack/pack.h"

#define MAX_LINKS 40 /* as the kernel's path walk (MAXSYMLINKS) */

/* A member name is relative to the layer's root: normalised as an image path, ".." refused. */
int layer_path(const char *name, char *out, size_t len)
{
	char *abs;
	int r;

	if (*name == '/')
		return -EINVAL;
	if (asprintf(&abs, "/%s", name) < 0)
		return -ENOMEM;
	r = path_normalise(abs, out, len);
	free(abs);
	return r;
}

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t *find_slot(struct tree *tr, const char *path)
{
	size_t i = hash(path) & (tr->nslot - 1);

	while (tr->slot[i] && strcmp(tr->v[tr->slot[i] - 1].path, path))
		i = (i + 1) & (tr->nslot - 1);
	return &tr->slot[i];
}

/* Dead nodes keep their slot (a later entry of the same path takes it again). */
struct node *tree_get(struct tree *tr, const char *path)
{
	size_t *s;

	if (!tr->nslot)
		return NULL;
	s = find_slot(tr, path);
	return *s && !tr->v[*s - 1].dead ? &tr->v[*s - 1] : NULL;
}

static void rehash(struct tree *tr)
{
	size_t i;

	free(tr->slot);
	tr->nslot = tr->nslot ? tr->nslot * 2 : 1024;
	if (!(tr->slot = calloc(tr->nslot, sizeof(*tr->slot))))
		abort();
	for (i = 0; i < tr->n; i++)
		*find_slot(tr, tr->v[i].path) = i + 1;
}

static void node_clear(struct node *n)
{
	free(n->src);
	free(n->link);
	n->src = n->link = NULL;
}

/* The node for path, new or reused; its old contents dropped. */
static struct node *tree_put(struct tree *tr, const char *path)
{
	size_t *s;
	struct node *n;

	if ((tr->n + 1) * 2 > tr->nslot)
		rehash(tr);
	s = find_slot(tr, path);
	if (*s) {
		n = &tr->v[*s - 1];
		node_clear(n);
		n->dead = 0;
		return n;
	}
	if (tr->n == tr->cap) {
		tr->cap = tr->cap ? tr->cap * 2 : 1024;
		if (!(tr->v = realloc(tr->v, tr->cap * sizeof(*tr->v))))
			abort();
	}
	n = &tr->v[tr->n];
	memset(n, 0, sizeof(*n));
	n->path = xstrdup(path);
	*s = ++tr->n;
	return n;
}

void tree_free(struct tree *tr)
{
	size_t i;

	for (i = 0; i < tr->n; i++) {
		node_clear(&tr->v[i]);
		free(tr->v[i].path);
	}
	free(tr->v);
	free(tr->slot);
	memset(tr, 0, sizeof(*tr));
}

/* Remove what lies below dir (and dir itself when self) that a layer under `layer` made. */
static void remove_below(struct tree *tr, const char *dir, int self, int layer)
{
	size_t i, l = strlen(dir);

	for (i = 0; i < tr->n; i++) {
		struct node *n = &tr->v[i];
		if (n->dead || n->layer >= layer)
			continue;
		if ((self && !strcmp(n->path, dir)) ||
		    (!strncmp(n->path, dir, l) && (n->path[l] == '/' || (l == 1 && n->path[1]))))
			n->dead = 1, node_clear(n);
	}
}

int tree_resolve(struct tree *tr, const char *path, int follow_last, char *out, size_t len)
{
	char rest[2 * TAR_PATH_MAX], tmp[2 * TAR_PATH_MAX], *c, *e;
	size_t o = 0;
	int hops = 0;
	struct node *n;

	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return -ENAMETOOLONG;
	out[0] = '\0';
	for (c = rest; *c;) {
		while (*c == '/')
			c++;
		if (!*c)
			break;
		e = strchrnul(c, '/');
		if (e - c == 1 && c[0] == '.') {
			c = e;
			continue;
		}
		if (e - c == 2 && c[0] == '.' && c[1] == '.') {
			while (o && out[--o] != '/')
				;
			out[o] = '\0';
			c = e;
			continue;
		}
		if (o + (size_t)(e - c) + 2 > len)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, c, (size_t)(e - c));
		o += (size_t)(e - c);
		out[o] = '\0';
		c = e;
		n = tree_get(tr, out);
		if (!n || n->type == '5')
			continue;
		while (*c == '/')
			c++;
		if (n->type != '2') {
			if (*c)
				return -ENOTDIR;
			continue;
		}
		if (!*c && !follow_last)
			continue;
		if (++hops > MAX_LINKS)
			return -ELOOP;
		if (snprintf(tmp, sizeof(tmp), "%s/%s", n->link, c) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		strcpy(rest, tmp);
		c = rest;
		if (n->link[0] == '/')
			o = 0;
		else /* relative to the link's directory */
			while (o && out[--o] != '/')
				;
		out[o] = '\0';
	}
	if (!o)
		out[o++] = '/', out[o] = '\0';
	return 0;
}

static int stage_data(struct tree *tr, struct tar *t, const struct tar_entry *e, struct node *n,
		      const char *what)
{
	char path[4200], buf[65536];
	struct statvfs vfs;
	ssize_t k;
	int fd, r = 0;

	if (statvfs(tr->stage, &vfs) == 0 && e->size > (uint64_t)vfs.f_bavail * vfs.f_frsize) {
		err("--oci: %s: %s is %llu bytes, more than the %llu free where it is staged (%s; set TMPDIR)",
		    what, n->path, (unsigned long long)e->size,
		    (unsigned long long)vfs.f_bavail * vfs.f_frsize, tr->stage);
		return -ENOSPC;
	}
	snprintf(path, sizeof(path), "%s/%llu", tr->stage, tr->staged++);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		r = -errno;
		err("--oci: unable to stage %s: %s", path, strerror(-r));
		return r;
	}
	while ((k = tar_read(t, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)k) != k) {
			r = -errno ? -errno : -EIO;
			err("--oci: unable to stage %s: %s", path, strerror(-r));
			break;
		}
	if (k < 0) {
		r = (int)k;
		err("--oci: %s: %s: %s", what, n->path, t->err);
	}
	if (close(fd) < 0 && !r)
		r = -errno;
	n->src = xstrdup(path);
	return r;
}

/* Every directory above path must be one (or not be there yet): a path through a symlink or a
 * file could make the entry land anywhere, and layers written by image builders never have one. */
static int parents_ok(struct tree *tr, const char *path, const char *what)
{
	char buf[TAR_PATH_MAX], *s;
	struct node *n;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		n = tree_get(tr, buf);
		if (n && n->type != '5') {
			err("--oci: %s: %s goes through %s, which is %s", what, path, buf,
			    n->type == '2' ? "a symlink" : "not a directory");
			return -ENOTDIR;
		}
		*s = '/';
	}
	return 0;
}

static int whiteout(struct tree *tr, const char *path, const char *base, int layer)
{
	char dir[TAR_PATH_MAX], victim[TAR_PATH_MAX + 8];
	size_t l = (size_t)(base - path);

	snprintf(dir, sizeof(dir), "%.*s", (int)(l > 1 ? l - 1 : 1), path);
	if (!strcmp(base, ".wh..wh..opq")) {
		remove_below(tr, dir, 0, layer);
		return 0;
	}
	if (!strncmp(base, ".wh..wh.", 8))
		return 0; /* aufs' own bookkeeping (.wh..wh.plnk, .wh..wh.aufs) */
	snprintf(victim, sizeof(victim), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base + 4);
	remove_below(tr, victim, 1, layer);
	return 0;
}

static int add_entry(struct tree *tr, struct tar *t, const struct tar_entry *e, const char *path,
		     int layer, const char *what)
{
	struct node *old = tree_get(tr, path), *n, *target;
	char lpath[TAR_PATH_MAX];

	if (e->type == '4' || e->type == '6') {
		tr->skipped++;
		return 0;
	}
	if (old && old->type == '5' && e->type == '5') { /* a directory again: its contents stay */
		old->mode = e->mode, old->uid = e->uid, old->gid = e->gid, old->layer = layer;
		return 0;
	}
	if (old && old->type == '5')
		remove_below(tr, path, 0, layer + 1);
	if (e->type == '1') {
		if (layer_path(e->link, lpath, sizeof(lpath)) == 0 && !strcmp(lpath, path))
			return 0; /* a link to itself: the file stays as it is */
		if (layer_path(e->link, lpath, sizeof(lpath)) < 0 || !(target = tree_get(tr, lpath)) ||
		    target->type != '0') {
			err("--oci: %s: %s is a hard link to '%s', which is not a file of the image", what, path, e->link);
			return -EINVAL;
		}
		n = tree_put(tr, path);
		target = tree_get(tr, lpath); /* tree_put may have moved the array */
		n->src = xstrdup(target->src);
		n->type = '0';
	} else {
		n = tree_put(tr, path);
		n->type = e->type;
	}
	n->mode = e->mode, n->uid = e->uid, n->gid = e->gid, n->layer = layer;
	n->major = e->major, n->minor = e->minor;
	if (e->type == '2')
		n->link = xstrdup(e->link);
	if (e->type == '0')
		return stage_data(tr, t, e, n, what);
	return 0;
}

int layer_apply(struct tree *tr, struct tar *t, int layer, const char *what)
{
	static struct tar_entry e;
	char path[TAR_PATH_MAX];
	const char *base;
	int r;

	while ((r = tar_next(t, &e)) > 0) {
		if ((r = layer_path(e.path, path, sizeof(path))) < 0) {
			err("--oci: %s: refusing the entry '%s': %s", what, e.path, r == -ENAMETOOLONG ?
			    "the name is too long" : "an absolute name or a '..' component");
			return -EINVAL;
		}
		if (!strcmp(path, "/"))
			continue; /* the root's own entry: the image root is minboot's */
		if ((r = parents_ok(tr, path, what)) < 0)
			return r;
		base = strrchr(path, '/') + 1;
		if (!strncmp(base, ".wh.", 4))
			r = whiteout(tr, path, base, layer);
		else
			r = add_entry(tr, t, &e, path, layer, what);
		if (r < 0)
			return r;
	}
	if (r < 0) {
		err("--oci: %s: %s", what, t->err);
		return r;
	}
	return 0;
}
