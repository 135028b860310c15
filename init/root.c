/* Step 3: a writable /.  An initramfs root is already writable; a root= disk or ramdisk is
 * mounted read-only by the kernel unless "rw" was given, and minboot payloads expect to write. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "common/log.h"
#include "init/init.h"
#include "init/sys.h"

void step_root(struct init_state *st)
{
	struct statvfs sv;

	if (st->cfg.rw == 0)
		return; /* "ro": leave it as the kernel mounted it */
	if (statvfs("/", &sv) < 0) {
		warn("unable to stat /: %s", strerror(errno));
		return;
	}
	if (!(sv.f_flag & ST_RDONLY))
		return;
	if (sys.mount(NULL, "/", "", MS_REMOUNT, NULL) < 0)
		err("unable to remount / read-write: %s", strerror(errno));
	else
		info("remounted / read-write");
}
