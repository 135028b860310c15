#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* The output is written beside its final name and renamed into place only when complete, so a
 * failed pack leaves the previous output intact. */
int out_open_tmp(const char *out, char *tmp, size_t tmplen)
{
	int fd;

	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.XXXXXX", out) >= tmplen)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fchmod(fd, 0644); /* not mkstemp's 0600, and independent of the umask */
	return fd;
}

int out_commit(int fd, const char *tmp, const char *out)
{
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, out) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
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

/* Run an outside tool (mke2fs, xorriso, rm) with one extra environment variable, its output
 * shown only when verbose.  0, -ENOENT when the tool is missing, -EIO when it failed. */
int tool_run(char *const argv[], const char *env, const char *val, int verbose)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (env)
			setenv(env, val, 1);
		if (null >= 0 && !verbose) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}
