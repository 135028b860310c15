/* Step 6: start the payload with what a service manager gives it: a clean environment (not the
 * kernel's leftover parameters), $NOTIFY_SOCKET, listening sockets (LISTEN_FDS), its user, its
 * working directory — and for a non-root user no capabilities and no_new_privs. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h> /* setgroups */
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"
#include "init/service.h"

#define PAYLOAD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NOTIFY_PATH "/run/minboot/notify"
#define MAX_ENV (CONFIG_MAX_ENV + 16)
#define MAX_GROUPS 64

static char payload_buf[CONFIG_STR];
static char *payload_argv[CMDLINE_MAX_ARGS + 1];
static char *env[MAX_ENV + 1];
static int nenv;
static char env_buf[8][512];   /* TERM, HOME, USER, LOGNAME, LISTEN_FDS, LISTEN_FDNAMES, WATCHDOG_USEC */
static int listen_pid_slot = -1, watchdog_pid_slot = -1;
static char **argv_run;

static struct {
	int set;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
} cred;

int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static void env_add(const char *fmt, const char *a, const char *b)
{
	static int slot;

	if (nenv >= MAX_ENV || slot >= 8)
		return;
	snprintf(env_buf[slot], sizeof(env_buf[slot]), fmt, a, b);
	env[nenv++] = env_buf[slot++];
}

static char **payload_args(struct init_state *st)
{
	int r;

	if (st->cfg.has_override)
		return st->cfg.payload_override;
	if (!st->cfg.payload[0]) {
		fatal_set(st, "no payload: pack one with minboot-pack --payload, or give a command "
			      "after -- on the kernel command line");
		return NULL;
	}
	strcpy(payload_buf, st->cfg.payload);
	r = cmd_split(payload_buf, payload_argv, CMDLINE_MAX_ARGS);
	if (r <= 0) {
		fatal_set(st, "bad minboot.payload '%s': %s", st->cfg.payload,
			  r == 0 ? "empty" : r == -EINVAL ? "unterminated quote" : "too many words");
		return NULL;
	}
	return payload_argv;
}

#define parse_id id_parse

/* minboot.user=USER[:GROUP]: names from the image's /etc/passwd and /etc/group (musl reads the
 * files directly: no NSS), or numbers. */
static int resolve_user(struct init_state *st, const char **home, const char **name)
{
	static struct pw pw;
	char spec[64], *group;
	unsigned id, gid;
	int found;

	snprintf(spec, sizeof(spec), "%s", st->cfg.user);
	group = strchr(spec, ':');
	if (group)
		*group++ = '\0';
	if (parse_id(spec, &id) == 0) {
		found = passwd_find("/etc/passwd", NULL, id, &pw) == 0;
		cred.uid = id;
		cred.gid = found ? pw.gid : id;
	} else if ((found = passwd_find("/etc/passwd", spec, -1, &pw) == 0)) {
		cred.uid = pw.uid;
		cred.gid = pw.gid;
	} else {
		fatal_set(st, "minboot.user=%s: no such user in /etc/passwd", st->cfg.user);
		return -ENOENT;
	}
	if (group && parse_id(group, &id) == 0) {
		cred.gid = id;
	} else if (group) {
		if (group_find("/etc/group", group, &gid) < 0) {
			fatal_set(st, "minboot.user=%s: no such group in /etc/group", st->cfg.user);
			return -ENOENT;
		}
		cred.gid = gid;
	}
	if (found) {
		unsigned g[MAX_GROUPS];
		int i;
		cred.ngroups = group_list("/etc/group", pw.name, cred.gid, g, MAX_GROUPS);
		for (i = 0; i < cred.ngroups; i++)
			cred.groups[i] = g[i];
	} else {
		cred.ngroups = 1;
		cred.groups[0] = cred.gid;
	}
	*home = found && pw.dir[0] ? pw.dir : "/";
	*name = found ? pw.name : NULL;
	cred.set = 1;
	st->payload_uid = cred.uid;
	return 0;
}

static void open_listeners(struct init_state *st)
{
	char list[sizeof(st->cfg.listen)], *tok, *save = NULL;
	struct listen_spec ls;
	int fd;

	snprintf(list, sizeof(list), "%s", st->cfg.listen);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (st->nlisten >= LISTEN_MAX || listen_parse(tok, &ls) < 0) {
			err("minboot.listen: cannot use '%s'", tok);
			continue;
		}
		fd = listen_open(&ls);
		if (fd < 0) {
			err("unable to listen on %s: %s", tok, strerror(-fd));
			continue;
		}
		st->listen_fds[st->nlisten] = fd;
		snprintf(st->listen_names[st->nlisten], sizeof(st->listen_names[0]), "%s", ls.name);
		st->nlisten++;
		info("listening on %s for the payload (fd %d)", tok, 2 + st->nlisten);
	}
}

static void build_env(struct init_state *st, const char *home, const char *user)
{
	const char *term = getenv("TERM"); /* the kernel sets TERM=linux for init */
	char names[LISTEN_MAX * 65] = "", num[16];
	int i;

	env[nenv++] = "PATH=" PAYLOAD_PATH;
	env_add("HOME=%s%s", home, "");
	env_add("TERM=%s%s", term && *term ? term : "linux", "");
	if (user) {
		env_add("USER=%s%s", user, "");
		env_add("LOGNAME=%s%s", user, "");
	}
	if (st->notify_fd >= 0)
		env[nenv++] = "NOTIFY_SOCKET=" NOTIFY_PATH;
	if (st->nlisten) {
		snprintf(num, sizeof(num), "%d", st->nlisten);
		env_add("LISTEN_FDS=%s%s", num, "");
		for (i = 0; i < st->nlisten; i++) {
			strcat(names, i ? ":" : "");
			strcat(names, st->listen_names[i]);
		}
		env_add("LISTEN_FDNAMES=%s%s", names, "");
		listen_pid_slot = nenv++; /* LISTEN_PID is the child's own pid: filled in after fork */
	}
	if (st->cfg.watchdog_ms) {
		snprintf(num, sizeof(num), "%u", st->cfg.watchdog_ms * 1000);
		env_add("WATCHDOG_USEC=%s%s", num, "");
		watchdog_pid_slot = nenv++;
	}
	for (i = 0; i < st->cfg.nenv && nenv < MAX_ENV; i++)
		env[nenv++] = st->cfg.env[i];
	env[nenv] = NULL;
}

/* Listening sockets become fds 3, 4, ...: first moved above the target range, then down, so
 * no dup2 overwrites a socket not yet moved. */
static int pass_listeners(struct init_state *st)
{
	int i, tmp[LISTEN_MAX];

	for (i = 0; i < st->nlisten; i++)
		if ((tmp[i] = fcntl(st->listen_fds[i], F_DUPFD, 3 + st->nlisten)) < 0)
			return -errno;
	for (i = 0; i < st->nlisten; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			return -errno;
	return 0;
}

static int drop_privileges(void)
{
	int cap, last = CAP_LAST_CAP;
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] >= '0' && buf[0] <= '9')
			last = atoi(buf);
		close(fd);
	}
	for (cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (setgroups(cred.ngroups, cred.groups) < 0 || setgid(cred.gid) < 0 || setuid(cred.uid) < 0)
		return -errno;
	return 0;
}

/* In the child: its own session with the console as controlling terminal (so ^C reaches it),
 * default signal mask, then exec.  Exit codes follow the shell: 127 not found, 126 not runnable. */
static void child_exec(struct init_state *st)
{
	static char pidvar[2][32];
	const char *what = "prepare";
	sigset_t none;
	int r = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	ioctl(0, TIOCSCTTY, 0);
	if (listen_pid_slot >= 0) {
		snprintf(pidvar[0], sizeof(pidvar[0]), "LISTEN_PID=%d", (int)getpid());
		env[listen_pid_slot] = pidvar[0];
	}
	if (watchdog_pid_slot >= 0) {
		snprintf(pidvar[1], sizeof(pidvar[1]), "WATCHDOG_PID=%d", (int)getpid());
		env[watchdog_pid_slot] = pidvar[1];
	}
	if (chdir(st->cfg.workdir[0] ? st->cfg.workdir : "/") < 0)
		r = -errno, what = "enter the working directory";
	else if ((r = pass_listeners(st)) < 0)
		what = "pass the listening sockets";
	else if (cred.set && cred.uid != 0 && (r = drop_privileges()) < 0)
		what = "drop privileges";
	else if (cred.set && cred.uid == 0 && (setgroups(cred.ngroups, cred.groups) < 0 || setgid(cred.gid) < 0))
		r = -errno, what = "set the groups";
	if (r < 0) {
		err("payload: unable to %s: %s", what, strerror(-r));
		_exit(126);
	}
	environ = env;
	execvp(argv_run[0], argv_run);
	err("unable to run %s: %s", argv_run[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* vfork: the child runs at once, in PID 1's memory, until its exec, and the payload does not
 * wait for PID 1 to be scheduled again; nothing is copied.  child_exec never returns, writes only
 * what is the payload's anyway (env, and environ, set back here), and ends in exec or _exit. */
int payload_spawn(struct init_state *st)
{
	long t = uptime_ms();
	char **saved = environ;
	pid_t pid = vfork();

	if (pid == 0)
		child_exec(st);
	environ = saved;
	if (pid < 0)
		return -errno;
	st->payload = pid;
	st->payload_exited = 0;
	st->started_ms = t;
	st->watchdog_deadline = st->cfg.watchdog_ms ? t + st->cfg.watchdog_ms : 0;
	(void)t;
	timeline_mark("payload start", argv_run[0]);
	timeline_write();
	return 0;
}

void step_payload(struct init_state *st)
{
	const char *home = "/", *user = NULL;
	int r;

	argv_run = payload_args(st);
	if (!argv_run)
		return;
	if (st->cfg.user[0] && resolve_user(st, &home, &user) < 0)
		return;
	if (st->cfg.workdir[0] && access(st->cfg.workdir, X_OK) < 0)
		return fatal_set(st, "minboot.workdir=%s: %s", st->cfg.workdir, strerror(errno));
	mkdir("/run/minboot", 0755);
	st->notify_fd = notify_open(NOTIFY_PATH);
	if (st->notify_fd < 0)
		warn("unable to create the notify socket " NOTIFY_PATH ": %s", strerror(-st->notify_fd));
	open_listeners(st);
	build_env(st, home, user);
	r = payload_spawn(st);
	if (r < 0)
		fatal_set(st, "unable to fork the payload: %s", strerror(-r));
}
