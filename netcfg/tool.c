/* netcfg: the network step of the init as a command, for use and for tests outside PID 1.
 *   netcfg [--dry-run] [--root DIR] [--timeout SECONDS] [--renew] ip=SPEC... [nameserver=ADDR]...
 * Exit: 0 configured, 1 some ip= not applied, 100 usage, 111 netlink unusable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "netcfg/netcfg.h"

static const char usage[] =
	"usage: netcfg [-v] [--dry-run] [--root DIR] [--timeout SECONDS] [--renew] [--no-hostname]\n"
	"              ip=SPEC... [nameserver=ADDR]... [rd.neednet=1]\n"
	"  SPEC is the kernel's: CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:DNS1:NTP0,\n"
	"  or dhcp | on | any | off | none | auto6 | DEVICE:dhcp (see netcfg(8))\n";

struct args {
	struct netcfg_opts o;
	const char *ips[NETCFG_MAX_IFACES + 1];
	int nip;
	char ns[256];
	bool renew, neednet;
};

static int no_hostname(const char *name, size_t len)
{
	(void)name, (void)len;
	return 0;
}

static int parse_timeout(const char *s, long *ms)
{
	unsigned v;

	if (config_parse_seconds(s, &v) < 0 || v == 0)
		return -EINVAL;
	*ms = v;
	return 0;
}

static int add_ns(struct args *a, const char *v)
{
	size_t l = strlen(a->ns);

	if (!*v || l + strlen(v) + 2 > sizeof(a->ns))
		return -EINVAL;
	snprintf(a->ns + l, sizeof(a->ns) - l, "%s%s", l ? "," : "", v);
	return 0;
}

static int parse_word(struct args *a, const char *w)
{
	if (!strncmp(w, "ip=", 3)) {
		if (a->nip > NETCFG_MAX_IFACES)
			return -E2BIG;
		a->ips[a->nip++] = w + 3;
		return 0;
	}
	if (!strncmp(w, "nameserver=", 11))
		return add_ns(a, w + 11);
	if (!strcmp(w, "rd.neednet") || !strcmp(w, "rd.neednet=1")) {
		a->neednet = true;
		return 0;
	}
	return -EINVAL;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			a->o.dry_run = true;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			log_level = LOG_DEBUG;
		else if (!strcmp(argv[i], "--renew"))
			a->renew = true;
		else if (!strcmp(argv[i], "--no-hostname"))
			a->o.sethostname = no_hostname;
		else if (!strcmp(argv[i], "--root") && i + 1 < argc)
			a->o.root = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (parse_timeout(argv[++i], &a->o.timeout_ms) < 0)
				return -EINVAL;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
		else if (parse_word(a, argv[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

/* --dry-run's plan goes to stdout, the messages to stderr. */
static void plan_line(void *arg, int level, const char *text)
{
	(void)arg, (void)level;
	printf("%s\n", text);
}

/* --renew: stay in the foreground while the renewal processes run. */
static void renew_all(const struct netcfg_result *res, const struct netcfg_say *say)
{
	int i, n = 0;

	for (i = 0; i < res->n; i++)
		if (netcfg_renew_spawn(&res->ifs[i], say) > 0)
			n++;
	while (n > 0 && wait(NULL) > 0)
		n--;
}

int netcfg_main(int argc, char **argv)
{
	static struct args a;
	static struct netcfg_result res;
	int r = parse_args(&a, argc, argv);

	if (r != 0) {
		fputs(usage, r > 0 ? stdout : stderr);
		return r > 0 ? 0 : 100;
	}
	if (!a.nip && a.neednet)
		a.ips[a.nip++] = "dhcp"; /* dracut: rd.neednet=1 without ip= means DHCP */
	if (!a.nip) {
		fputs(usage, stderr);
		return 100;
	}
	a.o.nameservers = a.ns;
	a.o.wait_carrier = true; /* the tool waits: it reports the link as part of its job */
	a.o.say.fn = log_text;
	a.o.plan.fn = plan_line;
	r = netcfg_run(&a.o, a.ips, a.nip, &res);
	fflush(stdout);
	if (r < 0)
		return 111;
	if (a.renew && !a.o.dry_run)
		renew_all(&res, &a.o.say);
	return r ? 1 : 0;
}
