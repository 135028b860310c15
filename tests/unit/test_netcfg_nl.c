/* The netlink layer: bounds-checked writers, attribute parsing, reply handling; then the link,
 * address and route operations against the kernel in a private network namespace (root only). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <unistd.h>

#include "netcfg/ipspec.h"
#include "netcfg/netcfg.h"
#include "netcfg/nl.h"
#include "netcfg/rtnl.h"
#include "tests/unit/fake_netlink.h"
#include "tests/unit/test.h"

static void writers_bounds(void)
{
	char buf[64] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, NLM_F_ACK);
	char big[64] = { 0 };
	uint32_t len;

	CHECK(nlh != NULL);
	CHECK(nl_msg_start(buf, 8, RTM_NEWLINK, 0) == NULL);
	CHECK(nl_msg_put_extra(nlh, sizeof(buf), sizeof(struct ifinfomsg)) != NULL);
	CHECK_INT(nlh->nlmsg_len, 32);
	CHECK(nl_attr_put_u32(nlh, sizeof(buf), IFLA_MTU, 1400));
	CHECK_INT(nlh->nlmsg_len, 40);
	len = nlh->nlmsg_len;
	CHECK(!nl_attr_put(nlh, sizeof(buf), IFLA_IFNAME, big, sizeof(big))); /* does not fit */
	CHECK_INT(nlh->nlmsg_len, len);                                        /* unchanged */
	CHECK(nl_attr_put_str(nlh, sizeof(buf), IFLA_IFNAME, "eth0"));
	CHECK_INT(nlh->nlmsg_len, 52);
	CHECK(nl_attr_put_u32(nlh, sizeof(buf), IFLA_MTU, 1));     /* 60 of 64 bytes */
	CHECK(!nl_attr_put_u32(nlh, sizeof(buf), IFLA_MTU, 1));    /* 68: no */
	CHECK_INT(nlh->nlmsg_len, 60);
	CHECK(nl_msg_put_extra(nlh, sizeof(buf), 64) == NULL);
}

static void attr_parse(void)
{
	char buf[128] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, 0);
	const struct nlattr *tb[IFLA_MAX + 1];
	char name[IF_NAMESIZE];
	uint32_t v;
	uint8_t c;

	nl_msg_put_extra(nlh, sizeof(buf), sizeof(struct ifinfomsg));
	nl_attr_put_str(nlh, sizeof(buf), IFLA_IFNAME, "eth0");
	nl_attr_put_u32(nlh, sizeof(buf), IFLA_MTU, 9000);
	nl_attr_put_u8(nlh, sizeof(buf), IFLA_CARRIER, 1);
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX), 0);
	CHECK_INT(nl_attr_get_u32(tb[IFLA_MTU], &v), 0);
	CHECK_INT(v, 9000);
	CHECK_INT(nl_attr_get_u8(tb[IFLA_CARRIER], &c), 0);
	CHECK_INT(c, 1);
	CHECK_INT(nl_attr_get_str(tb[IFLA_IFNAME], name, sizeof(name)), 0);
	CHECK_STR(name, "eth0");
	CHECK_INT(nl_attr_get_u32(tb[IFLA_CARRIER], &v), -EINVAL);  /* wrong size */
	CHECK_INT(nl_attr_get_u32(tb[IFLA_TXQLEN], &v), -EINVAL);   /* absent */
	CHECK_INT(nl_attr_get_str(tb[IFLA_IFNAME], name, 3), -EINVAL); /* does not fit */
	/* An attribute that claims to run past the message */
	((struct nlattr *)((char *)nlh + 32))->nla_len = 200;
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX), -EINVAL);
	((struct nlattr *)((char *)nlh + 32))->nla_len = 2;         /* shorter than its header */
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX), -EINVAL);
	nlh->nlmsg_len = 20;                                        /* no room for the header */
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX), -EINVAL);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(int *)data;
	return 0;
}

static size_t put_error(char *p, int error, uint32_t seq, uint32_t port)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct nlmsgerr *e = (struct nlmsgerr *)(p + NLMSG_HDRLEN);

	memset(p, 0, NLMSG_HDRLEN + sizeof(*e));
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(*e);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = port;
	e->error = error;
	return nlh->nlmsg_len;
}

static void replies(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	int n = 0;
	size_t len;

	len = put_error(buf, 0, 5, 77);
	CHECK_INT(nl_cb_run(buf, len, 5, 77, count_cb, &n), 0);           /* ACK */
	len = put_error(buf, -EEXIST, 5, 77);
	CHECK_INT(nl_cb_run(buf, len, 5, 77, count_cb, &n), -EEXIST);     /* kernel error -> -errno */
	CHECK_INT(nl_cb_run(buf, len, 6, 77, count_cb, &n), -EPROTO);      /* another sequence */
	CHECK_INT(nl_cb_run(buf, len, 5, 78, count_cb, &n), -ESRCH);       /* another port */
	/* Two messages of a dump, then DONE */
	nlh = nl_msg_start(buf, sizeof(buf), RTM_NEWLINK, NLM_F_MULTI);
	nlh->nlmsg_seq = 9;
	memcpy(buf + nlh->nlmsg_len, buf, nlh->nlmsg_len);
	len = 2 * NLMSG_HDRLEN;
	CHECK_INT(nl_cb_run(buf, len, 9, 0, count_cb, &n), 1);             /* more to come */
	CHECK_INT(n, 2);
	nlh = (struct nlmsghdr *)(buf + len);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_seq = 9;
	CHECK_INT(nl_cb_run(buf, len + NLMSG_HDRLEN, 9, 0, count_cb, &n), 0);
	CHECK_INT(n, 4);
	/* The kernel marks a dump interrupted (the table changed under it): not a complete answer */
	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
	n = 0;
	CHECK_INT(nl_cb_run(buf, len + NLMSG_HDRLEN, 9, 0, count_cb, &n), -EINTR);
	CHECK_INT(n, 0);
	((struct nlmsghdr *)buf)->nlmsg_flags &= ~NLM_F_DUMP_INTR;
	/* Truncated: a length larger than what arrived */
	((struct nlmsghdr *)buf)->nlmsg_len = 200;
	CHECK_INT(nl_cb_run(buf, 40, 9, 0, count_cb, &n), -EBADMSG);
	CHECK_INT(nl_cb_run(buf, 10, 9, 0, count_cb, &n), -EBADMSG);
}

/* An interrupted link dump is read to its end and made again (against the fake kernel). */
static void dump_interrupted(void)
{
	struct nl_link links[NL_LINK_MAX];
	struct nl_sock s;
	char buf[NL_BUFSIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;

	fnl_reset();
	CHECK_INT(nl_open_ops(&s, 0, &fnl_ops), 0);
	fnl_intr = 1;
	CHECK_INT(nl_link_list(&s, links, NL_LINK_MAX), 2);
	CHECK_STR(fnl_calls, "getlink dump\ngetlink dump\n");
	CHECK_STR(links[1].name, "fake0");
	fnl_reset();
	fnl_intr = 100; /* never consistent: an error, not a partial list */
	CHECK_INT(nl_link_list(&s, links, NL_LINK_MAX), -EINTR);
	CHECK_STR(fnl_calls, "getlink dump\ngetlink dump\ngetlink dump\ngetlink dump\n");
	CHECK_INT(fnl_qn, 0); /* every answer was read: the next request sees its own */
	fnl_reset();
	nlh = nl_link_build_set(buf, sizeof(buf), 2, IFF_UP, IFF_UP, 0);
	CHECK_INT(nl_talk(&s, nlh, NULL, NULL, buf, sizeof(buf)), 0);
	CHECK_STR(fnl_calls, "newlink 2 up\n");
	nl_close(&s);
}

static void builders(void)
{
	char buf[256] __attribute__((aligned(4)));
	const struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *rtb[RTA_MAX + 1];
	struct nc_ip a, gw;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct rtmsg *rt;
	uint32_t oif;

	nc_ip_parse("10.123.0.2", &a);
	nlh = nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE, 3, &a, 24, 600);
	CHECK(nlh && (nlh->nlmsg_flags & NLM_F_ACK));
	ifa = nl_msg_payload(nlh);
	CHECK_INT(ifa->ifa_prefixlen, 24);
	CHECK_INT(ifa->ifa_index, 3);
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(*ifa), tb, IFA_MAX), 0);
	CHECK(tb[IFA_LOCAL] && !memcmp(nl_attr_data(tb[IFA_LOCAL]), a.a, 4));
	CHECK(tb[IFA_BROADCAST] && !memcmp(nl_attr_data(tb[IFA_BROADCAST]), "\x0a\x7b\x00\xff", 4));
	CHECK(tb[IFA_CACHEINFO] && ((const struct ifa_cacheinfo *)nl_attr_data(tb[IFA_CACHEINFO]))->ifa_valid == 600);
	CHECK(nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, 0, 3, &a, 33, NL_FOREVER) == NULL);
	CHECK(nl_addr_build(buf, 40, RTM_NEWADDR, 0, 3, &a, 24, NL_FOREVER) == NULL);
	nc_ip_parse("[2001:db8::5]", &a);
	nlh = nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, 0, 3, &a, 64, NL_FOREVER);
	CHECK(nlh != NULL);
	CHECK(nl_attr_parse_msg(nlh, sizeof(*ifa), tb, IFA_MAX) == 0 && !tb[IFA_BROADCAST] && !tb[IFA_CACHEINFO]);
	nc_ip_parse("10.123.0.1", &gw);
	nlh = nl_route_build(buf, sizeof(buf), RTM_NEWROUTE, NLM_F_CREATE, AF_INET, NULL, 0, &gw, 3, true);
	CHECK(nlh != NULL);
	rt = nl_msg_payload(nlh);
	CHECK_INT(rt->rtm_dst_len, 0);
	CHECK_INT(rt->rtm_scope, RT_SCOPE_UNIVERSE);
	CHECK(rt->rtm_flags & RTNH_F_ONLINK);
	CHECK_INT(nl_attr_parse_msg(nlh, sizeof(*rt), rtb, RTA_MAX), 0);
	CHECK(rtb[RTA_GATEWAY] && !rtb[RTA_DST]);
	CHECK(nl_attr_get_u32(rtb[RTA_OIF], &oif) == 0 && oif == 3);
	CHECK(nl_route_build(buf, sizeof(buf), RTM_NEWROUTE, 0, AF_INET6, NULL, 0, &gw, 3, false) == NULL);
}

/* Against the kernel, in a network namespace of our own: only lo lives there. */
/* The kernel's EUI-64 link-local address (RFC 4291 appendix A), as made early at link-up; it goes
 * through duplicate address detection like the kernel's own, other IPv6 addresses skip it. */
static void linklocal(void)
{
	static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, mac2[6] = { 0x02, 1, 2, 3, 4, 5 };
	struct nc_ip ll, want;
	const struct nlattr *tb[IFA_MAX + 1];
	struct nlmsghdr *nlh;
	char buf[256];

	nc_v6_linklocal(&ll, mac);
	nc_ip_parse("[fe80::5054:ff:fe12:3456]", &want);
	CHECK(ll.family == AF_INET6 && !memcmp(ll.a, want.a, 16));
	nc_v6_linklocal(&ll, mac2); /* a locally administered MAC: the bit flips the other way */
	nc_ip_parse("[fe80::1:2ff:fe03:405]", &want);
	CHECK(!memcmp(ll.a, want.a, 16));
	nlh = nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE, 3, &ll, 64, NL_FOREVER);
	CHECK(nlh && !(((struct ifaddrmsg *)nl_msg_payload(nlh))->ifa_flags & IFA_F_NODAD));
	CHECK(nl_attr_parse_msg(nlh, sizeof(struct ifaddrmsg), tb, IFA_MAX) == 0 && tb[IFA_LOCAL]);
	nc_ip_parse("[2001:db8::5]", &want);
	nlh = nl_addr_build(buf, sizeof(buf), RTM_NEWADDR, NLM_F_CREATE, 3, &want, 64, NL_FOREVER);
	CHECK(nlh && (((struct ifaddrmsg *)nl_msg_payload(nlh))->ifa_flags & IFA_F_NODAD));
}

static void live(void)
{
	struct nl_sock s, mon;
	struct nl_link links[NL_LINK_MAX], lo;
	struct nc_ip a, a6, net;
	int n, e, idx;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: nl/live (needs root for a network namespace)\n");
		return;
	}
	CHECK_INT(nl_open(&s, 0), 0);
	CHECK_INT(nl_open(&mon, 1u << (RTNLGRP_LINK - 1)), 0);
	n = nl_link_list(&s, links, NL_LINK_MAX);
	CHECK_INT(n, 1);
	CHECK_STR(links[0].name, "lo");
	CHECK_INT(nl_link_find(&s, "eth9", &lo), -ENODEV);
	CHECK_INT(nl_link_find(&s, "lo", &lo), 0);
	CHECK(!(lo.flags & IFF_UP));
	CHECK_INT(nl_link_up(&s, lo.index), 0);
	idx = lo.index;
	CHECK_INT(nl_link_wait_carrier(&mon, &s, &idx, 1, nc_now_ms() + 2000), lo.index);
	CHECK_INT(nl_link_set_mtu(&s, lo.index, 1400), 0);
	CHECK_INT(nl_link_find(&s, "lo", &lo), 0);
	CHECK_INT(lo.mtu, 1400);
	CHECK_INT(nl_link_set_mtu(&s, 9999, 1400), -ENODEV);         /* the kernel says no: -errno */
	CHECK_INT(nl_link_set_mtu(&s, lo.index, 65536), 0);
	nc_ip_parse("10.123.0.9", &a);
	nc_ip_parse("[fd00:123::9]", &a6);
	nc_ip_parse("10.123.7.0", &net);
	CHECK_INT(nl_addr_add(&s, lo.index, &a, 24, NL_FOREVER), 0);
	CHECK_INT(nl_addr_add(&s, lo.index, &a, 24, 300), 0);         /* replace: a new lifetime */
	CHECK_INT(nl_addr_add(&s, lo.index, &a6, 64, NL_FOREVER), 0);
	CHECK_INT(nl_route_add(&s, AF_INET, &net, 24, NULL, lo.index, false), 0);  /* on-link */
	CHECK_INT(nl_route_add(&s, AF_INET, NULL, 0, &a, lo.index, false), 0);     /* default */
	CHECK_INT(nl_route_del(&s, AF_INET, NULL, 0, &a, lo.index), 0);
	CHECK_INT(nl_route_del(&s, AF_INET, NULL, 0, &a, lo.index), -ESRCH);
	CHECK_INT(nl_addr_del(&s, lo.index, &a6, 64), 0);
	CHECK_INT(nl_addr_del(&s, lo.index, &a, 24), 0);
	e = nl_addr_del(&s, lo.index, &a, 24);
	CHECK_INT(e, -EADDRNOTAVAIL);
	nl_close(&mon);
	nl_close(&s);
}

static void ignore(const struct nl_link *l, void *data)
{
	(void)l, (void)data;
}

static void live_events(void)
{
	struct nl_sock s, mon;
	struct nl_link lo;
	int n;

	if (geteuid() != 0)
		return;
	CHECK_INT(nl_open(&s, 0), 0);
	CHECK_INT(nl_open(&mon, 1u << (RTNLGRP_LINK - 1)), 0);
	CHECK_INT(nl_link_find(&s, "lo", &lo), 0);
	CHECK_INT(nl_link_set_mtu(&s, lo.index, 1500), 0);
	n = nl_link_events(&mon, ignore, NULL);
	CHECK(n >= 1);                              /* the MTU change was announced */
	CHECK_INT(nl_link_events(&mon, ignore, NULL), 0);
	nl_close(&mon);
	nl_close(&s);
}

int main(void)
{
	RUN("nl", writers_bounds);
	RUN("nl", attr_parse);
	RUN("nl", replies);
	RUN("nl", dump_interrupted);
	RUN("nl", builders);
	RUN("nl", linklocal);
	RUN("nl", live);
	RUN("nl", live_events);
	TEST_EXIT();
}
