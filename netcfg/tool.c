#include <stdio.h>

#include "netcfg/netcfg.h"

/* Not implemented yet: network configuration lands with its own issue.  Say so. */
int netcfg_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	fputs("usage: netcfg [--dry-run] 'ip=SPEC'...\n"
	      "netcfg: not implemented yet in this build\n", stderr);
	return 2;
}
