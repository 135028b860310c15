/* The dynamic dependencies of an ELF file, from its program headers: PT_INTERP, and PT_DYNAMIC's
 * DT_NEEDED / DT_RUNPATH / DT_RPATH with DT_STRTAB mapped through the PT_LOAD segments.
 * Pure and bounds-checked: the input may be any bytes. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack/pack.h"

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

struct elf_view {
	const unsigned char *b;
	size_t len;
	int c64, le;
};

static uint64_t rd(const struct elf_view *v, size_t off, int size)
{
	uint64_t x = 0;
	int i;

	if (off > v->len || (size_t)size > v->len - off)
		return 0;
	for (i = 0; i < size; i++)
		x |= (uint64_t)v->b[off + (v->le ? i : size - 1 - i)] << (8 * i);
	return x;
}

static int get_phdr(const struct elf_view *v, size_t off, struct phdr *ph)
{
	if (off > v->len || v->len - off < (v->c64 ? 56u : 32u))
		return -EINVAL;
	ph->type = rd(v, off, 4);
	if (v->c64) {
		ph->offset = rd(v, off + 8, 8);
		ph->vaddr = rd(v, off + 16, 8);
		ph->filesz = rd(v, off + 32, 8);
	} else {
		ph->offset = rd(v, off + 4, 4);
		ph->vaddr = rd(v, off + 8, 4);
		ph->filesz = rd(v, off + 16, 4);
	}
	return 0;
}

/* Copy a NUL-terminated string at file offset off, refusing one that runs off the file. */
static int get_str(const struct elf_view *v, uint64_t off, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; off + i < v->len; i++) {
		if (i >= outlen)
			return -ENAMETOOLONG;
		out[i] = v->b[off + i];
		if (!out[i])
			return 0;
	}
	return -EINVAL;
}

static int vaddr_to_off(const struct elf_view *v, size_t phoff, int phnum, int phent,
			uint64_t vaddr, uint64_t *off)
{
	struct phdr ph;
	int i;

	for (i = 0; i < phnum; i++) {
		if (get_phdr(v, phoff + (size_t)i * phent, &ph) < 0)
			return -EINVAL;
		if (ph.type == PT_LOAD && vaddr >= ph.vaddr && vaddr - ph.vaddr < ph.filesz) {
			*off = ph.offset + (vaddr - ph.vaddr);
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_dynamic(const struct elf_view *v, const struct phdr *dyn, size_t phoff, int phnum,
			 int phent, struct elf_info *out)
{
	int esz = v->c64 ? 16 : 8, ws = v->c64 ? 8 : 4, i, n = 0, has_runpath = 0;
	uint64_t strtab = 0, strsz = 0, stroff, tag, val, off, rpath = 0, runpath = 0;
	uint64_t needed[ELF_MAX_NEEDED];
	char tmp[512];

	if (dyn->offset > v->len || dyn->filesz > v->len - dyn->offset)
		return -EINVAL;
	for (off = dyn->offset; off + esz <= dyn->offset + dyn->filesz; off += esz) {
		tag = rd(v, off, ws);
		val = rd(v, off + ws, ws);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB)
			strtab = val;
		else if (tag == DT_STRSZ)
			strsz = val;
		else if (tag == DT_NEEDED && n < ELF_MAX_NEEDED)
			needed[n++] = val;
		else if (tag == DT_NEEDED)
			return -E2BIG;
		else if (tag == DT_RUNPATH)
			runpath = val, has_runpath = 1;
		else if (tag == DT_RPATH)
			rpath = val;
	}
	if (!strtab)
		return n ? -EINVAL : 0;
	if (vaddr_to_off(v, phoff, phnum, phent, strtab, &stroff) < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (needed[i] >= strsz || get_str(v, stroff + needed[i], out->needed[i], sizeof(out->needed[i])) < 0)
			return -EINVAL;
	}
	out->nneeded = n;
	if (has_runpath || rpath) {
		val = has_runpath ? runpath : rpath;
		if (val >= strsz || get_str(v, stroff + val, tmp, sizeof(tmp)) < 0)
			return -EINVAL;
		strcpy(out->runpath, tmp);
		out->runpath_is_rpath = !has_runpath;
	}
	return 0;
}

int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out)
{
	struct elf_view v = { buf, len, 0, 1 };
	struct phdr ph, dyn = { 0, 0, 0, 0 };
	size_t phoff;
	int phnum, phent, i, has_dyn = 0;

	memset(out, 0, sizeof(*out));
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return 0; /* not ELF: a script or data, nothing to follow */
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64)
		return -EINVAL;
	v.c64 = buf[EI_CLASS] == ELFCLASS64;
	v.le = buf[EI_DATA] != ELFDATA2MSB;
	if (len < (v.c64 ? 64u : 52u))
		return -EINVAL;
	out->is_elf = 1;
	out->class64 = v.c64;
	out->machine = rd(&v, 18, 2);
	phoff = v.c64 ? rd(&v, 32, 8) : rd(&v, 28, 4);
	phent = rd(&v, v.c64 ? 54 : 42, 2);
	phnum = rd(&v, v.c64 ? 56 : 44, 2);
	if (phnum && phent < (v.c64 ? 56 : 32))
		return -EINVAL;
	for (i = 0; i < phnum; i++) {
		if (get_phdr(&v, phoff + (size_t)i * phent, &ph) < 0)
			return -EINVAL;
		if (ph.type == PT_INTERP) {
			if (ph.offset >= len || get_str(&v, ph.offset, out->interp, sizeof(out->interp)) < 0)
				return -EINVAL;
		} else if (ph.type == PT_DYNAMIC) {
			dyn = ph;
			has_dyn = 1;
		}
	}
	return has_dyn ? parse_dynamic(&v, &dyn, phoff, phnum, phent, out) : 0;
}

int elf_read(const char *path, struct elf_info *out)
{
	struct stat st;
	void *m;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISREG(st.st_mode) ? -errno : 0;
		close(fd);
		memset(out, 0, sizeof(*out));
		return r;
	}
	if (st.st_size == 0) {
		close(fd);
		memset(out, 0, sizeof(*out));
		return 0;
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	r = elf_parse(m, st.st_size, out);
	munmap(m, st.st_size);
	return r;
}
