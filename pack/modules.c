/* --module / --module-load: kernel modules into the image with their dependencies and softdeps,
 * and depmod's text indexes (modules.dep, .alias, .softdep; modules.builtin and
 * modules.builtin.modinfo cut to what the init reads) for exactly what the image holds, under
 * /lib/modules/KVER.
 * The module tree may be depmod'ed or raw (a distribution's package as shipped): modload's
 * library then reads every module's .modinfo.  --module makes a module available (coldplug loads
 * it when its device is there); --module-load also loads it at every boot (modules-load= in
 * /etc/minboot.conf).  xz/zstd modules are decompressed here (Debian's 6.1 kernel cannot).
 * modprobe.d goes in too, the lines that can apply to the image's modules, and the packer
 * resolves with it (conf_resolve, conf_write). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "modload/modload.h"
#include "pack/opts.h"
#include "pack/pack.h"

/* xz -dc / zstd -dc into memory: the packer links no liblzma or libzstd. */
static int decompress(const char *path, char **buf, size_t *len)
{
	const char *tool = strstr(path, ".zst") ? "zstd" : "xz";
	char *out = NULL;
	size_t n = 0, cap = 0;
	ssize_t got;
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		execlp(tool, tool, "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	do {
		if (n == cap && !(out = realloc(out, cap = cap ? cap * 2 : 1 << 20)))
			break;
		got = read(fd[0], out + n, cap - n);
		n += got > 0 ? (size_t)got : 0;
	} while (got > 0);
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (!out || !WIFEXITED(status) || WEXITSTATUS(status)) {
		err("%s: %s -dc failed%s", path, tool, WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
		    " (is it installed?)" : "");
		free(out);
		return -EIO;
	}
	*buf = out;
	*len = n;
	return 0;
}

/* Image path of a module: compressed xz/zstd files lose their suffix (decompressed here). */
static int add_module(struct plan *p, struct mod_db *db, int m, const char *kver)
{
	struct mod_entry *e = &db->mods[m];
	char src[PATH_MAX * 2], dst[PATH_MAX * 2], *buf, *dot;
	size_t len;
	int r;

	snprintf(src, sizeof(src), "%s/%s", db->dir, e->path);
	dot = strrchr(e->path, '.');
	if (!dot || (strcmp(dot, ".xz") && strcmp(dot, ".zst"))) {
		snprintf(dst, sizeof(dst), "/lib/modules/%s/%s", kver, e->path);
		return plan_add_file(p, dst, src, 0644, "--module");
	}
	if ((r = decompress(src, &buf, &len)) < 0)
		return r;
	e->path[dot - e->path] = '\0';
	snprintf(dst, sizeof(dst), "/lib/modules/%s/%s", kver, e->path);
	r = plan_add_data(p, dst, buf, len, 0644, "--module (decompressed)");
	free(buf);
	return r;
}

/* modules.builtin.modinfo with its alias records only, sorted: the init and modload read nothing
 * else from it (an alias served by a builtin driver needs no module: which one serves it does not
 * matter), and the descriptions, licences and parameter texts are 95% of the file (45 KB of
 * Debian 6.1's, against 2 KB of aliases). */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_builtin_aliases(struct plan *p, const char *dst, const char *src)
{
	char *text, *out, *rec, *dot, **recs;
	size_t len, n = 0, k = 0, i;
	int r = file_read_all(src, &text, &len, 64 << 20);

	if (r < 0)
		return r;
	out = malloc(len + 1);
	recs = calloc(len / 2 + 1, sizeof(*recs)); /* a record is 2 bytes at least */
	if (!out || !recs) {
		free(out);
		free(recs);
		free(text);
		return -ENOMEM;
	}
	for (rec = text; rec < text + len; rec += strlen(rec) + 1) {
		dot = strchr(rec, '.');
		if (dot && !strncmp(dot + 1, "alias=", 6))
			recs[k++] = rec;
	}
	qsort(recs, k, sizeof(*recs), by_name);
	for (i = 0; i < k; i++) {
		memcpy(out + n, recs[i], strlen(recs[i]) + 1);
		n += strlen(recs[i]) + 1;
	}
	r = plan_add_data(p, dst, out, n, 0644, "--module indexes");
	free(recs);
	free(out);
	free(text);
	return r;
}

/* modules.builtin with each line's module name only, sorted (kernel/fs/ext4/ext4.ko -> ext4): the
 * init and modload read the module's name from it, which is the file's name up to its first dot
 * (mod_name_from_path); Debian 6.1's list is then 515 bytes smaller compressed. */
static int add_builtin_names(struct plan *p, const char *dst, const char *src)
{
	char *text, *out, *line, *end, *b, **names;
	size_t len, n = 0, k = 0, i;
	int r = file_read_all(src, &text, &len, 64 << 20);

	if (r < 0)
		return r;
	out = malloc(len + 1);
	names = calloc(len / 2 + 1, sizeof(*names)); /* a line is 2 bytes at least */
	if (!out || !names) {
		free(out);
		free(names);
		free(text);
		return -ENOMEM;
	}
	for (line = text; line < text + len; line = end + 1) {
		if (!(end = memchr(line, '\n', text + len - line)))
			end = text + len;
		*end = '\0';
		for (b = end; b > line && b[-1] != '/'; b--)
			;
		b[strcspn(b, ".")] = '\0';
		if (*b)
			names[k++] = b;
	}
	qsort(names, k, sizeof(*names), by_name);
	for (i = 0; i < k; i++) {
		memcpy(out + n, names[i], strlen(names[i]));
		n += strlen(names[i]);
		out[n++] = '\n';
	}
	r = plan_add_data(p, dst, out, n, 0644, "--module indexes");
	free(names);
	free(out);
	free(text);
	return r;
}

static int add_indexes(struct plan *p, struct mod_db *db, const char *kver)
{
	static const char *const out[] = { "modules.dep", "modules.alias", "modules.softdep" };
	static const char *const copy[] = { "modules.builtin", "modules.builtin.modinfo" };
	char dst[PATH_MAX], src[PATH_MAX * 2], *text;
	size_t i, len;
	/* A depmod'ed tree's modules.alias is read on demand: a name lookup never needs it. */
	int r = mod_db_need(db, MOD_IDX_ALIAS);

	for (i = 0; i < 3 && r >= 0; i++) {
		if ((r = mod_index_text(db, (enum mod_index_file)i, &text, &len)) < 0)
			break;
		snprintf(dst, sizeof(dst), "/lib/modules/%s/%s", kver, out[i]);
		r = plan_add_data(p, dst, text, len, 0644, "--module indexes");
		free(text);
	}
	for (i = 0; i < 2 && r >= 0; i++) {
		snprintf(src, sizeof(src), "%s/%s", db->dir, copy[i]);
		snprintf(dst, sizeof(dst), "/lib/modules/%s/%s", kver, copy[i]);
		if (access(src, R_OK) != 0)
			continue;
		r = i == 0 ? add_builtin_names(p, dst, src) : add_builtin_aliases(p, dst, src);
	}
	return r;
}

/* modprobe.d, into the image and into the packer's own resolution: kmod's directories of the
 * host, the same directories of the module tree's root (when DIR is ROOT/lib/modules/KVER), and
 * --modprobe-conf's files (into /etc/modprobe.d).  In each directory a name comes from the first
 * of --modprobe-conf, the tree, the host; /run/modprobe.d's files go into /etc/modprobe.d after
 * /etc's own (the image's /run is a fresh tmpfs at boot; kmod reads /etc first).  The packer
 * resolves with the whole files kmod would read, in kmod's order; the image gets each of them
 * (not the ones they mask) with the lines that can apply to its modules, so the init resolves
 * those modules as the packer did. */
static int conf_arg(struct mod_conf_files *l, const char *arg)
{
	const char *base = strrchr(arg, '/');
	char name[PATH_MAX];
	size_t n;
	struct stat st;

	if (stat(arg, &st) < 0) {
		err("--modprobe-conf %s: %s", arg, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return mod_conf_files_scan(l, arg);
	base = base ? base + 1 : arg;
	n = strlen(base);
	/* kmod reads only *.conf and *.alias in a directory */
	snprintf(name, sizeof(name), "%s%s", base, (n > 5 && !strcmp(base + n - 5, ".conf")) ||
		 (n > 6 && !strcmp(base + n - 6, ".alias")) ? "" : ".conf");
	return mod_conf_files_add(l, name, arg);
}

static int conf_scan(struct mod_conf_files *l, const char *root, const char *dir)
{
	char path[PATH_MAX * 2];
	int r;

	snprintf(path, sizeof(path), "%s%s", root, dir);
	r = mod_conf_files_scan(l, path);
	return r == -ENOENT || r == -ENOTDIR || r == -EACCES ? 0 : r;
}

/* Lines kmod would ignore, and install commands the init will not run, are said now. */
static void conf_check(const char *path)
{
	struct mod_conf c = { 0 };
	char *text;
	size_t len;
	int bad, i;

	if (file_read_all(path, &text, &len, 16 << 20) < 0)
		return;
	if ((bad = mod_conf_parse(&c, text, len, 0)) > 0)
		warn("modprobe.d: %s: %d line%s kmod ignores too (not alias, blacklist, options, install, "
		     "remove or softdep, or a word missing)", path, bad, bad > 1 ? "s" : "");
	for (i = 0; i < c.n; i++)
		if (c.v[i].type == MOD_CONF_INSTALL)
			warn("modprobe.d: %s: install %s: the init runs no commands; %s is not loaded", path,
			     c.v[i].key, c.v[i].key);
	mod_conf_free(&c);
	free(text);
}

/* kmod's directories (mod_conf_dirs) as the image has them */
static const struct {
	const char *image, *src[2];
} conf_dirs[] = {
	{ "/etc/modprobe.d", { "/etc/modprobe.d", "/run/modprobe.d" } },
	{ "/usr/local/lib/modprobe.d", { "/usr/local/lib/modprobe.d", NULL } },
	{ "/lib/modprobe.d", { "/lib/modprobe.d", NULL } },
};
#define NCONF_DIRS (sizeof(conf_dirs) / sizeof(conf_dirs[0]))

/* The files kmod reads (all: the winner of each name, in its order) and where each came from:
 * the files added from first[d] on (mod_conf_file.seq) are conf_dirs[d]'s.  Kept from the
 * resolution until the modules are chosen, when they are written (conf_write). */
struct conf_set {
	struct mod_conf_files all;
	int first[NCONF_DIRS];
};

static int conf_resolve(struct conf_set *cs, struct mod_db *db, const struct pack_opts *o,
			const char *tree)
{
	size_t d, s;
	int i, r = mod_conf_files_add(&cs->all, "modules.softdep", NULL);

	for (d = 0; d < NCONF_DIRS && r >= 0; d++) {
		cs->first[d] = cs->all.n;
		for (i = 0; !d && i < o->nmodprobe_conf && r >= 0; i++)
			r = conf_arg(&cs->all, o->modprobe_conf[i]);
		for (s = 0; s < 2 && conf_dirs[d].src[s] && r >= 0; s++) {
			if (tree && strcmp(conf_dirs[d].src[s], "/run/modprobe.d"))
				r = conf_scan(&cs->all, tree, conf_dirs[d].src[s]);
			if (r >= 0)
				r = conf_scan(&cs->all, "", conf_dirs[d].src[s]);
		}
	}
	if (r < 0)
		return r;
	/* the first added of a name wins: a masked file is never read, by kmod or by the init */
	mod_conf_files_sort(&cs->all);
	for (i = 0; i < cs->all.n; i++)
		if (cs->all.v[i].path)
			conf_check(cs->all.v[i].path);
	return mod_db_conf(db, &cs->all);
}

/* A logical line that matters to the image: not a comment or blank, and not an options, softdep
 * or blacklist of a module of the tree the image leaves out (nothing reads those lines, which
 * name only that module).  line is len bytes and NUL-terminated; it is modified. */
static int conf_line_kept(const struct mod_db *db, char *line, size_t len)
{
	struct mod_conf c = { 0 };
	int bad, m, keep = 1;

	if (line[strspn(line, " \t\n\v\f\r")] == '#')
		return 0;
	if ((bad = mod_conf_parse(&c, line, len, 0)) < 0)
		return bad;
	if (c.n == 0 && bad == 0)
		keep = 0;
	else if (c.n == 1 && (c.v[0].type == MOD_CONF_OPTIONS || c.v[0].type == MOD_CONF_SOFTDEP ||
			      c.v[0].type == MOD_CONF_BLACKLIST))
		keep = (m = mod_db_find(db, c.v[0].key)) < 0 || !db->mods[m].path || db->mods[m].keep;
	mod_conf_free(&c);
	return keep;
}

/* text's logical lines that are kept (verbatim: continuations and all) into out (len bytes or
 * fewer); their length in *outlen. */
static int conf_filter(const struct mod_db *db, const char *text, size_t len, char *out,
		       size_t *outlen)
{
	char *line = malloc(len + 1);
	size_t a = 0, b, n = 0;
	int r = line ? 0 : -ENOMEM;

	while (a < len && r >= 0) {
		/* the line's end as mod_conf_parse finds it: "\" takes the next byte, a newline too */
		for (b = a; b < len && text[b] != '\n'; b++)
			b += text[b] == '\\' && b + 1 < len;
		b += b < len;
		memcpy(line, text + a, b - a);
		line[b - a] = '\0';
		if ((r = conf_line_kept(db, line, b - a)) > 0) {
			memcpy(out + n, text + a, b - a);
			n += b - a;
		}
		a = b;
	}
	free(line);
	*outlen = n;
	return r < 0 ? r : 0;
}

/* Each file kmod reads, in the image directory it comes from, with only its lines that can
 * apply to the image's modules: for those, the same resolution as the packer's whole files. */
static int conf_write(struct plan *p, const struct mod_db *db, const struct conf_set *cs)
{
	char dst[PATH_MAX * 2], *text, *out;
	size_t len, n;
	int i, d, r = 0;

	for (i = 0; i < cs->all.n && r >= 0; i++) {
		const struct mod_conf_file *f = &cs->all.v[i];

		if (!f->path)
			continue;
		if ((r = file_read_all(f->path, &text, &len, 16 << 20)) < 0) {
			err("modprobe.d: %s: %s", f->path, strerror(-r));
			break;
		}
		if (!(out = malloc(len + 1)))
			r = -ENOMEM;
		if (r >= 0)
			r = conf_filter(db, text, len, out, &n);
		for (d = NCONF_DIRS - 1; d > 0 && f->seq < cs->first[d]; d--)
			;
		snprintf(dst, sizeof(dst), "%s/%s", conf_dirs[d].image, f->name);
		if (r >= 0 && n) /* nothing left: no file, as if it were empty */
			r = plan_add_data(p, dst, out, n, 0644, "modprobe.d");
		free(out);
		free(text);
	}
	return r;
}

/* One --module: every module the name (or alias) resolves to, like modprobe would load: not
 * what modprobe.d blacklists when the name is an alias. */
static int keep_name(struct mod_db *db, const char *name)
{
	struct mod_matches m = { 0 };
	int i, r = mod_lookup(db, name, &m), files = 0;

	for (i = 0; i < m.n && r >= 0; i++) {
		const char *mod = db->mods[m.v[i].mod].name;

		if (mod_conf_blacklisted(db, mod) && m.v[i].alias) {
			info("--module %s: %s is blacklisted (modprobe.d), left out", name, mod);
			continue;
		}
		if (mod_conf_blacklisted(db, mod))
			warn("--module %s: blacklisted in modprobe.d: only modprobe by name loads it, "
			     "not coldplug or modules-load=", name);
		files += db->mods[m.v[i].mod].path != NULL;
		r = mod_keep(db, m.v[i].mod);
	}
	if (r >= 0 && m.n == 0) {
		err("--module %s: no such module or alias in %s", name, db->dir);
		r = -ENOENT;
	} else if (r >= 0 && !files && m.n) {
		info("--module %s: built into the kernel, nothing to add", name);
	}
	mod_matches_free(&m);
	return r < 0 ? r : 0;
}

/* modules-load= for the --module-load names, through --set's validated list. */
static int add_load_list(struct pack_opts *o)
{
	size_t len = sizeof("modules-load=");
	char *s;
	int i;

	for (i = 0; i < o->nmodule_load; i++)
		len += strlen(o->module_load[i]) + 1;
	if (!(s = malloc(len)))
		return -ENOMEM;
	strcpy(s, "modules-load=");
	for (i = 0; i < o->nmodule_load; i++)
		strcat(strcat(s, i ? "," : ""), o->module_load[i]);
	return opts_push(&o->set, &o->nset, s);
}

static const char *const power_modules[] = { "button", "evdev", NULL };

/* The host's entropy: without a hardware RNG the kernel's CRNG is seeded from interrupt timing
 * alone, and a payload that asks getrandom() early (node, anything using OpenSSL) blocks until it
 * is: 1.7 s of node's start-up under TCG.  An image that has virtio (any virtio driver pulls the
 * core in) also gets virtio_rng, which coldplug loads where the hypervisor offers the device
 * (QEMU's virtio-rng, libvirt's <rng>, Firecracker's entropy device); it is 18 KB. */
static int keep_rng(struct mod_db *db)
{
	int v = mod_db_find(db, "virtio"), m = mod_db_find(db, "virtio_rng");

	return v >= 0 && db->mods[v].keep && m >= 0 ? mod_keep(db, m) : 0;
}

/* The kernel's CPU-jitter entropy source (policy_jitter_modules, with their dependencies), for
 * an image with a dynamically linked program: its libraries (OpenSSL, glibc's arc4random) wait
 * for the CRNG, which nothing seeds on a machine without a hardware RNG (QEMU's defaults), and
 * the init seeds it from this source when no hardware RNG is there.  A static payload's image
 * (the minimal appliance) does not pay its 31 KB.  Each one the tree has. */
static int keep_jitter(struct mod_db *db)
{
	int r = 0, i, m;

	for (i = 0; policy_jitter_modules[i] && r >= 0; i++)
		if ((m = mod_db_find(db, policy_jitter_modules[i])) >= 0)
			r = mod_keep(db, m);
	return r;
}

/* The host's status channel (minboot.exit=virtio-serial, init/status.c) is a virtio-serial port:
 * an image that has virtio also gets virtio_console, which coldplug loads where the hypervisor
 * offers the device (QEMU's virtio-serial, libvirt's <channel>).  An image without virtio (the
 * minimal e1000 appliance) does not pay for it. */
static int keep_console(struct mod_db *db)
{
	int v = mod_db_find(db, "virtio"), m = mod_db_find(db, "virtio_console");

	return v >= 0 && db->mods[v].keep && m >= 0 ? mod_keep(db, m) : 0;
}

/* ROOT of a tree ROOT/lib/modules/KVER (not the host's own, "" or "/"), or NULL. */
static const char *tree_root(const char *dir, char *root, size_t len)
{
	const char *k = strrchr(dir, '/');
	size_t n;

	if (!k || k == dir)
		return NULL;
	n = (size_t)(k - dir);
	if (n < 12 || strncmp(dir + n - 12, "/lib/modules", 12) || n - 12 >= len)
		return NULL;
	snprintf(root, len, "%.*s", (int)(n - 12), dir);
	return root[0] && strcmp(root, "/") ? root : NULL;
}

int modules_add(struct plan *p, struct pack_opts *o)
{
	static struct mod_db db;
	struct conf_set cs = { 0 };
	char dir[PATH_MAX], kver[256], root[PATH_MAX];
	struct utsname u;
	int i, r = 0;

	if (!o->nmodule && !o->nmodule_load)
		return 0;
	if (uname(&u) < 0)
		return -errno;
	snprintf(kver, sizeof(kver), "%s", o->kver ? o->kver : u.release);
	if (o->kernel_modules) {
		const char *b = strrchr(o->kernel_modules, '/');

		snprintf(dir, sizeof(dir), "%s", o->kernel_modules);
		if (!o->kver) /* /lib/modules/KVER: the directory names the version */
			snprintf(kver, sizeof(kver), "%s", b && b[1] ? b + 1 : o->kernel_modules);
	} else if (snprintf(dir, sizeof(dir), "/lib/modules/%s", kver) >= (int)sizeof(dir)) {
		return -ENAMETOOLONG;
	}
	if (!kver[0] || strchr(kver, '/') || !strcmp(kver, ".") || !strcmp(kver, "..")) {
		err("--kernel-modules %s: '%s' is not a kernel version: give --kver", dir, kver);
		return -EINVAL;
	}
	db.read_hook = decompress; /* kept by mod_db_open: a raw tree's xz/zstd modules are read too */
	if ((r = mod_db_open(&db, dir)) < 0) {
		err("--kernel-modules %s: %s", dir, strerror(-r));
		return r;
	}
	if ((r = conf_resolve(&cs, &db, o, tree_root(dir, root, sizeof(root)))) < 0) {
		err("modprobe.d: %s", strerror(-r));
		mod_conf_files_free(&cs.all);
		mod_db_close(&db);
		return r;
	}
	for (i = 0; i < o->nmodule && r >= 0; i++)
		r = keep_name(&db, o->module[i]);
	for (i = 0; i < o->nmodule_load && r >= 0; i++)
		r = keep_name(&db, o->module_load[i]);
	/* The ACPI power button (QEMU's system_powerdown, virsh shutdown) needs button, and evdev
	 * for its /dev/input/eventN: coldplug loads both (acpi:LNXPWRBN, input: aliases) when they
	 * are in the image, so every image with modules gets them, where the tree has them. */
	for (i = 0; power_modules[i] && r >= 0 && !o->no_power_button; i++)
		if (mod_db_find(&db, power_modules[i]) >= 0)
			r = mod_keep(&db, mod_db_find(&db, power_modules[i]));
	if (r >= 0 && !o->no_rng)
		r = keep_rng(&db);
	if (r >= 0 && !o->no_rng && o->dynamic)
		r = keep_jitter(&db);
	if (r >= 0)
		r = keep_console(&db);
	for (i = 0; i < db.nmods && r >= 0; i++)
		if (db.mods[i].keep)
			r = add_module(p, &db, i, kver);
	if (r >= 0) /* after every keep: a module's lines go in with it */
		r = conf_write(p, &db, &cs);
	mod_conf_files_free(&cs.all);
	if (r >= 0)
		r = add_indexes(p, &db, kver);
	if (r >= 0 && o->nmodule_load)
		r = add_load_list(o);
	mod_db_close(&db);
	return r;
}
