/* emit_run: outputs checked, inputs digested, the format's emitter run into a stage, and the
 * outputs committed together (see emit.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

#define STAMP_MAGIC "minboot-pack outputs 1"
#define ATTEMPTS 3  /* packs started again when an input changed while it was read */

static const struct emitter *const emitters[] = {
	&emitter_initramfs, &emitter_chroot, &emitter_ext2, &emitter_erofs, &emitter_squashfs, &emitter_iso,
	&emitter_uki, &emitter_disk,
};
#define NEMITTERS (sizeof(emitters) / sizeof(emitters[0]))

const struct emitter *emitter_find(const char *format)
{
	unsigned i;

	for (i = 0; i < NEMITTERS; i++)
		if (!strcmp(emitters[i]->format, format))
			return emitters[i];
	return NULL;
}

const char *emitter_names(void)
{
	static char buf[256];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < NEMITTERS && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i == 0 ? "" : i + 1 == NEMITTERS ? " or " : ", ",
			      emitters[i]->format);
	return buf;
}

static const char *type_name(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISLNK(m) ? "a symlink" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a fifo" : S_ISSOCK(m) ? "a socket" : "a file";
}

/* ---- the record beside the outputs: .OUT.minboot ---- */

struct ident { char type; unsigned long long dev, ino, size, mtime; };
struct stamp { unsigned char digest[DIGEST_LEN]; struct ident out[EMIT_MAX_OUT]; int n; };

static void stamp_path(const struct emit *e, char *out, size_t len)
{
	snprintf(out, len, "%s/.%s.minboot", e->dir, e->base);
}

/* A directory's birth time (statx; 0 where the filesystem keeps none).  The struct is the
 * kernel's statx layout: stx_btime at byte 80, STATX_BTIME 0x800. */
static unsigned long long birth_ns(const char *path)
{
	union { unsigned char b[256]; unsigned int mask; unsigned long long align; } x;
	long long sec;
	unsigned int nsec;

	memset(&x, 0, sizeof(x));
#ifdef SYS_statx
	if (syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0x800, &x) == 0 && (x.mask & 0x800)) {
		memcpy(&sec, x.b + 80, 8);
		memcpy(&nsec, x.b + 88, 4);
		return (unsigned long long)sec * 1000000000ULL + nsec;
	}
#endif
	(void)path;
	return 0;
}

static int ident_of(const char *path, struct ident *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id)); /* compared with memcmp: no stray padding */
	if (lstat(path, &st) < 0)
		return -errno;
	id->type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : '?';
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	/* A directory's size, mtime and ctime change as it is renamed into place or written into:
	 * its inode and birth time name it (a directory made where the packer's was removed may get
	 * the same inode number, never the same birth time). */
	id->size = id->type == 'f' ? (unsigned long long)st.st_size : 0;
	id->mtime = id->type == 'f' ? (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + st.st_mtim.tv_nsec :
		    birth_ns(path);
	return 0;
}

static int stamp_read(const struct emit *e, struct stamp *s)
{
	char path[PATH_MAX], line[512], hex[2 * DIGEST_LEN + 2];
	struct ident *id;
	FILE *f;
	int i, ok = 0;

	memset(s, 0, sizeof(*s));
	stamp_path(e, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return -ENOENT;
	if (fgets(line, sizeof(line), f) && !strcmp(line, STAMP_MAGIC "\n") && fgets(line, sizeof(line), f) &&
	    sscanf(line, "digest %65s", hex) == 1 && strlen(hex) == 2 * DIGEST_LEN) {
		for (i = 0; i < DIGEST_LEN; i++)
			sscanf(hex + 2 * i, "%2hhx", &s->digest[i]);
		ok = 1;
		while (s->n < EMIT_MAX_OUT && fgets(line, sizeof(line), f)) {
			id = &s->out[s->n];
			if (sscanf(line, "out %c %llu %llu %llu %llu", &id->type, &id->dev, &id->ino, &id->size, &id->mtime) != 5) {
				ok = 0;
				break;
			}
			s->n++;
		}
	}
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* Written into the stage from the staged outputs (a rename keeps a file's inode, size and
 * mtime), committed after them. */
static int stamp_write(struct emit *e, const char *path)
{
	char hex[2 * DIGEST_LEN + 1];
	struct ident id;
	FILE *f;
	int i, r = 0;

	if (!(f = fopen(path, "wxe")))
		return -errno;
	digest_hex(e->digest, hex);
	fprintf(f, STAMP_MAGIC "\ndigest %s\n", hex);
	for (i = 0; i < e->nout && !r; i++) {
		if ((r = ident_of(e->staged[i], &id)) == 0)
			fprintf(f, "out %c %llu %llu %llu %llu\n", id.type, id.dev, id.ino, id.size, id.mtime);
	}
	if ((fflush(f) || fsync(fileno(f))) && !r)
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

/* --if-newer: the record names the same digest and every output is still the one written. */
static int stamp_current(const struct emit *e)
{
	struct stamp s;
	struct ident id;
	int i;

	if (stamp_read(e, &s) < 0 || s.n != e->nout || memcmp(s.digest, e->digest, DIGEST_LEN))
		return 0;
	for (i = 0; i < e->nout; i++)
		if (ident_of(e->out[i], &id) < 0 || memcmp(&id, &s.out[i], sizeof(id)))
			return 0;
	return 1;
}

/* ---- outputs ---- */

static int outputs_resolve(struct emit *e)
{
	const char *o = e->opts->output, *slash = strrchr(o, '/');
	char dir[PATH_MAX];
	int i;

	if (strchr(o, '\n')) {
		err("-o: a newline in the output's name");
		return -EINVAL;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == o)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - o), o);
	snprintf(e->base, sizeof(e->base), "%s", slash ? slash + 1 : o);
	if (!e->base[0] || !strcmp(e->base, ".") || !strcmp(e->base, "..") || strlen(slash ? slash + 1 : o) > NAME_MAX) {
		err("-o %s: give the output's file name", o);
		return -EINVAL;
	}
	if (!realpath(dir, e->dir)) {
		err("unable to write %s: %s: %s", o, dir, strerror(errno));
		return -errno;
	}
	for (i = 0; e->em->outputs[i] && i < EMIT_MAX_OUT; i++) {
		if ((size_t)snprintf(e->out[i], sizeof(e->out[i]), "%s/%s%s", strcmp(e->dir, "/") ? e->dir : "",
				     e->base, e->em->outputs[i]) >= sizeof(e->out[i])) {
			err("-o %s: name too long", o);
			return -ENAMETOOLONG;
		}
	}
	e->nout = i;
	return 0;
}

/* Only what the packer may replace: a regular file, or (for a directory format) a directory the
 * record beside it says the packer wrote. */
static int targets_check(const struct emit *e)
{
	struct stamp s;
	struct ident id;
	struct stat st;
	int i, dir;

	for (i = 0; i < e->nout; i++) {
		dir = e->em->dir && i == 0;
		if (lstat(e->out[i], &st) < 0) {
			if (errno == ENOENT)
				continue;
			err("unable to write %s: %s", e->out[i], strerror(errno));
			return -errno;
		}
		if (!dir && S_ISREG(st.st_mode))
			continue;
		if (!dir) {
			err("-o: %s is %s; the packer replaces only regular files (not touching it)",
			    e->out[i], type_name(st.st_mode));
			return -EEXIST;
		}
		if (S_ISDIR(st.st_mode) && stamp_read(e, &s) == 0 && s.n > 0 && ident_of(e->out[i], &id) == 0 &&
		    !memcmp(&s.out[0], &id, sizeof(id)))
			continue;
		err("-o: %s is %s the packer did not write (no record of it in %s/.%s.minboot); not replacing it",
		    e->out[i], S_ISDIR(st.st_mode) ? "a directory" : type_name(st.st_mode), e->dir, e->base);
		return -EEXIST;
	}
	return 0;
}

/* ---- digests ---- */

int emit_tool_digest(const char *tool, unsigned char out[DIGEST_LEN])
{
	char path[PATH_MAX];
	struct hash h;
	int cached;

	if (strchr(tool, '/') ? hash_file(tool, out, &cached) == 0 :
	    tool_path(tool, path, sizeof(path)) == 0 && hash_file(path, out, &cached) == 0)
		return 0;
	hash_init(&h);
	hash_str(&h, "missing tool");
	hash_str(&h, tool);
	hash_final(&h, out);
	return -ENOENT;
}

static int plan_digest(struct hash *h, const struct plan *p)
{
	unsigned char d[DIGEST_LEN];
	char meta[64];
	size_t i;
	int cached, r;

	for (i = 0; i < p->n; i++) {
		const struct entry *x = &p->v[i];
		snprintf(meta, sizeof(meta), "%d %o %u %u %zu", x->type, (unsigned)x->perm, x->major, x->minor, x->len);
		hash_str(h, meta);
		hash_str(h, x->dst);
		if (x->data)
			hash_update(h, x->data, x->len);
		if (x->src) {
			if ((r = hash_file(x->src, d, &cached)) < 0) {
				err("unable to read %s: %s", x->src, strerror(-r));
				return r;
			}
			hash_update(h, d, DIGEST_LEN);
		}
	}
	return 0;
}

/* content: what the image holds and the options that shape its bytes; digest: that, the
 * packer's own binary and the tools the format runs. */
static int digests(struct emit *e)
{
	const struct pack_opts *o = e->opts;
	unsigned char d[DIGEST_LEN];
	char self[PATH_MAX], meta[128];
	struct hash h;
	ssize_t n;
	int i, r, cached;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		snprintf(self, sizeof(self), "/proc/self/exe");
	else
		self[n] = '\0';
	if ((r = hash_file(self, e->packer, &cached)) < 0) {
		err("unable to read the packer's own binary %s: %s", self, strerror(-r));
		return r;
	}
	hash_init(&h);
	snprintf(meta, sizeof(meta), "minboot-pack content 1 %s %d %d %u", e->em->format, o->compress, o->level, e->mtime);
	hash_str(&h, meta);
	snprintf(meta, sizeof(meta), "%d %llu", o->root_partition, o->disk_size);
	hash_str(&h, meta);
	hash_str(&h, o->cmdline ? o->cmdline : "");
	if (o->root_plain) /* only then: every other image keeps its bytes and UUIDs */
		hash_str(&h, "root-compress none");
	if (o->kernel) {
		if ((r = hash_file(o->kernel, d, &cached)) < 0) {
			err("--kernel %s: %s", o->kernel, strerror(-r));
			return r;
		}
		hash_update(&h, d, DIGEST_LEN);
	}
	if ((r = plan_digest(&h, e->plan)) < 0)
		return r;
	hash_final(&h, e->content);
	hash_init(&h);
	hash_str(&h, "minboot-pack image 1");
	hash_update(&h, e->content, DIGEST_LEN);
	hash_update(&h, e->packer, DIGEST_LEN);
	for (i = 0; i < 6 && e->em->tools[i]; i++) {
		emit_tool_digest(e->em->tools[i], d);
		hash_update(&h, d, DIGEST_LEN);
	}
	if (o->compress == COMPRESS_ZSTD || o->compress == COMPRESS_LZ4) {
		emit_tool_digest(o->compress == COMPRESS_LZ4 ? "lz4" : "zstd", d);
		hash_update(&h, d, DIGEST_LEN);
	}
	hash_final(&h, e->digest);
	return 0;
}

int emit_scratch(struct emit *e, const char *name, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", e->stage.path, name) >= len)
		return -ENAMETOOLONG;
	if (mkdir(out, 0755) < 0 || chmod(out, 0755) < 0)
		return -errno;
	return 0;
}

/* ---- commit ---- */

static int exchange(const char *a, const char *b)
{
#ifdef SYS_renameat2
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* The new output (staged) takes the final name; where the old one went: *old (a path in the
 * stage), "" when there was none. */
static int swap_in(const char *staged, const char *final, const char *spare, char *old, size_t oldlen)
{
	struct stat st;

	old[0] = '\0';
	if (lstat(final, &st) < 0)
		return rename(staged, final) < 0 ? -errno : 0;
	if (exchange(staged, final) == 0) {
		snprintf(old, oldlen, "%s", staged);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -errno;
	/* no RENAME_EXCHANGE here: the old one is moved aside (a file is linked, so the name never
	 * goes missing), then the new one renamed in */
	if (S_ISDIR(st.st_mode) ? rename(final, spare) < 0 : link(final, spare) < 0)
		return -errno;
	snprintf(old, oldlen, "%s", spare);
	if (rename(staged, final) < 0) {
		int r = -errno;
		if (S_ISDIR(st.st_mode))
			rename(spare, final);
		old[0] = '\0';
		return r;
	}
	return 0;
}

static void put_back(const char *final, const char *old, const char *trash)
{
	if (!old[0]) {
		rename(final, trash);
	} else if (exchange(old, final) < 0) {
		rename(final, trash);
		rename(old, final);
	}
}

static int dir_lock(const struct emit *e)
{
	int fd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* COMMIT in the stage lists what goes where, with each new output's inode, before anything is
 * renamed: a pack killed half-way through is completed by the next one (commit_finish). */
static int commit_list(struct emit *e, const char *stamp_staged, const char *stamp_final)
{
	char path[PATH_MAX];
	struct stat st;
	FILE *f;
	int i, r = 0;

	snprintf(path, sizeof(path), "%s/COMMIT", e->stage.path);
	if (!(f = fopen(path, "wxe")))
		return -errno;
	for (i = 0; i <= e->nout && !r; i++) {
		const char *s = i < e->nout ? e->staged[i] : stamp_staged;
		if (lstat(s, &st) < 0)
			r = -errno;
		else
			fprintf(f, "%llu %llu %s\t%s\n", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
				strrchr(s, '/') + 1, i < e->nout ? e->out[i] : stamp_final);
	}
	fputs("end\n", f); /* a list cut short by a crash is never carried out */
	if ((fflush(f) || fsync(fileno(f))) && !r)
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	if (!r)
		fsync(e->stage.fd);
	return r;
}

static int commit(struct emit *e)
{
	char stamp_staged[PATH_MAX], stamp_final[PATH_MAX], old[EMIT_MAX_OUT + 1][PATH_MAX];
	char spare[PATH_MAX], trash[PATH_MAX];
	int i, j, r, lock, dfd;

	snprintf(stamp_staged, sizeof(stamp_staged), "%s/stamp", e->stage.path);
	stamp_path(e, stamp_final, sizeof(stamp_final));
	if ((r = stamp_write(e, stamp_staged)) < 0) {
		err("unable to write %s: %s", stamp_final, strerror(-r));
		return r;
	}
	signals_block(1);
	lock = dir_lock(e);
	if ((r = targets_check(e)) == 0 && (r = commit_list(e, stamp_staged, stamp_final)) < 0)
		err("unable to write %s: %s", e->out[0], strerror(-r));
	for (i = 0; !r && i <= e->nout; i++) {
		snprintf(spare, sizeof(spare), "%s/old.%d", e->stage.path, i);
		r = swap_in(i < e->nout ? e->staged[i] : stamp_staged, i < e->nout ? e->out[i] : stamp_final,
			    spare, old[i], sizeof(old[i]));
		/* a test seam: t-pack-outputs.sh has the pack killed with one output in place */
		if (!r && i == 0 && e->nout > 1 && getenv("MINBOOT_PACK_FAULT") &&
		    !strcmp(getenv("MINBOOT_PACK_FAULT"), "commit"))
			raise(SIGKILL);
		if (r < 0) {
			err("unable to write %s: %s; the outputs are left as they were", i < e->nout ? e->out[i] : stamp_final,
			    strerror(-r));
			for (j = i - 1; j >= 0; j--) {
				snprintf(trash, sizeof(trash), "%s/trash.%d", e->stage.path, j);
				put_back(j < e->nout ? e->out[j] : stamp_final, old[j], trash);
			}
		}
	}
	if (!r && (dfd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	if (lock >= 0)
		close(lock);
	signals_block(0);
	return r;
}

/* A stage left by a pack killed while committing: its COMMIT list is carried out (what is
 * still in the stage with the listed inode goes to its place), then the stage is removed. */
static void commit_finish(const char *stage)
{
	char path[PATH_MAX], line[PATH_MAX + 128], staged[PATH_MAX], old[PATH_MAX], spare[PATH_MAX];
	unsigned long long dev, ino;
	struct stat st;
	char *tab;
	int n, k = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/COMMIT", stage);
	if (!(f = fopen(path, "re")))
		return;
	line[0] = '\0';
	while (fgets(line, sizeof(line), f))
		;
	if (strcmp(line, "end\n")) {
		fclose(f);
		return;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llu %llu %n", &dev, &ino, &n) < 2 || !(tab = strchr(line + n, '\t')))
			break;
		*tab = '\0';
		snprintf(staged, sizeof(staged), "%s/%s", stage, line + n);
		if (lstat(staged, &st) < 0 || st.st_dev != dev || st.st_ino != ino)
			continue; /* already in place */
		snprintf(spare, sizeof(spare), "%s/old.f%d", stage, k++);
		if (swap_in(staged, tab + 1, spare, old, sizeof(old)) == 0)
			info("completed the interrupted commit of %s", tab + 1);
	}
	fclose(f);
}

static void outputs_reap(struct emit *e)
{
	int lock = dir_lock(e);

	stage_reap(e->dir, commit_finish);
	if (lock >= 0)
		close(lock);
}

static int stage_prefix(const struct emit *e, char *out, size_t len)
{
	return snprintf(out, len, ".%.200s", e->base) < 0 ? -EINVAL : 0;
}

static int emit_once(struct emit *e)
{
	char prefix[256];
	int i, r;

	stage_prefix(e, prefix, sizeof(prefix));
	if ((r = stage_open(&e->stage, e->dir, prefix)) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		return r;
	}
	for (i = 0; i < e->nout; i++)
		snprintf(e->staged[i], sizeof(e->staged[i]), "%s/out.%d", e->stage.path, i);
	r = e->em->emit(e);
	if (!r)
		r = pack_interrupted();
	if (!r)
		r = commit(e);
	stage_close(&e->stage);
	return r;
}

int emit_run(const struct emitter *em, const struct plan *p, struct pack_opts *o)
{
	struct emit *e = calloc(1, sizeof(*e));
	int r, attempt;

	if (!e)
		return -ENOMEM;
	e->em = em;
	e->plan = p;
	e->opts = o;
	e->mtime = source_date_epoch_value();
	e->stage.fd = -1;
	signals_catch();
	if ((r = outputs_resolve(e)) < 0 || (r = cache_open(&e->cache, o)) < 0)
		goto out;
	outputs_reap(e);
	for (attempt = 1;; attempt++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if ((r = digests(e)) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (o->verbose)
			info("inputs: %zu entries hashed in %ld ms (%d files read, the others known to the stat cache)",
			     p->n, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, hash_files_read());
		if (o->if_newer && stamp_current(e)) {
			info("%s is up to date", e->out[0]);
			break;
		}
		if ((r = targets_check(e)) < 0)
			break;
		r = emit_once(e);
		if (r != -ESTALE || attempt == ATTEMPTS)
			break;
		warn("packing again (attempt %d of %d)", attempt + 1, ATTEMPTS);
	}
	if (r == -ESTALE)
		err("inputs kept changing while they were being packed; nothing was written");
	cache_close(&e->cache);
out:
	stage_close_all();
	if (r < 0 && pack_interrupted())
		err("interrupted by %s: temporary files removed, the outputs left as they were",
		    strsignal(pack_signal()));
	free(e);
	return r;
}
