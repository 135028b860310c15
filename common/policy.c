/* The policy tables (policy.h says what each is). */
#include <stddef.h>
#include <sys/mount.h>

#include "common/policy.h"

const struct policy_mount policy_early_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666" },
	{ "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
	{ NULL, NULL, NULL, 0, NULL },
};

const struct policy_link policy_early_links[] = {
	{ "/proc/self/fd", "/dev/fd" },
	{ "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" },
	{ "/proc/self/fd/2", "/dev/stderr" },
	{ NULL, NULL },
};

const char policy_early_modules[] = "net/ virtio/ block/ ata/ scsi/ nvme/ mmc/ md/ hv/ usb/ hw_random/ "
				   "virtio_console fs/";

const char *const policy_link_phy_first[] = { "e1000", NULL };
const char *const policy_jitter_modules[] = { "sha3_generic", "jitterentropy_rng", "algif_rng", NULL };

const char *const policy_root_fstypes[] = { "ext4", "ext2", "xfs", "btrfs", "vfat", NULL };
