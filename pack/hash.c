/* Content hashes for the segment cache: zlib's crc32 and adler32 of the bytes (64 bits together)
 * plus the length.  A stat cache (path, size, mtime, ctime, inode) spares re-reading files that
 * have not changed, the way git's index does; any change to a file changes its ctime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "pack/pack.h"

struct stat_entry {
	char *path;
	unsigned long long size, mtime, ctime, ino, hash;
	int used;
};

static struct stat_entry *cache;
static size_t ncache, capcache, nsorted; /* [0, nsorted) is sorted by path; new ones follow */
static int cache_dirty;

uint64_t hash_bytes(uint64_t h, const void *buf, size_t len)
{
	uint32_t c = (uint32_t)(h >> 32), a = (uint32_t)h;

	c = crc32(c, buf, len);
	a = adler32(a, buf, len);
	return ((uint64_t)c << 32) | a;
}

uint64_t hash_init(void)
{
	return ((uint64_t)crc32(0, NULL, 0) << 32) | adler32(0, NULL, 0);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct stat_entry *)a)->path, ((const struct stat_entry *)b)->path);
}

void hash_cache_load(const char *file)
{
	char line[4200];
	struct stat_entry e;
	int n;
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		memset(&e, 0, sizeof(e));
		if (sscanf(line, "%llx %llu %llu %llu %llu %n", &e.hash, &e.size, &e.mtime, &e.ctime,
			   &e.ino, &n) < 5)
			continue;
		line[strcspn(line, "\n")] = '\0';
		e.path = xstrdup(line + n);
		if (ncache == capcache) {
			capcache = capcache ? capcache * 2 : 256;
			if (!(cache = realloc(cache, capcache * sizeof(*cache))))
				abort();
		}
		cache[ncache++] = e;
	}
	fclose(f);
	qsort(cache, ncache, sizeof(*cache), cmp_path);
	nsorted = ncache;
}

void hash_cache_save(const char *file)
{
	char tmp[4200];
	size_t i;
	FILE *f;

	if (!cache_dirty || (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= sizeof(tmp))
		return;
	if (!(f = fopen(tmp, "we")))
		return;
	for (i = 0; i < ncache; i++) /* only what this pack used: the cache does not grow forever */
		if (cache[i].used)
			fprintf(f, "%llx %llu %llu %llu %llu %s\n", cache[i].hash, cache[i].size,
				cache[i].mtime, cache[i].ctime, cache[i].ino, cache[i].path);
	if (fclose(f) == 0)
		rename(tmp, file);
}

static unsigned long long ns(const struct timespec *t)
{
	return (unsigned long long)t->tv_sec * 1000000000ULL + t->tv_nsec;
}

/* Hash of a host file's bytes; *cached says whether the stat cache answered. */
int hash_file(const char *path, uint64_t *out, int *cached)
{
	struct stat_entry key = { .path = (char *)path }, *e;
	unsigned char buf[65536];
	struct stat st;
	uint64_t h = hash_init();
	ssize_t n;
	int fd;

	*cached = 0;
	if (stat(path, &st) < 0)
		return -errno;
	e = nsorted ? bsearch(&key, cache, nsorted, sizeof(*cache), cmp_path) : NULL;
	if (e && e->size == (unsigned long long)st.st_size && e->mtime == ns(&st.st_mtim) &&
	    e->ctime == ns(&st.st_ctim) && e->ino == (unsigned long long)st.st_ino) {
		e->used = 1;
		*cached = 1;
		*out = e->hash;
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = hash_bytes(h, buf, n);
	close(fd);
	if (n < 0)
		return -errno;
	*out = h;
	if (!e) { /* new entries go at the end; the file is sorted again on the next load */
		if (ncache == capcache) {
			capcache = capcache ? capcache * 2 : 256;
			if (!(cache = realloc(cache, capcache * sizeof(*cache))))
				abort();
		}
		e = &cache[ncache++];
		e->path = xstrdup(path);
	}
	e->size = st.st_size;
	e->mtime = ns(&st.st_mtim);
	e->ctime = ns(&st.st_ctim);
	e->ino = st.st_ino;
	e->hash = h;
	e->used = 1;
	cache_dirty = 1;
	return 0;
}
