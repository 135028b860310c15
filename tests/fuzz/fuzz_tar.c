/* The tar reader over arbitrary bytes: every entry's header and data are read to the end; the
 * reader must stop with an error or at the end-of-archive block, never read past the input, and
 * never give a name longer than its buffer or an entry type it does not document. */
#include <sys/types.h>

#include "pack/tar.h"
#include "fuzz.h"

struct mem {
	const uint8_t *d;
	size_t n, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;

	if (n > m->n - m->off)
		n = m->n - m->off;
	/* short reads too: the reader must loop */
	if (n > 1 && (m->off & 7) == 3)
		n = n / 2;
	memcpy(buf, m->d + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct tar t;
	static struct tar_entry e;
	struct mem m = { d, n, 0 };
	char buf[1000];
	ssize_t k;
	int r, entries = 0;

	tar_init(&t, mem_read, &m);
	while ((r = tar_next(&t, &e)) > 0) {
		uint64_t got = 0;
		if (strlen(e.path) >= sizeof(e.path) || strlen(e.link) >= sizeof(e.link) || !e.path[0] ||
		    !strchr("0123456", e.type) || e.mode > 07777 || (e.type != '0' && e.size))
			abort();
		while ((k = tar_read(&t, buf, sizeof(buf))) > 0)
			got += (uint64_t)k;
		if (k == 0 && got != e.size)
			abort();
		if (k < 0)
			break;
		entries++;
	}
	if (m.off > n || (r < 0 && !t.err[0]))
		abort();
	return 0;
}
