/* The kernel's CRNG on a machine that has nothing to seed it (no virtio-rng, no RDRAND: QEMU's
 * defaults).  Until it is seeded, getrandom(2) blocks every program that asks (node, python,
 * OpenSSL), and the kernel gathers timer jitter in the blocked caller's own time.  A helper
 * process waits in getrandom at SCHED_IDLE from the first moment the boot would idle (the
 * network's wait, the late modules' end, the payload's start), so the jitter is gathered in time
 * nobody else uses and the payload finds the CRNG seeded, or nearer to it.  Once per boot; never
 * when the CRNG is seeded already or the machine has no fork (the tests' fake).
 * Before it waits, the helper seeds the CRNG itself where the image has the kernel's CPU-jitter
 * entropy source (policy_jitter_modules, which the packer adds beside dynamically linked
 * programs) and no hardware RNG is there to do it: 256 bits read from jitterentropy_rng and
 * credited, as rngd's jitter source and jitterentropy-rngd do, in about 0.15 s under TCG
 * against a second or more of the kernel's own timer jitter. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/policy.h"
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

int crng_jitter(struct boot *b)
{
	char path[MACHINE_PATH], buf[POLICY_JITTER_BYTES];
	int r, i;

	/* a hardware RNG (virtio-rng) seeds the CRNG as soon as its driver is in */
	r = read_file(machine_path(b->m, "/sys/class/misc/hw_random/rng_current", path), buf, sizeof(buf));
	if ((r == 0 && strncmp(buf, "none", 4)) || r == -EFBIG)
		return -EEXIST;
	if (!b->m->jitter || !b->m->credit || !b->load_module)
		return -ENOSYS;
	setpriority(PRIO_PROCESS, 0, POLICY_JITTER_NICE);
	/* each one where the kernel lacks it: an image without them fails at the read, below */
	for (i = 0; policy_jitter_modules[i]; i++)
		b->load_module(b, policy_jitter_modules[i]);
	if ((r = b->m->jitter(buf, sizeof(buf))) == 0 && (r = b->m->credit(buf, sizeof(buf))) == 0)
		timeline_mark("crng seeded", POLICY_JITTER_RNG);
	return r; /* buf dies with this helper, which exits next */
}

void crng_seed(struct boot *b)
{
	pid_t pid;

	if (!crng_claim(b))
		return;
	pid = b->m->fork();
	if (pid == 0) {
		if (crng_jitter(b) < 0)
			crng_wait();
		_exit(0);
	}
	if (pid < 0)
		dbg("unable to start the CRNG's helper: %s", strerror(errno));
}
