/* minboot-pack: inputs -> plan (a sorted list of image entries) -> an emitter per format. */
#ifndef MINBOOT_PACK_H
#define MINBOOT_PACK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum entry_type { E_DIR, E_FILE, E_SYMLINK, E_CHR };

struct entry {
	char *dst;               /* absolute, normalised path in the image */
	enum entry_type type;
	mode_t perm;             /* permission bits only */
	char *src;               /* E_FILE: host path to read, or NULL when data is set */
	char *data;              /* E_FILE: inline content; E_SYMLINK: the target */
	size_t len;              /* length of data */
	unsigned major, minor;   /* E_CHR */
	const char *why;         /* which input pulled it in, for --print */
	size_t seq;              /* insertion order: later inputs override earlier ones */
};

struct plan {
	struct entry *v;
	size_t n, cap;
};

/* plan.c — every add returns 0 or -errno (-EINVAL for a destination that escapes the image). */
int plan_add_dir(struct plan *p, const char *dst, mode_t perm, const char *why);
int plan_add_file(struct plan *p, const char *dst, const char *src, mode_t perm, const char *why);
int plan_add_data(struct plan *p, const char *dst, const void *data, size_t len, mode_t perm,
		  const char *why);
int plan_add_symlink(struct plan *p, const char *dst, const char *target, const char *why);
int plan_add_chr(struct plan *p, const char *dst, unsigned major, unsigned minor, mode_t perm,
		 const char *why);
const struct entry *plan_find(const struct plan *p, const char *dst);
void plan_free(struct plan *p);
int plan_finish(struct plan *p);  /* parents added, sorted by path, duplicates resolved */
int path_normalise(const char *in, char *out, size_t outlen); /* "/a/./b//c" -> "/a/b/c" */

/* elf.c — the dynamic dependencies of an ELF file, read from its headers (never by running ldd). */
#define ELF_MAX_NEEDED 64
struct elf_info {
	int is_elf, class64, machine;
	char interp[256];        /* PT_INTERP, "" for a static binary */
	int nneeded;
	char needed[ELF_MAX_NEEDED][128];
	char runpath[512];       /* DT_RUNPATH, or DT_RPATH when there is no RUNPATH */
	int runpath_is_rpath;
};
int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out); /* pure */
int elf_read(const char *path, struct elf_info *out);

/* libs.c — add an ELF file's interpreter and libraries (recursively) to the plan. */
int libs_add(struct plan *p, const char *host_path, const char *why);

/* sink.c — where the emitters write: a file descriptor, optionally through zlib's gzip in
 * chunks compressed on several threads. */
struct sink {
	int fd;
	int gzip, level, jobs;
	void *chunks;            /* struct chunk[nchunks] */
	int nchunks, nfull, header_done;
	unsigned char *tail;     /* the last 32 KiB compressed: the next batch's first dictionary */
	size_t tail_len;
	uint32_t crc;
	uint64_t in_bytes, out_bytes;
	int error;               /* first -errno seen */
};
int sink_open(struct sink *s, int fd, int gzip_level, int jobs); /* level < 0: no compression */
int sink_write(struct sink *s, const void *buf, size_t len);
int sink_close(struct sink *s);

/* cpio.c — the newc format the kernel's initramfs unpacker reads. */
int cpio_emit(const struct plan *p, struct sink *s, uint32_t mtime, int trailer);
int cpio_put(struct sink *s, const char *name, uint32_t ino, uint32_t mode, uint32_t nlink,
	     uint32_t mtime, const void *data, size_t size, unsigned rmajor, unsigned rminor);
int cpio_trailer(struct sink *s);

/* overlay.c — a host directory tree laid into the image (sorted, modes normalised). */
int overlay_add(struct plan *p, const char *dir, const char *why);
int overlay_add_at(struct plan *p, const char *dir, const char *dst, const char *why);

/* hostfiles.c — supermin's hostfiles and excludefiles. */
int host_path_add(struct plan *p, const char *path, const char *why);
int hostfiles_add(struct plan *p, const char *file);
int excludefiles_read(const char *file, const char **globs, int *n, int max);
void plan_exclude(struct plan *p, const char *const *globs, int n);

/* dpkg.c — Debian packages from dpkg's database, Depends: followed. */
int packages_add(struct plan *p, const char *const *names, int n, int docs);

/* chroot.c — the image as a directory. */
int tree_write(const struct plan *p, const char *root, uint32_t mtime);
int chroot_emit(const struct plan *p, const char *out, uint32_t mtime);

/* iso.c, main.c — formats built on the initramfs */
struct pack_opts;
int iso_emit(const struct plan *p, struct pack_opts *o);
int ext2_emit(const struct plan *p, struct pack_opts *o);  /* OUT and OUT.initrd */
uint32_t source_date_epoch_value(void);

/* segments.c — the initramfs as cached, separately compressed cpio segments. */
int segments_emit(const struct plan *p, struct pack_opts *o);

/* hash.c — content hashes, with a stat cache. */
uint64_t hash_init(void);
uint64_t hash_bytes(uint64_t h, const void *buf, size_t len);
int hash_file(const char *path, uint64_t *out, int *cached);
void hash_cache_load(const char *file);
void hash_cache_save(const char *file);

/* modules.c — --module: kernel modules, their dependencies and the index files. */
struct pack_opts;
int modules_add(struct plan *p, struct pack_opts *o);

/* util.c */
int file_read_all(const char *path, char **out, size_t *len, size_t max);
int out_open_tmp(const char *out, char *tmp, size_t tmplen); /* temp file beside out */
int out_commit(int fd, const char *tmp, const char *out);    /* fsync + rename */
int tool_run(char *const argv[], const char *env, const char *val, int verbose);
char *xstrdup(const char *s);

#endif
