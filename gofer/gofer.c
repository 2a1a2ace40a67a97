/*
 * gofer_serve: one connection, one request at a time.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --debug-log: one line per request, "<monotonic s.us> gofer[pid]: 9p <T> -> <R>"
 * (the format of the other runsc-lite processes), in a single write() since
 * the log may be shared. */
static void debug_line(void *arg, const char *line)
{
	const struct gofer_conn *c = arg;
	char buf[4300];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(buf, sizeof(buf), "%ld.%06ld gofer[%d]: 9p %s\n", (long)ts.tv_sec,
		     ts.tv_nsec / 1000, (int)getpid(), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	(void)!write(c->cfg->debug_fd, buf, (size_t)n);
}

int gofer_serve(int sock, const struct gofer_config *cfg)
{
	struct gofer_conn *c;
	struct p9_server *srv;
	int rc;

	if (!cfg || (cfg->nmounts && !cfg->mounts))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = cfg;
	rc = p9_server_new(&srv, sock, P9_MAX_MSIZE, &gofer_ops, c);
	if (rc < 0) {
		free(c);
		return rc;
	}
	if (cfg->debug_fd >= 0)
		p9_server_set_trace(srv, debug_line, c);
	rc = p9_server_run(srv);
	p9_server_free(srv);
	gofer_fids_clear(c);
	free(c);
	return rc;
}
