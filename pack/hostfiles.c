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
#include "pack/opts.h"
#include "pack/pack.h"

/* A symlink's target, whatever its length; NULL with errno set. */
char *link_read(const char *path, size_t size_hint)
{
	size_t cap = size_hint + 1 > 64 ? size_hint + 1 : 64;
	char *buf = NULL;
	ssize_t n;

	for (;; cap *= 2) {
		char *nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return NULL;
		}
		buf = nb;
		if ((n = readlink(path, buf, cap)) < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
	}
}

/* A host path as it is (mode bits and owner kept): a file, a symlink as a symlink, a directory
 * alone. */
int host_path_add(struct plan *p, const char *path, const char *why)
{
	char real[PATH_MAX];
	struct stat st, dir;

	if (lstat(path, &st) < 0)
		return -errno;
	/* A symlink standing for a directory of merged /usr (/bin -> usr/bin) is kept as the
	 * directory the image already has, so paths below it stay real.  Others stay links
	 * (/var/run -> /run). */
	if (S_ISLNK(st.st_mode) && stat(path, &dir) == 0 && S_ISDIR(dir.st_mode) && realpath(path, real) &&
	    !strncmp(real, "/usr/", 5))
		return plan_add_dir(p, path, 0755, why);
	return plan_add_host(p, path, path, &st, why); /* devices, sockets, fifos: nothing */
}

/* Each line of FILE is a glob (supermin's hostfiles).  A glob that matches nothing is reported:
 * supermin ignores it silently, which hides typos. */
int hostfiles_add(struct plan *p, const char *file)
{
	char *line = NULL, *why;
	size_t i, cap = 0;
	glob_t g;
	int r = 0, lineno = 0;
	FILE *f = fopen(file, "re");

	if (!f) {
		err("--hostfiles %s: %s", file, strerror(errno));
		return -errno;
	}
	if (asprintf(&why, "--hostfiles %s", file) < 0)
		abort();
	while (!r && getline(&line, &cap, f) >= 0) {
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
			if ((r = host_path_add(p, g.gl_pathv[i], why)) < 0)
				err("%s:%d: %s: %s", file, lineno, g.gl_pathv[i], strerror(-r));
		globfree(&g);
	}
	free(line);
	fclose(f);
	return r;
}

/* supermin's excludefiles: lines like "-/usr/share/doc/..." (the '-' may be left out). */
int excludefiles_read(const char *file, const char ***globs, int *n)
{
	char *line = NULL, *s;
	size_t cap = 0;
	int r = 0;
	FILE *f = fopen(file, "re");

	if (!f) {
		err("--excludefiles %s: %s", file, strerror(errno));
		return -errno;
	}
	while (!r && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\r\n")] = '\0';
		s = line[0] == '-' ? line + 1 : line;
		if (*s && *s != '#')
			r = opts_push(globs, n, xstrdup(s));
	}
	if (!r && ferror(f))
		r = -errno;
	if (r)
		err("--excludefiles %s: %s", file, strerror(-r));
	free(line);
	fclose(f);
	return r;
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
