/*
 * gofer: Tread, Twrite (on opened files, for clients without FD donation,
 * and on xattr fids), Tlock and Tgetlock.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Tread: from the FD the fid keeps (opened without FD donation).  With
 * donation the client holds the only FD: EBADF.  Directories are read with
 * Treaddir; the 9P2000 directory form of Tread is not served (EOPNOTSUPP). */
int gofer_op_read(void *arg, const struct p9_tread *t, struct p9_rread *r, void *buf)
{
	struct gofer_fid *f = gofer_fid_lookup(arg, t->fid);
	ssize_t n;

	if (!f)
		return -EBADF;
	if (f->xattr)
		return gofer_xattr_read(f, t, r);
	if (S_ISDIR(f->type))
		return -EOPNOTSUPP;
	if (f->open_fd < 0)
		return -EBADF;
	if (t->offset > INT64_MAX)
		return -EINVAL;
	n = pread(f->open_fd, buf, t->count, (off_t)t->offset);
	if (n < 0)
		return -errno;
	r->data.data = buf;
	r->data.count = (uint32_t)n;
	return 0;
}

/* Twrite: to the FD the fid keeps, or into an xattr fid's value.  Refused on
 * read-only mounts (EROFS) before anything else.  The FD's access mode does
 * the rest (EBADF for a file opened read-only). */
int gofer_op_write(void *arg, const struct p9_twrite *t, struct p9_rwrite *r)
{
	struct gofer_fid *f = gofer_fid_lookup(arg, t->fid);
	ssize_t n;

	if (!f)
		return -EBADF;
	if (f->mount->readonly)
		return -EROFS;
	if (f->xattr)
		return gofer_xattr_write(f, t, r);
	if (S_ISDIR(f->type))
		return -EISDIR;
	if (f->open_fd < 0)
		return -EBADF;
	if (t->offset > INT64_MAX)
		return -EINVAL;
	n = pwrite(f->open_fd, t->data.data, t->data.count, (off_t)t->offset);
	if (n < 0)
		return -errno;
	r->count = (uint32_t)n;
	return 0;
}

/*
 * The FD carrying the fid's record locks.  Open file description (OFD)
 * locks belong to one FD, so two fids conflict with each other exactly as
 * two open()s of the file do in Linux, and clunking the fid drops its locks.
 * The FD the fid keeps open is used when there is one; otherwise the gofer
 * opens one for the fid (gofer_open_real: O_NOFOLLOW, identity-checked) with
 * the access mode of the fid's Tlopen (read-only for a fid never opened), so
 * F_WRLCK needs a fid opened for writing, as Linux needs an FD that is.
 */
static int lock_fd(struct gofer_fid *f, int *fd)
{
	int rc;

	if (f->open_fd >= 0) {
		*fd = f->open_fd;
		return 0;
	}
	if (f->lock_fd < 0) {
		rc = gofer_open_real(f, f->open_acc, &f->lock_fd);
		if (rc < 0)
			return rc;
	}
	*fd = f->lock_fd;
	return 0;
}

/* A 9P lock range as a struct flock (length 0: to the end of the file). */
static int to_flock(uint8_t type, uint64_t start, uint64_t length, struct flock *fl)
{
	memset(fl, 0, sizeof(*fl)); /* l_pid must be 0 for OFD locks */
	switch (type) {
	case P9_LOCK_TYPE_RDLCK:
		fl->l_type = F_RDLCK;
		break;
	case P9_LOCK_TYPE_WRLCK:
		fl->l_type = F_WRLCK;
		break;
	case P9_LOCK_TYPE_UNLCK:
		fl->l_type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (start > INT64_MAX || length > INT64_MAX)
		return -EINVAL;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)start;
	fl->l_len = (off_t)length;
	return 0;
}

/*
 * Tlock: F_OFD_SETLK on the fid's lock FD.  The gofer never waits for a
 * lock (never F_OFD_SETLKW): a wait as long as the holder wants would keep
 * one of the few workers, and the fid, for that long.  A request that would
 * have to wait, blocking or not, gets status P9_LOCK_BLOCKED and the client
 * retries (Linux v9fs does).  Other failures are Rlerror.
 */
int gofer_op_lock(void *arg, const struct p9_tlock *t, struct p9_rlock *r)
{
	struct gofer_fid *f;
	struct flock fl;
	int fd = -1, rc = gofer_node_fid(arg, t->fid, &f);

	if (rc == 0 && (t->flags & ~(uint32_t)(P9_LOCK_FLAGS_BLOCK | P9_LOCK_FLAGS_RECLAIM)))
		rc = -EINVAL;
	if (rc == 0)
		rc = to_flock(t->type, t->start, t->length, &fl);
	if (rc == 0)
		rc = lock_fd(f, &fd);
	if (rc < 0)
		return rc;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		r->status = P9_LOCK_SUCCESS;
	else if (errno == EAGAIN || errno == EACCES)
		r->status = P9_LOCK_BLOCKED;
	else
		return -errno;
	return 0;
}

/*
 * Tgetlock: F_OFD_GETLK.  No conflict: type UNLCK and the request's own
 * range, proc_id and client_id.  A conflict: the holder's type and range;
 * proc_id 0 and an empty client_id, since the holder is another fid or a
 * host process whose host pid is not the sandbox's business.
 */
int gofer_op_getlock(void *arg, const struct p9_tgetlock *t, struct p9_rgetlock *r)
{
	struct gofer_fid *f;
	struct flock fl;
	int fd = -1, rc = gofer_node_fid(arg, t->fid, &f);

	if (rc == 0 && t->type == P9_LOCK_TYPE_UNLCK)
		rc = -EINVAL; /* as F_GETLK */
	if (rc == 0)
		rc = to_flock(t->type, t->start, t->length, &fl);
	if (rc == 0)
		rc = lock_fd(f, &fd);
	if (rc < 0)
		return rc;
	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	if (fl.l_type == F_UNLCK) {
		r->type = P9_LOCK_TYPE_UNLCK;
		r->start = t->start;
		r->length = t->length;
		r->proc_id = t->proc_id;
		r->client_id = t->client_id; /* points into the request: valid until the reply is sent */
		return 0;
	}
	r->type = fl.l_type == F_WRLCK ? P9_LOCK_TYPE_WRLCK : P9_LOCK_TYPE_RDLCK;
	r->start = (uint64_t)fl.l_start;
	r->length = (uint64_t)fl.l_len;
	r->proc_id = 0;
	r->client_id = p9_str_make("");
	return 0;
}
