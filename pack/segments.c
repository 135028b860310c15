/* The initramfs as segments: the kernel unpacks several cpio archives, each compressed on its
 * own, one after the other.  Entries are grouped by the input that brought them (layout, base,
 * libraries, modules, each --file / --payload / --package ..., settings last); each segment's
 * compressed bytes are kept in the cache under a hash of everything that goes into them, so a
 * repack after editing one file compresses only that file's segment. */
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
#include "pack/opts.h"
#include "pack/pack.h"

#define FORMAT_VERSION 2 /* bump when the bytes of a segment change for the same inputs */
#define MAX_SEGS 513

struct seg {
	const char *name;
	struct plan part;        /* a view: entries copied from the plan, in path order */
	uint64_t key;
	int reused;
	uint64_t raw, packed;
};

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

static int split(const struct plan *p, struct seg *segs, int *nsegs)
{
	const char *name;
	size_t i;
	int k, n = 0;

	for (i = 0; i < p->n; i++) {
		name = seg_of(&p->v[i]);
		for (k = 0; k < n && strcmp(segs[k].name, name); k++)
			;
		if (k == n) {
			if (n == MAX_SEGS - 1)
				return -E2BIG;
			memset(&segs[n], 0, sizeof(segs[n]));
			segs[n++].name = name;
		}
		struct plan *q = &segs[k].part;
		if (q->n == q->cap) {
			q->cap = q->cap ? q->cap * 2 : 16;
			if (!(q->v = realloc(q->v, q->cap * sizeof(*q->v))))
				abort();
		}
		q->v[q->n++] = p->v[i];
	}
	*nsegs = n;
	return 0;
}

/* Everything that decides a segment's bytes: entries, contents, mtime, compression. */
static int seg_key(struct seg *s, const struct pack_opts *o, uint32_t mtime, int *hashed)
{
	char meta[4200];
	uint64_t h = hash_init(), fh;
	size_t i;
	int n, cached, r;

	n = snprintf(meta, sizeof(meta), "minboot-seg %d %d %d %u", FORMAT_VERSION, o->compress,
		     o->level, mtime);
	h = hash_bytes(h, meta, n);
	for (i = 0; i < s->part.n; i++) {
		const struct entry *e = &s->part.v[i];
		n = snprintf(meta, sizeof(meta), "%d %o %u %u %zu %s", e->type, (unsigned)e->perm, e->major,
			     e->minor, e->len, e->dst);
		h = hash_bytes(h, meta, n + 1);
		if (e->data)
			h = hash_bytes(h, e->data, e->len);
		if (e->src) {
			if ((r = hash_file(e->src, &fh, &cached)) < 0) {
				err("unable to read %s: %s", e->src, strerror(-r));
				return r;
			}
			*hashed += !cached;
			h = hash_bytes(h, &fh, sizeof(fh));
		}
	}
	s->key = h;
	return 0;
}

/* zstd through the zstd tool: Debian's kernels unpack it (CONFIG_RD_ZSTD) several times faster
 * than gzip, and initramfs-tools, dracut and booster default to it.  The raw segment written to
 * raw is compressed into path, one frame per segment like gzip's one member.  One thread, and a
 * frame holds no name or time: the same bytes in give the same bytes out. */
static int zstd_segment(int fd, const char *raw, const char *path, const struct pack_opts *o, uint64_t *packed)
{
	char level[8], tmp[PATH_MAX];
	char *const argv[] = { "zstd", "-q", "-f", "-T1", level, "-o", tmp, (char *)raw, NULL };
	struct stat st;
	int r;

	snprintf(level, sizeof(level), "-%d", o->level);
	r = snprintf(tmp, sizeof(tmp), "%s.zst", raw) >= (int)sizeof(tmp) ? -ENAMETOOLONG : 0;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r)
		r = tool_run(argv, NULL, NULL, o->verbose);
	if (r == -ENOENT)
		err("--compress zstd: the zstd tool is missing (package zstd)");
	if (!r && (stat(tmp, &st) < 0 || rename(tmp, path) < 0))
		r = -errno;
	if (r && r != -ENAMETOOLONG)
		unlink(tmp);
	else if (!r)
		*packed = (uint64_t)st.st_size;
	unlink(raw);
	return r;
}

static int seg_build(struct seg *s, const char *path, const struct pack_opts *o, uint32_t mtime)
{
	char tmp[PATH_MAX];
	struct sink k;
	int fd, r;

	if ((fd = out_open_tmp(path, tmp, sizeof(tmp))) < 0)
		return fd;
	r = sink_open(&k, fd, o->compress == COMPRESS_GZIP ? o->level : -1, o->jobs);
	if (!r)
		r = s->part.n ? cpio_emit(&s->part, &k, mtime, 0) : cpio_trailer(&k);
	if (!r)
		r = sink_close(&k);
	else
		sink_close(&k);
	s->raw = k.in_bytes;
	s->packed = k.out_bytes;
	if (!r && o->compress == COMPRESS_ZSTD)
		return zstd_segment(fd, tmp, path, o, &s->packed);
	if (!r)
		r = out_commit(fd, tmp, path);
	if (r) {
		close(fd);
		unlink(tmp);
	}
	return r;
}

static int append_file(int out, const char *path, uint64_t *len)
{
	char buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			close(fd);
			return -EIO;
		}
		*len += n;
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

static int cache_dir(const struct pack_opts *o, char *out, size_t len)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (o->cache)
		snprintf(out, len, "%s", o->cache);
	else if (x && *x)
		snprintf(out, len, "%s/minboot", x);
	else if (home && *home)
		snprintf(out, len, "%s/.cache/minboot", home);
	else
		return -ENOENT;
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		/* one level of parents (~/.cache) */
		char parent[PATH_MAX], *s;
		snprintf(parent, sizeof(parent), "%s", out);
		if ((s = strrchr(parent, '/')))
			*s = '\0';
		mkdir(parent, 0755);
		if (mkdir(out, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

int segments_emit(const struct plan *p, struct pack_opts *o)
{
	static struct seg segs[MAX_SEGS];
	char dir[PATH_MAX - 64], path[PATH_MAX], tmp[PATH_MAX], stamp[PATH_MAX];
	uint32_t mtime = source_date_epoch_value();
	uint64_t total = 0, image = hash_init();
	long t0 = now_ms(), t_hash, t_pack;
	int nsegs, i, r, fd, hashed = 0, built = 0, nocache;

	nocache = cache_dir(o, dir, sizeof(dir)) < 0;
	if (nocache) { /* no cache: segments are built beside the output and removed */
		char *slash;
		snprintf(dir, sizeof(dir), "%s", o->output);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(dir, ".");
	}
	snprintf(path, sizeof(path), "%s/stat-cache", dir);
	if (!nocache)
		hash_cache_load(path);
	if ((r = split(p, segs, &nsegs)) < 0)
		return r;
	/* One archive over all segments: a single TRAILER, in a segment of its own at the end, so
	 * "zcat IMG | cpio -it" lists everything.  The kernel only needs each compressed member to
	 * end on an entry boundary. */
	memset(&segs[nsegs], 0, sizeof(segs[0]));
	segs[nsegs++].name = "~~trailer";
	qsort(segs, nsegs, sizeof(*segs), seg_cmp);
	for (i = 0; i < nsegs; i++) {
		if ((r = seg_key(&segs[i], o, mtime, &hashed)) < 0)
			return r;
		image = hash_bytes(image, &segs[i].key, sizeof(segs[i].key));
	}
	t_hash = now_ms();
	if (!nocache)
		hash_cache_save(path);
	/* --if-newer: the output records the key of what it was made from beside it. */
	snprintf(stamp, sizeof(stamp), "%s/out-%016llx", dir, (unsigned long long)hash_bytes(hash_init(), o->output, strlen(o->output)));
	if (o->if_newer && !nocache) {
		char have[64] = "";
		struct stat st;
		FILE *f = fopen(stamp, "re");
		if (f && fgets(have, sizeof(have), f) && stat(o->output, &st) == 0) {
			char want[64];
			snprintf(want, sizeof(want), "%016llx %lld\n", (unsigned long long)image, (long long)st.st_size);
			if (!strcmp(have, want)) {
				fclose(f);
				info("%s is up to date (%d segments, %ld ms)", o->output, nsegs, now_ms() - t0);
				return 0;
			}
		}
		if (f)
			fclose(f);
	}
	if ((fd = out_open_tmp(o->output, tmp, sizeof(tmp))) < 0) {
		err("unable to create %s: %s", o->output, strerror(-fd));
		return fd;
	}
	for (i = 0; i < nsegs && !r; i++) {
		struct seg *s = &segs[i];
		struct stat st;
		snprintf(path, sizeof(path), "%s/seg-%016llx%s", dir, (unsigned long long)s->key,
			 o->compress == COMPRESS_GZIP ? ".cpio.gz" : o->compress == COMPRESS_ZSTD ? ".cpio.zst" : ".cpio");
		if (!nocache && stat(path, &st) == 0) {
			s->reused = 1;
			s->packed = st.st_size;
		} else if ((r = seg_build(s, path, o, mtime)) < 0) {
			err("unable to build segment %s: %s", s->name, strerror(-r));
			break;
		} else {
			built++;
		}
		if (!r)
			r = append_file(fd, path, &total);
		if (nocache)
			unlink(path);
		if (o->verbose)
			info("  segment %-30s %8zu entries %12llu bytes %s", s->name + strspn(s->name, " ~"),
			     s->part.n, (unsigned long long)s->packed, s->reused ? "(cached)" : "");
	}
	t_pack = now_ms();
	if (!r)
		r = out_commit(fd, tmp, o->output);
	if (r) {
		close(fd);
		unlink(tmp);
		err("unable to write %s: %s", o->output, strerror(-r));
		return r;
	}
	if (!nocache) {
		FILE *f = fopen(stamp, "we");
		if (f) {
			fprintf(f, "%016llx %llu\n", (unsigned long long)image, (unsigned long long)total);
			fclose(f);
		}
	}
	info("wrote %s: %zu entries, %d segments (%d built, %d from the cache), %llu bytes; "
	     "hash %ld ms (%d files read), compress+write %ld ms", o->output, p->n, nsegs, built,
	     nsegs - built, (unsigned long long)total, t_hash - t0, hashed, t_pack - t_hash);
	return 0;
}
