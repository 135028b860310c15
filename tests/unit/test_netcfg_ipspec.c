/* ip= parser: the kernel's nfsroot.rst forms, dracut's extensions, malformed input. */
#include <arpa/inet.h>

#include "netcfg/ipspec.h"
#include "tests/unit/test.h"

static struct ipspec sp;
static char why[256];

static int parse(const char *s)
{
	return ipspec_parse(s, &sp, why, sizeof(why));
}

static const char *ip(const struct nc_ip *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return nc_ip_str(a, buf[i], sizeof(buf[i]));
}

static void short_forms(void)
{
	CHECK_INT(parse("dhcp"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_STR(sp.dev, "");
	CHECK_INT(parse("on"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_INT(parse("any"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_INT(parse("off"), 0);
	CHECK_INT(sp.proto, IP_OFF);
	CHECK_INT(parse("none"), 0);
	CHECK_INT(sp.proto, IP_OFF);
	CHECK_INT(parse(""), 0);
	CHECK_INT(sp.proto, IP_OFF);
	CHECK_INT(parse("auto6"), 0);
	CHECK_INT(sp.proto, IP_AUTO6);
}

static void full_static(void)
{
	CHECK_INT(parse("10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off:10.0.2.3"), 0);
	CHECK_INT(sp.proto, IP_STATIC);
	CHECK_STR(ip(&sp.client), "10.0.2.15");
	CHECK_INT(sp.prefix, 24);
	CHECK_STR(ip(&sp.gw), "10.0.2.2");
	CHECK_STR(sp.hostname, "appliance");
	CHECK_STR(sp.dev, "eth0");
	CHECK_STR(ip(&sp.dns[0]), "10.0.2.3");
	CHECK_INT(sp.dns[1].family, 0);
	CHECK_INT(parse("10.1.2.3:10.1.2.1:10.1.2.254:255.255.0.0:h:eth1:none:1.1.1.1:8.8.8.8:10.1.2.9"), 0);
	CHECK_INT(sp.proto, IP_STATIC);
	CHECK_INT(sp.prefix, 16);
	CHECK_STR(ip(&sp.server), "10.1.2.1");
	CHECK_STR(ip(&sp.dns[1]), "8.8.8.8");
	CHECK_STR(ip(&sp.ntp), "10.1.2.9");
}

static void empty_fields(void)
{
	/* A client address with empty autoconf is static; no netmask: the class decides. */
	CHECK_INT(parse("10.0.0.5"), 0);
	CHECK_INT(sp.proto, IP_STATIC);
	CHECK_INT(sp.prefix, 8);
	CHECK_INT(parse("172.16.0.5:::::"), 0);
	CHECK_INT(sp.prefix, 16);
	CHECK_INT(parse("192.168.7.5::::::"), 0);
	CHECK_INT(sp.prefix, 24);
	CHECK_STR(sp.dev, "");
	/* No client address, empty autoconf: autoconfiguration (the kernel's default "any"). */
	CHECK_INT(parse(":::::eth0:"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_STR(sp.dev, "eth0");
	CHECK_INT(parse("::::myhost::dhcp"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_STR(sp.hostname, "myhost");
	/* No client address, autoconf off: nothing to do. */
	CHECK_INT(parse(":::::eth0:off"), 0);
	CHECK_INT(sp.proto, IP_OFF);
	/* 0.0.0.0 is "not given", as in the kernel's ipconfig. */
	CHECK_INT(parse("0.0.0.0::::::dhcp"), 0);
	CHECK_INT(sp.client.family, 0);
	/* A client address with dhcp: DHCP, requesting that address. */
	CHECK_INT(parse("10.9.9.9::::::dhcp"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_STR(ip(&sp.client), "10.9.9.9");
}

static void dracut_forms(void)
{
	CHECK_INT(parse("eth0:dhcp"), 0);
	CHECK_INT(sp.proto, IP_DHCP);
	CHECK_STR(sp.dev, "eth0");
	CHECK_INT(parse("enp0s3:on:1400"), 0);
	CHECK_INT(sp.mtu, 1400);
	CHECK_INT(parse("eth1:dhcp::52:54:00:12:34:56"), 0);
	CHECK_INT(sp.has_mac, 1);
	CHECK_INT(sp.mac[5], 0x56);
	CHECK_INT(parse("eth1:off"), 0);
	CHECK_INT(sp.proto, IP_OFF);
	CHECK_INT(parse("10.0.0.2::10.0.0.1:24:box:eth0:none:9000"), 0);
	CHECK_INT(sp.prefix, 24);
	CHECK_INT(sp.mtu, 9000);
	CHECK_INT(parse("10.0.0.2/28::10.0.0.1::box:eth0:none"), 0);
	CHECK_INT(sp.prefix, 28);
	CHECK_INT(parse("10.0.0.2::10.0.0.1:24:box:eth0:none:1500:52:54:00:ab:cd:ef"), 0);
	CHECK_INT(sp.mac[3], 0xab);
}

static void ipv6(void)
{
	CHECK_INT(parse("[2001:db8::2]::[2001:db8::1]:64::eth0:none"), 0);
	CHECK_INT(sp.proto, IP_STATIC);
	CHECK_INT(sp.client.family, AF_INET6);
	CHECK_STR(ip(&sp.client), "2001:db8::2");
	CHECK_STR(ip(&sp.gw), "2001:db8::1");
	CHECK_INT(sp.prefix, 64);
	CHECK_INT(parse("[fd00::5]/48:::::eth0"), 0);
	CHECK_INT(sp.prefix, 48);
	CHECK_INT(parse("[fd00::5]:::::eth0"), 0);
	CHECK_INT(sp.prefix, 64); /* default for IPv6 */
	CHECK_INT(parse("[fd00::5]::::::off:[fd00::53]"), 0);
	CHECK_STR(ip(&sp.dns[0]), "fd00::53");
}

static void malformed(void)
{
	static const char *const bad[] = {
		"dhcpx", "bootp", "dhcp6", "10.0.0.300", "10.0.0.1:::255.0.255.0", "10.0.0.1::::bad_host",
		"10.0.0.1:::::eth0:bogus", "[2001:db8::1", "2001:db8::1]::", "[[::1]]", "eth0:bogus",
		"eth0:dhcp:99999", "eth0:dhcp:10", "eth0:dhcp::52:54:00:12:34", "eth0:dhcp::zz:54:00:12:34:56",
		"10.0.0.1:::::a/b", "10.0.0.1:::::waytoolongdevicename", "10.0.0.1/33", "10.0.0.1/x",
		"10.0.0.1::[2001:db8::1]", "1:2:3:4:5:6:7:8:9:10:11", "10.0.0.1::::-host",
		"10.0.0.1:::::eth0:off:nonsense", NULL,
	};
	int i;

	for (i = 0; bad[i]; i++) {
		int r = parse(bad[i]);

		if (r != -22)
			printf("  accepted '%s'\n", bad[i]);
		CHECK_INT(r, -22);
		CHECK(why[0] != '\0');
	}
	CHECK_INT(parse("bootp"), -22);
	CHECK(strstr(why, "not supported") != NULL);
	CHECK_INT(parse("10.0.0.1:::255.0.255.0"), -22);
	CHECK(strstr(why, "netmask") != NULL);
}

static void describe(void)
{
	char buf[256];

	parse("10.0.2.15::10.0.2.2:255.255.255.0:appliance:eth0:off:10.0.2.3");
	ipspec_describe(&sp, buf, sizeof(buf));
	CHECK_STR(buf, "eth0: static 10.0.2.15/24 gateway 10.0.2.2 hostname appliance dns 10.0.2.3");
	parse("dhcp");
	ipspec_describe(&sp, buf, sizeof(buf));
	CHECK_STR(buf, "(first link with carrier): dhcp");
}

/* Every prefix of a valid string and a few byte flips must be rejected or accepted cleanly. */
static void fuzz_prefixes(void)
{
	const char *s = "[2001:db8::2]/64::[2001:db8::1]:64:host.example:eth0:none:1500:52:54:00:12:34:56";
	char buf[128];
	size_t i, j;

	for (i = 0; i <= strlen(s); i++) {
		memcpy(buf, s, i);
		buf[i] = '\0';
		parse(buf);
		for (j = 0; j < i; j++) {
			char c = buf[j];

			buf[j] = (char)(c ^ 0x5a);
			parse(buf);
			buf[j] = c;
		}
	}
	CHECK(1);
}

int main(void)
{
	RUN("ipspec", short_forms);
	RUN("ipspec", full_static);
	RUN("ipspec", empty_fields);
	RUN("ipspec", dracut_forms);
	RUN("ipspec", ipv6);
	RUN("ipspec", malformed);
	RUN("ipspec", describe);
	RUN("ipspec", fuzz_prefixes);
	TEST_EXIT();
}
