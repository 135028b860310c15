/* minboot's PID 1: the whole boot on one screen.  PID 1 never exits: a step that cannot go on
 * sets st.fatal, the remaining boot steps are skipped and the machine is shut down with the
 * reason on the console. */
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

static struct init_state st; /* large: keep it off the stack */

int init_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (getpid() != 1) {
		err("the init must run as PID 1 (the kernel's /init); see minboot-init(8)");
		return 100;
	}
	step_early(&st);
	step_config(&st);
	if (!st.fatal[0])
		step_root(&st);
	if (!st.fatal[0])
		step_payload(&st);
	if (!st.fatal[0])
		step_supervise(&st);
	step_shutdown(&st);
	return 0; /* not reached: step_shutdown never returns */
}
