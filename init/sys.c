#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "init/sys.h"

static int sys_reboot(int cmd)
{
	return reboot(cmd);
}

struct sys_ops sys = {
	.mount = mount,
	.umount2 = umount2,
	.reboot = sys_reboot,
	.sync = sync,
};
