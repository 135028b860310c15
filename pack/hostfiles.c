/* supermin's hostfiles and excludefiles: globs of host paths copied into the image as they are
 * (files, symlinks, directories without their contents), and globs of image paths left out. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/glob.h"
#include "common/log.h"
#include "pack/pack.h"

/* A host path as it is: a file with its exec bit, a symlink as a symlink, a directory alone. */
int host_path_add(struct plan *p, const char *path, const char *why)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return plan_add_dir(p, path, 0755 | (st.st_mode & S_ISVTX), why);
	if (S_ISLNK(st.st_mode)) {
		/* A symlink standing for a directory (merged /usr: /bin -> usr/bin) is kept as the
		 * directory the image already has, so paths below it stay real. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return plan_add_dir(p, path, 0755, why);
		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			return -errno;
		target[n] = '\0';
		return plan_add_symlink(p, path, target, why);
	}
	if (S_ISREG(st.st_mode))
		return plan_add_file(p, path, path, st.st_mode & 0111 ? 0755 : 0644, why);
	return 0; /* devices, sockets, fifos: nothing an appliance takes from the host */
}

/* Each line of FILE is a glob (supermin's hostfiles).  A glob that matches nothing is reported:
 * supermin ignores it silently, which hides typos. */
int hostfiles_add(struct plan *p, const char *file)
{
	char line[PATH_MAX], *why;
	glob_t g;
	size_t i;
	int r = 0, lineno = 0;
	FILE *f = fopen(file, "re");

	if (!f) {
		err("--hostfiles %s: %s", file, strerror(errno));
		return -errno;
	}
	if (asprintf(&why, "--hostfiles %s", file) < 0)
		abort();
	while (!r && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (line[0] != '/') {
			err("%s:%d: '%s' is not an absolute path", file, lineno, line);
			r = -EINVAL;
			break;
		}
		if (glob(line, GLOB_NOSORT, NULL, &g) != 0) {
			warn("%s:%d: nothing matches %s", file, lineno, line);
			continue;
		}
		for (i = 0; !r && i < g.gl_pathc; i++)
			r = host_path_add(p, g.gl_pathv[i], why);
		globfree(&g);
	}
	fclose(f);
	return r;
}

/* supermin's excludefiles: lines like "-/usr/share/doc/..." (the '-' may be left out). */
int excludefiles_read(const char *file, const char **globs, int *n, int max)
{
	char line[PATH_MAX], *s;
	FILE *f = fopen(file, "re");

	if (!f) {
		err("--excludefiles %s: %s", file, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		s = line[0] == '-' ? line + 1 : line;
		if (!*s || *s == '#')
			continue;
		if (*n >= max) {
			fclose(f);
			return -E2BIG;
		}
		globs[(*n)++] = xstrdup(s);
	}
	fclose(f);
	return 0;
}

/* Drop the entries an exclude glob matches ('*' crosses '/', as in supermin).  What the image
 * cannot boot without (/init, /etc/minboot.conf) is never dropped. */
void plan_exclude(struct plan *p, const char *const *globs, int n)
{
	size_t i, o = 0;
	int k, drop;

	for (i = 0; i < p->n; i++) {
		drop = 0;
		for (k = 0; k < n && !drop; k++)
			drop = glob_match(globs[k], p->v[i].dst);
		if (drop && (!strcmp(p->v[i].dst, "/init") || !strcmp(p->v[i].dst, "/etc/minboot.conf"))) {
			warn("not excluding %s: the image needs it", p->v[i].dst);
			drop = 0;
		}
		if (!drop)
			p->v[o++] = p->v[i];
	}
	p->n = o;
}
