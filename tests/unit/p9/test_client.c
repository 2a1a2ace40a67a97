/*
 * p9 client against a scripted peer (a thread speaking raw packets), and
 * against the p9 server library with many client threads.
 *
 * The peer thread must not use cmocka asserts (they longjmp into the main
 * thread); it records failures in peer.bad, checked after join.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9/p9.h"

struct peer;
typedef void (*script_fn)(struct peer *p);

struct peer {
	int sock;
	script_fn fn;
	const char *version;      /* Rversion string */
	uint32_t msize_delta;     /* added to the client's msize in Rversion */
	int bad;                  /* peer-side failures */
	int extra_fd;             /* to donate, or -1 */
	uint8_t buf[65536];
	pthread_t th;
};

static int peer_recv(struct peer *p, struct p9_fcall *t)
{
	ssize_t n = recv(p->sock, p->buf, sizeof(p->buf), 0);

	if (n <= 0)
		return -1;
	if (p9_unpack(p->buf, (size_t)n, t) < 0) {
		p->bad++;
		return -1;
	}
	return 0;
}

static void peer_send_raw(struct peer *p, const void *b, size_t len, int fd)
{
	union { struct cmsghdr h; char c[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { (void *)b, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
	if (sendmsg(p->sock, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		p->bad++;
}

static int peer_send(struct peer *p, struct p9_fcall *r, int fd)
{
	uint8_t out[65536];
	int n = p9_pack(out, sizeof(out), r);

	if (n < 0) {
		p->bad++;
		return n;
	}
	peer_send_raw(p, out, (size_t)n, fd);
	return n;
}

/* Tversion + Tattach as the script says. */
static int peer_handshake(struct peer *p)
{
	struct p9_fcall t, r;

	if (peer_recv(p, &t) < 0 || t.type != P9_TVERSION || t.tag != P9_NOTAG ||
	    !p9_str_eq(t.u.tversion.version, P9_VERSION_RUNSC)) {
		p->bad++;
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.type = P9_RVERSION;
	r.tag = t.tag;
	r.u.rversion.msize = t.u.tversion.msize + p->msize_delta;
	r.u.rversion.version = p9_str_make(p->version ? p->version : P9_VERSION_RUNSC);
	peer_send(p, &r, -1);
	if (peer_recv(p, &t) < 0)
		return -1;
	if (t.type != P9_TATTACH || t.u.tattach.afid != P9_NOFID ||
	    !p9_str_eq(t.u.tattach.aname, "vol") || t.u.tattach.uname.len != 0) {
		p->bad++;
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.type = P9_RATTACH;
	r.tag = t.tag;
	r.u.rattach.qid = (struct p9_qid){ P9_QTDIR, 0, 1 };
	peer_send(p, &r, -1);
	return 0;
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;

	p->fn(p);
	close(p->sock);
	return NULL;
}

/* Starts the scripted peer and opens a client on it. Returns the client's
 * p9_client_open result. */
static int start(struct peer *p, script_fn fn, struct p9_client **c, uint32_t *root)
{
	int sv[2], rc;

	memset(p, 0, sizeof(*p));
	p->extra_fd = -1;
	p->fn = fn;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	p->sock = sv[1];
	assert_int_equal(pthread_create(&p->th, NULL, peer_main, p), 0);
	rc = p9_client_open(c, sv[0], 8192, "vol", root, NULL);
	return rc;
}

static void finish(struct peer *p, struct p9_client *c)
{
	p9_client_close(c);
	pthread_join(p->th, NULL);
	assert_int_equal(p->bad, 0);
}

/* ---- scripts ------------------------------------------------------------ */

/* Handshake, then answer the next request with the reply built by `mangle`
 * from a correct one. */
static void (*mangle)(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd);
static void script_one(struct peer *p)
{
	struct p9_fcall t, r;
	int fd = -1;

	if (peer_handshake(p) < 0)
		return;
	if (peer_recv(p, &t) < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.type = t.type + 1;
	r.tag = t.tag;
	mangle(p, &t, &r, &fd);
	if (r.type)
		peer_send(p, &r, fd);
	if (fd >= 0)
		close(fd);
	/* anything more from the client is a failure (it must be dead) */
	if (peer_recv(p, &t) == 0)
		p->bad++;
}

static void script_handshake_only(struct peer *p)
{
	struct p9_fcall t;

	if (peer_handshake(p) == 0 && peer_recv(p, &t) == 0)
		p->bad++;
}

static void script_unknown_version(struct peer *p)
{
	p->version = "unknown";
	peer_handshake(p); /* the client gives up after Rversion */
}

static void script_plain_version(struct peer *p)
{
	p->version = P9_VERSION_L;
	script_one(p);
}

static void script_big_msize(struct peer *p)
{
	p->msize_delta = 1;
	peer_handshake(p);
}

static void script_refuse_attach(struct peer *p)
{
	struct p9_fcall t, r;

	if (peer_recv(p, &t) < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.type = P9_RVERSION;
	r.tag = t.tag;
	r.u.rversion.msize = t.u.tversion.msize;
	r.u.rversion.version = p9_str_make(P9_VERSION_RUNSC);
	peer_send(p, &r, -1);
	if (peer_recv(p, &t) < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.type = P9_RLERROR;
	r.tag = t.tag;
	r.u.rlerror.ecode = EACCES;
	peer_send(p, &r, -1);
}

/* manglers */
static void m_wrong_tag(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd) { r->tag++; }
static void m_wrong_type(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd) { r->type = P9_RCLUNK; }
static void m_error_zero(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	r->type = P9_RLERROR;
	r->u.rlerror.ecode = 0;
}
static void m_error_huge(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	r->type = P9_RLERROR;
	r->u.rlerror.ecode = 100000;
}
static void m_close(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	shutdown(p->sock, SHUT_RDWR); /* the gofer "dies" mid-request */
	r->type = 0;
}
static void m_trailing(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	uint8_t out[256];
	int n = p9_pack(out, sizeof(out), r);

	out[n] = 0;
	out[0] = (uint8_t)(n + 1);
	peer_send_raw(p, out, (size_t)n + 1, -1);
	r->type = 0;
}
static void m_short(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	peer_send_raw(p, "\x05\0\0\0\x19", 5, -1);
	r->type = 0;
}
static void m_fd_on_getattr(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	*fd = p->extra_fd;
	p->extra_fd = -1;
}
static void m_fd_on_lopen(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	*fd = p->extra_fd;
	p->extra_fd = -1;
	r->u.rlopen.qid.path = 42;
}
static void m_fd_on_lcreate(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	if (t->type != P9_TLCREATE || !p9_str_eq(t->u.tlcreate.name, "newfile") ||
	    t->u.tlcreate.mode != 0640 || t->u.tlcreate.gid != 7 ||
	    t->u.tlcreate.flags != (P9_DOTL_RDWR | P9_DOTL_CREATE | P9_DOTL_TRUNC))
		p->bad++;
	*fd = p->extra_fd;
	p->extra_fd = -1;
	r->u.rlcreate.qid.path = 43;
}
static void m_two_fds_on_lopen(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	union { struct cmsghdr h; char c[CMSG_SPACE(2 * sizeof(int))]; } ctl;
	uint8_t out[256];
	struct iovec iov = { out, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.c,
			     .msg_controllen = sizeof(ctl.c) };
	struct cmsghdr *c;
	int fds[2] = { p->extra_fd, p->extra_fd };

	iov.iov_len = (size_t)p9_pack(out, sizeof(out), r);
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (sendmsg(p->sock, &mh, MSG_NOSIGNAL) < 0)
		p->bad++;
	close(p->extra_fd);
	p->extra_fd = -1;
	r->type = 0;
}
static void m_too_many_qids(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	r->u.rwalk.wqid.n = (uint16_t)(t->u.twalk.wname.n + 1);
}
static void m_readdir_too_much(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	static uint8_t junk[200];

	r->u.rreaddir.data.data = junk;
	r->u.rreaddir.data.count = t->u.treaddir.count + 1;
}
static void m_readlink_nul(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	r->u.rreadlink.target = (struct p9_str){ "ab\0c", 4 };
}

/* ---- tests -------------------------------------------------------------- */

static struct p9_client *c;
static struct peer peer;
static uint32_t root;

static void expect_dead_after(void (*m)(struct peer *, struct p9_fcall *, struct p9_fcall *, int *),
			      int (*call)(void))
{
	mangle = m;
	assert_int_equal(start(&peer, script_one, &c, &root), 0);
	assert_false(p9_client_is_dead(c));
	assert_int_equal(call(), -EIO);
	assert_true(p9_client_is_dead(c));
	/* later calls fail at once, without touching the socket */
	assert_int_equal(call(), -EIO);
	{
		struct p9_attr a;

		assert_int_equal(p9_getattr(c, root, P9_GETATTR_BASIC, &a), -EIO);
	}
	finish(&peer, c);
}

static int call_getattr(void)
{
	struct p9_attr a;

	return p9_getattr(c, root, P9_GETATTR_BASIC, &a);
}

static int call_walk(void)
{
	const char *n[] = { "a", "b" };
	uint16_t nq;
	struct p9_qid q[2];

	return p9_walk(c, root, 9, 2, n, q, &nq);
}

static int call_readdir(void)
{
	uint8_t buf[100];

	return p9_readdir(c, root, 0, 100, buf);
}

static int call_readlink(void)
{
	char buf[100];

	return p9_readlink(c, root, buf, sizeof(buf));
}

static int call_lopen(void)
{
	int fd = -7, rc = p9_lopen(c, root, O_RDONLY, NULL, NULL, &fd);

	if (rc < 0 && fd != -1)
		return -9999;
	return rc;
}

static void test_transport_failures_kill_client(void **state)
{
	expect_dead_after(m_wrong_tag, call_getattr);
	expect_dead_after(m_wrong_type, call_getattr);
	expect_dead_after(m_error_zero, call_getattr);
	expect_dead_after(m_error_huge, call_getattr);
	expect_dead_after(m_close, call_getattr);
	expect_dead_after(m_trailing, call_getattr);
	expect_dead_after(m_short, call_getattr);
	expect_dead_after(m_too_many_qids, call_walk);
	expect_dead_after(m_readdir_too_much, call_readdir);
	expect_dead_after(m_readlink_nul, call_readlink);
}

static void test_unexpected_fds_are_closed(void **state)
{
	int pfd[2];

	signal(SIGPIPE, SIG_IGN);
	/* an FD on Rgetattr: protocol violation, the FD is closed */
	mangle = m_fd_on_getattr;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(start(&peer, script_one, &c, &root), 0);
	peer.extra_fd = pfd[0];
	assert_int_equal(call_getattr(), -EIO);
	finish(&peer, c);
	assert_int_equal(write(pfd[1], "x", 1), -1); /* no reader anywhere */
	assert_int_equal(errno, EPIPE);
	close(pfd[1]);

	/* two FDs on Rlopen */
	mangle = m_two_fds_on_lopen;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(start(&peer, script_one, &c, &root), 0);
	peer.extra_fd = pfd[0];
	assert_int_equal(call_lopen(), -EIO);
	finish(&peer, c);
	assert_int_equal(write(pfd[1], "x", 1), -1);
	close(pfd[1]);

	/* an FD on Rlopen without the extension */
	assert_int_equal(pipe(pfd), 0);
	mangle = m_fd_on_lopen;
	assert_int_equal(start(&peer, script_plain_version, &c, &root), 0);
	assert_false(p9_client_has_fd_donation(c));
	peer.extra_fd = pfd[0];
	assert_int_equal(call_lopen(), -EIO);
	finish(&peer, c);
	assert_int_equal(write(pfd[1], "x", 1), -1);
	close(pfd[1]);
}

static void test_lopen_receives_fd(void **state)
{
	int pfd[2], fd = -1;
	struct p9_qid q;
	char b;

	assert_int_equal(pipe(pfd), 0);
	mangle = m_fd_on_lopen;
	assert_int_equal(start(&peer, script_one, &c, &root), 0);
	assert_true(p9_client_has_fd_donation(c));
	peer.extra_fd = pfd[0];
	assert_int_equal(p9_lopen(c, root, O_RDONLY, &q, NULL, &fd), 0);
	assert_true(fd >= 0); /* may reuse pfd[0]'s number: the peer closed it */
	assert_int_equal(q.path, 42);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(pfd[1], "z", 1), 1);
	assert_int_equal(read(fd, &b, 1), 1);
	assert_int_equal(b, 'z');
	close(fd);
	close(pfd[1]);
	p9_client_close(c);
	pthread_join(peer.th, NULL);
	assert_int_equal(peer.bad, 0);

	/* the same for Tlcreate */
	assert_int_equal(pipe(pfd), 0);
	mangle = m_fd_on_lcreate;
	assert_int_equal(start(&peer, script_one, &c, &root), 0);
	peer.extra_fd = pfd[0];
	assert_int_equal(p9_lcreate(c, root, "newfile", O_RDWR | O_CREAT | O_TRUNC,
				    0640, 7, &q, NULL, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(q.path, 43);
	assert_int_equal(write(pfd[1], "y", 1), 1);
	assert_int_equal(read(fd, &b, 1), 1);
	assert_int_equal(b, 'y');
	close(fd);
	close(pfd[1]);
	finish(&peer, c);
}

static void test_open_failures(void **state)
{
	struct p9_client *cc = (struct p9_client *)1;

	assert_int_equal(start(&peer, script_unknown_version, &cc, &root), -EPROTONOSUPPORT);
	assert_null(cc);
	pthread_join(peer.th, NULL);

	assert_int_equal(start(&peer, script_big_msize, &cc, &root), -EIO);
	pthread_join(peer.th, NULL);

	assert_int_equal(start(&peer, script_refuse_attach, &cc, &root), -EACCES);
	pthread_join(peer.th, NULL);
	assert_int_equal(peer.bad, 0);
}

static void m_enoent(struct peer *p, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	r->type = P9_RLERROR;
	r->u.rlerror.ecode = ENOENT;
}

static void script_errors_then_ok(struct peer *p)
{
	struct p9_fcall t, r;

	if (peer_handshake(p) < 0)
		return;
	while (peer_recv(p, &t) == 0) {
		memset(&r, 0, sizeof(r));
		r.type = t.type + 1;
		r.tag = t.tag;
		if (t.type == P9_TGETATTR && t.u.tgetattr.fid == 404)
			m_enoent(p, &t, &r, NULL);
		if (t.type == P9_TREADLINK)
			r.u.rreadlink.target = p9_str_make("0123456789");
		if (t.type == P9_TWALK) {
			r.u.rwalk.wqid.n = t.u.twalk.wname.n ? 1 : 0; /* stops early */
			r.u.rwalk.wqid.qid[0].path = 7;
		}
		peer_send(p, &r, -1);
	}
}

static void test_server_errors_are_errnos(void **state)
{
	struct p9_attr a;
	char buf[16];
	const char *names[] = { "x", "y", "z" };
	struct p9_qid q[3];
	uint16_t nq = 0;
	int fd = 5;

	assert_int_equal(start(&peer, script_errors_then_ok, &c, &root), 0);
	assert_int_equal(p9_getattr(c, 404, P9_GETATTR_BASIC, &a), -ENOENT);
	assert_false(p9_client_is_dead(c));
	assert_int_equal(p9_getattr(c, 1, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(p9_readlink(c, 1, buf, 10), -ENAMETOOLONG);
	assert_int_equal(p9_readlink(c, 1, buf, 11), 10);
	assert_string_equal(buf, "0123456789");
	assert_int_equal(p9_walk(c, 1, 2, 3, names, q, &nq), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(q[0].path, 7);
	assert_int_equal(p9_walk(c, 1, 2, 0, NULL, NULL, &nq), 0);
	assert_int_equal(nq, 0);
	assert_int_equal(p9_lopen(c, 1, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(fd, -1); /* nothing donated */
	/* arguments that cannot be encoded are not transport errors */
	{
		static char huge[70000];
		const char *hn[] = { huge };

		memset(huge, 'h', sizeof(huge) - 1);
		assert_int_equal(p9_walk(c, 1, 2, 1, hn, NULL, NULL), -EINVAL);
		assert_int_equal(p9_walk(c, 1, 2, 1, NULL, NULL, NULL), -EINVAL);
		assert_false(p9_client_is_dead(c));
	}
	assert_int_equal(p9_clunk(c, 1), 0);
	finish(&peer, c);
}

static void test_fid_alloc(void **state)
{
	uint32_t a, b, d;

	assert_int_equal(start(&peer, script_handshake_only, &c, &root), 0);
	a = p9_fid_alloc(c);
	b = p9_fid_alloc(c);
	assert_true(a != b && a != root && b != root);
	assert_true(a != P9_NOFID && b != P9_NOFID);
	p9_fid_free(c, a);
	d = p9_fid_alloc(c);
	assert_int_equal(d, a); /* reused */
	p9_fid_free(c, P9_NOFID); /* ignored */
	for (int i = 0; i < 1000; i++)
		assert_true(p9_fid_alloc(c) != P9_NOFID);
	assert_int_equal(p9_client_msize(c), 8192);
	finish(&peer, c);
}

/* ---- concurrency against the real server library ----------------------- */

static int srv_attach(void *arg, const struct p9_tattach *t, struct p9_rattach *r)
{
	r->qid.type = P9_QTDIR;
	return p9_str_eq(t->aname, "vol") ? 0 : -ENOENT;
}

static int srv_getattr(void *arg, const struct p9_tgetattr *t, struct p9_attr *r)
{
	r->size = (uint64_t)t->fid * 3;
	r->qid.path = t->fid;
	return 0;
}

static int srv_clunk(void *arg, const struct p9_tclunk *t) { return 0; }

static const struct p9_server_ops srv_ops = {
	.attach = srv_attach, .getattr = srv_getattr, .clunk = srv_clunk,
};

static void *srv_main(void *arg)
{
	struct p9_server *s = arg;

	p9_server_run(s);
	return NULL;
}

static int thread_errors;
static void *client_thread(void *arg)
{
	struct p9_client *cl = arg;

	for (int i = 0; i < 2000; i++) {
		uint32_t fid = p9_fid_alloc(cl);
		struct p9_attr a;

		if (p9_getattr(cl, fid, P9_GETATTR_BASIC, &a) != 0 || a.size != (uint64_t)fid * 3 ||
		    a.qid.path != fid || p9_clunk(cl, fid) != 0)
			__atomic_add_fetch(&thread_errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int trace_lines;
static void count_trace(void *arg, const char *line)
{
	trace_lines++; /* called under the client lock */
}

static void test_many_threads(void **state)
{
	struct p9_server *s;
	struct p9_client *cl;
	pthread_t st, th[8];
	uint32_t r;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(p9_server_new(&s, sv[1], 65536, &srv_ops, NULL), 0);
	assert_int_equal(pthread_create(&st, NULL, srv_main, s), 0);
	assert_int_equal(p9_client_open(&cl, sv[0], 65536, "vol", &r, NULL), 0);
	assert_true(p9_client_has_fd_donation(cl));
	p9_client_set_trace(cl, count_trace, NULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, client_thread, cl), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(thread_errors, 0);
	assert_int_equal(trace_lines, 8 * 2000 * 4);
	p9_client_close(cl);
	pthread_join(st, NULL);
	p9_server_free(s);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_failures_kill_client),
		cmocka_unit_test(test_unexpected_fds_are_closed),
		cmocka_unit_test(test_lopen_receives_fd),
		cmocka_unit_test(test_open_failures),
		cmocka_unit_test(test_server_errors_are_errnos),
		cmocka_unit_test(test_fid_alloc),
		cmocka_unit_test(test_many_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
