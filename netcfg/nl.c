/* The netlink layer (see nl.h).  Modelled on libmnl's nlmsg.c, attr.c and socket.c. */
#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netcfg/nl.h"

static int sys_open(uint32_t groups, uint32_t *portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), e;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	*portid = sa.nl_pid;
	/* Extended ACKs would add text to errors but cost bytes in every reply; errno suffices. */
	return fd;
}

static long sys_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (long)n;
}

static long sys_recv(int fd, void *buf, size_t size, bool nonblock)
{
	struct sockaddr_nl sa;
	struct iovec iov = { buf, size };
	struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &msg, nonblock ? MSG_DONTWAIT : 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (sa.nl_pid != 0) /* only the kernel speaks to us */
		return -EPERM;
	return (long)n;
}

static void sys_close(int fd)
{
	close(fd);
}

static int sys_ethtool(const char *ifname, void *cmd)
{
	struct ifreq ifr = { .ifr_data = cmd };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		r = -errno;
	close(fd);
	return r;
}

const struct nl_ops nl_sys_ops = { sys_open, sys_send, sys_recv, sys_close, sys_ethtool };

int nl_open_ops(struct nl_sock *s, uint32_t groups, const struct nl_ops *ops)
{
	s->seq = 0;
	s->ops = ops ? ops : &nl_sys_ops;
	s->fd = s->ops->open(groups, &s->portid);
	return s->fd < 0 ? s->fd : 0;
}

int nl_open(struct nl_sock *s, uint32_t groups)
{
	return nl_open_ops(s, groups, NULL);
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		s->ops->close(s->fd);
	s->fd = -1;
}

struct nlmsghdr *nl_msg_start(void *buf, size_t size, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = buf;

	if (size < NLMSG_HDRLEN)
		return NULL;
	memset(buf, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

void *nl_msg_put_extra(struct nlmsghdr *nlh, size_t size, size_t len)
{
	char *p = (char *)nlh + nlh->nlmsg_len;
	size_t alen = NLMSG_ALIGN(len);

	if (nlh->nlmsg_len > size || alen > size - nlh->nlmsg_len)
		return NULL;
	memset(p, 0, alen);
	nlh->nlmsg_len += alen;
	return p;
}

void *nl_msg_payload(const struct nlmsghdr *nlh)
{
	return (char *)nlh + NLMSG_HDRLEN;
}

size_t nl_msg_payload_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len > NLMSG_HDRLEN ? nlh->nlmsg_len - NLMSG_HDRLEN : 0;
}

bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len)
{
	return len >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= len;
}

const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len)
{
	size_t step = NLMSG_ALIGN(nlh->nlmsg_len);

	*len = step < *len ? *len - step : 0;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

bool nl_attr_put(struct nlmsghdr *nlh, size_t size, uint16_t type, const void *data, size_t len)
{
	size_t alen = NLA_HDRLEN + len;
	struct nlattr *a;

	if (alen > 0xffff || nlh->nlmsg_len > size || NLA_ALIGN(alen) > size - nlh->nlmsg_len)
		return false;
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
	a->nla_type = type;
	a->nla_len = (uint16_t)alen;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + alen, 0, NLA_ALIGN(alen) - alen);
	nlh->nlmsg_len += NLA_ALIGN(alen);
	return true;
}

bool nl_attr_put_u8(struct nlmsghdr *nlh, size_t size, uint16_t type, uint8_t v)
{
	return nl_attr_put(nlh, size, type, &v, sizeof(v));
}

bool nl_attr_put_u32(struct nlmsghdr *nlh, size_t size, uint16_t type, uint32_t v)
{
	return nl_attr_put(nlh, size, type, &v, sizeof(v));
}

bool nl_attr_put_str(struct nlmsghdr *nlh, size_t size, uint16_t type, const char *s)
{
	return nl_attr_put(nlh, size, type, s, strlen(s) + 1);
}

int nl_attr_parse(const void *attrs, size_t len, const struct nlattr **tb, unsigned max)
{
	const char *p = attrs;
	const struct nlattr *a;
	unsigned type;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EINVAL;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			return 0;
		len -= (size_t)NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return len ? -EINVAL : 0;
}

int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max)
{
	size_t len = nl_msg_payload_len(nlh);

	if (len < NLMSG_ALIGN(hdrlen))
		return -EINVAL;
	return nl_attr_parse((char *)nl_msg_payload(nlh) + NLMSG_ALIGN(hdrlen),
			     len - NLMSG_ALIGN(hdrlen), tb, max);
}

const void *nl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

int nl_attr_get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || nl_attr_len(a) != sizeof(*v))
		return -EINVAL;
	*v = *(const uint8_t *)nl_attr_data(a);
	return 0;
}

int nl_attr_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || nl_attr_len(a) != sizeof(*v))
		return -EINVAL;
	memcpy(v, nl_attr_data(a), sizeof(*v));
	return 0;
}

int nl_attr_get_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t len;

	if (!a || !size)
		return -EINVAL;
	len = strnlen(nl_attr_data(a), nl_attr_len(a));
	if (len >= size)
		return -EINVAL;
	memcpy(buf, nl_attr_data(a), len);
	buf[len] = '\0';
	return 0;
}

/* NLMSG_ERROR: error 0 is the ACK; anything else is a negative errno from the kernel. */
static int nl_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nl_msg_payload(nlh);

	if (nl_msg_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	return e->error > 0 ? -e->error : e->error;
}

static int nl_check(const struct nlmsghdr *nlh, uint32_t seq, uint32_t portid)
{
	if (nlh->nlmsg_pid && portid && nlh->nlmsg_pid != portid)
		return -ESRCH;
	if (seq && nlh->nlmsg_seq != seq)
		return -EPROTO;
	return 0;
}

int nl_cb_run(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_cb cb, void *data)
{
	const struct nlmsghdr *nlh = buf;
	int r;

	for (; len > 0; nlh = nl_msg_next(nlh, &len)) {
		if (!nl_msg_ok(nlh, len))
			return -EBADMSG;
		r = nl_check(nlh, seq, portid);
		if (r < 0)
			return r;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			return -EINTR;
		if (nlh->nlmsg_type == NLMSG_ERROR)
			return nl_error(nlh);
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 0;
		if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN)
			continue;
		if (cb && (r = cb(nlh, data)) < 0)
			return r;
	}
	return 1; /* a dump goes on until NLMSG_DONE; a request until its ACK */
}

long nl_recv(struct nl_sock *s, void *buf, size_t size, bool nonblock)
{
	return s->ops->recv(s->fd, buf, size, nonblock);
}

/* Whether a reply holds the end of request seq (after an interruption: read up to it). */
static bool reply_ends(const void *buf, size_t len, uint32_t seq)
{
	const struct nlmsghdr *nlh = buf;

	for (; nl_msg_ok(nlh, len); nlh = nl_msg_next(nlh, &len))
		if (nlh->nlmsg_seq == seq && (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR))
			return true;
	return false;
}

int nl_talk(struct nl_sock *s, struct nlmsghdr *nlh, nl_cb cb, void *data, void *rbuf, size_t rsize)
{
	uint32_t seq;
	bool intr = false;
	long n;
	int r;

	nlh->nlmsg_seq = seq = ++s->seq ? s->seq : ++s->seq; /* 0 would match notifications */
	n = s->ops->send(s->fd, nlh, nlh->nlmsg_len);
	if (n < 0)
		return (int)n;
	do {
		n = nl_recv(s, rbuf, rsize, false);
		if (n < 0)
			return (int)n;
		r = nl_cb_run(rbuf, (size_t)n, seq, s->portid, intr ? NULL : cb, data);
		/* A socket with event groups also receives notifications: skip them here. */
		if (r == -EPROTO)
			r = 1;
		if (r == -EINTR) {
			intr = true;
			r = reply_ends(rbuf, (size_t)n, seq) ? 0 : 1;
		}
	} while (r > 0);
	return intr && r == 0 ? -EINTR : r;
}
