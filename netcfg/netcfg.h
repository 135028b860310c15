#ifndef MINBOOT_NETCFG_H
#define MINBOOT_NETCFG_H
/* The netcfg tool's entry (argv[0] == "netcfg"). */
int netcfg_main(int argc, char **argv);
#endif
