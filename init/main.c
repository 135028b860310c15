/* minboot's PID 1: the whole boot on one screen, a table of steps.  PID 1 never exits: a step
 * that cannot go on returns its reason, the remaining steps are skipped and the machine is shut
 * down with the reason on the console. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

static int without_listen(const struct boot *b)
{
	return !b->cfg.listen[0];
}

/* With socket activation (minboot.listen) the payload starts before the network: its sockets
 * are bound to every address, so they accept from the moment an address is up, and its own
 * start-up overlaps the wait for carrier and DHCP.  Signals wait in the signalfd meanwhile. */
static int with_listen(const struct boot *b)
{
	return b->cfg.listen[0] != '\0';
}

static const struct step {
	int (*run)(struct boot *b);
	int (*wanted)(const struct boot *b); /* NULL: always */
} steps[] = {
	{ step_early, NULL },        /* /proc, /sys, /dev ..., the console, signals blocked */
	{ step_config, NULL },       /* defaults < /etc/minboot.conf < /proc/cmdline < -- argv */
	{ step_root, NULL },         /* / read-write */
	{ step_modules, NULL },      /* modules-load=, coldplug; hotplug from here on */
	{ step_switch_root, NULL },  /* root=: mount it, run its /init */
	{ step_storage, NULL },      /* /etc/fstab */
	{ step_tmpfiles, NULL },     /* tmpfiles.d: the directories packages want at boot */
	{ step_network, without_listen },
	{ step_payload, NULL },      /* environment, user, sockets, start */
	{ step_network, with_listen },
	{ step_supervise, NULL },    /* one loop: reap, restart, notify, power button, watchdog */
};

void boot_run(struct boot *b, const struct machine *m, char **argv)
{
	unsigned i;
	int r;

	memset(b, 0, sizeof(*b));
	b->m = m;
	b->argv = argv;
	b->uevent_fd = b->notify_fd = -1;
	log_write = m->console;
	timeline_start(m);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].wanted && !steps[i].wanted(b))
			continue;
		r = steps[i].run(b);
		if (r > 0)
			return; /* the init of root= runs now (on a real machine, exec never returns) */
		if (r < 0) {
			err("%s", b->why);
			break;
		}
	}
	step_shutdown(b);
}

/* Outside PID 1 the binary only describes itself. */
static int describe(int argc, char **argv)
{
	const struct config_key *k;
	int i;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "--keys"))) {
		printf("minboot-init: PID 1 of a minboot appliance. Settings (kernel command line, "
		       "/etc/minboot.conf; see minboot-init(8)):\n");
		for (i = 0; (k = config_key_at(i)); i++)
			printf("  %s%s%s\n", k->name, *k->arg ? "=" : "", k->arg);
		return 0;
	}
	err("the init must run as PID 1 (the kernel's /init); see minboot-init(8) or --help");
	return 100;
}

int init_main(int argc, char **argv)
{
	static struct boot b; /* large: keep it off the stack */

	if (getpid() != 1)
		return describe(argc, argv);
	boot_run(&b, &machine_sys, argv);
	return 0; /* not reached: step_shutdown never returns on a real machine */
}
