/* --format ext2: the image as a root filesystem (OUT, made with mke2fs -d from e2fsprogs) and a
 * small initramfs (OUT.initrd) holding only the init, the modules and the settings it needs to
 * mount that disk and switch to it (root=UUID=...).  For payloads too big to hold in RAM: the
 * disk's pages are read on demand and can be dropped, where an initramfs stays in RAM whole.
 *
 * Reproducible: the UUID and the directory hash seed come from the content's digest, mke2fs
 * runs with E2FSPROGS_FAKE_TIME, the tree's mtimes and atimes are SOURCE_DATE_EPOCH; mke2fs -d
 * copies each inode's ctime from the tree, which is the wall clock, so debugfs sets them
 * afterwards (Yocto's way).  Both outputs are committed together (emit.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/emit.h"

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

/* The small initramfs: the layout, the init, the modules, and settings pointing at the disk
 * (rootfstype fstype; a read-only one under a tmpfs overlay, minboot.root-overlay=1). */
int root_initrd_plan(const struct plan *p, struct plan *s, const char *uuid, const char *fstype)
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
	n = snprintf(conf, sizeof(conf), "# the initramfs of a root disk appliance: mount the disk, run its /init\n"
		     "root=UUID=%s\nrootfstype=%s\n%s", uuid, fstype,
		     strcmp(fstype, "ext4") ? "minboot.root-overlay=1\n" : "");
	if (!r)
		r = plan_add_data(s, "/etc/minboot.conf", conf, n, 0644, "settings");
	return r ? r : plan_finish(s);
}

int ext2_initrd_plan(const struct plan *p, struct plan *s, const char *uuid)
{
	return root_initrd_plan(p, s, uuid, "ext4");
}

/* A version 4 UUID from the content: the same inputs give the same disk. */
void root_uuid(const unsigned char h[DIGEST_LEN], char uuid[40])
{
	snprintf(uuid, 40, "%02x%02x%02x%02x-%02x%02x-4%x%02x-%x%x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6] & 15, h[7], 8 | (h[8] & 3), h[9] & 15, h[10],
		 h[11], h[12], h[13], h[14], h[15], h[16]);
}

/* debugfs's command line: a path in double quotes, a quote doubled. */
static void put_quoted(FILE *f, const char *path)
{
	fputc('"', f);
	for (; *path; path++) {
		if (*path == '"')
			fputc('"', f);
		fputc(*path, f);
	}
	fputc('"', f);
}

static int fix_ctimes(const struct plan *p, const char *img, const char *script, const char *epoch, int verbose)
{
	char *const argv[] = { "debugfs", "-w", "-f", (char *)script, (char *)img, NULL };
	const char *env[] = { epoch, NULL };
	FILE *f = fopen(script, "we");
	size_t i;
	int r;

	if (!f) {
		err("unable to write %s: %s", script, strerror(errno));
		return -errno;
	}
	fprintf(f, "sif / ctime %s\nsif /lost+found ctime %s\n", epoch + strlen("E2FSPROGS_FAKE_TIME="),
		epoch + strlen("E2FSPROGS_FAKE_TIME="));
	for (i = 0; i < p->n; i++) {
		if (p->v[i].type == E_CHR && geteuid() != 0)
			continue; /* not in the tree */
		if (!strcmp(p->v[i].dst, "/"))
			continue;
		fputs("sif ", f);
		put_quoted(f, p->v[i].dst);
		fprintf(f, " ctime %s\n", epoch + strlen("E2FSPROGS_FAKE_TIME="));
		/* owners from the plan, not from the tree: right as any user */
		fputs("sif ", f);
		put_quoted(f, p->v[i].dst);
		fprintf(f, " uid %u\nsif ", (unsigned)p->v[i].uid);
		put_quoted(f, p->v[i].dst);
		fprintf(f, " gid %u\n", (unsigned)p->v[i].gid);
	}
	if (fclose(f) != 0) {
		err("unable to write %s: %s", script, strerror(errno));
		return -errno;
	}
	r = tool_run(argv, env, verbose);
	if (r == -ENOENT)
		err("--format ext2: debugfs is missing (package e2fsprogs)");
	return r;
}

/* The root filesystem (also --format disk's root partition). */
int ext2_root_write(struct emit *e, const char *path, char *uuid)
{
	char tree[PATH_MAX], script[PATH_MAX], size[32], epoch[48], opts[128];
	const unsigned char *h = e->content;
	size_t i;
	int r;

	for (i = 0; i < e->plan->n; i++)
		if (strchr(e->plan->v[i].dst, '\n')) {
			err("--format %s: %s: a newline in a path (debugfs cannot name it)", e->em->format, e->plan->v[i].dst);
			return -EINVAL;
		}
	root_uuid(h, uuid);
	snprintf(epoch, sizeof(epoch), "E2FSPROGS_FAKE_TIME=%u", e->mtime ? e->mtime : 1);
	snprintf(size, sizeof(size), "%lluk", size_kib(e->plan));
	snprintf(opts, sizeof(opts), "root_owner=0:0,hash_seed=%s", uuid);
	if ((r = emit_scratch(e, "tree", tree, sizeof(tree))) < 0) {
		err("unable to write %s: %s", e->out[0], strerror(-r));
		return r;
	}
	snprintf(script, sizeof(script), "%s/debugfs.cmd", e->stage.path);
	if ((r = tree_write(e->plan, tree, tree, e->mtime, 1)) < 0)
		return r;
	{
		char *const argv[] = { "mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-m", "0",
				       "-L", "minboot", "-U", uuid, "-E", opts, "-d", tree, (char *)path, size, NULL };
		const char *env[] = { epoch, NULL };
		r = tool_run(argv, env, e->opts->verbose);
	}
	if (r == -ENOENT)
		err("--format %s: mke2fs is missing (package e2fsprogs)", e->em->format);
	if (!r)
		r = fix_ctimes(e->plan, path, script, epoch, e->opts->verbose);
	if (r) {
		if (r == -EIO)
			err("unable to write %s (the messages above say why; -v shows everything)", e->out[0]);
		return r;
	}
	rm_tree(tree); /* not needed any more: free the space before the initramfs is written */
	return 0;
}

static int ext2_emit(struct emit *e)
{
	struct plan small = { 0 };
	char uuid[40];
	int r;

	if ((r = ext2_root_write(e, e->staged[0], uuid)) == 0 && (r = ext2_initrd_plan(e->plan, &small, uuid)) == 0)
		r = initramfs_write(e, &small, e->staged[1], e->out[1]);
	if (!r)
		info("wrote %s: ext2 root filesystem (UUID %s)", e->out[0], uuid);
	free(small.v);
	return r;
}

const struct emitter emitter_ext2 = {
	.format = "ext2",
	.outputs = { "", ".initrd" },
	.tools = { "mke2fs", "debugfs" },
	.emit = ext2_emit,
};
