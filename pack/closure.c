/* The run-time closure of an image: what its programs load when they run, added from the host.
 * Every file of the plan is looked at once (and every file this adds): an ELF file brings its
 * interpreter and libraries (pack/libs.c) and what its .note.dlopen notes name; an executable
 * script brings its #! interpreter (env NAME looked up in the image's PATH); then the rules of
 * pack/runtime.c add the files programs open lazily (NSS modules, CA certificates, an
 * interpreter's standard library, ...), and .pyc files get the image's source mtimes.
 * Each entry's why says which file pulled it in and by which rule (--print).
 * The payload and --file inputs are strict (what they need and cannot be found is an error);
 * files from packages, overlays and hostfiles only warn: a package may hold plugins for things
 * the host lacks. */
#include <dirent.h>
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

#include "common/glob.h"
#include "common/log.h"
#include "common/policy.h"
#include "pack/closure.h"
#include "pack/opts.h"
#include "pack/pack.h"

/* The i-th directory of the payload's PATH in the image (POLICY_IMAGE_PATH: the init gives the
 * payload the same list) into out; -1 past the last. */
int image_path_dir(int i, char *out, size_t len)
{
	const char *d = POLICY_IMAGE_PATH, *e;

	for (; i > 0 && d; i--)
		d = strchr(d, ':') ? strchr(d, ':') + 1 : NULL;
	if (!d)
		return -1;
	e = strchrnul(d, ':');
	snprintf(out, len, "%.*s", (int)(e - d), d);
	return 0;
}

/* The why strings: plan entries point at them until the packer exits (kept reachable here). */
static char **strings;
static size_t nstrings;

char *cl_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (!(strings = realloc(strings, (nstrings + 1) * sizeof(*strings))))
		abort();
	strings[nstrings++] = s;
	return s;
}

/* ---- an index of the plan: image path -> the entry that wins (the latest) ---- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static long *map_at(struct cl_map *m, const char *key, int create)
{
	size_t i;

	if (create && (m->n + 1) * 2 > m->cap) {
		struct cl_map nm = { NULL, m->cap ? m->cap * 2 : 1024, 0 };
		if (!(nm.v = calloc(nm.cap, sizeof(*nm.v))))
			abort();
		for (i = 0; i < m->cap; i++)
			if (m->v[i].key)
				*map_at(&nm, m->v[i].key, 1) = m->v[i].val;
		free(m->v);
		*m = nm;
	}
	if (!m->cap)
		return NULL;
	for (i = str_hash(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->v[i].key, key))
			return &m->v[i].val;
	if (!create)
		return NULL;
	m->v[i].key = xstrdup(key);
	m->n++;
	return &m->v[i].val;
}

static void map_free(struct cl_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free((char *)m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static void index_sync(struct closure *cl)
{
	for (; cl->indexed < cl->p->n; cl->indexed++)
		*map_at(&cl->index, cl->p->v[cl->indexed].dst, 1) = (long)cl->indexed;
}

const struct entry *cl_entry(struct closure *cl, const char *ipath)
{
	long *i;

	index_sync(cl);
	i = map_at(&cl->index, ipath, 0);
	return i ? &cl->p->v[*i] : NULL;
}

/* An absolute path with "." and ".." resolved textually (no symlinks looked at). */
static int lexical(const char *in, char *out, size_t len)
{
	char tmp[2 * PATH_MAX], *seg, *save = NULL, *slash;
	size_t o = 0;

	snprintf(tmp, sizeof(tmp), "%s", in);
	out[0] = '\0';
	for (seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "..")) {
			if ((slash = strrchr(out, '/')))
				*slash = '\0';
			o = strlen(out);
		} else if (strcmp(seg, ".")) {
			if (o + strlen(seg) + 2 > len)
				return -ENAMETOOLONG;
			o += sprintf(out + o, "/%s", seg);
		}
	}
	if (!o)
		snprintf(out, len, "/");
	return 0;
}

/* Follow the image's symlinks in ipath (each component); the final path, or NULL for a loop. */
int cl_resolve(struct closure *cl, const char *ipath, char *out, size_t outlen)
{
	char cur[PATH_MAX];
	int hops = 0;
	size_t i;

	if (ipath[0] != '/' || lexical(ipath, cur, sizeof(cur)) < 0)
		return -EINVAL;
restart:
	for (i = 1; ; i++) {
		if (cur[i] == '/' || cur[i] == '\0') {
			char save = cur[i];
			const struct entry *e;
			cur[i] = '\0';
			e = cl_entry(cl, cur);
			cur[i] = save;
			if (e && e->type == E_SYMLINK) {
				char joined[2 * PATH_MAX];
				const char *rest = save ? cur + i + 1 : "";
				if (++hops > 40)
					return -ELOOP;
				cur[i] = '\0';
				if (e->data[0] == '/')
					snprintf(joined, sizeof(joined), "%s/%s", e->data, rest);
				else
					snprintf(joined, sizeof(joined), "%.*s/%s/%s", (int)(strrchr(cur, '/') - cur), cur,
						 e->data, rest);
				if (lexical(joined, cur, sizeof(cur)) < 0)
					return -ENAMETOOLONG;
				goto restart;
			}
			if (save == '\0')
				break;
		}
	}
	if ((size_t)snprintf(out, outlen, "%s", cur) >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

/* pack/libs.c's view of the image: a regular file the plan holds at ipath. */
static int image_file(void *ctx, const char *ipath, const char **src, const char **real)
{
	struct closure *cl = ctx;
	static char buf[PATH_MAX];
	const struct entry *e;

	if (cl_resolve(cl, ipath, buf, sizeof(buf)) < 0 || !(e = cl_entry(cl, buf)))
		return 0;
	if (e->type != E_FILE || !e->src)
		return e->type == E_FILE ? 0 : 0;
	*src = e->src;
	*real = buf;
	return 1;
}

/* ---- adding from the host ---- */

static void queue_push(struct closure *cl, const char *ipath, int strict)
{
	if (cl->nqueue == cl->capqueue) {
		cl->capqueue = cl->capqueue ? cl->capqueue * 2 : 256;
		if (!(cl->queue = realloc(cl->queue, cl->capqueue * sizeof(*cl->queue))))
			abort();
	}
	cl->queue[cl->nqueue].ipath = xstrdup(ipath);
	cl->queue[cl->nqueue++].strict = strict;
}

/* Add host file hpath at image path ipath (its directories resolved through the image's
 * symlinks) unless the image has it; queue it to be looked at. */
int cl_add_host(struct closure *cl, const char *ipath, const char *hpath, const char *why, int strict)
{
	char real[PATH_MAX];
	struct stat st;
	int r;

	if ((r = cl_resolve(cl, ipath, real, sizeof(real))) < 0)
		return r;
	if (cl_entry(cl, real))
		return 0;
	if (stat(hpath, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return cl_add_tree(cl, hpath, NULL, why, strict);
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((r = plan_add_host(cl->p, real, hpath, &st, why)) < 0)
		return r;
	queue_push(cl, real, strict);
	return 0;
}

static int excluded(const char *path, const char *const *ex)
{
	for (; ex && *ex; ex++)
		if (glob_match(*ex, path))
			return 1;
	return 0;
}

/* The path a symlink at link with this target points to, ".." resolved textually. */
static int link_target(const char *link, const char *target, char *out, size_t len)
{
	char tmp[2 * PATH_MAX];

	if (target[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", target);
	else
		snprintf(tmp, sizeof(tmp), "%.*s/%s", (int)(strrchr(link, '/') - link), link, target);
	return lexical(tmp, out, len);
}

/* A host tree added at its own path, symlinks kept as symlinks and their targets added too
 * (CA certificates link into /usr/share/ca-certificates, python's sitecustomize into /etc). */
int cl_add_tree(struct closure *cl, const char *hpath, const char *const *exclude, const char *why, int strict)
{
	char target[PATH_MAX], next[PATH_MAX];
	struct dirent **names;
	struct stat st;
	ssize_t n;
	int i, k, r = 0;

	const struct entry *have;

	if (excluded(hpath, exclude))
		return 0;
	/* what the image has stays; a directory it has is still gone through (a package listed
	 * /usr/lib/python3.11, the python rule wants all of it) */
	if ((have = cl_entry(cl, hpath)) && have->type != E_DIR)
		return 0;
	if (lstat(hpath, &st) < 0)
		return -errno;
	if (have && !S_ISDIR(st.st_mode))
		return 0;
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(hpath, target, sizeof(target) - 1)) < 0)
			return -errno;
		target[n] = '\0';
		if ((r = plan_add_host(cl->p, hpath, hpath, &st, why)) < 0)
			return r;
		/* the target where the link names it (a dangling one on the host stays dangling) */
		if (link_target(hpath, target, next, sizeof(next)) == 0 && !excluded(next, exclude))
			cl_add_tree(cl, next, exclude, why, strict);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		if ((r = plan_add_host(cl->p, hpath, hpath, &st, why)) < 0)
			return r;
		queue_push(cl, hpath, strict);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (!have && (r = plan_add_host(cl->p, hpath, hpath, &st, why)) < 0)
		return r;
	if ((k = scandir(hpath, &names, NULL, alphasort)) < 0)
		return -errno;
	for (i = 0; i < k; i++) {
		if (!r && strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			snprintf(next, sizeof(next), "%s/%s", hpath, names[i]->d_name);
			r = cl_add_tree(cl, next, exclude, why, strict);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* A problem with a file: an error for the strict inputs, a warning for the rest. */
static int cl_fail(struct closure *cl, int strict, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cl_fail(struct closure *cl, int strict, int r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	(void)cl;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (strict == CL_STRICT) {
		err("%s", s);
	} else {
		warn("warning: %s", s);
		r = 0;
	}
	free(s);
	return r;
}

static const char *entry_why(struct closure *cl, const char *ipath)
{
	const struct entry *e = cl_entry(cl, ipath);

	return e && e->why ? e->why : "?";
}

/* ---- ELF files ---- */

static struct lib_view cl_view(struct closure *cl, const char *const *levels)
{
	struct lib_view v = { image_file, cl, levels, cl->icache, cl->nicache };

	return v;
}

/* A library found for a program is resolved in the program's context (its RPATH, the names it
 * loaded): never again on its own, as a root it is not. */
static void cl_mark_seen(struct closure *cl, const char *ipath)
{
	char real[PATH_MAX];

	if (cl_resolve(cl, ipath, real, sizeof(real)) == 0)
		*map_at(&cl->seen, real, 1) = CL_STRICT + 1;
}

/* The objects a set found on the host go into the image. */
static int set_add(struct closure *cl, struct lib_set *set, int strict)
{
	char hreal[PATH_MAX];
	int i, k, r;

	for (i = 1; i < set->n; i++) {
		struct lib_obj *o = &set->v[i];
		const char *asker = o->loader >= 0 ? set->v[o->loader].ipath : set->v[0].ipath;
		char *why;
		if (o->via_cache) {
			for (k = 0; k < cl->nicache && strcmp(cl->icache[k].name, o->name); k++)
				;
			if (k == cl->nicache) {
				if (!(cl->icache = realloc(cl->icache, (cl->nicache + 1) * sizeof(*cl->icache))))
					abort();
				cl->icache[cl->nicache].name = xstrdup(o->name);
				cl->icache[cl->nicache++].path = xstrdup(o->ipath);
				cl->cache_needed |= !lib_in_default_dir(o->ipath);
			}
		}
		if (o->in_image) {
			cl_mark_seen(cl, o->ireal);
			continue;
		}
		if (o->implicit && !o->used)
			continue;
		if (o->is_interp)
			why = cl_printf("needed by %s (its interpreter)", set->v[0].ipath);
		else
			why = cl_printf("needed by %s (%s: %s)", asker, o->name, o->how);
		if ((r = cl_add_host(cl, o->ipath, realpath(o->hpath, hreal) ? hreal : o->hpath, why, strict)) < 0)
			return cl_fail(cl, strict, r, "%s: unable to add %s: %s", asker, o->hpath, strerror(-r));
		cl_mark_seen(cl, o->ireal);
	}
	return 0;
}

/* .note.dlopen: the required and recommended sonames (suggested ones with --dlopen-suggested),
 * the first alternative that is found; loaded as the noted object's own dlopen() would. */
static int set_follow_notes(struct closure *cl, struct lib_set *set, const struct lib_view *view)
{
	int i, k, s, r;

	if (!cl_auto(cl, "dlopen"))
		return 0;
	for (i = 0; i < set->n; i++) {
		for (k = 0; k < set->v[i].e.ndlopen; k++) {
			const struct elf_dlopen *d = &set->v[i].e.dlopen[k];
			if (d->priority == DLOPEN_SUGGESTED && !(cl->o && cl->o->dlopen_suggested))
				continue;
			for (s = 0, r = -ENOENT; s < d->nsonames && r < 0; s++) {
				int n = set->n;
				r = libs_dlopen(view, set, i, d->sonames[s]);
				if (r >= n && r < set->n)
					set->v[r].how = cl_printf(".note.dlopen, %s feature %s", 
						d->priority == DLOPEN_REQUIRED ? "required" : d->priority == DLOPEN_RECOMMENDED ? "recommended" : "suggested",
						d->feature ? d->feature : "?");
			}
			if (r < 0)
				warn("warning: %s: its .note.dlopen names %s%s (feature %s), not found on this host",
				     set->v[i].ipath, d->nsonames ? d->sonames[0] : "nothing",
				     d->nsonames > 1 ? " or others" : "", d->feature ? d->feature : "?");
		}
	}
	return 0;
}

static int elf_close(struct closure *cl, const char *ipath, const char *src, int strict)
{
	static const char *const *level_sets[] = { lib_hwcaps_all, lib_hwcaps_all + 1, lib_hwcaps_all + 2, lib_hwcaps_all + 3 };
	struct lib_set set;
	struct lib_view view;
	unsigned li;
	int r = 0;

	/* A guest may have any x86-64 level: when a glibc-hwcaps variant exists, each level's
	 * choice goes in (the loader picks one at run time). */
	for (li = 0; li < sizeof(level_sets) / sizeof(level_sets[0]); li++) {
		view = cl_view(cl, level_sets[li]);
		r = libs_resolve(&view, &set, ipath, src);
		if (r == 0)
			r = set_follow_notes(cl, &set, &view);
		if (r < 0 && strict == CL_LENIENT && set.n && !set.v[0].e.interp[0]) {
			/* a library of a package or overlay: the program that loads it may find its
			 * libraries through its own RPATH (systemd's private ones); nothing to say */
			libs_set_free(&set);
			return 0;
		}
		if (r < 0) {
			r = cl_fail(cl, strict, r, "%s (%s): %s", ipath, entry_why(cl, ipath), set.err);
			libs_set_free(&set);
			return r;
		}
		if (li == 0)
			cl_note_elf(cl, &set);
		r = set_add(cl, &set, strict);
		int seen = set.hwcaps_seen;
		libs_set_free(&set);
		if (r < 0 || !seen)
			break;
	}
	return r;
}

/* What the rules of pack/runtime.c look at: every ELF object a resolution went through. */
void cl_note_elf(struct closure *cl, const struct lib_set *set)
{
	char real[PATH_MAX];
	int i, k, j;

	for (i = 0; i < set->n; i++) {
		const struct lib_obj *o = &set->v[i];
		struct cl_elf *e;
		for (k = 0; k < cl->nelves && strcmp(cl->elves[k].ipath, o->ipath); k++)
			;
		if (k < cl->nelves) {
			cl->elves[k].is_prog |= i == 0 && o->e.interp[0];
			continue;
		}
		if (!(cl->elves = realloc(cl->elves, (cl->nelves + 1) * sizeof(*cl->elves))))
			abort();
		e = &cl->elves[cl->nelves++];
		memset(e, 0, sizeof(*e));
		e->ipath = xstrdup(o->ipath);
		e->real = xstrdup(realpath(o->hpath, real) ? real : o->hpath);
		e->nneeded = o->e.nneeded;
		if (!(e->needed = calloc(o->e.nneeded + 1, sizeof(*e->needed))))
			abort();
		for (j = 0; j < o->e.nneeded; j++)
			e->needed[j] = xstrdup(o->e.needed[j]);
		e->undef = o->e.undef;
		e->no_sections = o->e.no_sections;
		e->is_prog = i == 0 && o->e.interp[0];
	}
}

/* What dlopen(name) from the image's object asker loads, added (lenient). */
int cl_dlopen(struct closure *cl, const char *asker, const char *name, const char *why)
{
	const char *src, *real;
	struct lib_set set;
	struct lib_view view = cl_view(cl, lib_hwcaps_all);
	int r, n;

	if (image_file(cl, asker, &src, &real) <= 0)
		return -ENOENT;
	r = libs_resolve(&view, &set, asker, src);
	n = set.n;
	if (r == 0)
		r = libs_dlopen(&view, &set, 0, name);
	if (r >= n && r < set.n) {
		set.v[r].how = cl_printf("dlopen; %s", why);
		cl_note_elf(cl, &set);
		r = set_add(cl, &set, 0);
	} else if (r >= 0) {
		r = 0; /* the image has it already */
	}
	libs_set_free(&set);
	return r < 0 ? r : cl_drain(cl);
}

/* ---- scripts ---- */

/* Is there an executable for name in the image's PATH (else on the host's, image dirs)? */
static int path_lookup(struct closure *cl, const char *name, char *out, size_t outlen, int *in_image)
{
	char p[PATH_MAX], real[PATH_MAX], dir[256];
	const struct entry *e;
	int i;

	for (i = 0; image_path_dir(i, dir, sizeof(dir)) == 0; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		if (cl_resolve(cl, p, real, sizeof(real)) == 0 && (e = cl_entry(cl, real)) &&
		    e->type == E_FILE && (e->perm & 0111)) {
			snprintf(out, outlen, "%s", p);
			*in_image = 1;
			return 0;
		}
	}
	for (i = 0; image_path_dir(i, dir, sizeof(dir)) == 0; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		if (cl_resolve(cl, p, real, sizeof(real)) == 0 && !cl_entry(cl, real) && access(p, X_OK) == 0) {
			struct stat st;
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				snprintf(out, outlen, "%s", p);
				*in_image = 0;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* An interpreter path of a script: in the image, else from the host. */
static int need_program(struct closure *cl, const char *script, const char *prog, const char *why,
			int strict)
{
	char real[PATH_MAX];
	const struct entry *e;
	int r;

	if (cl_resolve(cl, prog, real, sizeof(real)) == 0 && (e = cl_entry(cl, real))) {
		if (e->type == E_FILE)
			return 0;
		return cl_fail(cl, strict, -ENOEXEC, "%s (%s): its interpreter %s is not a file in the image",
			       script, entry_why(cl, script), prog);
	}
	r = cl_add_host(cl, prog, prog, why, strict);
	if (r < 0)
		return cl_fail(cl, strict, r, "%s (%s): its interpreter %s is not in the image nor on this host (%s)",
			       script, entry_why(cl, script), prog, strerror(-r));
	if (strict == CL_STRICT)
		closure_program(cl, prog);
	return 0;
}

/* ---- the programs a shell script names ---- */

static int shell_name(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	return !strcmp(b, "sh") || !strcmp(b, "bash") || !strcmp(b, "dash");
}

/* An ELF file or a #! script: what a path must be to be run. */
static int program_file(const char *path)
{
	char head[4] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return 0;
	n = (int)read(fd, head, sizeof(head));
	close(fd);
	return (n == 4 && !memcmp(head, ELFMAG, SELFMAG)) || (n >= 2 && head[0] == '#' && head[1] == '!');
}

/* Every word of a shell script (sh -c 'mkdir -p /run/sshd && exec sshd -D', a --file script)
 * that names a program in the image's PATH, or is an absolute path to one: on a Debian system
 * the basic commands are Essential and nothing declares them, so what the script names comes,
 * found on this host if the image lacks it, and is a packed program (its package follows).
 * Words that are not programs (options, builtins, arguments) find nothing. */
int closure_shell(struct closure *cl, const char *script, const char *why)
{
	static const char *const sep = " \t\n;&|()<>`'\"$=!{}";
	char word[256], found[PATH_MAX], real[PATH_MAX];
	const char *c = script;
	struct stat st;
	int in_image;
	size_t n;

	if (!cl_auto(cl, "commands"))
		return 0;
	for (; *c; c += n ? n : 1) {
		n = strcspn(c, sep);
		if (!n || n >= sizeof(word) || c[0] == '-')
			continue;
		snprintf(word, sizeof(word), "%.*s", (int)n, c);
		if (word[0] == '/') {
			if (cl_resolve(cl, word, real, sizeof(real)) == 0 && cl_entry(cl, real))
				continue;
			if (stat(word, &st) < 0 || !S_ISREG(st.st_mode) || access(word, X_OK) < 0 || !program_file(word))
				continue; /* an argument (cat /etc/hostname), not a program */
			snprintf(found, sizeof(found), "%s", word);
		} else if (strchr(word, '/') || path_lookup(cl, word, found, sizeof(found), &in_image) < 0 || in_image) {
			continue;
		}
		if (cl_add_host(cl, found, found, cl_printf("%s names %s", why, word), CL_LENIENT) == 0)
			closure_program(cl, found);
	}
	return 0;
}

static void shell_file(struct closure *cl, const char *ipath)
{
	const struct entry *e = cl_entry(cl, ipath);
	char *text = NULL;
	size_t len;

	if (!e || (e->src ? file_read_all(e->src, &text, &len, 1 << 20) < 0 : !(text = strdup(e->data))))
		return;
	closure_shell(cl, text, cl_printf("%s", ipath));
	free(text);
}

static int script_close(struct closure *cl, const char *ipath, const char *head, size_t n, int strict)
{
	struct shebang sb;
	char found[PATH_MAX], *why;
	int r, in_image;

	if (!cl_auto(cl, "interpreters"))
		return 0;
	r = shebang_parse(head, n, &sb);
	if (r < 0)
		return cl_fail(cl, strict, r, "%s (%s): its #! line is longer than the kernel reads (%d bytes)",
			       ipath, entry_why(cl, ipath), SHEBANG_MAX);
	if (r == 0)
		return 0;
	why = cl_printf("needed by %s (its #! interpreter)", ipath);
	if ((r = need_program(cl, ipath, sb.interp, why, strict)) < 0)
		return r;
	if (strict == CL_STRICT && (shell_name(sb.interp) || (sb.env_name[0] && shell_name(sb.env_name))))
		shell_file(cl, ipath);
	if (!sb.env_name[0])
		return 0;
	if (sb.env_bad)
		return cl_fail(cl, strict, -EINVAL, "%s (%s): its #! line passes '%s' to env as one program name "
			       "(the kernel gives an interpreter one argument; use env -S)", ipath, entry_why(cl, ipath), sb.env_name);
	if (path_lookup(cl, sb.env_name, found, sizeof(found), &in_image) < 0)
		return cl_fail(cl, strict, -ENOENT, "%s (%s): its interpreter %s (#!%s %s) is not in the image's PATH "
			       "nor in those directories on this host", ipath, entry_why(cl, ipath), sb.env_name, sb.interp, sb.env_name);
	if (in_image)
		return 0;
	why = cl_printf("needed by %s (#!%s %s, in the image's PATH)", ipath, sb.interp, sb.env_name);
	return need_program(cl, ipath, found, why, strict);
}

/* ---- the worklist ---- */

/* A package's command or service script (pam-auth-update, /etc/init.d/nginx), or any script of
 * a package the package part took as a dependency: someone runs it to administer the system,
 * the packed programs do not; its interpreter (perl, python) is not brought for it.  A payload
 * that runs one names it, and it is then a strict input. */
static int admin_script(const struct entry *e)
{
	static const char *const dirs[] = { "/etc/init.d/", "/etc/sv/", "/etc/rc", "/etc/cron.", "/lib/systemd/",
					    "/usr/lib/systemd/", "/etc/bash_completion.d/",
					    "/usr/share/bash-completion/", "/lib/runit/", "/usr/lib/runit/" };
	unsigned i;

	if (strncmp(e->why, "package ", 8) && strncmp(e->why, "--package ", 10))
		return 0;
	if (command_path(e->dst) || strstr(e->why, " (Depends of ")) /* a dependency's: its data */
		return 1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(e->dst, dirs[i], strlen(dirs[i])))
			return 1;
	return 0;
}

static int look_at(struct closure *cl, const char *ipath, int strict)
{
	char head[SHEBANG_MAX + 1];
	const struct entry *e = cl_entry(cl, ipath);
	ssize_t n = 0;
	int fd;

	if (!e || e->type != E_FILE)
		return 0;
	if (e->src) {
		if ((fd = open(e->src, O_RDONLY | O_CLOEXEC)) < 0)
			return 0;
		n = read(fd, head, sizeof(head) - 1);
		close(fd);
	} else {
		n = e->len < sizeof(head) - 1 ? (ssize_t)e->len : (ssize_t)sizeof(head) - 1;
		memcpy(head, e->data, n);
	}
	if (n >= 4 && !memcmp(head, ELFMAG, SELFMAG)) {
		if (!e->src)
			return 0;
		if (strict == CL_LENIENT && !cl_auto(cl, "libraries"))
			return 0;
		char *src = xstrdup(e->src);
		int r = elf_close(cl, ipath, src, strict);
		free(src);
		return r;
	}
	if (n >= 2 && head[0] == '#' && head[1] == '!' && (e->perm & 0111) && strict != CL_DATA &&
	    !(strict == CL_LENIENT && admin_script(e)))
		return script_close(cl, ipath, head, n, strict);
	return 0;
}

int cl_drain(struct closure *cl)
{
	int r;

	while (cl->next < cl->nqueue) {
		char *ipath = cl->queue[cl->next].ipath;
		int strict = cl->queue[cl->next].strict;
		long *seen;
		cl->next++;
		seen = map_at(&cl->seen, ipath, 1);
		if (*seen > strict)
			continue; /* looked at already, as strictly or more */
		*seen = strict + 1;
		if ((r = look_at(cl, ipath, strict)) < 0)
			return r;
	}
	return 0;
}

void closure_init(struct closure *cl, struct plan *p, struct pack_opts *o)
{
	memset(cl, 0, sizeof(*cl));
	cl->p = p;
	cl->o = o;
}

void closure_root(struct closure *cl, const char *ipath)
{
	queue_push(cl, ipath, CL_STRICT);
}

void closure_program(struct closure *cl, const char *hpath)
{
	if (!(cl->progs = realloc(cl->progs, (cl->nprogs + 1) * sizeof(*cl->progs))))
		abort();
	cl->progs[cl->nprogs++] = xstrdup(hpath);
}

int cl_auto(const struct closure *cl, const char *rule)
{
	int i;

	if (!cl->o)
		return 1;
	for (i = 0; i < cl->o->nno_auto; i++)
		if (!strcmp(cl->o->no_auto[i], rule) || !strcmp(cl->o->no_auto[i], "all"))
			return 0;
	return 1;
}

/* The image's own /etc/ld.so.cache when a library came from a directory the loader searches only
 * through the host's cache (an ld.so.conf directory such as /usr/local/lib). */
static int write_ldcache(struct closure *cl)
{
	unsigned char *buf;
	size_t len;
	int r;

	if (!cl->cache_needed || cl_entry(cl, "/etc/ld.so.cache"))
		return 0;
	if ((r = ldcache_write(cl->icache, cl->nicache, 0x0303, &buf, &len)) < 0)
		return r;
	r = plan_add_data(cl->p, "/etc/ld.so.cache", buf, len, 0644,
			  "needed by libraries found through ld.so.conf directories (ld.so.cache)");
	free(buf);
	return r;
}

int closure_run(struct closure *cl)
{
	size_t i, n;
	int r;

	/* the strict roots first, the packages of the programs they are, then every other file
	 * of the plan */
	if ((r = cl_drain(cl)) < 0)
		return r;
	if (cl_auto(cl, "packages") && (r = packages_auto(cl)) < 0)
		return r;
	n = cl->p->n;
	for (i = 0; i < n; i++)
		if (cl->p->v[i].type == E_FILE && strcmp(cl->p->v[i].dst, "/init"))
			queue_push(cl, cl->p->v[i].dst, CL_LENIENT);
	if ((r = cl_drain(cl)) < 0)
		return r;
	if ((r = runtime_rules(cl)) < 0)
		return r;
	for (i = 0; i < (size_t)cl->nelves; i++)
		cl->o->dynamic |= cl->elves[i].is_prog;
	if (cl_auto(cl, "pyc") && (r = pyc_fix(cl, source_date_epoch_value())) < 0)
		return r;
	if ((r = write_ldcache(cl)) < 0)
		return r;
	return 0;
}

void closure_free(struct closure *cl)
{
	int i;
	size_t k;

	for (k = 0; k < cl->nqueue; k++)
		free(cl->queue[k].ipath);
	free(cl->queue);
	for (i = 0; i < cl->nicache; i++) {
		free((char *)cl->icache[i].name);
		free((char *)cl->icache[i].path);
	}
	free(cl->icache);
	map_free(&cl->index);
	map_free(&cl->seen);
	for (i = 0; i < cl->nelves; i++) {
		int k;
		for (k = 0; k < cl->elves[i].nneeded; k++)
			free(cl->elves[i].needed[k]);
		free(cl->elves[i].needed);
		free(cl->elves[i].ipath);
		free(cl->elves[i].real);
	}
	free(cl->elves);
	for (i = 0; i < cl->nprogs; i++)
		free(cl->progs[i]);
	free(cl->progs);
	runtime_free(cl);
}
