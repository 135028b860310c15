/* Links: list, find, set up / MTU, and wait for carrier on RTM_NEWLINK events. */
#include <errno.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "netcfg/rtnl.h"

#ifndef IFF_LOWER_UP /* glibc keeps it in <linux/if.h>, which clashes with <net/if.h> */
#define IFF_LOWER_UP 0x10000
#endif

long nc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = nl_msg_payload(nlh);
	uint8_t carrier;

	if (nlh->nlmsg_type != RTM_NEWLINK || nl_attr_parse_msg(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	l->carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	if (nl_attr_get_u8(tb[IFLA_CARRIER], &carrier) == 0)
		l->carrier = carrier && (ifi->ifi_flags & IFF_UP);
	if (nl_attr_get_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0)
		return -EINVAL;
	nl_attr_get_u32(tb[IFLA_MTU], &l->mtu);
	if (tb[IFLA_ADDRESS] && nl_attr_len(tb[IFLA_ADDRESS]) == sizeof(l->mac)) {
		memcpy(l->mac, nl_attr_data(tb[IFLA_ADDRESS]), sizeof(l->mac));
		l->maclen = sizeof(l->mac);
	}
	return 0;
}

struct link_list {
	struct nl_link *out;
	int n, max;
};

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *ll = data;

	if (ll->n < ll->max && nl_link_parse(nlh, &ll->out[ll->n]) == 0)
		ll->n++;
	return 0;
}

/* A dump the kernel marks interrupted (a link changed meanwhile) is made again; one interrupted
 * DUMP_TRIES times in a row is -EINTR. */
#define DUMP_TRIES 4

int nl_link_list(struct nl_sock *s, struct nl_link *out, int max)
{
	char buf[NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct link_list ll;
	int r, try = 0;

	do {
		nlh = nl_msg_start(buf, sizeof(buf), RTM_GETLINK, NLM_F_DUMP);
		if (!nl_msg_put_extra(nlh, sizeof(buf), sizeof(struct ifinfomsg)))
			return -ENOSPC;
		ll = (struct link_list){ out, 0, max };
		r = nl_talk(s, nlh, link_list_cb, &ll, buf, sizeof(buf));
	} while (r == -EINTR && ++try < DUMP_TRIES);
	return r < 0 ? r : ll.n;
}

int nl_link_find(struct nl_sock *s, const char *name, struct nl_link *l)
{
	struct nl_link links[NL_LINK_MAX];
	int i, n = nl_link_list(s, links, NL_LINK_MAX);

	for (i = 0; i < n; i++) {
		if (!strcmp(links[i].name, name)) {
			*l = links[i];
			return 0;
		}
	}
	return n < 0 ? n : -ENODEV;
}

struct nlmsghdr *nl_link_build_set(void *buf, size_t size, int ifindex, unsigned flags,
				   unsigned change, unsigned mtu)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, size, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi;

	if (!nlh || !(ifi = nl_msg_put_extra(nlh, size, sizeof(*ifi))))
		return NULL;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	if (mtu && !nl_attr_put_u32(nlh, size, IFLA_MTU, mtu))
		return NULL;
	return nlh;
}

static int link_set(struct nl_sock *s, int ifindex, unsigned flags, unsigned change, unsigned mtu)
{
	char buf[256], rbuf[1024];
	struct nlmsghdr *nlh = nl_link_build_set(buf, sizeof(buf), ifindex, flags, change, mtu);

	return nlh ? nl_talk(s, nlh, NULL, NULL, rbuf, sizeof(rbuf)) : -ENOSPC;
}

int nl_link_up(struct nl_sock *s, int ifindex)
{
	return link_set(s, ifindex, IFF_UP, IFF_UP, 0);
}

int nl_link_set_mtu(struct nl_sock *s, int ifindex, unsigned mtu)
{
	return link_set(s, ifindex, 0, 0, mtu);
}

struct link_events {
	void (*fn)(const struct nl_link *l, void *data);
	void *data;
	int n;
};

static int link_event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_events *ev = data;
	struct nl_link l;

	if (nl_link_parse(nlh, &l) == 0) {
		ev->fn(&l, ev->data);
		ev->n++;
	}
	return 0;
}

int nl_link_events(struct nl_sock *mon, void (*fn)(const struct nl_link *l, void *data), void *data)
{
	char buf[NL_BUFSIZE];
	struct link_events ev = { fn, data, 0 };
	long n;
	int r;

	while ((n = nl_recv(mon, buf, sizeof(buf), true)) > 0) {
		r = nl_cb_run(buf, (size_t)n, 0, 0, link_event_cb, &ev);
		if (r < 0)
			return r;
	}
	return n == -EAGAIN ? ev.n : (int)n;
}

struct carrier_wait {
	const int *ifindex;
	int n, found;
};

static void carrier_seen(const struct nl_link *l, void *data)
{
	struct carrier_wait *w = data;
	int i;

	for (i = 0; i < w->n; i++)
		if (w->ifindex[i] == l->index && l->carrier && !w->found)
			w->found = l->index;
}

static int carrier_now(struct nl_sock *s, struct carrier_wait *w)
{
	struct nl_link links[NL_LINK_MAX];
	int i, n = nl_link_list(s, links, NL_LINK_MAX);

	for (i = 0; i < n; i++)
		carrier_seen(&links[i], w);
	return n < 0 ? n : 0;
}

int nl_link_wait_carrier(struct nl_sock *mon, struct nl_sock *s, const int *ifindex, int n,
			 long deadline)
{
	struct carrier_wait w = { ifindex, n, 0 };
	struct pollfd p = { .fd = mon->fd, .events = POLLIN };
	long left;
	int r = carrier_now(s, &w);

	while (r >= 0 && !w.found) {
		left = deadline - nc_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			r = 0;
		else if (r < 0)
			r = -errno;
		else if (r > 0)
			r = nl_link_events(mon, carrier_seen, &w);
		if (r == -ENOBUFS) /* events were lost: ask for the state again */
			r = carrier_now(s, &w);
	}
	return r < 0 ? r : w.found;
}
