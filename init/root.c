/* Step 3: a writable /.  An initramfs root is already writable; a root= disk or ramdisk is
 * mounted read-only by the kernel unless "rw" was given, and minboot payloads expect to write. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include "common/log.h"
#include "init/init.h"

int step_root(struct boot *b)
{
	char root[MACHINE_PATH];
	struct statfs sf;

	if (b->cfg.rw == 0)
		return 0; /* "ro": leave it as the kernel mounted it */
	machine_path(b->m, "/", root);
	if (b->m->statfs(root, &sf) < 0) {
		warn("unable to stat /: %s", strerror(errno));
		return 0;
	}
	if (!(sf.f_flags & ST_RDONLY))
		return 0;
	if (b->m->mount(NULL, root, "", MS_REMOUNT, NULL) < 0)
		err("unable to remount / read-write: %s", strerror(errno));
	else
		info("remounted / read-write");
	return 0;
}
