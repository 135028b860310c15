/* modload against small fake trees: resolution order, softdeps, aliases, builtins, blacklist,
 * command-line options, loading through recorded calls (gzip, corrupt gzip, EEXIST, failures),
 * .modinfo scanning without indexes, and coldplug over a fake /sys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/cmdline.h"
#include "modload/modload.h"
#include "tests/unit/test.h"

static char root[256], dir[512];
static char shown[4096], calls[4096];
static int fail_with; /* -errno for the next insert of "bad" */

static void put(const char *rel, const void *data, size_t len)
{
	char path[1024], *s;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	fwrite(data, 1, len, f);
	fclose(f);
}
#define PUT(rel, str) put(rel, str, strlen(str))

/* A minimal ELF64 with one .modinfo section (of any size). */
static void put_ko(const char *rel, const char *info, size_t infolen)
{
	static const char names[] = "\0.shstrtab\0.modinfo";
	size_t shoff = 128 + ((infolen + 7) & ~(size_t)7), i, len = shoff + 3 * 64;
	unsigned char *b = calloc(1, len);

	memcpy(b, "\x7f" "ELF\2\1\1", 7);
	memcpy(b + 64, names, sizeof(names));
	memcpy(b + 128, info, infolen);
	*(unsigned long *)(b + 0x28) = shoff;       /* e_shoff */
	*(unsigned short *)(b + 0x3a) = 64;          /* e_shentsize */
	*(unsigned short *)(b + 0x3c) = 3;           /* e_shnum */
	*(unsigned short *)(b + 0x3e) = 1;           /* e_shstrndx */
	for (i = 1; i < 3; i++) {
		unsigned char *sh = b + shoff + 64 * i;

		*(unsigned *)sh = i == 1 ? 1 : 11;
		*(unsigned long *)(sh + 0x18) = i == 1 ? 64 : 128;
		*(unsigned long *)(sh + 0x20) = i == 1 ? sizeof(names) : infolen;
	}
	put(rel, b, len);
	free(b);
}

/* A file to write with fprintf (directories made). */
static FILE *create(const char *rel)
{
	put(rel, "", 0);
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return fopen(path, "w");
}

static int rec_finit(int fd, const char *params, int flags)
{
	char path[64], target[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "finit %s [%s] %d\n",
		 strrchr(target, '/') + 1, params, flags);
	if (strstr(target, "bad.ko") && fail_with)
		return fail_with;
	return 0;
}

static int rec_init(const void *img, unsigned long len, const char *params)
{
	snprintf(calls + strlen(calls), sizeof(calls) - strlen(calls), "init %lu %.4s [%s]\n", len,
		 (const char *)img + 1, params);
	return 0;
}

static const struct mod_ops rec_ops = { rec_finit, rec_init, NULL, NULL, NULL, NULL };

static void show(void *arg, const struct mod_step *s)
{
	(void)arg;
	if (s->path)
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "insmod %s %s\n",
			 s->path + strlen(dir) + 1, s->options);
	else if (s->builtin)
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "builtin %s\n", s->name);
}

/* show for the large trees: every line, counted (paths relative to udir) */
static struct { char *p; size_t n, cap; } ushown;
static int nshown;
static char udir[512];

static void show_u(void *arg, const struct mod_step *s)
{
	char line[8192];
	int n;

	(void)arg;
	if (s->path)
		n = snprintf(line, sizeof(line), "insmod %s %s\n", s->path + strlen(udir) + 1, s->options);
	else
		n = snprintf(line, sizeof(line), "builtin %s\n", s->name);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (ushown.n + (size_t)n + 1 > ushown.cap) {
		ushown.cap = (ushown.n + (size_t)n + 1) * 2;
		ushown.p = realloc(ushown.p, ushown.cap);
	}
	memcpy(ushown.p + ushown.n, line, (size_t)n + 1);
	ushown.n += (size_t)n;
	nshown++;
}

static void make_tree(void)
{
	strcpy(root, "/tmp/modload-unit.XXXXXX");
	if (!mkdtemp(root))
		exit(2);
	snprintf(dir, sizeof(dir), "%s/lib/modules/1.0", root);
	PUT("lib/modules/1.0/modules.dep",
	    "kernel/a.ko: kernel/b.ko kernel/c.ko\nkernel/b.ko: kernel/c.ko\nkernel/c.ko:\n"
	    "kernel/snd-x.ko:\nkernel/pre.ko:\nkernel/post.ko:\nkernel/gz.ko.gz:\nkernel/bad.ko:\n"
	    "kernel/nofile.ko:\n");
	PUT("lib/modules/1.0/modules.alias",
	    "alias pci:v00001234d*sv*sd*bc*sc*i* a\nalias pci:v*d*sv*sd*bc02sc*i* snd_x\n"
	    "alias pci:v00001234d00000001sv*sd*bc*sc*i* c\nalias fs-foo b\n");
	PUT("lib/modules/1.0/modules.softdep", "softdep a pre: pre post: post\n");
	PUT("lib/modules/1.0/modules.builtin", "kernel/drivers/core-thing.ko\n");
	PUT("lib/modules/1.0/kernel/a.ko", "A");
	PUT("lib/modules/1.0/kernel/b.ko", "B");
	PUT("lib/modules/1.0/kernel/c.ko", "C");
	PUT("lib/modules/1.0/kernel/pre.ko", "P");
	PUT("lib/modules/1.0/kernel/post.ko", "Q");
	PUT("lib/modules/1.0/kernel/bad.ko", "X");
	PUT("lib/modules/1.0/kernel/snd-x.ko", "S");
}

static struct mod_ctx c;

static void open_ctx(void)
{
	mod_ctx_close(&c);
	CHECK_INT(mod_ctx_open(&c, root, dir), 0);
	c.ops = &rec_ops;
	c.show = show;
	shown[0] = calls[0] = '\0';
}

static void show_depends_order(void)
{
	open_ctx();
	CHECK_INT(mod_probe(&c, "a", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(shown, "insmod kernel/c.ko \ninsmod kernel/b.ko \ninsmod kernel/pre.ko \n"
			 "insmod kernel/a.ko \ninsmod kernel/post.ko \n");
}

static void aliases_in_module_order(void)
{
	open_ctx(); /* matches come in modules.dep order (depmod's priority), not alias order */
	CHECK_INT(mod_probe(&c, "pci:v00001234d00000001sv0sd0bc02sc00i00", NULL,
			    MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK(strstr(shown, "insmod kernel/a.ko") < strstr(shown, "insmod kernel/snd-x.ko"));
	CHECK(strstr(shown, "insmod kernel/snd-x.ko") != NULL);
}

static void dash_underscore_and_builtin(void)
{
	open_ctx();
	CHECK_INT(mod_probe(&c, "snd_x", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(shown, "insmod kernel/snd-x.ko \n");
	shown[0] = '\0';
	CHECK_INT(mod_probe(&c, "core-thing", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(shown, "builtin core_thing\n");
	CHECK_INT(mod_probe(&c, "nothing-here", NULL, MOD_DRY_RUN), -ENOENT);
}

static void options_and_blacklist(void)
{
	static char buf[] = "quiet b.debug=2 b.name=\"two words\" x.y.z=1 modprobe.blacklist=snd-x";
	static struct cmdline cl;

	cmdline_parse(buf, &cl);
	open_ctx();
	c.cmdline = &cl;
	c.blacklist = "snd-x";
	CHECK_INT(mod_probe(&c, "fs-foo", "extra=1", MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(shown, "insmod kernel/c.ko \ninsmod kernel/b.ko debug=2 name=\"two words\" extra=1\n");
	shown[0] = '\0';
	/* blacklisted: by alias always, by name only with MOD_BLACKLIST */
	CHECK_INT(mod_probe(&c, "pci:v00009999d00000001sv0sd0bc02sc00i00", NULL, MOD_DRY_RUN), 1);
	CHECK_INT(mod_probe(&c, "snd-x", NULL, MOD_DRY_RUN), 0);
	CHECK_INT(mod_probe(&c, "snd-x", NULL, MOD_DRY_RUN | MOD_BLACKLIST), 1);
}

static void loading_calls(void)
{
	unsigned char gz[128];
	uLongf n = sizeof(gz);
	z_stream z;

	memset(&z, 0, sizeof(z));
	deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)"GZMODULE";
	z.avail_in = 8;
	z.next_out = gz;
	z.avail_out = (uInt)n;
	deflate(&z, Z_FINISH);
	n = z.total_out;
	deflateEnd(&z);
	put("lib/modules/1.0/kernel/gz.ko.gz", gz, n);
	open_ctx();
	CHECK_INT(mod_probe(&c, "a", NULL, 0), 0);
	CHECK_STR(calls, "finit c.ko [] 0\nfinit b.ko [] 0\nfinit pre.ko [] 0\nfinit a.ko [] 0\n"
			 "finit post.ko [] 0\n");
	CHECK_INT(c.nloaded, 5);
	calls[0] = '\0';
	CHECK_INT(mod_probe(&c, "b", NULL, 0), 0); /* already loaded here: nothing */
	CHECK_STR(calls, "");
	CHECK_INT(mod_probe(&c, "gz", "p=1", 0), 0); /* no /sys/module/compression: inflated here */
	CHECK_STR(calls, "init 8 ZMOD [p=1]\n");
	gz[n / 2] ^= 0xff;
	put("lib/modules/1.0/kernel/gz.ko.gz", gz, n);
	open_ctx();
	CHECK(mod_probe(&c, "gz", NULL, 0) < 0);
	CHECK(strstr(c.why, "corrupt gzip data") != NULL);
	fail_with = -EEXIST;
	CHECK_INT(mod_probe(&c, "bad", NULL, 0), 0);
	fail_with = -ENOENT;
	open_ctx();
	CHECK_INT(mod_probe(&c, "bad", NULL, 0), -ENOENT);
	CHECK(strstr(c.why, "unknown symbol") != NULL);
	CHECK_INT(mod_probe(&c, "nofile", NULL, 0), -ENOENT);
}

static void sysfs_loaded_and_compression(void)
{
	PUT("sys/module/c/initstate", "live\n");
	PUT("sys/module/compression", "xz\n");
	put("lib/modules/1.0/kernel/pre.ko", "\xfd" "7zXZ\0", 6);
	open_ctx();
	CHECK_INT(mod_probe(&c, "b", NULL, 0), 0);
	CHECK_STR(calls, "finit b.ko [] 0\n");
	calls[0] = '\0';
	CHECK_INT(mod_probe(&c, "pre", NULL, 0), 0); /* the kernel takes xz itself */
	CHECK_STR(calls, "finit pre.ko [] 4\n");
	PUT("sys/module/compression", "zstd\n");
	open_ctx();
	CHECK_INT(mod_probe(&c, "pre", NULL, 0), -ENOTSUP);
	CHECK(strstr(c.why, "xz-compressed") != NULL);
	PUT("lib/modules/1.0/kernel/pre.ko", "P");
}

static void modinfo_scan(void)
{
	static const char ia[] = "license=GPL\0depends=ib,ic\0alias=usb:v1111p*\0softdep=pre: ic\0";
	static const char ib[] = "depends=ic\0alias=fs-ib\0";
	static const char ic[] = "depends=\0";
	char raw[512];
	struct mod_db db = { 0 };
	struct mod_matches m = { 0 };
	char *text;
	size_t len;

	snprintf(raw, sizeof(raw), "%s/lib/modules/2.0", root);
	put_ko("lib/modules/2.0/kernel/ia.ko", ia, sizeof(ia));
	put_ko("lib/modules/2.0/kernel/sub/ib.ko", ib, sizeof(ib));
	put_ko("lib/modules/2.0/kernel/ic.ko", ic, sizeof(ic));
	CHECK_INT(mod_db_open(&db, raw), 0);
	CHECK(db.scanned);
	CHECK_INT(mod_lookup(&db, "usb:v1111p2222", &m), 1);
	CHECK_STR(db.mods[m.v[0].mod].name, "ia");
	CHECK_INT(mod_keep(&db, m.v[0].mod), 0);
	CHECK_INT(mod_index_text(&db, MOD_OUT_DEP, &text, &len), 0);
	CHECK_STR(text, "kernel/ia.ko: kernel/sub/ib.ko kernel/ic.ko\nkernel/ic.ko:\nkernel/sub/ib.ko: kernel/ic.ko\n");
	free(text);
	CHECK_INT(mod_index_text(&db, MOD_OUT_SOFTDEP, &text, &len), 0);
	CHECK(strstr(text, "softdep ia pre: ic\n") != NULL);
	free(text);
	mod_matches_free(&m);
	mod_db_close(&db);
}

/* A device directory with its modalias, linked from its bus's list as the kernel does. */
static void put_dev(const char *bus, const char *devpath, const char *alias)
{
	char rel[512], link[1024], target[512];

	snprintf(rel, sizeof(rel), "sys/devices/%s/modalias", devpath);
	PUT(rel, alias);
	snprintf(rel, sizeof(rel), "sys/bus/%s/devices/x", bus);
	put(rel, "", 0);
	snprintf(link, sizeof(link), "%s/sys/bus/%s/devices/x", root, bus);
	unlink(link);
	snprintf(link, sizeof(link), "%s/sys/bus/%s/devices/%s", root, bus, strrchr(devpath, '/') + 1);
	snprintf(target, sizeof(target), "../../../devices/%s", devpath);
	CHECK(symlink(target, link) == 0);
}

static void coldplug_passes(void)
{
	put_dev("pci", "pci0000:00/0000:00:03.0", "pci:v00001234d00000002sv0sd0bc00sc00i00\n");
	put_dev("pci", "pci0000:00/0000:00:04.0", "pci:v0000FFFFd00000002sv0sd0bc00sc00i00\n");
	put_dev("platform", "platform/thing", "fs-foo\n");
	PUT("sys/devices/system/cpu/modalias", "cpu:type:x86,ven0000fam0006mod003A:feature:,0001\n");
	PUT("sys/devices/system/cpu/cpu0/online", "1\n");
	PUT("sys/devices/pci0000:00/0000:00:04.0/modalias.not", "x\n"); /* only "modalias" counts */
	open_ctx();
	int nalias = 0, passes = mod_coldplug(&c, 0, 8, &nalias);

	CHECK_INT(nalias, 4);
	CHECK_INT(passes, 2); /* something loaded in pass 1, nothing new in pass 2 */
	CHECK(strstr(calls, "finit a.ko") != NULL);
	CHECK(strstr(calls, "finit b.ko") != NULL);
}

/* Uevents queued while pass 1 loads: pass 2 reads them (one device added with a modalias, one
 * removed, one without), not sysfs; ENOBUFS (messages lost) sends pass 3 back to sysfs. */
static const char *const *uevents;
static int uevent_opened, sysfs_passes;

static int fake_uevent_open(void)
{
	uevent_opened++;
	return 100;
}

static int fake_uevent_recv(int fd, char *buf, int len)
{
	const char *m;
	int n = 0;

	CHECK_INT(fd, 100);
	if (!uevents || !*uevents)
		return -EAGAIN;
	m = *uevents++;
	if (!strcmp(m, "ENOBUFS"))
		return -ENOBUFS;
	for (; *m && n < len; m += strlen(m) + 1) /* records are '\0'-separated; the list ends "" */
		n += snprintf(buf + n, (size_t)(len - n), "%s", m) + 1;
	return n;
}

static void pass_seen(void *arg, int pass, int found, int from_sysfs)
{
	(void)arg, (void)pass, (void)found;
	sysfs_passes += from_sysfs;
}

static void coldplug_uevents(void)
{
	static const struct mod_ops ev_ops = { rec_finit, rec_init, fake_uevent_open, fake_uevent_recv, NULL, NULL };
	static const char *const msgs[] = {
		"remove@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0MODALIAS=pci:v0000AAAAd00000001sv0sd0bc00sc00i00\0",
		"add@/devices/n\0ACTION=add\0DEVPATH=/devices/n\0SUBSYSTEM=net\0",
		"add@/devices/v\0ACTION=add\0DEVPATH=/devices/v\0MODALIAS=pci:v0000BBBBd00000001sv0sd0bc02sc00i00\0",
		NULL,
	};
	int nalias = 0, passes;

	uevents = msgs;
	open_ctx();
	c.ops = &ev_ops;
	c.pass_done = pass_seen;
	passes = mod_coldplug(&c, 0, 8, &nalias);
	CHECK_INT(uevent_opened, 1);
	CHECK_INT(passes, 3); /* sysfs; the uevent loads snd_x; nothing new */
	CHECK_INT(sysfs_passes, 1);
	CHECK_INT(nalias, 5);
	CHECK(strstr(calls, "finit snd-x.ko") != NULL);

	static const char *const lost[] = { "ENOBUFS", NULL };
	uevents = lost;
	sysfs_passes = 0;
	open_ctx();
	c.ops = &ev_ops;
	c.pass_done = pass_seen;
	passes = mod_coldplug(&c, 0, 8, &nalias);
	CHECK_INT(passes, 2);
	CHECK_INT(sysfs_passes, 2); /* messages lost: pass 2 read sysfs again */
	c.pass_done = NULL;
}

/* MOD_ONLY: the modules a coldplug leaves out are named in c->skipped (never from a dry run); mod_coldplug_names loads them later by name, reading sysfs no more: its next pass
 * reads the uevents. */
static void coldplug_skipped_then_names(void)
{
	static const struct mod_ops ev_ops = { rec_finit, rec_init, fake_uevent_open, fake_uevent_recv, NULL, NULL };
	int passes;

	open_ctx();
	c.only = "snd-x.ko";
	CHECK_INT(mod_probe(&c, "fs-foo", NULL, MOD_ONLY | MOD_DRY_RUN), 0);
	CHECK(c.skipped == NULL);
	CHECK_INT(mod_probe(&c, "fs-foo", NULL, MOD_ONLY), 0);
	CHECK_INT(mod_probe(&c, "b", NULL, MOD_ONLY), 0);
	CHECK_STR(c.skipped, "b b"); /* once per probe */
	CHECK_INT(mod_probe(&c, "a", NULL, MOD_ONLY), 0);
	CHECK_STR(c.skipped, "b b a");
	CHECK_STR(calls, "");
	uevents = NULL;
	sysfs_passes = 0;
	c.ops = &ev_ops;
	c.pass_done = pass_seen;
	passes = mod_coldplug_names(&c, c.skipped, 0, 8);
	CHECK_INT(passes, 2); /* the names; then the uevents, which add nothing */
	CHECK_INT(sysfs_passes, 0);
	CHECK_STR(calls, "finit b.ko [] 0\nfinit pre.ko [] 0\nfinit a.ko [] 0\nfinit post.ko [] 0\n");
	CHECK_INT(mod_coldplug_names(&c, NULL, 0, 8), 1); /* nothing to load: one pass, no more */
	c.pass_done = NULL;
	c.only = NULL;
	open_ctx();
	CHECK(c.skipped == NULL); /* closing the context freed them */
}

static void uevent_messages(void)
{
	char add[] = "add@/devices/p/v\0ACTION=add\0DEVPATH=/devices/p/v\0MODALIAS=virtio:d00000002v00001AF4\0";
	char rem[] = "remove@/devices/p/v\0ACTION=remove\0DEVPATH=/devices/p/v\0MODALIAS=virtio:d2\0";
	char net[] = "add@/devices/p/v/net/eth0\0ACTION=add\0DEVPATH=/devices/p/v/net/eth0\0";
	char cut[] = "add@/x\0ACTION=add\0DEVPATH=/x\0MODALIAS=pci:v0000"; /* no final NUL */
	const char *dev;

	CHECK_STR(mod_uevent_added(add, (int)sizeof(add), &dev), "virtio:d00000002v00001AF4");
	CHECK_STR(dev, "/devices/p/v");
	CHECK(mod_uevent_added(rem, (int)sizeof(rem), &dev) == NULL);
	CHECK(mod_uevent_added(net, (int)sizeof(net), &dev) == NULL);
	CHECK_STR(mod_uevent_added(cut, (int)sizeof(cut), &dev), "pci:v0000"); /* the spare byte ends it */
}

static void corrupt_elf_is_refused(void)
{
	unsigned char junk[200];
	const char *info;
	size_t len;

	memset(junk, 0xff, sizeof(junk));
	memcpy(junk, "\x7f" "ELF\2\1\1", 7);
	CHECK(mod_modinfo_find(junk, sizeof(junk), &info, &len) < 0);
	CHECK(mod_modinfo_find(junk, 10, &info, &len) < 0);
}

/* ---- modprobe.d ---- */

static void conf_parse_lines(void)
{
	static const char in[] = "alias a-b c-d\n  # a word '#': not a comment, a bad line\n#comment\n\n"
		"options x  y\tz\noptions w\ninstall i cmd \\\n more\n"
		"softdep s junk pre: p1 p2 post: q1 pre: p3\nblacklist bl-x extra\nalias [bad x\n"
		"softdep \\\nt pre: u\ninclude /etc/x.conf\nremove r-1 a\\b\nfoo\nblacklist zz\\";
	struct mod_conf c = { 0 };
	char *text = strdup(in);
	const struct mod_conf_entry *e;

	CHECK_INT(mod_conf_parse(&c, text, strlen(text), 0), 5);
	CHECK_INT(c.n, 8);
	e = &c.v[0];
	CHECK(e->type == MOD_CONF_ALIAS && !strcmp(e->key, "a_b") && !strcmp(e->value, "c_d"));
	e = &c.v[1];
	CHECK(e->type == MOD_CONF_OPTIONS && !strcmp(e->key, "x") && !strcmp(e->value, " y z"));
	e = &c.v[2];
	CHECK(e->type == MOD_CONF_INSTALL && !strcmp(e->key, "i") && !strcmp(e->value, "cmd  more"));
	e = &c.v[3];
	CHECK(e->type == MOD_CONF_SOFTDEP && !strcmp(e->key, "s") && e->npre == 3 && e->nwords == 4);
	CHECK(e->nwords == 4 && !strcmp(e->words[0], "p1") && !strcmp(e->words[2], "p3") &&
	      !strcmp(e->words[3], "q1"));
	CHECK(c.v[4].type == MOD_CONF_BLACKLIST && !strcmp(c.v[4].key, "bl_x"));
	CHECK(c.v[5].type == MOD_CONF_SOFTDEP && !strcmp(c.v[5].key, "t") && c.v[5].nwords == 1);
	CHECK(c.v[6].type == MOD_CONF_REMOVE && !strcmp(c.v[6].key, "r_1") && !strcmp(c.v[6].value, "ab"));
	CHECK(c.v[7].type == MOD_CONF_BLACKLIST && !strcmp(c.v[7].key, "zz\xff"));
	mod_conf_free(&c);
	free(text);
}

/* The configuration of ROOT/etc, ROOT/lib, ... reaches what is loaded: options (joined, by
 * alias too), a file of /etc hiding /lib's of the same name, a softdep in a file sorting before
 * modules.softdep replacing its line, blacklist for alias loads and coldplug, install commands
 * not run. */
static void modprobe_d_applied(void)
{
	static char buf[] = "b.cmd=1";
	static struct cmdline cl;

	cmdline_parse(buf, &cl);
	PUT("lib/modprobe.d/base.conf", "options b debug=1\nblacklist b\n");
	PUT("etc/modprobe.d/base.conf", "options b debug=2\n");
	PUT("lib/modprobe.d/aaa.conf", "options b level=3\nblacklist snd-x\ninstall nofile /bin/true\n"
				       "softdep a pre: post\nalias my-alias b\noptions my-alias via=alias\n");
	PUT("lib/modprobe.d/ignored", "blacklist c\n");
	{ /* a FIFO named *.conf: kmod blocks in open(); PID 1 must not (alarm: the test dies) */
		char fifo[600];

		snprintf(fifo, sizeof(fifo), "%s/etc/modprobe.d/fifo.conf", root);
		CHECK(mkfifo(fifo, 0644) == 0);
		alarm(10);
	}
	open_ctx();
	alarm(0);
	c.cmdline = &cl;
	CHECK_INT(mod_probe(&c, "my-alias", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	/* files by name: aaa.conf, then base.conf (/etc's) */
	CHECK_STR(shown, "insmod kernel/c.ko \ninsmod kernel/b.ko level=3 via=alias debug=2 cmd=1 \n");
	shown[0] = '\0';
	CHECK_INT(mod_probe(&c, "a", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(shown, "insmod kernel/c.ko \ninsmod kernel/b.ko level=3 debug=2 cmd=1 \n"
			 "insmod kernel/post.ko \ninsmod kernel/a.ko \n");
	CHECK_INT(mod_probe(&c, "pci:v00009999d00000001sv0sd0bc02sc00i00", NULL, MOD_DRY_RUN), 1);
	CHECK_INT(mod_probe(&c, "nofile", NULL, 0), -ENOTSUP);
	CHECK(strstr(c.why, "install nofile /bin/true") != NULL);
	CHECK_INT(mod_probe(&c, "b", "x=y", 0), 0);
	CHECK_STR(calls, "finit b.ko [level=3 debug=2 cmd=1 x=y] 0\n"); /* c: live in the fake sysfs */

	/* coldplug: the fake devices' a (by alias) is blacklisted now, b (fs-foo) is not */
	PUT("etc/modprobe.d/zz.conf", "blacklist a\n");
	open_ctx();
	int nalias = 0;
	mod_coldplug(&c, 0, 8, &nalias);
	CHECK(strstr(calls, "finit b.ko") != NULL);
	CHECK(strstr(calls, "finit a.ko") == NULL);
	CHECK_INT(mod_probe(&c, "a", NULL, 0), 0); /* by name: loaded */
	CHECK(strstr(calls, "finit a.ko") != NULL);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s/etc %s/lib/modprobe.d", root, root);
		CHECK(system(cmd) == 0);
	}
}

/* ---- Index readers and the resolver: every count and length grows with the input (part of
 * "no crash, ever"): one test per class of input that crashed or was cut short before. ---- */

static struct mod_ctx uc;

static void udb_open(const char *ver)
{
	mod_ctx_close(&uc);
	snprintf(udir, sizeof(udir), "%s/lib/modules/%s", root, ver);
	CHECK_INT(mod_ctx_open(&uc, root, udir), 0);
	uc.ops = &rec_ops;
	uc.show = show_u;
	ushown.n = 0;
	nshown = 0;
}

/* Class 1: many entries.  One-byte module names give 3-byte modules.dep lines ("a:"): more
 * modules than the dependency parser's table, sized from the text, had room for (a heap
 * overflow); a module with 3,000 dependencies (cut at 1,024). */
static void index_many_short_names(void)
{
	FILE *f = create("lib/modules/u1/modules.dep");
	int ch, n = 0, i, m;
	char name[2] = { 0 };

	for (ch = 1; ch < 256; ch++)
		if (!strchr("\n:/.#-", ch)) {
			fprintf(f, "%c:\n", ch);
			n++;
		}
	fclose(f);
	udb_open("u1");
	for (ch = 1, i = 0; ch < 256; ch++) {
		if (strchr("\n:/.#-", ch))
			continue;
		name[0] = (char)ch;
		m = mod_db_find(&uc.db, name);
		i += m >= 0 && uc.db.mods[m].path && !strcmp(uc.db.mods[m].path, name) && uc.db.mods[m].ndeps == 0;
	}
	CHECK_INT(i, n);
	CHECK_INT(mod_probe(&uc, "z", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_STR(ushown.p, "insmod z \n");

	f = create("lib/modules/u1b/modules.dep");
	fprintf(f, "kernel/top.ko:");
	for (i = 0; i < 3000; i++)
		fprintf(f, " kernel/d%d.ko", i);
	fprintf(f, "\n");
	for (i = 0; i < 3000; i++)
		fprintf(f, "kernel/d%d.ko:\n", i);
	fclose(f);
	udb_open("u1b");
	m = mod_db_find(&uc.db, "top");
	CHECK(m >= 0 && uc.db.mods[m].ndeps == 3000);
	CHECK_INT(mod_probe(&uc, "top", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_INT(nshown, 3001);
	CHECK(strstr(ushown.p, "insmod kernel/d2999.ko \n") != NULL);
}

/* Class 2: long lines.  A softdep of 300 words (cut at 1,024 bytes), options of 3,000 bytes (cut
 * at 2,048), a .modinfo depends= of 600 modules (cut at 511) and one longer than PATH_MAX (left
 * out), a blacklist word longer than the buffer it was copied into (cut: it matched a name it is
 * not). */
static void index_long_lines(void)
{
	FILE *f = create("lib/modules/u2/modules.dep"), *g = create("lib/modules/u2/modules.softdep");
	char *extra = malloc(3001), *info = malloc(16000), longname[300], bl[300];
	size_t n;
	int i, m;

	fprintf(f, "kernel/top.ko:\n");
	fprintf(g, "softdep top pre:");
	for (i = 0; i < 300; i++) {
		fprintf(f, "kernel/w%03d.ko:\n", i);
		fprintf(g, " w%03d", i);
	}
	fprintf(g, "\n");
	fclose(f);
	fclose(g);
	memset(extra, 'x', 3000);
	memcpy(extra, "p=", 2);
	extra[3000] = '\0';
	udb_open("u2");
	CHECK_INT(mod_probe(&uc, "top", extra, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_INT(nshown, 301);
	CHECK(strstr(ushown.p, "insmod kernel/w299.ko \n") != NULL);
	CHECK(strstr(ushown.p, extra) != NULL);
	calls[0] = '\0';
	CHECK_INT(mod_insert(&uc, udir, extra), 0);
	CHECK(strlen(calls) > 3000);

	/* .modinfo: 600 depends, then 1,000 (5,000 bytes) */
	for (i = 0; i < 1000; i++) {
		snprintf(longname, sizeof(longname), "lib/modules/u3/kernel/d%03d.ko", i);
		put_ko(longname, "license=GPL", 12);
	}
	for (m = 0; m < 2; m++) {
		n = (size_t)sprintf(info, "depends=");
		for (i = 0; i < (m ? 1000 : 600); i++)
			n += (size_t)sprintf(info + n, "%sd%03d", i ? "," : "", i);
		put_ko(m ? "lib/modules/u3/kernel/b.ko" : "lib/modules/u3/kernel/a.ko", info, n + 1);
	}
	udb_open("u3");
	CHECK(uc.db.scanned);
	m = mod_db_find(&uc.db, "a");
	CHECK(m >= 0 && uc.db.mods[m].ndeps == 600);
	m = mod_db_find(&uc.db, "b");
	CHECK(m >= 0 && uc.db.mods[m].ndeps == 1000);

	/* a 255-byte name, and a blacklist word one byte longer */
	memset(longname, 'x', 255);
	longname[255] = '\0';
	memcpy(bl, longname, 255);
	memcpy(bl + 255, "y", 2);
	CHECK_INT(mod_blacklisted(bl, longname), 0);
	CHECK_INT(mod_blacklisted(longname, longname), 1);
	free(extra);
	free(info);
}

/* softdep chain: m0 pre: m1, m1 pre: m2, ... */
static void put_chain(const char *ver, int n)
{
	char rel[128];
	FILE *f, *g;
	int i;

	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.dep", ver);
	f = create(rel);
	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.softdep", ver);
	g = create(rel);
	for (i = 0; i < n; i++) {
		fprintf(f, "kernel/m%d.ko:\n", i);
		if (i + 1 < n)
			fprintf(g, "softdep m%d pre: m%d\n", i, i + 1);
	}
	fclose(f);
	fclose(g);
}

/* Class 3: deep nesting.  A chain of 4,000 softdeps (the resolver recursed: stack overflow),
 * resolved and kept by the packer; one past MOD_DEPTH_MAX is a clear error; cycles end. */
static void resolve_softdep_chain(void)
{
	int i, m;

	put_chain("u4", 4000);
	udb_open("u4");
	CHECK_INT(mod_probe(&uc, "m0", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK_INT(nshown, 4000);
	CHECK(!strncmp(ushown.p, "insmod kernel/m3999.ko \n", 24));
	CHECK(strstr(ushown.p, "insmod kernel/m1.ko \ninsmod kernel/m0.ko \n") != NULL);
	CHECK_INT(mod_keep(&uc.db, mod_db_find(&uc.db, "m0")), 0);
	for (i = m = 0; i < uc.db.nmods; i++)
		m += uc.db.mods[i].keep;
	CHECK_INT(m, 4000);

	put_chain("u5", MOD_DEPTH_MAX + 10);
	udb_open("u5");
	CHECK_INT(mod_probe(&uc, "m0", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), -ELOOP);
	CHECK(strstr(uc.why, "nested more than") != NULL);
	CHECK_INT(nshown, 0);
	CHECK_INT(mod_probe(&uc, "m10", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0); /* just fits */
	CHECK_INT(nshown, MOD_DEPTH_MAX);

	PUT("lib/modules/u6/modules.dep", "kernel/a.ko:\nkernel/b.ko:\nkernel/c.ko: kernel/a.ko\n");
	PUT("lib/modules/u6/modules.softdep", "softdep a pre: b c\nsoftdep b pre: a post: c\nsoftdep c post: c b\n");
	udb_open("u6");
	CHECK_INT(mod_probe(&uc, "a", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	/* a: pre b (b: pre a, visited; b; post c: its dependency a is filled again, then c), a */
	CHECK_STR(ushown.p, "insmod kernel/b.ko \ninsmod kernel/a.ko \ninsmod kernel/c.ko \n"
			    "insmod kernel/a.ko \n");
}

/* Class 4: wide fan-out.  "softdep * pre: fan0 ... fan99" with 300 modules behind "fan*": 30,000
 * objects, each of which fans out to all of them again (recursion 30,000 deep before; now a
 * bounded amount of work, then -E2BIG). */
static void resolve_fanout_bounded(void)
{
	FILE *f = create("lib/modules/u7/modules.dep"), *g = create("lib/modules/u7/modules.alias"),
	     *h = create("lib/modules/u7/modules.softdep");
	int i;

	fprintf(h, "softdep *x pre:");
	for (i = 0; i < 300; i++) {
		fprintf(f, "kernel/f%dx.ko:\n", i);
		fprintf(g, "alias fan* f%dx\n", i);
		if (i < 100)
			fprintf(h, " fan%d", i);
	}
	fprintf(f, "kernel/hub.ko:\n");
	fprintf(h, "\nsoftdep hub pre: fan0 fan1\n");
	fclose(f);
	fclose(g);
	fclose(h);
	udb_open("u7");
	CHECK_INT(mod_probe(&uc, "f0x", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), -E2BIG);
	CHECK(strstr(uc.why, "fan out") != NULL);
	CHECK_INT(mod_probe(&uc, "hub", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), -E2BIG);
	CHECK_INT(mod_keep(&uc.db, mod_db_find(&uc.db, "f0x")), 0); /* a set: each module once */
	CHECK(uc.db.mods[mod_db_find(&uc.db, "f299x")].keep);
}

/* Coldplug with ctx->jobs = 2: the NIC drivers (drivers/net, one with a dependency) load in one
 * helper process in path order, the other driver in a second; the counts and the loaded flags
 * come back to the caller, forked runs in each helper and joined once here.  With jobs = 1
 * everything loads in this process. */
static char par_log[600];
static int njoined;

static void par_note(const char *what)
{
	char line[128];
	int fd = open(par_log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	snprintf(line, sizeof(line), "%d %s\n", (int)getpid(), what);
	CHECK(fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line));
	close(fd);
}

static int par_finit(int fd, const char *params, int flags)
{
	char path[64], target[512];
	ssize_t n;

	(void)params, (void)flags;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	par_note(strrchr(target, '/') + 1);
	return 0;
}

static int par_fork(void)
{
	return (int)fork();
}

static int par_waitpid(int pid, int *status)
{
	return waitpid(pid, status, 0) == pid ? 0 : -errno;
}

static void par_forked(void *arg)
{
	(void)arg;
	par_note("forked");
}

static void par_joined(void *arg)
{
	(void)arg;
	njoined++;
}

/* The pid of the line naming what in the log, and that line's number (-1: none). */
static int par_line(const char *log, const char *what, int *pid)
{
	char name[64];
	int i = 0, p, n;

	for (; sscanf(log, "%d %63s%n", &p, name, &n) == 2; log += n, i++)
		if (!strcmp(name, what)) {
			*pid = p;
			return i;
		}
	return -1;
}

static void coldplug_parallel(void)
{
	static const struct mod_ops par_ops = { par_finit, rec_init, NULL, NULL, par_fork, par_waitpid };
	char log[1024] = "", pdir[600];
	int n1 = 0, n2 = 0, sh = 0, o = 0, passes, jobs;
	FILE *f;

	snprintf(par_log, sizeof(par_log), "%s/par.log", root);
	PUT("lib/modules/p1/modules.dep", "kernel/drivers/net/n1.ko:\nkernel/drivers/net/n2.ko: kernel/drivers/net/shared.ko\n"
	    "kernel/drivers/net/shared.ko:\nkernel/drivers/other/o.ko:\n");
	PUT("lib/modules/p1/modules.alias", "alias pci:v0000AA01d* n1\nalias pci:v0000AA02d* n2\nalias pci:v0000AA03d* o\n");
	PUT("lib/modules/p1/kernel/drivers/net/n1.ko", "1");
	PUT("lib/modules/p1/kernel/drivers/net/n2.ko", "2");
	PUT("lib/modules/p1/kernel/drivers/net/shared.ko", "S");
	PUT("lib/modules/p1/kernel/drivers/other/o.ko", "O");
	put_dev("pci", "pci0000:00/0000:00:0a.0", "pci:v0000AA01d00000001sv0sd0bc00sc00i00\n");
	put_dev("pci", "pci0000:00/0000:00:0b.0", "pci:v0000AA02d00000001sv0sd0bc00sc00i00\n");
	put_dev("pci", "pci0000:00/0000:00:0c.0", "pci:v0000AA03d00000001sv0sd0bc00sc00i00\n");
	snprintf(pdir, sizeof(pdir), "%s/lib/modules/p1", root);
	for (jobs = 2; jobs >= 1; jobs--) {
		unlink(par_log);
		njoined = 0;
		mod_ctx_close(&c);
		CHECK_INT(mod_ctx_open(&c, root, pdir), 0);
		c.ops = &par_ops;
		c.jobs = jobs;
		c.forked = par_forked;
		c.joined = par_joined;
		passes = mod_coldplug(&c, 0, 8, NULL);
		CHECK_INT(passes, 2);
		CHECK_INT(c.nloaded, 4);
		CHECK(c.db.mods[mod_db_find(&c.db, "n2")].loaded && c.db.mods[mod_db_find(&c.db, "o")].loaded);
		f = fopen(par_log, "r");
		CHECK(f && fread(log, 1, sizeof(log) - 1, f) > 0);
		if (f)
			fclose(f);
		int l1 = par_line(log, "n1.ko", &n1), ls = par_line(log, "shared.ko", &sh), l2 = par_line(log, "n2.ko", &n2);

		CHECK(l1 >= 0 && ls > l1 && l2 > ls); /* one class: in path order, a dependency first */
		CHECK(par_line(log, "o.ko", &o) >= 0);
		CHECK(n1 == sh && n1 == n2);
		if (jobs == 2) {
			CHECK(n1 != o && n1 != (int)getpid() && o != (int)getpid());
			CHECK_INT(njoined, 1);
			CHECK_INT(c.nhelpers, 2);
			CHECK(strstr(log, "forked") != NULL);
		} else {
			CHECK(n1 == o && n1 == (int)getpid());
			CHECK_INT(njoined, 0);
		}
		memset(log, 0, sizeof(log));
	}
	c.jobs = 0;
	c.forked = c.joined = NULL;
}

/* A soft dependency that is a CPU-feature driver (cpu: aliases: an x86cpu table) is inserted only
 * where this CPU has one of its features: libcrc32c's "pre: crc32c" is crc32c_intel (SSE4.2, 0094)
 * and crc32c_generic, and on a CPU without SSE4.2 crc32c_intel's init fails with ENODEV after the
 * whole load.  Asked for by name, or with the feature, it is inserted as modprobe inserts it. */
static void cpu_feature_softdeps(void)
{
	static const char *const cpus[] = { "cpu:type:x86,ven0000fam0006mod003A:feature:,0001,0093\n",
					    "cpu:type:x86,ven0000fam0006mod003A:feature:,0001,0094\n" };
	char d[600];
	int i;

	PUT("lib/modules/cpu/modules.dep", "kernel/libcrc32c.ko:\nkernel/crc32c-intel.ko:\nkernel/crc32c_generic.ko:\n");
	PUT("lib/modules/cpu/modules.alias", "alias cpu:type:x86,ven*fam*mod*:feature:*0094* crc32c_intel\n"
	    "alias crc32c crc32c_intel\nalias crc32c crc32c_generic\n");
	PUT("lib/modules/cpu/modules.softdep", "softdep libcrc32c pre: crc32c\n");
	PUT("lib/modules/cpu/kernel/libcrc32c.ko", "L");
	PUT("lib/modules/cpu/kernel/crc32c-intel.ko", "I");
	PUT("lib/modules/cpu/kernel/crc32c_generic.ko", "G");
	snprintf(d, sizeof(d), "%s/lib/modules/cpu", root);
	for (i = 0; i < 3; i++) {
		PUT("sys/devices/system/cpu/modalias", cpus[i == 1]);
		mod_ctx_close(&c);
		CHECK_INT(mod_ctx_open(&c, root, d), 0);
		c.ops = &rec_ops;
		calls[0] = '\0';
		CHECK_INT(mod_probe(&c, i < 2 ? "libcrc32c" : "crc32c_intel", NULL, 0), 0);
		CHECK_INT(c.nfailed, 0);
		CHECK((strstr(calls, "finit crc32c-intel.ko") != NULL) == (i > 0));
		CHECK((strstr(calls, "finit crc32c_generic.ko") != NULL) == (i < 2));
		CHECK((strstr(calls, "finit libcrc32c.ko") != NULL) == (i < 2));
	}
	/* the dry run (modload -D, as modprobe --show-depends) still lists it */
	PUT("sys/devices/system/cpu/modalias", cpus[0]);
	shown[0] = '\0';
	c.show = show;
	CHECK_INT(mod_probe(&c, "libcrc32c", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED), 0);
	CHECK(strstr(shown, "crc32c-intel.ko") != NULL);
	c.show = NULL;
	PUT("sys/devices/system/cpu/modalias", "cpu:type:x86,ven0000fam0006mod003A:feature:,0001\n");
}

int main(void)
{
	make_tree();
	RUN("modload", show_depends_order);
	RUN("modload", aliases_in_module_order);
	RUN("modload", dash_underscore_and_builtin);
	RUN("modload", options_and_blacklist);
	RUN("modload", loading_calls);
	RUN("modload", sysfs_loaded_and_compression);
	RUN("modload", modinfo_scan);
	RUN("modload", coldplug_passes);
	RUN("modload", coldplug_uevents);
	RUN("modload", coldplug_skipped_then_names);
	RUN("modload", coldplug_parallel);
	RUN("modload", uevent_messages);
	RUN("modload", corrupt_elf_is_refused);
	RUN("modload", conf_parse_lines);
	RUN("modload", modprobe_d_applied);
	RUN("modload", index_many_short_names);
	RUN("modload", index_long_lines);
	RUN("modload", resolve_softdep_chain);
	RUN("modload", resolve_fanout_bounded);
	RUN("modload", cpu_feature_softdeps);
	mod_ctx_close(&c);
	mod_ctx_close(&uc);
	free(ushown.p);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd))
			return 2;
	}
	TEST_EXIT();
}
