/* strsignal (musl's strsignal.lo) with the names an appliance meets; musl's table of every
 * signal's text is larger.  See libc-small.h. */
#include <signal.h>
#include <string.h>

char *strsignal(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "Hangup" }, { SIGINT, "Interrupt" }, { SIGQUIT, "Quit" },
		{ SIGILL, "Illegal instruction" }, { SIGTRAP, "Trace/breakpoint trap" },
		{ SIGABRT, "Aborted" }, { SIGBUS, "Bus error" }, { SIGFPE, "Arithmetic exception" },
		{ SIGKILL, "Killed" }, { SIGUSR1, "User defined signal 1" }, { SIGSEGV, "Segmentation fault" },
		{ SIGUSR2, "User defined signal 2" }, { SIGPIPE, "Broken pipe" }, { SIGALRM, "Alarm clock" },
		{ SIGTERM, "Terminated" }, { SIGXCPU, "CPU time limit exceeded" }, { SIGSYS, "Bad system call" },
		{ SIGPWR, "Power failure" },
	};
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return (char *)names[i].name;
	return "Unknown signal";
}
