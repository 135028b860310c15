/* --format disk: a GPT raw disk image that UEFI firmware boots with no boot loader, the artifact
 * clouds import (docs/deploy.md): an EFI system partition (FAT32) holding the UKI (uki.c) as
 * \EFI\BOOT\BOOTX64.EFI, the path firmware runs from a disk without boot entries.  For big
 * payloads (--root-partition) the root filesystem goes in a second partition (ext2, as
 * --format ext2 writes it, GPT type "Linux root (x86-64)") and the UKI holds only the small
 * initramfs that mounts it by its UUID.
 *
 * Reproducible: the disk's and the partitions' GUIDs and the FAT serial come from the content's
 * digest; mkfs.fat runs with --invariant, mtools with SOURCE_DATE_EPOCH (FAT keeps local time:
 * TZ=UTC; no date before 1980) and the UKI's own mtime set to it.  Made with sfdisk
 * (util-linux's fdisk package), mkfs.fat (dosfstools) and mtools, each writing in place at the
 * partition's offset, so the file stays sparse. */
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

#define MiB (1024ULL * 1024)
#define SECTOR 512
#define ESP_MIN (64 * MiB)           /* well above FAT32's 65525 clusters of 512 bytes */
#define ROOT_AUTO_BYTES (128 * MiB)  /* --root-partition auto: the files' bytes above this */
#define FAT_EPOCH 315532800          /* 1980-01-01, FAT's first day */
#define GPT_ESP "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_ROOT_X86_64 "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" /* the Discoverable Partitions spec */

/* A version 4 GUID from the content and what it names: the same inputs give the same disk. */
void guid_from_digest(const unsigned char content[DIGEST_LEN], const char *what, char out[37])
{
	unsigned char h[DIGEST_LEN];
	struct hash x;

	hash_init(&x);
	hash_update(&x, content, DIGEST_LEN);
	hash_str(&x, what);
	hash_final(&x, h);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-4%x%02x-%x%x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6] & 15, h[7], 8 | (h[8] & 3), h[9] & 15, h[10],
		 h[11], h[12], h[13], h[14], h[15], h[16]);
}

static unsigned long long round_mib(unsigned long long n)
{
	return (n + MiB - 1) / MiB * MiB;
}

static unsigned long long file_bytes(const struct plan *p)
{
	unsigned long long n = 0;
	struct stat st;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].type == E_FILE)
			n += p->v[i].src ? (stat(p->v[i].src, &st) == 0 ? (unsigned long long)st.st_size : 0) : p->v[i].len;
	return n;
}

/* A module of the plan by its file name (kernel/drivers/.../NAME.ko). */
static int has_module(const struct plan *p, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i < p->n; i++) {
		const char *b = strrchr(p->v[i].dst, '/');
		if (b && !strncmp(p->v[i].dst, "/lib/modules/", 13) && !strncmp(b + 1, name, l) && !strncmp(b + 1 + l, ".ko", 3))
			return 1;
	}
	return 0;
}

/* The small initramfs finds the root partition only with the disk's driver and ext4. */
static int root_drivers_check(const struct emit *e)
{
	static const char *const disks[] = { "virtio_blk", "virtio_scsi", "nvme", "hv_storvsc", "xen-blkfront", "ahci", NULL };
	int i, found = 0;

	for (i = 0; disks[i]; i++)
		found |= has_module(e->plan, disks[i]);
	if (found && has_module(e->plan, "ext4"))
		return 0;
	err("--format disk with a root partition: the image needs %s to mount it (--module virtio_blk "
	    "--module virtio_pci for QEMU, libvirt and GCE; nvme for AWS and GCE's NVMe; hv_storvsc for Azure; "
	    "--module ext4), or give --root-partition no", found ? "ext4" : "the disk's driver and ext4");
	return -EINVAL;
}

/* src's bytes into fd at off, holes left as holes. */
static int copy_at(const char *src, int fd, unsigned long long off)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), r = 0;
	off_t data = 0, hole;
	ssize_t n;

	if (in < 0)
		return -errno;
	while ((data = lseek(in, data, SEEK_DATA)) >= 0) {
		if ((hole = lseek(in, data, SEEK_HOLE)) < 0)
			break;
		loff_t a = data, b = (loff_t)(off + (unsigned long long)data);
		while (a < hole && (n = copy_file_range(in, &a, fd, &b, (size_t)(hole - a), 0)) > 0)
			;
		if (a < hole) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		data = hole;
	}
	if (!r && data < 0 && errno != ENXIO)
		r = -errno;
	close(in);
	return r;
}

static int tool(struct emit *e, const char *what, char *const argv[], const char *const env[], int in)
{
	struct tool t;
	int r = tool_start(&t, argv, env, in, -1, e->opts->verbose);

	if (r == 0)
		r = tool_wait(&t);
	if (r == -ENOENT)
		err("--format disk: %s is missing (package %s)", argv[0], what);
	else if (r == -EIO)
		err("unable to write %s (the messages above say why; -v shows everything)", e->out[0]);
	return r;
}

static int gpt_write(struct emit *e, const char *disk, const char *dir, unsigned long long esp,
		     unsigned long long root)
{
	char g[3][37], script[1024], path[PATH_MAX];
	int n, fd, r;

	guid_from_digest(e->content, "disk", g[0]);
	guid_from_digest(e->content, "esp", g[1]);
	guid_from_digest(e->content, "root", g[2]);
	n = snprintf(script, sizeof(script), "label: gpt\nlabel-id: %s\nunit: sectors\nfirst-lba: 2048\n"
		     "start=2048, size=%llu, type=" GPT_ESP ", uuid=%s, name=\"ESP\"\n", g[0], esp / SECTOR, g[1]);
	if (root)
		n += snprintf(script + n, sizeof(script) - n, "start=%llu, size=%llu, type=" GPT_ROOT_X86_64
			      ", uuid=%s, name=\"root\"\n", (MiB + esp) / SECTOR, root / SECTOR, g[2]);
	snprintf(path, sizeof(path), "%s/gpt", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 || fd_write_all(fd, script, n) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		r = -errno;
		err("unable to write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	{
		char *const argv[] = { "sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", (char *)disk, NULL };
		r = tool(e, "fdisk", argv, NULL, fd);
	}
	close(fd);
	return r;
}

static int esp_write(struct emit *e, const char *disk, const char *uki, unsigned long long esp)
{
	char serial[37], kib[32], spc[8], img[PATH_MAX + 16], epoch[48];
	const char *env[] = { epoch, "TZ=UTC", "MTOOLSRC=/dev/null", NULL };
	uint32_t t = e->mtime > FAT_EPOCH ? e->mtime : FAT_EPOCH;
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	int r;

	guid_from_digest(e->content, "fat serial", serial);
	serial[8] = '\0'; /* 32 bits, in hex */
	snprintf(kib, sizeof(kib), "%llu", esp / 1024);
	/* Clusters of 512 bytes up to 4 KiB, as many as keep FAT32 well above its 65525: chosen
	 * here, as mkfs.fat would choose from the whole disk's size, not the partition's. */
	for (r = 1; r < 8 && esp / (SECTOR * 2ULL * r) >= 70000; r *= 2)
		;
	snprintf(spc, sizeof(spc), "%d", r);
	snprintf(img, sizeof(img), "%s@@%llu", disk, MiB);
	snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%u", t);
	if (utimensat(AT_FDCWD, uki, ts, 0) < 0) {
		err("unable to write %s: %s", uki, strerror(errno));
		return -errno;
	}
	{
		/* -h: the partition's first sector, as a FAT in a partition records it */
		char *const argv[] = { "mkfs.vfat", "-F", "32", "-n", "ESP", "--invariant", "-i", serial, "-s", spc, "-h", "2048",
				       "--offset", "2048", (char *)disk, kib, NULL };
		if ((r = tool(e, "dosfstools", argv, NULL, -1)) < 0)
			return r;
	}
	{
		char *const argv[] = { "mmd", "-i", img, "::/EFI", "::/EFI/BOOT", NULL };
		if ((r = tool(e, "mtools", argv, env, -1)) < 0)
			return r;
	}
	{
		char *const argv[] = { "mcopy", "-m", "-i", img, (char *)uki, "::/EFI/BOOT/BOOTX64.EFI", NULL };
		r = tool(e, "mtools", argv, env, -1);
	}
	return r;
}

static int disk_emit(struct emit *e)
{
	const struct pack_opts *o = e->opts;
	char work[PATH_MAX - 64], uki[PATH_MAX], rootimg[PATH_MAX], uuid[40] = "";
	unsigned long long esp, root = 0, total, bytes = file_bytes(e->plan);
	int use_root = o->root_partition == ROOTPART_YES || (o->root_partition == ROOTPART_AUTO && bytes > ROOT_AUTO_BYTES);
	struct plan small = { 0 };
	struct stat st;
	int fd = -1, r;

	if (strstr(e->stage.path, "@@")) { /* mtools would take what follows for an offset */
		err("--format disk: -o %s: '@@' in the output's name", o->output);
		return -EINVAL;
	}
	if (use_root && (r = root_drivers_check(e)) < 0)
		return r;
	if ((r = emit_scratch(e, "disk", work, sizeof(work))) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		return r;
	}
	snprintf(uki, sizeof(uki), "%s/BOOTX64.EFI", work);
	snprintf(rootimg, sizeof(rootimg), "%s/root.ext2", work);
	if (use_root) {
		if (o->root_partition == ROOTPART_AUTO)
			info("--format disk: %llu MiB of files: the root filesystem in a partition of its own", bytes / MiB);
		if ((r = ext2_root_write(e, rootimg, uuid)) < 0 || (r = ext2_initrd_plan(e->plan, &small, uuid)) < 0)
			goto out;
		if (stat(rootimg, &st) < 0) {
			r = -errno;
			goto out;
		}
		root = round_mib((unsigned long long)st.st_size);
	}
	if ((r = uki_write(e, use_root ? &small : e->plan, uki, "the disk's UKI")) < 0)
		goto out;
	if (stat(uki, &st) < 0) {
		r = -errno;
		goto out;
	}
	esp = round_mib((unsigned long long)st.st_size + (unsigned long long)st.st_size / 50 + 2 * MiB);
	esp = esp < ESP_MIN ? ESP_MIN : esp;
	total = MiB + esp + root + MiB; /* the backup GPT in the last MiB */
	if (o->disk_size && round_mib(o->disk_size) < total) {
		err("--disk-size %llu: the partitions need %llu MiB", o->disk_size, total / MiB);
		r = -EFBIG;
		goto out;
	}
	total = o->disk_size ? round_mib(o->disk_size) : total;
	if ((fd = open(e->staged[0], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0 || ftruncate(fd, (off_t)total) < 0) {
		r = -errno;
		err("unable to write %s: %s", e->out[0], strerror(errno));
		goto out;
	}
	if ((r = gpt_write(e, e->staged[0], work, esp, root)) < 0 || (r = esp_write(e, e->staged[0], uki, esp)) < 0)
		goto out;
	if (use_root && (r = copy_at(rootimg, fd, MiB + esp)) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		goto out;
	}
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	if (use_root)
		info("wrote %s: GPT disk, %llu MiB: EFI system partition (%llu MiB) with the UKI, root partition "
		     "(%llu MiB, ext2 UUID %s)", e->out[0], total / MiB, esp / MiB, root / MiB, uuid);
	else
		info("wrote %s: GPT disk, %llu MiB: EFI system partition (%llu MiB) with the UKI", e->out[0],
		     total / MiB, esp / MiB);
out:
	if (fd >= 0)
		close(fd);
	free(small.v);
	return r;
}

const struct emitter emitter_disk = {
	.format = "disk",
	.outputs = { "" },
	.tools = { "objcopy", "/usr/lib/systemd/boot/efi/linuxx64.efi.stub", "sfdisk", "mkfs.vfat", "mcopy", "mke2fs" },
	.emit = disk_emit,
};
