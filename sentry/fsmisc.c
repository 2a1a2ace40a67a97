/*
 * Syscalls of the file family that reduce to what the VFS already does:
 * the old getdents (x86-64 still has it; the sandbox must not answer ENOSYS
 * where Linux answers) and chroot (the application never holds
 * CAP_SYS_CHROOT, so a valid directory is EPERM, after Linux's path checks).
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The x86-64 layout of getdents(2): d_type is the record's last byte. */
struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

struct old_dirent_buf {
	char *buf;
	size_t cap, len;
	bool overflow;
};

static bool emit_old_dirent(void *arg, uint64_t ino, uint64_t next, uint8_t type,
			    const char *name, size_t namelen)
{
	struct old_dirent_buf *b = arg;
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
	int err, dup;
	struct vfs_file *f = files_lookup(s, sc, (int)sc->args[0], &err, &dup);
	if (!f) {
		if (dup >= 0)
			close(dup);
		return err ? err : -ENOTDIR;
	}
	int64_t rc;
	struct vfs_inode *ino = f->path.dentry->inode;
	size_t count = (size_t)(unsigned)sc->args[2];
	if (count > 1 << 20)
		count = 1 << 20;
	struct old_dirent_buf b = { malloc(count ? count : 1), count, 0, false };
	/* the directory offset is the placeholder's file position (files.c) */
	off_t pos = lseek(dup, 0, SEEK_CUR);
	if (!vfs_is_dir(ino) || (f->flags & O_PATH))
		rc = (f->flags & O_PATH) ? -EBADF : -ENOTDIR;
	else if (!b.buf)
		rc = -ENOMEM;
	else if (pos < 0)
		rc = -errno;
	else {
		uint64_t p = (uint64_t)pos;
		rc = ino->fs->ops->readdir(f, &p, emit_old_dirent, &b);
		if (rc == 0 && b.len == 0 && b.overflow)
			rc = -EINVAL;   /* the buffer cannot hold even one entry */
		if (rc == 0)
			rc = platform_write(s->plat, sc, sc->args[1], b.buf, b.len);
		if (rc == 0 && lseek(dup, (off_t)p, SEEK_SET) < 0)
			rc = -errno;
		if (rc == 0)
			rc = (int64_t)b.len;
	}
	free(b.buf);
	close(dup);
	return rc;
}

/* chroot: Linux resolves the path (following, a directory), checks search
 * permission, then CAP_SYS_CHROOT, which the application never holds. */
int64_t sys_chroot(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, sc->args[0], path);
	if (rc < 0)
		return rc;
	struct vfs_walk w = { 0 };
	rc = walk_start(s, sc, t, AT_FDCWD, path, &w);
	if (rc < 0)
		return rc;
	w.flags = VFS_FOLLOW | VFS_DIRECTORY;
	rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	vfs_path_put(w.result);
	return -EPERM;
}
