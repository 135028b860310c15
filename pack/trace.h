/* --trace: run the payload once on this host in a sandbox, record every path it looked up, add
 * what exists to the image (pack/trace.c); the sandbox (pack/sandbox.c) and the tracer
 * (pack/tracer.c) run in a child of their own, in namespaces whose death cleans everything up. */
#ifndef MINBOOT_PACK_TRACE_H
#define MINBOOT_PACK_TRACE_H
#include <stddef.h>

struct plan;
struct entry;
struct pack_opts;

/* trace.c: trace_run once the first pass has built the whole plan (before plan_finish);
 * trace_insert in every pass where --hostfiles lists go in (nothing before the run). */
int trace_run(struct plan *p, struct pack_opts *o);
int trace_insert(struct plan *p);
/* What --print says of an entry: for the trace's entries, which process used the path and how. */
const char *trace_note(const struct entry *e);

/* What the sandbox runs, and where the records go. */
struct trace_job {
	char **argv;              /* the payload's words */
	const char *exe;          /* the program the init would run (argv[0] looked up in the image) */
	char **env;               /* minboot.env.* ("NAME=value"); PATH, HOME, TERM, USER added */
	const char *workdir;      /* minboot.workdir, or "" for / */
	const char *user;         /* minboot.user, or "" */
	const char *probe;        /* --trace-probe, or NULL */
	unsigned timeout_ms;
	const struct plan *plan;  /* the image so far: laid over the host root in the sandbox */
	int fd;                   /* the pipe the records go to */
	int verbose;
};

/* The records on the pipe: a header, then exe_len + path_len bytes (no terminating NULs). */
enum { REC_PATH = 'P', REC_END = 'E' };
enum { OP_OPEN = 'o', OP_EXEC = 'x', OP_STAT = 's', OP_ACCESS = 'a', OP_READLINK = 'l',
       OP_CHDIR = 'c', OP_OTHER = 'i' };
enum { END_EXITED, END_PROBED, END_TIMED_OUT, END_FAILED };
struct trace_rec {
	char kind, op;
	unsigned short exe_len, path_len;
	int err;                  /* 0, or the errno the call failed with */
	int pid;                  /* in the sandbox's PID namespace */
};
struct trace_end {
	int reason;               /* END_* */
	int status;               /* the payload's wait status */
	int started;              /* its program was executed */
	int probes, probe_status; /* probe runs and the last one's wait status */
	long elapsed_ms;
};

/* sandbox.c: in the child, PID 1 of new PID, mount, network, UTS and IPC namespaces: the host
 * root read-only under a tmpfs overlay, the plan laid over it, fresh /proc /sys /dev /tmp /run,
 * loopback up.  Returns 0 or -errno (reported). */
int sandbox_enter(const struct trace_job *j);
/* tracer.c: run, trace and stop the payload (and the probe); records to j->fd.  Returns the
 * sandbox's exit status. */
int tracer_run(const struct trace_job *j);

/* Pure helpers (unit tested). */
int trace_skipped(const char *path);  /* /proc, /sys, /dev, /run, /tmp and below */
int trace_glob_escape(const char *path, char *out, size_t len); /* for a hostfiles line */
int trace_path_join(const char *dir, const char *rel, char *out, size_t len);

/* A set of strings with a value each (open addressing), for the tracer and the packer. */
struct smap {
	char **k;
	void **v;
	size_t n, cap;
};
void **smap_get(const struct smap *m, const char *k);       /* NULL when absent */
int smap_put(struct smap *m, const char *k, void *v);        /* 1 new, 0 replaced */

#endif
