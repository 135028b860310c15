/* DHCPv4 messages: build and parse.  Pure functions: bytes in, struct out.
 * RFC 2131 (protocol), RFC 2132 (options), RFC 951 (BOOTP header). */
#include <errno.h>
#include <string.h>

#include "netcfg/dhcp.h"

#define BOOTP_HDR   236
#define MAGIC       0x63825363u
#define IP_HDR      20
#define UDP_HDR     8

enum {
	OPT_PAD = 0, OPT_SUBNET = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12, OPT_DOMAIN = 15,
	OPT_MTU = 26, OPT_BROADCAST = 28, OPT_REQUESTED = 50, OPT_LEASE = 51, OPT_TYPE = 53,
	OPT_SERVER_ID = 54, OPT_PARAMS = 55, OPT_MAX_SIZE = 57, OPT_T1 = 58, OPT_T2 = 59,
	OPT_RAPID_COMMIT = 80, OPT_CLASSLESS = 121, OPT_END = 255,
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The Internet checksum (RFC 1071), continued from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The UDP checksum over the pseudo header; 0 is sent as 0xffff (RFC 768). */
static uint16_t udp_csum(const uint8_t *ip, const uint8_t *udp, size_t udplen)
{
	uint32_t sum = csum_add(0, ip + 12, 8); /* source and destination addresses */
	uint16_t c;

	sum += 17 + (uint32_t)udplen;
	c = csum_fold(csum_add(sum, udp, udplen));
	return c ? c : 0xffff;
}

struct opts {
	uint8_t *p, *end;
};

static bool opt_put(struct opts *o, uint8_t code, const void *data, size_t len)
{
	if (len > 255 || (size_t)(o->end - o->p) < len + 2)
		return false;
	o->p[0] = code;
	o->p[1] = (uint8_t)len;
	if (len)
		memcpy(o->p + 2, data, len);
	o->p += len + 2;
	return true;
}

static bool opt_put32(struct opts *o, uint8_t code, uint32_t v_net)
{
	return opt_put(o, code, &v_net, 4);
}

static bool put_options(const struct dhcp_req *rq, struct opts *o)
{
	static const uint8_t params[] = { OPT_SUBNET, OPT_CLASSLESS, OPT_ROUTER, OPT_DNS, OPT_HOSTNAME,
					  OPT_DOMAIN, OPT_MTU, OPT_BROADCAST, OPT_LEASE, OPT_T1, OPT_T2 };
	uint8_t type = (uint8_t)rq->type, maxsize[2];

	put16(maxsize, DHCP_PKT_MAX);
	if (!opt_put(o, OPT_TYPE, &type, 1) || !opt_put(o, OPT_MAX_SIZE, maxsize, 2))
		return false;
	if (rq->requested && !opt_put32(o, OPT_REQUESTED, rq->requested))
		return false;
	if (rq->server_id && !opt_put32(o, OPT_SERVER_ID, rq->server_id))
		return false;
	if (rq->hostname && *rq->hostname &&
	    !opt_put(o, OPT_HOSTNAME, rq->hostname, strlen(rq->hostname)))
		return false;
	if (rq->type != DHCPRELEASE && !opt_put(o, OPT_PARAMS, params, sizeof(params)))
		return false;
	/* RFC 4039: a server that supports it (dnsmasq's dhcp-rapid-commit) answers the DISCOVER
	 * with an ACK, one round trip fewer; the others ignore the option and offer. */
	if (rq->type == DHCPDISCOVER && !opt_put(o, OPT_RAPID_COMMIT, NULL, 0))
		return false;
	if (o->p >= o->end)
		return false;
	*o->p++ = OPT_END;
	return true;
}

/* The BOOTP header and options at msg; returns the length or 0. */
static size_t build_msg(const struct dhcp_req *rq, uint8_t *msg, size_t size)
{
	struct opts o = { msg + BOOTP_HDR + 4, msg + size };

	if (size < BOOTP_HDR + 4 + 64)
		return 0;
	memset(msg, 0, BOOTP_HDR + 4);
	msg[0] = 1;  /* BOOTREQUEST */
	msg[1] = 1;  /* Ethernet */
	msg[2] = 6;
	put32(msg + 4, rq->xid);
	put16(msg + 8, rq->secs);
	memcpy(msg + 12, &rq->ciaddr, 4);
	memcpy(msg + 28, rq->mac, 6);
	put32(msg + BOOTP_HDR, MAGIC);
	if (!put_options(rq, &o))
		return 0;
	/* Pad to the 300-byte BOOTP minimum: some relays and old servers drop shorter ones. */
	while (o.p - msg < 300 && o.p < o.end)
		*o.p++ = OPT_PAD;
	return (size_t)(o.p - msg);
}

size_t dhcp_build(const struct dhcp_req *rq, uint8_t *buf, size_t size, bool ip_udp)
{
	size_t hdr = ip_udp ? IP_HDR + UDP_HDR : 0, len;
	uint8_t *ip = buf, *udp = buf + IP_HDR;

	if (size < hdr)
		return 0;
	len = build_msg(rq, buf + hdr, size - hdr);
	if (!len || !ip_udp)
		return len;
	memset(buf, 0, hdr);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(hdr + len));
	ip[8] = 64;  /* TTL */
	ip[9] = 17;  /* UDP */
	memcpy(ip + 12, &rq->ciaddr, 4);
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR)));
	put16(udp, DHCP_CLIENT_PORT);
	put16(udp + 2, DHCP_SERVER_PORT);
	put16(udp + 4, (uint16_t)(UDP_HDR + len));
	put16(udp + 6, udp_csum(ip, udp, UDP_HDR + len));
	return hdr + len;
}

int dhcp_unwrap(const uint8_t *pkt, size_t len, bool check_udp, const uint8_t **payload, size_t *plen)
{
	size_t ihl, tot, ulen;
	const uint8_t *udp;

	if (len < IP_HDR || pkt[0] >> 4 != 4)
		return -ENOMSG;
	ihl = (size_t)(pkt[0] & 15) * 4;
	tot = get16(pkt + 2);
	if (ihl < IP_HDR || tot < ihl + UDP_HDR || tot > len)
		return -EINVAL;
	if (pkt[9] != 17 || (get16(pkt + 6) & 0x3fff)) /* not UDP, or a fragment */
		return -ENOMSG;
	if (csum_fold(csum_add(0, pkt, ihl)) != 0)
		return -EINVAL;
	udp = pkt + ihl;
	if (get16(udp + 2) != DHCP_CLIENT_PORT || get16(udp) != DHCP_SERVER_PORT)
		return -ENOMSG;
	ulen = get16(udp + 4);
	if (ulen < UDP_HDR || ulen > tot - ihl)
		return -EINVAL;
	if (check_udp && get16(udp + 6) && csum_fold(csum_add(csum_add(17 + (uint32_t)ulen, pkt + 12, 8),
							      udp, ulen)) != 0)
		return -EINVAL;
	*payload = udp + UDP_HDR;
	*plen = ulen - UDP_HDR;
	return 0;
}

/* Names that end up in /etc/hosts, /etc/resolv.conf and the UTS name: a server must not be
 * able to smuggle a newline or a shell character into them. */
static bool copy_name(char *dst, size_t size, const uint8_t *src, size_t len)
{
	size_t i;

	while (len && src[len - 1] == '\0') /* some servers count a trailing NUL */
		len--;
	if (!len || len >= size || src[0] == '-' || src[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		uint8_t c = src[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

static int mask_prefix(uint32_t mask_net)
{
	uint32_t v = get32((const uint8_t *)&mask_net);

	if (v & (~v >> 1))
		return -1; /* not contiguous */
	return __builtin_popcount(v);
}

/* Option 121 (RFC 3442): destination width, its significant octets, router; repeated.  Returns
 * the number of routes, 0 when the option is malformed (then it is ignored, as the RFC asks, and
 * option 3 applies).  Host bits beyond the width are cleared (the kernel refuses them). */
static int parse_routes(const uint8_t *d, size_t len, struct dhcp_route *rt)
{
	int n = 0;

	while (len) {
		unsigned w = d[0], sig = (w + 7) / 8;
		uint8_t dst[4] = { 0 };

		if (w > 32 || len < 5 + sig)
			return 0;
		memcpy(dst, d + 1, sig);
		if (w % 8)
			dst[sig - 1] &= (uint8_t)(0xff00 >> (w % 8));
		if (n < DHCP_MAX_ROUTES) {
			memcpy(&rt[n].dst, dst, 4);
			memcpy(&rt[n].gw, d + 1 + sig, 4);
			rt[n++].prefix = (uint8_t)w;
		}
		d += 5 + sig;
		len -= 5 + sig;
	}
	return n;
}

/* One option; a wrong length for a fixed-size option makes the whole message malformed. */
static int parse_option(uint8_t code, const uint8_t *d, size_t len, struct dhcp_lease *l)
{
	size_t i;

	switch (code) {
	case OPT_TYPE:
		if (len != 1)
			return -EINVAL;
		l->type = d[0];
		return 0;
	case OPT_SUBNET:
		if (len != 4)
			return -EINVAL;
		memcpy(&l->subnet, d, 4);
		return mask_prefix(l->subnet) < 0 ? -EINVAL : 0;
	case OPT_ROUTER:
		if (len < 4 || len % 4)
			return -EINVAL;
		memcpy(&l->router, d, 4);
		return 0;
	case OPT_CLASSLESS:
		l->nroutes = parse_routes(d, len, l->routes);
		return 0;
	case OPT_DNS:
		if (len < 4 || len % 4)
			return -EINVAL;
		for (i = 0; i < len && l->ndns < DHCP_MAX_DNS; i += 4)
			memcpy(&l->dns[l->ndns++], d + i, 4);
		return 0;
	case OPT_HOSTNAME:
		if (!copy_name(l->hostname, sizeof(l->hostname), d, len))
			l->hostname[0] = '\0'; /* ignored, not fatal */
		return 0;
	case OPT_DOMAIN:
		if (!copy_name(l->domain, sizeof(l->domain), d, len))
			l->domain[0] = '\0';
		return 0;
	case OPT_MTU:
		if (len != 2)
			return -EINVAL;
		l->mtu = get16(d) >= 68 ? get16(d) : 0;
		return 0;
	case OPT_RAPID_COMMIT:
		if (len != 0)
			return -EINVAL;
		l->rapid_commit = true;
		return 0;
	case OPT_SERVER_ID: case OPT_LEASE: case OPT_T1: case OPT_T2:
		if (len != 4)
			return -EINVAL;
		if (code == OPT_SERVER_ID)
			memcpy(&l->server_id, d, 4);
		else
			*(code == OPT_LEASE ? &l->lease : code == OPT_T1 ? &l->t1 : &l->t2) = get32(d);
		return 0;
	default:
		return 0;
	}
}

static int parse_options(const uint8_t *p, size_t len, struct dhcp_lease *l)
{
	const uint8_t *end = p + len;
	int r;

	while (p < end) {
		if (*p == OPT_PAD) {
			p++;
			continue;
		}
		if (*p == OPT_END)
			return 0;
		if (end - p < 2 || end - p - 2 < p[1])
			return -EINVAL;
		r = parse_option(p[0], p + 2, p[1], l);
		if (r < 0)
			return r;
		p += 2 + p[1];
	}
	return -EINVAL; /* no END option */
}

int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const unsigned char *mac, struct dhcp_lease *l)
{
	int r;

	memset(l, 0, sizeof(*l));
	if (len < BOOTP_HDR + 4)
		return -EINVAL;
	if (msg[0] != 2 || msg[1] != 1 || msg[2] != 6 || get32(msg + 4) != xid || memcmp(msg + 28, mac, 6))
		return -ENOMSG;
	if (get32(msg + BOOTP_HDR) != MAGIC)
		return -EINVAL;
	memcpy(&l->yiaddr, msg + 16, 4);
	r = parse_options(msg + BOOTP_HDR + 4, len - BOOTP_HDR - 4, l);
	if (r < 0)
		return r;
	if (l->type != DHCPOFFER && l->type != DHCPACK && l->type != DHCPNAK)
		return -ENOMSG;
	if (l->type != DHCPNAK && (!l->yiaddr || !l->server_id))
		return -EINVAL;
	if (l->subnet)
		l->prefix = (unsigned)mask_prefix(l->subnet);
	else /* RFC 2131 asks for option 1; without it, the address class (as the kernel does) */
		l->prefix = msg[16] < 128 ? 8 : msg[16] < 192 ? 16 : 24;
	return l->type;
}

long dhcp_t1_ms(const struct dhcp_lease *l)
{
	return l->t1 && l->t1 < l->lease ? l->t1 * 1000L : l->lease * 500L;
}

long dhcp_t2_ms(const struct dhcp_lease *l)
{
	long t1 = dhcp_t1_ms(l), end = l->lease * 1000L, t2;

	t2 = l->t2 && l->t2 < l->lease && l->t2 * 1000L > t1 ? l->t2 * 1000L : l->lease * 875L;
	return t2 > t1 ? t2 : t1 + (end - t1) / 2; /* a server's T1 past 0.875: halfway to the end */
}
