/*
 * p9 server framing: receive one packet, decode it with the table, hand the
 * typed request to the backend's callback for its type, encode the reply (or
 * Rlerror) and send it with an optional donated FD. Knows nothing of files.
 */
#include "p9/p9.h"
#include "p9/transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRACE_LINE_MAX 2048
#define MAX_ERRNO 4095

struct p9_server {
	int sock;
	uint32_t max_msize;
	uint32_t msize;          /* of the current session; 0 before Tversion */
	bool fd_donation;
	const struct p9_server_ops *ops;
	void *arg;
	uint8_t *rbuf, *tbuf;    /* max_msize each */
	uint8_t *iobuf;          /* payload of Rread/Rreaddir */
	void (*trace)(void *arg, const char *line);
	void *trace_arg;
};

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
	s->rbuf = malloc(max_msize);
	s->tbuf = malloc(max_msize);
	s->iobuf = malloc(max_msize);
	if (!s->rbuf || !s->tbuf || !s->iobuf) {
		p9_server_free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void p9_server_free(struct p9_server *s)
{
	if (!s)
		return;
	free(s->rbuf);
	free(s->tbuf);
	free(s->iobuf);
	free(s);
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

/* Sends r (closing fd afterwards in every case). 1 on success, 0 when the
 * peer is gone, -errno on another socket error. */
static int send_reply(struct p9_server *s, const struct p9_fcall *t, uint8_t type,
		      uint16_t tag, struct p9_fcall *r, int fd)
{
	uint32_t cap = s->msize ? s->msize : s->max_msize;
	int n, rc;

	r->tag = tag;
	n = p9_pack(s->tbuf, cap, r);
	if (n < 0) {
		/* The backend produced a reply that does not fit or is not
		 * encodable: answer Rlerror instead, without the FD. */
		int e = -n;

		memset(r, 0, sizeof(*r));
		r->type = P9_RLERROR;
		r->tag = tag;
		r->u.rlerror.ecode = (uint32_t)e;
		n = p9_pack(s->tbuf, cap, r);
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (n < 0)
			return n; /* cannot happen: Rlerror is 11 bytes */
	}
	trace_exchange(s, t, type, tag, r, fd >= 0);
	rc = p9_send_packet(s->sock, s->tbuf, (size_t)n, fd);
	if (fd >= 0)
		close(fd);
	if (rc == -EPIPE || rc == -ECONNRESET)
		return 0;
	return rc < 0 ? rc : 1;
}

static int send_error(struct p9_server *s, const struct p9_fcall *t, uint8_t type,
		      uint16_t tag, int err)
{
	struct p9_fcall r = { .type = P9_RLERROR };

	if (err <= 0 || err > MAX_ERRNO)
		err = EIO;
	r.u.rlerror.ecode = (uint32_t)err;
	return send_reply(s, t, type, tag, &r, -1);
}

static int handle_version(struct p9_server *s, const struct p9_fcall *t)
{
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
		return send_reply(s, t, t->type, t->tag, &r, -1);
	}
	if (msize < P9_MIN_MSIZE) {
		if (s->ops->reset)
			s->ops->reset(s->arg, 0, false);
		return send_error(s, t, t->type, t->tag, EINVAL);
	}
	s->msize = msize;
	s->fd_donation = ext;
	if (s->ops->reset)
		s->ops->reset(s->arg, msize, ext);
	r.u.rversion.msize = msize;
	r.u.rversion.version = t->u.tversion.version;
	return send_reply(s, t, t->type, t->tag, &r, -1);
}

/* Calls the backend for request t, filling r and maybe *fd. Returns the
 * backend's result, or -EOPNOTSUPP when it has no callback for the type. */
static int dispatch(struct p9_server *s, struct p9_fcall *t, struct p9_fcall *r, int *fd)
{
	const struct p9_server_ops *ops = s->ops;
	void *arg = s->arg;
	uint32_t iomax = s->msize - P9_IOHDRSZ;

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
	case P9_TUCREATE:
		return ops->ucreate ? ops->ucreate(arg, &t->u.tucreate, &r->u.rucreate, fd) : -EOPNOTSUPP;
	CALL(P9_TUMKDIR, umkdir);
	CALL(P9_TUMKNOD, umknod);
	CALL(P9_TUSYMLINK, usymlink);
	CALL0(P9_TSETATTRCLUNK, setattrclunk);
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

int p9_server_handle_one(struct p9_server *s)
{
	struct p9_fcall t, r;
	int fds[P9_RECV_MAXFDS], nfds, flags, n, rc, fd = -1;
	uint32_t size;
	uint8_t type;
	uint16_t tag;

	n = p9_recv_packet(s->sock, s->rbuf, s->max_msize, fds, &nfds, &flags);
	if (n <= 0)
		return n;
	p9_close_fds(fds, nfds); /* the gofer never accepts FDs */
	if (p9_peek_header(s->rbuf, (size_t)n, &size, &type, &tag) < 0)
		return -EPROTO;
	if ((flags & P9_RECV_TRUNC) || (s->msize && (uint32_t)n > s->msize))
		return send_error(s, NULL, type, tag, EMSGSIZE);

	rc = p9_unpack(s->rbuf, (size_t)n, &t);
	if (rc == -EPROTO)
		return -EPROTO;
	if (rc < 0)
		return send_error(s, NULL, type, tag, rc == -EOPNOTSUPP ? EOPNOTSUPP : EINVAL);
	if (t.type == P9_TVERSION)
		return handle_version(s, &t);
	if (!s->msize)
		return send_error(s, &t, type, tag, EPROTO);
	if (t.type == P9_TFLUSH) {
		memset(&r, 0, sizeof(r));
		r.type = P9_RFLUSH;
		return send_reply(s, &t, type, tag, &r, -1);
	}

	if (t.type >= P9_TWALKGETATTR && !s->fd_donation)
		return send_error(s, &t, type, tag, EOPNOTSUPP); /* extensions not negotiated */
	memset(&r, 0, sizeof(r));
	rc = dispatch(s, &t, &r, &fd);
	if (fd >= 0 && (rc < 0 || !s->fd_donation)) {
		close(fd); /* never leak; never donate without the extension */
		fd = -1;
	}
	if (rc < 0)
		return send_error(s, &t, type, tag, -rc);
	return send_reply(s, &t, type, tag, &r, fd);
}

int p9_server_run(struct p9_server *s)
{
	int rc;

	do
		rc = p9_server_handle_one(s);
	while (rc > 0);
	return rc;
}
