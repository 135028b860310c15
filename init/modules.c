/* Step: kernel modules.  The image's list and modules-load= first (modprobe.blacklist= honoured),
 * then coldplug: every device's modalias is resolved and its driver loaded, pass after pass,
 * until a pass loads nothing (a bus's devices appear once its controller's driver is in).
 * Every failure is logged with its reason and the boot goes on: a missing driver shows up as a
 * missing device later, with a clearer message there. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "modload/modload.h"

#define COLDPLUG_MAX_PASSES 16

static struct mod_ctx mods; /* large: keep it off the stack */

static void notice(void *arg, const char *name, int e, int required)
{
	struct mod_ctx *c = arg;

	if (required)
		err("module %s: %s", name, c->why[0] ? c->why : strerror(-e));
	else
		warn("module %s (a soft dependency): %s", name, c->why[0] ? c->why : strerror(-e));
}

static void loaded(void *arg, const char *name)
{
	(void)arg;
	timeline_mark("module", name);
}

static void pass_done(void *arg, int pass, int found, int from_sysfs)
{
	char detail[64];

	(void)arg;
	snprintf(detail, sizeof(detail), "%d: %d modaliases (%s)", pass, found, from_sysfs ? "sysfs" : "uevents");
	timeline_mark("coldplug pass", detail);
}

static void load_list(struct mod_ctx *c, const char *names)
{
	char list[CONFIG_STR], *name, *save = NULL;

	snprintf(list, sizeof(list), "%s", names);
	for (name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
		int failed = c->nfailed, r = mod_probe(c, name, NULL, MOD_BLACKLIST);

		if (r == 1)
			info("modules-load: %s is blacklisted (modprobe.blacklist=)", name);
		else if (r < 0 && c->nfailed == failed)
			err("modules-load: %s: %s", name, c->why[0] ? c->why : strerror(-r));
	}
}

static int ctx_open(struct init_state *st)
{
	int r = mod_ctx_open(&mods, "", NULL);

	if (r < 0)
		return r;
	mods.cmdline = &st->cmdline;
	mods.blacklist = st->cfg.blacklist;
	mods.notice = notice;
	mods.loaded = loaded;
	mods.pass_done = pass_done;
	mods.arg = &mods;
	return 0;
}

/* st->load_module: a module by name or alias, later in the boot (a filesystem for fstab or
 * root=).  0, or -errno (-EPERM when blacklisted). */
static int load_one(struct init_state *st, const char *name)
{
	int r = ctx_open(st);

	if (r < 0)
		return r;
	r = mod_probe(&mods, name, NULL, MOD_BLACKLIST);
	mod_ctx_close(&mods);
	return r == 1 ? -EPERM : r;
}

/* Every queued uevent; the module database is read only once an added device has a modalias. */
void hotplug_events(struct init_state *st)
{
	static char msg[8192 + 1];
	const char *devpath;
	char *alias;
	int n, open = 0;

	while ((n = mod_sys_ops.uevent_recv(st->uevent_fd, msg, sizeof(msg) - 1)) != -EAGAIN) {
		if (n == 0 || n == -ENOBUFS || n == -EINTR)
			continue;
		if (n < 0) { /* the socket is broken: hotplug ends here, said once */
			warn("hotplug: %s; no more drivers loaded for new devices", strerror(-n));
			close(st->uevent_fd);
			st->uevent_fd = -1;
			break;
		}
		msg[n] = '\0';
		alias = mod_uevent_added(msg, n + 1, &devpath);
		if (alias && (open || (open = ctx_open(st) == 0)))
			mod_probe(&mods, alias, NULL, MOD_BLACKLIST);
	}
	if (open)
		mod_ctx_close(&mods);
}

void step_modules(struct init_state *st)
{
	long t0 = uptime_ms(), t1;
	struct utsname u;
	int r, passes = 0, nalias = 0, loaded;

	st->load_module = load_one;
	r = ctx_open(st);
	if (r < 0) {
		uname(&u);
		if (r != -ENOENT || st->cfg.modules_load[0])
			warn("modules: /lib/modules/%s: %s%s", u.release, strerror(-r),
			     r == -ENOENT ? " (no modules for this kernel in the image)" : "");
		return;
	}
	load_list(&mods, st->cfg.modules_load);
	loaded = mods.nloaded;
	t1 = uptime_ms();
	if (!st->cfg.no_coldplug)
		passes = mod_coldplug(&mods, 0, COLDPLUG_MAX_PASSES, &nalias);
	if (passes < 0)
		err("coldplug: %s", strerror(-passes));
	/* Hotplug from here on: the devices added later (a disk or NIC plugged into the running VM,
	 * a USB device) are read by the supervision loop, through hotplug_events. */
	if (!st->cfg.no_coldplug && (st->uevent_fd = mods.ops->uevent_open()) < 0)
		st->uevent_fd = -1;
	timeline_mark("modules", NULL);
	info("modules: %d from modules-load in %ld ms; coldplug: %d loaded, %d modaliases, %d passes "
	     "in %ld ms; %d failed", loaded, t1 - t0, mods.nloaded - loaded, nalias, passes,
	     uptime_ms() - t1, mods.nfailed);
	mod_ctx_close(&mods);
}
