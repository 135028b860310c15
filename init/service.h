/* What a service manager gives a payload: the sd_notify socket, listening sockets, the power
 * button, /etc/fstab.  Parsers here are pure (bytes in, struct out) for unit tests and fuzzing. */
#ifndef MINBOOT_SERVICE_H
#define MINBOOT_SERVICE_H
#include <stddef.h>
#include <sys/types.h>

#include "common/policy.h"

/* notify.c — sd_notify(3) datagrams: newline-separated KEY=VALUE assignments. */
struct notify_msg {
	int ready, stopping, reloading, watchdog, watchdog_trigger;
	int has_status;
	char status[256];
	pid_t mainpid;
	int has_watchdog_usec;
	unsigned long long watchdog_usec; /* WATCHDOG_USEC=: the payload's new interval */
};
int notify_parse(const char *buf, size_t len, struct notify_msg *m);
int notify_open(const char *path);                 /* fd, or -errno */
int notify_recv(int fd, struct notify_msg *m, pid_t *sender, uid_t *uid); /* 0, -EAGAIN, -errno */

/* listen.c — minboot.listen specs: "80", "127.0.0.1:8080", "[::1]:80", "udp:53", "unix:/run/x". */
#define LISTEN_MAX POLICY_MAX_LISTEN
struct listen_spec {
	int family;               /* AF_INET6 (also IPv4 when any-address), AF_INET, AF_UNIX */
	int type;                 /* SOCK_STREAM or SOCK_DGRAM */
	int any;                  /* no address given: all addresses, IPv4 and IPv6 */
	unsigned char addr[16];
	unsigned port;
	char path[108];
	char name[64];            /* for LISTEN_FDNAMES */
};
int listen_parse(const char *spec, struct listen_spec *out);
int listen_open(const struct listen_spec *s);      /* fd (CLOEXEC), or -errno */

/* fstab.c — fstab(5) lines. */
struct fstab_entry {
	char spec[256], file[256], type[32], data[256];
	unsigned long flags;      /* MS_* from the options */
	int nofail, noauto;
};
int fstab_parse_line(char *line, struct fstab_entry *e); /* 1 entry, 0 blank/comment, -EINVAL */
/* \ooo octal escapes (\040 a space) of src into dst[len]; dst may be src.  0 or -EINVAL. */
int fstab_unescape(char *dst, size_t len, const char *src);

/* tmpfiles.c — tmpfiles.d(5) lines: 1 a "d"/"D" entry, 0 another type or a comment, -EINVAL. */
struct tmpfiles_entry {
	char path[256], user[64], group[64]; /* user, group: "" for root's */
	unsigned mode;
	int mode_on_create, owner_on_create; /* ":0700", ":user": only when the directory is made */
};
int tmpfiles_parse_line(char *line, struct tmpfiles_entry *e);

/* passwd.c — the image's /etc/passwd and /etc/group. */
struct pw {
	char name[64], dir[256];
	unsigned uid, gid;
};
int id_parse(const char *s, unsigned *v);   /* a uid or gid: digits only; 0 or -1 */
int passwd_find(const char *path, const char *name, long uid, struct pw *out); /* name, or uid */
int group_find(const char *path, const char *name, unsigned *gid);
int group_list(const char *path, const char *user, unsigned base, unsigned *groups, int max);

#endif
