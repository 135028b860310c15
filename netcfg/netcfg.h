/* Network configuration from ip= / nameserver= / rd.neednet: the same code serves PID 1's network
 * step (init/network.c) and the netcfg tool. */
#ifndef MINBOOT_NETCFG_H
#define MINBOOT_NETCFG_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/policy.h"
#include "netcfg/dhcp.h"
#include "netcfg/rtnl.h"

#define NETCFG_TIMEOUT_MS POLICY_NET_TIMEOUT_MS /* carrier + DHCP for all interfaces */
#define NETCFG_MAX_IFACES POLICY_MAX_IP

/* The library never prints: what it has to say (why an ip= was not applied, a carrier, a lease)
 * goes to fn(arg, level, text) -- log.h's LOG_ERR .. LOG_DEBUG, one line without a program
 * prefix -- or nowhere when fn is NULL.  The init and the tool print it (log_text does). */
struct netcfg_say {
	void (*fn)(void *arg, int level, const char *text);
	void *arg;
};
void nc_say(const struct netcfg_say *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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
	const struct nl_ops *nl; /* the kernel's netlink (NULL: nl_sys_ops); a fake in tests */
	struct netcfg_say say;   /* messages */
	struct netcfg_say plan;  /* dry_run: the plan, a line each ("eth0: static 10.0.2.15/24") */
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
	uint32_t gw;             /* ip='s IPv4 gateway, which replaces the lease's routes (0: none) */
	/* What a new lease after a lost one must rewrite (renew.c): the files under root, the
	 * /etc/hosts line when this link's address is the host's. */
	const char *root;
	bool hosts_entry;
	char hostname[65], domain[256];
};

struct netcfg_result {
	int n;
	struct netcfg_iface ifs[NETCFG_MAX_IFACES];
	int failed;              /* ip= values not applied (malformed, no device, no lease) */
};

/* Configure every ip= value in order.  Returns 0 when all were applied, the number that were not
 * (each with its message), or -errno when netlink itself is unusable.  Never exits. */
int netcfg_run(const struct netcfg_opts *o, const char *const *ips, int nip, struct netcfg_result *res);

/* Bring the loopback link up (always useful, even without ip=) through nl (NULL: the kernel's).
 * 0 or -errno. */
int netcfg_lo_up(const struct nl_ops *nl);
/* Every Ethernet link that is down set up, mark(0, "link up", name) for each: the init calls it
 * as a NIC's driver loads, so carrier and the NIC's receive hold overlap the rest of the boot.
 * NC_SETTLE (the boot will wait for carrier): not one still negotiating (nc_link_negotiating:
 * netcfg_run sets that one up once it has its link).  NC_V6: with its early IPv6 link-local
 * address (linkup.c).  NC_V6_ONLY: no link set up, only that address given to every Ethernet
 * link that is up (a boot with a static address adds it once the payload has started, still
 * long before e1000's carrier).  How many set up, or -errno. */
#define NC_SETTLE  1
#define NC_V6      2
#define NC_V6_ONLY 4
int netcfg_links_up(const struct nl_ops *nl, void (*mark)(long ago_ms, const char *stage, const char *detail),
		    int how);

/* Keep a DHCP lease alive: fork a small process that renews it at T1 (RFC 2131 4.4.5) and, if it
 * is lost, asks again; it says what happens through say.  Returns its pid, 0 when the lease needs
 * no renewal (infinite), or -errno. */
pid_t netcfg_renew_spawn(const struct netcfg_iface *ifc, const struct netcfg_say *say);

/* A lease's routes on ifindex: option 121's classless routes when given (RFC 3442: option 3 is
 * then ignored), else the default route via option 3's router.  A gateway outside the leased
 * subnet is added on-link.  Each failure is said; returns 0 or the last -errno. */
int netcfg_lease_routes(struct nl_sock *s, const char *dev, int ifindex, const struct dhcp_lease *ls,
			const struct netcfg_say *say);

/* Results under root: /etc/hostname, /etc/hosts entry, /etc/resolv.conf.  0 or -errno. */
int netcfg_write_hostname(const char *root, const char *name);
int netcfg_write_hosts(const char *root, const struct nc_ip *addr, const char *name, const char *domain);
int netcfg_write_resolv(const char *root, const struct nc_ip *ns, int nns, const char *domain);

/* Link bring-up (linkup.c).  nc_v6_linklocal: the EUI-64 link-local address of a MAC.
 * nc_v6_linklocal_early: give a link just set up, before carrier, the link-local address the
 * kernel would give it at carrier-up (where IPv6 is on and addr_gen_mode is 0); 0 or -errno. */
void nc_v6_linklocal(struct nc_ip *ll, const unsigned char mac[6]);
int nc_v6_linklocal_early(struct nl_sock *s, const struct nl_link *l);
/* Whether a link that is down is still negotiating where setting it up now would delay its
 * carrier (policy_link_phy_first's drivers, no speed reported yet): it waits for the PHY. */
bool nc_link_negotiating(const struct nl_ops *ops, const char *name);

/* The netcfg tool's entry (argv[0] == "netcfg"). */
int netcfg_main(int argc, char **argv);

#endif
