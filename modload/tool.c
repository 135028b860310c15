/* modload: modprobe's interface over the modload library.  --show-depends prints exactly what
 * kmod's modprobe prints, with the same modprobe.d configuration (-C as modprobe's); install
 * commands are shown, never run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/log.h"
#include "modload/internal.h"

struct tool {
	const char *root, *kver;
	const char **conf;       /* -C paths, NULL-terminated; NULL: kmod's directories */
	int nconf, capconf;
	int flags, show, all, resolve, coldplug, quiet;
};

static struct cmdline kcl; /* large: off the stack */
static char kcl_buf[4097];
static struct mod_buf kblacklist;

static void usage(FILE *f)
{
	fputs("usage: modload [options] NAME|ALIAS [param=value...]\n"
	      "       modload [options] -a NAME...\n"
	      "       modload [options] --coldplug\n"
	      "  -d, --dirname ROOT   modules in ROOT/lib/modules/KVER\n"
	      "  -S, --set-version V  kernel version KVER (default: uname -r)\n"
	      "  -C, --config FILE    modprobe.d file or directory instead of kmod's (repeatable)\n"
	      "  -D, --show-depends   print the load list (insmod PATH PARAMS / builtin NAME)\n"
	      "  -n, --dry-run        resolve, load nothing\n"
	      "  -a, --all            every argument is a module\n"
	      "  -b, --use-blacklist  the blacklist applies to names too, not only aliases\n"
	      "  -R, --resolve-alias  print the module names an alias resolves to\n"
	      "  -c, --coldplug       load the drivers of every device in /sys/devices\n"
	      "      --first-time     fail if the module is already loaded\n"
	      "  -q, --quiet          say nothing when a module is not found\n"
	      "  -v, --verbose        print the load list while loading\n"
	      "  -h, --help           this text\n", f);
}

static void show(void *arg, const struct mod_step *s)
{
	(void)arg;
	if (s->install)
		printf("install %s %s\n", s->install, s->options);
	else if (s->path)
		printf("insmod %s %s\n", s->path, s->options);
	else if (s->builtin)
		printf("builtin %s\n", s->name);
}

static void notice(void *arg, const char *name, int e, int required)
{
	struct mod_ctx *c = arg;

	(void)required;
	err("could not insert '%s': %s", name, c->why[0] ? c->why : strerror(-e));
}

/* kmod reads /proc/cmdline for module.param= options and modprobe.blacklist=, whatever -d says. */
static void read_kernel_cmdline(struct mod_ctx *c)
{
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n;
	int i;

	if (!f)
		return;
	n = fread(kcl_buf, 1, sizeof(kcl_buf) - 1, f);
	fclose(f);
	kcl_buf[n] = '\0';
	cmdline_parse(kcl_buf, &kcl);
	for (i = 0; i < kcl.nparams; i++)
		if (!strcmp(kcl.params[i].key, "modprobe.blacklist") && kcl.params[i].val) {
			mod_buf_add(&kblacklist, ",", kblacklist.n ? 1 : 0);
			mod_buf_str(&kblacklist, kcl.params[i].val);
		}
	c->cmdline = &kcl;
	c->blacklist = kblacklist.err ? NULL : kblacklist.p;
}

/* modprobe's options_from_array(): values with blanks are quoted. */
static char *join_params(char **v, int n)
{
	size_t len = 1;
	char *s, *p;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		int q = eq && eq[1] != '"' && eq[1] != '\'' && strchr(eq, ' ');

		if (q)
			p += sprintf(p, "%s%.*s\"%s\"", i ? " " : "", (int)(eq + 1 - v[i]), v[i], eq + 1);
		else
			p += sprintf(p, "%s%s", i ? " " : "", v[i]);
	}
	return s;
}

static int resolve(struct mod_ctx *c, const char *name)
{
	struct mod_matches m = { 0 };
	int i, r = mod_lookup(&c->db, name, &m);

	for (i = 0; i < r; i++)
		puts(c->db.mods[m.v[i].mod].name);
	mod_matches_free(&m);
	return r > 0 ? 0 : r == -ENOMEM ? r : -ENOENT;
}

static int one(struct tool *t, struct mod_ctx *c, const char *name, const char *extra)
{
	int failed = c->nfailed;
	int r = t->resolve ? resolve(c, name) : mod_probe(c, name, extra, t->flags);

	if (c->nfailed != failed)
		return r < 0 ? r : 0; /* notice() said which module and why */
	if (r == -ENOENT) {
		if (!t->quiet)
			err("%s: Module %s not found in directory %s", t->all ? "WARNING" : "FATAL", name,
			    c->db.dir);
	} else if (r == -EEXIST) {
		err("could not insert '%s': Module already in kernel", name);
	} else if (r < 0) {
		err("%s: %s", name, c->why[0] ? c->why : strerror(-r));
	}
	return r < 0 ? r : 0;
}

static int parse(struct tool *t, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dirname", 1, 0, 'd' }, { "set-version", 1, 0, 'S' }, { "show-depends", 0, 0, 'D' },
		{ "config", 1, 0, 'C' },
		{ "dry-run", 0, 0, 'n' }, { "all", 0, 0, 'a' }, { "use-blacklist", 0, 0, 'b' },
		{ "resolve-alias", 0, 0, 'R' }, { "coldplug", 0, 0, 'c' }, { "first-time", 0, 0, 'F' },
		{ "quiet", 0, 0, 'q' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "+d:S:C:DnabRcqvh", lo, NULL)) != -1) {
		switch (o) {
		case 'd': t->root = optarg; break;
		case 'C':
			if (MOD_GROW(t->conf, t->nconf + 1, t->capconf) < 0)
				return -ENOMEM;
			t->conf[t->nconf++] = optarg;
			t->conf[t->nconf] = NULL;
			break;
		case 'S': t->kver = optarg; break;
		case 'D': t->flags |= MOD_DRY_RUN | MOD_IGNORE_LOADED; t->show = 1; break;
		case 'n': t->flags |= MOD_DRY_RUN; break;
		case 'a': t->all = 1; break;
		case 'b': t->flags |= MOD_BLACKLIST; break;
		case 'R': t->resolve = 1; break;
		case 'c': t->coldplug = 1; break;
		case 'F': t->flags |= MOD_FIRST_TIME; break;
		case 'q': t->quiet = 1; break;
		case 'v': t->show = 1; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind >= argc && !t->coldplug) {
		err("missing module name (see --help)");
		return -EINVAL;
	}
	return 0;
}

/* modprobe's module directory: ROOT/lib/modules/KVER, relative to the current directory. */
static int module_dir(const struct tool *t, char *dir, size_t len)
{
	char cwd[PATH_MAX] = "";
	struct utsname u;
	const char *kver = t->kver;

	if (!kver) {
		if (uname(&u) < 0)
			return -errno;
		kver = u.release;
	}
	if (t->root && t->root[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	if (snprintf(dir, len, "%s%s%s/lib/modules/%s", cwd, cwd[0] ? "/" : "", t->root ? t->root : "",
		     kver) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int modload_main(int argc, char **argv)
{
	static struct mod_ctx c;
	struct tool t = { 0 };
	char dir[PATH_MAX * 2];
	int r, i;

	if ((r = parse(&t, argc, argv)) != 0)
		return r > 0 ? 0 : 1;
	if ((r = module_dir(&t, dir, sizeof(dir))) < 0 ||
	    (r = mod_ctx_open_conf(&c, "", dir, (const char *const *)t.conf)) < 0) {
		err("%s: %s", dir, strerror(-r));
		return 1;
	}
	read_kernel_cmdline(&c);
	c.show = t.show ? show : NULL;
	c.notice = notice;
	c.arg = &c;
	if (t.coldplug) {
		int nalias = 0;

		r = mod_coldplug(&c, t.flags, POLICY_COLDPLUG_PASSES, &nalias);
		if (r >= 0)
			info("coldplug: %d modaliases, %d modules loaded, %d failed, %d passes", nalias,
			     c.nloaded, c.nfailed, r);
	} else if (t.all) {
		for (i = optind, r = 0; i < argc; i++)
			if (one(&t, &c, argv[i], NULL) < 0)
				r = -1;
	} else {
		char *extra = argc - optind > 1 ? join_params(argv + optind + 1, argc - optind - 1) : NULL;

		r = one(&t, &c, argv[optind], extra);
		free(extra);
	}
	fflush(stdout);
	mod_ctx_close(&c);
	free(t.conf);
	free(kblacklist.p);
	return r < 0 || c.nfailed ? 1 : 0;
}
