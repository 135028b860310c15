/* DHCP packets: what we build, what we accept, and what we refuse. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "netcfg/dhcp.h"
#include "tests/unit/test.h"

static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static uint16_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Find option code in a BOOTP message built by dhcp_build(ip_udp = false). */
static const uint8_t *find_opt(const uint8_t *msg, size_t len, uint8_t code)
{
	size_t i = 240;

	while (i < len && msg[i] != 255) {
		if (msg[i] == 0) {
			i++;
			continue;
		}
		if (msg[i] == code)
			return msg + i;
		i += 2u + msg[i + 1];
	}
	return NULL;
}

static void build_discover(void)
{
	struct dhcp_req rq = { .type = DHCPDISCOVER, .xid = 0xdeadbeef, .secs = 3,
			       .requested = ip4("10.0.0.9"), .hostname = "box" };
	uint8_t buf[1500];
	const uint8_t *o, *msg = buf + 28;
	size_t len;

	memcpy(rq.mac, mac, 6);
	len = dhcp_build(&rq, buf, sizeof(buf), true);
	CHECK(len >= 328);
	CHECK_INT(buf[0], 0x45);
	CHECK_INT(buf[2] << 8 | buf[3], len);
	CHECK_INT(sum16(buf, 20, 0), 0);                    /* IP header checksum */
	CHECK_INT(buf[20] << 8 | buf[21], 68);
	CHECK_INT(buf[22] << 8 | buf[23], 67);
	CHECK(!memcmp(buf + 16, "\xff\xff\xff\xff", 4));
	/* UDP checksum with the pseudo header */
	CHECK_INT(sum16(buf + 20, len - 20, (uint32_t)(uint16_t)~sum16(buf + 12, 8, 0) + 17 + (uint32_t)(len - 20)), 0);
	CHECK_INT(msg[0], 1);
	CHECK_INT((uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 | (uint32_t)msg[6] << 8 | msg[7], 0xdeadbeef);
	CHECK(!memcmp(msg + 28, mac, 6));
	CHECK(!memcmp(msg + 236, "\x63\x82\x53\x63", 4));
	o = find_opt(buf + 28, len - 28, 53);
	CHECK(o && o[1] == 1 && o[2] == DHCPDISCOVER);
	o = find_opt(buf + 28, len - 28, 50);
	CHECK(o && o[1] == 4 && !memcmp(o + 2, "\x0a\x00\x00\x09", 4));
	o = find_opt(buf + 28, len - 28, 12);
	CHECK(o && o[1] == 3 && !memcmp(o + 2, "box", 3));
	o = find_opt(buf + 28, len - 28, 55);
	CHECK(o && memchr(o + 2, 121, o[1]) && memchr(o + 2, 3, o[1])); /* RFC 3442: both asked for */
	CHECK(find_opt(buf + 28, len - 28, 54) == NULL);
	o = find_opt(buf + 28, len - 28, 80);
	CHECK(o && o[1] == 0);                              /* RFC 4039 rapid commit asked for */
	CHECK_INT(dhcp_build(&rq, buf, 100, true), 0);     /* too small: 0, no overflow */
}

static void build_request(void)
{
	struct dhcp_req rq = { .type = DHCPREQUEST, .xid = 7, .requested = ip4("10.0.0.9"),
			       .server_id = ip4("10.0.0.1") };
	uint8_t buf[600];
	const uint8_t *o;
	size_t len;

	memcpy(rq.mac, mac, 6);
	len = dhcp_build(&rq, buf, sizeof(buf), false);
	CHECK(len >= 300);
	o = find_opt(buf, len, 54);
	CHECK(o && !memcmp(o + 2, "\x0a\x00\x00\x01", 4));
	o = find_opt(buf, len, 53);
	CHECK(o && o[2] == DHCPREQUEST);
	CHECK(find_opt(buf, len, 80) == NULL);              /* rapid commit only in a DISCOVER */
}

/* RFC 2131 4.4.5: T1 = 0.5 and T2 = 0.875 of the lease, to the millisecond (a 30 s lease rebinds
 * at 26.25 s, not 21 s; a 7 s lease has a T2 at all); the server's times only when in order. */
static void renewal_times(void)
{
	struct dhcp_lease l = { .lease = 30 };

	CHECK_INT(dhcp_t1_ms(&l), 15000);
	CHECK_INT(dhcp_t2_ms(&l), 26250);
	l.lease = 7;
	CHECK_INT(dhcp_t1_ms(&l), 3500);
	CHECK_INT(dhcp_t2_ms(&l), 6125);
	l = (struct dhcp_lease){ .lease = 100, .t1 = 40, .t2 = 80 };
	CHECK_INT(dhcp_t1_ms(&l), 40000);
	CHECK_INT(dhcp_t2_ms(&l), 80000);
	l = (struct dhcp_lease){ .lease = 100, .t1 = 95 };  /* T1 past the default T2 */
	CHECK_INT(dhcp_t2_ms(&l), 97500);
	l = (struct dhcp_lease){ .lease = 100, .t1 = 60, .t2 = 50 }; /* out of order: T2 ignored */
	CHECK_INT(dhcp_t2_ms(&l), 87500);
	l = (struct dhcp_lease){ .lease = 100, .t1 = 200 }; /* past the lease: T1 ignored */
	CHECK_INT(dhcp_t1_ms(&l), 50000);
}

/* A server reply: BOOTP header + the given raw options (END appended by the caller). */
static size_t reply(uint8_t *buf, uint32_t xid, const char *yiaddr, const uint8_t *opts, size_t olen)
{
	uint32_t y = ip4(yiaddr);

	memset(buf, 0, 240);
	buf[0] = 2, buf[1] = 1, buf[2] = 6;
	buf[4] = (uint8_t)(xid >> 24), buf[5] = (uint8_t)(xid >> 16), buf[6] = (uint8_t)(xid >> 8), buf[7] = (uint8_t)xid;
	memcpy(buf + 16, &y, 4);
	memcpy(buf + 28, mac, 6);
	memcpy(buf + 236, "\x63\x82\x53\x63", 4);
	memcpy(buf + 240, opts, olen);
	return 240 + olen;
}

static const uint8_t offer_opts[] = {
	53, 1, 2, 54, 4, 10, 0, 0, 1, 1, 4, 255, 255, 255, 0, 3, 8, 10, 0, 0, 1, 10, 0, 0, 254,
	6, 8, 10, 0, 0, 3, 1, 1, 1, 1, 12, 5, 'h', 'e', 'l', 'l', 'o', 15, 11, 'e', 'x', 'a', 'm', 'p',
	'l', 'e', '.', 'c', 'o', 'm', 26, 2, 0x05, 0xdc, 51, 4, 0, 0, 0x0e, 0x10, 0, 0, 255,
};

static const uint8_t rapid_ack_opts[] = {
	53, 1, 5, 54, 4, 10, 0, 0, 1, 1, 4, 255, 255, 255, 0, 80, 0, 51, 4, 0, 0, 0x0e, 0x10, 255,
};

static void rapid_commit_ack(void)
{
	uint8_t buf[600], bad[] = { 53, 1, 5, 54, 4, 10, 0, 0, 1, 80, 1, 0, 255 };
	struct dhcp_lease l;
	size_t len = reply(buf, 9, "10.0.0.15", rapid_ack_opts, sizeof(rapid_ack_opts));

	CHECK_INT(dhcp_parse(buf, len, 9, mac, &l), DHCPACK);
	CHECK(l.rapid_commit);
	len = reply(buf, 9, "10.0.0.15", bad, sizeof(bad));
	CHECK_INT(dhcp_parse(buf, len, 9, mac, &l), -EINVAL); /* option 80 has no data */
}

static void parse_offer(void)
{
	uint8_t buf[600];
	struct dhcp_lease l;
	size_t len = reply(buf, 42, "10.0.0.15", offer_opts, sizeof(offer_opts));
	char a[16];

	CHECK_INT(dhcp_parse(buf, len, 42, mac, &l), DHCPOFFER);
	CHECK_STR(inet_ntop(AF_INET, &l.yiaddr, a, sizeof(a)), "10.0.0.15");
	CHECK_STR(inet_ntop(AF_INET, &l.server_id, a, sizeof(a)), "10.0.0.1");
	CHECK_STR(inet_ntop(AF_INET, &l.router, a, sizeof(a)), "10.0.0.1");
	CHECK_INT(l.prefix, 24);
	CHECK_INT(l.ndns, 2);
	CHECK_STR(inet_ntop(AF_INET, &l.dns[1], a, sizeof(a)), "1.1.1.1");
	CHECK_STR(l.hostname, "hello");
	CHECK_STR(l.domain, "example.com");
	CHECK_INT(l.mtu, 1500);
	CHECK_INT(l.lease, 3600);
	CHECK_INT(dhcp_t1_ms(&l), 1800000);
	CHECK_INT(dhcp_t2_ms(&l), 3150000);
	CHECK_INT(dhcp_parse(buf, len, 43, mac, &l), -ENOMSG);      /* another xid */
	buf[33] ^= 1;
	CHECK_INT(dhcp_parse(buf, len, 42, mac, &l), -ENOMSG);      /* another client */
}

static int parse_opts(const uint8_t *opts, size_t olen)
{
	uint8_t buf[600];
	struct dhcp_lease l;

	return dhcp_parse(buf, reply(buf, 1, "10.0.0.15", opts, olen), 1, mac, &l);
}

static void malformed_options(void)
{
	static const uint8_t past_end[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 6, 200, 1, 2, 3 };
	static const uint8_t no_end[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1 };
	static const uint8_t bad_subnet_len[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 1, 3, 255, 255, 0, 255 };
	static const uint8_t holey_mask[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 1, 4, 255, 0, 255, 0, 255 };
	static const uint8_t bad_type_len[] = { 53, 2, 2, 2, 54, 4, 10, 0, 0, 1, 255 };
	static const uint8_t no_server[] = { 53, 1, 2, 255 };
	static const uint8_t bad_dns_len[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 6, 5, 1, 1, 1, 1, 1, 255 };
	static const uint8_t not_reply[] = { 53, 1, 1, 54, 4, 10, 0, 0, 1, 255 };
	static const uint8_t evil_name[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 12, 4, 'a', '\n', 'b', 'c',
					     15, 3, 'x', ';', 'y', 255 };
	static const uint8_t lone_code[] = { 53, 1, 2, 54, 4, 10, 0, 0, 1, 6 };
	uint8_t buf[600];
	struct dhcp_lease l;
	size_t len;

	CHECK_INT(parse_opts(past_end, sizeof(past_end)), -EINVAL);
	CHECK_INT(parse_opts(no_end, sizeof(no_end)), -EINVAL);
	CHECK_INT(parse_opts(bad_subnet_len, sizeof(bad_subnet_len)), -EINVAL);
	CHECK_INT(parse_opts(holey_mask, sizeof(holey_mask)), -EINVAL);
	CHECK_INT(parse_opts(bad_type_len, sizeof(bad_type_len)), -EINVAL);
	CHECK_INT(parse_opts(no_server, sizeof(no_server)), -EINVAL);
	CHECK_INT(parse_opts(bad_dns_len, sizeof(bad_dns_len)), -EINVAL);
	CHECK_INT(parse_opts(not_reply, sizeof(not_reply)), -ENOMSG);
	CHECK_INT(parse_opts(lone_code, sizeof(lone_code)), -EINVAL);
	/* Names with a newline or a shell character are dropped; the lease stays usable. */
	len = reply(buf, 1, "10.0.0.15", evil_name, sizeof(evil_name));
	CHECK_INT(dhcp_parse(buf, len, 1, mac, &l), DHCPOFFER);
	CHECK_STR(l.hostname, "");
	CHECK_STR(l.domain, "");
	/* No subnet option: the address class */
	CHECK_INT(l.prefix, 8);
	/* Truncated header, bad magic */
	CHECK_INT(dhcp_parse(buf, 100, 1, mac, &l), -EINVAL);
	buf[236] = 0;
	CHECK_INT(dhcp_parse(buf, len, 1, mac, &l), -EINVAL);
}

/* RFC 3442 option 121: width, significant octets, router, repeated; option 3 is then ignored. */
static void classless_routes(void)
{
	static const uint8_t routes[] = {
		53, 1, 5, 54, 4, 10, 0, 0, 1, 3, 4, 10, 0, 0, 1,
		121, 29, 32, 10, 128, 0, 1, 0, 0, 0, 0,    /* 10.128.0.1/32 on the link */
		0, 10, 128, 0, 1,                          /* default via 10.128.0.1 */
		12, 192, 168, 10, 0, 0, 9,                /* 192.168.16.0/12 (host bits set) via 10.0.0.9 */
		23, 172, 16, 3, 10, 0, 0, 8, 255,          /* 172.16.2.0/23 via 10.0.0.8 */
	};
	static const uint8_t truncated[] = { 53, 1, 5, 54, 4, 10, 0, 0, 1, 3, 4, 10, 0, 0, 1,
					     121, 6, 0, 10, 0, 0, 2, 24, 255 };
	static const uint8_t too_wide[] = { 53, 1, 5, 54, 4, 10, 0, 0, 1, 121, 10, 33, 1, 2, 3, 4, 5,
					    10, 0, 0, 1, 255 };
	uint8_t buf[600], many[300];
	struct dhcp_lease l;
	char a[16];
	size_t n = 0;
	int i;

	CHECK_INT(dhcp_parse(buf, reply(buf, 7, "10.0.0.15", routes, sizeof(routes)), 7, mac, &l), DHCPACK);
	CHECK_INT(l.nroutes, 4);
	CHECK_STR(inet_ntop(AF_INET, &l.routes[0].dst, a, sizeof(a)), "10.128.0.1");
	CHECK_INT(l.routes[0].prefix, 32);
	CHECK_INT(l.routes[0].gw, 0);
	CHECK_INT(l.routes[1].prefix, 0);
	CHECK_INT(l.routes[1].dst, 0);
	CHECK_STR(inet_ntop(AF_INET, &l.routes[1].gw, a, sizeof(a)), "10.128.0.1");
	CHECK_STR(inet_ntop(AF_INET, &l.routes[2].dst, a, sizeof(a)), "192.160.0.0");
	CHECK_INT(l.routes[2].prefix, 12);
	CHECK_STR(inet_ntop(AF_INET, &l.routes[2].gw, a, sizeof(a)), "10.0.0.9");
	CHECK_STR(inet_ntop(AF_INET, &l.routes[3].dst, a, sizeof(a)), "172.16.2.0");
	CHECK_INT(l.routes[3].prefix, 23);
	/* A malformed option 121 is ignored: the lease stands, option 3's router applies. */
	CHECK_INT(dhcp_parse(buf, reply(buf, 7, "10.0.0.15", truncated, sizeof(truncated)), 7, mac, &l), DHCPACK);
	CHECK_INT(l.nroutes, 0);
	CHECK_STR(inet_ntop(AF_INET, &l.router, a, sizeof(a)), "10.0.0.1");
	CHECK_INT(dhcp_parse(buf, reply(buf, 7, "10.0.0.15", too_wide, sizeof(too_wide)), 7, mac, &l), DHCPACK);
	CHECK_INT(l.nroutes, 0);
	/* More routes than DHCP_MAX_ROUTES: the first ones are kept. */
	memcpy(many, "\x35\x01\x05\x36\x04\x0a\x00\x00\x01\x79", 10);
	n = 11;
	for (i = 0; i < DHCP_MAX_ROUTES + 4; i++) {
		const uint8_t r[] = { 24, 10, 9, (uint8_t)i, 10, 0, 0, 1 };

		memcpy(many + n, r, sizeof(r));
		n += sizeof(r);
	}
	many[10] = (uint8_t)(n - 11);
	many[n++] = 255;
	CHECK_INT(dhcp_parse(buf, reply(buf, 7, "10.0.0.15", many, n), 7, mac, &l), DHCPACK);
	CHECK_INT(l.nroutes, DHCP_MAX_ROUTES);
	CHECK_STR(inet_ntop(AF_INET, &l.routes[DHCP_MAX_ROUTES - 1].dst, a, sizeof(a)), "10.9.15.0");
}

/* Wrap a reply the way a server on the wire does. */
static size_t wrap(uint8_t *pkt, const uint8_t *msg, size_t len)
{
	uint16_t c;

	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)((len + 28) >> 8), pkt[3] = (uint8_t)(len + 28);
	pkt[8] = 64, pkt[9] = 17;
	memcpy(pkt + 12, "\x0a\x00\x00\x01\xff\xff\xff\xff", 8);
	c = sum16(pkt, 20, 0);
	pkt[10] = (uint8_t)(c >> 8), pkt[11] = (uint8_t)c;
	pkt[21] = 67, pkt[23] = 68;
	pkt[24] = (uint8_t)((len + 8) >> 8), pkt[25] = (uint8_t)(len + 8);
	memcpy(pkt + 28, msg, len);
	c = sum16(pkt + 20, len + 8, (uint32_t)(uint16_t)~sum16(pkt + 12, 8, 0) + 17 + (uint32_t)(len + 8));
	pkt[26] = (uint8_t)(c >> 8), pkt[27] = (uint8_t)c;
	return len + 28;
}

static void unwrap(void)
{
	uint8_t msg[600], pkt[700];
	const uint8_t *p;
	size_t plen, len = wrap(pkt, msg, reply(msg, 5, "10.0.0.15", offer_opts, sizeof(offer_opts)));
	struct dhcp_lease l;

	CHECK_INT(dhcp_unwrap(pkt, len, true, &p, &plen), 0);
	CHECK_INT(plen, len - 28);
	CHECK_INT(dhcp_parse(p, plen, 5, mac, &l), DHCPOFFER);
	pkt[300] ^= 0x40;                                            /* payload corrupted */
	CHECK_INT(dhcp_unwrap(pkt, len, true, &p, &plen), -EINVAL);
	CHECK_INT(dhcp_unwrap(pkt, len, false, &p, &plen), 0);      /* checksum left to offload */
	CHECK_INT(dhcp_unwrap(pkt, len - 10, true, &p, &plen), -EINVAL); /* shorter than tot_len */
	pkt[10] ^= 1;
	CHECK_INT(dhcp_unwrap(pkt, len, false, &p, &plen), -EINVAL); /* IP header checksum */
	pkt[10] ^= 1;
	pkt[23] = 69;
	CHECK_INT(dhcp_unwrap(pkt, len, false, &p, &plen), -ENOMSG); /* another port */
	pkt[23] = 68;
	pkt[9] = 6;
	CHECK_INT(dhcp_unwrap(pkt, len, false, &p, &plen), -ENOMSG); /* TCP */
	CHECK_INT(dhcp_unwrap(pkt, 10, false, &p, &plen), -ENOMSG);
}

/* Random damage must never crash or read out of bounds (run under valgrind/asan to be sure). */
static void fuzz(void)
{
	uint8_t msg[600], pkt[700], copy[700];
	size_t len = wrap(pkt, msg, reply(msg, 5, "10.0.0.15", offer_opts, sizeof(offer_opts)));
	const uint8_t *p;
	struct dhcp_lease l;
	size_t plen, cut;
	int i, j;

	srand(1);
	for (i = 0; i < 20000; i++) {
		memcpy(copy, pkt, len);
		for (j = 0; j < 1 + i % 4; j++)
			copy[28 + 236 + (size_t)rand() % (len - 28 - 236)] = (uint8_t)rand();
		cut = len - (size_t)rand() % 64;
		if (dhcp_unwrap(copy, cut, false, &p, &plen) == 0)
			dhcp_parse(p, plen, 5, mac, &l);
		dhcp_parse(copy + 28, cut - 28, 5, mac, &l);
	}
	CHECK(1);
}

int main(void)
{
	RUN("dhcp", build_discover);
	RUN("dhcp", build_request);
	RUN("dhcp", parse_offer);
	RUN("dhcp", renewal_times);
	RUN("dhcp", rapid_commit_ack);
	RUN("dhcp", malformed_options);
	RUN("dhcp", classless_routes);
	RUN("dhcp", unwrap);
	RUN("dhcp", fuzz);
	TEST_EXIT();
}
