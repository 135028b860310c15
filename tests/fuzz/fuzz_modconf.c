/* modprobe.d: the pure parser on the input, every entry checked; then the same text as the
 * configuration of a small fixed module tree, and every name the entries mention resolved (a
 * dry run) and kept, as the init and the packer would. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modload/modload.h"
#include "fuzz.h"

static void show(void *arg, const struct mod_step *s)
{
	(void)arg, (void)s;
}

static void put(const char *dir, const char *name, const void *data, size_t n)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w"))) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static char dir[] = "/tmp/fuzz-modconf-XXXXXX";
	static char conf[160];
	static int made;
	static struct mod_ctx c;
	const char *cpaths[] = { conf, NULL };
	struct mod_conf pc = { 0 };
	struct mod_matches m = { 0 };
	char *text = fuzz_str(d, n);
	int i, j, k, r;

	if (!made) {
		static const char dep[] = "kernel/a.ko: kernel/b.ko\nkernel/b.ko:\nkernel/c-d.ko:\nkernel/e.ko: kernel/a.ko kernel/b.ko\n";
		static const char alias[] = "alias pci:v*d* a\nalias fs-* c_d\nalias net-pf-* e\nalias x* b\n";
		static const char softdep[] = "softdep a pre: b post: e\nsoftdep e pre: fs-x\n";
		static const char builtin[] = "kernel/f.ko\n";

		if (!mkdtemp(dir))
			abort();
		put(dir, "modules.dep", dep, sizeof(dep) - 1);
		put(dir, "modules.alias", alias, sizeof(alias) - 1);
		put(dir, "modules.softdep", softdep, sizeof(softdep) - 1);
		put(dir, "modules.builtin", builtin, sizeof(builtin) - 1);
		snprintf(conf, sizeof(conf), "%s/x.conf", dir);
		made = 1;
	}
	r = mod_conf_parse(&pc, text, n, 0);
	for (i = 0; r >= 0 && i < pc.n; i++) {
		const struct mod_conf_entry *e = &pc.v[i];

		if (!e->key || !e->value || e->npre > e->nwords || e->type > MOD_CONF_SOFTDEP)
			abort();
		for (j = 0; j < e->nwords; j++)
			if (!e->words[j][0])
				abort(); /* words are never empty */
	}
	mod_conf_free(&pc);
	free(text);

	put(dir, "x.conf", d, n);
	if (mod_ctx_open_conf(&c, "/nonexistent", dir, cpaths) == 0) {
		c.show = show;
		for (i = 0; i < c.db.conf.n && i < 6; i++) {
			const char *names[2] = { c.db.conf.v[i].key, c.db.conf.v[i].value };

			for (j = 0; j < 2; j++) {
				mod_probe(&c, names[j], NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED);
				if (mod_lookup(&c.db, names[j], &m) > 0)
					for (k = 0; k < m.n && k < 4; k++)
						mod_keep(&c.db, m.v[k].mod);
			}
		}
		mod_probe(&c, "a", "p=1", MOD_DRY_RUN | MOD_IGNORE_LOADED | MOD_BLACKLIST);
		mod_probe(&c, "pci:v1d2", NULL, MOD_DRY_RUN | MOD_IGNORE_LOADED);
		mod_conf_blacklisted(&c.db, "a");
		mod_conf_install(&c.db, "e");
	}
	mod_matches_free(&m);
	mod_ctx_close(&c);
	return 0;
}
