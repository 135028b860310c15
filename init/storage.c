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
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"

/* UUID= and LABEL= for ext2/3/4 (the superblock at 1024: magic 0xEF53 at 56, UUID at 104, label
 * at 120) -- the filesystems an appliance's data disk uses; other types take a /dev path -- and
 * for minboot-pack's read-only roots: erofs (the superblock at 1024: magic 0xE0F5E1E2 at 0, UUID
 * at 48, volume name at 64) and squashfs, which has neither: the packer puts a record "MBID"
 * laid out as erofs's in the 4 KiB block after the filesystem (its bytes_used at 40, rounded up;
 * the record at 1024 in the block). */
static int ext_matches(const char *dev, const char *spec)
{
	unsigned char sb[256];
	char want[64], have[64];
	int fd = open(dev, O_RDONLY | O_CLOEXEC), i, sq;
	unsigned long long off = 1024;

	if (fd < 0)
		return 0;
	if ((sq = pread(fd, sb, sizeof(sb), 0) == (ssize_t)sizeof(sb) && !memcmp(sb, "hsqs", 4))) {
		memcpy(&off, sb + 40, 8);
		off = ((off + 4095) & ~4095ULL) + 1024;
	}
	i = pread(fd, sb, sizeof(sb), (off_t)off) == (ssize_t)sizeof(sb);
	close(fd);
	const unsigned char *u = sb + 104;
	if (!i)
		return 0;
	if (!memcmp(sb, sq ? "MBID" : "\xe2\xe1\xf5\xe0", 4))
		u = sb + 48;
	else if (sb[56] != 0x53 || sb[57] != 0xEF)
		return 0;
	if (!strncmp(spec, "LABEL=", 6)) {
		snprintf(have, sizeof(have), "%.16s", (char *)u + 16);
		return !strcmp(have, spec + 6);
	}
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

/* dev is set to the device in the machine (/dev/vdb) and path to it as the init opens it. */
static int find_by_id(const struct machine *m, const char *spec, char *dev, size_t len, char *path)
{
	struct dirent *de;
	DIR *d = opendir(machine_path(m, "/sys/class/block", path));
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(dev, len, "/dev/%s", de->d_name);
		found = ext_matches(machine_path(m, dev, path), spec);
	}
	closedir(d);
	return found;
}

static int resolve(const struct machine *m, const char *spec, char *dev, size_t len, char *path)
{
	struct stat st;

	if (!strncmp(spec, "UUID=", 5) || !strncmp(spec, "LABEL=", 6))
		return find_by_id(m, spec, dev, len, path);
	snprintf(dev, len, "%s", spec);
	machine_path(m, dev, path);
	if (spec[0] != '/')
		return 1; /* tmpfs, proc, ...: no device */
	return stat(path, &st) == 0;
}

int wait_device(struct boot *b, const char *spec, struct device *d, unsigned timeout_ms)
{
	const struct machine *m = b->m;
	long end = m->now_ms() + timeout_ms;

	while (!resolve(m, spec, d->name, sizeof(d->name), d->path)) {
		if (m->now_ms() >= end)
			return -ENODEV;
		m->sleep_ms(POLICY_DEVICE_POLL_MS);
	}
	d->src = d->name[0] == '/' ? d->path : d->name;
	return 0;
}

static int mount_entry(struct boot *b, const struct fstab_entry *e)
{
	const struct machine *m = b->m;
	const char *data = e->data[0] ? e->data : NULL;
	char file[MACHINE_PATH];
	struct device dev;
	int r;

	if (wait_device(b, e->spec, &dev, b->cfg.fstab_timeout_ms) < 0) {
		err("%s: device %s did not appear within %u ms", e->file, e->spec, b->cfg.fstab_timeout_ms);
		return -ENODEV;
	}
	machine_path(m, e->file, file);
	mkdir(file, 0755);
	r = m->mount(dev.src, file, e->type, e->flags, data);
	if (r < 0 && errno == ENODEV && b->load_module && b->load_module(b, e->type) == 0)
		r = m->mount(dev.src, file, e->type, e->flags, data);
	if (r < 0) {
		r = -errno;
		err("unable to mount %s on %s (%s): %s", dev.name, e->file, e->type, strerror(-r));
		return r;
	}
	timeline_mark("fstab", e->file);
	return 0;
}

int step_storage(struct boot *b)
{
	static struct lines f;
	char path[MACHINE_PATH], *line;
	struct fstab_entry e;
	int lineno = 0, r, overlong, failed = 0;

	if ((r = lines_open(&f, machine_path(b->m, POLICY_FSTAB_PATH, path))) < 0) {
		if (r != -ENOENT)
			warn("unable to read " POLICY_FSTAB_PATH ": %s", strerror(-r));
		return 0;
	}
	while (lines_next(&f, &line, &overlong) > 0) {
		lineno++;
		if (overlong) {
			warn(POLICY_FSTAB_PATH " line %d: too long, ignored", lineno);
			continue;
		}
		r = fstab_parse_line(line, &e);
		if (r < 0)
			warn(POLICY_FSTAB_PATH " line %d: not understood, ignored", lineno);
		if (r <= 0 || e.noauto || !strcmp(e.type, "swap") || !strcmp(e.file, "/"))
			continue;
		if ((failed = mount_entry(b, &e)) < 0 && !e.nofail)
			break;
		failed = 0;
	}
	lines_close(&f);
	if (failed < 0)
		return boot_fail(b, failed, "unable to mount %s, needed by " POLICY_FSTAB_PATH
				 " (add nofail to go on without it)", e.file);
	return 0;
}
