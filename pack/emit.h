/* The packer's output formats behind one interface.
 *
 * An emitter writes every output of its format (OUT, and OUT.initrd for ext2 ...) into a stage:
 * a locked directory beside OUT that only this pack uses.  emit_run then commits them together:
 * each is swapped into place (renameat2 RENAME_EXCHANGE, the old one kept in the stage until
 * all are in), and a record of what was written (.OUT.minboot: the digest of everything that
 * made the outputs, and each output's identity) goes in last.  A failure before the commit
 * leaves every old output as it was; a failure during it puts the old ones back; a pack killed
 * during it is completed by the next pack, which finds the stage and its COMMIT list.
 *
 * A new format is a file defining a struct emitter, and a line in emit.c's table. */
#ifndef MINBOOT_PACK_EMIT_H
#define MINBOOT_PACK_EMIT_H
#include <limits.h>
#include <stdint.h>

#include "pack/opts.h"
#include "pack/pack.h"

#define EMIT_MAX_OUT 4

struct emit;

struct emitter {
	const char *format;                 /* the --format name */
	const char *outputs[EMIT_MAX_OUT];  /* suffixes of -o, NULL-terminated: { "", ".initrd" } */
	int dir;                            /* the first output is a directory */
	const char *tools[6];               /* programs and data files whose bytes shape the output */
	int (*emit)(struct emit *e);        /* write e->staged[i] for every output; 0 or -errno */
};

/* cache.c — compressed segments by key, each verified (length, SHA-256) when read. */
struct cache {
	char dir[PATH_MAX - 64];   /* "" when there is no cache */
	struct stage tmp;          /* this pack's temporary files in it */
	unsigned long long max;    /* --cache-max in bytes, 0 for no limit */
	long long start;           /* ns, the filesystem's clock: entries this pack used are newer */
	int broken;                /* a write failed: no more tries this pack */
	int jobs;                  /* threads for checking entries (-j) */
	int reused, stored;
};
int cache_open(struct cache *c, const struct pack_opts *o);
int cache_get(struct cache *c, const unsigned char key[DIGEST_LEN], int out, uint64_t *len);
void cache_put(struct cache *c, const unsigned char key[DIGEST_LEN], int fd, uint64_t off, uint64_t len);
void cache_close(struct cache *c);

struct emit {
	const struct emitter *em;
	const struct plan *plan;
	struct pack_opts *opts;
	struct cache cache;
	struct stage stage;
	char dir[PATH_MAX - 512];              /* the outputs' directory, symlinks resolved */
	char base[NAME_MAX + 1];               /* OUT's file name */
	char out[EMIT_MAX_OUT][PATH_MAX];      /* the outputs' final paths */
	char staged[EMIT_MAX_OUT][PATH_MAX];   /* where the emitter writes them */
	int nout;
	uint32_t mtime;                        /* SOURCE_DATE_EPOCH, or 0 */
	unsigned char packer[DIGEST_LEN];      /* the packer's own binary */
	unsigned char content[DIGEST_LEN];     /* the plan, its files' bytes and the options */
	unsigned char digest[DIGEST_LEN];      /* content + packer + tools: --if-newer's key */
};

const struct emitter *emitter_find(const char *format);
const char *emitter_names(void);                     /* "initramfs, chroot, ext2 or iso" */
int emit_run(const struct emitter *em, const struct plan *p, struct pack_opts *o);
int emit_scratch(struct emit *e, const char *name, char *out, size_t len); /* a directory in the stage */
int emit_tool_digest(const char *tool, unsigned char out[DIGEST_LEN]);   /* a program in PATH, or a file */

/* segments.c — the initramfs, as cached segments, written to path; shown names the output. */
int initramfs_write(struct emit *e, const struct plan *p, const char *path, const char *shown);

/* ext2.c — the root filesystem of the plan at path (UUID from the content, uuid[40]), and the
 * small initramfs that mounts it (the init, the modules, root=UUID=). */
int ext2_root_write(struct emit *e, const char *path, char *uuid);
int ext2_initrd_plan(const struct plan *p, struct plan *s, const char *uuid);
int root_initrd_plan(const struct plan *p, struct plan *s, const char *uuid, const char *fstype);
void root_uuid(const unsigned char h[DIGEST_LEN], char uuid[40]);  /* from the content's digest */

/* uki.c — a Unified Kernel Image of the plan (systemd-stub, --kernel, the initramfs, the command
 * line, os-release) at path; shown names it in messages. */
int uki_write(struct emit *e, const struct plan *p, const char *path, const char *shown);
/* Pure parsers for it: a PE32+ EFI application's layout, and a bzImage's version string. */
struct pe_layout {
	uint32_t pe;              /* the PE header's offset (e_lfanew) */
	uint64_t image_base;
	uint32_t align;           /* SectionAlignment */
	uint32_t end;             /* the first RVA after every section */
	uint32_t timestamp;       /* the COFF header's TimeDateStamp */
};
int pe_layout_parse(const unsigned char *buf, size_t len, struct pe_layout *out);
uint32_t pe_checksum_add(uint32_t sum, const unsigned char *buf, size_t len); /* 16-bit words */
int bzimage_version(const unsigned char *buf, size_t len, char *out, size_t outlen);
void guid_from_digest(const unsigned char content[DIGEST_LEN], const char *what, char out[37]);

extern const struct emitter emitter_initramfs, emitter_chroot, emitter_ext2, emitter_iso, emitter_uki,
	emitter_disk, emitter_erofs, emitter_squashfs;

#endif
