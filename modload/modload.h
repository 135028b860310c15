/* modload: kernel module resolution exactly as kmod's modprobe does it, loading (finit_module, or
 * zlib + init_module), and coldplug by modalias.  Used by the init, by the modload tool and (for
 * resolution and index writing only) by the packer.
 *
 * Functions return 0 (or a count) or -errno; none prints or exits.  Failures while probing are
 * also reported through ctx->notice so callers can log them with the module's name. */
#ifndef MINBOOT_MODLOAD_H
#define MINBOOT_MODLOAD_H
#include <limits.h>
#include <stddef.h>

struct cmdline;

/* The modload tool's entry (argv[0] == "modload"). */
int modload_main(int argc, char **argv);

/* ---- the module database: one module directory's indexes ---- */

/* Bounds.  A module name longer than MOD_NAME_MAX is no module name (the kernel's are < 56
 * bytes): its index line is left out.  Soft dependencies nest at most MOD_DEPTH_MAX deep (a
 * chain of softdeps: -ELOOP), and one resolution takes at most MOD_WORK_MAX steps (objects made
 * plus modules visited: -E2BIG; a chain MOD_DEPTH_MAX deep takes 3 steps a module, real ones a
 * few hundred in all), so a pathological index costs bounded time and memory. */
#define MOD_NAME_MAX 256
#define MOD_DEPTH_MAX 8192
#define MOD_WORK_MAX (1 << 16)

struct mod_entry {
	char *name;              /* normalised: '-' -> '_' */
	char *path;              /* as in modules.dep (relative to the directory), NULL if no file */
	int *deps;               /* every dependency, in modules.dep order (users first) */
	int ndeps;
	int prio;                /* place in depmod's module order: orders alias matches */
	int softdep;             /* the first softdep entry naming exactly this module, + 1 */
	unsigned builtin : 1;    /* listed in modules.builtin */
	unsigned loaded : 1;     /* loaded (or found loaded) through this context */
	unsigned keep : 1;       /* packer: goes into the image */
};

struct mod_alias {
	char *pattern;           /* normalised like kmod's alias_normalize() */
	int mod;
	int prio;
	unsigned short lit;      /* length of the literal prefix (before any * ? [) */
	unsigned char wild;
};

struct mod_alist { struct mod_alias *v; int n, cap; };

/* ---- modprobe.d, as libkmod-config.c reads it ---- */

enum mod_conf_type {
	MOD_CONF_ALIAS, MOD_CONF_BLACKLIST, MOD_CONF_OPTIONS, MOD_CONF_INSTALL, MOD_CONF_REMOVE,
	MOD_CONF_SOFTDEP,
};

struct mod_conf_entry {
	unsigned char type;
	unsigned char index;     /* a softdep of modules.softdep (or .modinfo), not of a config file */
	int mod;                 /* the module it names (alias: the target; install, remove, literal
				  * softdep: the key), set by mod_db_conf; -1 before */
	const char *key;         /* normalised: module name, or fnmatch pattern (alias, softdep,
				  * install) */
	const char *value;       /* alias: module name; options, install, remove, softdep: the rest
				  * of the line (options with tabs as spaces) */
	const char **words;      /* softdep: npre "pre:" words, then the "post:" ones */
	int npre, nwords;
};

struct mod_conf { struct mod_conf_entry *v; int n, cap; void *arena; };

/* Pure: the directives of one file (text is modified; len bytes, NUL-terminated) appended to c,
 * in order.  Lines are joined by a final backslash; bad lines are skipped, as kmod skips them.
 * Returns how many were (bad syntax, unknown or deprecated directives), or -ENOMEM. */
int mod_conf_parse(struct mod_conf *c, char *text, size_t len, int index);
void mod_conf_free(struct mod_conf *c);

/* The files kmod reads, in its order: sorted by name, the first added of a name wins (so add
 * the directories in precedence order).  path NULL stands for the module directory's
 * modules.softdep, which kmod reads as one of them. */
struct mod_conf_file { const char *name, *path; int seq; };
struct mod_conf_files { struct mod_conf_file *v; int n, cap; void *arena; };
/* kmod_config_new()'s default directories, in precedence order */
extern const char *const mod_conf_dirs[];
int mod_conf_files_add(struct mod_conf_files *l, const char *name, const char *path);
/* A directory's *.conf and *.alias (not dot files, not directories), or one file (modprobe -C). */
int mod_conf_files_scan(struct mod_conf_files *l, const char *path);
void mod_conf_files_sort(struct mod_conf_files *l);
void mod_conf_files_free(struct mod_conf_files *l);

enum {
	MOD_IDX_ALIAS = 1, MOD_IDX_SYMBOLS = 2, MOD_IDX_BUILTIN = 4, MOD_IDX_BMODINFO = 16,
};

struct mod_db {
	char dir[PATH_MAX];      /* the module directory (absolute), as printed */
	struct mod_entry *mods;
	int nmods, capmods;
	int *hash;               /* name -> index + 1, open addressing */
	int hashcap;
	struct mod_alist aliases, symbols, baliases;
	struct mod_conf conf;    /* modules.softdep and the modprobe.d files, in kmod's order */
	int *wild, nwild, capwild; /* conf's softdep entries with patterns */
	char *softdep_text;      /* scanned: the modules.softdep depmod would write */
	int loaded;              /* MOD_IDX_* read so far (indexes are read lazily) */
	int scanned;             /* no modules.dep: computed from each module's .modinfo */
	void *arena;
	/* packer hook: read a module the library cannot decompress (xz, zstd); NULL: -ENOTSUP */
	int (*read_hook)(const char *path, char **buf, size_t *len);
};

/* Open dir (ROOT/lib/modules/KVER): modules.dep, or when it is missing, every module's .modinfo;
 * modules.softdep as the only configuration.  db->read_hook is kept (set it before opening);
 * everything else is reset. */
int mod_db_open(struct mod_db *db, const char *dir);
void mod_db_close(struct mod_db *db);
/* The configuration: these files parsed in order (NULL: modules.softdep only). */
int mod_db_conf(struct mod_db *db, const struct mod_conf_files *files);
int mod_db_need(struct mod_db *db, int which);          /* read the MOD_IDX_* indexes not read yet */
int mod_db_find(const struct mod_db *db, const char *name); /* normalised name -> index, or -1 */
int mod_db_intern(struct mod_db *db, const char *name, size_t len); /* index, added if new; -ENOMEM */
int mod_db_scan(struct mod_db *db);                     /* compute everything from .modinfo */
/* kmod_module_get_softdeps(): the first softdep whose pattern matches the name, or NULL. */
const struct mod_conf_entry *mod_softdep_find(const struct mod_db *db, const char *name);
/* modprobe.d's blacklist (exact names); the install command for a module (first pattern) */
int mod_conf_blacklisted(const struct mod_db *db, const char *name);
const char *mod_conf_install(const struct mod_db *db, const char *name);

/* Names: "snd-hda.ko.xz" -> "snd_hda" (-ENAMETOOLONG when it does not fit, out then "");
 * aliases: '-' -> '_' outside [...] (-EINVAL: bad brackets). */
int mod_name_from_path(const char *path, char *out, size_t outlen);
int mod_normalize(const char *in, char *out, size_t outlen);

/* .modinfo: the NUL-separated "key=value" strings of an ELF module (pure). */
int mod_modinfo_find(const void *elf, size_t len, const char **info, size_t *infolen);
/* Read a module file, inflating gzip; xz/zstd go through read_hook (or fail -ENOTSUP). */
int mod_file_read(const char *path, char **buf, size_t *len,
		  int (*read_hook)(const char *, char **, size_t *));
enum mod_compression { MOD_COMP_NONE, MOD_COMP_GZIP, MOD_COMP_XZ, MOD_COMP_ZSTD };
enum mod_compression mod_compression_of(const unsigned char *magic, size_t len);

/* Text indexes in depmod's formats and module order, for the modules marked keep (the packer's
 * image).  modules.builtin is the kernel's and is copied as it is. */
enum mod_index_file { MOD_OUT_DEP, MOD_OUT_ALIAS, MOD_OUT_SOFTDEP };
int mod_index_text(const struct mod_db *db, enum mod_index_file which, char **out, size_t *len);
/* Mark a module to keep with its dependencies and (transitively) its softdeps. */
int mod_keep(struct mod_db *db, int mod);

/* ---- lookup: kmod_module_new_from_lookup() ---- */

struct mod_match {
	int mod;
	const char *alias;       /* found through an alias (blacklist applies): the key (the lookup's
				  * norm, or a modprobe.d alias pattern); NULL by name */
	const char *install;     /* found through modprobe.d's install command of this name */
	int builtin;             /* found in the builtin indexes */
};
struct mod_matches { struct mod_match *v; int n, cap; char norm[PATH_MAX]; };

/* modprobe.d aliases, module names (modules.dep), symbol: aliases, install/remove commands,
 * modules.alias patterns, builtins, builtin aliases: the first source that knows the name wins.
 * Returns the number of matches or -errno. */
int mod_lookup(struct mod_db *db, const char *name, struct mod_matches *m);
void mod_matches_free(struct mod_matches *m);

/* ---- probing and loading ---- */

/* The calls that change the machine; tests record them instead.  Both return 0 or -errno.
 * The uevent pair is optional (NULL: coldplug reads sysfs again after each pass that loaded
 * something): open the kernel's uevent socket (an fd or -errno), and take one message without
 * waiting (its length, -EAGAIN when none is queued, -ENOBUFS when some were lost). */
struct mod_ops {
	int (*finit_module)(int fd, const char *params, int flags);
	int (*init_module)(const void *image, unsigned long len, const char *params);
	int (*uevent_open)(void);
	int (*uevent_recv)(int fd, char *buf, int len);
	/* fork(2) and waitpid(pid, status, 0) for coldplug's helper processes (ctx->jobs); NULL:
	 * none, every module loads in the calling process */
	int (*fork)(void);
	int (*waitpid)(int pid, int *status);
};
extern const struct mod_ops mod_sys_ops;

enum {
	MOD_DRY_RUN = 1,         /* resolve and show, load nothing */
	MOD_IGNORE_LOADED = 2,   /* do not look at /sys/module (--show-depends) */
	MOD_BLACKLIST = 4,       /* blacklist applies to the named module too */
	MOD_FIRST_TIME = 8,      /* already loaded is an error */
	MOD_ONLY = 16,           /* load only the modules c->only names (the init's critical path) */
};

/* One line of the load plan, for --show-depends and logs. */
struct mod_step {
	const char *name;
	const char *path;        /* absolute, NULL for a builtin */
	const char *options;
	const char *install;     /* modprobe.d's install command (shown, never run), or NULL */
	int builtin;
};

struct mod_ctx {
	char root[PATH_MAX];     /* prefix for /sys and /proc ("" on the live system) */
	struct mod_db db;
	const struct mod_ops *ops;
	const struct cmdline *cmdline; /* module.param=value options; NULL for none */
	const char *blacklist;   /* comma-separated module names (modprobe.blacklist=), besides
				  * modprobe.d's */
	char kcomp[16];          /* /sys/module/compression, read once; "-" when absent */
	void (*show)(void *arg, const struct mod_step *s);
	void (*notice)(void *arg, const char *name, int err, int required);
	void (*loaded)(void *arg, const char *name, const char *path); /* after each module inserted
				  * (path as in modules.dep), or NULL */
	/* after each coldplug pass: the modaliases it found, and whether it read sysfs or uevents;
	 * NULL for none */
	void (*pass_done)(void *arg, int pass, int found, int from_sysfs);
	void *arg;
	int nloaded;             /* modules inserted by this context */
	int nfailed;
	/* MOD_ONLY: a module whose modules.dep path contains none of these space-separated words
	 * is not loaded (nor its dependencies): nskipped counts those probes (NULL: every module
	 * may load) */
	const char *only;
	int nskipped;
	char *skipped;           /* the modules those probes named, space-separated (NULL: none),
				  * for mod_coldplug_names later; mod_ctx_close frees it */
	/* Coldplug: where more than one of a pass's drivers is to load, they load in up to jobs
	 * processes at once (ops->fork), as udev's workers do; the drivers of one class (NICs,
	 * disks: the kernel names their devices in probe order) stay in one process, in path
	 * order.  <= 1: every one in this process.  forked(arg) runs in each helper first, joined(arg)
	 * in this process once they have all ended (both may be NULL). */
	int jobs;
	int nhelpers;            /* the helper processes coldplug started */
	void (*forked)(void *arg);
	void (*joined)(void *arg);
	char why[256];           /* the last failure in words ("corrupt gzip data: ...") */
};

/* dir NULL: ROOT/lib/modules/$(uname -r).  ROOT is prefixed to /sys, /proc and the modprobe.d
 * directories kmod reads (mod_conf_dirs); conf, a NULL-terminated list of files or directories,
 * replaces those (modprobe -C). */
int mod_ctx_open(struct mod_ctx *c, const char *root, const char *dir);
int mod_ctx_open_conf(struct mod_ctx *c, const char *root, const char *dir, const char *const *conf);
void mod_ctx_close(struct mod_ctx *c);

/* Resolve name (module or alias) and load it with its dependencies and softdeps, as
 * "modprobe name extra" does, with modprobe.d's options, blacklist and softdeps; a module with
 * an install command is not loaded (-ENOTSUP: commands are never run).  Returns 0, 1 when
 * blacklisted, -ENOENT when nothing matches, -ELOOP / -E2BIG past MOD_DEPTH_MAX / MOD_WORK_MAX,
 * or the first failure of a required module (the module or a dependency). */
int mod_probe(struct mod_ctx *c, const char *name, const char *extra, int flags);

/* path (as in modules.dep; NULL: no) has one of list's space-separated words at the start of
 * one of its components ("fs/" is in kernel/fs/ext4/ext4.ko, not in kernel/drivers/xfs/) */
int mod_path_in(const char *list, const char *path);

/* Insert one module file with params; EEXIST is success (0).  gzip is handed to the kernel when
 * /sys/module/compression says gzip, else inflated here; xz/zstd only when the kernel takes them
 * (-ENOTSUP otherwise).  On failure c->why says what went wrong in words. */
int mod_insert(struct mod_ctx *c, const char *path, const char *params);

/* Initstate from /sys/module: 1 live or builtin, 0 absent (or coming/going). */
int mod_in_kernel(struct mod_ctx *c, const char *name, int builtin);

/* name in a comma-separated list of module names (normalised before comparing) */
int mod_blacklisted(const char *list, const char *name);

/* Coldplug: read the modalias of every device in ROOT/sys/bus/{*}/devices, ROOT/sys/class/input
 * and the ROOT/sys/devices/system roots (CPU features), probe each new one (in path order,
 * blacklist applied as udev does), and repeat until a pass loads nothing new: buses appear only
 * once their controller's driver is in (virtio devices after virtio_pci).  The passes after the
 * first read the uevents of the devices added meanwhile (ops->uevent_*), or sysfs again without
 * them.  Returns the number of passes or -errno; *nalias counts the distinct modaliases seen. */
int mod_coldplug(struct mod_ctx *c, int flags, int max_passes, int *nalias);
/* The same, with names (space-separated modules: c->skipped of an earlier MOD_ONLY coldplug; the
 * string is cut up) as the first pass instead of sysfs: the passes after it read the uevents of
 * the devices those drivers add. */
int mod_coldplug_names(struct mod_ctx *c, char *names, int flags, int max_passes);

/* One uevent message ("add@/devices/...\0ACTION=add\0DEVPATH=...\0MODALIAS=...\0", len bytes
 * with room for one more): the MODALIAS of an added device (a pointer into msg), or NULL. */
char *mod_uevent_added(char *msg, int len, const char **devpath);

#endif
