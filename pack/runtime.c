/* Files programs open lazily, as data: one table, each rule fired by what the image holds.
 * A rule's trigger is an ELF file of the image: a library by its name (T_LIB), a program by its
 * real file name (T_PROGRAM, $VER takes what follows the name's prefix and $PREFIX is the
 * directory above its bin/), or an undefined dynamic symbol (T_SYMBOL).  What it adds: host
 * paths (globs; directories whole, less the exclude globs; symlinks kept and their targets
 * added), a library glibc dlopens, or a function for what depends on the image's own files.
 * Every entry added says "runtime NAME: WHAT" in --print; --no-auto NAME turns a rule off. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/glob.h"
#include "common/log.h"
#include "pack/closure.h"
#include "pack/opts.h"
#include "pack/pack.h"

enum trig { T_LIB, T_PROGRAM, T_SYMBOL };

struct rt_rule {
	const char *name;              /* --no-auto NAME */
	enum trig trig;
	const char *const *match;      /* T_LIB, T_PROGRAM: globs on the file name */
	unsigned syms;                 /* T_SYMBOL: ELF_SYM_* */
	const char *what;              /* shown in why */
	const char *const *files;      /* host paths, globs; $PREFIX and $VER expanded */
	const char *const *exclude;
	const char *dlopen;            /* a library loaded by libc.so.6's dlopen */
	int (*fn)(struct closure *cl, const struct rt_rule *r, const char *why);
	const char *ver_prefix;        /* T_PROGRAM: $VER is the file name after this */
};

#define L(...) (const char *const[]){ __VA_ARGS__, NULL }

static int nss_modules(struct closure *cl, const struct rt_rule *r, const char *why);
static int terminfo(struct closure *cl, const struct rt_rule *r, const char *why);

#define GCONV "/usr/lib/x86_64-linux-gnu/gconv/"
#define TERMS "linux", "vt100", "vt102", "vt220", "xterm", "xterm-256color", "screen", "dumb"

static const struct rt_rule rules[] = {
	/* glibc reads /etc/nsswitch.conf and dlopens libnss_NAME.so.2 for each service but files
	 * and dns, which are in libc itself since 2.34 */
	{ "nss", T_LIB, L("libc.so.6"), 0, "NSS modules the image's /etc/nsswitch.conf names",
	  NULL, NULL, NULL, nss_modules, NULL },
	/* pthread_cancel, pthread_exit and backtrace unwind with libgcc_s, which glibc dlopens */
	{ "libgcc_s", T_SYMBOL, NULL, ELF_SYM_PTHREAD_CANCEL | ELF_SYM_PTHREAD_EXIT | ELF_SYM_BACKTRACE,
	  "glibc dlopens it to unwind (pthread_cancel, pthread_exit, backtrace)", NULL, NULL,
	  "libgcc_s.so.1", NULL, NULL },
	/* iconv_open reads gconv-modules and dlopens a module per character set; the common
	 * western ones (UTF-8, UCS and ASCII are built in) */
	{ "gconv", T_SYMBOL, NULL, ELF_SYM_ICONV_OPEN, "iconv's configuration and common modules",
	  L(GCONV "gconv-modules", GCONV "gconv-modules.d", GCONV "gconv-modules.cache", GCONV "ISO8859-1.so",
	    GCONV "ISO8859-15.so", GCONV "CP1252.so", GCONV "UNICODE.so", GCONV "UTF-16.so", GCONV "UTF-32.so",
	    GCONV "UTF-7.so"), NULL, NULL, NULL, NULL },
	/* setlocale: C.UTF-8, the locale every Debian system has (libc-bin's; Debian's and
	 * Docker's default LANG, the one initdb gives a cluster on such a host).  Others are the
	 * host's compiled locale-archive: give it with --file when a program needs them */
	{ "locale", T_SYMBOL, NULL, ELF_SYM_SETLOCALE, "glibc's C.UTF-8 locale",
	  L("/usr/lib/locale/C.utf8"), NULL, NULL, NULL, NULL },
	{ "ca-certificates", T_LIB, L("libssl.so.*", "libgnutls.so.*", "libcurl.so.*", "libcurl-gnutls.so.*",
				      "libnss3.so"),
	  0, "the CA bundle TLS libraries read", L("/etc/ssl/certs/ca-certificates.crt"), NULL, NULL, NULL, NULL },
	/* OpenSSL's default verify paths: /usr/lib/ssl/certs (-> /etc/ssl/certs, the hashed links) */
	{ "ca-certificates", T_LIB, L("libssl.so.*"), 0, "OpenSSL's certificate directory",
	  L("/usr/lib/ssl/certs", "/etc/ssl/certs", "/usr/lib/ssl/cert.pem"), L("/etc/ssl/certs/java"), NULL, NULL, NULL },
	{ "openssl-cnf", T_LIB, L("libcrypto.so.*"), 0, "OpenSSL's configuration, read at start-up",
	  L("/usr/lib/ssl/openssl.cnf", "/etc/ssl/openssl.cnf"), NULL, NULL, NULL, NULL },
	{ "terminfo", T_LIB, L("libtinfo.so.*", "libncurses.so.*", "libncursesw.so.*"), 0,
	  "terminfo entries for the console's TERM (" "linux, vt100, vt102, vt220, xterm, xterm-256color, screen, dumb" ")",
	  NULL, NULL, NULL, terminfo, NULL },
	/* python finds its prefix from its own path: PREFIX/lib/pythonX.Y holds the standard
	 * library and lib-dynload; tests, IDLE, tkinter and the build configuration are left out */
	{ "python", T_PROGRAM, L("python[0-9].[0-9]*"), 0, "the standard library of python$VER",
	  L("$PREFIX/lib/python$VER"),
	  L("*/python[0-9].*/test", "*/python[0-9].*/*/test", "*/python[0-9].*/*/tests", "*/idlelib",
	    "*/tkinter", "*/turtledemo", "*/lib2to3", "*/ensurepip", "*/pydoc_data", "*/python[0-9].*/config-*",
	    "*/site-packages", "*/dist-packages", "*.opt-1.pyc", "*.opt-2.pyc", "*/lib-dynload/_tkinter.*"),
	  NULL, NULL, "python" },
	/* Debian's perl: perl-base's modules, libperl's and perl-modules' (@INC less the local and
	 * vendor directories); pod documentation and the XS headers left out */
	{ "perl", T_PROGRAM, L("perl", "perl5.*"), 0, "perl's core modules",
	  L("$PREFIX/lib/x86_64-linux-gnu/perl-base", "$PREFIX/lib/x86_64-linux-gnu/perl/5.*",
	    "$PREFIX/share/perl/5.*", "/etc/perl", "$PREFIX/lib/perl5/5.*"),
	  L("*.pod", "*/pod", "*/CORE", "*/.packlist"), NULL, NULL, NULL },
};

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int matches(const struct rt_rule *r, const struct cl_elf *e, char *ver, size_t verlen)
{
	const char *const *m;
	int i;

	ver[0] = '\0';
	switch (r->trig) {
	case T_SYMBOL:
		return (e->undef & r->syms) || (e->no_sections && e->nneeded && r->syms != ELF_SYM_ICONV_OPEN);
	case T_LIB:
		for (m = r->match; *m; m++) {
			if (glob_match(*m, base(e->ipath)))
				return 1;
			for (i = 0; i < e->nneeded; i++)
				if (glob_match(*m, e->needed[i]))
					return 1;
		}
		return 0;
	case T_PROGRAM:
		for (m = r->match; *m; m++)
			if (glob_match(*m, base(e->real)) && e->is_prog) {
				if (r->ver_prefix)
					snprintf(ver, verlen, "%s", base(e->real) + strlen(r->ver_prefix));
				return 1;
			}
		return 0;
	}
	return 0;
}

/* "$PREFIX" and "$VER" in a template. */
static void expand(const char *t, const char *prefix, const char *ver, char *out, size_t len)
{
	size_t o = 0;

	while (*t && o + 1 < len) {
		if (!strncmp(t, "$PREFIX", 7)) {
			o += snprintf(out + o, len - o, "%s", prefix);
			t += 7;
		} else if (!strncmp(t, "$VER", 4)) {
			o += snprintf(out + o, len - o, "%s", ver);
			t += 4;
		} else {
			out[o++] = *t++;
		}
		if (o >= len)
			o = len - 1;
	}
	out[o] = '\0';
}

static int fired(struct closure *cl, const char *key)
{
	int i;

	for (i = 0; i < cl->nfired; i++)
		if (!strcmp(cl->fired[i], key))
			return 1;
	if (!(cl->fired = realloc(cl->fired, (cl->nfired + 1) * sizeof(*cl->fired))))
		abort();
	cl->fired[cl->nfired++] = xstrdup(key);
	return 0;
}

static const char *libc_of(struct closure *cl)
{
	int i;

	for (i = 0; i < cl->nelves; i++)
		if (!strcmp(base(cl->elves[i].ipath), "libc.so.6"))
			return cl->elves[i].ipath;
	return NULL;
}

static int apply(struct closure *cl, const struct rt_rule *r, const struct cl_elf *e, const char *ver)
{
	char prefix[PATH_MAX], path[PATH_MAX], what[512], *why;
	const char *const *f;
	glob_t g;
	size_t i;
	int rc = 0;

	expand(r->what, "", ver, what, sizeof(what));
	why = cl_printf("runtime %s: %s (for %s)", r->name, what, e->ipath);
	snprintf(prefix, sizeof(prefix), "%s", e->real);
	for (i = 0; i < 2; i++) {
		char *s = strrchr(prefix, '/');
		if (s && s != prefix)
			*s = '\0';
	}
	for (f = r->files; f && *f && !rc; f++) {
		expand(*f, prefix, ver, path, sizeof(path));
		if (glob(path, GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (i = 0; i < g.gl_pathc && !rc; i++)
			rc = cl_add_tree(cl, g.gl_pathv[i], r->exclude, why, 0);
		globfree(&g);
	}
	if (r->dlopen && !rc) {
		const char *libc = libc_of(cl);
		if (libc && cl_dlopen(cl, libc, r->dlopen, why) < 0)
			warn("warning: %s: %s is not on this host (%s)", e->ipath, r->dlopen, what);
	}
	if (r->fn && !rc)
		rc = r->fn(cl, r, why);
	if (rc < 0)
		err("runtime %s (for %s): %s", r->name, e->ipath, strerror(-rc));
	return rc;
}

int runtime_rules(struct closure *cl)
{
	char key[PATH_MAX + 64], ver[64];
	unsigned k;
	int i, r, again = 1;

	while (again) {
		again = 0;
		for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
			if (!cl_auto(cl, rules[k].name))
				continue;
			for (i = 0; i < cl->nelves; i++) {
				if (!matches(&rules[k], &cl->elves[i], ver, sizeof(ver)))
					continue;
				/* once per rule, and per version for an interpreter's library */
				snprintf(key, sizeof(key), "%u %s", k, rules[k].trig == T_PROGRAM ? cl->elves[i].real : "");
				if (fired(cl, key))
					continue;
				if ((r = apply(cl, &rules[k], &cl->elves[i], ver)) < 0)
					return r;
				if ((r = cl_drain(cl)) < 0)
					return r;
				again = 1;
			}
		}
	}
	return 0;
}

/* ---- rules with a function ---- */

static int nss_modules(struct closure *cl, const struct rt_rule *r, const char *why)
{
	const struct entry *e = cl_entry(cl, "/etc/nsswitch.conf");
	char *text = NULL, *line, *save = NULL, *w, *wsave, name[300];
	const char *libc = libc_of(cl);
	size_t len;

	(void)r;
	if (!e || e->type != E_FILE || !libc)
		return 0;
	if (e->src ? file_read_all(e->src, &text, &len, 1 << 20) < 0 : !(text = xstrdup(e->data)))
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (!colon || (hash && hash < colon))
			continue;
		for (w = strtok_r(colon + 1, " \t", &wsave); w; w = strtok_r(NULL, " \t", &wsave)) {
			if (w[0] == '[' || strchr(w, ']') || !strcmp(w, "files") || !strcmp(w, "dns"))
				continue; /* actions, and the services built into libc */
			snprintf(name, sizeof(name), "libnss_%s.so.2", w);
			if (cl_dlopen(cl, libc, name, why) < 0)
				warn("warning: the image's /etc/nsswitch.conf names %s; %s is not on this host "
				     "(glibc passes over it)", w, name);
		}
	}
	free(text);
	return 0;
}

/* ncurses looks in $TERMINFO, ~/.terminfo, /etc/terminfo, /lib/terminfo, /usr/share/terminfo. */
static int terminfo(struct closure *cl, const struct rt_rule *r, const char *why)
{
	static const char *const terms[] = { TERMS, NULL };
	static const char *const dirs[] = { "/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", NULL };
	char path[PATH_MAX];
	int i, k, rc;

	(void)r;
	for (i = 0; terms[i]; i++)
		for (k = 0; dirs[k]; k++) {
			snprintf(path, sizeof(path), "%s/%c/%s", dirs[k], terms[i][0], terms[i]);
			if (access(path, R_OK) == 0) {
				if ((rc = cl_add_tree(cl, path, NULL, why, 0)) < 0)
					return rc;
				break;
			}
		}
	return 0;
}

void runtime_free(struct closure *cl)
{
	int i;

	for (i = 0; i < cl->nfired; i++)
		free(cl->fired[i]);
	free(cl->fired);
}
