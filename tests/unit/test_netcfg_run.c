/* netcfg_run against the fake kernel (fake_netlink.h), unprivileged: the netlink requests a static
 * ip= makes, the files under --root, and that the library never prints: what it has to say
 * reaches the caller's say function, the plan its plan function, and nothing reaches fds 1 or 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "netcfg/netcfg.h"
#include "tests/unit/fake_netlink.h"
#include "tests/unit/test.h"

static char said[4096], planned[1024], hostname_set[80], root[64];

static void say(void *arg, int level, const char *text)
{
	(void)arg;
	snprintf(said + strlen(said), sizeof(said) - strlen(said), "%d %s\n", level, text);
}

static void plan(void *arg, int level, const char *text)
{
	(void)arg, (void)level;
	snprintf(planned + strlen(planned), sizeof(planned) - strlen(planned), "%s\n", text);
}

static int rec_sethostname(const char *name, size_t len)
{
	snprintf(hostname_set, sizeof(hostname_set), "%.*s", (int)len, name);
	return 0;
}

/* Run netcfg with fds 1 and 2 on a file; returns what was written there (nothing, we expect). */
static int run(struct netcfg_opts *o, const char *ip, struct netcfg_result *res, char *leak, size_t leaklen)
{
	char path[96];
	int fd, s1 = dup(1), s2 = dup(2), r;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/leak", root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fflush(stdout);
	dup2(fd, 1);
	dup2(fd, 2);
	said[0] = planned[0] = hostname_set[0] = fnl_calls[0] = '\0';
	r = netcfg_run(o, &ip, 1, res);
	fflush(stdout);
	dup2(s1, 1);
	dup2(s2, 2);
	close(s1);
	close(s2);
	n = pread(fd, leak, leaklen - 1, 0);
	leak[n > 0 ? n : 0] = '\0';
	close(fd);
	return r;
}

static struct netcfg_opts opts(void)
{
	struct netcfg_opts o = { .root = root, .timeout_ms = 500, .nl = &fnl_ops, .sethostname = rec_sethostname,
				 .say = { say, NULL }, .plan = { plan, NULL } };
	return o;
}

static void static_address(void)
{
	static struct netcfg_result res;
	struct netcfg_opts o = opts();
	char leak[256], path[96], text[256] = "";
	int fd;

	log_level = LOG_DEBUG; /* were anything printed through log.h, it would show */
	fnl_reset();
	CHECK_INT(run(&o, "10.0.2.15::10.0.2.2:255.255.255.0:box:fake0:off", &res, leak, sizeof(leak)), 0);
	CHECK_STR(leak, "");
	CHECK_STR(fnl_calls, "getlink dump\nnewlink 2 up\ngetlink dump\nnewaddr 2 10.0.2.15/24\n"
			     "newroute 2 default/0 via 10.0.2.2\n");
	CHECK_STR(said, "2 fake0: 10.0.2.15/24 via 10.0.2.2\n");
	CHECK_STR(hostname_set, "box");
	CHECK_INT(res.n, 1);
	CHECK_STR(res.ifs[0].name, "fake0");
	snprintf(path, sizeof(path), "%s/etc/hostname", root);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		CHECK(read(fd, text, sizeof(text) - 1) > 0);
		close(fd);
	}
	CHECK_STR(text, "box\n");
}

/* Where the boot waits for carrier, e1000 (policy_link_phy_first) is set up once its PHY has the
 * link, not while it negotiates (its carrier would come at the driver's next look, 2 s on);
 * another driver at once, and a static address is not held up for it; the bring-up as drivers
 * load (netcfg_links_up) leaves the negotiating one to netcfg_run. */
static void no_mark(long ago_ms, const char *stage, const char *detail)
{
	(void)ago_ms, (void)stage, (void)detail;
}

static void link_after_negotiation(void)
{
	static struct netcfg_result res;
	struct netcfg_opts o = opts();
	char leak[256];

	fnl_reset();
	fnl_driver = "e1000";
	fnl_negotiating = 3;
	CHECK_INT(netcfg_links_up(&fnl_ops, no_mark, NC_SETTLE | NC_V6), 0);
	CHECK_STR(fnl_calls, "getlink dump\ngset fake0 unknown\n");
	CHECK_INT(netcfg_links_up(&fnl_ops, no_mark, NC_V6), 1); /* nothing waits: up at once */
	CHECK_STR(fnl_calls, "getlink dump\ngset fake0 unknown\ngetlink dump\nnewlink 2 up\n");
	fnl_reset();
	fnl_driver = "e1000";
	fnl_negotiating = 2;
	CHECK_INT(run(&o, "10.0.2.15:::255.255.255.0::fake0:off", &res, leak, sizeof(leak)), 0);
	CHECK(!strncmp(fnl_calls, "getlink dump\nnewlink 2 up\n", 26));
	fnl_calls[0] = '\0';
	o.timeout_ms = 1; /* the carrier never comes in the fake */
	run(&o, "fake0:auto6", &res, leak, sizeof(leak));
	CHECK_STR(leak, "");
	CHECK(!strncmp(fnl_calls, "getlink dump\ngset fake0 unknown\ngset fake0 unknown\ngset fake0 1000\nnewlink 2 up\n", 80));
	o.timeout_ms = 500;
	fnl_reset();
	fnl_driver = "virtio_net";
	fnl_negotiating = 3;
	CHECK_INT(run(&o, "10.0.2.15:::255.255.255.0::fake0:off", &res, leak, sizeof(leak)), 0);
	CHECK(!strncmp(fnl_calls, "getlink dump\nnewlink 2 up\n", 26));
	fnl_calls[0] = '\0';
	CHECK_INT(netcfg_links_up(&fnl_ops, no_mark, NC_SETTLE | NC_V6), 1);
}

static void reasons_reach_the_caller(void)
{
	static struct netcfg_result res;
	struct netcfg_opts o = opts();
	char leak[256];

	fnl_reset();
	CHECK_INT(run(&o, "10.0.2.15:::255.255.255.0::nosuch0:off", &res, leak, sizeof(leak)), 1);
	CHECK_STR(leak, "");
	CHECK(strstr(said, "0 ip=: no link named nosuch0 (links: lo fake0); going on without it\n") != NULL);
	CHECK_INT(run(&o, "10.0.2.15/99::::::fake0:off", &res, leak, sizeof(leak)), 1);
	CHECK(!strncmp(said, "0 ip=10.0.2.15/99::::::fake0:off: ", 34));
	CHECK_STR(leak, "");
	fnl_error = -EPERM; /* the kernel refuses: the reason is errno's text */
	fnl_error_ifindex = 2;
	o.sethostname = NULL;
	{
		const char *ip = "10.0.2.15:::255.255.255.0::fake0:off";
		said[0] = '\0';
		netcfg_run(&o, &ip, 1, &res);
	}
	CHECK(strstr(said, "0 fake0: unable to set the link up: Operation not permitted\n") != NULL);
	fnl_open_error = -EACCES;
	CHECK_INT(run(&o, "dhcp", &res, leak, sizeof(leak)), -EACCES);
	CHECK(strstr(said, "0 unable to open a netlink socket: Permission denied\n") != NULL);
	CHECK_STR(leak, "");
}

static void dry_run_plan(void)
{
	static struct netcfg_result res;
	struct netcfg_opts o = opts();
	char leak[256];

	fnl_reset();
	o.dry_run = true;
	o.nameservers = "10.0.2.4";
	CHECK_INT(run(&o, "10.0.2.15::10.0.2.2:255.255.255.0:box:fake0:off:10.0.2.3", &res, leak, sizeof(leak)), 0);
	CHECK_STR(planned, "fake0: static 10.0.2.15/24 gateway 10.0.2.2 hostname box dns 10.0.2.3\n"
			   "nameserver 10.0.2.4\ntimeout 0.5 s\n");
	CHECK_STR(fnl_calls, ""); /* nothing touched */
	CHECK_STR(leak, "");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/netcfg-unit.XXXXXX");
	if (!mkdtemp(root))
		return 2;
	RUN("netcfg", static_address);
	RUN("netcfg", reasons_reach_the_caller);
	RUN("netcfg", link_after_negotiation);
	RUN("netcfg", dry_run_plan);
	TEST_EXIT();
}
