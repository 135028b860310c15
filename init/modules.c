/* Step: kernel modules.  The image's list and modules-load= first (modprobe.blacklist= honoured),
 * then coldplug: every device's modalias is resolved and its driver loaded, pass after pass,
 * until a pass loads nothing (a bus's devices appear once its controller's driver is in).
 * Only the drivers a boot step waits for load before the payload (policy_early_modules); the
 * rest (the power button's, ...) load once it has started, from supervision (modules_late).
 * Every failure is logged with its reason and the boot goes on: a missing driver shows up as a
 * missing device later, with a clearer message there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "modload/modload.h"
#include "netcfg/netcfg.h"

static struct mod_ctx mods; /* the step's own (large: kept off the stack) */

static void notice(void *arg, const char *name, int e, int required)
{
	struct mod_ctx *c = arg;

	if (required)
		err("module %s: %s", name, c->why[0] ? c->why : strerror(-e));
	else
		warn("module %s (a soft dependency): %s", name, c->why[0] ? c->why : strerror(-e));
}

static struct boot *mb; /* the boot the modules load for */

/* A NIC's driver is in: its links go up at once when the network is wanted (ip=, rd.neednet).
 * Where the boot waits for carrier (DHCP) the early IPv6 link-local address follows at once;
 * with static addresses nothing waits for it, and it is added after the payload's start
 * (b->v6_late, supervise.c), before the carrier all the same. */
static void loaded(void *arg, const char *name, const char *path)
{
	int waits = network_waits(&mb->cfg);

	(void)arg;
	timeline_mark("module", name);
	if (mod_path_in(POLICY_NIC_MODULES, path) && (mb->cfg.neednet || mb->cfg.nip) &&
	    netcfg_links_up(mb->m->netlink, timeline_mark_ago, waits ? NC_SETTLE | NC_V6 : 0) > 0 && !waits)
		mb->v6_late = 1;
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
			info("modules-load: %s is blacklisted (modprobe.blacklist=, modprobe.d)", name);
		else if (r < 0 && c->nfailed == failed)
			err("modules-load: %s: %s", name, c->why[0] ? c->why : strerror(-r));
	}
}

/* The step's context stays open when it left modules for later: the late helper loads those by
 * name (mods.skipped), without reading the module database or sysfs again. */
static int kept;

static int ctx_open(struct boot *b)
{
	int r;

	if (kept)
		return 0;
	r = mod_ctx_open(&mods, b->m->root, NULL);
	mb = b;
	if (r < 0)
		return r;
	mods.ops = b->m->modules;
	mods.cmdline = b->cfg.cmdline;
	mods.blacklist = b->cfg.blacklist;
	mods.notice = notice;
	mods.loaded = loaded;
	mods.pass_done = pass_done;
	mods.arg = &mods;
	return 0;
}

static void ctx_close(void)
{
	if (!kept)
		mod_ctx_close(&mods);
}

void modules_release(void)
{
	kept = 0;
	mod_ctx_close(&mods);
}

/* b->load_module: a module by name or alias, later in the boot (a filesystem for fstab or
 * root=).  0, or -errno (-EPERM when blacklisted). */
static int load_one(struct boot *b, const char *name)
{
	int r = ctx_open(b);

	if (r < 0)
		return r;
	r = mod_probe(&mods, name, NULL, MOD_BLACKLIST);
	ctx_close();
	return r == 1 ? -EPERM : r;
}

/* Every queued uevent; the module database is read only once an added device has a modalias. */
void hotplug_events(struct boot *b)
{
	static char msg[8192 + 1];
	const char *devpath;
	char *alias;
	int n, open = 0;

	while ((n = b->m->modules->uevent_recv(b->uevent_fd, msg, sizeof(msg) - 1)) != -EAGAIN) {
		if (n == 0 || n == -ENOBUFS || n == -EINTR)
			continue;
		if (n < 0) { /* the socket is broken: hotplug ends here, said once */
			warn("hotplug: %s; no more drivers loaded for new devices", strerror(-n));
			close(b->uevent_fd);
			b->uevent_fd = -1;
			break;
		}
		msg[n] = '\0';
		alias = mod_uevent_added(msg, n + 1, &devpath);
		if (alias && (open || (open = ctx_open(b) == 0)))
			mod_probe(&mods, alias, NULL, MOD_BLACKLIST);
	}
	if (open)
		ctx_close();
}

int modules_late(struct boot *b)
{
	char n[16];
	int r = 0;

	if (b->late_modules && ctx_open(b) == 0) {
		r = mods.nloaded; /* a kept context counts the loads since the step (fstab's) */
		if (kept)
			mod_coldplug_names(&mods, mods.skipped, 0, POLICY_COLDPLUG_PASSES);
		else
			mod_coldplug(&mods, 0, POLICY_COLDPLUG_PASSES, NULL);
		snprintf(n, sizeof(n), "%d", r = mods.nloaded - r);
		timeline_mark("late modules", n);
		modules_release();
	}
	b->late_modules = 0;
	return r;
}

/* Coldplug's helpers (one per CPU): their timeline marks come through a pipe. */
static int marks[2] = { -1, -1 };

static void forked(void *arg)
{
	(void)arg;
	close(marks[0]);
	fcntl(marks[1], F_SETFL, 0);
	timeline_to(marks[1]);
}

static void joined(void *arg)
{
	(void)arg;
	timeline_take(marks[0]);
}

static void parallel(struct mod_ctx *c, const struct machine *m)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2 || !m->fork || pipe2(marks, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	c->jobs = n < POLICY_COLDPLUG_JOBS ? (int)n : POLICY_COLDPLUG_JOBS;
	c->forked = forked;
	c->joined = joined;
}

int step_modules(struct boot *b)
{
	long t0 = uptime_ms(b), t1;
	struct utsname u;
	int r, passes = 0, nalias = 0, loaded;

	b->load_module = load_one;
	r = ctx_open(b);
	if (r < 0) {
		uname(&u);
		if (r != -ENOENT || b->cfg.modules_load[0])
			warn("modules: /lib/modules/%s: %s%s", u.release, strerror(-r),
			     r == -ENOENT ? " (no modules for this kernel in the image)" : "");
		return 0;
	}
	load_list(&mods, b->cfg.modules_load);
	loaded = mods.nloaded;
	t1 = uptime_ms(b);
	mods.only = policy_early_modules;
	parallel(&mods, b->m);
	if (!b->cfg.no_coldplug)
		passes = mod_coldplug(&mods, MOD_ONLY, POLICY_COLDPLUG_PASSES, &nalias);
	if (mods.jobs) {
		close(marks[0]);
		close(marks[1]);
		mods.jobs = 0;
	}
	b->late_modules = mods.nskipped;
	if (passes < 0)
		err("coldplug: %s", strerror(-passes));
	/* Hotplug from here on: the devices added later (a disk or NIC plugged into the running VM,
	 * a USB device) are read by the supervision loop, through hotplug_events. */
	if (!b->cfg.no_coldplug && mods.ops->uevent_open && (b->uevent_fd = mods.ops->uevent_open()) < 0)
		b->uevent_fd = -1;
	timeline_mark("modules", NULL);
	info("modules: %d from modules-load in %ld ms; coldplug: %d loaded, %d modaliases, %d passes "
	     "in %ld ms (%d helper processes); %d failed", loaded, t1 - t0, mods.nloaded - loaded, nalias, passes,
	     uptime_ms(b) - t1, mods.nhelpers, mods.nfailed);
	kept = mods.skipped != NULL;
	ctx_close();
	return 0;
}
