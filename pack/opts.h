/* minboot-pack's options: one table (pack/opts.c) drives parsing and --help. */
#ifndef MINBOOT_PACK_OPTS_H
#define MINBOOT_PACK_OPTS_H

#define OPTS_MAX 256

enum { COMPRESS_NONE, COMPRESS_GZIP, COMPRESS_ZSTD };

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
	int compress, level;          /* COMPRESS_* and its level (gzip 5, zstd 3 by default) */
	int level_set;                /* --level given */
	int nhostfiles, nexclude, npackage;
	const char *hostfiles[OPTS_MAX];
	const char *exclude[OPTS_MAX]; /* globs of image paths, from --exclude and --excludefiles */
	const char *package[OPTS_MAX];
	int package_docs;
	const char *lock;             /* --lock FILE: serialise packs */
	int if_newer;                 /* --if-newer: skip when no input changed */
	const char *format;           /* initramfs (default), chroot, ext2, iso */
	const char *kernel;           /* --kernel: for the iso format */
	const char *cache;            /* --cache DIR: compressed segments by content */
	int jobs;                     /* -j N: compression threads (default: CPUs) */
	int verbose;
	int no_power_button;          /* --no-power-button: not button and evdev by default */
	int no_rng;                   /* --no-rng: not virtio_rng with virtio modules */
	int nmodule, nmodule_load;    /* --module, --module-load (pack/modules.c) */
	const char *module[OPTS_MAX], *module_load[OPTS_MAX];
	const char *kernel_modules, *kver;
};

/* 0 to go on, 1 when done (--help, --version), -EINVAL on a usage error (already reported). */
int opts_parse(int argc, char **argv, struct pack_opts *o);

#endif
