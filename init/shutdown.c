/* Step 8: stop everything the way a careful operator would, then power off.  Never returns. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/sys.h"

#define MAX_MOUNTS 64
#define ISA_DEBUG_EXIT_PORT 0xf4

/* Wait until no child is left or ms pass, reaping as they go.  Returns 1 when none is left. */
static int wait_children_gone(struct init_state *st, unsigned ms)
{
	struct timespec ts;
	sigset_t chld;
	long end = uptime_ms() + ms, left;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (1) {
		reap_children(st);
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return 1;
		left = end - uptime_ms();
		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sigtimedwait(&chld, NULL, &ts);
	}
}

static void stop_processes(struct init_state *st)
{
	unsigned grace = st->cfg.stop_timeout_ms;
	char what[96];

	if (st->payload > 0) {
		/* The payload first, and alone, so it can still talk to its helpers while stopping. */
		kill(-st->payload, SIGTERM);
		kill(st->payload, SIGTERM);
		st->stop_sent = 1;
		long end = uptime_ms() + grace;
		while (st->payload > 0 && uptime_ms() < end) {
			struct timespec ts = { 0, 50 * 1000000L };
			sigset_t chld;
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			sigtimedwait(&chld, NULL, &ts);
			reap_children(st);
		}
		if (st->payload_exited) {
			describe_status(st->payload_status, what, sizeof(what));
			info("payload %s", what);
			st->payload_ended = 1;
		} else {
			warn("payload did not stop within %u ms: killing it", grace);
		}
	}
	if (kill(-1, SIGTERM) == 0 && !wait_children_gone(st, grace))
		warn("processes still running after %u ms: killing them", grace);
	kill(-1, SIGKILL);
	wait_children_gone(st, 1000);
	if (st->payload_exited) /* ended only now, by SIGTERM or SIGKILL to everything */
		st->payload_ended = 1;
}

/* Unmount in reverse order of /proc/self/mounts; what cannot be unmounted is remounted
 * read-only so its data is on disk before the power goes. */
static void unmount_all(void)
{
	static char buf[16384];
	char *mnt[MAX_MOUNTS], *line, *next, *p;
	FILE *f = fopen("/proc/self/mounts", "re");
	size_t len;
	int n = 0;

	if (!f) {
		warn("unable to read /proc/self/mounts: %s", strerror(errno));
		return;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (line = buf; line && *line && n < MAX_MOUNTS; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p = strchr(line, ' '); /* "src dst type opts ..." */
		if (!p)
			continue;
		mnt[n] = p + 1;
		p = strchr(p + 1, ' ');
		if (p)
			*p = '\0';
		n++;
	}
	while (n-- > 0) {
		if (!strcmp(mnt[n], "/"))
			continue; /* the initramfs cannot go; a disk root is remounted below */
		if (sys.umount2(mnt[n], 0) == 0)
			continue;
		if (errno != EBUSY && errno != EINVAL)
			dbg("unable to unmount %s: %s", mnt[n], strerror(errno));
		sys.mount(NULL, mnt[n], "", MS_REMOUNT | MS_RDONLY, NULL);
	}
}

/* reboot(2) from PID 1: when RB_POWER_OFF fails to power off (no ACPI), the kernel calls
 * do_exit() on the caller -- and PID 1 exiting panics the kernel.  So the call is made from a
 * child (busybox init does the same); if that child comes back, PID 1 reports it and halts. */
static void reboot_from_child(int cmd)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		sys.reboot(cmd);
		_exit(errno);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		err("reboot(0x%x) failed: %s", cmd, strerror(WEXITSTATUS(status)));
	else if (pid < 0)
		sys.reboot(cmd);
}

/* The payload's status, in a fixed format on the console and, with minboot.exit=isa-debug-exit,
 * on QEMU's isa-debug-exit port: QEMU then exits with (status << 1) | 1.  125 means the payload
 * never ran (a boot error), as docker run uses it. */
static void report_exit(struct init_state *st)
{
	int status = st->payload_ended ? exit_status_of(st->payload_status) : 125;

	/* Ended by the shutdown's own SIGTERM: a clean stop, as systemd counts it. */
	if (st->stop_sent && WIFSIGNALED(st->payload_status) && WTERMSIG(st->payload_status) == SIGTERM)
		status = 0;

	log_msg(LOG_ERR, "exit status %d", status); /* printed even when quiet: hosts parse it */
	if (st->cfg.exit_report != EXIT_ISA_DEBUG)
		return;
	if (ioperm(ISA_DEBUG_EXIT_PORT, 4, 1) < 0) {
		err("unable to reach the isa-debug-exit port: %s", strerror(errno));
		return;
	}
	outl((unsigned)status & 0x7f, ISA_DEBUG_EXIT_PORT);
	/* QEMU is gone now, unless the device is absent: then fall through to the usual power off. */
	warn("no isa-debug-exit device at 0x%x (QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04)",
	     ISA_DEBUG_EXIT_PORT);
}

void step_shutdown(struct init_state *st)
{
	static const int cmds[] = { RB_POWER_OFF, RB_AUTOBOOT, RB_HALT_SYSTEM };
	static const char *const names[] = { "powering off", "rebooting", "halting" };
	const char *reason = st->fatal[0] ? st->fatal : st->shutdown_reason;
	sigset_t all;

	if (!reason)
		reason = "nothing left to do";
	info("shutting down (%s)", reason);
	stop_processes(st);
	sys.sync();
	unmount_all();
	sys.sync();
	report_exit(st);
	timeline_mark(names[st->cfg.shutdown], NULL);
	reboot_from_child(cmds[st->cfg.shutdown]);
	if (st->cfg.shutdown != SHUTDOWN_HALT)
		reboot_from_child(RB_HALT_SYSTEM);
	/* Nothing worked: stay alive forever (PID 1 must not exit) and keep reaping. */
	err("unable to stop the machine; idling");
	sigfillset(&all);
	while (1) {
		sigwaitinfo(&all, NULL);
		reap_children(st);
	}
}
