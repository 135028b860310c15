/* The seam between PID 1 and the machine: every call that changes the machine goes through this
 * table, so unit tests can record the calls instead of making them. */
#ifndef MINBOOT_SYS_H
#define MINBOOT_SYS_H

struct sys_ops {
	int (*mount)(const char *src, const char *dst, const char *type, unsigned long flags,
		     const void *data);
	int (*umount2)(const char *target, int flags);
	int (*reboot)(int cmd);
	void (*sync)(void);
};

extern struct sys_ops sys;

#endif
