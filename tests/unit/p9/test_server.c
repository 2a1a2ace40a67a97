/*
 * p9 server framing, driven packet by packet in one thread: raw request on
 * one end of a socketpair, p9_server_handle_one() on the other, raw reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9/p9.h"

#define SERVER_MSIZE 16384u

struct toy {
	uint32_t reset_msize;
	bool reset_donation;
	int resets;
	uint32_t last_count;
	int pipe_w;          /* write end of the pipe whose read end lopen gives */
	int lopen_rc;
	size_t link_len;
	int lines;
	char last_line[512];
};

static char bigstr[70000];

static void toy_reset(void *arg, uint32_t msize, bool fd_donation)
{
	struct toy *t = arg;

	t->reset_msize = msize;
	t->reset_donation = fd_donation;
	t->resets++;
}

static int toy_attach(void *arg, const struct p9_tattach *t, struct p9_rattach *r)
{
	r->qid.type = P9_QTDIR;
	r->qid.path = 1;
	return 0;
}

static int toy_getattr(void *arg, const struct p9_tgetattr *t, struct p9_attr *r)
{
	if (t->fid == 404)
		return -ENOENT;
	if (t->fid == 5000)
		return -5000; /* not an errno */
	r->size = t->fid;
	return 0;
}

static int toy_lopen(void *arg, const struct p9_tlopen *t, struct p9_rlopen *r, int *fd)
{
	struct toy *toy = arg;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	*fd = p[0];
	toy->pipe_w = p[1];
	return toy->lopen_rc;
}

static int toy_readdir(void *arg, const struct p9_treaddir *t, struct p9_rreaddir *r, void *buf)
{
	struct toy *toy = arg;

	toy->last_count = t->count;
	memset(buf, 'd', t->count);
	r->data.data = buf;
	r->data.count = t->count;
	return 0;
}

static int toy_readlink(void *arg, const struct p9_treadlink *t, struct p9_rreadlink *r)
{
	struct toy *toy = arg;

	r->target.str = bigstr;
	r->target.len = toy->link_len;
	return 0;
}

static const struct p9_server_ops toy_ops = {
	.reset = toy_reset,
	.attach = toy_attach,
	.getattr = toy_getattr,
	.lopen = toy_lopen,
	.readdir = toy_readdir,
	.readlink = toy_readlink,
};

static void toy_trace(void *arg, const char *line)
{
	struct toy *t = arg;

	t->lines++;
	strncpy(t->last_line, line, sizeof(t->last_line) - 1);
}

struct fixture {
	int cs, ss;          /* client end, server end */
	struct p9_server *srv;
	struct toy toy;
	uint8_t buf[SERVER_MSIZE * 2];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	if (!f || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	f->cs = sv[0];
	f->ss = sv[1];
	f->toy.pipe_w = -1;
	if (p9_server_new(&f->srv, f->ss, SERVER_MSIZE, &toy_ops, &f->toy) < 0)
		return -1;
	p9_server_set_trace(f->srv, toy_trace, &f->toy);
	memset(bigstr, 'L', sizeof(bigstr));
	signal(SIGPIPE, SIG_IGN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	p9_server_free(f->srv);
	close(f->cs);
	close(f->ss);
	if (f->toy.pipe_w >= 0)
		close(f->toy.pipe_w);
	free(f);
	return 0;
}

/* Sends t, lets the server handle it, receives the reply into r. */
static int exchange(struct fixture *f, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	int n = p9_pack(f->buf, sizeof(f->buf), t), rc;
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { f->buf, sizeof(f->buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t got;

	assert_true(n > 0);
	assert_int_equal(send(f->cs, f->buf, (size_t)n, 0), n);
	rc = p9_server_handle_one(f->srv);
	assert_int_equal(rc, 1);
	got = recvmsg(f->cs, &mh, MSG_CMSG_CLOEXEC);
	assert_true(got > 0);
	if (fd) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		*fd = -1;
		if (c)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	} else {
		assert_null(CMSG_FIRSTHDR(&mh));
	}
	assert_int_equal(p9_unpack(f->buf, (size_t)got, r), 0);
	assert_int_equal(r->tag, t->tag);
	return 0;
}

static void version(struct fixture *f, const char *v, uint32_t msize, struct p9_fcall *r)
{
	struct p9_fcall t = { .type = P9_TVERSION, .tag = P9_NOTAG };

	t.u.tversion.msize = msize;
	t.u.tversion.version = p9_str_make(v);
	exchange(f, &t, r, NULL);
}

static void expect_error(struct fixture *f, struct p9_fcall *t, uint32_t ecode)
{
	struct p9_fcall r;

	exchange(f, t, &r, NULL);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.u.rlerror.ecode, ecode);
}

static void test_version_negotiation(void **state)
{
	struct fixture *f = *state;
	struct p9_fcall t = { .type = P9_TGETATTR, .tag = 1 }, r;

	expect_error(f, &t, EPROTO); /* no session yet */

	version(f, "9P2000.u", 8192, &r);
	assert_int_equal(r.type, P9_RVERSION);
	assert_true(p9_str_eq(r.u.rversion.version, "unknown"));
	assert_int_equal(f->toy.reset_msize, 0);
	expect_error(f, &t, EPROTO);

	version(f, P9_VERSION_RUNSC, 1 << 20, &r);
	assert_true(p9_str_eq(r.u.rversion.version, P9_VERSION_RUNSC));
	assert_int_equal(r.u.rversion.msize, SERVER_MSIZE); /* min(client, server) */
	assert_int_equal(f->toy.reset_msize, SERVER_MSIZE);
	assert_true(f->toy.reset_donation);
	assert_true(p9_server_has_fd_donation(f->srv));

	version(f, P9_VERSION_L, 8192, &r);
	assert_true(p9_str_eq(r.u.rversion.version, P9_VERSION_L));
	assert_int_equal(r.u.rversion.msize, 8192);
	assert_false(f->toy.reset_donation);
	assert_false(p9_server_has_fd_donation(f->srv));

	/* too small an msize */
	{
		struct p9_fcall tv = { .type = P9_TVERSION, .tag = P9_NOTAG };

		tv.u.tversion.msize = 100;
		tv.u.tversion.version = p9_str_make(P9_VERSION_L);
		expect_error(f, &tv, EINVAL);
		expect_error(f, &t, EPROTO); /* and no session */
	}
	/* "9P2000.L.other" is not ours */
	version(f, "9P2000.L.other", 8192, &r);
	assert_true(p9_str_eq(r.u.rversion.version, "unknown"));
}

static void test_dispatch_and_errors(void **state)
{
	struct fixture *f = *state;
	struct p9_fcall t = { .type = P9_TGETATTR, .tag = 2 }, r;

	version(f, P9_VERSION_RUNSC, 8192, &r);
	t.u.tgetattr.fid = 77;
	exchange(f, &t, &r, NULL);
	assert_int_equal(r.type, P9_RGETATTR);
	assert_int_equal(r.u.rgetattr.size, 77);
	assert_non_null(strstr(f->toy.last_line, "Tgetattr tag=2 fid=77 request_mask=0 -> Rgetattr tag=2"));

	t.u.tgetattr.fid = 404;
	expect_error(f, &t, ENOENT);
	t.u.tgetattr.fid = 5000;
	expect_error(f, &t, EIO);

	/* no callback */
	memset(&t, 0, sizeof(t));
	t.type = P9_TMKDIR;
	t.tag = 3;
	expect_error(f, &t, EOPNOTSUPP);
	t.type = P9_TLERROR;
	expect_error(f, &t, EOPNOTSUPP);
	t.type = P9_RGETATTR; /* an R-message as a request */
	expect_error(f, &t, EOPNOTSUPP);

	/* Tflush */
	memset(&t, 0, sizeof(t));
	t.type = P9_TFLUSH;
	t.tag = 4;
	exchange(f, &t, &r, NULL);
	assert_int_equal(r.type, P9_RFLUSH);
}

static void test_io_count_clamped_and_reply_too_big(void **state)
{
	struct fixture *f = *state;
	struct p9_fcall t = { .type = P9_TREADDIR, .tag = 5 }, r;

	version(f, P9_VERSION_RUNSC, 8192, &r);
	t.u.treaddir.count = 0xffffffffu;
	exchange(f, &t, &r, NULL);
	assert_int_equal(f->toy.last_count, 8192 - P9_IOHDRSZ);
	assert_int_equal(r.type, P9_RREADDIR);
	assert_int_equal(r.u.rreaddir.data.count, 8192 - P9_IOHDRSZ);

	memset(&t, 0, sizeof(t));
	t.type = P9_TREADLINK;
	t.tag = 6;
	f->toy.link_len = 8192; /* does not fit the msize */
	expect_error(f, &t, EMSGSIZE);
	f->toy.link_len = 70000; /* does not fit a string */
	expect_error(f, &t, EINVAL);
	f->toy.link_len = 100;
	exchange(f, &t, &r, NULL);
	assert_int_equal(r.u.rreadlink.target.len, 100);
}

static void test_fd_donation(void **state)
{
	struct fixture *f = *state;
	struct p9_fcall t = { .type = P9_TLOPEN, .tag = 7 }, r;
	int fd;

	/* extension on: the FD arrives, the server's copy is closed */
	version(f, P9_VERSION_RUNSC, 8192, &r);
	exchange(f, &t, &r, &fd);
	assert_int_equal(r.type, P9_RLOPEN);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(write(f->toy.pipe_w, "x", 1), -1); /* no reader left */
	assert_int_equal(errno, EPIPE);
	close(f->toy.pipe_w);

	/* extension on but the op fails: FD not sent, closed */
	f->toy.lopen_rc = -EACCES;
	exchange(f, &t, &r, &fd);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.u.rlerror.ecode, EACCES);
	assert_int_equal(fd, -1);
	assert_int_equal(write(f->toy.pipe_w, "x", 1), -1);
	close(f->toy.pipe_w);
	f->toy.lopen_rc = 0;

	/* plain 9P2000.L: never an FD, even if the backend offers one */
	version(f, P9_VERSION_L, 8192, &r);
	exchange(f, &t, &r, &fd);
	assert_int_equal(r.type, P9_RLOPEN);
	assert_int_equal(fd, -1);
	assert_int_equal(write(f->toy.pipe_w, "x", 1), -1);
	close(f->toy.pipe_w);
	f->toy.pipe_w = -1;
}

static void test_bad_packets(void **state)
{
	struct fixture *f = *state;
	struct p9_fcall r;
	uint8_t b[32] = { 0 };
	ssize_t n;

	version(f, P9_VERSION_RUNSC, 8192, &r);
	/* malformed body: Tgetattr missing its mask */
	b[0] = 11; b[4] = P9_TGETATTR; b[5] = 9;
	assert_int_equal(send(f->cs, b, 11, 0), 11);
	assert_int_equal(p9_server_handle_one(f->srv), 1);
	n = recv(f->cs, f->buf, sizeof(f->buf), 0);
	assert_int_equal(p9_unpack(f->buf, (size_t)n, &r), 0);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.tag, 9);
	assert_int_equal(r.u.rlerror.ecode, EINVAL);
	assert_non_null(strstr(f->toy.last_line, "Tgetattr tag=9 <malformed> -> Rlerror"));

	/* unknown type */
	b[0] = 7; b[4] = 200;
	assert_int_equal(send(f->cs, b, 7, 0), 7);
	assert_int_equal(p9_server_handle_one(f->srv), 1);
	n = recv(f->cs, f->buf, sizeof(f->buf), 0);
	assert_int_equal(p9_unpack(f->buf, (size_t)n, &r), 0);
	assert_int_equal(r.u.rlerror.ecode, EOPNOTSUPP);

	/* size field disagreeing with the packet: fatal */
	b[0] = 8;
	assert_int_equal(send(f->cs, b, 7, 0), 7);
	assert_int_equal(p9_server_handle_one(f->srv), -EPROTO);
	/* short packet: fatal */
	assert_int_equal(send(f->cs, b, 3, 0), 3);
	assert_int_equal(p9_server_handle_one(f->srv), -EPROTO);
	/* peer gone */
	close(f->cs);
	f->cs = -1;
	assert_int_equal(p9_server_handle_one(f->srv), 0);
	assert_int_equal(p9_server_run(f->srv), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_count_clamped_and_reply_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_donation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_packets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
