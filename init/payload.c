/* Step 6: start the payload with what a service manager gives it: a clean environment (not the
 * kernel's leftover parameters), $NOTIFY_SOCKET, listening sockets (LISTEN_FDS), its user, its
 * working directory and directories, its limits and umask -- and for a non-root user no
 * capabilities but the ambient ones and no_new_privs (the machine's spawn does the process side,
 * init/machine.h).  Also the unit's commands (ExecStartPre, ExecStartPost, ExecReload,
 * ExecStop: minboot.exec-*), which supervision and the shutdown run at their moments. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"

#define MAX_ENV (CONFIG_MAX_ENV + 16)
#define ENV_OWN 8 /* HOME, TERM, USER, LOGNAME, LISTEN_FDS, LISTEN_FDNAMES, WATCHDOG_USEC */

/* The step's own state, kept for restarts (payload_spawn). */
static struct {
	char buf[CONFIG_STR];
	char *argv[CMDLINE_MAX_ARGS + 1];
	char **args;             /* argv, or the command line's "--" words */
	char *env[MAX_ENV + 1];
	char *cenv[MAX_ENV + 2]; /* the commands': no NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*; MAINPID */
	char mainpid[32];
	int nenv, nown, ncenv;
	int privileged;          /* ExecStart's "+" or "!": the payload alone runs as root */
	char own[ENV_OWN][512];  /* the variables built here */
	int listen_fds[POLICY_MAX_LISTEN], nlisten;
	char listen_names[POLICY_MAX_LISTEN][64];
	gid_t groups[POLICY_MAX_GROUPS];
	struct spawn sp;
} ps;

int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static void env_add(const char *name, const char *value)
{
	if (ps.nenv >= MAX_ENV || ps.nown >= ENV_OWN)
		return;
	snprintf(ps.own[ps.nown], sizeof(ps.own[0]), "%s=%s", name, value);
	ps.env[ps.nenv++] = ps.own[ps.nown++];
}

enum { CMD_IGNORE = 1, CMD_PRIVILEGED = 2 };

/* systemd's prefixes of a command (systemd.service(5), "Command lines"): "-" its failure counts
 * as success, "@" the second word is argv[0], "+" and "!" run it with full privileges (as root),
 * ":" no variable expansion (the init expands only $MAINPID).  s split in place into argv;
 * *path the program for "@" (else NULL).  Returns argc or -errno; *flags CMD_*. */
static int cmd_prefixed(char *s, char **argv, const char **path, int *flags)
{
	int argc, at = 0;

	for (*flags = 0;; s++) {
		if (*s == '-')
			*flags |= CMD_IGNORE;
		else if (*s == '+' || *s == '!')
			*flags |= CMD_PRIVILEGED;
		else if (*s == '@')
			at = 1;
		else if (*s != ':')
			break;
	}
	argc = cmd_split(s, argv, CMDLINE_MAX_ARGS);
	*path = NULL;
	if (argc > 1 && at) {
		*path = argv[0];
		memmove(argv, argv + 1, argc-- * sizeof(*argv));
	}
	return argc;
}

static int payload_args(struct boot *b)
{
	int flags;
	int r;

	if (b->cfg.has_override) {
		ps.args = b->cfg.payload_override;
		return 0;
	}
	if (!b->cfg.payload[0])
		return boot_fail(b, -ENOENT, "no payload: pack one with minboot-pack --payload, or give a "
				 "command after -- on the kernel command line");
	strcpy(ps.buf, b->cfg.payload);
	r = cmd_prefixed(ps.buf, ps.argv, &ps.sp.path, &flags);
	if (r <= 0)
		return boot_fail(b, -EINVAL, "bad minboot.payload '%s': %s", b->cfg.payload,
				 r == 0 ? "empty" : r == -EINVAL ? "unterminated quote" : "too many words");
	b->payload.ignore_failure = flags & CMD_IGNORE;
	ps.privileged = flags & CMD_PRIVILEGED;
	ps.args = ps.argv;
	return 0;
}

/* minboot.user=USER[:GROUP]: names from the image's /etc/passwd and /etc/group (musl reads the
 * files directly: no NSS), or numbers. */
static int resolve_user(struct boot *b, const char **home, const char **name)
{
	static struct pw pw;
	char spec[256], *group, *save = NULL, passwd[MACHINE_PATH], grp[MACHINE_PATH];
	unsigned id, gid, g[POLICY_MAX_GROUPS];
	int found, i, r;

	machine_path(b->m, "/etc/passwd", passwd);
	machine_path(b->m, "/etc/group", grp);
	snprintf(spec, sizeof(spec), "%s", b->cfg.user);
	group = strchr(spec, ':');
	if (group)
		*group++ = '\0';
	if (id_parse(spec, &id) == 0) {
		found = passwd_find(passwd, NULL, id, &pw) == 0;
		ps.sp.uid = id;
		ps.sp.gid = found ? pw.gid : id;
	} else if ((found = (r = passwd_find(passwd, spec, -1, &pw)) == 0)) {
		ps.sp.uid = pw.uid;
		ps.sp.gid = pw.gid;
	} else if (r != -ENOENT) {
		return boot_fail(b, r, "minboot.user=%s: unable to read /etc/passwd: %s", b->cfg.user, strerror(-r));
	} else {
		return boot_fail(b, -ENOENT, "minboot.user=%s: no such user in /etc/passwd", b->cfg.user);
	}
	if (group && id_parse(group, &id) == 0) {
		ps.sp.gid = id;
	} else if (group) {
		if (group_find(grp, group, &gid) < 0)
			return boot_fail(b, -ENOENT, "minboot.user=%s: no such group in /etc/group", b->cfg.user);
		ps.sp.gid = gid;
	}
	if (found) {
		ps.sp.ngroups = group_list(grp, pw.name, ps.sp.gid, g, POLICY_MAX_GROUPS);
		for (i = 0; i < ps.sp.ngroups; i++)
			ps.groups[i] = g[i];
	} else {
		ps.sp.ngroups = 1;
		ps.groups[0] = ps.sp.gid;
	}
	/* minboot.groups (SupplementaryGroups=): names from /etc/group, or numbers */
	snprintf(spec, sizeof(spec), "%s", b->cfg.groups);
	for (group = strtok_r(spec, ",", &save); group; group = strtok_r(NULL, ",", &save)) {
		if (id_parse(group, &gid) < 0 && group_find(grp, group, &gid) < 0)
			return boot_fail(b, -ENOENT, "minboot.groups: no group %s in /etc/group", group);
		if (ps.sp.ngroups < POLICY_MAX_GROUPS)
			ps.groups[ps.sp.ngroups++] = gid;
	}
	*home = found && pw.dir[0] ? pw.dir : "/";
	*name = found ? pw.name : NULL;
	ps.sp.cred = 1;
	b->payload.uid = ps.sp.uid;
	return 0;
}

static void open_listeners(struct boot *b)
{
	char list[sizeof(b->cfg.listen)], *tok, *save = NULL, path[MACHINE_PATH];
	struct listen_spec ls;
	int fd;

	snprintf(list, sizeof(list), "%s", b->cfg.listen);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (ps.nlisten >= LISTEN_MAX || listen_parse(tok, &ls) < 0) {
			err("minboot.listen: cannot use '%s'", tok);
			continue;
		}
		if (ls.family == AF_UNIX && snprintf(ls.path, sizeof(ls.path), "%s",
						     machine_path(b->m, ls.path, path)) >= (int)sizeof(ls.path))
			fd = -ENAMETOOLONG;
		else
			fd = listen_open(&ls);
		if (fd < 0) {
			err("unable to listen on %s: %s", tok, strerror(-fd));
			continue;
		}
		ps.listen_fds[ps.nlisten] = fd;
		snprintf(ps.listen_names[ps.nlisten], sizeof(ps.listen_names[0]), "%s", ls.name);
		ps.nlisten++;
		info("listening on %s for the payload (fd %d)", tok, 2 + ps.nlisten);
	}
}

/* minboot.env.NAME=value: it replaces the init's default of the same name (PATH, HOME, TERM,
 * USER, LOGNAME: the first ndef entries), as systemd's Environment= does; the service manager's
 * own variables (NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*) are not the user's to change. */
static void env_set(char *kv, int ndef)
{
	size_t l = strcspn(kv, "=") + 1;
	int i;

	for (i = 0; i < ndef; i++)
		if (!strncmp(ps.env[i], kv, l)) {
			ps.env[i] = kv;
			return;
		}
	ps.env[ps.nenv++] = kv;
}

static void build_env(struct boot *b, const char *home, const char *user)
{
	const char *term = getenv("TERM"); /* the kernel sets TERM=linux for init */
	char names[POLICY_MAX_LISTEN * 65] = "", num[16];
	int i, defaults, svc;

	ps.env[ps.nenv++] = "PATH=" POLICY_IMAGE_PATH;
	env_add("HOME", home);
	env_add("TERM", term && *term ? term : "linux");
	if (user) {
		env_add("USER", user);
		env_add("LOGNAME", user);
	}
	defaults = ps.nenv;
	if (b->notify_fd >= 0)
		ps.env[ps.nenv++] = "NOTIFY_SOCKET=" POLICY_NOTIFY_PATH;
	if (ps.nlisten) {
		snprintf(num, sizeof(num), "%d", ps.nlisten);
		env_add("LISTEN_FDS", num);
		for (i = 0; i < ps.nlisten; i++) {
			strcat(names, i ? ":" : "");
			strcat(names, ps.listen_names[i]);
		}
		env_add("LISTEN_FDNAMES", names);
		ps.sp.pid_slot[0] = ps.nenv++; /* LISTEN_PID is the child's own pid: filled in after fork */
	}
	if (b->cfg.watchdog_ms) {
		snprintf(num, sizeof(num), "%u", b->cfg.watchdog_ms * 1000);
		env_add("WATCHDOG_USEC", num);
		ps.sp.pid_slot[1] = ps.nenv++;
	}
	svc = ps.nenv;
	for (i = 0; i < b->cfg.nenv && ps.nenv < MAX_ENV; i++)
		env_set(b->cfg.env[i], defaults);
	ps.env[ps.nenv] = NULL;
	/* The commands': the defaults and the user's, not the payload's own service variables */
	for (i = 0; i < ps.nenv; i++)
		if (i < defaults || i >= svc)
			ps.cenv[ps.ncenv++] = ps.env[i];
	ps.cenv[ps.ncenv] = NULL;
}

/* Wait for the command b->cmd_pid, killing it after timeout_ms (0: no limit); its wait status.
 * Whatever else ends meanwhile is reaped (the payload's end is noted for supervision). */
static int command_wait(struct boot *b, unsigned timeout_ms)
{
	long end = uptime_ms(b) + timeout_ms, left;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (reap_children(b), b->cmd_pid > 0) {
		left = end - uptime_ms(b);
		if (timeout_ms && left <= 0) {
			warn("a command did not end within %u ms: killing it", timeout_ms);
			b->m->kill(b->cmd_pid, SIGKILL);
			timeout_ms = 0;
		}
		b->m->wait_signal(&chld, timeout_ms ? left : POLICY_STOP_POLL_MS);
	}
	return b->cmd_status;
}

/* $MAINPID and ${MAINPID} in line replaced by the main process's pid (nothing when there is
 * none, as systemd expands an unset variable), into out[len]. */
static void mainpid_expand(const struct boot *b, const char *line, char *out, size_t len)
{
	char pid[16] = "";
	size_t o = 0, k;

	if (b->payload.pid > 0 && !b->payload.forking)
		snprintf(pid, sizeof(pid), "%d", (int)b->payload.pid);
	while (*line && o + sizeof(pid) < len) {
		k = !strncmp(line, "${MAINPID}", 10) ? 10 : !strncmp(line, "$MAINPID", 8) ? 8 : 0;
		if (k) {
			o += snprintf(out + o, len - o, "%s", pid);
			line += k;
		} else {
			out[o++] = *line++;
		}
	}
	out[o] = '\0';
}

static int command_run(struct boot *b, const char *what, const char *line, unsigned timeout_ms)
{
	static char buf[CONFIG_STR];
	char *argv[CMDLINE_MAX_ARGS + 1], desc[96];
	struct spawn sp = ps.sp;
	int flags, status;
	pid_t pid;

	mainpid_expand(b, line, buf, sizeof(buf));
	if (cmd_prefixed(buf, argv, &sp.path, &flags) <= 0) {
		err("%s %s: bad command", what, line);
		return 1 << 8;
	}
	sp.argv = argv;
	sp.envp = ps.cenv;
	sp.nfds = 0;
	sp.pid_slot[0] = sp.pid_slot[1] = -1;
	if (flags & CMD_PRIVILEGED)
		sp.cred = 0;
	info("%s: %s", what, line);
	pid = b->m->spawn(&sp);
	if (pid < 0) {
		err("%s: unable to start %s: %s", what, argv[0], strerror(-pid));
		return 1 << 8;
	}
	b->cmd_pid = pid;
	status = command_wait(b, timeout_ms);
	if (status && !(flags & CMD_IGNORE)) {
		describe_status(status, desc, sizeof(desc));
		warn("%s %s %s", what, argv[0], desc);
		return status;
	}
	return 0;
}

int service_has(const struct boot *b, char kind)
{
	const char *l;

	for (l = b->cfg.exec; *l; l = strchrnul(l, '\n'), l += !!*l)
		if (*l == kind)
			return 1;
	return 0;
}

int service_exec(struct boot *b, char kind, unsigned timeout_ms)
{
	static const char *const names[] = { "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop" };
	const char *what = names[strchr(POLICY_EXEC_KINDS, kind) - POLICY_EXEC_KINDS], *line, *nl;
	char cmd[CONFIG_STR];
	int r;

	if (b->payload.pid > 0 && !b->payload.forking)
		snprintf(ps.mainpid, sizeof(ps.mainpid), "MAINPID=%d", (int)b->payload.pid);
	else
		ps.mainpid[0] = '\0';
	ps.cenv[ps.ncenv] = ps.mainpid[0] ? ps.mainpid : NULL;
	ps.cenv[ps.ncenv + 1] = NULL;
	for (line = b->cfg.exec; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (*line == kind) {
			snprintf(cmd, sizeof(cmd), "%.*s", (int)(nl - line - 1), line + 1);
			if ((r = command_run(b, what, cmd, timeout_ms)))
				return r;
		}
		if (!*nl)
			break;
	}
	return 0;
}

int payload_spawn(struct boot *b)
{
	long t = uptime_ms(b);
	int r = service_exec(b, 'p', b->cfg.start_timeout_ms);
	struct spawn sp;
	pid_t pid;

	b->payload.forking = b->cfg.type == TYPE_FORKING;
	b->payload.ready = 0;
	if (r) { /* the start failed: as if the payload had, with the command's status */
		b->payload.status = r;
		b->payload.exited = 1;
		b->payload.started_ms = t;
		return 0;
	}
	sp = ps.sp;
	if (ps.privileged)
		sp.cred = 0;
	pid = b->m->spawn(&sp);
	if (pid < 0)
		return pid;
	b->payload.pid = pid;
	b->payload.exited = 0;
	b->payload.started_ms = t;
	b->payload.watchdog_ms = b->cfg.watchdog_ms;
	b->payload.watchdog_deadline = b->cfg.watchdog_ms ? t + b->cfg.watchdog_ms : 0;
	timeline_mark("payload start", ps.args[0]);
	timeline_write();
	return 0;
}

/* minboot.dir lines, "PATH[:MODE]": made (with their parents) and given the payload's owner and
 * the mode, as systemd makes RuntimeDirectory= and the other *Directory= settings. */
static void make_dirs(struct boot *b)
{
	char line[MACHINE_PATH], path[MACHINE_PATH], *colon, *s;
	const char *l = b->cfg.dirs, *nl;
	unsigned mode;

	for (; *l; l = *nl ? nl + 1 : nl) {
		nl = strchrnul(l, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl - l), l);
		mode = 0755;
		if ((colon = strrchr(line, ':')) && colon[1] >= '0' && colon[1] <= '7') {
			*colon = '\0';
			mode = (unsigned)strtoul(colon + 1, NULL, 8);
		}
		machine_path(b->m, line, path);
		for (s = path + strlen(b->m->root) + 1; (s = strchr(s, '/')); *s++ = '/') {
			*s = '\0';
			mkdir(path, 0755);
		}
		if ((mkdir(path, mode) < 0 && errno != EEXIST) || chmod(path, mode) < 0 ||
		    (ps.sp.cred && chown(path, ps.sp.uid, ps.sp.gid) < 0))
			warn("unable to make the directory %s: %s", line, strerror(errno));
	}
}

int step_payload(struct boot *b)
{
	const char *home = "/", *user = NULL;
	char path[MACHINE_PATH];
	int r;

	memset(&ps, 0, sizeof(ps));
	ps.sp.pid_slot[0] = ps.sp.pid_slot[1] = -1;
	if ((r = payload_args(b)) < 0)
		return r;
	if (b->cfg.user[0] && (r = resolve_user(b, &home, &user)) < 0)
		return r;
	if (b->cfg.workdir[0] && access(machine_path(b->m, b->cfg.workdir, path), X_OK) < 0)
		return boot_fail(b, -errno, "minboot.workdir=%s: %s", b->cfg.workdir, strerror(errno));
	mkdir(machine_path(b->m, POLICY_RUN_DIR, path), 0755);
	b->notify_fd = notify_open(machine_path(b->m, POLICY_NOTIFY_PATH, path));
	if (b->notify_fd < 0)
		warn("unable to create the notify socket " POLICY_NOTIFY_PATH ": %s", strerror(-b->notify_fd));
	open_listeners(b);
	build_env(b, home, user);
	ps.sp.argv = ps.args;
	ps.sp.envp = ps.env;
	ps.sp.workdir = b->cfg.workdir;
	ps.sp.groups = ps.groups;
	ps.sp.fds = ps.listen_fds;
	ps.sp.nfds = ps.nlisten;
	ps.sp.umask = b->cfg.umask;
	ps.sp.no_new_privs = b->cfg.no_new_privs;
	ps.sp.has_cap_bound = b->cfg.has_cap_bound;
	ps.sp.cap_bound = b->cfg.cap_bound;
	ps.sp.cap_ambient = b->cfg.cap_ambient;
	ps.sp.limits = b->cfg.limit;
	ps.sp.nlimits = b->cfg.nlimit;
	make_dirs(b);
	r = payload_spawn(b);
	if (r < 0)
		return boot_fail(b, r, "unable to fork the payload: %s", strerror(-r));
	return 0;
}
