/* What real programs need of an image besides their files: the accounts generator (pure), the
 * user's-tree mode rule, per-path --chmod/--chown, the init's tmpfiles.d parser, the cpio "."
 * entry. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init/service.h"
#include "pack/accounts.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "test.h"

static const char host_passwd[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
	"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	"postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
	"redis:x:104:109::/var/lib/redis:/usr/sbin/nologin\n"
	"alice:secret-hash:1000:1000:Alice:/home/alice:/bin/bash\n";
static const char host_group[] =
	"root:x:0:\n"
	"daemon:x:1:\n"
	"shadow:x:42:\n"
	"www-data:x:33:\n"
	"ssl-cert:x:103:postgres,alice\n"
	"postgres:x:104:\n"
	"redis:x:109:\n"
	"alice:x:1000:\n";
static const char img_passwd[] = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char img_group[] = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n";

static void accounts_from_owners_and_names(void)
{
	struct acct_want w[] = {
		{ ACCT_USER, NULL, 104, 0, "owns /var/lib/redis" },
		{ ACCT_USER, "postgres", -1, 1, "minboot.user" },
		{ ACCT_GROUP, NULL, 33, 0, "group of /var/www" },
		{ ACCT_USER, NULL, 4242, 0, "owns /x" },       /* no such account: left numeric */
		{ ACCT_USER, "root", -1, 1, "--user" },        /* the image has it */
	};
	struct acct_result r;

	CHECK_INT(accounts_make(img_passwd, img_group, NULL, host_passwd, host_group, w, 5, &r), 0);
	/* the image's lines first, as they were; then the added ones by id */
	CHECK_STR(r.passwd, "root:x:0:0:root:/root:/bin/sh\n"
		  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
		  "postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n"
		  "redis:x:104:109::/var/lib/redis:/usr/sbin/nologin\n");
	/* primary groups and the groups listing the user come along, members the image has */
	CHECK_STR(r.group, "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n"
		  "www-data:x:33:\nssl-cert:x:103:postgres\npostgres:x:104:\nredis:x:109:\n");
	/* locked lines, no hash from the host */
	CHECK_STR(r.shadow, "root:*::0:99999:7:::\nnobody:*::0:99999:7:::\npostgres:*::0:99999:7:::\n"
		  "redis:*::0:99999:7:::\n");
	CHECK_INT(r.shadow_group, -1);
	CHECK_INT(r.added, 6);
	CHECK(r.why && strstr(r.why, "user postgres (minboot.user)") && strstr(r.why, "user redis (owns /var/lib/redis)"));
	acct_result_free(&r);
}

static void accounts_keep_hashes_home(void)
{
	struct acct_want w[] = { { ACCT_USER, "alice", -1, 1, "--user" }, { ACCT_GROUP, "shadow", -1, 1, "--chown" } };
	const char shadow[] = "root:$6$img$hash:19000:0:99999:7:::\n";
	struct acct_result r;

	CHECK_INT(accounts_make(img_passwd, img_group, shadow, host_passwd, host_group, w, 2, &r), 0);
	CHECK(strstr(r.passwd, "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n") != NULL); /* not the hash */
	CHECK(strstr(r.passwd, "secret-hash") == NULL);
	CHECK(strstr(r.shadow, "root:$6$img$hash:19000:0:99999:7:::\n") == r.shadow); /* the image's line stays */
	CHECK(strstr(r.shadow, "alice:*::0:99999:7:::\n") != NULL);
	CHECK(strstr(r.group, "ssl-cert:x:103:alice\n") != NULL);
	CHECK_INT(r.shadow_group, 42);
	acct_result_free(&r);
}

static void accounts_required_missing(void)
{
	struct acct_want w[] = { { ACCT_USER, "nosuch", -1, 1, "minboot.user=nosuch" } };
	struct acct_want g[] = { { ACCT_GROUP, "nogrp", -1, 1, "--chown" } };
	struct acct_want none[] = { { ACCT_USER, NULL, 1, 0, "static" } };
	struct acct_result r;

	CHECK_INT(accounts_make(img_passwd, img_group, NULL, host_passwd, host_group, w, 1, &r), -ENOENT);
	CHECK(strstr(r.err, "minboot.user=nosuch: no user nosuch") != NULL);
	acct_result_free(&r);
	CHECK_INT(accounts_make(img_passwd, img_group, NULL, host_passwd, host_group, g, 1, &r), -ENOENT);
	CHECK(strstr(r.err, "no group nogrp") != NULL);
	acct_result_free(&r);
	/* no image accounts and nothing found: nothing added, every user has a shadow line */
	CHECK_INT(accounts_make(NULL, NULL, NULL, "", "", none, 1, &r), 0);
	CHECK_INT(r.added, 0);
	CHECK_STR(r.passwd, "");
	acct_result_free(&r);
}

static void user_specs(void)
{
	struct acct_want w[4];
	int n = 0;

	CHECK_INT(acct_user_spec("postgres:ssl-cert", "minboot.user", w, &n), 0);
	CHECK_INT(n, 2);
	CHECK_STR(w[0].name, "postgres");
	CHECK_INT(w[0].required, 1);
	CHECK_STR(w[1].name, "ssl-cert");
	n = 0;
	CHECK_INT(acct_user_spec("1000", "minboot.user", w, &n), 0); /* a number needs no account */
	CHECK_INT(n, 1);
	CHECK(w[0].name == NULL && w[0].id == 1000 && !w[0].required);
	n = 0;
	CHECK_INT(acct_user_spec(":x", "minboot.user", w, &n), -EINVAL);
	CHECK_INT(acct_user_spec("x:", "minboot.user", w, &n), -EINVAL);
}

static void user_tree_modes(void)
{
	/* the owner's x bit decides; the umask's bits (group, other) never matter */
	CHECK_INT(mode_user(S_IFREG | 0700), 0755);
	CHECK_INT(mode_user(S_IFREG | 0755), 0755);
	CHECK_INT(mode_user(S_IFREG | 0600), 0644);
	CHECK_INT(mode_user(S_IFREG | 0666), 0644);
	CHECK_INT(mode_user(S_IFREG | 04755), 0755); /* no setuid from a user's tree */
	CHECK_INT(mode_user(S_IFREG | 02711), 0755);
	CHECK_INT(mode_user(S_IFDIR | 0700), 0755);
	CHECK_INT(mode_user(S_IFDIR | 01777), 01755);
	CHECK_INT(mode_user(S_IFDIR | 02775), 0755);
}

static void host_entries_keep_modes(void)
{
	char dir[] = "/tmp/minboot-apps.XXXXXX", path[128];
	struct plan p = { 0 };
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/key", dir);
	CHECK(close(creat(path, 0600)) == 0 && chmod(path, 0600) == 0 && lstat(path, &st) == 0);
	st.st_uid = 101, st.st_gid = 104; /* as if postgres owned it */
	CHECK_INT(plan_add_host(&p, "/etc/key", path, &st, "test"), 0);
	CHECK(lstat(dir, &st) == 0);
	st.st_mode = S_IFDIR | 0700;
	CHECK_INT(plan_add_host(&p, "/var/lib/db", dir, &st, "test"), 0);
	CHECK_INT(p.n, 2);
	CHECK_INT(p.v[0].perm, 0600);
	CHECK_INT(p.v[0].uid, 101);
	CHECK_INT(p.v[0].gid, 104);
	CHECK_INT(p.v[0].host, 1);
	CHECK_INT(p.v[1].type, E_DIR);
	CHECK_INT(p.v[1].perm, 0700);
	unlink(path);
	rmdir(dir);
	plan_free(&p);
}

static void chmod_chown_last(void)
{
	struct pack_opts o;
	struct plan p = { 0 };
	const char *chmods[] = { "0600:/etc/ssh/*_key", "4755:/usr/bin/helper" };
	const char *chowns[] = { "0:42:/etc/shadow", "7:::/nothing" };

	memset(&o, 0, sizeof(o));
	o.chmod = chmods, o.nchmod = 2;
	o.chown = chowns, o.nchown = 1;
	plan_add_data(&p, "/etc/ssh/ssh_host_ed25519_key", "k", 1, 0644, "t");
	plan_add_data(&p, "/etc/ssh/ssh_host_ed25519_key.pub", "p", 1, 0644, "t");
	plan_add_data(&p, "/usr/bin/helper", "h", 1, 0755, "t");
	plan_add_data(&p, "/etc/shadow", "s", 1, 0600, "t");
	plan_add_symlink(&p, "/etc/ssh/link_key", "x", "t");
	CHECK_INT(attrs_apply(&p, &o), 0);
	CHECK_INT(p.v[0].perm, 0600);
	CHECK_INT(p.v[1].perm, 0644);  /* .pub does not match *_key */
	CHECK_INT(p.v[2].perm, 04755);
	CHECK_INT(p.v[3].uid, 0);
	CHECK_INT(p.v[3].gid, 42);
	CHECK_INT(p.v[4].perm, 0777);  /* a symlink's mode is not set */
	plan_free(&p);
}

static void tmpfiles_lines(void)
{
	struct tmpfiles_entry e;
	char l1[] = "d /run/postgresql 2775 postgres postgres - -";
	char l2[] = "D! /run/x - - -";
	char l3[] = "L /run/link - - - - /target";
	char l4[] = "# comment";
	char l5[] = "d- /root/.ssh :0700 root :root -";
	char l6[] = "d /run/bad 99x root root";
	char l7[] = "d relative 0755";
	char l8[] = "d /run/user/%U 0700";

	CHECK_INT(tmpfiles_parse_line(l1, &e), 1);
	CHECK_STR(e.path, "/run/postgresql");
	CHECK_INT(e.mode, 02775);
	CHECK_STR(e.user, "postgres");
	CHECK_STR(e.group, "postgres");
	CHECK_INT(tmpfiles_parse_line(l2, &e), 1);
	CHECK_INT(e.mode, 0755);
	CHECK_STR(e.user, "");
	CHECK_INT(tmpfiles_parse_line(l3, &e), 0);  /* not a directory line */
	CHECK_INT(tmpfiles_parse_line(l4, &e), 0);
	CHECK_INT(tmpfiles_parse_line(l5, &e), 1);
	CHECK_INT(e.mode, 0700);
	CHECK_INT(e.mode_on_create, 1);
	CHECK_INT(e.owner_on_create, 0);
	CHECK_STR(e.group, "root");
	CHECK_INT(tmpfiles_parse_line(l6, &e), -EINVAL);
	CHECK_INT(tmpfiles_parse_line(l7, &e), -EINVAL);
	CHECK_INT(tmpfiles_parse_line(l8, &e), 0);  /* specifiers: the payload's */
}

/* "/" is the archive's "." entry, with its mode: the kernel's rootfs is 1777 without it */
static void cpio_dot_entry(void)
{
	char path[] = "/tmp/minboot-apps-cpio.XXXXXX", buf[256];
	struct plan p = { 0 };
	struct sink s;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	plan_add_dir(&p, "/", 0755, "base layout");
	plan_add_dir(&p, "/etc", 0755, "base layout");
	CHECK_INT(plan_finish(&p), 0);
	CHECK_INT(sink_open(&s, fd, -1, 1), 0);
	CHECK_INT(cpio_emit(&p, &s, 0, 1), 0);
	CHECK_INT(sink_close(&s), 0);
	CHECK(pread(fd, buf, sizeof(buf), 0) > 120);
	CHECK(!memcmp(buf, "070701", 6));
	CHECK(!memcmp(buf + 14, "000041ED", 8));  /* S_IFDIR | 0755 */
	CHECK(!memcmp(buf + 110, ".", 2));        /* the name, NUL-terminated */
	close(fd);
	unlink(path);
	plan_free(&p);
}

int main(void)
{
	RUN("apps", accounts_from_owners_and_names);
	RUN("apps", accounts_keep_hashes_home);
	RUN("apps", accounts_required_missing);
	RUN("apps", user_specs);
	RUN("apps", user_tree_modes);
	RUN("apps", host_entries_keep_modes);
	RUN("apps", chmod_chown_last);
	RUN("apps", tmpfiles_lines);
	RUN("apps", cpio_dot_entry);
	TEST_EXIT();
}
