/*
 * gofer_serve: one connection, served by GOFER_WORKERS threads.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
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

struct gofer {
	struct gofer_conn *conn;
	struct p9_server *srv;
};

static void conn_free(struct gofer_conn *c)
{
	gofer_fids_clear(c);
	if (c->home_fd >= 0)
		close(c->home_fd);
	pthread_cond_destroy(&c->released);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void gofer_abort(struct gofer *g)
{
	if (!g)
		return;
	p9_server_free(g->srv); /* stops the parked workers first */
	conn_free(g->conn);
	free(g);
}

int gofer_start(struct gofer **out, int sock, const struct gofer_config *cfg)
{
	struct gofer *g;
	struct gofer_conn *c;
	int rc;

	*out = NULL;
	if (!cfg || (cfg->nmounts && !cfg->mounts))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	c = calloc(1, sizeof(*c));
	if (!g || !c) {
		free(g);
		free(c);
		return -ENOMEM;
	}
	c->cfg = cfg;
	/* where the cwd goes back to after a Tlconnect or Tinotify (-1: it
	 * stays where they left it; nothing depends on it) */
	c->home_fd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->released, NULL);
	g->conn = c;
	rc = p9_server_new(&g->srv, sock, P9_MAX_MSIZE, &gofer_ops, c);
	if (rc == 0) {
		p9_server_set_hooks(g->srv, gofer_request_begin, gofer_request_end);
		if (cfg->debug_fd >= 0)
			p9_server_set_trace(g->srv, debug_line, c);
		rc = p9_server_start(g->srv, GOFER_WORKERS);
	}
	if (rc < 0) {
		gofer_abort(g);
		return rc;
	}
	*out = g;
	return 0;
}

int gofer_run(struct gofer *g)
{
	int rc = p9_server_run(g->srv);

	gofer_abort(g);
	return rc;
}

int gofer_serve(int sock, const struct gofer_config *cfg)
{
	struct gofer *g;
	int rc = gofer_start(&g, sock, cfg);

	return rc < 0 ? rc : gofer_run(g);
}
