/* fstab(5) parsing: spec, mount point, type, options, (dump, pass ignored).  Options become MS_*
 * flags; the rest go to the filesystem as data, minus the ones meant for mount(8) itself. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "init/service.h"

static const struct { const char *name; unsigned long set, clear; } flag_opts[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 }, { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "async", 0, MS_SYNCHRONOUS },
	{ "noatime", MS_NOATIME, 0 }, { "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 }, { "lazytime", MS_LAZYTIME, 0 },
	{ "dirsync", MS_DIRSYNC, 0 }, { "mand", MS_MANDLOCK, 0 },
	{ "bind", MS_BIND, 0 }, { "rbind", MS_BIND | MS_REC, 0 },
	{ "defaults", 0, 0 },
};

/* Options for mount(8), systemd or the init, never for the kernel. */
static int userspace_opt(const char *o)
{
	static const char *const names[] = { "auto", "user", "nouser", "users", "owner", "group",
					     "_netdev", "nobootwait", "noauto", "nofail" };
	unsigned i;

	if (!strncmp(o, "x-", 2) || !strncmp(o, "comment=", 8))
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(o, names[i]))
			return 1;
	return 0;
}

static int apply_opt(struct fstab_entry *e, const char *o)
{
	unsigned i;
	size_t l;

	if (!strcmp(o, "nofail"))
		e->nofail = 1;
	if (!strcmp(o, "noauto"))
		e->noauto = 1;
	if (userspace_opt(o))
		return 0;
	for (i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++) {
		if (!strcmp(o, flag_opts[i].name)) {
			e->flags = (e->flags | flag_opts[i].set) & ~flag_opts[i].clear;
			return 0;
		}
	}
	l = strlen(e->data);
	if (l + strlen(o) + 2 > sizeof(e->data))
		return -EINVAL;
	if (l)
		e->data[l++] = ',';
	strcpy(e->data + l, o);
	return 0;
}

static char *field(char **s)
{
	char *f;

	*s += strspn(*s, " \t");
	if (!**s)
		return NULL;
	f = *s;
	*s += strcspn(*s, " \t");
	if (**s)
		*(*s)++ = '\0';
	return f;
}

/* fstab and /proc/self/mounts escape spaces and tabs in names as \040 and \011. */
int fstab_unescape(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	for (; *src; src++) {
		if (o + 1 >= len)
			return -EINVAL;
		if (src[0] == '\\' && src[1] >= '0' && src[1] <= '3' && src[2] >= '0' && src[2] <= '7' &&
		    src[3] >= '0' && src[3] <= '7') {
			dst[o++] = (char)((src[1] - '0') * 64 + (src[2] - '0') * 8 + (src[3] - '0'));
			src += 3;
		} else {
			dst[o++] = *src;
		}
	}
	dst[o] = '\0';
	return 0;
}

int fstab_parse_line(char *line, struct fstab_entry *e)
{
	char *s = line, *spec, *file, *type, *opts, *o, *save = NULL;

	memset(e, 0, sizeof(*e));
	line[strcspn(line, "\n")] = '\0';
	s += strspn(s, " \t");
	if (!*s || *s == '#')
		return 0;
	spec = field(&s);
	file = field(&s);
	type = field(&s);
	opts = field(&s);
	if (!spec || !file || !type)
		return -EINVAL;
	if (fstab_unescape(e->spec, sizeof(e->spec), spec) || fstab_unescape(e->file, sizeof(e->file), file) ||
	    strlen(type) >= sizeof(e->type))
		return -EINVAL;
	strcpy(e->type, type);
	if (e->file[0] != '/' && strcmp(e->type, "swap"))
		return -EINVAL;
	for (o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save))
		if (apply_opt(e, o) < 0)
			return -EINVAL;
	return 1;
}
