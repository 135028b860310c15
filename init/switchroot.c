/* root=: the initramfs only brings up the real root (a disk made by minboot-pack --format ext2,
 * for payloads too big to hold in RAM), then hands over to the init on it.  Like busybox's and
 * klibc's switch_root: wait for the device, mount it, delete the initramfs's files (their RAM is
 * only freed that way), move the new root onto /, chroot, and exec its /init as PID 1 again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/sys.h"

#define NEWROOT "/newroot"

/* Delete the initramfs tree below fd, staying on its filesystem (never into mounts). */
static void delete_tree(int dfd, dev_t rootdev)
{
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub >= 0)
				delete_tree(sub, rootdev);
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

static int on_initramfs(void)
{
	struct statfs sf;

	return statfs("/", &sf) == 0 && (sf.f_type == RAMFS_MAGIC || sf.f_type == TMPFS_MAGIC);
}

static int mount_root(struct init_state *st, const char *dev)
{
	static const char *const guesses[] = { "ext4", "ext2", "xfs", "btrfs", "vfat" };
	const char *type = st->cfg.rootfstype[0] ? st->cfg.rootfstype : NULL;
	const char *data = st->cfg.rootflags[0] ? st->cfg.rootflags : NULL;
	unsigned long flags = st->cfg.rw == 0 ? MS_RDONLY : 0;
	unsigned i;

	mkdir(NEWROOT, 0755);
	if (type) {
		if (sys.mount(dev, NEWROOT, type, flags, data) == 0)
			return 0;
		if (errno == ENODEV && st->load_module && st->load_module(st, type) == 0 &&
		    sys.mount(dev, NEWROOT, type, flags, data) == 0)
			return 0;
		return -errno;
	}
	for (i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++)
		if (sys.mount(dev, NEWROOT, guesses[i], flags, data) == 0)
			return 0;
	return -EINVAL;
}

void step_switch_root(struct init_state *st, char **argv)
{
	static const char *const inner[] = { "/dev/pts", "/dev/shm", "/proc", "/sys", "/run", "/tmp" };
	char dev[300];
	struct stat rst;
	unsigned i;
	int r, fd;

	if (!st->cfg.root[0] || !on_initramfs())
		return; /* no root=, or already on it (this is the init on the real root) */
	if (wait_device(st->cfg.root, dev, sizeof(dev), st->cfg.root_timeout_ms) < 0)
		return fatal_set(st, "root=%s: the device did not appear within %u ms", st->cfg.root,
				 st->cfg.root_timeout_ms);
	if ((r = mount_root(st, dev)) < 0)
		return fatal_set(st, "unable to mount root=%s (%s): %s", st->cfg.root, dev, strerror(-r));
	if (access(NEWROOT "/init", X_OK) < 0) {
		sys.umount2(NEWROOT, 0);
		return fatal_set(st, "root=%s has no /init: it is not a minboot root", st->cfg.root);
	}
	timeline_mark("switch-root", dev);
	/* The new init mounts everything again; only /dev moves, to keep the console open. */
	for (i = 0; i < sizeof(inner) / sizeof(inner[0]); i++)
		sys.umount2(inner[i], MNT_DETACH);
	if (sys.mount("/dev", NEWROOT "/dev", "", MS_MOVE, NULL) < 0)
		sys.umount2("/dev", MNT_DETACH);
	if (stat("/", &rst) == 0 && (fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		delete_tree(fd, rst.st_dev);
	if (chdir(NEWROOT) < 0 || sys.mount(NEWROOT, "/", "", MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0)
		return fatal_set(st, "unable to switch to the new root: %s", strerror(errno));
	execv("/init", argv);
	fatal_set(st, "unable to run /init on the new root: %s", strerror(errno));
}
