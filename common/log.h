/* One message shape for every program: "PROG: text: <strerror>". */
#ifndef MINBOOT_LOG_H
#define MINBOOT_LOG_H

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;          /* messages above this level are dropped */
extern const char *log_prog;   /* prefix, "minboot" by default */

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define err(...)  log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define dbg(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
