/* modload against small fake trees: resolution order, softdeps, aliases, builtins, blacklist,
 * command-line options, loading through recorded calls (gzip, corrupt gzip, EEXIST, failures),
 * .modinfo scanning without indexes, and coldplug over a fake /sys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* A minimal ELF64 with one .modinfo section. */
static void put_ko(const char *rel, const char *info, size_t infolen)
{
	unsigned char b[1024] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	static const char names[] = "\0.shstrtab\0.modinfo";
	size_t shoff = 512, i;

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
	put(rel, b, sizeof(b));
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

static const struct mod_ops rec_ops = { rec_finit, rec_init, NULL, NULL };

static void show(void *arg, const struct mod_step *s)
{
	(void)arg;
	if (s->path)
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "insmod %s %s\n",
			 s->path + strlen(dir) + 1, s->options);
	else if (s->builtin)
		snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "builtin %s\n", s->name);
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
	static const struct mod_ops ev_ops = { rec_finit, rec_init, fake_uevent_open, fake_uevent_recv };
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
	RUN("modload", uevent_messages);
	RUN("modload", corrupt_elf_is_refused);
	mod_ctx_close(&c);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd))
			return 2;
	}
	TEST_EXIT();
}
