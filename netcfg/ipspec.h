/* The ip= parameter: the kernel's syntax (Documentation/admin-guide/nfs/nfsroot.rst) and the
 * dracut extensions that users rely on (dracut.cmdline(7)).  Pure: string in, struct out. */
#ifndef MINBOOT_IPSPEC_H
#define MINBOOT_IPSPEC_H
#include <stdbool.h>
#include <stddef.h>

#include "netcfg/rtnl.h"

enum ip_proto {
	IP_OFF,     /* off, none: no network configuration at all */
	IP_STATIC,  /* a client address was given and autoconf is empty, off or none */
	IP_DHCP,    /* dhcp, on, any (and the kernel's default when no client address is given) */
	IP_AUTO6,   /* auto6: link up; the kernel's own router discovery (SLAAC) does the rest */
};

#define IPSPEC_HOSTNAME 64   /* the kernel's __NEW_UTS_LEN */

struct ipspec {
	enum ip_proto proto;
	struct nc_ip client;     /* static address, or the address to request over DHCP */
	struct nc_ip server;     /* <server-ip>, dracut's <peer>: recorded, not used */
	struct nc_ip gw;
	unsigned prefix;         /* from <netmask> (dotted or a length) or client/LEN */
	char hostname[IPSPEC_HOSTNAME + 1];
	char dev[IF_NAMESIZE];   /* "" : autoselect, the first link with carrier */
	struct nc_ip dns[2];
	struct nc_ip ntp;        /* recorded, printed in the plan; minboot runs no NTP client */
	unsigned mtu;            /* dracut's <mtu> field; 0 when not given */
	unsigned char mac[6];    /* dracut's <macaddr>: recorded, the link is matched by name */
	bool has_mac;
};

/* Parse the value of one ip= (without "ip=").  Returns 0, or -EINVAL with a reason in err. */
int ipspec_parse(const char *s, struct ipspec *spec, char *err, size_t errlen);

/* One line describing spec for --dry-run and the boot log ("eth0: static 10.0.2.15/24 ..."). */
void ipspec_describe(const struct ipspec *spec, char *buf, size_t size);

/* Parse an address (IPv4 dotted, or IPv6 with or without brackets).  "0.0.0.0" and "::" are
 * "not set" (family 0), as in the kernel's ipconfig.  Returns 0 or -EINVAL. */
int nc_ip_parse(const char *s, struct nc_ip *ip);
const char *nc_ip_str(const struct nc_ip *ip, char *buf, size_t size); /* "" when not set */

#endif
