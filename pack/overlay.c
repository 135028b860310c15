/* A host directory laid into the image.  Directory order does not leak into the image (entries
 * are sorted later).  The user's own trees (--overlay, --file DIR:DST) get mode_user()'s modes
 * and owner 0:0, so the umask they were made under does not matter; a host tree at its own path
 * (--file /etc/nginx) is taken as the host has it, modes and owners kept.  Symlinks are kept as
 * symlinks, never followed out of the tree. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/pack.h"

/* Paths are built on the heap: a host tree deeper or longer than any fixed buffer is copied
 * whole or refused with the kernel's own error, never cut short (two long names cut to one would
 * become one entry).  The depth is bounded by what the kernel lets opendir() reach. */
/* A path for a message: a long one by its start and its length, so the reason still fits. */
static const char *shown(const char *path, char *buf, size_t len)
{
	size_t l = strlen(path);

	if (l < 200)
		return path;
	snprintf(buf, len, "%.100s... (%zu bytes)", path, l);
	return buf;
}

static int walk(struct plan *p, const char *host, const char *dst, int keep, const char *why)
{
	char *hpath = NULL, *dpath = NULL, *target, b[160];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	if (!(d = opendir(host))) {
		r = -errno;
		err("unable to read %s: %s", shown(host, b, sizeof(b)), strerror(-r));
		return r;
	}
	while (!r && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&hpath, "%s/%s", host, de->d_name) < 0 ||
		    asprintf(&dpath, "%s/%s", dst, de->d_name) < 0)
			abort();
		if (lstat(hpath, &st) < 0) {
			r = -errno;
		} else if (keep && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode) || S_ISREG(st.st_mode))) {
			if ((r = plan_add_host(p, dpath, hpath, &st, why)) == 0 && S_ISDIR(st.st_mode))
				r = walk(p, hpath, dpath, keep, why) < 0 ? -ECANCELED : 0;
		} else if (S_ISDIR(st.st_mode)) {
			if ((r = plan_add_dir(p, dpath, mode_user(st.st_mode), why)) == 0)
				r = walk(p, hpath, dpath, keep, why) < 0 ? -ECANCELED : 0;
		} else if (S_ISLNK(st.st_mode)) {
			if (!(target = link_read(hpath, st.st_size)))
				r = -errno;
			else
				r = plan_add_symlink(p, dpath, target, why);
			free(target);
		} else if (S_ISREG(st.st_mode)) {
			r = plan_add_file(p, dpath, hpath, mode_user(st.st_mode), why);
		} else {
			warn("skipping %s: not a file, directory or symlink", shown(hpath, b, sizeof(b)));
		}
		if (r < 0 && r != -ECANCELED) /* said once, where it happened */
			err("%s: %s", shown(hpath, b, sizeof(b)), r == -ENAMETOOLONG ?
			    "the path in the image is too long for the kernel (PATH_MAX)" : strerror(-r));
		free(hpath);
		free(dpath);
		hpath = dpath = NULL;
	}
	closedir(d);
	return r;
}

int overlay_add(struct plan *p, const char *dir, const char *why)
{
	return overlay_add_at(p, dir, "", 0, why);
}

int overlay_add_at(struct plan *p, const char *dir, const char *dst, int keep, const char *why)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err("overlay %s: %s", dir, errno ? strerror(errno) : "not a directory");
		return -ENOENT;
	}
	return walk(p, dir, strcmp(dst, "/") ? dst : "", keep, why);
}
