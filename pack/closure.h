/* The run-time closure (pack/closure.c), the lazily loaded files (pack/runtime.c), #! lines. */
#ifndef MINBOOT_PACK_CLOSURE_H
#define MINBOOT_PACK_CLOSURE_H
#include <stddef.h>

#include "pack/pack.h"

struct pack_opts;

/* shebang.c — a #! line as the kernel reads it (fs/binfmt_script.c): the interpreter path and
 * one optional argument, the rest of the line; env's program name when the interpreter is env. */
#define SHEBANG_MAX 256 /* BINPRM_BUF_SIZE: what the kernel reads of a script */
struct shebang {
	char interp[SHEBANG_MAX];
	char arg[SHEBANG_MAX];      /* "" when none */
	char env_name[SHEBANG_MAX]; /* #!/usr/bin/env NAME: NAME ("" otherwise) */
	int env_bad;                /* env would be given "NAME ARGS" as one name (no -S) */
};
/* 1 and sb filled for a #! line, 0 when buf does not start with "#!" or names no interpreter,
 * -ENAMETOOLONG when the interpreter's name runs past what the kernel reads. */
int shebang_parse(const char *buf, size_t len, struct shebang *sb);

struct cl_elf {              /* what the rules need to know of an ELF file in the image */
	char *ipath, *real;      /* its image path; its host file's real path */
	char **needed;
	int nneeded;
	unsigned undef;
	int no_sections, is_prog; /* is_prog: a program (it has an interpreter), not a library */
};

struct closure {
	struct plan *p;
	struct pack_opts *o;
	struct cl_map { struct cl_slot { const char *key; long val; } *v; size_t cap, n; } index, seen;
	size_t indexed;          /* plan entries in the index */
	struct { char *ipath; int strict; } *queue;
	size_t nqueue, capqueue, next;
	struct ldcache_entry *icache; /* the image's ld.so.cache so far */
	int nicache, cache_needed;
	struct cl_elf *elves;
	int nelves;
	char **fired;            /* "rule key" pairs already applied */
	int nfired;
	char **progs;            /* the packed host programs (payload, --file, interpreters) */
	int nprogs;
};

int image_path_dir(int i, char *out, size_t len); /* POLICY_IMAGE_PATH, one by one */

/* How a file's needs are held: an error (the payload, --file and what they pull in), a warning
 * (files of packages, overlays, hostfiles), a warning without #! lines (files a rule adds as
 * data: the #! of a library's script is not the image's business). */
enum { CL_DATA = 0, CL_LENIENT = 1, CL_STRICT = 2 };

void closure_init(struct closure *cl, struct plan *p, struct pack_opts *o);
void closure_root(struct closure *cl, const char *ipath); /* a strict input */
void closure_program(struct closure *cl, const char *hpath); /* a packed host program */
int closure_shell(struct closure *cl, const char *script, const char *why); /* the programs it names */
int closure_run(struct closure *cl);
void closure_free(struct closure *cl);

/* for pack/runtime.c */
int cl_auto(const struct closure *cl, const char *rule);
const struct entry *cl_entry(struct closure *cl, const char *ipath);
int cl_resolve(struct closure *cl, const char *ipath, char *out, size_t outlen);
int cl_add_host(struct closure *cl, const char *ipath, const char *hpath, const char *why, int strict);
int cl_add_tree(struct closure *cl, const char *hpath, const char *const *exclude, const char *why, int strict);
int cl_dlopen(struct closure *cl, const char *asker, const char *name, const char *why);
int cl_drain(struct closure *cl);
void cl_note_elf(struct closure *cl, const struct lib_set *set);
char *cl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int runtime_rules(struct closure *cl);
int packages_auto(struct closure *cl);                        /* dpkg.c: the package part */
void runtime_free(struct closure *cl);
int pyc_fix(struct closure *cl, uint32_t mtime);
int pyc_source(const char *pyc, char *out, size_t len);       /* DIR/__pycache__/N.T.pyc -> DIR/N.py */
int pyc_current(const unsigned char *h, size_t n, uint32_t mtime, uint32_t size);

#endif
