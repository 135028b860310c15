/* --trace: for what no rule can know (a plugin named in a configuration file, a helper found at
 * run time), run the payload once on this host in a sandbox, record every path it opened,
 * executed, stat'ed, read as a link or failed to find, and take what exists here, as the image
 * must resolve it: symlinks on the way kept as symlinks (a symlink to a directory kept as the
 * directory, as --hostfiles does).
 *
 * Two passes.  The first builds the whole image, which the sandbox shows the payload and which
 * decides what is new: only paths no input and no rule of the run-time closure provides are
 * taken.  The second builds the image again with those paths put in where --hostfiles puts its
 * files, so the run-time closure gives them their libraries and #! interpreters as it gives a
 * hostfiles list's, and --trace-save's list, given as --hostfiles in place of --trace, packs the
 * same image byte for byte (the trace's entries share one `why`, as the list's do, so the
 * segments are cut alike). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "common/log.h"
#include "common/policy.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "pack/trace.h"

/* Never taken from the host: what is below the guest's early mounts (common/policy.c: /proc,
 * /sys, /dev, /run, /tmp), its own filesystems; files the guest makes at boot
 * (the init mounts /etc/fstab's entries; netcfg writes resolv.conf, hostname and hosts from ip=
 * and DHCP); the loader's cache, which the run-time closure writes for the image when it needs
 * one (the host's names libraries the image does not hold). */
static const char *const guest_made[] = { POLICY_FSTAB_PATH, "/etc/resolv.conf", "/etc/hostname",
					  "/etc/hosts", "/etc/ld.so.cache" };

static const char trace_why[] = "--trace"; /* every entry's: one segment, as a hostfiles list's */

static const char *const op_verbs[128] = {
	[OP_OPEN] = "opened", [OP_EXEC] = "executed", [OP_STAT] = "stat'ed", [OP_ACCESS] = "checked",
	[OP_READLINK] = "read as a link", [OP_CHDIR] = "entered", [OP_OTHER] = "looked up",
};

/* ---- small pieces (pure) ---- */

static size_t str_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void **smap_get(const struct smap *m, const char *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = str_hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->k[i], k))
			return &m->v[i];
	return NULL;
}

static void smap_grow(struct smap *m)
{
	struct smap n = { 0 };
	size_t i, k;

	n.cap = m->cap ? m->cap * 2 : 64;
	if (!(n.k = calloc(n.cap, sizeof(*n.k))) || !(n.v = calloc(n.cap, sizeof(*n.v))))
		abort();
	for (i = 0; i < m->cap; i++) {
		if (!m->k[i])
			continue;
		for (k = str_hash(m->k[i]) & (n.cap - 1); n.k[k]; k = (k + 1) & (n.cap - 1))
			;
		n.k[k] = m->k[i], n.v[k] = m->v[i];
	}
	n.n = m->n;
	free(m->k);
	free(m->v);
	*m = n;
}

int smap_put(struct smap *m, const char *k, void *v)
{
	void **slot = smap_get(m, k);
	size_t i;

	if (slot) {
		*slot = v;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap)
		smap_grow(m);
	for (i = str_hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		;
	m->k[i] = xstrdup(k);
	m->v[i] = v;
	m->n++;
	return 1;
}

static int under(const char *path, const char *top)
{
	size_t l = strlen(top);

	return !strncmp(path, top, l) && (path[l] == '/' || !path[l]);
}

int trace_skipped(const char *path)
{
	const struct policy_mount *m;

	for (m = policy_early_mounts; m->src; m++)
		if (under(path, m->dst))
			return 1;
	return 0;
}

static int guest_makes(const char *path)
{
	unsigned i;

	for (i = 0; i < sizeof(guest_made) / sizeof(guest_made[0]); i++)
		if (!strcmp(path, guest_made[i]))
			return 1;
	return 0;
}

/* A hostfiles line is a glob: its metacharacters are escaped, so it matches this path only. */
int trace_glob_escape(const char *path, char *out, size_t len)
{
	size_t o = 0;

	for (; *path; path++) {
		if (*path == '\n' || *path == '\r')
			return -EINVAL; /* a line cannot hold it */
		if (strchr("*?[]\\", *path)) {
			if (o + 1 >= len)
				return -ENAMETOOLONG;
			out[o++] = '\\';
		}
		if (o + 1 >= len)
			return -ENAMETOOLONG;
		out[o++] = *path;
	}
	out[o] = '\0';
	return 0;
}

int trace_path_join(const char *dir, const char *rel, char *out, size_t len)
{
	int n = snprintf(out, len, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- the records, into the plan ---- */

struct rec {
	char op;
	int err, pid;
	char *exe, *path;
};

static struct {
	struct plan *p;      /* the first pass's plan */
	struct smap index;   /* its paths -> entry index + 1 */
	struct smap added;   /* what the trace takes -> its note for --print */
	char **list;         /* the same, sorted: what the second pass puts in */
	size_t nlist, nmissing;
	int verbose;         /* -v: what was left out is listed */
} T;

const char *trace_note(const struct entry *e)
{
	void **v;

	if (e->why != trace_why || !(v = smap_get(&T.added, e->dst)))
		return e->why;
	return *v;
}

static const struct entry *planned(const char *path)
{
	void **v = smap_get(&T.index, path);

	return v ? &T.p->v[(uintptr_t)*v - 1] : NULL;
}

static void take(const char *path, const char *note)
{
	if (smap_get(&T.added, path))
		return;
	if (guest_makes(path)) {
		if (T.verbose)
			info("--trace: %s left out: the image has its own", path);
		return;
	}
	if (strpbrk(path, "\n\r")) {
		warn("--trace: '%s' has a line break in its name: left out (a hostfiles line cannot hold it)", path);
		return;
	}
	smap_put(&T.added, path, xstrdup(note));
}

static void missing(const char *path, const char *note)
{
	T.nmissing++;
	if (T.verbose)
		info("--trace: not on this host: %s, %s", path, note + strlen("--trace: "));
}

/* Walk path a component at a time the way the image will resolve it: the plan's own entries
 * first (its symlinks followed as the guest will), else the host's (a symlink added and
 * followed; one to a directory kept as a directory; ".." taken in the image's terms). */
static void resolve(const char *path, const char *note)
{
	char dir[PATH_MAX] = "", n[PATH_MAX], comp[NAME_MAX + 1], rest[2 * PATH_MAX], tmp[2 * PATH_MAX];
	char *r = rest, *target;
	const struct entry *e;
	struct stat st, tst;
	int links = 0, last;
	size_t l;

	if ((size_t)snprintf(rest, sizeof(rest), "%s", path) >= sizeof(rest))
		return;
	for (;;) {
		while (*r == '/')
			r++;
		if (!*r)
			return; /* ended on a directory ("/", "." or ".."): nothing of its own to add */
		if ((l = strcspn(r, "/")) > NAME_MAX)
			return;
		memcpy(comp, r, l);
		comp[l] = '\0';
		for (r += l; *r == '/'; r++)
			;
		last = !*r;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
			continue;
		}
		if ((size_t)snprintf(n, sizeof(n), "%s/%s", dir, comp) >= sizeof(n) || trace_skipped(n))
			return;
		target = NULL;
		if ((e = planned(n))) {
			if (e->type != E_SYMLINK && (e->type != E_DIR || last))
				return; /* the image's own */
			if (e->type == E_DIR) {
				strcpy(dir, n);
				continue;
			}
			target = xstrdup(e->data);
		} else if (lstat(n, &st) < 0) {
			missing(path, note);
			return;
		} else if (S_ISLNK(st.st_mode) && !(stat(n, &tst) == 0 && S_ISDIR(tst.st_mode))) {
			take(n, note);
			if (!(target = link_read(n, st.st_size)))
				return;
		} else if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) {
			if (last)
				take(n, note);
			strcpy(dir, n);
			continue;
		} else {
			if (last)
				take(n, note);
			return; /* or a file taken for a directory: the lookup failed here too */
		}
		/* a symlink: its target, then what is left of the path */
		if (++links > 40 || (size_t)snprintf(tmp, sizeof(tmp), "%s/%s", target, r) >= sizeof(tmp)) {
			free(target);
			return;
		}
		if (target[0] == '/')
			dir[0] = '\0';
		free(target);
		strcpy(rest, tmp);
		r = rest;
	}
}

static void rec_add(const struct rec *c)
{
	char *note;
	struct stat st;

	if (asprintf(&note, "--trace: %s by %d (%s)", op_verbs[(unsigned char)c->op & 127] ?
		     op_verbs[(unsigned char)c->op & 127] : "used", c->pid, c->exe[0] ? c->exe : "?") < 0)
		abort();
	/* A lookup that failed: nothing to add (the run went on without it); said when the host
	 * has nothing there either. */
	if (c->err == ENOENT) {
		if (lstat(c->path, &st) < 0 && !trace_skipped(c->path))
			missing(c->path, note);
	} else if (c->path[0] == '/') {
		resolve(c->path, note);
	}
	free(note);
}

/* ---- the run ---- */

static int sandbox_child(struct trace_job *j, int fd, pid_t packer)
{
	pid_t init;
	int status;

	/* the packer's death kills this process, whose death kills PID 1 and so the namespace */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != packer)
		return 111;
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0) {
		err("--trace: unable to make the sandbox's namespaces: %s", strerror(errno));
		return 111;
	}
	/* nothing mounted here may reach the host's mount table */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		err("--trace: unable to make the sandbox's mounts private: %s", strerror(errno));
		return 111;
	}
	if ((init = fork()) < 0)
		return 111;
	if (init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		j->fd = fd;
		_exit(sandbox_enter(j) < 0 ? 111 : tracer_run(j));
	}
	close(fd);
	while (waitpid(init, &status, 0) < 0)
		if (errno != EINTR)
			return 111;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 111;
}

/* Run the sandbox; its records into *buf.  The wait status of the sandbox's parent process. */
static int sandbox_run(struct trace_job *j, char **buf, size_t *len, int *status)
{
	size_t cap = 0;
	int fds[2];
	ssize_t n;
	pid_t pid, self = getpid();

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		close(fds[0]);
		_exit(sandbox_child(j, fds[1], self));
	}
	close(fds[1]);
	*buf = NULL, *len = 0;
	for (;;) {
		if (*len == cap && !(*buf = realloc(*buf, cap = cap ? cap * 2 : 65536)))
			abort();
		n = read(fds[0], *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
	}
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The records: paths in the order first seen, and the end report (0 when there is none). */
static size_t recs_parse(char *buf, size_t len, struct rec **out, struct trace_end *end, int *ended)
{
	size_t o = 0, n = 0, cap = 0;
	struct trace_rec h;

	*ended = 0;
	*out = NULL;
	while (o + sizeof(h) <= len) {
		memcpy(&h, buf + o, sizeof(h));
		o += sizeof(h);
		if (h.kind == REC_END) {
			if (o + sizeof(*end) > len)
				break;
			memcpy(end, buf + o, sizeof(*end));
			*ended = 1;
			break;
		}
		if (h.kind != REC_PATH || o + h.exe_len + h.path_len > len)
			break;
		if (n == cap && !(*out = realloc(*out, (cap = cap ? cap * 2 : 256) * sizeof(**out))))
			abort();
		(*out)[n].op = h.op, (*out)[n].err = h.err, (*out)[n].pid = h.pid;
		(*out)[n].exe = strndup(buf + o, h.exe_len);
		(*out)[n].path = strndup(buf + o + h.exe_len, h.path_len);
		if (!(*out)[n].exe || !(*out)[n].path)
			abort();
		o += h.exe_len + h.path_len;
		n++;
	}
	return n;
}

/* The settings that shape the payload's run, read with the init's own key table. */
static int job_settings(struct trace_job *j, const struct pack_opts *o)
{
	static struct config c;
	char key[256], why[256];
	const char *eq;
	int i, k;

	config_defaults(&c);
	for (i = 0; i < o->nset; i++) {
		eq = strchr(o->set[i], '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->set[i]), o->set[i]);
		if (config_apply(&c, key, eq + 1, why, sizeof(why)) < 0)
			return -EINVAL; /* refused by --set already */
	}
	if (c.listen[0])
		warn("--trace: minboot.listen=%s: the traced run gets no listening sockets", c.listen);
	if (!(j->env = calloc(c.nenv + 1, sizeof(*j->env))))
		abort();
	for (k = 0; k < c.nenv; k++)
		j->env[k] = c.env[k];
	j->workdir = c.workdir;
	j->user = c.user;
	return 0;
}

/* The program the init will run: argv[0] itself, or the first image file of that name in the
 * payload's PATH (minboot.env.PATH when given, else the init's). */
static int job_exe(struct trace_job *j, const struct plan *p)
{
	static char path[PATH_MAX];
	char dirs[POLICY_STR], *d, *save = NULL;
	int i;

	if (strchr(j->argv[0], '/')) {
		j->exe = j->argv[0];
		return 0;
	}
	snprintf(dirs, sizeof(dirs), "%s", POLICY_IMAGE_PATH);
	for (i = 0; j->env[i]; i++)
		if (!strncmp(j->env[i], "PATH=", 5))
			snprintf(dirs, sizeof(dirs), "%s", j->env[i] + 5);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, j->argv[0]);
		if (plan_find(p, path)) {
			j->exe = path;
			return 0;
		}
	}
	err("--trace: %s is not in the image's PATH", j->argv[0]);
	return -ENOENT;
}

static const char *end_text(const struct trace_end *e, unsigned timeout_ms)
{
	static char buf[128];

	if (e->reason == END_PROBED)
		snprintf(buf, sizeof(buf), "was stopped once the probe succeeded (%d %s)", e->probes,
			 e->probes == 1 ? "run" : "runs");
	else if (e->reason == END_TIMED_OUT)
		snprintf(buf, sizeof(buf), "was stopped at the time limit (%.1f s)", timeout_ms / 1000.0);
	else if (WIFEXITED(e->status))
		snprintf(buf, sizeof(buf), "exited with status %d", WEXITSTATUS(e->status));
	else
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(e->status));
	return buf;
}

/* What the run's end means for the image: an error when nothing useful was traced. */
static int end_check(const struct trace_end *e, const struct pack_opts *o)
{
	if (e->reason == END_FAILED)
		return -EIO;
	if (!e->started) {
		err("--trace: the payload did not start in the sandbox (see above)");
		return -ENOEXEC;
	}
	if (o->trace_probe && e->reason != END_PROBED && !e->probes) {
		err("--trace-probe '%s' never ran: the payload %s first", o->trace_probe, end_text(e, 0));
		return -ETIMEDOUT;
	}
	if (o->trace_probe && e->reason != END_PROBED) {
		err("--trace-probe '%s' did not succeed (%d %s, the last %s %d) before the payload %s",
		    o->trace_probe, e->probes, e->probes == 1 ? "run" : "runs",
		    WIFEXITED(e->probe_status) ? "exited with" : "killed by signal",
		    WIFEXITED(e->probe_status) ? WEXITSTATUS(e->probe_status) : WTERMSIG(e->probe_status),
		    e->reason == END_TIMED_OUT ? "reached the time limit" : end_text(e, 0));
		return -ETIMEDOUT;
	}
	if (e->reason == END_EXITED && !(WIFEXITED(e->status) && WEXITSTATUS(e->status) == 0))
		warn("--trace: the payload %s: what it did not reach is not in the image", end_text(e, 0));
	return 0;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The paths taken, sorted: the order the second pass adds them in, and --trace-save's lines. */
static void list_make(void)
{
	size_t i;

	if (!(T.list = calloc(T.added.n + 1, sizeof(char *))))
		abort();
	for (i = 0; i < T.added.cap; i++)
		if (T.added.k[i])
			T.list[T.nlist++] = T.added.k[i];
	qsort(T.list, T.nlist, sizeof(*T.list), by_str);
}

/* --trace-save: one path a line, as --hostfiles reads them. */
static int list_save(const struct pack_opts *o)
{
	char tmp[PATH_MAX], line[2 * PATH_MAX + 2], *text = NULL;
	size_t i, len = 0;
	FILE *f = open_memstream(&text, &len);
	int fd, r = 0;

	if (!f)
		abort();
	fprintf(f, "# minboot-pack --trace of '%s': what it added; pack with --hostfiles %s instead\n",
		o->payload, o->trace_save);
	for (i = 0; i < T.nlist; i++)
		if (trace_glob_escape(T.list[i], line, sizeof(line)) == 0) /* else never taken */
			fprintf(f, "%s\n", line);
	fclose(f);
	/* beside FILE, renamed into place when whole */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", o->trace_save) >= sizeof(tmp))
		r = -ENAMETOOLONG;
	else if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		r = -errno;
	else {
		fchmod(fd, 0644);
		if ((r = fd_write_all(fd, text, len)) == 0 && fsync(fd) < 0)
			r = -errno;
		if (close(fd) < 0 && r == 0)
			r = -errno;
		if (r == 0 && rename(tmp, o->trace_save) < 0)
			r = -errno;
		if (r < 0)
			unlink(tmp);
	}
	if (r < 0)
		err("--trace-save %s: %s", o->trace_save, strerror(-r));
	free(text);
	return r;
}

/* The second pass, where --hostfiles lists go: each path as host_path_add takes a hostfiles
 * line's match, in the list's order. */
int trace_insert(struct plan *p)
{
	size_t i;
	int r;

	for (i = 0; i < T.nlist; i++)
		if ((r = host_path_add(p, T.list[i], trace_why)) < 0) {
			err("--trace: %s: %s", T.list[i], strerror(-r));
			return r;
		}
	return 0;
}

int trace_run(struct plan *p, struct pack_opts *o)
{
	char words[CONFIG_STR], *argv[CMDLINE_MAX_ARGS + 1], *buf = NULL;
	struct trace_job j = { 0 };
	struct trace_end end = { 0 };
	struct rec *recs;
	size_t len = 0, n, i;
	int r, status = 0, ended;

	snprintf(words, sizeof(words), "%s", o->payload);
	if (cmd_split(words, argv, CMDLINE_MAX_ARGS) <= 0)
		return -EINVAL; /* refused by add_payload already */
	j.argv = argv;
	j.plan = p;
	j.probe = o->trace_probe;
	j.timeout_ms = o->trace_timeout_ms;
	j.verbose = o->verbose;
	if ((r = job_settings(&j, o)) < 0 || (r = job_exe(&j, p)) < 0)
		return r;
	if ((r = sandbox_run(&j, &buf, &len, &status)) < 0) {
		err("--trace: unable to start the sandbox: %s", strerror(-r));
		return r;
	}
	n = recs_parse(buf, len, &recs, &end, &ended);
	free(buf);
	if (!ended) {
		err("--trace: the sandbox ended without a report (%s %d)", WIFEXITED(status) ?
		    "status" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -EIO;
	}
	if ((r = end_check(&end, o)) < 0)
		return r;
	T.p = p;
	T.verbose = o->verbose;
	for (i = 0; i < p->n; i++)
		smap_put(&T.index, p->v[i].dst, (void *)(uintptr_t)(i + 1)); /* later entries win */
	for (i = 0; i < n; i++)
		rec_add(&recs[i]);
	list_make();
	if (o->verbose || o->print)
		info("--trace: '%s' ran %.1f s and %s; %zu paths looked up, %zu taken, %zu not on this host%s",
		     o->payload, end.elapsed_ms / 1000.0, end_text(&end, o->trace_timeout_ms), n, T.nlist,
		     T.nmissing, o->verbose || !T.nmissing ? "" : " (-v lists them)");
	for (i = 0; i < n; i++)
		free(recs[i].exe), free(recs[i].path);
	free(recs);
	free(j.env);
	T.p = NULL; /* freed by the caller before the second pass */
	return o->trace_save ? list_save(o) : 0;
}
