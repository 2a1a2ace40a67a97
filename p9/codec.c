/*
 * p9 codec: the message table and the one generic pack/unpack pair it drives.
 *
 * Every 9P2000.L message is described by a format string (one code per wire
 * field, see p9.h) and, for each code, the struct p9_fcall member it binds to
 * (offset, size, name). Adding a message means adding one table line; no
 * per-message marshalling code exists anywhere.
 */
#include "p9/p9.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Binds the next format code to member u.<msg>.<field> of struct p9_fcall. */
#define F(msg, field) { #field, offsetof(struct p9_fcall, u.msg.field), \
			sizeof(((struct p9_fcall *)0)->u.msg.field) }
#define MSG(type, name, fmt, ...) [type] = { name, fmt, { __VA_ARGS__ } }

/* Body layouts of 9P2000.L (diod's protocol description / Linux net/9p).
 * Tfsync carries datasync[4] as Linux sends it. Tlerror is never sent. */
static const struct p9_msgdesc msg_table[P9_NTYPES] = {
	MSG(P9_TLERROR, "Tlerror", ""),
	MSG(P9_RLERROR, "Rlerror", "d", F(rlerror, ecode)),
	MSG(P9_TSTATFS, "Tstatfs", "d", F(tstatfs, fid)),
	MSG(P9_RSTATFS, "Rstatfs", "ddqqqqqqd",
	    F(rstatfs, type), F(rstatfs, bsize), F(rstatfs, blocks),
	    F(rstatfs, bfree), F(rstatfs, bavail), F(rstatfs, files),
	    F(rstatfs, ffree), F(rstatfs, fsid), F(rstatfs, namelen)),
	MSG(P9_TLOPEN, "Tlopen", "dd", F(tlopen, fid), F(tlopen, flags)),
	MSG(P9_RLOPEN, "Rlopen", "Qd", F(rlopen, qid), F(rlopen, iounit)),
	MSG(P9_TLCREATE, "Tlcreate", "dsddd",
	    F(tlcreate, fid), F(tlcreate, name), F(tlcreate, flags),
	    F(tlcreate, mode), F(tlcreate, gid)),
	MSG(P9_RLCREATE, "Rlcreate", "Qd", F(rlcreate, qid), F(rlcreate, iounit)),
	MSG(P9_TSYMLINK, "Tsymlink", "dssd",
	    F(tsymlink, fid), F(tsymlink, name), F(tsymlink, symtgt),
	    F(tsymlink, gid)),
	MSG(P9_RSYMLINK, "Rsymlink", "Q", F(rsymlink, qid)),
	MSG(P9_TMKNOD, "Tmknod", "dsdddd",
	    F(tmknod, dfid), F(tmknod, name), F(tmknod, mode),
	    F(tmknod, major), F(tmknod, minor), F(tmknod, gid)),
	MSG(P9_RMKNOD, "Rmknod", "Q", F(rmknod, qid)),
	MSG(P9_TRENAME, "Trename", "dds",
	    F(trename, fid), F(trename, dfid), F(trename, name)),
	MSG(P9_RRENAME, "Rrename", ""),
	MSG(P9_TREADLINK, "Treadlink", "d", F(treadlink, fid)),
	MSG(P9_RREADLINK, "Rreadlink", "s", F(rreadlink, target)),
	MSG(P9_TGETATTR, "Tgetattr", "dq",
	    F(tgetattr, fid), F(tgetattr, request_mask)),
	MSG(P9_RGETATTR, "Rgetattr", "qQdddqqqqqqqqqqqqqqq",
	    F(rgetattr, valid), F(rgetattr, qid), F(rgetattr, mode),
	    F(rgetattr, uid), F(rgetattr, gid), F(rgetattr, nlink),
	    F(rgetattr, rdev), F(rgetattr, size), F(rgetattr, blksize),
	    F(rgetattr, blocks), F(rgetattr, atime_sec), F(rgetattr, atime_nsec),
	    F(rgetattr, mtime_sec), F(rgetattr, mtime_nsec),
	    F(rgetattr, ctime_sec), F(rgetattr, ctime_nsec),
	    F(rgetattr, btime_sec), F(rgetattr, btime_nsec),
	    F(rgetattr, gen), F(rgetattr, data_version)),
	MSG(P9_TSETATTR, "Tsetattr", "dddddqqqqq",
	    F(tsetattr, fid), F(tsetattr, valid), F(tsetattr, mode),
	    F(tsetattr, uid), F(tsetattr, gid), F(tsetattr, size),
	    F(tsetattr, atime_sec), F(tsetattr, atime_nsec),
	    F(tsetattr, mtime_sec), F(tsetattr, mtime_nsec)),
	MSG(P9_RSETATTR, "Rsetattr", ""),
	MSG(P9_TXATTRWALK, "Txattrwalk", "dds",
	    F(txattrwalk, fid), F(txattrwalk, newfid), F(txattrwalk, name)),
	MSG(P9_RXATTRWALK, "Rxattrwalk", "q", F(rxattrwalk, size)),
	MSG(P9_TXATTRCREATE, "Txattrcreate", "dsqd",
	    F(txattrcreate, fid), F(txattrcreate, name),
	    F(txattrcreate, attr_size), F(txattrcreate, flags)),
	MSG(P9_RXATTRCREATE, "Rxattrcreate", ""),
	MSG(P9_TREADDIR, "Treaddir", "dqd",
	    F(treaddir, fid), F(treaddir, offset), F(treaddir, count)),
	MSG(P9_RREADDIR, "Rreaddir", "D", F(rreaddir, data)),
	MSG(P9_TFSYNC, "Tfsync", "dd", F(tfsync, fid), F(tfsync, datasync)),
	MSG(P9_RFSYNC, "Rfsync", ""),
	MSG(P9_TLOCK, "Tlock", "dbdqqds",
	    F(tlock, fid), F(tlock, type), F(tlock, flags), F(tlock, start),
	    F(tlock, length), F(tlock, proc_id), F(tlock, client_id)),
	MSG(P9_RLOCK, "Rlock", "b", F(rlock, status)),
	MSG(P9_TGETLOCK, "Tgetlock", "dbqqds",
	    F(tgetlock, fid), F(tgetlock, type), F(tgetlock, start),
	    F(tgetlock, length), F(tgetlock, proc_id), F(tgetlock, client_id)),
	MSG(P9_RGETLOCK, "Rgetlock", "bqqds",
	    F(rgetlock, type), F(rgetlock, start), F(rgetlock, length),
	    F(rgetlock, proc_id), F(rgetlock, client_id)),
	MSG(P9_TLINK, "Tlink", "dds", F(tlink, dfid), F(tlink, fid), F(tlink, name)),
	MSG(P9_RLINK, "Rlink", ""),
	MSG(P9_TMKDIR, "Tmkdir", "dsdd",
	    F(tmkdir, dfid), F(tmkdir, name), F(tmkdir, mode), F(tmkdir, gid)),
	MSG(P9_RMKDIR, "Rmkdir", "Q", F(rmkdir, qid)),
	MSG(P9_TRENAMEAT, "Trenameat", "dsds",
	    F(trenameat, olddirfid), F(trenameat, oldname),
	    F(trenameat, newdirfid), F(trenameat, newname)),
	MSG(P9_RRENAMEAT, "Rrenameat", ""),
	MSG(P9_TUNLINKAT, "Tunlinkat", "dsd",
	    F(tunlinkat, dirfid), F(tunlinkat, name), F(tunlinkat, flags)),
	MSG(P9_RUNLINKAT, "Runlinkat", ""),
	MSG(P9_TVERSION, "Tversion", "ds", F(tversion, msize), F(tversion, version)),
	MSG(P9_RVERSION, "Rversion", "ds", F(rversion, msize), F(rversion, version)),
	MSG(P9_TAUTH, "Tauth", "dssd",
	    F(tauth, afid), F(tauth, uname), F(tauth, aname), F(tauth, n_uname)),
	MSG(P9_RAUTH, "Rauth", "Q", F(rauth, aqid)),
	MSG(P9_TATTACH, "Tattach", "ddssd",
	    F(tattach, fid), F(tattach, afid), F(tattach, uname),
	    F(tattach, aname), F(tattach, n_uname)),
	MSG(P9_RATTACH, "Rattach", "Q", F(rattach, qid)),
	MSG(P9_TFLUSH, "Tflush", "w", F(tflush, oldtag)),
	MSG(P9_RFLUSH, "Rflush", ""),
	MSG(P9_TWALK, "Twalk", "ddW", F(twalk, fid), F(twalk, newfid), F(twalk, wname)),
	MSG(P9_RWALK, "Rwalk", "R", F(rwalk, wqid)),
	MSG(P9_TREAD, "Tread", "dqd", F(tread, fid), F(tread, offset), F(tread, count)),
	MSG(P9_RREAD, "Rread", "D", F(rread, data)),
	MSG(P9_TWRITE, "Twrite", "dqD", F(twrite, fid), F(twrite, offset), F(twrite, data)),
	MSG(P9_RWRITE, "Rwrite", "d", F(rwrite, count)),
	MSG(P9_TCLUNK, "Tclunk", "d", F(tclunk, fid)),
	MSG(P9_RCLUNK, "Rclunk", ""),
	MSG(P9_TREMOVE, "Tremove", "d", F(tremove, fid)),
	MSG(P9_RREMOVE, "Rremove", ""),
	/* runsc-lite extensions */
	MSG(P9_TWALKGETATTR, "Twalkgetattr", "ddW",
	    F(twalkgetattr, fid), F(twalkgetattr, newfid), F(twalkgetattr, wname)),
	MSG(P9_RWALKGETATTR, "Rwalkgetattr", "RqQdddqqqqqqqqqqqqqqq",
	    F(rwalkgetattr, wqid), F(rwalkgetattr, attr.valid), F(rwalkgetattr, attr.qid),
	    F(rwalkgetattr, attr.mode), F(rwalkgetattr, attr.uid), F(rwalkgetattr, attr.gid),
	    F(rwalkgetattr, attr.nlink), F(rwalkgetattr, attr.rdev), F(rwalkgetattr, attr.size),
	    F(rwalkgetattr, attr.blksize), F(rwalkgetattr, attr.blocks),
	    F(rwalkgetattr, attr.atime_sec), F(rwalkgetattr, attr.atime_nsec),
	    F(rwalkgetattr, attr.mtime_sec), F(rwalkgetattr, attr.mtime_nsec),
	    F(rwalkgetattr, attr.ctime_sec), F(rwalkgetattr, attr.ctime_nsec),
	    F(rwalkgetattr, attr.btime_sec), F(rwalkgetattr, attr.btime_nsec),
	    F(rwalkgetattr, attr.gen), F(rwalkgetattr, attr.data_version)),
	MSG(P9_TWALKOPEN, "Twalkopen", "dWd",
	    F(twalkopen, fid), F(twalkopen, wname), F(twalkopen, flags)),
	MSG(P9_RWALKOPEN, "Rwalkopen", "Qd", F(rwalkopen, qid), F(rwalkopen, iounit)),
	MSG(P9_TLCONNECT, "Tlconnect", "dd", F(tlconnect, fid), F(tlconnect, type)),
	MSG(P9_RLCONNECT, "Rlconnect", ""),
	MSG(P9_TALLOCATE, "Tallocate", "ddqq",
	    F(tallocate, fid), F(tallocate, mode), F(tallocate, offset), F(tallocate, length)),
	MSG(P9_RALLOCATE, "Rallocate", ""),
	MSG(P9_TUCREATE, "Tucreate", "dsdddd",
	    F(tucreate, base.fid), F(tucreate, base.name), F(tucreate, base.flags),
	    F(tucreate, base.mode), F(tucreate, base.gid), F(tucreate, uid)),
	MSG(P9_RUCREATE, "Rucreate", "Qd", F(rucreate, qid), F(rucreate, iounit)),
	MSG(P9_TUMKDIR, "Tumkdir", "dsddd",
	    F(tumkdir, base.dfid), F(tumkdir, base.name), F(tumkdir, base.mode),
	    F(tumkdir, base.gid), F(tumkdir, uid)),
	MSG(P9_RUMKDIR, "Rumkdir", "Q", F(rumkdir, qid)),
	MSG(P9_TUMKNOD, "Tumknod", "dsddddd",
	    F(tumknod, base.dfid), F(tumknod, base.name), F(tumknod, base.mode),
	    F(tumknod, base.major), F(tumknod, base.minor), F(tumknod, base.gid), F(tumknod, uid)),
	MSG(P9_RUMKNOD, "Rumknod", "Q", F(rumknod, qid)),
	MSG(P9_TUSYMLINK, "Tusymlink", "dssdd",
	    F(tusymlink, base.fid), F(tusymlink, base.name), F(tusymlink, base.symtgt),
	    F(tusymlink, base.gid), F(tusymlink, uid)),
	MSG(P9_RUSYMLINK, "Rusymlink", "Q", F(rusymlink, qid)),
	MSG(P9_TSETATTRCLUNK, "Tsetattrclunk", "dddddqqqqq",
	    F(tsetattrclunk, fid), F(tsetattrclunk, valid), F(tsetattrclunk, mode),
	    F(tsetattrclunk, uid), F(tsetattrclunk, gid), F(tsetattrclunk, size),
	    F(tsetattrclunk, atime_sec), F(tsetattrclunk, atime_nsec),
	    F(tsetattrclunk, mtime_sec), F(tsetattrclunk, mtime_nsec)),
	MSG(P9_RSETATTRCLUNK, "Rsetattrclunk", ""),
	MSG(P9_TMULTIGETATTR, "Tmultigetattr", "dW", F(tmultigetattr, fid), F(tmultigetattr, wname)),
	MSG(P9_RMULTIGETATTR, "Rmultigetattr", "wD",
	    F(rmultigetattr, count), F(rmultigetattr, data)),
	MSG(P9_TRENAMEAT2, "Trenameat2", "dsdsd",
	    F(trenameat2, base.olddirfid), F(trenameat2, base.oldname),
	    F(trenameat2, base.newdirfid), F(trenameat2, base.newname), F(trenameat2, flags)),
	MSG(P9_RRENAMEAT2, "Rrenameat2", ""),
	MSG(P9_TINOTIFY, "Tinotify", "dd", F(tinotify, fid), F(tinotify, mask)),
	MSG(P9_RINOTIFY, "Rinotify", "d", F(rinotify, wd)),
	MSG(P9_TTMPFILE, "Ttmpfile", "dddddd",
	    F(ttmpfile, dfid), F(ttmpfile, newfid), F(ttmpfile, flags),
	    F(ttmpfile, mode), F(ttmpfile, gid), F(ttmpfile, uid)),
	MSG(P9_RTMPFILE, "Rtmpfile", "Qd", F(rtmpfile, qid), F(rtmpfile, iounit)),
	MSG(P9_TBIND, "Tbind", "dsddd",
	    F(tbind, dfid), F(tbind, name), F(tbind, mode), F(tbind, gid), F(tbind, uid)),
	MSG(P9_RBIND, "Rbind", "Q", F(rbind, qid)),
};

const struct p9_msgdesc *p9_msg_desc(uint8_t type)
{
	return msg_table[type].name ? &msg_table[type] : NULL;
}

/* Size of the C member a format code binds to; 0 for an unknown code. */
static size_t code_size(char code)
{
	switch (code) {
	case 'b': return sizeof(uint8_t);
	case 'w': return sizeof(uint16_t);
	case 'd': return sizeof(uint32_t);
	case 'q': return sizeof(uint64_t);
	case 's': return sizeof(struct p9_str);
	case 'Q': return sizeof(struct p9_qid);
	case 'W': return sizeof(struct p9_wnames);
	case 'R': return sizeof(struct p9_qids);
	case 'D': return sizeof(struct p9_data);
	}
	return 0;
}

int p9_msg_table_check(void)
{
	for (unsigned t = 0; t < P9_NTYPES; t++) {
		const struct p9_msgdesc *d = &msg_table[t];
		size_t n;

		if (!d->name)
			continue;
		if (d->name[0] != ((t & 1) ? 'R' : 'T'))
			return -EINVAL;
		/* every request has its reply at type + 1 */
		if (!(t & 1) && (t + 1 >= P9_NTYPES || !msg_table[t + 1].name))
			return -EINVAL;
		n = strlen(d->fmt);
		if (n > P9_MAXFIELDS)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			size_t sz = code_size(d->fmt[i]);

			if (!sz || !d->field[i].name || d->field[i].size != sz ||
			    d->field[i].off + sz > sizeof(struct p9_fcall))
				return -EINVAL;
		}
		if (n < P9_MAXFIELDS && d->field[n].name)
			return -EINVAL;
	}
	return 0;
}

/* ---- encoding ----------------------------------------------------------- */

struct wbuf { uint8_t *p; size_t cap, pos; int err; };

static void put_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->pos) {
		w->err = -EMSGSIZE;
		return;
	}
	if (n)
		memcpy(w->p + w->pos, src, n);
	w->pos += n;
}

static void put_le(struct wbuf *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(w, b, n);
}

static void put_str(struct wbuf *w, const struct p9_str *s)
{
	if (s->len > P9_MAX_STRLEN || (s->len && !s->str)) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	put_le(w, s->len, 2);
	put_bytes(w, s->str, s->len);
}

static void put_qid(struct wbuf *w, const struct p9_qid *q)
{
	put_le(w, q->type, 1);
	put_le(w, q->version, 4);
	put_le(w, q->path, 8);
}

/* Reads an integer member of `size` bytes. */
static uint64_t get_member(const void *p, size_t size)
{
	uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64 = 0;

	switch (size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	case 8: memcpy(&u64, p, 8); return u64;
	}
	return 0;
}

int p9_pack(void *buf, size_t cap, const struct p9_fcall *fc)
{
	const struct p9_msgdesc *d = p9_msg_desc(fc->type);
	const char *base = (const char *)fc;
	struct wbuf w = { buf, cap > UINT32_MAX ? UINT32_MAX : cap, 0, 0 };

	if (!d)
		return -EINVAL;
	put_le(&w, 0, 4); /* size, patched below */
	put_le(&w, fc->type, 1);
	put_le(&w, fc->tag, 2);
	for (size_t i = 0; d->fmt[i] && !w.err; i++) {
		const struct p9_field *f = &d->field[i];
		const void *m = base + f->off;

		switch (d->fmt[i]) {
		case 'b': case 'w': case 'd': case 'q':
			put_le(&w, get_member(m, f->size), f->size);
			break;
		case 's':
			put_str(&w, m);
			break;
		case 'Q':
			put_qid(&w, m);
			break;
		case 'W': {
			const struct p9_wnames *wn = m;

			if (wn->n > P9_MAXWELEM) {
				w.err = -EINVAL;
				break;
			}
			put_le(&w, wn->n, 2);
			for (unsigned k = 0; k < wn->n; k++)
				put_str(&w, &wn->name[k]);
			break;
		}
		case 'R': {
			const struct p9_qids *qs = m;

			if (qs->n > P9_MAXWELEM) {
				w.err = -EINVAL;
				break;
			}
			put_le(&w, qs->n, 2);
			for (unsigned k = 0; k < qs->n; k++)
				put_qid(&w, &qs->qid[k]);
			break;
		}
		case 'D': {
			const struct p9_data *dt = m;

			if (dt->count && !dt->data) {
				w.err = -EINVAL;
				break;
			}
			put_le(&w, dt->count, 4);
			put_bytes(&w, dt->data, dt->count);
			break;
		}
		default:
			w.err = -EINVAL;
		}
	}
	if (w.err)
		return w.err;
	{
		struct wbuf sz = { buf, 4, 0, 0 };

		put_le(&sz, w.pos, 4);
	}
	return (int)w.pos;
}

/* ---- decoding ----------------------------------------------------------- */

struct rbuf { const uint8_t *p; size_t len, pos; };

static bool get_le(struct rbuf *r, size_t n, uint64_t *v)
{
	if (n > r->len - r->pos)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += n;
	return true;
}

/* A pointer to n bytes at the cursor, advancing it; NULL if they are not
 * all inside the packet. */
static const void *get_bytes(struct rbuf *r, size_t n)
{
	const void *p;

	if (n > r->len - r->pos)
		return NULL;
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

static bool get_str(struct rbuf *r, struct p9_str *s)
{
	uint64_t n;

	if (!get_le(r, 2, &n) || !(s->str = get_bytes(r, n)))
		return false;
	s->len = n;
	return true;
}

static bool get_qid(struct rbuf *r, struct p9_qid *q)
{
	uint64_t t, v, p;

	if (!get_le(r, 1, &t) || !get_le(r, 4, &v) || !get_le(r, 8, &p))
		return false;
	q->type = (uint8_t)t;
	q->version = (uint32_t)v;
	q->path = p;
	return true;
}

static void set_member(void *p, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v; uint16_t u16 = (uint16_t)v; uint32_t u32 = (uint32_t)v;

	switch (size) {
	case 1: memcpy(p, &u8, 1); break;
	case 2: memcpy(p, &u16, 2); break;
	case 4: memcpy(p, &u32, 4); break;
	case 8: memcpy(p, &v, 8); break;
	}
}

int p9_peek_header(const void *buf, size_t len, uint32_t *size, uint8_t *type, uint16_t *tag)
{
	struct rbuf r = { buf, len, 0 };
	uint64_t s, t, g;

	if (!get_le(&r, 4, &s) || !get_le(&r, 1, &t) || !get_le(&r, 2, &g))
		return -EPROTO;
	*size = (uint32_t)s;
	*type = (uint8_t)t;
	*tag = (uint16_t)g;
	return 0;
}

/* Decodes one body field of code `code` into member m; false if malformed. */
static bool get_field(struct rbuf *r, char code, void *m, size_t size)
{
	uint64_t v;

	switch (code) {
	case 'b': case 'w': case 'd': case 'q':
		if (!get_le(r, size, &v))
			return false;
		set_member(m, size, v);
		return true;
	case 's':
		return get_str(r, m);
	case 'Q':
		return get_qid(r, m);
	case 'W': {
		struct p9_wnames *wn = m;

		if (!get_le(r, 2, &v) || v > P9_MAXWELEM)
			return false;
		wn->n = (uint16_t)v;
		for (unsigned k = 0; k < wn->n; k++)
			if (!get_str(r, &wn->name[k]))
				return false;
		return true;
	}
	case 'R': {
		struct p9_qids *qs = m;

		if (!get_le(r, 2, &v) || v > P9_MAXWELEM)
			return false;
		qs->n = (uint16_t)v;
		for (unsigned k = 0; k < qs->n; k++)
			if (!get_qid(r, &qs->qid[k]))
				return false;
		return true;
	}
	case 'D': {
		struct p9_data *dt = m;

		if (!get_le(r, 4, &v) || !(dt->data = get_bytes(r, v)))
			return false;
		dt->count = (uint32_t)v;
		return true;
	}
	}
	return false;
}

int p9_unpack(const void *buf, size_t len, struct p9_fcall *fc)
{
	const struct p9_msgdesc *d;
	struct rbuf r = { buf, len, P9_HDRSZ };
	uint32_t size;
	char *base = (char *)fc;

	memset(fc, 0, sizeof(*fc));
	if (p9_peek_header(buf, len, &size, &fc->type, &fc->tag) < 0 || size != len) {
		memset(fc, 0, sizeof(*fc));
		return -EPROTO;
	}
	d = p9_msg_desc(fc->type);
	if (!d)
		return -EOPNOTSUPP;
	for (size_t i = 0; d->fmt[i]; i++)
		if (!get_field(&r, d->fmt[i], base + d->field[i].off, d->field[i].size))
			return -EINVAL;
	if (r.pos != len)
		return -EINVAL; /* trailing garbage */
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

bool p9_str_eq(struct p9_str s, const char *cstr)
{
	size_t n = strlen(cstr);

	return s.len == n && (n == 0 || memcmp(s.str, cstr, n) == 0);
}

/* ---- tracing ------------------------------------------------------------ */

struct fmtbuf { char *p; size_t cap; size_t len; };

__attribute__((format(printf, 2, 3)))
static void app(struct fmtbuf *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f->len < f->cap ? f->p + f->len : NULL,
		      f->len < f->cap ? f->cap - f->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->len += (size_t)n;
}

/* A quoted string, non-printable bytes as \xNN, cut after 64 bytes. */
static void app_str(struct fmtbuf *f, const struct p9_str *s)
{
	size_t n = s->len > 64 ? 64 : s->len;

	app(f, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s->str[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			app(f, "\\x%02x", c);
		else
			app(f, "%c", c);
	}
	app(f, s->len > n ? "\"..." : "\"");
}

static void app_qid(struct fmtbuf *f, const struct p9_qid *q)
{
	app(f, "{0x%x,%u,%llu}", q->type, q->version, (unsigned long long)q->path);
}

int p9_fcall_format(const struct p9_fcall *fc, char *buf, size_t cap)
{
	const struct p9_msgdesc *d = p9_msg_desc(fc->type);
	const char *base = (const char *)fc;
	struct fmtbuf f = { buf, cap, 0 };

	if (cap)
		buf[0] = '\0';
	if (!d) {
		app(&f, "T?%u tag=%u", fc->type, fc->tag);
		return (int)f.len;
	}
	app(&f, "%s tag=%u", d->name, fc->tag);
	for (size_t i = 0; d->fmt[i]; i++) {
		const struct p9_field *fl = &d->field[i];
		const void *m = base + fl->off;

		switch (d->fmt[i]) {
		case 'b': case 'w': case 'd': case 'q':
			app(&f, " %s=%llu", fl->name,
			    (unsigned long long)get_member(m, fl->size));
			break;
		case 's':
			app(&f, " %s=", fl->name);
			app_str(&f, m);
			break;
		case 'Q':
			app(&f, " %s=", fl->name);
			app_qid(&f, m);
			break;
		case 'W': {
			const struct p9_wnames *wn = m;

			app(&f, " n%s=%u %s=[", fl->name, wn->n, fl->name);
			for (unsigned k = 0; k < wn->n && k < P9_MAXWELEM; k++) {
				app(&f, k ? " " : "");
				app_str(&f, &wn->name[k]);
			}
			app(&f, "]");
			break;
		}
		case 'R': {
			const struct p9_qids *qs = m;

			app(&f, " n%s=%u %s=[", fl->name, qs->n, fl->name);
			for (unsigned k = 0; k < qs->n && k < P9_MAXWELEM; k++) {
				app(&f, k ? " " : "");
				app_qid(&f, &qs->qid[k]);
			}
			app(&f, "]");
			break;
		}
		case 'D':
			app(&f, " count=%u", ((const struct p9_data *)m)->count);
			break;
		}
	}
	if (fc->type == P9_RLERROR) {
		const char *nm = strerrorname_np((int)fc->u.rlerror.ecode);

		if (nm)
			app(&f, " (%s)", nm);
	}
	return (int)f.len > 0 ? (int)f.len : 0;
}
