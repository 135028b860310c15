/* DHCPv4 (RFC 2131/2132): packet building and parsing (pure, in dhcp.c) and the client that
 * speaks it over a packet socket (dhcp_client.c). */
#ifndef MINBOOT_DHCP_H
#define MINBOOT_DHCP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netcfg/nl.h"

struct netcfg_say; /* netcfg.h */

enum {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE,
};

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
#define DHCP_MAX_DNS     3
#define DHCP_MAX_ROUTES  16
#define DHCP_PKT_MAX     1500 /* what we build and what we accept */

/* A classless static route (RFC 3442, option 121); gw 0: on the link. */
struct dhcp_route {
	uint32_t dst, gw;
	uint8_t prefix;
};

/* What a reply says.  Addresses are in network byte order; times in seconds, 0 = not given. */
struct dhcp_lease {
	int type;                /* DHCPOFFER, DHCPACK, DHCPNAK */
	uint32_t yiaddr;
	uint32_t server_id;      /* option 54 */
	uint32_t subnet;         /* option 1 (0: not given) */
	unsigned prefix;         /* from subnet, or the address class when not given */
	uint32_t router;         /* option 3, the first one */
	struct dhcp_route routes[DHCP_MAX_ROUTES]; /* option 121; when given, option 3 is ignored */
	int nroutes;
	uint32_t dns[DHCP_MAX_DNS];
	int ndns;
	char hostname[65];       /* option 12, only [A-Za-z0-9.-] */
	char domain[256];        /* option 15, only [A-Za-z0-9.-] */
	unsigned mtu;            /* option 26 */
	uint32_t lease, t1, t2;  /* options 51, 58, 59 */
	bool rapid_commit;       /* option 80 (RFC 4039): an ACK straight after the DISCOVER */
};

/* What we send. */
struct dhcp_req {
	int type;                /* DHCPDISCOVER, DHCPREQUEST, DHCPRELEASE */
	uint32_t xid;
	uint16_t secs;
	unsigned char mac[6];
	uint32_t ciaddr;         /* our address when renewing (RFC 2131 4.3.2) */
	uint32_t requested;      /* option 50 (0: none) */
	uint32_t server_id;      /* option 54 (0: none) */
	const char *hostname;    /* option 12 (NULL: none) */
};

/* Build a BOOTP/DHCP message into buf.  With ip_udp, wrap it in IPv4 + UDP headers from
 * 0.0.0.0:68 (ciaddr when set) to 255.255.255.255:67, checksums filled, for a packet socket.
 * Returns the length, or 0 when buf is too small. */
size_t dhcp_build(const struct dhcp_req *rq, uint8_t *buf, size_t size, bool ip_udp);

/* Take the UDP payload out of an IPv4 packet for port 68.  check_udp: verify the UDP checksum
 * (not when the kernel reports it as not yet computed, TP_STATUS_CSUMNOTREADY).  Returns 0, or
 * -ENOMSG when the packet is not DHCP for a client, -EINVAL when malformed. */
int dhcp_unwrap(const uint8_t *pkt, size_t len, bool check_udp, const uint8_t **payload, size_t *plen);

/* Parse a BOOTP reply for xid and mac.  Returns the DHCP message type (> 0), -ENOMSG when it is
 * not a reply to us, -EINVAL when malformed (options running past the end, bad lengths). */
int dhcp_parse(const uint8_t *msg, size_t len, uint32_t xid, const unsigned char *mac, struct dhcp_lease *l);

/* The client.  Acquire a lease on ifindex: DISCOVER the moment carrier is seen (on mon, a
 * RTNLGRP_LINK socket opened before the link was set up; carrier is its state now), retries with
 * exponential backoff (1, 2, 4, 8 s, ±10 %), REQUEST, ACK.  Returns 0 with the lease, or
 * -ETIMEDOUT at deadline (nc_now_ms() time), or -errno. */
struct dhcp_client {
	int ifindex;
	unsigned char mac[6];
	const char *hostname;    /* sent as option 12 when set */
	uint32_t requested;      /* a client address from ip=, asked for in option 50 */
	struct nl_sock *mon;
	bool carrier;
	long deadline;
	long carrier_at;         /* out: when carrier was seen (nc_now_ms()), 0 if never */
	const struct netcfg_say *say; /* progress, at LOG_DEBUG (netcfg.h); NULL for none */
};
int dhcp_acquire(struct dhcp_client *c, struct dhcp_lease *l);

/* Renew a bound lease (RFC 2131 4.4.5) over a UDP socket bound to the link: unicast REQUEST to
 * the server at T1, broadcast from T2, until the lease expires.  Returns 0 with the new lease in
 * l, -ETIMEDOUT when the lease expired, -EPROTO on a NAK, or -errno. */
int dhcp_renew(int ifindex, const char *ifname, const unsigned char *mac, struct dhcp_lease *l,
	       long bound_at);

/* Times from a lease in milliseconds, with RFC 2131's defaults (4.4.5: T1 = 0.5, T2 = 0.875 of
 * the lease) where the server gave none or gave times out of order (T1 < T2 < lease). */
long dhcp_t1_ms(const struct dhcp_lease *l);
long dhcp_t2_ms(const struct dhcp_lease *l);
#define dhcp_t1(l) ((uint32_t)(dhcp_t1_ms(l) / 1000)) /* whole seconds, for messages */

#endif
