/* --format chroot: the image as a directory tree (supermin's chroot format).  Built beside the
 * output and swapped in with rename(2), so a failed pack leaves the old tree; mtimes are set to
 * SOURCE_DATE_EPOCH so the tree archives the same way every time. */
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
#include "pack/pack.h"

static int copy_file(const char *src, const char *dst, mode_t perm)
{
	char buf[65536];
	ssize_t n;
	int in, out, r = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm)) < 0) {
		r = -errno;
		close(in);
		return r;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	close(in);
	if (close(out) < 0 && !r)
		r = -errno;
	return r;
}

static int write_data(const char *dst, const char *data, size_t len, mode_t perm)
{
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		r = -EIO;
	close(fd);
	return r;
}

static int put_entry(const char *root, const struct entry *e, int as_root, int *skipped_nodes)
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
	if (as_root && lchown(path, 0, 0) < 0)
		return -errno;
	if (e->type != E_SYMLINK && chmod(path, e->perm) < 0) /* exact modes, whatever the umask */
		return -errno;
	return 0;
}

/* Directories last and deepest first, so setting their mtimes is not undone by their children. */
static int set_times(const char *root, const struct plan *p, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char path[PATH_MAX];
	size_t i;

	for (i = p->n; i-- > 0;) {
		snprintf(path, sizeof(path), "%s%s", root, p->v[i].dst);
		if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return utimensat(AT_FDCWD, root, ts, 0) < 0 ? -errno : 0; /* the top, too */
}

int tree_write(const struct plan *p, const char *root, uint32_t mtime)
{
	int as_root = geteuid() == 0, skipped = 0, r;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if ((r = put_entry(root, &p->v[i], as_root, &skipped)) < 0) {
			err("unable to write %s%s: %s", root, p->v[i].dst, strerror(-r));
			return r;
		}
	}
	if (skipped)
		warn("not root: %d device node(s) left out of the tree", skipped);
	return set_times(root, p, mtime);
}

static int rm_tree(const char *path)
{
	char *cmd;
	int r;

	if (asprintf(&cmd, "rm -rf -- '%s'", path) < 0)
		return -ENOMEM;
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -EIO;
}

/* The new tree replaces the old in two renames; between them the old one is still whole. */
int chroot_emit(const struct plan *p, const char *out, uint32_t mtime)
{
	char tmp[PATH_MAX], old[PATH_MAX];
	struct stat st;
	int r;

	if (strchr(out, '\'')) {
		err("--format chroot: the output path may not contain a quote");
		return -EINVAL;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", out);
	if (!mkdtemp(tmp)) {
		err("unable to create %s: %s", tmp, strerror(errno));
		return -errno;
	}
	r = tree_write(p, tmp, mtime);
	if (r == 0 && lstat(out, &st) == 0) {
		snprintf(old, sizeof(old), "%s.old.XXXXXX", out);
		if (!mkdtemp(old) || rename(out, old) < 0)
			r = -errno;
		else if (rename(tmp, out) < 0)
			r = -errno, rename(old, out);
		else
			rm_tree(old);
	} else if (r == 0 && rename(tmp, out) < 0) {
		r = -errno;
	}
	if (r) {
		rm_tree(tmp);
		err("unable to write %s: %s", out, strerror(-r));
	}
	return r;
}
