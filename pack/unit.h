/* --unit: a systemd service unit read as systemd reads it and mapped onto the init's settings
 * (pack/unit.c).  The reader and the mapping are pure but for the files they read, so the unit
 * tests give them a directory of units (unit_dirs). */
#ifndef MINBOOT_PACK_UNIT_H
#define MINBOOT_PACK_UNIT_H

struct plan;
struct pack_opts;

struct ukv {                 /* one assignment, where it was written */
	char *sec, *key, *val, *file;
	int line;
};

struct unit {
	struct ukv *v;           /* the unit file's, then each drop-in's, in order */
	int n;
	char name[256], alias[256], prefix[256], instance[256], template_name[256];
	char path[4096];
	char **dropins;
	int ndropins;
};

struct unit_map {            /* what the unit becomes */
	char *payload;           /* ExecStart=, as minboot.payload (with systemd's prefixes) */
	char **set;              /* "minboot.KEY=VALUE" lines */
	int nset;
	char **programs;         /* every command's program, for the image */
	int nprograms;
	char **users, **groups;  /* accounts the image must have */
	int nusers, ngroups;
	char **env;              /* Environment= and EnvironmentFile=, in order */
	int nenv;
	char **reports;          /* "FILE:LINE: Key=value: why": each directive not honoured */
	int nreports;
	char **sockets;          /* the socket units read */
	int nsockets;
	char **confdirs;         /* ConfigurationDirectory=: "PATH:MODE", made in the image */
	int nconfdirs;
	const char *type;
};

extern const char *const *unit_dirs;  /* the system unit directories, highest precedence first */

int unit_parse(struct unit *u, const char *text, const char *file); /* appends; 0 or -EINVAL */
int unit_load(struct unit *u, const char *name_or_file);            /* unit, drop-ins */
void unit_free(struct unit *u);
/* s with systemd's specifiers expanded (malloc'ed), or NULL with *bad the one not known now */
char *unit_specifiers(const struct unit *u, const char *s, const char *kver, char *bad);
int unit_map(struct unit *u, struct unit_map *m, const char *kver); /* -EINVAL: no ExecStart= */
void unit_map_free(struct unit_map *m);

/* The accounts generator's hook: the image needs the user NAME.  0 when it will be there;
 * -ENOSYS from the weak version in unit.c (the image must then have it, and Group=, already). */
int accounts_want(const char *name);

/* pack/main.c: unit_add after the options (sets the payload and the settings), unit_programs
 * for the closure, unit_finish once every input is in the plan (the accounts). */
int unit_add(struct plan *p, struct pack_opts *o);
int unit_programs(const char *const **v);
int unit_finish(const struct plan *p, const struct pack_opts *o);

#endif
