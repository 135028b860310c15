/* One message shape for every program: "PROG: text: <strerror>". */
#ifndef MINBOOT_LOG_H
#define MINBOOT_LOG_H
#include <stddef.h>

enum { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;          /* messages above this level are dropped */
extern const char *log_prog;   /* prefix, "minboot" by default */
extern int log_errors;         /* error messages so far: a tool that fails says why at least once */
/* Where messages go: each whole line, newline included; NULL is write(2) (the init points it at
 * its machine's console). */
extern void (*log_write)(const char *text, size_t len);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A library's message handed back to its caller (netcfg_say), logged as it stands; arg unused. */
void log_text(void *arg, int level, const char *text);

#define err(...)  log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define dbg(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
