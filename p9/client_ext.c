/*
 * p9 client: calls of the runsc-lite extensions that are not on the hot
 * path of every lookup and open (those live in client.c).
 */
#include "p9/client_internal.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>

int p9_lconnect(struct p9_client *c, uint32_t fid, int type, int *sock_fd)
{
	struct p9_fcall tx = { .type = P9_TLCONNECT }, rx;
	int rc;

	*sock_fd = -1;
	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET && type != SOCK_DGRAM)
		return -EINVAL;
	tx.u.tlconnect.fid = fid;
	tx.u.tlconnect.type = (uint32_t)type;
	rc = p9_rpc(c, &tx, &rx, sock_fd);
	if (rc < 0)
		return rc;
	p9_rpc_done(c, &rx);
	if (*sock_fd < 0)
		return p9_client_fail(c);   /* an Rlconnect without its socket */
	return 0;
}

int p9_allocate(struct p9_client *c, uint32_t fid, int mode, uint64_t offset, uint64_t length)
{
	struct p9_fcall tx = { .type = P9_TALLOCATE };

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	tx.u.tallocate.fid = fid;
	tx.u.tallocate.mode = (uint32_t)mode;
	tx.u.tallocate.offset = offset;
	tx.u.tallocate.length = length;
	return p9_rpc_noreply(c, &tx);
}

int p9_renameat2(struct p9_client *c, uint32_t olddirfid, const char *oldname,
		 uint32_t newdirfid, const char *newname, uint32_t flags)
{
	struct p9_fcall tx = { .type = P9_TRENAMEAT2 };

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (!oldname || !newname)
		return -EINVAL;
	tx.u.trenameat2.base.olddirfid = olddirfid;
	tx.u.trenameat2.base.oldname = p9_str_make(oldname);
	tx.u.trenameat2.base.newdirfid = newdirfid;
	tx.u.trenameat2.base.newname = p9_str_make(newname);
	tx.u.trenameat2.flags = flags;
	return p9_rpc_noreply(c, &tx);
}

/* The reply's wd is checked here: the sentry hands it to the application
 * as inotify_add_watch's result, where it must be a positive int. */
int p9_inotify_add_watch(struct p9_client *c, uint32_t fid, uint32_t mask, int inotify_fd)
{
	struct p9_fcall tx = { .type = P9_TINOTIFY }, rx;
	int rc;

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (inotify_fd < 0)
		return -EBADF;
	tx.u.tinotify.fid = fid;
	tx.u.tinotify.mask = mask;
	rc = p9_rpc_with_fd(c, &tx, inotify_fd, &rx);
	if (rc < 0)
		return rc;
	uint32_t wd = rx.u.rinotify.wd;
	p9_rpc_done(c, &rx);
	if (wd == 0 || wd > INT32_MAX)
		return p9_client_fail(c);
	return (int)wd;
}

/* Ttmpfile: the reply must carry the file's FD (an unnamed file has no
 * other way in), else the gofer broke the protocol. */
int p9_tmpfile(struct p9_client *c, uint32_t dfid, uint32_t newfid, uint32_t linux_flags,
	       uint32_t mode, uint32_t uid, uint32_t gid, struct p9_qid *qid, int *host_fd)
{
	struct p9_fcall tx = { .type = P9_TTMPFILE }, rx;
	int rc;

	*host_fd = -1;
	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (newfid == P9_NOFID)
		return -EINVAL;
	tx.u.ttmpfile = (struct p9_ttmpfile){ dfid, newfid, p9_lopen_flags_to_p9(linux_flags),
					      mode, gid, uid };
	rc = p9_rpc(c, &tx, &rx, host_fd);
	if (rc < 0)
		return rc;
	if (qid)
		*qid = rx.u.rtmpfile.qid;
	p9_rpc_done(c, &rx);
	if (*host_fd < 0)
		return p9_client_fail(c);   /* an Rtmpfile without its file */
	return 0;
}

/* Tbind: the socket travels with the request; the reply is the file's qid. */
int p9_bind(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t uid,
	    uint32_t gid, int sock, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TBIND }, rx;

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (!name)
		return -EINVAL;
	if (sock < 0)
		return -EBADF;
	tx.u.tbind = (struct p9_tbind){ dfid, p9_str_make(name), mode, gid, uid };
	int rc = p9_rpc_with_fd(c, &tx, sock, &rx);
	if (rc < 0)
		return rc;
	if (qid)
		*qid = rx.u.rbind.qid;
	p9_rpc_done(c, &rx);
	return 0;
}

/* ---- creation with an explicit owner --------------------------------------- */

int p9_ucreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t linux_flags,
	       uint32_t mode, uint32_t uid, uint32_t gid, struct p9_qid *qid, int *host_fd)
{
	struct p9_fcall tx = { .type = P9_TUCREATE }, rx;
	int rc;

	*host_fd = -1;
	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (!name)
		return -EINVAL;
	tx.u.tucreate.base = (struct p9_tlcreate){ fid, p9_str_make(name),
		p9_lopen_flags_to_p9(linux_flags), mode, gid };
	tx.u.tucreate.uid = uid;
	rc = p9_rpc(c, &tx, &rx, host_fd);
	if (rc < 0)
		return rc;
	if (qid)
		*qid = rx.u.rucreate.qid;
	p9_rpc_done(c, &rx);
	return 0;
}

/* Tumkdir/Tumknod/Tusymlink: replies of one qid. */
static int rpc_qid(struct p9_client *c, struct p9_fcall *tx, struct p9_qid *qid)
{
	struct p9_fcall rx;
	int rc;

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	rc = p9_rpc(c, tx, &rx, NULL);
	if (rc < 0)
		return rc;
	if (qid)
		*qid = tx->type == P9_TUMKDIR ? rx.u.rumkdir.qid
		     : tx->type == P9_TUMKNOD ? rx.u.rumknod.qid : rx.u.rusymlink.qid;
	p9_rpc_done(c, &rx);
	return 0;
}

int p9_umkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	      uint32_t uid, uint32_t gid, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TUMKDIR };

	if (!name)
		return -EINVAL;
	tx.u.tumkdir.base = (struct p9_tmkdir){ dfid, p9_str_make(name), mode, gid };
	tx.u.tumkdir.uid = uid;
	return rpc_qid(c, &tx, qid);
}

int p9_umknod(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode,
	      uint32_t uid, uint32_t gid, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TUMKNOD };

	if (!name)
		return -EINVAL;
	tx.u.tumknod.base = (struct p9_tmknod){ dfid, p9_str_make(name), mode, 0, 0, gid };
	tx.u.tumknod.uid = uid;
	return rpc_qid(c, &tx, qid);
}

int p9_usymlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
		uint32_t uid, uint32_t gid, struct p9_qid *qid)
{
	struct p9_fcall tx = { .type = P9_TUSYMLINK };

	if (!name || !target)
		return -EINVAL;
	tx.u.tusymlink.base = (struct p9_tsymlink){ dfid, p9_str_make(name), p9_str_make(target), gid };
	tx.u.tusymlink.uid = uid;
	return rpc_qid(c, &tx, qid);
}

/* ---- fewer round trips ---------------------------------------------------------- */

int p9_setattr_clunk(struct p9_client *c, uint32_t fid, const struct p9_setattr *a)
{
	struct p9_fcall tx = { .type = P9_TSETATTRCLUNK };
	int rc;

	if (!p9_client_ext(c)) {
		rc = p9_setattr(c, fid, a);
		int crc = p9_clunk(c, fid);
		return rc < 0 ? rc : crc;
	}
	tx.u.tsetattrclunk = (struct p9_tsetattr){ fid, a->valid, a->mode, a->uid, a->gid, a->size,
		a->atime_sec, a->atime_nsec, a->mtime_sec, a->mtime_nsec };
	rc = p9_rpc_noreply(c, &tx);
	/* gone on the server even after Rlerror; after an interrupted call the
	 * number stays out of use (the request may still be running) */
	if (rc != -EINTR)
		p9_fid_free(c, fid);
	return rc;
}

int p9_multigetattr(struct p9_client *c, uint32_t fid, uint16_t nwname, const char *const *names,
		    struct p9_attr *attrs)
{
	struct p9_fcall tx = { .type = P9_TMULTIGETATTR }, rx;
	int rc;

	if (!p9_client_ext(c))
		return -EOPNOTSUPP;
	if (nwname == 0 || nwname > P9_MAXWELEM || !names)
		return -EINVAL;
	tx.u.tmultigetattr.fid = fid;
	tx.u.tmultigetattr.wname.n = nwname;
	for (unsigned i = 0; i < nwname; i++) {
		if (!names[i])
			return -EINVAL;
		tx.u.tmultigetattr.wname.name[i] = p9_str_make(names[i]);
	}
	rc = p9_rpc(c, &tx, &rx, NULL);
	if (rc < 0)
		return rc;
	uint16_t n = rx.u.rmultigetattr.count;
	const uint8_t *data = rx.u.rmultigetattr.data.data;
	if (n > nwname || rx.u.rmultigetattr.data.count != (uint32_t)n * P9_ATTR_SIZE) {
		p9_rpc_done(c, &rx);
		return p9_client_fail(c);
	}
	/* each entry is an Rgetattr body: decode it as one, with a header */
	for (unsigned i = 0; i < n && rc == 0; i++) {
		uint8_t msg[7 + P9_ATTR_SIZE] = { 7 + P9_ATTR_SIZE, 0, 0, 0, P9_RGETATTR, 0, 0 };
		struct p9_fcall fc;
		memcpy(msg + 7, data + (size_t)i * P9_ATTR_SIZE, P9_ATTR_SIZE);
		if (p9_unpack(msg, sizeof msg, &fc) < 0)
			rc = p9_client_fail(c);
		else
			attrs[i] = fc.u.rgetattr;
	}
	p9_rpc_done(c, &rx);
	return rc < 0 ? rc : n;
}
