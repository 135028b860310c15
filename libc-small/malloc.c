/* malloc, free, realloc, calloc for the init: a first-fit free list over 64 KiB mmap'ed arenas,
 * a block larger than an arena mapped on its own (and unmapped when freed).  musl's mallocng
 * (about 8 KiB in a static link) is built for long-lived threaded programs; PID 1 is one
 * thread, allocates little (index tables, /proc/self/mounts) and frees most of it.
 *
 * A block is a 16-byte header (its whole size, bit 0 set while free, bit 1 for a mapping of its
 * own) and the bytes asked for, rounded up to 16.  A freed block goes on the list; a request takes
 * the first free block large enough, splitting off what is left when it can hold another block;
 * a block freed takes in the free blocks after it in its arena.
 *
 * Replaces musl's members lite_malloc.lo, malloc.lo (mallocng), free.lo, realloc.lo, calloc.lo and
 * replaced.lo whole (libc-small.h); their internal names are defined so that the members using
 * them (aligned_alloc, __libc_calloc, fork's __malloc_atfork) link against this one. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "libc-small/libc-small.h"

#define ARENA   (64u << 10)
#define HDR     16u
#define F_FREE  1u
#define F_MAP   2u

struct blk {
	size_t size;             /* the whole block, header included; flags in the low bits */
	size_t arena_end;        /* address past its arena's end (merging stays inside it) */
	struct blk *next, *prev; /* on the free list (in the payload, 16 bytes at least) */
};

static struct blk *free_list;

static size_t bsize(const struct blk *b)
{
	return b->size & ~(size_t)15;
}

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unlink_blk(struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

static void push(struct blk *b)
{
	b->size |= F_FREE;
	b->prev = NULL;
	b->next = free_list;
	if (free_list)
		free_list->prev = b;
	free_list = b;
}

/* b's free neighbours after it, in its arena, joined to it. */
static void merge_next(struct blk *b)
{
	struct blk *n;

	while ((uintptr_t)b + bsize(b) < b->arena_end) {
		n = (struct blk *)((uintptr_t)b + bsize(b));
		if (!(n->size & F_FREE))
			break;
		unlink_blk(n);
		b->size += bsize(n);
	}
}

void *malloc(size_t n)
{
	struct blk *b, *rest;
	size_t need;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	need = n < HDR ? 2 * HDR : (n + HDR + 15) & ~(size_t)15; /* room for the list's link */
	if (need > ARENA / 2) { /* a mapping of its own */
		need = (need + 4095) & ~(size_t)4095;
		if (!(b = map(need))) {
			errno = ENOMEM;
			return NULL;
		}
		b->size = need | F_MAP;
		return (char *)b + HDR;
	}
	for (b = free_list; b && bsize(b) < need; b = b->next)
		;
	if (!b) {
		if (!(b = map(ARENA))) {
			errno = ENOMEM;
			return NULL;
		}
		b->size = ARENA;
		b->arena_end = (uintptr_t)b + ARENA;
	} else {
		unlink_blk(b);
	}
	if (bsize(b) - need >= 2 * HDR) { /* split: the rest goes on the list */
		rest = (struct blk *)((uintptr_t)b + need);
		rest->size = bsize(b) - need;
		rest->arena_end = b->arena_end;
		push(rest);
		b->size = need;
	}
	b->size &= ~(size_t)F_FREE;
	return (char *)b + HDR;
}

void free(void *p)
{
	struct blk *b;

	if (!p)
		return;
	b = (struct blk *)((char *)p - HDR);
	if (b->size & F_MAP) {
		munmap(b, bsize(b));
		return;
	}
	merge_next(b);
	push(b);
}

void *realloc(void *p, size_t n)
{
	struct blk *b;
	void *q;

	if (!p)
		return malloc(n);
	b = (struct blk *)((char *)p - HDR);
	if (n <= bsize(b) - HDR)
		return p;
	if (!(q = malloc(n)))
		return NULL;
	memcpy(q, p, bsize(b) - HDR);
	free(p);
	return q;
}

void *calloc(size_t m, size_t n)
{
	void *p;

	if (n && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	if ((p = malloc(m * n)))
		memset(p, 0, m * n);
	return p;
}

/* musl's internal names of the members replaced: its own calls (strdup, getdelim, fopen's FILE,
 * aligned_alloc, __libc_calloc) come here.  PID 1 has one thread: fork needs no lock taken. */
#pragma GCC diagnostic ignored "-Wmissing-attributes"
ALIAS(malloc, __libc_malloc);
ALIAS(malloc, __libc_malloc_impl);
ALIAS(free, __libc_free);
ALIAS(realloc, __libc_realloc);
void __malloc_atfork(int who)
{
	(void)who;
}
void *__malloc_alloc_meta(void)
{
	return NULL;
}
int __malloc_allzerop(void *p)
{
	(void)p;
	return 0;
}
int __malloc_replaced, __aligned_alloc_replaced, __malloc_lock[1];
volatile int *const __bump_lockptr = __malloc_lock;
char __malloc_context[1];
const uint16_t __malloc_size_classes[1];
