/* The shared command-line tokenizer and the config key table. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cmdline.h"
#include "common/config.h"
#include "test.h"

static struct cmdline cl;

static void splits_kernel_style(void)
{
	char s[] = "console=ttyS0  quiet ip=dhcp\tfoo=\"a b\" \"bar=c d\" -- /bin/sh -c \"echo hi\"";

	CHECK_INT(cmdline_parse(s, &cl), 0);
	CHECK_INT(cl.nparams, 5);
	CHECK_STR(cl.params[0].key, "console");
	CHECK_STR(cl.params[0].val, "ttyS0");
	CHECK_STR(cl.params[1].key, "quiet");
	CHECK(cl.params[1].val == NULL);
	CHECK_STR(cl.params[3].val, "a b");
	CHECK_STR(cl.params[4].key, "bar");
	CHECK_STR(cl.params[4].val, "c d");
	CHECK_INT(cl.has_dashdash, 1);
	CHECK_INT(cl.argc, 3);
	CHECK_STR(cl.argv[0], "/bin/sh");
	CHECK_STR(cl.argv[2], "echo hi");
	CHECK(cl.argv[3] == NULL);
}

static void later_wins_and_found(void)
{
	char s[] = "a=1 b a=2";
	int found;

	cmdline_parse(s, &cl);
	CHECK_STR(cmdline_get(&cl, "a", &found), "2");
	CHECK_INT(found, 1);
	CHECK(cmdline_get(&cl, "b", &found) == NULL);
	CHECK_INT(found, 1);
	cmdline_get(&cl, "c", &found);
	CHECK_INT(found, 0);
}

static void value_keeps_later_equals(void)
{
	char s[] = "minboot.env.X=a=b";

	cmdline_parse(s, &cl);
	CHECK_STR(cl.params[0].key, "minboot.env.X");
	CHECK_STR(cl.params[0].val, "a=b");
}

static void unterminated_quote_runs_to_end(void)
{
	char s[] = "x=\"a b c";

	cmdline_parse(s, &cl);
	CHECK_INT(cl.nparams, 1);
	CHECK_STR(cl.params[0].val, "a b c");
}

static void too_many_words_truncates(void)
{
	static char s[CMDLINE_MAX_PARAMS * 2 + 64];
	int i;

	for (i = 0; i < CMDLINE_MAX_PARAMS + 10; i++) {
		s[2 * i] = 'x';
		s[2 * i + 1] = ' ';
	}
	CHECK_INT(cmdline_parse(s, &cl), -E2BIG);
	CHECK_INT(cl.nparams, CMDLINE_MAX_PARAMS);
}

static void empty_and_blank(void)
{
	char a[] = "", b[] = "   \n";

	CHECK_INT(cmdline_parse(a, &cl), 0);
	CHECK_INT(cl.nparams, 0);
	CHECK_INT(cmdline_parse(b, &cl), 0);
	CHECK_INT(cl.nparams, 0);
	CHECK_INT(cl.has_dashdash, 0);
}

static void cmd_split_quotes(void)
{
	char s[] = "/bin/busybox sh -c 'echo \"hi there\"' x";
	char bad[] = "a 'b";
	char *argv[8];

	CHECK_INT(cmd_split(s, argv, 8), 5);
	CHECK_STR(argv[3], "echo \"hi there\"");
	CHECK_STR(argv[4], "x");
	CHECK(argv[5] == NULL);
	CHECK_INT(cmd_split(bad, argv, 8), -EINVAL);
}

static void config_keys_apply(void)
{
	struct config c;
	char err[256];
	char s[] = "quiet minboot.shutdown=reboot minboot.stop-timeout=2.5 ip=dhcp ip=eth1:dhcp "
		   "modules-load=a,b rd.modules-load=c minboot.env.FOO=bar ro -- /x y";

	config_defaults(&c);
	cmdline_parse(s, &cl);
	CHECK_INT(config_apply_cmdline(&c, &cl, err, sizeof(err)), 0);
	CHECK_INT(c.shutdown, SHUTDOWN_REBOOT);
	CHECK_INT(c.stop_timeout_ms, 2500);
	CHECK_INT(c.nip, 2);
	CHECK_STR(c.ip[1], "eth1:dhcp");
	CHECK_STR(c.modules_load, "a,b,c");
	CHECK_STR(c.env[0], "FOO=bar");
	CHECK_INT(c.rw, 0);
	CHECK_INT(c.has_override, 1);
	CHECK_STR(c.payload_override[0], "/x");
	CHECK_STR(c.payload_override[1], "y");
}

static void config_rejects_bad_values(void)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	CHECK_INT(config_apply(&c, "minboot.shutdown", "explode", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "minboot.shutdown") != NULL);
	CHECK_INT(config_apply(&c, "minboot.stop-timeout", "soon", err, sizeof(err)), -EINVAL);
	CHECK_INT(config_apply(&c, "minboot.typo", "1", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "unknown parameter minboot.typo") != NULL);
	CHECK_INT(config_apply(&c, "minboot.payload", NULL, err, sizeof(err)), -EINVAL);
	/* not ours: the kernel's or a module's */
	CHECK_INT(config_apply(&c, "e1000.debug", "2", err, sizeof(err)), 0);
	CHECK_INT(config_apply(&c, "console", "ttyS0", err, sizeof(err)), 0);
}

/* minboot.exit: the host channels, vsock in systemd's vmm.notify_socket spelling. */
static void config_exit_channels(void)
{
	static const struct { const char *val; int report, type; unsigned cid, port; } ok[] = {
		{ "console", EXIT_CONSOLE, 0, 0, 0 },
		{ "isa-debug-exit", EXIT_ISA_DEBUG, 0, 0, 0 },
		{ "virtio-serial", EXIT_VIRTIO_SERIAL, 0, 0, 0 },
		{ "vsock:2:1234", EXIT_VSOCK, 0, 2, 1234 },
		{ "vsock-stream:2:9999", EXIT_VSOCK, SOCK_STREAM, 2, 9999 },
		{ "vsock-dgram:3:1", EXIT_VSOCK, SOCK_DGRAM, 3, 1 },
		{ "vsock-seqpacket:4294967295:4294967295", EXIT_VSOCK, SOCK_SEQPACKET, 4294967295u, 4294967295u },
	};
	static const char *const bad[] = { "serial", "vsock", "vsock:", "vsock:2", "vsock:2:", "vsock::1",
		"vsock:2:x", "vsock:2:1:3", "vsock:4294967296:1", "vsock:1:4294967296", "vsock:-1:2",
		"vsock-udp:2:1", "vsock: 2:1", "" };
	struct config c;
	char err[256];
	unsigned i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		config_defaults(&c);
		CHECK_INT(config_apply(&c, "minboot.exit", ok[i].val, err, sizeof(err)), 1);
		CHECK_INT(c.exit_report, ok[i].report);
		if (ok[i].report == EXIT_VSOCK) {
			CHECK_INT(c.exit_socktype, ok[i].type);
			CHECK_INT(c.exit_cid, ok[i].cid);
			CHECK_INT(c.exit_port, ok[i].port);
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&c);
		err[0] = '\0';
		CHECK_INT(config_apply(&c, "minboot.exit", bad[i], err, sizeof(err)), -EINVAL);
		CHECK(strstr(err, "minboot.exit") != NULL);
		CHECK_INT(c.exit_report, EXIT_CONSOLE);
	}
}

/* A value that does not fit is refused with a reason, whatever the key: never dropped or cut
 * (a blacklist cut short would load a module the user refused). */
static void config_refuses_what_does_not_fit(void)
{
	static const char *const keys[] = { "minboot.payload", "minboot.listen", "minboot.user",
		"minboot.workdir", "root", "rootfstype", "rootflags", "modules-load", "rd.modules-load",
		"modprobe.blacklist", "ip", "nameserver", "minboot.env.X" };
	static char big[POLICY_STR * 2], err[POLICY_STR * 3];
	struct config c;
	unsigned i;

	memset(big, 'm', sizeof(big) - 1);
	big[0] = '/';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		config_defaults(&c);
		err[0] = '\0';
		if (config_apply(&c, keys[i], big, err, sizeof(err)) != -EINVAL || !strstr(err, "too long")) {
			printf("  %s=<%zu bytes>: accepted (%.40s)\n", keys[i], strlen(big), err);
			t_failed_here = 1;
		}
	}
	/* lists fill up across values: the one that no longer fits is refused */
	config_defaults(&c);
	big[600] = '\0';
	CHECK_INT(config_apply(&c, "modprobe.blacklist", big, err, sizeof(err)), 0);
	CHECK_INT(config_apply(&c, "modprobe.blacklist", big, err, sizeof(err)), -EINVAL);
	CHECK_INT(strlen(c.blacklist), 600);
	for (i = 0; i < CONFIG_MAX_IP; i++)
		CHECK_INT(config_apply(&c, "ip", "dhcp", err, sizeof(err)), 0);
	CHECK_INT(config_apply(&c, "ip", "dhcp", err, sizeof(err)), -EINVAL);
}

static void config_file_lines(void)
{
	struct config c;
	char err[256];
	char good[] = "# comment\n\nminboot.payload=/bin/sh -c 'echo a b'\n  minboot.log=debug\n";
	char bad[] = "minboot.payload=/x\nminboot.shutdown=never\n";

	config_defaults(&c);
	CHECK_INT(config_apply_file(&c, good, err, sizeof(err)), 0);
	CHECK_STR(c.payload, "/bin/sh -c 'echo a b'");
	CHECK_INT(c.log_level, 3);
	CHECK_INT(config_apply_file(&c, bad, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 2") != NULL);
}

int main(void)
{
	RUN("cmdline", splits_kernel_style);
	RUN("config", config_refuses_what_does_not_fit);
	RUN("cmdline", later_wins_and_found);
	RUN("cmdline", value_keeps_later_equals);
	RUN("cmdline", unterminated_quote_runs_to_end);
	RUN("cmdline", too_many_words_truncates);
	RUN("cmdline", empty_and_blank);
	RUN("cmdline", cmd_split_quotes);
	RUN("config", config_keys_apply);
	RUN("config", config_rejects_bad_values);
	RUN("config", config_file_lines);
	RUN("config", config_exit_channels);
	TEST_EXIT();
}
