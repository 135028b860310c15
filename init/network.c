/* Step 5: the network, from ip= / nameserver= / rd.neednet (netcfg/).  It runs after the NIC
 * drivers are loaded and before the payload, which expects its address.  Never fatal: an
 * appliance whose network does not come up still boots, and the console says why. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "init/init.h"
#include "netcfg/ipspec.h"
#include "netcfg/netcfg.h"

static void renewals(const struct netcfg_result *res, const struct netcfg_say *say)
{
	pid_t pid;
	int i;

	for (i = 0; i < res->n; i++) {
		pid = netcfg_renew_spawn(&res->ifs[i], say);
		if (pid < 0)
			warn("%s: unable to start lease renewal: %s", res->ifs[i].name, strerror(-pid));
		else if (pid > 0)
			info("%s: lease renewal in process %d (first at T1, %u s)", res->ifs[i].name, (int)pid,
			     dhcp_t1(&res->ifs[i].lease));
	}
}

int network_waits(const struct config *c)
{
	struct ipspec sp;
	char e[8];
	int i;

	for (i = 0; i < c->nip && !c->neednet; i++)
		if (ipspec_parse(c->ip[i], &sp, e, sizeof(e)) == 0 && sp.proto == IP_DHCP)
			return 1;
	return c->neednet;
}

int step_network(struct boot *b)
{
	static struct netcfg_result res; /* PID 1's stack stays small */
	const struct config *c = &b->cfg;
	struct netcfg_opts o = { .root = b->m->root, .nameservers = c->nameserver, .wait_carrier = c->neednet,
				 .timeout_ms = c->net_timeout_ms ? (long)c->net_timeout_ms : 1,
				 .sethostname = b->m->sethostname, .nl = b->m->netlink,
				 .mark = timeline_mark_ago, .say = { log_text, NULL } };
	const char *ips[CONFIG_MAX_IP];
	long t0 = uptime_ms(b);
	char detail[64];
	int i, n = c->nip, r;

	r = netcfg_lo_up(b->m->netlink);
	if (r < 0)
		warn("unable to set the loopback link up: %s", strerror(-r));
	else
		timeline_mark("loopback", NULL); /* the request is 11 ms under TCG: 127.0.0.1, ::1, routes */
	if (!n && !c->neednet)
		return 0;
	for (i = 0; i < n; i++)
		ips[i] = c->ip[i];
	if (!n)
		ips[n++] = "dhcp"; /* rd.neednet=1 without ip=: dracut's default */
	if (network_waits(c))
		crng_seed(b); /* the wait is idle time: the CRNG is seeded in it */
	r = netcfg_run(&o, ips, n, &res);
	renewals(&res, &o.say);
	snprintf(detail, sizeof(detail), "%d configured, %d not", res.n, r > 0 ? r : r < 0 ? n : 0);
	info("network: %s, %ld ms", detail, uptime_ms(b) - t0);
	timeline_mark("network", detail);
	return 0;
}
