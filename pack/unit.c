/* --unit NAME|FILE: a systemd service unit mapped onto the image's settings (/etc/minboot.conf)
 * with its meaning, and no systemd inside.
 *
 * Reading follows systemd: the unit file is found in the system unit directories in their order
 * of precedence (systemd.unit(5)), its drop-ins are every NAME.d/FILE.conf of those directories
 * (and the template's, for an instance), a file name in a directory of higher precedence hiding
 * the same name below, applied in file-name order after the unit (src/shared/dropin.c).  Lines
 * as src/shared/conf-parser.c reads them: '#' and ';' comments, a trailing '\' joins the next
 * line (comment lines inside are skipped), "[Section]" headers, "Key=Value" with the blanks
 * around both removed.  A later assignment of a setting replaces it, of a list adds to it, and
 * an empty one empties the list.  Specifiers (%n %i %t %S ...) are expanded, then variables
 * in the commands ($FOO split into words, ${FOO} one word) from Environment= and
 * EnvironmentFile=; $MAINPID is left to the init, which knows it.
 *
 * Every directive is either mapped (the table below says onto what), or accepted as nothing to
 * do in an appliance (descriptions, ordering against targets, [Install]), or reported -- one
 * line each, naming the file and line -- because the init cannot honour it. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "pack/unit.h"

/* systemd's system unit directories, highest precedence first (systemd.unit(5)). */
static const char *const default_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system", "/lib/systemd/system", NULL,
};
const char *const *unit_dirs = default_dirs;

/* ---- accounts: the hook the accounts generator (pack/accounts.c) replaces ---- */

/* The image needs the user NAME (with its groups).  Until the packer can take accounts from the
 * host's databases (pack/accounts.c, --user NAME, defines the real one), this weak version says
 * so (-ENOSYS) and --unit then requires the image's /etc/passwd and /etc/group to have the
 * unit's User= and Group= (unit_finish). */
__attribute__((weak)) int accounts_want(const char *name)
{
	(void)name;
	return -ENOSYS;
}

/* ---- small helpers ---- */

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q)
		abort();
	return q;
}

static void push(char ***v, int *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static void report(struct unit_map *m, const struct ukv *kv, const char *why)
{
	push(&m->reports, &m->nreports, xasprintf("%s:%d: %s=%s: %s", kv->file, kv->line, kv->key,
						   kv->val, why));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- reading unit files ---- */

static void kv_add(struct unit *u, const char *sec, char *key, char *val, const char *file, int line)
{
	u->v = xrealloc(u->v, (u->n + 1) * sizeof(*u->v));
	u->v[u->n++] = (struct ukv){ xstrdup(sec), xstrdup(key), xstrdup(val), xstrdup(file), line };
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s + strlen(s); e > s && strchr(" \t\r\n", e[-1]); e--)
		;
	*e = '\0';
	return s;
}

int unit_parse(struct unit *u, const char *text, const char *file)
{
	char sec[64] = "", *copy = xstrdup(text), *line, *next, *joined = NULL, *eq, *t;
	int lineno = 0, start = 0, r = 0;
	size_t jl = 0;

	for (line = copy; line && !r; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		t = trim(line);
		if (joined && (*t == '#' || *t == ';'))
			continue; /* a comment inside a continuation is skipped */
		if (!joined && (!*t || *t == '#' || *t == ';'))
			continue;
		if (!joined && *t == '[') {
			size_t l = strlen(t);
			if (t[l - 1] != ']' || l - 2 >= sizeof(sec)) {
				err("%s:%d: bad section header '%s'", file, lineno, t);
				r = -EINVAL;
				break;
			}
			snprintf(sec, sizeof(sec), "%.*s", (int)(l - 2), t + 1);
			continue;
		}
		if (!joined)
			start = lineno;
		joined = xrealloc(joined, jl + strlen(t) + 2);
		if (jl)
			joined[jl++] = ' '; /* a continuation joins with a blank, as systemd's */
		strcpy(joined + jl, t);
		jl += strlen(t);
		if (jl && joined[jl - 1] == '\\') {
			joined[--jl] = '\0';
			if (next)
				continue;
		}
		if (!(eq = strchr(joined, '='))) {
			err("%s:%d: '%s' is not an assignment (KEY=VALUE)", file, start, joined);
			r = -EINVAL;
		} else if (!*sec) {
			err("%s:%d: an assignment outside any section", file, start);
			r = -EINVAL;
		} else {
			*eq = '\0';
			kv_add(u, sec, trim(joined), trim(eq + 1), file, start);
		}
		free(joined);
		joined = NULL;
		jl = 0;
	}
	free(joined);
	free(copy);
	return r;
}

static int parse_path(struct unit *u, const char *path)
{
	char *text;
	size_t len;
	int r = file_read_all(path, &text, &len, 1 << 20);

	if (r < 0)
		return r;
	r = unit_parse(u, text, path);
	free(text);
	return r;
}

/* "foo@bar.service": prefix "foo", instance "bar", template "foo@.service". */
static void name_split(struct unit *u)
{
	const char *at = strchr(u->name, '@'), *dot = strrchr(u->name, '.');

	snprintf(u->prefix, sizeof(u->prefix), "%.*s", (int)((at ? at : dot ? dot : u->name + strlen(u->name)) - u->name), u->name);
	u->instance[0] = u->template_name[0] = '\0';
	if (at && dot && dot > at) {
		snprintf(u->instance, sizeof(u->instance), "%.*s", (int)(dot - at - 1), at + 1);
		snprintf(u->template_name, sizeof(u->template_name), "%.*s%s", (int)(at - u->name + 1), u->name, dot);
	}
}

/* The drop-ins of name in every directory: conf file names, the highest directory's of each
 * name, sorted by name. */
struct dropin { char *base, *path; };

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->base, ((const struct dropin *)b)->base);
}

static void dropins_of(const char *name, struct dropin **v, int *n)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int i, k;

	for (i = 0; unit_dirs[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s.d", unit_dirs[i], name);
		if (!(d = opendir(dir)))
			continue;
		while ((de = readdir(d))) {
			if (!ends_with(de->d_name, ".conf") || de->d_name[0] == '.')
				continue;
			for (k = 0; k < *n && strcmp((*v)[k].base, de->d_name); k++)
				;
			if (k < *n)
				continue; /* hidden by a directory of higher precedence */
			*v = xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = (struct dropin){ xstrdup(de->d_name), xasprintf("%s/%s", dir, de->d_name) };
		}
		closedir(d);
	}
}

/* The unit file of name in the directories (a symlink there is an alias: its target's name is
 * the unit's); "" when none.  A name with a '/' is a file. */
static int unit_find(struct unit *u, const char *arg)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t l;
	int i, pass;

	if (strchr(arg, '/')) {
		snprintf(u->path, sizeof(u->path), "%s", arg);
		snprintf(u->name, sizeof(u->name), "%s", strrchr(arg, '/') + 1);
		name_split(u);
		return access(arg, R_OK) == 0 ? 0 : -errno;
	}
	snprintf(u->name, sizeof(u->name), "%s%s", arg, strchr(arg, '.') ? "" : ".service");
	name_split(u);
	for (pass = 0; pass < 2; pass++) { /* the instance's own file, then its template */
		const char *want = pass ? u->template_name : u->name;
		if (!*want)
			break;
		for (i = 0; unit_dirs[i]; i++) {
			snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], want);
			if (lstat(path, &st) < 0)
				continue;
			if (S_ISLNK(st.st_mode) && (l = readlink(path, target, sizeof(target) - 1)) > 0) {
				target[l] = '\0';
				if (!strcmp(target, "/dev/null"))
					return -ESHUTDOWN; /* masked */
				if (!pass && strrchr(target, '/') && strcmp(strrchr(target, '/') + 1, u->name)) {
					snprintf(u->alias, sizeof(u->alias), "%s", u->name);
					snprintf(u->name, sizeof(u->name), "%s", strrchr(target, '/') + 1);
					name_split(u);
				}
			}
			snprintf(u->path, sizeof(u->path), "%s", path);
			return 0;
		}
	}
	return -ENOENT;
}

int unit_load(struct unit *u, const char *arg)
{
	struct dropin *d = NULL;
	int n = 0, i, r;

	memset(u, 0, sizeof(*u));
	if ((r = unit_find(u, arg)) < 0)
		return r;
	if ((r = parse_path(u, u->path)) < 0)
		return r;
	if (strchr(arg, '/')) { /* a unit file: its own NAME.d beside it first, then the system's */
		char here[4096];
		const char *only[] = { here, NULL }, *const *saved = unit_dirs;
		snprintf(here, sizeof(here), "%.*s", (int)(strrchr(u->path, '/') - u->path), u->path);
		unit_dirs = only;
		dropins_of(u->name, &d, &n);
		unit_dirs = saved;
	}
	dropins_of(u->name, &d, &n);
	if (u->alias[0])
		dropins_of(u->alias, &d, &n);
	if (u->template_name[0])
		dropins_of(u->template_name, &d, &n);
	if (n)
		qsort(d, n, sizeof(*d), dropin_cmp);
	for (i = 0; i < n && r == 0; i++) {
		r = parse_path(u, d[i].path);
		push(&u->dropins, &u->ndropins, d[i].path);
		free(d[i].base);
	}
	free(d);
	return r;
}

void unit_free(struct unit *u)
{
	int i;

	for (i = 0; i < u->n; i++) {
		free(u->v[i].sec);
		free(u->v[i].key);
		free(u->v[i].val);
		free(u->v[i].file);
	}
	free(u->v);
	for (i = 0; i < u->ndropins; i++)
		free(u->dropins[i]);
	free(u->dropins);
	memset(u, 0, sizeof(*u));
}

/* ---- specifiers (systemd.unit(5), "Specifiers") ---- */

/* The instance unescaped (%I): "\x2d" is '-', '-' is '/'. */
static void unescape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) && isxdigit((unsigned char)s[3])) {
			char hex[3] = { s[2], s[3], 0 };
			out[o++] = (char)strtol(hex, NULL, 16);
			s += 3;
		} else {
			out[o++] = *s == '-' ? '/' : *s;
		}
	}
	out[o] = '\0';
}

/* s with its specifiers expanded (malloc'ed); NULL with *bad set to the specifier when one
 * cannot be known at pack time. */
char *unit_specifiers(const struct unit *u, const char *s, const char *kver, char *bad)
{
	char *out = NULL, ubuf[256], nbuf[256];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *v;

	if (!f)
		abort();
	snprintf(nbuf, sizeof(nbuf), "%.*s", (int)(strrchr(u->name, '.') ? strrchr(u->name, '.') - u->name : (long)strlen(u->name)), u->name);
	for (; *s; s++) {
		if (*s != '%') {
			fputc(*s, f);
			continue;
		}
		switch (*++s) {
		case '%': v = "%"; break;
		case 'n': v = u->name; break;
		case 'N': v = nbuf; break;
		case 'p': v = u->prefix; break;
		case 'P': unescape(u->prefix, ubuf, sizeof(ubuf)); v = ubuf; break;
		case 'i': v = u->instance; break;
		case 'I': unescape(u->instance, ubuf, sizeof(ubuf)); v = ubuf; break;
		case 'j': v = strrchr(u->prefix, '-') ? strrchr(u->prefix, '-') + 1 : u->prefix; break;
		case 'f': unescape(u->instance[0] ? u->instance : u->prefix, ubuf + 1, sizeof(ubuf) - 1);
			  ubuf[0] = '/'; v = ubuf[1] == '/' ? ubuf + 1 : ubuf; break;
		case 't': v = "/run"; break;
		case 'S': v = "/var/lib"; break;
		case 'C': v = "/var/cache"; break;
		case 'L': v = "/var/log"; break;
		case 'E': v = "/etc"; break;
		case 'T': v = "/tmp"; break;
		case 'V': v = "/var/tmp"; break;
		case 'h': v = "/root"; break;   /* the service manager's user: root, for system units */
		case 'u': case 'g': v = "root"; break;
		case 'U': case 'G': v = "0"; break;
		case 's': v = "/bin/sh"; break;
		case 'a': v = "x86-64"; break;
		case 'v': v = kver ? kver : NULL; break;
		default: v = NULL; break;
		}
		if (!v) {
			*bad = *s ? *s : '%';
			fclose(f);
			free(out);
			return NULL;
		}
		fputs(v, f);
		if (!*s)
			break;
	}
	fclose(f);
	return out;
}

/* ---- values ---- */

/* The unit being mapped, for the specifiers of each word of a command or a list: systemd
 * splits and unescapes such values first, then expands each word's specifiers (an instance's
 * "\x2d" stays as it is). */
static const struct unit *cur;
static const char *cur_kver;
static struct unit_map *cur_map;
static const struct ukv *cur_kv;
static int cur_bad;

/* w with its specifiers expanded, in place of w (freed); a specifier not known now is reported
 * and the word kept as written. */
static char *word_spec(char *w)
{
	char bad = 0, *v, why[96];

	if (!strchr(w, '%') || !cur)
		return w;
	if ((v = unit_specifiers(cur, w, cur_kver, &bad))) {
		free(w);
		return v;
	}
	if (!cur_bad++) {
		snprintf(why, sizeof(why), "the specifier %%%c is not known at pack time: the line is left out", bad);
		report(cur_map, cur_kv, why);
	}
	return w;
}

static int is_yes(const char *v)
{
	return !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1");
}

/* One word of a systemd value (src/basic/extract-word.c): blanks separate, quotes group, C
 * escapes in and out of double quotes.  Returns the next position, NULL at the end; *word is
 * malloc'ed. */
static const char *word_next(const char *s, char **word)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	char q = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	if (!(f = open_memstream(&out, &len)))
		abort();
	for (; *s; s++) {
		if (!q && (*s == ' ' || *s == '\t'))
			break;
		if (!q && (*s == '"' || *s == '\'')) {
			q = *s;
			continue;
		}
		if (q && *s == q) {
			q = 0;
			continue;
		}
		if (*s == '\\' && s[1] && q != '\'') {
			static const char from[] = "abfnrtv\\\"' ", to[] = "\a\b\f\n\r\t\v\\\"' ";
			const char *e = strchr(from, *++s);
			if (e)
				fputc(to[e - from], f);
			else if (*s == 'x' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
				char hex[3] = { s[1], s[2], 0 };
				fputc((int)strtol(hex, NULL, 16), f);
				s += 2;
			} else {
				fputc('\\', f), fputc(*s, f);
			}
			continue;
		}
		fputc(*s, f);
	}
	fclose(f);
	*word = out;
	return s;
}

static const char *env_get(const struct unit_map *m, const char *name, size_t len)
{
	int i;

	for (i = m->nenv - 1; i >= 0; i--)
		if (!strncmp(m->env[i], name, len) && m->env[i][len] == '=')
			return m->env[i] + len + 1;
	return NULL;
}

/* "${FOO}" anywhere in a word replaced (one word); the word "$FOO" replaced by FOO's words
 * (zero or more); $MAINPID and ${MAINPID} kept for the init. */
static void word_expand(const struct unit_map *m, const char *w, FILE *f, int *nwords)
{
	const char *v, *end, *p;
	char *sub;

	if (w[0] == '$' && w[1] != '{' && strcmp(w, "$MAINPID") && (isalpha((unsigned char)w[1]) || w[1] == '_')) {
		v = env_get(m, w + 1, strlen(w + 1));
		for (p = v ? v : ""; (p = word_next(p, &sub));) {
			fputs(*nwords ? " " : "", f);
			word_quote(f, sub);
			(*nwords)++;
			free(sub);
		}
		return;
	}
	{
		char *out = NULL;
		size_t len = 0;
		FILE *g = open_memstream(&out, &len);
		for (p = w; *p; p++) {
			if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}')) && strncmp(p, "${MAINPID}", 10)) {
				v = env_get(m, p + 2, end - p - 2);
				fputs(v ? v : "", g);
				p = end;
			} else {
				fputc(*p, g);
			}
		}
		fclose(g);
		fputs(*nwords ? " " : "", f);
		word_quote(f, out);
		(*nwords)++;
		free(out);
	}
}

/* A unit's command as the init's: systemd's prefixes kept in front, words unquoted and
 * unescaped, variables expanded, quoted again.  *prog is the program's path (malloc'ed). */
static char *command_make(const struct unit_map *m, const char *val, char **prog, int *at)
{
	char *out = NULL, *w;
	size_t len = 0, np = strspn(val, "-@:+!");
	int n = 0, first = 1;
	const char *p = val + np;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	*at = memchr(val, '@', np) != NULL;
	fprintf(f, "%.*s", (int)np, val);
	*prog = NULL;
	while ((p = word_next(p, &w))) {
		w = word_spec(w);
		if (first && !*prog)
			*prog = xstrdup(w);
		if (first || memchr(val, ':', np))
			fputs(n ? " " : "", f), word_quote(f, w), n++;
		else
			word_expand(m, w, f, &n);
		first = 0;
		free(w);
	}
	fclose(f);
	return out;
}

/* EnvironmentFile= (systemd.exec(5)): KEY=VALUE lines, '#' and ';' comments, quotes, a
 * trailing '\' continues; read from the host now (the image holds the same file when it comes
 * with the program's package). */
static int env_file(struct unit_map *m, const char *path)
{
	char *text, *line, *next, *eq, *w, *r, *o;
	size_t len;
	const char *p;
	int rc = file_read_all(path, &text, &len, 1 << 20);

	if (rc < 0)
		return rc;
	for (r = o = text; *r; r++) /* a '\' at the end of a line joins the next one */
		if (r[0] == '\\' && r[1] == '\n')
			r++;
		else
			*o++ = *r;
	*o = '\0';
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = trim(line);
		if (!strncmp(line, "export ", 7))
			line = trim(line + 7);
		if (!*line || *line == '#' || *line == ';' || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		p = trim(eq + 1);
		if ((*p == '"' || *p == '\'') && word_next(p, &w)) {
			push(&m->env, &m->nenv, xasprintf("%s=%s", trim(line), w));
			free(w);
		} else {
			push(&m->env, &m->nenv, xasprintf("%s=%s", trim(line), p));
		}
	}
	free(text);
	return 0;
}

/* ---- the directives ---- */

enum kind { K_SCALAR, K_LIST };

/* What each directive becomes: see the README's table ("--unit"). */
static const struct directive {
	const char *sec, *key;
	enum kind kind;
} directives[] = {
	{ "Service", "ExecStart", K_LIST }, { "Service", "ExecStartPre", K_LIST },
	{ "Service", "ExecStartPost", K_LIST }, { "Service", "ExecReload", K_LIST },
	{ "Service", "ExecStop", K_LIST }, { "Service", "User", K_SCALAR }, { "Service", "Group", K_SCALAR },
	{ "Service", "SupplementaryGroups", K_LIST }, { "Service", "Environment", K_LIST },
	{ "Service", "EnvironmentFile", K_LIST }, { "Service", "WorkingDirectory", K_SCALAR },
	{ "Service", "RuntimeDirectory", K_LIST }, { "Service", "StateDirectory", K_LIST },
	{ "Service", "CacheDirectory", K_LIST }, { "Service", "LogsDirectory", K_LIST },
	{ "Service", "ConfigurationDirectory", K_LIST }, { "Service", "RuntimeDirectoryMode", K_SCALAR },
	{ "Service", "StateDirectoryMode", K_SCALAR }, { "Service", "CacheDirectoryMode", K_SCALAR },
	{ "Service", "LogsDirectoryMode", K_SCALAR }, { "Service", "ConfigurationDirectoryMode", K_SCALAR },
	{ "Service", "Type", K_SCALAR }, { "Service", "PIDFile", K_SCALAR }, { "Service", "Restart", K_SCALAR },
	{ "Service", "RestartSec", K_SCALAR }, { "Service", "WatchdogSec", K_SCALAR },
	{ "Service", "TimeoutSec", K_SCALAR }, { "Service", "TimeoutStartSec", K_SCALAR },
	{ "Service", "TimeoutStopSec", K_SCALAR }, { "Service", "KillSignal", K_SCALAR },
	{ "Service", "KillMode", K_SCALAR }, { "Service", "UMask", K_SCALAR },
	{ "Service", "NoNewPrivileges", K_SCALAR }, { "Service", "CapabilityBoundingSet", K_LIST },
	{ "Service", "AmbientCapabilities", K_LIST }, { "Service", "Sockets", K_LIST },
	{ "Service", "RuntimeDirectoryPreserve", K_SCALAR }, { "Service", "NotifyAccess", K_SCALAR },
	{ "Service", "GuessMainPID", K_SCALAR }, { "Service", "SendSIGKILL", K_SCALAR },
};
#define NDIR (sizeof(directives) / sizeof(directives[0]))

/* [Service] Limit*=: the init's minboot.limit.* names. */
static const char *const limits[] = { "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
				      "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO",
				      "RTTIME", NULL };

/* Directives with nothing to do in an appliance of one service. */
static const char *const meta[] = { "Description", "Documentation", "DefaultDependencies",
				    "StartLimitIntervalSec", "StartLimitBurst", "StartLimitInterval", NULL };
static const char *const ordering[] = { "After", "Before", "Wants", "Requires", "Requisite", "BindsTo",
					"PartOf", "Upholds", "Conflicts", "WantedBy", NULL };

/* The sandbox: the VM is the boundary, there is no sandbox inside it. */
static int is_sandboxing(const char *k)
{
	static const char *const pre[] = { "Private", "Protect", "Restrict", "ReadWrite", "ReadOnly",
					   "Inaccessible", "ExecPaths", "NoExecPaths", "SystemCall", "Memory",
					   "LockPersonality", "RemoveIPC", "DynamicUser", "Bind", "TemporaryFileSystem",
					   "Device", "IPAddress", "SecureBits", "Keyring", NULL };
	int i;

	for (i = 0; pre[i]; i++)
		if (!strncmp(k, pre[i], strlen(pre[i])))
			return 1;
	return 0;
}

static int in(const char *const *list, const char *k)
{
	int i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], k))
			return 1;
	return 0;
}

/* Ordering and requirement lines against targets (and the unit's own socket) say nothing an
 * appliance of one service can act on; against another service they would. */
static int only_targets(const struct unit *u, const char *val)
{
	char sock[300], *w;
	const char *p = val;
	int ok = 1;

	snprintf(sock, sizeof(sock), "%s.socket", u->prefix);
	while ((p = word_next(p, &w))) {
		ok &= ends_with(w, ".target") || !strcmp(w, sock);
		free(w);
	}
	return ok;
}

struct state {
	const struct ukv *last[NDIR];          /* K_SCALAR: the one in force */
	const struct ukv **list[NDIR];         /* K_LIST: every value since the last empty one */
	int nlist[NDIR], given[NDIR];
	const struct ukv *limit[16];
};

static int directive_find(const char *sec, const char *key)
{
	unsigned i;

	for (i = 0; i < NDIR; i++)
		if (!strcmp(directives[i].sec, sec) && !strcmp(directives[i].key, key))
			return (int)i;
	return -1;
}

static const struct ukv *last_of(const struct state *st, const char *key)
{
	return st->last[directive_find("Service", key)];
}

static void set(struct unit_map *m, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set(struct unit_map *m, const char *key, const char *fmt, ...)
{
	char *val, *line;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&val, fmt, ap) < 0)
		abort();
	va_end(ap);
	line = xasprintf("%s=%s", key, val);
	free(val);
	push(&m->set, &m->nset, line);
}

static void set_named(struct unit_map *m, const char *head, const char *name, const char *fmt, const char *v)
{
	char key[300];

	snprintf(key, sizeof(key), "%s%s", head, name);
	set(m, key, fmt, v);
}

static void strv_free(char **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void unit_map_free(struct unit_map *m)
{
	free(m->payload);
	strv_free(m->set, m->nset);
	strv_free(m->programs, m->nprograms);
	strv_free(m->users, m->nusers);
	strv_free(m->groups, m->ngroups);
	strv_free(m->env, m->nenv);
	strv_free(m->reports, m->nreports);
	strv_free(m->sockets, m->nsockets);
	strv_free(m->confdirs, m->nconfdirs);
	memset(m, 0, sizeof(*m));
}

/* Sort the unit's lines into the state: the one in force of each setting, each list since its
 * last reset; the rest reported or passed over. */
static void collect(const struct unit *u, struct state *st, struct unit_map *m)
{
	int i, d, l;

	for (i = 0; i < u->n; i++) {
		const struct ukv *kv = &u->v[i];
		if (!strcmp(kv->sec, "Install") || !strncmp(kv->sec, "X-", 2) || !strncmp(kv->key, "X-", 2))
			continue; /* enablement, and extensions systemd itself ignores */
		if ((d = directive_find(kv->sec, kv->key)) >= 0) {
			st->given[d] = 1;
			if (directives[d].kind == K_SCALAR) {
				st->last[d] = kv;
			} else if (!*kv->val) {
				st->nlist[d] = 0; /* an empty assignment empties the list */
			} else {
				st->list[d] = xrealloc(st->list[d], (st->nlist[d] + 1) * sizeof(*st->list[d]));
				st->list[d][st->nlist[d]++] = kv;
			}
			continue;
		}
		if (!strcmp(kv->sec, "Service") && !strncmp(kv->key, "Limit", 5)) {
			for (l = 0; limits[l] && strcmp(kv->key + 5, limits[l]); l++)
				;
			if (limits[l]) {
				st->limit[l] = kv;
				continue;
			}
		}
		if (!strcmp(kv->sec, "Unit") && (in(meta, kv->key) || (in(ordering, kv->key) && only_targets(u, kv->val))))
			continue;
		if (!strcmp(kv->sec, "Unit") && in(ordering, kv->key))
			report(m, kv, "not applied: it orders or needs another service (the appliance runs one)");
		else
		if (!strcmp(kv->sec, "Unit") && (!strncmp(kv->key, "Condition", 9) || !strncmp(kv->key, "Assert", 6)))
			report(m, kv, "not checked (the appliance starts its service unconditionally)");
		else if (is_sandboxing(kv->key))
			report(m, kv, "not applied: no sandboxing inside the appliance (the VM is the boundary)");
		else if (strcmp(kv->sec, "Unit") && strcmp(kv->sec, "Service"))
			report(m, kv, "not supported: a section minboot does not read");
		else
			report(m, kv, "not supported by minboot");
	}
}

/* "5", "1.5s", "90s", "2min", "500ms", "1h 30min", "infinity": seconds as the init writes
 * them ("%.3f"); -1 for infinity, -2 when not understood. */
static double seconds_of(const char *v)
{
	static const struct { const char *u; double f; } units[] = {
		{ "usec", 1e-6 }, { "us", 1e-6 }, { "msec", 1e-3 }, { "ms", 1e-3 }, { "seconds", 1 }, { "second", 1 },
		{ "sec", 1 }, { "s", 1 }, { "minutes", 60 }, { "minute", 60 }, { "min", 60 }, { "m", 60 },
		{ "hours", 3600 }, { "hour", 3600 }, { "hr", 3600 }, { "h", 3600 }, { "days", 86400 }, { "day", 86400 },
		{ "d", 86400 },
	};
	double total = 0, x;
	char *end;
	unsigned i;

	if (!strcmp(v, "infinity"))
		return -1;
	while (*v) {
		while (*v == ' ')
			v++;
		if (!*v)
			break;
		x = strtod(v, &end);
		if (end == v || x < 0)
			return -2;
		v = end;
		while (*v == ' ')
			v++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].u);
			if (!strncmp(v, units[i].u, l) && !isalpha((unsigned char)v[l]))
				break;
		}
		if (i < sizeof(units) / sizeof(units[0])) {
			x *= units[i].f;
			v += strlen(units[i].u);
		} else if (isalpha((unsigned char)*v)) {
			return -2;
		}
		total += x;
	}
	return total;
}

/* A duration directive as an init setting: 0 and infinity are "no limit" for systemd; the init
 * takes none_as ("0" for none, or the longest it accepts). */
static void duration(struct unit_map *m, const struct ukv *kv, const char *key, const char *none_as)
{
	double s = seconds_of(kv->val);

	if (s == -2)
		report(m, kv, "not understood as a duration");
	else if (s <= 0)
		set(m, key, "%s", none_as);
	else if (s > POLICY_SECONDS_MAX)
		set(m, key, "%d", POLICY_SECONDS_MAX);
	else
		set(m, key, "%.3f", s);
}

/* Limit*=: sizes with K, M, G, T, P, E (1024s), durations for CPU (s) and RTTIME (us). */
static int limit_value(const char *v, int res, char *out, size_t len)
{
	static const char suffix[] = "KMGTPE";
	unsigned long long n;
	const char *s;
	char *end;
	int i;

	if (!strcmp(v, "infinity"))
		return snprintf(out, len, "infinity"), 0;
	if (res == 0 || res == 15) { /* CPU in seconds, RTTIME in microseconds */
		double sec = seconds_of(v);
		if (sec < 0)
			return -1;
		return snprintf(out, len, "%llu", (unsigned long long)(res ? sec * 1e6 : sec)), 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno)
		return -1;
	if (*end && (s = strchr(suffix, toupper((unsigned char)*end))) && (!end[1] || !strcmp(end + 1, "B"))) {
		for (i = 0; i <= s - suffix; i++)
			n *= 1024;
	} else if (*end) {
		return -1;
	}
	return snprintf(out, len, "%llu", n), 0;
}

static void map_limits(struct unit_map *m, const struct state *st)
{
	char soft[72], hard[32], *colon, copy[128];
	int l;

	for (l = 0; limits[l]; l++) {
		const struct ukv *kv = st->limit[l];
		if (!kv)
			continue;
		snprintf(copy, sizeof(copy), "%s", kv->val);
		if ((colon = strchr(copy, ':')))
			*colon++ = '\0';
		if (limit_value(copy, l, soft, sizeof(soft)) < 0 ||
		    limit_value(colon ? colon : copy, l, hard, sizeof(hard)) < 0)
			report(m, kv, "not understood as a limit");
		else if (!strcmp(soft, hard))
			set_named(m, "minboot.limit.", limits[l], "%s", soft);
		else {
			strcat(soft, ":");
			strcat(soft, hard);
			set_named(m, "minboot.limit.", limits[l], "%s", soft);
		}
	}
}

/* systemd's capability lists: names, "~" for every one but those, several lines adding up; an
 * empty list is no capability at all. */
static void map_caps(struct unit_map *m, const struct state *st, const char *key, const char *setting)
{
	static const char *const names[] = {
		"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
		"setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
		"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
		"sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
		"lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
		"wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore", NULL };
	int d = directive_find("Service", key), i, k, inv = 0, want[64] = { 0 }, any = 0;
	char *out = NULL, *w;
	size_t len = 0;
	const char *p;
	FILE *f;

	if (!st->given[d])
		return;
	for (k = 0; k < st->nlist[d]; k++) {
		p = st->list[d][k]->val;
		if (*p == '~')
			inv = 1, p++;
		while ((p = word_next(p, &w))) {
			const char *n = strncasecmp(w, "cap_", 4) ? w : w + 4;
			for (i = 0; names[i] && strcasecmp(names[i], n); i++)
				;
			if (names[i])
				want[i] = 1;
			else
				report(m, st->list[d][k], "names a capability this kernel's list does not have");
			free(w);
		}
	}
	if (!(f = open_memstream(&out, &len)))
		abort();
	for (i = 0; names[i]; i++)
		if (want[i] != inv)
			fprintf(f, "%s%s", any++ ? "," : "", names[i]);
	fclose(f);
	set(m, setting, "%s", out);
	free(out);
}

/* RuntimeDirectory= and the others: created at boot under their base with the unit's owner
 * and mode; the service gets $RUNTIME_DIRECTORY and the others, as from systemd. */
static void map_dirs(struct unit_map *m, const struct state *st)
{
	static const struct { const char *key, *base, *env; } t[] = {
		{ "RuntimeDirectory", "/run", "RUNTIME_DIRECTORY" }, { "StateDirectory", "/var/lib", "STATE_DIRECTORY" },
		{ "CacheDirectory", "/var/cache", "CACHE_DIRECTORY" }, { "LogsDirectory", "/var/log", "LOGS_DIRECTORY" },
		{ "ConfigurationDirectory", "/etc", "CONFIGURATION_DIRECTORY" },
	};
	unsigned i;
	int k, d;
	char modekey[64], *w, *env;
	const struct ukv *mode;
	const char *p;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d = directive_find("Service", t[i].key);
		snprintf(modekey, sizeof(modekey), "%sMode", t[i].key);
		mode = last_of(st, modekey);
		env = NULL;
		for (k = 0; k < st->nlist[d]; k++)
			for (cur_kv = st->list[d][k], cur_bad = 0, p = cur_kv->val; (p = word_next(p, &w)); free(w)) {
				w = word_spec(w);
				if (cur_bad)
					continue;
				if (w[0] == '/' || strstr(w, "..") || strchr(w, ':')) {
					report(m, st->list[d][k], "a directory must be a relative path below its base");
					continue;
				}
				if (i == 4) /* ConfigurationDirectory=: root's, in the image (not made at boot) */
					push(&m->confdirs, &m->nconfdirs, xasprintf("%s/%s:%s", t[i].base, w, mode ? mode->val : "0755"));
				else
					set(m, "minboot.dir", "%s/%s:%s", t[i].base, w, mode ? mode->val : "0755");
				char *e = xasprintf("%s%s%s/%s", env ? env : "", env ? ":" : "", t[i].base, w);
				free(env);
				env = e;
			}
		if (env) {
			set_named(m, "minboot.env.", t[i].env, "%s", env);
			free(env);
		}
	}
}

static void map_env(struct unit_map *m, const struct state *st)
{
	int d = directive_find("Service", "EnvironmentFile"), k;
	const char *p;
	char *w;

	for (k = 0; k < st->nlist[d]; k++) {
		const char *path = st->list[d][k]->val;
		int optional = *path == '-';
		int r = env_file(m, path + optional);
		if (r < 0 && !(optional && r == -ENOENT))
			report(m, st->list[d][k], r == -ENOENT ? "the file is not on this host" : strerror(-r));
	}
	d = directive_find("Service", "Environment");
	for (k = 0; k < st->nlist[d]; k++)
		for (cur_kv = st->list[d][k], cur_bad = 0, p = cur_kv->val; (p = word_next(p, &w));) {
			w = word_spec(w);
			if (cur_bad)
				free(w);
			else if (strchr(w, '=') && strchr(w, '=') != w)
				push(&m->env, &m->nenv, w);
			else
				report(m, st->list[d][k], "expected NAME=VALUE words"), free(w);
		}
}

/* Each command of a list as minboot.exec-KIND lines, their programs kept for the closure. */
static void map_commands(struct unit_map *m, const struct state *st, const char *key, const char *setting)
{
	int d = directive_find("Service", key), k, at;
	char *cmd, *prog;

	for (k = 0; k < st->nlist[d]; k++) {
		cur_kv = st->list[d][k], cur_bad = 0;
		cmd = command_make(m, st->list[d][k]->val, &prog, &at);
		if (cur_bad) {
			free(cmd), free(prog);
			continue;
		}
		if (!prog || (prog[0] != '/' && strchr(prog, '/'))) {
			report(m, st->list[d][k], "the command needs a program (an absolute path or a name)");
		} else if (!setting) { /* ExecStart */
			if (m->payload) {
				report(m, st->list[d][k], "not run: the payload is the first ExecStart= (one command)");
			} else {
				m->payload = cmd;
				cmd = NULL;
			}
			push(&m->programs, &m->nprograms, prog);
			prog = NULL;
		} else {
			set(m, setting, "%s", cmd);
			push(&m->programs, &m->nprograms, prog);
			prog = NULL;
		}
		free(cmd);
		free(prog);
	}
}

static void map_user(struct unit_map *m, const struct state *st)
{
	const struct ukv *user = last_of(st, "User"), *group = last_of(st, "Group");
	int d = directive_find("Service", "SupplementaryGroups");

	if (user && *user->val) {
		if (group && *group->val)
			set(m, "minboot.user", "%s:%s", user->val, group->val);
		else
			set(m, "minboot.user", "%s", user->val);
		push(&m->users, &m->nusers, xstrdup(user->val));
	} else if (group && *group->val) {
		set(m, "minboot.user", "0:%s", group->val);
	}
	if (group && *group->val)
		push(&m->groups, &m->ngroups, xstrdup(group->val));
	if (st->nlist[d]) { /* SupplementaryGroups=: minboot.groups, for root too */
		char *all = NULL, *w;
		size_t len = 0;
		const char *p;
		FILE *f = open_memstream(&all, &len);
		int k, n = 0;
		if (!f)
			abort();
		for (k = 0; k < st->nlist[d]; k++)
			for (p = st->list[d][k]->val; (p = word_next(p, &w));) {
				fprintf(f, "%s%s", n++ ? "," : "", w);
				push(&m->groups, &m->ngroups, w);
			}
		fclose(f);
		if (!(user && *user->val) && !(group && *group->val))
			set(m, "minboot.user", "%s", "root");
		set(m, "minboot.groups", "%s", all);
		free(all);
	}
}

static void map_type(struct unit_map *m, const struct state *st)
{
	static const char *const types[] = { "simple", "exec", "notify", "forking", "oneshot", NULL };
	const struct ukv *kv = last_of(st, "Type"), *pid = last_of(st, "PIDFile");
	const char *t = kv ? kv->val : "simple";

	if (kv && !strcmp(t, "idle"))
		t = "simple";
	if (kv && !strcmp(t, "notify-reload"))
		t = "notify";
	if (!in(types, t)) {
		report(m, kv, "not supported: minboot runs simple, exec, notify, forking and oneshot");
		t = "simple";
	}
	if (strcmp(t, "simple"))
		set(m, "minboot.type", "%s", t);
	m->type = t;
	if (pid && *pid->val)
		set(m, "minboot.pidfile", "%s%s", pid->val[0] == '/' ? "" : "/run/", pid->val);
}

static void map_restart(struct unit_map *m, const struct state *st)
{
	static const char *const ok[] = { "no", "on-failure", "always", "on-success", "on-abnormal",
					  "on-abort", "on-watchdog", NULL };
	const struct ukv *kv = last_of(st, "Restart"), *sec = last_of(st, "RestartSec");
	double s;

	if (kv && !in(ok, kv->val))
		report(m, kv, "not a Restart= value");
	else if (kv && strcmp(kv->val, "no"))
		set(m, "minboot.restart", "%s", kv->val);
	if (!kv || !strcmp(kv->val, "no"))
		return;
	/* systemd 252 waits the same RestartSec= (default 100 ms) before every restart */
	s = sec ? seconds_of(sec->val) : 0.1;
	if (s == -2) {
		report(m, sec, "not understood as a duration");
		return;
	}
	s = s < 0 ? POLICY_SECONDS_MAX : s;
	set(m, "minboot.restart-delay", "%.3f", s);
	set(m, "minboot.restart-delay-max", "%.3f", s);
}

static void map_kill(struct unit_map *m, const struct state *st)
{
	const struct ukv *sig = last_of(st, "KillSignal"), *mode = last_of(st, "KillMode");
	const struct ukv *send = last_of(st, "SendSIGKILL");
	static const char *const modes[] = { "control-group", "mixed", "process", "none", NULL };

	if (sig && config_signal(sig->val) < 0)
		report(m, sig, "not a signal");
	else if (sig)
		set(m, "minboot.kill-signal", "%s", sig->val);
	if (mode && !in(modes, mode->val))
		report(m, mode, "not a KillMode= value");
	else if (mode && strcmp(mode->val, "control-group"))
		set(m, "minboot.kill-mode", "%s", mode->val);
	if (send && !is_yes(send->val))
		report(m, send, "not applied: the shutdown always ends with SIGKILL");
}

static void map_timeouts(struct unit_map *m, const struct state *st)
{
	const struct ukv *both = last_of(st, "TimeoutSec"), *start = last_of(st, "TimeoutStartSec");
	const struct ukv *stop = last_of(st, "TimeoutStopSec"), *wd = last_of(st, "WatchdogSec");

	start = start ? start : both;
	stop = stop ? stop : both;
	if (start)
		duration(m, start, "minboot.start-timeout", "0");
	else if (!strcmp(m->type, "notify") || !strcmp(m->type, "forking"))
		set(m, "minboot.start-timeout", "90"); /* DefaultTimeoutStartSec=; none for oneshot */
	if (stop)
		duration(m, stop, "minboot.stop-timeout", "86400");
	else
		set(m, "minboot.stop-timeout", "90"); /* DefaultTimeoutStopSec= */
	if (wd)
		duration(m, wd, "minboot.watchdog", "0");
}

static void map_misc(struct unit_map *m, const struct state *st)
{
	const struct ukv *kv;

	if ((kv = last_of(st, "WorkingDirectory")) && *kv->val) {
		const char *v = kv->val + (kv->val[0] == '-');
		if (!strcmp(v, "~"))
			report(m, kv, "not applied: the init starts in the user's home only when it is given");
		else
			set(m, "minboot.workdir", "%s", v);
	}
	if ((kv = last_of(st, "UMask")))
		set(m, "minboot.umask", "%s", kv->val);
	if ((kv = last_of(st, "NoNewPrivileges")) && is_yes(kv->val))
		set(m, "minboot.no-new-privileges", "1");
	if ((kv = last_of(st, "NotifyAccess")) && strcmp(kv->val, "main") && strcmp(kv->val, "all"))
		report(m, kv, "not applied: the init hears the payload's session (NotifyAccess=all, or main)");
	if ((kv = last_of(st, "GuessMainPID")) && !is_yes(kv->val))
		report(m, kv, "not applied");
	if ((kv = last_of(st, "RuntimeDirectoryPreserve")))
		report(m, kv, "not applied: the appliance's /run lasts as long as it runs");
}

/* The directives whose words are expanded one by one (word_spec). */
static int word_list(const char *key)
{
	static const char *const keys[] = { "ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop",
					    "Environment", "RuntimeDirectory", "StateDirectory", "CacheDirectory",
					    "LogsDirectory", "ConfigurationDirectory", NULL };
	return in(keys, key);
}

/* Every directive's value with its specifiers expanded first (a specifier the packer cannot
 * know is reported, and the line left out). */
static void expand_all(struct unit *u, struct unit_map *m, const char *kver)
{
	int i;
	char bad = 0, *v;

	for (i = 0; i < u->n; i++) {
		if (!strchr(u->v[i].val, '%') || word_list(u->v[i].key))
			continue;
		if ((v = unit_specifiers(u, u->v[i].val, kver, &bad))) {
			free(u->v[i].val);
			u->v[i].val = v;
		} else {
			char why[96];
			snprintf(why, sizeof(why), "the specifier %%%c is not known at pack time: the line is left out", bad);
			report(m, &u->v[i], why);
			u->v[i].key[0] = '\0'; /* matches no directive */
			u->v[i].sec[0] = '\0';
		}
	}
	/* the lines left out are not reported again */
	for (i = 0; i < u->n; i++)
		if (!u->v[i].key[0]) {
			free(u->v[i].key);
			u->v[i].key = xstrdup("X-left-out");
			free(u->v[i].sec);
			u->v[i].sec = xstrdup("X-");
		}
}

/* The .socket unit: ListenStream=/ListenDatagram= become minboot.listen. */
static void map_socket(const struct unit *svc, const struct state *st, struct unit_map *m, const char *kver)
{
	int d = directive_find("Service", "Sockets"), i, k, n = 0;
	char *names[16], *w;
	struct unit s;
	const char *p;

	for (k = 0; k < st->nlist[d]; k++)
		for (p = st->list[d][k]->val; n < 16 && (p = word_next(p, &w));)
			names[n++] = w;
	if (!n)
		names[n++] = xasprintf("%s.socket", svc->prefix);
	for (k = 0; k < n; k++) {
		if (unit_load(&s, names[k]) < 0) {
			if (st->nlist[d])
				push(&m->reports, &m->nreports, xasprintf("%s: Sockets=%s: no such socket unit", svc->path, names[k]));
			free(names[k]);
			continue;
		}
		push(&m->sockets, &m->nsockets, xstrdup(s.path));
		expand_all(&s, m, kver);
		for (i = 0; i < s.n; i++) {
			const struct ukv *kv = &s.v[i];
			int dgram = !strcmp(kv->key, "ListenDatagram");
			if (!strcmp(kv->sec, "Install") || !strncmp(kv->sec, "X-", 2) ||
			    (!strcmp(kv->sec, "Unit") && (in(meta, kv->key) || in(ordering, kv->key))))
				continue;
			if (!strcmp(kv->sec, "Socket") && (dgram || !strcmp(kv->key, "ListenStream"))) {
				const char *v = kv->val;
				if (v[0] == '/')
					set(m, "minboot.listen", "unix:%s", v);
				else if (v[0] == '@' || !strncmp(v, "vsock:", 6))
					report(m, kv, "not supported: abstract and vsock sockets");
				else
					set(m, "minboot.listen", "%s%s", dgram ? "udp:" : "", v);
			} else if (!strcmp(kv->sec, "Socket") && !strcmp(kv->key, "Accept")) {
				if (is_yes(kv->val))
					report(m, kv, "not supported: a connection per instance (Accept=yes) needs NAME@.service");
			} else if (!strcmp(kv->sec, "Unit") && (!strncmp(kv->key, "Condition", 9) || !strncmp(kv->key, "Assert", 6))) {
				report(m, kv, "not checked (the appliance starts its service unconditionally)");
			} else {
				report(m, kv, "not supported by minboot");
			}
		}
		unit_free(&s);
		free(names[k]);
	}
}

int unit_map(struct unit *u, struct unit_map *m, const char *kver)
{
	struct state st;
	char **env;
	int i, nenv;

	memset(m, 0, sizeof(*m));
	memset(&st, 0, sizeof(st));
	cur = u, cur_kver = kver, cur_map = m;
	expand_all(u, m, kver);
	collect(u, &st, m);
	map_env(m, &st);
	map_commands(m, &st, "ExecStart", NULL);
	if (!m->payload) {
		push(&m->reports, &m->nreports, xasprintf("%s: no ExecStart=", u->path));
		return -EINVAL;
	}
	map_commands(m, &st, "ExecStartPre", "minboot.exec-start-pre");
	map_commands(m, &st, "ExecStartPost", "minboot.exec-start-post");
	map_commands(m, &st, "ExecReload", "minboot.exec-reload");
	map_commands(m, &st, "ExecStop", "minboot.exec-stop");
	map_user(m, &st);
	map_type(m, &st);
	map_restart(m, &st);
	map_timeouts(m, &st);
	map_kill(m, &st);
	map_misc(m, &st);
	map_dirs(m, &st);
	map_limits(m, &st);
	map_caps(m, &st, "CapabilityBoundingSet", "minboot.cap-bound");
	map_caps(m, &st, "AmbientCapabilities", "minboot.cap-ambient");
	/* the environment as minboot.env.*, after every use above (later names replace earlier) */
	env = m->env, nenv = m->nenv;
	for (i = 0; i < nenv; i++) {
		char *eq = strchr(env[i], '=');
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
		set_named(m, "minboot.env.", name, "%s", eq + 1);
	}
	cur = NULL;
	map_socket(u, &st, m, kver);
	for (i = 0; i < (int)NDIR; i++)
		free(st.list[i]);
	return 0;
}

/* ---- the packer's side ---- */

static struct unit_map um;
static int accounts_taken; /* the accounts generator brings the unit's accounts */
static const char **unit_set;
static int unit_nset;

static int set_check(const char *line, const char *file)
{
	static struct config scratch;
	char key[256], why[256];
	const char *eq = strchr(line, '=');
	int r;

	snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
	config_defaults(&scratch);
	if (strchr(line, '\n') || (r = config_apply(&scratch, key, eq + 1, why, sizeof(why))) < 0) {
		err("--unit %s: %s: the init would refuse it: %s", file, line, strchr(line, '\n') ? "a newline" : why);
		return -EINVAL;
	}
	return 0;
}

int unit_add(struct plan *p, struct pack_opts *o)
{
	struct unit u;
	int i, r;

	if (!o->unit)
		return 0;
	if ((r = unit_load(&u, o->unit)) < 0) {
		err("--unit %s: %s", o->unit, r == -ESHUTDOWN ? "the unit is masked (a link to /dev/null)" :
		    r == -ENOENT ? "no such unit in the system unit directories (/etc/systemd/system, /run/systemd/system, /lib/systemd/system ...) or file" :
		    strerror(-r));
		return r;
	}
	r = unit_map(&u, &um, o->kver);
	for (i = 0; i < um.nreports; i++)
		warn("--unit: %s", um.reports[i]);
	if (r < 0) {
		err("--unit %s: %s has no ExecStart=: nothing to run", o->unit, u.path);
		unit_free(&u);
		return r;
	}
	for (i = 0; i < um.nset; i++)
		if ((r = set_check(um.set[i], u.path)) < 0)
			return r;
	info("--unit %s: %s%s%d drop-in(s), %d directive(s) not honoured (listed above), payload %s", o->unit,
	     u.path, um.nsockets ? " with its socket, " : ", ", u.ndropins, um.nreports, um.payload);
	if (o->payload)
		info("--unit: --payload replaces the unit's ExecStart=");
	else if (strchr(um.payload, '\n') || strlen(um.payload) >= CONFIG_STR) {
		err("--unit %s: ExecStart= does not fit in one minboot.payload (%d bytes at most)", o->unit, CONFIG_STR - 1);
		return -E2BIG;
	} else {
		o->payload = um.payload;
	}
	/* the unit's settings first: --set given to the packer come later and win */
	for (i = 0; i < um.nset; i++)
		opts_push(&unit_set, &unit_nset, um.set[i]);
	for (i = 0; i < o->nset; i++)
		opts_push(&unit_set, &unit_nset, o->set[i]);
	o->set = unit_set;
	o->nset = unit_nset;
	for (i = 0; i < um.nusers; i++)
		if (accounts_want(um.users[i]) != -ENOSYS)
			accounts_taken = 1;
	for (i = 0; i < um.nconfdirs; i++) {
		char *colon = strrchr(um.confdirs[i], ':');
		*colon = '\0';
		if ((r = plan_add_dir(p, um.confdirs[i], (mode_t)strtoul(colon + 1, NULL, 8) & 07777,
				      "--unit ConfigurationDirectory")) < 0)
			return r;
	}
	unit_free(&u);
	return 0;
}

int unit_programs(const char *const **v)
{
	*v = (const char *const *)um.programs;
	return um.nprograms;
}

/* The accounts the unit runs as are in the image, unless accounts_want takes them from the
 * host (then it answers 0 and the accounts generator writes them). */
static int account_in(const struct plan *p, const char *file, const char *name)
{
	const struct entry *e = NULL;
	char *text = NULL, *line, *save = NULL;
	size_t len, l = strlen(name), i;
	int found = 0;

	for (i = p->n; i-- > 0 && !e;) /* the last one added is the one the image keeps */
		if (!strcmp(p->v[i].dst, file))
			e = &p->v[i];
	if (!e || e->type != E_FILE)
		return 0;
	if (e->src ? file_read_all(e->src, &text, &len, 1 << 24) < 0 : !(text = strndup(e->data, e->len)))
		return 0;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save))
		found = !strncmp(line, name, l) && line[l] == ':';
	free(text);
	return found || strspn(name, "0123456789") == l;
}

int unit_finish(const struct plan *p, const struct pack_opts *o)
{
	int i, r = 0;

	if (!o->unit || accounts_taken)
		return 0;
	for (i = 0; i < um.nusers; i++)
		if (!account_in(p, "/etc/passwd", um.users[i]))
			r = -ENOENT, err("--unit %s: User=%s: no such user in the image's /etc/passwd (give the image "
					 "one that has it: --file, --overlay or --package)", o->unit, um.users[i]);
	for (i = 0; i < um.ngroups; i++)
		if (!account_in(p, "/etc/group", um.groups[i]))
			r = -ENOENT, err("--unit %s: Group=%s: no such group in the image's /etc/group", o->unit, um.groups[i]);
	return r;
}
