/* Network configuration from ip= / nameserver= / rd.neednet: the same code serves PID 1's network
 * step (init/network.c) and the netcfg tool. */
#ifndef MINBOOT_NETCFG_H
#define MINBOOT_NETCFG_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "netcfg/dhcp.h"
#include "netcfg/rtnl.h"

#define NETCFG_TIMEOUT_MS 30000 /* carrier + DHCP for all interfaces, then boot goes on */
#define NETCFG_MAX_IFACES 8

struct netcfg_opts {
	const char *root;        /* prefix for the files written under /etc ("" or NULL: /) */
	bool dry_run;            /* print the plan, touch nothing */
	long timeout_ms;         /* 0: NETCFG_TIMEOUT_MS */
	const char *nameservers; /* nameserver= values, comma-joined (NULL: none) */
	bool wait_carrier;       /* static addresses: wait for carrier too (rd.neednet=1) */
	/* Seam for the call that changes the machine outside the network namespace (tests record
	 * it); NULL is sethostname(2). */
	int (*sethostname)(const char *name, size_t len);
	/* Progress for a boot timeline, or NULL: stage "carrier", "address" or "dhcp lease", detail
	 * "eth0" or "eth0 10.0.2.15/24"; ago_ms: how long before the call it happened. */
	void (*mark)(long ago_ms, const char *stage, const char *detail);
};

/* One configured interface. */
struct netcfg_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[6];
	bool dhcp;
	struct dhcp_lease lease; /* when dhcp */
	long bound_at;           /* nc_now_ms() at the ACK */
	struct nc_ip addr;
	unsigned prefix;
};

struct netcfg_result {
	int n;
	struct netcfg_iface ifs[NETCFG_MAX_IFACES];
	int failed;              /* ip= values not applied (malformed, no device, no lease) */
};

/* Configure every ip= value in order.  Returns 0 when all were applied, the number that were not
 * (each with its message), or -errno when netlink itself is unusable.  Never exits. */
int netcfg_run(const struct netcfg_opts *o, const char *const *ips, int nip, struct netcfg_result *res);

/* Bring the loopback link up (always useful, even without ip=).  0 or -errno. */
int netcfg_lo_up(void);

/* Keep a DHCP lease alive: fork a small process that renews it at T1 (RFC 2131 4.4.5) and, if it
 * is lost, asks again.  Returns its pid, 0 when the lease needs no renewal (infinite), or -errno. */
pid_t netcfg_renew_spawn(const struct netcfg_iface *ifc);

/* A lease's routes on ifindex: option 121's classless routes when given (RFC 3442: option 3 is
 * then ignored), else the default route via option 3's router.  A gateway outside the leased
 * subnet is added on-link.  Each failure is logged; returns 0 or the last -errno. */
int netcfg_lease_routes(struct nl_sock *s, const char *dev, int ifindex, const struct dhcp_lease *ls);

/* Results under root: /etc/hostname, /etc/hosts entry, /etc/resolv.conf.  0 or -errno. */
int netcfg_write_hostname(const char *root, const char *name);
int netcfg_write_hosts(const char *root, const struct nc_ip *addr, const char *name, const char *domain);
int netcfg_write_resolv(const char *root, const struct nc_ip *ns, int nns, const char *domain);

/* Link bring-up (linkup.c).  nc_v6_linklocal: the EUI-64 link-local address of a MAC.
 * nc_v6_linklocal_early: give a link just set up, before carrier, the link-local address the
 * kernel would give it at carrier-up (where IPv6 is on and addr_gen_mode is 0); 0 or -errno. */
void nc_v6_linklocal(struct nc_ip *ll, const unsigned char mac[6]);
int nc_v6_linklocal_early(struct nl_sock *s, const struct nl_link *l);

/* The netcfg tool's entry (argv[0] == "netcfg"). */
int netcfg_main(int argc, char **argv);

#endif
