/* A fake kernel behind netcfg's netlink seam (struct nl_ops): each request is recorded as one line
 * in fnl_calls ("newlink 1 up", "getlink dump", "newaddr 2 10.0.2.15/24", "newroute 2 0.0.0.0/0
 * via 10.0.2.2"), and answered as the kernel would: a dump of fnl_links, or an ACK (fnl_error for
 * requests naming fnl_error_ifindex).  The first fnl_intr dumps are marked NLM_F_DUMP_INTR. */
#ifndef MINBOOT_FAKE_NETLINK_H
#define MINBOOT_FAKE_NETLINK_H
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netcfg/nl.h"
#include "netcfg/rtnl.h"

struct fnl_link {
	int index;
	const char *name;
	unsigned flags;
	unsigned short type;
};
static struct fnl_link fnl_links[4] = {
	{ 1, "lo", IFF_LOOPBACK | IFF_UP, ARPHRD_LOOPBACK },
	{ 2, "fake0", 0, ARPHRD_ETHER },
};
static int fnl_nlinks = 2, fnl_intr, fnl_error, fnl_error_ifindex, fnl_open_error;
static char fnl_calls[4096];
static char fnl_queue[4][NL_BUFSIZE] __attribute__((aligned(4)));
static size_t fnl_qlen[4];
static int fnl_qhead, fnl_qn, fnl_opens;

/* ethtool: every link's driver is fnl_driver (NULL: no ethtool answers), and its speed is
 * unknown (a PHY still negotiating) for fnl_negotiating more asks, then 1000; each ask of a
 * speed is recorded ("gset fake0 unknown"). */
static const char *fnl_driver;
static int fnl_negotiating;

static void fnl_reset(void)
{
	fnl_driver = NULL;
	fnl_negotiating = 0;
	fnl_calls[0] = '\0';
	fnl_qhead = fnl_qn = fnl_intr = fnl_error = fnl_error_ifindex = fnl_open_error = 0;
}

#define fnl_log(...) snprintf(fnl_calls + strlen(fnl_calls), sizeof(fnl_calls) - strlen(fnl_calls), __VA_ARGS__)

static char *fnl_push(void)
{
	int slot = (fnl_qhead + fnl_qn) % 4;

	fnl_qn++;
	fnl_qlen[slot] = 0;
	return fnl_queue[slot];
}

static void fnl_put(char *d, uint16_t type, uint16_t flags, uint32_t seq, uint32_t port, const void *body,
		    size_t blen, int slot_len_index)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(d + fnl_qlen[slot_len_index]);

	memset(h, 0, NLMSG_ALIGN(NLMSG_HDRLEN + blen));
	h->nlmsg_len = NLMSG_HDRLEN + blen;
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	h->nlmsg_pid = port;
	memcpy((char *)h + NLMSG_HDRLEN, body, blen);
	fnl_qlen[slot_len_index] += NLMSG_ALIGN(h->nlmsg_len);
}

static void fnl_dump(const struct nlmsghdr *rq)
{
	char *d = fnl_push(), m[256] __attribute__((aligned(4)));
	int slot = (fnl_qhead + fnl_qn - 1) % 4, i, done = 0;
	uint16_t intr = fnl_intr > 0 ? NLM_F_DUMP_INTR : 0;

	if (fnl_intr > 0)
		fnl_intr--;
	for (i = 0; i < fnl_nlinks; i++) {
		struct nlmsghdr *h = nl_msg_start(m, sizeof(m), RTM_NEWLINK, 0);
		struct ifinfomsg *ifi = nl_msg_put_extra(h, sizeof(m), sizeof(*ifi));
		static const unsigned char mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

		ifi->ifi_index = fnl_links[i].index;
		ifi->ifi_flags = fnl_links[i].flags;
		ifi->ifi_type = fnl_links[i].type;
		nl_attr_put_str(h, sizeof(m), IFLA_IFNAME, fnl_links[i].name);
		nl_attr_put_u32(h, sizeof(m), IFLA_MTU, 1500);
		nl_attr_put(h, sizeof(m), IFLA_ADDRESS, mac, 6);
		/* the interruption shows from the second message on, as when a link changes mid-dump */
		fnl_put(d, RTM_NEWLINK, NLM_F_MULTI | (i ? intr : 0), rq->nlmsg_seq, rq->nlmsg_pid,
			(char *)h + NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN, slot);
	}
	fnl_put(d, NLMSG_DONE, NLM_F_MULTI | intr, rq->nlmsg_seq, rq->nlmsg_pid, &done, sizeof(done), slot);
}

static void fnl_ack(const struct nlmsghdr *rq, int error)
{
	struct nlmsgerr e = { .error = error, .msg = *rq };
	int slot;

	fnl_push();
	slot = (fnl_qhead + fnl_qn - 1) % 4;
	fnl_put(fnl_queue[slot], NLMSG_ERROR, 0, rq->nlmsg_seq, rq->nlmsg_pid, &e, sizeof(e), slot);
}

static const char *fnl_ip(const struct nlattr *a, int family, char *buf)
{
	if (!a)
		return "-";
	return inet_ntop(family, nl_attr_data(a), buf, 64);
}

static int fnl_open(uint32_t groups, uint32_t *portid)
{
	(void)groups;
	if (fnl_open_error)
		return fnl_open_error;
	*portid = 1000 + ++fnl_opens;
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static long fnl_send(int fd, const void *buf, size_t len)
{
	const struct nlmsghdr *rq = buf;
	const struct nlattr *tb[RTA_MAX + 1 > IFA_MAX + 1 ? RTA_MAX + 1 : IFA_MAX + 1];
	char a[64], g[64], line[160];
	int ifindex = 0;

	(void)fd;
	if (rq->nlmsg_type == RTM_GETLINK) {
		fnl_log("getlink dump\n");
		fnl_dump(rq);
		return (long)len;
	}
	if (rq->nlmsg_type == RTM_NEWLINK) {
		const struct ifinfomsg *ifi = nl_msg_payload(rq);
		ifindex = ifi->ifi_index;
		fnl_log("newlink %d%s\n", ifindex, (ifi->ifi_change & IFF_UP) && (ifi->ifi_flags & IFF_UP) ?
			" up" : "");
	} else if (rq->nlmsg_type == RTM_NEWADDR || rq->nlmsg_type == RTM_DELADDR) {
		const struct ifaddrmsg *ifa = nl_msg_payload(rq);
		ifindex = ifa->ifa_index;
		nl_attr_parse_msg(rq, sizeof(*ifa), tb, IFA_MAX);
		snprintf(line, sizeof(line), " %s/%u", fnl_ip(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS],
			 ifa->ifa_family, a), ifa->ifa_prefixlen);
		fnl_log("%s %d%s\n", rq->nlmsg_type == RTM_NEWADDR ? "newaddr" : "deladdr", ifindex, line);
	} else if (rq->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *rt = nl_msg_payload(rq);
		uint32_t oif = 0;
		nl_attr_parse_msg(rq, sizeof(*rt), tb, RTA_MAX);
		nl_attr_get_u32(tb[RTA_OIF], &oif);
		ifindex = (int)oif;
		snprintf(line, sizeof(line), " %s/%u via %s", tb[RTA_DST] ? fnl_ip(tb[RTA_DST], rt->rtm_family, a) :
			 "default", rt->rtm_dst_len, fnl_ip(tb[RTA_GATEWAY], rt->rtm_family, g));
		fnl_log("newroute %d%s\n", ifindex, line);
	} else {
		fnl_log("type %d\n", rq->nlmsg_type);
	}
	fnl_ack(rq, fnl_error && ifindex == fnl_error_ifindex ? fnl_error : 0);
	return (long)len;
}

static long fnl_recv(int fd, void *buf, size_t size, bool nonblock)
{
	size_t n;

	(void)fd, (void)nonblock;
	if (!fnl_qn)
		return -EAGAIN; /* nothing queued: a real kernel would block; tests never wait here */
	n = fnl_qlen[fnl_qhead] < size ? fnl_qlen[fnl_qhead] : size;
	memcpy(buf, fnl_queue[fnl_qhead], n);
	fnl_qhead = (fnl_qhead + 1) % 4;
	fnl_qn--;
	return (long)n;
}

static void fnl_close(int fd)
{
	close(fd);
}

static int fnl_ethtool(const char *ifname, void *cmd)
{
	struct ethtool_drvinfo *di = cmd;
	struct ethtool_cmd *ec = cmd;

	if (!fnl_driver)
		return -EOPNOTSUPP;
	if (di->cmd == ETHTOOL_GDRVINFO) {
		snprintf(di->driver, sizeof(di->driver), "%s", fnl_driver);
		return 0;
	}
	if (ec->cmd != ETHTOOL_GSET)
		return -EOPNOTSUPP;
	ec->speed = fnl_negotiating > 0 ? 0xffff : SPEED_1000; /* SPEED_UNKNOWN: all ones */
	ec->speed_hi = fnl_negotiating > 0 ? 0xffff : 0;
	fnl_log("gset %s %s\n", ifname, fnl_negotiating > 0 ? "unknown" : "1000");
	fnl_negotiating--;
	return 0;
}

static const struct nl_ops fnl_ops = { fnl_open, fnl_send, fnl_recv, fnl_close, fnl_ethtool };

#endif
