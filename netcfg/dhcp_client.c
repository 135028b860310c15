/* The DHCPv4 client: a packet socket until we have an address (RFC 2131 4.1: the client has no
 * address to receive on), a UDP socket for renewal.  The first DISCOVER leaves the moment the
 * kernel reports carrier (RTM_NEWLINK), not on a fixed timer: the e1000 carrier comes up ~2 s
 * after the link is set up, and a client that broadcasts into the dead link and retries on a
 * 1 s timer binds up to a second late. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "netcfg/dhcp.h"
#include "netcfg/netcfg.h"
#include "netcfg/rtnl.h"

/* Retransmission: 0.5 s, then doubling to 8 s, ±10 %.  RFC 2131 4.1 suggests starting at 4 s;
 * a booting appliance on a LAN is better served by trying again sooner. */
#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS   8000
#define REQUEST_TRIES    4
/* Servers whose OFFER we REQUESTed and that never answered: their later offers are taken only
 * when no other server has offered within FALLBACK_TRIES DISCOVERs (~3.5 s: a server with a
 * ping check, ISC dhcpd's default, offers after 1 s).  A server that offers and vanishes, and
 * answers faster than the real one, must not hold the client forever. */
#define SILENT_MAX       4
#define FALLBACK_TRIES   4

enum phase { SELECTING, REQUESTING };

struct client {
	struct dhcp_client *c;
	int fd;
	uint32_t xid;
	long start;
	enum phase phase;
	struct dhcp_lease offer;
	int tries;
	long next;              /* next transmission (nc_now_ms()), 0 while there is no carrier */
	unsigned backoff;
	uint32_t silent[SILENT_MAX]; /* server ids that left our REQUESTs unanswered */
	unsigned nsilent;
	struct dhcp_lease fallback; /* an offer from one of them, taken at the next DISCOVER */
	bool have_fallback;
};

static bool is_silent(const struct client *cl, uint32_t server)
{
	for (unsigned i = 0; i < cl->nsilent && i < SILENT_MAX; i++)
		if (cl->silent[i] == server)
			return true;
	return false;
}

static uint32_t random32(void)
{
	uint32_t v;
	struct timespec ts;

	/* Early in boot the pool may not be ready: never block PID 1 for an xid. */
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761u;
}

static unsigned jitter(unsigned ms)
{
	return ms - ms / 10 + random32() % (ms / 5 + 1);
}

/* Only UDP to port 68 reaches us: a booting link may carry a lot of other traffic. */
static int attach_filter(int fd)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),            /* IP protocol */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 4),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),           /* X = IP header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),            /* UDP destination port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int packet_open(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = ifindex };
	int one = 1, fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));
	char drain[64];

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 || attach_filter(fd) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	while (recv(fd, drain, sizeof(drain), 0) > 0) /* queued before the filter was attached */
		;
	return fd;
}

static int transmit(struct client *cl)
{
	struct dhcp_req rq = { .xid = cl->xid, .hostname = cl->c->hostname };
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = cl->c->ifindex, .sll_halen = 6,
				  .sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t buf[DHCP_PKT_MAX];
	long now = nc_now_ms();
	size_t len;

	memcpy(rq.mac, cl->c->mac, 6);
	rq.secs = (uint16_t)((now - cl->start) / 1000);
	if (cl->phase == SELECTING) {
		rq.type = DHCPDISCOVER;
		rq.requested = cl->c->requested;
	} else {
		rq.type = DHCPREQUEST;
		rq.requested = cl->offer.yiaddr;
		rq.server_id = cl->offer.server_id;
	}
	len = dhcp_build(&rq, buf, sizeof(buf), true);
	nc_say(cl->c->say, LOG_DEBUG, "%s sent, try %d, at +%ld ms", rq.type == DHCPDISCOVER ? "DISCOVER" :
	       "REQUEST", cl->tries + 1, now - cl->start);
	cl->tries++;
	cl->next = now + jitter(cl->backoff);
	cl->backoff = cl->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : cl->backoff * 2;
	if (sendto(cl->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != ENETDOWN &&
	    errno != ENOBUFS && errno != EAGAIN)
		return -errno;
	return 0;
}

static void restart(struct client *cl, enum phase phase)
{
	cl->phase = phase;
	cl->tries = 0;
	cl->backoff = BACKOFF_FIRST_MS;
	if (phase == SELECTING)
		cl->xid = random32();
	if (cl->c->carrier)
		cl->next = nc_now_ms(); /* at once */
}

static void carrier_cb(const struct nl_link *l, void *data)
{
	struct client *cl = data;

	if (l->index != cl->c->ifindex || l->carrier == cl->c->carrier)
		return;
	cl->c->carrier = l->carrier;
	if (!l->carrier) {
		cl->next = 0;
		return;
	}
	if (!cl->c->carrier_at)
		cl->c->carrier_at = nc_now_ms();
	nc_say(cl->c->say, LOG_DEBUG, "carrier up at +%ld ms", nc_now_ms() - cl->start);
	restart(cl, cl->phase);
}

/* Returns 1 when bound, 0 to go on, -errno. */
static int handle_reply(struct client *cl, const uint8_t *msg, size_t len, struct dhcp_lease *l)
{
	struct dhcp_lease r;
	int type = dhcp_parse(msg, len, cl->xid, cl->c->mac, &r);

	if (type > 0)
		nc_say(cl->c->say, LOG_DEBUG, "%s received at +%ld ms", type == DHCPOFFER ? "OFFER" :
		       type == DHCPACK ? "ACK" : "NAK", nc_now_ms() - cl->start);

	if (type == DHCPOFFER && cl->phase == SELECTING) {
		if (is_silent(cl, r.server_id)) {
			if (!cl->have_fallback)
				cl->fallback = r, cl->have_fallback = true;
			return 0;
		}
		cl->offer = r;
		restart(cl, REQUESTING);
		return 0;
	}
	if (type == DHCPACK && cl->phase == SELECTING && r.rapid_commit) { /* RFC 4039 */
		*l = r;
		return 1;
	}
	if (cl->phase != REQUESTING || r.server_id != cl->offer.server_id)
		return 0;
	if (type == DHCPACK) {
		*l = r;
		return 1;
	}
	if (type == DHCPNAK)
		restart(cl, SELECTING);
	return 0;
}

static int receive(struct client *cl, struct dhcp_lease *l)
{
	uint8_t buf[DHCP_PKT_MAX + 64], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	const struct cmsghdr *cm;
	const uint8_t *payload;
	bool check;
	size_t plen;
	ssize_t n;
	int r;

	while ((n = recvmsg(cl->fd, &msg, 0)) >= 0) {
		check = true;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA &&
			    (((const struct tpacket_auxdata *)CMSG_DATA(cm))->tp_status & TP_STATUS_CSUMNOTREADY))
				check = false; /* a local peer (veth) left the checksum to offload */
		if (dhcp_unwrap(buf, (size_t)n, check, &payload, &plen) == 0 &&
		    (r = handle_reply(cl, payload, plen, l)) != 0)
			return r;
		msg.msg_controllen = sizeof(cbuf);
	}
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static int step(struct client *cl, struct dhcp_lease *l)
{
	struct pollfd p[2] = { { .fd = cl->fd, .events = POLLIN }, { .fd = cl->c->mon->fd, .events = POLLIN } };
	long now = nc_now_ms(), wake = cl->c->deadline;
	int r;

	if (cl->next && now >= cl->next) {
		if (cl->phase == REQUESTING && cl->tries >= REQUEST_TRIES) {
			nc_say(cl->c->say, LOG_DEBUG, "no answer to the REQUEST; other servers first");
			if (!is_silent(cl, cl->offer.server_id))
				cl->silent[cl->nsilent++ % SILENT_MAX] = cl->offer.server_id;
			cl->have_fallback = false;
			restart(cl, SELECTING);
		} else if (cl->phase == SELECTING && cl->have_fallback && cl->tries >= FALLBACK_TRIES) {
			/* nobody else offered: try it again */
			cl->offer = cl->fallback;
			cl->have_fallback = false;
			restart(cl, REQUESTING);
		}
		if ((r = transmit(cl)) < 0)
			return r;
	}
	if (cl->next && cl->next < wake)
		wake = cl->next;
	if (poll(p, 2, wake > now ? (int)(wake - now) : 0) < 0)
		return errno == EINTR ? 0 : -errno;
	if (p[1].revents && nl_link_events(cl->c->mon, carrier_cb, cl) == -ENOBUFS)
		cl->next = cl->c->carrier ? cl->next : nc_now_ms(); /* lost events: just try */
	return p[0].revents ? receive(cl, l) : 0;
}

int dhcp_acquire(struct dhcp_client *c, struct dhcp_lease *l)
{
	struct client cl = { .c = c, .start = nc_now_ms() };
	int r = 0;

	cl.fd = packet_open(c->ifindex);
	if (cl.fd < 0)
		return cl.fd;
	if (c->carrier && !c->carrier_at)
		c->carrier_at = cl.start;
	restart(&cl, SELECTING);
	while (r == 0 && nc_now_ms() < c->deadline)
		r = step(&cl, l);
	close(cl.fd);
	return r < 0 ? r : r == 1 ? 0 : -ETIMEDOUT;
}

/* Renewal over UDP: we have an address now, and the kernel routes the unicast to the server. */
static int udp_open(const char *ifname)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void wait_until(long when)
{
	long left;

	while ((left = when - nc_now_ms()) > 0)
		poll(NULL, 0, left > 3600000 ? 3600000 : (int)left);
}

/* One REQUEST, then listen until wait_end.  Returns the message type, 0 for none, -errno. */
static int renew_once(int fd, uint32_t to, const unsigned char *mac, struct dhcp_lease *l, long wait_end)
{
	struct dhcp_req rq = { .type = DHCPREQUEST, .xid = random32(), .ciaddr = l->yiaddr };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT),
				   .sin_addr.s_addr = to };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[DHCP_PKT_MAX];
	struct dhcp_lease r;
	size_t len;
	ssize_t n;
	long left;
	int type;

	memcpy(rq.mac, mac, 6);
	len = dhcp_build(&rq, buf, sizeof(buf), false);
	/* A server out of reach by unicast is what rebinding (the broadcast from T2) is for. */
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return errno == ENETUNREACH || errno == ENETDOWN || errno == EHOSTUNREACH ||
		       errno == EACCES || errno == EPERM ? 0 : -errno;
	while ((left = wait_end - nc_now_ms()) > 0 && poll(&p, 1, (int)left) > 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		type = dhcp_parse(buf, (size_t)n, rq.xid, mac, &r);
		if (type == DHCPACK || type == DHCPNAK) {
			if (type == DHCPACK)
				*l = r;
			return type;
		}
	}
	return 0;
}

int dhcp_renew(int ifindex, const char *ifname, const unsigned char *mac, struct dhcp_lease *l,
	       long bound_at)
{
	long t1 = bound_at + dhcp_t1_ms(l), t2 = bound_at + dhcp_t2_ms(l);
	long expiry = bound_at + l->lease * 1000L, now, stop;
	int fd, type = 0;

	(void)ifindex;
	wait_until(t1);
	fd = udp_open(ifname);
	if (fd < 0)
		return fd;
	while (type == 0 && (now = nc_now_ms()) < expiry) {
		/* RFC 2131 4.4.5: wait half the time left to T2 (or expiry), at least 60 s. */
		stop = now < t2 ? t2 : expiry;
		stop = now + ((stop - now) / 2 > 60000 ? (stop - now) / 2 : 60000);
		if (stop > (now < t2 ? t2 : expiry))
			stop = now < t2 ? t2 : expiry;
		type = renew_once(fd, now < t2 ? l->server_id : INADDR_BROADCAST, mac, l, stop);
	}
	close(fd);
	return type == DHCPACK ? 0 : type == DHCPNAK ? -EPROTO : type < 0 ? type : -ETIMEDOUT;
}
