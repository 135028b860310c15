/* --unit: systemd units read as systemd reads them (line continuations, comments, drop-ins and
 * their precedence, list resets, specifiers, EnvironmentFile= with "-") and mapped onto the
 * init's settings, every directive of the table; directives not honoured are reported with their
 * file and line.  The units live in a temporary tree of unit directories (unit_dirs). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "pack/opts.h"
#include "pack/pack.h"
#include "pack/accounts.h"
#include "pack/unit.h"
#include "tests/unit/test.h"

static char root[64];
static char etc[128], lib[128];
static const char *dirs[3];

static void put(const char *path, const char *text)
{
	char p[512], *s;
	int fd;

	snprintf(p, sizeof(p), "%s%s", root, path);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		(void)!write(fd, text, strlen(text));
		close(fd);
	}
}

static void fresh(void)
{
	char cmd[128];

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		(void)!system(cmd);
	}
	strcpy(root, "/tmp/unit-test.XXXXXX");
	if (!mkdtemp(root))
		exit(2);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	snprintf(lib, sizeof(lib), "%s/lib", root);
	dirs[0] = etc, dirs[1] = lib, dirs[2] = NULL;
	unit_dirs = dirs;
	mkdir(etc, 0755);
	mkdir(lib, 0755);
}

/* Every setting the mapping made, one per line. */
static char *settings(const struct unit_map *m)
{
	static char buf[8192];
	int i;

	buf[0] = '\0';
	snprintf(buf, sizeof(buf), "payload=%s\n", m->payload ? m->payload : "(none)");
	for (i = 0; i < m->nset; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", m->set[i]);
	return buf;
}

static char *reports(const struct unit_map *m)
{
	static char buf[8192];
	int i;

	buf[0] = '\0';
	for (i = 0; i < m->nreports; i++) {
		const char *r = strstr(m->reports[i], root) == m->reports[i] ? m->reports[i] + strlen(root) : m->reports[i];
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\n", r);
	}
	return buf;
}

static int has(const char *text, const char *what)
{
	if (strstr(text, what))
		return 1;
	printf("  expected \"%s\" in:\n%s\n", what, text);
	return 0;
}

static void syntax_continuations_comments(void)
{
	struct unit u = { 0 };

	CHECK_INT(unit_parse(&u, "# comment\n; also\n[Unit]\nDescription = a \\\n  long one\n"
				 "[Service]\nExecStart=/bin/app \\\n# skipped inside\n  --flag\n"
				 "  Environment=A=1  \n", "f"), 0);
	CHECK_INT(u.n, 3);
	CHECK_STR(u.v[0].key, "Description");
	CHECK_STR(u.v[0].val, "a  long one");
	CHECK_STR(u.v[1].val, "/bin/app  --flag");
	CHECK_INT(u.v[1].line, 7);
	CHECK_STR(u.v[2].sec, "Service");
	CHECK_STR(u.v[2].val, "A=1");
	unit_free(&u);
	CHECK_INT(unit_parse(&u, "ExecStart=/bin/x\n", "f"), -EINVAL);   /* outside a section */
	unit_free(&u);
	CHECK_INT(unit_parse(&u, "[Service]\njunk\n", "f"), -EINVAL);
	unit_free(&u);
}

static void dropins_in_precedence(void)
{
	struct unit u;
	struct unit_map m;

	fresh();
	put("/lib/app.service", "[Service]\nExecStart=/bin/lib-version\n");
	put("/etc/app.service", "[Service]\nExecStart=/bin/app\nExecStartPre=/bin/one\nUser=a\n");
	put("/lib/app.service.d/10-a.conf", "[Service]\nUser=from-lib-10\n");       /* hidden */
	put("/etc/app.service.d/10-a.conf", "[Service]\nUser=from-etc-10\n");
	put("/lib/app.service.d/20-b.conf", "[Service]\nExecStartPre=\nExecStartPre=/bin/two\n");
	put("/etc/app.service.d/05-c.conf", "[Service]\nUser=from-etc-05\nExecStartPre=/bin/zero\n");
	put("/etc/app.service.d/notconf", "[Service]\nUser=never\n");
	CHECK_INT(unit_load(&u, "app"), 0);
	CHECK(strstr(u.path, "/etc/app.service") != NULL);             /* /etc hides /lib */
	CHECK_INT(u.ndropins, 3);
	CHECK(strstr(u.dropins[0], "/etc/app.service.d/05-c.conf") && strstr(u.dropins[1], "/etc/app.service.d/10-a.conf") &&
	      strstr(u.dropins[2], "/lib/app.service.d/20-b.conf"));  /* by name, across directories */
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(has(settings(&m), "minboot.user=from-etc-10\n"));          /* the last drop-in by name wins */
	CHECK(has(settings(&m), "minboot.exec-start-pre=/bin/two\n"));   /* emptied, then one */
	CHECK(!strstr(settings(&m), "/bin/one") && !strstr(settings(&m), "/bin/zero"));
	unit_free(&u);
	unit_map_free(&m);
	/* an alias (a link in /etc to the unit) reads the unit and both names' drop-ins */
	put("/lib/real.service", "[Service]\nExecStart=/bin/real\n");
	put("/etc/real.service.d/x.conf", "[Service]\nUMask=0077\n");
	{
		char a[256], t[256];
		snprintf(a, sizeof(a), "%s/etc/alias.service", root);
		snprintf(t, sizeof(t), "%s/lib/real.service", root);
		CHECK_INT(symlink(t, a), 0);
		snprintf(a, sizeof(a), "%s/etc/masked.service", root);
		CHECK_INT(symlink("/dev/null", a), 0);
	}
	CHECK_INT(unit_load(&u, "alias.service"), 0);
	CHECK_STR(u.name, "real.service");
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(has(settings(&m), "minboot.umask=0077\n"));
	unit_free(&u);
	unit_map_free(&m);
	/* a unit given as a file: the drop-ins beside it come before the system's of that name */
	put("/own/real.service", "[Service]\nExecStart=/bin/own\n");
	put("/own/real.service.d/x.conf", "[Service]\nUMask=0007\n");
	{
		char f[256];
		snprintf(f, sizeof(f), "%s/own/real.service", root);
		CHECK_INT(unit_load(&u, f), 0);
	}
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(has(settings(&m), "payload=/bin/own\nminboot.stop-timeout=90\nminboot.umask=0007\n"));
	unit_free(&u);
	unit_map_free(&m);
	CHECK_INT(unit_load(&u, "masked"), -ESHUTDOWN);
	unit_free(&u);
	CHECK_INT(unit_load(&u, "nosuch"), -ENOENT);
	unit_free(&u);
}

static void specifiers_expanded(void)
{
	struct unit u;
	struct unit_map m;

	fresh();
	put("/lib/web@.service", "[Service]\nExecStart=/bin/web --name %i --path %I --unit %n %N %p %%\n"
				"RuntimeDirectory=%p-%i\nEnvironment=STATE=%S/%p LOG=%L CACHE=%C RUN=%t CONF=%E T=%T V=%V H=%h U=%u\n"
				"Environment=HOST=%H\n");
	CHECK_INT(unit_load(&u, "web@srv\\x2dtwo-a.service"), 0);
	CHECK_STR(u.instance, "srv\\x2dtwo-a");
	CHECK_INT(unit_map(&u, &m, "6.1.0"), 0);
	/* words first, then their specifiers: the instance's "\\x2d" stays, as in systemd */
	CHECK_STR(m.payload, "/bin/web --name srv\\x2dtwo-a --path srv-two/a --unit web@srv\\x2dtwo-a.service "
			     "web@srv\\x2dtwo-a web %");
	CHECK(has(settings(&m), "minboot.dir=/run/web-srv\\x2dtwo-a:0755\n"));
	CHECK(has(settings(&m), "minboot.env.STATE=/var/lib/web\nminboot.env.LOG=/var/log\nminboot.env.CACHE=/var/cache\n"
				"minboot.env.RUN=/run\nminboot.env.CONF=/etc\nminboot.env.T=/tmp\nminboot.env.V=/var/tmp\n"
				"minboot.env.H=/root\nminboot.env.U=root\n"));
	CHECK(has(reports(&m), "/lib/web@.service:5: Environment=HOST=%H: the specifier %H is not known at pack time"));
	CHECK(!strstr(settings(&m), "HOST"));
	unit_free(&u);
	unit_map_free(&m);
}

static void environment_files_and_variables(void)
{
	struct unit u;
	struct unit_map m;
	char unit[1024];

	fresh();
	put("/default/app", "# comment\nOPTS=-a -b\nQUOTED=\"one two\"\nexport EXPORTED=yes\nLONG=x\\\ny\n; semi\n");
	snprintf(unit, sizeof(unit), "[Service]\nEnvironmentFile=-%s/default/missing\nEnvironmentFile=%s/default/app\n"
		 "EnvironmentFile=%s/default/required-missing\nEnvironment=\"SPACED=a b\" PLAIN=1\n"
		 "ExecStart=/bin/app $OPTS ${QUOTED} $EMPTY x${PLAIN}y $MAINPID\n"
		 "ExecReload=/bin/kill -HUP $MAINPID\nExecStop=:/bin/stop $OPTS\n", root, root, root);
	put("/lib/app.service", unit);
	CHECK_INT(unit_load(&u, "app"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	/* $OPTS splits into words, ${QUOTED} is one, an unset $EMPTY none; $MAINPID is the init's */
	CHECK_STR(m.payload, "/bin/app -a -b 'one two' x1y $MAINPID");
	CHECK(has(settings(&m), "minboot.exec-reload=/bin/kill -HUP $MAINPID\n"));
	CHECK(has(settings(&m), "minboot.exec-stop=:/bin/stop $OPTS\n"));   /* ":": no expansion */
	CHECK(has(settings(&m), "minboot.env.OPTS=-a -b\nminboot.env.QUOTED=one two\nminboot.env.EXPORTED=yes\n"
				"minboot.env.LONG=xy\nminboot.env.SPACED=a b\nminboot.env.PLAIN=1\n"));
	CHECK(has(reports(&m), "/lib/app.service:4: EnvironmentFile="));
	CHECK(has(reports(&m), "required-missing: the file is not on this host"));
	CHECK(!strstr(reports(&m), "/default/missing:"));                  /* "-": optional */
	CHECK_INT(m.nreports, 1);
	unit_free(&u);
	unit_map_free(&m);
}

/* Every directive of the table and what it becomes. */
static void every_directive_mapped(void)
{
	struct unit u;
	struct unit_map m;

	fresh();
	put("/lib/full.service",
	    "[Unit]\nDescription=all of it\nAfter=network-online.target full.socket\nWants=network-online.target\n"
	    "[Service]\nType=notify\nExecStartPre=-/bin/pre\nExecStart=@/usr/bin/full full-daemon --foreground\n"
	    "ExecStartPost=+/bin/post\nExecReload=/bin/kill -HUP $MAINPID\nExecStop=/bin/stop\n"
	    "User=web\nGroup=www\nWorkingDirectory=-/srv/full\nRuntimeDirectory=full full/sub\nRuntimeDirectoryMode=0750\n"
	    "StateDirectory=full\nCacheDirectory=full\nLogsDirectory=full\nConfigurationDirectory=full\n"
	    "SupplementaryGroups=audio video\nStateDirectoryMode=0700\nPIDFile=full.pid\nRestart=on-abnormal\nRestartSec=2s\nWatchdogSec=30\n"
	    "TimeoutStartSec=1min 30s\nTimeoutStopSec=infinity\nKillSignal=SIGQUIT\nKillMode=mixed\nUMask=0027\n"
	    "LimitNOFILE=65535\nLimitCORE=infinity\nLimitMEMLOCK=64M:1G\nLimitCPU=2min\nNoNewPrivileges=yes\n"
	    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=cap_chown\n"
	    "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
	    "[Install]\nWantedBy=multi-user.target\n");
	put("/lib/full.socket", "[Socket]\nListenStream=80\nListenStream=127.0.0.1:8080\nListenStream=[::1]:443\n"
				"ListenStream=/run/full.sock\nListenDatagram=53\nAccept=no\n[Install]\nWantedBy=sockets.target\n");
	CHECK_INT(unit_load(&u, "full.service"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK_STR(m.payload, "@/usr/bin/full full-daemon --foreground");
	CHECK_STR(settings(&m),
		  "payload=@/usr/bin/full full-daemon --foreground\n"
		  "minboot.exec-start-pre=-/bin/pre\n"
		  "minboot.exec-start-post=+/bin/post\n"
		  "minboot.exec-reload=/bin/kill -HUP $MAINPID\n"
		  "minboot.exec-stop=/bin/stop\n"
		  "minboot.user=web:www\n"
		  "minboot.groups=audio,video\n"
		  "minboot.type=notify\n"
		  "minboot.pidfile=/run/full.pid\n"
		  "minboot.restart=on-abnormal\n"
		  "minboot.restart-delay=2.000\n"
		  "minboot.restart-delay-max=2.000\n"
		  "minboot.start-timeout=90.000\n"
		  "minboot.stop-timeout=86400\n"
		  "minboot.watchdog=30.000\n"
		  "minboot.kill-signal=SIGQUIT\n"
		  "minboot.kill-mode=mixed\n"
		  "minboot.workdir=/srv/full\n"
		  "minboot.umask=0027\n"
		  "minboot.no-new-privileges=1\n"
		  "minboot.dir=/run/full:0750\n"
		  "minboot.dir=/run/full/sub:0750\n"
		  "minboot.env.RUNTIME_DIRECTORY=/run/full:/run/full/sub\n"
		  "minboot.dir=/var/lib/full:0700\n"
		  "minboot.env.STATE_DIRECTORY=/var/lib/full\n"
		  "minboot.dir=/var/cache/full:0755\n"
		  "minboot.env.CACHE_DIRECTORY=/var/cache/full\n"
		  "minboot.dir=/var/log/full:0755\n"
		  "minboot.env.LOGS_DIRECTORY=/var/log/full\n"
		  "minboot.env.CONFIGURATION_DIRECTORY=/etc/full\n"
		  "minboot.limit.CPU=120\n"
		  "minboot.limit.CORE=infinity\n"
		  "minboot.limit.NOFILE=65535\n"
		  "minboot.limit.MEMLOCK=67108864:1073741824\n"
		  "minboot.cap-bound=chown,net_bind_service\n"
		  "minboot.cap-ambient=net_bind_service\n"
		  "minboot.listen=80\n"
		  "minboot.listen=127.0.0.1:8080\n"
		  "minboot.listen=[::1]:443\n"
		  "minboot.listen=unix:/run/full.sock\n"
		  "minboot.listen=udp:53\n");
	CHECK_STR(reports(&m), "");
	CHECK(m.nconfdirs == 1 && !strcmp(m.confdirs[0], "/etc/full:0755")); /* root's, in the image */
	CHECK_INT(m.nprograms, 5);
	CHECK_STR(m.programs[0], "/usr/bin/full");
	CHECK_INT(m.nusers, 1);
	CHECK_STR(m.users[0], "web");
	unit_free(&u);
	unit_map_free(&m);
	/* defaults: systemd's start and stop timeouts, RestartSec=100ms, "~" capability lists,
	 * TimeoutSec= for both, an empty bounding set */
	put("/lib/d.service", "[Service]\nType=forking\nExecStart=/bin/d\nRestart=always\nTimeoutSec=0\n"
			      "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW\nCapabilityBoundingSet=CAP_CHOWN\n"
			      "AmbientCapabilities=\n");
	CHECK_INT(unit_load(&u, "d"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(has(settings(&m), "minboot.restart-delay=0.100\n"));
	CHECK(has(settings(&m), "minboot.start-timeout=0\nminboot.stop-timeout=86400\n"));
	CHECK(has(settings(&m), "minboot.cap-bound=dac_override,"));
	CHECK(!strstr(settings(&m), "sys_admin") && !strstr(settings(&m), "net_raw,") && !strstr(settings(&m), "chown,"));
	CHECK(has(settings(&m), "minboot.cap-ambient=\n"));
	unit_free(&u);
	unit_map_free(&m);
	put("/lib/e.service", "[Service]\nExecStart=/bin/e\nCapabilityBoundingSet=\n");
	CHECK_INT(unit_load(&u, "e"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(has(settings(&m), "minboot.stop-timeout=90\nminboot.cap-bound=\n"));
	CHECK(!strstr(settings(&m), "start-timeout")); /* simple: started at once */
	unit_free(&u);
	unit_map_free(&m);
	put("/lib/o.service", "[Service]\nType=oneshot\nExecStart=/bin/o\n");
	CHECK_INT(unit_load(&u, "o"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK(!strstr(settings(&m), "start-timeout")); /* oneshot: no start timeout by default */
	unit_free(&u);
	unit_map_free(&m);
}

static void unsupported_reported(void)
{
	struct unit u;
	struct unit_map m;

	fresh();
	put("/lib/x.service", "[Unit]\nRequires=postgresql.service\nConditionPathExists=/etc/x\n"
			      "[Service]\nExecStart=/bin/x\nExecStart=/bin/second\nType=dbus\nPrivateTmp=yes\n"
			      "ProtectSystem=strict\nSupplementaryGroups=audio\nRestartPreventExitStatus=255\n"
			      "LimitNOFILE=lots\nCPUQuota=20%%\n[Weird]\nKey=1\n");
	put("/lib/x.socket", "[Socket]\nListenStream=@abstract\nAccept=yes\nBacklog=10\n");
	CHECK_INT(unit_load(&u, "x"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), 0);
	CHECK_STR(reports(&m),
		  "/lib/x.service:2: Requires=postgresql.service: not applied: it orders or needs another service (the appliance runs one)\n"
		  "/lib/x.service:3: ConditionPathExists=/etc/x: not checked (the appliance starts its service unconditionally)\n"
		  "/lib/x.service:8: PrivateTmp=yes: not applied: no sandboxing inside the appliance (the VM is the boundary)\n"
		  "/lib/x.service:9: ProtectSystem=strict: not applied: no sandboxing inside the appliance (the VM is the boundary)\n"
		  "/lib/x.service:11: RestartPreventExitStatus=255: not supported by minboot\n"
		  "/lib/x.service:13: CPUQuota=20%: not supported by minboot\n"
		  "/lib/x.service:15: Key=1: not supported: a section minboot does not read\n"
		  "/lib/x.service:6: ExecStart=/bin/second: not run: the payload is the first ExecStart= (one command)\n"

		  "/lib/x.service:7: Type=dbus: not supported: minboot runs simple, exec, notify, forking and oneshot\n"
		  "/lib/x.service:12: LimitNOFILE=lots: not understood as a limit\n"
		  "/lib/x.socket:2: ListenStream=@abstract: not supported: abstract and vsock sockets\n"
		  "/lib/x.socket:3: Accept=yes: not supported: a connection per instance (Accept=yes) needs NAME@.service\n"
		  "/lib/x.socket:4: Backlog=10: not supported by minboot\n");
	unit_free(&u);
	unit_map_free(&m);
	put("/lib/none.service", "[Service]\nType=oneshot\n");
	CHECK_INT(unit_load(&u, "none"), 0);
	CHECK_INT(unit_map(&u, &m, NULL), -EINVAL);
	unit_free(&u);
	unit_map_free(&m);
}

/* --unit in the packer: the payload and settings, --set after the unit's, the accounts checked */
static void unit_add_and_accounts(void)
{
	struct pack_opts o;
	struct plan p = { 0 };
	const char *sets[] = { "minboot.umask=0077" };

	fresh();
	put("/lib/acc.service", "[Service]\nExecStart=/bin/acc\nUser=web\nGroup=www\nUMask=0022\n");
	memset(&o, 0, sizeof(o));
	o.unit = "acc";
	o.set = sets;
	o.nset = 1;
	log_write = NULL;
	CHECK_INT(unit_add(&p, &o), 0);
	CHECK_STR(o.payload, "/bin/acc");
	CHECK(o.nset >= 3 && !strcmp(o.set[o.nset - 1], "minboot.umask=0077")); /* --set comes last: it wins */
	CHECK_INT(plan_add_data(&p, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 26, 0644, "t"), 0);
	/* the accounts generator (pack/accounts.c, linked here as in the packer) took User= through
	 * accounts_want(): it adds web from the host or refuses the pack then, so unit_finish has
	 * nothing left to check */
	{
		int (*volatile linked)(struct plan *, struct pack_opts *) = accounts_add;
		CHECK(linked != NULL);
	}
	CHECK_INT(unit_finish(&p, &o), 0);
	CHECK_INT(plan_add_data(&p, "/etc/passwd", "web:x:5:5::/:/bin/sh\n", 21, 0644, "t"), 0);
	CHECK_INT(plan_add_data(&p, "/etc/group", "www:x:6:\n", 9, 0644, "t"), 0);
	CHECK_INT(unit_finish(&p, &o), 0);                 /* the last /etc/passwd added is the image's */
	plan_free(&p);
}

static void unit_twice_refused(void)
{
	struct pack_opts o;
	char *argv[] = { "minboot-pack", "-o", "x", "--unit", "a", "--unit", "b", NULL };

	log_write = NULL;
	CHECK_INT(opts_parse(7, argv, &o), -EINVAL);
}

int main(void)
{
	RUN("unit", syntax_continuations_comments);
	RUN("unit", dropins_in_precedence);
	RUN("unit", specifiers_expanded);
	RUN("unit", environment_files_and_variables);
	RUN("unit", every_directive_mapped);
	RUN("unit", unsupported_reported);
	RUN("unit", unit_add_and_accounts);
	RUN("unit", unit_twice_refused);
	if (root[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		(void)!system(cmd);
	}
	TEST_EXIT();
}
