/* modload's shared internals (not for other directories). */
#ifndef MINBOOT_MODLOAD_INTERNAL_H
#define MINBOOT_MODLOAD_INTERNAL_H
#include <stddef.h>

#include "modload/modload.h"

struct cmdline;

/* Strings that live as long as their owner: one arena of chunks, freed at once. */
void *arena_alloc(void **arena, size_t n);
char *arena_strndup(void **arena, const char *s, size_t n);
void arena_free(void **arena);
#define mod_arena_alloc(db, n) arena_alloc(&(db)->arena, (n))
#define mod_arena_strndup(db, s, n) arena_strndup(&(db)->arena, (s), (n))

/* Room for element n of a growable array (*pv, *cap elements of size): 0 or -ENOMEM.  Every
 * array of the library grows through here; none has a fixed size. */
int mod_grow(void *pv, int *cap, int n, size_t size);
#define MOD_GROW(v, n, cap) mod_grow(&(v), &(cap), (n), sizeof(*(v)))

/* A growing string; err is set (and the text kept as it was) when memory runs out. */
struct mod_buf { char *p; size_t n, cap; int err; };
void mod_buf_add(struct mod_buf *b, const char *s, size_t n);
#define mod_buf_str(b, s) mod_buf_add((b), (s), strlen(s))

int mod_alias_add(struct mod_db *db, struct mod_alist *l, const char *pattern, int mod, int prio);
/* Whole file, NUL-terminated; -errno. */
int mod_read_text(const char *path, char **buf, size_t *len);
/* Options of module.param=value words on the command line for name (or the alias it was asked
 * by), appended as kmod joins them. */
void mod_cmdline_options(const struct cmdline *cl, const char *name, const char *alias,
			 struct mod_buf *out);

#endif
