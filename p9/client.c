/*
 * p9 client: 9P2000.L round trips for the sentry, several at once.
 *
 * Multiplexing.  Each request in flight owns a slot: its tag is the slot's
 * index (Tversion's is P9_NOTAG), and the slot holds its request buffer and
 * its reply buffer, so a reply stays valid until p9_rpc_done() whatever the
 * other threads do.  At most P9_CLIENT_MAX_REQUESTS requests are in flight;
 * further callers wait for a slot.  A few more slots are kept for Tflush,
 * so that abandoning a request never waits for the requests it is stuck
 * behind.
 *
 * Receiving: leader/follower.  One waiting caller at a time (the leader)
 * receives for everyone: a reply for another slot is handed over by
 * swapping the two reply buffers (no copy) and waking that slot's owner;
 * when the leader's own reply arrives it passes the role to a waiting
 * owner.  A lone caller therefore receives its own reply with no thread
 * switch (the round trip costs what it cost before multiplexing), and no
 * thread is ever created: besides sendmsg/recvmsg the client needs futex
 * (and shutdown, once, when it dies) under the sentry's seccomp policy.
 *
 * Death.  Any transport-level surprise (peer gone, send/recv error,
 * truncated or malformed reply, unknown tag, wrong reply type, unexpected
 * FD) kills the client for good: every caller in flight and every later
 * call gets -EIO.  Killing shuts the socket down, which wakes the leader
 * out of recvmsg(), and wakes every follower, so nobody hangs on a dead or
 * misbehaving gofer.
 *
 * Abandoning (p9_rpc_cancel, p9_client_interrupt): the request's owner
 * stops waiting (-EINTR) and a Tflush(oldtag) goes out; the slot keeps its
 * tag until the Rflush arrives, and a reply to the original that arrives
 * before it is dropped (its FD closed).  Those late packets are absorbed by
 * whichever caller leads at the time.
 */
#include "p9/client_internal.h"
#include "p9/p9.h"
#include "p9/transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TRACE_LINE_MAX 2048
#define MAX_ERRNO 4095
#define NSLOTS (P9_CLIENT_MAX_REQUESTS + 8) /* the 8 extra ones carry only Tflush */

enum { SLOT_FREE, SLOT_SENT, SLOT_DONE };

struct slot {
	uint8_t state;
	uint8_t type;            /* of the request */
	bool counted;            /* takes one of P9_CLIENT_MAX_REQUESTS */
	bool on_wire;            /* sent: a Tflush for it may follow */
	bool waiting;            /* the owner sleeps on cond */
	bool abandoned;          /* nobody wants the reply: dropped on arrival */
	int flush_of;            /* a Tflush: the slot freed with it at Rflush (-1: none) */
	pthread_t owner;
	uint8_t *tbuf, *rbuf;    /* bufsize each; rbuf moves between slots */
	uint32_t len;            /* of the reply in rbuf */
	int fds[P9_RECV_MAXFDS], nfds;
	pthread_cond_t cond;
};

struct p9_client {
	int sock;
	uint32_t msize;          /* negotiated; the slot buffers hold at least this */
	uint32_t bufsize;
	bool fd_donation;        /* runsc-lite extension negotiated */
	atomic_bool dead;

	pthread_mutex_t lock;    /* the slots, leader, nrequests, trace */
	pthread_cond_t room;     /* a slot was freed */
	struct slot slots[NSLOTS];
	unsigned nrequests;      /* counted slots taken */
	unsigned next_slot;      /* where the search for a free slot starts */
	int leader;              /* slot whose owner receives for everyone, or -1 */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;

	pthread_mutex_t fid_lock;
	uint32_t next_fid;
	uint32_t *free_fids;     /* numbers given back, reused first */
	size_t nfree, free_cap;
};

/* fd: an FD that came with the message (shown so the debug log proves the
 * donation, or that a Tinotify sent its instance), or -1.  c->lock held. */
static void trace_fcall(struct p9_client *c, const struct p9_fcall *fc, int fd)
{
	char line[TRACE_LINE_MAX + 32];

	if (!c->trace)
		return;
	int n = p9_fcall_format(fc, line, TRACE_LINE_MAX);
	if (fd >= 0 && n >= 0)
		snprintf(line + strlen(line), 32, " fd=%d (%s)", fd, fc->type % 2 ? "donated" : "sent");
	c->trace(c->trace_arg, line);
}

static int slot_index(const struct p9_client *c, const struct slot *s)
{
	return (int)(s - c->slots);
}

static uint16_t slot_tag(const struct p9_client *c, const struct slot *s)
{
	return s->type == P9_TVERSION ? P9_NOTAG : (uint16_t)slot_index(c, s);
}

/* c->lock held: the slot of `tag` in `state`, or NULL. */
static struct slot *slot_by_tag(struct p9_client *c, uint16_t tag, int state)
{
	struct slot *s = NULL;

	if (tag == P9_NOTAG) {
		for (int i = 0; i < NSLOTS && !s; i++)
			if (c->slots[i].type == P9_TVERSION && c->slots[i].state == state)
				s = &c->slots[i];
	} else if (tag < NSLOTS) {
		s = &c->slots[tag];
	}
	return s && s->state == state && slot_tag(c, s) == tag ? s : NULL;
}

/* c->lock held: wakes the owner of s if it sleeps. */
static void slot_wake(struct slot *s)
{
	if (s->waiting)
		pthread_cond_signal(&s->cond);
}

/* c->lock held: marks the client dead and wakes everyone (the leader by
 * shutting the socket down under its recvmsg). */
static void kill_locked(struct p9_client *c)
{
	if (atomic_exchange(&c->dead, true))
		return;
	shutdown(c->sock, SHUT_RDWR);
	for (int i = 0; i < NSLOTS; i++)
		slot_wake(&c->slots[i]);
	pthread_cond_broadcast(&c->room);
}

static int client_fail(struct p9_client *c)
{
	pthread_mutex_lock(&c->lock);
	kill_locked(c);
	pthread_mutex_unlock(&c->lock);
	return -EIO;
}

/* c->lock held: gives s back (closing FDs nobody took). */
static void slot_release(struct p9_client *c, struct slot *s)
{
	p9_close_fds(s->fds, s->nfds);
	s->nfds = 0;
	s->state = SLOT_FREE;
	if (s->counted)
		c->nrequests--;
	pthread_cond_broadcast(&c->room);
}

/* c->lock held: a free slot for a request of `type` (a Tflush may use the
 * slots kept for it), waiting while there is none.  Slots, hence tags, are
 * taken round robin: a tag is reused as late as possible, so a stray reply
 * is more likely to hit no request than the wrong one (Tversion, whose tag
 * is P9_NOTAG, uses no number up).  -EIO once dead, -ENOMEM when the slot's
 * buffers cannot be had. */
static int slot_take(struct p9_client *c, uint8_t type, struct slot **out)
{
	bool counted = type != P9_TFLUSH;

	for (;;) {
		if (atomic_load(&c->dead))
			return -EIO;
		for (int k = 0; k < NSLOTS && (!counted || c->nrequests < P9_CLIENT_MAX_REQUESTS); k++) {
			int i = (int)((c->next_slot + (unsigned)k) % NSLOTS);
			struct slot *s = &c->slots[i];

			if (s->state != SLOT_FREE)
				continue;
			if (!s->tbuf)
				s->tbuf = malloc(c->bufsize);
			if (!s->rbuf)
				s->rbuf = malloc(c->bufsize);
			if (!s->tbuf || !s->rbuf)
				return -ENOMEM;
			s->state = SLOT_SENT;
			s->type = type;
			s->counted = counted;
			s->on_wire = s->waiting = s->abandoned = false;
			s->flush_of = -1;
			s->owner = pthread_self();
			s->nfds = 0;
			c->nrequests += counted;
			if (type != P9_TVERSION)
				c->next_slot = (unsigned)i + 1;
			*out = s;
			return 0;
		}
		pthread_cond_wait(&c->room, &c->lock);
	}
}

/* The FD-donating replies (PROTOCOL.md 5, 5d). */
static bool carries_fd(uint8_t type)
{
	return type == P9_RLOPEN || type == P9_RLCREATE || type == P9_RWALKOPEN ||
	       type == P9_RLCONNECT || type == P9_RUCREATE || type == P9_RTMPFILE;
}

/* Decodes the reply in s and checks it answers s's request: the tag, type
 * (request + 1 or Rlerror with an errno), FDs (one, on an FD-donating reply
 * with the extension, only if want_fd).  0 or -EIO. */
static int check_reply(const struct p9_client *c, const struct slot *s, bool want_fd,
		       struct p9_fcall *rx)
{
	if (p9_unpack(s->rbuf, s->len, rx) < 0 || rx->tag != slot_tag(c, s))
		return -EIO;
	if (rx->type == P9_RLERROR) {
		uint32_t e = rx->u.rlerror.ecode;

		return s->nfds || e == 0 || e > MAX_ERRNO ? -EIO : 0;
	}
	if (rx->type != s->type + 1)
		return -EIO;
	if (s->nfds && (!want_fd || !carries_fd(rx->type) || !c->fd_donation || s->nfds != 1))
		return -EIO;
	return 0;
}

/* c->lock held: the reply of an abandoned slot s arrived.  Its FDs are
 * closed; an Rflush frees the Tflush's slot and the one it flushed, whose
 * tag only now becomes reusable. */
static void drop_reply(struct p9_client *c, struct slot *s)
{
	struct p9_fcall rx;

	if (check_reply(c, s, true, &rx) < 0) {
		kill_locked(c);
		return;
	}
	p9_close_fds(s->fds, s->nfds);
	s->nfds = 0;
	if (s->type != P9_TFLUSH)
		return; /* stays SLOT_DONE: its Rflush is still to come */
	if (s->flush_of >= 0)
		slot_release(c, &c->slots[s->flush_of]);
	slot_release(c, s);
}

/* c->lock held: hands the packet the leader (slot l) received into its rbuf
 * to the slot it answers. */
static void route(struct p9_client *c, struct slot *l, int n, const int *fds, int nfds, int flags)
{
	struct slot *s = NULL;
	uint32_t size;
	uint8_t type;
	uint16_t tag;

	if (n > 0 && !flags && p9_peek_header(l->rbuf, (size_t)n, &size, &type, &tag) == 0)
		s = slot_by_tag(c, tag, SLOT_SENT);
	if (!s) {
		/* EOF, an error, a truncated packet, a reply to nobody */
		p9_close_fds(fds, nfds);
		kill_locked(c);
		return;
	}
	if (s != l) {
		uint8_t *b = s->rbuf;

		s->rbuf = l->rbuf;
		l->rbuf = b;
	}
	s->len = (uint32_t)n;
	s->nfds = nfds;
	memcpy(s->fds, fds, (size_t)nfds * sizeof(int));
	s->state = SLOT_DONE;
	if (c->trace) {
		struct p9_fcall rx;

		if (p9_unpack(s->rbuf, s->len, &rx) == 0)
			trace_fcall(c, &rx, nfds ? fds[0] : -1);
	}
	if (s->abandoned)
		drop_reply(c, s);
	else
		slot_wake(s);
}

/* c->lock held, s is the leader: receives one packet (unlocked) and routes it. */
static void lead_once(struct p9_client *c, struct slot *s)
{
	int fds[P9_RECV_MAXFDS], nfds, flags, n;
	uint8_t *buf = s->rbuf;

	pthread_mutex_unlock(&c->lock);
	n = p9_recv_packet(c->sock, buf, c->msize, fds, &nfds, &flags);
	pthread_mutex_lock(&c->lock);
	route(c, s, n, fds, nfds, flags);
}

/* c->lock held: the leader leaves; a waiting owner takes over. */
static void step_down(struct p9_client *c)
{
	c->leader = -1;
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &c->slots[i];

		if (s->state == SLOT_SENT && s->waiting && !s->abandoned) {
			pthread_cond_signal(&s->cond);
			return;
		}
	}
}

/* c->lock held: waits for s's reply, receiving for everyone when nobody
 * else does.  0 (SLOT_DONE), -EINTR (abandoned: the slot is no longer the
 * caller's), -EIO (dead). */
static int await(struct p9_client *c, struct slot *s)
{
	int me = slot_index(c, s), rc;

	for (;;) {
		if (s->abandoned) {
			rc = -EINTR;
			break;
		}
		if (s->state == SLOT_DONE) {
			rc = 0;
			break;
		}
		if (atomic_load(&c->dead)) {
			rc = -EIO;
			break;
		}
		if (c->leader < 0 || c->leader == me) {
			c->leader = me;
			lead_once(c, s);
			continue;
		}
		s->waiting = true;
		pthread_cond_wait(&s->cond, &c->lock);
		s->waiting = false;
	}
	if (c->leader == me)
		step_down(c);
	return rc;
}

/* Sends a Tflush for slot `target` (NULL: for no request, P9_NOTAG, whose
 * Rflush comes at once and so wakes the leader).  Nobody waits for it. */
static void send_flush(struct p9_client *c, struct slot *target)
{
	struct p9_fcall tx = { .type = P9_TFLUSH };

	pthread_mutex_lock(&c->lock);
	tx.u.tflush.oldtag = target ? slot_tag(c, target) : P9_NOTAG;
	pthread_mutex_unlock(&c->lock);
	if (p9_rpc_send(c, &tx) < 0)
		return; /* dead: nothing is waited for any more */
	pthread_mutex_lock(&c->lock);
	struct slot *f = &c->slots[tx.tag];
	f->flush_of = target ? slot_index(c, target) : -1;
	f->abandoned = true;
	if (f->state == SLOT_DONE) /* its Rflush came already */
		drop_reply(c, f);
	pthread_mutex_unlock(&c->lock);
}

/* c->lock held: nobody will take s's reply any more.  Returns 1 when s was
 * still waiting for it; then *flush says whether the caller must send the
 * Tflush now (s is on the wire; otherwise its sender does it once it is)
 * and *ping whether s's owner is the leader, blocked in recvmsg. */
static int abandon_locked(struct p9_client *c, struct slot *s, bool *flush, bool *ping)
{
	*flush = *ping = false;
	if (s->state != SLOT_SENT || s->abandoned || s->type == P9_TFLUSH)
		return 0; /* answered already, or not a call */
	s->abandoned = true;
	slot_wake(s);
	*flush = s->on_wire;
	*ping = s->on_wire && c->leader == slot_index(c, s);
	return 1;
}

static void abandon_send(struct p9_client *c, struct slot *s, bool flush, bool ping)
{
	if (flush)
		send_flush(c, s);
	if (ping)
		send_flush(c, NULL);
}

/* ---- the internal round-trip API (client_internal.h) ------------------------- */

/* Sends tx, with fd in SCM_RIGHTS when fd >= 0 (the sender keeps its copy). */
static int rpc_send(struct p9_client *c, struct p9_fcall *tx, int fd)
{
	struct slot *s;
	int n, rc;
	bool late;

	pthread_mutex_lock(&c->lock);
	rc = slot_take(c, tx->type, &s);
	if (rc == 0)
		tx->tag = slot_tag(c, s);
	pthread_mutex_unlock(&c->lock);
	if (rc < 0)
		return rc;
	n = p9_pack(s->tbuf, c->msize, tx);
	if (n < 0) { /* the caller's arguments do not fit: not a transport error */
		pthread_mutex_lock(&c->lock);
		slot_release(c, s);
		pthread_mutex_unlock(&c->lock);
		return n;
	}
	pthread_mutex_lock(&c->lock);
	trace_fcall(c, tx, fd);
	pthread_mutex_unlock(&c->lock);
	rc = p9_send_packet(c->sock, s->tbuf, (size_t)n, fd);
	pthread_mutex_lock(&c->lock);
	if (rc < 0) {
		kill_locked(c);
		if (s->state == SLOT_SENT)
			slot_release(c, s);
		pthread_mutex_unlock(&c->lock);
		return -EIO;
	}
	s->on_wire = true;
	late = s->abandoned; /* abandoned while being sent: flushed now */
	pthread_mutex_unlock(&c->lock);
	if (late)
		send_flush(c, s);
	return 0;
}

int p9_rpc_send(struct p9_client *c, struct p9_fcall *tx)
{
	return rpc_send(c, tx, -1);
}

int p9_rpc_wait(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out)
{
	struct slot *s;
	int rc;

	if (fd_out)
		*fd_out = -1;
	pthread_mutex_lock(&c->lock);
	s = slot_by_tag(c, tx->tag, SLOT_SENT);
	if (!s)
		s = slot_by_tag(c, tx->tag, SLOT_DONE);
	rc = s ? await(c, s) : -EINVAL;
	if (rc == -EIO)
		slot_release(c, s);
	pthread_mutex_unlock(&c->lock);
	if (rc < 0)
		return rc;
	if (check_reply(c, s, fd_out != NULL, rx) < 0) {
		pthread_mutex_lock(&c->lock);
		slot_release(c, s);
		kill_locked(c);
		pthread_mutex_unlock(&c->lock);
		return -EIO;
	}
	if (rx->type == P9_RLERROR) {
		rc = -(int)rx->u.rlerror.ecode;
		p9_rpc_done(c, rx);
		return rc;
	}
	if (s->nfds) {
		*fd_out = s->fds[0];
		s->nfds = 0;
	}
	return 0;
}

int p9_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out)
{
	int rc;

	if (fd_out)
		*fd_out = -1;
	rc = p9_rpc_send(c, tx);
	if (rc < 0)
		return rc;
	return p9_rpc_wait(c, tx, rx, fd_out);
}

int p9_rpc_with_fd(struct p9_client *c, struct p9_fcall *tx, int fd, struct p9_fcall *rx)
{
	int rc = rpc_send(c, tx, fd);

	return rc < 0 ? rc : p9_rpc_wait(c, tx, rx, NULL);
}

void p9_rpc_done(struct p9_client *c, struct p9_fcall *rx)
{
	struct slot *s;

	pthread_mutex_lock(&c->lock);
	s = slot_by_tag(c, rx->tag, SLOT_DONE);
	if (s)
		slot_release(c, s);
	pthread_mutex_unlock(&c->lock);
}

int p9_rpc_noreply(struct p9_client *c, struct p9_fcall *tx)
{
	struct p9_fcall rx;
	int rc = p9_rpc(c, tx, &rx, NULL);

	if (rc == 0)
		p9_rpc_done(c, &rx);
	return rc;
}

int p9_rpc_cancel(struct p9_client *c, const struct p9_fcall *tx)
{
	struct slot *s;
	bool flush, ping;
	int rc;

	pthread_mutex_lock(&c->lock);
	s = slot_by_tag(c, tx->tag, SLOT_SENT);
	rc = s ? abandon_locked(c, s, &flush, &ping) : 0;
	pthread_mutex_unlock(&c->lock);
	if (rc > 0)
		abandon_send(c, s, flush, ping);
	return rc;
}

int p9_client_interrupt(struct p9_client *c, pthread_t thread)
{
	struct slot *s = NULL;
	bool flush = false, ping = false;
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < NSLOTS && rc == 0; i++) {
		s = &c->slots[i];
		if (s->state == SLOT_SENT && pthread_equal(s->owner, thread))
			rc = abandon_locked(c, s, &flush, &ping);
	}
	pthread_mutex_unlock(&c->lock);
	if (rc > 0)
		abandon_send(c, s, flush, ping);
	return rc;
}

int p9_client_fail(struct p9_client *c)
{
	return client_fail(c);
}

bool p9_client_ext(const struct p9_client *c)
{
	return c->fd_donation;
}

/* ---- fids --------------------------------------------------------------- */

uint32_t p9_fid_alloc(struct p9_client *c)
{
	uint32_t fid;

	pthread_mutex_lock(&c->fid_lock);
	if (c->nfree) {
		fid = c->free_fids[--c->nfree];
	} else {
		fid = c->next_fid++;
		if (c->next_fid == P9_NOFID)
			c->next_fid = 0;
	}
	pthread_mutex_unlock(&c->fid_lock);
	return fid;
}

void p9_fid_free(struct p9_client *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	pthread_mutex_lock(&c->fid_lock);
	if (c->nfree == c->free_cap) {
		size_t ncap = c->free_cap ? c->free_cap * 2 : 64;
		uint32_t *p = realloc(c->free_fids, ncap * sizeof(*p));

		if (!p) { /* the number is merely not reused */
			pthread_mutex_unlock(&c->fid_lock);
			return;
		}
		c->free_fids = p;
		c->free_cap = ncap;
	}
	c->free_fids[c->nfree++] = fid;
	pthread_mutex_unlock(&c->fid_lock);
}

/* ---- session ------------------------------------------------------------ */

static void client_free(struct p9_client *c)
{
	if (c->sock >= 0)
		close(c->sock);
	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &c->slots[i];

		p9_close_fds(s->fds, s->nfds);
		pthread_cond_destroy(&s->cond);
		free(s->tbuf);
		free(s->rbuf);
	}
	pthread_cond_destroy(&c->room);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->fid_lock);
	free(c->free_fids);
	free(c);
}

void p9_client_close(struct p9_client *c)
{
	if (c)
		client_free(c);
}

static int negotiate(struct p9_client *c, uint32_t msize)
{
	struct p9_fcall tx = { .type = P9_TVERSION }, rx;
	int rc;

	tx.u.tversion.msize = msize;
	tx.u.tversion.version = p9_str_make(P9_VERSION_RUNSC);
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (p9_str_eq(rx.u.rversion.version, P9_VERSION_RUNSC))
		c->fd_donation = true;
	else if (p9_str_eq(rx.u.rversion.version, P9_VERSION_L))
		c->fd_donation = false;
	else
		rc = -EPROTONOSUPPORT;
	if (rc == 0 && (rx.u.rversion.msize > msize || rx.u.rversion.msize < P9_MIN_MSIZE))
		rc = client_fail(c);
	if (rc == 0)
		c->msize = rx.u.rversion.msize; /* no other request is in flight */
	p9_rpc_done(c, &rx);
	return rc;
}

static int attach(struct p9_client *c, const char *aname, uint32_t *root_fid, struct p9_qid *root_qid)
{
	struct p9_fcall tx = { .type = P9_TATTACH }, rx;
	uint32_t fid = p9_fid_alloc(c);
	int rc;

	tx.u.tattach.fid = fid;
	tx.u.tattach.afid = P9_NOFID;
	tx.u.tattach.uname = p9_str_make("");
	tx.u.tattach.aname = p9_str_make(aname);
	tx.u.tattach.n_uname = 0;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (root_fid)
		*root_fid = fid;
	if (root_qid)
		*root_qid = rx.u.rattach.qid;
	p9_rpc_done(c, &rx);
	return 0;
}

int p9_client_attach(struct p9_client *c, const char *aname, uint32_t *root_fid,
		     struct p9_qid *root_qid)
{
	return attach(c, aname, root_fid, root_qid);
}

int p9_client_open(struct p9_client **out, int sock, uint32_t msize, const char *aname,
		   uint32_t *root_fid, struct p9_qid *root_qid)
{
	struct p9_client *c;
	int rc, sndbuf;
	socklen_t sl = sizeof(sndbuf);

	*out = NULL;
	if (sock < 0)
		return -EBADF;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sock);
		return -ENOMEM;
	}
	c->sock = sock;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->fid_lock, NULL);
	pthread_cond_init(&c->room, NULL);
	for (int i = 0; i < NSLOTS; i++)
		pthread_cond_init(&c->slots[i].cond, NULL);
	atomic_init(&c->dead, false);
	c->leader = -1;
	c->next_fid = 1;
	if (msize < P9_MIN_MSIZE)
		msize = P9_MIN_MSIZE;
	if (msize > P9_MAX_MSIZE)
		msize = P9_MAX_MSIZE;
	c->msize = c->bufsize = msize;
	/* A packet must fit the socket send buffer (best effort). */
	if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 &&
	    sndbuf < (int)(2 * msize)) {
		sndbuf = (int)(2 * msize);
		(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}

	rc = negotiate(c, msize);
	if (rc == 0)
		rc = attach(c, aname, root_fid, root_qid);
	if (rc < 0) {
		client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

bool p9_client_has_fd_donation(const struct p9_client *c)
{
	return c->fd_donation;
}

uint32_t p9_client_msize(const struct p9_client *c)
{
	return c->msize;
}

bool p9_client_is_dead(const struct p9_client *c)
{
	return atomic_load(&((struct p9_client *)c)->dead);
}

void p9_client_set_trace(struct p9_client *c, void (*trace)(void *arg, const char *line), void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->trace = trace;
	c->trace_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

/* ---- requests ----------------------------------------------------------- */

/* Fills a Twalk body (also the body of Twalkgetattr). */
static int walk_names(struct p9_wnames *w, uint16_t nwname, const char *const *names)
{
	if (nwname > P9_MAXWELEM || (nwname && !names))
		return -EINVAL;
	w->n = nwname;
	for (unsigned i = 0; i < nwname; i++) {
		if (!names[i])
			return -EINVAL;
		w->name[i] = p9_str_make(names[i]);
	}
	return 0;
}

/* Copies out an Rwalk-style qid array (a server that returns more qids than
 * names asked for is broken). */
static int walk_qids(struct p9_client *c, const struct p9_qids *q, uint16_t nwname,
		     struct p9_qid *qids, uint16_t *nqid)
{
	if (q->n > nwname)
		return client_fail(c);
	if (qids)
		memcpy(qids, q->qid, q->n * sizeof(q->qid[0]));
	if (nqid)
		*nqid = q->n;
	return 0;
}

int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
	    const char *const *names, struct p9_qid *qids, uint16_t *nqid)
{
	struct p9_fcall tx = { .type = P9_TWALK }, rx;
	int rc;

	if (nqid)
		*nqid = 0;
	tx.u.twalk.fid = fid;
	tx.u.twalk.newfid = newfid;
	rc = walk_names(&tx.u.twalk.wname, nwname, names);
	if (rc < 0)
		return rc;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	rc = walk_qids(c, &rx.u.rwalk.wqid, nwname, qids, nqid);
	p9_rpc_done(c, &rx);
	return rc;
}

int p9_walk_getattr(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
		    const char *const *names, struct p9_qid *qids, uint16_t *nqid,
		    struct p9_attr *attr)
{
	if (!c->fd_donation) {
		uint16_t n = 0;
		int rc = p9_walk(c, fid, newfid, nwname, names, qids, &n);
		if (nqid)
			*nqid = n;
		if (rc < 0 || n < nwname) {
			memset(attr, 0, sizeof(*attr));
			return rc;
		}
		return p9_getattr(c, newfid, P9_GETATTR_BASIC, attr);
	}
	struct p9_fcall tx = { .type = P9_TWALKGETATTR }, rx;
	int rc;

	if (nqid)
		*nqid = 0;
	tx.u.twalkgetattr.fid = fid;
	tx.u.twalkgetattr.newfid = newfid;
	rc = walk_names(&tx.u.twalkgetattr.wname, nwname, names);
	if (rc < 0)
		return rc;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	rc = walk_qids(c, &rx.u.rwalkgetattr.wqid, nwname, qids, nqid);
	if (rc == 0)
		*attr = rx.u.rwalkgetattr.attr;
	p9_rpc_done(c, &rx);
	return rc;
}

int p9_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_attr *out)
{
	struct p9_fcall tx = { .type = P9_TGETATTR }, rx;
	int rc;

	tx.u.tgetattr.fid = fid;
	tx.u.tgetattr.request_mask = mask;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	*out = rx.u.rgetattr;
	p9_rpc_done(c, &rx);
	return 0;
}

/* Tlopen, Tlcreate and Twalkopen: the replies share one layout, qid[13]
 * iounit[4], and may carry a donated FD. */
static int open_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_qid *qid,
		    uint32_t *iounit, int *host_fd)
{
	struct p9_fcall rx;
	int rc, fd;

	if (host_fd)
		*host_fd = -1;
	rc = p9_rpc(c, tx, &rx, &fd);
	if (rc < 0)
		return rc;
	struct p9_qid q = rx.u.rlcreate.qid;
	uint32_t io = rx.u.rlcreate.iounit;

	if (tx->type == P9_TLOPEN)
		q = rx.u.rlopen.qid, io = rx.u.rlopen.iounit;
	else if (tx->type == P9_TWALKOPEN)
		q = rx.u.rwalkopen.qid, io = rx.u.rwalkopen.iounit;
	p9_rpc_done(c, &rx);
	if (qid)
		*qid = q;
	if (iounit)
		*iounit = io;
	if (host_fd)
		*host_fd = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
}

int p9_walk_open(struct p9_client *c, uint32_t fid, uint16_t nwname, const char *const *names,
		 uint32_t linux_flags, struct p9_qid *qid, int *host_fd)
{
	struct p9_fcall tx = { .type = P9_TWALKOPEN };
	int rc;

	*host_fd = -1;
	if (!c->fd_donation)
		return -EOPNOTSUPP;
	tx.u.twalkopen.fid = fid;
	tx.u.twalkopen.flags = p9_lopen_flags_to_p9(linux_flags);
	rc = walk_names(&tx.u.twalkopen.wname, nwname, names);
	if (rc < 0)
		return rc;
	return open_rpc(c, &tx, qid, NULL, host_fd);
}

int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t linux_flags, struct p9_qid *qid,
	     uint32_t *iounit, int *host_fd)
{
	struct p9_fcall tx = { .type = P9_TLOPEN };

	tx.u.tlopen.fid = fid;
	tx.u.tlopen.flags = p9_lopen_flags_to_p9(linux_flags);
	return open_rpc(c, &tx, qid, iounit, host_fd);
}

int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t linux_flags,
	       uint32_t mode, uint32_t gid, struct p9_qid *qid, uint32_t *iounit, int *host_fd)
{
	struct p9_fcall tx = { .type = P9_TLCREATE };

	if (host_fd)
		*host_fd = -1;
	if (!name)
		return -EINVAL;
	tx.u.tlcreate.fid = fid;
	tx.u.tlcreate.name = p9_str_make(name);
	tx.u.tlcreate.flags = p9_lopen_flags_to_p9(linux_flags);
	tx.u.tlcreate.mode = mode;
	tx.u.tlcreate.gid = gid;
	return open_rpc(c, &tx, qid, iounit, host_fd);
}

/* Copies the data of an Rread/Rreaddir asked for `count` bytes into buf;
 * returns its length (more than asked is a broken server: -EIO). */
static int copy_data(struct p9_client *c, const struct p9_data *d, uint32_t count, void *buf)
{
	if (d->count > count)
		return client_fail(c);
	if (d->count)
		memcpy(buf, d->data, d->count);
	return (int)d->count;
}

/* An Rreaddir entry of the longest name: qid[13] offset[8] type[1] name[2+255]. */
#define DIRENT_MAX (13 + 8 + 1 + 2 + 255)

int p9_readdir_end(struct p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf,
		   bool *at_end)
{
	if (count > c->msize - P9_IOHDRSZ)
		count = c->msize - P9_IOHDRSZ;
	int n = p9_readdir(c, fid, offset, count, buf);
	*at_end = n >= 0 && c->fd_donation && (uint32_t)n + DIRENT_MAX <= count;
	return n;
}

int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf)
{
	struct p9_fcall tx = { .type = P9_TREADDIR }, rx;
	int rc;

	if (count > c->msize - P9_IOHDRSZ)
		count = c->msize - P9_IOHDRSZ;
	tx.u.treaddir.fid = fid;
	tx.u.treaddir.offset = offset;
	tx.u.treaddir.count = count;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	rc = copy_data(c, &rx.u.rreaddir.data, count, buf);
	p9_rpc_done(c, &rx);
	return rc;
}

static uint64_t le_get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int p9_dirent_next(const void *buf, size_t len, size_t *pos, struct p9_dirent *ent)
{
	/* qid[13] offset[8] type[1] namelen[2] name[namelen] */
	enum { FIXED = 13 + 8 + 1 + 2 };
	const uint8_t *p = buf;
	size_t at = *pos, namelen;

	if (at >= len)
		return 0;
	if (len - at < FIXED)
		return -EPROTO;
	p += at;
	namelen = (size_t)le_get(p + 22, 2);
	if (namelen == 0 || namelen > len - at - FIXED)
		return -EPROTO;
	ent->qid.type = p[0];
	ent->qid.version = (uint32_t)le_get(p + 1, 4);
	ent->qid.path = le_get(p + 5, 8);
	ent->offset = le_get(p + 13, 8);
	ent->type = p[21];
	ent->namelen = (uint16_t)namelen;
	ent->name = (const char *)p + FIXED;
	*pos = at + FIXED + namelen;
	return 1;
}

int p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t cap)
{
	struct p9_fcall tx = { .type = P9_TREADLINK }, rx;
	int rc;

	tx.u.treadlink.fid = fid;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	const struct p9_str *t = &rx.u.rreadlink.target;

	if (memchr(t->str, '\0', t->len)) {
		rc = client_fail(c);
	} else if (t->len + 1 > cap) {
		rc = -ENAMETOOLONG;
	} else {
		memcpy(buf, t->str, t->len);
		buf[t->len] = '\0';
		rc = (int)t->len;
	}
	p9_rpc_done(c, &rx);
	return rc;
}

int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *out)
{
	struct p9_fcall tx = { .type = P9_TSTATFS }, rx;
	int rc;

	tx.u.tstatfs.fid = fid;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	*out = rx.u.rstatfs;
	p9_rpc_done(c, &rx);
	return 0;
}

int p9_clunk(struct p9_client *c, uint32_t fid)
{
	struct p9_fcall tx = { .type = P9_TCLUNK }, rx;
	int rc;

	tx.u.tclunk.fid = fid;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		p9_rpc_done(c, &rx);
	/* gone on the server even after Rlerror; after an abandoned Tclunk the
	 * number is not reused: the server may clunk it later */
	if (rc != -EINTR)
		p9_fid_free(c, fid);
	return rc;
}

/* ---- creating, linking, renaming, removing ------------------------------- */

/* A request whose reply has an empty body. */
static int rpc_noreply(struct p9_client *c, struct p9_fcall *tx)
{
	return p9_rpc_noreply(c, tx);
}

/* Tmkdir, Tsymlink, Tmknod: replies of one qid. */
static int rpc_qid(struct p9_client *c, struct p9_fcall *tx, struct p9_qid *qid)
{
	struct p9_fcall rx;
	int rc;

	rc = p9_rpc(c, tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (qid) {
		if (tx->type == P9_TMKDIR)
			*qid = rx.u.rmkdir.qid;
		else if (tx->type == P9_TSYMLINK)
			*qid = rx.u.rsymlink.qid;
		else
			*qid = rx.u.rmknod.qid;
	}
	p9_rpc_done(c, &rx);
	return 0;
}

int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
	     struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TMKDIR };

	if (!name)
		return -EINVAL;
	tx.u.tmkdir.dfid = dfid;
	tx.u.tmkdir.name = p9_str_make(name);
	tx.u.tmkdir.mode = mode;
	tx.u.tmkdir.gid = gid;
	return rpc_qid(c, &tx, qid);
}

int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
	       uint32_t gid, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TSYMLINK };

	if (!name || !target)
		return -EINVAL;
	tx.u.tsymlink.fid = dfid;
	tx.u.tsymlink.name = p9_str_make(name);
	tx.u.tsymlink.symtgt = p9_str_make(target);
	tx.u.tsymlink.gid = gid;
	return rpc_qid(c, &tx, qid);
}

int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	     uint32_t major, uint32_t minor, uint32_t gid, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TMKNOD };

	if (!name)
		return -EINVAL;
	tx.u.tmknod.dfid = dfid;
	tx.u.tmknod.name = p9_str_make(name);
	tx.u.tmknod.mode = mode;
	tx.u.tmknod.major = major;
	tx.u.tmknod.minor = minor;
	tx.u.tmknod.gid = gid;
	return rpc_qid(c, &tx, qid);
}

int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	struct p9_fcall tx = { .type = P9_TLINK };

	if (!name)
		return -EINVAL;
	tx.u.tlink.dfid = dfid;
	tx.u.tlink.fid = fid;
	tx.u.tlink.name = p9_str_make(name);
	return rpc_noreply(c, &tx);
}

int p9_renameat(struct p9_client *c, uint32_t olddirfid, const char *oldname,
		uint32_t newdirfid, const char *newname)
{
	struct p9_fcall tx = { .type = P9_TRENAMEAT };

	if (!oldname || !newname)
		return -EINVAL;
	tx.u.trenameat.olddirfid = olddirfid;
	tx.u.trenameat.oldname = p9_str_make(oldname);
	tx.u.trenameat.newdirfid = newdirfid;
	tx.u.trenameat.newname = p9_str_make(newname);
	return rpc_noreply(c, &tx);
}

int p9_rename(struct p9_client *c, uint32_t fid, uint32_t dfid, const char *name)
{
	struct p9_fcall tx = { .type = P9_TRENAME };

	if (!name)
		return -EINVAL;
	tx.u.trename.fid = fid;
	tx.u.trename.dfid = dfid;
	tx.u.trename.name = p9_str_make(name);
	return rpc_noreply(c, &tx);
}

int p9_unlinkat(struct p9_client *c, uint32_t dirfid, const char *name, uint32_t flags)
{
	struct p9_fcall tx = { .type = P9_TUNLINKAT };

	if (!name)
		return -EINVAL;
	tx.u.tunlinkat.dirfid = dirfid;
	tx.u.tunlinkat.name = p9_str_make(name);
	tx.u.tunlinkat.flags = flags;
	return rpc_noreply(c, &tx);
}

int p9_remove(struct p9_client *c, uint32_t fid)
{
	struct p9_fcall tx = { .type = P9_TREMOVE };
	int rc;

	tx.u.tremove.fid = fid;
	rc = rpc_noreply(c, &tx);
	if (rc != -EINTR) /* as p9_clunk */
		p9_fid_free(c, fid); /* 9P: gone on the server even after Rlerror */
	return rc;
}

/* ---- attributes ----------------------------------------------------------- */

int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *attr)
{
	struct p9_fcall tx = { .type = P9_TSETATTR };

	if (!attr)
		return -EINVAL;
	tx.u.tsetattr.fid = fid;
	tx.u.tsetattr.valid = attr->valid;
	tx.u.tsetattr.mode = attr->mode;
	tx.u.tsetattr.uid = attr->uid;
	tx.u.tsetattr.gid = attr->gid;
	tx.u.tsetattr.size = attr->size;
	tx.u.tsetattr.atime_sec = attr->atime_sec;
	tx.u.tsetattr.atime_nsec = attr->atime_nsec;
	tx.u.tsetattr.mtime_sec = attr->mtime_sec;
	tx.u.tsetattr.mtime_nsec = attr->mtime_nsec;
	return rpc_noreply(c, &tx);
}

int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync)
{
	struct p9_fcall tx = { .type = P9_TFSYNC };

	tx.u.tfsync.fid = fid;
	tx.u.tfsync.datasync = datasync ? 1 : 0;
	return rpc_noreply(c, &tx);
}

/* ---- I/O through the gofer ------------------------------------------------- */

/* Twrite header + fid[4] offset[8] count[4] */
#define TWRITE_OVERHEAD (P9_HDRSZ + 4u + 8u + 4u)

int p9_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t count)
{
	struct p9_fcall tx = { .type = P9_TREAD }, rx;
	int rc;

	if (count > c->msize - P9_IOHDRSZ)
		count = c->msize - P9_IOHDRSZ;
	if (count && !buf)
		return -EINVAL;
	tx.u.tread.fid = fid;
	tx.u.tread.offset = offset;
	tx.u.tread.count = count;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	rc = copy_data(c, &rx.u.rread.data, count, buf);
	p9_rpc_done(c, &rx);
	return rc;
}

int p9_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf, uint32_t count)
{
	struct p9_fcall tx = { .type = P9_TWRITE }, rx;
	int rc;

	if (count > c->msize - TWRITE_OVERHEAD)
		count = c->msize - TWRITE_OVERHEAD;
	if (count && !buf)
		return -EINVAL;
	tx.u.twrite.fid = fid;
	tx.u.twrite.offset = offset;
	tx.u.twrite.data.data = buf;
	tx.u.twrite.data.count = count;
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	rc = rx.u.rwrite.count > count ? client_fail(c) : (int)rx.u.rwrite.count;
	p9_rpc_done(c, &rx);
	return rc;
}

/* ---- extended attributes ---------------------------------------------------- */

#define XATTR_MAX 65536u /* Linux XATTR_SIZE_MAX == XATTR_LIST_MAX */

/* Reads exactly size bytes of an xattr fid into buf. */
static int read_full(struct p9_client *c, uint32_t xfid, void *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		int n = p9_read(c, xfid, done, (char *)buf + done, (uint32_t)(size - done));

		if (n < 0)
			return n;
		if (n == 0)
			return -EIO; /* shorter than the server announced */
		done += (size_t)n;
	}
	return 0;
}

/* Txattrwalk from fid into a private new fid, then Treads: the value of
 * name, or (name "") the list of names. */
static ssize_t xattr_fetch(struct p9_client *c, uint32_t fid, const char *name, void *buf, size_t cap)
{
	struct p9_fcall tx = { .type = P9_TXATTRWALK }, rx;
	uint32_t xfid = p9_fid_alloc(c);
	uint64_t size = 0;
	ssize_t rc;

	tx.u.txattrwalk.fid = fid;
	tx.u.txattrwalk.newfid = xfid;
	tx.u.txattrwalk.name = p9_str_make(name);
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
		size = rx.u.rxattrwalk.size;
		p9_rpc_done(c, &rx);
	}
	if (rc < 0) {
		p9_fid_free(c, xfid); /* not created */
		return rc;
	}
	if (size > XATTR_MAX)
		rc = -E2BIG; /* more than Linux can hold */
	else if (cap == 0)
		rc = (ssize_t)size;
	else if (size > cap)
		rc = -ERANGE;
	else if ((rc = read_full(c, xfid, buf, (size_t)size)) == 0)
		rc = (ssize_t)size;
	p9_clunk(c, xfid);
	return rc;
}

ssize_t p9_getxattr(struct p9_client *c, uint32_t fid, const char *name, void *buf, size_t cap)
{
	if (!name || !*name)
		return -ERANGE; /* as getxattr(2); "" would ask for the list */
	if (cap && !buf)
		return -EINVAL;
	return xattr_fetch(c, fid, name, buf, cap);
}

ssize_t p9_listxattr(struct p9_client *c, uint32_t fid, char *buf, size_t cap)
{
	if (cap && !buf)
		return -EINVAL;
	return xattr_fetch(c, fid, "", buf, cap);
}

/* Writes size bytes from value to an xattr fid. */
static int write_full(struct p9_client *c, uint32_t xfid, const void *value, size_t size)
{
	size_t done = 0;

	while (done < size) {
		int n = p9_write(c, xfid, done, (const char *)value + done, (uint32_t)(size - done));

		if (n < 0)
			return n;
		if (n == 0)
			return -ENOSPC; /* the server took less than it announced */
		done += (size_t)n;
	}
	return 0;
}

int p9_setxattr(struct p9_client *c, uint32_t fid, const char *name, const void *value,
		size_t size, int flags)
{
	struct p9_fcall tx = { .type = P9_TXATTRCREATE };
	uint32_t xfid;
	int rc;

	if (!name || !*name)
		return -ERANGE;
	if (size > XATTR_MAX)
		return -E2BIG;
	if (size && !value)
		return -EINVAL;
	xfid = p9_fid_alloc(c);
	rc = p9_walk(c, fid, xfid, 0, NULL, NULL, NULL); /* the private clone */
	if (rc < 0) {
		p9_fid_free(c, xfid);
		return rc;
	}
	tx.u.txattrcreate.fid = xfid;
	tx.u.txattrcreate.name = p9_str_make(name);
	tx.u.txattrcreate.attr_size = size;
	tx.u.txattrcreate.flags = (uint32_t)flags;
	rc = rpc_noreply(c, &tx);
	if (rc == 0)
		rc = write_full(c, xfid, value, size);
	if (rc < 0) {
		p9_clunk(c, xfid); /* nothing is set: the value is incomplete */
		return rc;
	}
	return p9_clunk(c, xfid); /* the server sets the attribute now */
}

int p9_removexattr(struct p9_client *c, uint32_t fid, const char *name)
{
	/* with the extension, an empty value and removal are different things */
	return p9_setxattr(c, fid, name, NULL, 0, c->fd_donation ? (int)P9_XATTR_REMOVE : 0);
}

/* ---- record locks ------------------------------------------------------------ */

int p9_lock(struct p9_client *c, uint32_t fid, uint8_t type, uint32_t flags, uint64_t start,
	    uint64_t length, uint32_t proc_id, const char *client_id, uint8_t *status)
{
	struct p9_fcall tx = { .type = P9_TLOCK }, rx;
	int rc;

	tx.u.tlock.fid = fid;
	tx.u.tlock.type = type;
	tx.u.tlock.flags = flags;
	tx.u.tlock.start = start;
	tx.u.tlock.length = length;
	tx.u.tlock.proc_id = proc_id;
	tx.u.tlock.client_id = p9_str_make(client_id);
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (status)
		*status = rx.u.rlock.status;
	p9_rpc_done(c, &rx);
	return 0;
}

int p9_getlock(struct p9_client *c, uint32_t fid, uint8_t *type, uint64_t *start, uint64_t *length,
	       uint32_t *proc_id)
{
	struct p9_fcall tx = { .type = P9_TGETLOCK }, rx;
	int rc;

	if (!type || !start || !length || !proc_id)
		return -EINVAL;
	tx.u.tgetlock.fid = fid;
	tx.u.tgetlock.type = *type;
	tx.u.tgetlock.start = *start;
	tx.u.tgetlock.length = *length;
	tx.u.tgetlock.proc_id = *proc_id;
	tx.u.tgetlock.client_id = p9_str_make("");
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	*type = rx.u.rgetlock.type;
	*start = rx.u.rgetlock.start;
	*length = rx.u.rgetlock.length;
	*proc_id = rx.u.rgetlock.proc_id;
	p9_rpc_done(c, &rx);
	return 0;
}
