/*
 * The xattr syscalls: get/list/set/remove, by path (following symlinks),
 * by path without following (l*), and by fd (f*).  Names and sizes are
 * checked as Linux checks them before the filesystem is asked; an fd the
 * VFS does not know (a pipe, a socket) is answered by the fd itself.
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define XATTR_NAME_MAX_LEN 255
#define XATTR_VALUE_MAX    65536
#define XATTR_LIST_MAX_LEN 65536

enum xattr_op { XGET, XLIST, XSET, XREMOVE };

struct xattr_call {
	enum xattr_op op;
	int at_flags;           /* 0 (follow), AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (fd) */
	int dirfd;
	uint64_t path, name, value, size, flags;
};

static int read_name(struct sentry *s, struct platform_syscall *sc, uint64_t addr, char *name)
{
	int rc = platform_read_string(s->plat, sc, name, XATTR_NAME_MAX_LEN + 1, addr);
	if (rc == -ENAMETOOLONG || rc == 0)
		return -ERANGE;   /* Linux: an empty or over-long name */
	return rc < 0 ? rc : 0;
}

/* The same call on a non-VFS fd. */
static ssize_t native(int fd, const struct xattr_call *x, const char *name, void *buf)
{
	ssize_t n;
	switch (x->op) {
	case XGET:    n = fgetxattr(fd, name, buf, x->size); break;
	case XLIST:   n = flistxattr(fd, buf, x->size); break;
	case XSET:    n = fsetxattr(fd, name, buf, x->size, (int)x->flags); break;
	default:      n = fremovexattr(fd, name); break;
	}
	return n < 0 ? -errno : n;
}

/* Linux's xattr_permission(): security.* and system.* are the LSM's and
 * the filesystem's to judge; user.* lives on regular files and directories
 * only (and a sticky directory's are its owner's); then the file's own
 * read or write permission. */
static int xattr_permission(const struct vfs_inode *ino, const struct vfs_cred *c,
			    enum xattr_op op, const char *name)
{
	bool write = op == XSET || op == XREMOVE;
	if (strncmp(name, "security.", 9) == 0 || strncmp(name, "system.", 7) == 0)
		return 0;
	mode_t mode = ino->attr.st_mode;
	if (strncmp(name, "user.", 5) == 0) {
		if (!S_ISREG(mode) && !S_ISDIR(mode))
			return write ? -EPERM : -ENODATA;
		if (S_ISDIR(mode) && (mode & S_ISVTX) && write && !vfs_owner_or_capable(ino, c))
			return -EPERM;
	}
	return vfs_permission(ino, c, write ? VFS_MAY_WRITE : VFS_MAY_READ);
}

static ssize_t on_inode(struct vfs_inode *ino, const struct vfs_cred *c, const struct xattr_call *x,
			const char *name, void *buf)
{
	const struct vfs_fs_ops *ops = ino->fs->ops;
	if ((x->op == XSET || x->op == XREMOVE) && ino->fs->readonly)
		return -EROFS;
	int rc = x->op == XLIST ? 0 : xattr_permission(ino, c, x->op, name);
	if (rc < 0)
		return rc;
	/* The gofer's request goes without the sentry lock (as its other
	 * changes do); a change holds the inode meanwhile, as Linux's inode
	 * lock.  The caller keeps ino referenced. */
	bool change = x->op == XSET || x->op == XREMOVE;
	if (change)
		vfs_inode_lock(ino, NULL);
	bool prev = vfs_io_allow_change(ino->fs);
	ssize_t n;
	switch (x->op) {
	case XGET:  n = ops->getxattr ? ops->getxattr(ino, name, buf, x->size) : -EOPNOTSUPP; break;
	case XLIST: n = ops->listxattr ? ops->listxattr(ino, buf, x->size) : 0; break;
	case XSET:  n = ops->setxattr ? ops->setxattr(ino, name, buf, x->size, (int)x->flags) : -EOPNOTSUPP; break;
	default:    n = ops->removexattr ? ops->removexattr(ino, name) : -EOPNOTSUPP; break;
	}
	vfs_io_allow(prev);
	if (change)
		vfs_inode_unlock(ino, NULL);
	return n;
}

static int64_t xattr_call(struct sentry *s, struct platform_syscall *sc, struct task *t,
			  struct xattr_call *x)
{
	char name[XATTR_NAME_MAX_LEN + 1] = "";
	int rc;
	if (x->at_flags == AT_EMPTY_PATH) {
		/* the f* calls take the fd with fdget(): O_PATH is EBADF */
		struct vfs_file *f = files_lookup(s, sc, x->dirfd, &rc, NULL);
		if (!f && rc < 0)
			return rc;
		if (f && (f->flags & O_PATH))
			return -EBADF;
	}
	if (x->op != XLIST && (rc = read_name(s, sc, x->name, name)) < 0)
		return rc;
	/* trusted.* is for CAP_SYS_ADMIN, which the application never has:
	 * Linux's xattr_permission() answers EPERM to writes, ENODATA to reads */
	if (x->op != XLIST && strncmp(name, "trusted.", 8) == 0)
		return x->op == XGET ? -ENODATA : -EPERM;
	if (x->op == XSET && (x->flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	if (x->op == XSET && x->size > XATTR_VALUE_MAX)
		return -E2BIG;
	/* get/list with a larger buffer than any value: clamp, as Linux does */
	uint64_t limit = x->op == XLIST ? XATTR_LIST_MAX_LEN : XATTR_VALUE_MAX;
	if ((x->op == XGET || x->op == XLIST) && x->size > limit)
		x->size = limit;
	void *buf = x->size ? malloc(x->size) : NULL;
	if (x->size && !buf)
		return -ENOMEM;
	if (x->op == XSET && (rc = platform_read(s->plat, sc, buf, x->value, x->size)) < 0) {
		free(buf);
		return rc;
	}
	struct vfs_path p;
	int dup = -1;
	ssize_t n = resolve_at(s, sc, t, x->dirfd, x->path, x->at_flags, true, &p, &dup);
	if (n == 1) {
		n = native(dup, x, name, buf);
		close(dup);
	} else if (n == 0) {
		n = on_inode(p.dentry->inode, &t->cred, x, name, buf);
		if (n >= 0 && (x->op == XSET || x->op == XREMOVE))
			p.dentry->inode->attr_stale = true;   /* ctime */
		vfs_path_put(p);
	}
	if (n > 0 && (x->op == XGET || x->op == XLIST) && x->size) {
		rc = platform_write(s->plat, sc, x->value, buf, (size_t)n);
		if (rc < 0)
			n = rc;
	}
	free(buf);
	return n;
}

#define PATH_CALL(fn, OP, FLAGS, ...)                                                      \
	int64_t sys_##fn(struct sentry *s, struct platform_syscall *sc, struct task *t)    \
	{                                                                                  \
		struct xattr_call x = { .op = OP, .at_flags = FLAGS, .dirfd = AT_FDCWD,     \
					.path = sc->args[0], __VA_ARGS__ };                 \
		return xattr_call(s, sc, t, &x);                                           \
	}
#define FD_CALL(fn, OP, ...)                                                               \
	int64_t sys_##fn(struct sentry *s, struct platform_syscall *sc, struct task *t)    \
	{                                                                                  \
		struct xattr_call x = { .op = OP, .at_flags = AT_EMPTY_PATH,                \
					.dirfd = (int)sc->args[0], .path = 0, __VA_ARGS__ }; \
		return xattr_call(s, sc, t, &x);                                           \
	}

PATH_CALL(getxattr, XGET, 0, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3])
PATH_CALL(lgetxattr, XGET, AT_SYMLINK_NOFOLLOW, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3])
FD_CALL(fgetxattr, XGET, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3])
PATH_CALL(listxattr, XLIST, 0, .value = sc->args[1], .size = sc->args[2])
PATH_CALL(llistxattr, XLIST, AT_SYMLINK_NOFOLLOW, .value = sc->args[1], .size = sc->args[2])
FD_CALL(flistxattr, XLIST, .value = sc->args[1], .size = sc->args[2])
PATH_CALL(setxattr, XSET, 0, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3], .flags = sc->args[4])
PATH_CALL(lsetxattr, XSET, AT_SYMLINK_NOFOLLOW, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3], .flags = sc->args[4])
FD_CALL(fsetxattr, XSET, .name = sc->args[1], .value = sc->args[2], .size = sc->args[3], .flags = sc->args[4])
PATH_CALL(removexattr, XREMOVE, 0, .name = sc->args[1])
PATH_CALL(lremovexattr, XREMOVE, AT_SYMLINK_NOFOLLOW, .name = sc->args[1])
FD_CALL(fremovexattr, XREMOVE, .name = sc->args[1])
