/* A hostile DHCP server for tests/t-netcfg-netns.sh: to each DISCOVER or REQUEST it answers with
 * a burst of malformed replies (options running past the end, no END, wrong lengths, a bad
 * cookie, a truncated header), then one well-formed reply whose contents are hostile: a hostname
 * and a domain with a newline and shell characters, 60 name servers, an MTU of 10, unknown and
 * overloaded options.  The address offered is 10.123.0.77/24.
 * dhcp-hostile IFNAME [SECONDS [offer-only]]: serves for SECONDS (default 30), then exits.
 * offer-only: a server that offers and vanishes: one well-formed OFFER of 10.123.0.77 from server
 * 10.123.0.99 to each DISCOVER, and no answer to any REQUEST. */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define COOKIE_AT 236
#define OPTS_AT 240

static unsigned char out[1024];
static size_t n;

static void opt(int code, const void *data, size_t len)
{
	out[n++] = (unsigned char)code;
	out[n++] = (unsigned char)len;
	memcpy(out + n, data, len);
	n += len;
}

static void header(const unsigned char *req, int type)
{
	unsigned char t = (unsigned char)type;

	memset(out, 0, sizeof(out));
	out[0] = 2; /* BOOTREPLY */
	out[1] = 1;
	out[2] = 6;
	memcpy(out + 4, req + 4, 4);                 /* xid */
	out[10] = 0x80;                               /* broadcast */
	memcpy(out + 16, "\x0a\x7b\x00\x4d", 4);      /* yiaddr 10.123.0.77 */
	memcpy(out + 20, "\x0a\x7b\x00\x01", 4);      /* siaddr */
	memcpy(out + 28, req + 28, 16);               /* chaddr */
	memcpy(out + COOKIE_AT, "\x63\x82\x53\x63", 4);
	n = OPTS_AT;
	opt(53, &t, 1);
	opt(54, "\x0a\x7b\x00\x01", 4);
}

static void good_options(void)
{
	static const char host[] = "evil\nhost;reboot";
	static const char domain[] = "x.internal\nnameserver 6.6.6.6";
	unsigned char dns[240], big[255];
	int i;

	opt(51, "\x00\x00\x0e\x10", 4); /* lease 3600 */
	opt(1, "\xff\xff\xff\x00", 4);
	opt(3, "\x0a\x7b\x00\x01", 4);
	for (i = 0; i < 60; i++)
		memcpy(dns + 4 * i, "\x0a\x7b\x00\x35", 4), dns[4 * i + 3] = (unsigned char)(i + 1);
	opt(6, dns, sizeof(dns));
	opt(12, host, sizeof(host) - 1);
	opt(15, domain, sizeof(domain) - 1);
	opt(26, "\x00\x0a", 2);          /* MTU 10 */
	opt(52, "\x03", 1);              /* overload: file and sname (not used here) */
	memset(big, 'A', sizeof(big));
	opt(224, big, sizeof(big));      /* private use, ignored */
	opt(121, "\x20\x0a", 2);         /* a truncated classless route */
	out[n++] = 0;                    /* pads */
	out[n++] = 0;
	out[n++] = 255;
}

static void send_to_client(int fd, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(68) };

	to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	if (sendto(fd, out, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		perror("dhcp-hostile: sendto");
}

static void answer(int fd, const unsigned char *req, int type)
{
	int v;

	for (v = 0; v < 8; v++) {
		header(req, type);
		switch (v) {
		case 0: /* an option running past the end of the message */
			out[n++] = 3, out[n++] = 200, memcpy(out + n, "\x0a\x7b\x00\x01", 4), n += 4;
			break;
		case 1: /* no END */
			opt(1, "\xff\xff\xff\x00", 4);
			break;
		case 2: /* wrong fixed lengths */
			opt(1, "\xff\xff\xff", 3), opt(51, "\x00\x01", 2), out[n++] = 255;
			break;
		case 3: /* a router list that is not a multiple of 4, a non-contiguous mask */
			opt(3, "\x0a\x7b\x00\x01\x0a", 5), opt(1, "\xff\x00\xff\x00", 4), out[n++] = 255;
			break;
		case 4: /* a bad magic cookie */
			good_options(), memcpy(out + COOKIE_AT, "\x63\x82\x53\x64", 4);
			break;
		case 5: /* truncated inside the fixed header */
			n = 100;
			break;
		case 6: /* only pads, to the end of the buffer */
			memset(out + n, 0, 300), n += 300;
			break;
		case 7: /* well-formed, hostile contents */
			good_options();
			break;
		}
		send_to_client(fd, n);
	}
}

static void offer_only(int fd, const unsigned char *req)
{
	header(req, 2);
	n = OPTS_AT;
	opt(53, "\x02", 1);
	opt(54, "\x0a\x7b\x00\x63", 4);
	opt(51, "\x00\x00\x0e\x10", 4);
	opt(1, "\xff\xff\xff\x00", 4);
	opt(3, "\x0a\x7b\x00\x63", 4);
	out[n++] = 255;
	send_to_client(fd, n);
}

int main(int argc, char **argv)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(67) };
	struct timeval tv = { 1, 0 };
	unsigned char req[1500];
	time_t end;
	int fd, one = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: dhcp-hostile IFNAME [SECONDS]\n");
		return 2;
	}
	end = time(NULL) + (argc > 2 ? atoi(argv[2]) : 30);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1], (socklen_t)strlen(argv[1])) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("dhcp-hostile");
		return 1;
	}
	while (time(NULL) < end) {
		ssize_t len = recv(fd, req, sizeof(req), 0);
		const unsigned char *p;
		int type = 0;

		if (len < OPTS_AT + 3 || req[0] != 1)
			continue;
		for (p = req + OPTS_AT; p + 2 < req + len && *p != 255; p += *p ? 2 + p[1] : 1)
			if (p[0] == 53 && p[1] == 1)
				type = p[2];
		if (argc > 3 && !strcmp(argv[3], "offer-only")) {
			if (type == 1) {
				printf("dhcp-hostile: DISCOVER, offered\n");
				fflush(stdout);
				offer_only(fd, req);
			} else if (type == 3) {
				printf("dhcp-hostile: REQUEST, not answered\n");
				fflush(stdout);
			}
		} else if (type == 1 || type == 3) { /* DISCOVER -> OFFER, REQUEST -> ACK */
			printf("dhcp-hostile: %s, 8 replies\n", type == 1 ? "DISCOVER" : "REQUEST");
			fflush(stdout);
			answer(fd, req, type == 1 ? 2 : 5);
		}
	}
	return 0;
}
