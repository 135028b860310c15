/* --format ext2: the image as a root filesystem (OUT, made with mke2fs -d from e2fsprogs) and a
 * small initramfs (OUT.initrd) holding only the init, the modules and the settings it needs to
 * mount that disk and switch to it (root=UUID=...).  For payloads too big to hold in RAM: the
 * disk's pages are read on demand and can be dropped, where an initramfs stays in RAM whole. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/opts.h"
#include "pack/pack.h"


/* Room for the files, their inodes and the metadata, and some to write into. */
static unsigned long long size_kib(const struct plan *p)
{
	unsigned long long bytes = 0;
	struct stat st;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct entry *e = &p->v[i];
		if (e->src && stat(e->src, &st) == 0)
			bytes += ((unsigned long long)st.st_size + 4095) / 4096 * 4096;
		else
			bytes += 4096;
	}
	return bytes / 1024 * 11 / 10 + 16384;
}

/* The small initramfs: the layout, the init, the modules, and settings pointing at the disk. */
static int small_plan(const struct plan *p, struct plan *s, const char *uuid)
{
	char conf[256];
	size_t i;
	int n, r = 0;

	for (i = 0; i < p->n && !r; i++) {
		const struct entry *e = &p->v[i];
		if (e->type != E_FILE || !strcmp(e->dst, "/init") || !strncmp(e->dst, "/lib/modules/", 13)) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 64;
				if (!(s->v = realloc(s->v, s->cap * sizeof(*s->v))))
					abort();
			}
			s->v[s->n] = *e;
			s->v[s->n].seq = s->n;
			s->n++;
		}
	}
	n = snprintf(conf, sizeof(conf), "# the initramfs of an ext2 appliance: mount the disk, run its /init\n"
		     "root=UUID=%s\nrootfstype=ext4\n", uuid);
	if (!r)
		r = plan_add_data(s, "/etc/minboot.conf", conf, n, 0644, "settings");
	return r ? r : plan_finish(s);
}

int ext2_emit(const struct plan *p, struct pack_opts *o)
{
	char work[PATH_MAX - 64], tree[PATH_MAX], img[PATH_MAX], uuid[40], size[32], epoch[16];
	char initrd[PATH_MAX], opts[128];
	const char *out = o->output;
	uint64_t h = hash_init();
	struct plan small = { 0 };
	size_t i;
	int r;

	/* A UUID from the image's paths: the same inputs give the same disk. */
	for (i = 0; i < p->n; i++)
		h = hash_bytes(h, p->v[i].dst, strlen(p->v[i].dst) + 1);
	snprintf(uuid, sizeof(uuid), "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h >> 32),
		 (unsigned)(h >> 16) & 0xffff, (unsigned)h & 0xfff, (unsigned)(h >> 44) & 0xfff,
		 (unsigned long long)(h & 0xffffffffffffULL));
	snprintf(epoch, sizeof(epoch), "%u", source_date_epoch_value() ? source_date_epoch_value() : 1);
	snprintf(work, sizeof(work), "%s.tmp.XXXXXX", out);
	if (!mkdtemp(work)) {
		err("unable to create %s: %s", work, strerror(errno));
		return -errno;
	}
	snprintf(tree, sizeof(tree), "%s/tree", work);
	snprintf(img, sizeof(img), "%s/disk", work);
	snprintf(size, sizeof(size), "%lluk", size_kib(p));
	snprintf(opts, sizeof(opts), "root_owner=0:0,hash_seed=%s", uuid);
	r = mkdir(tree, 0755) < 0 ? -errno : tree_write(p, tree, source_date_epoch_value());
	if (!r) {
		char *const argv[] = { "mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-m", "0",
				       "-L", "minboot", "-U", uuid, "-E", opts, "-d", tree, img, size, NULL };
		r = tool_run(argv, "E2FSPROGS_FAKE_TIME", epoch, o->verbose);
		if (r == -ENOENT)
			err("--format ext2: mke2fs is missing (package e2fsprogs)");
		else if (r)
			err("--format ext2: mke2fs failed (-v shows its messages)");
	}
	if (!r && rename(img, out) < 0)
		r = -errno;
	{
		char *const rm[] = { "rm", "-rf", "--", work, NULL };
		tool_run(rm, NULL, NULL, 0);
	}
	if (r)
		return r;
	info("wrote %s: ext2 root filesystem (UUID %s, %s)", out, uuid, size);
	if ((r = small_plan(p, &small, uuid)) < 0)
		return r;
	snprintf(initrd, sizeof(initrd), "%s.initrd", out);
	o->output = initrd;
	r = segments_emit(&small, o);
	o->output = out;
	return r;
}
