/* Step 6: start the payload with the clean environment a service manager gives, not the
 * kernel's leftover parameters. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

#define PAYLOAD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_ENV (CONFIG_MAX_ENV + 8)

static char payload_buf[CONFIG_STR];
static char *payload_argv[CMDLINE_MAX_ARGS + 1];
static char term_buf[64];

static int build_env(const struct config *c, char **env)
{
	const char *term = getenv("TERM"); /* the kernel sets TERM=linux for init */
	int n = 0, i;

	env[n++] = "PATH=" PAYLOAD_PATH;
	env[n++] = "HOME=/";
	snprintf(term_buf, sizeof(term_buf), "TERM=%s", term && *term ? term : "linux");
	env[n++] = term_buf;
	for (i = 0; i < c->nenv; i++)
		env[n++] = (char *)c->env[i];
	env[n] = NULL;
	return n;
}

/* The payload's argv: everything after "--" on the kernel command line, else the image's. */
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

/* In the child: its own session with the console as controlling terminal (so ^C reaches it),
 * default signal mask, then exec.  Exit codes follow the shell: 127 not found, 126 not runnable. */
static void child_exec(char **argv, char **env)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	ioctl(0, TIOCSCTTY, 0);
	environ = env;
	execvp(argv[0], argv);
	err("unable to run %s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

void step_payload(struct init_state *st)
{
	static char *env[MAX_ENV + 1];
	char **argv = payload_args(st);
	long t = uptime_ms();
	pid_t pid;

	if (!argv)
		return;
	build_env(&st->cfg, env);
	pid = fork();
	if (pid < 0)
		return fatal_set(st, "unable to fork the payload: %s", strerror(errno));
	if (pid == 0)
		child_exec(argv, env);
	st->payload = pid;
	info("payload started at %ld.%03lds: %s%s", t / 1000, t % 1000, argv[0], argv[1] ? " ..." : "");
}
