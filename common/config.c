#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"

typedef int (*setter)(struct config *c, const char *key, const char *val, char *err, size_t n);

struct key_def {
	struct config_key k;
	setter set;
};

static int bad(char *err, size_t n, const char *key, const char *val, const char *why)
{
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
		if ((whole = whole * 10 + (*p - '0')) > 86400)
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
	static const char *const names[] = { "no", "on-failure", "always" };
	int v = 0, r = set_enum(names, 3, &v, key, val, err, n, "no, on-failure or always");

	if (r > 0)
		c->restart = (enum restart_policy)v;
	return r;
}

static int set_exit(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	static const char *const names[] = { "console", "isa-debug-exit" };
	int v = 0, r = set_enum(names, 2, &v, key, val, err, n, "console or isa-debug-exit");

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
			  !strcmp(key, "minboot.root-timeout") ? &c->root_timeout_ms : &c->stop_timeout_ms;

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

static int set_timeline(struct config *c, const char *key, const char *val, char *err, size_t n)
{
	if (!val || !strcmp(val, "1"))
		c->timeline = 1;
	else if (!strcmp(val, "0"))
		c->timeline = 0;
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
	append(c->blacklist, sizeof(c->blacklist), key, val, err, n);
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
	{ { "minboot.workdir", "DIR" }, set_workdir },
	{ { "minboot.exit", "console|isa-debug-exit" }, set_exit },
	{ { "minboot.fstab-timeout", "SECONDS" }, set_duration },
	{ { "root", "DEV|UUID=U|LABEL=L" }, set_root },
	{ { "rootfstype", "TYPE" }, set_root },
	{ { "rootflags", "OPTS" }, set_root },
	{ { "minboot.timeline", "0|1" }, set_timeline },
	{ { "minboot.root-timeout", "SECONDS" }, set_duration },
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
	c->stop_timeout_ms = 10000;
	c->log_level = LOG_INFO;
	c->rw = -1;
	c->restart_max = 5;
	c->restart_delay_ms = 500;
	c->restart_delay_max_ms = 30000;
	c->fstab_timeout_ms = 10000;
	c->root_timeout_ms = 30000;
	c->net_timeout_ms = 30000;
	c->timeline = 1;
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
