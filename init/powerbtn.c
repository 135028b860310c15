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

int power_buttons_open(struct init_state *st)
{
	char path[300], name[64];
	struct dirent *de;
	DIR *d = opendir("/sys/class/input");
	ssize_t n;
	int fd;

	st->npower = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)) && st->npower < 4) {
		if (strncmp(de->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/input/%s/device/name", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, name, sizeof(name) - 1);
		name[n > 0 ? n : 0] = '\0';
		close(fd);
		if (strncmp(name, "Power Button", 12))
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", de->d_name);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			warn("unable to open the power button %s: %s", path, strerror(errno));
			continue;
		}
		st->power_fds[st->npower++] = fd;
		dbg("power button on %s", path);
	}
	closedir(d);
	return st->npower;
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
