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
#include "common/policy.h"
#include "init/init.h"

/* Delete the initramfs tree below fd, staying on its filesystem (never into mounts, nor into the
 * new root, whatever its device says). */
static void delete_tree(int dfd, dev_t rootdev, int top)
{
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (top && !strcmp(de->d_name, &POLICY_NEWROOT[1])))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub >= 0)
				delete_tree(sub, rootdev, 0);
			unlinkat(dfd, de->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dfd, de->d_name, 0);
		}
	}
	closedir(d);
}

static int on_initramfs(const struct machine *m)
{
	char root[MACHINE_PATH];
	struct statfs sf;

	return m->statfs(machine_path(m, "/", root), &sf) == 0 &&
	       (sf.f_type == RAMFS_MAGIC || sf.f_type == TMPFS_MAGIC);
}

/* mount(2), again after loading the filesystem's module where the kernel does not know it yet */
static int mount_fs(struct boot *b, const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data)
{
	const struct machine *m = b->m;

	if (m->mount(src, dst, type, flags, data) == 0 ||
	    (errno == ENODEV && b->load_module && b->load_module(b, type) == 0 && m->mount(src, dst, type, flags, data) == 0))
		return 0;
	return -errno;
}

static int mount_root(struct boot *b, const char *dev, const char *newroot)
{
	const struct machine *m = b->m;
	const char *type = b->cfg.rootfstype[0] ? b->cfg.rootfstype : NULL;
	const char *data = b->cfg.rootflags[0] ? b->cfg.rootflags : NULL;
	unsigned long flags = b->cfg.rw == 0 ? MS_RDONLY : 0;
	const char *const *t;

	mkdir(newroot, 0755);
	if (type)
		return mount_fs(b, dev, newroot, type, flags, data);
	for (t = policy_root_fstypes; *t; t++)
		if (m->mount(dev, newroot, *t, flags, data) == 0)
			return 0;
	return -EINVAL;
}

/* minboot.root-overlay: the read-only root at /.root-ro, a tmpfs at /.root-rw, their overlay
 * (upper and work directories in the tmpfs) as the new root, the two moved under it (onto the
 * root's own /.root-ro and /.root-rw, which minboot-pack's erofs and squashfs images have).  The
 * overlay module is the image's, loaded when the kernel does not know the filesystem yet. */
static int overlay_root(struct boot *b, const char *dev, const char *newroot)
{
	const struct machine *m = b->m;
	char ro[MACHINE_PATH], rw[MACHINE_PATH + 8], t[MACHINE_PATH];
	size_t n = strlen(machine_path(m, "/.root-rw", rw));
	int i, r = mount_root(b, dev, machine_path(m, "/.root-ro", ro));

	mkdir(rw, 0755);
	if (r < 0 || m->mount("tmpfs", rw, "tmpfs", 0, NULL) < 0)
		return r < 0 ? r : -errno;
	for (i = 0; i < 2; i++) {
		memcpy(rw + n, i ? "/w" : "/u", 3);
		mkdir(rw, 0755);
	}
	rw[n] = '\0';
	mkdir(newroot, 0755);
	/* its module on demand, as the root's filesystem's: loaded here, after coldplug, it does not
	 * hold up the first drivers (a NIC's lease is timed from its probe) */
	if ((r = mount_fs(b, "overlay", newroot, "overlay", 0, "lowerdir=/.root-ro,upperdir=/.root-rw/u,workdir=/.root-rw/w")) < 0)
		return r;
	m->mount(ro, machine_path(m, POLICY_NEWROOT "/.root-ro", t), "", MS_MOVE, NULL);
	m->mount(rw, machine_path(m, POLICY_NEWROOT "/.root-rw", t), "", MS_MOVE, NULL);
	return 0;
}

/* The new init mounts everything again (policy_early_mounts, detached here in reverse); only
 * /dev moves, to keep the console open. */
static void leave_initramfs(const struct machine *m)
{
	const struct policy_mount *pm = policy_early_mounts;
	char path[MACHINE_PATH], dev[MACHINE_PATH];
	struct stat rst;
	int fd, i;

	for (i = 0; pm[i].dst; i++)
		;
	while (i-- > 0)
		if (strcmp(pm[i].dst, "/dev"))
			m->umount2(machine_path(m, pm[i].dst, path), MNT_DETACH);
	machine_path(m, POLICY_NEWROOT "/dev", path);
	if (m->mount(machine_path(m, "/dev", dev), path, "", MS_MOVE, NULL) < 0)
		m->umount2(dev, MNT_DETACH);
	machine_path(m, "/", path);
	if (stat(path, &rst) == 0 && (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		delete_tree(fd, rst.st_dev, 1);
}

/* The root's /init is this very program (minboot-pack writes the same init to the disk and to
 * its small initramfs): the init goes on from the initramfs's copy, which is in RAM (as is the
 * code a TCG vCPU translated from it), instead of reading and translating the disk's.  An open
 * file of the running init, or -1: run the root's own. */
static int same_init(const struct machine *m, const char *root_init)
{
	static char x[4096], y[4096]; /* off PID 1's stack */
	char p[MACHINE_PATH];
	ssize_t n = -1;
	int a = open(machine_path(m, "/proc/self/exe", p), O_RDONLY | O_CLOEXEC);
	int d = open(root_init, O_RDONLY | O_CLOEXEC);

	if (a >= 0 && d >= 0)
		while ((n = read(a, x, sizeof(x))) > 0 && read(d, y, sizeof(y)) == n && !memcmp(x, y, (size_t)n))
			;
	if (n == 0 && read(d, y, 1) != 0) /* the root's is longer */
		n = -1;
	close(d);
	if (n != 0) {
		close(a);
		a = -1;
	}
	return a;
}

int step_switch_root(struct boot *b)
{
	const struct machine *m = b->m;
	char newroot[MACHINE_PATH], path[MACHINE_PATH];
	struct device dev;
	int r, self;

	if (!b->cfg.root[0] || !on_initramfs(m))
		return 0; /* no root=, or already on it (this is the init on the real root) */
	if (wait_device(b, b->cfg.root, &dev, b->cfg.root_timeout_ms) < 0)
		return boot_fail(b, -ENODEV, "root=%s: the device did not appear within %u ms", b->cfg.root,
				 b->cfg.root_timeout_ms);
	machine_path(m, POLICY_NEWROOT, newroot);
	if ((r = b->cfg.root_overlay ? overlay_root(b, dev.src, newroot) : mount_root(b, dev.src, newroot)) < 0)
		return boot_fail(b, r, "unable to mount root=%s (%s): %s", b->cfg.root, dev.name, strerror(-r));
	if (access(machine_path(m, POLICY_NEWROOT "/init", path), X_OK) < 0) {
		m->umount2(newroot, 0);
		return boot_fail(b, -ENOEXEC, "root=%s has no /init: it is not a minboot root", b->cfg.root);
	}
	self = m->fexecve ? same_init(m, path) : -1;
	timeline_mark("switch-root", dev.name);
	leave_initramfs(m);
	if (m->chdir(newroot) < 0 || m->mount(newroot, machine_path(m, "/", path), "", MS_MOVE, NULL) < 0 ||
	    m->chroot(".") < 0 || m->chdir("/") < 0) {
		r = -errno;
		if (self >= 0)
			close(self);
		return boot_fail(b, r, "unable to switch to the new root: %s", strerror(-r));
	}
	if (self >= 0) {
		r = m->fexecve(self, b->argv);
		close(self);
		if (r == 0)
			return 1;
	}
	if (m->execv("/init", b->argv) == 0)
		return 1;
	return boot_fail(b, -errno, "unable to run /init on the new root: %s", strerror(errno));
}
