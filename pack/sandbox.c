/* The sandbox --trace runs the payload in: PID 1 of new PID, mount, network, UTS and IPC
 * namespaces (made by pack/trace.c), which sets up its own root and then traces.
 *
 *   host root (read-only)  --overlayfs, tmpfs upper-->  the new root; each other host mount
 *                                                        (not /proc /sys /dev /run /tmp) too
 *   the plan so far        --bind (read-only) / write-->  where the image will have it
 *   /proc /sys(ro) /dev(minimal) /tmp /run                fresh, as the guest's
 *   network                                               loopback only, up
 *
 * Every mount lives in the namespace: when its last process dies (PID 1's death kills the rest),
 * they go with it.  The staging tmpfs is mounted over /proc inside the namespace, so nothing is
 * made on the host even for a moment. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "pack/pack.h"
#include "pack/trace.h"

#define STAGE "/proc"          /* in the namespace only: see above */
#define OLDROOT "/.minboot-oldroot"

/* Mounts not carried into the sandbox: made fresh there, or the host's and not the image's. */
static const char *const pseudo_fs[] = {
	"proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
	"tracefs", "pstore", "bpf", "mqueue", "hugetlbfs", "fusectl", "configfs", "binfmt_misc",
	"autofs", "nsfs", "efivarfs", "rpc_pipefs", "selinuxfs",
};

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static int sys_fail(const char *what, const char *path)
{
	int e = errno;

	err("--trace: unable to %s %s: %s", what, path, strerror(e));
	return -e;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static int is_pseudo(const char *fstype)
{
	unsigned i;

	for (i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (!strcmp(fstype, pseudo_fs[i]))
			return 1;
	return 0;
}

/* One host mount below the root: an overlay of its own (writes to the tmpfs), or a read-only bind
 * when the host's is read-only or overlayfs refuses it. */
static int layer_mount(const char *mp, int ro, int n)
{
	char target[PATH_MAX], up[64], work[64], opts[PATH_MAX + 160];

	if (snprintf(target, sizeof(target), STAGE "/r%s", mp) >= (int)sizeof(target))
		return 0;
	snprintf(up, sizeof(up), STAGE "/u%d", n);
	snprintf(work, sizeof(work), STAGE "/w%d", n);
	if (!ro && !strpbrk(mp, ",:\\") && mkdir(up, 0755) == 0 && mkdir(work, 0755) == 0 &&
	    snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", mp, up, work) < (int)sizeof(opts) &&
	    mount("overlay", target, "overlay", 0, opts) == 0)
		return 0;
	if (mount(mp, target, NULL, MS_BIND, NULL) < 0)
		return 0; /* a mount point the root's overlay does not show: left out */
	mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	return 0;
}

/* The host's other mounts, from its mountinfo, each once (the topmost is what a path shows);
 * read before the staging tmpfs covers /proc.  "\n"-separated "R PATH" lines, R 1 read-only. */
static char *layers_read(void)
{
	char *line = NULL, *f[6], *sep, *save, *out = NULL, *fstype;
	struct smap done = { 0 };
	size_t cap = 0, len = 0;
	int i;
	FILE *mi = fopen("/proc/self/mountinfo", "re"), *o = open_memstream(&out, &len);

	if (!mi || !o) {
		sys_fail("read", "/proc/self/mountinfo");
		return NULL;
	}
	while (getline(&line, &cap, mi) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!(sep = strstr(line, " - ")))
			continue;
		*sep = '\0';
		save = NULL;
		for (i = 0, f[0] = strtok_r(line, " ", &save); f[i] && i < 5; i++)
			f[i + 1] = strtok_r(NULL, " ", &save);
		fstype = strtok_r(sep + 3, " ", &save);
		if (i < 5 || !f[5] || !fstype)
			continue;
		unescape(f[4]);
		if (!strcmp(f[4], "/") || trace_skipped(f[4]) || is_pseudo(fstype) || smap_get(&done, f[4]))
			continue;
		smap_put(&done, f[4], NULL);
		fprintf(o, "%d %s\n", !strncmp(f[5], "ro", 2) && (f[5][2] == ',' || !f[5][2]), f[4]);
	}
	free(line);
	fclose(mi);
	fclose(o);
	return out;
}

static void layers_mount(char *list)
{
	char *line, *save = NULL;
	int n = 1;

	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		layer_mount(line + 2, line[0] == '1', n++);
}

static int root_make(void)
{
	if (mount("minboot-trace", STAGE, "tmpfs", 0, "mode=0700") < 0)
		return sys_fail("mount a tmpfs on", STAGE);
	if (mkdir(STAGE "/r", 0755) < 0 || mkdir(STAGE "/u0", 0755) < 0 || mkdir(STAGE "/w0", 0755) < 0)
		return sys_fail("make directories in", STAGE);
	if (mount("overlay", STAGE "/r", "overlay", 0, "lowerdir=/,upperdir=" STAGE "/u0,workdir=" STAGE "/w0") < 0)
		return sys_fail("mount an overlay of the host root on", STAGE "/r");
	return 0;
}

/* The guest's devtmpfs holds the VM's devices; the sandbox's /dev holds only the host's harmless
 * ones (no disk, no console). */
static int dev_make(const struct policy_mount *m)
{
	char src[64], dst[64];
	unsigned i;
	int fd;

	if (mount("tmpfs", m->dst, "tmpfs", m->flags, m->data) < 0)
		return sys_fail("mount a tmpfs on", m->dst);
	for (i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(src, sizeof(src), OLDROOT "/dev/%s", dev_nodes[i]);
		snprintf(dst, sizeof(dst), "/dev/%s", dev_nodes[i]);
		if ((fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666)) >= 0)
			close(fd);
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return sys_fail("bind", dst);
	}
	symlink("pts/ptmx", "/dev/ptmx");
	return 0;
}

/* The guest's early mounts (common/policy.c), fresh: /sys read-only (it is the host's), a minimal
 * /dev; then the links into /proc the guest has. */
static int fresh_mounts(void)
{
	const struct policy_mount *m;
	const struct policy_link *l;
	int r;

	for (m = policy_early_mounts; m->src; m++) {
		mkdir(m->dst, 0755);
		if (!strcmp(m->type, "devtmpfs")) {
			if ((r = dev_make(m)) < 0)
				return r;
		} else if (mount(m->src, m->dst, m->type, m->flags | (!strcmp(m->type, "sysfs") ? MS_RDONLY : 0),
				 m->data) < 0) {
			if (!strcmp(m->type, "tmpfs") || !strcmp(m->type, "proc"))
				return sys_fail("mount", m->dst);
			warn("--trace: unable to mount %s in the sandbox: %s", m->dst, strerror(errno));
		}
	}
	for (l = policy_early_links; l->target; l++)
		symlink(l->target, l->path);
	return 0;
}

static void parents_make(const char *path)
{
	char buf[PATH_MAX], *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
}

/* Make room for a new file or link at path: a symlink or file there goes (a whiteout in the
 * overlay), a directory stays and the entry is not laid. */
static int room_make(const char *path, int keep_file)
{
	struct stat st;

	parents_make(path);
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (keep_file && S_ISREG(st.st_mode))
		return 0;
	return unlink(path) < 0 ? -errno : 0;
}

static int lay_data(const struct entry *e)
{
	int fd, r = room_make(e->dst, 0);
	ssize_t n = 0;

	if (r < 0)
		return r;
	if ((fd = open(e->dst, O_CREAT | O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, e->perm)) < 0)
		return -errno;
	if (e->len)
		n = write(fd, e->data, e->len);
	close(fd);
	return n == (ssize_t)e->len ? 0 : -EIO;
}

/* A host file the image holds elsewhere (a --file SRC:DST, an overlay's file): bound read-only
 * at its place, so a write from the payload never reaches the host. */
static int lay_file(const struct entry *e, const char *cwd)
{
	char src[PATH_MAX * 2];
	int fd, r;

	if (e->src[0] == '/')
		snprintf(src, sizeof(src), OLDROOT "%s", e->src);
	else
		snprintf(src, sizeof(src), OLDROOT "%s/%s", cwd, e->src);
	if ((r = room_make(e->dst, 1)) < 0)
		return r;
	if ((fd = open(e->dst, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		return -errno;
	close(fd);
	if (mount(src, e->dst, NULL, MS_BIND, NULL) < 0)
		return -errno;
	mount(NULL, e->dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	return 0;
}

static int lay_link(const struct entry *e)
{
	char *now = link_read(e->dst, 0);
	int r;

	if (now && !strcmp(now, e->data)) {
		free(now);
		return 0;
	}
	free(now);
	if ((r = room_make(e->dst, 0)) < 0)
		return r;
	return symlink(e->data, e->dst) < 0 ? -errno : 0;
}

/* A path on one of the sandbox's fresh tmpfs mounts does not show the host's file even when the
 * image takes it from the same path. */
static int fresh_path(const char *p)
{
	const struct policy_mount *m;
	size_t l;

	for (m = policy_early_mounts; m->src; m++)
		if (!strcmp(m->type, "tmpfs") && !strncmp(p, m->dst, l = strlen(m->dst)) && (p[l] == '/' || !p[l]))
			return 1;
	return 0;
}

static int lay_one(const struct entry *e, const char *cwd)
{
	struct stat st;

	if (!strcmp(e->dst, "/") || (trace_skipped(e->dst) && !fresh_path(e->dst)))
		return 0;
	if (e->type == E_SYMLINK)
		return lay_link(e);
	if (e->type != E_FILE)
		return 0; /* directories come as parents; device nodes are /dev's */
	if (e->data || !e->src)
		return lay_data(e);
	if (!strcmp(e->src, e->dst) && !fresh_path(e->dst) && lstat(e->dst, &st) == 0 && S_ISREG(st.st_mode))
		return 0; /* the host's own file, already there (not a host symlink the image dereferences) */
	return lay_file(e, cwd);
}

static int by_dst_seq(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	int c = strcmp(x->dst, y->dst);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The plan so far, laid where the image will have it: each path's last entry wins, as in
 * plan_finish.  A path the sandbox cannot lay is reported and the trace goes on. */
static void plan_lay(const struct plan *p, const char *cwd, int verbose)
{
	const struct entry **v = malloc((p->n + 1) * sizeof(*v));
	size_t i;
	int r;

	if (!v)
		abort();
	for (i = 0; i < p->n; i++)
		v[i] = &p->v[i];
	qsort(v, p->n, sizeof(*v), by_dst_seq);
	for (i = 0; i < p->n; i++) {
		if (i + 1 < p->n && !strcmp(v[i]->dst, v[i + 1]->dst))
			continue;
		if ((r = lay_one(v[i], cwd)) < 0 && verbose)
			warn("--trace: %s (%s) is not in the sandbox: %s", v[i]->dst, v[i]->why, strerror(-r));
	}
	free(v);
}

static int loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return sys_fail("open a socket for", "lo");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0))
		r = sys_fail("bring up", "lo");
	close(s);
	return r;
}

int sandbox_enter(const struct trace_job *j)
{
	char cwd[PATH_MAX], *layers;
	int r;

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (!(layers = layers_read()))
		return -EIO;
	r = root_make();
	if (r == 0)
		layers_mount(layers);
	free(layers);
	if (r < 0)
		return r;
	if (mkdir(STAGE "/r" OLDROOT, 0700) < 0)
		return sys_fail("make", OLDROOT);
	if (syscall(SYS_pivot_root, STAGE "/r", STAGE "/r" OLDROOT) < 0)
		return sys_fail("change the root to", STAGE "/r");
	if (chdir("/") < 0)
		return sys_fail("enter", "/");
	if ((r = fresh_mounts()) < 0)
		return r;
	plan_lay(j->plan, cwd, j->verbose);
	if (umount2(OLDROOT, MNT_DETACH) < 0)
		return sys_fail("detach the host root from", OLDROOT);
	rmdir(OLDROOT);
	return loopback_up();
}
