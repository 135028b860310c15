/* The benchmarks' payload: marks its first instruction in the kernel log, so the boot is timed
 * with kernel timestamps at both ends.  Installed as /init it is the floor of benchmark 1 (what
 * the kernel costs to start any PID 1 and its payload): it mounts /dev and execs itself as the
 * payload. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc > 0 && !strcmp(argv[0], "/init")) {
		mkdir("/dev", 0755);
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		execv("/mark", (char *[]){ "/mark", NULL });
	}
	fd = open("/dev/kmsg", O_WRONLY);
	return fd >= 0 && write(fd, "<3>PAYLOAD-START\n", 17) == 17 ? 0 : 1;
}
