#include <stdlib.h>

#include "pack/closure.h"
#include "pack/pack.h"
#include "fuzz.h"

/* The ELF reader, the .note.dlopen JSON reader, ld.so.cache's reader and the #! reader: any
 * bytes parse or fail cleanly. */
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const levels[] = { "x86-64-v3", "x86-64-v2", NULL };
	struct elf_dlopen *v = NULL;
	struct elf_info e;
	struct ldcache c;
	struct shebang sb;
	int nv = 0;

	elf_parse(d, n, &e);
	elf_info_free(&e);
	dlopen_note_parse((const char *)d, n, &v, &nv);
	dlopen_notes_free(v, nv);
	if (ldcache_parse(d, n, &c) == 0) {
		ldcache_lookup(&c, "libc.so.6", 0x0303, levels);
		ldcache_lookup(&c, "libz.so.1", 0x0303, levels);
	}
	shebang_parse((const char *)d, n, &sb);
	return 0;
}
