#include "runsc-lite/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_role = "runsc-lite";
static int log_debug_fd = -1;

void log_init(const char *role, int debug_fd)
{
	log_role = role;
	log_debug_fd = debug_fd;
}

bool log_enabled(void) { return log_debug_fd >= 0; }
int log_fd(void) { return log_debug_fd; }

void debugf(const char *fmt, ...)
{
	if (log_debug_fd < 0)
		return;
	char line[1024];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof line, "%ld.%06ld %s[%d]: ", (long)ts.tv_sec,
			 ts.tv_nsec / 1000, log_role, (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	/* one write per line: the debug log is shared by several processes */
	ssize_t unused = write(log_debug_fd, line, len);
	(void)unused;
}

static void vmessage(int errno_value, const char *fmt, va_list ap)
{
	char msg[1024];
	int n = snprintf(msg, sizeof msg, "runsc-lite: ");
	n += vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	if (n > (int)sizeof msg - 1)
		n = sizeof msg - 1;
	if (errno_value)
		n += snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(errno_value));
	if (n > (int)sizeof msg - 2)
		n = sizeof msg - 2;
	msg[n++] = '\n';
	ssize_t unused = write(STDERR_FILENO, msg, (size_t)n);
	(void)unused;
	if (log_debug_fd >= 0) {
		msg[n - 1] = 0;
		debugf("%s", msg);
	}
}

void warnx_rl(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
	exit(125);
}

void die_errno(int errno_value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(errno_value, fmt, ap);
	va_end(ap);
	exit(125);
}
