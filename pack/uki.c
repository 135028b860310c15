/* --format uki: a Unified Kernel Image (the UAPI group's UKI specification), one UEFI executable
 * that firmware runs directly: systemd-stub (Debian's systemd-boot-efi) with the kernel, the
 * initramfs, the kernel command line, os-release and the kernel's version as PE sections.
 *
 * Debian 12's systemd (252) has no ukify, so the sections are added the way ukify does it with
 * objcopy: each placed after the stub's own sections (their VMAs read from the stub's PE
 * headers here, not parsed out of objdump's text), page-aligned, in ukify's order, .linux last.
 * objcopy stamps the PE header with the time of day (binutils 2.40 has no option against it), so
 * the TimeDateStamp is set to SOURCE_DATE_EPOCH afterwards and the PE checksum computed again:
 * the same inputs give the same bytes. */
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

#define UKI_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
#define UKI_CMDLINE "console=tty0 console=ttyS0" /* the last console= is /dev/console */
#define UKI_PAGE 4096 /* sections start on a page: the firmware may map them with page rights */
#define PE_HEAD_MAX 4096

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static void put32(unsigned char *p, uint32_t v) { p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24; }

/* A PE32+ x86-64 EFI application (the MZ stub's e_lfanew, "PE\0\0", the COFF header, the
 * optional header, the section table), read for where new sections can go. */
int pe_layout_parse(const unsigned char *buf, size_t len, struct pe_layout *out)
{
	uint32_t pe, opt, sec, end = 0, va, size;
	unsigned i, n;

	if (len < 64 || memcmp(buf, "MZ", 2))
		return -EINVAL;
	pe = le32(buf + 60);
	if (pe > len || len - pe < 24 + 112 || memcmp(buf + pe, "PE\0\0", 4) || le16(buf + pe + 4) != 0x8664)
		return -EINVAL;
	opt = pe + 24;
	n = le16(buf + pe + 6);
	sec = opt + le16(buf + pe + 20);
	if (le16(buf + opt) != 0x20b || le16(buf + opt + 68) != 10 /* EFI application */ ||
	    sec > len || n == 0 || (len - sec) / 40 < n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const unsigned char *s = buf + sec + 40 * i;
		size = le32(s + 8) > le32(s + 16) ? le32(s + 8) : le32(s + 16);
		va = le32(s + 12);
		if (va > UINT32_MAX - size)
			return -EINVAL;
		end = va + size > end ? va + size : end;
	}
	out->pe = pe;
	out->image_base = le32(buf + opt + 24) | (uint64_t)le32(buf + opt + 28) << 32;
	out->align = le32(buf + opt + 32);
	out->timestamp = le32(buf + pe + 8);
	if (!out->align || (out->align & (out->align - 1)) || out->align > UKI_PAGE)
		return -EINVAL;
	out->end = end;
	return 0;
}

/* The PE checksum's running sum: 16-bit little-endian words added with the carry folded back
 * (an odd last byte is a word of its own); the checksum is the folded sum plus the file's length. */
uint32_t pe_checksum_add(uint32_t sum, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += buf[i] | (i + 1 < len ? buf[i + 1] << 8 : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

/* The kernel's version from a bzImage's setup header (Documentation/arch/x86/boot.rst:
 * "HdrS" at 0x202, kernel_version at 0x20e, an offset from 0x200), its first word: uname -r. */
int bzimage_version(const unsigned char *buf, size_t len, char *out, size_t outlen)
{
	size_t at, n;

	if (len < 0x210 || memcmp(buf, "MZ", 2) || memcmp(buf + 0x202, "HdrS", 4) || le16(buf + 0x206) < 0x200)
		return -EINVAL;
	at = 0x200 + (size_t)le16(buf + 0x20e);
	if (le16(buf + 0x20e) == 0 || at >= len)
		return -ENOENT;
	for (n = 0; at + n < len && n + 1 < outlen && buf[at + n] > ' ' && buf[at + n] < 0x7f; n++)
		out[n] = (char)buf[at + n];
	out[n] = '\0';
	return n ? 0 : -ENOENT;
}

static int read_head(const char *path, unsigned char *buf, size_t size, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, size, 0);
	close(fd);
	if (n < 0)
		return -errno;
	*len = (size_t)n;
	return 0;
}

static int write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -errno;
	r = fd_write_all(fd, text, len);
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

/* path (an image path) replaced by the symlink target it holds, "." and ".." resolved in the
 * image (".." at / stays at /, as the kernel does). */
static int link_follow(char *path, size_t size, const char *target)
{
	char tmp[PATH_MAX], *seg, *save = NULL, *up;
	size_t o = 0;

	if (target[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", target);
	else if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s/%s", (int)(strrchr(path, '/') - path), path, target) >= sizeof(tmp))
		return -ENAMETOOLONG;
	path[0] = '\0';
	for (seg = strtok_r(tmp, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			if ((up = strrchr(path, '/')))
				*up = '\0';
			o = strlen(path);
			continue;
		}
		if ((o += snprintf(path + o, size - o, "/%s", seg)) >= size)
			return -ENAMETOOLONG;
	}
	if (!path[0])
		snprintf(path, size, "/");
	return 0;
}

/* The image's os-release (the default overlay's, an OCI image's, base-files'), else minboot's. */
static int osrel_write(const struct plan *p, const char *path)
{
	static const char own[] = "NAME=minboot\nID=minboot\nPRETTY_NAME=\"minboot appliance\"\n";
	static const char *const names[] = { "/etc/os-release", "/usr/lib/os-release" };
	const struct entry *x;
	char *text = NULL, dst[PATH_MAX];
	size_t len;
	int i, hops, r;

	for (i = 0; i < 2; i++) {
		snprintf(dst, sizeof(dst), "%s", names[i]);
		for (hops = 0; (x = plan_find(p, dst)) && x->type == E_SYMLINK && hops < 8; hops++)
			if (link_follow(dst, sizeof(dst), x->data) < 0)
				break;
		if (!x || x->type != E_FILE)
			continue;
		if (x->data)
			return write_text(path, x->data, x->len);
		if (file_read_all(x->src, &text, &len, 1 << 20) == 0) {
			r = write_text(path, text, len);
			free(text);
			return r;
		}
	}
	return write_text(path, own, sizeof(own) - 1);
}

/* TimeDateStamp set, the checksum computed again over the whole file. */
static int pe_fix(const char *path, uint32_t stamp)
{
	unsigned char head[PE_HEAD_MAX], *buf = malloc(1 << 20);
	struct pe_layout pl;
	uint32_t sum = 0, ck;
	size_t len;
	uint64_t off = 0;
	ssize_t n;
	int fd = open(path, O_RDWR | O_CLOEXEC), r = 0;

	if (fd < 0 || !buf) {
		r = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	if ((n = pread(fd, head, sizeof(head), 0)) < 0 || pe_layout_parse(head, len = (size_t)n, &pl) < 0) {
		r = n < 0 ? -errno : -EINVAL;
		goto out;
	}
	ck = pl.pe + 24 + 64;
	put32(head + pl.pe + 8, stamp);
	put32(head + ck, 0);
	if (pwrite(fd, head + pl.pe + 8, 4, pl.pe + 8) != 4 || pwrite(fd, head + ck, 4, ck) != 4) {
		r = -errno;
		goto out;
	}
	while ((n = pread(fd, buf, 1 << 20, off)) > 0) { /* the field is 0 now: it adds nothing */
		sum = pe_checksum_add(sum, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (n < 0) {
		r = -errno;
		goto out;
	}
	put32(head + ck, (uint32_t)(((sum & 0xffff) + (sum >> 16)) + off));
	/* 0644 like every output, whatever objcopy kept of the stub's mode */
	if (pwrite(fd, head + ck, 4, ck) != 4 || fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		r = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

struct section { const char *name, *file; uint64_t size, vma; };

#define UKI_SECTIONS 5

static int run_objcopy(struct emit *e, struct section *s, int n, const char *out)
{
	char *argv[1 + 6 * UKI_SECTIONS + 3], args[UKI_SECTIONS][3][PATH_MAX + 32];
	int i, a = 0, r;

	argv[a++] = "objcopy";
	for (i = 0; i < n; i++) {
		snprintf(args[i][0], sizeof(args[i][0]), "%s=%s", s[i].name, s[i].file);
		snprintf(args[i][1], sizeof(args[i][1]), "%s=0x%llx", s[i].name, (unsigned long long)s[i].vma);
		snprintf(args[i][2], sizeof(args[i][2]), "%s=data,readonly", s[i].name);
		argv[a++] = "--add-section";
		argv[a++] = args[i][0];
		argv[a++] = "--change-section-vma";
		argv[a++] = args[i][1];
		argv[a++] = "--set-section-flags";
		argv[a++] = args[i][2];
	}
	argv[a++] = UKI_STUB;
	argv[a++] = (char *)out;
	argv[a] = NULL;
	r = tool_run(argv, NULL, e->opts->verbose);
	if (r == -ENOENT)
		err("--format %s: objcopy is missing (package binutils)", e->em->format);
	else if (r == -EIO)
		err("unable to write %s (the messages above say why; -v shows everything)", e->out[0]);
	return r;
}

int uki_write(struct emit *e, const struct plan *p, const char *path, const char *shown)
{
	const struct pack_opts *o = e->opts;
	const char *cmdline = o->cmdline ? o->cmdline : UKI_CMDLINE;
	char work[PATH_MAX - 64], files[4][PATH_MAX], kver[128];
	static unsigned char khead[65536]; /* the setup header and the version string it points to */
	unsigned char head[PE_HEAD_MAX];
	struct section s[UKI_SECTIONS];
	struct pe_layout pl;
	struct stat st;
	uint64_t vma;
	size_t len;
	int i, n = 0, r;

	if (!o->kernel) {
		err("--format %s needs --kernel FILE (the kernel to boot, a bzImage)", e->em->format);
		return -EINVAL;
	}
	if ((r = read_head(UKI_STUB, head, sizeof(head), &len)) < 0) {
		err("--format %s: %s: %s (package systemd-boot-efi)", e->em->format, UKI_STUB, strerror(-r));
		return r;
	}
	if (pe_layout_parse(head, len, &pl) < 0) {
		err("--format %s: %s is not an x86-64 EFI application", e->em->format, UKI_STUB);
		return -EINVAL;
	}
	if ((r = read_head(o->kernel, khead, sizeof(khead), &len)) < 0) {
		err("--kernel %s: %s", o->kernel, strerror(-r));
		return r;
	}
	if ((r = bzimage_version(khead, len, kver, sizeof(kver))) == -EINVAL) {
		err("--kernel %s: not a bzImage (vmlinuz); systemd-stub boots no ELF vmlinux", o->kernel);
		return r;
	}
	if ((r = emit_scratch(e, "uki", work, sizeof(work))) < 0) {
		err("unable to write %s: %s", shown, strerror(-r));
		return r;
	}
	for (i = 0; i < 4; i++)
		snprintf(files[i], sizeof(files[i]), "%s/%s", work, (const char *[]){ "osrel", "cmdline", "uname", "initrd" }[i]);
	if ((r = osrel_write(p, files[0])) < 0 || (r = write_text(files[1], cmdline, strlen(cmdline))) < 0 ||
	    (kver[0] && (r = write_text(files[2], kver, strlen(kver))) < 0)) {
		err("unable to write %s: %s", work, strerror(-r));
		return r;
	}
	if ((r = initramfs_write(e, p, files[3], "the UKI's initramfs")) < 0)
		return r;
	s[n++] = (struct section){ ".osrel", files[0], 0, 0 };
	s[n++] = (struct section){ ".cmdline", files[1], 0, 0 };
	if (kver[0])
		s[n++] = (struct section){ ".uname", files[2], 0, 0 };
	s[n++] = (struct section){ ".initrd", files[3], 0, 0 };
	s[n++] = (struct section){ ".linux", o->kernel, 0, 0 };
	vma = pl.image_base + pl.end;
	for (i = 0; i < n; i++) {
		if (stat(s[i].file, &st) < 0) {
			err("unable to read %s: %s", s[i].file, strerror(errno));
			return -errno;
		}
		s[i].size = (uint64_t)st.st_size;
		s[i].vma = vma = (vma + UKI_PAGE - 1) / UKI_PAGE * UKI_PAGE;
		vma += s[i].size;
	}
	if (vma - pl.image_base > UINT32_MAX) {
		err("%s: the kernel and the initramfs are over 4 GiB, more than a PE image holds", shown);
		return -EFBIG;
	}
	if ((r = run_objcopy(e, s, n, path)) < 0)
		return r;
	if ((r = pe_fix(path, e->mtime)) < 0) {
		err("unable to write %s: %s", shown, strerror(-r));
		return r;
	}
	info("wrote %s: UKI (systemd-stub, kernel %s, command line '%s')", shown, kver[0] ? kver : "?", cmdline);
	return 0;
}

static int uki_emit(struct emit *e)
{
	return uki_write(e, e->plan, e->staged[0], e->out[0]);
}

const struct emitter emitter_uki = {
	.format = "uki",
	.outputs = { "" },
	.tools = { "objcopy", UKI_STUB },
	.emit = uki_emit,
};
