/* minboot-pack: build a bootable image around a payload.
 * Steps: parse options -> collect inputs into a plan -> resolve the payload and ELF deps ->
 * finish the plan (sorted, parents) -> emit the format -> rename into place. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "pack/opts.h"
#include "pack/pack.h"

#ifndef MINBOOT_PREFIX
#define MINBOOT_PREFIX "/usr/local"
#endif

/* Policy as data: what every image has besides its inputs. */
static const struct { const char *path; mode_t perm; } base_dirs[] = {
	{ "/bin", 0755 }, { "/dev", 0755 }, { "/etc", 0755 }, { "/lib", 0755 }, { "/proc", 0755 },
	{ "/root", 0700 }, { "/run", 0755 }, { "/sbin", 0755 }, { "/sys", 0755 }, { "/tmp", 01777 },
	{ "/usr", 0755 }, { "/usr/bin", 0755 }, { "/usr/lib", 0755 }, { "/usr/sbin", 0755 },
	{ "/var", 0755 }, { "/var/tmp", 01777 },
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
 * directory the packer ran in. */
static int add_file_arg(struct plan *p, const char *arg)
{
	char src[PATH_MAX], dst[PATH_MAX];
	const char *colon = strstr(arg, ":/");
	struct stat st;
	char *why;
	int r;

	snprintf(src, sizeof(src), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	snprintf(dst, sizeof(dst), "%s", colon ? colon + 1 : arg);
	if (!colon && src[0] != '/') {
		err("--file %s: give the destination in the image (--file %s:/path)", arg, arg);
		return -EINVAL;
	}
	if (stat(src, &st) < 0) {
		err("--file %s: %s", src, strerror(errno));
		return -errno;
	}
	if (asprintf(&why, "--file %s", arg) < 0)
		return -ENOMEM;
	if (S_ISDIR(st.st_mode)) {
		if ((r = plan_add_dir(p, dst, 0755, why)) < 0)
			goto bad_dst;
		return overlay_add_at(p, src, dst, why);
	}
	if ((r = plan_add_file(p, dst, src, st.st_mode & 0111 ? 0755 : 0644, why)) < 0)
		goto bad_dst;
	return libs_add(p, src, why);
bad_dst:
	err("--file %s: bad destination '%s' (absolute, without '..')", arg, dst);
	return r;
}

/* The payload's program comes from --file when one provides it, else from the host. */
static int add_payload(struct plan *p, struct pack_opts *o)
{
	char buf[CONFIG_STR], *argv[CMDLINE_MAX_ARGS + 1], path[PATH_MAX], *dir, *save = NULL;
	const char *hostpath = getenv("PATH");
	char pathlist[4096];
	int argc, r;

	snprintf(buf, sizeof(buf), "%s", o->payload);
	argc = cmd_split(buf, argv, CMDLINE_MAX_ARGS);
	if (argc <= 0) {
		err("--payload '%s': %s", o->payload, argc == 0 ? "empty" : "unterminated quote or too long");
		return -EINVAL;
	}
	if (argv[0][0] == '/') {
		if (plan_find(p, argv[0]))
			return 0;
		snprintf(path, sizeof(path), "%s", argv[0]);
	} else if (strchr(argv[0], '/')) {
		err("--payload: give the program as an absolute path or a name in PATH, not '%s'", argv[0]);
		return -EINVAL;
	} else {
		static const char *const img_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
							"/usr/bin", "/sbin", "/bin" };
		unsigned i;
		for (i = 0; i < sizeof(img_dirs) / sizeof(img_dirs[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", img_dirs[i], argv[0]);
			if (plan_find(p, path))
				return 0;
		}
		path[0] = '\0';
		snprintf(pathlist, sizeof(pathlist), "%s", hostpath ? hostpath : "/usr/bin:/bin");
		for (dir = strtok_r(pathlist, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s/%s", dir, argv[0]);
			if (dir[0] == '/' && access(path, X_OK) == 0)
				break;
			path[0] = '\0';
		}
	}
	if (!path[0] || access(path, X_OK) < 0) {
		err("--payload: program '%s' is not on this host and no --file provides it", argv[0]);
		return -ENOENT;
	}
	if ((r = plan_add_file(p, path, path, 0755, "--payload")) < 0)
		return r;
	return libs_add(p, path, "--payload");
}

static int add_conf(struct plan *p, struct pack_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	if (!f)
		return -ENOMEM;
	fputs("# minboot init settings: same keys as the kernel command line, which overrides them\n", f);
	if (o->payload)
		fprintf(f, "minboot.payload=%s\n", o->payload);
	for (i = 0; i < o->nset; i++)
		fprintf(f, "%s\n", o->set[i]);
	fclose(f);
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
		printf("%c %04o %-40s %s%s%s\n", types[e->type], (unsigned)e->perm, e->dst,
		       e->why, e->src ? " <- " : "", e->src ? e->src : "");
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

static int pack(struct pack_opts *o)
{
	struct plan p = { 0 };
	int i, r;

	if (o->lock && (r = lock_take(o->lock)) < 0)
		return r;
	if ((r = add_base(&p, o)) < 0)
		return r;
	for (i = 0; i < o->noverlay; i++)
		if ((r = overlay_add(&p, o->overlay[i], "--overlay")) < 0)
			return r;
	if ((r = packages_add(&p, o->package, o->npackage, o->package_docs)) < 0)
		return r;
	for (i = 0; i < o->nhostfiles; i++)
		if ((r = hostfiles_add(&p, o->hostfiles[i])) < 0)
			return r;
	for (i = 0; i < o->nfile; i++)
		if ((r = add_file_arg(&p, o->file[i])) < 0)
			return r;
	if (o->payload && (r = add_payload(&p, o)) < 0)
		return r;
	if ((r = modules_add(&p, o)) < 0)
		return r;
	if ((r = add_conf(&p, o)) < 0)
		return r;
	if ((r = plan_finish(&p)) < 0)
		return r;
	plan_exclude(&p, o->exclude, o->nexclude);
	if (o->print) {
		print_plan(&p);
		return 0;
	}
	if (!strcmp(o->format, "chroot"))
		return chroot_emit(&p, o->output, source_date_epoch_value());
	if (!strcmp(o->format, "iso"))
		return iso_emit(&p, o);
	if (!strcmp(o->format, "ext2"))
		return ext2_emit(&p, o);
	return segments_emit(&p, o);
}

int main(int argc, char **argv)
{
	struct pack_opts o;
	int r;

	log_prog = "minboot-pack";
	r = opts_parse(argc, argv, &o);
	if (r != 0)
		return r < 0 ? 2 : 0;
	return pack(&o) < 0 ? 1 : 0;
}
