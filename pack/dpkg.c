/* --package NAME: a Debian package's files from dpkg's database, with its Depends: and
 * Pre-Depends: followed transitively (alternatives: the first one installed, or installed as a
 * Provides:).  Documentation, manuals and locales are left out unless asked for. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/pack.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_INFO "/var/lib/dpkg/info"

struct pkg {
	char *name, *arch, *depends, *provides;
	int installed, wanted;
};

static struct pkg *pkgs;
static int npkgs;

static char *field_dup(const char *line, size_t skip)
{
	const char *v = line + skip;

	v += strspn(v, " \t");
	return xstrdup(v);
}

static int status_read(void)
{
	char *text, *line, *next;
	size_t len;
	struct pkg cur = { 0 };
	int r;

	if (pkgs)
		return 0;
	if ((r = file_read_all(DPKG_STATUS, &text, &len, 1 << 28)) < 0) {
		err("unable to read " DPKG_STATUS ": %s", strerror(-r));
		return r;
	}
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line) { /* end of a stanza */
			if (cur.name) {
				pkgs = realloc(pkgs, (npkgs + 1) * sizeof(*pkgs));
				if (!pkgs)
					abort();
				pkgs[npkgs++] = cur;
			}
			memset(&cur, 0, sizeof(cur));
			continue;
		}
		if (!strncmp(line, "Package:", 8))
			cur.name = field_dup(line, 8);
		else if (!strncmp(line, "Architecture:", 13))
			cur.arch = field_dup(line, 13);
		else if (!strncmp(line, "Status:", 7))
			cur.installed = strstr(line, " installed") != NULL && strstr(line, "install ok") != NULL;
		else if (!strncmp(line, "Depends:", 8) || !strncmp(line, "Pre-Depends:", 12)) {
			char *v = field_dup(line, line[0] == 'D' ? 8 : 12), *j;
			if (cur.depends && asprintf(&j, "%s, %s", cur.depends, v) > 0)
				v = j;
			cur.depends = v;
		} else if (!strncmp(line, "Provides:", 9))
			cur.provides = field_dup(line, 9);
	}
	if (cur.name) {
		pkgs = realloc(pkgs, (npkgs + 1) * sizeof(*pkgs));
		pkgs[npkgs++] = cur;
	}
	return 0;
}

/* "libc6:any (>= 2.34)" -> "libc6" */
static void dep_name(const char *in, char *out, size_t len)
{
	size_t n;

	in += strspn(in, " \t");
	n = strcspn(in, " \t(:");
	snprintf(out, len, "%.*s", (int)n, in);
}

static int provides(const struct pkg *p, const char *name)
{
	char buf[1024], *tok, *save = NULL, n[128];

	if (!p->provides)
		return 0;
	snprintf(buf, sizeof(buf), "%s", p->provides);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		dep_name(tok, n, sizeof(n));
		if (!strcmp(n, name))
			return 1;
	}
	return 0;
}

static struct pkg *pkg_find(const char *name)
{
	int i;

	for (i = 0; i < npkgs; i++)
		if (pkgs[i].installed && !strcmp(pkgs[i].name, name))
			return &pkgs[i];
	for (i = 0; i < npkgs; i++)
		if (pkgs[i].installed && provides(&pkgs[i], name))
			return &pkgs[i];
	return NULL;
}

static int pkg_want(struct pkg *p, int depth);

static int deps_want(struct pkg *p, int depth)
{
	char buf[4096], *dep, *save = NULL, *alt, *save2 = NULL, name[128];
	struct pkg *q;
	int r;

	if (!p->depends)
		return 0;
	snprintf(buf, sizeof(buf), "%s", p->depends);
	for (dep = strtok_r(buf, ",", &save); dep; dep = strtok_r(NULL, ",", &save)) {
		q = NULL;
		for (alt = strtok_r(dep, "|", &save2); alt && !q; alt = strtok_r(NULL, "|", &save2)) {
			dep_name(alt, name, sizeof(name));
			q = pkg_find(name);
		}
		if (!q) {
			dep_name(dep, name, sizeof(name));
			warn("--package %s: dependency %s is not installed; left out", p->name, name);
			continue;
		}
		if ((r = pkg_want(q, depth + 1)) < 0)
			return r;
	}
	return 0;
}

static int pkg_want(struct pkg *p, int depth)
{
	if (p->wanted)
		return 0;
	if (depth > 64)
		return -ELOOP;
	p->wanted = 1;
	return deps_want(p, depth);
}

static int skipped(const char *path, int docs)
{
	static const char *const doc_dirs[] = { "/usr/share/doc", "/usr/share/man", "/usr/share/info",
						"/usr/share/locale", "/usr/share/lintian", "/usr/share/bug",
						"/usr/share/doc-base", "/usr/share/gtk-doc" };
	unsigned i;
	size_t l;

	if (docs)
		return 0;
	for (i = 0; i < sizeof(doc_dirs) / sizeof(doc_dirs[0]); i++) {
		l = strlen(doc_dirs[i]);
		if (!strncmp(path, doc_dirs[i], l) && (path[l] == '/' || !path[l]))
			return 1;
	}
	return 0;
}

static int pkg_files_add(struct plan *p, const struct pkg *k, int docs)
{
	char list[PATH_MAX], line[PATH_MAX], *why;
	FILE *f;
	int r = 0;

	snprintf(list, sizeof(list), DPKG_INFO "/%s:%s.list", k->name, k->arch ? k->arch : "");
	if (!(f = fopen(list, "re"))) {
		snprintf(list, sizeof(list), DPKG_INFO "/%s.list", k->name);
		if (!(f = fopen(list, "re"))) {
			err("--package %s: no file list in " DPKG_INFO ": %s", k->name, strerror(errno));
			return -ENOENT;
		}
	}
	if (asprintf(&why, "--package %s", k->name) < 0)
		abort();
	while (!r && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '/' || !strcmp(line, "/.") || skipped(line, docs))
			continue;
		r = host_path_add(p, line, why);
		if (r == -ENOENT) /* listed but removed on this host (excluded by dpkg, say) */
			r = 0;
	}
	fclose(f);
	return r;
}

int packages_add(struct plan *p, const char *const *names, int n, int docs)
{
	struct pkg *k;
	int i, r;

	if (n == 0)
		return 0;
	if ((r = status_read()) < 0)
		return r;
	for (i = 0; i < n; i++) {
		if (!(k = pkg_find(names[i]))) {
			err("--package %s: not installed on this host", names[i]);
			return -ENOENT;
		}
		if ((r = pkg_want(k, 0)) < 0)
			return r;
	}
	for (i = 0; i < npkgs; i++)
		if (pkgs[i].wanted && (r = pkg_files_add(p, &pkgs[i], docs)) < 0)
			return r;
	return 0;
}
