/* minboot-pack's options: one table (pack/opts.c) drives parsing and --help. */
#ifndef MINBOOT_PACK_OPTS_H
#define MINBOOT_PACK_OPTS_H

#define OPTS_MAX 256

struct pack_opts {
	const char *output;
	const char *payload;
	const char *init;
	int nfile, noverlay, nset;
	const char *file[OPTS_MAX];
	const char *overlay[OPTS_MAX];
	const char *set[OPTS_MAX];   /* validated "key=value" lines for /etc/minboot.conf */
	int no_default_overlay;
	int print;
	int compress, level;          /* gzip and its level (default 6) */
};

/* 0 to go on, 1 when done (--help, --version), -EINVAL on a usage error (already reported). */
int opts_parse(int argc, char **argv, struct pack_opts *o);

#endif
