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
static int log_error_fd = -1;
static bool log_error_json;
static int log_exit_status = 125;
static int log_report_fd = -1;

/* -1: none; >= 0: the first message goes there (not to stderr: the
 * reader prints it); -2: reported, later ones go to the logs only. */
void log_set_report_fd(int fd) { log_report_fd = fd; }

void log_set_error_log(int fd, bool json)
{
	log_error_fd = fd;
	log_error_json = json;
}

int log_error_log(bool *json)
{
	*json = log_error_json;
	return log_error_fd;
}

void log_set_exit_status(int status) { log_exit_status = status; }

/* One line to the --log file: text (logrus-like) or one JSON object. */
static void error_log(const char *level, const char *msg)
{
	char line[2048], when[40];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + w, sizeof when - w, ".%09ldZ", ts.tv_nsec);
	size_t n = 0;
	if (log_error_json) {
		n = (size_t)snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"", level);
		for (const unsigned char *p = (const unsigned char *)msg; *p && n < sizeof line - 64; p++) {
			if (*p == '"' || *p == '\\')
				n += (size_t)snprintf(line + n, sizeof line - n, "\\%c", *p);
			else if (*p < 0x20)
				n += (size_t)snprintf(line + n, sizeof line - n, "\\u%04x", *p);
			else
				line[n++] = (char)*p;
		}
		n += (size_t)snprintf(line + n, sizeof line - n, "\",\"time\":\"%s\"}\n", when);
	} else {
		n = (size_t)snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%.1900s\"\n", when, level, msg);
	}
	if (n > sizeof line)
		n = sizeof line;
	ssize_t unused = write(log_error_fd, line, n);
	(void)unused;
}

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
	if (errno_value > 0)
		n += snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(errno_value));
	if (n > (int)sizeof msg - 2)
		n = sizeof msg - 2;
	msg[n++] = '\n';
	/* a report fd armed (>= 0) or used (-2): the reader prints the cause */
	ssize_t unused = log_report_fd != -1 ? 0 : write(STDERR_FILENO, msg, (size_t)n);
	(void)unused;
	if (log_error_fd >= 0) {
		msg[n - 1] = 0;
		error_log(errno_value >= 0 ? "error" : "warning", msg + strlen("runsc-lite: "));
		msg[n - 1] = '\n';
	}
	if (log_report_fd >= 0) {
		/* the first message is the cause: "E" and it, once */
		const char *cause = msg + strlen("runsc-lite: ");
		char buf[sizeof msg + 1];
		int len = snprintf(buf, sizeof buf, "E%.*s", (int)(msg + n - 1 - cause), cause);
		ssize_t w = write(log_report_fd, buf, (size_t)len);
		(void)w;
		log_report_fd = -2;   /* reported: later messages go to the logs only */
	}
	if (log_debug_fd >= 0) {
		msg[n - 1] = 0;
		debugf("%s", msg);
	}
}

void warnx_rl(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(-1, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(0, fmt, ap);
	va_end(ap);
	exit(log_exit_status);
}

void die_errno(int errno_value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmessage(errno_value, fmt, ap);
	va_end(ap);
	exit(log_exit_status);
}
