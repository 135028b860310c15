/* .pyc files valid in the image.  A timestamp pyc (PEP 552 flags 0) records its source's mtime
 * and size; python recompiles when they differ from the source's.  The image gives every file
 * the same mtime (SOURCE_DATE_EPOCH, 0 by default), so the host's pycs would all be stale and
 * every boot would compile the standard library again.  A pyc that is current on the host (its
 * recorded mtime and size are its source's there) gets the image's mtime in its header instead:
 * the same bytes otherwise, reproducible, no compiler run.  Hash-based pycs are left as they are
 * (checked ones are validated by the source's hash, unchecked ones never). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pack/closure.h"
#include "pack/pack.h"

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The source of DIR/__pycache__/NAME.TAG.pyc: DIR/NAME.py. */
int pyc_source(const char *pyc, char *out, size_t len)
{
	const char *slash = strrchr(pyc, '/'), *dot;
	size_t l = strlen(pyc);

	if (!slash || l < 4 || strcmp(pyc + l - 4, ".pyc") || slash - pyc < 12 ||
	    strncmp(slash - 12, "/__pycache__", 12))
		return -EINVAL;
	dot = strchr(slash + 1, '.');
	if (!dot || dot == slash + 1)
		return -EINVAL;
	if ((size_t)snprintf(out, len, "%.*s/%.*s.py", (int)(slash - 12 - pyc), pyc,
			     (int)(dot - slash - 1), slash + 1) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* 1 when the header says: timestamp pyc of a source with this mtime and size. */
int pyc_current(const unsigned char *h, size_t n, uint32_t mtime, uint32_t size)
{
	return n >= 16 && le32(h + 4) == 0 && le32(h + 8) == mtime && le32(h + 12) == size;
}

static int fix_one(struct entry *e, const struct entry *src, uint32_t mtime)
{
	unsigned char h[16];
	struct stat st;
	char *buf;
	size_t len;
	int fd, r;
	ssize_t n;

	if (!e->src || !src->src || stat(src->src, &st) < 0)
		return 0;
	if ((fd = open(e->src, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	if (!pyc_current(h, n, (uint32_t)st.st_mtime, (uint32_t)st.st_size) || le32(h + 8) == mtime)
		return 0;
	if ((r = file_read_all(e->src, &buf, &len, 1 << 30)) < 0 || len < 16)
		return r < 0 ? r : 0;
	buf[8] = mtime, buf[9] = mtime >> 8, buf[10] = mtime >> 16, buf[11] = mtime >> 24;
	free(e->src);
	e->src = NULL;
	e->data = buf;
	e->len = len;
	return 1;
}

int pyc_fix(struct closure *cl, uint32_t mtime)
{
	char py[PATH_MAX];
	const char *last_why = NULL, *new_why = NULL;
	size_t i;
	int r;

	for (i = 0; i < cl->p->n; i++) {
		struct entry *e = &cl->p->v[i];
		const struct entry *s;
		if (e->type != E_FILE || !e->src || pyc_source(e->dst, py, sizeof(py)) < 0)
			continue;
		if (cl_entry(cl, e->dst) != e || !(s = cl_entry(cl, py)) || s->type != E_FILE)
			continue;
		if ((r = fix_one(e, s, mtime)) < 0)
			return r;
		if (r == 0)
			continue;
		if (e->why != last_why) { /* one why string per input: one segment, as before */
			last_why = e->why;
			new_why = cl_printf("%s; pyc given the image's source mtime", e->why);
		}
		e->why = new_why;
	}
	return 0;
}
