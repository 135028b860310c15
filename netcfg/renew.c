/* Lease renewal in a small child process, so PID 1's signal loop (init/supervise.c) stays free of
 * timers: the child sleeps until T1, renews over UDP, updates the address lifetime, and if the
 * lease is lost asks for a new one.  SIGTERM at shutdown ends it like any other process. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/log.h" /* the levels */
#include "netcfg/netcfg.h"

static void reacquire(struct nl_sock *s, struct nl_sock *mon, struct netcfg_iface *ifc,
		      const struct netcfg_say *say)
{
	struct dhcp_client c = { .ifindex = ifc->ifindex, .mon = mon, .carrier = true, .say = say };
	struct nc_ip addr = { .family = AF_INET };

	nl_addr_del(s, ifc->ifindex, &ifc->addr, ifc->prefix);
	memcpy(c.mac, ifc->mac, 6);
	memcpy(&c.requested, &ifc->lease.yiaddr, 4);
	do
		c.deadline = nc_now_ms() + POLICY_DHCP_REACQUIRE_MS;
	while (dhcp_acquire(&c, &ifc->lease) < 0);
	memcpy(addr.a, &ifc->lease.yiaddr, 4);
	ifc->addr = addr;
	ifc->prefix = ifc->lease.prefix;
	nc_say(say, LOG_INFO, "%s: new DHCP lease %s/%u", ifc->name, inet_ntop(AF_INET, addr.a, (char[16]){ 0 }, 16),
	       ifc->prefix);
}

/* After a new lease, in this order: the address (with the lease's lifetime), then the routes,
 * which the kernel refuses while no address makes their gateway reachable, then /etc/hosts. */
static void lease_install(struct nl_sock *s, struct netcfg_iface *ifc, bool fresh, const struct netcfg_say *say)
{
	struct dhcp_lease ls = ifc->lease;
	int e = nl_addr_add(s, ifc->ifindex, &ifc->addr, ifc->prefix,
			    ifc->lease.lease ? ifc->lease.lease : NL_FOREVER);

	if (e < 0) {
		nc_say(say, LOG_ERR, "%s: unable to %s the leased address: %s", ifc->name,
		       fresh ? "add" : "update", strerror(-e));
		return;
	}
	if (!fresh) {
		nc_say(say, LOG_DEBUG, "%s: lease renewed for %u s", ifc->name, ifc->lease.lease);
		return;
	}
	if (ifc->gw) { /* ip='s gateway replaces the server's routes, as at boot */
		ls.router = ifc->gw;
		ls.nroutes = 0;
	}
	netcfg_lease_routes(s, ifc->name, ifc->ifindex, &ls, say);
	if (ifc->hosts_entry && (e = netcfg_write_hosts(ifc->root, &ifc->addr, ifc->hostname, ifc->domain)) < 0)
		nc_say(say, LOG_ERR, "unable to write /etc/hosts: %s", strerror(-e));
}

static void renew_loop(struct netcfg_iface *ifc, const struct netcfg_say *say)
{
	struct nl_sock s, mon;
	bool fresh;
	int e;

	if (nl_open(&s, 0) < 0 || nl_open(&mon, 1u << (RTNLGRP_LINK - 1)) < 0) {
		nc_say(say, LOG_ERR, "%s: lease renewal: unable to open netlink: %s", ifc->name, strerror(errno));
		_exit(111);
	}
	for (;;) {
		e = dhcp_renew(ifc->ifindex, ifc->name, ifc->mac, &ifc->lease, ifc->bound_at);
		fresh = e < 0;
		if (fresh) {
			nc_say(say, LOG_WARN, "%s: lease renewal failed (%s); asking again", ifc->name,
			       e == -EPROTO ? "the server said no" : strerror(-e));
			reacquire(&s, &mon, ifc, say);
		}
		ifc->bound_at = nc_now_ms();
		lease_install(&s, ifc, fresh, say);
		if (!ifc->lease.lease || ifc->lease.lease == NL_FOREVER)
			_exit(0);
	}
}

pid_t netcfg_renew_spawn(const struct netcfg_iface *ifc, const struct netcfg_say *say)
{
	struct netcfg_iface copy = *ifc;
	sigset_t none;
	pid_t pid;

	if (!ifc->dhcp || !ifc->lease.lease || ifc->lease.lease == NL_FOREVER)
		return 0;
	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* PID 1 blocks every signal; the child must die on SIGTERM at shutdown. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "netcfg-dhcp");
	renew_loop(&copy, say);
	_exit(0);
}
