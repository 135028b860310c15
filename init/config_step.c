/* Step 2: defaults < /etc/minboot.conf (written by the packer) < /proc/cmdline < "--" argv. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

#define CONF_PATH "/etc/minboot.conf"

/* Read a whole small file into buf (NUL-terminated).  -EFBIG when it does not fit. */
static int read_small(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		len += n;
	}
	buf[len] = '\0';
	n = (len == size - 1 && read(fd, &(char){ 0 }, 1) > 0) ? -EFBIG : 0;
	close(fd);
	return (int)n;
}

/* MINBOOT_CMDLINE in PID 1's environment stands in for /proc/cmdline: the seam the PID-namespace
 * tests use, since a namespace shares the host's /proc/cmdline.  (The kernel passes unknown
 * NAME=value parameters to init's environment, so this gives nobody anything new.) */
static int read_cmdline(char *buf, size_t size)
{
	const char *env = getenv("MINBOOT_CMDLINE");

	if (!env)
		return read_small("/proc/cmdline", buf, size);
	snprintf(buf, size, "%s", env);
	return 0;
}

static void config_read(struct init_state *st)
{
	char why[256];
	int r;

	config_defaults(&st->cfg);
	r = read_small(CONF_PATH, st->conf_buf, sizeof(st->conf_buf));
	if (r < 0 && r != -ENOENT)
		return fatal_set(st, "unable to read %s: %s", CONF_PATH, strerror(-r));
	if (r == 0 && config_apply_file(&st->cfg, st->conf_buf, why, sizeof(why)) < 0)
		return fatal_set(st, "%s: %s", CONF_PATH, why);
	r = read_cmdline(st->cmdline_buf, sizeof(st->cmdline_buf));
	if (r < 0 && r != -EFBIG)
		return fatal_set(st, "unable to read /proc/cmdline: %s", strerror(-r));
	if (cmdline_parse(st->cmdline_buf, &st->cmdline) < 0)
		warn("kernel command line: too many parameters, the rest are ignored");
	if (config_apply_cmdline(&st->cfg, &st->cmdline, why, sizeof(why)) < 0)
		return fatal_set(st, "kernel command line: %s", why);
	log_level = st->cfg.log_level;
}

void step_config(struct init_state *st)
{
	config_read(st);
	timeline_enable(st->fatal[0] ? 1 : st->cfg.timeline);
}
