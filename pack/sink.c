/* Output streams for the emitters.  gzip through zlib's deflate with a fixed header (mtime 0,
 * no name), so the same bytes in give the same bytes out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pack/pack.h"

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int sink_open(struct sink *s, int fd, int level)
{
	z_stream *z;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	if (level < 0)
		return 0;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	/* windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0 and no file name. */
	if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return -EINVAL;
	}
	s->z = z;
	s->gzip = 1;
	return 0;
}

static int deflate_out(struct sink *s, const void *buf, size_t len, int flush)
{
	unsigned char out[65536];
	z_stream *z = s->z;
	int r;

	z->next_in = (Bytef *)buf;
	z->avail_in = len;
	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		r = deflate(z, flush);
		if (r == Z_STREAM_ERROR)
			return -EIO;
		if ((r = write_full(s->fd, out, sizeof(out) - z->avail_out)) < 0)
			return r;
		s->out_bytes += sizeof(out) - z->avail_out;
	} while (z->avail_out == 0);
	return 0;
}

int sink_write(struct sink *s, const void *buf, size_t len)
{
	int r;

	if (s->error)
		return s->error;
	s->in_bytes += len;
	if (s->gzip) {
		r = deflate_out(s, buf, len, Z_NO_FLUSH);
	} else {
		r = write_full(s->fd, buf, len);
		s->out_bytes += len;
	}
	if (r < 0)
		s->error = r;
	return r;
}

int sink_close(struct sink *s)
{
	int r = s->error;

	if (s->gzip) {
		if (!r)
			r = deflate_out(s, "", 0, Z_FINISH);
		deflateEnd(s->z);
		free(s->z);
		s->z = NULL;
	}
	return r;
}
