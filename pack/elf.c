/* The dynamic dependencies of an ELF file, from its headers: PT_INTERP; PT_DYNAMIC's DT_NEEDED,
 * DT_SONAME, DT_RPATH, DT_RUNPATH and DT_FLAGS_1 with DT_STRTAB mapped through the PT_LOAD
 * segments; the freedesktop .note.dlopen notes; a few undefined dynamic symbols that make glibc
 * load files at run time.  Pure and bounds-checked: the input may be any bytes.  No fixed limits:
 * as many DT_NEEDED entries and as long names as the file holds. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack/pack.h"

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

struct shdr {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

struct elf_view {
	const unsigned char *b;
	size_t len;
	int c64, le;
	size_t phoff;
	int phnum, phent;
};

static char no_interp[] = "";

/* The symbols glibc answers by loading a file at run time (pack.h's ELF_SYM_* bits). */
static const char *const watched[] = {
	"pthread_cancel", "pthread_exit", "backtrace", "iconv_open", "setlocale",
};

static uint64_t rd(const struct elf_view *v, uint64_t off, int size)
{
	uint64_t x = 0;
	int i;

	if (off > v->len || (uint64_t)size > v->len - off)
		return 0;
	for (i = 0; i < size; i++)
		x |= (uint64_t)v->b[off + (v->le ? i : size - 1 - i)] << (8 * i);
	return x;
}

static int get_phdr(const struct elf_view *v, int i, struct phdr *ph)
{
	uint64_t off = v->phoff + (uint64_t)i * v->phent;

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

/* A NUL-terminated string at file offset off, ending before limit: a copy, or NULL. */
static char *get_str(const struct elf_view *v, uint64_t off, uint64_t limit)
{
	const unsigned char *s, *nul;
	char *out;

	if (limit > v->len)
		limit = v->len;
	if (off >= limit)
		return NULL;
	s = v->b + off;
	nul = memchr(s, '\0', limit - off);
	if (!nul)
		return NULL;
	out = malloc(nul - s + 1);
	if (!out)
		abort();
	memcpy(out, s, nul - s + 1);
	return out;
}

static int vaddr_to_off(const struct elf_view *v, uint64_t vaddr, uint64_t *off, uint64_t *room)
{
	struct phdr ph;
	int i;

	for (i = 0; i < v->phnum; i++) {
		if (get_phdr(v, i, &ph) < 0)
			return -EINVAL;
		if (ph.type == PT_LOAD && vaddr >= ph.vaddr && vaddr - ph.vaddr < ph.filesz) {
			*off = ph.offset + (vaddr - ph.vaddr);
			*room = ph.filesz - (vaddr - ph.vaddr);
			return 0;
		}
	}
	return -EINVAL;
}

static void push_str(char ***v, int *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		abort();
	nv[(*n)++] = s;
	*v = nv;
}

static int parse_dynamic(const struct elf_view *v, const struct phdr *dyn, struct elf_info *out)
{
	int esz = v->c64 ? 16 : 8, ws = v->c64 ? 8 : 4, i, n = 0, r = 0;
	uint64_t strtab = 0, strsz = 0, stroff, room, tag, val, off, end;
	uint64_t soname = 0, rpath = 0, runpath = 0, *needed = NULL;
	int has_soname = 0, has_rpath = 0, has_runpath = 0;

	if (dyn->offset > v->len || dyn->filesz > v->len - dyn->offset)
		return -EINVAL;
	end = dyn->offset + dyn->filesz;
	for (off = dyn->offset; off + esz <= end; off += esz) {
		tag = rd(v, off, ws);
		val = rd(v, off + ws, ws);
		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB)
			strtab = val;
		else if (tag == DT_STRSZ)
			strsz = val;
		else if (tag == DT_NEEDED) {
			uint64_t *nn = realloc(needed, (n + 1) * sizeof(*needed));
			if (!nn)
				abort();
			needed = nn;
			needed[n++] = val;
		} else if (tag == DT_SONAME)
			soname = val, has_soname = 1;
		else if (tag == DT_RUNPATH)
			runpath = val, has_runpath = 1;
		else if (tag == DT_RPATH)
			rpath = val, has_rpath = 1;
		else if (tag == DT_FLAGS_1)
			out->flags_1 = val;
	}
	if (!strtab) {
		free(needed);
		return n ? -EINVAL : 0;
	}
	if (vaddr_to_off(v, strtab, &stroff, &room) < 0) {
		free(needed);
		return -EINVAL;
	}
	if (strsz > room)
		strsz = room;
	end = stroff + strsz;
	for (i = 0; i < n && !r; i++) {
		char *s = needed[i] < strsz ? get_str(v, stroff + needed[i], end) : NULL;
		if (!s)
			r = -EINVAL;
		else
			push_str(&out->needed, &out->nneeded, s);
	}
	free(needed);
	if (r)
		return r;
	/* ld.so ignores DT_RPATH when DT_RUNPATH is there (elf/get-dynamic-info.h) */
	if (has_runpath && !(out->runpath = runpath < strsz ? get_str(v, stroff + runpath, end) : NULL))
		return -EINVAL;
	if (has_rpath && !has_runpath && !(out->rpath = rpath < strsz ? get_str(v, stroff + rpath, end) : NULL))
		return -EINVAL;
	if (has_soname && !(out->soname = soname < strsz ? get_str(v, stroff + soname, end) : NULL))
		return -EINVAL;
	return 0;
}

static int get_shdr(const struct elf_view *v, uint64_t shoff, int shent, int i, struct shdr *sh)
{
	uint64_t off = shoff + (uint64_t)i * shent;

	if (off > v->len || v->len - off < (v->c64 ? 64u : 40u))
		return -EINVAL;
	sh->type = rd(v, off + 4, 4);
	if (v->c64) {
		sh->offset = rd(v, off + 24, 8);
		sh->size = rd(v, off + 32, 8);
		sh->link = rd(v, off + 40, 4);
		sh->entsize = rd(v, off + 56, 8);
	} else {
		sh->offset = rd(v, off + 16, 4);
		sh->size = rd(v, off + 20, 4);
		sh->link = rd(v, off + 24, 4);
		sh->entsize = rd(v, off + 36, 4);
	}
	if (sh->offset > v->len) /* nothing of it in the file: no offset near UINT64_MAX either */
		sh->offset = v->len, sh->size = 0;
	else if (sh->size > v->len - sh->offset)
		sh->size = v->len - sh->offset;
	return 0;
}

/* Undefined dynamic symbols among the watched ones, from the section headers' SHT_DYNSYM. */
static void scan_dynsym(const struct elf_view *v, const struct shdr *sym, const struct shdr *str,
			struct elf_info *out)
{
	uint64_t esz = v->c64 ? 24 : 16, off, k;
	unsigned i;

	for (k = 0; k < sym->size / esz; k++) { /* counted: never an offset sum that wraps */
		off = sym->offset + k * esz;
		uint64_t name = rd(v, off, 4);
		uint64_t shndx = rd(v, off + (v->c64 ? 6 : 14), 2);
		const char *s;
		if (shndx != SHN_UNDEF || name >= str->size)
			continue;
		s = (const char *)v->b + str->offset + name;
		for (i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
			size_t l = strlen(watched[i]);
			if (str->size - name > l && !memcmp(s, watched[i], l + 1))
				out->undef |= 1u << i;
		}
	}
}

/* Notes in [off, off+size): the freedesktop dlopen notes (owner "FDO", type 0x407c0c0a, a JSON
 * array as descriptor, https://systemd.io/ELF_DLOPEN_METADATA/). */
static void scan_notes(const struct elf_view *v, uint64_t off, uint64_t size, struct elf_info *out)
{
	uint64_t end = off + size, namesz, descsz, type, name, desc;

	if (off > v->len || size > v->len - off)
		return;
	while (off + 12 <= end) {
		namesz = rd(v, off, 4);
		descsz = rd(v, off + 4, 4);
		type = rd(v, off + 8, 4);
		name = off + 12;
		desc = name + ((namesz + 3) & ~3ull);
		if (desc > end || descsz > end - desc)
			return;
		if (type == ELF_NOTE_DLOPEN && namesz == 4 && !memcmp(v->b + name, "FDO", 4))
			dlopen_note_parse((const char *)v->b + desc, descsz, &out->dlopen, &out->ndlopen);
		off = desc + ((descsz + 3) & ~3ull);
	}
}

static void parse_sections(const struct elf_view *v, struct elf_info *out)
{
	uint64_t shoff = v->c64 ? rd(v, 40, 8) : rd(v, 32, 4);
	int shent = rd(v, v->c64 ? 58 : 46, 2), shnum = rd(v, v->c64 ? 60 : 48, 2), i;
	struct shdr sh, str;
	struct phdr ph;

	if (!shoff || shnum == 0 || shent < (v->c64 ? 64 : 40)) {
		out->no_sections = 1;
		for (i = 0; i < v->phnum; i++)
			if (get_phdr(v, i, &ph) == 0 && ph.type == PT_NOTE)
				scan_notes(v, ph.offset, ph.filesz, out);
		return;
	}
	/* Bounded work whatever the headers say: one SHT_DYNSYM (an ELF file has at most one), and
	 * notes read up to twice the file's size in all (65,535 sections naming the same bytes
	 * would otherwise be read 65,535 times). */
	int dynsym_seen = 0;
	uint64_t budget = 2 * (uint64_t)v->len + 4096;
	for (i = 0; i < shnum; i++) {
		if (get_shdr(v, shoff, shent, i, &sh) < 0)
			return;
		if (sh.type == SHT_NOTE && sh.size <= budget) {
			budget -= sh.size;
			scan_notes(v, sh.offset, sh.size, out);
		} else if (sh.type == SHT_DYNSYM && !dynsym_seen && sh.link < (unsigned)shnum &&
			   get_shdr(v, shoff, shent, sh.link, &str) == 0) {
			dynsym_seen = 1;
			scan_dynsym(v, &sh, &str, out);
		}
	}
}

int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out)
{
	struct elf_view v = { buf, len, 0, 1, 0, 0, 0 };
	struct phdr ph, dyn = { 0, 0, 0, 0 };
	int i, has_dyn = 0, r;

	memset(out, 0, sizeof(*out));
	out->interp = no_interp;
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
	out->type = rd(&v, 16, 2);
	out->machine = rd(&v, 18, 2);
	v.phoff = v.c64 ? rd(&v, 32, 8) : rd(&v, 28, 4);
	v.phent = rd(&v, v.c64 ? 54 : 42, 2);
	v.phnum = rd(&v, v.c64 ? 56 : 44, 2);
	if (v.phnum && v.phent < (v.c64 ? 56 : 32))
		return -EINVAL;
	for (i = 0; i < v.phnum; i++) {
		if (get_phdr(&v, i, &ph) < 0)
			return -EINVAL;
		if (ph.type == PT_INTERP && out->interp == no_interp) {
			if (!(out->interp = get_str(&v, ph.offset, ph.offset + ph.filesz))) {
				out->interp = no_interp;
				return -EINVAL;
			}
		} else if (ph.type == PT_DYNAMIC) {
			dyn = ph;
			has_dyn = 1;
		}
	}
	r = has_dyn ? parse_dynamic(&v, &dyn, out) : 0;
	if (r == 0)
		parse_sections(&v, out);
	return r;
}

void elf_info_free(struct elf_info *e)
{
	int i;

	if (e->interp && e->interp != no_interp)
		free(e->interp);
	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->soname);
	free(e->rpath);
	free(e->runpath);
	dlopen_notes_free(e->dlopen, e->ndlopen);
	memset(e, 0, sizeof(*e));
	e->interp = no_interp;
}

int elf_read(const char *path, struct elf_info *out)
{
	struct stat st;
	void *m;
	int fd, r;

	memset(out, 0, sizeof(*out));
	out->interp = no_interp;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISREG(st.st_mode) ? -errno : 0;
		close(fd);
		return r;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -errno;
	r = elf_parse(m, st.st_size, out);
	munmap(m, st.st_size);
	if (r < 0)
		elf_info_free(out);
	return r;
}
