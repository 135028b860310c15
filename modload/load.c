/* Inserting one module: finit_module on the file, or the image through init_module when the
 * kernel cannot read the file itself (gzip it does not decompress, or no finit_module). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "modload/internal.h"

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4 /* include/uapi/linux/module.h, Linux 6.1 */
#endif

/* No libc declares these; kmod calls them through syscall() too. */
static int sys_finit(int fd, const char *params, int flags)
{
	return syscall(SYS_finit_module, fd, params, flags) < 0 ? -errno : 0;
}

static int sys_init(const void *image, unsigned long len, const char *params)
{
	return syscall(SYS_init_module, image, len, params) < 0 ? -errno : 0;
}

/* The kernel's own uevents (multicast group 1), non-blocking, with room for a burst of them. */
static int sys_uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	int size = 4 << 20;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		size = -errno;
		close(fd);
		return size;
	}
	return fd;
}

/* Only the kernel's messages (port 0): a process may send to the group too. */
static int sys_uevent_recv(int fd, char *buf, int len)
{
	struct sockaddr_nl sa;
	socklen_t salen;
	ssize_t n;

	for (;;) {
		salen = sizeof(sa);
		n = recvfrom(fd, buf, (size_t)len, 0, (struct sockaddr *)&sa, &salen);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (salen == sizeof(sa) && sa.nl_pid == 0)
			return (int)n;
	}
}

static int sys_fork(void)
{
	pid_t pid = fork();

	return pid < 0 ? -errno : (int)pid;
}

static int sys_waitpid(int pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

const struct mod_ops mod_sys_ops = { sys_finit, sys_init, sys_uevent_open, sys_uevent_recv, sys_fork, sys_waitpid };

/* /sys/module/compression came with MODULE_INIT_COMPRESSED_FILE (Linux 6.4, and only with
 * CONFIG_MODULE_DECOMPRESS); Debian's 6.1 has neither, so gzip is inflated here. */
static enum mod_compression kernel_compression(struct mod_ctx *c)
{
	if (!c->kcomp[0]) {
		char path[PATH_MAX * 2], *t;

		snprintf(path, sizeof(path), "%s/sys/module/compression", c->root);
		if (mod_read_text(path, &t, NULL) < 0) {
			strcpy(c->kcomp, "-");
		} else {
			snprintf(c->kcomp, sizeof(c->kcomp), "%.*s", (int)strcspn(t, " \n"), t);
			free(t);
		}
	}
	if (!strcmp(c->kcomp, "gzip"))
		return MOD_COMP_GZIP;
	if (!strcmp(c->kcomp, "xz"))
		return MOD_COMP_XZ;
	if (!strcmp(c->kcomp, "zstd"))
		return MOD_COMP_ZSTD;
	return MOD_COMP_NONE;
}

static int why(struct mod_ctx *c, int err, const char *fmt, const char *arg)
{
	snprintf(c->why, sizeof(c->why), fmt, arg, strerror(-err));
	return err;
}

/* The kernel's answers, in kmod's words where kmod has some. */
static int kernel_said(struct mod_ctx *c, int r)
{
	if (r == -EEXIST)
		return 0;
	if (r == -ENOENT)
		snprintf(c->why, sizeof(c->why), "unknown symbol in module, or unknown parameter (see dmesg)");
	else if (r == -ENOEXEC)
		snprintf(c->why, sizeof(c->why), "invalid module format (built for another kernel?)");
	else if (r < 0)
		snprintf(c->why, sizeof(c->why), "%s", strerror(-r));
	return r;
}

static int insert_image(struct mod_ctx *c, const char *path, const char *params)
{
	char *img;
	size_t len;
	int r = mod_file_read(path, &img, &len, NULL);

	if (r == -EBADMSG)
		return why(c, r, "%s: corrupt gzip data (%s)", path);
	if (r < 0)
		return why(c, r, "%s: %s", path);
	r = c->ops->init_module(img, len, params);
	free(img);
	return kernel_said(c, r);
}

int mod_insert(struct mod_ctx *c, const char *path, const char *params)
{
	unsigned char magic[8];
	enum mod_compression comp;
	ssize_t n;
	int r, fd = open(path, O_RDONLY | O_CLOEXEC);

	c->why[0] = '\0';
	if (fd < 0)
		return why(c, -errno, "%s: %s", path);
	n = pread(fd, magic, sizeof(magic), 0);
	comp = mod_compression_of(magic, n > 0 ? (size_t)n : 0);
	if (comp == MOD_COMP_NONE || comp == kernel_compression(c)) {
		r = c->ops->finit_module(fd, params, comp == MOD_COMP_NONE ? 0 : MODULE_INIT_COMPRESSED_FILE);
		close(fd);
		if (r != -ENOSYS || comp != MOD_COMP_NONE)
			return kernel_said(c, r);
		return insert_image(c, path, params); /* a kernel without finit_module */
	}
	close(fd);
	if (comp == MOD_COMP_GZIP)
		return insert_image(c, path, params);
	snprintf(c->why, sizeof(c->why), "%s: %s-compressed, and this kernel does not decompress %s "
		 "modules (/sys/module/compression); pack it uncompressed", path,
		 comp == MOD_COMP_XZ ? "xz" : "zstd", comp == MOD_COMP_XZ ? "xz" : "zstd");
	return -ENOTSUP;
}

/* kmod_module_get_initstate(): "live" in /sys/module/NAME/initstate, or a /sys/module/NAME
 * directory without initstate (a builtin with parameters). */
int mod_in_kernel(struct mod_ctx *c, const char *name, int builtin)
{
	char path[PATH_MAX * 2], *t;
	struct stat st;
	int live;

	if (builtin)
		return 1;
	snprintf(path, sizeof(path), "%s/sys/module/%s/initstate", c->root, name);
	if (mod_read_text(path, &t, NULL) == 0) {
		live = !strncmp(t, "live", 4);
		free(t);
		return live;
	}
	snprintf(path, sizeof(path), "%s/sys/module/%s", c->root, name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}
