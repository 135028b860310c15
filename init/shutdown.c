/* Step 8: stop everything the way a careful operator would, then power off.  Returns only on a
 * fake machine (init/machine.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"

#define ISA_DEBUG_EXIT_PORT 0xf4

static void wait_chld(struct boot *b, long ms)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	b->m->wait_signal(&chld, ms);
}

/* Wait until no child is left or ms pass, reaping as they go.  Returns 1 when none is left. */
static int wait_children_gone(struct boot *b, unsigned ms)
{
	long end = uptime_ms(b) + ms, left;

	while (!reap_children(b)) {
		left = end - uptime_ms(b);
		if (left <= 0)
			return 0;
		wait_chld(b, left);
	}
	return 1;
}

static void stop_processes(struct boot *b)
{
	unsigned grace = b->cfg.stop_timeout_ms;
	char what[96];
	long end;

	if (b->payload.pid > 0) {
		/* The payload first, and alone, so it can still talk to its helpers while stopping:
		 * its ExecStop commands, then minboot.kill-signal as minboot.kill-mode says (systemd's
		 * KillSignal=, KillMode=), all within the grace. */
		end = uptime_ms(b) + grace;
		b->payload.stop_sent = 1;
		if (service_has(b, 's'))
			service_exec(b, 's', grace);
		payload_kill(b, b->cfg.kill_signal, 0);
		while (b->payload.pid > 0 && uptime_ms(b) < end) {
			wait_chld(b, POLICY_STOP_POLL_MS);
			reap_children(b);
		}
		if (b->payload.exited) {
			describe_status(b->payload.status, what, sizeof(what));
			info("payload %s", what);
			b->payload.ended = 1;
		} else {
			warn("payload did not stop within %u ms: killing it", grace);
		}
	}
	if (b->m->kill(-1, SIGTERM) == 0 && !wait_children_gone(b, grace))
		warn("processes still running after %u ms: killing them", grace);
	b->m->kill(-1, SIGKILL);
	wait_children_gone(b, POLICY_KILL_WAIT_MS);
	if (b->payload.exited) /* ended only now, by SIGTERM or SIGKILL to everything */
		b->payload.ended = 1;
}

/* A whole file of any length (/proc/self/mounts has a line per mount), NUL-terminated; NULL when
 * it cannot be read. */
static char *read_text(const char *path, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap + 1), *more;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n)) > 0 || (r < 0 && errno == EINTR)) {
		n += r > 0 ? (size_t)r : 0;
		if (n == cap && (more = realloc(buf, 2 * cap + 1))) {
			buf = more;
			cap *= 2;
		} else if (n == cap) {
			break; /* no memory: the first mounts stay mounted */
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One mount: unmount it, or remount it read-only so its data is on disk before the power goes.
 * mnt is a /proc/self/mounts field: spaces, tabs, newlines and backslashes come as \040 ... */
static void unmount_one(struct boot *b, char *mnt)
{
	char path[MACHINE_PATH];

	if (fstab_unescape(mnt, strlen(mnt) + 1, mnt) < 0 || !strcmp(mnt, "/"))
		return; /* the initramfs cannot go; a disk root is remounted below */
	machine_path(b->m, mnt, path);
	if (b->m->umount2(path, 0) == 0)
		return;
	if (errno != EBUSY && errno != EINVAL)
		dbg("unable to unmount %s: %s", mnt, strerror(errno));
	b->m->mount(NULL, path, "", MS_REMOUNT | MS_RDONLY, NULL);
}

/* Unmount in reverse order of /proc/self/mounts ("src dst type opts ..." lines), every one. */
static void unmount_all(struct boot *b)
{
	char path[MACHINE_PATH], *text, *end, *line, *mnt, *sp;
	size_t len;

	text = read_text(machine_path(b->m, "/proc/self/mounts", path), &len);
	if (!text) {
		warn("unable to read /proc/self/mounts: %s", strerror(errno));
		return;
	}
	for (end = text + len; end > text; end = line > text ? line - 1 : text) {
		*end = '\0';
		for (line = end; line > text && line[-1] != '\n'; line--)
			;
		if (!(mnt = strchr(line, ' ')))
			continue;
		mnt++;
		if ((sp = strchr(mnt, ' ')))
			*sp = '\0';
		unmount_one(b, mnt);
	}
	free(text);
}

/* The payload's status, in a fixed format on the console and, with minboot.exit=isa-debug-exit,
 * on QEMU's isa-debug-exit port: QEMU then exits with (status << 1) | 1.  125 means the payload
 * never ran (a boot error), as docker run uses it. */
static void report_exit(struct boot *b)
{
	int status = b->payload.ended ? exit_status_of(b->payload.status) : 125;

	/* Ended by the shutdown's own signal: a clean stop, as systemd counts it. */
	if (b->payload.stop_sent && WIFSIGNALED(b->payload.status) &&
	    (WTERMSIG(b->payload.status) == SIGTERM || WTERMSIG(b->payload.status) == b->cfg.kill_signal))
		status = 0;

	log_msg(LOG_ERR, "exit status %d", status); /* printed even when quiet: hosts parse it */
	status_exit(b, status);
	if (b->cfg.exit_report != EXIT_ISA_DEBUG)
		return;
	if (b->m->port_out(ISA_DEBUG_EXIT_PORT, (unsigned)status & 0x7f) < 0) {
		err("unable to reach the isa-debug-exit port: %s", strerror(errno));
		return;
	}
	/* QEMU is gone now, unless the device is absent: then fall through to the usual power off. */
	warn("no isa-debug-exit device at 0x%x (QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04)",
	     ISA_DEBUG_EXIT_PORT);
}

/* 1 when the machine's reboot returned 0 (a fake machine: the boot ends); logs a failure. */
static int reboot_as(struct boot *b, int cmd)
{
	if (b->m->reboot(cmd) == 0)
		return 1;
	err("reboot(0x%x) failed: %s", cmd, strerror(errno));
	return 0;
}

void step_shutdown(struct boot *b)
{
	static const int cmds[] = { RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM };
	static const char *const names[] = { "powering off", "rebooting", "halting" };
	const char *reason = b->why[0] ? b->why : b->shutdown_reason;
	sigset_t all;

	if (!reason)
		reason = "nothing left to do";
	info("shutting down (%s)", reason);
	status_open(b); /* before /dev and /sys go */
	stop_processes(b);
	b->m->sync();
	unmount_all(b);
	b->m->sync();
	report_exit(b);
	timeline_mark(names[b->cfg.shutdown], NULL);
	if (reboot_as(b, cmds[b->cfg.shutdown]))
		return;
	if (b->cfg.shutdown != SHUTDOWN_HALT && reboot_as(b, RB_HALT_SYSTEM))
		return;
	/* Nothing worked: stay alive forever (PID 1 must not exit) and keep reaping. */
	err("unable to stop the machine; idling");
	sigfillset(&all);
	while (1) {
		b->m->wait_signal(&all, -1);
		reap_children(b);
	}
}
