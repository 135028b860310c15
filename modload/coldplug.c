/* Coldplug without udev: every device the kernel has found publishes the module alias of the
 * driver it wants in its modalias attribute; probing those names loads the drivers.  The first
 * pass reads the devices sysfs lists; the devices those drivers add in turn (a bus's children,
 * an input device) announce themselves on the kernel's uevent socket, opened before that first
 * pass, so the next passes read the MODALIAS= of those messages instead of reading sysfs again
 * (which they still do when there is no socket, or when the kernel dropped messages). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "modload/internal.h"

struct dev {
	char *path;
	char *alias;
};

struct found {
	struct dev *v;           /* every modalias seen, across passes */
	int n, cap;
	int first_new;           /* this pass's new ones start here */
};

static int seen(const struct found *w, const char *alias)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].alias, alias))
			return 1;
	return 0;
}

static int add(struct found *w, const char *path, char *alias)
{
	alias[strcspn(alias, "\n")] = '\0';
	if (!alias[0] || seen(w, alias))
		return 0;
	if (w->n == w->cap) {
		void *v = realloc(w->v, (size_t)(w->cap = w->cap ? w->cap * 2 : 64) * sizeof(*w->v));

		if (!v)
			return -ENOMEM;
		w->v = v;
	}
	w->v[w->n].path = strdup(path);
	w->v[w->n].alias = strdup(alias);
	if (!w->v[w->n].path || !w->v[w->n].alias)
		return -ENOMEM;
	w->n++;
	return 0;
}

/* The devices listed in path (links to their directories): each one's modalias, with one openat
 * and one read (a sysfs attribute is at most a page and comes whole from the first read): there
 * are a hundred or more, and under emulation each system call counts. */
static int scan_links(struct found *w, char *path, size_t len)
{
	char text[4096 + 1];
	struct dirent *d;
	DIR *dir = opendir(path);
	ssize_t got;
	int r = 0, fd;

	if (!dir)
		return 0; /* devices come and go while we look */
	while (r >= 0 && (d = readdir(dir))) {
		size_t n = strlen(d->d_name);

		if (d->d_name[0] == '.' || len + n + 12 >= PATH_MAX)
			continue;
		memcpy(text, d->d_name, n);
		memcpy(text + n, "/modalias", 10);
		if ((fd = openat(dirfd(dir), text, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
			continue;
		got = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (got <= 0)
			continue;
		text[got] = '\0';
		path[len] = '/';
		memcpy(path + len + 1, d->d_name, n + 1);
		r = add(w, path, text);
	}
	path[len] = '\0';
	closedir(dir);
	return r;
}

/* Where the modaliases are: every device a driver binds to sits on a bus, and each bus lists
 * its devices in /sys/bus/B/devices.  Two more places hold one: input devices (a class, for
 * evdev and joydev) and the CPU subsystem's root (x86cpu: aliases: aesni_intel, kvm_intel...).
 * Under emulation this reads a tenth of the entries a walk of all /sys/devices reads (about
 * 130 against 1,700 on QEMU's pc machine) in half the time. */
static int scan(struct found *w, const char *root)
{
	static const char *const extra[] = { "/sys/class/input", "/sys/devices/system" };
	char path[PATH_MAX];
	struct dirent *d;
	size_t len;
	DIR *dir;
	int r = 0;
	unsigned i;

	if (snprintf(path, sizeof(path), "%s/sys/bus", root) >= (int)sizeof(path) - 32)
		return -ENAMETOOLONG;
	len = strlen(path);
	dir = opendir(path);
	while (dir && r >= 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || snprintf(path + len, sizeof(path) - len, "/%s/devices", d->d_name) >=
						    (int)(sizeof(path) - len - 32))
			continue;
		r = scan_links(w, path, strlen(path));
	}
	if (dir)
		closedir(dir);
	for (i = 0; r >= 0 && i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, extra[i]);
		r = scan_links(w, path, strlen(path));
	}
	return r;
}

char *mod_uevent_added(char *msg, int len, const char **devpath)
{
	const char *action = NULL;
	char *alias = NULL, *p = msg, *end = msg + len;

	*devpath = NULL;
	msg[len - 1] = '\0'; /* the caller leaves room: a record never runs past the buffer */
	for (; p < end; p += strlen(p) + 1) {
		if (!strncmp(p, "ACTION=", 7))
			action = p + 7;
		else if (!strncmp(p, "DEVPATH=", 8))
			*devpath = p + 8;
		else if (!strncmp(p, "MODALIAS=", 9))
			alias = p + 9;
	}
	return action && !strcmp(action, "add") && *devpath ? alias : NULL;
}

static int from_message(struct found *w, char *msg, int len)
{
	const char *devpath;
	char *alias = mod_uevent_added(msg, len, &devpath), path[PATH_MAX];

	if (!alias)
		return 0;
	snprintf(path, sizeof(path), "/sys%s", devpath);
	return add(w, path, alias);
}

/* Every queued message; 1 when some were lost (the caller reads sysfs instead), else 0 or -errno. */
static int drain(struct mod_ctx *c, int fd, struct found *w)
{
	char buf[8192 + 1];
	int n, lost = 0, r = 0;

	while (r >= 0 && (n = c->ops->uevent_recv(fd, buf, sizeof(buf) - 1)) != -EAGAIN) {
		if (n == -ENOBUFS || n == -EINTR) {
			lost |= n == -ENOBUFS;
			continue;
		}
		if (n < 0)
			return 1; /* an unexpected error: read sysfs */
		buf[n] = '\0';
		r = n ? from_message(w, buf, n + 1) : 0;
	}
	return r < 0 ? r : lost;
}

static int dev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dev *)a)->path, ((const struct dev *)b)->path);
}

/* ---- a pass's drivers in parallel (ctx->jobs) ---- */

/* The classes whose drivers load in one process, in path order: the kernel names the devices
 * of a class (eth0, eth1; sda, sdb) in the order their drivers probe them. */
static const char *const classes[] = {
	"drivers/net/",
	"drivers/ata/ drivers/scsi/ drivers/block/ drivers/nvme/ drivers/mmc/ drivers/usb/storage/",
};
#define NCLASSES (int)(sizeof(classes) / sizeof(classes[0]))

struct plan {
	int would;               /* steps a dry run showed: modules this alias would insert */
	const char *last;        /* the last one's path (the alias's own module) */
	char last_buf[PATH_MAX];
};

static void plan_show(void *arg, const struct mod_step *s)
{
	struct plan *p = arg;

	p->would++;
	snprintf(p->last_buf, sizeof(p->last_buf), "%s", s->path ? s->path : "");
	p->last = p->last_buf;
}

/* What a helper reports back: its counts and the modules it inserted (by index). */
struct shared {
	int nloaded, nfailed, nskipped;
	unsigned char loaded[];
};

/* The aliases of this pass that would insert something, grouped (a class's in one group, the
 * others one group each) and the groups spread over up to c->jobs helpers; the rest probed
 * here.  0, or -errno when nothing was started (the caller then probes them all here). */
static int load_parallel(struct mod_ctx *c, struct found *w, int flags)
{
	void (*show)(void *, const struct mod_step *) = c->show;
	void *arg = c->arg;
	int n = w->n - w->first_new, i, j, k, ngroups = 0, nkids, skipped = c->nskipped;
	int *group = calloc((size_t)n + 1, sizeof(int)), pids[16];
	int class_group[NCLASSES];
	struct plan pl;
	struct shared *sh = NULL;
	size_t shsize = 0, stride;

	if (!group)
		return -ENOMEM;
	for (k = 0; k < NCLASSES; k++)
		class_group[k] = -1;
	c->show = plan_show;
	c->arg = &pl;
	for (i = 0; i < n; i++) { /* group[i]: -1 = nothing to insert */
		memset(&pl, 0, sizeof(pl));
		mod_probe(c, w->v[w->first_new + i].alias, NULL, flags | MOD_DRY_RUN);
		group[i] = -1;
		if (!pl.would)
			continue;
		for (k = 0; k < NCLASSES && !mod_path_in(classes[k], pl.last); k++)
			;
		if (k < NCLASSES && class_group[k] >= 0)
			group[i] = class_group[k];
		else if ((group[i] = ngroups++), k < NCLASSES)
			class_group[k] = group[i];
	}
	c->show = show;
	c->arg = arg;
	c->nskipped = skipped; /* the dry run counted them; the probes below count them again */
	nkids = ngroups < c->jobs ? ngroups : c->jobs;
	if (nkids > (int)(sizeof(pids) / sizeof(pids[0])))
		nkids = (int)(sizeof(pids) / sizeof(pids[0]));
	if (nkids < 2) {
		free(group);
		return -EAGAIN; /* one group or none: nothing to overlap */
	}
	stride = (sizeof(*sh) + (size_t)c->db.nmods + 7) & ~(size_t)7;
	shsize = stride * (size_t)nkids;
	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		free(group);
		return -errno;
	}
	for (k = 0; k < nkids; k++) {
		struct shared *mine = (struct shared *)((char *)sh + (size_t)k * stride);

		pids[k] = c->ops->fork();
		if (pids[k] == 0) {
			int before = c->nloaded, failed = c->nfailed;

			skipped = c->nskipped;
			if (c->forked)
				c->forked(c->arg);
			for (i = 0; i < n; i++)
				if (group[i] >= 0 && group[i] % nkids == k)
					mod_probe(c, w->v[w->first_new + i].alias, NULL, flags);
			mine->nloaded = c->nloaded - before;
			mine->nfailed = c->nfailed - failed;
			mine->nskipped = c->nskipped - skipped;
			for (j = 0; j < c->db.nmods; j++)
				mine->loaded[j] = c->db.mods[j].loaded;
			_exit(0);
		}
		c->nhelpers += pids[k] > 0;
		if (pids[k] < 0) /* this helper's share loads here, after the others have started */
			for (i = 0; i < n; i++)
				if (group[i] >= 0 && group[i] % nkids == k)
					mod_probe(c, w->v[w->first_new + i].alias, NULL, flags);
	}
	for (i = 0; i < n; i++) /* the aliases that insert nothing (blacklisted, skipped, loaded) */
		if (group[i] < 0)
			mod_probe(c, w->v[w->first_new + i].alias, NULL, flags);
	for (k = 0; k < nkids; k++) {
		struct shared *mine = (struct shared *)((char *)sh + (size_t)k * stride);
		int st;

		if (pids[k] <= 0 || c->ops->waitpid(pids[k], &st) < 0)
			continue;
		c->nloaded += mine->nloaded;
		c->nfailed += mine->nfailed;
		c->nskipped += mine->nskipped;
		for (j = 0; j < c->db.nmods; j++)
			c->db.mods[j].loaded |= mine->loaded[j];
	}
	if (c->joined)
		c->joined(c->arg);
	munmap(sh, shsize);
	free(group);
	return 0;
}

/* names NULL: the first pass reads sysfs; else it probes those modules. */
static int coldplug(struct mod_ctx *c, char *names, int flags, int max_passes, int *nalias)
{
	struct found w = { 0 };
	int pass, i, r = 0, fd = c->ops->uevent_open ? c->ops->uevent_open() : -ENOSYS;
	char *name, *save = NULL;

	for (pass = 1; pass <= max_passes; pass++) {
		int before = c->nloaded, scanned;

		w.first_new = w.n;
		if (pass == 1 && names) {
			for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save))
				mod_probe(c, name, NULL, flags | MOD_BLACKLIST);
			if (c->nloaded == before)
				break;
			continue;
		}
		scanned = !(fd >= 0 && pass > 1) || (r = drain(c, fd, &w)) > 0;
		if (scanned)
			r = scan(&w, c->root);
		if (r < 0)
			break;
		if (c->pass_done)
			c->pass_done(c->arg, pass, w.n - w.first_new, scanned);
		if (w.n > w.first_new)
			qsort(w.v + w.first_new, (size_t)(w.n - w.first_new), sizeof(*w.v), dev_cmp);
		if (c->jobs < 2 || !c->ops->fork || !c->ops->waitpid || load_parallel(c, &w, flags | MOD_BLACKLIST) < 0)
			for (i = w.first_new; i < w.n; i++)
				mod_probe(c, w.v[i].alias, NULL, flags | MOD_BLACKLIST); /* failures go to notice */
		if (c->nloaded == before)
			break;
	}
	if (fd >= 0)
		close(fd);
	if (nalias)
		*nalias = w.n;
	for (i = 0; i < w.n; i++) {
		free(w.v[i].path);
		free(w.v[i].alias);
	}
	free(w.v);
	return r < 0 ? r : pass > max_passes ? max_passes : pass;
}

int mod_coldplug(struct mod_ctx *c, int flags, int max_passes, int *nalias)
{
	return coldplug(c, NULL, flags, max_passes, nalias);
}

int mod_coldplug_names(struct mod_ctx *c, char *names, int flags, int max_passes)
{
	char none[1] = "";

	return coldplug(c, names ? names : none, flags, max_passes, NULL);
}
