/*
 * Syscalls of the file family that reduce to what the VFS already does:
 * the old getdents (x86-64 still has it; the sandbox must not answer ENOSYS
 * where Linux answers), chroot (the application never holds
 * CAP_SYS_CHROOT, so a valid directory is EPERM, after Linux's path checks)
 * and inotify_add_watch (the path is the sandbox's; the watch goes on the
 * host object behind the inode, and the host kernel delivers the events).
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The x86-64 layout of getdents(2): d_type is the record's last byte. */
struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

static bool emit_old_dirent(void *arg, uint64_t ino, uint64_t next, uint8_t type,
			    const char *name, size_t namelen)
{
	struct dirent_buf *b = arg;
	size_t reclen = (offsetof(struct linux_dirent, d_name) + namelen + 2 + 7) & ~(size_t)7;
	if (b->len + reclen > b->cap) {
		b->overflow = true;
		return false;
	}
	struct linux_dirent *d = (struct linux_dirent *)(b->buf + b->len);
	memset(d, 0, reclen);
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = (unsigned short)reclen;
	memcpy(d->d_name, name, namelen);
	b->buf[b->len + reclen - 1] = (char)type;
	b->len += reclen;
	return true;
}

/* As sys_getdents64 (sentry/syscalls.c), with the old record layout. */
int64_t sys_getdents(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return getdents_common(s, sc, emit_old_dirent);
}

/* Walks the path at addr (from the cwd) with walk flags: 0 with w->result
 * (a reference the caller drops), or a negative errno. */
static int walk_path_arg(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 uint64_t addr, int flags, struct vfs_walk *w)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, addr, path);
	if (rc < 0)
		return rc;
	*w = (struct vfs_walk){ 0 };
	rc = walk_start(s, sc, t, AT_FDCWD, path, w);
	if (rc < 0)
		return rc;
	w->flags = flags;
	return vfs_walk(w, path);
}

/* chroot: Linux resolves the path (following, a directory), checks search
 * permission, then CAP_SYS_CHROOT, which the application never holds. */
int64_t sys_chroot(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	struct vfs_walk w;
	int rc = walk_path_arg(s, sc, t, sc->args[0], VFS_FOLLOW | VFS_DIRECTORY, &w);
	if (rc < 0)
		return rc;
	vfs_path_put(w.result);
	return -EPERM;
}

/* ---- inotify_add_watch -------------------------------------------------------- */

/* Every bit inotify_add_watch accepts (Linux's ALL_INOTIFY_BITS). */
#define INOTIFY_ALL_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | \
			  IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | \
			  IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)

/* Whether the sentry's fd is an inotify instance: the kernel names its
 * anonymous inode "inotify" (procfs link "anon_inode:inotify"). */
static bool is_inotify(struct sentry *s, int fd)
{
	char link[32], name[32];
	snprintf(link, sizeof link, "self/fd/%d", fd);
	ssize_t n = readlinkat(s->procfd, link, name, sizeof name - 1);
	if (n < 0)
		return false;
	name[n] = 0;
	return strcmp(name, "anon_inode:inotify") == 0;
}

/* From the fd on, in Linux's order: the fd's checks, the path (read, then
 * walked with IN_DONT_FOLLOW / IN_ONLYDIR), read permission on the file,
 * then the filesystem. */
static int add_watch(struct sentry *s, struct platform_syscall *sc, struct task *t, int ifd,
		     uint32_t mask)
{
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!is_inotify(s, ifd))
		return -EINVAL;
	struct vfs_walk w;
	int rc = walk_path_arg(s, sc, t, sc->args[1],
			       (mask & IN_DONT_FOLLOW ? 0 : VFS_FOLLOW) | (mask & IN_ONLYDIR ? VFS_DIRECTORY : 0), &w);
	if (rc < 0)
		return rc;
	struct vfs_inode *ino = w.result.dentry->inode;
	/* Linux: "you can only watch an inode if you have read permissions on it" */
	rc = vfs_permission(ino, &t->cred, VFS_MAY_READ);
	if (rc == 0)
		rc = ino->fs->ops->add_watch ? ino->fs->ops->add_watch(ino, ifd, mask) : -EOPNOTSUPP;
	vfs_path_put(w.result);
	return rc;
}

/*
 * inotify_add_watch(fd, path, mask): the application's instance is taken
 * with pidfd_getfd (the same open file description), checked to be one,
 * and the filesystem of the inode the path names adds the watch on the
 * host object behind it (goferfs: the gofer, Tinotify; tmpfs: the backing
 * file).  The watch descriptor is the kernel's, for that instance, so
 * inotify_rm_watch and read() stay native.  Checks in the order of Linux's
 * fs/notify/inotify/inotify_user.c.
 */
int64_t sys_inotify_add_watch(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	uint32_t mask = (uint32_t)sc->args[2];
	if ((mask & ~INOTIFY_ALL_BITS) || !(mask & INOTIFY_ALL_BITS))
		return -EINVAL;
	int ifd = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (ifd < 0)
		return ifd == -ENOENT ? ifd : -EBADF;
	int rc = add_watch(s, sc, t, ifd, mask);
	close(ifd);
	return rc;
}
