/* The ACPI power button: what QEMU's system_powerdown and "virsh shutdown" press.  With Debian's
 * kernel, the button and evdev modules turn it into EV_KEY KEY_POWER on the button's
 * /dev/input/eventN, named "Power Button" in sysfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "init/init.h"

/* Whether /sys/class/input/NAME is a power button. */
static int is_power_button(const struct machine *m, const char *name)
{
	char rel[300], path[MACHINE_PATH], text[64];
	ssize_t n;
	int fd;

	snprintf(rel, sizeof(rel), "/sys/class/input/%s/device/name", name);
	if ((fd = open(machine_path(m, rel, path), O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	return !strncmp(text, "Power Button", 12);
}

int power_buttons_open(const struct machine *m, int *fds, int max)
{
	char rel[300], path[MACHINE_PATH];
	struct dirent *de;
	DIR *d = opendir(machine_path(m, "/sys/class/input", path));
	int fd, n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (strncmp(de->d_name, "event", 5) || !is_power_button(m, de->d_name))
			continue;
		snprintf(rel, sizeof(rel), "/dev/input/%s", de->d_name);
		fd = open(machine_path(m, rel, path), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			warn("unable to open the power button %s: %s", rel, strerror(errno));
			continue;
		}
		fds[n++] = fd;
		dbg("power button on %s", rel);
	}
	closedir(d);
	return n;
}

/* 1 when the button was pressed, 0 otherwise (releases, other keys, nothing to read). */
int power_button_pressed(int fd)
{
	struct input_event ev[16];
	ssize_t n = read(fd, ev, sizeof(ev));
	int i;

	for (i = 0; n > 0 && i < (int)(n / sizeof(ev[0])); i++)
		if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
			return 1;
	return 0;
}
