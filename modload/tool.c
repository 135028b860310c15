#include <stdio.h>

#include "modload/modload.h"

/* Not implemented yet: module loading lands with its own issue.  Say so rather than pretend. */
int modload_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	fputs("usage: modload [-d ROOT] [-S KVER] [--show-depends] NAME|ALIAS [param=value...]\n"
	      "modload: not implemented yet in this build\n", stderr);
	return 2;
}
