/* Step: the directories packages ask for at boot, as systemd-tmpfiles --create --boot makes
 * them (tmpfiles.d(5)).  A service expects its runtime directory under /run, which is a fresh
 * tmpfs at every boot: postgresql-common's "d /run/postgresql 2775 postgres postgres" is what
 * lets postgres create its socket.  The image's /usr/lib/tmpfiles.d/NAME.conf and
 * /etc/tmpfiles.d/NAME.conf (the same name in /etc replaces the package's) are read in name
 * order; "d" and "D" lines (the same at boot) make the directory with its parents, then set its
 * mode and owner (a mode or owner with a leading ':' only on creation).  Other types, and
 * paths with specifiers (%), are left to the payload.  A bad line or a failed call is logged and
 * the boot goes on. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"

static const char *const tmpfiles_dirs[] = { "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d" };

static char *word(char **s)
{
	char *w;

	*s += strspn(*s, " \t");
	if (!**s)
		return NULL;
	w = *s;
	*s += strcspn(*s, " \t");
	if (**s)
		*(*s)++ = '\0';
	return w;
}

int tmpfiles_parse_line(char *line, struct tmpfiles_entry *e)
{
	char *s = line, *type, *path, *mode, *user, *group, *end;
	unsigned long m;

	memset(e, 0, sizeof(*e));
	line[strcspn(line, "\n")] = '\0';
	if (!(type = word(&s)) || type[0] == '#')
		return 0;
	if ((type[0] != 'd' && type[0] != 'D') || strspn(type + 1, "!-=~^") != strlen(type + 1))
		return 0; /* another type: not the boot's */
	if (!(path = word(&s)) || path[0] != '/' || strlen(path) >= sizeof(e->path))
		return -EINVAL;
	if (strchr(path, '%'))
		return 0;
	strcpy(e->path, path);
	mode = word(&s), user = word(&s), group = word(&s);
	e->mode = 0755;
	if (mode && strcmp(mode, "-")) {
		e->mode_on_create = mode[0] == ':';
		mode += strspn(mode, ":~");
		m = strtoul(mode, &end, 8);
		if (*end || m > 07777)
			return -EINVAL;
		e->mode = (unsigned)m;
	}
	if (user && strcmp(user, "-")) {
		e->owner_on_create = user[0] == ':';
		user += user[0] == ':';
		if (strlen(user) >= sizeof(e->user))
			return -EINVAL;
		strcpy(e->user, user);
	}
	if (group && strcmp(group, "-")) {
		group += group[0] == ':';
		if (strlen(group) >= sizeof(e->group))
			return -EINVAL;
		strcpy(e->group, group);
	}
	return 1;
}

/* mkdir -p; 1 when the last one was made, 0 when it was there, -errno */
static int make_dirs(char *path, unsigned mode)
{
	char *s;
	struct stat st;

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return -errno;
		}
		*s = '/';
	}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -errno : 1;
}

static int apply(struct boot *b, const struct tmpfiles_entry *e)
{
	char path[MACHINE_PATH], pw_path[MACHINE_PATH], gr_path[MACHINE_PATH];
	struct pw pw;
	unsigned uid = 0, gid = 0;
	int made;

	machine_path(b->m, "/etc/passwd", pw_path);
	machine_path(b->m, "/etc/group", gr_path);
	if (e->user[0] && id_parse(e->user, &uid) < 0) {
		if (passwd_find(pw_path, e->user, -1, &pw) < 0) {
			warn("tmpfiles: %s: no user %s in /etc/passwd", e->path, e->user);
			return -ENOENT;
		}
		uid = pw.uid;
	}
	if (e->group[0] && id_parse(e->group, &gid) < 0 && group_find(gr_path, e->group, &gid) < 0) {
		warn("tmpfiles: %s: no group %s in /etc/group", e->path, e->group);
		return -ENOENT;
	}
	machine_path(b->m, e->path, path);
	if ((made = make_dirs(path, 0700)) < 0) {
		warn("tmpfiles: unable to make %s: %s", e->path, strerror(-made));
		return made;
	}
	/* the owner first: chown clears setgid, which the mode then sets */
	if ((made || !e->owner_on_create) && (e->user[0] || e->group[0]) &&
	    chown(path, e->user[0] ? (uid_t)uid : (uid_t)-1, e->group[0] ? gid : (gid_t)-1) < 0)
		warn("tmpfiles: unable to give %s to %s:%s: %s", e->path, e->user, e->group, strerror(errno));
	if ((made || !e->mode_on_create) && chmod(path, e->mode) < 0)
		warn("tmpfiles: unable to set the mode of %s: %s", e->path, strerror(errno));
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int step_tmpfiles(struct boot *b)
{
	static char text[POLICY_TMPFILES_MAX], names[POLICY_TMPFILES_FILES][64];
	char *order[POLICY_TMPFILES_FILES], dir[MACHINE_PATH], path[MACHINE_PATH + 80], *line, *next;
	struct tmpfiles_entry e;
	struct dirent *de;
	unsigned i;
	int n = 0, k, done = 0, r;
	DIR *d;

	for (i = 0; i < sizeof(tmpfiles_dirs) / sizeof(tmpfiles_dirs[0]); i++) {
		if (!(d = opendir(machine_path(b->m, tmpfiles_dirs[i], dir))))
			continue;
		while ((de = readdir(d)) && n < POLICY_TMPFILES_FILES) {
			size_t l = strlen(de->d_name);
			if (l < 6 || l >= sizeof(names[0]) || strcmp(de->d_name + l - 5, ".conf"))
				continue;
			for (k = 0; k < n && strcmp(names[k], de->d_name); k++)
				;
			if (k == n) /* /etc's first: the same name further on is masked */
				strcpy(names[n++], de->d_name);
		}
		closedir(d);
	}
	if (!n)
		return 0;
	for (k = 0; k < n; k++)
		order[k] = names[k];
	qsort(order, n, sizeof(order[0]), name_cmp);
	for (k = 0; k < n; k++) {
		for (i = 0, r = -ENOENT; i < sizeof(tmpfiles_dirs) / sizeof(tmpfiles_dirs[0]) && r == -ENOENT; i++) {
			snprintf(path, sizeof(path), "%s/%s", machine_path(b->m, tmpfiles_dirs[i], dir), order[k]);
			r = read_file(path, text, sizeof(text));
		}
		if (r < 0) {
			warn("tmpfiles: unable to read %s: %s", order[k], strerror(-r));
			continue;
		}
		for (line = text; line && *line; line = next) {
			char shown[80];
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			snprintf(shown, sizeof(shown), "%.79s", line); /* the parser splits the line */
			r = tmpfiles_parse_line(line, &e);
			if (r < 0)
				warn("tmpfiles: %s: a bad line: %s", order[k], shown);
			else if (r > 0 && apply(b, &e) == 0)
				done++;
		}
	}
	snprintf(path, sizeof(path), "%d directories", done);
	timeline_mark("tmpfiles", path);
	return 0;
}
