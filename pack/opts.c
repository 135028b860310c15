#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "pack/opts.h"

#define MINBOOT_VERSION "0.1"

typedef int (*opt_fn)(struct pack_opts *o, const char *arg);

struct opt {
	const char *name;   /* long name; a leading "-x|" gives a short one */
	const char *arg;    /* NULL: no argument */
	opt_fn fn;
	const char *help;
};

static int push(const char **v, int *n, const char *arg, const char *what)
{
	if (*n >= OPTS_MAX) {
		err("too many %s options (at most %d)", what, OPTS_MAX);
		return -EINVAL;
	}
	v[(*n)++] = arg;
	return 0;
}

static int o_output(struct pack_opts *o, const char *a) { o->output = a; return 0; }
static int o_payload(struct pack_opts *o, const char *a) { o->payload = a; return 0; }
static int o_init(struct pack_opts *o, const char *a) { o->init = a; return 0; }
static int o_file(struct pack_opts *o, const char *a) { return push(o->file, &o->nfile, a, "--file"); }
static int o_overlay(struct pack_opts *o, const char *a) { return push(o->overlay, &o->noverlay, a, "--overlay"); }
static int o_no_overlay(struct pack_opts *o, const char *a) { (void)a; o->no_default_overlay = 1; return 0; }
static int o_print(struct pack_opts *o, const char *a) { (void)a; o->print = 1; return 0; }

/* --set goes through the init's own key table, so a value the init would refuse is refused now. */
static int o_set(struct pack_opts *o, const char *a)
{
	static struct config scratch;
	char key[256], why[256];
	const char *eq = strchr(a, '=');
	int r;

	if (!eq || eq == a || (size_t)(eq - a) >= sizeof(key) || strchr(a, '\n')) {
		err("--set %s: expected KEY=VALUE on one line", a);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
	config_defaults(&scratch);
	r = config_apply(&scratch, key, eq + 1, why, sizeof(why));
	if (r < 0) {
		err("--set %s: %s", a, why);
		return r;
	}
	if (!strcmp(key, "minboot.payload"))
		return o_payload(o, eq + 1);
	return push(o->set, &o->nset, a, "--set");
}

static int o_compress(struct pack_opts *o, const char *a)
{
	if (!strcmp(a, "none"))
		o->compress = 0;
	else if (!strcmp(a, "gzip"))
		o->compress = 1;
	else {
		err("--compress %s: expected none or gzip", a);
		return -EINVAL;
	}
	return 0;
}

static int o_level(struct pack_opts *o, const char *a)
{
	char *end;
	long l = strtol(a, &end, 10);

	if (*end || l < 1 || l > 9) {
		err("--level %s: expected 1 to 9", a);
		return -EINVAL;
	}
	o->level = (int)l;
	return 0;
}

static int o_help(struct pack_opts *o, const char *a);
static int o_version(struct pack_opts *o, const char *a)
{
	(void)o, (void)a;
	puts("minboot-pack " MINBOOT_VERSION);
	return 1;
}

static const struct opt opts[] = {
	{ "-o|output", "OUT", o_output, "write the image to OUT (replaced atomically)" },
	{ "payload", "'CMD ARGS'", o_payload, "the program the init starts; taken from the host (with its libraries) unless a --file provides it" },
	{ "file", "SRC[:DST]", o_file, "copy SRC to DST in the image (a directory recursively); ELF files bring their libraries" },
	{ "overlay", "DIR", o_overlay, "lay DIR's tree over the image root (repeatable)" },
	{ "set", "KEY=VALUE", o_set, "an init setting for /etc/minboot.conf (the kernel command line's keys)" },
	{ "compress", "none|gzip", o_compress, "compression of the initramfs (default gzip)" },
	{ "level", "N", o_level, "gzip level 1-9 (default 6)" },
	{ "init", "PATH", o_init, "the init binary (default: minboot-init beside the packer, or the installed one)" },
	{ "no-default-overlay", NULL, o_no_overlay, "leave out the default /etc files (passwd, group, hosts, ...)" },
	{ "print", NULL, o_print, "list what would go into the image and why; write nothing" },
	{ "-h|help", NULL, o_help, "this text" },
	{ "version", NULL, o_version, "the version" },
	{ NULL, NULL, NULL, NULL },
};

static int o_help(struct pack_opts *o, const char *a)
{
	const struct opt *p;
	char left[64];

	(void)o, (void)a;
	puts("usage: minboot-pack -o OUT [--payload 'CMD ARGS'] [--file SRC[:DST]]... [options]\n");
	for (p = opts; p->name; p++) {
		const char *l = p->name[0] == '-' ? p->name + 3 : p->name;
		snprintf(left, sizeof(left), "%s%s%s--%s%s%s", p->name[0] == '-' ? "-" : "",
			 p->name[0] == '-' ? (char[]){ p->name[1], 0 } : "", p->name[0] == '-' ? ", " : "    ",
			 l, p->arg ? " " : "", p->arg ? p->arg : "");
		printf("  %-30s %s\n", left, p->help);
	}
	puts("\nSOURCE_DATE_EPOCH sets every mtime in the image (default 0).");
	return 1;
}

static const struct opt *opt_find(const char *arg, const char **inline_val)
{
	const struct opt *p;
	size_t l;

	*inline_val = NULL;
	for (p = opts; p->name; p++) {
		const char *lname = p->name[0] == '-' ? p->name + 3 : p->name;
		if (arg[0] == '-' && arg[1] != '-' && p->name[0] == '-' && arg[1] == p->name[1]) {
			if (arg[2])
				*inline_val = arg + 2;
			return p;
		}
		if (arg[0] != '-' || arg[1] != '-')
			continue;
		l = strlen(lname);
		if (!strncmp(arg + 2, lname, l) && (arg[2 + l] == '\0' || arg[2 + l] == '=')) {
			if (arg[2 + l] == '=')
				*inline_val = arg + 3 + l;
			return p;
		}
	}
	return NULL;
}

int opts_parse(int argc, char **argv, struct pack_opts *o)
{
	const struct opt *p;
	const char *val;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->compress = 1;
	o->level = 6;
	for (i = 1; i < argc; i++) {
		p = opt_find(argv[i], &val);
		if (!p) {
			err("unknown option %s (see --help)", argv[i]);
			return -EINVAL;
		}
		if (p->arg && !val) {
			if (i + 1 >= argc) {
				err("%s needs an argument: %s", argv[i], p->arg);
				return -EINVAL;
			}
			val = argv[++i];
		} else if (!p->arg && val) {
			err("%s takes no argument", argv[i]);
			return -EINVAL;
		}
		r = p->fn(o, val);
		if (r)
			return r;
	}
	if (!o->output && !o->print) {
		err("no output: give -o OUT (see --help)");
		return -EINVAL;
	}
	return 0;
}
