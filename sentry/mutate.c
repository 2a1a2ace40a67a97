/*
 * The syscalls that change the tree: mkdir, unlink, rename, link, symlink,
 * mknod, chmod, chown, truncate, utimes, umask.
 *
 * Each one resolves its path(s) in the VFS with Linux's rules for the last
 * component (what "/", "." and ".." give, trailing slashes), checks what the
 * VFS can check (existence, types, read-only filesystems, cross-mount
 * EXDEV, a directory moved into itself), asks the filesystem, and then keeps
 * the dentry cache true.  The filesystem (the gofer) has the last word on
 * everything that depends on the host.
 */
#include "sentry/internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* A resolved parent directory and the last component of a path. */
struct parent {
	struct vfs_walk w;
	bool normal;          /* the last component is a real name */
};

static int walk_parent_of(struct sentry *s, struct platform_syscall *sc, struct task *t,
			  int dirfd, const char *path, struct parent *p)
{
	memset(p, 0, sizeof *p);
	int rc = walk_start(s, sc, t, dirfd, path, &p->w);
	if (rc < 0)
		return rc;
	p->w.flags = VFS_PARENT;
	rc = vfs_walk(&p->w, path);
	if (rc < 0)
		return rc;
	const char *n = p->w.last;
	p->normal = n[0] && strcmp(n, ".") != 0 && strcmp(n, "..") != 0;
	return 0;
}

static int walk_parent(struct sentry *s, struct platform_syscall *sc, struct task *t,
		       int dirfd, uint64_t path_addr, struct parent *p)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, path_addr, path);
	if (rc < 0)
		return rc;
	return walk_parent_of(s, sc, t, dirfd, path, p);
}

static struct vfs_inode *dir_inode(const struct parent *p)
{
	return p->w.result.dentry->inode;
}

/* The child, or NULL with *err (-ENOENT for a negative entry). */
static struct vfs_dentry *child_of(struct parent *p, int *err)
{
	struct vfs_dentry *d;
	*err = vfs_lookup_child_held(&p->w.result, p->w.last, &d);   /* (held by the caller) */
	return *err == 0 ? d : NULL;
}

/* May c add a name to dir (Linux's may_create)? */
/* ---- creation ----------------------------------------------------------- */

enum node_kind { NODE_DIR, NODE_SPECIAL, NODE_SYMLINK, NODE_SOCKET };

/* Creates the last component of `path` (already copied from the task).
 * NODE_SOCKET: bind(2), `sock` the socket to bind to it. */
static int64_t make_node_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
			    int dirfd, const char *path, enum node_kind kind, mode_t mode,
			    const char *target, int sock)
{
	struct parent p;
	int rc = walk_parent_of(s, sc, t, dirfd, path, &p);
	if (rc < 0)
		return rc;
	struct vfs_inode *dir = dir_inode(&p);
	vfs_inode_lock(dir, NULL);
	struct vfs_dentry *existing = NULL;
	if (!p.normal)
		rc = -EEXIST;
	else if ((existing = child_of(&p, &rc)))
		rc = -EEXIST;
	else if (rc == -ENOENT && p.w.trailing_slash && kind != NODE_DIR)
		rc = -ENOENT;   /* "name/" can only be a directory */
	else if (rc == -ENOENT)
		rc = vfs_may_create(dir, &t->cred);
	struct vfs_inode *ino = NULL;
	if (rc == 0) {
		const struct vfs_fs_ops *ops = dir->fs->ops;
		bool prev = vfs_io_allow_change(dir->fs);
		switch (kind) {
		case NODE_DIR:
			rc = ops->mkdir ? ops->mkdir(dir, p.w.last, (mode & 07777 & ~t->fs->umask) | S_IFDIR, &ino)
					: -EPERM;
			break;
		case NODE_SPECIAL:
			rc = ops->mknod ? ops->mknod(dir, p.w.last, (mode & S_IFMT) | (mode & 07777 & ~t->fs->umask), &ino)
					: -EPERM;
			break;
		case NODE_SYMLINK:
			rc = ops->symlink ? ops->symlink(dir, p.w.last, target, &ino) : -EPERM;
			break;
		case NODE_SOCKET:
			/* Only a tmpfs binds: a socket on a gofer mount would be a
			 * host file, which the sandbox never creates by itself
			 * (docs/ARCHITECTURE.md, "Unix sockets bound in the
			 * sandbox"). */
			rc = ops->bind ? ops->bind(dir, p.w.last, S_IFSOCK | (mode & 07777 & ~t->fs->umask),
						   sock, &ino)
				       : -EOPNOTSUPP;
			break;
		}
		vfs_io_allow(prev);
	}
	if (rc == 0) {
		vfs_dir_changed(dir);
		if (!vfs_add_child(p.w.result.dentry, p.w.last, ino))
			rc = -ENOMEM;
	}
	vfs_inode_unlock(dir, NULL);
	vfs_path_put(p.w.result);
	return rc;
}

static int64_t make_node(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, enum node_kind kind, mode_t mode,
			 const char *target)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, path_addr, path);
	if (rc < 0)
		return rc;
	return make_node_at(s, sc, t, dirfd, path, kind, mode, target, -1);
}

int64_t bind_socket_node(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 const char *path, int sock)
{
	/* Linux (unix_bind_bsd): S_IFSOCK | 0777 & ~umask, the socket
	 * inode's mode */
	int64_t rc = make_node_at(s, sc, t, AT_FDCWD, path, NODE_SOCKET, 0777, NULL, sock);
	return rc == -EEXIST ? -EADDRINUSE : rc;   /* as unix_bind_bsd() says it */
}

int64_t sys_mkdirat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return make_node(s, sc, t, (int)sc->args[0], sc->args[1], NODE_DIR, (mode_t)sc->args[2], NULL);
}

int64_t sys_mkdir(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return make_node(s, sc, t, AT_FDCWD, sc->args[0], NODE_DIR, (mode_t)sc->args[1], NULL);
}

static int64_t do_mknod(struct sentry *s, struct platform_syscall *sc, struct task *t,
			int dirfd, uint64_t path_addr, mode_t mode, dev_t dev)
{
	/* a whiteout (0:0), which Linux lets anyone make: no driver serves it */
	if ((mode & S_IFMT) == S_IFCHR && dev == 0)
		return make_node(s, sc, t, dirfd, path_addr, NODE_SPECIAL, mode, NULL);
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		return -EPERM;   /* no device reaches the sandbox */
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return make_node(s, sc, t, dirfd, path_addr, NODE_SPECIAL, mode, NULL);
}

int64_t sys_mknodat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_mknod(s, sc, t, (int)sc->args[0], sc->args[1], (mode_t)sc->args[2],
			(dev_t)(unsigned)sc->args[3]);
}

int64_t sys_mknod(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_mknod(s, sc, t, AT_FDCWD, sc->args[0], (mode_t)sc->args[1],
			(dev_t)(unsigned)sc->args[2]);
}

static int64_t do_symlink(struct sentry *s, struct platform_syscall *sc, struct task *t,
			  uint64_t target_addr, int dirfd, uint64_t path_addr)
{
	char target[VFS_PATH_MAX];
	int rc = platform_read_string(s->plat, sc, target, sizeof target, target_addr);
	if (rc < 0)
		return rc;
	if (target[0] == 0)
		return -ENOENT;
	return make_node(s, sc, t, dirfd, path_addr, NODE_SYMLINK, 0777, target);
}

int64_t sys_symlinkat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_symlink(s, sc, t, sc->args[0], (int)sc->args[1], sc->args[2]);
}

int64_t sys_symlink(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_symlink(s, sc, t, sc->args[0], AT_FDCWD, sc->args[1]);
}

/* ---- removal -------------------------------------------------------------- */

static int64_t do_unlink(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, bool rmdir)
{
	struct parent p;
	int rc = walk_parent(s, sc, t, dirfd, path_addr, &p);
	if (rc < 0)
		return rc;
	struct vfs_inode *dir = dir_inode(&p);
	vfs_inode_lock(dir, NULL);
	struct vfs_dentry *d = NULL;
	if (!p.normal) {
		if (!rmdir)
			rc = -EISDIR;
		else
			rc = strcmp(p.w.last, ".") == 0 ? -EINVAL : p.w.last[0] ? -ENOTEMPTY : -EBUSY;
	} else if ((d = child_of(&p, &rc))) {
		bool is_dir = vfs_is_dir(d->inode);
		/* Linux's may_delete order: permission, sticky, then the type */
		if (dir->fs->readonly)
			rc = -EROFS;
		else if ((rc = vfs_may_delete(dir, d->inode, &t->cred)) < 0)
			;
		else if (rmdir && !is_dir)
			rc = -ENOTDIR;
		else if (!rmdir && is_dir)
			rc = -EISDIR;
		else if (!rmdir && p.w.trailing_slash)
			rc = -ENOTDIR;
		else if (d->mounted)
			rc = -EBUSY;
		else if (!dir->fs->ops->unlink)
			rc = -EPERM;
		else {
			vfs_dentry_get(d);   /* (across a request without the lock) */
			bool prev = vfs_io_allow_change(dir->fs);
			rc = dir->fs->ops->unlink(dir, p.w.last, rmdir);
			vfs_io_allow(prev);
			if (rc == 0) {
				vfs_dir_changed(dir);
				d->inode->attr_stale = true;   /* nlink, for open files */
				vfs_d_drop(d);
			}
			vfs_dentry_put(d);
		}
	}
	vfs_inode_unlock(dir, NULL);
	vfs_path_put(p.w.result);
	return rc;
}

int64_t sys_unlinkat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int flags = (int)sc->args[2];
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_unlink(s, sc, t, (int)sc->args[0], sc->args[1], flags & AT_REMOVEDIR);
}

int64_t sys_unlink(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_unlink(s, sc, t, AT_FDCWD, sc->args[0], false);
}

int64_t sys_rmdir(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_unlink(s, sc, t, AT_FDCWD, sc->args[0], true);
}

/* ---- rename ----------------------------------------------------------------- */

/* Is `d` an ancestor of (or the same as) `of`, within one mount? */
static bool is_ancestor(const struct vfs_dentry *d, const struct vfs_dentry *of)
{
	for (; of; of = of->parent)
		if (of == d)
			return true;
	return false;
}

/* The child of np after `first`, op's: looking it up may wait for another
 * thread's lookup of the same name, the lock released, and `first` may be
 * gone from op then (unlinked, renamed): as if that had come first, ENOENT.
 * *second is NULL for a negative entry. */
static int second_child(struct parent *op, struct vfs_dentry *first, struct parent *np,
			struct vfs_dentry **second)
{
	int rc;
	vfs_dentry_get(first);
	*second = child_of(np, &rc);
	bool moved = first->deleted || first->parent != op->w.result.dentry ||
		     strcmp(first->name, op->w.last) != 0;
	vfs_dentry_put(first);
	if (moved)
		return -ENOENT;
	return *second || rc == -ENOENT ? 0 : rc;
}

static int rename_checks(struct parent *op, struct parent *np, unsigned flags,
			 const struct vfs_cred *c, struct vfs_dentry **from, struct vfs_dentry **to)
{
	int rc;
	if (!op->normal)
		return -EBUSY;
	if (!np->normal)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (op->w.result.mnt != np->w.result.mnt)
		return -EXDEV;
	*from = child_of(op, &rc);
	if (!*from)
		return rc;
	if ((rc = second_child(op, *from, np, to)) < 0)
		return rc;
	bool from_dir = vfs_is_dir((*from)->inode);
	if (!from_dir && (op->w.trailing_slash || np->w.trailing_slash))
		return -ENOTDIR;
	if (*to) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if ((*to)->inode == (*from)->inode)
			return 1;   /* the same file: nothing to do, as Linux */
		bool to_dir = vfs_is_dir((*to)->inode);
		if (from_dir && !to_dir)
			return -ENOTDIR;
		if (!from_dir && to_dir)
			return -EISDIR;
		if ((*to)->mounted)
			return -EBUSY;
	}
	if ((*from)->mounted)
		return -EBUSY;
	if (from_dir && is_ancestor(*from, np->w.result.dentry))
		return -EINVAL;   /* a directory cannot move beneath itself */
	if (*to && vfs_is_dir((*to)->inode) && is_ancestor(*to, op->w.result.dentry))
		return -ENOTEMPTY;
	struct vfs_inode *odir = dir_inode(op), *ndir = dir_inode(np);
	if (odir->fs->readonly)
		return -EROFS;
	if ((rc = vfs_may_delete(odir, (*from)->inode, c)) < 0)
		return rc;
	rc = *to ? vfs_may_delete(ndir, (*to)->inode, c) : vfs_permission(ndir, c, VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (rc < 0)
		return rc;
	/* a directory that changes parent gets a new "..": written */
	if (from_dir && odir != ndir)
		return vfs_permission((*from)->inode, c, VFS_MAY_WRITE);
	return 0;
}

/* renameat2(RENAME_EXCHANGE): both names must exist; they swap, whatever
 * their types.  Linux's checks: neither may be an ancestor of the other's
 * new parent (EINVAL), permission to delete both entries, write permission
 * on a directory that changes parent ("..").  1: nothing to do. */
static int exchange(struct parent *op, struct parent *np, const struct vfs_cred *c)
{
	int rc;
	if (!op->normal || !np->normal)
		return -EBUSY;
	if (op->w.result.mnt != np->w.result.mnt)
		return -EXDEV;
	struct vfs_dentry *a = child_of(op, &rc), *b = NULL;
	if (!a)
		return rc;
	if ((rc = second_child(op, a, np, &b)) < 0)
		return rc;
	if (!b)
		return -ENOENT;
	bool a_dir = vfs_is_dir(a->inode), b_dir = vfs_is_dir(b->inode);
	if ((!a_dir && op->w.trailing_slash) || (!b_dir && np->w.trailing_slash))
		return -ENOTDIR;
	if (a->inode == b->inode)
		return 1;
	if ((a_dir && is_ancestor(a, np->w.result.dentry)) ||
	    (b_dir && is_ancestor(b, op->w.result.dentry)))
		return -EINVAL;
	if (a->mounted || b->mounted)
		return -EBUSY;
	struct vfs_inode *odir = dir_inode(op), *ndir = dir_inode(np);
	if (odir->fs->readonly)
		return -EROFS;
	if ((rc = vfs_may_delete(odir, a->inode, c)) < 0 || (rc = vfs_may_delete(ndir, b->inode, c)) < 0)
		return rc;
	if (odir != ndir && ((a_dir && (rc = vfs_permission(a->inode, c, VFS_MAY_WRITE)) < 0) ||
			     (b_dir && (rc = vfs_permission(b->inode, c, VFS_MAY_WRITE)) < 0)))
		return rc;
	const struct vfs_fs_ops *ops = odir->fs->ops;
	if (!ops->rename_flags)
		return -EINVAL;   /* what Linux says for a filesystem without it */
	vfs_dentry_get(a);   /* (across a request without the lock) */
	vfs_dentry_get(b);
	bool prev = vfs_io_allow_change(odir->fs);
	rc = ops->rename_flags(odir, op->w.last, ndir, np->w.last, RENAME_EXCHANGE, a->inode, b->inode);
	vfs_io_allow(prev);
	if (rc == 0) {
		vfs_dir_changed(odir);
		vfs_dir_changed(ndir);
		a->inode->attr_stale = b->inode->attr_stale = true;   /* ctime */
		vfs_d_exchange(a, b);
	}
	vfs_dentry_put(a);
	vfs_dentry_put(b);
	return rc;
}

static int64_t do_rename(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, unsigned flags)
{
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	struct parent op, np;
	int rc = walk_parent(s, sc, t, olddirfd, oldpath, &op);
	if (rc < 0)
		return rc;
	rc = walk_parent(s, sc, t, newdirfd, newpath, &np);
	if (rc < 0) {
		vfs_path_put(op.w.result);
		return rc;
	}
	struct vfs_dentry *from = NULL, *to = NULL;
	struct vfs_inode *odir = dir_inode(&op), *ndir = dir_inode(&np);
	vfs_inode_lock(odir, ndir);
	if (flags & RENAME_EXCHANGE) {
		rc = exchange(&op, &np, &t->cred);
		vfs_inode_unlock(odir, ndir);
		vfs_path_put(op.w.result);
		vfs_path_put(np.w.result);
		return rc > 0 ? 0 : rc;
	}
	rc = rename_checks(&op, &np, flags, &t->cred, &from, &to);
	if (rc == 0) {
		const struct vfs_fs_ops *ops = odir->fs->ops;
		vfs_dentry_get(from);   /* (across a request without the lock) */
		if (to)
			vfs_dentry_get(to);
		bool prev = vfs_io_allow_change(odir->fs);
		if (flags & RENAME_WHITEOUT)   /* the old name gets a whiteout */
			rc = ops->rename_flags ? ops->rename_flags(odir, op.w.last, ndir, np.w.last,
								   flags, from->inode, NULL)
					       : -EINVAL;
		else
			rc = ops->rename ? ops->rename(odir, op.w.last, ndir, np.w.last, from->inode)
					 : -EPERM;
		vfs_io_allow(prev);
		if (rc == 0) {
			vfs_dir_changed(odir);
			vfs_dir_changed(ndir);
			from->inode->attr_stale = true;   /* ctime */
			if (to)
				vfs_d_drop(to);
			rc = vfs_d_move(from, np.w.result.dentry, np.w.last);
		}
		if (to)
			vfs_dentry_put(to);
		vfs_dentry_put(from);
	}
	vfs_inode_unlock(odir, ndir);
	vfs_path_put(op.w.result);
	vfs_path_put(np.w.result);
	return rc > 0 ? 0 : rc;
}

int64_t sys_renameat2(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_rename(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[2], sc->args[3],
			 (unsigned)sc->args[4]);
}

int64_t sys_renameat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_rename(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[2], sc->args[3], 0);
}

int64_t sys_rename(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_rename(s, sc, t, AT_FDCWD, sc->args[0], AT_FDCWD, sc->args[1], 0);
}

/* ---- link ------------------------------------------------------------------- */

/* fs.protected_hardlinks (on by default): only the owner, a caller who
 * may read and write the file, or CAP_FOWNER may link a regular file. */
static int may_link(struct vfs_inode *target, const struct vfs_cred *c)
{
	if (vfs_owner_or_capable(target, c))
		return 0;
	if (S_ISREG(target->attr.st_mode) && !(target->attr.st_mode & S_ISUID) &&
	    !((target->attr.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) &&
	    vfs_permission(target, c, VFS_MAY_READ | VFS_MAY_WRITE) == 0)
		return 0;
	return -EPERM;
}

static int64_t do_link(struct sentry *s, struct platform_syscall *sc, struct task *t,
		       int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_path old;
	int dup = -1;
	int rc = resolve_at(s, sc, t, olddirfd, oldpath, flags, false, &old, &dup);
	if (rc == 1) {
		close(dup);
		return -EXDEV;   /* not a file of the sandbox's filesystems */
	}
	if (rc < 0)
		return rc;
	struct parent np;
	rc = walk_parent(s, sc, t, newdirfd, newpath, &np);
	if (rc < 0) {
		vfs_path_put(old);
		return rc;
	}
	struct vfs_dentry *existing;
	struct vfs_inode *dir = dir_inode(&np), *target = old.dentry->inode;
	vfs_inode_lock(dir, NULL);
	if (!np.normal)
		rc = -EEXIST;
	else if (vfs_is_dir(target))
		rc = -EPERM;
	else if (old.mnt != np.w.result.mnt)
		rc = -EXDEV;
	else if ((existing = child_of(&np, &rc)))
		rc = -EEXIST;
	else if (rc == -ENOENT && !(rc = np.w.trailing_slash ? -ENOENT : vfs_may_create(dir, &t->cred)))
		rc = may_link(target, &t->cred);
	struct vfs_inode *ino = NULL;
	if (rc == 0 && !dir->fs->ops->link)
		rc = -EPERM;
	if (rc == 0) {
		bool prev = vfs_io_allow_change(dir->fs);
		rc = dir->fs->ops->link(dir, np.w.last, target, &ino);
		vfs_io_allow(prev);
	}
	if (rc == 0) {
		vfs_dir_changed(dir);
		target->attr_stale = true;
		if (!vfs_add_child(np.w.result.dentry, np.w.last, ino))
			rc = -ENOMEM;
	}
	vfs_inode_unlock(dir, NULL);
	vfs_path_put(old);
	vfs_path_put(np.w.result);
	return rc;
}

int64_t sys_linkat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_link(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[2], sc->args[3],
		       (int)sc->args[4]);
}

int64_t sys_link(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_link(s, sc, t, AT_FDCWD, sc->args[0], AT_FDCWD, sc->args[1], 0);
}

/* ---- attributes ------------------------------------------------------------ */

/* Linux's setattr_prepare(): who may change what.  May clear S_ISGID from
 * a chmod's mode, as Linux does for a caller outside the file's group. */
static int setattr_permission(struct vfs_inode *ino, const struct vfs_cred *c,
			      struct vfs_setattr *a)
{
	const struct stat *st = &ino->attr;
	bool owner = vfs_owner_or_capable(ino, c);
	if ((a->valid & VFS_SET_SIZE) && !(a->valid & ~VFS_SET_SIZE))
		return vfs_permission(ino, c, VFS_MAY_WRITE);   /* truncate(2) */
	if ((a->valid & VFS_SET_UID) &&
	    !((c->fsuid == st->st_uid && a->uid == st->st_uid) || vfs_capable(c, CAP_CHOWN)))
		return -EPERM;
	if ((a->valid & VFS_SET_GID) &&
	    !((c->fsuid == st->st_uid && (a->gid == st->st_gid || vfs_in_group(c, a->gid))) ||
	      vfs_capable(c, CAP_CHOWN)))
		return -EPERM;
	if (a->valid & VFS_SET_MODE) {
		if (!owner)
			return -EPERM;
		gid_t g = (a->valid & VFS_SET_GID) ? a->gid : st->st_gid;
		if (!vfs_in_group(c, g) && !vfs_capable(c, CAP_FSETID))
			a->mode &= ~(mode_t)S_ISGID;
	}
	if (a->valid & (VFS_SET_ATIME_SET | VFS_SET_MTIME_SET)) {
		if (!owner)
			return -EPERM;   /* explicit times: the owner's */
	} else if ((a->valid & (VFS_SET_ATIME | VFS_SET_MTIME)) && !owner) {
		return vfs_permission(ino, c, VFS_MAY_WRITE);   /* "now": any writer */
	}
	return 0;
}

/* Applies attr to the file named by (dirfd, path, at_flags), or to the fd
 * itself with AT_EMPTY_PATH and an empty path.  `native` is what to do on a
 * non-VFS fd (a pipe, a socket): the same call on the fd. */
static int64_t set_attr_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
			   int dirfd, uint64_t path_addr, int at_flags, const struct vfs_setattr *attr,
			   int (*native)(int fd, const struct vfs_setattr *attr))
{
	struct vfs_path p;
	int dup = -1;
	int rc = resolve_at(s, sc, t, dirfd, path_addr, at_flags, true, &p, &dup);
	if (rc == 1) {
		rc = native(dup, attr);
		close(dup);
		return rc;
	}
	if (rc < 0)
		return rc;
	struct vfs_inode *ino = p.dentry->inode;
	vfs_inode_lock(ino, NULL);
	struct vfs_setattr a = *attr;
	attr = &a;
	struct stat cur;
	if ((rc = get_attr(ino, &cur)) < 0)   /* owner and mode as they are now */
		;
	else if ((attr->valid & VFS_SET_MODE) && vfs_is_link(ino))
		rc = -EOPNOTSUPP;   /* a symlink's mode never changes */
	else if ((attr->valid & VFS_SET_SIZE) && vfs_is_dir(ino))
		rc = -EISDIR;
	else if ((attr->valid & VFS_SET_SIZE) && !S_ISREG(ino->attr.st_mode))
		rc = -EINVAL;
	else if (ino->fs->readonly)
		rc = -EROFS;
	else
		rc = setattr_permission(ino, &t->cred, &a);
	if (rc == 0 && !ino->fs->ops->setattr)
		rc = -EPERM;
	if (rc == 0) {
		bool prev = vfs_io_allow_change(ino->fs);
		rc = ino->fs->ops->setattr(ino, attr);
		vfs_io_allow(prev);
	}
	if (rc == 0) {
		/* what permission checks read must be current at once */
		if (attr->valid & VFS_SET_MODE)
			ino->attr.st_mode = (ino->attr.st_mode & S_IFMT) | (attr->mode & 07777);
		if (attr->valid & VFS_SET_UID)
			ino->attr.st_uid = attr->uid;
		if (attr->valid & VFS_SET_GID)
			ino->attr.st_gid = attr->gid;
		ino->attr_stale = true;   /* ctime, and set-id bits a chown cleared */
	}
	vfs_inode_unlock(ino, NULL);
	vfs_path_put(p);
	return rc;
}

static int native_chmod(int fd, const struct vfs_setattr *a)
{
	return fchmod(fd, a->mode) < 0 ? -errno : 0;
}

static int native_chown(int fd, const struct vfs_setattr *a)
{
	return fchown(fd, (a->valid & VFS_SET_UID) ? a->uid : (uid_t)-1,
		      (a->valid & VFS_SET_GID) ? a->gid : (gid_t)-1) < 0 ? -errno : 0;
}

static int native_utimes(int fd, const struct vfs_setattr *a)
{
	struct timespec ts[2] = { a->atime, a->mtime };
	if (!(a->valid & VFS_SET_ATIME))
		ts[0].tv_nsec = UTIME_OMIT;
	else if (!(a->valid & VFS_SET_ATIME_SET))
		ts[0].tv_nsec = UTIME_NOW;
	if (!(a->valid & VFS_SET_MTIME))
		ts[1].tv_nsec = UTIME_OMIT;
	else if (!(a->valid & VFS_SET_MTIME_SET))
		ts[1].tv_nsec = UTIME_NOW;
	return futimens(fd, ts) < 0 ? -errno : 0;
}

static int native_truncate(int fd, const struct vfs_setattr *a)
{
	return -EINVAL;   /* truncate() takes a path; never an fd */
}

static int64_t do_chmod(struct sentry *s, struct platform_syscall *sc, struct task *t,
			int dirfd, uint64_t path_addr, mode_t mode, int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_setattr a = { .valid = VFS_SET_MODE, .mode = mode & 07777 };
	return set_attr_at(s, sc, t, dirfd, path_addr, at_flags, &a, native_chmod);
}

int64_t sys_chmod(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chmod(s, sc, t, AT_FDCWD, sc->args[0], (mode_t)sc->args[1], 0);
}

int64_t sys_fchmodat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chmod(s, sc, t, (int)sc->args[0], sc->args[1], (mode_t)sc->args[2], 0);
}

int64_t sys_fchmodat2(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chmod(s, sc, t, (int)sc->args[0], sc->args[1], (mode_t)sc->args[2], (int)sc->args[3]);
}

/* fd-based calls name the file by an empty path relative to the fd. */
static const uint64_t EMPTY_PATH_ADDR = 0;

/* fchmod, fchown and futimens act on the open file itself: Linux takes the
 * fd with fdget(), not fdget_raw(), so an O_PATH fd is EBADF (the *at forms
 * with AT_EMPTY_PATH name the file by path and accept it). */
static int fd_not_opath(struct sentry *s, struct platform_syscall *sc, int fd)
{
	int err;
	struct vfs_file *f = files_lookup(s, sc, fd, &err, NULL);
	if (!f)
		return err;   /* -EBADF, or 0: not a VFS fd, the call on it decides */
	return (f->flags & O_PATH) ? -EBADF : 0;
}

int64_t sys_fchmod(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int rc = fd_not_opath(s, sc, (int)sc->args[0]);
	if (rc < 0)
		return rc;
	return do_chmod(s, sc, t, (int)sc->args[0], EMPTY_PATH_ADDR, (mode_t)sc->args[1], AT_EMPTY_PATH);
}

static int64_t do_chown(struct sentry *s, struct platform_syscall *sc, struct task *t,
			int dirfd, uint64_t path_addr, uid_t uid, gid_t gid, int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_setattr a = { .uid = uid, .gid = gid };
	if (uid != (uid_t)-1)
		a.valid |= VFS_SET_UID;
	if (gid != (gid_t)-1)
		a.valid |= VFS_SET_GID;
	return set_attr_at(s, sc, t, dirfd, path_addr, at_flags, &a, native_chown);
}

int64_t sys_chown(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chown(s, sc, t, AT_FDCWD, sc->args[0], (uid_t)sc->args[1], (gid_t)sc->args[2], 0);
}

int64_t sys_lchown(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chown(s, sc, t, AT_FDCWD, sc->args[0], (uid_t)sc->args[1], (gid_t)sc->args[2],
			AT_SYMLINK_NOFOLLOW);
}

int64_t sys_fchownat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_chown(s, sc, t, (int)sc->args[0], sc->args[1], (uid_t)sc->args[2], (gid_t)sc->args[3],
			(int)sc->args[4]);
}

int64_t sys_fchown(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int rc = fd_not_opath(s, sc, (int)sc->args[0]);
	if (rc < 0)
		return rc;
	return do_chown(s, sc, t, (int)sc->args[0], EMPTY_PATH_ADDR, (uid_t)sc->args[1],
			(gid_t)sc->args[2], AT_EMPTY_PATH);
}

int64_t sys_truncate(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int64_t len = (int64_t)sc->args[1];
	if (len < 0)
		return -EINVAL;
	struct vfs_setattr a = { .valid = VFS_SET_SIZE, .size = (off_t)len };
	return set_attr_at(s, sc, t, AT_FDCWD, sc->args[0], 0, &a, native_truncate);
}

/* Times from a struct timespec[2] with UTIME_NOW/UTIME_OMIT, as utimensat. */
static int times_from_timespec(const struct timespec ts[2], struct vfs_setattr *a)
{
	const unsigned set[2] = { VFS_SET_ATIME, VFS_SET_MTIME };
	const unsigned given[2] = { VFS_SET_ATIME_SET, VFS_SET_MTIME_SET };
	struct timespec *dst[2] = { &a->atime, &a->mtime };
	for (int i = 0; i < 2; i++) {
		if (ts[i].tv_nsec == UTIME_OMIT)
			continue;
		a->valid |= set[i];
		if (ts[i].tv_nsec == UTIME_NOW)
			continue;
		if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000)
			return -EINVAL;
		a->valid |= given[i];
		*dst[i] = ts[i];
	}
	return 0;
}

/* Linux's do_utimes: a NULL path with a real fd is futimens(fd) (no flags
 * allowed, an O_PATH fd is EBADF); a NULL path with AT_FDCWD is a path,
 * EFAULT. */
static int64_t times_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
			int dirfd, uint64_t path_addr, int flags, const struct vfs_setattr *a)
{
	if (path_addr == 0 && dirfd != AT_FDCWD) {
		if (flags)
			return -EINVAL;
		int rc = fd_not_opath(s, sc, dirfd);
		if (rc < 0)
			return rc;
		flags = AT_EMPTY_PATH;
	}
	return set_attr_at(s, sc, t, dirfd, path_addr, flags, a, native_utimes);
}

int64_t sys_utimensat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int dirfd = (int)sc->args[0], flags = (int)sc->args[3];
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_setattr a = { 0 };
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (sc->args[2]) {
		int rc = platform_read(s->plat, sc, ts, sc->args[2], sizeof ts);
		if (rc < 0)
			return rc;
	}
	int rc = times_from_timespec(ts, &a);
	if (rc < 0)
		return rc;
	if (a.valid == 0)
		return 0;   /* both UTIME_OMIT: nothing, not even a permission check */
	return times_at(s, sc, t, dirfd, sc->args[1], flags, &a);
}

/* utime/utimes/futimesat: seconds (and microseconds), or NULL for now. */
static int64_t utimes_common(struct sentry *s, struct platform_syscall *sc, struct task *t,
			     int dirfd, uint64_t path_addr, uint64_t times_addr, bool utimbuf)
{
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (times_addr && utimbuf) {
		struct utimbuf ub;
		int rc = platform_read(s->plat, sc, &ub, times_addr, sizeof ub);
		if (rc < 0)
			return rc;
		ts[0] = (struct timespec){ ub.actime, 0 };
		ts[1] = (struct timespec){ ub.modtime, 0 };
	} else if (times_addr) {
		struct timeval tv[2];
		int rc = platform_read(s->plat, sc, tv, times_addr, sizeof tv);
		if (rc < 0)
			return rc;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
		}
	}
	struct vfs_setattr a = { 0 };
	int rc = times_from_timespec(ts, &a);
	if (rc < 0)
		return rc;
	return times_at(s, sc, t, dirfd, path_addr, 0, &a);
}

int64_t sys_utime(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return utimes_common(s, sc, t, AT_FDCWD, sc->args[0], sc->args[1], true);
}

int64_t sys_utimes(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return utimes_common(s, sc, t, AT_FDCWD, sc->args[0], sc->args[1], false);
}

int64_t sys_futimesat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return utimes_common(s, sc, t, (int)sc->args[0], sc->args[1], sc->args[2], false);
}

/* umask is per fs context (CLONE_FS shares it), and the sentry creates the
 * files, so it keeps the value. */
int64_t sys_umask(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	mode_t old = t->fs->umask;
	t->fs->umask = (mode_t)sc->args[0] & 0777;
	return old;
}
