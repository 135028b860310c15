/* minboot-pack: build a bootable image around a payload.
 * Steps: parse options -> collect inputs into a plan -> resolve the payload and ELF deps ->
 * finish the plan (sorted, parents) -> emit the format -> rename into place. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "common/log.h"
#include "pack/accounts.h"
#include "pack/closure.h"
#include "pack/emit.h"
#include "pack/oci.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "pack/unit.h"
#include "pack/trace.h"

#ifndef MINBOOT_PREFIX
#define MINBOOT_PREFIX "/usr/local"
#endif

/* Policy as data: what every image has besides its inputs. */
static const struct { const char *path; mode_t perm; } base_dirs[] = {
	{ "/", 0755 }, { "/bin", 0755 }, { "/dev", 0755 }, { "/etc", 0755 }, { "/lib", 0755 }, { "/proc", 0755 },
	{ "/root", 0700 }, { "/run", 0755 }, { "/sbin", 0755 }, { "/sys", 0755 }, { "/tmp", 01777 },
	{ "/usr", 0755 }, { "/usr/bin", 0755 }, { "/usr/lib", 0755 }, { "/usr/sbin", 0755 },
	{ "/var", 0755 }, { "/var/tmp", 01777 },
};

/* /var/run is /run as the FHS says (a relative link: the same in a chroot); run-time state
 * written there goes to the init's tmpfs. */
static const struct { const char *path, *target; } base_links[] = {
	{ "/var/run", "../run" },
};

static const struct { const char *path; unsigned major, minor; mode_t perm; } base_nodes[] = {
	/* The kernel opens /dev/console for /init before devtmpfs is mounted. */
	{ "/dev/console", 5, 1, 0600 },
	{ "/dev/null", 1, 3, 0666 },
};

static int exe_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	char *s;

	if (n < 0)
		return -errno;
	out[n] = '\0';
	s = strrchr(out, '/');
	if (s)
		*s = '\0';
	return 0;
}

/* Found beside the packer (the build tree), else relative to an installed packer (PREFIX/bin ->
 * PREFIX/lib/minboot, PREFIX/share/minboot: a DESTDIR or moved install works), else at the
 * configured PREFIX. */
static int find_data(const char *rel_build, const char *installed, char *out, size_t len)
{
	const char *rel_inst = installed + strlen(MINBOOT_PREFIX);
	char dir[PATH_MAX];

	if (exe_dir(dir, sizeof(dir)) == 0) {
		if ((size_t)snprintf(out, len, "%s/%s", dir, rel_build) < len && access(out, R_OK) == 0)
			return 0;
		if ((size_t)snprintf(out, len, "%s/..%s", dir, rel_inst) < len && access(out, R_OK) == 0)
			return 0;
	}
	snprintf(out, len, "%s", installed);
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

static int add_base(struct plan *p, struct pack_opts *o)
{
	char path[PATH_MAX];
	unsigned i;
	int r = 0;

	for (i = 0; !r && i < sizeof(base_dirs) / sizeof(base_dirs[0]); i++)
		r = plan_add_dir(p, base_dirs[i].path, base_dirs[i].perm, "base layout");
	for (i = 0; !r && i < sizeof(base_links) / sizeof(base_links[0]); i++)
		r = plan_add_symlink(p, base_links[i].path, base_links[i].target, "base layout");
	for (i = 0; !r && i < sizeof(base_nodes) / sizeof(base_nodes[0]); i++)
		r = plan_add_chr(p, base_nodes[i].path, base_nodes[i].major, base_nodes[i].minor,
				 base_nodes[i].perm, "base layout");
	if (r)
		return r;
	if (!o->init && find_data("minboot-init", MINBOOT_PREFIX "/lib/minboot/minboot-init",
				  path, sizeof(path)) == 0)
		o->init = xstrdup(path);
	if (!o->init || access(o->init, R_OK) < 0) {
		err("the init binary %s: %s (give --init PATH)", o->init ? o->init : "minboot-init",
		    strerror(o->init ? errno : ENOENT));
		return -ENOENT;
	}
	if ((r = plan_add_file(p, "/init", o->init, 0755, "the init")) < 0)
		return r;
	if (o->no_default_overlay)
		return 0;
	if (find_data("../rootfs-overlay", MINBOOT_PREFIX "/share/minboot/rootfs-overlay",
		      path, sizeof(path)) < 0) {
		err("the default rootfs-overlay is missing (give --no-default-overlay)");
		return -ENOENT;
	}
	return overlay_add(p, path, "default overlay");
}

/* --file SRC[:DST]: DST is required for a relative SRC, so the image layout never depends on the
 * directory the packer ran in.  A DST ending in '/' is a directory to put SRC into, as for cp. */
static int add_file_arg(struct plan *p, struct closure *cl, const char *arg)
{
	const char *colon = strstr(arg, ":/");
	char *src = strndup(arg, colon ? (size_t)(colon - arg) : strlen(arg)), *dst = NULL, *why = NULL;
	char nsrc[PATH_MAX], ndst[PATH_MAX];
	const char *base;
	struct stat st;
	int r = -EINVAL, keep;

	if (!src)
		return -ENOMEM;
	if (!colon && src[0] != '/') {
		err("--file %s: give the destination in the image (--file %s:/path)", arg, arg);
		goto out;
	}
	base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	if (colon && colon[strlen(colon) - 1] == '/' && asprintf(&dst, "%s%s", colon + 1, base) < 0)
		dst = NULL, r = -ENOMEM;
	else if (!dst)
		dst = xstrdup(colon ? colon + 1 : arg);
	if (!dst)
		goto out;
	if (stat(src, &st) < 0) {
		r = -errno;
		err("--file %s: %s", src, strerror(-r));
		goto out;
	}
	if (asprintf(&why, "--file %s", arg) < 0) {
		why = NULL, r = -ENOMEM;
		goto out;
	}
	/* A host path at its own path is the host's file, kept as the host has it (mode, owner);
	 * one put elsewhere is the user's own (mode_user, 0:0). */
	keep = src[0] == '/' && path_normalise(src, nsrc, sizeof(nsrc)) == 0 &&
	       path_normalise(dst, ndst, sizeof(ndst)) == 0 && !strcmp(nsrc, ndst);
	if (S_ISDIR(st.st_mode)) {
		if ((r = keep ? plan_add_host(p, dst, src, &st, why) : plan_add_dir(p, dst, 0755, why)) < 0)
			goto bad_dst;
		r = overlay_add_at(p, src, dst, keep, why);
	} else if (!S_ISREG(st.st_mode)) {
		err("--file %s: not a regular file or a directory", src);
	} else if ((r = keep ? plan_add_host(p, dst, src, &st, why) :
		    plan_add_file(p, dst, src, mode_user(st.st_mode), why)) < 0) {
		goto bad_dst;
	} else {
		closure_root(cl, dst);
		if (keep && (st.st_mode & 0111))
			closure_program(cl, src); /* a host program: its package too */
	}
	goto out;
bad_dst:
	err("--file %s: bad destination '%s' (%s)", arg, dst, r == -ENAMETOOLONG ? "too long" :
	    "absolute, without '..'");
out:
	free(src);
	free(dst);
	return r; /* why is kept: the plan's entries point to it */
}

/* A payload already in the image must be a program: a file with an execute bit, or a symlink
 * (resolved in the image at boot). */
static int payload_in_image(const struct entry *e)
{
	if (e->type == E_SYMLINK || (e->type == E_FILE && (e->perm & 0111)))
		return 0;
	err("--payload: %s in the image (%s) is %s", e->dst, e->why,
	    e->type == E_FILE ? "not executable" : "not a program");
	return -EINVAL;
}

/* A version manager's shim (pyenv, rbenv, asdf, nodenv: scripts; mise: links in a shims/
 * directory) picks a program when it runs, which an image cannot do: such a PATH entry under
 * $HOME is passed over when a later one has the program. */
static int is_shim(const char *dir, const char *path)
{
	const char *home = getenv("HOME"), *b = strrchr(dir, '/');
	size_t l = home ? strlen(home) : 0;
	char head[4] = "";
	int fd;

	if (!home || l < 2 || strncmp(dir, home, l) || (dir[l] != '/' && dir[l] != '\0'))
		return 0;
	if (b && !strcmp(b + 1, "shims"))
		return 1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (read(fd, head, 4) != 4)
		head[0] = '\0';
	close(fd);
	return memcmp(head, "\177ELF", 4) != 0;
}

/* The payload's program on the host: looked up in PATH like command -v, shims passed over. */
static int host_program(const char *name, char *path, size_t len)
{
	const char *hostpath = getenv("PATH");
	char pathlist[4096], *dir, *save = NULL, shim[PATH_MAX] = "";
	struct stat st;

	snprintf(pathlist, sizeof(pathlist), "%s", hostpath ? hostpath : "/usr/bin:/bin");
	for (dir = strtok_r(pathlist, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, len, "%s/%s", dir, name);
		if (dir[0] != '/' || access(path, X_OK) < 0 || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (is_shim(dir, path)) {
			if (!shim[0])
				snprintf(shim, sizeof(shim), "%s", path);
			continue;
		}
		if (shim[0])
			info("--payload: %s is a version manager's shim under $HOME: taking %s (give an absolute path to choose)",
			     shim, path);
		return 0;
	}
	snprintf(path, len, "%s", shim);
	return shim[0] ? 0 : -ENOENT;
}

/* sh -c 'SCRIPT' (or bash, dash): the programs SCRIPT names come too. */
static int shell_words(struct closure *cl, int argc, char **argv)
{
	const char *b = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int i;

	if (strcmp(b, "sh") && strcmp(b, "bash") && strcmp(b, "dash"))
		return 0;
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i++)
		if (strchr(argv[i], 'c'))
			return closure_shell(cl, argv[i + 1], "the payload's shell command");
	return 0;
}

/* The payload's program comes from --file when one provides it, else from the host. */
static int add_program(struct plan *p, struct closure *cl, struct pack_opts *o);
static int add_payload(struct plan *p, struct closure *cl, struct pack_opts *o)
{
	return add_program(p, cl, o);
}

/* --unit's other commands (ExecStartPre, ExecStop ...): their programs as the payload's. */
static int add_unit_programs(struct plan *p, struct closure *cl, struct pack_opts *o)
{
	const char *const *v, *saved = o->payload;
	int n = unit_programs(&v), i, r = 0;

	for (i = 1; i < n && r == 0; i++) /* the first is ExecStart's */
		o->payload = v[i], r = add_program(p, cl, o);
	o->payload = saved;
	return r;
}

static int add_program(struct plan *p, struct closure *cl, struct pack_opts *o)
{
	char buf[CONFIG_STR], *argv[CMDLINE_MAX_ARGS + 1], path[PATH_MAX], real[PATH_MAX], dir[256];
	const struct entry *e;
	struct stat st;
	int argc, r, i;

	/* systemd's prefixes ("-", "@", "+", "!", ":"), which the init understands, come first */
	snprintf(buf, sizeof(buf), "%s", o->payload + strspn(o->payload, "-@+!:"));
	argc = cmd_split(buf, argv, CMDLINE_MAX_ARGS);
	if (argc <= 0) {
		err("--payload '%s': %s", o->payload, argc == 0 ? "empty" : "unterminated quote or too long");
		return -EINVAL;
	}
	if (argv[0][0] == '/') {
		snprintf(path, sizeof(path), "%s", argv[0]);
		if (cl_resolve(cl, path, real, sizeof(real)) == 0 && (e = cl_entry(cl, real))) {
			closure_root(cl, real);
			return payload_in_image(e) < 0 ? -EINVAL : shell_words(cl, argc, argv);
		}
	} else if (strchr(argv[0], '/')) {
		err("--payload: give the program as an absolute path or a name in PATH, not '%s'", argv[0]);
		return -EINVAL;
	} else {
		for (i = 0; image_path_dir(i, dir, sizeof(dir)) == 0; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, argv[0]);
			if (cl_resolve(cl, path, real, sizeof(real)) == 0 && (e = cl_entry(cl, real))) {
				closure_root(cl, real);
				return payload_in_image(e) < 0 ? -EINVAL : shell_words(cl, argc, argv);
			}
		}
		if (host_program(argv[0], path, sizeof(path)) < 0)
			path[0] = '\0';
	}
	if (!path[0] || access(path, X_OK) < 0) {
		err("--payload: program '%s' is not on this host and no --file provides it", argv[0]);
		return -ENOENT;
	}
	errno = 0;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		err("--payload: %s is not a program (%s)", path, errno ? strerror(errno) : "not a regular file");
		return -EINVAL;
	}
	if ((r = plan_add_host(p, path, path, &st, "--payload")) < 0)
		return r;
	closure_root(cl, path);
	closure_program(cl, path);
	return shell_words(cl, argc, argv);
}

/* The settings are read back exactly as the init will read them, so a file the init would refuse
 * at boot (too many ip=, a value too long, a list over its limit, the file over the size the init
 * reads) is refused now, naming the option that made the line. */
static int conf_check(const struct pack_opts *o, const char *text, size_t len)
{
	static struct config c;
	char why[CONFIG_STR / 4], *copy;
	int r, line = 0;

	if (len > CONFIG_FILE_MAX) {
		err("the settings are %zu bytes; the init reads at most %d", len, CONFIG_FILE_MAX);
		return -EFBIG;
	}
	copy = xstrdup(text);
	config_defaults(&c);
	r = config_apply_file(&c, copy, why, sizeof(why));
	free(copy);
	if (r >= 0)
		return 0;
	sscanf(why, "line %d", &line);
	line -= 2 + !!o->payload; /* the comment and the payload come first */
	if (line >= 0 && line < o->nset)
		err("--set %s: the init would refuse it: %s", o->set[line], strchr(why, ':') + 2);
	else
		err("--payload: the init would refuse it: %s", strchr(why, ':') ? strchr(why, ':') + 2 : why);
	return r;
}

static int add_conf(struct plan *p, struct pack_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	if (!f)
		return -ENOMEM;
	fputs("# minboot-init(8); the command line overrides\n", f);
	if (o->payload)
		fprintf(f, "minboot.payload=%s\n", o->payload);
	for (i = 0; i < o->nset; i++)
		fprintf(f, "%s\n", o->set[i]);
	if (o->conf_note)
		fputs(o->conf_note, f);
	fclose(f);
	i = conf_check(o, text, len);
	if (i == 0)
		i = plan_add_data(p, "/etc/minboot.conf", text, len, 0644, "settings");
	free(text);
	return i;
}

static void print_plan(const struct plan *p)
{
	static const char types[] = { 'd', 'f', 'l', 'c' };
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct entry *e = &p->v[i];
		printf("%c %04o %-40s %s%s%s", types[e->type], (unsigned)e->perm, e->dst,
		       trace_note(e), e->src ? " <- " : "", e->src ? e->src : "");
		if (e->uid || e->gid)
			printf(" (owner %u:%u)", (unsigned)e->uid, (unsigned)e->gid);
		putchar('\n');
	}
}


static int lock_take(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		err("--lock %s: %s", path, strerror(errno));
		return -errno;
	}
	return fd; /* held until the packer exits */
}

/* Every input and the run-time closure, into the plan (not finished). */
static int plan_build(struct plan *p, struct pack_opts *o)
{
	struct closure cl;
	int i, r;

	packages_reset();
	if ((r = add_base(p, o)) < 0)
		return r;
	if ((r = oci_add(p, o)) < 0 || (r = unit_add(p, o)) < 0)
		return r;
	closure_init(&cl, p, o);
	for (i = 0; i < o->noverlay; i++)
		if ((r = overlay_add(p, o->overlay[i], "--overlay")) < 0)
			return r;
	if ((r = packages_add(p, o->package, o->npackage, o->package_docs)) < 0)
		return r;
	for (i = 0; i < o->nhostfiles; i++)
		if ((r = hostfiles_add(p, o->hostfiles[i])) < 0)
			return r;
	if ((r = trace_insert(p)) < 0) /* where a hostfiles list goes: --trace-save's packs the same */
		return r;
	for (i = 0; i < o->nfile; i++)
		if ((r = add_file_arg(p, &cl, o->file[i])) < 0)
			return r;
	if (o->payload && !o->payload_checked && (r = add_payload(p, &cl, o)) < 0)
		return r;
	if (o->unit && (r = add_unit_programs(p, &cl, o)) < 0)
		return r;
	r = closure_run(&cl);
	closure_free(&cl);
	if (r < 0)
		return r;
	/* a read-only root's mount points for minboot.root-overlay (pack/rofs.c) */
	if ((!strcmp(o->format, "erofs") || !strcmp(o->format, "squashfs")) &&
	    ((r = plan_add_dir(p, "/.root-ro", 0755, "--format")) < 0 || (r = plan_add_dir(p, "/.root-rw", 0755, "--format")) < 0))
		return r;
	if ((r = modules_implied(p, o)) < 0 || (r = modules_add(p, o)) < 0 || (r = oci_finish(p, o)) < 0 ||
	    (r = unit_finish(p, o)) < 0)
		return r;
	return add_conf(p, o);
}

static int pack(struct pack_opts *o)
{
	struct plan p = { 0 };
	int i, r, level = log_level;

	if (o->lock && (r = lock_take(o->lock)) < 0)
		return r;
	/* --trace: the payload runs against the whole image, which is then built again with what it
	 * took (the first pass says only its errors) */
	if (o->trace)
		log_level = LOG_ERR;
	r = plan_build(&p, o);
	log_level = level;
	if (r < 0)
		return r;
	if (o->trace) {
		if ((r = trace_run(&p, o)) < 0)
			return r;
		plan_free(&p);
		if ((r = plan_build(&p, o)) < 0)
			return r;
	}
	if ((r = plan_finish(&p)) < 0)
		return r;
	plan_exclude(&p, o->exclude, o->nexclude);
	for (i = 0; i < o->nuser; i++)
		accounts_need(ACCT_USER, strspn(o->user[i], "0123456789") == strlen(o->user[i]) ? NULL : o->user[i],
			      strtol(o->user[i], NULL, 10), 1, "--user");
	attrs_wants(o);
	if ((r = accounts_add(&p, o)) < 0)
		return r;
	plan_exclude(&p, o->exclude, o->nexclude);
	if ((r = attrs_apply(&p, o)) < 0)
		return r;
	if (o->print) {
		print_plan(&p);
		return 0;
	}
	return emit_run(emitter_find(o->format), &p, o);
}

int main(int argc, char **argv)
{
	struct pack_opts o;
	int r;

	log_prog = "minboot-pack";
	r = opts_parse(argc, argv, &o);
	if (r < 0 && !log_errors)
		err("bad arguments: %s (see --help)", strerror(-r));
	if (r != 0)
		return r < 0 ? 2 : 0;
	r = pack(&o);
	if (r < 0 && pack_signal()) { /* cleaned up: now die of it, so the caller sees the signal */
		signal(pack_signal(), SIG_DFL);
		raise(pack_signal());
	}
	else if (r < 0 && !log_errors) /* every failure says why, if only in general terms */
		err("unable to write %s: %s", o.output ? o.output : "the image", strerror(-r));
	return r < 0 ? 1 : 0;
}
