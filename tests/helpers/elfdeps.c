/* elfdeps -s FILE...: of FILE, those glibc's x86_64 loader would list: dynamic ELF files with its
 * interpreter or none (libraries); a second column says RPATH, RUNPATH or -.
 * elfdeps [-l LEVEL,LEVEL...] FILE...: the libraries minboot-pack's resolver (pack/libs.c) finds
 * for each FILE on this host, one "FILE<TAB>REAL-PATH" line each (the program's interpreter
 * included), or "FILE<TAB>error: ..." — what tests/t-elf-oracle.sh compares with the loader's
 * own answer.  -l: the glibc-hwcaps subdirectories this CPU supports, best first. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack/pack.h"

int main(int argc, char **argv)
{
	const char *levels[8] = { NULL };
	struct lib_view view = { NULL, NULL, levels, NULL, 0 };
	struct lib_set set;
	char real[PATH_MAX], *tok;
	int i = 1, k, n = 0;

	if (argc > 1 && !strcmp(argv[1], "-s")) {
		for (i = 2; i < argc; i++) {
			struct elf_info e;
			if (elf_read(argv[i], &e) == 0 && e.is_elf && e.class64 && e.machine == 62 &&
			    (e.type == 2 || e.type == 3) && (e.nneeded || e.soname || e.interp[0]) &&
			    (!e.interp[0] || !strcmp(e.interp, "/lib64/ld-linux-x86-64.so.2")))
				printf("%s\t%s\n", argv[i], e.runpath ? "RUNPATH" : e.rpath ? "RPATH" : "-");
			elf_info_free(&e);
		}
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "-l")) {
		for (tok = strtok(argv[2], ","); tok && n < 7; tok = strtok(NULL, ","))
			levels[n++] = tok;
		i = 3;
	}
	for (; i < argc; i++) {
		if (!realpath(argv[i], real)) {
			printf("%s\terror: no such file\n", argv[i]);
			continue;
		}
		if (libs_resolve(&view, &set, real, real) < 0) {
			printf("%s\terror: %s\n", argv[i], set.err);
		} else {
			for (k = 1; k < set.n; k++) {
				char r2[PATH_MAX];
				if (set.v[k].implicit && !set.v[k].used)
					continue;
				printf("%s\t%s\n", argv[i], realpath(set.v[k].hpath, r2) ? r2 : set.v[k].hpath);
			}
		}
		libs_set_free(&set);
	}
	return 0;
}
