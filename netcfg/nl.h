/* A small netlink layer in the shape of libmnl: the caller owns every buffer, writers are
 * bounds-checked and return false instead of overflowing, replies are checked for sequence and
 * port id, and a kernel NLMSG_ERROR becomes -errno.  No heap.  One file (nl.c), so it can be
 * swapped for libmnl if a static one ever ships. */
#ifndef MINBOOT_NL_H
#define MINBOOT_NL_H
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Large enough for one dump part: the kernel fills at most ~8 KiB (or a page) per recv. */
#define NL_BUFSIZE 16384

/* The calls that reach the kernel, so tests can put a fake kernel in its place (the seam the
 * init's machine interface hands down).  open: a NETLINK_ROUTE socket bound to groups, its fd
 * and port id, or -errno; send: bytes or -errno; recv: one datagram from the kernel (MSG_DONTWAIT
 * when nonblock): its length, -EAGAIN, -ENOBUFS (events lost), -EMSGSIZE (truncated), -errno. */
struct nl_ops {
	int (*open)(uint32_t groups, uint32_t *portid);
	long (*send)(int fd, const void *buf, size_t len);
	long (*recv)(int fd, void *buf, size_t size, bool nonblock);
	void (*close)(int fd);
	/* SIOCETHTOOL on ifname with cmd (struct ethtool_*): 0 or -errno; NULL: not asked */
	int (*ethtool)(const char *ifname, void *cmd);
};
extern const struct nl_ops nl_sys_ops;

struct nl_sock {
	int fd;
	uint32_t portid;          /* the kernel-assigned port, checked on every reply */
	uint32_t seq;             /* last sequence number sent */
	const struct nl_ops *ops;
};

/* Open a NETLINK_ROUTE socket subscribed to the RTNLGRP_* groups in groups (a bit mask of
 * 1 << (group - 1), 0 for none) through ops (NULL: nl_sys_ops).  Returns 0 or -errno. */
int nl_open_ops(struct nl_sock *s, uint32_t groups, const struct nl_ops *ops);
int nl_open(struct nl_sock *s, uint32_t groups); /* nl_open_ops(s, groups, NULL) */
void nl_close(struct nl_sock *s);

/* Messages.  size is the size of the caller's buffer that starts at nlh. */
struct nlmsghdr *nl_msg_start(void *buf, size_t size, uint16_t type, uint16_t flags);
void *nl_msg_put_extra(struct nlmsghdr *nlh, size_t size, size_t len); /* zeroed, or NULL */
void *nl_msg_payload(const struct nlmsghdr *nlh);
size_t nl_msg_payload_len(const struct nlmsghdr *nlh);
bool nl_msg_ok(const struct nlmsghdr *nlh, size_t len);
const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, size_t *len);

/* Attribute writers: false when the attribute does not fit (nlh is left unchanged). */
bool nl_attr_put(struct nlmsghdr *nlh, size_t size, uint16_t type, const void *data, size_t len);
bool nl_attr_put_u8(struct nlmsghdr *nlh, size_t size, uint16_t type, uint8_t v);
bool nl_attr_put_u32(struct nlmsghdr *nlh, size_t size, uint16_t type, uint32_t v);
bool nl_attr_put_str(struct nlmsghdr *nlh, size_t size, uint16_t type, const char *s);

/* Attribute parsing: tb[0..max] is filled with the last attribute of each type (types above max
 * are skipped).  -EINVAL when an attribute header is malformed or runs past len. */
int nl_attr_parse(const void *attrs, size_t len, const struct nlattr **tb, unsigned max);
/* Parse the attributes that follow a fixed header of hdrlen bytes in nlh's payload. */
int nl_attr_parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max);
const void *nl_attr_data(const struct nlattr *a);
size_t nl_attr_len(const struct nlattr *a);
/* Typed getters validate the length: -EINVAL when a is NULL or of the wrong size. */
int nl_attr_get_u8(const struct nlattr *a, uint8_t *v);
int nl_attr_get_u32(const struct nlattr *a, uint32_t *v);
int nl_attr_get_str(const struct nlattr *a, char *buf, size_t size); /* NUL-terminated, fits */

/* Run cb over each message of a reply.  Returns 1 when more messages are expected (a dump not
 * yet done), 0 when done (NLMSG_DONE or the ACK), -errno for a kernel error, a malformed message,
 * or a negative value returned by cb.  Messages with another seq/port are -ESRCH / -EPROTO;
 * seq 0 and port 0 (kernel notifications) pass when seq is 0.  A message the kernel marks
 * NLM_F_DUMP_INTR (the table changed during the dump: it is inconsistent) is -EINTR, as libmnl
 * has it: the dump must be made again. */
typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *data);
int nl_cb_run(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_cb cb, void *data);

/* Send nlh (sets nlmsg_seq) and read replies into rbuf until NLMSG_DONE or NLMSG_ERROR; a request
 * that changes something must carry NLM_F_ACK (the builders set it), or this waits forever.
 * (NLM_F_DUMP cannot tell: it shares bits with NLM_F_REPLACE and NLM_F_EXCL.)  cb may be NULL.
 * An interrupted dump is read to its end (cb no longer called) and is -EINTR.
 * Returns 0 or -errno. */
int nl_talk(struct nl_sock *s, struct nlmsghdr *nlh, nl_cb cb, void *data, void *rbuf, size_t rsize);

/* Read one datagram (MSG_DONTWAIT when nonblock).  Returns its length, -EAGAIN, -ENOBUFS on
 * overrun (events were lost: resynchronise with a dump), -EMSGSIZE when truncated, or -errno. */
long nl_recv(struct nl_sock *s, void *buf, size_t size, bool nonblock);

#endif
