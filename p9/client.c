/*
 * p9 client: synchronous 9P2000.L round trips for the sentry.
 *
 * One request is outstanding at a time (c->lock is held for the whole round
 * trip); tags are still real and checked. Any transport-level surprise kills
 * the client for good (-EIO), so a dead or misbehaving gofer can never make
 * the sentry hang or act on garbage.
 */
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

struct p9_client {
	int sock;
	uint32_t msize;          /* negotiated; tbuf and rbuf hold at least this */
	bool fd_donation;        /* runsc-lite extension negotiated */
	atomic_bool dead;

	pthread_mutex_t lock;    /* one round trip at a time: tag, tbuf, rbuf, trace */
	uint16_t next_tag;
	uint8_t *tbuf, *rbuf;
	void (*trace)(void *arg, const char *line);
	void *trace_arg;

	pthread_mutex_t fid_lock;
	uint32_t next_fid;
	uint32_t *free_fids;     /* numbers given back, reused first */
	size_t nfree, free_cap;
};

static int client_fail(struct p9_client *c)
{
	atomic_store(&c->dead, true);
	return -EIO;
}

/* fd: an FD that came with the message (shown so the debug log proves the
 * donation), or -1. */
static void trace_fcall(struct p9_client *c, const struct p9_fcall *fc, int fd)
{
	char line[TRACE_LINE_MAX + 32];

	if (!c->trace)
		return;
	int n = p9_fcall_format(fc, line, TRACE_LINE_MAX);
	if (fd >= 0 && n >= 0)
		snprintf(line + strlen(line), 32, " fd=%d (donated)", fd);
	c->trace(c->trace_arg, line);
}

/*
 * One round trip; c->lock must be held. tx->tag is assigned here. On success
 * rx holds the reply (of type tx->type + 1; its strings and data point into
 * c->rbuf, valid until the lock is dropped). An Rlerror is returned as
 * -ecode. fd_out, when not NULL, receives the FD donated with an Rlopen or
 * Rlcreate, or -1; an FD on any other reply is a protocol violation.
 */
static int rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out)
{
	int fds[P9_RECV_MAXFDS], nfds, flags, n, rc;

	if (fd_out)
		*fd_out = -1;
	if (atomic_load(&c->dead))
		return -EIO;
	if (tx->type == P9_TVERSION) {
		tx->tag = P9_NOTAG;
	} else {
		tx->tag = c->next_tag++;
		if (c->next_tag == P9_NOTAG)
			c->next_tag = 0;
	}
	n = p9_pack(c->tbuf, c->msize, tx);
	if (n < 0)
		return n; /* the caller's arguments do not fit: not a transport error */
	trace_fcall(c, tx, -1);
	if (p9_send_packet(c->sock, c->tbuf, (size_t)n, -1) < 0)
		return client_fail(c);

	n = p9_recv_packet(c->sock, c->rbuf, c->msize, fds, &nfds, &flags);
	if (n <= 0 || flags)
		goto bad;
	if (p9_unpack(c->rbuf, (size_t)n, rx) < 0 || rx->tag != tx->tag)
		goto bad;
	trace_fcall(c, rx, nfds > 0 ? fds[0] : -1);
	if (rx->type == P9_RLERROR) {
		uint32_t e = rx->u.rlerror.ecode;

		if (nfds || e == 0 || e > MAX_ERRNO)
			goto bad;
		return -(int)e;
	}
	if (rx->type != tx->type + 1)
		goto bad;
	if (nfds) {
		if (!fd_out || (rx->type != P9_RLOPEN && rx->type != P9_RLCREATE) ||
		    !c->fd_donation || nfds != 1)
			goto bad;
		*fd_out = fds[0];
	}
	return 0;
bad:
	p9_close_fds(fds, nfds);
	rc = client_fail(c);
	return rc;
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
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->fid_lock);
	free(c->tbuf);
	free(c->rbuf);
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
	rc = rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (p9_str_eq(rx.u.rversion.version, P9_VERSION_RUNSC))
		c->fd_donation = true;
	else if (p9_str_eq(rx.u.rversion.version, P9_VERSION_L))
		c->fd_donation = false;
	else
		return -EPROTONOSUPPORT;
	if (rx.u.rversion.msize > msize || rx.u.rversion.msize < P9_MIN_MSIZE)
		return client_fail(c);
	c->msize = rx.u.rversion.msize;
	return 0;
}

int p9_client_open(struct p9_client **out, int sock, uint32_t msize, const char *aname,
		   uint32_t *root_fid, struct p9_qid *root_qid)
{
	struct p9_fcall tx = { .type = P9_TATTACH }, rx;
	struct p9_client *c;
	uint32_t fid;
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
	atomic_init(&c->dead, false);
	c->next_fid = 1;
	if (msize < P9_MIN_MSIZE)
		msize = P9_MIN_MSIZE;
	if (msize > P9_MAX_MSIZE)
		msize = P9_MAX_MSIZE;
	c->msize = msize;
	c->tbuf = malloc(msize);
	c->rbuf = malloc(msize);
	if (!c->tbuf || !c->rbuf) {
		client_free(c);
		return -ENOMEM;
	}
	/* A packet must fit the socket send buffer (best effort). */
	if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == 0 &&
	    sndbuf < (int)(2 * msize)) {
		sndbuf = (int)(2 * msize);
		(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}

	pthread_mutex_lock(&c->lock);
	rc = negotiate(c, msize);
	if (rc == 0) {
		fid = p9_fid_alloc(c);
		tx.u.tattach.fid = fid;
		tx.u.tattach.afid = P9_NOFID;
		tx.u.tattach.uname = p9_str_make("");
		tx.u.tattach.aname = p9_str_make(aname);
		tx.u.tattach.n_uname = 0;
		rc = rpc(c, &tx, &rx, NULL);
		if (rc == 0) {
			if (root_fid)
				*root_fid = fid;
			if (root_qid)
				*root_qid = rx.u.rattach.qid;
		}
	}
	pthread_mutex_unlock(&c->lock);
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

int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, uint16_t nwname,
	    const char *const *names, struct p9_qid *qids, uint16_t *nqid)
{
	struct p9_fcall tx = { .type = P9_TWALK }, rx;
	int rc;

	if (nqid)
		*nqid = 0;
	if (nwname > P9_MAXWELEM || (nwname && !names))
		return -EINVAL;
	tx.u.twalk.fid = fid;
	tx.u.twalk.newfid = newfid;
	tx.u.twalk.wname.n = nwname;
	for (unsigned i = 0; i < nwname; i++) {
		if (!names[i])
			return -EINVAL;
		tx.u.twalk.wname.name[i] = p9_str_make(names[i]);
	}
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
		const struct p9_qids *q = &rx.u.rwalk.wqid;

		if (q->n > nwname) {
			rc = client_fail(c);
		} else {
			if (qids)
				memcpy(qids, q->qid, q->n * sizeof(q->qid[0]));
			if (nqid)
				*nqid = q->n;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int p9_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_attr *out)
{
	struct p9_fcall tx = { .type = P9_TGETATTR }, rx;
	int rc;

	tx.u.tgetattr.fid = fid;
	tx.u.tgetattr.request_mask = mask;
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		*out = rx.u.rgetattr;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* Tlopen and Tlcreate: the replies share one layout, qid[13] iounit[4],
 * and may carry a donated FD. */
static int open_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_qid *qid,
		    uint32_t *iounit, int *host_fd)
{
	struct p9_fcall rx;
	int rc, fd;

	if (host_fd)
		*host_fd = -1;
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, tx, &rx, &fd);
	if (rc == 0) {
		struct p9_qid q = tx->type == P9_TLOPEN ? rx.u.rlopen.qid : rx.u.rlcreate.qid;
		uint32_t io = tx->type == P9_TLOPEN ? rx.u.rlopen.iounit : rx.u.rlcreate.iounit;

		if (qid)
			*qid = q;
		if (iounit)
			*iounit = io;
		if (host_fd)
			*host_fd = fd;
		else if (fd >= 0)
			close(fd);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
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

int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, uint32_t count, void *buf)
{
	struct p9_fcall tx = { .type = P9_TREADDIR }, rx;
	int rc;

	if (count > c->msize - P9_IOHDRSZ)
		count = c->msize - P9_IOHDRSZ;
	tx.u.treaddir.fid = fid;
	tx.u.treaddir.offset = offset;
	tx.u.treaddir.count = count;
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
		const struct p9_data *d = &rx.u.rreaddir.data;

		if (d->count > count) {
			rc = client_fail(c);
		} else {
			if (d->count)
				memcpy(buf, d->data, d->count);
			rc = (int)d->count;
		}
	}
	pthread_mutex_unlock(&c->lock);
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
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
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *out)
{
	struct p9_fcall tx = { .type = P9_TSTATFS }, rx;
	int rc;

	tx.u.tstatfs.fid = fid;
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		*out = rx.u.rstatfs;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int p9_clunk(struct p9_client *c, uint32_t fid)
{
	struct p9_fcall tx = { .type = P9_TCLUNK }, rx;
	int rc;

	tx.u.tclunk.fid = fid;
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	pthread_mutex_unlock(&c->lock);
	p9_fid_free(c, fid); /* gone on the server even after Rlerror */
	return rc;
}
