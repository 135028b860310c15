/* modload's shared internals (not for other directories). */
#ifndef MINBOOT_MODLOAD_INTERNAL_H
#define MINBOOT_MODLOAD_INTERNAL_H
#include <stddef.h>

#include "modload/modload.h"

void *mod_arena_alloc(struct mod_db *db, size_t n);
char *mod_arena_strndup(struct mod_db *db, const char *s, size_t n);
int mod_alias_add(struct mod_db *db, struct mod_alist *l, const char *pattern, int mod, int prio);
int mod_softdep_add(struct mod_db *db, const char *name, const char *spec);
/* Whole file, NUL-terminated; -errno. */
int mod_read_text(const char *path, char **buf, size_t *len);

#endif
