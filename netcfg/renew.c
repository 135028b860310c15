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

#include "common/log.h"
#include "netcfg/netcfg.h"

#define REACQUIRE_MS 60000 /* each new attempt after a lost lease */

static void reacquire(struct nl_sock *s, struct nl_sock *mon, struct netcfg_iface *ifc)
{
	struct dhcp_client c = { .ifindex = ifc->ifindex, .mon = mon, .carrier = true };
	struct nc_ip addr = { .family = AF_INET };

	nl_addr_del(s, ifc->ifindex, &ifc->addr, ifc->prefix);
	memcpy(c.mac, ifc->mac, 6);
	memcpy(&c.requested, &ifc->lease.yiaddr, 4);
	do
		c.deadline = nc_now_ms() + REACQUIRE_MS;
	while (dhcp_acquire(&c, &ifc->lease) < 0);
	memcpy(addr.a, &ifc->lease.yiaddr, 4);
	ifc->addr = addr;
	ifc->prefix = ifc->lease.prefix;
	info("%s: new DHCP lease %s", ifc->name, inet_ntop(AF_INET, addr.a, (char[16]){ 0 }, 16));
}

static void renew_loop(struct netcfg_iface *ifc)
{
	struct nl_sock s, mon;
	int e;

	if (nl_open(&s, 0) < 0 || nl_open(&mon, 1u << (RTNLGRP_LINK - 1)) < 0) {
		err("%s: lease renewal: unable to open netlink: %s", ifc->name, strerror(errno));
		_exit(111);
	}
	for (;;) {
		e = dhcp_renew(ifc->ifindex, ifc->name, ifc->mac, &ifc->lease, ifc->bound_at);
		if (e < 0) {
			warn("%s: lease renewal failed (%s); asking again", ifc->name,
			     e == -EPROTO ? "the server said no" : strerror(-e));
			reacquire(&s, &mon, ifc);
			netcfg_lease_routes(&s, ifc->name, ifc->ifindex, &ifc->lease);
		}
		ifc->bound_at = nc_now_ms();
		e = nl_addr_add(&s, ifc->ifindex, &ifc->addr, ifc->prefix,
				ifc->lease.lease ? ifc->lease.lease : NL_FOREVER);
		if (e < 0)
			err("%s: unable to update the address lifetime: %s", ifc->name, strerror(-e));
		else
			dbg("%s: lease renewed for %u s", ifc->name, ifc->lease.lease);
		if (!ifc->lease.lease || ifc->lease.lease == NL_FOREVER)
			_exit(0);
	}
}

pid_t netcfg_renew_spawn(const struct netcfg_iface *ifc)
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
	renew_loop(&copy);
	_exit(0);
}
