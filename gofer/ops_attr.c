/*
 * gofer: Tsetattr and Tfsync.
 *
 * Attribute changes act on the fid's own O_PATH FD with AT_EMPTY_PATH |
 * AT_SYMLINK_NOFOLLOW: exactly the inode that was walked (a symlink itself,
 * never its target), with no name that a concurrent rename could redirect.
 * Only truncate needs a real FD: the file is re-opened by name relative to
 * its parent with O_NOFOLLOW and checked to be the fid's inode first.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452 /* Linux 6.6; glibc 2.36 has no wrapper */
#endif

/* Pre-6.6 kernels have no chmod that refuses to follow a symlink, so a
 * directory is reached through "." of its O_PATH FD and a regular file is
 * re-opened by name in dfd, checked to be pfd's inode, then fchmod'ed; any
 * other type is EOPNOTSUPP rather than risk following a link. */
static int chmod_by_fd(int pfd, int dfd, const char *name, mode_t mode)
{
	struct stat st, st2;
	int fd, rc = gofer_stat_fd(pfd, &st);

	if (rc < 0)
		return rc;
	if (S_ISREG(st.st_mode) && (dfd < 0 || !name || !name[0]))
		return fchmod(pfd, mode) < 0 ? -errno : 0; /* an unnamed file's own FD (EBADF: O_PATH) */
	if (S_ISDIR(st.st_mode))
		fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	else if (S_ISREG(st.st_mode) && dfd >= 0)
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	else
		return -EOPNOTSUPP;
	if (fd < 0)
		return -errno;
	rc = gofer_stat_fd(fd, &st2);
	if (rc == 0 && !gofer_same_inode(&st, &st2))
		rc = -ESTALE;
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int gofer_chmod_node(int pfd, int dfd, const char *name, mode_t mode)
{
	if (syscall(SYS_fchmodat2, pfd, "", mode, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno; /* EOPNOTSUPP for a symlink, as Linux */
	return chmod_by_fd(pfd, dfd, name, mode);
}

static int setattr_owner(struct gofer_fid *f, const struct p9_tsetattr *t)
{
	uid_t uid = (t->valid & P9_SETATTR_UID) ? (uid_t)t->uid : (uid_t)-1;
	gid_t gid = (t->valid & P9_SETATTR_GID) ? (gid_t)t->gid : (gid_t)-1;

	if (fchownat(f->node->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Truncate: open O_WRONLY|O_NOFOLLOW by name in the parent, check it is the
 * fid's inode (gofer_open_real), ftruncate.  A directory is EISDIR, a
 * symlink ELOOP (its target is never reached), other types EINVAL. */
static int setattr_size(struct gofer_fid *f, uint64_t size)
{
	struct stat st;
	int fd, rc = gofer_stat_fd(f->node->fd, &st);

	if (rc < 0)
		return rc;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (size > INT64_MAX)
		return -EINVAL; /* a negative length for the kernel */
	rc = gofer_open_real(f, O_WRONLY, &fd);
	if (rc < 0)
		return rc;
	if (ftruncate(fd, (off_t)size) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int setattr_mode(struct gofer_fid *f, uint32_t mode)
{
	struct gofer_name n;
	gofer_name_begin(f, &n);
	int rc = gofer_chmod_node(f->node->fd, n.dfd, n.name, (mode_t)(mode & 07777));
	gofer_name_end();
	return rc;
}

/* One timestamp of utimensat: untouched without `bit`, the given time with
 * `set_bit`, otherwise now (9P2000.L, as Linux's ATTR_ATIME/ATTR_ATIME_SET). */
static struct timespec time_arg(uint32_t valid, uint32_t bit, uint32_t set_bit,
				uint64_t sec, uint64_t nsec)
{
	struct timespec ts = { 0, UTIME_OMIT };

	if (valid & bit) {
		ts.tv_nsec = UTIME_NOW;
		if (valid & set_bit) {
			ts.tv_sec = (time_t)sec;
			ts.tv_nsec = (long)nsec;
		}
	}
	return ts;
}

static bool bad_nsec(uint32_t valid, uint32_t bit, uint32_t set_bit, uint64_t nsec)
{
	/* checked here: UTIME_NOW/UTIME_OMIT are in-band values for the kernel */
	return (valid & bit) && (valid & set_bit) && nsec > 999999999u;
}

static int setattr_times(struct gofer_fid *f, const struct p9_tsetattr *t)
{
	struct timespec ts[2] = {
		time_arg(t->valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, t->atime_sec, t->atime_nsec),
		time_arg(t->valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, t->mtime_sec, t->mtime_nsec),
	};

	if (utimensat(f->node->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/*
 * Tsetattr: the P9_SETATTR_* fields of `valid`, applied in the order owner,
 * size, mode, times, so that an explicit mode survives the set-id bits that
 * chown and truncate clear, and explicit times survive truncate's mtime.
 * CTIME alone changes nothing (any change updates ctime).  Arguments are
 * checked before anything changes; a host failure midway returns its errno
 * with the earlier fields applied (as Linux v9fs servers do).  Refused on a
 * read-only mount (EROFS).
 */
int gofer_op_setattr(void *arg, const struct p9_tsetattr *t)
{
	struct gofer_fid *f;
	int rc = gofer_node_fid(arg, t->fid, &f);

	if (rc < 0)
		return rc;
	if (f->mount->readonly)
		return -EROFS;
	if (bad_nsec(t->valid, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, t->atime_nsec) ||
	    bad_nsec(t->valid, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, t->mtime_nsec))
		return -EINVAL;
	if (t->valid & (P9_SETATTR_UID | P9_SETATTR_GID))
		rc = setattr_owner(f, t);
	if (rc == 0 && (t->valid & P9_SETATTR_SIZE))
		rc = setattr_size(f, t->size);
	if (rc == 0 && (t->valid & P9_SETATTR_MODE))
		rc = setattr_mode(f, t->mode);
	if (rc == 0 && (t->valid & (P9_SETATTR_ATIME | P9_SETATTR_MTIME)))
		rc = setattr_times(f, t);
	return rc;
}

/*
 * Tfsync: fsync (or fdatasync) of the fid's file through the FD the fid
 * keeps open, else a read-only FD from gofer_open_real (a regular file
 * re-opened with O_NOFOLLOW and checked, a directory through "."); a file
 * the gofer may not read is tried write-only (not on read-only mounts).
 * Symlinks and special files: EINVAL, as fsync(2) on them.
 */
int gofer_op_fsync(void *arg, const struct p9_tfsync *t)
{
	struct gofer_fid *f;
	int fd, rc = gofer_node_fid(arg, t->fid, &f);

	if (rc < 0)
		return rc;
	if (f->open_fd >= 0)
		return (t->datasync ? fdatasync(f->open_fd) : fsync(f->open_fd)) < 0 ? -errno : 0;
	rc = gofer_open_real(f, O_RDONLY, &fd);
	if (rc == -EACCES && S_ISREG(f->type) && !f->mount->readonly)
		rc = gofer_open_real(f, O_WRONLY, &fd);
	if (rc < 0)
		return rc;
	if ((t->datasync ? fdatasync(fd) : fsync(fd)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
