/* The segment cache: DIR/seg-<key>, one compressed cpio segment each, followed by a footer:
 * magic, the segment's length, its key and the SHA-256 of its bytes.  An entry is used only when
 * the footer names the key asked for and the file's length, and its bytes match their hash as
 * they are copied into the image; one that does not is removed and the segment built again.
 * Each use sets the entry's mtime: the packer's own record of use (atime is unreliable under
 * relatime and noatime), by which --cache-max removes the least recently used entries. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

#define CACHE_MAX_DEFAULT (2ULL << 30)  /* 2 GiB: ~50 images the size of the node appliance */
#define FOOTER (8 + 8 + 2 * DIGEST_LEN)

static const unsigned char magic[8] = { 'M', 'B', 'S', 'E', 'G', 0, 0, 3 };

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *s;

	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", path);
	if (!(s = strrchr(buf, '/')) || s == buf)
		return -ENOENT;
	*s = '\0';
	if (mkdir_p(buf) < 0)
		return -errno;
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

static int cache_path(const struct pack_opts *o, char *out, size_t len)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (o->cache)
		n = snprintf(out, len, "%s", o->cache);
	else if (x && *x)
		n = snprintf(out, len, "%s/minboot", x);
	else if (home && *home)
		n = snprintf(out, len, "%s/.cache/minboot", home);
	else
		return -ENOENT;
	return (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* --cache DIR is created with its parents; a default place that cannot be made means no cache
 * (said once), an explicit one that cannot is an error. */
int cache_open(struct cache *c, const struct pack_opts *o)
{
	char path[PATH_MAX];
	int r;

	memset(c, 0, sizeof(*c));
	c->tmp.fd = -1;
	c->max = o->cache_max_set ? o->cache_max : CACHE_MAX_DEFAULT;
	c->jobs = o->jobs;
	if (cache_path(o, c->dir, sizeof(c->dir)) < 0) {
		warn("no segment cache: give --cache DIR (HOME is not set)");
		c->dir[0] = '\0';
		return 0;
	}
	if ((r = mkdir_p(c->dir)) == 0) {
		stage_reap(c->dir, NULL);
		r = stage_open(&c->tmp, c->dir, "");
	}
	if (r < 0) {
		if (o->cache) {
			err("--cache %s: %s", c->dir, strerror(-r));
			return r;
		}
		warn("no segment cache: unable to use %s: %s", c->dir, strerror(-r));
		c->dir[0] = '\0';
		return 0;
	}
	c->start = c->tmp.born;
	snprintf(path, sizeof(path), "%s/stat-cache", c->dir);
	hash_cache_load(path);
	return 0;
}

static int entry_path(const struct cache *c, const char *dir, const unsigned char key[DIGEST_LEN], char *out, size_t len)
{
	char hex[2 * DIGEST_LEN + 1];

	digest_hex(key, hex);
	return (size_t)snprintf(out, len, "%s/seg-%s", dir ? dir : c->dir, hex) < len ? 0 : -ENAMETOOLONG;
}

static uint64_t le64(const unsigned char *b)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void put_le64(unsigned char *b, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* The digest of a segment: SHA-256 over the SHA-256 of each 4 MiB piece and the length, so the
 * pieces are hashed on all CPUs (a warm pack verifies every byte it copies). */
#define PIECE (4u << 20)

struct piece_job {
	int fd, step, first, error;
	uint64_t off, len;
	unsigned char (*sums)[DIGEST_LEN];
};

static void *hash_pieces(void *arg)
{
	struct piece_job *j = arg;
	unsigned char *buf = malloc(1 << 16);
	uint64_t n = (j->len + PIECE - 1) / PIECE, k, at, end;
	struct hash h;
	ssize_t got;

	if (!buf) {
		j->error = -ENOMEM;
		return NULL;
	}
	for (k = (uint64_t)j->first; k < n && !j->error; k += (uint64_t)j->step) {
		hash_init(&h);
		end = (k + 1) * PIECE < j->len ? (k + 1) * PIECE : j->len;
		for (at = k * PIECE; at < end; at += (uint64_t)got) {
			got = pread(j->fd, buf, end - at < (1 << 16) ? end - at : (1 << 16), (off_t)(j->off + at));
			if (got <= 0) {
				j->error = got < 0 ? -errno : -EIO;
				break;
			}
			hash_update(&h, buf, (size_t)got);
		}
		hash_final(&h, j->sums[k]);
		if (pack_interrupted())
			j->error = -EINTR;
	}
	free(buf);
	return NULL;
}

static int range_digest(int fd, uint64_t off, uint64_t len, int jobs, unsigned char out[DIGEST_LEN])
{
	uint64_t n = (len + PIECE - 1) / PIECE;
	struct piece_job j[16];
	pthread_t th[16];
	int t, nt = jobs < 1 ? 1 : jobs > 16 ? 16 : jobs, started[16] = { 0 }, r = 0;
	struct hash h;

	if ((uint64_t)nt > n)
		nt = n ? (int)n : 1;
	unsigned char (*sums)[DIGEST_LEN] = calloc(n ? n : 1, DIGEST_LEN);
	if (!sums)
		return -ENOMEM;
	for (t = 0; t < nt; t++) {
		j[t] = (struct piece_job){ fd, nt, t, 0, off, len, sums };
		if (t > 0 && pthread_create(&th[t], NULL, hash_pieces, &j[t]) == 0)
			started[t] = 1;
	}
	hash_pieces(&j[0]);
	for (t = 1; t < nt; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			hash_pieces(&j[t]);
	}
	for (t = 0; t < nt && !r; t++)
		r = j[t].error;
	hash_init(&h);
	hash_update(&h, sums, n * DIGEST_LEN);
	hash_u64(&h, len);
	hash_final(&h, out);
	free(sums);
	return r;
}

/* len bytes from in at inoff to out at its file offset, in the kernel where it can.  A failure
 * to read sets *rd (the entry is bad), one to write does not (the output's disk is). */
static int copy_range(int in, off_t inoff, int out, uint64_t len, int *rd)
{
	char buf[1 << 16];
	off_t at = inoff;
	ssize_t n;
	int r;

	*rd = 0;
	while (len) {
		n = copy_file_range(in, &at, out, NULL, len < (1u << 30) ? len : (1u << 30), 0);
		if (n <= 0)
			break;
		len -= (uint64_t)n;
		if ((r = pack_interrupted()) < 0)
			return r;
	}
	while (len) { /* another filesystem, no copy_file_range, or an error to tell apart */
		n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf), at);
		if (n <= 0) {
			*rd = 1;
			return n < 0 ? -errno : -ENODATA;
		}
		if ((r = fd_write_all(out, buf, (size_t)n)) < 0)
			return r;
		at += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* 1: the entry's bytes were appended to out, and checked there; 0: no usable entry (out as it
 * was); < 0: writing out failed. */
int cache_get(struct cache *c, const unsigned char key[DIGEST_LEN], int out, uint64_t *len)
{
	unsigned char foot[FOOTER], sum[DIGEST_LEN];
	struct timespec use[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	char path[PATH_MAX];
	struct stat st, now;
	off_t at = -1;
	int fd, r = 0, rd;

	if (!c->dir[0])
		return 0;
	if (entry_path(c, NULL, key, path, sizeof(path)) < 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < FOOTER ||
	    pread(fd, foot, FOOTER, st.st_size - FOOTER) != FOOTER || memcmp(foot, magic, 8) ||
	    le64(foot + 8) != (uint64_t)st.st_size - FOOTER || memcmp(foot + 16, key, DIGEST_LEN))
		goto bad;
	*len = le64(foot + 8);
	if ((at = lseek(out, 0, SEEK_CUR)) < 0) {
		r = -errno;
		goto out;
	}
	if ((r = copy_range(fd, 0, out, *len, &rd)) < 0) {
		if (!rd)
			goto out;
		r = 0;
		goto bad;
	}
	/* the bytes now in the image are the ones checked */
	if ((r = range_digest(out, (uint64_t)at, *len, c->jobs, sum)) == -EINTR)
		goto out;
	if (r < 0 || memcmp(sum, foot + 16 + DIGEST_LEN, DIGEST_LEN)) {
		r = 0;
		goto bad;
	}
	futimens(fd, use);
	c->reused++;
	close(fd);
	return 1;
bad:
	if (at >= 0 && (ftruncate(out, at) < 0 || lseek(out, at, SEEK_SET) < 0)) {
		r = -errno;
		goto out;
	}
	warn("cache: %s is damaged (its length or SHA-256 does not match); building it again", path);
	if (lstat(path, &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev)
		unlink(path);
out:
	close(fd);
	return r;
}

/* The segment just written to fd at [off, off + len) becomes an entry; a failure costs only the
 * entry (said once). */
void cache_put(struct cache *c, const unsigned char key[DIGEST_LEN], int fd, uint64_t off, uint64_t len)
{
	unsigned char foot[FOOTER];
	char tmp[PATH_MAX], path[PATH_MAX];
	int w = -1, r, rd;

	if (!c->dir[0] || c->broken)
		return;
	if (entry_path(c, c->tmp.path, key, tmp, sizeof(tmp)) < 0 || entry_path(c, NULL, key, path, sizeof(path)) < 0) {
		r = -ENAMETOOLONG;
		goto out;
	}
	memcpy(foot, magic, 8);
	put_le64(foot + 8, len);
	memcpy(foot + 16, key, DIGEST_LEN);
	if ((r = range_digest(fd, off, len, c->jobs, foot + 16 + DIGEST_LEN)) < 0)
		goto out;
	if ((w = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		r = -errno;
		goto out;
	}
	r = copy_range(fd, (off_t)off, w, len, &rd);
	if (!r)
		r = fd_write_all(w, foot, FOOTER);
	if (close(w) < 0 && !r)
		r = -errno;
	w = -1;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
out:
	if (w >= 0)
		close(w);
	if (r < 0) {
		unlink(tmp);
		if (r != -EINTR)
			warn("cache %s: %s; the image is whole, its segments are not kept", c->dir, strerror(-r));
		c->broken = 1;
		return;
	}
	c->stored++;
}

struct aged { char name[80]; long long mtime; unsigned long long size; };

static int cmp_aged(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The least recently used entries go until the cache fits in --cache-max; the entries this pack
 * used (newer than its start) stay. */
static void prune(struct cache *c)
{
	unsigned long long total = 0, freed = 0;
	struct aged *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int gone = 0;

	if (!c->max || !(dp = opendir(c->dir)))
		return;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, "seg-", 4) || strlen(d->d_name) >= sizeof(v->name) ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap && !(v = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v))))
			abort();
		memcpy(v[n].name, d->d_name, strlen(d->d_name) + 1);
		v[n].mtime = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
		v[n].size = (unsigned long long)st.st_size;
		total += v[n++].size;
	}
	if (total > c->max) {
		qsort(v, n, sizeof(*v), cmp_aged);
		for (i = 0; i < n && total > c->max; i++) {
			if (v[i].mtime >= c->start || unlinkat(dirfd(dp), v[i].name, 0) < 0)
				continue;
			total -= v[i].size;
			freed += v[i].size;
			gone++;
		}
		if (gone)
			info("cache %s: removed %d least recently used segments (%llu KiB) to stay under --cache-max",
			     c->dir, gone, freed >> 10);
		if (total > c->max)
			warn("cache %s: %llu KiB in use by this pack, more than --cache-max (%llu KiB)", c->dir,
			     total >> 10, c->max >> 10);
	}
	closedir(dp);
	free(v);
}

void cache_close(struct cache *c)
{
	char path[PATH_MAX];

	if (!c->dir[0])
		return;
	snprintf(path, sizeof(path), "%s/stat-cache", c->dir);
	if (c->tmp.path[0] && hash_cache_save(path, c->tmp.path) < 0)
		dbg("the stat cache %s was not saved", path);
	prune(c);
	stage_close(&c->tmp);
	c->dir[0] = '\0';
}
