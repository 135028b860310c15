#ifndef MINBOOT_MODLOAD_H
#define MINBOOT_MODLOAD_H
/* The modload tool's entry (argv[0] == "modload"). */
int modload_main(int argc, char **argv);
#endif
