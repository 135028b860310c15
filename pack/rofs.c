/* --format erofs and --format squashfs: the image as a compressed read-only root filesystem (OUT)
 * and the small initramfs (OUT.initrd) that mounts it, as --format ext2 does (ext2.c): the init,
 * the modules (the filesystem's, overlay, the disk's driver: implied.c) and settings pointing at
 * the disk.  The read-only root gets a writable one over it: minboot.root-overlay=1 in the small
 * initramfs's settings has the init mount it at /.root-ro under an overlay whose upper layer is a
 * tmpfs at /.root-rw (minboot-init(8)); the image carries both directories.
 *
 * erofs (mkfs.erofs, package erofs-utils; lz4hc) has a UUID in its superblock, the one --format
 * ext2 derives from the content.  squashfs (mksquashfs, package squashfs-tools; zstd) has none:
 * after the filesystem, in the 4 KiB block where its bytes_used rounds up to, the packer writes a
 * record laid out as erofs's superblock head (at 1024 in the block: "MBID", the UUID at 48, the
 * name "minboot" at 64), which the init's UUID= matcher reads (init/storage.c); the kernel reads
 * nothing past bytes_used.
 *
 * Reproducible: every time is SOURCE_DATE_EPOCH (mkfs.erofs -T; mksquashfs reads the variable,
 * for -mkfs-time and -all-time), the UUID comes from the content, no xattrs from the tree, and both tools sort a
 * directory's entries by name.  Owners are the plan's: the packer, as root, sets them in the tree;
 * as another user only an image owned by root all through can be made (the tools' --all-root). */
#define _FILE_OFFSET_BITS 64
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

#define RECORD_AT 1024

static int owners_check(const struct emit *e)
{
	size_t i;

	if (geteuid() == 0)
		return 0;
	for (i = 0; i < e->plan->n; i++)
		if (e->plan->v[i].uid || e->plan->v[i].gid) {
			err("--format %s: %s belongs to %u:%u, which only a pack as root can record (the tree the "
			    "filesystem is made from is written with the owners); run the packer as root",
			    e->em->format, e->plan->v[i].dst, (unsigned)e->plan->v[i].uid, (unsigned)e->plan->v[i].gid);
			return -EPERM;
		}
	return 1; /* all root's: --all-root */
}

/* The squashfs's identifying record (see the top). */
static int record_write(const char *path, const char *uuid)
{
	unsigned char sb[96], block[4096];
	unsigned long long used;
	int fd = open(path, O_RDWR | O_CLOEXEC), i, r = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, sb, sizeof(sb), 0) != (ssize_t)sizeof(sb) || memcmp(sb, "hsqs", 4)) {
		close(fd);
		return -EINVAL;
	}
	memcpy(&used, sb + 40, 8); /* bytes_used, little-endian as the build machine */
	used = (used + 4095) / 4096 * 4096;
	memset(block, 0, sizeof(block));
	memcpy(block + RECORD_AT, "MBID", 4);
	for (i = 0; i < 16; i++, uuid += 2) {
		if (*uuid == '-')
			uuid++;
		sscanf(uuid, "%2hhx", &block[RECORD_AT + 48 + i]);
	}
	memcpy(block + RECORD_AT + 64, "minboot", 7);
	if (pwrite(fd, block, sizeof(block), (off_t)used) != (ssize_t)sizeof(block) ||
	    ftruncate(fd, (off_t)(used + sizeof(block))) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int rofs_emit(struct emit *e)
{
	const int erofs = !strcmp(e->em->format, "erofs");
	char tree[PATH_MAX], uuid[40], t[16];
	struct plan small = { 0 };
	int r, all_root;

	if ((all_root = owners_check(e)) < 0)
		return all_root;
	root_uuid(e->content, uuid);
	snprintf(t, sizeof(t), "%u", e->mtime);
	if ((r = emit_scratch(e, "tree", tree, sizeof(tree))) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		return r;
	}
	if ((r = tree_write(e->plan, tree, tree, e->mtime, 1)) < 0)
		return r;
	if (erofs) {
		char u[48];
		snprintf(u, sizeof(u), "-U%s", uuid);
		char *argv[12];
		int n = 0;

		argv[n++] = "mkfs.erofs";
		argv[n++] = "--quiet";
		if (!e->opts->root_plain)
			argv[n++] = "-zlz4hc";
		argv[n++] = "-x-1";
		argv[n++] = "-T";
		argv[n++] = t;
		argv[n++] = u;
		if (all_root)
			argv[n++] = "--all-root";
		argv[n++] = e->staged[0];
		argv[n++] = tree;
		argv[n] = NULL;
		r = tool_run(argv, NULL, e->opts->verbose);
	} else {
		/* SOURCE_DATE_EPOCH for both -mkfs-time and -all-time (mksquashfs refuses the options
		 * beside a SOURCE_DATE_EPOCH the packer's caller may have set) */
		char epoch[40];
		const char *env[] = { epoch, NULL };
		char *argv[16] = { "mksquashfs", tree, e->staged[0], "-noappend", "-quiet", "-no-progress",
				   "-comp", "zstd", "-no-xattrs" };
		int n = 9;

		if (all_root)
			argv[n++] = "-all-root";
		if (e->opts->root_plain) { /* inodes, data, fragments and xattrs as they are */
			argv[n++] = "-noI";
			argv[n++] = "-noD";
			argv[n++] = "-noF";
			argv[n++] = "-noX";
		}
		argv[n] = NULL;
		snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%u", e->mtime);
		r = tool_run(argv, env, e->opts->verbose);
		if (!r && (r = record_write(e->staged[0], uuid)) < 0)
			err("unable to write %s: %s", e->out[0], strerror(-r));
	}
	if (r == -ENOENT)
		err("--format %s: %s is missing (package %s)", e->em->format, erofs ? "mkfs.erofs" : "mksquashfs",
		    erofs ? "erofs-utils" : "squashfs-tools");
	else if (r == -EIO)
		err("unable to write %s (the messages above say why; -v shows everything)", e->out[0]);
	if (r)
		return r;
	rm_tree(tree);
	if ((r = root_initrd_plan(e->plan, &small, uuid, e->em->format)) == 0)
		r = initramfs_write(e, &small, e->staged[1], e->out[1]);
	if (!r)
		info("wrote %s: %s root filesystem (UUID %s)", e->out[0], e->em->format, uuid);
	free(small.v);
	return r;
}

const struct emitter emitter_erofs = {
	.format = "erofs",
	.outputs = { "", ".initrd" },
	.tools = { "mkfs.erofs" },
	.emit = rofs_emit,
};

const struct emitter emitter_squashfs = {
	.format = "squashfs",
	.outputs = { "", ".initrd" },
	.tools = { "mksquashfs" },
	.emit = rofs_emit,
};
