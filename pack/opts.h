/* minboot-pack's options: one table (pack/opts.c) drives parsing and --help. */
#ifndef MINBOOT_PACK_OPTS_H
#define MINBOOT_PACK_OPTS_H

enum { COMPRESS_NONE, COMPRESS_GZIP, COMPRESS_ZSTD, COMPRESS_LZ4 };
enum { ROOTPART_AUTO, ROOTPART_YES, ROOTPART_NO };

struct pack_opts {
	const char *output;
	const char *payload;
	const char *init;
	int nfile, noverlay, nset;
	const char **file;
	const char **overlay;
	const char **set;   /* validated "key=value" lines for /etc/minboot.conf */
	int no_default_overlay;
	int print;
	int compress, level;          /* COMPRESS_* and its level (gzip 5, zstd 3, lz4 9 by default) */
	int level_set;                /* --level given */
	int nhostfiles, nexclude, npackage;
	const char **hostfiles;
	const char **exclude; /* globs of image paths, from --exclude and --excludefiles */
	const char **package;
	int package_docs;
	const char *lock;             /* --lock FILE: serialise packs */
	int if_newer;                 /* --if-newer: skip when no input changed */
	const char *format;           /* initramfs (default), chroot, ext2, erofs, squashfs, iso, uki, disk */
	const char *kernel;           /* --kernel: for the iso, uki and disk formats */
	const char *cmdline;          /* --cmdline: the UKI's kernel command line (NULL: the default) */
	int root_partition;           /* --root-partition: ROOTPART_* (--format disk) */
	int root_plain;               /* --root-compress none: erofs/squashfs root uncompressed */
	int root_compress_set;
	unsigned long long disk_size; /* --disk-size in bytes (0: as small as the contents allow) */
	const char *cache;            /* --cache DIR: compressed segments by content */
	unsigned long long cache_max; /* --cache-max SIZE in bytes (0: no limit) */
	int cache_max_set;
	int jobs;                     /* -j N: compression threads (default: CPUs) */
	int verbose;
	int no_power_button;          /* --no-power-button: not button and evdev by default */
	int no_rng;                   /* --no-rng: not virtio_rng with virtio modules, nor the jitter source */
	int nmodule, nmodule_load;    /* --module, --module-load (pack/modules.c) */
	const char **module, **module_load;
	const char *kernel_modules, *kver;
	int trace;                    /* --trace: run the payload once in a sandbox (pack/trace.c) */
	const char *trace_probe;      /* --trace-probe CMD: run against it until it succeeds */
	const char *trace_save;       /* --trace-save FILE: what the trace added, as hostfiles */
	unsigned trace_timeout_ms;    /* --trace-timeout SECONDS (default 10) */
	int nno_auto;                 /* --no-auto RULE: parts of the run-time closure turned off */
	const char **no_auto;
	int dlopen_suggested;         /* --dlopen-suggested: follow "suggested" .note.dlopen entries too */
	const char *oci;              /* --oci PATH (pack/oci.c) */
	const char *unit;             /* --unit NAME|FILE (pack/unit.c) */
	int payload_checked;          /* the payload is the image's, its program found there */
	int dynamic;                  /* the closure found a dynamically linked program in the image */
	const char *conf_note;        /* comment lines at the end of /etc/minboot.conf */
	int nuser, nchmod, nchown;    /* --user NAME, --chmod MODE:GLOB, --chown USER:GROUP:GLOB */
	const char **user, **chmod, **chown;
	int nmodprobe_conf;           /* --modprobe-conf FILE|DIR (pack/modules.c) */
	const char **modprobe_conf;
};

/* Repeatable options are lists with no fixed limit. */
int opts_push(const char ***v, int *n, const char *arg);

/* 0 to go on, 1 when done (--help, --version), -EINVAL on a usage error (already reported). */
int opts_parse(int argc, char **argv, struct pack_opts *o);

#endif
