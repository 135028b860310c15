/* Routes in the main table: default (via a gateway) and on-link. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "netcfg/rtnl.h"

struct nlmsghdr *nl_route_build(void *buf, size_t size, uint16_t cmd, uint16_t flags, int family,
				const struct nc_ip *dst, unsigned prefix, const struct nc_ip *gw,
				int ifindex, bool onlink)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, size, cmd, flags | NLM_F_ACK);
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct rtmsg *rt;

	if (!nlh || !(rt = nl_msg_put_extra(nlh, size, sizeof(*rt))))
		return NULL;
	if ((family != AF_INET && family != AF_INET6) || prefix > alen * 8 ||
	    (dst && dst->family != family) || (gw && gw->family != family))
		return NULL;
	if (!dst)
		prefix = 0;
	rt->rtm_family = family;
	rt->rtm_dst_len = prefix;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	if (gw && onlink)
		rt->rtm_flags |= RTNH_F_ONLINK;
	if (dst && prefix && !nl_attr_put(nlh, size, RTA_DST, dst->a, alen))
		return NULL;
	if (gw && !nl_attr_put(nlh, size, RTA_GATEWAY, gw->a, alen))
		return NULL;
	if (ifindex && !nl_attr_put_u32(nlh, size, RTA_OIF, (uint32_t)ifindex))
		return NULL;
	return nlh;
}

int nl_route_add(struct nl_sock *s, int family, const struct nc_ip *dst, unsigned prefix,
		 const struct nc_ip *gw, int ifindex, bool onlink)
{
	char buf[256], rbuf[1024];
	struct nlmsghdr *nlh = nl_route_build(buf, sizeof(buf), RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
					      family, dst, prefix, gw, ifindex, onlink);

	return nlh ? nl_talk(s, nlh, NULL, NULL, rbuf, sizeof(rbuf)) : -EINVAL;
}

int nl_route_del(struct nl_sock *s, int family, const struct nc_ip *dst, unsigned prefix,
		 const struct nc_ip *gw, int ifindex)
{
	char buf[256], rbuf[1024];
	struct nlmsghdr *nlh = nl_route_build(buf, sizeof(buf), RTM_DELROUTE, 0, family, dst, prefix,
					      gw, ifindex, false);

	return nlh ? nl_talk(s, nlh, NULL, NULL, rbuf, sizeof(rbuf)) : -EINVAL;
}
