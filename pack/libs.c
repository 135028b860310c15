/* Follow an ELF file's interpreter and DT_NEEDED libraries the way the dynamic loader would find
 * them on this host: DT_RPATH (when no RUNPATH), DT_RUNPATH, /etc/ld.so.conf, default dirs.
 * Each library goes into the image at the path where it was found (symlinks dereferenced). */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/pack.h"

#define MAX_DIRS 64

static char *dirs[MAX_DIRS];
static int ndirs;

static void dir_add(const char *d)
{
	int i;

	for (i = 0; i < ndirs; i++)
		if (!strcmp(dirs[i], d))
			return;
	if (ndirs < MAX_DIRS)
		dirs[ndirs++] = xstrdup(d);
}

static void ldconf_read(const char *path, int depth)
{
	char line[512], *s, *e;
	FILE *f;
	glob_t g;
	size_t i;

	if (depth > 4 || !(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		s = line + strspn(line, " \t");
		e = s + strcspn(s, "#\n");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (!strncmp(s, "include", 7) && (s[7] == ' ' || s[7] == '\t')) {
			s += 8 + strspn(s + 8, " \t");
			if (glob(s, 0, NULL, &g) == 0) {
				for (i = 0; i < g.gl_pathc; i++)
					ldconf_read(g.gl_pathv[i], depth + 1);
				globfree(&g);
			}
		} else if (*s == '/') {
			dir_add(s);
		}
	}
	fclose(f);
}

static void dirs_init(void)
{
	static const char *const defaults[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
		"/lib", "/usr/lib",
	};
	unsigned i;

	if (ndirs)
		return;
	ldconf_read("/etc/ld.so.conf", 0);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		dir_add(defaults[i]);
}

static int compatible(const char *path, const struct elf_info *parent)
{
	struct elf_info e;

	if (access(path, R_OK) < 0 || elf_read(path, &e) < 0 || !e.is_elf)
		return 0;
	return e.class64 == parent->class64 && e.machine == parent->machine;
}

/* Search a colon list (RUNPATH) with $ORIGIN expanded to the object's directory. */
static int search_list(const char *list, const char *origin, const char *name,
		       const struct elf_info *parent, char *out, size_t outlen)
{
	char buf[1024], *tok, *save = NULL, dir[1024];

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!strncmp(tok, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%s%s", origin, tok + 7);
		else if (!strncmp(tok, "${ORIGIN}", 9))
			snprintf(dir, sizeof(dir), "%s%s", origin, tok + 9);
		else
			snprintf(dir, sizeof(dir), "%s", tok);
		if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) < outlen && compatible(out, parent))
			return 0;
	}
	return -ENOENT;
}

static int lib_find(const char *name, const char *origin, const struct elf_info *parent,
		    char *out, size_t outlen)
{
	int i;

	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return compatible(out, parent) ? 0 : -ENOENT;
	}
	if (parent->runpath[0] && search_list(parent->runpath, origin, name, parent, out, outlen) == 0)
		return 0;
	dirs_init();
	for (i = 0; i < ndirs; i++) {
		if ((size_t)snprintf(out, outlen, "%s/%s", dirs[i], name) < outlen && compatible(out, parent))
			return 0;
	}
	return -ENOENT;
}

static int add_one(struct plan *p, const char *path, const char *why, int depth);

static int add_deps(struct plan *p, const char *path, const struct elf_info *e, int depth)
{
	char origin[1024], found[1024], tmp[1024], *why;
	int i, r;

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(origin, sizeof(origin), "%s", dirname(tmp));
	if (asprintf(&why, "needed by %s", path) < 0)
		return -ENOMEM;
	if (e->interp[0] && (r = add_one(p, e->interp, why, depth + 1)) < 0)
		return r;
	for (i = 0; i < e->nneeded; i++) {
		if (lib_find(e->needed[i], origin, e, found, sizeof(found)) < 0) {
			err("%s needs %s, which is not found on this host", path, e->needed[i]);
			return -ENOENT;
		}
		if ((r = add_one(p, found, why, depth + 1)) < 0)
			return r;
	}
	return 0;
}

static int add_one(struct plan *p, const char *path, const char *why, int depth)
{
	struct elf_info e;
	struct stat st;
	int r;

	if (plan_find(p, path))
		return 0;
	if (depth > 32)
		return -ELOOP;
	if (stat(path, &st) < 0) {
		err("unable to find %s: %s", path, strerror(errno));
		return -errno;
	}
	r = plan_add_file(p, path, path, st.st_mode & 0111 ? 0755 : 0644, why);
	if (r < 0)
		return r;
	r = elf_read(path, &e);
	if (r < 0) {
		err("unable to read ELF headers of %s: %s", path, strerror(-r));
		return r;
	}
	return add_deps(p, path, &e, depth);
}

int libs_add(struct plan *p, const char *host_path, const char *why)
{
	struct elf_info e;
	int r = elf_read(host_path, &e);

	(void)why;
	if (r < 0) {
		err("unable to read ELF headers of %s: %s", host_path, strerror(-r));
		return r;
	}
	return e.is_elf ? add_deps(p, host_path, &e, 0) : 0;
}
