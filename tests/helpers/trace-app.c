/* A program only --trace can pack: the plugin it loads is named in its configuration file, not in
 * any ELF header, and the helper it checks for is only stat'ed.  Used by tests/t-pack-trace.sh and
 * tests/t-qemu-trace.sh.
 *   trace-app CONF               print the plugin's greeting; exit 0, or 1 when something is missing
 *   trace-app CONF --serve PORT  load the plugin at the first connection to 127.0.0.1:PORT and
 *                                answer each one with the greeting, forever
 *   trace-app CONF --forever     print, then never exit (SIGTERM ignored)
 * CONF (relative paths from the working directory): "plugin=PATH", "helper=PATH" (looked for)
 * and "run=PATH" (run at the start: a script, whose "#!" interpreter only the kernel opens). */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static char plugin[4096], helper[4096], run[4096];

static const char *greeting(void)
{
	static const char *(*fn)(void);
	void *h;

	if (fn)
		return fn();
	if (!(h = dlopen(plugin, RTLD_NOW))) {
		fprintf(stderr, "trace-app: %s\n", dlerror());
		return NULL;
	}
	if (!(fn = (const char *(*)(void))dlsym(h, "greeting"))) {
		fprintf(stderr, "trace-app: %s: no greeting()\n", plugin);
		return NULL;
	}
	return fn();
}

static int serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM, 0), c, one = 1;
	const char *g;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0) {
		perror("trace-app: listen");
		return 1;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) < 0)
			continue;
		g = greeting();
		dprintf(c, "%s\n", g ? g : "no plugin");
		close(c);
	}
}

int main(int argc, char **argv)
{
	char line[4200];
	const char *g;
	FILE *f;

	if (argc < 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "trace-app: no configuration %s\n", argc > 1 ? argv[1] : "(none given)");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "plugin=", 7))
			snprintf(plugin, sizeof(plugin), "%s", line + 7);
		else if (!strncmp(line, "helper=", 7))
			snprintf(helper, sizeof(helper), "%s", line + 7);
		else if (!strncmp(line, "run=", 4))
			snprintf(run, sizeof(run), "%s", line + 4);
	}
	fclose(f);
	if (helper[0] && access(helper, X_OK) < 0)
		fprintf(stderr, "trace-app: no helper %s\n", helper);
	if (run[0]) {
		char *av[] = { run, NULL };
		pid_t pid;
		int st;
		if (posix_spawn(&pid, run, NULL, NULL, av, environ) != 0 || waitpid(pid, &st, 0) < 0 ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, "trace-app: %s did not run\n", run);
	}
	if (argc > 3 && !strcmp(argv[2], "--serve"))
		return serve(atoi(argv[3]));
	if (!(g = greeting()))
		return 1;
	printf("trace-app: %s\n", g);
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[2], "--forever")) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return 0;
}
