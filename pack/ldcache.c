/* glibc's /etc/ld.so.cache ("glibc-ld.so.cache1.1", written by ldconfig): read the host's to find
 * libraries as the dynamic loader does (elf/dl-cache.c, search_cache), and write a small one for
 * an image whose libraries came from ld.so.conf directories the loader does not search by itself.
 * Entries are sorted in descending _dl_cache_libcmp order (ldconfig's), so the loader's binary
 * search finds them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pack/pack.h"

#define MAGIC_NEW "glibc-ld.so.cache1.1"
#define MAGIC_OLD "ld.so-1.7.0"
#define HDR_NEW 48
#define ENT_NEW 24
#define HWCAP_EXTENSION (1ull << 62)
#define EXT_MAGIC 0xeaa42174u   /* (uint32_t) -358342284 */
#define EXT_TAG_GLIBC_HWCAPS 1

static uint32_t u32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* glibc's elf/dl-cache.c _dl_cache_libcmp: runs of digits compare as numbers. */
int ldcache_libcmp(const char *p1, const char *p2)
{
	while (*p1) {
		if (*p1 >= '0' && *p1 <= '9') {
			if (*p2 >= '0' && *p2 <= '9') {
				/* glibc accumulates in an int that wraps on long runs (a run of 20
				 * digits is valid in a cache): the same, without undefined behaviour */
				unsigned v1 = 0, v2 = 0;
				while (*p1 >= '0' && *p1 <= '9')
					v1 = v1 * 10u + (unsigned)(*p1++ - '0');
				while (*p2 >= '0' && *p2 <= '9')
					v2 = v2 * 10u + (unsigned)(*p2++ - '0');
				if (v1 != v2)
					return (int)v1 < (int)v2 ? -1 : 1;
			} else {
				return 1;
			}
		} else if (*p2 >= '0' && *p2 <= '9') {
			return -1;
		} else if (*p1 != *p2) {
			return (unsigned char)*p1 - (unsigned char)*p2;
		} else {
			p1++, p2++;
		}
	}
	return -(unsigned char)*p2;
}

/* The new-format part of buf (after an old-format part, if any): offset or -EINVAL. */
static long new_part(const unsigned char *buf, size_t len)
{
	size_t off = 0;

	if (len >= sizeof(MAGIC_OLD) - 1 && !memcmp(buf, MAGIC_OLD, sizeof(MAGIC_OLD) - 1)) {
		if (len < 16)
			return -EINVAL;
		off = 16 + (size_t)u32(buf + 12) * 12;
		off = (off + 7) & ~(size_t)7;
	}
	if (off > len || len - off < HDR_NEW || memcmp(buf + off, MAGIC_NEW, sizeof(MAGIC_NEW) - 1))
		return -EINVAL;
	return (long)off;
}

int ldcache_parse(const unsigned char *buf, size_t len, struct ldcache *c)
{
	long off = new_part(buf, len);
	uint32_t n, ext, i;
	const unsigned char *d;

	memset(c, 0, sizeof(*c));
	if (off < 0)
		return (int)off;
	d = buf + off;
	c->data = d;
	c->size = len - off;
	n = u32(d + 20);
	if (n > (c->size - HDR_NEW) / ENT_NEW)
		return -EINVAL;
	c->n = n;
	ext = u32(d + 32);
	if (ext && ext <= c->size - 8 && !(ext & 3) && u32(d + ext) == EXT_MAGIC) {
		uint32_t count = u32(d + ext + 4);
		for (i = 0; i < count && ext + 8 + (uint64_t)(i + 1) * 16 <= c->size; i++) {
			const unsigned char *s = d + ext + 8 + i * 16;
			if (u32(s) == EXT_TAG_GLIBC_HWCAPS && u32(s + 8) <= c->size &&
			    u32(s + 12) <= c->size - u32(s + 8)) {
				c->hwcaps = d + u32(s + 8);
				c->nhwcaps = u32(s + 12) / 4;
			}
		}
	}
	return 0;
}

static const char *cstr(const struct ldcache *c, uint32_t off)
{
	if (off >= c->size || !memchr(c->data + off, '\0', c->size - off))
		return NULL;
	return (const char *)c->data + off;
}

/* The priority of a glibc-hwcaps entry: 1 for the first of levels, ...; 0 when not usable. */
static int hwcaps_priority(const struct ldcache *c, uint64_t hwcap, const char *const *levels)
{
	uint32_t idx = (uint32_t)hwcap;
	const char *name;
	int i;

	if (idx >= c->nhwcaps || !(name = cstr(c, u32(c->hwcaps + 4 * idx))))
		return 0;
	for (i = 0; levels && levels[i]; i++)
		if (!strcmp(levels[i], name))
			return i + 1;
	return 0;
}

/* search_cache(): the entries for name are adjacent; named glibc-hwcaps entries come first and
 * the best usable one wins, else the first plain entry whose flags fit. */
const char *ldcache_lookup(const struct ldcache *c, const char *name, int32_t flags,
			   const char *const *levels)
{
	long left = 0, right = (long)c->n - 1, mid = -1, best_prio = 0;
	const char *best = NULL, *key, *val;
	const unsigned char *e;
	int cmp;

	while (left <= right) {
		mid = (left + right) / 2;
		key = cstr(c, u32(c->data + HDR_NEW + mid * ENT_NEW + 4));
		cmp = key ? ldcache_libcmp(name, key) : 1;
		if (cmp == 0)
			break;
		if (cmp < 0)
			left = mid + 1;
		else
			right = mid - 1;
	}
	if (left > right)
		return NULL;
	while (mid > 0 && (key = cstr(c, u32(c->data + HDR_NEW + (mid - 1) * ENT_NEW + 4))) &&
	       ldcache_libcmp(name, key) == 0)
		mid--;
	for (; mid < (long)c->n; mid++) {
		e = c->data + HDR_NEW + mid * ENT_NEW;
		key = cstr(c, u32(e + 4));
		if (!key || ldcache_libcmp(name, key) != 0)
			break;
		uint64_t hwcap = u32(e + 16) | (uint64_t)u32(e + 20) << 32;
		int named = (hwcap & HWCAP_EXTENSION) != 0;
		if ((int32_t)u32(e) != flags || !(val = cstr(c, u32(e + 8))))
			continue;
		if (!named && best)
			break;
		if (named) {
			int prio = hwcaps_priority(c, hwcap, levels);
			if (prio && (!best || prio < best_prio))
				best = val, best_prio = prio;
			continue;
		}
		return val;
	}
	return best;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct ldcache_entry *x = a, *y = b;

	return ldcache_libcmp(y->name, x->name);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

/* A new-format cache for the given entries (sorted here; a name listed twice keeps the first). */
int ldcache_write(struct ldcache_entry *v, int n, int32_t flags, unsigned char **out, size_t *len)
{
	size_t strings = 0, off, total;
	unsigned char *b;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		int j;
		for (j = 0; j < k && ldcache_libcmp(v[j].name, v[i].name) != 0; j++)
			;
		if (j == k)
			v[k++] = v[i];
	}
	n = k;
	qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 0; i < n; i++)
		strings += strlen(v[i].name) + 1 + strlen(v[i].path) + 1;
	off = HDR_NEW + (size_t)n * ENT_NEW;
	total = off + strings;
	if (!(b = calloc(1, total)))
		return -ENOMEM;
	memcpy(b, MAGIC_NEW, sizeof(MAGIC_NEW) - 1);
	put32(b + 20, n);
	put32(b + 24, strings);
	b[28] = 2; /* cache_file_new_flags_endian_little */
	for (i = 0; i < n; i++) {
		unsigned char *e = b + HDR_NEW + i * ENT_NEW;
		put32(e, flags);
		put32(e + 4, off);
		strcpy((char *)b + off, v[i].name);
		off += strlen(v[i].name) + 1;
		put32(e + 8, off);
		strcpy((char *)b + off, v[i].path);
		off += strlen(v[i].path) + 1;
	}
	*out = b;
	*len = total;
	return 0;
}
