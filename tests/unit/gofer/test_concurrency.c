/*
 * gofer concurrency: a REAL gofer process (fork + gofer_serve, its worker
 * pool) over a temporary tree, driven through p9_client_open and through
 * raw packets sent back to back.
 *
 * A request that genuinely blocks in the gofer, without any test hook: a
 * Tlconnect of a unix socket whose listener has a full queue (listen
 * backlog 0, one connection already queued) waits in connect(2) until this
 * test accepts.  Everything asserted while it is blocked follows from that
 * block, never from timing; waits are bounded generously (seconds) only to
 * turn a hang into a failure.
 *
 * Tree (under mkdtemp /tmp/p9gconc.XXXXXX):
 *   file.txt       "hello\n"
 *   d/a            "moving\n" (renamed back and forth by the stress test)
 *   sock           the listener above
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#define DEADLINE_MS 20000     /* a bound on hangs, not a speed */

static char root[64];
static int root_fd = -1;
static struct sockaddr_un sock_addr = { .sun_family = AF_UNIX };
static int listener = -1, filler = -1;

static void write_file(const char *rel, const char *text)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Queues one connection of our own: the listener's queue (backlog 0) is
 * then full and the gofer's connect() blocks until accept_one(). */
static void fill_backlog(void)
{
	filler = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(filler >= 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&sock_addr, sizeof(sock_addr)), 0);
}

/* Accepts one queued connection; returns it. */
static int accept_one(void)
{
	int a = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	assert_true(a >= 0);
	return a;
}

/* Unblocks a gofer waiting in connect(): our queued connection goes, the
 * gofer's enters the queue and is accepted too.  Leaves the queue full. */
static void unblock_connect(void)
{
	close(accept_one());
	close(filler);
	close(accept_one());
	fill_backlog();
}

static int setup_tree(void **state)
{
	char p[256];

	strcpy(root, "/tmp/p9gconc.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	write_file("file.txt", "hello\n");
	snprintf(p, sizeof(p), "%s/d", root);
	if (mkdir(p, 0755) < 0)
		return -1;
	write_file("d/a", "moving\n");
	snprintf(sock_addr.sun_path, sizeof(sock_addr.sun_path), "%s/sock", root);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sock_addr, sizeof(sock_addr)) < 0 ||
	    listen(listener, 0) < 0)
		return -1;
	fill_backlog();
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	return root_fd < 0 ? -1 : 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	close(root_fd);
	close(listener);
	close(filler);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the gofer ----------------------------------------------------------- */

struct gofer_proc {
	pid_t pid;
	int sock;
};

static struct gofer_proc start_gofer(void)
{
	struct gofer_proc g;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	g.pid = fork();
	assert_true(g.pid >= 0);
	if (g.pid == 0) {
		struct gofer_mount m = { "root", root_fd, false };
		struct gofer_config cfg = { &m, 1, -1 };

		close(sv[0]);
		_exit(gofer_serve(sv[1], &cfg) == 0 ? 0 : 1);
	}
	close(sv[1]);
	g.sock = sv[0];
	return g;
}

static int wait_gofer(struct gofer_proc *g)
{
	int st = 0;

	if (g->sock >= 0)
		close(g->sock);
	g->sock = -1;
	assert_int_equal(waitpid(g->pid, &st, 0), g->pid);
	return st;
}

/* ---- raw packets ------------------------------------------------------------ */

static void raw_send(int sock, struct p9_fcall *t)
{
	uint8_t buf[8192];
	int n = p9_pack(buf, sizeof(buf), t);

	assert_true(n > 0);
	assert_int_equal(send(sock, buf, (size_t)n, MSG_NOSIGNAL), n);
}

/* Receives one reply (bounded wait); its FD, if any, into *fd (or closed). */
static int raw_recv(int sock, struct p9_fcall *r, uint8_t *buf, size_t cap, int *fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 4)]; } ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct pollfd pfd = { sock, POLLIN, 0 };
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, DEADLINE_MS), 1);
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	assert_true(n >= 0);
	if (fd)
		*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int got;

		memcpy(&got, CMSG_DATA(c), sizeof(int));
		if (fd)
			*fd = got;
		else
			close(got);
	}
	if (n > 0)
		assert_int_equal(p9_unpack(buf, (size_t)n, r), 0);
	return (int)n;
}

/* A reply of `type` to `tag`, next on the socket. */
static void raw_expect(int sock, uint16_t tag, uint8_t type, int *fd)
{
	uint8_t buf[8192];
	struct p9_fcall r;

	assert_true(raw_recv(sock, &r, buf, sizeof(buf), fd) > 0);
	assert_int_equal(r.tag, tag);
	assert_int_equal(r.type, type);
}

static void raw_session(int sock)
{
	struct p9_fcall t = { .type = P9_TVERSION, .tag = P9_NOTAG };

	t.u.tversion.msize = 8192;
	t.u.tversion.version = p9_str_make(P9_VERSION_RUNSC);
	raw_send(sock, &t);
	raw_expect(sock, P9_NOTAG, P9_RVERSION, NULL);
	memset(&t, 0, sizeof(t));
	t.type = P9_TATTACH;
	t.u.tattach.fid = 0;
	t.u.tattach.afid = P9_NOFID;
	t.u.tattach.aname = p9_str_make("root");
	raw_send(sock, &t);
	raw_expect(sock, 0, P9_RATTACH, NULL);
}

static void raw_walk1(int sock, uint16_t tag, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_fcall t = { .type = P9_TWALK, .tag = tag };

	t.u.twalk.fid = fid;
	t.u.twalk.newfid = newfid;
	t.u.twalk.wname.n = 1;
	t.u.twalk.wname.name[0] = p9_str_make(name);
	raw_send(sock, &t);
	raw_expect(sock, tag, P9_RWALK, NULL);
}

static void raw_fid_op(int sock, uint8_t type, uint16_t tag, uint32_t fid)
{
	struct p9_fcall t = { .type = type, .tag = tag };

	/* every fid-only request body starts with fid[4] */
	t.u.tgetattr.fid = fid;
	if (type == P9_TGETATTR)
		t.u.tgetattr.request_mask = P9_GETATTR_BASIC;
	if (type == P9_TLCONNECT)
		t.u.tlconnect.type = SOCK_STREAM;
	raw_send(sock, &t);
}

static void raw_flush(int sock, uint16_t tag, uint16_t oldtag)
{
	struct p9_fcall t = { .type = P9_TFLUSH, .tag = tag };

	t.u.tflush.oldtag = oldtag;
	raw_send(sock, &t);
}

/* ---- a blocked request does not stall the others --------------------------- */

struct connect_call {
	struct p9_client *c;
	uint32_t fid;
	int rc, sock;
	atomic_bool done;
};

static void *connect_main(void *arg)
{
	struct connect_call *cc = arg;

	cc->rc = p9_lconnect(cc->c, cc->fid, SOCK_STREAM, &cc->sock);
	atomic_store(&cc->done, true);
	return NULL;
}

static uint32_t walk1(struct p9_client *c, uint32_t from, const char *name)
{
	const char *names[] = { name };
	uint32_t fid = p9_fid_alloc(c);
	uint16_t nq = 0;

	assert_int_equal(p9_walk(c, from, fid, 1, names, NULL, &nq), 0);
	assert_int_equal(nq, 1);
	return fid;
}

static void test_blocked_request_does_not_stall_others(void **state)
{
	struct gofer_proc g = start_gofer();
	struct connect_call cc = { .sock = -1 };
	struct p9_client *c;
	pthread_t th;
	uint32_t rootfid;
	char buf[16];

	assert_int_equal(p9_client_open(&c, g.sock, 64 * 1024, "root", &rootfid, NULL), 0);
	g.sock = -1;
	cc.c = c;
	cc.fid = walk1(c, rootfid, "sock");
	assert_int_equal(pthread_create(&th, NULL, connect_main, &cc), 0);

	/* while the Tlconnect waits in connect(2), the gofer keeps serving */
	for (int i = 0; i < 200; i++) {
		uint32_t f = walk1(c, rootfid, "file.txt");
		struct p9_attr a;
		int fd = -1;

		assert_int_equal(p9_getattr(c, f, P9_GETATTR_BASIC, &a), 0);
		assert_int_equal(a.size, 6);
		assert_int_equal(p9_lopen(c, f, O_RDONLY, NULL, NULL, &fd), 0);
		assert_int_equal(pread(fd, buf, sizeof(buf), 0), 6);
		close(fd);
		assert_int_equal(p9_clunk(c, f), 0);
	}
	/* it cannot have completed: nobody accepted yet */
	assert_false(atomic_load(&cc.done));
	unblock_connect();
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(cc.rc, 0);
	assert_true(cc.sock >= 0);
	close(cc.sock);
	p9_client_close(c);
	assert_int_equal(wait_gofer(&g), 0);
}

/* ---- Tflush of a request blocked in the gofer -------------------------------- */

static void test_flush_waits_for_blocked_request(void **state)
{
	struct gofer_proc g = start_gofer();
	uint8_t buf[8192];
	struct p9_fcall r;
	bool got_getattr = false, got_unknown_flush = false;
	int fd = -1;

	raw_session(g.sock);
	raw_walk1(g.sock, 1, 0, 1, "sock");

	raw_fid_op(g.sock, P9_TLCONNECT, 5, 1); /* blocks in connect(2) */
	raw_flush(g.sock, 6, 5);                 /* waits for tag 5's reply */
	raw_flush(g.sock, 9, 6);                 /* a flush of that flush */
	raw_fid_op(g.sock, P9_TGETATTR, 7, 0);   /* served meanwhile */
	raw_flush(g.sock, 8, 99);                /* nothing in flight: at once */

	/* exactly these two come while tag 5 is blocked */
	for (int i = 0; i < 2; i++) {
		assert_true(raw_recv(g.sock, &r, buf, sizeof(buf), NULL) > 0);
		if (r.tag == 7 && r.type == P9_RGETATTR)
			got_getattr = true;
		else if (r.tag == 8 && r.type == P9_RFLUSH)
			got_unknown_flush = true;
		else
			fail_msg("reply tag %u type %u while tag 5 is blocked", r.tag, r.type);
	}
	assert_true(got_getattr && got_unknown_flush);

	/* once connect() returns: the original's reply (with its FD), then
	 * the Rflush, then the Rflush of the flush: never the other way */
	unblock_connect();
	raw_expect(g.sock, 5, P9_RLCONNECT, &fd);
	assert_true(fd >= 0);
	close(fd);
	raw_expect(g.sock, 6, P9_RFLUSH, NULL);
	raw_expect(g.sock, 9, P9_RFLUSH, NULL);

	/* the tags are free again */
	raw_fid_op(g.sock, P9_TGETATTR, 5, 0);
	raw_expect(g.sock, 5, P9_RGETATTR, NULL);
	assert_int_equal(wait_gofer(&g), 0);
}

/* ---- many requests in flight at once ----------------------------------------- */

/* More requests back to back than the gofer keeps in flight
 * (P9_SERVER_MAX_INFLIGHT): every one is answered, once. */
static void test_pipelined_requests(void **state)
{
	enum { N = 3 * P9_SERVER_MAX_INFLIGHT };
	struct gofer_proc g = start_gofer();
	uint8_t buf[8192];
	bool seen[N] = { false };
	struct p9_fcall r;

	raw_session(g.sock);
	for (uint16_t tag = 0; tag < N; tag++)
		raw_fid_op(g.sock, P9_TGETATTR, tag, 0);
	for (int i = 0; i < N; i++) {
		assert_true(raw_recv(g.sock, &r, buf, sizeof(buf), NULL) > 0);
		assert_int_equal(r.type, P9_RGETATTR);
		assert_true(r.tag < N);
		assert_false(seen[r.tag]);
		seen[r.tag] = true;
	}
	assert_int_equal(wait_gofer(&g), 0);
}

/* Tclunk pipelined with other requests on the same fid: each is answered,
 * before the clunk or with EBADF after it, and nothing is used after free
 * (the SAN build checks that). */
static void test_clunk_races_use(void **state)
{
	struct gofer_proc g = start_gofer();
	uint8_t buf[8192];
	struct p9_fcall r;
	int fd;

	raw_session(g.sock);
	for (int round = 0; round < 200; round++) {
		static const uint8_t ops[] = { P9_TGETATTR, P9_TLOPEN, P9_TCLUNK, P9_TGETATTR, P9_TSTATFS };
		bool seen[5] = { false };

		raw_walk1(g.sock, 1, 0, 1, "file.txt");
		for (uint16_t k = 0; k < 5; k++)
			raw_fid_op(g.sock, ops[k], (uint16_t)(10 + k), 1);
		for (int k = 0; k < 5; k++) {
			assert_true(raw_recv(g.sock, &r, buf, sizeof(buf), &fd) > 0);
			assert_true(r.tag >= 10 && r.tag < 15 && !seen[r.tag - 10]);
			seen[r.tag - 10] = true;
			if (fd >= 0)
				close(fd);
			if (r.type == P9_RLERROR)
				assert_int_equal(r.u.rlerror.ecode, EBADF);
			else
				assert_int_equal(r.type, ops[r.tag - 10] + 1);
		}
	}
	assert_int_equal(wait_gofer(&g), 0);
}

/* ---- renames racing the fids that name what they move -------------------------- */

struct racer {
	struct p9_client *c;
	uint32_t dir, moving;     /* fid of d/, fid of the file renamed back and forth */
	int errors;
	atomic_bool *stop;
	pthread_t th;
};

static void *rename_main(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 300; i++) {
		if (p9_renameat(r->c, r->dir, "a", r->dir, "b") != 0 ||
		    p9_renameat(r->c, r->dir, "b", r->dir, "a") != 0)
			r->errors++;
	}
	atomic_store(r->stop, true);
	return NULL;
}

/* Uses the moving file's fid (held shared by every getattr while renames
 * want to move it) and walks to whichever name it has now. */
static void *user_main(void *arg)
{
	struct racer *r = arg;
	static const char *const names[] = { "a", "b" };

	for (int i = 0; !atomic_load(r->stop); i++) {
		struct p9_attr a;
		uint32_t f = p9_fid_alloc(r->c);
		uint16_t nq = 0;
		int rc;

		if (p9_getattr(r->c, r->moving, P9_GETATTR_BASIC, &a) != 0 || a.size != 7)
			r->errors++;
		rc = p9_walk(r->c, r->dir, f, 1, &names[i % 2], NULL, &nq);
		if (rc == 0 && nq == 1)
			p9_clunk(r->c, f); /* found it under that name at that moment */
		else if (rc != -ENOENT)
			r->errors++;
		else
			p9_fid_free(r->c, f);
	}
	return NULL;
}

static void test_renames_move_fids_in_use(void **state)
{
	struct gofer_proc g = start_gofer();
	struct racer r[5];
	atomic_bool stop = false;
	struct p9_client *c;
	uint32_t rootfid, dir, moving;
	char buf[16];
	int fd = -1;

	assert_int_equal(p9_client_open(&c, g.sock, 64 * 1024, "root", &rootfid, NULL), 0);
	g.sock = -1;
	dir = walk1(c, rootfid, "d");
	moving = walk1(c, dir, "a");
	for (int i = 0; i < 5; i++) {
		r[i] = (struct racer){ .c = c, .dir = dir, .moving = moving, .stop = &stop };
		assert_int_equal(pthread_create(&r[i].th, NULL, i == 0 ? rename_main : user_main, &r[i]), 0);
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(pthread_join(r[i].th, NULL), 0);
		assert_int_equal(r[i].errors, 0);
	}
	/* back at "a" after an even number of renames: the fid followed every
	 * one of them (a stale name would give ESTALE or ENOENT here) */
	assert_int_equal(p9_lopen(c, moving, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), 7);
	close(fd);
	p9_client_close(c);
	assert_int_equal(wait_gofer(&g), 0);
}

/* Opens the moving file through its fid while renames move it: by the fid
 * itself in one round trip (Twalkopen, no names: the sentry's open), and by
 * a clone then Tlopen.  Both re-open by name, and a name read before a
 * rename (a clone made, a walkopen begun) must not be used after it:
 * every open finds the file. */
static void *opener_main(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; !atomic_load(r->stop); i++) {
		char buf[16];
		int fd = -1, rc;

		if (i % 2 == 0) {
			rc = p9_walk_open(r->c, r->moving, 0, NULL, O_RDONLY, NULL, &fd);
		} else {
			uint32_t f = p9_fid_alloc(r->c);
			uint16_t nq = 0;
			rc = p9_walk(r->c, r->moving, f, 0, NULL, NULL, &nq);
			if (rc == 0)
				rc = p9_lopen(r->c, f, O_RDONLY, NULL, NULL, &fd);
			p9_clunk(r->c, f);
		}
		if (rc != 0 || pread(fd, buf, sizeof(buf), 0) != 7)
			r->errors++;
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void test_opens_follow_renames(void **state)
{
	struct gofer_proc g = start_gofer();
	struct racer r[5];
	atomic_bool stop = false;
	struct p9_client *c;
	uint32_t rootfid, dir, moving;

	assert_int_equal(p9_client_open(&c, g.sock, 64 * 1024, "root", &rootfid, NULL), 0);
	g.sock = -1;
	dir = walk1(c, rootfid, "d");
	moving = walk1(c, dir, "a");
	for (int i = 0; i < 5; i++) {
		r[i] = (struct racer){ .c = c, .dir = dir, .moving = moving, .stop = &stop };
		assert_int_equal(pthread_create(&r[i].th, NULL, i == 0 ? rename_main : opener_main, &r[i]), 0);
	}
	for (int i = 0; i < 5; i++) {
		assert_int_equal(pthread_join(r[i].th, NULL), 0);
		assert_int_equal(r[i].errors, 0);
	}
	p9_client_close(c);
	assert_int_equal(wait_gofer(&g), 0);
}

/* ---- a hostile client ---------------------------------------------------------- */

/* A second request with the tag of one still being served: the gofer drops
 * the connection (and still finishes what it was doing). */
static void test_tag_in_use_drops_connection(void **state)
{
	struct gofer_proc g = start_gofer();
	uint8_t buf[8192];
	struct p9_fcall r;
	int st;

	raw_session(g.sock);
	raw_walk1(g.sock, 1, 0, 1, "sock");
	raw_fid_op(g.sock, P9_TLCONNECT, 5, 1); /* blocks */
	raw_fid_op(g.sock, P9_TGETATTR, 5, 0);  /* tag 5 is in flight */
	assert_int_equal(raw_recv(g.sock, &r, buf, sizeof(buf), NULL), 0); /* shut down */
	unblock_connect();
	st = wait_gofer(&g);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1); /* gofer_serve returned -EPROTO */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_request_does_not_stall_others),
		cmocka_unit_test(test_flush_waits_for_blocked_request),
		cmocka_unit_test(test_pipelined_requests),
		cmocka_unit_test(test_clunk_races_use),
		cmocka_unit_test(test_renames_move_fids_in_use),
		cmocka_unit_test(test_opens_follow_renames),
		cmocka_unit_test(test_tag_in_use_drops_connection),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
