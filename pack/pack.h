/* minboot-pack: inputs -> plan (a sorted list of image entries) -> an emitter per format. */
#ifndef MINBOOT_PACK_H
#define MINBOOT_PACK_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum entry_type { E_DIR, E_FILE, E_SYMLINK, E_CHR };

struct entry {
	char *dst;               /* absolute, normalised path in the image */
	enum entry_type type;
	mode_t perm;             /* the mode's low 12 bits: permissions, setuid, setgid, sticky */
	char *src;               /* E_FILE: host path to read, or NULL when data is set */
	char *data;              /* E_FILE: inline content; E_SYMLINK: the target */
	size_t len;              /* length of data */
	unsigned major, minor;   /* E_CHR */
	const char *why;         /* which input pulled it in, for --print */
	size_t seq;              /* insertion order: later inputs override earlier ones */
	uint32_t ino;            /* unique in the image, from the path (plan_finish) */
	uint32_t uid, gid;       /* owner in the image (0:0 unless an input says otherwise) */
	int host;                /* a host file taken as it is: uid and gid are the host's accounts */
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
struct stat;
/* A host file, directory or symlink (st from lstat of src) as the host has it: mode bits and
 * owner kept, as tar, cpio and supermin keep them.  0 for what an image takes nothing of
 * (devices, sockets, fifos). */
int plan_add_host(struct plan *p, const char *dst, const char *src, const struct stat *st, const char *why);
/* The mode of the user's own files (--file SRC:DST, --overlay): git's rule, reproducible under
 * any umask: the owner's x bit gives 0755, else 0644, directories 0755 (a directory's sticky
 * bit kept); no setuid or setgid (--chmod sets them where meant).  Their owner is 0:0. */
mode_t mode_user(mode_t st_mode);
const struct entry *plan_find(const struct plan *p, const char *dst);
void plan_free(struct plan *p);
int plan_finish(struct plan *p);  /* parents added, sorted by path, duplicates resolved */
int path_normalise(const char *in, char *out, size_t outlen); /* "/a/./b//c" -> "/a/b/c" */

/* elf.c — the dynamic dependencies of an ELF file, read from its headers (never by running ldd).
 * No fixed limits: every string is allocated; elf_info_free releases them. */
#define ELF_NOTE_DLOPEN 0x407c0c0a
enum { DLOPEN_REQUIRED, DLOPEN_RECOMMENDED, DLOPEN_SUGGESTED };
struct elf_dlopen {          /* one entry of a .note.dlopen note */
	char *feature;
	int priority;            /* DLOPEN_* */
	char **sonames;          /* alternatives: the first one found is used */
	int nsonames;
};
enum { ELF_SYM_PTHREAD_CANCEL = 1, ELF_SYM_PTHREAD_EXIT = 2, ELF_SYM_BACKTRACE = 4, ELF_SYM_ICONV_OPEN = 8,
       ELF_SYM_SETLOCALE = 16 };
struct elf_info {
	int is_elf, class64, machine, type;
	char *interp;            /* PT_INTERP, "" for a static binary */
	char **needed;           /* DT_NEEDED, in order */
	int nneeded;
	char *soname;            /* DT_SONAME or NULL */
	char *rpath, *runpath;   /* NULL when absent; rpath NULL when there is a RUNPATH (ld.so's rule) */
	uint64_t flags_1;        /* DT_FLAGS_1 (DF_1_NODEFLIB) */
	struct elf_dlopen *dlopen;
	int ndlopen;
	unsigned undef;          /* ELF_SYM_* referenced as undefined dynamic symbols */
	int no_sections;         /* no section headers: undef is unknown */
};
int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out); /* pure */
int elf_read(const char *path, struct elf_info *out);
void elf_info_free(struct elf_info *e);
/* elfnote.c — the JSON of a .note.dlopen descriptor; entries appended to *v (pure). */
int dlopen_note_parse(const char *json, size_t len, struct elf_dlopen **v, int *n);
void dlopen_notes_free(struct elf_dlopen *v, int n);

/* ldcache.c — glibc's ld.so.cache: the host's read, a small one written for the image. */
struct ldcache {
	const unsigned char *data; /* the new-format part */
	size_t size;
	uint32_t n;
	const unsigned char *hwcaps; /* the glibc-hwcaps extension: string offsets */
	uint32_t nhwcaps;
};
struct ldcache_entry { const char *name, *path; };
int ldcache_libcmp(const char *a, const char *b);
int ldcache_parse(const unsigned char *buf, size_t len, struct ldcache *c); /* pure; c points into buf */
const char *ldcache_lookup(const struct ldcache *c, const char *name, int32_t flags,
			   const char *const *levels);
int ldcache_write(struct ldcache_entry *v, int n, int32_t flags, unsigned char **out, size_t *len);

/* libs.c — the libraries an ELF file loads, found as glibc's loader finds them. */
struct lib_obj {
	char *ipath, *hpath;     /* where it is in the image, and the host file read for it */
	char *ireal;             /* the image file ipath leads to (symlinks in the image followed) */
	char *name;              /* the name it was asked by (DT_NEEDED, PT_INTERP, dlopen) */
	char **alias;            /* other names that found the same file */
	int nalias;
	int loader;              /* the object whose DT_NEEDED brought it in, -1 for the program */
	int in_image;            /* the image already had it */
	int via_cache;           /* found through ld.so.cache */
	int is_interp;
	int implicit, used;      /* the system loader assumed for a library; a name found it */
	const char *how;         /* the rule that found it: "its DT_RUNPATH", "ld.so.cache", ... */
	char *iorigin, *horigin; /* $ORIGIN in the image and on the host */
	struct elf_info e;
};
struct lib_set {
	struct lib_obj *v;       /* v[0] the program, then what it loads, breadth first */
	int n, cap;
	int image;               /* resolved for an image (with a view of it), not just the host */
	int hwcaps_seen;         /* something was found in a glibc-hwcaps subdirectory */
	struct ldcache_entry *cache; /* names found through ld.so.cache, with the image path */
	int ncache;
	char err[1024];          /* why resolving failed */
};
struct lib_view {
	/* The image's file at ipath, following the image's symlinks: 1 with *src (the host file
	 * holding it) and *real (its path in the image) set; 0 when the image has none. */
	int (*image_file)(void *ctx, const char *ipath, const char **src, const char **real);
	void *ctx;
	const char *const *levels;       /* glibc-hwcaps subdirectories searched, best first */
	const struct ldcache_entry *icache; /* the image's ld.so.cache entries so far */
	int nicache;
};
extern const char *const lib_hwcaps_all[]; /* x86-64-v4, v3, v2 */
extern const char *lib_cache_path;         /* the host's ld.so.cache (default /etc/ld.so.cache) */
extern const char *const lib_default_dirs[];
int lib_in_default_dir(const char *path);
int libs_resolve(const struct lib_view *view, struct lib_set *set, const char *ipath, const char *hpath);
int libs_dlopen(const struct lib_view *view, struct lib_set *set, int asker, const char *name);
void libs_set_free(struct lib_set *set);

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

/* overlay.c — a host directory tree laid into the image: the user's (keep 0: mode_user(), 0:0)
 * or the host's as it is (keep 1). */
int overlay_add(struct plan *p, const char *dir, const char *why);
int overlay_add_at(struct plan *p, const char *dir, const char *dst, int keep, const char *why);

/* hostfiles.c — supermin's hostfiles and excludefiles. */
int host_path_add(struct plan *p, const char *path, const char *why);
char *link_read(const char *path, size_t size_hint); /* a symlink's target, malloc'ed */
int hostfiles_add(struct plan *p, const char *file);
int excludefiles_read(const char *file, const char ***globs, int *n);
void plan_exclude(struct plan *p, const char *const *globs, int n);

/* dpkg.c — Debian packages from dpkg's database, Depends: followed. */
int packages_add(struct plan *p, const char *const *names, int n, int docs);
void packages_reset(void);          /* before each plan is built */
int command_path(const char *path); /* in a bin or sbin directory */

/* chroot.c — the image as a directory.  Each file's bytes are hashed as they are copied and
 * checked against the digest the pack was keyed by (-ESTALE when a file changed meanwhile). */
/* shown: root in messages; owners_later: the caller sets the owners itself (ext2, as any user) */
int tree_write(const struct plan *p, const char *root, const char *shown, uint32_t mtime, int owners_later);

/* The formats (initramfs, chroot, ext2, iso) are emitters: pack/emit.h. */
uint32_t source_date_epoch_value(void);

/* hash.c — SHA-256 (nettle) of bytes and of files, with a stat cache (path, device, inode,
 * size, mtime, ctime) that spares re-reading unchanged files the way git's index does. */
#define DIGEST_LEN 32
struct hash { unsigned long long ctx[16]; };   /* a nettle sha256_ctx */
void hash_init(struct hash *h);
void hash_update(struct hash *h, const void *buf, size_t len);
void hash_str(struct hash *h, const char *s);  /* with its NUL, so "a","b" differs from "ab" */
void hash_u64(struct hash *h, uint64_t v);
void hash_final(struct hash *h, unsigned char out[DIGEST_LEN]);
void digest_hex(const unsigned char d[DIGEST_LEN], char out[2 * DIGEST_LEN + 1]);
int hash_file(const char *path, unsigned char out[DIGEST_LEN], int *cached);
int hash_recorded(const char *path, unsigned char out[DIGEST_LEN]); /* what hash_file gave */
int hash_check(const char *path);  /* 0: still the recorded content; -ESTALE: it changed */
int hash_files_read(void);         /* files hash_file had to read (the stat cache did not know) */
int hash_cache_load(const char *file);
int hash_cache_save(const char *file, const char *tmpdir);

/* modules.c — --module: kernel modules, their dependencies and the index files. */
struct pack_opts;
int modules_add(struct plan *p, struct pack_opts *o);

/* util.c */
int file_read_all(const char *path, char **out, size_t *len, size_t max);
int fd_write_all(int fd, const void *buf, size_t len);       /* 0 or -errno, -EINTR on a signal */
char *xstrdup(const char *s);
void word_quote(FILE *f, const char *w);                   /* a word for the init's cmd_split */
int size_parse(const char *s, unsigned long long *out);      /* "500M", "2G", "4096" */
/* Outside tools (zstd, mke2fs, xorriso): env is NULL or "KEY=VALUE" strings; in and out are -1
 * or descriptors for the tool's stdin and stdout.  Its stderr is kept and shown when it fails.
 * 0, -ENOENT when the tool is missing, -EIO when it failed (already reported), -EINTR. */
struct tool { pid_t pid; int err_fd; const char *name; int verbose; };
int tool_path(const char *name, char *out, size_t len);  /* PATH, then /usr/sbin, /sbin */
int tool_start(struct tool *t, char *const argv[], const char *const env[], int in, int out, int verbose);
int tool_wait(struct tool *t);
int tool_run(char *const argv[], const char *const env[], int verbose);
/* SIGINT, SIGTERM and SIGHUP set a flag the long loops test: the pack unwinds, removing its
 * temporary files, and fails with -EINTR. */
void signals_catch(void);
void signals_block(int block);  /* held during a commit: the renames are never cut half-way */
int pack_interrupted(void);     /* 0, or -EINTR once a signal came */
int pack_signal(void);
/* A stage: a directory of the packer's own (DIR/PREFIX.minboot-tmp.XXXXXX, holding a marker and
 * locked with flock while in use).  stage_reap removes those whose lock is free: a pack that was
 * killed; finish, when given, first completes an interrupted commit. */
struct stage {
	char path[3584];         /* room for a name under it in PATH_MAX */
	int fd;
	long long born;          /* the marker's mtime (ns): the filesystem's clock, not ours */
};
int stage_open(struct stage *st, const char *dir, const char *prefix);
void stage_close(struct stage *st);
void stage_close_all(void);     /* every stage still open: a pack that is unwinding */
void stage_reap(const char *dir, void (*finish)(const char *stage));
int rm_tree(const char *path);

#endif
