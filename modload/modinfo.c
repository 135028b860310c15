/* Module files: compression by magic, gzip inflation (zlib), and the ELF .modinfo section. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "modload/internal.h"

#define MOD_MAX_SIZE (256u << 20) /* no module is this big; a bound for corrupt gzip streams */

enum mod_compression mod_compression_of(const unsigned char *m, size_t len)
{
	if (len >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return MOD_COMP_GZIP;
	if (len >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6))
		return MOD_COMP_XZ;
	if (len >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return MOD_COMP_ZSTD;
	return MOD_COMP_NONE;
}

/* Inflate a whole gzip member; corrupt data is -EBADMSG. */
static int gunzip(const char *in, size_t inlen, char **out, size_t *outlen)
{
	z_stream z;
	size_t cap = inlen * 4 + 4096, n = 0;
	char *buf = malloc(cap);
	int r;

	if (!buf)
		return -ENOMEM;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	do {
		if (n == cap) {
			char *nb = cap >= MOD_MAX_SIZE ? NULL : realloc(buf, cap *= 2);

			if (!nb) {
				r = Z_MEM_ERROR;
				break;
			}
			buf = nb;
		}
		z.next_out = (Bytef *)buf + n;
		z.avail_out = (uInt)(cap - n);
		r = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	} while (r == Z_OK);
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(buf);
		return r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

int mod_file_read(const char *path, char **buf, size_t *len,
		  int (*read_hook)(const char *, char **, size_t *))
{
	char *raw, *plain;
	size_t rawlen, plainlen;
	int r = mod_read_text(path, &raw, &rawlen);

	if (r < 0)
		return r;
	switch (mod_compression_of((unsigned char *)raw, rawlen)) {
	case MOD_COMP_NONE:
		*buf = raw;
		*len = rawlen;
		return 0;
	case MOD_COMP_GZIP:
		r = gunzip(raw, rawlen, &plain, &plainlen);
		break;
	default:
		r = read_hook ? read_hook(path, &plain, &plainlen) : -ENOTSUP;
		break;
	}
	free(raw);
	if (r < 0)
		return r;
	*buf = plain;
	*len = plainlen;
	return 0;
}

static int in_bounds(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

/* Find .modinfo through the section headers; every offset is checked against len. */
int mod_modinfo_find(const void *elf, size_t len, const char **info, size_t *infolen)
{
	const unsigned char *b = elf;
	uint64_t shoff, off, size, stroff = 0, strsize = 0;
	unsigned shnum, shentsize, shstrndx, i, pass;
	int is64;

	if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) || b[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
	is64 = b[EI_CLASS] == ELFCLASS64;
	if (len < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return -ENOEXEC;
	if (is64) {
		Elf64_Ehdr h;

		memcpy(&h, b, sizeof(h));
		shoff = h.e_shoff, shnum = h.e_shnum, shentsize = h.e_shentsize, shstrndx = h.e_shstrndx;
	} else {
		Elf32_Ehdr h;

		memcpy(&h, b, sizeof(h));
		shoff = h.e_shoff, shnum = h.e_shnum, shentsize = h.e_shentsize, shstrndx = h.e_shstrndx;
	}
	if (shentsize != (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) ||
	    !in_bounds(len, shoff, (uint64_t)shnum * shentsize) || shstrndx >= shnum)
		return -ENOEXEC;
	/* pass 0 finds the section-name table, pass 1 the section named .modinfo */
	for (pass = 0; pass < 2; pass++) {
		for (i = pass ? 0 : shstrndx; i < (pass ? shnum : shstrndx + 1); i++) {
			const unsigned char *sh = b + shoff + (uint64_t)i * shentsize;
			uint32_t name;

			if (is64) {
				Elf64_Shdr s;

				memcpy(&s, sh, sizeof(s));
				name = s.sh_name, off = s.sh_offset, size = s.sh_size;
			} else {
				Elf32_Shdr s;

				memcpy(&s, sh, sizeof(s));
				name = s.sh_name, off = s.sh_offset, size = s.sh_size;
			}
			if (!in_bounds(len, off, size))
				return -ENOEXEC;
			if (!pass) {
				stroff = off, strsize = size;
			} else if (name < strsize && strsize - name >= sizeof(".modinfo") &&
				   !memcmp(b + stroff + name, ".modinfo", sizeof(".modinfo"))) {
				*info = (const char *)b + off;
				*infolen = size;
				return 0;
			}
		}
	}
	return -ENOENT;
}
