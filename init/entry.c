/* One static binary, three programs: argv[0] picks init, modload or netcfg. */
#include <string.h>

#include "common/log.h"
#include "init/init.h"
#include "modload/modload.h"
#include "netcfg/netcfg.h"

int main(int argc, char **argv)
{
	const char *name = argc > 0 && argv[0] ? argv[0] : "init";
	const char *slash = strrchr(name, '/');

	if (slash)
		name = slash + 1;
	if (!strcmp(name, "modload")) {
		log_prog = "modload";
		return modload_main(argc, argv);
	}
	if (!strcmp(name, "netcfg")) {
		log_prog = "netcfg";
		return netcfg_main(argc, argv);
	}
	return init_main(argc, argv);
}
