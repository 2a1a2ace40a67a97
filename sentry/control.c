/*
 * The control channel (runsc-lite/control.proto): `runsc-lite exec` talks
 * to the sentry over the container's control.sock, a listening unix socket
 * the CLI made at create (the sentry may not make sockets) and handed over
 * as ROLE_CONTROL_FD.  The sentry serves it from the serve loop's main
 * thread (epoll), never from a worker.
 *
 * Trust: a client is hostile until proven the container's owner
 * (SO_PEERCRED: the sentry's own uid, as its user namespace sees it), and
 * hostile after that too: one message per datagram (SOCK_SEQPACKET),
 * bounded (CONTROL_MSG_MAX, a truncated one ends the connection), every
 * field validated before use, at most three fds taken (more, or fds on a
 * message that takes none, are closed; --preserve-fds adds at most 250),
 * at most CONTROL_CONNS_MAX
 * connections at once.  A client that stops reading is dropped (replies
 * are sent non-blocking).
 *
 * exec: the program is looked up through the VFS first (runc's error
 * words, so engines map them to 127/126), then the spawner (spawner.c)
 * forks the process, which waits until the sentry holds its pidfd; only
 * then does it exec.  Signals from the client go through that pidfd, the
 * exit status comes from the spawner, its parent.
 */
#include "sentry/internal.h"

#include "control.pb-c.h"
#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CONTROL_MSG_MAX (192 * 1024)
#define CONTROL_CONNS_MAX 64
#define CONTROL_ARGS_MAX 1024
#define CONTROL_ENV_MAX 1024
#define CONTROL_STRING_MAX (32 * 1024)

/* epoll tags: far above any pid */
#define TAG_LISTEN   (UINT64_MAX - 1)
#define TAG_SPAWNER  (UINT64_MAX - 2)
#define TAG_CONN     (1ULL << 62)

struct conn {
	int fd;               /* -1: a free slot */
	uint64_t id;          /* its exec, 0: none asked yet */
	pid_t pid;            /* the process (sentry namespace), 0: not started */
	int pidfd;
	int master;           /* -t: the pty master, until Started carries it */
};

static struct conn conns[CONTROL_CONNS_MAX];
static int listen_fd = -1, spawner = -1;
static uint64_t next_id;
static struct sentry *sentry;

static void conn_close(struct conn *c)
{
	epoll_ctl(sentry->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->master >= 0)
		close(c->master);
	*c = (struct conn){ .fd = -1, .pidfd = -1, .master = -1 };
}

/* One reply, with at most one fd; false when the client cannot take it. */
static bool reply(struct conn *c, const RunscLite__ControlReply *r, int fd)
{
	uint8_t buf[4096];
	size_t len = runsc_lite__control_reply__get_packed_size(r);
	if (len > sizeof buf)
		return false;
	runsc_lite__control_reply__pack(r, buf);
	struct iovec iov = { buf, len };
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = u.b;
		msg.msg_controllen = sizeof u.b;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	return sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len;
}

static void reply_error(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_error(struct conn *c, const char *fmt, ...)
{
	char why[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	RunscLite__ControlReply r = RUNSC_LITE__CONTROL_REPLY__INIT;
	r.reply_case = RUNSC_LITE__CONTROL_REPLY__REPLY_ERROR;
	r.error = why;
	debugf("control: exec refused: %s", why);
	reply(c, &r, -1);
	conn_close(c);
}

/* A string a C program can take: bounded, no NUL inside (protobuf-c keeps
 * the length; a NUL would cut it silently). */
static bool good_string(const char *s, size_t max)
{
	return s && strnlen(s, max + 1) <= max;
}

/* What the exec asks, checked: NULL, or why not. */
static const char *check_exec(const RunscLite__ExecProcess *p)
{
	if (p->n_argv == 0 || p->n_argv > CONTROL_ARGS_MAX || p->n_env > CONTROL_ENV_MAX)
		return "exec: argv must have 1 to 1024 entries, env at most 1024";
	for (size_t i = 0; i < p->n_argv; i++)
		if (!good_string(p->argv[i], CONTROL_STRING_MAX))
			return "exec: an argument is too long";
	if (!p->argv[0][0])
		return "exec: argv[0] is empty";
	for (size_t i = 0; i < p->n_env; i++)
		if (!good_string(p->env[i], CONTROL_STRING_MAX) || !strchr(p->env[i], '=') ||
		    p->env[i][0] == '=')
			return "exec: an environment entry is not NAME=VALUE";
	if (!good_string(p->cwd, VFS_PATH_MAX - 1) || p->cwd[0] != '/')
		return "exec: the working directory must be an absolute path";
	if (p->umask & ~(0x80000000u | 0777))
		return "exec: umask out of range";
	static __thread char why[192];
	char what[160];
	if (appuser_check(p->uid, p->gid, p->n_additional_gids, what, sizeof what) < 0) {
		snprintf(why, sizeof why, "exec: %s", what);
		return why;
	}
	if (p->preserve_fds > EXEC_PRESERVE_FDS_MAX)
		return "exec: --preserve-fds: at most 250";
	return NULL;
}

/* A new pty of the sandbox's devpts, through the device tree beneath the
 * staging directory (the only place the sentry's policy lets it open). */
int take_fds(struct msghdr *msg, int *fds, int max)
{
	int n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
				if (n < max)
					fds[n++] = fd;
				else
					close(fd);   /* more than asked for: not kept */
			}
		}
	return n;
}

static int open_pty(int *slave)
{
	struct open_how how = { .flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	int master = (int)syscall(SYS_openat2, sentry->stagingfd, ".rl/d/pts/ptmx", &how, sizeof how);
	return master < 0 ? -errno : pty_pair(master, slave);
}

static void do_exec(struct conn *c, const RunscLite__ExecProcess *p, const int *fds, int nfds)
{
	const char *bad = c->id ? "exec: one exec per connection" : check_exec(p);
	if (!bad && nfds != (p->terminal ? 0 : 3) + (int)p->preserve_fds)
		bad = p->terminal ? "exec: a terminal takes no stdio, only the --preserve-fds fds"
				  : "exec: stdin, stdout and stderr are needed, then the --preserve-fds fds";
	if (bad) {
		reply_error(c, "%s", bad);
		return;
	}
	if (spawner < 0) {
		reply_error(c, "exec: the sandbox cannot start processes any more");
		return;
	}
	char why[512];
	sentry_lock();
	int rc = sentry_find_program(p->argv[0], p->env, p->n_env, p->cwd, why, sizeof why);
	sentry_unlock();
	if (rc < 0) {
		reply_error(c, "%s", why);
		return;
	}
	int slave = -1;
	if (p->terminal) {
		c->master = open_pty(&slave);
		if (c->master < 0) {
			int err = -c->master;
			c->master = -1;
			reply_error(c, "exec: opening a pty of the sandbox: %s", strerror(err));
			return;
		}
	}
	size_t len = runsc_lite__exec_process__get_packed_size(p);
	uint8_t *buf = malloc(sizeof(struct spawn_msg) + len);
	if (!buf) {
		if (slave >= 0)
			close(slave);
		reply_error(c, "exec: out of memory");
		return;
	}
	c->id = ++next_id;
	struct spawn_msg m = { .op = SPAWN_EXEC, .id = c->id, .len = (uint32_t)len };
	memcpy(buf, &m, sizeof m);
	runsc_lite__exec_process__pack(p, buf + sizeof m);
	/* the slave or stdio, then the preserved fds */
	int send[EXEC_FDS_MAX] = { slave };
	int nsend = p->terminal ? 1 + nfds : nfds;
	memcpy(send + (p->terminal ? 1 : 0), fds, (size_t)nfds * sizeof(int));
	struct iovec iov = { buf, sizeof m + len };
	union { struct cmsghdr h; char b[CMSG_SPACE(EXEC_FDS_MAX * sizeof(int))]; } u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.b, .msg_controllen = CMSG_SPACE(nsend * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nsend * sizeof(int));
	memcpy(CMSG_DATA(cm), send, nsend * sizeof(int));
	ssize_t n = sendmsg(spawner, &msg, MSG_NOSIGNAL);
	int err = errno;
	free(buf);
	if (slave >= 0)
		close(slave);
	if (n != (ssize_t)iov.iov_len)
		reply_error(c, "exec: the spawner: %s", strerror(n < 0 ? err : EIO));
	debugf("control: exec %llu: %s", (unsigned long long)c->id, p->argv[0]);
}

/* The application's processes, summed (what `ps` lists: those with a pid
 * in the application's namespace; not the sentry, its helper, the
 * spawner). */
static void collect_stats(RunscLite__Stats *st)
{
	int fd = openat(sentry->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	long tick = sysconf(_SC_CLK_TCK);
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		char buf[4096];
		if (*end || pid <= 0 || task_read_proc(sentry, (pid_t)pid, "status", buf, sizeof buf) < 0)
			continue;
		const char *ns = strstr(buf, "\nNSpid:");
		long outer, inner;
		if (!ns || sscanf(ns + 7, "%ld %ld", &outer, &inner) != 2)
			continue;
		const char *th = strstr(buf, "\nThreads:"), *rss = strstr(buf, "\nVmRSS:");
		st->processes++;
		st->pids += th ? strtoull(th + 9, NULL, 10) : 1;
		if (rss)
			st->memory_rss += strtoull(rss + 7, NULL, 10) * 1024;
		unsigned long long ut, kt;
		const char *f = task_read_proc(sentry, (pid_t)pid, "stat", buf, sizeof buf) > 0 ? strrchr(buf, ')') : NULL;
		if (f && tick > 0 && sscanf(f + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
					    &ut, &kt) == 2) {
			st->cpu_user_ns += ut * (1000000000ULL / (unsigned long long)tick);
			st->cpu_kernel_ns += kt * (1000000000ULL / (unsigned long long)tick);
		}
	}
	closedir(d);
}

static void conn_readable(struct conn *c)
{
	static uint8_t buf[CONTROL_MSG_MAX];
	union { struct cmsghdr h; char b[CMSG_SPACE(EXEC_FDS_MAX * sizeof(int))]; } u;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	int fds[EXEC_FDS_MAX];
	int nfds = n >= 0 ? take_fds(&msg, fds, EXEC_FDS_MAX) : 0;
	if (n <= 0) {
		/* the client left: its process runs on (as runc's would) */
		conn_close(c);
		return;
	}
	RunscLite__ControlRequest *rq = NULL;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		reply_error(c, "control: message too large (at most %d bytes, %d fds)", CONTROL_MSG_MAX, EXEC_FDS_MAX);
	else if (!(rq = runsc_lite__control_request__unpack(NULL, (size_t)n, buf)))
		reply_error(c, "control: malformed message");
	else if (rq->request_case == RUNSC_LITE__CONTROL_REQUEST__REQUEST_EXEC && rq->exec)
		do_exec(c, rq->exec, fds, nfds);
	else if (rq->request_case == RUNSC_LITE__CONTROL_REQUEST__REQUEST_SIGNAL) {
		if (rq->signal < 1 || rq->signal > 64)
			reply_error(c, "control: signal %d out of range", rq->signal);
		else if (c->pidfd >= 0 && syscall(SYS_pidfd_send_signal, c->pidfd, rq->signal, NULL, 0) < 0 &&
			 errno != ESRCH)
			debugf("control: signal %d: %s", rq->signal, strerror(errno));
	} else if (rq->request_case == RUNSC_LITE__CONTROL_REQUEST__REQUEST_STATS) {
		RunscLite__Stats st = RUNSC_LITE__STATS__INIT;
		collect_stats(&st);
		RunscLite__ControlReply r = RUNSC_LITE__CONTROL_REPLY__INIT;
		r.reply_case = RUNSC_LITE__CONTROL_REPLY__REPLY_STATS;
		r.stats = &st;
		if (!reply(c, &r, -1))
			conn_close(c);
	} else {
		reply_error(c, "control: unknown request");
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (rq)
		runsc_lite__control_request__free_unpacked(rq, NULL);
}

static struct conn *conn_by(uint64_t id, pid_t pid)
{
	for (int i = 0; i < CONTROL_CONNS_MAX; i++)
		if (conns[i].fd >= 0 && (id ? conns[i].id == id : conns[i].pid == pid))
			return &conns[i];
	return NULL;
}

static void spawner_readable(void)
{
	struct spawn_msg m;
	ssize_t n = read(spawner, &m, sizeof m);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof m) {
		/* the spawner is gone (the sandbox is ending, or it was killed):
		 * no exec any more; pending ones fail */
		/* (under ptrace it dies with the first task's helper parent: the
		 * sandbox is ending; not worth a message) */
		debugf("control: the spawner is gone: exec is no longer possible");
		epoll_ctl(sentry->epfd, EPOLL_CTL_DEL, spawner, NULL);
		close(spawner);
		spawner = -1;
		for (int i = 0; i < CONTROL_CONNS_MAX; i++)
			if (conns[i].fd >= 0 && conns[i].id && !conns[i].pid)
				reply_error(&conns[i], "exec: the sandbox cannot start processes any more");
		return;
	}
	struct conn *c = m.op == SPAWN_EXITED ? conn_by(0, m.pid) : conn_by(m.id, 0);
	if (m.op == SPAWN_STARTED && m.pid > 0) {
		struct spawn_msg go = { .op = SPAWN_ABORT, .id = m.id };
		/* it waits at its gate: the pid is its own until it is reaped */
		int pidfd = c ? (int)syscall(SYS_pidfd_open, m.pid, 0) : -1;
		if (pidfd >= 0) {
			c->pid = m.pid;
			c->pidfd = pidfd;
			go.op = SPAWN_GO;
		}
		if (write(spawner, &go, sizeof go) != sizeof go)
			debugf("control: the spawner: %s", strerror(errno));
		if (!c)
			return;   /* the client left before it started */
		RunscLite__Started st = RUNSC_LITE__STARTED__INIT;
		char status[4096];
		if (task_read_proc(sentry, m.pid, "status", status, sizeof status) > 0) {
			/* its pid in the application's namespace: NSpid's second field */
			const char *ns = strstr(status, "\nNSpid:");
			long outer, inner;
			if (ns && sscanf(ns + 7, "%ld %ld", &outer, &inner) == 2)
				st.pid = (int32_t)inner;
		}
		RunscLite__ControlReply r = RUNSC_LITE__CONTROL_REPLY__INIT;
		r.reply_case = RUNSC_LITE__CONTROL_REPLY__REPLY_STARTED;
		r.started = &st;
		if (go.op != SPAWN_GO)
			reply_error(c, "exec: the process is gone: %s", strerror(errno));
		else if (!reply(c, &r, c->master))
			conn_close(c);
		else if (c->master >= 0) {
			close(c->master);
			c->master = -1;
		}
	} else if (m.op == SPAWN_FAILED && c) {
		reply_error(c, "exec: starting the process: %s", strerror(m.value > 0 ? m.value : EIO));
	} else if (m.op == SPAWN_EXITED && c && m.pid > 0) {
		RunscLite__ControlReply r = RUNSC_LITE__CONTROL_REPLY__INIT;
		r.reply_case = RUNSC_LITE__CONTROL_REPLY__REPLY_EXITED;
		r.exited = m.value;
		debugf("control: exec %llu: exited %d", (unsigned long long)c->id, m.value);
		reply(c, &r, -1);
		conn_close(c);
	}
}

static void accept_one(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
		debugf("control: refused a client of uid %d", len == sizeof cred ? (int)cred.uid : -1);
		close(fd);
		return;
	}
	for (int i = 0; i < CONTROL_CONNS_MAX; i++)
		if (conns[i].fd < 0) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_CONN | (uint64_t)i };
			if (epoll_ctl(sentry->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
				break;
			conns[i] = (struct conn){ .fd = fd, .pidfd = -1, .master = -1 };
			return;
		}
	close(fd);   /* too many at once */
}

int control_init(struct sentry *s, int lfd, int spawner_sock)
{
	sentry = s;
	for (int i = 0; i < CONTROL_CONNS_MAX; i++)
		conns[i] = (struct conn){ .fd = -1, .pidfd = -1, .master = -1 };
	listen_fd = lfd;
	spawner = spawner_sock;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_LISTEN };
	/* the CLI bound it; listening here makes the sentry its SO_PEERCRED
	 * for clients, which check that they reached the container's sentry */
	if (fcntl(lfd, F_SETFD, FD_CLOEXEC) < 0 || listen(lfd, 16) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		return -errno;
	ev.data.u64 = TAG_SPAWNER;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, spawner, &ev) < 0)
		return -errno;
	return 0;
}

bool control_event(struct sentry *s, uint64_t tag)
{
	if (tag == TAG_LISTEN) {
		accept_one();
	} else if (tag == TAG_SPAWNER) {
		spawner_readable();
	} else if ((tag & ~(uint64_t)(CONTROL_CONNS_MAX - 1)) == TAG_CONN) {
		struct conn *c = &conns[tag & (CONTROL_CONNS_MAX - 1)];
		if (c->fd >= 0)
			conn_readable(c);
	} else {
		return false;
	}
	return true;
}
