/* Step 4: mount /etc/fstab before the payload.  Each device is waited for (its driver may still be
 * probing) up to minboot.fstab-timeout; "nofail" entries may be missing; the rest stop the boot.
 * Unmounting at shutdown is step_shutdown's reverse walk of /proc/self/mounts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/service.h"
#include "init/sys.h"

#define FSTAB "/etc/fstab"

/* UUID= and LABEL= for ext2/3/4 (the superblock at 1024: magic 0xEF53 at 56, UUID at 104, label
 * at 120) — the filesystems an appliance's data disk uses; other types take a /dev path. */
static int ext_matches(const char *dev, const char *spec)
{
	unsigned char sb[256];
	char want[64], have[64];
	int fd = open(dev, O_RDONLY | O_CLOEXEC), i;

	if (fd < 0)
		return 0;
	i = pread(fd, sb, sizeof(sb), 1024) == (ssize_t)sizeof(sb);
	close(fd);
	if (!i || sb[56] != 0x53 || sb[57] != 0xEF)
		return 0;
	if (!strncmp(spec, "LABEL=", 6)) {
		snprintf(have, sizeof(have), "%.16s", (char *)sb + 120);
		return !strcmp(have, spec + 6);
	}
	const unsigned char *u = sb + 104;
	snprintf(have, sizeof(have), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	if (strlen(spec + 5) >= sizeof(want))
		return 0;
	strcpy(want, spec + 5);
	for (i = 0; want[i]; i++)
		if (want[i] >= 'A' && want[i] <= 'F')
			want[i] += 'a' - 'A';
	return !strcmp(have, want);
}

static int find_by_id(const char *spec, char *dev, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/sys/class/block");
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dev, len, "/dev/%s", de->d_name);
		found = ext_matches(dev, spec);
	}
	closedir(d);
	return found;
}

static int resolve(const char *spec, char *dev, size_t len)
{
	struct stat st;

	if (!strncmp(spec, "UUID=", 5) || !strncmp(spec, "LABEL=", 6))
		return find_by_id(spec, dev, len);
	snprintf(dev, len, "%s", spec);
	if (spec[0] != '/')
		return 1; /* tmpfs, proc, ...: no device */
	return stat(dev, &st) == 0;
}

int wait_device(const char *spec, char *dev, size_t len, unsigned timeout_ms)
{
	long end = uptime_ms() + timeout_ms;
	struct timespec ts = { 0, 20 * 1000000L };

	while (!resolve(spec, dev, len)) {
		if (uptime_ms() >= end)
			return -ENODEV;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int mount_entry(struct init_state *st, const struct fstab_entry *e)
{
	char dev[300];
	int r;

	if (wait_device(e->spec, dev, sizeof(dev), st->cfg.fstab_timeout_ms) < 0) {
		err("%s: device %s did not appear within %u ms", e->file, e->spec, st->cfg.fstab_timeout_ms);
		return -ENODEV;
	}
	mkdir(e->file, 0755);
	r = sys.mount(dev, e->file, e->type, e->flags, e->data[0] ? e->data : NULL);
	if (r < 0 && errno == ENODEV && st->load_module && st->load_module(st, e->type) == 0)
		r = sys.mount(dev, e->file, e->type, e->flags, e->data[0] ? e->data : NULL);
	if (r < 0) {
		r = -errno;
		err("unable to mount %s on %s (%s): %s", dev, e->file, e->type, strerror(-r));
		return r;
	}
	timeline_mark("fstab", e->file);
	return 0;
}

void step_storage(struct init_state *st)
{
	static struct lines f;
	struct fstab_entry e;
	int lineno = 0, r, overlong;
	char *line;

	if ((r = lines_open(&f, FSTAB)) < 0) {
		if (r != -ENOENT)
			warn("unable to read " FSTAB ": %s", strerror(-r));
		return;
	}
	while (lines_next(&f, &line, &overlong) > 0) {
		lineno++;
		if (overlong) {
			warn(FSTAB " line %d: too long, ignored", lineno);
			continue;
		}
		r = fstab_parse_line(line, &e);
		if (r < 0)
			warn(FSTAB " line %d: not understood, ignored", lineno);
		if (r <= 0 || e.noauto || !strcmp(e.type, "swap") || !strcmp(e.file, "/"))
			continue;
		if (mount_entry(st, &e) < 0 && !e.nofail) {
			fatal_set(st, "unable to mount %s, needed by " FSTAB " (add nofail to go on without it)", e.file);
			break;
		}
	}
	lines_close(&f);
}
