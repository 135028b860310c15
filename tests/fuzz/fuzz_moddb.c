/* The module database end to end: the input is split at 0xff bytes into modules.dep,
 * modules.alias, modules.softdep, modules.builtin, a name to look up, a modprobe.d file, and the
 * .modinfo of two modules (a.ko, b.ko).  With modules.dep empty the tree has none, and the
 * database is computed from the two modules' .modinfo, as for a raw tree.  Then: lookup, the
 * resolver (mod_probe, a dry run that reads no sysfs), the packer's keep and the index writer. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modload/modload.h"
#include "fuzz.h"

/* The unit tests' minimal ELF64 with one .modinfo section. */
static void write_ko(const char *path, const uint8_t *info, size_t n)
{
	static const char names[] = "\0.shstrtab\0.modinfo";
	size_t shoff = 128 + ((n + 7) & ~(size_t)7), len = shoff + 3 * 64, i;
	unsigned char *b = calloc(1, len);
	FILE *f;

	if (!b)
		abort();
	memcpy(b, "\x7f" "ELF\2\1\1", 7);
	memcpy(b + 64, names, sizeof(names));
	memcpy(b + 128, info, n);
	*(uint64_t *)(b + 0x28) = shoff;
	*(uint16_t *)(b + 0x3a) = 64;
	*(uint16_t *)(b + 0x3c) = 3;
	*(uint16_t *)(b + 0x3e) = 1;
	for (i = 1; i < 3; i++) {
		unsigned char *sh = b + shoff + 64 * i;

		*(uint32_t *)sh = i == 1 ? 1 : 11;
		*(uint64_t *)(sh + 0x18) = i == 1 ? 64 : 128;
		*(uint64_t *)(sh + 0x20) = i == 1 ? sizeof(names) : n;
	}
	if ((f = fopen(path, "w"))) {
		fwrite(b, 1, len, f);
		fclose(f);
	}
	free(b);
}

static void show(void *arg, const struct mod_step *s)
{
	(void)arg, (void)s;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const files[] = { "modules.dep", "modules.alias", "modules.softdep", "modules.builtin",
					     NULL, "conf/x.conf", "kernel/a.ko", "kernel/b.ko" };
	static char dir[] = "/tmp/fuzz-moddb-XXXXXX";
	static int made;
	static struct mod_ctx c;
	const uint8_t *chunk[8] = { 0 };
	size_t len[8] = { 0 }, i = 0, k;
	char path[128], conf[128], name[128], *text;
	const char *cpaths[] = { conf, NULL };
	struct mod_matches m = { 0 };

	if (!made) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/conf", dir);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/kernel", dir);
		mkdir(path, 0755);
		made = 1;
	}
	for (k = 0; k < 8; k++) {
		chunk[k] = d + i;
		for (; i < n && d[i] != 0xff; i++)
			len[k]++;
		i += i < n;
	}
	for (k = 0; k < 8; k++) {
		FILE *f;

		if (!files[k])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
		if (k == 0 && !len[0]) {
			unlink(path); /* a raw tree: the .modinfo of a.ko and b.ko */
		} else if (k >= 6) {
			write_ko(path, chunk[k], len[k]);
		} else if ((f = fopen(path, "w"))) {
			fwrite(chunk[k], 1, len[k], f);
			fclose(f);
		}
	}
	snprintf(conf, sizeof(conf), "%s/conf", dir);
	snprintf(name, sizeof(name), "%.*s", (int)(len[4] > 100 ? 100 : len[4]), (const char *)chunk[4]);
	if (mod_ctx_open_conf(&c, "/nonexistent", dir, cpaths) == 0) {
		c.show = show;
		mod_probe(&c, name[0] ? name : "a", "x=1", MOD_DRY_RUN | MOD_IGNORE_LOADED | MOD_BLACKLIST);
		if (mod_lookup(&c.db, name[0] ? name : "a", &m) > 0)
			for (k = 0; k < (size_t)m.n && k < 4; k++)
				mod_keep(&c.db, m.v[k].mod);
		mod_matches_free(&m);
		for (k = 0; k < 3; k++)
			if (mod_index_text(&c.db, (enum mod_index_file)k, &text, &i) == 0)
				free(text);
	}
	mod_ctx_close(&c);
	return 0;
}
