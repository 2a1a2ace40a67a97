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
