/* The init's settings: built-in defaults < /etc/minboot.conf < kernel command line < "--" argv.
 * The key table lives here so the packer's --set validates with exactly the init's rules. */
#ifndef MINBOOT_CONFIG_H
#define MINBOOT_CONFIG_H
#include <stddef.h>

#include "common/cmdline.h"
#include "common/policy.h"

enum shutdown_mode { SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT, SHUTDOWN_HALT };
/* systemd's Restart= values, in systemd.service(5)'s order of its table */
enum restart_policy { RESTART_NO, RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_ON_SUCCESS, RESTART_ON_ABNORMAL,
		      RESTART_ON_ABORT, RESTART_ON_WATCHDOG };
/* systemd's Type= and KillMode= */
enum service_type { TYPE_SIMPLE, TYPE_EXEC, TYPE_NOTIFY, TYPE_FORKING, TYPE_ONESHOT };
enum kill_mode { KILL_CONTROL_GROUP, KILL_MIXED, KILL_PROCESS, KILL_NONE };
enum exit_report { EXIT_CONSOLE, EXIT_ISA_DEBUG, EXIT_VIRTIO_SERIAL, EXIT_VSOCK };

#define CONFIG_MAX_ENV  POLICY_MAX_ENV
#define CONFIG_MAX_IP   POLICY_MAX_IP
#define CONFIG_STR      POLICY_STR
#define CONFIG_FILE_MAX POLICY_CONF_MAX  /* /etc/minboot.conf: the most the init reads */

struct config {
	char payload[CONFIG_STR];          /* minboot.payload: command line of the payload */
	char *payload_override[CMDLINE_MAX_ARGS + 1]; /* from "--": replaces payload argv when set */
	int has_override;
	enum shutdown_mode shutdown;        /* minboot.shutdown */
	unsigned stop_timeout_ms;           /* minboot.stop-timeout (seconds on the command line) */
	int log_level;                      /* quiet / minboot.log */
	int rw;                             /* rw (1) / ro (0) / unset (-1) */
	enum restart_policy restart;        /* minboot.restart */
	unsigned restart_max;               /* minboot.restart-max: restarts before giving up */
	unsigned restart_delay_ms;          /* minboot.restart-delay: first delay, doubled each time */
	unsigned restart_delay_max_ms;      /* minboot.restart-delay-max: the cap */
	unsigned watchdog_ms;               /* minboot.watchdog: 0 = off */
	char listen[CONFIG_STR / 4];        /* minboot.listen: comma-joined socket specs */
	char user[64];                      /* minboot.user: USER[:GROUP] or UID[:GID] */
	char groups[256];                   /* minboot.groups: more groups of minboot.user's */
	char workdir[256];                  /* minboot.workdir */
	enum exit_report exit_report;       /* minboot.exit */
	unsigned exit_cid, exit_port;       /* minboot.exit=vsock:CID:PORT */
	int exit_socktype;                  /* its SOCK_*; 0: datagram, else sequenced packets */
	unsigned fstab_timeout_ms;          /* minboot.fstab-timeout: wait for devices */
	char root[256];                     /* root=: switch to this device's /init */
	char rootfstype[32];                /* rootfstype= */
	char rootflags[256];                /* rootflags= */
	unsigned root_timeout_ms;           /* minboot.root-timeout */
	int root_overlay;                   /* minboot.root-overlay: root= read-only under a tmpfs overlay */
	int timeline;                       /* minboot.timeline: print stage timestamps */
	int nenv;
	char env[CONFIG_MAX_ENV][CONFIG_STR / 4]; /* minboot.env.NAME=value, as "NAME=value" */
	char modules_load[CONFIG_STR];      /* modules-load= / rd.modules-load=, comma-joined */
	char blacklist[CONFIG_STR];         /* modprobe.blacklist=, comma-joined */
	int nip;
	char ip[CONFIG_MAX_IP][256];        /* each ip= as given */
	char nameserver[CONFIG_STR / 4];    /* nameserver=, comma-joined */
	int neednet;                        /* rd.neednet */
	int no_coldplug;                    /* minboot.coldplug=0 */
	unsigned net_timeout_ms;            /* minboot.net-timeout: carrier + DHCP, then boot goes on */
	const struct cmdline *cmdline;      /* the whole command line, for module.param= */
	/* What a systemd unit says of its service (minboot-pack --unit writes them; minboot-init(8)) */
	enum service_type type;             /* minboot.type */
	char pidfile[256];                  /* minboot.pidfile: Type=forking's main process */
	unsigned start_timeout_ms;          /* minboot.start-timeout: READY=1 / the fork; 0 = none */
	int kill_signal;                    /* minboot.kill-signal (default SIGTERM) */
	enum kill_mode kill_mode;           /* minboot.kill-mode */
	int umask;                          /* minboot.umask; -1 = the init's own */
	int no_new_privs;                   /* minboot.no-new-privileges: also for a root payload */
	int has_cap_bound;
	unsigned long long cap_bound;       /* minboot.cap-bound: the bounding set of a root payload */
	unsigned long long cap_ambient;     /* minboot.cap-ambient: kept (and raised) for any user */
	int nlimit;
	struct config_limit { int res; unsigned long long soft, hard; } limit[POLICY_MAX_LIMITS];
	char exec[POLICY_EXEC_STR];         /* minboot.exec-*: "K[-@+!]CMD" lines, K one of POLICY_EXEC_KINDS */
	char dirs[POLICY_STR];              /* minboot.dir: "MODE PATH" lines */
};

/* A resource limit's soft and hard values, RLIM_INFINITY as ~0ULL. */
#define CONFIG_INFINITY (~0ULL)

void config_defaults(struct config *c);

/* "2", "2.5", "0.05s" -> milliseconds (0 to 86400 s); 0 or -EINVAL. */
int config_parse_seconds(const char *val, unsigned *ms);

/* A signal's name (TERM, SIGTERM) or number: the number, or -EINVAL. */
int config_signal(const char *s);

/* Apply one key.  Returns 1 when the key is ours and was applied, 0 when it is not ours (the
 * kernel's, or a module parameter), or -EINVAL with a reason in err. */
int config_apply(struct config *c, const char *key, const char *val, char *err, size_t errlen);

/* Apply every parameter of a parsed command line; the first error stops and is returned. */
int config_apply_cmdline(struct config *c, const struct cmdline *cl, char *err, size_t errlen);

/* Parse /etc/minboot.conf text in place: "key=value" lines (value to the end of the line, no
 * quoting), '#' comments, blank lines.  Errors name the line. */
int config_apply_file(struct config *c, char *text, char *err, size_t errlen);

/* The key table, for --help and the documentation tests.  What each key does is said in
 * minboot-init(8) and the README (kept out of the binary: it would cost the init 2 KiB). */
struct config_key {
	const char *name;       /* a trailing '*' matches a prefix (minboot.env.*) */
	const char *arg;        /* "" for a bare flag */
};
const struct config_key *config_key_at(int i); /* NULL past the end */

#endif
