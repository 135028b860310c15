#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "common/log.h"
#include "pack/emit.h"
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

int opts_push(const char ***v, int *n, const char *arg)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = arg;
	*v = nv;
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
static int o_file(struct pack_opts *o, const char *a) { return opts_push(&o->file, &o->nfile, a); }
static int o_overlay(struct pack_opts *o, const char *a) { return opts_push(&o->overlay, &o->noverlay, a); }
static int o_no_overlay(struct pack_opts *o, const char *a) { (void)a; o->no_default_overlay = 1; return 0; }
static int o_print(struct pack_opts *o, const char *a) { (void)a; o->print = 1; return 0; }
static int o_module(struct pack_opts *o, const char *a) { return opts_push(&o->module, &o->nmodule, a); }
static int o_module_load(struct pack_opts *o, const char *a) { return opts_push(&o->module_load, &o->nmodule_load, a); }
/* "DIR/" is DIR: the trailing slash must not become part of the version taken from the name. */
static int o_kernel_modules(struct pack_opts *o, const char *a)
{
	char *d = xstrdup(a), *e = d + strlen(d);

	while (e > d + 1 && e[-1] == '/')
		*--e = '\0';
	o->kernel_modules = d;
	return 0;
}

/* The version names a directory in the image (/lib/modules/KVER): one path component. */
static int o_kver(struct pack_opts *o, const char *a)
{
	if (!*a || strchr(a, '/') || !strcmp(a, ".") || !strcmp(a, "..") || strpbrk(a, " \t\n")) {
		err("--kver '%s': expected a kernel version (one path component, e.g. 6.1.0-57-amd64)", a);
		return -EINVAL;
	}
	o->kver = a;
	return 0;
}
static int o_modprobe_conf(struct pack_opts *o, const char *a) { return opts_push(&o->modprobe_conf, &o->nmodprobe_conf, a); }

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
	if (strcspn(a, " \t\r\"#") < (size_t)(eq - a)) {
		err("--set %s: the key has a space, a quote or a '#'", a);
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
	return opts_push(&o->set, &o->nset, a);
}

static int o_compress(struct pack_opts *o, const char *a)
{
	if (!strcmp(a, "none"))
		o->compress = 0;
	else if (!strcmp(a, "gzip"))
		o->compress = COMPRESS_GZIP;
	else if (!strcmp(a, "zstd"))
		o->compress = COMPRESS_ZSTD;
	else if (!strcmp(a, "lz4"))
		o->compress = COMPRESS_LZ4;
	else {
		err("--compress %s: expected none, gzip, zstd or lz4", a);
		return -EINVAL;
	}
	return 0;
}

/* The read-only root's own compression: erofs's lz4hc or squashfs's zstd, or none (the disk
 * twice as large, nothing to decompress: under TCG node's start from it is 0.3-0.5 s shorter). */
static int o_root_compress(struct pack_opts *o, const char *a)
{
	if (strcmp(a, "none") && strcmp(a, "auto")) {
		err("--root-compress %s: expected auto (erofs: lz4hc, squashfs: zstd) or none", a);
		return -EINVAL;
	}
	o->root_plain = !strcmp(a, "none");
	o->root_compress_set = 1;
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

static int o_hostfiles(struct pack_opts *o, const char *a) { return opts_push(&o->hostfiles, &o->nhostfiles, a); }
static int o_exclude(struct pack_opts *o, const char *a) { return opts_push(&o->exclude, &o->nexclude, a); }
static int o_package(struct pack_opts *o, const char *a) { return opts_push(&o->package, &o->npackage, a); }
static int o_package_docs(struct pack_opts *o, const char *a) { (void)a; o->package_docs = 1; return 0; }
static int o_lock(struct pack_opts *o, const char *a) { o->lock = a; return 0; }
static int o_if_newer(struct pack_opts *o, const char *a) { (void)a; o->if_newer = 1; return 0; }
static int o_kernel(struct pack_opts *o, const char *a) { o->kernel = a; return 0; }

/* The UKI's command line goes through the init's key table, as --set does: a minboot key the
 * init would refuse is refused now.  2047 bytes: x86's COMMAND_LINE_SIZE less its NUL. */
static int o_cmdline(struct pack_opts *o, const char *a)
{
	static struct config scratch;
	static struct cmdline cl;
	char why[256], *copy;
	int r;

	if (strlen(a) > 2047 || strchr(a, '\n')) {
		err("--cmdline: %s", strlen(a) > 2047 ? "longer than the kernel takes (2047 bytes)" : "a newline in it");
		return -EINVAL;
	}
	copy = xstrdup(a);
	config_defaults(&scratch);
	r = cmdline_parse(copy, &cl);
	if (r == 0)
		r = config_apply_cmdline(&scratch, &cl, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "more words than the init reads");
	free(copy);
	if (r < 0) {
		err("--cmdline '%s': %s", a, why);
		return -EINVAL;
	}
	o->cmdline = a;
	return 0;
}

static int o_root_partition(struct pack_opts *o, const char *a)
{
	static const char *const names[] = { "auto", "yes", "no" };
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(a, names[i])) {
			o->root_partition = i;
			return 0;
		}
	err("--root-partition %s: expected auto, yes or no", a);
	return -EINVAL;
}

static int o_disk_size(struct pack_opts *o, const char *a)
{
	if (size_parse(a, &o->disk_size) < 0 || !o->disk_size) {
		err("--disk-size %s: expected a size in bytes, with K, M, G or T (1G, 500M)", a);
		return -EINVAL;
	}
	return 0;
}
static int o_oci(struct pack_opts *o, const char *a) { o->oci = a; return 0; }
static int o_unit(struct pack_opts *o, const char *a)
{
	if (o->unit) {
		err("--unit %s: a second --unit (%s already): an appliance runs one service for now "
		    "(the init supervises one payload)", a, o->unit);
		return -EINVAL;
	}
	o->unit = a;
	return 0;
}
static int o_cache(struct pack_opts *o, const char *a) { o->cache = a; return 0; }
static int o_verbose(struct pack_opts *o, const char *a) { (void)a; o->verbose = 1; return 0; }
static int o_no_power_button(struct pack_opts *o, const char *a) { (void)a; o->no_power_button = 1; return 0; }
static int o_no_rng(struct pack_opts *o, const char *a) { (void)a; o->no_rng = 1; return 0; }

static int o_trace(struct pack_opts *o, const char *a) { (void)a; o->trace = 1; return 0; }
static int o_trace_probe(struct pack_opts *o, const char *a) { o->trace_probe = a; return 0; }
static int o_trace_save(struct pack_opts *o, const char *a) { o->trace_save = a; return 0; }
static int o_trace_timeout(struct pack_opts *o, const char *a)
{
	if (config_parse_seconds(a, &o->trace_timeout_ms) < 0 || !o->trace_timeout_ms) {
		err("--trace-timeout %s: expected seconds, more than 0 and at most 86400", a);
		return -EINVAL;
	}
	return 0;
}
/* The names pack/closure.c and pack/runtime.c check with cl_auto(). */
static int o_no_auto(struct pack_opts *o, const char *a)
{
	static const char *const names[] = { "all", "libraries", "interpreters", "dlopen", "pyc", "packages", "commands",
					     "nss", "libgcc_s", "gconv", "locale", "ca-certificates", "openssl-cnf",
					     "terminfo", "python", "perl" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(a, names[i]))
			return opts_push(&o->no_auto, &o->nno_auto, a);
	err("--no-auto %s: expected all, libraries, interpreters, dlopen, pyc, packages, commands, nss, libgcc_s, gconv, locale, "
	    "ca-certificates, openssl-cnf, terminfo, python or perl", a);
	return -EINVAL;
}
static int o_user(struct pack_opts *o, const char *a)
{
	if (!*a || strpbrk(a, ": \t\n")) {
		err("--user '%s': expected an account name (or number)", a);
		return -EINVAL;
	}
	return opts_push(&o->user, &o->nuser, a);
}

/* MODE:GLOB, MODE in octal (0600, 4755) */
static int o_chmod(struct pack_opts *o, const char *a)
{
	const char *c = strchr(a, ':');
	size_t l = c ? (size_t)(c - a) : 0;

	if (!c || !l || l > 5 || strspn(a, "01234567") != l || c[1] != '/') {
		err("--chmod %s: expected MODE:GLOB, MODE in octal (0600, 4755) and GLOB an image path", a);
		return -EINVAL;
	}
	return opts_push(&o->chmod, &o->nchmod, a);
}

/* USER:GROUP:GLOB, either may be empty (unchanged) */
static int o_chown(struct pack_opts *o, const char *a)
{
	const char *c1 = strchr(a, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (!c2 || c2[1] != '/' || (c1 == a && c2 == c1 + 1)) {
		err("--chown %s: expected USER:GROUP:GLOB (names or numbers; one may be empty) and GLOB an image path", a);
		return -EINVAL;
	}
	return opts_push(&o->chown, &o->nchown, a);
}

static int o_dlopen_suggested(struct pack_opts *o, const char *a) { (void)a; o->dlopen_suggested = 1; return 0; }

static int o_excludefiles(struct pack_opts *o, const char *a)
{
	return excludefiles_read(a, &o->exclude, &o->nexclude) < 0 ? -EINVAL : 0;
}

static int o_format(struct pack_opts *o, const char *a)
{
	const struct emitter *em = emitter_find(a);

	if (!em) {
		err("--format %s: expected %s", a, emitter_names());
		return -EINVAL;
	}
	o->format = em->format;
	return 0;
}

static int o_cache_max(struct pack_opts *o, const char *a)
{
	if (size_parse(a, &o->cache_max) < 0) {
		err("--cache-max %s: expected a size in bytes, with K, M, G or T (2G, 500M); 0 for no limit", a);
		return -EINVAL;
	}
	o->cache_max_set = 1;
	return 0;
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
	{ "oci", "PATH", o_oci, "an OCI image (layout directory or its tar) or a docker save archive as the root; its Entrypoint/Cmd, Env, WorkingDir and User as the payload's", 1 },
	{ "unit", "NAME|FILE", o_unit, "a systemd service (from the host's unit directories, with its drop-ins and .socket) as the payload and its settings; what cannot be honoured is listed", 0 },
	{ "file", "SRC[:DST]", o_file, "copy SRC to DST in the image (a directory recursively); ELF files bring their libraries", 2 },
	{ "no-auto", "RULE", o_no_auto, "turn off a part of the run-time closure (all, libraries, interpreters, dlopen, pyc, nss, ...)", 0 },
	{ "dlopen-suggested", NULL, o_dlopen_suggested, "also follow the \"suggested\" entries of .note.dlopen notes", 0 },
	{ "user", "NAME", o_user, "an account of the host's the image must have too (owners and minboot.user are found alone)", 0 },
	{ "chmod", "MODE:GLOB", o_chmod, "set the mode (octal) of the image paths GLOB matches, after everything else", 0 },
	{ "chown", "USER:GROUP:GLOB", o_chown, "set the owner of the image paths GLOB matches (names of the image or the host, or numbers)", 0 },
	{ "overlay", "DIR", o_overlay, "lay DIR's tree over the image root (repeatable)", 1 },
	{ "hostfiles", "FILE", o_hostfiles, "copy the host paths FILE's globs match, one per line (supermin's hostfiles)", 1 },
	{ "exclude", "GLOB", o_exclude, "leave out image paths GLOB matches ('*' crosses '/')", 0 },
	{ "excludefiles", "FILE", o_excludefiles, "--exclude for each line of FILE (supermin's \"-/usr/share/doc/*\" lines)", 1 },
	{ "package", "NAME", o_package, "a Debian package's files from dpkg's database, with its Depends: (docs, manuals and locales left out)", 0 },
	{ "package-docs", NULL, o_package_docs, "keep the documentation, manuals and locales of --package", 0 },
	{ "format", "FORMAT", o_format, "initramfs (default), chroot (a directory), ext2 (root disk + small initramfs), erofs or squashfs (a compressed read-only root disk + small initramfs, under a tmpfs overlay), iso, uki (a UEFI executable) or disk (a GPT disk image booting that UKI)", 0 },
	{ "kernel", "FILE", o_kernel, "the kernel (a bzImage) for --format iso, uki and disk", 1 },
	{ "cmdline", "'ARGS'", o_cmdline, "the kernel command line of --format uki and disk (default: console=tty0 console=ttyS0)", 0 },
	{ "root-compress", "auto|none", o_root_compress, "--format erofs or squashfs: the root filesystem compressed (auto: erofs lz4hc, squashfs zstd) or not (none: a larger disk with nothing to decompress, the faster boot on a slow CPU)", 0 },
	{ "root-partition", "auto|yes|no", o_root_partition, "--format disk: the root filesystem in a partition of its own, the UKI holding only a small initramfs (auto: for payloads over 128 MiB)", 0 },
	{ "disk-size", "SIZE", o_disk_size, "--format disk: the disk's size (default: what its partitions need), free space after them", 0 },
	{ "config", "FILE", o_config, "read options from FILE: one per line, \"option value\" (paths relative to FILE)", 1 },
	{ "lock", "FILE", o_lock, "hold an exclusive lock on FILE while packing", 1 },
	{ "if-newer", NULL, o_if_newer, "do nothing when the outputs were made from the same inputs, options, init and packer (SHA-256)", 0 },
	{ "cache", "DIR", o_cache, "keep compressed segments here and reuse them (default $XDG_CACHE_HOME/minboot)", 1 },
	{ "cache-max", "SIZE", o_cache_max, "least recently used segments removed past SIZE (default 2G; 0: no limit)", 0 },
	{ "-j|jobs", "N", o_jobs, "compression threads (default: the number of CPUs)", 0 },
	{ "-v|verbose", NULL, o_verbose, "say what each stage did", 0 },
	{ "module", "NAME", o_module, "a kernel module (or alias) with its dependencies and softdeps; coldplug loads it when its device is there", 0 },
	{ "module-load", "NAME", o_module_load, "the same, and loaded at every boot (modules-load= in /etc/minboot.conf)", 0 },
	{ "no-power-button", NULL, o_no_power_button, "with --module: leave out button and evdev (the ACPI power button), added by default", 0 },
	{ "no-rng", NULL, o_no_rng, "with virtio modules: leave out virtio_rng (the host's entropy), added by default", 0 },
	{ "kernel-modules", "DIR", o_kernel_modules, "the module tree, depmod'ed or not (default /lib/modules/KVER)", 1 },
	{ "kver", "KVER", o_kver, "the kernel version the image boots (default: DIR's name, or uname -r)", 0 },
	{ "trace", NULL, o_trace, "run the payload once on this host in a sandbox (as root) and add every file it opened, ran or looked up, with their libraries", 0 },
	{ "trace-probe", "CMD", o_trace_probe, "with --trace: run CMD (sh -c) in the sandbox until it succeeds, e.g. a curl of the payload's port; then stop the payload", 0 },
	{ "trace-timeout", "SECONDS", o_trace_timeout, "with --trace: stop the payload after this long (default 10)", 0 },
	{ "trace-save", "FILE", o_trace_save, "with --trace: write the paths it added as a --hostfiles list, which packs the same image without tracing", 1 },
	{ "modprobe-conf", "FILE", o_modprobe_conf, "with --module: a modprobe.d file (or directory) for /etc/modprobe.d, besides the host's and the tree's", 1 },
	{ "set", "KEY=VALUE", o_set, "an init setting for /etc/minboot.conf (the kernel command line's keys)" , 0 },
	{ "compress", "none|gzip|zstd|lz4", o_compress, "compression of the initramfs (default gzip; zstd with the zstd tool; lz4 with the lz4 tool, in the legacy frame format the kernel unpacks)" , 0 },
	{ "level", "N", o_level, "gzip level 1-9 (default 5; 9 for a segment under 1 MiB), zstd level 1-19 (default 3), lz4 level 1-12 (default 9)" , 0 },
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

/* In a config file '#' starts a comment at the start of a line or after white space, as in a
 * shell; "\#" is a literal '#' there.  A '#' inside a word ("a#b") is part of it. */
static void comment_strip(char *val)
{
	char *r = val, *w = val;

	for (; *r; r++) {
		if (r[0] == '\\' && r[1] == '#') {
			*w++ = *++r;
			continue;
		}
		if (*r == '#' && (r == val || r[-1] == ' ' || r[-1] == '\t'))
			break;
		*w++ = *r;
	}
	*w = '\0';
}

static int o_config(struct pack_opts *o, const char *file)
{
	static int depth;
	char *line = NULL, *dir, *name, *val, *end, shown[300];
	const struct opt *p;
	const char *iv;
	size_t cap = 0;
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
	dir = xstrdup(strchr(file, '/') ? file : "./");
	*strrchr(dir, '/') = '\0';
	depth++;
	while (!r && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		name = line + strspn(line, " \t");
		if (!*name || *name == '#')
			continue;
		val = name + strcspn(name, " \t");
		if (*val)
			*val++ = '\0';
		val += strspn(val, " \t");
		comment_strip(val);
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
	free(line);
	free(dir);
	return r;
}

static int format_only(const struct pack_opts *o, int given, const char *opt, const char *f1, const char *f2)
{
	if (!given || !strcmp(o->format, f1) || (f2 && !strcmp(o->format, f2)))
		return 0;
	err("%s is for --format %s%s%s, not %s", opt, f1, f2 ? " and " : "", f2 ? f2 : "", o->format);
	return -EINVAL;
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
	if (!o->trace && (o->trace_probe || o->trace_save || o->trace_timeout_ms)) {
		err("%s needs --trace", o->trace_probe ? "--trace-probe" : o->trace_save ? "--trace-save" :
		    "--trace-timeout");
		return -EINVAL;
	}
	if (o->trace && !o->payload) {
		err("--trace needs a payload to run (--payload 'CMD ARGS')");
		return -EINVAL;
	}
	if (o->trace && o->oci) {
		err("--trace runs the payload against this host's root, and an --oci image has a root of its own");
		return -EINVAL;
	}
	if (o->trace && geteuid() != 0) {
		err("--trace runs the payload in namespaces of its own (mount, PID, network), which needs "
		    "root: run the packer as root, or pack with --hostfiles FILE from a traced pack's --trace-save FILE");
		return -EPERM;
	}
	if (!o->trace_timeout_ms)
		o->trace_timeout_ms = 10000;
	/* an option of a format not asked for would be dropped without a word */
	if (format_only(o, o->cmdline != NULL, "--cmdline", "uki", "disk") < 0 ||
	    format_only(o, o->root_partition != ROOTPART_AUTO, "--root-partition", "disk", NULL) < 0 ||
	    format_only(o, o->disk_size != 0, "--disk-size", "disk", NULL) < 0 ||
	    format_only(o, o->root_compress_set, "--root-compress", "erofs", "squashfs") < 0)
		return -EINVAL;
	if (o->compress == COMPRESS_ZSTD && !o->level_set)
		o->level = 3; /* zstd's own default */
	if (o->compress == COMPRESS_LZ4 && !o->level_set)
		o->level = 9; /* lz4 -9: lz4hc's default, a third smaller than -1 and as fast to unpack */
	if (o->compress == COMPRESS_LZ4 && o->level > 12) {
		err("--level %d: lz4 takes 1 to 12", o->level);
		return -EINVAL;
	}
	if (o->compress == COMPRESS_GZIP && o->level > 9) {
		err("--level %d: gzip takes 1 to 9", o->level);
		return -EINVAL;
	}
	return 0;
}
