/* rtnetlink operations on links, addresses and routes, over the layer in nl.h.  Each operation
 * has a pure builder (buffer in, message out: unit-tested) and a wrapper that talks to the
 * kernel and returns 0 or -errno. */
#ifndef MINBOOT_RTNL_H
#define MINBOOT_RTNL_H
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "netcfg/nl.h"

/* An IPv4 or IPv6 address: family 0 means "not set". */
struct nc_ip {
	int family;              /* AF_INET, AF_INET6 or 0 */
	unsigned char a[16];     /* network byte order; IPv4 uses the first 4 bytes */
};

struct nl_link {
	int index;
	char name[IF_NAMESIZE];
	unsigned flags;          /* IFF_* */
	unsigned short type;     /* ARPHRD_* */
	bool carrier;
	unsigned mtu;
	unsigned char mac[6];
	int maclen;
};

#define NL_LINK_MAX 32
#define NL_FOREVER  0xffffffffu  /* address lifetime: permanent */

/* Links */
int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *l);  /* RTM_NEWLINK -> struct */
int nl_link_list(struct nl_sock *s, struct nl_link *out, int max); /* count or -errno */
int nl_link_find(struct nl_sock *s, const char *name, struct nl_link *l); /* -ENODEV */
struct nlmsghdr *nl_link_build_set(void *buf, size_t size, int ifindex, unsigned flags,
				   unsigned change, unsigned mtu);
int nl_link_up(struct nl_sock *s, int ifindex);
int nl_link_set_mtu(struct nl_sock *s, int ifindex, unsigned mtu);
/* Read every pending RTM_NEWLINK event on mon (opened with RTNLGRP_LINK) without blocking and
 * call fn for each.  Returns the number seen, or -ENOBUFS when events were lost (resync with
 * nl_link_list), or -errno. */
int nl_link_events(struct nl_sock *mon, void (*fn)(const struct nl_link *l, void *data), void *data);
/* Wait until one of the n links in ifindex[] has carrier, reacting to RTM_NEWLINK on mon (opened
 * with RTNLGRP_LINK *before* the links were set up, so no event is missed).  s answers the initial
 * dump.  deadline is in nc_now_ms() time.  Returns the ifindex, or -ETIMEDOUT, or -errno. */
int nl_link_wait_carrier(struct nl_sock *mon, struct nl_sock *s, const int *ifindex, int n,
			 long deadline);

/* Addresses */
struct nlmsghdr *nl_addr_build(void *buf, size_t size, uint16_t cmd, uint16_t flags, int ifindex,
			       const struct nc_ip *ip, unsigned prefix, uint32_t valid_lft);
int nl_addr_add(struct nl_sock *s, int ifindex, const struct nc_ip *ip, unsigned prefix,
		uint32_t valid_lft); /* replaces an existing one (lifetime update on renewal) */
int nl_addr_del(struct nl_sock *s, int ifindex, const struct nc_ip *ip, unsigned prefix);

/* Routes in the main table.  dst NULL or prefix 0 is the default route; gw NULL is on-link.
 * A gateway outside every on-link prefix (a /32 lease) is reached with RTNH_F_ONLINK. */
struct nlmsghdr *nl_route_build(void *buf, size_t size, uint16_t cmd, uint16_t flags, int family,
				const struct nc_ip *dst, unsigned prefix, const struct nc_ip *gw,
				int ifindex, bool onlink);
int nl_route_add(struct nl_sock *s, int family, const struct nc_ip *dst, unsigned prefix,
		 const struct nc_ip *gw, int ifindex, bool onlink);
int nl_route_del(struct nl_sock *s, int family, const struct nc_ip *dst, unsigned prefix,
		 const struct nc_ip *gw, int ifindex);

/* Monotonic clock in milliseconds, for deadlines. */
long nc_now_ms(void);

#endif
