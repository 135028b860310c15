/* The shared command-line tokenizer and the config key table. */
#include <errno.h>

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
	RUN("cmdline", later_wins_and_found);
	RUN("cmdline", value_keeps_later_equals);
	RUN("cmdline", unterminated_quote_runs_to_end);
	RUN("cmdline", too_many_words_truncates);
	RUN("cmdline", empty_and_blank);
	RUN("cmdline", cmd_split_quotes);
	RUN("config", config_keys_apply);
	RUN("config", config_rejects_bad_values);
	RUN("config", config_file_lines);
	TEST_EXIT();
}
