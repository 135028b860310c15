/* The command-line tokenizer shared by the init (/proc/cmdline, /etc/minboot.conf) and the packer
 * (--set, --payload), so the two halves of minboot cannot disagree.  Pure: bytes in, struct out. */
#ifndef MINBOOT_CMDLINE_H
#define MINBOOT_CMDLINE_H
#include <stddef.h>

#include "common/policy.h"

#define CMDLINE_MAX_PARAMS POLICY_MAX_PARAMS
#define CMDLINE_MAX_ARGS   POLICY_MAX_ARGS

struct param {
	char *key;
	char *val;               /* NULL for a bare word ("quiet") */
};

struct cmdline {
	int nparams;
	struct param params[CMDLINE_MAX_PARAMS];
	int has_dashdash;        /* "--" was present: argv overrides the payload's arguments */
	int argc;
	char *argv[CMDLINE_MAX_ARGS + 1];
	int truncated;           /* more words than fit: the rest were dropped */
};

/* Split s in place the way the kernel's next_arg() does: words separated by white space, double
 * quotes group (and are removed), "key=value" splits at the first '='.  Everything after a lone
 * "--" goes to argv.  Returns 0, or -E2BIG when words were dropped (the struct is still usable). */
int cmdline_parse(char *s, struct cmdline *cl);

/* Split a command ("/bin/sh -c 'echo hi'") in place into argv: white space separates, single and
 * double quotes group.  Returns argc, or -E2BIG / -EINVAL (unterminated quote). */
int cmd_split(char *s, char **argv, int max);
/* One passwd/group/shadow line split in place at ':' into at most max fields; how many. */
int colon_fields(char *line, char **f, int max);

/* Last value of key (params are read left to right; later ones win, as for the kernel), or NULL.
 * found is set when the key is present, even as a bare word. */
const char *cmdline_get(const struct cmdline *cl, const char *key, int *found);

#endif
