/* The host's status channel, minboot.exit=virtio-serial or vsock:CID:PORT: what the payload says
 * through sd_notify (READY=1, STATUS=...) as it says it, and EXIT_STATUS=N at the end, in
 * sd_notify's own format, one assignment a line -- what systemd sends a VMM through its
 * vmm.notify_socket.  Unlike isa-debug-exit, any hypervisor with virtio-serial (QEMU, libvirt's
 * <channel>) or vsock (Firecracker, cloud-hypervisor, QEMU's vhost-vsock) can read it.
 *
 * The port is found by its name in sysfs (no udev, so no /dev/virtio-ports/NAME link).  The port
 * or the vsock transport may come up after the payload's first message (virtio_console learns
 * the port's name from the host after the probe), so opening is tried again at each message and
 * once more when the shutdown starts, while /sys and /dev are still mounted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "common/log.h"
#include "common/policy.h"
#include "init/init.h"
#include "init/service.h"

static int status_fd = -1, status_err = ENOENT;

/* The virtio-serial port named POLICY_STATUS_PORT: /sys/class/virtio-ports/vportNpM/name. */
static int port_open(const struct machine *m)
{
	char rel[300], path[MACHINE_PATH], name[64];
	struct dirent *de;
	DIR *d = opendir(machine_path(m, POLICY_PORTS_DIR, path));
	int fd = -ENOENT;

	while (d && fd < 0 && (de = readdir(d))) {
		snprintf(rel, sizeof(rel), POLICY_PORTS_DIR "/%s/name", de->d_name);
		if (de->d_name[0] == '.' || read_file(machine_path(m, rel, path), name, sizeof(name)) < 0 ||
		    strcmp(name, POLICY_STATUS_PORT "\n"))
			continue;
		snprintf(rel, sizeof(rel), "/dev/%s", de->d_name);
		/* non-blocking: a host that does not read never stalls PID 1 */
		fd = open(machine_path(m, rel, path), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	if (d)
		closedir(d);
	return fd;
}

static int vsock_open(const struct config *c)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = c->exit_cid, .svm_port = c->exit_port };
	int types[2] = { c->exit_socktype ? c->exit_socktype : SOCK_DGRAM, c->exit_socktype ? 0 : SOCK_SEQPACKET };
	int i, s, r = -EINVAL;

	for (i = 0; i < 2 && types[i]; i++) {
		if ((s = socket(AF_VSOCK, types[i] | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return s;
		r = -errno;
		if (s >= 0)
			close(s);
	}
	return r;
}

void status_open(struct boot *b)
{
	if (status_fd >= 0 || b->cfg.exit_report < EXIT_VIRTIO_SERIAL)
		return;
	status_fd = b->cfg.exit_report == EXIT_VSOCK ? vsock_open(&b->cfg) : port_open(b->m);
	if (status_fd < 0)
		status_err = -status_fd;
}

static void status_send(struct boot *b, const char *msg)
{
	status_open(b);
	if (status_fd >= 0 && write(status_fd, msg, strlen(msg)) < 0)
		dbg("status channel: %s", strerror(errno));
}

void status_forward(struct boot *b, const struct notify_msg *n)
{
	char msg[sizeof(n->status) + 32];

	snprintf(msg, sizeof(msg), "%s%s%s%s", n->ready ? "READY=1\n" : "", n->has_status ? "STATUS=" : "",
		 n->has_status ? n->status : "", n->has_status ? "\n" : "");
	if (msg[0] && b->cfg.exit_report >= EXIT_VIRTIO_SERIAL)
		status_send(b, msg);
}

void status_exit(struct boot *b, int status)
{
	char msg[32];

	if (b->cfg.exit_report < EXIT_VIRTIO_SERIAL)
		return;
	snprintf(msg, sizeof(msg), "EXIT_STATUS=%d\n", status);
	status_send(b, msg);
	if (status_fd < 0 && b->cfg.exit_report == EXIT_VSOCK)
		warn("minboot.exit=vsock: unable to reach %u:%u: %s", b->cfg.exit_cid, b->cfg.exit_port,
		     strerror(status_err));
	else if (status_fd < 0)
		warn("minboot.exit=virtio-serial: no port named " POLICY_STATUS_PORT " (%s; the image needs "
		     "virtio_console)", strerror(status_err));
}

void status_close(void)
{
	if (status_fd >= 0)
		close(status_fd);
	status_fd = -1;
	status_err = ENOENT;
}
