/* Socket activation: sockets named by minboot.listen= are bound by the init before the payload
 * starts and passed as fds 3.. with LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (sd_listen_fds(3)),
 * so connections queue from the moment the network is up, even while the payload starts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "init/service.h"

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long p;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	p = strtoul(s, &end, 10);
	if (*end || p == 0 || p > 65535)
		return -EINVAL;
	*port = (unsigned)p;
	return 0;
}

static int parse_inet(const char *s, struct listen_spec *o)
{
	char host[64];
	const char *colon;
	size_t l;

	if (s[0] == '[') { /* [v6]:port */
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (l = close - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, l);
		host[l] = '\0';
		o->family = AF_INET6;
		if (inet_pton(AF_INET6, host, o->addr) != 1)
			return -EINVAL;
		return parse_port(close + 2, &o->port);
	}
	colon = strrchr(s, ':');
	if (!colon) { /* port alone: every address, IPv4 and IPv6 */
		o->family = AF_INET6;
		o->any = 1;
		return parse_port(s, &o->port);
	}
	if ((l = colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, l);
	host[l] = '\0';
	o->family = AF_INET;
	if (inet_pton(AF_INET, host, o->addr) != 1)
		return -EINVAL;
	return parse_port(colon + 1, &o->port);
}

int listen_parse(const char *spec, struct listen_spec *o)
{
	int r;
	size_t i;

	memset(o, 0, sizeof(*o));
	o->type = SOCK_STREAM;
	if (!strncmp(spec, "unix:", 5)) {
		if (spec[5] != '/' || strlen(spec + 5) >= sizeof(o->path))
			return -EINVAL;
		o->family = AF_UNIX;
		strcpy(o->path, spec + 5);
		r = 0;
	} else {
		if (!strncmp(spec, "udp:", 4))
			o->type = SOCK_DGRAM, spec += 4;
		else if (!strncmp(spec, "tcp:", 4))
			spec += 4;
		r = parse_inet(spec, o);
	}
	if (r < 0)
		return r;
	/* LISTEN_FDNAMES separates names with ':', so the name is the spec with ':' made '-'. */
	snprintf(o->name, sizeof(o->name), "%s%s", o->type == SOCK_DGRAM ? "udp-" : "", spec);
	for (i = 0; o->name[i]; i++)
		if (o->name[i] == ':' || o->name[i] == '[' || o->name[i] == ']')
			o->name[i] = '-';
	return 0;
}

static int bind_inet(int fd, const struct listen_spec *s)
{
	if (s->family == AF_INET6) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(s->port) };
		int off = 0;
		if (s->any) /* both families on one socket */
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		else
			memcpy(&sa.sin6_addr, s->addr, 16);
		return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	memcpy(&sa.sin_addr, s->addr, 4);
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int open_family(const struct listen_spec *s, int family)
{
	int fd = socket(family, s->type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_UNIX) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strcpy(sa.sun_path, s->path);
		unlink(s->path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	} else if (bind_inet(fd, s) < 0) {
		goto fail;
	}
	if (s->type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	one = -errno;
	close(fd);
	return one;
}

int listen_open(const struct listen_spec *s)
{
	int fd = open_family(s, s->family);

	/* A kernel without IPv6 (ipv6.disable=1): the any-address socket falls back to IPv4. */
	if (fd == -EAFNOSUPPORT && s->any) {
		struct listen_spec v4 = *s;
		v4.family = AF_INET;
		memset(v4.addr, 0, sizeof(v4.addr));
		fd = open_family(&v4, AF_INET);
	}
	return fd;
}
