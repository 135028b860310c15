/* Step 2: defaults < /etc/minboot.conf (written by the packer) < /proc/cmdline < "--" argv. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"

/* The step's own state: the settings point into these buffers for the whole boot. */
static struct {
	struct cmdline cmdline;
	char cmdline_buf[POLICY_CMDLINE_MAX + 1];
	char conf_buf[POLICY_CONF_MAX + 1];
} cs;

/* MINBOOT_CMDLINE in PID 1's environment stands in for /proc/cmdline: the seam the PID-namespace
 * tests use, since a namespace shares the host's /proc/cmdline.  (The kernel passes unknown
 * NAME=value parameters to init's environment, so this gives nobody anything new.) */
static int read_cmdline(const struct machine *m, char *buf, size_t size)
{
	const char *env = getenv("MINBOOT_CMDLINE");
	char path[MACHINE_PATH];

	if (!env)
		return read_file(machine_path(m, "/proc/cmdline", path), buf, size);
	return (size_t)snprintf(buf, size, "%s", env) >= size ? -EFBIG : 0;
}

static int config_read(struct boot *b)
{
	char why[256], path[MACHINE_PATH];
	int r;

	config_defaults(&b->cfg);
	r = read_file(machine_path(b->m, POLICY_CONF_PATH, path), cs.conf_buf, sizeof(cs.conf_buf));
	if (r == -EFBIG)
		return boot_fail(b, r, "%s: larger than %d bytes", POLICY_CONF_PATH, POLICY_CONF_MAX);
	if (r < 0 && r != -ENOENT)
		return boot_fail(b, r, "unable to read %s: %s", POLICY_CONF_PATH, strerror(-r));
	if (r == 0 && config_apply_file(&b->cfg, cs.conf_buf, why, sizeof(why)) < 0)
		return boot_fail(b, -EINVAL, "%s: %s", POLICY_CONF_PATH, why);
	r = read_cmdline(b->m, cs.cmdline_buf, sizeof(cs.cmdline_buf));
	if (r == -EFBIG)
		warn("kernel command line: longer than %d bytes, the rest is ignored", POLICY_CMDLINE_MAX);
	else if (r < 0)
		return boot_fail(b, r, "unable to read /proc/cmdline: %s", strerror(-r));
	if (cmdline_parse(cs.cmdline_buf, &cs.cmdline) < 0)
		warn("kernel command line: too many parameters, the rest are ignored");
	if (config_apply_cmdline(&b->cfg, &cs.cmdline, why, sizeof(why)) < 0)
		return boot_fail(b, -EINVAL, "kernel command line: %s", why);
	log_level = b->cfg.log_level;
	return 0;
}

int step_config(struct boot *b)
{
	int r = config_read(b);

	timeline_enable(r < 0 ? 1 : b->cfg.timeline);
	return r;
}
