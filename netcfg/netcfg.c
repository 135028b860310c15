/* The plan: parse every ip=, find the links, set them up together (so their carriers come up in
 * parallel), then configure each in order against one deadline.  Messages go to the caller
 * (o->say); nothing here prints or exits. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
#include "netcfg/ipspec.h"
#include "netcfg/netcfg.h"

#define MAX_NS POLICY_MAX_NAMESERVERS
#define SAY(r, level, ...) nc_say(&(r)->o->say, level, __VA_ARGS__)

struct run {
	const struct netcfg_opts *o;
	struct netcfg_result *res;
	struct nl_sock s, mon;
	struct nl_link links[NL_LINK_MAX];
	int nlinks;
	long start, deadline;
	struct nc_ip ns[MAX_NS];
	int nns;
	char hostname[IPSPEC_HOSTNAME + 1], domain[256];
	struct nc_ip host_addr;
	long autoselect_at;           /* nc_now_ms() when autoselect saw carrier */
};

/* Seconds since boot, for the log: the timings that matter are relative to the kernel's start. */
static double uptime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ns_add(struct run *r, const struct nc_ip *ip)
{
	int i;

	if (!ip->family)
		return;
	for (i = 0; i < r->nns; i++)
		if (!memcmp(&r->ns[i], ip, sizeof(*ip)))
			return;
	if (r->nns < MAX_NS)
		r->ns[r->nns++] = *ip;
}

/* nameserver= comes first: the user's word beats the DHCP server's. */
static void ns_from_cmdline(struct run *r, const char *list)
{
	char buf[256], *tok, *save;
	struct nc_ip ip;

	if (!list || strlen(list) >= sizeof(buf))
		return;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nc_ip_parse(tok, &ip) < 0 || !ip.family)
			SAY(r, LOG_ERR, "nameserver=%s: not an IP address; ignored", tok);
		else
			ns_add(r, &ip);
	}
}

static struct nl_link *link_by_name(struct run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nlinks; i++)
		if (!strcmp(r->links[i].name, name))
			return &r->links[i];
	return NULL;
}

/* Autoselect candidates: every Ethernet link but loopback. */
static int candidates(struct run *r, int *idx)
{
	int i, n = 0;

	for (i = 0; i < r->nlinks; i++)
		if (r->links[i].type == ARPHRD_ETHER && !(r->links[i].flags & IFF_LOOPBACK))
			idx[n++] = r->links[i].index;
	return n;
}

static void list_names(struct run *r, char *buf, size_t size)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->nlinks && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "", r->links[i].name);
}

static void mark(const struct run *r, long ago_ms, const char *stage, const char *name, const struct nc_ip *a,
		 unsigned prefix)
{
	char d[IF_NAMESIZE + 64], ip[64];

	if (!r->o->mark)
		return;
	if (a)
		snprintf(d, sizeof(d), "%s %s/%u", name, nc_ip_str(a, ip, sizeof(ip)), prefix);
	else
		snprintf(d, sizeof(d), "%s", name);
	r->o->mark(ago_ms, stage, d);
}

/* Up; on a link that was down, the IPv6 link-local address follows at once, before carrier
 * (linkup.c says why).  settle: the boot waits for this link's carrier (DHCP, rd.neednet), so
 * one still negotiating (nc_link_negotiating) is set up once it has its link; a static address
 * is not held up for it. */
static int link_up(struct run *r, const struct nl_link *l, unsigned mtu, bool settle)
{
	int e;

	if (settle && !(l->flags & IFF_UP) && nc_link_negotiating(r->s.ops, l->name)) {
		long t0 = nc_now_ms();
		struct timespec tick = { 0, 10 * 1000000L };

		while (nc_now_ms() - t0 < POLICY_LINK_PHY_WAIT_MS && nc_link_negotiating(r->s.ops, l->name))
			nanosleep(&tick, NULL);
		mark(r, 0, "link up", l->name, NULL, 0);
	}
	if (mtu && (e = nl_link_set_mtu(&r->s, l->index, mtu)) < 0)
		SAY(r, LOG_WARN, "%s: unable to set MTU %u: %s", l->name, mtu, strerror(-e));
	e = nl_link_up(&r->s, l->index);
	if (e < 0) {
		SAY(r, LOG_ERR, "%s: unable to set the link up: %s", l->name, strerror(-e));
		return e;
	}
	if (!(l->flags & IFF_UP) && (e = nc_v6_linklocal_early(&r->s, l)) < 0)
		SAY(r, LOG_DEBUG, "%s: no early IPv6 link-local address: %s", l->name, strerror(-e));
	return 0;
}

static bool same_subnet(const struct nc_ip *a, const struct nc_ip *b, unsigned prefix)
{
	unsigned i, bits;

	for (i = 0; prefix && i < 16; i++, prefix -= bits) {
		bits = prefix > 8 ? 8 : prefix;
		if ((a->a[i] ^ b->a[i]) & (0xff00 >> bits))
			return false;
	}
	return true;
}

static int add_routes(struct run *r, const struct nl_link *l, const struct nc_ip *addr, unsigned prefix,
		      const struct nc_ip *gw)
{
	char g[64];
	int e;

	if (!gw->family)
		return 0;
	e = nl_route_add(&r->s, gw->family, NULL, 0, gw, l->index, !same_subnet(addr, gw, prefix));
	if (e < 0)
		SAY(r, LOG_ERR, "%s: unable to add the default route via %s: %s", l->name, nc_ip_str(gw, g, sizeof(g)),
		    strerror(-e));
	return e;
}

int netcfg_lease_routes(struct nl_sock *s, const char *dev, int ifindex, const struct dhcp_lease *ls,
			const struct netcfg_say *say)
{
	const struct dhcp_route def = { .gw = ls->router }, *rt = ls->nroutes ? ls->routes : &def;
	struct nc_ip addr = { .family = AF_INET }, dst = addr, gw = addr;
	int n = ls->nroutes ? ls->nroutes : ls->router != 0, i, e, ret = 0;
	char d[16], g[16];

	memcpy(addr.a, &ls->yiaddr, 4);
	for (i = 0; i < n; i++) {
		memcpy(dst.a, &rt[i].dst, 4);
		memcpy(gw.a, &rt[i].gw, 4);
		e = nl_route_add(s, AF_INET, &dst, rt[i].prefix, rt[i].gw ? &gw : NULL, ifindex,
				 rt[i].gw && !same_subnet(&addr, &gw, ls->prefix));
		if (e < 0) {
			nc_say(say, LOG_ERR, "%s: unable to add the route to %s/%u via %s: %s", dev, nc_ip_str(&dst, d, sizeof(d)),
			    rt[i].prefix, rt[i].gw ? nc_ip_str(&gw, g, sizeof(g)) : "the link", strerror(-e));
			ret = e;
		}
	}
	return ret;
}

static struct netcfg_iface *record(struct run *r, const struct nl_link *l, const struct nc_ip *addr,
				   unsigned prefix)
{
	struct netcfg_iface *ifc;

	if (r->res->n >= NETCFG_MAX_IFACES)
		return NULL;
	ifc = &r->res->ifs[r->res->n++];
	memset(ifc, 0, sizeof(*ifc));
	strcpy(ifc->name, l->name);
	ifc->ifindex = l->index;
	memcpy(ifc->mac, l->mac, sizeof(ifc->mac));
	ifc->addr = *addr;
	ifc->prefix = prefix;
	if (!r->host_addr.family)
		r->host_addr = *addr;
	return ifc;
}

/* Wait for carrier on one link; returns 0, or -ETIMEDOUT with a message. */
static int wait_carrier(struct run *r, const struct nl_link *l)
{
	long t0 = nc_now_ms();
	int e = nl_link_wait_carrier(&r->mon, &r->s, &l->index, 1, r->deadline);

	if (e < 0)
		SAY(r, LOG_WARN, "%s: no carrier within %.1f s%s", l->name, (double)(r->deadline - r->start) / 1000,
		     e == -ETIMEDOUT ? "" : strerror(-e));
	else
		SAY(r, LOG_INFO, "%s: carrier up at %.3f s (waited %ld ms)", l->name, uptime(), nc_now_ms() - t0);
	if (e >= 0)
		mark(r, 0, "carrier", l->name, NULL, 0);
	return e < 0 ? e : 0;
}

static int configure_static(struct run *r, const struct ipspec *sp, const struct nl_link *l)
{
	char a[64], g[64];
	int e = nl_addr_add(&r->s, l->index, &sp->client, sp->prefix, NL_FOREVER);

	if (e < 0) {
		SAY(r, LOG_ERR, "%s: unable to add address %s/%u: %s", l->name, nc_ip_str(&sp->client, a, sizeof(a)),
		    sp->prefix, strerror(-e));
		return e;
	}
	add_routes(r, l, &sp->client, sp->prefix, &sp->gw);
	record(r, l, &sp->client, sp->prefix);
	SAY(r, LOG_INFO, "%s: %s/%u%s%s", l->name, nc_ip_str(&sp->client, a, sizeof(a)), sp->prefix,
	     sp->gw.family ? " via " : "", nc_ip_str(&sp->gw, g, sizeof(g)));
	mark(r, 0, "address", l->name, &sp->client, sp->prefix);
	/* The address works at once: packets flow as soon as the carrier comes, and the payload (a
	 * server, typically) need not wait for it.  rd.neednet=1 asks for the network to be up. */
	if (r->o->wait_carrier)
		wait_carrier(r, l);
	return 0;
}

static void lease_log(const struct run *r, const struct nl_link *l, const struct dhcp_lease *ls,
		      long carrier_at, long bound_at)
{
	char a[16], s[16], g[16];

	inet_ntop(AF_INET, &ls->yiaddr, a, sizeof(a));
	inet_ntop(AF_INET, &ls->server_id, s, sizeof(s));
	inet_ntop(AF_INET, &ls->router, g, sizeof(g));
	SAY(r, LOG_INFO, "%s: DHCP lease %s/%u from %s%s%s, %u s; bound at %.3f s, %ld ms after carrier", l->name, a,
	     ls->prefix, s, ls->nroutes ? ", classless routes" : ls->router ? ", gateway " : "",
	     !ls->nroutes && ls->router ? g : "", ls->lease, uptime(), bound_at - carrier_at);
}

static void lease_apply_names(struct run *r, const struct dhcp_lease *ls)
{
	struct nc_ip ip = { .family = AF_INET };
	int i;

	for (i = 0; i < ls->ndns; i++) {
		memcpy(ip.a, &ls->dns[i], 4);
		ns_add(r, &ip);
	}
	if (!r->hostname[0] && ls->hostname[0])
		strcpy(r->hostname, ls->hostname);
	if (!r->domain[0] && ls->domain[0])
		strcpy(r->domain, ls->domain);
}

static int configure_dhcp(struct run *r, const struct ipspec *sp, struct nl_link *l)
{
	struct dhcp_client c = { .ifindex = l->index, .hostname = sp->hostname[0] ? sp->hostname : NULL,
				 .mon = &r->mon, .carrier = l->carrier, .deadline = r->deadline,
				 .carrier_at = sp->dev[0] ? 0 : r->autoselect_at, .say = &r->o->say };
	struct nc_ip addr = { .family = AF_INET };
	struct netcfg_iface *ifc;
	struct dhcp_lease ls;
	int e;

	memcpy(c.mac, l->mac, 6);
	if (sp->client.family == AF_INET)
		memcpy(&c.requested, sp->client.a, 4);
	e = dhcp_acquire(&c, &ls);
	if (e < 0) {
		SAY(r, LOG_ERR, "%s: no DHCP lease within %.1f s (%s); going on without this interface", l->name,
		    (double)(r->deadline - r->start) / 1000, e == -ETIMEDOUT ? c.carrier_at ? "no answer" :
		    "no carrier" : strerror(-e));
		return e;
	}
	if (ls.mtu && !sp->mtu && ls.mtu != l->mtu && (e = nl_link_set_mtu(&r->s, l->index, ls.mtu)) < 0)
		SAY(r, LOG_WARN, "%s: unable to set the MTU %u the server gave: %s", l->name, ls.mtu, strerror(-e));
	memcpy(addr.a, &ls.yiaddr, 4);
	e = nl_addr_add(&r->s, l->index, &addr, ls.prefix, ls.lease ? ls.lease : NL_FOREVER);
	if (e < 0) {
		SAY(r, LOG_ERR, "%s: unable to add the leased address: %s", l->name, strerror(-e));
		return e;
	}
	if (sp->gw.family) /* ip='s gateway replaces the server's routes */
		add_routes(r, l, &addr, ls.prefix, &sp->gw);
	else
		netcfg_lease_routes(&r->s, l->name, l->index, &ls, &r->o->say);
	ifc = record(r, l, &addr, ls.prefix);
	if (ifc) {
		ifc->dhcp = true;
		ifc->lease = ls;
		ifc->bound_at = nc_now_ms();
		if (sp->gw.family == AF_INET)
			memcpy(&ifc->gw, sp->gw.a, 4);
	}
	lease_log(r, l, &ls, c.carrier_at, nc_now_ms());
	if (sp->dev[0] && c.carrier_at) /* autoselect marked it already */
		mark(r, nc_now_ms() - c.carrier_at, "carrier", l->name, NULL, 0);
	mark(r, 0, "dhcp lease", l->name, &addr, ls.prefix);
	lease_apply_names(r, &ls);
	return 0;
}

/* Autoselect: the first candidate link to report carrier (nfsroot.rst: "the first device that
 * ... replies"; dracut: the first with a link). */
static struct nl_link *autoselect(struct run *r)
{
	int idx[NL_LINK_MAX], n = candidates(r, idx), e, i;

	if (!n) {
		SAY(r, LOG_ERR, "no Ethernet link to autoselect (is the NIC driver loaded?)");
		return NULL;
	}
	e = nl_link_wait_carrier(&r->mon, &r->s, idx, n, r->deadline);
	if (e < 0) {
		SAY(r, LOG_ERR, "no link got carrier within %.1f s%s%s", (double)(r->deadline - r->start) / 1000,
		    e == -ETIMEDOUT ? "" : ": ", e == -ETIMEDOUT ? "" : strerror(-e));
		return NULL;
	}
	for (i = 0; i < r->nlinks; i++) {
		if (r->links[i].index == e) {
			r->links[i].carrier = true;
			r->autoselect_at = nc_now_ms();
			SAY(r, LOG_INFO, "autoselected %s (first link with carrier, at %.3f s)", r->links[i].name, uptime());
			mark(r, 0, "carrier", r->links[i].name, NULL, 0);
			return &r->links[i];
		}
	}
	return NULL;
}

static int configure(struct run *r, const struct ipspec *sp)
{
	struct nl_link *l = sp->dev[0] ? link_by_name(r, sp->dev) : autoselect(r);
	struct nl_link fresh;

	if (!l)
		return -ENODEV;
	if (sp->hostname[0] && !r->hostname[0])
		strcpy(r->hostname, sp->hostname);
	ns_add(r, &sp->dns[0]);
	ns_add(r, &sp->dns[1]);
	if (nl_link_find(&r->s, l->name, &fresh) == 0) /* carrier may have come up meanwhile */
		*l = fresh;
	switch (sp->proto) {
	case IP_STATIC:
		return configure_static(r, sp, l);
	case IP_DHCP:
		return configure_dhcp(r, sp, l);
	case IP_AUTO6:
		SAY(r, LOG_INFO, "%s: auto6: the kernel's router discovery configures IPv6", l->name);
		return wait_carrier(r, l);
	default:
		return 0;
	}
}

/* Set up every named link first, so that their carriers come up in parallel. */
static int links_up(struct run *r, struct ipspec *specs, int *ok, int n)
{
	int idx[NL_LINK_MAX], i, j, m;
	char names[256];
	bool any_auto = false, auto_dhcp = false;

	for (i = 0; i < n; i++) {
		if (!ok[i] || specs[i].proto == IP_OFF)
			continue;
		if (!specs[i].dev[0]) {
			any_auto = true;
			auto_dhcp |= specs[i].proto == IP_DHCP;
			continue;
		}
		if (!link_by_name(r, specs[i].dev)) {
			list_names(r, names, sizeof(names));
			SAY(r, LOG_ERR, "ip=: no link named %s (links: %s); going on without it", specs[i].dev, names);
			ok[i] = 0;
			r->res->failed++;
			continue;
		}
		if (link_up(r, link_by_name(r, specs[i].dev), specs[i].mtu,
			    r->o->wait_carrier || specs[i].proto != IP_STATIC) < 0)
			ok[i] = 0, r->res->failed++;
	}
	m = any_auto ? candidates(r, idx) : 0;
	for (j = 0; j < m; j++)
		for (i = 0; i < r->nlinks; i++)
			if (r->links[i].index == idx[j] && !(r->links[i].flags & IFF_UP))
				link_up(r, &r->links[i], 0, r->o->wait_carrier || auto_dhcp);
	return 0;
}

static void write_results(struct run *r)
{
	int (*set)(const char *, size_t) = r->o->sethostname ? r->o->sethostname : sethostname;
	const char *root = r->o->root;
	int e;

	if (r->hostname[0]) {
		if (set(r->hostname, strlen(r->hostname)) < 0)
			SAY(r, LOG_ERR, "unable to set the hostname %s: %s", r->hostname, strerror(errno));
		if ((e = netcfg_write_hostname(root, r->hostname)) < 0)
			SAY(r, LOG_ERR, "unable to write /etc/hostname: %s", strerror(-e));
		if (r->host_addr.family && (e = netcfg_write_hosts(root, &r->host_addr, r->hostname, r->domain)) < 0)
			SAY(r, LOG_ERR, "unable to write /etc/hosts: %s", strerror(-e));
	}
	if ((r->nns || r->domain[0]) && (e = netcfg_write_resolv(root, r->ns, r->nns, r->domain)) < 0)
		SAY(r, LOG_ERR, "unable to write /etc/resolv.conf: %s", strerror(-e));
}

static void print_plan(struct run *r, struct ipspec *specs, int *ok, int n)
{
	const struct netcfg_say *plan = &r->o->plan;
	char line[512], a[64];
	int i;

	for (i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		ipspec_describe(&specs[i], line, sizeof(line));
		nc_say(plan, LOG_INFO, "%s", line);
	}
	for (i = 0; i < r->nns; i++)
		nc_say(plan, LOG_INFO, "nameserver %s", nc_ip_str(&r->ns[i], a, sizeof(a)));
	nc_say(plan, LOG_INFO, "timeout %.1f s", (double)(r->deadline - r->start) / 1000);
}

/* Parse them all first: a malformed value is reported and skipped, the others still apply. */
static int parse_all(struct run *r, const char *const *ips, int nip, struct ipspec *specs, int *ok)
{
	char why[256];
	int i, off = 0;

	for (i = 0; i < nip && i < NETCFG_MAX_IFACES; i++) {
		ok[i] = ipspec_parse(ips[i], &specs[i], why, sizeof(why)) == 0;
		if (!ok[i]) {
			SAY(r, LOG_ERR, "ip=%s: %s; going on without this interface", ips[i], why);
			r->res->failed++;
		} else if (specs[i].proto == IP_OFF && !specs[i].dev[0]) {
			off = 1;
		}
	}
	for (; i < nip; i++) {
		SAY(r, LOG_ERR, "ip=%s: more than %d ip= values; ignored", ips[i], NETCFG_MAX_IFACES);
		r->res->failed++;
	}
	return off;
}

static int open_sockets(struct run *r)
{
	int e = nl_open_ops(&r->s, 0, r->o->nl);

	if (e < 0)
		return e;
	e = nl_open_ops(&r->mon, 1u << (RTNLGRP_LINK - 1), r->o->nl);
	if (e < 0)
		nl_close(&r->s);
	return e;
}

int netcfg_run(const struct netcfg_opts *o, const char *const *ips, int nip, struct netcfg_result *res)
{
	static struct run r; /* the link table is large: keep it off PID 1's stack */
	struct ipspec specs[NETCFG_MAX_IFACES];
	int ok[NETCFG_MAX_IFACES], i, e, n = nip < NETCFG_MAX_IFACES ? nip : NETCFG_MAX_IFACES;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.o = o;
	r.res = res;
	r.start = nc_now_ms();
	r.deadline = r.start + (o->timeout_ms > 0 ? o->timeout_ms : NETCFG_TIMEOUT_MS);
	ns_from_cmdline(&r, o->nameservers);
	if (parse_all(&r, ips, nip, specs, ok)) {
		SAY(&r, LOG_INFO, "ip=off: no network configuration");
		n = 0;
	}
	if (o->dry_run) {
		print_plan(&r, specs, ok, n);
		return res->failed;
	}
	if ((e = open_sockets(&r)) < 0) {
		SAY(&r, LOG_ERR, "unable to open a netlink socket: %s", strerror(-e));
		return e;
	}
	r.nlinks = nl_link_list(&r.s, r.links, NL_LINK_MAX);
	if (r.nlinks < 0) {
		SAY(&r, LOG_ERR, "unable to list the links: %s", strerror(-r.nlinks));
		r.nlinks = 0;
	}
	for (i = 0; i < r.nlinks; i++)
		if ((r.links[i].flags & IFF_LOOPBACK) && !(r.links[i].flags & IFF_UP))
			link_up(&r, &r.links[i], 0, false);
	links_up(&r, specs, ok, n);
	for (i = 0; i < n; i++)
		if (ok[i] && specs[i].proto != IP_OFF && configure(&r, &specs[i]) < 0)
			res->failed++;
	write_results(&r);
	for (i = 0; i < res->n; i++) { /* for a renewal that has to take a new lease */
		res->ifs[i].root = o->root;
		res->ifs[i].hosts_entry = r.hostname[0] && !memcmp(&res->ifs[i].addr, &r.host_addr, sizeof(r.host_addr));
		snprintf(res->ifs[i].hostname, sizeof(res->ifs[i].hostname), "%s", r.hostname);
		snprintf(res->ifs[i].domain, sizeof(res->ifs[i].domain), "%s", r.domain);
	}
	nl_close(&r.mon);
	nl_close(&r.s);
	return res->failed;
}

int netcfg_lo_up(const struct nl_ops *nl)
{
	struct nl_sock s;
	int e = nl_open_ops(&s, 0, nl);

	if (e < 0)
		return e;
	/* The loopback device is ifindex 1 in every network namespace (LOOPBACK_IFINDEX, Linux
	 * 3.7): no link dump to find it.  Setting IFF_UP again when it is up changes nothing. */
	e = nl_link_up(&s, 1);
	nl_close(&s);
	return e;
}

int netcfg_links_up(const struct nl_ops *nl, void (*mark)(long ago_ms, const char *stage, const char *detail),
		    int how)
{
	static struct nl_link links[NL_LINK_MAX]; /* off PID 1's stack */
	struct nl_sock s;
	int i, n, up = 0, e = nl_open_ops(&s, 0, nl);

	if (e < 0)
		return e;
	n = nl_link_list(&s, links, NL_LINK_MAX);
	for (i = 0; i < n; i++) {
		if (links[i].type != ARPHRD_ETHER || (links[i].flags & IFF_LOOPBACK))
			continue;
		if (how & NC_V6_ONLY) {
			if (links[i].flags & IFF_UP)
				nc_v6_linklocal_early(&s, &links[i]);
			continue;
		}
		if ((links[i].flags & IFF_UP) || ((how & NC_SETTLE) && nc_link_negotiating(s.ops, links[i].name)) ||
		    nl_link_up(&s, links[i].index) < 0)
			continue;
		if (how & NC_V6)
			nc_v6_linklocal_early(&s, &links[i]);
		mark(0, "link up", links[i].name);
		up++;
	}
	nl_close(&s);
	return n < 0 ? n : up;
}
