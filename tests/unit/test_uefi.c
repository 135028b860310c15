/* The UKI and disk formats' pure parts (pack/uki.c, pack/disk.c) with expected values: a PE32+
 * EFI application's layout and what is refused, the PE checksum (also against systemd-stub's own
 * header when the stub is installed), a bzImage's version string, GUIDs from the content, and the
 * options that shape these formats. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack/emit.h"
#include "pack/opts.h"
#include "tests/unit/test.h"

static void put16(unsigned char *p, unsigned v) { p[0] = v & 0xff, p[1] = v >> 8 & 0xff; }
static void put32(unsigned char *p, unsigned v) { put16(p, v & 0xffff), put16(p + 2, v >> 16); }

/* A PE32+ x86-64 EFI application with two sections, its PE header at 0x80. */
static void pe_build(unsigned char *b, size_t len)
{
	unsigned char *pe = b + 0x80, *opt = pe + 24, *sec = opt + 240;

	memset(b, 0, len);
	memcpy(b, "MZ", 2);
	put32(b + 60, 0x80);
	memcpy(pe, "PE\0\0", 4);
	put16(pe + 4, 0x8664);
	put16(pe + 6, 2);            /* sections */
	put32(pe + 8, 0x5f5e1000);   /* TimeDateStamp */
	put16(pe + 20, 240);         /* SizeOfOptionalHeader */
	put16(opt, 0x20b);
	put32(opt + 24, 0x10000000); /* ImageBase, low */
	put32(opt + 28, 0x1);        /* ImageBase, high */
	put32(opt + 32, 0x200);      /* SectionAlignment */
	put16(opt + 68, 10);         /* EFI application */
	memcpy(sec, ".text", 5);
	put32(sec + 8, 0x500);       /* VirtualSize */
	put32(sec + 12, 0x1000);     /* VirtualAddress */
	put32(sec + 16, 0x600);      /* SizeOfRawData: the larger counts */
	memcpy(sec + 40, ".data", 5);
	put32(sec + 48, 0x10);
	put32(sec + 52, 0x3000);
	put32(sec + 56, 0x200);
}

static void pe_layout(void)
{
	unsigned char b[1024];
	struct pe_layout pl;

	pe_build(b, sizeof(b));
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), 0);
	CHECK_INT(pl.pe, 0x80);
	CHECK_INT(pl.end, 0x3200);
	CHECK_INT(pl.align, 0x200);
	CHECK_INT(pl.timestamp, 0x5f5e1000);
	CHECK(pl.image_base == 0x110000000ULL);
	/* the first section's raw size is what reaches furthest when it is last */
	put32(b + 0x80 + 24 + 240 + 52, 0x800);
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), 0);
	CHECK_INT(pl.end, 0x1600);
}

static void pe_refusals(void)
{
	unsigned char b[1024];
	struct pe_layout pl;

	pe_build(b, sizeof(b));
	CHECK_INT(pe_layout_parse(b, 63, &pl), -EINVAL);                 /* shorter than the MZ header */
	CHECK_INT(pe_layout_parse(b, 0x80 + 24 + 240 + 60, &pl), -EINVAL); /* section table cut */
	b[0] = 'Z';
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put32(b + 60, 5000);                                              /* e_lfanew past the end */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put16(b + 0x84, 0xaa64);                                          /* arm64 */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put16(b + 0x80 + 24, 0x10b);                                      /* PE32 */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put16(b + 0x80 + 24 + 68, 3);                                     /* a console program */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put32(b + 0x80 + 24 + 32, 0x300);                                 /* alignment not a power of 2 */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put16(b + 0x86, 0);                                               /* no sections */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
	pe_build(b, sizeof(b));
	put32(b + 0x80 + 24 + 240 + 52, 0xfffffff0);                      /* past 4 GiB */
	CHECK_INT(pe_layout_parse(b, sizeof(b), &pl), -EINVAL);
}

/* Sums by hand: words 0x0201 0x0403 0x0605 0x0807 and the odd last byte 0x09; a carry folded. */
static void pe_checksum(void)
{
	static const unsigned char nine[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, carry[] = { 0xff, 0xff, 2, 0 };
	const char *stub = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
	unsigned char *buf;
	struct pe_layout pl;
	uint32_t sum, want;
	ssize_t n;
	int fd;

	CHECK_INT(pe_checksum_add(0, nine, sizeof(nine)), 0x1419);
	CHECK_INT(pe_checksum_add(0, carry, sizeof(carry)), 2);
	CHECK_INT(pe_checksum_add(pe_checksum_add(0, nine, 8), nine + 8, 1), 0x1419); /* in pieces */
	/* Debian's systemd-stub carries its linker's checksum: the same one, computed here */
	if ((fd = open(stub, O_RDONLY)) < 0) {
		printf("  (no %s: its checksum not compared)\n", stub);
		return;
	}
	buf = malloc(1 << 22);
	n = read(fd, buf, 1 << 22);
	close(fd);
	CHECK(n > 0 && pe_layout_parse(buf, (size_t)n, &pl) == 0);
	if (n > 0 && pe_layout_parse(buf, (size_t)n, &pl) == 0) {
		unsigned char *ck = buf + pl.pe + 24 + 64;
		want = ck[0] | ck[1] << 8 | ck[2] << 16 | (uint32_t)ck[3] << 24;
		memset(ck, 0, 4);
		sum = pe_checksum_add(0, buf, (size_t)n);
		CHECK_INT((sum & 0xffff) + (sum >> 16) + (uint32_t)n, want);
	}
	free(buf);
}

static void bzimage_versions(void)
{
	static unsigned char k[0x1000];
	char v[64];

	memcpy(k, "MZ", 2);
	memcpy(k + 0x202, "HdrS", 4);
	put16(k + 0x206, 0x20f);       /* boot protocol 2.15 */
	put16(k + 0x20e, 0x600);       /* the string at 0x800 */
	strcpy((char *)k + 0x800, "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	CHECK_INT(bzimage_version(k, sizeof(k), v, sizeof(v)), 0);
	CHECK_STR(v, "6.1.0-57-amd64");
	CHECK_INT(bzimage_version(k, sizeof(k), v, 4), 0); /* cut to the buffer */
	CHECK_STR(v, "6.1");
	put16(k + 0x20e, 0x2000);      /* past what was read */
	CHECK_INT(bzimage_version(k, sizeof(k), v, sizeof(v)), -ENOENT);
	put16(k + 0x20e, 0);
	CHECK_INT(bzimage_version(k, sizeof(k), v, sizeof(v)), -ENOENT);
	memcpy(k + 0x202, "\177ELF", 4); /* no setup header: an ELF vmlinux, a PE without it */
	CHECK_INT(bzimage_version(k, sizeof(k), v, sizeof(v)), -EINVAL);
}

static void guids(void)
{
	unsigned char c[DIGEST_LEN] = { 1, 2, 3 };
	char a[37], b[37], d[37];
	int i;

	guid_from_digest(c, "disk", a);
	guid_from_digest(c, "disk", b);
	guid_from_digest(c, "esp", d);
	CHECK_STR(a, b);                  /* the same content, the same GUID */
	CHECK(strcmp(a, d) != 0);         /* each partition its own */
	CHECK_INT(strlen(a), 36);
	CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
	CHECK(a[14] == '4');              /* version 4 */
	CHECK(strchr("89ab", a[19]) != NULL); /* RFC 4122 variant */
	c[31] ^= 1;
	guid_from_digest(c, "disk", b);
	CHECK(strcmp(a, b) != 0);
	for (i = 0; a[i]; i++)
		CHECK(a[i] == '-' || strchr("0123456789abcdef", a[i]));
}

static int parse(struct pack_opts *o, const char *a, const char *b)
{
	const char *fmt = !strcmp(a, "--cmdline") ? "uki" : !strcmp(a, "--format") ? b : "disk";
	char *argv[] = { "minboot-pack", "-o", "x", "--format", (char *)fmt, (char *)a, (char *)b, NULL };

	return opts_parse(7, argv, o);
}

static int parse_as(struct pack_opts *o, const char *fmt, const char *a, const char *b)
{
	char *argv[] = { "minboot-pack", "-o", "x", (char *)a, (char *)b, "--format", (char *)fmt, NULL };

	return opts_parse(7, argv, o);
}

static void options(void)
{
	struct pack_opts o;

	CHECK_INT(parse(&o, "--cmdline", "console=ttyS0 minboot.exit=virtio-serial ip=dhcp"), 0);
	CHECK_STR(o.cmdline, "console=ttyS0 minboot.exit=virtio-serial ip=dhcp");
	CHECK_INT(parse(&o, "--cmdline", "console=ttyS0 minboot.exit=serial"), -EINVAL); /* the init's rules */
	CHECK_INT(parse(&o, "--cmdline", "minboot.restart=sometimes"), -EINVAL);
	CHECK_INT(parse(&o, "--root-partition", "yes"), 0);
	CHECK_INT(o.root_partition, ROOTPART_YES);
	CHECK_INT(parse(&o, "--root-partition", "no"), 0);
	CHECK_INT(o.root_partition, ROOTPART_NO);
	CHECK_INT(parse(&o, "--root-partition", "maybe"), -EINVAL);
	CHECK_INT(parse(&o, "--disk-size", "1G"), 0);
	CHECK(o.disk_size == 1ULL << 30);
	CHECK_INT(parse(&o, "--disk-size", "0"), -EINVAL);
	CHECK_INT(parse(&o, "--format", "uki"), 0);
	CHECK_STR(o.format, "uki");
	CHECK_INT(parse(&o, "--format", "disk"), 0);
	CHECK_STR(o.format, "disk");
	CHECK_INT(o.root_partition, ROOTPART_AUTO);
	/* another format's option is refused, not dropped (whatever the order) */
	CHECK_INT(parse_as(&o, "disk", "--cmdline", "quiet"), 0);
	CHECK_INT(parse_as(&o, "iso", "--cmdline", "quiet"), -EINVAL);
	CHECK_INT(parse_as(&o, "uki", "--root-partition", "yes"), -EINVAL);
	CHECK_INT(parse_as(&o, "initramfs", "--disk-size", "1G"), -EINVAL);
}

int main(void)
{
	RUN("uefi", pe_layout);
	RUN("uefi", pe_refusals);
	RUN("uefi", pe_checksum);
	RUN("uefi", bzimage_versions);
	RUN("uefi", guids);
	RUN("uefi", options);
	TEST_EXIT();
}
