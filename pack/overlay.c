/* A host directory laid into the image.  Directory order and host modes do not leak into the
 * image: entries are sorted later, and modes are reduced to 0755/0644 (plus the sticky bit of
 * a directory).  Symlinks are kept as symlinks, never followed out of the tree. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/pack.h"

static int walk(struct plan *p, const char *host, const char *dst, const char *why, int depth)
{
	char hpath[PATH_MAX], dpath[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	ssize_t n;
	int r = 0;

	if (depth > 64)
		return -ELOOP;
	d = opendir(host);
	if (!d) {
		err("unable to read %s: %s", host, strerror(errno));
		return -errno;
	}
	while (!r && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(hpath, sizeof(hpath), "%s/%s", host, de->d_name);
		snprintf(dpath, sizeof(dpath), "%s/%s", dst, de->d_name);
		if (lstat(hpath, &st) < 0) {
			err("unable to stat %s: %s", hpath, strerror(errno));
			r = -errno;
		} else if (S_ISDIR(st.st_mode)) {
			r = plan_add_dir(p, dpath, 0755 | (st.st_mode & S_ISVTX), why);
			if (!r)
				r = walk(p, hpath, dpath, why, depth + 1);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlink(hpath, target, sizeof(target) - 1);
			if (n < 0) {
				r = -errno;
				break;
			}
			target[n] = '\0';
			r = plan_add_symlink(p, dpath, target, why);
		} else if (S_ISREG(st.st_mode)) {
			r = plan_add_file(p, dpath, hpath, st.st_mode & 0111 ? 0755 : 0644, why);
		} else {
			warn("skipping %s: not a file, directory or symlink", hpath);
		}
	}
	closedir(d);
	return r;
}

int overlay_add(struct plan *p, const char *dir, const char *why)
{
	return overlay_add_at(p, dir, "", why);
}

int overlay_add_at(struct plan *p, const char *dir, const char *dst, const char *why)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err("overlay %s: %s", dir, errno ? strerror(errno) : "not a directory");
		return -ENOENT;
	}
	return walk(p, dir, strcmp(dst, "/") ? dst : "", why, 0);
}
