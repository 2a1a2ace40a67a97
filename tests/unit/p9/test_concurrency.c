/*
 * p9 client multiplexing: many threads with requests in flight at once on
 * one client, against a REAL gofer process (fork + gofer_serve) over a
 * temporary tree, and against a scripted peer for abandoned requests.
 *
 * Tree (under mkdtemp /tmp/p9conc.XXXXXX):
 *   t<i>/f<j>     i < NTHREADS, j < NFILES; content "<i>.<j>:" repeated,
 *                 a distinct size per file
 *   sock          a unix socket whose listener never accepts (backlog full):
 *                 a Tlconnect of it blocks in the gofer
 *
 * Worker threads never use cmocka asserts (they longjmp into the main
 * thread): they count their failures, checked after join.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

#define NTHREADS 16
#define NFILES 8
#define ROUNDS 150
#define JOIN_DEADLINE_S 20   /* generous: a bound on hangs, not a speed */

static char root[64];
static int root_fd = -1;
static struct { ino_t ino; size_t size; } files[NTHREADS][NFILES];
static int listener = -1, backlog_filler = -1;

static void content(int i, int j, char *buf, size_t *len)
{
	char unit[16];
	int n = snprintf(unit, sizeof(unit), "%d.%d:", i, j);

	*len = 0;
	for (int k = 0; k < 1 + i * NFILES + j; k++) {
		memcpy(buf + *len, unit, (size_t)n);
		*len += (size_t)n;
	}
}

static int setup_tree(void **state)
{
	char p[256], buf[4096];
	size_t len;
	struct stat st;

	strcpy(root, "/tmp/p9conc.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	for (int i = 0; i < NTHREADS; i++) {
		snprintf(p, sizeof(p), "%s/t%d", root, i);
		if (mkdir(p, 0755) < 0)
			return -1;
		for (int j = 0; j < NFILES; j++) {
			int fd;

			snprintf(p, sizeof(p), "%s/t%d/f%d", root, i, j);
			content(i, j, buf, &len);
			fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fstat(fd, &st) < 0)
				return -1;
			close(fd);
			files[i][j].ino = st.st_ino;
			files[i][j].size = len;
		}
	}
	/* a listener whose queue is full: the next connect() waits for an
	 * accept() that never comes */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", root);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	backlog_filler = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listener, 0) < 0 || connect(backlog_filler, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	return root_fd < 0 ? -1 : 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	close(root_fd);
	close(listener);
	close(backlog_filler);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- a real gofer -------------------------------------------------------- */

static pid_t start_gofer(int *sock)
{
	int sv[2];
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct gofer_mount m = { "root", root_fd, false };
		struct gofer_config cfg = { &m, 1, -1 };

		close(sv[0]);
		_exit(gofer_serve(sv[1], &cfg) == 0 ? 0 : 1);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static struct p9_client *open_client(int sock, uint32_t *rootfid)
{
	struct p9_client *c = NULL;

	assert_int_equal(p9_client_open(&c, sock, 64 * 1024, "root", rootfid, NULL), 0);
	assert_true(p9_client_has_fd_donation(c));
	return c;
}

struct worker {
	struct p9_client *c;
	uint32_t root;
	int id;
	int errors;
	int last_rc;               /* kill test: the call that ended the loop */
	atomic_int *rounds_done;
	pthread_t th;
};

/* Reads the whole file behind fd and compares it with file (i, j). */
static bool same_content(int fd, int i, int j)
{
	char want[4096], got[4096];
	size_t len;
	ssize_t n;
	struct stat st;

	content(i, j, want, &len);
	n = pread(fd, got, sizeof(got), 0);
	return n == (ssize_t)len && memcmp(got, want, len) == 0 && fstat(fd, &st) == 0 &&
	       st.st_ino == files[i][j].ino;
}

/* One round of thread w on its own file j: each reply must be about that
 * file (a misrouted reply would carry another thread's inode or size). */
static bool one_round(struct worker *w, int round)
{
	char dir[16], name[16];
	const char *names[2] = { dir, name };
	int i = w->id, j = round % NFILES, fd = -1;
	uint32_t fid = p9_fid_alloc(w->c);
	struct p9_qid q[2];
	struct p9_attr a;
	uint16_t nq = 0;
	bool ok = false;

	snprintf(dir, sizeof(dir), "t%d", i);
	snprintf(name, sizeof(name), "f%d", j);
	switch (round % 3) {
	case 0: /* Twalk, Tgetattr, Tlopen (+ FD), Tclunk */
		if (p9_walk(w->c, w->root, fid, 2, names, q, &nq) != 0 || nq != 2 ||
		    q[1].path != files[i][j].ino)
			break;
		ok = p9_getattr(w->c, fid, P9_GETATTR_BASIC, &a) == 0 && a.qid.path == files[i][j].ino &&
		     a.size == files[i][j].size &&
		     p9_lopen(w->c, fid, O_RDONLY, NULL, NULL, &fd) == 0 && fd >= 0 &&
		     same_content(fd, i, j);
		ok &= p9_clunk(w->c, fid) == 0;
		break;
	case 1: /* Twalkgetattr, Tclunk */
		ok = p9_walk_getattr(w->c, w->root, fid, 2, names, q, &nq, &a) == 0 && nq == 2 &&
		     a.qid.path == files[i][j].ino && a.size == files[i][j].size &&
		     p9_clunk(w->c, fid) == 0;
		break;
	default: /* Twalkopen (+ FD), no fid */
		p9_fid_free(w->c, fid);
		ok = p9_walk_open(w->c, w->root, 2, names, O_RDONLY, q, &fd) == 0 && fd >= 0 &&
		     q[0].path == files[i][j].ino && same_content(fd, i, j);
		break;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int r = 0; r < ROUNDS; r++)
		if (!one_round(w, r))
			w->errors++;
	return NULL;
}

/* Waits for every worker, a bounded time; fails the test on a hang. */
static void join_all(struct worker *w, int n)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_DEADLINE_S;
	for (int i = 0; i < n; i++)
		assert_int_equal(pthread_timedjoin_np(w[i].th, NULL, &deadline), 0);
}

static void test_many_threads_one_client(void **state)
{
	struct worker w[NTHREADS];
	int fds_before = count_fds(), sock, st;
	uint32_t rootfid;
	pid_t pid = start_gofer(&sock);
	struct p9_client *c = open_client(sock, &rootfid);

	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .c = c, .root = rootfid, .id = i };
		assert_int_equal(pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	}
	join_all(w, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(w[i].errors, 0);
	assert_false(p9_client_is_dead(c));
	p9_client_close(c);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(count_fds(), fds_before); /* every donated FD was closed */
}

/* ---- a gofer killed mid-flight -------------------------------------------- */

static void *getattr_until_error(void *arg)
{
	struct worker *w = arg;
	struct p9_attr a;

	for (;;) {
		w->last_rc = p9_getattr(w->c, w->root, P9_GETATTR_BASIC, &a);
		if (w->last_rc < 0)
			return NULL;
		atomic_fetch_add(w->rounds_done, 1);
	}
}

/* A Tlconnect that blocks in the gofer (the listener's queue is full): the
 * caller is certainly waiting when the gofer dies. */
static void *blocked_connect(void *arg)
{
	struct worker *w = arg;
	const char *sock[] = { "sock" };
	uint32_t fid = p9_fid_alloc(w->c);
	int s = -1;

	w->last_rc = p9_walk(w->c, w->root, fid, 1, sock, NULL, NULL);
	atomic_fetch_add(w->rounds_done, 1000000);
	if (w->last_rc == 0)
		w->last_rc = p9_lconnect(w->c, fid, SOCK_STREAM, &s);
	if (s >= 0)
		close(s);
	return NULL;
}

static void test_gofer_killed_wakes_everyone(void **state)
{
	struct worker w[NTHREADS + 1];
	atomic_int rounds = 0;
	int fds_before = count_fds(), sock, st;
	uint32_t rootfid;
	pid_t pid = start_gofer(&sock);
	struct p9_client *c = open_client(sock, &rootfid);

	for (int i = 0; i <= NTHREADS; i++) {
		w[i] = (struct worker){ .c = c, .root = rootfid, .id = i, .rounds_done = &rounds };
		assert_int_equal(pthread_create(&w[i].th, NULL,
						i == NTHREADS ? blocked_connect : getattr_until_error,
						&w[i]), 0);
	}
	/* everyone is busy: the blocked Tlconnect is sent, getattrs are flowing */
	while (atomic_load(&rounds) < 1000000 + 10 * NTHREADS)
		sched_yield();
	assert_int_equal(kill(pid, SIGKILL), 0);
	join_all(w, NTHREADS + 1);
	for (int i = 0; i <= NTHREADS; i++)
		assert_int_equal(w[i].last_rc, -EIO);
	assert_true(p9_client_is_dead(c));
	{
		struct p9_attr a;

		assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), -EIO);
	}
	p9_client_close(c);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(count_fds(), fds_before);
}

/* ---- abandoning a call: a scripted peer ---------------------------------- */

struct peer {
	int sock;
	int pipe_r;               /* FD donated with the late Rlopen */
	int bad;
	uint16_t lopen_tag;
	atomic_int got_lopen;     /* the Tlopen has arrived */
	pthread_t th;
};

static int peer_recv(struct peer *p, struct p9_fcall *t, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(p->sock, buf, cap, 0);

	if (n <= 0 || p9_unpack(buf, (size_t)n, t) < 0)
		return -1;
	return 0;
}

static void peer_send(struct peer *p, struct p9_fcall *r, int fd)
{
	union { struct cmsghdr h; char c[CMSG_SPACE(sizeof(int))]; } ctl;
	uint8_t out[512];
	struct iovec iov = { out, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int n = p9_pack(out, sizeof(out), r);

	if (n < 0) {
		p->bad++;
		return;
	}
	iov.iov_len = (size_t)n;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.c;
		mh.msg_controllen = sizeof(ctl.c);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(p->sock, &mh, MSG_NOSIGNAL) != n)
		p->bad++;
}

static void reply(struct peer *p, const struct p9_fcall *t, uint8_t type, int fd)
{
	struct p9_fcall r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.tag = t->tag;
	if (type == P9_RVERSION) {
		r.u.rversion.msize = t->u.tversion.msize;
		r.u.rversion.version = p9_str_make(P9_VERSION_RUNSC);
	}
	peer_send(p, &r, fd);
}

/*
 * Handshake; then a Tlopen left unanswered until its Tflush has come; then
 * the late Rlopen WITH an FD, before the Rflush (9P allows it: the client
 * must drop it); a Tflush of P9_NOTAG (the client's wake-up of its
 * receiving thread) is answered at once.  Then plain Tgetattrs.
 */
static void *peer_main(void *arg)
{
	struct peer *p = arg;
	struct p9_fcall t, flush;
	uint8_t buf[512];
	bool flushed = false;

	if (peer_recv(p, &t, buf, sizeof(buf)) < 0 || t.type != P9_TVERSION)
		goto bad;
	reply(p, &t, P9_RVERSION, -1);
	if (peer_recv(p, &t, buf, sizeof(buf)) < 0 || t.type != P9_TATTACH)
		goto bad;
	reply(p, &t, P9_RATTACH, -1);
	if (peer_recv(p, &t, buf, sizeof(buf)) < 0 || t.type != P9_TLOPEN)
		goto bad;
	p->lopen_tag = t.tag;
	atomic_store(&p->got_lopen, 1);
	while (peer_recv(p, &t, buf, sizeof(buf)) == 0) {
		if (t.type == P9_TFLUSH && t.u.tflush.oldtag == P9_NOTAG) {
			reply(p, &t, P9_RFLUSH, -1);
		} else if (t.type == P9_TFLUSH && t.u.tflush.oldtag == p->lopen_tag && !flushed) {
			struct p9_fcall lo = { .type = P9_TLOPEN, .tag = p->lopen_tag };

			flush = t;
			flushed = true;
			reply(p, &lo, P9_RLOPEN, p->pipe_r); /* the original's reply first */
			close(p->pipe_r);
			reply(p, &flush, P9_RFLUSH, -1);
		} else if (t.type == P9_TGETATTR && flushed) {
			reply(p, &t, P9_RGETATTR, -1);
		} else {
			goto bad;
		}
	}
	return NULL;
bad:
	p->bad++;
	return NULL;
}

struct lopen_call {
	struct p9_client *c;
	uint32_t fid;
	int rc, fd;
};

static void *lopen_main(void *arg)
{
	struct lopen_call *l = arg;

	l->rc = p9_lopen(l->c, l->fid, O_RDONLY, NULL, NULL, &l->fd);
	return NULL;
}

static void test_interrupted_call(void **state)
{
	struct peer p = { .pipe_r = -1 };
	struct lopen_call l = { .fd = -7 };
	struct p9_client *c;
	struct p9_attr a;
	pthread_t th;
	int sv[2], pfd[2];
	uint32_t rootfid;

	assert_int_equal(pipe(pfd), 0);
	p.pipe_r = pfd[0];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	p.sock = sv[1];
	assert_int_equal(pthread_create(&p.th, NULL, peer_main, &p), 0);
	assert_int_equal(p9_client_open(&c, sv[0], 8192, "vol", &rootfid, NULL), 0);

	l.c = c;
	l.fid = rootfid;
	assert_int_equal(pthread_create(&th, NULL, lopen_main, &l), 0);
	while (!atomic_load(&p.got_lopen))
		sched_yield();
	/* the caller is (or is about to be) waiting for an Rlopen that comes
	 * only after the Tflush: interrupting it must not wait for that */
	while (p9_client_interrupt(c, th) == 0)
		sched_yield(); /* not yet waiting: try again */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(l.rc, -EINTR);
	assert_int_equal(l.fd, -1);

	/* the next call absorbs the late Rlopen (its FD closed) and the Rflush */
	assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), 0);
	assert_false(p9_client_is_dead(c));
	/* the peer closed its copy of the pipe's read end; the client must have
	 * closed the one it received: no reader is left */
	assert_int_equal(write(pfd[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(pfd[1]);
	p9_client_close(c);
	pthread_join(p.th, NULL);
	assert_int_equal(p.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_threads_one_client),
		cmocka_unit_test(test_gofer_killed_wakes_everyone),
		cmocka_unit_test(test_interrupted_call),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
