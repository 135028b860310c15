/* The tar reader: POSIX ustar and pax (IEEE 1003.1-2017, "pax Interchange Format"), with the GNU
 * extensions Docker's and Go's writers use ('L'/'K' long names, base-256 numbers).  Header-only
 * types (links, devices, directories, FIFOs) have no data whatever their size field says, as in
 * Go's archive/tar, which wrote most OCI layers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pack/tar.h"

enum { BLOCK = 512 };

void tar_init(struct tar *t, ssize_t (*read)(void *, void *, size_t), void *ctx)
{
	t->read = read;
	t->ctx = ctx;
	t->pos = t->left = t->pad = 0;
	t->err[0] = '\0';
}

static int bad(struct tar *t, int r, const char *why)
{
	snprintf(t->err, sizeof(t->err), "%s (at byte %llu)", why, (unsigned long long)t->pos);
	return r;
}

/* Exactly n bytes, or an error: end of input inside a header or data is a truncated archive. */
static int read_full(struct tar *t, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = t->read(t->ctx, (char *)buf + got, n - got);
		if (r < 0)
			return bad(t, (int)r, "read error");
		if (r == 0)
			return bad(t, -EINVAL, "truncated archive");
		got += (size_t)r;
		t->pos += (uint64_t)r;
	}
	return 0;
}

static int skip(struct tar *t, uint64_t n)
{
	char buf[4096];
	int r;

	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if ((r = read_full(t, buf, k)) < 0)
			return r;
		n -= k;
	}
	return 0;
}

/* An octal field (leading blanks, ended by a blank or NUL), or GNU base-256 (high bit set). */
static int number(const unsigned char *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -EINVAL; /* negative, or more than 63 bits */
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return -EINVAL;
			v = v << 8 | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -EINVAL;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EINVAL;
	*out = v;
	return 0;
}

static int checksum_ok(const unsigned char *h)
{
	uint64_t want;
	unsigned long u = 0;
	long s = 0;
	int i;

	if (number(h + 148, 8, &want) < 0)
		return 0;
	for (i = 0; i < BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
		u += c;
		s += (signed char)c;
	}
	return want == u || (long)want == s;
}

static int all_zero(const unsigned char *h)
{
	int i;

	for (i = 0; i < BLOCK; i++)
		if (h[i])
			return 0;
	return 1;
}

/* A field of at most len bytes, NUL-terminated or not, into out. */
static void field(char *out, const unsigned char *f, size_t len)
{
	size_t l = strnlen((const char *)f, len);

	memcpy(out, f, l);
	out[l] = '\0';
}

struct ext {
	int path, link, size, uid, gid;
	uint64_t vsize, vuid, vgid;
};

static int decimal(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int pax_string(struct tar *t, char *dst, const char *val, size_t len, const char *key)
{
	char why[64];

	snprintf(why, sizeof(why), "pax %s too long", key);
	if (len >= TAR_PATH_MAX)
		return bad(t, -EINVAL, why);
	if (memchr(val, '\0', len)) {
		snprintf(why, sizeof(why), "NUL in pax %s", key);
		return bad(t, -EINVAL, why);
	}
	memcpy(dst, val, len);
	dst[len] = '\0';
	return 0;
}

/* "LEN KEY=VALUE\n" records; LEN counts the whole record. */
static int pax_parse(struct tar *t, size_t n, struct tar_entry *e, struct ext *x)
{
	size_t i = 0, len, sp, eq;
	const char *r, *key, *val;
	uint64_t v;
	int rc = 0;

	while (i < n) {
		r = t->ext + i;
		for (sp = 0; i + sp < n && r[sp] >= '0' && r[sp] <= '9'; sp++)
			;
		if (i + sp >= n || r[sp] != ' ' || decimal(r, sp, &v) < 0 || v > n - i || v < sp + 3 ||
		    r[v - 1] != '\n')
			return bad(t, -EINVAL, "malformed pax record");
		len = (size_t)v;
		key = r + sp + 1;
		val = memchr(key, '=', len - sp - 2);
		if (!val)
			return bad(t, -EINVAL, "pax record without '='");
		eq = (size_t)(val - key);
		val++;
		v = (uint64_t)(r + len - 1 - val); /* the value's length, without the '\n' */
#define KEY(k) (eq == sizeof(k) - 1 && !memcmp(key, k, eq))
		if (KEY("path"))
			rc = pax_string(t, e->path, val, v, "path"), x->path = 1;
		else if (KEY("linkpath"))
			rc = pax_string(t, e->link, val, v, "linkpath"), x->link = 1;
		else if (KEY("size"))
			rc = decimal(val, v, &x->vsize) < 0 ? bad(t, -EINVAL, "bad pax size") : 0, x->size = 1;
		else if (KEY("uid"))
			rc = decimal(val, v, &x->vuid) < 0 || x->vuid > UINT32_MAX ? bad(t, -EINVAL, "bad pax uid") : 0, x->uid = 1;
		else if (KEY("gid"))
			rc = decimal(val, v, &x->vgid) < 0 || x->vgid > UINT32_MAX ? bad(t, -EINVAL, "bad pax gid") : 0, x->gid = 1;
		else if (eq > 11 && !memcmp(key, "GNU.sparse.", 11))
			return bad(t, -ENOTSUP, "sparse files are not supported");
#undef KEY
		if (rc < 0)
			return rc;
		i += len;
	}
	return 0;
}

/* The data of an extended header ('x', 'L', 'K') into t->ext, NUL-terminated. */
static int ext_read(struct tar *t, uint64_t size)
{
	int r;

	if (size >= TAR_EXT_MAX)
		return bad(t, -EINVAL, "extended header too large");
	if ((r = read_full(t, t->ext, (size_t)size)) < 0 || (r = skip(t, (BLOCK - size % BLOCK) % BLOCK)) < 0)
		return r;
	t->ext[size] = '\0';
	return 0;
}

static int long_name(struct tar *t, char *dst, uint64_t size)
{
	size_t l = strnlen(t->ext, (size_t)size);

	if (l >= TAR_PATH_MAX)
		return bad(t, -EINVAL, "GNU long name too long");
	memcpy(dst, t->ext, l);
	dst[l] = '\0';
	return 0;
}

/* A real entry's header, with what extended headers before it said. */
static int entry_fill(struct tar *t, const unsigned char *h, struct tar_entry *e, const struct ext *x)
{
	uint64_t mode, uid, gid, size, maj, min;
	char name[101], prefix[156];

	if (number(h + 100, 8, &mode) < 0 || number(h + 108, 8, &uid) < 0 || number(h + 116, 8, &gid) < 0 ||
	    number(h + 124, 12, &size) < 0 || number(h + 329, 8, &maj) < 0 || number(h + 337, 8, &min) < 0)
		return bad(t, -EINVAL, "bad number in a header");
	if (!x->path) {
		field(name, h, 100);
		/* ustar ("ustar\0") has a prefix; GNU's "ustar  " keeps times there */
		field(prefix, !memcmp(h + 257, "ustar\0", 6) ? h + 345 : (const unsigned char *)"", 155);
		snprintf(e->path, sizeof(e->path), "%s%s%s", prefix, *prefix ? "/" : "", name);
	}
	if (!x->link)
		field(e->link, h + 157, 100);
	e->type = h[156] == '\0' || h[156] == '7' ? '0' : (char)h[156];
	if (!strchr("0123456", e->type) || !e->type) {
		char why[64];
		snprintf(why, sizeof(why), "unsupported entry type '%c' (0x%02x)",
			 h[156] >= 0x20 && h[156] < 0x7f ? h[156] : '?', h[156]);
		return bad(t, -ENOTSUP, why);
	}
	if (!e->path[0])
		return bad(t, -EINVAL, "an entry without a name");
	if (uid > UINT32_MAX || gid > UINT32_MAX || maj > UINT32_MAX || min > UINT32_MAX)
		return bad(t, -EINVAL, "an owner or device number out of range");
	e->mode = (unsigned)(mode & 07777);
	e->uid = x->uid ? (uint32_t)x->vuid : (uint32_t)uid;
	e->gid = x->gid ? (uint32_t)x->vgid : (uint32_t)gid;
	e->size = e->type == '0' ? (x->size ? x->vsize : size) : 0;
	e->major = (unsigned)maj;
	e->minor = (unsigned)min;
	e->offset = t->pos;
	t->left = e->size;
	t->pad = (BLOCK - e->size % BLOCK) % BLOCK;
	return 1;
}

int tar_next(struct tar *t, struct tar_entry *e)
{
	unsigned char h[BLOCK];
	struct ext x = { 0 };
	uint64_t size;
	int r;

	if ((r = skip(t, t->left)) < 0 || (r = skip(t, t->pad)) < 0)
		return r;
	t->left = t->pad = 0;
	e->path[0] = e->link[0] = '\0';
	for (;;) {
		if ((r = read_full(t, h, BLOCK)) < 0)
			return r == -EINVAL ? bad(t, r, "truncated archive: no end-of-archive block") : r;
		if (all_zero(h))
			return 0;
		if (!checksum_ok(h))
			return bad(t, -EINVAL, "bad header checksum (not a tar archive, or a damaged one)");
		if (!strchr("xgLK", h[156]) || !h[156])
			return entry_fill(t, h, e, &x);
		if (number(h + 124, 12, &size) < 0)
			return bad(t, -EINVAL, "bad size in an extended header");
		if ((r = ext_read(t, size)) < 0)
			return r;
		if (h[156] == 'x' && (r = pax_parse(t, (size_t)size, e, &x)) < 0)
			return r;
		if (h[156] == 'L' && (r = long_name(t, e->path, size)) < 0)
			return r;
		if (h[156] == 'K' && (r = long_name(t, e->link, size)) < 0)
			return r;
		x.path |= h[156] == 'L';
		x.link |= h[156] == 'K';
		/* 'g', global pax headers: comments (git archive) or defaults we do not apply */
	}
}

ssize_t tar_read(struct tar *t, void *buf, size_t n)
{
	int r;

	if (n > t->left)
		n = (size_t)t->left;
	if (!n)
		return 0;
	if ((r = read_full(t, buf, n)) < 0)
		return r;
	t->left -= n;
	return (ssize_t)n;
}
