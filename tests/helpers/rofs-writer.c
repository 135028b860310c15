/* The payload of t-qemu-erofs.sh: writes a file to /, /etc, /var and /tmp of a read-only root's
 * overlay, reads them back and prints what / is mounted as, then "ROFS-OK". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int put(const char *path)
{
	char buf[16] = "";
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), ok;

	if (fd < 0 || write(fd, "written\n", 8) != 8 || close(fd) < 0) {
		perror(path);
		return 1;
	}
	fd = open(path, O_RDONLY);
	ok = fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 8 && !strcmp(buf, "written\n");
	if (fd >= 0)
		close(fd);
	printf("%s %s\n", path, ok ? "read back" : "NOT read back");
	return !ok;
}

int main(void)
{
	char line[512];
	FILE *m = fopen("/proc/mounts", "r");
	int bad = put("/written") | put("/etc/written") | put("/var/written") | put("/tmp/written");

	while (m && fgets(line, sizeof(line), m))
		if (strstr(line, " / ") || strstr(line, " /.root-"))
			printf("mount: %s", line);
	if (!bad)
		printf("ROFS-OK\n");
	fflush(stdout);
	return bad;
}
