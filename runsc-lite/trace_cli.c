#include "runsc-lite/trace_cli.h"

#include "audit/audit.h"
#include "runsc-lite/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int trace_open_sink(const char *where)
{
	int fd;
	if (strncmp(where, "unix:", 5) == 0) {
		const char *path = where + 5;
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (!path[0] || strlen(path) >= sizeof sa.sun_path)
			die("--trace=%s: the socket path must be 1 to %zu bytes", where, sizeof sa.sun_path - 1);
		memcpy(sa.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			die_errno(errno, "--trace=%s: connecting to the consumer", where);
	} else {
		if (!where[0])
			die("--trace: a FILE or unix:PATH is required");
		fd = open(where, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno(errno, "--trace=%s", where);
	}
	int rc = audit_write_preamble(fd);
	if (rc < 0)
		die_errno(-rc, "--trace=%s: writing the stream preamble", where);
	return fd;
}

int trace_open_strace_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die_errno(errno, "--strace-log=%s", path);
	return fd;
}

void trace_sandbox_id(char *buf, size_t cap)
{
	unsigned char r[8] = { 0 };
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* no entropy yet: the pid and time still tell runs apart */
		unsigned long long v = ((unsigned long long)getpid() << 32) ^ (unsigned long long)time(NULL);
		memcpy(r, &v, sizeof r);
	}
	snprintf(buf, cap, "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *buf;
	int rc = audit_read_file(path, &buf, len);
	if (rc < 0)
		die_errno(-rc, "%s", path);
	return buf;
}

int cmd_trace(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "decode") != 0)
		die("usage: runsc-lite trace decode FILE (FILE - : standard input)");
	size_t len;
	uint8_t *buf = load(argv[2], &len);
	char err[300];
	int rc = audit_json_lines(buf, len, stdout, err, sizeof err);
	free(buf);
	fflush(stdout);
	if (rc < 0) {
		warnx_rl("trace decode %s: %s", argv[2], err);
		return 1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	enum audit_report_format fmt = AUDIT_REPORT_TEXT;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format=text") == 0)
			fmt = AUDIT_REPORT_TEXT;
		else if (strcmp(argv[i], "--format=json") == 0)
			fmt = AUDIT_REPORT_JSON;
		else if (strcmp(argv[i], "--format=markdown") == 0)
			fmt = AUDIT_REPORT_MARKDOWN;
		else if (strncmp(argv[i], "--format=", 9) == 0)
			die("report: %s: the format must be text, json or markdown", argv[i]);
		else if (argv[i][0] == '-' && argv[i][1])
			die("report: unknown flag %s (usage: runsc-lite report FILE [--format=text|json|markdown])", argv[i]);
		else if (file)
			die("report: one trace file only");
		else
			file = argv[i];
	}
	if (!file)
		die("usage: runsc-lite report FILE [--format=text|json|markdown]");
	size_t len;
	uint8_t *buf = load(file, &len);
	char err[300];
	int rc = audit_report(buf, len, fmt, stdout, err, sizeof err);
	free(buf);
	fflush(stdout);
	if (rc < 0) {
		warnx_rl("report %s: %s", file, err);
		return 1;
	}
	return 0;
}
