/* The initramfs as segments: the kernel unpacks several cpio archives, each compressed on its
 * own, one after the other.  Entries are grouped by the input that brought them (layout, base,
 * libraries, modules, each --file / --payload / --package ..., settings last); each segment's
 * compressed bytes are kept in the cache (cache.c) under the SHA-256 of everything that goes into
 * them: the packer itself, the compression, the mtime, each entry and its file's content.  A
 * repack after editing one file compresses only that file's segment.
 *
 * A segment is built straight into the image, then its files are checked to still hold the
 * bytes its key was made from (hash_check); only then is it copied into the cache.  A file that
 * changed meanwhile fails the segment with -ESTALE, and the pack starts again. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

#define SEG_FORMAT 3 /* the key's layout */

struct seg {
	const char *name;
	struct plan part;        /* a view: entries copied from the plan, in path order */
	unsigned char key[DIGEST_LEN];
	int reused;
	int level;               /* its compression level (seg_level) */
	uint64_t raw, packed;
};

/* A small segment (the init, the modules, the settings: most of a minimal appliance) costs
 * milliseconds at the highest level, which saves 2.6 KB of the 200 KB e1000 appliance; a large
 * one keeps the default level's speed.  --level applies to all. */
#define SEG_SMALL (1u << 20)

static int seg_level(const struct pack_opts *o, const struct seg *s)
{
	uint64_t raw = 0;
	struct stat st;
	size_t i;

	if (o->level_set || (o->compress != COMPRESS_GZIP && o->compress != COMPRESS_ZSTD))
		return o->level;
	for (i = 0; i < s->part.n && raw < SEG_SMALL; i++)
		raw += s->part.v[i].src ? (stat(s->part.v[i].src, &st) == 0 ? (uint64_t)st.st_size : SEG_SMALL) :
		       s->part.v[i].len;
	return raw >= SEG_SMALL ? o->level : o->compress == COMPRESS_GZIP ? 9 : 19;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static const char *seg_of(const struct entry *e)
{
	if (e->type != E_FILE)
		return " layout";     /* directories, links, nodes: first, before any file */
	if (!strcmp(e->dst, "/etc/minboot.conf"))
		return "~settings";   /* last: the smallest and the most often changed */
	if (!strncmp(e->dst, "/lib/modules/", 13))
		return " modules";
	if (!strncmp(e->why, "needed by ", 10))
		return " libraries";
	if (!strcmp(e->why, "the init") || !strcmp(e->why, "default overlay") || !strcmp(e->why, "base layout"))
		return " base";
	return e->why;
}

/* Directories before files; then the inputs that change least, so the image's head is stable. */
static int seg_rank(const char *name)
{
	static const char *const order[] = { " layout", " base", " libraries", " modules" };
	unsigned i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(name, order[i]))
			return (int)i;
	return !strcmp(name, "~~trailer") ? 7 : !strcmp(name, "~settings") ? 6 : 5;
}

/* Within a rank, by the first path a segment holds, not by the input's words: the same image
 * content in the same order, however the command line named its sources. */
static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	int rx = seg_rank(x->name), ry = seg_rank(y->name);

	if (rx != ry)
		return rx - ry;
	if (x->part.n && y->part.n)
		return strcmp(x->part.v[0].dst, y->part.v[0].dst);
	return strcmp(x->name, y->name);
}

struct tagged { const char *name; size_t i; };

static int cmp_tagged(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static void push(struct plan *q, const struct entry *e)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 16;
		if (!(q->v = realloc(q->v, q->cap * sizeof(*q->v))))
			abort();
	}
	q->v[q->n++] = *e;
}

/* Entries grouped by segment, each group in plan (path) order; the trailer's segment last.
 * As many segments as there are inputs: no fixed limit. */
static struct seg *split(const struct plan *p, int *nsegs)
{
	struct tagged *t = calloc(p->n + 1, sizeof(*t));
	struct seg *segs = calloc(p->n + 1, sizeof(*segs));
	size_t i;
	int n = 0;

	if (!t || !segs)
		abort();
	for (i = 0; i < p->n; i++)
		t[i] = (struct tagged){ seg_of(&p->v[i]), i };
	qsort(t, p->n, sizeof(*t), cmp_tagged);
	for (i = 0; i < p->n; i++) {
		if (!n || strcmp(segs[n - 1].name, t[i].name))
			segs[n++].name = t[i].name;
		push(&segs[n - 1].part, &p->v[t[i].i]);
	}
	free(t);
	/* One archive over all segments: a single TRAILER, in a segment of its own at the end, so
	 * "zcat IMG | cpio -it" lists everything.  The kernel only needs each compressed member to
	 * end on an entry boundary. */
	segs[n++].name = "~~trailer";
	qsort(segs, n, sizeof(*segs), seg_cmp);
	*nsegs = n;
	return segs;
}

/* Everything that decides a segment's bytes. */
static int seg_key(struct emit *e, struct seg *s, const unsigned char *zstd)
{
	const struct pack_opts *o = e->opts;
	unsigned char fd[DIGEST_LEN];
	char meta[64];
	struct hash h;
	size_t i;
	int cached, r;

	hash_init(&h);
	s->level = seg_level(o, s);
	snprintf(meta, sizeof(meta), "minboot-seg %d %d %d %u", SEG_FORMAT, o->compress, s->level, e->mtime);
	hash_str(&h, meta);
	hash_update(&h, e->packer, DIGEST_LEN);
	if (zstd)
		hash_update(&h, zstd, DIGEST_LEN);
	for (i = 0; i < s->part.n; i++) {
		const struct entry *x = &s->part.v[i];
		snprintf(meta, sizeof(meta), "%d %o %u %u %zu %x %u:%u", x->type, (unsigned)x->perm, x->major,
			 x->minor, x->len, x->ino, x->uid, x->gid);
		hash_str(&h, meta);
		hash_str(&h, x->dst);
		if (x->data)
			hash_update(&h, x->data, x->len);
		if (x->src) {
			/* the digest the pack's record was made from, so that the check after the build
			 * compares the bytes read with it */
			if (hash_recorded(x->src, fd) < 0 && (r = hash_file(x->src, fd, &cached)) < 0) {
				err("unable to read %s: %s", x->src, strerror(-r));
				return r;
			}
			hash_update(&h, fd, DIGEST_LEN);
		}
	}
	hash_final(&h, s->key);
	return 0;
}

/* zstd through the zstd tool: Debian's kernels unpack it (CONFIG_RD_ZSTD) several times faster
 * than gzip, and initramfs-tools, dracut and booster default to it.  The cpio stream goes down a
 * pipe to zstd, which writes one frame per segment straight into the image.  One thread, and a
 * frame holds no name or time: the same bytes in give the same bytes out.
 *
 * lz4 the same way through the lz4 tool, in the legacy frame format (lz4 -l), the only one the
 * kernel's unpacker reads (CONFIG_RD_LZ4); it takes one legacy stream after another (the magic
 * again), so segments stay separate, and the format has no header field to vary. */
static int seg_build_zstd(struct seg *s, int fd, const struct pack_opts *o, uint32_t mtime)
{
	const char *tool = o->compress == COMPRESS_LZ4 ? "lz4" : "zstd";
	char level[8];
	char *const zargv[] = { "zstd", "-q", "-c", "-T1", level, NULL };
	char *const largv[] = { "lz4", "-q", "-c", "-l", level, NULL };
	char *const *argv = o->compress == COMPRESS_LZ4 ? largv : zargv;
	struct sink k;
	struct tool t;
	int pfd[2], r, w;

	snprintf(level, sizeof(level), "-%d", s->level);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	r = tool_start(&t, argv, NULL, pfd[0], fd, o->verbose);
	close(pfd[0]);
	if (r < 0) {
		close(pfd[1]);
		if (r == -ENOENT)
			err("--compress %s: the %s tool is missing (package %s)", tool, tool, tool);
		return r;
	}
	r = sink_open(&k, pfd[1], -1, 1);
	if (!r)
		r = s->part.n ? cpio_emit(&s->part, &k, mtime, 0) : cpio_trailer(&k);
	s->raw = k.in_bytes;
	sink_close(&k);
	close(pfd[1]);
	w = tool_wait(&t);
	if (w == -ENOENT)
		err("--compress %s: the %s tool is missing (package %s)", tool, tool, tool);
	return w < 0 ? w : r; /* a dead zstd shows as EPIPE: its own message comes first */
}

/* A write error is the output's and said here; a read error was said by cpio_emit. */
static int seg_build(struct seg *s, int fd, const struct pack_opts *o, uint32_t mtime, const char *shown)
{
	struct sink k;
	int r, w;

	if (o->compress == COMPRESS_ZSTD || o->compress == COMPRESS_LZ4) {
		if ((r = seg_build_zstd(s, fd, o, mtime)) == -EIO)
			err("unable to write %s: %s failed", shown, o->compress == COMPRESS_LZ4 ? "lz4" : "zstd");
		return r;
	}
	r = sink_open(&k, fd, o->compress == COMPRESS_GZIP ? s->level : -1, o->jobs);
	if (!r)
		r = s->part.n ? cpio_emit(&s->part, &k, mtime, 0) : cpio_trailer(&k);
	w = k.error ? k.error : r;
	s->raw = k.in_bytes;
	if ((r = sink_close(&k)) < 0 || (w && w == k.error)) {
		r = w ? w : r;
		if (r != -EINTR)
			err("unable to write %s: %s", shown, strerror(-r));
		return r;
	}
	return w;
}

/* The files whose bytes went into a segment still hold what its key says. */
static int seg_verify(const struct seg *s)
{
	size_t i;
	int r;

	for (i = 0; i < s->part.n; i++) {
		const struct entry *x = &s->part.v[i];
		if (x->src && (r = hash_check(x->src)) < 0) {
			if (r == -ESTALE)
				warn("%s changed while it was being packed", x->src);
			return r;
		}
	}
	return 0;
}

/* One segment appended to fd: from the cache, or built, checked and then cached. */
static int seg_write(struct emit *e, struct seg *s, int fd, const char *shown, int *built)
{
	off_t off = lseek(fd, 0, SEEK_CUR);
	uint64_t len;
	int r;

	if (off < 0)
		return -errno;
	if ((r = cache_get(&e->cache, s->key, fd, &len)) < 0) {
		if (r != -EINTR)
			err("unable to write %s: %s", shown, strerror(-r));
		return r;
	}
	if (r > 0) {
		s->reused = 1;
		s->packed = len;
		return 0;
	}
	if ((r = seg_build(s, fd, e->opts, e->mtime, shown)) < 0)
		return r;
	s->packed = (uint64_t)(lseek(fd, 0, SEEK_CUR) - off);
	if ((r = seg_verify(s)) < 0)
		return r;
	(*built)++;
	cache_put(&e->cache, s->key, fd, (uint64_t)off, s->packed);
	return 0;
}

int initramfs_write(struct emit *e, const struct plan *p, const char *path, const char *shown)
{
	unsigned char zstd[DIGEST_LEN];
	struct seg *segs;
	long t0 = now_ms();
	int nsegs, i, r = 0, fd, built = 0, use_zstd = e->opts->compress == COMPRESS_ZSTD ||
							  e->opts->compress == COMPRESS_LZ4;
	uint64_t total = 0;

	if (use_zstd) /* the tool's own bytes shape the segment's: in its key */
		emit_tool_digest(e->opts->compress == COMPRESS_LZ4 ? "lz4" : "zstd", zstd);
	segs = split(p, &nsegs);
	for (i = 0; i < nsegs && !r; i++)
		r = seg_key(e, &segs[i], use_zstd ? zstd : NULL);
	/* read and write: a built segment is read back into the cache */
	if (!r && (fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		r = -errno;
		err("unable to create %s: %s", path, strerror(errno));
	}
	if (r)
		goto out;
	fchmod(fd, 0644); /* independent of the umask */
	for (i = 0; i < nsegs && !r; i++) {
		struct seg *s = &segs[i];
		r = seg_write(e, s, fd, shown, &built);
		total += s->packed;
		if (!r && e->opts->verbose)
			info("  segment %-30s %8zu entries %12llu bytes %s", s->name + strspn(s->name, " ~"),
			     s->part.n, (unsigned long long)s->packed, s->reused ? "(cached)" : "");
	}
	if (!r && (fsync(fd) < 0 || close(fd) < 0)) {
		r = -errno;
		err("unable to write %s: %s", shown, strerror(errno));
	} else if (r) {
		close(fd);
	}
	if (!r)
		info("wrote %s: %zu entries, %d segments (%d built, %d from the cache), %llu bytes in %ld ms",
		     shown, p->n, nsegs, built, nsegs - built, (unsigned long long)total, now_ms() - t0);
out:
	for (i = 0; i < nsegs; i++)
		free(segs[i].part.v);
	free(segs);
	return r;
}

static int initramfs_emit(struct emit *e)
{
	return initramfs_write(e, e->plan, e->staged[0], e->out[0]);
}

const struct emitter emitter_initramfs = {
	.format = "initramfs",
	.outputs = { "" },
	.emit = initramfs_emit,
};
