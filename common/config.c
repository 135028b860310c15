#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/config.h"
#include "common/log.h"

typedef int (*setter)(struct config *c, const char *key, const char *val, char *err, size_t n);

struct key_def {
	struct config_key k;
	setter set;
};

/* A long value is shown by its start and its length: the reason must fit in the message. */
static int bad(char *err, size_t n, const char *key, const char *val, const char *why)
{
	size_t l = val ? strlen(val) : 0;

	if (l > 48)
		snprintf(err, n, "bad value for %s: '%.40s...' (%zu bytes) (%s)", key, val, l, why);
	else
		snprintf(err, n, "bad value for %s: '%s' (%s)", key, val ? val : "", why);
	return -EINVAL;
}

static int copy(char *dst, size_t dstlen, const char *key, const char *val, char *err, size_t n)
{
	if (!val)
		return bad(err, n, key, val, "a value is required");
	if (strlen(val) >= dstlen)
		return bad(err, n, key, val, "too long");
	strcpy(dst, val);
	return 1;
}

/* Append to a comma-joined list: several modules-load= add up, as for systemd and dracut. */
static int append(char *dst, size_t dstlen, const char *key, const char *val, char *err, size_t n)
{
	size_t l = strlen(dst);

	if (!val || !*val)
		return bad(err, n, key, val, "a value is required");
	if (l + strlen(val) + 2 > dstlen)
		return bad(err, n, key, val, "too long");
	if (l)
		dst[l++] = ',';
	strcpy(dst + l, val);
	return 1;
}

static int set_payload(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	return copy(c->payload, sizeof(c->payload), key, val, err, n);
}

int config_parse_seconds(const char *val, unsigned *ms)
{
	unsigned long whole = 0, frac = 0, scale = 1000;
	const char *p = val;

	/* Fixed point by hand: "2", "2.5", "0.05s" (strtod would pull floating point into the init) */
	if (!val || *val < '0' || *val > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (*p - '0')) > POLICY_SECONDS_MAX)
			return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (*p == 's')
		p++;
	if (*p)
		return -EINVAL;
	*ms = (unsigned)(whole * 1000 + frac);
	return 0;
}

static int set_enum(const char *const *names, int n, int *out, const char *key, const char *val,
		    char *err, size_t len, const char *why)
{
	int i;

	for (i = 0; val && i < n; i++) {
		if (!strcmp(val, names[i])) {
			*out = i;
			return 1;
		}
	}
	return bad(err, len, key, val, why);
}

static int set_restart(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "no", "on-failure", "always", "on-success", "on-abnormal",
					     "on-abort", "on-watchdog" };
	int v = 0, r = set_enum(names, 7, &v, key, val, err, n,
				"no, on-failure, always, on-success, on-abnormal, on-abort or on-watchdog");

	if (r > 0)
		c->restart = (enum restart_policy)v;
	return r;
}

/* vsock:CID:PORT as systemd's vmm.notify_socket spells it ("vsock-stream:", "vsock-dgram:",
 * "vsock-seqpacket:" force the socket type; plain "vsock:" tries datagrams, then sequenced
 * packets, as systemd does). */
static int set_vsock(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const kinds[] = { "vsock:", "vsock-stream:", "vsock-dgram:", "vsock-seqpacket:" };
	static const int types[] = { 0, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	const char *p = NULL;
	char *end = NULL, *end2 = NULL;
	unsigned long cid = 0, port = 0;
	unsigned i;

	for (i = 0; i < 4 && !p; i++)
		if (!strncmp(val, kinds[i], strlen(kinds[i])))
			p = val + strlen(kinds[i]), c->exit_socktype = types[i];
	if (p && *p >= '0' && *p <= '9')
		cid = strtoul(p, &end, 10);
	if (end && end[0] == ':' && end[1] >= '0' && end[1] <= '9')
		port = strtoul(end + 1, &end2, 10);
	if (!end2 || *end2 || cid > 0xffffffffUL || port > 0xffffffffUL)
		return bad(err, n, key, val, "vsock:CID:PORT, e.g. vsock:2:1234");
	c->exit_cid = (unsigned)cid;
	c->exit_port = (unsigned)port;
	c->exit_report = EXIT_VSOCK;
	return 1;
}

static int set_exit(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "console", "isa-debug-exit", "virtio-serial" };
	int v = 0, r;

	if (val && !strncmp(val, "vsock", 5))
		return set_vsock(c, key, val, err, n);
	r = set_enum(names, 3, &v, key, val, err, n, "console, isa-debug-exit, virtio-serial or vsock:CID:PORT");
	if (r > 0)
		c->exit_report = (enum exit_report)v;
	return r;
}

static int set_uint(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	char *end;
	unsigned long v;

	if (!val || !*val || (v = strtoul(val, &end, 10), *end) || v > 1000000)
		return bad(err, n, key, val, "a whole number");
	c->restart_max = (unsigned)v;
	return 1;
}

/* Durations in seconds (fractions allowed); which field is picked by the key. */
static int set_duration(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	unsigned *field = !strcmp(key, "minboot.restart-delay") ? &c->restart_delay_ms :
			  !strcmp(key, "minboot.restart-delay-max") ? &c->restart_delay_max_ms :
			  !strcmp(key, "minboot.watchdog") ? &c->watchdog_ms :
			  !strcmp(key, "minboot.fstab-timeout") ? &c->fstab_timeout_ms :
			  !strcmp(key, "minboot.net-timeout") ? &c->net_timeout_ms :
			  !strcmp(key, "minboot.root-timeout") ? &c->root_timeout_ms :
			  !strcmp(key, "minboot.start-timeout") ? &c->start_timeout_ms : &c->stop_timeout_ms;

	if (config_parse_seconds(val, field))
		return bad(err, n, key, val, "seconds, 0 to 86400");
	return 1;
}

static int set_listen(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	return append(c->listen, sizeof(c->listen), key, val, err, n);
}

static int set_user(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (key[8] == 'g') /* minboot.groups */
		return copy(c->groups, sizeof(c->groups), key, val, err, n);
	return copy(c->user, sizeof(c->user), key, val, err, n);
}

static int set_workdir(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (val && val[0] != '/')
		return bad(err, n, key, val, "an absolute path");
	return copy(c->workdir, sizeof(c->workdir), key, val, err, n);
}

static int set_shutdown(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "poweroff", "reboot", "halt" };
	int v = 0, r = set_enum(names, 3, &v, key, val, err, n, "poweroff, reboot or halt");

	if (r > 0)
		c->shutdown = (enum shutdown_mode)v;
	return r;
}

static int set_log(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	return set_enum(names, 4, &c->log_level, key, val, err, n, "err, warn, info or debug");
}

/* The kernel's own root= family: with an initramfs the kernel leaves them to /init. */
static int set_root(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	char *dst = !strcmp(key, "root") ? c->root : !strcmp(key, "rootfstype") ? c->rootfstype : c->rootflags;
	size_t len = !strcmp(key, "root") ? sizeof(c->root) : !strcmp(key, "rootfstype") ? sizeof(c->rootfstype) : sizeof(c->rootflags);

	return copy(dst, len, key, val, err, n) < 0 ? -EINVAL : 0;
}

/* minboot.timeline, minboot.root-overlay */
static int set_timeline(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	int *f = key[8] == 't' ? &c->timeline : &c->root_overlay;

	if (!val || !strcmp(val, "1"))
		*f = 1;
	else if (!strcmp(val, "0"))
		*f = 0;
	else
		return bad(err, n, key, val, "0 or 1");
	return 1;
}

static int set_quiet(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	(void)key, (void)val, (void)err, (void)n;
	c->log_level = LOG_WARN;
	return 0; /* the kernel's too: not exclusively ours */
}

static int set_rw(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	(void)val, (void)err, (void)n;
	c->rw = !strcmp(key, "rw");
	return 0; /* the kernel reads it too */
}

static int set_env(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	const char *name = key + strlen("minboot.env.");
	int i, len;

	if (!*name || strchr(name, '=') || !val)
		return bad(err, n, key, val, "minboot.env.NAME=value");
	for (i = 0; i < c->nenv; i++) { /* a later setting of the same name wins */
		len = strlen(name);
		if (!strncmp(c->env[i], name, len) && c->env[i][len] == '=')
			break;
	}
	if (i == CONFIG_MAX_ENV)
		return bad(err, n, key, val, "too many minboot.env variables");
	if ((size_t)snprintf(c->env[i], sizeof(c->env[i]), "%s=%s", name, val) >= sizeof(c->env[i]))
		return bad(err, n, key, val, "too long");
	if (i == c->nenv)
		c->nenv++;
	return 1;
}

static int set_modules_load(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	return append(c->modules_load, sizeof(c->modules_load), key, val, err, n);
}

static int set_blacklist(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	/* A list that does not fit is refused, never cut: a module would load that was refused. */
	if (append(c->blacklist, sizeof(c->blacklist), key, val, err, n) < 0)
		return -EINVAL;
	return 0; /* the kernel also reads module_blacklist=, and modprobe.blacklist is kmod's */
}

static int set_ip(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (c->nip >= CONFIG_MAX_IP)
		return bad(err, n, key, val, "too many ip= parameters");
	if (copy(c->ip[c->nip], sizeof(c->ip[0]), key, val, err, n) < 0)
		return -EINVAL;
	c->nip++;
	return 0; /* the kernel's own syntax: harmless for it to see too */
}

static int set_nameserver(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	return append(c->nameserver, sizeof(c->nameserver), key, val, err, n) < 0 ? -EINVAL : 0;
}

static int set_coldplug(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (!val || (strcmp(val, "0") && strcmp(val, "1")))
		return bad(err, n, key, val, "0 or 1");
	c->no_coldplug = !strcmp(val, "0");
	return 1;
}

static int set_neednet(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (!val || !strcmp(val, "1"))
		c->neednet = 1;
	else if (!strcmp(val, "0"))
		c->neednet = 0;
	else
		return bad(err, n, key, val, "0 or 1");
	return 0;
}

/* ---- what a systemd unit says of its service ---- */

/* The index of s in a list of NUL-terminated names ending with an empty one, or -1. */
static int name_index(const char *names, const char *s)
{
	int i;

	for (i = 0; *names; i++, names += strlen(names) + 1)
		if (!strcasecmp(names, s))
			return i;
	return -1;
}

static int number(const char *s, int base, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return *end || errno || *v > max ? -EINVAL : 0;
}

int config_signal(const char *s)
{
	static const char names[] = "\0HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0"
				    "ALRM\0TERM\0STKFLT\0CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0"
				    "VTALRM\0PROF\0WINCH\0IO\0PWR\0SYS\0";
	unsigned long long v;
	int i;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (number(s, 10, 64, &v) == 0 && v > 0)
		return (int)v;
	for (i = 1; *s && i < 32; i++) /* names + 1: the list starts after signal 0's empty name */
		if (name_index(names + 1, s) == i - 1)
			return i;
	return -EINVAL;
}

static int set_type(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "simple", "exec", "notify", "forking", "oneshot" };
	int v = 0, r = set_enum(names, 5, &v, key, val, err, n, "simple, exec, notify, forking or oneshot");

	if (r > 0)
		c->type = (enum service_type)v;
	return r;
}

static int set_kill_mode(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "control-group", "mixed", "process", "none" };
	int v = 0, r = set_enum(names, 4, &v, key, val, err, n, "control-group, mixed, process or none");

	if (r > 0)
		c->kill_mode = (enum kill_mode)v;
	return r;
}

static int set_kill_signal(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	int sig = val ? config_signal(val) : -EINVAL;

	if (sig < 0)
		return bad(err, n, key, val, "a signal: TERM, SIGQUIT, 2, ...");
	c->kill_signal = sig;
	return 1;
}

static int set_pidfile(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (val && val[0] != '/')
		return bad(err, n, key, val, "an absolute path");
	return copy(c->pidfile, sizeof(c->pidfile), key, val, err, n);
}

static int set_umask(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	unsigned long long v;

	if (!val || number(val, 8, 0777, &v) < 0)
		return bad(err, n, key, val, "octal, 0 to 0777");
	c->umask = (int)v;
	return 1;
}

static int set_nnp(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (!val || (strcmp(val, "0") && strcmp(val, "1")))
		return bad(err, n, key, val, "0 or 1");
	c->no_new_privs = val[0] == '1';
	return 1;
}

/* Capability names as in capabilities(7), without CAP_ (CAP_ may be given), by number. */
static const char cap_names[] =
	"chown\0dac_override\0dac_read_search\0fowner\0fsetid\0kill\0setgid\0setuid\0setpcap\0"
	"linux_immutable\0net_bind_service\0net_broadcast\0net_admin\0net_raw\0ipc_lock\0ipc_owner\0"
	"sys_module\0sys_rawio\0sys_chroot\0sys_ptrace\0sys_pacct\0sys_admin\0sys_boot\0sys_nice\0"
	"sys_resource\0sys_time\0sys_tty_config\0mknod\0lease\0audit_write\0audit_control\0setfcap\0"
	"mac_override\0mac_admin\0syslog\0wake_alarm\0block_suspend\0audit_read\0perfmon\0bpf\0"
	"checkpoint_restore\0";

/* "net_bind_service,CAP_NET_RAW" (commas or spaces); empty: none. */
static int set_caps(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	char list[512], *w, *save = NULL;
	unsigned long long mask = 0;
	int i;

	if (!val || strlen(val) >= sizeof(list))
		return bad(err, n, key, val, "capability names");
	strcpy(list, val);
	for (w = strtok_r(list, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if ((i = name_index(cap_names, strncasecmp(w, "cap_", 4) ? w : w + 4)) < 0)
			return bad(err, n, key, w, "not a capability");
		mask |= 1ULL << i;
	}
	if (!strcmp(key, "minboot.cap-ambient")) {
		c->cap_ambient = mask;
	} else {
		c->cap_bound = mask;
		c->has_cap_bound = 1;
	}
	return 1;
}

static int limit_value(const char *s, unsigned long long *v)
{
	if (!strcmp(s, "infinity")) {
		*v = CONFIG_INFINITY;
		return 0;
	}
	return number(s, 10, CONFIG_INFINITY - 1, v);
}

/* minboot.limit.NOFILE=SOFT[:HARD]: numbers (the packer converts systemd's units) or infinity. */
static int set_limit(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char names[] = "cpu\0fsize\0data\0stack\0core\0rss\0nproc\0nofile\0memlock\0as\0"
				    "locks\0sigpending\0msgqueue\0nice\0rtprio\0rttime\0";
	int res = name_index(names, key + strlen("minboot.limit.")), i;
	char soft[32];
	const char *colon = val ? strchr(val, ':') : NULL;
	struct config_limit l;

	if (res < 0)
		return bad(err, n, key, val, "no such limit: NOFILE, NPROC, CORE, MEMLOCK, ...");
	if (!val || (size_t)snprintf(soft, sizeof(soft), "%.*s", colon ? (int)(colon - val) : 31, val) >= sizeof(soft) ||
	    limit_value(soft, &l.soft) < 0 || limit_value(colon ? colon + 1 : soft, &l.hard) < 0 || l.soft > l.hard)
		return bad(err, n, key, val, "SOFT[:HARD], numbers or infinity");
	l.res = res;
	for (i = 0; i < c->nlimit && c->limit[i].res != res; i++)
		;
	if (i == POLICY_MAX_LIMITS)
		return bad(err, n, key, val, "too many limits");
	c->limit[i] = l;
	c->nlimit += i == c->nlimit;
	return 1;
}

/* Lines joined by '\n' (no setting holds one: the file is read by lines). */
static int add_line(char *dst, size_t dstlen, const char *head, const char *val)
{
	size_t l = strlen(dst);

	if (l + strlen(head) + strlen(val) + 2 > dstlen)
		return -1;
	sprintf(dst + l, "%s%s%s\n", l && dst[l - 1] != '\n' ? "\n" : "", head, val);
	return 0;
}

/* minboot.exec-start-pre, -start-post, -reload, -stop: commands with systemd's prefixes, in order. */
static int set_exec(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char kinds[] = "start-pre\0start-post\0reload\0stop\0";
	char head[2] = { POLICY_EXEC_KINDS[name_index(kinds, key + strlen("minboot.exec-"))], 0 };

	if (!val || !*val)
		return bad(err, n, key, val, "a command");
	if (add_line(c->exec, sizeof(c->exec), head, val) < 0)
		return bad(err, n, key, val, "too long: the commands together are too long");
	return 1;
}

/* minboot.dir=PATH[:MODE]: made at boot (as systemd's RuntimeDirectory= and friends), owned by
 * the payload's user. */
static int set_dir(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	const char *colon = val ? strrchr(val, ':') : NULL;
	unsigned long long mode = 0755;

	if (!val || val[0] != '/' || (colon && number(colon + 1, 8, 07777, &mode) < 0))
		return bad(err, n, key, val, "an absolute path, then :MODE (octal)");
	if (add_line(c->dirs, sizeof(c->dirs), "", val) < 0)
		return bad(err, n, key, val, "too long");
	return 1;
}

static const struct key_def keys[] = {
	{ { "minboot.payload", "CMD ARGS" }, set_payload },
	{ { "minboot.shutdown", "poweroff|reboot|halt" }, set_shutdown },
	{ { "minboot.stop-timeout", "SECONDS" }, set_duration },
	{ { "minboot.log", "err|warn|info|debug" }, set_log },
	{ { "minboot.env.*", "VALUE" }, set_env },
	{ { "minboot.restart", "no|on-failure|always" }, set_restart },
	{ { "minboot.restart-max", "N" }, set_uint },
	{ { "minboot.restart-delay", "SECONDS" }, set_duration },
	{ { "minboot.restart-delay-max", "SECONDS" }, set_duration },
	{ { "minboot.watchdog", "SECONDS" }, set_duration },
	{ { "minboot.listen", "[ADDR:]PORT|udp:[ADDR:]PORT|unix:PATH" }, set_listen },
	{ { "minboot.user", "USER[:GROUP]" }, set_user },
	{ { "minboot.groups", "GROUP,..." }, set_user },
	{ { "minboot.workdir", "DIR" }, set_workdir },
	{ { "minboot.exit", "console|isa-debug-exit|virtio-serial|vsock:CID:PORT" }, set_exit },
	{ { "minboot.fstab-timeout", "SECONDS" }, set_duration },
	{ { "root", "DEV|UUID=U|LABEL=L" }, set_root },
	{ { "rootfstype", "TYPE" }, set_root },
	{ { "rootflags", "OPTS" }, set_root },
	{ { "minboot.timeline", "0|1" }, set_timeline },
	{ { "minboot.root-timeout", "SECONDS" }, set_duration },
	{ { "minboot.root-overlay", "0|1" }, set_timeline },
	{ { "quiet", "" }, set_quiet },
	{ { "rw", "" }, set_rw },
	{ { "ro", "" }, set_rw },
	{ { "modules-load", "MOD[,MOD]" }, set_modules_load },
	{ { "rd.modules-load", "MOD[,MOD]" }, set_modules_load },
	{ { "minboot.coldplug", "0|1" }, set_coldplug },
	{ { "modprobe.blacklist", "MOD[,MOD]" }, set_blacklist },
	{ { "ip", "SPEC" }, set_ip },
	{ { "nameserver", "ADDR" }, set_nameserver },
	{ { "rd.neednet", "0|1" }, set_neednet },
	{ { "minboot.net-timeout", "SECONDS" }, set_duration },
	{ { "minboot.type", "simple|exec|notify|forking|oneshot" }, set_type },
	{ { "minboot.pidfile", "PATH" }, set_pidfile },
	{ { "minboot.start-timeout", "SECONDS" }, set_duration },
	{ { "minboot.kill-signal", "SIGNAL" }, set_kill_signal },
	{ { "minboot.kill-mode", "control-group|mixed|process|none" }, set_kill_mode },
	{ { "minboot.exec-start-pre", "CMD" }, set_exec },
	{ { "minboot.exec-start-post", "CMD" }, set_exec },
	{ { "minboot.exec-reload", "CMD" }, set_exec },
	{ { "minboot.exec-stop", "CMD" }, set_exec },
	{ { "minboot.dir", "PATH[:MODE]" }, set_dir },
	{ { "minboot.umask", "OCTAL" }, set_umask },
	{ { "minboot.limit.*", "SOFT[:HARD]" }, set_limit },
	{ { "minboot.no-new-privileges", "0|1" }, set_nnp },
	{ { "minboot.cap-bound", "CAP,..." }, set_caps },
	{ { "minboot.cap-ambient", "CAP,..." }, set_caps },
	{ { NULL, NULL }, NULL },
};

const struct config_key *config_key_at(int i)
{
	return i >= 0 && i < (int)(sizeof(keys) / sizeof(keys[0])) - 1 ? &keys[i].k : NULL;
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->shutdown = SHUTDOWN_POWEROFF;
	c->stop_timeout_ms = POLICY_STOP_TIMEOUT_MS;
	c->log_level = LOG_INFO;
	c->rw = -1;
	c->restart_max = POLICY_RESTART_MAX;
	c->restart_delay_ms = POLICY_RESTART_DELAY_MS;
	c->restart_delay_max_ms = POLICY_RESTART_DELAY_MAX_MS;
	c->fstab_timeout_ms = POLICY_FSTAB_TIMEOUT_MS;
	c->root_timeout_ms = POLICY_ROOT_TIMEOUT_MS;
	c->net_timeout_ms = POLICY_NET_TIMEOUT_MS;
	c->timeline = 1;
	c->kill_signal = SIGTERM;
	c->umask = -1;
}

static int key_matches(const char *pattern, const char *key)
{
	size_t l = strlen(pattern);

	if (l && pattern[l - 1] == '*')
		return !strncmp(pattern, key, l - 1);
	return !strcmp(pattern, key);
}

int config_apply(struct config *c, const char *key, const char *val, char *err, size_t errlen)
{
	const struct key_def *d;

	for (d = keys; d->k.name; d++)
		if (key_matches(d->k.name, key))
			return d->set(c, key, val, err, errlen);
	/* A typo in our own namespace must not pass silently; everything else is the kernel's. */
	if (!strncmp(key, "minboot.", 8)) {
		snprintf(err, errlen, "unknown parameter %s", key);
		return -EINVAL;
	}
	return 0;
}

int config_apply_cmdline(struct config *c, const struct cmdline *cl, char *err, size_t errlen)
{
	int i, r;

	for (i = 0; i < cl->nparams; i++) {
		r = config_apply(c, cl->params[i].key, cl->params[i].val, err, errlen);
		if (r < 0)
			return r;
	}
	if (cl->has_dashdash && cl->argc > 0) {
		for (i = 0; i <= cl->argc; i++)
			c->payload_override[i] = cl->argv[i];
		c->has_override = 1;
	}
	c->cmdline = cl;
	return 0;
}

int config_apply_file(struct config *c, char *text, char *err, size_t errlen)
{
	char *line, *next, *eq, why[CONFIG_STR / 4];
	int lineno = 0, r;

	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (eq)
			*eq++ = '\0';
		r = config_apply(c, line, eq, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			return r;
		}
	}
	return 0;
}
