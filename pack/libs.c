/* The libraries of an ELF file, found as glibc 2.36's dynamic loader finds them (elf/dl-load.c
 * _dl_map_object, elf/dl-deps.c _dl_map_object_deps), never by running ldd:
 *   - breadth first from the program, each DT_NEEDED name looked up in order; a name an object
 *     already loaded answers to (the name it was asked by, its path, its DT_SONAME) is that object;
 *   - a name with a '/' is a path ($ORIGIN, $LIB, $PLATFORM expanded);
 *   - else, when the asking object has no DT_RUNPATH: the DT_RPATH of the asking object, of the
 *     object that loaded it, and so on up to the program, then the program's own DT_RPATH;
 *     LD_LIBRARY_PATH is ignored (the image's payload does not get the packer's);
 *     the asking object's own DT_RUNPATH (never inherited);
 *     /etc/ld.so.cache; the default directories — unless DF_1_NODEFLIB;
 *   - in each directory the glibc-hwcaps subdirectories first, then the legacy tls/ and platform
 *     ones, then the directory itself; files of another ELF class or machine are passed over.
 * Each object has a path in the image and one on the host: $ORIGIN expands to the object's
 * directory in both, so a library next to a --file goes next to it in the image.  Each path the
 * loader would try is looked up in the image (what other inputs put there), else on the host. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/closure.h"
#include "pack/pack.h"

#define DST_LIB "lib/x86_64-linux-gnu"   /* Debian's $LIB */
#define DST_PLATFORM "x86_64"            /* AT_PLATFORM on x86_64 */

/* The default directories of Debian's x86_64 loader ("ld.so --help": system search path). */
const char *const lib_default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", NULL,
};
/* Legacy hwcaps subdirectories glibc 2.36 still searches on x86_64 (AT_PLATFORM x86_64, the
 * HWCAP_X86_64 bit), after the glibc-hwcaps ones and before the directory itself. */
static const char *const legacy_subdirs[] = {
	"tls/x86_64/x86_64/", "tls/x86_64/", "tls/", "x86_64/x86_64/", "x86_64/", NULL,
};
const char *const lib_hwcaps_all[] = { "x86-64-v4", "x86-64-v3", "x86-64-v2", NULL };

const char *lib_cache_path;
static struct ldcache host_cache;
static int host_cache_state; /* 0 not read, 1 read, -1 none */

static const struct ldcache *cache_get(void)
{
	char *buf;
	size_t len;

	if (host_cache_state == 0) {
		host_cache_state = -1;
		if (file_read_all(lib_cache_path ? lib_cache_path : "/etc/ld.so.cache", &buf, &len, 1 << 28) == 0) {
			if (ldcache_parse((unsigned char *)buf, len, &host_cache) == 0)
				host_cache_state = 1;
		}
	}
	return host_cache_state == 1 ? &host_cache : NULL;
}

/* The class and machine of a file: 1 an ELF of that kind, 0 another kind, -ENOEXEC not ELF. */
static int elf_kind(const char *path, int class64, int machine)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG))
		return -ENOEXEC;
	return (h[EI_CLASS] == ELFCLASS64) == !!class64 && (h[18] | h[19] << 8) == machine;
}

struct rs {
	const struct lib_view *view;
	struct lib_set *set;
};

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return cl_printf("%.*s", (int)(s - path), path);
}

/* Is "$NAME" or "${NAME}" at s?  The length of it, else 0 (elf/dl-load.c is_dst). */
static size_t is_dst(const char *s, const char *name)
{
	size_t l = strlen(name);

	if (s[0] != '$')
		return 0;
	if (s[1] == '{')
		return !strncmp(s + 2, name, l) && s[2 + l] == '}' ? l + 3 : 0;
	if (strncmp(s + 1, name, l))
		return 0;
	return (s[1 + l] >= 'A' && s[1 + l] <= 'Z') || (s[1 + l] >= 'a' && s[1 + l] <= 'z') ||
	       (s[1 + l] >= '0' && s[1 + l] <= '9') || s[1 + l] == '_' ? 0 : l + 1;
}

/* Expand the DSTs of one path element: the image's and the host's versions. */
static void dst_expand(const char *in, size_t len, const struct lib_obj *o, char **ip, char **hp)
{
	size_t cap = len + 1, k;
	char *iv, *hv;
	size_t in_ = 0, hn = 0, i;

	for (i = 0; i < len; i++)
		if (in[i] == '$')
			cap += strlen(o->iorigin) + strlen(o->horigin) + sizeof(DST_LIB);
	iv = malloc(cap);
	hv = malloc(cap);
	if (!iv || !hv)
		abort();
	for (i = 0; i < len;) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(len - i < 500 ? len - i : 500), in + i);
		if ((k = is_dst(tmp, "ORIGIN"))) {
			in_ += sprintf(iv + in_, "%s", o->iorigin);
			hn += sprintf(hv + hn, "%s", o->horigin);
		} else if ((k = is_dst(tmp, "LIB"))) {
			in_ += sprintf(iv + in_, "%s", DST_LIB);
			hn += sprintf(hv + hn, "%s", DST_LIB);
		} else if ((k = is_dst(tmp, "PLATFORM"))) {
			in_ += sprintf(iv + in_, "%s", DST_PLATFORM);
			hn += sprintf(hv + hn, "%s", DST_PLATFORM);
		} else {
			iv[in_++] = in[i];
			hv[hn++] = in[i];
			k = 1;
		}
		i += k;
	}
	iv[in_] = hv[hn] = '\0';
	*ip = iv;
	*hp = hv;
}

struct cand {
	char *ipath, *hpath, *ireal;
	int in_image, via_cache;
};

/* Does the image, else the host, hold a usable file at this candidate?  The image is looked at
 * as it will be: a path it holds is never taken from the host. */
static int probe(struct rs *rs, const struct lib_obj *asker, const char *ip, const char *hp,
		 struct cand *c)
{
	const char *src = NULL, *real = NULL;
	int k;

	if (ip[0] == '/' && rs->view->image_file &&
	    rs->view->image_file(rs->view->ctx, ip, &src, &real) > 0) {
		if (elf_kind(src, asker->e.class64, asker->e.machine) <= 0)
			return 0;
		c->ipath = xstrdup(ip);
		c->ireal = xstrdup(real);
		c->hpath = xstrdup(src);
		c->in_image = 1;
		return 1;
	}
	k = elf_kind(hp, asker->e.class64, asker->e.machine);
	if (k == -ENOEXEC) {
		c->hpath = xstrdup(hp);
		return -ENOEXEC; /* the loader stops there: "invalid ELF header" */
	}
	if (k <= 0)
		return 0;
	c->ipath = xstrdup(ip[0] == '/' ? ip : hp);
	c->ireal = xstrdup(c->ipath);
	c->hpath = xstrdup(hp);
	c->in_image = 0;
	return 1;
}

/* One search directory: its glibc-hwcaps and legacy subdirectories, then itself. */
static int try_dir(struct rs *rs, const struct lib_obj *asker, const char *idir, const char *hdir,
		   const char *name, struct cand *c)
{
	const char *const *lv = rs->view->levels;
	char ip[PATH_MAX], hp[PATH_MAX];
	int i, r, nleg = asker->e.machine == EM_X86_64 ? 5 : 0;

	for (i = 0; lv && lv[i]; i++) {
		snprintf(ip, sizeof(ip), "%s/glibc-hwcaps/%s/%s", idir, lv[i], name);
		snprintf(hp, sizeof(hp), "%s/glibc-hwcaps/%s/%s", hdir, lv[i], name);
		if ((r = probe(rs, asker, ip, hp, c)) != 0) {
			rs->set->hwcaps_seen = 1;
			return r;
		}
	}
	for (i = 0; i <= nleg; i++) {
		const char *sub = i < nleg ? legacy_subdirs[i] : "";
		if ((size_t)snprintf(ip, sizeof(ip), "%s/%s%s", idir, sub, name) >= sizeof(ip) ||
		    (size_t)snprintf(hp, sizeof(hp), "%s/%s%s", hdir, sub, name) >= sizeof(hp))
			continue; /* longer than a path can be: the loader cannot open it either */
		if ((r = probe(rs, asker, ip, hp, c)) != 0)
			return r;
	}
	return 0;
}

/* A colon-separated DT_RPATH / DT_RUNPATH of object o. */
static int try_list(struct rs *rs, const struct lib_obj *asker, const struct lib_obj *o,
		    const char *list, const char *name, struct cand *c)
{
	const char *s = list, *e;
	char *ip, *hp;
	int r = 0;

	while (!r) {
		e = strchrnul(s, ':');
		if (e == s)
			dst_expand(".", 1, o, &ip, &hp); /* an empty element is the working directory */
		else
			dst_expand(s, e - s, o, &ip, &hp);
		r = try_dir(rs, asker, ip, hp, name, c);
		free(ip);
		free(hp);
		if (!*e)
			break;
		s = e + 1;
	}
	return r;
}

/* Is path directly in one of the loader's default directories? */
int lib_in_default_dir(const char *path)
{
	const char *s = strrchr(path, '/');
	int i;

	for (i = 0; s && lib_default_dirs[i]; i++)
		if (strlen(lib_default_dirs[i]) == (size_t)(s - path) && !strncmp(path, lib_default_dirs[i], s - path))
			return 1;
	return 0;
}

static int in_system_dir(const char *path)
{
	return !strncmp(path, "/lib/x86_64-linux-gnu/", 22) || !strncmp(path, "/usr/lib/x86_64-linux-gnu/", 26);
}

static int32_t cache_flags(const struct lib_obj *o)
{
	if (o->e.machine == EM_X86_64)
		return 0x0303; /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
	if (o->e.machine == EM_AARCH64)
		return 0x0a03;
	return 0x0003;
}

static int try_cache(struct rs *rs, const struct lib_obj *asker, int nodeflib, const char *name,
		     struct cand *c)
{
	const struct ldcache *hc;
	const char *path = NULL;
	int i, r;

	for (i = 0; i < rs->view->nicache && !path; i++)
		if (!strcmp(rs->view->icache[i].name, name))
			path = rs->view->icache[i].path;
	if (!path && (hc = cache_get()))
		path = ldcache_lookup(hc, name, cache_flags(asker), rs->view->levels);
	if (!path || (nodeflib && in_system_dir(path)))
		return 0;
	r = probe(rs, asker, path, path, c);
	if (r > 0)
		c->via_cache = 1;
	return r;
}

/* _dl_map_object's search for a name without '/'; how says which rule found it. */
static int search(struct rs *rs, int asker_i, const char *name, struct cand *c, const char **how)
{
	struct lib_set *set = rs->set;
	const struct lib_obj *asker = &set->v[asker_i], *main_obj = &set->v[0], *l;
	int r, did_main = 0, nodeflib = (asker->e.flags_1 & DF_1_NODEFLIB) != 0, i;

	if (!asker->e.runpath) {
		for (l = asker; l; l = l->loader >= 0 ? &set->v[l->loader] : NULL) {
			if (!l->e.rpath)
				continue;
			if ((r = try_list(rs, asker, l, l->e.rpath, name, c))) {
				*how = l == asker ? "its DT_RPATH" : cl_printf("the DT_RPATH of %s", l->ipath);
				return r;
			}
			did_main |= l == main_obj;
		}
		if (!did_main && main_obj->e.rpath && main_obj->e.is_elf &&
		    (r = try_list(rs, asker, main_obj, main_obj->e.rpath, name, c))) {
			*how = cl_printf("the DT_RPATH of %s", main_obj->ipath);
			return r;
		}
	}
	if (asker->e.runpath && (r = try_list(rs, asker, asker, asker->e.runpath, name, c))) {
		*how = "its DT_RUNPATH";
		return r;
	}
	if ((r = try_cache(rs, asker, nodeflib, name, c))) {
		*how = "ld.so.cache";
		return r;
	}
	for (i = 0; !nodeflib && lib_default_dirs[i]; i++)
		if ((r = try_dir(rs, asker, lib_default_dirs[i], lib_default_dirs[i], name, c))) {
			*how = "a default directory";
			return r;
		}
	return 0;
}

/* _dl_name_match_p, and the DT_SONAME check _dl_map_object adds. */
static int obj_match(const struct lib_obj *o, const char *name)
{
	int i;

	if (!strcmp(o->ipath, name) || (o->name && !strcmp(o->name, name)))
		return 1;
	for (i = 0; i < o->nalias; i++)
		if (!strcmp(o->alias[i], name))
			return 1;
	return o->e.soname && !strcmp(o->e.soname, name);
}

static int obj_new(struct lib_set *set, const struct cand *c, const char *name, int loader,
		   const char *how, struct lib_obj **out)
{
	struct lib_obj *o;
	char real[PATH_MAX];
	int r;

	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 16;
		if (!(set->v = realloc(set->v, set->cap * sizeof(*set->v))))
			abort();
	}
	o = &set->v[set->n];
	memset(o, 0, sizeof(*o));
	o->ipath = c->ipath;
	o->hpath = c->hpath;
	o->ireal = c->ireal;
	o->name = name ? xstrdup(name) : NULL;
	o->loader = loader;
	o->in_image = c->in_image;
	o->via_cache = c->via_cache;
	o->how = how;
	/* $ORIGIN: the directory the object was opened from (not through its symlinks), except
	 * for the program, whose origin the kernel gives as its real path (/proc/self/exe). */
	if (loader < 0 && realpath(c->hpath, real))
		o->horigin = dir_of(real);
	else
		o->horigin = dir_of(c->hpath);
	o->iorigin = dir_of(c->ipath);
	r = elf_read(c->hpath, &o->e);
	if (r < 0) {
		snprintf(set->err, sizeof(set->err), "unable to read ELF headers of %s: %s", c->hpath, strerror(-r));
		return r;
	}
	*out = o;
	set->n++;
	return 0;
}

/* The same file under another name: the loader compares device and inode (_dl_file_id_match_p);
 * in the image, the same path. */
static int same_file(const struct lib_set *set, const struct cand *c)
{
	struct stat a, b;
	int i;

	for (i = 0; i < set->n; i++) {
		if (!strcmp(set->v[i].ireal, c->ireal))
			return i;
		if (!set->image && stat(set->v[i].hpath, &a) == 0 && stat(c->hpath, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return i;
	}
	return -1;
}

static void alias_add(struct lib_obj *o, const char *name)
{
	char **nv = realloc(o->alias, (o->nalias + 1) * sizeof(*nv));

	if (!nv)
		abort();
	o->alias = nv;
	o->alias[o->nalias++] = xstrdup(name);
}

/* Map one name asked for by object asker_i (-1: a root): the index of its object, or -errno
 * with set->err telling why. */
static int map_name(const struct lib_view *view, struct lib_set *set, int asker_i, const char *name)
{
	struct rs rs = { view, set };
	struct cand c = { NULL, NULL, NULL, 0, 0 };
	const char *how = NULL;
	struct lib_obj *o;
	int i, r = 0;

	for (i = 0; i < set->n; i++)
		if (obj_match(&set->v[i], name)) {
			set->v[i].used = 1;
			return i;
		}
	if (strchr(name, '/')) {
		char *ip, *hp;
		dst_expand(name, strlen(name), &set->v[asker_i], &ip, &hp);
		r = probe(&rs, &set->v[asker_i], ip, hp, &c);
		how = "its path";
		free(ip);
		free(hp);
	} else {
		r = search(&rs, asker_i, name, &c, &how);
	}
	if (r == -ENOEXEC) {
		snprintf(set->err, sizeof(set->err), "%s needs %s: the loader would stop at %s, which is not an ELF file",
			 set->v[asker_i].ipath, name, c.hpath ? c.hpath : name);
		return r;
	}
	if (r == 0) {
		snprintf(set->err, sizeof(set->err), "%s needs %s, which is not found on this host",
			 set->v[asker_i].ipath, name);
		return -ENOENT;
	}
	if ((i = same_file(set, &c)) >= 0) {
		alias_add(&set->v[i], name);
		free(c.ipath);
		free(c.hpath);
		free(c.ireal);
		return i;
	}
	if ((r = obj_new(set, &c, name, asker_i, how, &o)) < 0)
		return r;
	if (o->via_cache) {
		struct ldcache_entry *nv = realloc(set->cache, (set->ncache + 1) * sizeof(*nv));
		if (!nv)
			abort();
		set->cache = nv;
		set->cache[set->ncache].name = xstrdup(name);
		set->cache[set->ncache++].path = xstrdup(o->ipath);
	}
	return set->n - 1;
}

/* Breadth first over the DT_NEEDED of objects from index first on (elf/dl-deps.c). */
static int map_deps(const struct lib_view *view, struct lib_set *set, int first)
{
	int i, k, r;

	for (i = first; i < set->n; i++) {
		for (k = 0; k < set->v[i].e.nneeded; k++) {
			r = map_name(view, set, i, set->v[i].e.needed[k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The system loader for a library's kind (glibc's names). */
static const char *default_interp(const struct lib_obj *o)
{
	if (o->e.machine == EM_X86_64 && o->e.class64)
		return "/lib64/ld-linux-x86-64.so.2";
	if (o->e.machine == EM_386)
		return "/lib/ld-linux.so.2";
	if (o->e.machine == EM_AARCH64)
		return "/lib/ld-linux-aarch64.so.1";
	return NULL;
}

int libs_resolve(const struct lib_view *view, struct lib_set *set, const char *ipath, const char *hpath)
{
	struct cand c;
	struct lib_obj *o;
	int r;

	memset(set, 0, sizeof(*set));
	set->image = view->image_file != NULL;
	c.ipath = xstrdup(ipath);
	c.ireal = xstrdup(ipath);
	c.hpath = xstrdup(hpath);
	c.in_image = 1;
	c.via_cache = 0;
	if ((r = obj_new(set, &c, NULL, -1, "the program", &o)) < 0)
		return r;
	if (!o->e.is_elf)
		return 0;
	if (o->e.interp[0] || (o->e.type == ET_DYN && default_interp(o))) {
		/* The loader is loaded first and answers to its path and its DT_SONAME.  A library
		 * is loaded into a program the system's loader runs: that one answers for it. */
		struct rs rs = { view, set };
		const char *interp = o->e.interp[0] ? o->e.interp : default_interp(o);
		int implicit = !o->e.interp[0];
		struct cand ic = { NULL, NULL, NULL, 0, 0 };
		if ((r = probe(&rs, o, interp, interp, &ic)) <= 0) {
			if (implicit)
				return map_deps(view, set, 0);
			snprintf(set->err, sizeof(set->err), "%s needs its interpreter %s, which is not found on this host",
				 ipath, interp);
			return -ENOENT;
		}
		if ((r = obj_new(set, &ic, interp, -1, "its interpreter (PT_INTERP)", &o)) < 0)
			return r;
		set->v[1].is_interp = 1;
		set->v[1].implicit = implicit;
	}
	return map_deps(view, set, 0);
}

/* What dlopen(name) from object asker_i would load, with its dependencies: the index, or -errno. */
int libs_dlopen(const struct lib_view *view, struct lib_set *set, int asker_i, const char *name)
{
	int n = set->n, r = map_name(view, set, asker_i, name);

	if (r < 0 || r < n)
		return r;
	n = map_deps(view, set, r);
	return n < 0 ? n : r;
}

void libs_set_free(struct lib_set *set)
{
	int i, k;

	for (i = 0; i < set->n; i++) {
		struct lib_obj *o = &set->v[i];
		free(o->ipath);
		free(o->hpath);
		free(o->ireal);
		free(o->name);
		free(o->horigin);
		free(o->iorigin);
		for (k = 0; k < o->nalias; k++)
			free(o->alias[k]);
		free(o->alias);
		elf_info_free(&o->e);
	}
	for (i = 0; i < set->ncache; i++) {
		free((char *)set->cache[i].name);
		free((char *)set->cache[i].path);
	}
	free(set->cache);
	free(set->v);
	memset(set, 0, sizeof(*set));
}
