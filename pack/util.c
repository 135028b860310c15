#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "modload/internal.h"
#include "pack/pack.h"

/* The whole file, NUL-terminated; modload's reader (the same bytes, one implementation). */
int file_read_all(const char *path, char **out, size_t *len, size_t max)
{
	size_t n;
	int r = mod_read_text(path, out, &n);

	if (r < 0)
		return r;
	if (n > max) {
		free(*out);
		return -EFBIG;
	}
	*len = n;
	return 0;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* No SA_RESTART: a blocking call (waitpid, flock, a write) returns EINTR and the loop around it
 * sees the flag.  A signal the caller ignores stays ignored (a shell without job control starts
 * background commands with SIGINT ignored: ctrl-C is not theirs). */
void signals_catch(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	unsigned i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a tool that died shows as EPIPE, not as our death */
}

void signals_block(int block)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

int pack_interrupted(void)
{
	return got_signal ? -EINTR : 0;
}

int pack_signal(void)
{
	return got_signal;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR && !got_signal)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Every mtime in the image: SOURCE_DATE_EPOCH, or 0. */
uint32_t source_date_epoch_value(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return 0;
	v = strtoul(s, &end, 10);
	if (*end || v > 0xffffffffUL) {
		warn("ignoring SOURCE_DATE_EPOCH=%s: not a number of seconds", s);
		return 0;
	}
	return v;
}

/* Bytes, with an optional K, M, G or T (powers of 1024). */
int size_parse(const char *s, unsigned long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	const char *u;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (u = strchr(units, *end & ~0x20)) && (!end[1] || ((end[1] == 'B' || end[1] == 'b') && !end[2]))) {
		int shift = 10 * (int)(u - units + 1);
		if (v > (~0ULL >> shift))
			return -ERANGE;
		v <<= shift;
	} else if (*end) {
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A tool's path: PATH, then /usr/sbin and /sbin (mke2fs and debugfs live there, and a user's
 * PATH on Debian does not name them). */
int tool_path(const char *name, char *out, size_t len)
{
	const char *p = getenv("PATH");
	char list[4096], *d, *save = NULL;

	if (strchr(name, '/'))
		return (size_t)snprintf(out, len, "%s", name) < len && access(name, X_OK) == 0 ? 0 : -ENOENT;
	snprintf(list, sizeof(list), "%s:/usr/sbin:/sbin", p ? p : "/usr/bin:/bin");
	for (d = strtok_r(list, ":", &save); d; d = strtok_r(NULL, ":", &save))
		if (d[0] == '/' && (size_t)snprintf(out, len, "%s/%s", d, name) < len && access(out, X_OK) == 0)
			return 0;
	return -ENOENT;
}

/* Tools run with LC_ALL=C: their output and the order in which they walk directories must not
 * depend on the user's locale. */
int tool_start(struct tool *t, char *const argv[], const char *const env[], int in, int out, int verbose)
{
	int i;

	char path[4096];

	memset(t, 0, sizeof(*t));
	t->name = argv[0];
	if (tool_path(argv[0], path, sizeof(path)) < 0)
		return -ENOENT;
	t->verbose = verbose;
	t->err_fd = verbose ? -1 : memfd_create("tool-stderr", MFD_CLOEXEC);
	t->pid = fork();
	if (t->pid < 0) {
		int r = -errno;
		if (t->err_fd >= 0)
			close(t->err_fd);
		return r;
	}
	if (t->pid == 0) {
		int null = open("/dev/null", O_RDWR);
		signal(SIGPIPE, SIG_DFL);
		dup2(in >= 0 ? in : null, 0);
		if (out >= 0)
			dup2(out, 1);
		else if (!verbose)
			dup2(null, 1);
		if (t->err_fd >= 0)
			dup2(t->err_fd, 2);
		setenv("LC_ALL", "C", 1);
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execv(path, argv);
		_exit(127);
	}
	return 0;
}

/* The last lines the tool wrote to stderr, each prefixed with its name. */
static void tool_show_stderr(struct tool *t)
{
	char buf[2048], *line, *save = NULL;
	off_t end;
	ssize_t n;

	if (t->err_fd < 0 || (end = lseek(t->err_fd, 0, SEEK_END)) <= 0)
		return;
	n = pread(t->err_fd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		err("  %s: %s", t->name, line);
}

int tool_wait(struct tool *t)
{
	int status, r;

	while (waitpid(t->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			goto out;
		}
		if (got_signal)
			kill(t->pid, SIGTERM); /* and wait for it: no tool outlives the pack */
	}
	if (got_signal)
		r = -EINTR;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		r = -ENOENT;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else {
		if (WIFEXITED(status))
			err("%s failed (exit status %d)%s", t->name, WEXITSTATUS(status), t->err_fd < 0 ? "" : ":");
		else
			err("%s was killed by signal %d", t->name, WTERMSIG(status));
		tool_show_stderr(t);
		r = -EIO;
	}
out:
	if (t->err_fd >= 0)
		close(t->err_fd);
	t->err_fd = -1;
	return r;
}

int tool_run(char *const argv[], const char *const env[], int verbose)
{
	struct tool t;
	int r = tool_start(&t, argv, env, -1, -1, verbose);

	return r < 0 ? r : tool_wait(&t);
}

/* Stages: the only temporary files the packer makes.  A stage is created with mode 0700, then
 * locked, then given its marker; the reaper takes only a stage with the marker whose lock it
 * can take, so never one that is still being set up or in use. */
#define STAGE_TAG ".minboot-tmp."
#define STAGE_MARK ".minboot-stage"

static struct stage *live[16]; /* removed by stage_close_all when a pack unwinds */

int stage_open(struct stage *st, const char *dir, const char *prefix)
{
	char mark[4200];
	struct stat sb;
	int fd, i;

	if ((size_t)snprintf(st->path, sizeof(st->path), "%s/%s" STAGE_TAG "XXXXXX", dir, prefix) >= sizeof(st->path))
		return -ENAMETOOLONG;
	if (!mkdtemp(st->path))
		return -errno;
	st->fd = open(st->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->fd < 0 || flock(st->fd, LOCK_EX) < 0)
		goto fail;
	snprintf(mark, sizeof(mark), "%s/" STAGE_MARK, st->path);
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		goto fail;
	if (fstat(fd, &sb) == 0)
		st->born = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	close(fd);
	for (i = 0; i < 16; i++)
		if (!live[i]) {
			live[i] = st;
			break;
		}
	return 0;
fail:
	i = -errno;
	if (st->fd >= 0)
		close(st->fd);
	rm_tree(st->path);
	st->path[0] = '\0';
	st->fd = -1;
	return i;
}

void stage_close(struct stage *st)
{
	int i;

	if (!st->path[0])
		return;
	rm_tree(st->path);
	close(st->fd);
	st->path[0] = '\0';
	st->fd = -1;
	for (i = 0; i < 16; i++)
		if (live[i] == st)
			live[i] = NULL;
}

void stage_close_all(void)
{
	int i;

	for (i = 0; i < 16; i++)
		if (live[i])
			stage_close(live[i]);
}

void stage_reap(const char *dir, void (*finish)(const char *stage))
{
	char path[4200];
	struct dirent *d;
	struct stat st;
	DIR *dp = opendir(dir);
	int fd;

	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (!strstr(d->d_name, STAGE_TAG))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >= sizeof(path))
			continue;
		if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstatat(fd, STAGE_MARK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (finish)
				finish(path);
			rm_tree(path);
			dbg("removed %s, left by a pack that did not finish", path);
		}
		close(fd);
	}
	closedir(dp);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Never follows a symlink nor crosses into another filesystem. */
int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 ? -errno : 0;
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	return lstat(path, &st) == 0 ? -ENOTEMPTY : 0;
}

/* One word of a payload, quoted for the init's cmd_split: quotes group and are removed (no
 * escapes), so a single quote is written inside double quotes and a double quote inside single ones. */
void word_quote(FILE *f, const char *w)
{
	if (*w && !strpbrk(w, " \t\r\v\f\"'")) {
		fputs(w, f);
		return;
	}
	if (!*w)
		fputs("''", f);
	for (; *w; w++) {
		size_t l = strcspn(w, "'");
		if (l) {
			fprintf(f, "'%.*s'", (int)l, w);
			w += l;
			if (!*w)
				break;
		}
		fputs("\"'\"", f);
	}
}
