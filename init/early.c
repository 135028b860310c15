/* Step 1: the filesystems every process expects, the console, and PID 1's signal mask. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "common/log.h"
#include "init/init.h"
#include "init/sys.h"

struct early_mount {
	const char *src, *dst, *type;
	unsigned long flags;
	const char *data;
};

/* Policy as data: the mount table, in order (each needs its parent mounted first). */
static const struct early_mount early_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666" },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
};

static const struct { const char *target, *path; } early_links[] = {
	{ "/proc/self/fd", "/dev/fd" },
	{ "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" },
	{ "/proc/self/fd/2", "/dev/stderr" },
};

static void mount_one(const struct early_mount *m)
{
	if (mkdir(m->dst, 0755) < 0 && errno != EEXIST)
		warn("unable to create %s: %s", m->dst, strerror(errno));
	if (sys.mount(m->src, m->dst, m->type, m->flags, m->data) == 0)
		return;
	/* EBUSY: already mounted (a kernel with DEVTMPFS_MOUNT, or a second run): fine. */
	if (errno == EBUSY)
		dbg("%s already mounted", m->dst);
	else
		err("unable to mount %s on %s: %s", m->type, m->dst, strerror(errno));
}

/* The kernel opens /dev/console as fds 0-2 before running /init, but only when the image has a
 * /dev/console node; when it had none the fds are closed.  Reopen only then, so a console given by
 * whoever started us (a test harness) is kept. */
static void console_setup(void)
{
	int fd, i;

	for (i = 0; i <= 2; i++) {
		if (fcntl(i, F_GETFD) >= 0)
			continue;
		fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return; /* nowhere to say it */
		if (fd != i) {
			dup2(fd, i);
			close(fd);
		} else {
			fcntl(fd, F_SETFD, 0);
		}
	}
}

void step_early(struct init_state *st)
{
	sigset_t all;
	unsigned i;

	st->notify_fd = st->uevent_fd = -1;
	/* PID 1 takes every signal synchronously in step_supervise (sigtimedwait); none is handled
	 * asynchronously.  The kernel never delivers SIGKILL/SIGSTOP to init anyway. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	umask(022);
	if (chdir("/") < 0)
		warn("unable to chdir to /: %s", strerror(errno));
	console_setup();
	for (i = 0; i < sizeof(early_mounts) / sizeof(early_mounts[0]); i++)
		mount_one(&early_mounts[i]);
	for (i = 0; i < sizeof(early_links) / sizeof(early_links[0]); i++)
		if (symlink(early_links[i].target, early_links[i].path) < 0 && errno != EEXIST)
			dbg("unable to link %s: %s", early_links[i].path, strerror(errno));
	console_setup();
	timeline_mark("mounts", NULL);
	/* Ctrl-Alt-Del becomes SIGINT to PID 1 instead of an immediate reboot, so it goes through
	 * the clean shutdown path.  In a PID namespace other than the first this is EINVAL. */
	if (sys.reboot(RB_DISABLE_CAD) < 0)
		dbg("unable to disable ctrl-alt-del: %s", strerror(errno));
}
