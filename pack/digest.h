/* SHA-256 digests of OCI blobs, as a stream: begin, update, end, with the packer's SHA-256
 * (nettle, pack/hash.c). */
#ifndef MINBOOT_PACK_DIGEST_H
#define MINBOOT_PACK_DIGEST_H
#include <stddef.h>

#include "pack/pack.h"

struct digest {
	struct hash h;
	int error;
};

int digest_begin(struct digest *d);                              /* 0 */
int digest_update(struct digest *d, const void *buf, size_t len); /* 0 */
int digest_end(struct digest *d, char hex[65]);                  /* lower-case hex, NUL-terminated */
void digest_abort(struct digest *d);                              /* after an error elsewhere */

#endif
