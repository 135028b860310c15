/* Modules a format or an /etc/fstab implies: an image that mounts a filesystem from a disk needs
 * the filesystem's module and the disk's driver, which Debian's kernel has as modules.  For
 * --format ext2, erofs and squashfs (the root disk; overlay for the read-only two) and for each filesystem of the image's /etc/fstab (read with
 * the init's own parser), the module the kernel itself would ask for when mounting
 * (request_module("fs-TYPE"): ext4 serves ext2 and ext3), a 9p transport's ("9p-TRANS"), vfat's
 * code pages; for a filesystem on a block device (a /dev path, UUID=, LABEL=) the virtio disk
 * driver and its PCI transport (QEMU's, libvirt's and most clouds' disks).  They are added
 * where the module tree has them (built-in ones need nothing); what it lacks is named in a
 * warning, since that boot would stop with "No such device".  Other disk buses (SCSI, NVMe,
 * virtio-mmio) are the user's --module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/log.h"
#include "init/service.h"
#include "modload/modload.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "pack/accounts.h"


/* the tree modules_add will read (the same rule: --kernel-modules, else /lib/modules/KVER) */
static void tree_dir(const struct pack_opts *o, char *dir, size_t len)
{
	struct utsname u;

	if (o->kernel_modules)
		snprintf(dir, len, "%s", o->kernel_modules);
	else
		snprintf(dir, len, "/lib/modules/%s", o->kver ? o->kver : uname(&u) == 0 ? u.release : "?");
}

static const struct entry *plan_last(const struct plan *p, const char *dst)
{
	size_t i;

	for (i = p->n; i-- > 0;)
		if (!strcmp(p->v[i].dst, dst))
			return &p->v[i];
	return NULL;
}

struct need { const char *name, *why; };
struct needs { struct need v[64]; int n; };

static void need(struct needs *n, const char *name, const char *why)
{
	int i;

	for (i = 0; i < n->n; i++)
		if (!strcmp(n->v[i].name, name))
			return;
	if (n->n < (int)(sizeof(n->v) / sizeof(n->v[0])))
		n->v[n->n++] = (struct need){ xstrdup(name), why };
}

static int on_block_device(const char *spec)
{
	static const char *const pre[] = { "/dev/", "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=" };
	unsigned i;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(spec, pre[i], strlen(pre[i])))
			return 1;
	return 0;
}

/* Filesystems the kernel always has (no module to ask for). */
static int virtual_fs(const char *type)
{
	static const char *const names[] = { "tmpfs", "ramfs", "proc", "sysfs", "devtmpfs", "devpts",
					     "cgroup", "cgroup2", "mqueue", "hugetlbfs", "debugfs",
					     "tracefs", "securityfs", "pstore", "bpf", "configfs", "none",
					     "swap", "auto" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(type, names[i]))
			return 1;
	return 0;
}

static void fs_needs(struct needs *n, const struct fstab_entry *e, const char *why)
{
	char alias[96];
	const char *t;

	if (virtual_fs(e->type))
		return;
	snprintf(alias, sizeof(alias), "fs-%s", e->type);
	need(n, alias, why);
	if (!strcmp(e->type, "9p")) {
		t = strstr(e->data, "trans=");
		snprintf(alias, sizeof(alias), "9p-%.*s", t ? (int)strcspn(t + 6, ",") : 6, t ? t + 6 : "virtio");
		need(n, alias, why);
	}
	if (!strcmp(e->type, "vfat") || !strcmp(e->type, "msdos")) {
		need(n, "nls_cp437", why); /* CONFIG_FAT_DEFAULT_CODEPAGE */
		need(n, "nls_ascii", why); /* CONFIG_FAT_DEFAULT_IOCHARSET */
	}
	if (on_block_device(e->spec)) {
		need(n, "virtio_blk", why);
		need(n, "virtio_pci", why);
	}
}

static void fstab_needs(const struct plan *p, struct needs *n)
{
	const struct entry *e = plan_last(p, "/etc/fstab");
	char *text = NULL, *line, *save = NULL;
	struct fstab_entry fe;
	size_t len;

	if (!e || e->type != E_FILE)
		return;
	if (e->src ? file_read_all(e->src, &text, &len, 1 << 20) < 0 : !(text = strdup(e->data)))
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (fstab_parse_line(line, &fe) == 1 && strcmp(fe.file, "/"))
			fs_needs(n, &fe, "/etc/fstab");
	free(text);
}

int modules_implied(struct plan *p, struct pack_opts *o)
{
	static struct mod_db db;
	struct needs n = { .n = 0 };
	char dir[4096], missing[1024] = "", added[1024] = "";
	int i, j, k, r;

	if (!strcmp(o->format, "ext2") || !strcmp(o->format, "erofs") || !strcmp(o->format, "squashfs")) {
		struct fstab_entry root = { .spec = "UUID=" };
		static char why[32];
		snprintf(root.type, sizeof(root.type), "%s", o->format);
		snprintf(why, sizeof(why), "--format %s", o->format);
		fs_needs(&n, &root, why);
		if (strcmp(o->format, "ext2"))
			need(&n, "fs-overlay", why); /* minboot.root-overlay */
	}
	fstab_needs(p, &n);
	if (!n.n)
		return 0;
	tree_dir(o, dir, sizeof(dir));
	if ((r = mod_db_open(&db, dir)) < 0) {
		warn("warning: %s needs the modules %s%s... but there is no module tree %s (%s): give --kernel-modules",
		     n.v[0].why, n.v[0].name, n.n > 1 ? ", " : "", dir, strerror(-r));
		return 0;
	}
	for (i = 0; i < n.n; i++) {
		struct mod_matches m = { 0 };
		int files = 0;
		r = mod_lookup(&db, n.v[i].name, &m);
		for (k = 0; r >= 0 && k < m.n; k++) {
			const struct mod_entry *me = &db.mods[m.v[k].mod];
			if (!me->path)
				continue; /* built in */
			files++;
			for (j = 0; j < o->nmodule && strcmp(o->module[j], me->name); j++)
				;
			if (j < o->nmodule)
				continue; /* asked for already */
			opts_push(&o->module, &o->nmodule, xstrdup(me->name));
			snprintf(added + strlen(added), sizeof(added) - strlen(added), "%s%s", added[0] ? ", " : "", me->name);
		}
		if (r < 0 || m.n == 0)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s (for %s)",
				 missing[0] ? ", " : "", n.v[i].name, n.v[i].why);
		(void)files;
		mod_matches_free(&m);
	}
	mod_db_close(&db);
	if (added[0])
		info("modules the image's filesystems need: %s", added);
	if (missing[0])
		warn("warning: the module tree %s has no %s, nor are they built in: mounting will fail with 'No such device'",
		     dir, missing);
	for (i = 0; i < n.n; i++)
		free((char *)n.v[i].name);
	return 0;
}
