/* --format iso: a bootable El Torito CD image (BIOS, isolinux; hybrid, so it also boots as a disk)
 * holding the kernel and the initramfs, like the seed's 25 MB ISO.  Built with xorriso and
 * isolinux from Debian (packages xorriso, isolinux, syslinux-common), with SOURCE_DATE_EPOCH
 * (xorriso then fixes every time and the volume's serial), so the same inputs give the same
 * image. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

#define ISOLINUX_BIN "/usr/lib/ISOLINUX/isolinux.bin"
#define ISOHDPFX_BIN "/usr/lib/ISOLINUX/isohdpfx.bin"
#define LDLINUX_C32 "/usr/lib/syslinux/modules/bios/ldlinux.c32"

static int stage(struct plan *iso, const char *dst, const char *src, const char *why)
{
	if (access(src, R_OK) < 0) {
		err("--format iso: %s: %s (%s)", src, strerror(errno), why);
		return -ENOENT;
	}
	return plan_add_file(iso, dst, src, 0644, why);
}

static int iso_emit(struct emit *e)
{
	static const char cfg[] =
		"DEFAULT minboot\nPROMPT 0\nTIMEOUT 0\nLABEL minboot\n  KERNEL /boot/vmlinuz\n"
		"  INITRD /boot/initrd.img\n  APPEND console=tty0 console=ttyS0\n";
	char work[PATH_MAX - 64], initrd[PATH_MAX], tree[PATH_MAX], epoch[40];
	const struct pack_opts *o = e->opts;
	struct plan iso = { 0 };
	int r;

	if (!o->kernel) {
		err("--format iso needs --kernel FILE (the kernel to boot)");
		return -EINVAL;
	}
	if ((r = emit_scratch(e, "iso", work, sizeof(work))) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		return r;
	}
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", work);
	snprintf(tree, sizeof(tree), "%s/tree", work);
	snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%u", e->mtime);
	r = initramfs_write(e, e->plan, initrd, "the iso's initramfs");
	if (!r)
		r = stage(&iso, "/boot/vmlinuz", o->kernel, "--kernel");
	if (!r)
		r = stage(&iso, "/boot/initrd.img", initrd, "the initramfs");
	if (!r)
		r = stage(&iso, "/isolinux/isolinux.bin", ISOLINUX_BIN, "package isolinux");
	if (!r)
		r = stage(&iso, "/isolinux/ldlinux.c32", LDLINUX_C32, "package syslinux-common");
	if (!r)
		r = plan_add_data(&iso, "/isolinux/isolinux.cfg", cfg, sizeof(cfg) - 1, 0644, "boot menu");
	if (!r)
		r = plan_finish(&iso);
	if (!r && mkdir(tree, 0755) < 0) {
		r = -errno;
		err("unable to write %s: %s", tree, strerror(errno));
	}
	if (!r)
		r = tree_write(&iso, tree, tree, e->mtime, 1);
	if (!r) {
		char *const argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-o", e->staged[0],
			"-isohybrid-mbr", ISOHDPFX_BIN, "-b", "isolinux/isolinux.bin",
			"-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4",
			"-boot-info-table", "-V", "MINBOOT", "-R", tree, NULL };
		const char *env[] = { epoch, NULL };
		r = tool_run(argv, env, o->verbose);
		if (r == -ENOENT)
			err("--format iso: xorriso is missing (package xorriso)");
		else if (r == -EIO)
			err("unable to write %s (the messages above say why; -v shows everything)", e->out[0]);
	}
	if (!r)
		info("wrote %s (El Torito, isolinux)", e->out[0]);
	plan_free(&iso);
	return r;
}

const struct emitter emitter_iso = {
	.format = "iso",
	.outputs = { "" },
	.tools = { "xorriso", ISOLINUX_BIN, ISOHDPFX_BIN, LDLINUX_C32 },
	.emit = iso_emit,
};
