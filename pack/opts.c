#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "pack/opts.h"
#include "pack/pack.h"

#define MINBOOT_VERSION "0.1"

typedef int (*opt_fn)(struct pack_opts *o, const char *arg);

struct opt {
	const char *name;   /* long name; a leading "-x|" gives a short one */
	const char *arg;    /* NULL: no argument */
	opt_fn fn;
	const char *help;
	int path;           /* in a --config file: 1 the value is a path, 2 a SRC[:DST] */
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
/* /etc/minboot.conf holds one setting per line: a newline would end the payload there and make
 * the rest of the string settings of their own. */
static int o_payload(struct pack_opts *o, const char *a)
{
	if (strchr(a, '\n')) {
		err("--payload: a newline in the command (/etc/minboot.conf takes one line per setting)");
		return -EINVAL;
	}
	o->payload = a;
	return 0;
}
static int o_init(struct pack_opts *o, const char *a) { o->init = a; return 0; }
static int o_file(struct pack_opts *o, const char *a) { return push(o->file, &o->nfile, a, "--file"); }
static int o_overlay(struct pack_opts *o, const char *a) { return push(o->overlay, &o->noverlay, a, "--overlay"); }
static int o_no_overlay(struct pack_opts *o, const char *a) { (void)a; o->no_default_overlay = 1; return 0; }
static int o_print(struct pack_opts *o, const char *a) { (void)a; o->print = 1; return 0; }
static int o_module(struct pack_opts *o, const char *a) { return push(o->module, &o->nmodule, a, "--module"); }
static int o_module_load(struct pack_opts *o, const char *a) { return push(o->module_load, &o->nmodule_load, a, "--module-load"); }
static int o_kernel_modules(struct pack_opts *o, const char *a) { o->kernel_modules = a; return 0; }
static int o_kver(struct pack_opts *o, const char *a) { o->kver = a; return 0; }

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
		o->compress = COMPRESS_GZIP;
	else if (!strcmp(a, "zstd"))
		o->compress = COMPRESS_ZSTD;
	else {
		err("--compress %s: expected none, gzip or zstd", a);
		return -EINVAL;
	}
	return 0;
}

/* A whole number in [lo, hi] for option name. */
static int int_arg(const char *name, const char *a, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(a, &end, 10);

	if (!*a || *end || v < lo || v > hi) {
		err("%s %s: expected %ld to %ld", name, a, lo, hi);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int o_level(struct pack_opts *o, const char *a)
{
	o->level_set = 1;
	return int_arg("--level", a, 1, 19, &o->level);
}

static int o_hostfiles(struct pack_opts *o, const char *a) { return push(o->hostfiles, &o->nhostfiles, a, "--hostfiles"); }
static int o_exclude(struct pack_opts *o, const char *a) { return push(o->exclude, &o->nexclude, a, "--exclude"); }
static int o_package(struct pack_opts *o, const char *a) { return push(o->package, &o->npackage, a, "--package"); }
static int o_package_docs(struct pack_opts *o, const char *a) { (void)a; o->package_docs = 1; return 0; }
static int o_lock(struct pack_opts *o, const char *a) { o->lock = a; return 0; }
static int o_if_newer(struct pack_opts *o, const char *a) { (void)a; o->if_newer = 1; return 0; }
static int o_kernel(struct pack_opts *o, const char *a) { o->kernel = a; return 0; }
static int o_cache(struct pack_opts *o, const char *a) { o->cache = a; return 0; }
static int o_verbose(struct pack_opts *o, const char *a) { (void)a; o->verbose = 1; return 0; }
static int o_no_power_button(struct pack_opts *o, const char *a) { (void)a; o->no_power_button = 1; return 0; }
static int o_no_rng(struct pack_opts *o, const char *a) { (void)a; o->no_rng = 1; return 0; }

static int o_excludefiles(struct pack_opts *o, const char *a)
{
	return excludefiles_read(a, o->exclude, &o->nexclude, OPTS_MAX) < 0 ? -EINVAL : 0;
}

static int o_format(struct pack_opts *o, const char *a)
{
	static const char *const formats[] = { "initramfs", "chroot", "ext2", "iso" };
	unsigned i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(a, formats[i])) {
			o->format = formats[i];
			return 0;
		}
	err("--format %s: expected initramfs, chroot, ext2 or iso", a);
	return -EINVAL;
}

static int o_jobs(struct pack_opts *o, const char *a)
{
	return int_arg("-j", a, 1, 64, &o->jobs);
}

static int o_config(struct pack_opts *o, const char *a);
static int o_help(struct pack_opts *o, const char *a);
static int o_version(struct pack_opts *o, const char *a)
{
	(void)o, (void)a;
	puts("minboot-pack " MINBOOT_VERSION);
	return 1;
}

static const struct opt opts[] = {
	{ "-o|output", "OUT", o_output, "write the image to OUT (replaced atomically)", 1 },
	{ "payload", "'CMD ARGS'", o_payload, "the program the init starts; taken from the host (with its libraries) unless a --file provides it", 0 },
	{ "file", "SRC[:DST]", o_file, "copy SRC to DST in the image (a directory recursively); ELF files bring their libraries", 2 },
	{ "overlay", "DIR", o_overlay, "lay DIR's tree over the image root (repeatable)", 1 },
	{ "hostfiles", "FILE", o_hostfiles, "copy the host paths FILE's globs match, one per line (supermin's hostfiles)", 1 },
	{ "exclude", "GLOB", o_exclude, "leave out image paths GLOB matches ('*' crosses '/')", 0 },
	{ "excludefiles", "FILE", o_excludefiles, "--exclude for each line of FILE (supermin's \"-/usr/share/doc/*\" lines)", 1 },
	{ "package", "NAME", o_package, "a Debian package's files from dpkg's database, with its Depends: (docs, manuals and locales left out)", 0 },
	{ "package-docs", NULL, o_package_docs, "keep the documentation, manuals and locales of --package", 0 },
	{ "format", "FORMAT", o_format, "initramfs (default), chroot (a directory), ext2 (root disk + small initramfs) or iso", 0 },
	{ "kernel", "FILE", o_kernel, "the kernel for --format iso", 1 },
	{ "config", "FILE", o_config, "read options from FILE: one per line, \"option value\" (paths relative to FILE)", 1 },
	{ "lock", "FILE", o_lock, "hold an exclusive lock on FILE while packing", 1 },
	{ "if-newer", NULL, o_if_newer, "do nothing when the output was made from the same inputs (content hashes)", 0 },
	{ "cache", "DIR", o_cache, "keep compressed segments here and reuse them (default $XDG_CACHE_HOME/minboot)", 1 },
	{ "-j|jobs", "N", o_jobs, "compression threads (default: the number of CPUs)", 0 },
	{ "-v|verbose", NULL, o_verbose, "say what each stage did", 0 },
	{ "module", "NAME", o_module, "a kernel module (or alias) with its dependencies and softdeps; coldplug loads it when its device is there", 0 },
	{ "module-load", "NAME", o_module_load, "the same, and loaded at every boot (modules-load= in /etc/minboot.conf)", 0 },
	{ "no-power-button", NULL, o_no_power_button, "with --module: leave out button and evdev (the ACPI power button), added by default", 0 },
	{ "no-rng", NULL, o_no_rng, "with virtio modules: leave out virtio_rng (the host's entropy), added by default", 0 },
	{ "kernel-modules", "DIR", o_kernel_modules, "the module tree, depmod'ed or not (default /lib/modules/KVER)", 1 },
	{ "kver", "KVER", o_kver, "the kernel version the image boots (default: DIR's name, or uname -r)", 0 },
	{ "set", "KEY=VALUE", o_set, "an init setting for /etc/minboot.conf (the kernel command line's keys)" , 0 },
	{ "compress", "none|gzip|zstd", o_compress, "compression of the initramfs (default gzip; zstd with the zstd tool)" , 0 },
	{ "level", "N", o_level, "gzip level 1-9 (default 5), zstd level 1-19 (default 3)" , 0 },
	{ "init", "PATH", o_init, "the init binary (default: minboot-init beside the packer, or the installed one)" , 1 },
	{ "no-default-overlay", NULL, o_no_overlay, "leave out the default /etc files (passwd, group, hosts, ...)" , 0 },
	{ "print", NULL, o_print, "list what would go into the image and why; write nothing" , 0 },
	{ "-h|help", NULL, o_help, "this text" , 0 },
	{ "version", NULL, o_version, "the version" , 0 },
	{ NULL, NULL, NULL, NULL, 0 },
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

static int opt_apply(struct pack_opts *o, const struct opt *p, const char *shown, const char *val)
{
	if (p->arg && !val) {
		err("%s needs an argument: %s", shown, p->arg);
		return -EINVAL;
	}
	if (!p->arg && val) {
		err("%s takes no argument", shown);
		return -EINVAL;
	}
	return p->fn(o, val);
}

/* A relative path in a config file is relative to the file, not to where the packer runs. */
static char *config_path(const char *dir, const char *val, int kind)
{
	char *out;

	if (kind == 0 || val[0] == '/')
		return xstrdup(val);
	if (kind == 2 && !strstr(val, ":/")) /* a relative SRC needs its DST; keep it to be refused */
		return xstrdup(val);
	if (asprintf(&out, "%s/%s", dir, val) < 0)
		abort();
	return out;
}

static int o_config(struct pack_opts *o, const char *file)
{
	static int depth;
	char line[4096], dir[4096], *name, *val, *end, shown[300];
	const struct opt *p;
	const char *iv;
	int lineno = 0, r = 0;
	FILE *f;

	if (depth > 8) {
		err("--config %s: nested too deeply", file);
		return -EINVAL;
	}
	if (!(f = fopen(file, "re"))) {
		err("--config %s: %s", file, strerror(errno));
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s", file);
	end = strrchr(dir, '/');
	if (end)
		*end = '\0';
	else
		strcpy(dir, ".");
	depth++;
	while (!r && fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		name = line + strspn(line, " \t");
		if (!*name || *name == '#')
			continue;
		val = name + strcspn(name, " \t");
		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		for (end = val + strlen(val); end > val && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		snprintf(shown, sizeof(shown), "--%s", name[0] == '-' ? name + strspn(name, "-") : name);
		p = opt_find(shown, &iv);
		if (!p || iv) {
			err("%s:%d: unknown option %s", file, lineno, name);
			r = -EINVAL;
			break;
		}
		r = opt_apply(o, p, shown, *val ? config_path(dir, val, p->path) : NULL);
		if (r > 0)
			r = 0;
	}
	depth--;
	fclose(f);
	return r;
}

int opts_parse(int argc, char **argv, struct pack_opts *o)
{
	const struct opt *p;
	const char *val;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->compress = COMPRESS_GZIP;
	o->level = 5; /* measured on node: 1.3% larger than 6 for two thirds of the CPU time */
	o->format = "initramfs";
	o->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	for (i = 1; i < argc; i++) {
		p = opt_find(argv[i], &val);
		if (!p) {
			err("unknown option %s (see --help)", argv[i]);
			return -EINVAL;
		}
		const char *shown = argv[i];
		if (p->arg && !val && i + 1 < argc)
			val = argv[++i];
		r = opt_apply(o, p, shown, val);
		if (r)
			return r;
	}
	if (!o->output && !o->print) {
		err("no output: give -o OUT (see --help)");
		return -EINVAL;
	}
	if (o->compress == COMPRESS_ZSTD && !o->level_set)
		o->level = 3; /* zstd's own default */
	if (o->compress == COMPRESS_GZIP && o->level > 9) {
		err("--level %d: gzip takes 1 to 9", o->level);
		return -EINVAL;
	}
	return 0;
}
