/* A tar reader for OCI image layers and image archives: ustar, pax extended headers (path,
 * linkpath, size, uid, gid), GNU long names and links, GNU base-256 numbers.  Pure: it reads
 * through the caller's function and allocates nothing, so tests and the fuzzer feed it bytes. */
#ifndef MINBOOT_PACK_TAR_H
#define MINBOOT_PACK_TAR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TAR_PATH_MAX 4096       /* PATH_MAX: the kernel takes no longer path */
#define TAR_EXT_MAX  (1 << 20)  /* a pax header or GNU long name larger than this is refused */

struct tar_entry {
	char path[TAR_PATH_MAX];   /* as in the archive (not normalised) */
	char link[TAR_PATH_MAX];   /* symlink target, or the hard link's original */
	char type;                 /* '0' file, '1' hard link, '2' symlink, '3' char, '4' block,
				    * '5' directory, '6' FIFO */
	unsigned mode;             /* the 07777 bits */
	uint32_t uid, gid;
	uint64_t size;             /* data bytes: regular files only */
	unsigned major, minor;
	uint64_t offset;           /* of the data in the archive */
};

struct tar {
	/* Reads up to n bytes: > 0 read, 0 end of input, -errno. */
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	void *ctx;
	uint64_t pos;              /* bytes consumed so far */
	uint64_t left, pad;        /* of the current entry's data */
	char err[200];             /* why the last call failed */
	char ext[TAR_EXT_MAX];     /* scratch for pax records and long names */
};

void tar_init(struct tar *t, ssize_t (*read)(void *, void *, size_t), void *ctx);
/* 1 and the next entry, 0 at the end of the archive, or -errno with t->err set (-EINVAL for a
 * malformed or truncated archive, -ENOTSUP for an entry type it does not take). */
int tar_next(struct tar *t, struct tar_entry *e);
/* The current entry's data: > 0 bytes, 0 at its end, -errno. */
ssize_t tar_read(struct tar *t, void *buf, size_t n);

#endif
