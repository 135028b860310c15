/* The cpio writer round trip: entries made from the input are written, read back with a minimal
 * newc reader, and must come back with the same names and bytes. */
#include <stdio.h>
#include <unistd.h>

#include "pack/pack.h"
#include "fuzz.h"

static unsigned hex8(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v * 16 + (p[i] <= '9' ? p[i] - '0' : p[i] - 'A' + 10);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct plan p = { 0 };
	char name[64], *buf;
	size_t len, i, k = 0, off;
	struct sink s;

	/* entries: a name byte run up to '\n' then data up to the next '\n' */
	for (i = 0; i < n && k < 32;) {
		size_t a = i, b, c;
		while (i < n && d[i] != '\n')
			i++;
		b = i++;
		while (i < n && d[i] != '\n')
			i++;
		c = i++;
		snprintf(name, sizeof(name), "/f%zu-%.*s", k++, (int)(b - a > 20 ? 20 : b - a), (const char *)d + a);
		for (char *q = name + 1; *q; q++)
			if (*q == '/' || *q == '\0' || *q == '.' || (unsigned char)*q < 32)
				*q = '_';
		plan_add_data(&p, name, d + (b < n ? b + 1 : n), c > b + 1 && c <= n ? c - b - 1 : 0, 0644, "fuzz");
	}
	if (plan_finish(&p) < 0)
		return 0;
	/* write through a temp file: the sink takes a descriptor */
	char tmpl[] = "/tmp/fuzz-cpio-XXXXXX";
	int t = mkstemp(tmpl);
	if (t < 0)
		abort();
	unlink(tmpl);
	sink_open(&s, t, -1, 1);
	if (cpio_emit(&p, &s, 0, 1) || sink_close(&s))
		abort();
	len = lseek(t, 0, SEEK_CUR);
	buf = malloc(len + 1);
	if (pread(t, buf, len, 0) != (ssize_t)len)
		abort();
	close(t);
	for (off = 0, i = 0; off + 110 <= len; i++) {
		unsigned mode = hex8(buf + off + 14), size = hex8(buf + off + 54), nlen = hex8(buf + off + 94);
		const char *nm = buf + off + 110;
		if (memcmp(buf + off, "070701", 6))
			abort();
		if (!strcmp(nm, "TRAILER!!!"))
			break;
		if (i >= p.n || strcmp(nm, p.v[i].dst + 1) || (mode & 0777) != p.v[i].perm)
			abort();
		off = (off + 110 + nlen + 3) & ~(size_t)3;
		if (p.v[i].type == E_FILE && (size != p.v[i].len || memcmp(buf + off, p.v[i].data, size)))
			abort();
		off = (off + size + 3) & ~(size_t)3;
	}
	if (i != p.n)
		abort();
	free(buf);
	for (i = 0; i < p.n; i++) {
		free(p.v[i].dst);
		free(p.v[i].data);
	}
	free(p.v);
	return 0;
}
