/*
 * p9 client: synchronous 9P2000.L round trips for the sentry.
 *
 * One request is outstanding at a time (c->lock is held for the whole round
 * trip); tags are still real and checked. Any transport-level surprise kills
 * the client for good (-EIO), so a dead or misbehaving gofer can never make
 * the sentry hang or act on garbage.
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
		if (!fd_out ||
		    (rx->type != P9_RLOPEN && rx->type != P9_RLCREATE && rx->type != P9_RWALKOPEN &&
		     rx->type != P9_RLCONNECT && rx->type != P9_RUCREATE) ||
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		rc = walk_qids(c, &rx.u.rwalk.wqid, nwname, qids, nqid);
	pthread_mutex_unlock(&c->lock);
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		rc = walk_qids(c, &rx.u.rwalkgetattr.wqid, nwname, qids, nqid);
	if (rc == 0)
		*attr = rx.u.rwalkgetattr.attr;
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

/* Tlopen, Tlcreate and Twalkopen: the replies share one layout, qid[13]
 * iounit[4], and may carry a donated FD. */
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
		struct p9_qid q = rx.u.rlcreate.qid;
		uint32_t io = rx.u.rlcreate.iounit;

		if (tx->type == P9_TLOPEN)
			q = rx.u.rlopen.qid, io = rx.u.rlopen.iounit;
		else if (tx->type == P9_TWALKOPEN)
			q = rx.u.rwalkopen.qid, io = rx.u.rwalkopen.iounit;

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

/* ---- creating, linking, renaming, removing ------------------------------- */

/* A request whose reply has an empty body. */
/* ---- the internal round-trip API (client_internal.h) ------------------------- */

int p9_rpc(struct p9_client *c, struct p9_fcall *tx, struct p9_fcall *rx, int *fd_out)
{
	pthread_mutex_lock(&c->lock);
	int rc = rpc(c, tx, rx, fd_out);
	if (rc < 0)
		pthread_mutex_unlock(&c->lock);
	return rc;
}

void p9_rpc_done(struct p9_client *c, struct p9_fcall *rx)
{
	(void)rx;
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

int p9_client_fail(struct p9_client *c)
{
	return client_fail(c);
}

bool p9_client_ext(const struct p9_client *c)
{
	return c->fd_donation;
}

static int rpc_noreply(struct p9_client *c, struct p9_fcall *tx)
{
	return p9_rpc_noreply(c, tx);
}

/* Tmkdir, Tsymlink, Tmknod: replies of one qid. */
static int rpc_qid(struct p9_client *c, struct p9_fcall *tx, struct p9_qid *qid)
{
	struct p9_fcall rx;
	int rc;

	pthread_mutex_lock(&c->lock);
	rc = rpc(c, tx, &rx, NULL);
	if (rc == 0 && qid) {
		if (tx->type == P9_TMKDIR)
			*qid = rx.u.rmkdir.qid;
		else if (tx->type == P9_TSYMLINK)
			*qid = rx.u.rsymlink.qid;
		else
			*qid = rx.u.rmknod.qid;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
		const struct p9_data *d = &rx.u.rread.data;

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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		rc = rx.u.rwrite.count > count ? client_fail(c) : (int)rx.u.rwrite.count;
	pthread_mutex_unlock(&c->lock);
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0)
		size = rx.u.rxattrwalk.size;
	pthread_mutex_unlock(&c->lock);
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0 && status)
		*status = rx.u.rlock.status;
	pthread_mutex_unlock(&c->lock);
	return rc;
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
	pthread_mutex_lock(&c->lock);
	rc = rpc(c, &tx, &rx, NULL);
	if (rc == 0) {
		*type = rx.u.rgetlock.type;
		*start = rx.u.rgetlock.start;
		*length = rx.u.rgetlock.length;
		*proc_id = rx.u.rgetlock.proc_id;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}
