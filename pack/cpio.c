/* The newc ("070701") cpio format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): 110-byte ASCII header, name
 * padded to 4 bytes, data padded to 4 bytes, "TRAILER!!!" last. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/log.h"
#include "pack/pack.h"

static const char zeros[4];

static int put(struct sink *s, const char *name, uint32_t ino, uint32_t mode, uint32_t uid, uint32_t gid,
	       uint32_t nlink, uint32_t mtime, const void *data, size_t size, unsigned rmajor, unsigned rminor)
{
	char hdr[111];
	size_t namelen = strlen(name) + 1;

	if (size > 0xffffffffu)
		return -EFBIG;
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, uid, gid, nlink, mtime, (uint32_t)size, 0u, 0u, rmajor, rminor,
		 (uint32_t)namelen, 0u);
	sink_write(s, hdr, 110);
	sink_write(s, name, namelen);
	sink_write(s, zeros, (4 - (110 + namelen) % 4) % 4);
	if (data) {
		sink_write(s, data, size);
		sink_write(s, zeros, (4 - size % 4) % 4);
	}
	return s->error;
}

int cpio_put(struct sink *s, const char *name, uint32_t ino, uint32_t mode, uint32_t nlink,
	     uint32_t mtime, const void *data, size_t size, unsigned rmajor, unsigned rminor)
{
	return put(s, name, ino, mode, 0, 0, nlink, mtime, data, size, rmajor, rminor);
}

int cpio_trailer(struct sink *s)
{
	return cpio_put(s, "TRAILER!!!", 0, 0, 1, 0, NULL, 0, 0, 0);
}

/* Stream a host file: header with its size, then its bytes.  The size is taken once, so a file
 * that changes while being read is an error instead of a corrupt archive. */
static int put_host_file(struct sink *s, const struct entry *e, uint32_t ino, uint32_t mtime)
{
	char buf[65536];
	struct stat st;
	size_t left;
	ssize_t n;
	int fd, r;

	fd = open(e->src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		close(fd);
		return r;
	}
	r = put(s, e->dst + 1, ino, S_IFREG | e->perm, e->uid, e->gid, 1, mtime, NULL, st.st_size, 0, 0);
	for (left = st.st_size; !r && left; left -= n) {
		n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		r = sink_write(s, buf, n);
	}
	close(fd);
	if (!r)
		r = sink_write(s, zeros, (4 - st.st_size % 4) % 4);
	return r;
}

/* Inode numbers are the plan's (unique, from the path: plan.c); an entry made by hand has none
 * and takes its path's CRC. */
int cpio_emit(const struct plan *p, struct sink *s, uint32_t mtime, int trailer)
{
	const struct entry *e;
	uint32_t ino;
	size_t i;
	int r = 0;

	for (i = 0; i < p->n && !r; i++) {
		e = &p->v[i];
		ino = e->ino ? e->ino : (uint32_t)crc32(0, (const unsigned char *)e->dst, strlen(e->dst)) | 1;
		switch (e->type) {
		case E_DIR:
			/* "/" is ".": the kernel's rootfs is there already, and the unpacker then sets
			 * its mode and owner (init/initramfs.c: mkdir fails, chown and chmod apply).
			 * Without it / stays the rootfs's 1777. */
			r = put(s, strcmp(e->dst, "/") ? e->dst + 1 : ".", ino, S_IFDIR | e->perm, e->uid, e->gid,
				2, mtime, NULL, 0, 0, 0);
			break;
		case E_FILE:
			if (e->src)
				r = put_host_file(s, e, ino, mtime);
			else
				r = put(s, e->dst + 1, ino, S_IFREG | e->perm, e->uid, e->gid, 1, mtime, e->data, e->len, 0, 0);
			break;
		case E_SYMLINK:
			r = put(s, e->dst + 1, ino, S_IFLNK | 0777, e->uid, e->gid, 1, mtime, e->data, e->len, 0, 0);
			break;
		case E_CHR:
			r = put(s, e->dst + 1, ino, S_IFCHR | e->perm, e->uid, e->gid, 1, mtime, NULL, 0, e->major, e->minor);
			break;
		}
		if (r < 0 && e->src && !s->error) /* a write error is the output's, reported there */
			err("unable to read %s: %s", e->src, strerror(-r));
	}
	return r || !trailer ? r : cpio_trailer(s);
}
