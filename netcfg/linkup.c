/* Setting a link up without costing the boot a second: what IPv6 and QEMU's e1000 model do
 * around carrier-up, and how the bring-up is shaped around it.  Measured under QEMU/TCG with
 * Debian's 6.1 kernel on QEMU's e1000 and user network (README, netcfg). */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "netcfg/netcfg.h"

/* QEMU's e1000 holds received frames for a second after every write of its receive control
 * register (its flush-queue timer), and Linux's e1000 rewrites that register on every change of
 * the link's multicast list.  IPv6 makes one at carrier-up: it creates the link-local address
 * and joins that address's solicited-node group.  The DHCP OFFER was held 1 s behind it (or,
 * with IPv6 waiting for the lease, the payload's first connection was).  Created here as the
 * link is set up, before carrier, the address joins its group then, when the hold costs
 * nothing; at carrier-up the kernel finds the address and the group in place and runs duplicate
 * address detection, router solicitation and SLAAC as it would have (a SLAAC address from the
 * same interface identifier shares the group).  The address is the kernel's own: EUI-64 from
 * the MAC, done only where the kernel would make that one (addr_gen_mode 0) and IPv6 is on. */
static bool v6_sysctl_is(const char *ifname, const char *key, char want)
{
	char path[128], v[4] = "";
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* no IPv6 in this kernel */
	ok = read(fd, v, sizeof(v) - 1) > 0 && v[0] == want;
	close(fd);
	return ok;
}

void nc_v6_linklocal(struct nc_ip *ll, const unsigned char mac[6])
{
	memset(ll, 0, sizeof(*ll));
	ll->family = AF_INET6;
	ll->a[0] = 0xfe;
	ll->a[1] = 0x80;
	ll->a[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted (RFC 4291 appendix A) */
	ll->a[9] = mac[1];
	ll->a[10] = mac[2];
	ll->a[11] = 0xff;
	ll->a[12] = 0xfe;
	ll->a[13] = mac[3];
	ll->a[14] = mac[4];
	ll->a[15] = mac[5];
}

int nc_v6_linklocal_early(struct nl_sock *s, const struct nl_link *l)
{
	struct nc_ip ll;
	int e;

	if (l->type != ARPHRD_ETHER || l->maclen != 6 || (l->flags & IFF_LOOPBACK) ||
	    !v6_sysctl_is(l->name, "disable_ipv6", '0') || !v6_sysctl_is(l->name, "addr_gen_mode", '0'))
		return 0;
	nc_v6_linklocal(&ll, l->mac);
	e = nl_addr_add(s, l->index, &ll, 64, NL_FOREVER);
	return e == -EEXIST ? 0 : e;
}

/* QEMU's e1000 negotiates for 500 ms after the driver's reset at probe, and Linux's e1000 looks
 * at the link when it is set up and then only every 2 s (a link-change interrupt does not bring
 * its pending look forward): set up at once, its carrier came 2.0 s later; set up once the PHY
 * had the link, 30 ms later.  While the link is down, the driver's speed says whether the PHY has
 * it (its status register; ethtool's link test answers 0 for any link that is down). */
bool nc_link_negotiating(const struct nl_ops *ops, const char *name)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_cmd ec = { .cmd = ETHTOOL_GSET };
	bool listed = false;
	int i;

	if (!ops || !ops->ethtool || ops->ethtool(name, &di) < 0)
		return false;
	for (i = 0; policy_link_phy_first[i] && !listed; i++)
		listed = !strncmp(policy_link_phy_first[i], di.driver, sizeof(di.driver));
	return listed && ops->ethtool(name, &ec) == 0 && ((uint32_t)ec.speed_hi << 16 | ec.speed) == (uint32_t)SPEED_UNKNOWN;
}
