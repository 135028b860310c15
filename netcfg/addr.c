/* Addresses: add (or replace, for a renewed lease's lifetime) and remove, IPv4 and IPv6. */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "netcfg/rtnl.h"

static size_t ip_len(const struct nc_ip *ip)
{
	return ip->family == AF_INET6 ? 16 : 4;
}

/* The IPv4 broadcast address of ip/prefix; /31 and /32 have none (RFC 3021). */
static bool ip4_broadcast(const struct nc_ip *ip, unsigned prefix, unsigned char *brd)
{
	uint32_t a, mask = prefix ? 0xffffffffu << (32 - prefix) : 0;

	if (prefix >= 31)
		return false;
	memcpy(&a, ip->a, 4);
	a = __builtin_bswap32(a) | ~mask;
	a = __builtin_bswap32(a);
	memcpy(brd, &a, 4);
	return true;
}

struct nlmsghdr *nl_addr_build(void *buf, size_t size, uint16_t cmd, uint16_t flags, int ifindex,
			       const struct nc_ip *ip, unsigned prefix, uint32_t valid_lft)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, size, cmd, flags | NLM_F_ACK);
	struct ifa_cacheinfo ci = { .ifa_prefered = valid_lft, .ifa_valid = valid_lft };
	struct ifaddrmsg *ifa;
	unsigned char brd[4];

	if (!nlh || !(ifa = nl_msg_put_extra(nlh, size, sizeof(*ifa))))
		return NULL;
	if ((ip->family != AF_INET && ip->family != AF_INET6) || prefix > ip_len(ip) * 8)
		return NULL;
	ifa->ifa_family = ip->family;
	ifa->ifa_prefixlen = prefix;
	ifa->ifa_index = ifindex;
	/* Static IPv6 addresses skip duplicate address detection: usable at once, as an appliance
	 * needs, rather than ~1 s tentative after the link comes up.  A link-local address (fe80::/10)
	 * goes through it as the kernel's own does: router solicitation follows its end. */
	if (ip->family == AF_INET6 && cmd == RTM_NEWADDR && !(ip->a[0] == 0xfe && (ip->a[1] & 0xc0) == 0x80))
		ifa->ifa_flags = IFA_F_NODAD;
	if (!nl_attr_put(nlh, size, IFA_LOCAL, ip->a, ip_len(ip)) ||
	    !nl_attr_put(nlh, size, IFA_ADDRESS, ip->a, ip_len(ip)))
		return NULL;
	if (cmd == RTM_NEWADDR && ip->family == AF_INET && ip4_broadcast(ip, prefix, brd) &&
	    !nl_attr_put(nlh, size, IFA_BROADCAST, brd, sizeof(brd)))
		return NULL;
	if (cmd == RTM_NEWADDR && valid_lft != NL_FOREVER &&
	    !nl_attr_put(nlh, size, IFA_CACHEINFO, &ci, sizeof(ci)))
		return NULL;
	return nlh;
}

int nl_addr_add(struct nl_sock *s, int ifindex, const struct nc_ip *ip, unsigned prefix,
		uint32_t valid_lft)
{
	char buf[256], rbuf[1024];
	struct nlmsghdr *nlh = nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
					     ifindex, ip, prefix, valid_lft);

	return nlh ? nl_talk(s, nlh, NULL, NULL, rbuf, sizeof(rbuf)) : -EINVAL;
}

int nl_addr_del(struct nl_sock *s, int ifindex, const struct nc_ip *ip, unsigned prefix)
{
	char buf[256], rbuf[1024];
	struct nlmsghdr *nlh = nl_addr_build(buf, sizeof(buf), RTM_DELADDR, 0, ifindex, ip, prefix, 0);

	return nlh ? nl_talk(s, nlh, NULL, NULL, rbuf, sizeof(rbuf)) : -EINVAL;
}
