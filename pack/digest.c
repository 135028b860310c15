/* OCI blob digests through the packer's SHA-256 (nettle). */
#include <string.h>

#include "pack/digest.h"

int digest_begin(struct digest *d)
{
	memset(d, 0, sizeof(*d));
	hash_init(&d->h);
	return 0;
}

int digest_update(struct digest *d, const void *buf, size_t len)
{
	hash_update(&d->h, buf, len);
	return 0;
}

int digest_end(struct digest *d, char hex[65])
{
	unsigned char out[DIGEST_LEN];

	hash_final(&d->h, out);
	digest_hex(out, hex);
	return d->error;
}

void digest_abort(struct digest *d)
{
	(void)d;
}
