/* The sd_notify(3) protocol: the payload (or any process of its session) sends datagrams of
 * newline-separated assignments to $NOTIFY_SOCKET.  Credentials come with each datagram
 * (SO_PASSCRED), so messages from outside the payload's session are refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "init/service.h"

static int is(const char *line, size_t len, const char *key, const char **val)
{
	size_t k = strlen(key);

	if (len < k || memcmp(line, key, k))
		return 0;
	*val = line + k;
	return 1;
}

int notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *line = buf, *end = buf + len, *nl, *v;
	size_t l;
	int known = 0;

	memset(m, 0, sizeof(*m));
	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			nl = end;
		l = nl - line;
		if (is(line, l, "READY=1", &v) && l == 7)
			m->ready = 1, known++;
		else if (is(line, l, "STOPPING=1", &v) && l == 10)
			m->stopping = 1, known++;
		else if (is(line, l, "RELOADING=1", &v) && l == 11)
			m->reloading = 1, known++;
		else if (is(line, l, "WATCHDOG=1", &v) && l == 10)
			m->watchdog = 1, known++;
		else if (is(line, l, "WATCHDOG=trigger", &v) && l == 16)
			m->watchdog_trigger = 1, known++;
		else if (is(line, l, "STATUS=", &v)) {
			size_t n = nl - v < (long)sizeof(m->status) - 1 ? (size_t)(nl - v) : sizeof(m->status) - 1;
			memcpy(m->status, v, n);
			m->status[n] = '\0';
			for (size_t i = 0; i < n; i++) /* one console line, printable */
				if ((unsigned char)m->status[i] < 0x20 || m->status[i] == 0x7f)
					m->status[i] = '?';
			m->has_status = 1, known++;
		} else if (is(line, l, "WATCHDOG_USEC=", &v)) {
			char num[24], *e;
			if ((size_t)(nl - v) >= sizeof(num) || nl == v)
				continue;
			memcpy(num, v, nl - v);
			num[nl - v] = '\0';
			m->watchdog_usec = strtoull(num, &e, 10);
			if (!*e && *num >= '0' && *num <= '9')
				m->has_watchdog_usec = 1, known++;
		} else if (is(line, l, "MAINPID=", &v)) {
			char num[16];
			char *e;
			long p;
			if ((size_t)(nl - v) >= sizeof(num))
				continue;
			memcpy(num, v, nl - v);
			num[nl - v] = '\0';
			p = strtol(num, &e, 10);
			if (!*e && p > 0 && p < 0x400000)
				m->mainpid = (pid_t)p, known++;
		}
		/* Other assignments (ERRNO=, FDSTORE=, ...) are ignored, as systemd does for unknown ones. */
		if (nl == end)
			break;
	}
	return known;
}

int notify_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, one = 1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0666) < 0) { /* a payload running as another user must reach it */
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int notify_recv(int fd, struct notify_msg *m, pid_t *sender, uid_t *uid)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0)
		return -errno;
	*sender = 0;
	*uid = (uid_t)-1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred u;
			memcpy(&u, CMSG_DATA(c), sizeof(u));
			*sender = u.pid;
			*uid = u.uid;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			/* file descriptors are not stored: close what arrived */
			int *fds = (int *)CMSG_DATA(c);
			size_t i, nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfd; i++)
				close(fds[i]);
		}
	}
	if ((size_t)n > sizeof(buf) - 1 || (mh.msg_flags & MSG_TRUNC))
		return -EMSGSIZE;
	notify_parse(buf, n, m);
	return 0;
}
