/* --format iso: a bootable El Torito CD image (BIOS, isolinux; hybrid, so it also boots as a disk)
 * holding the kernel and the initramfs, like the seed's 25 MB ISO.  Built with xorriso and
 * isolinux from Debian (packages xorriso, isolinux, syslinux-common). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/opts.h"
#include "pack/pack.h"

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

int iso_emit(const struct plan *p, struct pack_opts *o)
{
	static const char cfg[] =
		"DEFAULT minboot\nPROMPT 0\nTIMEOUT 0\nLABEL minboot\n  KERNEL /boot/vmlinuz\n"
		"  INITRD /boot/initrd.img\n  APPEND console=tty0 console=ttyS0\n";
	char work[PATH_MAX - 64], initrd[PATH_MAX], tree[PATH_MAX], tmpout[PATH_MAX], epoch[16];
	const char *out = o->output;
	struct plan iso = { 0 };
	int r;

	if (!o->kernel) {
		err("--format iso needs --kernel FILE (the kernel to boot)");
		return -EINVAL;
	}
	snprintf(work, sizeof(work), "%s.tmp.XXXXXX", out);
	if (!mkdtemp(work)) {
		err("unable to create %s: %s", work, strerror(errno));
		return -errno;
	}
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", work);
	snprintf(tree, sizeof(tree), "%s/tree", work);
	snprintf(tmpout, sizeof(tmpout), "%s/out.iso", work);
	snprintf(epoch, sizeof(epoch), "%u", source_date_epoch_value());
	o->output = initrd;
	r = segments_emit(p, o);
	o->output = out;
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
	if (!r && mkdir(tree, 0755) < 0)
		r = -errno;
	if (!r)
		r = tree_write(&iso, tree, source_date_epoch_value());
	if (!r) {
		char *const argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-o", tmpout,
			"-isohybrid-mbr", ISOHDPFX_BIN, "-b", "isolinux/isolinux.bin",
			"-c", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4",
			"-boot-info-table", "-V", "MINBOOT", "-R", tree, NULL };
		r = tool_run(argv, "SOURCE_DATE_EPOCH", epoch, o->verbose);
		if (r == -ENOENT)
			err("--format iso: xorriso is missing (package xorriso)");
		else if (r)
			err("--format iso: xorriso failed (-v shows its messages)");
	}
	if (!r && rename(tmpout, out) < 0) {
		r = -errno;
		err("unable to write %s: %s", out, strerror(errno));
	}
	{
		char *const rm[] = { "rm", "-rf", "--", work, NULL };
		tool_run(rm, NULL, NULL, 0);
	}
	if (!r)
		info("wrote %s (El Torito, isolinux)", out);
	return r;
}
