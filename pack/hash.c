/* Content hashes: SHA-256 from nettle (its fat build picks the SHA-NI code where the CPU has
 * it).  A stat cache (path -> device, inode, size, mtime, ctime, digest) spares re-reading files
 * that have not changed, the way git's index does: any write to a file changes its ctime.
 *
 * "Racy" entries, as git calls them: a file whose ctime is within RACY_NS of the moment it was
 * read could be written again within the same timestamp tick (the kernel's file times are
 * coarse; some filesystems keep seconds), leaving the stat data unchanged.  Such entries are
 * never saved, and hash_check re-reads them instead of trusting the stat data. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <nettle/sha2.h>

#include "common/log.h"
#include "pack/pack.h"

#define RACY_NS 2000000000ULL
#define CACHE_MAGIC "minboot stat cache 2\n"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(struct hash), "struct hash too small");

struct file_id {
	unsigned long long dev, ino, size, mtime, ctime;
};

struct stat_entry {
	char *path;
	struct file_id id;
	unsigned char digest[DIGEST_LEN];
	unsigned long long read_at; /* realtime ns when its bytes were read; 0 when loaded */
	int used;
};

static struct stat_entry *tab;   /* open addressing on the path; path NULL: free */
static size_t ntab, captab;
static int dirty, nread;

void hash_init(struct hash *h)
{
	sha256_init((struct sha256_ctx *)h->ctx);
}

void hash_update(struct hash *h, const void *buf, size_t len)
{
	sha256_update((struct sha256_ctx *)h->ctx, len, buf);
}

void hash_str(struct hash *h, const char *s)
{
	hash_update(h, s, strlen(s) + 1);
}

void hash_u64(struct hash *h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	hash_update(h, b, 8);
}

void hash_final(struct hash *h, unsigned char out[DIGEST_LEN])
{
	sha256_digest((struct sha256_ctx *)h->ctx, DIGEST_LEN, out);
}

void digest_hex(const unsigned char d[DIGEST_LEN], char out[2 * DIGEST_LEN + 1])
{
	static const char x[] = "0123456789abcdef";
	int i;

	for (i = 0; i < DIGEST_LEN; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * DIGEST_LEN] = '\0';
}

static int hex_digest(const char *s, unsigned char out[DIGEST_LEN])
{
	int i, hi, lo;

	for (i = 0; i < DIGEST_LEN; i++) {
		hi = s[2 * i] >= 'a' ? s[2 * i] - 'a' + 10 : s[2 * i] - '0';
		lo = s[2 * i + 1] >= 'a' ? s[2 * i + 1] - 'a' + 10 : s[2 * i + 1] - '0';
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static unsigned long long ns(const struct timespec *t)
{
	return (unsigned long long)t->tv_sec * 1000000000ULL + (unsigned long long)t->tv_nsec;
}

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return ns(&t);
}

static void id_of(const struct stat *st, struct file_id *id)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = (unsigned long long)st->st_size;
	id->mtime = ns(&st->st_mtim);
	id->ctime = ns(&st->st_ctim);
}

static int racy(const struct stat_entry *e)
{
	return e->read_at && e->id.ctime + RACY_NS > e->read_at;
}

static size_t slot_of(const char *path)
{
	size_t h = 14695981039346656037ULL;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 1099511628211ULL;
	return h;
}

static struct stat_entry *slot(const char *path)
{
	size_t i;

	for (i = slot_of(path) & (captab - 1); tab[i].path; i = (i + 1) & (captab - 1))
		if (!strcmp(tab[i].path, path))
			break;
	return &tab[i];
}

/* The entry for path; with add, a new empty one when there is none. */
static struct stat_entry *find(const char *path, int add)
{
	struct stat_entry *e;
	size_t i;

	if (add && (ntab + 1) * 2 > captab) {
		struct stat_entry *old = tab;
		size_t n = captab;
		captab = captab ? captab * 2 : 1024;
		if (!(tab = calloc(captab, sizeof(*tab))))
			abort();
		for (i = 0; i < n; i++)
			if (old[i].path)
				*slot(old[i].path) = old[i];
		free(old);
	}
	if (!captab)
		return NULL;
	e = slot(path);
	if (e->path || !add)
		return e->path ? e : NULL;
	e->path = xstrdup(path);
	ntab++;
	return e;
}

/* The file's bytes, read once; the stat data before and after must agree, or the file changed
 * while it was read. */
static int read_digest(const char *path, struct stat_entry *e)
{
	unsigned char buf[1 << 16];
	struct stat st, st2;
	struct file_id a, b;
	struct hash h;
	ssize_t n;
	int fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	e->read_at = now_ns();
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	hash_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		hash_update(&h, buf, n);
		if ((r = pack_interrupted()) < 0)
			goto out;
	}
	if (n < 0 || fstat(fd, &st2) < 0) {
		r = -errno;
		goto out;
	}
	id_of(&st, &a);
	id_of(&st2, &b);
	if (memcmp(&a, &b, sizeof(a))) {
		r = -ESTALE;
		goto out;
	}
	hash_final(&h, e->digest);
	e->id = a;
out:
	close(fd);
	return r;
}

int hash_file(const char *path, unsigned char out[DIGEST_LEN], int *cached)
{
	struct stat_entry *e;
	struct file_id id;
	struct stat st;
	int r, tries;

	*cached = 0;
	if (stat(path, &st) < 0)
		return -errno;
	id_of(&st, &id);
	e = find(path, 1);
	if (e->id.ino && !memcmp(&e->id, &id, sizeof(id))) { /* known: this run or the saved cache */
		e->used = 1;
		*cached = 1;
		memcpy(out, e->digest, DIGEST_LEN);
		return 0;
	}
	for (tries = 0; (r = read_digest(path, e)) == -ESTALE && tries < 3; tries++)
		;
	if (r < 0) {
		memset(&e->id, 0, sizeof(e->id));
		e->used = e->read_at = 0;
		return r;
	}
	e->used = 1;
	dirty = 1;
	nread++;
	memcpy(out, e->digest, DIGEST_LEN);
	return 0;
}

int hash_files_read(void)
{
	return nread;
}

int hash_recorded(const char *path, unsigned char out[DIGEST_LEN])
{
	struct stat_entry *e = find(path, 0);

	if (!e || !e->used)
		return -ENOENT;
	memcpy(out, e->digest, DIGEST_LEN);
	return 0;
}

/* After a file's bytes went into the image: still the content that was recorded?  Any change
 * of its stat data says no (what was read in between is unknown); unchanged stat data of an
 * entry that is not racy says yes; a racy one is read again. */
int hash_check(const char *path)
{
	struct stat_entry *e = find(path, 0), fresh;
	struct file_id id;
	struct stat st;
	int r;

	if (!e || !e->used)
		return -ENOENT;
	if (stat(path, &st) < 0)
		goto changed;
	id_of(&st, &id);
	if (memcmp(&e->id, &id, sizeof(id)))
		goto changed;
	if (!racy(e))
		return 0;
	memset(&fresh, 0, sizeof(fresh));
	if ((r = read_digest(path, &fresh)) == -EINTR)
		return r;
	if (r == 0 && !memcmp(fresh.digest, e->digest, DIGEST_LEN) && !memcmp(&fresh.id, &e->id, sizeof(id))) {
		e->read_at = fresh.read_at;
		return 0;
	}
changed:
	/* forget it: the next hash_file reads it again */
	memset(&e->id, 0, sizeof(e->id));
	e->used = 0;
	e->read_at = 0;
	return -ESTALE;
}

/* The saved cache: a header, one line per file, and the SHA-256 of all that: a torn or edited
 * file is ignored whole. */
int hash_cache_load(const char *file)
{
	unsigned char sum[DIGEST_LEN], want[DIGEST_LEN];
	char *text, *line, *next, *end;
	struct stat_entry *e;
	struct file_id id;
	struct hash h;
	size_t len;
	int n;

	if (file_read_all(file, &text, &len, 256u << 20) < 0)
		return -ENOENT;
	end = len > 70 ? text + len - 70 : NULL; /* "end <64 hex>\n" is 69 bytes */
	if (!end || strncmp(text, CACHE_MAGIC, strlen(CACHE_MAGIC)) || end[0] != '\n' ||
	    strncmp(end + 1, "end ", 4) || text[len - 1] != '\n' || hex_digest(end + 5, want) < 0)
		goto bad;
	hash_init(&h);
	hash_update(&h, text, end + 1 - text);
	hash_final(&h, sum);
	if (memcmp(sum, want, DIGEST_LEN))
		goto bad;
	end[1] = '\0';
	for (line = text + strlen(CACHE_MAGIC); *line; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (strlen(line) < 2 * DIGEST_LEN + 2 || hex_digest(line, sum) < 0 ||
		    sscanf(line + 2 * DIGEST_LEN, " %llu %llu %llu %llu %llu %n", &id.dev, &id.ino, &id.size,
			   &id.mtime, &id.ctime, &n) < 5 || !line[2 * DIGEST_LEN + n])
			goto bad;
		e = find(line + 2 * DIGEST_LEN + n, 1);
		e->id = id;
		memcpy(e->digest, sum, DIGEST_LEN);
	}
	free(text);
	return 0;
bad:
	dbg("ignoring the stat cache %s: not one this packer wrote whole", file);
	free(text);
	return -EINVAL;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp((*(struct stat_entry *const *)a)->path, (*(struct stat_entry *const *)b)->path);
}

/* Only what this pack used (the cache does not grow forever), never racy entries, sorted. */
int hash_cache_save(const char *file, const char *tmpdir)
{
	struct stat_entry **v;
	unsigned char sum[DIGEST_LEN];
	char tmp[4200], hex[2 * DIGEST_LEN + 1], *text = NULL;
	size_t i, n = 0, len = 0;
	struct hash h;
	FILE *f;
	int r = 0, fd;

	if (!dirty)
		return 0;
	if (!(v = calloc(ntab + 1, sizeof(*v))))
		return -ENOMEM;
	for (i = 0; i < captab; i++)
		if (tab[i].path && tab[i].used && !racy(&tab[i]) && !strchr(tab[i].path, '\n'))
			v[n++] = &tab[i];
	qsort(v, n, sizeof(*v), cmp_entry);
	if (!(f = open_memstream(&text, &len))) {
		free(v);
		return -ENOMEM;
	}
	fputs(CACHE_MAGIC, f);
	for (i = 0; i < n; i++) {
		digest_hex(v[i]->digest, hex);
		fprintf(f, "%s %llu %llu %llu %llu %llu %s\n", hex, v[i]->id.dev, v[i]->id.ino,
			v[i]->id.size, v[i]->id.mtime, v[i]->id.ctime, v[i]->path);
	}
	fclose(f);
	free(v);
	hash_init(&h);
	hash_update(&h, text, len);
	hash_final(&h, sum);
	digest_hex(sum, hex);
	snprintf(tmp, sizeof(tmp), "%s/stat-cache", tmpdir);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		r = -errno;
	} else {
		char tail[80];
		int m = snprintf(tail, sizeof(tail), "end %s\n", hex);
		r = fd_write_all(fd, text, len);
		if (!r)
			r = fd_write_all(fd, tail, m);
		if (close(fd) < 0 && !r)
			r = -errno;
		if (!r && rename(tmp, file) < 0)
			r = -errno;
	}
	free(text);
	return r;
}
