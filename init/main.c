/* minboot's PID 1: the whole boot on one screen.  PID 1 never exits: a step that cannot go on
 * sets st.fatal, the remaining boot steps are skipped and the machine is shut down with the
 * reason on the console. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

static struct init_state st; /* large: keep it off the stack */

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
	(void)argc;
	if (getpid() != 1)
		return describe(argc, argv);
	step_early(&st);
	step_config(&st);
	if (!st.fatal[0])
		step_root(&st);
	if (!st.fatal[0])
		step_modules(&st);
	if (!st.fatal[0])
		step_switch_root(&st, argv);
	if (!st.fatal[0])
		step_storage(&st);
	/* With socket activation (minboot.listen) the payload starts before the network: its sockets
	 * are bound to every address, so they accept from the moment an address is up, and its own
	 * start-up overlaps the wait for carrier and DHCP.  Signals wait in the signalfd meanwhile. */
	if (!st.fatal[0] && !st.cfg.listen[0])
		step_network(&st);
	if (!st.fatal[0])
		step_payload(&st);
	if (!st.fatal[0] && st.cfg.listen[0])
		step_network(&st);
	if (!st.fatal[0])
		step_supervise(&st);
	step_shutdown(&st);
	return 0; /* not reached: step_shutdown never returns */
}
