/*
 * Logging shared by every role of the runsc-lite binary (CLI, gofer, sentry).
 *
 * Contract: log_init() is called once per process with an already open file
 * descriptor (or -1 for no debug log).  debugf() writes one line, prefixed by
 * the role and pid, with a single write(2) so lines from the three processes
 * sharing one --debug-log file never interleave mid-line.  It never allocates
 * and is safe after the process's seccomp filter is installed.
 *
 * die()/warnx() print "runsc-lite: <message>" on stderr: the one-line error
 * a user sees.
 */
#ifndef RUNSC_LITE_LOG_H
#define RUNSC_LITE_LOG_H

#include <stdbool.h>

void log_init(const char *role, int debug_fd);
bool log_enabled(void);
int  log_fd(void);
void debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* --log FILE --log-format text|json (OCI): every die()/warnx_rl() message
 * is also written to fd, one line each; json is one
 * {"level":"error","msg":...,"time":...} object per line (engines show msg). */
void log_set_error_log(int fd, bool json);
/* The next die()/warnx_rl() message (the first is the cause) is written
 * to fd instead of stderr, as "E" and the message without a newline, and
 * later ones to the logs only, until log_set_report_fd(-1).
 * The sentry reports why OCI create failed this way (runsc-lite/oci.c). */
void log_set_report_fd(int fd);
/* The --log fd (-1 if none), and whether it takes JSON. */
int log_error_log(bool *json);
/* die()'s exit status (125 unless set: OCI commands use 1, as runc does). */
void log_set_exit_status(int status);
void warnx_rl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* die() with ": strerror(errno_value)" appended. */
void die_errno(int errno_value, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
