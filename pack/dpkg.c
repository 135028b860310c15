/* --package NAME: a Debian package's files from dpkg's database, with its Depends: and
 * Pre-Depends: followed transitively (alternatives: the first one installed, or installed as a
 * Provides:).  Documentation, manuals and locales are left out unless asked for. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/accounts.h"
#include "pack/closure.h"
#include "pack/opts.h"
#include "pack/pack.h"

/* dpkg's database, where dpkg itself looks: $DPKG_ADMINDIR (dpkg's own variable), else
 * /var/lib/dpkg. */
static const char *admindir(void)
{
	const char *d = getenv("DPKG_ADMINDIR");

	return d && *d ? d : "/var/lib/dpkg";
}

struct pkg {
	char *name, *arch, *depends, *provides, *section;
	int installed, wanted, essential, added;
	int dep;                 /* the package part took it as a Depends (not the program's own) */
	char **others;           /* the package part: its other commands and their trees */
	int nothers;
	char *list;              /* its file list ("\n" before each path), once read */
	size_t listlen;
	const char *why;         /* why it is in the image (--print) */
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
	char *text, *line, *next, status[PATH_MAX];
	size_t len;
	struct pkg cur = { 0 };
	int r;

	if (pkgs)
		return 0;
	snprintf(status, sizeof(status), "%s/status", admindir());
	if ((r = file_read_all(status, &text, &len, 1 << 28)) < 0) {
		err("unable to read %s: %s", status, strerror(-r));
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
		else if (!strncmp(line, "Section:", 8))
			cur.section = field_dup(line, 8);
		else if (!strncmp(line, "Essential:", 10))
			cur.essential = strstr(line, "yes") != NULL;
		else if (!strncmp(line, "Status:", 7))
			cur.installed = strstr(line, " installed") != NULL && strstr(line, "install ok") != NULL;
		else if (!strncmp(line, "Depends:", 8) || !strncmp(line, "Pre-Depends:", 12)) {
			char *v = field_dup(line, line[0] == 'D' ? 8 : 12), *j;
			if (cur.depends && asprintf(&j, "%s, %s", cur.depends, v) > 0) {
				free(v);
				free(cur.depends);
				v = j;
			}
			cur.depends = v;
		} else if (!strncmp(line, "Provides:", 9))
			cur.provides = field_dup(line, 9);
	}
	if (cur.name) {
		if (!(pkgs = realloc(pkgs, (npkgs + 1) * sizeof(*pkgs))))
			abort();
		pkgs[npkgs++] = cur;
	}
	free(text);
	return 0;
}

/* "libc6:any (>= 2.34)" -> "libc6", in place in a copy the caller owns. */
static char *dep_name(char *in)
{
	in += strspn(in, " \t");
	in[strcspn(in, " \t(:")] = '\0';
	return in;
}

static int provides(const struct pkg *p, const char *name)
{
	char *buf, *tok, *save = NULL;
	int found = 0;

	if (!p->provides)
		return 0;
	buf = xstrdup(p->provides);
	for (tok = strtok_r(buf, ",", &save); tok && !found; tok = strtok_r(NULL, ",", &save))
		found = !strcmp(dep_name(tok), name);
	free(buf);
	return found;
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

/* Packages a Depends: names for their maintainer scripts and init scripts, never for the
 * program: the package part follows no Depends into them (--package does). */
static const char *const script_only[] = {
	"adduser", "debconf", "debconf-2.0", "cdebconf", "ucf", "init-system-helpers", "lsb-base",
	"runit-helper", "sysvinit-utils", "install-info", "dpkg", "systemd", "systemd-sysv",
	"sensible-utils", "ssl-cert",      /* make-ssl-cert: the snakeoil pair, made at install */
	"locales", "locales-all",          /* locale sources for locale-gen */
	NULL,
};

static int script_only_pkg(const char *name)
{
	int i;

	for (i = 0; script_only[i]; i++)
		if (!strcmp(name, script_only[i]))
			return 1;
	return 0;
}

/* The package part follows a Depends: into what the program may use at run time: not into an
 * Essential package (every Debian system has them, so nothing declares what of them it uses:
 * the closure brings the files the image's programs and scripts name), not into a library
 * package (the closure brings the libraries an ELF file needs, and the rules what they load),
 * not into the scripts' own tools. */
static int auto_follows(const struct pkg *q)
{
	return !q->essential && !script_only_pkg(q->name) &&
	       !(q->section && (!strcmp(q->section, "libs") || !strcmp(q->section, "oldlibs")));
}

/* Mark p and everything it depends on, with a work list rather than recursion: chains of any
 * length and cycles end.  In the package part (autom) only what auto_follows, and only the
 * program's package's own Depends: a dependency's dependencies serve it (its scripts, its
 * build tools: nodejs's python3, ca-certificates' openssl), and the libraries an ELF file of it
 * needs come through the closure. */
static void pkg_want(struct pkg *root, int autom)
{
	struct pkg **todo = NULL, *p, *q;
	char *buf, *dep, *save, *alt, *save2;
	size_t n = 0, cap = 0;

	root->wanted = 1;
	for (p = root; p; p = n ? todo[--n] : NULL) {
		if (!p->depends)
			continue;
		buf = xstrdup(p->depends);
		save = NULL;
		for (dep = strtok_r(buf, ",", &save); dep; dep = strtok_r(NULL, ",", &save)) {
			char *first = xstrdup(dep);
			q = NULL;
			save2 = NULL;
			for (alt = strtok_r(dep, "|", &save2); alt && !q; alt = strtok_r(NULL, "|", &save2))
				q = pkg_find(dep_name(alt));
			if (!q && !autom)
				warn("--package %s: dependency %s is not installed; left out", p->name,
				     dep_name(first));
			free(first);
			if (!q || q->wanted || (autom && (!auto_follows(q) || p != root)))
				continue;
			q->wanted = 1;
			if (autom) {
				q->why = cl_printf("package %s (Depends of %s)", q->name, p->name);
				q->dep = 1;
			}
			if (n == cap && !(todo = realloc(todo, (cap = cap ? cap * 2 : 64) * sizeof(*todo))))
				abort();
			todo[n++] = q;
		}
		free(buf);
	}
	free(todo);
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

/* dpkg's file of a package: info/NAME:ARCH.SUFFIX (Multi-Arch: same), else info/NAME.SUFFIX */
static int info_path(const struct pkg *k, const char *suffix, char *path, size_t len)
{
	if (k->arch && (size_t)snprintf(path, len, "%s/info/%s:%s.%s", admindir(), k->name, k->arch,
					suffix) < len && access(path, F_OK) == 0)
		return 0;
	if ((size_t)snprintf(path, len, "%s/info/%s.%s", admindir(), k->name, suffix) < len && access(path, F_OK) == 0)
		return 0;
	return -ENOENT;
}

static FILE *info_open(const struct pkg *k, const char *suffix)
{
	char path[PATH_MAX];

	return info_path(k, suffix, path, sizeof(path)) == 0 ? fopen(path, "re") : NULL;
}

/* The text of its maintainer scripts that make things on the host, or NULL. */
static char *scripts_text(const struct pkg *k)
{
	static const char *const scripts[] = { "preinst", "postinst", "config" };
	char path[PATH_MAX], *text = NULL, *t, *j;
	size_t len;
	unsigned i;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		if (info_path(k, scripts[i], path, sizeof(path)) < 0 || file_read_all(path, &t, &len, 1 << 22) < 0)
			continue;
		if (!text) {
			text = t;
		} else if (asprintf(&j, "%s\n%s", text, t) >= 0) {
			free(text);
			free(t);
			text = j;
		}
	}
	return text;
}

/* Commands (bin and sbin directories): what someone runs, not what a program opens. */
int command_path(const char *path)
{
	static const char *const dirs[] = { "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/games/",
					    "/usr/local/bin/", "/usr/local/sbin/" };
	unsigned i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(path, dirs[i], strlen(dirs[i])) && !strchr(path + strlen(dirs[i]), '/'))
			return 1;
	return 0;
}

/* The program's own package's other commands (npm beside node, py3compile beside python3):
 * what someone runs, and with a command that is a symlink the tree it leads into, up to the
 * highest directory only this package lists (/usr/bin/npm -> /usr/lib/node_modules/npm/...:
 * /usr/lib/node_modules).  The packed programs and what they lead to are not among them. */

static int is_program(const struct closure *cl, const char *path)
{
	char a[PATH_MAX], b[PATH_MAX];
	int i;

	if (!realpath(path, a))
		snprintf(a, sizeof(a), "%s", path);
	for (i = 0; i < cl->nprogs; i++)
		if (!strcmp(cl->progs[i], path) || (realpath(cl->progs[i], b) && !strcmp(a, b)))
			return 1;
	return 0;
}

static int listed_only_by(const char *path, const struct pkg *k);

static void other_commands(const struct closure *cl, struct pkg *k)
{
	char *line = NULL, target[PATH_MAX], *slash;
	size_t cap = 0;
	FILE *f = info_open(k, "list");

	while (f && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!command_path(line) || is_program(cl, line))
			continue;
		snprintf(target, sizeof(target), "%s", line);
		if (realpath(line, target) && strcmp(target, line) && !command_path(target) && !is_program(cl, target)) {
			/* up from the target's directory while only this package lists the parent */
			while ((slash = strrchr(target, '/')) && slash != target) {
				*slash = '\0';
				if (!listed_only_by(target, k)) {
					*slash = '/';
					break;
				}
			}
			if (!(k->others = realloc(k->others, (k->nothers + 1) * sizeof(*k->others))))
				abort();
			k->others[k->nothers++] = xstrdup(target);
		}
		if (!(k->others = realloc(k->others, (k->nothers + 1) * sizeof(*k->others))))
			abort();
		k->others[k->nothers++] = xstrdup(line);
	}
	if (f)
		fclose(f);
	free(line);
}

/* Build-time files (headers, pkg-config, aclocal): never what a program opens when it runs. */
static int build_file(const char *path)
{
	static const char *const trees[] = { "/usr/include", "/usr/src", "/usr/share/aclocal" };
	unsigned i;

	for (i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		size_t l = strlen(trees[i]);
		if (!strncmp(path, trees[i], l) && (path[l] == '/' || !path[l]))
			return 1;
	}
	return strstr(path, "/pkgconfig/") != NULL || (strlen(path) > 10 && !strcmp(path + strlen(path) - 10, "/pkgconfig"));
}

/* One of its other commands' files, or in the package part (k->why is set for its packages
 * only) a build-time file. */
static int in_other(const struct pkg *k, const char *path)
{
	int i;

	for (i = 0; i < k->nothers; i++) {
		size_t l = strlen(k->others[i]);
		if (!strncmp(path, k->others[i], l) && (path[l] == '/' || !path[l]))
			return 1;
	}
	return k->why && build_file(path);
}

/* cl: the package part's closure, whose image already has what the payload and its closure
 * put there (those stay: a package's /usr/bin/redis-server symlink does not replace the
 * payload's file); NULL for --package, which lays the files in first. */
static int pkg_files_add(struct plan *p, struct closure *cl, struct pkg *k, int docs)
{
	char *line = NULL, *why;
	size_t cap = 0;
	FILE *f;
	int r = 0;

	if (!(f = info_open(k, "list"))) {
		err("--package %s: no file list in %s/info: %s", k->name, admindir(), strerror(errno));
		return -ENOENT;
	}
	why = k->why ? (char *)k->why : cl_printf("--package %s", k->name);
	if (cl && !k->dep)
		other_commands(cl, k);
	while (!r && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '/' || !strcmp(line, "/.") || skipped(line, docs))
			continue;
		/* of a package the program depends on: its data, configuration and plugins; its
		 * commands only when something names them (the payload's sh -c, a #! line) */
		if ((k->dep && command_path(line)) || (cl && cl_entry(cl, line)) || in_other(k, line))
			continue;
		r = host_path_add(p, line, why);
		if (r == -ENOENT) /* listed but removed on this host (excluded by dpkg, say) */
			r = 0;
		else if (r < 0)
			err("--package %s: %s: %s", k->name, line, strerror(-r));
	}
	free(line);
	fclose(f);
	return r;
}

/* ---- which packages list a path: every file list, read once ---- */

struct owner { int pkg, next; };
struct pmap { struct pslot { char *path; int head; } *v; size_t cap, n; };
static struct pmap paths, visited;      /* listed paths; leftovers looked at already */
static struct owner *owners;
static int nowners, capowners, indexed;

static uint64_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	/* FNV's low bits are weak for paths that share long prefixes: mix the high ones in */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static struct pslot *map_slot(struct pmap *m, const char *path, int create)
{
	size_t i;

	if (create && (m->n + 1) * 2 > m->cap) {
		struct pslot *old = m->v;
		size_t oc = m->cap;
		m->cap = oc ? oc * 2 : 1 << 12;
		if (!(m->v = calloc(m->cap, sizeof(*m->v))))
			abort();
		m->n = 0;
		for (i = 0; i < oc; i++)
			if (old[i].path)
				*map_slot(m, old[i].path, 1) = old[i];
		free(old);
	}
	if (!m->cap)
		return NULL;
	for (i = path_hash(path) & (m->cap - 1); m->v[i].path; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->v[i].path, path))
			return &m->v[i];
	if (!create)
		return NULL;
	m->n++;
	m->v[i].path = (char *)path;
	m->v[i].head = -1;
	return &m->v[i];
}

static struct pslot *path_slot(const char *path, int create)
{
	return map_slot(&paths, path, create);
}

/* 1 the first time a leftover path is looked at */
static int first_visit(const char *path)
{
	if (map_slot(&visited, path, 0))
		return 0;
	map_slot(&visited, xstrdup(path), 1);
	return 1;
}

/* Every installed package's file list, read once, as "\n/path\n/path...\n". */
static void lists_load(void)
{
	static int loaded;
	char path[PATH_MAX], *t;
	size_t len;
	int i;

	if (loaded++)
		return;
	for (i = 0; i < npkgs; i++) {
		if (!pkgs[i].installed || info_path(&pkgs[i], "list", path, sizeof(path)) < 0 ||
		    file_read_all(path, &t, &len, 1 << 26) < 0)
			continue;
		if (!(pkgs[i].list = malloc(len + 2)))
			abort();
		pkgs[i].list[0] = '\n';
		memcpy(pkgs[i].list + 1, t, len);
		pkgs[i].listlen = len + 1;
		if (len && t[len - 1] != '\n')
			pkgs[i].list[pkgs[i].listlen++] = '\n';
		pkgs[i].list[pkgs[i].listlen] = '\0';
		free(t);
	}
}

/* The lists as a map of path -> the packages listing it, for the leftovers (built only when a
 * package is brought: 140,000 paths on a desktop-sized host). */
static void lists_index(void)
{
	char *line, *end;
	int i;

	if (indexed)
		return;
	indexed = 1;
	lists_load();
	for (i = 0; i < npkgs; i++) {
		for (line = pkgs[i].list ? pkgs[i].list + 1 : NULL; line && *line; line = end + 1) {
			struct pslot *s;
			end = strchr(line, '\n');
			*end = '\0';
			if (line[0] == '/' && strcmp(line, "/.")) {
				if (!(s = path_slot(line, 0)))
					s = path_slot(xstrdup(line), 1);
				if (nowners == capowners &&
				    !(owners = realloc(owners, (capowners = capowners ? capowners * 2 : 1 << 16) * sizeof(*owners))))
					abort();
				owners[nowners] = (struct owner){ i, s->head };
				s->head = nowners++;
			}
			*end = '\n';
		}
	}
}

/* The first package whose list has path (no index needed). */
static struct pkg *list_search(const char *path)
{
	char needle[PATH_MAX + 2];
	int i, n = snprintf(needle, sizeof(needle), "\n%s\n", path);

	if (n >= (int)sizeof(needle))
		return NULL;
	for (i = 0; i < npkgs; i++)
		if (pkgs[i].list && memmem(pkgs[i].list, pkgs[i].listlen, needle, n))
			return &pkgs[i];
	return NULL;
}

/* The other spelling of a path on merged /usr (/lib/systemd <-> /usr/lib/systemd), or NULL:
 * dpkg lists each file under the name its package used. */
static const char *merged_alias(const char *path, char *buf, size_t len)
{
	static const char *const dirs[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	unsigned i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t l = strlen(dirs[i]);
		if (!strncmp(path, "/usr", 4) && !strncmp(path + 4, dirs[i], l) && (!path[4 + l] || path[4 + l] == '/'))
			return snprintf(buf, len, "%s", path + 4) < (int)len ? buf : NULL;
		if (!strncmp(path, dirs[i], l) && (!path[l] || path[l] == '/'))
			return snprintf(buf, len, "/usr%s", path) < (int)len ? buf : NULL;
	}
	return NULL;
}

static int listed(const char *path)
{
	char buf[PATH_MAX];
	const char *a = merged_alias(path, buf, sizeof(buf));

	return path_slot(path, 0) != NULL || (a && path_slot(a, 0) != NULL);
}

/* every package listing path (under either spelling) is in the image */
static int listed_only_by_wanted(const char *path)
{
	char buf[PATH_MAX];
	const char *spell[2] = { path, merged_alias(path, buf, sizeof(buf)) };
	struct pslot *s;
	int o, i;

	for (i = 0; i < 2; i++)
		for (s = spell[i] ? path_slot(spell[i], 0) : NULL, o = s ? s->head : -1; o >= 0; o = owners[o].next)
			if (!pkgs[owners[o].pkg].wanted)
				return 0;
	return listed(path);
}

/* only k lists path (under either spelling) */
static int listed_only_by(const char *path, const struct pkg *k)
{
	char buf[PATH_MAX];
	const char *spell[2] = { path, merged_alias(path, buf, sizeof(buf)) };
	struct pslot *s;
	int o, i, n = 0;

	for (i = 0; i < 2; i++)
		for (s = spell[i] ? path_slot(spell[i], 0) : NULL, o = s ? s->head : -1; o >= 0; o = owners[o].next, n++)
			if (&pkgs[owners[o].pkg] != k)
				return 0;
	return n > 0;
}

/* The package a host file is in, as dpkg -S finds it; the image's and merged /usr's other
 * spelling tried too (/usr/bin/x is listed as /bin/x by some packages). */
static struct pkg *file_owner(const char *path)
{
	static const char *const merged[] = { "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/" };
	char cand[4][PATH_MAX];
	struct pkg *k0;
	unsigned i, k, n = 0;

	snprintf(cand[n++], PATH_MAX, "%s", path);
	if (realpath(path, cand[n]) && strcmp(cand[n], path))
		n++;
	for (k = 0, i = n; k < i; k++) {
		for (unsigned m = 0; m < sizeof(merged) / sizeof(merged[0]) && n < 4; m++) {
			size_t l = strlen(merged[m]);
			if (!strncmp(cand[k], "/usr", 4) && !strncmp(cand[k] + 4, merged[m], l))
				snprintf(cand[n++], PATH_MAX, "%s", cand[k] + 4);
			else if (!strncmp(cand[k], merged[m], l))
				snprintf(cand[n++], PATH_MAX, "/usr%.4000s", cand[k]);
		}
	}
	lists_load();
	for (k = 0; k < n; k++)
		if ((k0 = list_search(cand[k])))
			return k0;
	return NULL;
}

/* ---- what the maintainer scripts left on the host ---- */

static int word_in(const char *text, const char *w);

static int word_char(char c)
{
	return c == '_' || c == '-' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

static int path_char(char c)
{
	return word_char(c) || c == '.' || c == '+' || c == '@' || c == '/';
}

/* The host's own state, never taken: its local software, its service managers' enablement,
 * its runs' logs, caches and spools, its identity. */
static int host_state(const char *path)
{
	static const char *const trees[] = { "/usr/local", "/etc/systemd", "/lib/systemd", "/usr/lib/systemd",
					     "/etc/init.d", "/etc/runit", "/etc/sv", "/etc/rc0.d", "/etc/rc1.d",
					     "/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", "/etc/rc6.d",
					     "/etc/rcS.d", "/var/log", "/var/cache", "/var/tmp", "/tmp", "/run", "/var/run",
					     "/var/lock", "/var/backups", "/var/mail", "/var/spool", "/proc",
					     "/sys", "/dev", "/boot", "/home", "/root", "/media", "/mnt",
					     "/lost+found" };
	static const char *const files[] = { "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow",
					     "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/machine-id",
					     "/etc/fstab", "/etc/mtab", "/etc/minboot.conf", "/etc/localtime",
					     "/etc/timezone", "/etc/ld.so.cache" };
	static const char *const backup[] = { ".dpkg-old", ".dpkg-dist", ".dpkg-new", ".dpkg-bak", ".dpkg-tmp",
					      ".ucf-old", ".ucf-dist", ".ucf-new", "~" };
	size_t l = strlen(path), k;
	unsigned i;

	for (i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		k = strlen(trees[i]);
		if (!strncmp(path, trees[i], k) && (path[k] == '/' || !path[k]))
			return 1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(path, files[i]))
			return 1;
	for (i = 0; i < sizeof(backup) / sizeof(backup[0]); i++) {
		k = strlen(backup[i]);
		if (l > k && !strcmp(path + l - k, backup[i]))
			return 1;
	}
	return 0;
}

struct left { struct plan *p; struct closure *cl; const struct pkg *k; const char *why; int docs, n, secrets; char secret[256]; };

/* A file only root may read is a secret (ssh host keys, TLS private keys): an image carries one
 * only when the user gives it (--file). */
static int secret(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == 0 && !(st->st_mode & S_IROTH);
}

/* KEY.pub beside a secret KEY goes with it: a host key's public half alone does not match
 * the key the user gives (sshd: "Public key ... does not match private key"). */
static int secret_pub(const char *path)
{
	char key[PATH_MAX];
	struct stat st;
	size_t l = strlen(path);

	if (l < 5 || l >= sizeof(key) || strcmp(path + l - 4, ".pub"))
		return 0;
	snprintf(key, sizeof(key), "%.*s", (int)(l - 4), path);
	return lstat(key, &st) == 0 && secret(&st);
}

static int left_add(struct left *l, const char *path);

static int left_dir(struct left *l, const char *dir)
{
	struct dirent **names;
	char next[PATH_MAX];
	int i, k, r = 0;

	if ((k = scandir(dir, &names, NULL, alphasort)) < 0)
		return 0; /* a directory we may not read: nothing of it */
	for (i = 0; i < k; i++) {
		if (!r && strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..") &&
		    (size_t)snprintf(next, sizeof(next), "%s/%s", dir, names[i]->d_name) < sizeof(next) && !listed(next))
			r = left_add(l, next);
		free(names[i]);
	}
	free(names);
	return r;
}

static int left_add(struct left *l, const char *path)
{
	struct stat st;
	int r;

	if (host_state(path) || skipped(path, l->docs) || in_other(l->k, path) || !first_visit(path) ||
	    lstat(path, &st) < 0)
		return 0;
	if (secret(&st) || secret_pub(path)) {
		if (!l->secrets++)
			snprintf(l->secret, sizeof(l->secret), "%s", path);
		return 0;
	}
	if (l->cl && cl_entry(l->cl, path) && !S_ISDIR(st.st_mode))
		return 0;
	if ((!l->cl || !cl_entry(l->cl, path)) && (r = host_path_add(l->p, path, l->why)) < 0)
		return r;
	l->n++;
	return S_ISDIR(st.st_mode) ? left_dir(l, path) : 0;
}

/* A directory a package may own: below the hierarchy's own (/etc/X, /opt/X, /srv/X, /usr/Y/X,
 * /var/Y/X), never /usr/lib or /var/lib itself. */
static int own_depth(const char *path)
{
	const char *c;
	int n = 0;

	for (c = path; *c; c++)
		n += *c == '/';
	return n >= (!strncmp(path, "/usr/", 5) || !strncmp(path, "/var/", 5) ? 3 : 2);
}

/* In a directory it lists, the unlisted files its maintainer scripts name (libpam-runtime's
 * /etc/pam.d/common-auth, made by pam-auth-update). */
static int named_in_dir(struct left *l, const char *dir, const char *text)
{
	struct dirent **names;
	char next[PATH_MAX];
	int i, k, r = 0;

	if (!text || (k = scandir(dir, &names, NULL, alphasort)) < 0)
		return 0;
	for (i = 0; i < k; i++) {
		if (!r && names[i]->d_type != DT_DIR && strlen(names[i]->d_name) > 2 && word_in(text, names[i]->d_name) &&
		    (size_t)snprintf(next, sizeof(next), "%s/%s", dir, names[i]->d_name) < sizeof(next) && !listed(next))
			r = left_add(l, next);
		free(names[i]);
	}
	free(names);
	return r;
}

/* Its own directories (listed by it and by no package the image lacks: /etc/nginx,
 * /var/lib/postgresql), each unlisted thing in them; in its other directories the unlisted
 * files its maintainer scripts name; and the paths they name that no package lists (nginx's
 * /var/www/html/index.nginx-debian.html). */
static int leftovers_add(struct plan *p, struct closure *cl, const struct pkg *k, int docs)
{
	struct left l = { p, cl, k, cl_printf("package %s: left on this host by its maintainer scripts", k->name), docs, 0, 0, "" };
	char *line = NULL, *text;
	size_t cap = 0;
	struct stat st;
	FILE *f = info_open(k, "list");
	int r = 0;

	text = scripts_text(k);
	while (f && !r && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '/' || !strcmp(line, "/.") || host_state(line) || skipped(line, docs) ||
		    !own_depth(line) || lstat(line, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r = listed_only_by_wanted(line) ? left_dir(&l, line) : named_in_dir(&l, line, text);
	}
	if (f)
		fclose(f);
	free(line);
	for (char *c = text; c && *c && !r; c++) {
		static const char *const tops[] = { "/etc/", "/var/", "/srv/", "/opt/", "/usr/" };
		char tok[PATH_MAX];
		size_t n;
		unsigned t;
		if (*c != '/' || (c > text && path_char(c[-1])))
			continue; /* not the start of a path */
		n = strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+@-/");
		for (t = 0; t < sizeof(tops) / sizeof(tops[0]) && strncmp(c, tops[t], strlen(tops[t])); t++)
			;
		if (t == sizeof(tops) / sizeof(tops[0]) || n >= sizeof(tok))
			continue;
		snprintf(tok, sizeof(tok), "%.*s", (int)n, c);
		while (n > 1 && tok[n - 1] == '/')
			tok[--n] = '\0';
		if (!listed(tok))
			r = left_add(&l, tok);
	}
	free(text);
	if (l.secrets)
		info("package %s: %d secret%s left out (files only root may read, with their .pub): %s%s; give %s with --file to pack %s",
		     k->name, l.secrets, l.secrets > 1 ? "s" : "", l.secret, l.secrets > 1 ? ", ..." : "",
		     l.secrets > 1 ? "them" : "it", l.secrets > 1 ? "them" : "it");
	return r;
}

/* ---- the accounts a package's scripts make or use ---- */

static int word_in(const char *text, const char *w)
{
	size_t l = strlen(w);
	const char *c;

	for (c = strstr(text, w); c; c = strstr(c + 1, w))
		if (!(c > text && word_char(c[-1])) && !word_char(c[l]))
			return 1;
	return 0;
}

/* System accounts of the host (ids 1-999) its maintainer scripts name: what adduser made
 * (sshd, redis, postgres) and what they chown to (www-data). */
static void accounts_of(const struct pkg *k)
{
	static const char *const dbs[] = { "passwd", "group" };
	char path[PATH_MAX], *text = scripts_text(k), *db, *line, *save;
	size_t len;
	unsigned d;

	if (!text)
		return;
	for (d = 0; d < 2; d++) {
		snprintf(path, sizeof(path), "%s/%s", accounts_host_etc, dbs[d]);
		if (file_read_all(path, &db, &len, 1 << 24) < 0)
			continue;
		for (line = strtok_r(db, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			long id = c2 ? strtol(c2 + 1, NULL, 10) : 0;
			if (!c2 || id < 1 || id > 999)
				continue;
			*c1 = '\0';
			if (word_in(text, line))
				accounts_need(d ? ACCT_GROUP : ACCT_USER, line, -1, 0,
					      cl_printf("named by %s's maintainer scripts", k->name));
		}
		free(db);
	}
	free(text);
}

/* Debian's static accounts (base-passwd: ids 0-99, the same on every Debian system), which
 * packages use without creating them (nginx's and lighttpd's www-data). */
static void static_accounts(void)
{
	static int done;
	long id;

	if (done++)
		return;
	for (id = 1; id < 100; id++) {
		accounts_need(ACCT_USER, NULL, id, 0, "Debian's static accounts (base-passwd)");
		accounts_need(ACCT_GROUP, NULL, id, 0, "Debian's static accounts (base-passwd)");
	}
}

static int pkgs_add_wanted(struct plan *p, struct closure *cl, int docs)
{
	int i, r;

	/* before the files: the other commands' trees are found by who else lists their parents */
	lists_index();
	for (i = 0; i < npkgs; i++) {
		if (!pkgs[i].wanted || pkgs[i].added)
			continue;
		pkgs[i].added = 1;
		if ((r = pkg_files_add(p, cl, &pkgs[i], docs)) < 0)
			return r;
	}
	for (i = 0; i < npkgs; i++) {
		if (pkgs[i].added != 1)
			continue;
		pkgs[i].added = 2;
		if ((r = leftovers_add(p, cl, &pkgs[i], docs)) < 0)
			return r;
		accounts_of(&pkgs[i]);
	}
	static_accounts();
	return 0;
}

/* A new plan (--trace builds one twice): nothing brought yet. */
void packages_reset(void)
{
	size_t i;
	int k, j;

	for (k = 0; k < npkgs; k++) {
		for (j = 0; j < pkgs[k].nothers; j++)
			free(pkgs[k].others[j]);
		free(pkgs[k].others);
		pkgs[k].others = NULL, pkgs[k].nothers = 0;
		pkgs[k].wanted = pkgs[k].added = pkgs[k].dep = 0;
		pkgs[k].why = NULL;
	}
	for (i = 0; i < visited.cap; i++)
		free(visited.v[i].path);
	free(visited.v);
	memset(&visited, 0, sizeof(visited));
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
		pkg_want(k, 0);
	}
	return pkgs_add_wanted(p, NULL, docs);
}

/* The package part of the run-time closure: the package each packed host program is in (the
 * payload, --file of a host program, #! interpreters), with what it depends on (auto_follows),
 * as --package brings it. */
int packages_auto(struct closure *cl)
{
	int i, any = 0;

	if (!cl->nprogs || access(admindir(), F_OK) < 0)
		return 0;
	if (status_read() < 0)
		return 0; /* no dpkg database: not a Debian host */
	for (i = 0; i < cl->nprogs; i++) {
		struct pkg *k = file_owner(cl->progs[i]);
		if (!k || k->wanted)
			continue;
		if (k->essential) {
			dbg("%s: in the Essential package %s: the program only", cl->progs[i], k->name);
			continue;
		}
		k->why = cl_printf("package %s (%s is in it)", k->name, cl->progs[i]);
		pkg_want(k, 1);
		any = 1;
	}
	return any ? pkgs_add_wanted(cl->p, cl, cl->o ? cl->o->package_docs : 0) : 0;
}
