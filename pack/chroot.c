/* --format chroot: the image as a directory tree (supermin's chroot format).  The tree is built
 * in the stage and swapped in whole (emit.c); an existing directory is replaced only when the
 * packer's record beside it says the packer wrote it.  Modes are exact (0755 root, whatever the
 * umask) and every mtime is SOURCE_DATE_EPOCH, so the tree archives the same way every time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

/* The bytes are hashed as they are copied: what lands in the tree is what the pack's digest was
 * made from, or the copy fails with -ESTALE. */
static int copy_file(const char *src, const char *dst, mode_t perm)
{
	unsigned char buf[1 << 16], want[DIGEST_LEN], got[DIGEST_LEN];
	int in, out, r = 0, check = hash_recorded(src, want) == 0;
	struct hash h;
	ssize_t n;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm)) < 0) {
		r = -errno;
		close(in);
		return r;
	}
	hash_init(&h);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		hash_update(&h, buf, n);
		if ((r = fd_write_all(out, buf, n)) < 0 || (r = pack_interrupted()) < 0)
			break;
	}
	if (n < 0 && !r)
		r = -errno;
	close(in);
	if (close(out) < 0 && !r)
		r = -errno;
	hash_final(&h, got);
	if (!r && check && memcmp(want, got, DIGEST_LEN)) {
		hash_check(src); /* forgets it: the next attempt reads it afresh */
		warn("%s changed while it was being packed", src);
		r = -ESTALE;
	}
	return r;
}

static int write_data(const char *dst, const char *data, size_t len, mode_t perm)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm), r;

	if (fd < 0)
		return -errno;
	r = fd_write_all(fd, data, len);
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

static int put_entry(const char *root, const struct entry *e, int as_root, int *skipped_nodes, int *unowned)
{
	char path[PATH_MAX];
	int r = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, e->dst) >= sizeof(path))
		return -ENAMETOOLONG;
	switch (e->type) {
	case E_DIR:
		if (strcmp(e->dst, "/") && mkdir(path, 0700) < 0)
			r = -errno;
		break;
	case E_FILE:
		r = e->src ? copy_file(e->src, path, 0600) : write_data(path, e->data, e->len, 0600);
		break;
	case E_SYMLINK:
		r = symlink(e->data, path) < 0 ? -errno : 0;
		break;
	case E_CHR:
		if (!as_root) {
			(*skipped_nodes)++;
			return 0;
		}
		r = mknod(path, S_IFCHR | 0600, makedev(e->major, e->minor)) < 0 ? -errno : 0;
		break;
	}
	if (r)
		return r;
	/* The owner first: chown clears setuid and setgid, the chmod after it sets them. */
	if (as_root && lchown(path, e->uid, e->gid) < 0)
		return -errno;
	*unowned += !as_root && (e->uid || e->gid);
	if (e->type != E_SYMLINK && chmod(path, e->perm) < 0) /* exact modes, whatever the umask */
		return -errno;
	return 0;
}

/* Directories last and deepest first, so setting their mtimes is not undone by their children.
 * (Device nodes are not there unless the packer runs as root.) */
static int set_times(const char *root, const char *shown, const struct plan *p, time_t t, int as_root)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char path[PATH_MAX];
	size_t i;

	for (i = p->n; i-- > 0;) {
		if (p->v[i].type == E_CHR && !as_root)
			continue;
		snprintf(path, sizeof(path), "%s%s", root, p->v[i].dst);
		if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0) {
			err("unable to set the mtime of %s%s: %s", shown, p->v[i].dst, strerror(errno));
			return -errno;
		}
	}
	if (utimensat(AT_FDCWD, root, ts, 0) < 0) { /* the top, too */
		err("unable to set the mtime of %s: %s", shown, strerror(errno));
		return -errno;
	}
	return 0;
}

/* root must exist; it gets mode 0755 and owner 0:0 (as root) unless the plan says otherwise.
 * Every entry gets the plan's mode and, as root, its owner. */
int tree_write(const struct plan *p, const char *root, const char *shown, uint32_t mtime, int owners_later)
{
	int as_root = geteuid() == 0, skipped = 0, unowned = 0, r;
	size_t i;

	if (chmod(root, 0755) < 0 || (as_root && chown(root, 0, 0) < 0)) {
		err("unable to write %s: %s", shown, strerror(errno));
		return -errno;
	}
	for (i = 0; i < p->n; i++) {
		if ((r = put_entry(root, &p->v[i], as_root, &skipped, &unowned)) < 0) {
			if (r == -ESTALE || r == -EINTR)
				return r;
			if (p->v[i].src && p->v[i].type == E_FILE && access(p->v[i].src, R_OK) < 0)
				err("unable to read %s: %s", p->v[i].src, strerror(errno));
			else
				err("unable to write %s%s: %s", shown, p->v[i].dst, strerror(-r));
			return r;
		}
	}
	if (skipped)
		warn("not root: %d device node(s) left out of the tree", skipped);
	if (unowned && !owners_later)
		warn("not root: %d entries owned by other accounts in the image belong to the packer's user in the tree", unowned);
	return set_times(root, shown, p, mtime, as_root);
}

static int chroot_emit(struct emit *e)
{
	int r;

	if (mkdir(e->staged[0], 0755) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(errno));
		return -errno;
	}
	if ((r = tree_write(e->plan, e->staged[0], e->out[0], e->mtime, 0)) == 0)
		info("wrote %s: a tree of %zu entries", e->out[0], e->plan->n);
	return r;
}

const struct emitter emitter_chroot = {
	.format = "chroot",
	.outputs = { "" },
	.dir = 1,
	.emit = chroot_emit,
};
