/* ip= parser.  The kernel's form (nfsroot.rst):
 *   ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>:<dns0-ip>:<dns1-ip>:<ntp0-ip>
 * every field may be empty, trailing fields may be left out, and <autoconf> may stand alone
 * (ip=dhcp, ip=on, ip=any, ip=off, ip=none).  From dracut.cmdline(7):
 *   ip=<device>:<autoconf>[:[<mtu>][:<macaddr>]]
 *   ip=<client-ip>:[<peer>]:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>[:[<mtu>][:<macaddr>]]
 * IPv6 addresses in brackets ([2001:db8::1]), a netmask given as a prefix length, and several ip=
 * (one per interface; the caller handles the list). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcfg/ipspec.h"

#define MAX_FIELDS 16

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int nc_ip_parse(const char *s, struct nc_ip *ip)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	memset(ip, 0, sizeof(*ip));
	if (len >= sizeof(buf))
		return -EINVAL;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return -EINVAL;
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET, s, ip->a) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, s, ip->a) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	if (all_zero(ip->a, sizeof(ip->a)))
		ip->family = 0;
	return 0;
}

const char *nc_ip_str(const struct nc_ip *ip, char *buf, size_t size)
{
	if (!ip->family || !inet_ntop(ip->family, ip->a, buf, (socklen_t)size))
		buf[0] = '\0';
	return buf;
}

/* Split at ':' outside brackets.  Returns the number of fields or -1 (bad brackets, too many). */
static int split(char *s, char **f)
{
	int n = 0, depth = 0;

	f[n++] = s;
	for (; *s; s++) {
		if (*s == '[' && depth++)
			return -1;
		else if (*s == ']' && --depth < 0)
			return -1;
		else if (*s == ':' && !depth) {
			if (n == MAX_FIELDS)
				return -1;
			*s = '\0';
			f[n++] = s + 1;
		}
	}
	return depth ? -1 : n;
}

/* The autoconf keywords.  Returns -1 for an unknown one; unsupported ones are reported apart. */
static int autoconf(const char *s)
{
	if (!*s)
		return -2; /* empty: the default */
	if (!strcmp(s, "off") || !strcmp(s, "none"))
		return IP_OFF;
	if (!strcmp(s, "dhcp") || !strcmp(s, "on") || !strcmp(s, "any"))
		return IP_DHCP;
	if (!strcmp(s, "auto6"))
		return IP_AUTO6;
	return -1;
}

static bool unsupported(const char *s)
{
	static const char *const names[] = { "bootp", "rarp", "both", "dhcp6", "either6", "link6",
					     "ibft", "single-dhcp", NULL };
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return true;
	return false;
}

static int parse_uint(const char *s, unsigned max, unsigned *v)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n > max)
		return -EINVAL;
	*v = (unsigned)n;
	return 0;
}

/* A dotted netmask must be contiguous ones; a plain number is a prefix length. */
static int parse_netmask(const char *s, unsigned *prefix)
{
	struct in_addr m;
	uint32_t v;

	if (parse_uint(s, 128, prefix) == 0)
		return 0;
	if (inet_pton(AF_INET, s, &m) != 1)
		return -EINVAL;
	v = ntohl(m.s_addr);
	if (v & (~v >> 1))
		return -EINVAL;
	*prefix = (unsigned)__builtin_popcount(v);
	return 0;
}

/* RFC 952/1123 host names: letters, digits, '-' and '.', as the kernel's 64-byte nodename. */
static bool valid_hostname(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > IPSPEC_HOSTNAME || *s == '-' || *s == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.')
			return false;
	return true;
}

static bool valid_dev(const char *s)
{
	if (!*s || strlen(s) >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1;
}

/* "52:54:00:12:34:56": six pairs of hex digits (by hand: sscanf would pull in the whole scanf
 * machinery, ~12 KiB of the init). */
static int parse_mac(const char *s, unsigned char *mac)
{
	int i, hi, lo;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++, s += 3) {
		hi = hexval(s[0]);
		lo = hexval(s[1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':'))
			return -EINVAL;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* dracut's trailing [:[<mtu>][:<macaddr>]]: the MAC's own colons split it into six fields. */
static int parse_mtu_mac(char **f, int n, struct ipspec *sp, char *err, size_t errlen)
{
	char mac[18];
	int i;

	if (n > 0 && *f[0] && (parse_uint(f[0], 65535, &sp->mtu) < 0 || sp->mtu < 68))
		return fail(err, errlen, "bad MTU '%s' (68 to 65535)", f[0]);
	if (n <= 1)
		return 0;
	if (n != 7)
		return fail(err, errlen, "bad MAC address (expected 6 hex pairs separated by ':')");
	snprintf(mac, sizeof(mac), "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", f[1], f[2], f[3], f[4], f[5], f[6]);
	for (i = 1; i < 7; i++)
		if (strlen(f[i]) != 2)
			return fail(err, errlen, "bad MAC address (expected 6 hex pairs separated by ':')");
	if (parse_mac(mac, sp->mac) < 0)
		return fail(err, errlen, "bad MAC address '%s'", mac);
	sp->has_mac = true;
	return 0;
}

static int field_ip(const char *s, struct nc_ip *ip, const char *what, char *err, size_t errlen)
{
	if (*s && nc_ip_parse(s, ip) < 0)
		return fail(err, errlen, "bad %s '%s'", what, s);
	return 0;
}

/* <client-ip> may carry its prefix length: 10.0.0.2/24, [2001:db8::2]/64. */
static int field_client(char *s, struct ipspec *sp, char *err, size_t errlen)
{
	char *slash = strrchr(s, '/');

	if (slash && (!strchr(s, ']') || slash > strchr(s, ']'))) {
		*slash = '\0';
		if (parse_uint(slash + 1, 128, &sp->prefix) < 0)
			return fail(err, errlen, "bad prefix length '%s'", slash + 1);
	}
	return field_ip(s, &sp->client, "client address", err, errlen);
}

static bool is_address_like(const char *s)
{
	return *s == '[' || isdigit((unsigned char)*s);
}

static int dracut_dev_form(char **f, int n, struct ipspec *sp, char *err, size_t errlen)
{
	if (!valid_dev(f[0]))
		return fail(err, errlen, "bad device name '%s'", f[0]);
	strcpy(sp->dev, f[0]);
	sp->proto = (enum ip_proto)autoconf(f[1]);
	return parse_mtu_mac(f + 2, n - 2, sp, err, errlen);
}

/* Field 7 on: a number is dracut's <mtu> (then a MAC may follow), else the kernel's DNS/NTP. */
static int tail_fields(char **f, int n, struct ipspec *sp, char *err, size_t errlen)
{
	if (n <= 0)
		return 0;
	if (*f[0] && !strchr(f[0], '.') && isdigit((unsigned char)*f[0]))
		return parse_mtu_mac(f, n, sp, err, errlen);
	if (n > 3)
		return fail(err, errlen, "too many fields (at most 10)");
	if (field_ip(f[0], &sp->dns[0], "dns0 address", err, errlen) < 0 ||
	    (n > 1 && field_ip(f[1], &sp->dns[1], "dns1 address", err, errlen) < 0) ||
	    (n > 2 && field_ip(f[2], &sp->ntp, "ntp0 address", err, errlen) < 0))
		return -EINVAL;
	return 0;
}

static int kernel_form(char **f, int n, struct ipspec *sp, char *err, size_t errlen)
{
	const char *ac = n > 6 ? f[6] : "";
	int a = autoconf(ac);

	if (field_client(f[0], sp, err, errlen) < 0 ||
	    (n > 1 && field_ip(f[1], &sp->server, "server address", err, errlen) < 0) ||
	    (n > 2 && field_ip(f[2], &sp->gw, "gateway address", err, errlen) < 0))
		return -EINVAL;
	if (n > 3 && *f[3] && parse_netmask(f[3], &sp->prefix) < 0)
		return fail(err, errlen, "bad netmask '%s'", f[3]);
	if (n > 4 && *f[4] && !valid_hostname(f[4]))
		return fail(err, errlen, "bad hostname '%s'", f[4]);
	if (n > 4)
		strcpy(sp->hostname, f[4]);
	if (n > 5 && *f[5] && !valid_dev(f[5]))
		return fail(err, errlen, "bad device name '%s'", f[5]);
	if (n > 5)
		strcpy(sp->dev, f[5]);
	if (a == -1)
		return fail(err, errlen, unsupported(ac) ? "autoconf '%s' is not supported" :
			    "unknown autoconf '%s' (dhcp, on, any, off, none or auto6)", ac);
	/* As the kernel: with a client address, empty/off/none is static; without one, empty is
	 * autoconfiguration and off/none turns the interface off. */
	if (a == -2)
		a = sp->client.family ? IP_STATIC : IP_DHCP;
	else if (a == IP_OFF && sp->client.family)
		a = IP_STATIC;
	sp->proto = (enum ip_proto)a;
	return tail_fields(f + 7, n - 7, sp, err, errlen);
}

static int check(struct ipspec *sp, char *err, size_t errlen)
{
	int fam = sp->client.family;

	if (sp->gw.family && fam && sp->gw.family != fam)
		return fail(err, errlen, "gateway and client addresses are of different families");
	if (fam == AF_INET && sp->prefix > 32)
		return fail(err, errlen, "prefix length %u is too long for an IPv4 address", sp->prefix);
	if (sp->proto != IP_STATIC || sp->prefix)
		return 0;
	/* No netmask: the kernel falls back to the address class (A /8, B /16, C /24). */
	if (fam == AF_INET6)
		sp->prefix = 64;
	else
		sp->prefix = sp->client.a[0] < 128 ? 8 : sp->client.a[0] < 192 ? 16 : 24;
	return 0;
}

int ipspec_parse(const char *s, struct ipspec *sp, char *err, size_t errlen)
{
	char buf[256], *f[MAX_FIELDS];
	int n, a;

	memset(sp, 0, sizeof(*sp));
	err[0] = '\0';
	if (strlen(s) >= sizeof(buf))
		return fail(err, errlen, "too long");
	strcpy(buf, s);
	n = split(buf, f);
	if (n < 0)
		return fail(err, errlen, "unbalanced '[' ']' or too many fields");
	if (n == 1 && !is_address_like(s)) { /* the short forms; empty is off, as for the kernel */
		a = autoconf(s);
		if (a == -1 && unsupported(s))
			return fail(err, errlen, "autoconf '%s' is not supported", s);
		if (a == -1)
			return fail(err, errlen, "unknown value '%s' (dhcp, on, any, off, none, auto6, "
				    "or fields separated by ':')", s);
		sp->proto = a == -2 ? IP_OFF : (enum ip_proto)a;
		return 0;
	}
	if (*f[0] && !is_address_like(f[0]) && autoconf(f[1]) >= 0)
		n = dracut_dev_form(f, n, sp, err, errlen);
	else if (*f[0] && !is_address_like(f[0]) && n == 2)
		return fail(err, errlen, unsupported(f[1]) ? "autoconf '%s' is not supported" :
			    "unknown autoconf '%s' (dhcp, on, any, off, none or auto6)", f[1]);
	else if (n > 10 && !(n > 7 && isdigit((unsigned char)*f[7]) && !strchr(f[7], '.')))
		return fail(err, errlen, "too many fields (at most 10)");
	else
		n = kernel_form(f, n, sp, err, errlen);
	return n < 0 ? n : check(sp, err, errlen);
}

static const char *proto_name(enum ip_proto p)
{
	static const char *const names[] = { "off", "static", "dhcp", "auto6" };

	return names[p];
}

void ipspec_describe(const struct ipspec *sp, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t n;

	n = (size_t)snprintf(buf, size, "%s: %s", sp->dev[0] ? sp->dev : "(first link with carrier)",
			     proto_name(sp->proto));
#define ADD(...) do { if (n < size) n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__); } while (0)
	if (sp->client.family)
		ADD(" %s%s/%u", sp->proto == IP_DHCP ? "requesting " : "", nc_ip_str(&sp->client, a, sizeof(a)),
		    sp->prefix);
	if (sp->gw.family)
		ADD(" gateway %s", nc_ip_str(&sp->gw, a, sizeof(a)));
	if (sp->hostname[0])
		ADD(" hostname %s", sp->hostname);
	if (sp->dns[0].family || sp->dns[1].family)
		ADD(" dns %s%s%s", nc_ip_str(&sp->dns[0], a, sizeof(a)),
		    sp->dns[0].family && sp->dns[1].family ? "," : "", nc_ip_str(&sp->dns[1], b, sizeof(b)));
	if (sp->ntp.family)
		ADD(" ntp %s (not used)", nc_ip_str(&sp->ntp, a, sizeof(a)));
	if (sp->server.family)
		ADD(" server %s (not used)", nc_ip_str(&sp->server, a, sizeof(a)));
	if (sp->mtu)
		ADD(" mtu %u", sp->mtu);
	if (sp->has_mac)
		ADD(" mac %02x:%02x:%02x:%02x:%02x:%02x (not used)", sp->mac[0], sp->mac[1], sp->mac[2],
		    sp->mac[3], sp->mac[4], sp->mac[5]);
#undef ADD
}
