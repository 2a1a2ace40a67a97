/*
 * p9 server framing: receive one packet, decode it with the table, hand the
 * typed request to the backend's callback for its type, encode the reply (or
 * Rlerror) and send it with an optional donated FD. Knows nothing of files.
 *
 * Concurrency (p9_server_start): a few worker threads take turns receiving
 * (one packet = one request) and each serves what it received, so a request
 * that blocks in the backend stalls only its own worker.  The turn to
 * receive is a mutex held across recvmsg(): requests are registered in
 * arrival order, which is what makes the Tflush rule exact (a request is
 * known before any later Tflush can look for it) and lets a Tversion wait
 * for every earlier request before it starts.
 *
 * Locks, in order: recv_lock (the receive turn) -> session (rwlock: every
 * request shared, Tversion exclusive) -> lock (the in-flight table and the
 * workers' start/stop).  The backend's own locks nest inside session.
 */
#include "p9/p9.h"
#include "p9/transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define TRACE_LINE_MAX 2048
#define MAX_ERRNO 4095

/* A thread's buffers: a request is received, decoded, served and answered in
 * the buffers of the worker that received it (decoded strings point into
 * rbuf; reply payloads into iobuf) until its reply is sent. */
struct p9_worker {
	struct p9_server *srv;
	uint8_t *rbuf, *tbuf;    /* max_msize each */
	uint8_t *iobuf;          /* payload of Rread/Rreaddir */
	int epfd;                /* pool workers: the socket and stopfd; else -1 */
	pthread_t thread;
};

/* A request received and not answered yet: its tag is taken. */
enum { REQ_FREE, REQ_RUNNING, REQ_FLUSHING, REQ_REPLYING };
struct p9_inflight {
	uint8_t state;
	uint16_t tag;
	uint16_t oldtag;         /* REQ_FLUSHING: the Tflush's oldtag */
	int flush_of;            /* REQ_FLUSHING: the entry whose reply goes out first */
	uint64_t seq;            /* arrival order */
};

struct p9_server {
	int sock;
	uint32_t max_msize;
	const struct p9_server_ops *ops;
	void *arg;
	int (*begin)(void *arg, const struct p9_fcall *t);
	void (*end)(void *arg, const struct p9_fcall *t);
	void (*trace)(void *arg, const char *line);
	void *trace_arg;

	pthread_rwlock_t session;
	uint32_t msize;          /* of the current session; 0 before Tversion */
	bool fd_donation;

	pthread_mutex_t recv_lock;
	pthread_mutex_t lock;
	pthread_cond_t cond;     /* an in-flight entry was freed; go; stop */
	struct p9_inflight inflight[P9_SERVER_MAX_INFLIGHT];
	unsigned ninflight;
	uint64_t seq;

	int stopfd;              /* eventfd: readable once the pool stops; or -1 */
	struct p9_worker self;   /* p9_server_handle_one's buffers */
	struct p9_worker *workers;
	unsigned nworkers;
	unsigned nparked;        /* workers that reached worker_main's wait */
	bool go, stop, joined;
	int result;              /* of the pool: 0 peer gone, or the first fatal error */
};

/* What the receive turn learnt about one packet. */
struct request {
	int len, flags;          /* recv length, P9_RECV_* */
	int fd;                  /* the one FD that came with it, or -1 (closed before the reply) */
	uint8_t type;
	uint16_t tag;
	int slot;                /* in inflight[] */
};

static int worker_init(struct p9_worker *w, struct p9_server *s)
{
	w->srv = s;
	w->epfd = -1;
	w->rbuf = malloc(s->max_msize);
	w->tbuf = malloc(s->max_msize);
	w->iobuf = malloc(s->max_msize);
	return w->rbuf && w->tbuf && w->iobuf ? 0 : -ENOMEM;
}

static void worker_fini(struct p9_worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->rbuf);
	free(w->tbuf);
	free(w->iobuf);
}

int p9_server_new(struct p9_server **out, int sock, uint32_t max_msize,
		  const struct p9_server_ops *ops, void *arg)
{
	struct p9_server *s;

	*out = NULL;
	if (sock < 0 || !ops)
		return -EINVAL;
	if (max_msize < P9_MIN_MSIZE)
		max_msize = P9_MIN_MSIZE;
	if (max_msize > P9_MAX_MSIZE)
		max_msize = P9_MAX_MSIZE;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sock = sock;
	s->max_msize = max_msize;
	s->ops = ops;
	s->arg = arg;
	s->stopfd = -1;
	pthread_rwlock_init(&s->session, NULL);
	pthread_mutex_init(&s->recv_lock, NULL);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (worker_init(&s->self, s) < 0) {
		p9_server_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* Ends the pool (the first result wins) and wakes every worker.  A fatal
 * error also drops the connection (shutdown: the socket is the caller's). */
static void pool_stop(struct p9_server *s, int rc)
{
	pthread_mutex_lock(&s->lock);
	if (!s->stop) {
		s->stop = true;
		s->result = rc;
		if (rc < 0)
			shutdown(s->sock, SHUT_RDWR);
		if (s->stopfd >= 0)
			(void)!eventfd_write(s->stopfd, 1);
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void pool_join(struct p9_server *s)
{
	if (s->joined)
		return;
	for (unsigned i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i].thread, NULL);
	s->joined = true;
}

void p9_server_free(struct p9_server *s)
{
	if (!s)
		return;
	if (s->nworkers) {
		pool_stop(s, 0); /* workers never released by p9_server_run() exit */
		pool_join(s);
	}
	for (unsigned i = 0; i < s->nworkers; i++)
		worker_fini(&s->workers[i]);
	free(s->workers);
	worker_fini(&s->self);
	if (s->stopfd >= 0)
		close(s->stopfd);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->recv_lock);
	pthread_rwlock_destroy(&s->session);
	free(s);
}

void p9_server_set_hooks(struct p9_server *s, int (*begin)(void *arg, const struct p9_fcall *t),
			 void (*end)(void *arg, const struct p9_fcall *t))
{
	s->begin = begin;
	s->end = end;
}

void p9_server_set_trace(struct p9_server *s, void (*trace)(void *arg, const char *line), void *arg)
{
	s->trace = trace;
	s->trace_arg = arg;
}

bool p9_server_has_fd_donation(const struct p9_server *s)
{
	return s->fd_donation;
}

/* "<request> -> <reply>"; t is NULL when the request could not be decoded
 * (then type/tag describe what is known of it). */
static void trace_exchange(struct p9_server *s, const struct p9_fcall *t, uint8_t type,
			   uint16_t tag, const struct p9_fcall *r, bool donating)
{
	char tl[TRACE_LINE_MAX], rl[TRACE_LINE_MAX], line[2 * TRACE_LINE_MAX + 32];
	const struct p9_msgdesc *d;

	if (!s->trace)
		return;
	if (t) {
		p9_fcall_format(t, tl, sizeof(tl));
	} else {
		d = p9_msg_desc(type);
		if (d)
			snprintf(tl, sizeof(tl), "%s tag=%u <malformed>", d->name, tag);
		else
			snprintf(tl, sizeof(tl), "T?%u tag=%u <unknown type>", type, tag);
	}
	p9_fcall_format(r, rl, sizeof(rl));
	snprintf(line, sizeof(line), "%s -> %s%s", tl, rl, donating ? " +fd (donated)" : "");
	s->trace(s->trace_arg, line);
}

/* Encodes r, the reply to request (type, tag) t, into w->tbuf and traces the
 * exchange; returns the length.  A reply the backend made too big or not
 * encodable becomes Rlerror, without the FD (*fd closed, -1). */
static int encode_reply(struct p9_worker *w, const struct p9_fcall *t, uint8_t type,
			uint16_t tag, struct p9_fcall *r, int *fd)
{
	struct p9_server *s = w->srv;
	uint32_t cap = s->msize ? s->msize : s->max_msize;
	int n;

	r->tag = tag;
	n = p9_pack(w->tbuf, cap, r);
	if (n < 0) {
		int e = -n;

		memset(r, 0, sizeof(*r));
		r->type = P9_RLERROR;
		r->tag = tag;
		r->u.rlerror.ecode = (uint32_t)e;
		n = p9_pack(w->tbuf, cap, r); /* cannot fail: Rlerror is 11 bytes */
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	trace_exchange(s, t, type, tag, r, *fd >= 0);
	return n;
}

/* s->lock held: frees in-flight entry `slot`. */
static void inflight_free(struct p9_server *s, int slot)
{
	s->inflight[slot].state = REQ_FREE;
	s->ninflight--;
	pthread_cond_broadcast(&s->cond);
}

/* s->lock held: moves the Tflushes waiting for entry `slot` onto stack[]
 * (the earliest on top) and marks them replying.  Returns the new depth. */
static int take_flushers(struct p9_server *s, int slot, int *stack, int depth)
{
	int first = depth;

	for (int i = 0; i < P9_SERVER_MAX_INFLIGHT; i++) {
		struct p9_inflight *e = &s->inflight[i];

		if (e->state != REQ_FLUSHING || e->flush_of != slot)
			continue;
		e->state = REQ_REPLYING;
		stack[depth++] = i;
	}
	/* latest arrival at the bottom, earliest on top */
	for (int a = first; a < depth; a++)
		for (int b = a + 1; b < depth; b++)
			if (s->inflight[stack[b]].seq > s->inflight[stack[a]].seq) {
				int x = stack[a];

				stack[a] = stack[b];
				stack[b] = x;
			}
	return depth;
}

/* Sends the Rflush of the waiting Tflush in entry `slot` (now replying). */
static int send_rflush(struct p9_worker *w, int slot)
{
	struct p9_server *s = w->srv;
	struct p9_fcall t = { .type = P9_TFLUSH }, r = { .type = P9_RFLUSH };
	int n, fd = -1, rc;

	pthread_mutex_lock(&s->lock);
	t.tag = s->inflight[slot].tag;
	t.u.tflush.oldtag = s->inflight[slot].oldtag;
	pthread_mutex_unlock(&s->lock);
	n = encode_reply(w, &t, t.type, t.tag, &r, &fd);
	rc = p9_send_packet(s->sock, w->tbuf, (size_t)n, -1);
	return rc;
}

/*
 * Request `slot` has been answered: its tag is free again, and the Tflushes
 * that waited for that answer are answered now, in arrival order (and those
 * waiting for them after each).  This is the flush rule: an Rflush never
 * overtakes the reply of the request it flushed.
 */
static int complete(struct p9_worker *w, int slot)
{
	struct p9_server *s = w->srv;
	int stack[P9_SERVER_MAX_INFLIGHT], depth = 0, rc = 0;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		inflight_free(s, slot);
		depth = take_flushers(s, slot, stack, depth);
		pthread_mutex_unlock(&s->lock);
		if (depth == 0)
			return rc;
		slot = stack[--depth];
		if (rc == 0)
			rc = send_rflush(w, slot);
	}
}

/* Sends the reply of q encoded in w->tbuf[0..len) with fd (closed after),
 * then completes q.  1 on success, 0 when the peer is gone, -errno on
 * another socket error. */
static int send_reply(struct p9_worker *w, const struct request *q, int len, int fd)
{
	struct p9_server *s = w->srv;
	int rc, rc2;

	/* replying: a new request may reuse the tag as soon as the client has
	 * the reply, which may be before this worker is back */
	pthread_mutex_lock(&s->lock);
	s->inflight[q->slot].state = REQ_REPLYING;
	pthread_mutex_unlock(&s->lock);
	rc = p9_send_packet(s->sock, w->tbuf, (size_t)len, fd);
	if (fd >= 0)
		close(fd);
	rc2 = complete(w, q->slot);
	if (rc == 0)
		rc = rc2;
	if (rc == -EPIPE || rc == -ECONNRESET)
		return 0;
	return rc < 0 ? rc : 1;
}

static int answer(struct p9_worker *w, const struct request *q, const struct p9_fcall *t,
		  struct p9_fcall *r, int fd)
{
	int n = encode_reply(w, t, q->type, q->tag, r, &fd);

	return send_reply(w, q, n, fd);
}

static int answer_error(struct p9_worker *w, const struct request *q, const struct p9_fcall *t,
			int err)
{
	struct p9_fcall r = { .type = P9_RLERROR };

	if (err <= 0 || err > MAX_ERRNO)
		err = EIO;
	r.u.rlerror.ecode = (uint32_t)err;
	return answer(w, q, t, &r, -1);
}

/* Tversion; the session is held exclusively: no other request runs. */
static int handle_version(struct p9_worker *w, const struct request *q, const struct p9_fcall *t)
{
	struct p9_server *s = w->srv;
	struct p9_fcall r = { .type = P9_RVERSION };
	uint32_t msize = t->u.tversion.msize;
	bool ext;

	if (msize > s->max_msize)
		msize = s->max_msize;
	/* A Tversion ends the previous session whatever its outcome. */
	s->msize = 0;
	s->fd_donation = false;
	if (p9_str_eq(t->u.tversion.version, P9_VERSION_RUNSC)) {
		ext = true;
	} else if (p9_str_eq(t->u.tversion.version, P9_VERSION_L)) {
		ext = false;
	} else {
		if (s->ops->reset)
			s->ops->reset(s->arg, 0, false);
		r.u.rversion.msize = msize;
		r.u.rversion.version = p9_str_make(P9_VERSION_UNKNOWN);
		return answer(w, q, t, &r, -1);
	}
	if (msize < P9_MIN_MSIZE) {
		if (s->ops->reset)
			s->ops->reset(s->arg, 0, false);
		return answer_error(w, q, t, EINVAL);
	}
	s->msize = msize;
	s->fd_donation = ext;
	if (s->ops->reset)
		s->ops->reset(s->arg, msize, ext);
	r.u.rversion.msize = msize;
	r.u.rversion.version = t->u.tversion.version;
	return answer(w, q, t, &r, -1);
}

/* Calls the backend for request t, filling r and maybe *fd. Returns the
 * backend's result, or -EOPNOTSUPP when it has no callback for the type.
 * s is the worker serving t: s->iobuf is t's I/O buffer.  in_fd: the FD
 * that came with t, or -1; only a Tinotify callback sees it. */
static int dispatch(struct p9_worker *s, struct p9_fcall *t, struct p9_fcall *r, int *fd,
		    int in_fd)
{
	const struct p9_server_ops *ops = s->srv->ops;
	void *arg = s->srv->arg;
	uint32_t iomax = s->srv->msize - P9_IOHDRSZ;

	r->type = t->type + 1;

/* op with a reply body / with an empty reply / with a reply and an FD /
 * with a reply and an I/O buffer of t->count bytes */
#define CALL(T, op) case T: \
	return ops->op ? ops->op(arg, &t->u.t##op, &r->u.r##op) : -EOPNOTSUPP
#define CALL0(T, op) case T: \
	return ops->op ? ops->op(arg, &t->u.t##op) : -EOPNOTSUPP
#define CALLFD(T, op) case T: \
	return ops->op ? ops->op(arg, &t->u.t##op, &r->u.r##op, fd) : -EOPNOTSUPP
#define CALLIO(T, op) case T: \
	if (t->u.t##op.count > iomax) \
		t->u.t##op.count = iomax; \
	return ops->op ? ops->op(arg, &t->u.t##op, &r->u.r##op, s->iobuf) : -EOPNOTSUPP

	switch (t->type) {
	CALL(P9_TAUTH, auth);
	CALL(P9_TATTACH, attach);
	CALL(P9_TWALK, walk);
	CALLIO(P9_TREAD, read);
	CALL(P9_TWRITE, write);
	CALL0(P9_TCLUNK, clunk);
	CALL0(P9_TREMOVE, remove);
	CALL(P9_TSTATFS, statfs);
	CALLFD(P9_TLOPEN, lopen);
	CALLFD(P9_TLCREATE, lcreate);
	CALL(P9_TSYMLINK, symlink);
	CALL(P9_TMKNOD, mknod);
	CALL0(P9_TRENAME, rename);
	CALL(P9_TREADLINK, readlink);
	CALL(P9_TGETATTR, getattr);
	CALL0(P9_TSETATTR, setattr);
	CALL(P9_TXATTRWALK, xattrwalk);
	CALL0(P9_TXATTRCREATE, xattrcreate);
	CALLIO(P9_TREADDIR, readdir);
	CALL0(P9_TFSYNC, fsync);
	CALL(P9_TLOCK, lock);
	CALL(P9_TGETLOCK, getlock);
	CALL0(P9_TLINK, link);
	CALL(P9_TMKDIR, mkdir);
	CALL0(P9_TRENAMEAT, renameat);
	CALL0(P9_TUNLINKAT, unlinkat);
	CALL(P9_TWALKGETATTR, walkgetattr);
	CALLFD(P9_TWALKOPEN, walkopen);
	case P9_TLCONNECT:
		return ops->lconnect ? ops->lconnect(arg, &t->u.tlconnect, fd) : -EOPNOTSUPP;
	CALL0(P9_TALLOCATE, allocate);
	CALL0(P9_TRENAMEAT2, renameat2);
	CALLFD(P9_TTMPFILE, tmpfile);
	case P9_TUCREATE:
		return ops->ucreate ? ops->ucreate(arg, &t->u.tucreate, &r->u.rucreate, fd) : -EOPNOTSUPP;
	CALL(P9_TUMKDIR, umkdir);
	CALL(P9_TUMKNOD, umknod);
	CALL(P9_TUSYMLINK, usymlink);
	CALL0(P9_TSETATTRCLUNK, setattrclunk);
	case P9_TINOTIFY:
		return ops->inotify ? ops->inotify(arg, &t->u.tinotify, &r->u.rinotify, in_fd)
				    : -EOPNOTSUPP;
	case P9_TBIND:
		return ops->bind ? ops->bind(arg, &t->u.tbind, &r->u.rbind, in_fd) : -EOPNOTSUPP;
	case P9_TMULTIGETATTR:
		if ((uint32_t)t->u.tmultigetattr.wname.n * P9_ATTR_SIZE > iomax)
			return -EMSGSIZE;
		return ops->multigetattr ? ops->multigetattr(arg, &t->u.tmultigetattr,
							     &r->u.rmultigetattr, s->iobuf)
					 : -EOPNOTSUPP;
	}
#undef CALL
#undef CALL0
#undef CALLFD
#undef CALLIO
	return -EOPNOTSUPP; /* Tlerror, R-messages */
}

/* s->lock held: the latest request with tag `tag` still in flight, other
 * than `self`; -1 if none. */
static int inflight_find(struct p9_server *s, uint16_t tag, int self)
{
	int found = -1;

	for (int i = 0; i < P9_SERVER_MAX_INFLIGHT; i++) {
		const struct p9_inflight *e = &s->inflight[i];

		if (i != self && e->state != REQ_FREE && e->tag == tag &&
		    (found < 0 || e->seq > s->inflight[found].seq))
			found = i;
	}
	return found;
}

/* Takes q's tag.  A tag whose request is still running or flushing is a
 * protocol violation (-EPROTO); one whose reply is being sent is free: the
 * client may have that reply already. */
static int inflight_add(struct p9_server *s, struct request *q)
{
	int slot = -1, rc = 1;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < P9_SERVER_MAX_INFLIGHT; i++) {
		const struct p9_inflight *e = &s->inflight[i];

		if (e->state == REQ_FREE && slot < 0)
			slot = i;
		if (e->state != REQ_FREE && e->state != REQ_REPLYING && e->tag == q->tag)
			rc = -EPROTO;
	}
	if (rc > 0) {
		struct p9_inflight *e = &s->inflight[slot]; /* room was waited for */

		e->state = REQ_RUNNING;
		e->tag = q->tag;
		e->flush_of = -1;
		e->seq = s->seq++;
		s->ninflight++;
		q->slot = slot;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* A pool worker waits for a packet (or the pool's end) in the kernel, on the
 * socket itself: with EPOLLEXCLUSIVE a packet wakes one idle worker, so
 * nobody is woken up merely to take over the receiving. */
static int wait_readable(struct p9_worker *w)
{
	struct epoll_event ev[2];

	while (epoll_wait(w->epfd, ev, 2, -1) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* s->lock held: whether this worker may receive (room in flight, no stop);
 * waits while P9_SERVER_MAX_INFLIGHT requests are in flight (the
 * per-connection limit: the socket is not read meanwhile). */
static bool may_receive(struct p9_server *s)
{
	while (s->ninflight == P9_SERVER_MAX_INFLIGHT && !s->stop)
		pthread_cond_wait(&s->cond, &s->lock);
	return !s->stop;
}

/* Takes one packet off the socket into w->rbuf, with recv_lock held on
 * return (also on failure).  A pool worker dequeues without waiting, after
 * wait_readable(), and waits again when another worker was quicker. */
static int dequeue(struct p9_worker *w, struct request *q)
{
	struct p9_server *s = w->srv;
	int fds[P9_RECV_MAXFDS], nfds, rc;

	for (;;) {
		if (w->epfd >= 0 && (rc = wait_readable(w)) < 0) {
			pthread_mutex_lock(&s->recv_lock);
			return rc;
		}
		pthread_mutex_lock(&s->recv_lock);
		pthread_mutex_lock(&s->lock);
		rc = may_receive(s);
		pthread_mutex_unlock(&s->lock);
		if (!rc)
			return 0;
		if (w->epfd < 0)
			q->len = p9_recv_packet(s->sock, w->rbuf, s->max_msize, fds, &nfds, &q->flags);
		else
			q->len = p9_try_recv_packet(s->sock, w->rbuf, s->max_msize, fds, &nfds, &q->flags);
		if (q->len != -EAGAIN)
			break;
		pthread_mutex_unlock(&s->recv_lock);
	}
	/* One FD is kept for the request to look at (only a Tinotify's is
	 * ever used: handle()); several are a malformed request, and go. */
	if (q->len > 0 && nfds == 1)
		q->fd = fds[0];
	else if (q->len > 0)
		p9_close_fds(fds, nfds);
	return q->len;
}

/*
 * The receive turn: dequeues one packet, checks its header and takes its
 * tag, with recv_lock held on return: requests are registered in the order
 * they arrived.  1, 0 when the peer is gone or the pool stops, or a fatal
 * -errno: -EPROTO for an unreadable header, a size field that is not the
 * packet's length or a tag already in flight.
 */
static int receive(struct p9_worker *w, struct request *q)
{
	struct p9_server *s = w->srv;
	uint32_t size;
	int rc = dequeue(w, q);

	if (rc <= 0)
		return rc;
	if (p9_peek_header(w->rbuf, (size_t)q->len, &size, &q->type, &q->tag) < 0)
		return -EPROTO;
	if (!(q->flags & P9_RECV_TRUNC) && size != (uint32_t)q->len)
		return -EPROTO;
	return inflight_add(s, q);
}

/* Tflush: if the flushed request is still in flight, this Rflush waits for
 * its reply (complete() sends it); otherwise it goes out now. */
static int handle_flush(struct p9_worker *w, const struct request *q, const struct p9_fcall *t)
{
	struct p9_server *s = w->srv;
	struct p9_fcall r = { .type = P9_RFLUSH };
	int target;

	pthread_mutex_lock(&s->lock);
	target = inflight_find(s, t->u.tflush.oldtag, q->slot);
	if (target >= 0) {
		struct p9_inflight *e = &s->inflight[q->slot];

		e->state = REQ_FLUSHING;
		e->flush_of = target;
		e->oldtag = t->u.tflush.oldtag;
	}
	pthread_mutex_unlock(&s->lock);
	if (target >= 0)
		return 1;
	return answer(w, q, t, &r, -1);
}

/* Serves request q (the session lock held).  An FD the request brought
 * is the callback's for the call only, and closed before the reply leaves:
 * a client that has its answer finds nothing of it left in the server. */
static int handle(struct p9_worker *w, struct request *q)
{
	struct p9_server *s = w->srv;
	struct p9_fcall t, r;
	int n, rc, fd = -1;

	if (q->fd >= 0 && q->type != P9_TINOTIFY && q->type != P9_TBIND) {
		close(q->fd);   /* no other request takes one */
		q->fd = -1;
	}

	if ((q->flags & P9_RECV_TRUNC) || (s->msize && (uint32_t)q->len > s->msize))
		return answer_error(w, q, NULL, EMSGSIZE);
	rc = p9_unpack(w->rbuf, (size_t)q->len, &t);
	if (rc < 0)
		return answer_error(w, q, NULL, rc == -EOPNOTSUPP ? EOPNOTSUPP : EINVAL);
	if (t.type == P9_TVERSION)
		return handle_version(w, q, &t);
	if (!s->msize)
		return answer_error(w, q, &t, EPROTO);
	if (t.type == P9_TFLUSH)
		return handle_flush(w, q, &t);
	if (t.type >= P9_TWALKGETATTR && !s->fd_donation)
		return answer_error(w, q, &t, EOPNOTSUPP); /* extensions not negotiated */
	if (s->begin && (rc = s->begin(s->arg, &t)) < 0)
		return answer_error(w, q, &t, -rc);
	memset(&r, 0, sizeof(r));
	rc = dispatch(w, &t, &r, &fd, q->fd);
	if (q->fd >= 0) {
		close(q->fd);
		q->fd = -1;
	}
	if (fd >= 0 && (rc < 0 || !s->fd_donation)) {
		close(fd); /* never leak; never donate without the extension */
		fd = -1;
	}
	if (rc < 0) {
		memset(&r, 0, sizeof(r));
		r.type = P9_RLERROR;
		r.u.rlerror.ecode = (uint32_t)(-rc <= MAX_ERRNO ? -rc : EIO);
	}
	n = encode_reply(w, &t, q->type, q->tag, &r, &fd);
	/* the reply is encoded: nothing of the backend's is referenced any more */
	if (s->end)
		s->end(s->arg, &t);
	return send_reply(w, q, n, fd);
}

/* Receives and serves one request on worker w. */
static int serve_one(struct p9_worker *w)
{
	struct p9_server *s = w->srv;
	struct request q = { .fd = -1 };
	int rc;

	rc = receive(w, &q);
	/* Taken before the next packet is received: a Tversion waits for the
	 * requests before it, and those after it wait for the Tversion. */
	if (rc > 0 && q.type == P9_TVERSION)
		pthread_rwlock_wrlock(&s->session);
	else if (rc > 0)
		pthread_rwlock_rdlock(&s->session);
	pthread_mutex_unlock(&s->recv_lock);
	if (rc > 0) {
		rc = handle(w, &q);
		pthread_rwlock_unlock(&s->session);
	}
	/* whatever became of the request, an FD it brought is not kept */
	if (q.fd >= 0)
		close(q.fd);
	return rc;
}

int p9_server_handle_one(struct p9_server *s)
{
	return serve_one(&s->self);
}

static void *worker_main(void *arg)
{
	struct p9_worker *w = arg;
	struct p9_server *s = w->srv;
	int rc;

	pthread_mutex_lock(&s->lock);
	s->nparked++;
	pthread_cond_broadcast(&s->cond);
	while (!s->go && !s->stop)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	do
		rc = serve_one(w);
	while (rc > 0);
	pool_stop(s, rc);
	return NULL;
}

/* The epoll set a pool worker waits on: the socket, shared exclusively
 * with the other workers (one is woken per packet), and the stop eventfd,
 * which wakes them all. */
static int worker_watch(struct p9_worker *w)
{
	struct p9_server *s = w->srv;
	struct epoll_event sock = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct epoll_event stop = { .events = EPOLLIN };

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->sock, &sock) < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->stopfd, &stop) < 0)
		return -errno;
	return 0;
}

int p9_server_start(struct p9_server *s, unsigned nworkers)
{
	int rc = 0;

	if (nworkers == 0 || s->workers)
		return -EINVAL;
	s->workers = calloc(nworkers, sizeof(*s->workers));
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (!s->workers || s->stopfd < 0)
		return s->workers ? -errno : -ENOMEM;
	for (; s->nworkers < nworkers; s->nworkers++) {
		struct p9_worker *w = &s->workers[s->nworkers];

		rc = worker_init(w, s);
		if (rc == 0)
			rc = worker_watch(w);
		if (rc == 0)
			rc = -pthread_create(&w->thread, NULL, worker_main, w);
		if (rc < 0) {
			worker_fini(w);
			break;
		}
	}
	if (rc < 0) { /* the workers made so far exit; p9_server_free() reaps them */
		pool_stop(s, 0);
		pool_join(s);
		return rc;
	}
	/* Every worker has run its start-up (the C library's per-thread
	 * set-up makes system calls a policy installed next may refuse). */
	pthread_mutex_lock(&s->lock);
	while (s->nparked < s->nworkers)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int p9_server_run(struct p9_server *s)
{
	int rc;

	if (!s->nworkers) {
		do
			rc = p9_server_handle_one(s);
		while (rc > 0);
		return rc;
	}
	pthread_mutex_lock(&s->lock);
	s->go = !s->stop;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pool_join(s);
	return s->result;
}
