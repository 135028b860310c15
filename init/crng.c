/* The kernel's CRNG on a machine that has nothing to seed it (no virtio-rng, no RDRAND: QEMU's
 * defaults).  Until it is seeded, getrandom(2) blocks every program that asks (node, python,
 * OpenSSL), and the kernel gathers timer jitter in the blocked caller's own time.  A helper
 * process waits in getrandom at SCHED_IDLE from the first moment the boot would idle (the
 * network's wait, the late modules' end, the payload's start), so the jitter is gathered in time
 * nobody else uses and the payload finds the CRNG seeded, or nearer to it.  Once per boot; never
 * when the CRNG is seeded already or the machine has no fork (the tests' fake). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

static int claimed; /* a helper waits already, or the CRNG was found seeded */

int crng_claim(struct boot *b)
{
	char c;

	if (claimed || !b->m->fork)
		return 0;
	claimed = 1;
	return getrandom(&c, 1, GRND_NONBLOCK) < 0 && errno == EAGAIN;
}

void crng_wait(void)
{
	struct sched_param p = { 0 };
	sigset_t none;
	char c;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the shutdown's SIGTERM ends the wait */
	/* the system call: musl's sched_setscheduler() is ENOSYS by design (its scope is a thread) */
	if (syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &p) < 0)
		return; /* at normal priority the wait would take CPU time from the boot */
	while (getrandom(&c, 1, 0) < 0 && errno == EINTR)
		;
}

void crng_seed(struct boot *b)
{
	pid_t pid;

	if (!crng_claim(b))
		return;
	pid = b->m->fork();
	if (pid == 0) {
		crng_wait();
		_exit(0);
	}
	if (pid < 0)
		dbg("unable to start the CRNG's helper: %s", strerror(errno));
}
