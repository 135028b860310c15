/* Step 1: the filesystems every process expects (policy.h's table), the console, and PID 1's
 * signal mask. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"

static void mount_one(const struct machine *m, const struct policy_mount *pm)
{
	char dst[MACHINE_PATH];

	machine_path(m, pm->dst, dst);
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		warn("unable to create %s: %s", pm->dst, strerror(errno));
	if (m->mount(pm->src, dst, pm->type, pm->flags, pm->data) == 0)
		return;
	/* EBUSY: already mounted (a kernel with DEVTMPFS_MOUNT, or a second run): fine. */
	if (errno == EBUSY)
		dbg("%s already mounted", pm->dst);
	else
		err("unable to mount %s on %s: %s", pm->type, pm->dst, strerror(errno));
}

/* The kernel opens /dev/console as fds 0-2 before running /init, but only when the image has a
 * /dev/console node; when it had none the fds are closed.  Reopen only then, so a console given by
 * whoever started us (a test harness) is kept. */
static void console_setup(const struct machine *m)
{
	char path[MACHINE_PATH];
	int fd, i;

	for (i = 0; i <= 2; i++) {
		if (fcntl(i, F_GETFD) >= 0)
			continue;
		fd = open(machine_path(m, "/dev/console", path), O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			fd = open(machine_path(m, "/dev/null", path), O_RDWR | O_CLOEXEC);
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

int step_early(struct boot *b)
{
	const struct machine *m = b->m;
	const struct policy_mount *pm;
	const struct policy_link *l;
	char path[MACHINE_PATH];
	sigset_t all;

	/* PID 1 takes every signal synchronously, from a signalfd in step_supervise (and with
	 * sigtimedwait while shutting down); none is handled asynchronously.  The kernel never
	 * delivers SIGKILL/SIGSTOP to init anyway. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	umask(022);
	if (m->chdir(machine_path(m, "/", path)) < 0)
		warn("unable to chdir to /: %s", strerror(errno));
	console_setup(m);
	for (pm = policy_early_mounts; pm->dst; pm++)
		mount_one(m, pm);
	for (l = policy_early_links; l->path; l++)
		if (symlink(l->target, machine_path(m, l->path, path)) < 0 && errno != EEXIST)
			dbg("unable to link %s: %s", l->path, strerror(errno));
	console_setup(m);
	timeline_mark("mounts", NULL);
	/* Ctrl-Alt-Del becomes SIGINT to PID 1 instead of an immediate reboot, so it goes through
	 * the clean shutdown path.  In a PID namespace other than the first this is EINVAL. */
	if (m->reboot(RB_DISABLE_CAD) < 0)
		dbg("unable to disable ctrl-alt-del: %s", strerror(errno));
	return 0;
}
