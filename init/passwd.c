/* /etc/passwd and /etc/group of the image, read directly (an appliance has no NSS).  musl's
 * getpwnam and friends would do the same through stdio and the nscd client, at 5 KiB more. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "init/init.h"
#include "init/service.h"

/* The whole file (a file larger than the buffer is an error, not half a file); NULL and errno. */
static char *read_all(const char *path)
{
	static char buf[65536];
	int r = read_file(path, buf, sizeof(buf));

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return buf;
}

int id_parse(const char *s, unsigned *v)
{
	char *end;
	unsigned long x;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	x = strtoul(s, &end, 10);
	if (*end || x > 0xfffffffeUL)
		return -1;
	*v = (unsigned)x;
	return 0;
}

/* A line at a time from text (modified in place); NULL at the end. */
static char *next_line(char **text)
{
	char *l = *text, *nl;

	if (!l || !*l)
		return NULL;
	nl = strchr(l, '\n');
	if (nl)
		*nl++ = '\0';
	*text = nl;
	return l;
}

int passwd_find(const char *path, const char *name, long uid, struct pw *out)
{
	char *text = read_all(path), *line, *f[7];
	unsigned u, g;

	if (!text)
		return -errno;
	while ((line = next_line(&text))) {
		if (colon_fields(line, f, 7) < 7 || id_parse(f[2], &u) || id_parse(f[3], &g))
			continue;
		if (name ? strcmp(f[0], name) : (long)u != uid)
			continue;
		memset(out, 0, sizeof(*out));
		strncpy(out->name, f[0], sizeof(out->name) - 1);
		strncpy(out->dir, f[5], sizeof(out->dir) - 1);
		out->uid = u;
		out->gid = g;
		return 0;
	}
	return -ENOENT;
}

int group_find(const char *path, const char *name, unsigned *gid)
{
	char *text = read_all(path), *line, *f[4];

	if (!text)
		return -errno;
	while ((line = next_line(&text)))
		if (colon_fields(line, f, 4) >= 3 && !strcmp(f[0], name) && id_parse(f[2], gid) == 0)
			return 0;
	return -ENOENT;
}

/* The groups listing user as a member, after base; at most max. */
int group_list(const char *path, const char *user, unsigned base, unsigned *groups, int max)
{
	char *text = read_all(path), *line, *f[4], *m, *save;
	unsigned g;
	int n = 0;

	groups[n++] = base;
	while (text && n < max && (line = next_line(&text))) {
		if (colon_fields(line, f, 4) < 4 || id_parse(f[2], &g) || g == base)
			continue;
		for (m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (!strcmp(m, user)) {
				groups[n++] = g;
				break;
			}
	}
	return n;
}
