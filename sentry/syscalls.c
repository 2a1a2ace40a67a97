/*
 * The application's file syscalls, served from the VFS.
 *
 * Each handler reads its arguments from the application once (copies), acts
 * on the copies, and returns a result or a negative errno; handlers that
 * answer themselves (installing an fd, letting an exec continue) return
 * SYSCALL_ANSWERED.  The dispatch is a table indexed by syscall number.
 *
 * Credentials: every check is made against the trapped task's (struct
 * task: cred), as Linux's generic_permission() would (sentry/vfs.c:
 * vfs_permission); read-only filesystems give EROFS first, as Linux.
 */
#include "sentry/internal.h"

#include "platform/loader/loader_abi.h"
#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static __thread char detail[VFS_PATH_MAX + 64];   /* what the debug log says about the call */

char *detail_buffer(void)
{
	return detail;
}

int read_path(struct sentry *s, const struct platform_syscall *sc, uint64_t addr, char *buf)
{
	int rc = platform_read_string(s->plat, sc, buf, VFS_PATH_MAX, addr);
	if (rc >= 0)
		snprintf(detail, sizeof detail, "\"%s\"", buf);
	if (rc >= 0)
		trace_path(addr, buf);
	return rc < 0 ? rc : 0;
}

/* The start directory dirfd names (AT_FDCWD: the cwd). */
static int start_at_dirfd(struct sentry *s, const struct platform_syscall *sc, struct task *t,
			  int dirfd, struct vfs_walk *w)
{
	w->root = t->fs->root;
	w->start = t->fs->cwd;
	w->cred = &t->cred;
	if (dirfd == AT_FDCWD)
		return 0;
	int err;
	struct vfs_file *f = files_lookup(s, sc, dirfd, &err, NULL);
	if (!f)
		return err ? err : -ENOTDIR;
	if (!vfs_is_dir(f->path.dentry->inode))
		return -ENOTDIR;
	w->start = f->path;
	return 0;
}

int walk_start(struct sentry *s, const struct platform_syscall *sc, struct task *t,
	       int dirfd, const char *path, struct vfs_walk *w)
{
	/* Linux refuses an empty path before it looks at dirfd */
	if (path[0] == 0)
		return -ENOENT;
	if (path[0] == '/') {
		w->root = t->fs->root;
		w->start = t->fs->cwd;
		w->cred = &t->cred;
		return 0;
	}
	return start_at_dirfd(s, sc, t, dirfd, w);
}

/* Attributes from the cache (the sandbox has the files exclusively: fscache),
 * refreshed only when the application may have changed the file natively
 * through a writable donated fd. */
int get_attr(struct vfs_inode *ino, struct stat *st)
{
	bool revalidating = ino->fs->policy >= VFS_CACHE_REMOTE_REVALIDATING;
	/* Each name of a hard-linked file has an inode of its own here: a
	 * link, unlink or chmod through one name leaves the others' cached
	 * attributes stale, so a file with several names is always re-read. */
	bool aliased = !S_ISDIR(ino->attr.st_mode) && ino->attr.st_nlink > 1;
	if ((ino->host_writable || ino->attr_stale || revalidating || aliased) && ino->fs->ops->refresh) {
		int rc = vfs_refresh(ino);
		if (rc < 0)
			return rc;
	}
	*st = ino->attr;
	return 0;
}

/* ---- open --------------------------------------------------------------- */

#define OPEN_VALID_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE |        \
			  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC |      \
			  O_PATH | O_TMPFILE)

/* O_TMPFILE's own bit (O_TMPFILE is __O_TMPFILE | O_DIRECTORY). */
#define O_TMPFILE_BIT (O_TMPFILE & ~O_DIRECTORY)

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/*
 * Named pipes.  The gofer opens the host FIFO without waiting: a writer
 * with no reader gets ENXIO; a reader gets an O_PATH descriptor (no reader
 * itself).  Linux's blocking opens are emulated here, without the sentry
 * lock, so a FIFO waiting for its peer stalls no other syscall: a writer
 * retries until a reader appears, a reader opens the FIFO through the
 * sentry's procfs (a real FIFO open, blocking unless O_NONBLOCK: it counts
 * as a reader while it waits, as on Linux) until a writer appears.  Each wait wakes up now and
 * then to see whether the application still waits (a signal may have
 * interrupted it).
 */
#define FIFO_POLL_MS 50

struct fifo_reader_wait {
	int procfd, path_fd, flags, reopened;
	int keeper;   /* a non-blocking reader held across the waits, or -1 */
};

/* The reader's own open of the FIFO, through the O_PATH descriptor the
 * gofer donated (it is no reader itself): blocking, it is a reader while it
 * waits, as on Linux, and returns when a writer comes.
 *
 * The wait is cut every FIFO_POLL_MS (to see whether the application still
 * waits), and a cut open is no reader any more: a writer that came just
 * then, wrote and went would be missed, and the next open would wait for
 * ever where Linux's reader, which never stopped waiting, returns.  So a
 * non-blocking reader (the keeper) is held across the waits: the writer
 * always finds a reader, its data stays in the pipe, and when the keeper
 * shows data or a writer come and gone (POLLHUP) the keeper itself is the
 * application's reader. */
static int open_fifo_reader(void *arg)
{
	struct fifo_reader_wait *w = arg;
	if (w->keeper >= 0) {
		struct pollfd pfd = { .fd = w->keeper, .events = POLLIN };
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP))) {
			if (!(w->flags & O_NONBLOCK) &&
			    fcntl(w->keeper, F_SETFL, fcntl(w->keeper, F_GETFL) & ~O_NONBLOCK) < 0)
				return -errno;
			w->reopened = w->keeper;
			w->keeper = -1;
			return 0;
		}
	}
	char path[32];
	snprintf(path, sizeof path, "self/fd/%d", w->path_fd);
	w->reopened = openat(w->procfd, path, O_RDONLY | O_CLOEXEC | (w->flags & O_NONBLOCK));
	return w->reopened >= 0 ? 0 : -errno;
}

static int sleep_a_while(void *arg)
{
	struct timespec ts = { 0, *(long *)arg * 1000000L };
	return nanosleep(&ts, NULL) == 0 || errno == EINTR ? -EINTR : -errno;
}

static int64_t open_fifo(struct sentry *s, struct platform_syscall *sc, struct vfs_path p, int flags)
{
	struct vfs_inode *ino = p.dentry->inode;
	if (!ino->fs->ops->open)
		return -ENXIO;
	bool block = !(flags & O_NONBLOCK);
	int acc = flags & O_ACCMODE;
	struct vfs_open_result res = { .host_fd = -1 };
	int rc;
	vfs_path_get(p);   /* held across the unlocked waits */
	for (long delay_ms = 1;; delay_ms = delay_ms < FIFO_POLL_MS ? delay_ms * 2 : FIFO_POLL_MS) {
		/* writing to a FIFO is no write to its filesystem: no EROFS */
		rc = ino->fs->ops->open(ino, flags & ~O_TRUNC, &res);
		if (rc != -ENXIO || acc != O_WRONLY || !block)
			break;
		rc = sentry_wait_unlocked(s, sc, FIFO_POLL_MS, sleep_a_while, &delay_ms);
		if (rc != -EINTR)
			break;
	}
	if (rc == 0 && acc == O_RDONLY) {
		struct fifo_reader_wait w = { s->procfd, res.host_fd, flags, -1, -1 };
		if (!block) {
			rc = open_fifo_reader(&w);
		} else {
			char path[32];
			snprintf(path, sizeof path, "self/fd/%d", w.path_fd);
			w.keeper = openat(w.procfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			do
				rc = sentry_wait_unlocked(s, sc, FIFO_POLL_MS, open_fifo_reader, &w);
			while (rc == -EINTR);
			if (w.keeper >= 0)
				close(w.keeper);
		}
		close(res.host_fd);
		res.host_fd = w.reopened;
	}
	if (rc == 0)
		rc = files_install(s, sc, p, flags, res.host_fd);
	else if (res.host_fd >= 0)
		close(res.host_fd);
	vfs_path_put(p);
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

/* may_open(): the access the open flags ask for (O_TRUNC writes). */
static int open_permission(struct vfs_inode *ino, const struct vfs_cred *c, int flags)
{
	/* access mode 3 ("ioctl only") needs both, as Linux's ACC_MODE() */
	int acc = flags & O_ACCMODE, mask = 0;
	if (acc != O_WRONLY)
		mask |= VFS_MAY_READ;
	if (acc != O_RDONLY || ((flags & O_TRUNC) && S_ISREG(ino->attr.st_mode)))
		mask |= VFS_MAY_WRITE;
	int rc = vfs_permission(ino, c, mask);
	if (rc == 0 && (flags & O_NOATIME) && !vfs_owner_or_capable(ino, c))
		rc = -EPERM;
	return rc;
}

static int64_t open_path(struct sentry *s, struct platform_syscall *sc, struct vfs_path p, int flags,
			 const struct vfs_cred *cred);

/* p is referenced meanwhile: the open may release the lock, and the caller
 * may hold p without a reference (a name just looked up, a magic link's
 * object). */
static int64_t open_file(struct sentry *s, struct platform_syscall *sc, struct vfs_path p, int flags,
			 const struct vfs_cred *cred)
{
	vfs_path_get(p);
	int64_t rc = open_path(s, sc, p, flags, cred);
	vfs_path_put(p);
	return rc;
}

static int64_t open_path(struct sentry *s, struct platform_syscall *sc, struct vfs_path p, int flags,
			 const struct vfs_cred *cred)
{
	struct vfs_inode *ino = p.dentry->inode;
	if (flags & O_PATH) {
		int rc = files_install(s, sc, p, flags & (O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW), -1);
		return rc < 0 ? rc : SYSCALL_ANSWERED;
	}
	if (vfs_is_link(ino))
		return -ELOOP;
	if ((flags & O_DIRECTORY) && !vfs_is_dir(ino))
		return -ENOTDIR;
	if (vfs_is_dir(ino)) {
		if (wants_write(flags) || (flags & O_CREAT))
			return -EISDIR;
		int rc = open_permission(ino, cred, flags);
		if (rc < 0)
			return rc;
		rc = files_install(s, sc, p, flags, -1);
		return rc < 0 ? rc : SYSCALL_ANSWERED;
	}
	if (S_ISFIFO(ino->attr.st_mode)) {
		int rc = open_permission(ino, cred, flags & ~O_TRUNC);
		return rc < 0 ? rc : open_fifo(s, sc, p, flags);
	}
	if (S_ISSOCK(ino->attr.st_mode)) {
		int rc = open_permission(ino, cred, flags);
		return rc < 0 ? rc : -ENXIO;
	}
	if (S_ISCHR(ino->attr.st_mode) && ino->fs->devices) {
		/* a new description of the device (sentry/devfs.c); writable
		 * on a read-only filesystem, as Linux's device nodes are */
		int rc = open_permission(ino, cred, flags);
		struct vfs_open_result res = { .host_fd = -1, .opener = sc->tid };
		if (rc == 0)
			rc = ino->fs->ops->open(ino, flags, &res);
		if (rc == 0)
			rc = files_install(s, sc, p, flags, res.host_fd);
		return rc < 0 ? rc : SYSCALL_ANSWERED;
	}
	if (!S_ISREG(ino->attr.st_mode))
		return -ENXIO;   /* a device node elsewhere: no host device reaches the sandbox */
	if (wants_write(flags) && ino->fs->readonly)
		return -EROFS;
	int prc = open_permission(ino, cred, flags);
	if (prc < 0)
		return prc;
	if (!ino->fs->ops->open)
		return -EACCES;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) == O_RDONLY) {
		/* Linux truncates with O_RDONLY|O_TRUNC too; the read-only
		 * handle itself cannot, so truncate first */
		struct vfs_setattr a = { .valid = VFS_SET_SIZE, .size = 0 };
		int rc = ino->fs->ops->setattr ? ino->fs->ops->setattr(ino, &a) : -EINVAL;
		if (rc < 0)
			return rc;
		ino->attr_stale = true;
		flags &= ~O_TRUNC;
	}
	/* the open may release the lock for its 9P request (open_file) */
	struct vfs_open_result res = { .host_fd = -1 };
	bool prev = vfs_io_allow(true);
	int rc = ino->fs->ops->open(ino, flags, &res);
	vfs_io_allow(prev);
	if (rc < 0)
		return rc;
	if (wants_write(flags))
		ino->host_writable = true;
	rc = files_install(s, sc, p, flags, res.host_fd);
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

/* A magic link to an object outside the VFS (a pipe behind /dev/fd/63):
 * its filesystem opens the object; the application gets the descriptor
 * with no file of the sentry behind it (fstat and the rest are the
 * kernel's, as for a pipe the application made itself). */
static int64_t open_outside(struct sentry *s, struct platform_syscall *sc, struct vfs_inode *link,
			    int flags)
{
	if (flags & O_PATH)
		return -ENXIO;   /* an O_PATH placeholder cannot stand for a pipe */
	struct vfs_open_result res = { .host_fd = -1 };
	int rc = link->fs->ops->open ? link->fs->ops->open(link, flags, &res) : -ENXIO;
	if (rc < 0)
		return rc;
	if (res.host_fd < 0)
		return -ENXIO;
	/* (dropped before the task runs on: a pipe counts its ends by
	 * description, and the sentry's must not keep a writer alive) */
	rc = platform_add_fd(s->plat, sc, res.host_fd, flags & O_CLOEXEC);
	close(res.host_fd);
	if (rc >= 0 && platform_reply(s->plat, sc, rc) < 0)
		rc = -ENOENT;
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

static bool names_a_dir(const char *last)
{
	return last[0] == 0 || strcmp(last, ".") == 0 || strcmp(last, "..") == 0;
}

/* The create of open(O_CREAT), dir held: the new dentry in *d. */
static int create_in(struct task *t, struct vfs_path dir, const char *name, int flags, mode_t mode,
		     struct vfs_dentry **d, struct vfs_open_result *res)
{
	struct vfs_inode *di = dir.dentry->inode;
	int rc = vfs_may_create(di, &t->cred);
	if (rc < 0)
		return rc;
	if (!di->fs->ops->create)
		return -EACCES;
	struct vfs_inode *ino = NULL;
	bool prev = vfs_io_allow_change(di->fs);
	rc = di->fs->ops->create(di, name, flags, (mode & 07777 & ~t->fs->umask) | S_IFREG, &ino, res);
	vfs_io_allow(prev);
	if (rc < 0)
		return rc;
	trace_created();
	ino->host_writable = true;
	vfs_dir_changed(di);
	*d = vfs_add_child(dir.dentry, name, ino);
	if (!*d) {
		close(res->host_fd);
		return -ENOMEM;
	}
	return 0;
}

/*
 * open(O_CREAT) of dir/name: an existing file is opened (EEXIST with
 * O_EXCL), a symlink is followed — and when it dangles, its target is
 * created, as Linux does — and a missing name is created.  "name/" and
 * names of directories are EISDIR.
 */
static int64_t create_file(struct sentry *s, struct platform_syscall *sc, struct task *t,
			   struct vfs_walk *w, int flags, mode_t mode)
{
	if (w->trailing_slash || names_a_dir(w->last))
		return -EISDIR;
	struct vfs_path dir = w->result;
	char name[VFS_NAME_MAX + 1];
	snprintf(name, sizeof name, "%s", w->last);
	struct vfs_dentry *child;
	int rc, links = 0;
	for (;;) {
		/* the directory held from the lookup to the create (Linux's
		 * inode lock): the create may go without the sentry lock */
		vfs_inode_lock(dir.dentry->inode, NULL);
		rc = vfs_lookup_child_held(&dir, name, &child);
		if (rc == -ENOENT)
			break;   /* create it */
		vfs_inode_unlock(dir.dentry->inode, NULL);
		if (rc < 0)
			return rc;
		if (flags & O_EXCL)
			return -EEXIST;   /* never follows: a dangling symlink exists too */
		if (!vfs_is_link(child->inode)) {
			if (vfs_is_dir(child->inode))
				return -EISDIR;
			return open_file(s, sc, (struct vfs_path){ dir.mnt, child }, flags & ~O_CREAT, &t->cred);
		}
		if (flags & O_NOFOLLOW)
			return -ELOOP;
		if (++links > VFS_SYMLOOP_MAX)
			return -ELOOP;
		char target[VFS_PATH_MAX];
		struct vfs_inode *li = child->inode;
		if (li->fs->ops->get_link) {
			/* a magic link (/proc/self/fd/1): the object it names
			 * exists, so this is an open of it */
			struct vfs_path to;
			rc = li->fs->ops->get_link(li, &to);
			if (rc == -ENXIO && !(w->flags & VFS_NO_MAGICLINKS))
				return open_outside(s, sc, li, flags & ~O_CREAT);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				if (w->flags & VFS_NO_MAGICLINKS)
					return -ELOOP;
				if (vfs_is_dir(to.dentry->inode))
					return -EISDIR;
				return open_file(s, sc, to, flags & ~O_CREAT, &t->cred);
			}
		}
		rc = li->fs->ops->readlink(li, target, sizeof target);
		if (rc <= 0)
			return rc < 0 ? rc : -ENOENT;
		/* on to the link's target, from the link's directory */
		struct vfs_walk w2 = { .root = w->root, .start = dir, .flags = VFS_PARENT, .cred = w->cred };
		rc = vfs_walk(&w2, target);
		if (rc < 0)
			return rc;
		if (w2.trailing_slash || names_a_dir(w2.last))
			return -EISDIR;
		dir = w2.result;
		snprintf(name, sizeof name, "%s", w2.last);
	}
	struct vfs_inode *di = dir.dentry->inode;
	struct vfs_dentry *d = NULL;
	struct vfs_open_result res = { .host_fd = -1 };
	rc = create_in(t, dir, name, flags, mode, &d, &res);
	vfs_inode_unlock(di, NULL);
	if (rc < 0)
		return rc;
	rc = files_install(s, sc, (struct vfs_path){ dir.mnt, d }, flags, res.host_fd);
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

/*
 * open(dir, O_TMPFILE): Linux's do_tmpfile/vfs_tmpfile order — EROFS, write
 * and search permission on the directory, then EOPNOTSUPP for a filesystem
 * without unnamed files.  The file gets a dentry of its own, "#INO" in dir,
 * deleted and in no cache (vfs_d_alloc_unnamed): it is the FD identity's
 * path for the file (procfs shows "/dir/#INO (deleted)", as Linux), and it
 * goes, with the inode, when the FD identity drops the last fd's entry.
 */
static int64_t open_tmpfile(struct sentry *s, struct platform_syscall *sc, struct task *t,
			    struct vfs_path dir, int flags, mode_t mode)
{
	struct vfs_inode *di = dir.dentry->inode;
	int rc = vfs_may_create(di, &t->cred);
	if (rc < 0)
		return rc;
	if (!di->fs->ops->tmpfile)
		return -EOPNOTSUPP;
	struct vfs_inode *ino = NULL;
	struct vfs_open_result res = { .host_fd = -1, .opener = sc->tid };
	rc = di->fs->ops->tmpfile(di, flags, (mode & 07777 & ~t->fs->umask) | S_IFREG, &ino, &res);
	if (rc < 0)
		return rc;
	ino->host_writable = true;
	char name[32];
	snprintf(name, sizeof name, "#%llu", (unsigned long long)ino->attr.st_ino);
	struct vfs_dentry *d = vfs_d_alloc_unnamed(dir.dentry, name, ino);
	if (!d) {
		close(res.host_fd);
		vfs_inode_put(ino);
		return -ENOMEM;
	}
	rc = files_install(s, sc, (struct vfs_path){ dir.mnt, d }, flags, res.host_fd);
	vfs_dentry_put(d);   /* the FD identity entry holds it now (or nothing: freed) */
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

/* openat2's RESOLVE_* as walk flags; RESOLVE_IN_ROOT makes the start the root. */
static int resolve_to_walk(uint64_t resolve, struct vfs_walk *w)
{
	int f = 0;
	if (resolve & RESOLVE_NO_SYMLINKS)
		f |= VFS_NO_SYMLINKS;
	if (resolve & RESOLVE_NO_XDEV)
		f |= VFS_NO_XDEV;
	if (resolve & RESOLVE_BENEATH)
		f |= VFS_BENEATH;
	if (resolve & RESOLVE_CACHED)
		f |= VFS_CACHED;
	if (resolve & RESOLVE_NO_MAGICLINKS)
		f |= VFS_NO_MAGICLINKS;
	if (resolve & RESOLVE_IN_ROOT)
		w->root = w->start;
	return f;
}

static int64_t do_openat(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, int flags, mode_t mode, uint64_t resolve)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, path_addr, path);
	if (rc < 0)
		return rc;
	snprintf(detail + strlen(detail), 64, " flags=%#x", flags);
	/* open and openat ignore unknown flags (openat2 refused them already),
	 * and O_PATH ignores the flags it has no use for (build_open_how) */
	flags &= OPEN_VALID_FLAGS;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (flags & O_TMPFILE_BIT) {
		/* O_TMPFILE is O_DIRECTORY too, never O_CREAT, and must write */
		if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
	} else if ((flags & O_CREAT) && (flags & O_DIRECTORY)) {
		return -EINVAL;   /* never meant anything (Linux 6.4+: EINVAL) */
	}
	struct vfs_walk w = { 0 };
	/* RESOLVE_BENEATH/IN_ROOT anchor even an absolute path at dirfd */
	bool anchored = resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
	rc = path[0] == 0 ? -ENOENT
	   : anchored ? start_at_dirfd(s, sc, t, dirfd, &w) : walk_start(s, sc, t, dirfd, path, &w);
	if (rc < 0)
		return rc;
	int rflags = resolve_to_walk(resolve, &w);
	if (flags & O_TMPFILE_BIT) {
		/* the directory must exist and be one (followed, as Linux) */
		w.flags = VFS_FOLLOW | VFS_DIRECTORY | rflags;
		rc = vfs_walk(&w, path);
		if (rc < 0)
			return rc;
		int64_t r = open_tmpfile(s, sc, t, w.result, flags, mode);
		vfs_path_put(w.result);
		return r;
	}
	if ((flags & O_CREAT) && !(flags & O_PATH)) {
		w.flags = VFS_PARENT | rflags;
		rc = vfs_walk(&w, path);
		if (rc < 0)
			return rc;
		int64_t r = create_file(s, sc, t, &w, flags, mode);
		vfs_path_put(w.result);
		return r;
	}
	w.flags = ((flags & O_NOFOLLOW) ? 0 : VFS_FOLLOW) | rflags;
	if (flags & O_DIRECTORY)
		w.flags |= VFS_DIRECTORY;
	if (!(w.flags & VFS_NO_MAGICLINKS))
		w.flags |= VFS_OUTSIDE;
	rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	int64_t r = w.outside ? open_outside(s, sc, w.result.dentry->inode, flags)
			      : open_file(s, sc, w.result, flags, &t->cred);
	vfs_path_put(w.result);
	return r;
}

#ifdef __NR_open   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_open(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_openat(s, sc, t, AT_FDCWD, sc->args[0], (int)sc->args[1], (mode_t)sc->args[2], 0);
}
#endif

#ifdef __NR_creat   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_creat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return do_openat(s, sc, t, AT_FDCWD, sc->args[0], O_CREAT | O_WRONLY | O_TRUNC,
			 (mode_t)sc->args[1], 0);
}
#endif

/* openat2: the strict variant.  Unknown flags, modes without O_CREAT and
 * unknown RESOLVE_* bits are errors instead of being ignored. */
static int64_t sys_openat2(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	uint64_t size = sc->args[3];
	struct open_how how = { 0 };
	if (size < 24)   /* OPEN_HOW_SIZE_VER0 */
		return -EINVAL;
	if (size > 4096)
		return -E2BIG;
	int rc = platform_read(s->plat, sc, &how, sc->args[2], sizeof how < size ? sizeof how : size);
	if (rc < 0)
		return rc;
	/* a larger struct from a newer libc: its extra fields must be zero */
	for (uint64_t off = sizeof how; off < size; off += 8) {
		uint64_t chunk = 0;
		size_t n = size - off < 8 ? size - off : 8;
		if ((rc = platform_read(s->plat, sc, &chunk, sc->args[2] + off, n)) < 0)
			return rc;
		if (chunk)
			return -E2BIG;
	}
	if (how.flags >> 32 || (how.flags & ~(uint64_t)OPEN_VALID_FLAGS))
		return -EINVAL;
	int flags = (int)how.flags;
	if (how.mode & ~(uint64_t)07777)
		return -EINVAL;
	if (how.mode && !(flags & (O_CREAT | O_TMPFILE_BIT)))
		return -EINVAL;
	if ((flags & O_PATH) && (flags & ~(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
		return -EINVAL;
	if (how.resolve & ~(uint64_t)(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
				      RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED))
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how.resolve & RESOLVE_CACHED) && (flags & (O_CREAT | O_TRUNC | O_TMPFILE_BIT)))
		return -EAGAIN;
	return do_openat(s, sc, t, (int)sc->args[0], sc->args[1], flags, (mode_t)how.mode, how.resolve);
}

static int64_t sys_openat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int dirfd = (int)sc->args[0];
	if (dirfd == RL_LOADER_DIRFD && (int)sc->args[2] == RL_LOADER_REQUEST)
		return exec_loader_request(s, sc, t);
	return do_openat(s, sc, t, dirfd, sc->args[1], (int)sc->args[2], (mode_t)sc->args[3], 0);
}

/* ---- stat family ---------------------------------------------------------- */

/* Resolves (dirfd, path, at_flags) to a VFS path, or for AT_EMPTY_PATH on a
 * non-VFS fd returns 1 with *dup set (the caller answers from the fd). */
static int resolve_at_ex(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, int at_flags, bool follow_default,
			 struct vfs_path *out, int *dup, bool *empty);

int resolve_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
	       int dirfd, uint64_t path_addr, int at_flags, bool follow_default,
	       struct vfs_path *out, int *dup)
{
	bool empty;
	return resolve_at_ex(s, sc, t, dirfd, path_addr, at_flags, follow_default, out, dup, &empty);
}

/* As resolve_at; *empty tells whether the path was "" (or NULL). */
static int resolve_at_ex(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, int at_flags, bool follow_default,
			 struct vfs_path *out, int *dup, bool *empty)
{
	char path[VFS_PATH_MAX] = "";
	/* A NULL path with AT_EMPTY_PATH names the fd itself (Linux 6.11+, and
	 * how the sentry passes fchmod/fchown/futimens). */
	int rc = path_addr == 0 && (at_flags & AT_EMPTY_PATH) ? 0 : read_path(s, sc, path_addr, path);
	if (rc < 0)
		return rc;
	*empty = path[0] == 0;
	if (path[0] == 0 && (at_flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD) {
			*out = vfs_path_get(t->fs->cwd);
			return 0;
		}
		int err;
		struct vfs_file *f = files_lookup(s, sc, dirfd, &err, dup);
		if (f) {
			if (*dup >= 0)
				close(*dup), *dup = -1;
			*out = vfs_path_get(f->path);
			return 0;
		}
		return err ? err : 1;
	}
	struct vfs_walk w = { 0 };
	rc = walk_start(s, sc, t, dirfd, path, &w);
	if (rc < 0)
		return rc;
	bool follow = follow_default ? !(at_flags & AT_SYMLINK_NOFOLLOW) : (at_flags & AT_SYMLINK_FOLLOW);
	w.flags = follow ? VFS_FOLLOW | VFS_OUTSIDE : 0;
	rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	if (w.outside) {
		/* a pipe or socket behind /proc/PID/fd/N: the task's own
		 * descriptor answers for it, as for an fd outside the VFS */
		*dup = procfs_fd_object(w.result.dentry->inode);
		vfs_path_put(w.result);
		return *dup < 0 ? *dup : 1;
	}
	*out = w.result;
	return 0;
}

static int64_t write_stat(struct sentry *s, struct platform_syscall *sc, uint64_t addr,
			  const struct stat *st)
{
	return platform_write(s->plat, sc, addr, st, sizeof *st);
}

static int64_t stat_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
		       int dirfd, uint64_t path_addr, int at_flags, uint64_t buf)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct vfs_path p;
	int dup = -1;
	int rc = resolve_at(s, sc, t, dirfd, path_addr, at_flags, true, &p, &dup);
	struct stat st;
	if (rc == 1) {   /* not a VFS file: the fd answers for itself */
		rc = fstat(dup, &st) < 0 ? -errno : 0;
		close(dup);
		return rc < 0 ? rc : write_stat(s, sc, buf, &st);
	}
	if (rc < 0)
		return rc;
	bool prev = vfs_io_allow(true);   /* (p is referenced) */
	rc = get_attr(p.dentry->inode, &st);
	vfs_io_allow(prev);
	vfs_path_put(p);
	return rc < 0 ? rc : write_stat(s, sc, buf, &st);
}

#ifdef __NR_stat   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_stat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return stat_at(s, sc, t, AT_FDCWD, sc->args[0], 0, sc->args[1]);
}
#endif

#ifdef __NR_lstat   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_lstat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return stat_at(s, sc, t, AT_FDCWD, sc->args[0], AT_SYMLINK_NOFOLLOW, sc->args[1]);
}
#endif

static int64_t sys_newfstatat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return stat_at(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[3], sc->args[2]);
}

/* fstat: the VFS's attributes for its files; a regular file's live size and
 * times come from the host fd itself (the application writes it natively). */
static int64_t sys_fstat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int err, dup;
	struct vfs_file *f = files_lookup(s, sc, (int)sc->args[0], &err, &dup);
	struct stat st;
	if (!f && err)
		return err;
	if (f && (!S_ISREG(f->path.dentry->inode->attr.st_mode) || f->path.dentry->inode->fs->synthetic)) {
		st = f->path.dentry->inode->attr;
	} else if (f && f->path.dentry->inode->fs->own_attrs) {
		/* (tmpfs) size and times are the fd's, even once the file has no
		 * name; who owns it and its mode are the VFS's */
		const struct stat *a = &f->path.dentry->inode->attr;
		int rc = fstat(dup, &st) < 0 ? -errno : 0;
		if (rc < 0) {
			close(dup);
			return rc;
		}
		if (a->st_ctim.tv_sec > st.st_ctim.tv_sec ||
		    (a->st_ctim.tv_sec == st.st_ctim.tv_sec && a->st_ctim.tv_nsec > st.st_ctim.tv_nsec))
			st.st_ctim = a->st_ctim;
		st.st_dev = a->st_dev;
		st.st_ino = a->st_ino;
		st.st_mode = a->st_mode;
		st.st_nlink = a->st_nlink;
		st.st_uid = a->st_uid;
		st.st_gid = a->st_gid;
		st.st_rdev = a->st_rdev;
	} else {
		int rc = fstat(dup, &st) < 0 ? -errno : 0;
		if (rc < 0) {
			close(dup);
			return rc;
		}
		if (f)
			st.st_dev = f->path.dentry->inode->fs->dev;
	}
	close(dup);
	return write_stat(s, sc, sc->args[1], &st);
}

static void stat_to_statx(const struct stat *st, struct statx *sx)
{
	memset(sx, 0, sizeof *sx);
	sx->stx_mask = STATX_BASIC_STATS | STATX_MNT_ID;
	sx->stx_mnt_id = minor(st->st_dev);   /* one id per filesystem of the sandbox */
	sx->stx_blksize = (uint32_t)st->st_blksize;
	sx->stx_nlink = (uint32_t)st->st_nlink;
	sx->stx_uid = st->st_uid;
	sx->stx_gid = st->st_gid;
	sx->stx_mode = (uint16_t)st->st_mode;
	sx->stx_ino = st->st_ino;
	sx->stx_size = (uint64_t)st->st_size;
	sx->stx_blocks = (uint64_t)st->st_blocks;
	sx->stx_atime.tv_sec = st->st_atim.tv_sec;
	sx->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	sx->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	sx->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	sx->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	sx->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	sx->stx_rdev_major = major(st->st_rdev);
	sx->stx_rdev_minor = minor(st->st_rdev);
	sx->stx_dev_major = major(st->st_dev);
	sx->stx_dev_minor = minor(st->st_dev);
}

static int64_t sys_statx(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int at_flags = (int)sc->args[2];
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((at_flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if ((uint32_t)sc->args[3] & STATX__RESERVED)
		return -EINVAL;
	struct vfs_path p;
	int dup = -1;
	int rc = resolve_at(s, sc, t, (int)sc->args[0], sc->args[1], at_flags, true, &p, &dup);
	struct stat st;
	bool mgtime = false;
	if (rc == 1) {
		rc = fstat(dup, &st) < 0 ? -errno : 0;
		close(dup);
	} else if (rc == 0) {
		bool prev = vfs_io_allow(true);   /* (p is referenced) */
		rc = get_attr(p.dentry->inode, &st);
		vfs_io_allow(prev);
		/* the sandbox's files live on multigrain-timestamp filesystems
		 * (ext4, tmpfs, xfs); procfs does not */
		mgtime = !p.dentry->inode->fs->synthetic;
		vfs_path_put(p);
	}
	if (rc < 0)
		return rc;
	struct statx sx;
	stat_to_statx(&st, &sx);
	/* Linux 6.13+ (fill_mg_cmtime): on a multigrain-timestamp filesystem
	 * mtime and ctime are reported only when one of them is asked for */
	if (mgtime && !((uint32_t)sc->args[3] & (STATX_MTIME | STATX_CTIME))) {
		sx.stx_mask &= ~(uint32_t)(STATX_MTIME | STATX_CTIME);
		memset(&sx.stx_mtime, 0, sizeof sx.stx_mtime);
		memset(&sx.stx_ctime, 0, sizeof sx.stx_ctime);
	}
	return platform_write(s->plat, sc, sc->args[4], &sx, sizeof sx);
}

/* ---- access, readlink ---------------------------------------------------- */

_Static_assert(R_OK == VFS_MAY_READ && W_OK == VFS_MAY_WRITE && X_OK == VFS_MAY_EXEC,
	       "access(2) modes are the VFS's permission bits");

static int64_t access_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
			 int dirfd, uint64_t path_addr, int mode, int at_flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (at_flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* access(2) checks — and walks — with the real ids unless AT_EACCESS
	 * (the task's credentials are swapped for the call, under the lock) */
	struct vfs_cred saved = t->cred;
	if (!(at_flags & AT_EACCESS)) {
		t->cred.fsuid = t->cred.uid;
		t->cred.fsgid = t->cred.gid;
	}
	struct vfs_path p;
	int dup = -1;
	int rc = resolve_at(s, sc, t, dirfd, path_addr, at_flags, true, &p, &dup);
	if (rc == 1) {
		close(dup);
		rc = 0;
	} else if (rc == 0) {
		struct vfs_inode *ino = p.dentry->inode;
		struct stat st;
		if ((rc = get_attr(ino, &st)) < 0)
			;   /* the mode must be current: a chmod leaves the cache stale */
		else if ((mode & W_OK) && ino->fs->readonly && !S_ISFIFO(st.st_mode) &&
			 !S_ISSOCK(st.st_mode) && !S_ISCHR(st.st_mode))
			rc = -EROFS;
		else
			rc = vfs_permission(ino, &t->cred, mode);   /* R_OK/W_OK/X_OK = VFS_MAY_* */
		vfs_path_put(p);
	}
	t->cred = saved;
	return rc;
}

#ifdef __NR_access   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_access(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return access_at(s, sc, t, AT_FDCWD, sc->args[0], (int)sc->args[1], 0);
}
#endif

static int64_t sys_faccessat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return access_at(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[2], 0);
}

static int64_t sys_faccessat2(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return access_at(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[2], (int)sc->args[3]);
}

static int64_t readlink_at(struct sentry *s, struct platform_syscall *sc, struct task *t,
			   int dirfd, uint64_t path_addr, uint64_t buf, int64_t size)
{
	if (size <= 0)
		return -EINVAL;
	if (path_addr == 0)
		return -EFAULT;   /* unlike stat's, readlinkat's AT_EMPTY_PATH needs a string */
	struct vfs_path p;
	int dup = -1;
	bool empty;
	int rc = resolve_at_ex(s, sc, t, dirfd, path_addr, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, true,
			       &p, &dup, &empty);
	if (rc == 1) {
		close(dup);
		return -ENOENT;
	}
	if (rc < 0)
		return rc;
	struct vfs_inode *ino = p.dentry->inode;
	char target[VFS_PATH_MAX];
	/* readlinkat(fd, "") reads the link fd names; on anything else ENOENT */
	rc = vfs_is_link(ino) ? ino->fs->ops->readlink(ino, target, sizeof target)
	     : empty ? -ENOENT : -EINVAL;
	vfs_path_put(p);
	if (rc < 0)
		return rc;
	size_t n = (size_t)rc < (uint64_t)size ? (size_t)rc : (size_t)size;
	rc = platform_write(s->plat, sc, buf, target, n);
	return rc < 0 ? rc : (int64_t)n;
}

#ifdef __NR_readlink   /* x86-64 only: arm64 has just the *at form */
static int64_t sys_readlink(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return readlink_at(s, sc, t, AT_FDCWD, sc->args[0], sc->args[1], (int64_t)(int)sc->args[2]);
}
#endif

static int64_t sys_readlinkat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return readlink_at(s, sc, t, (int)sc->args[0], sc->args[1], sc->args[2], (int64_t)(int)sc->args[3]);
}

/* ---- getdents64 ----------------------------------------------------------- */

static bool emit_dirent64(void *arg, uint64_t ino, uint64_t next, uint8_t type,
			  const char *name, size_t namelen)
{
	struct dirent_buf *b = arg;
	size_t reclen = (offsetof(struct dirent64, d_name) + namelen + 1 + 7) & ~(size_t)7;
	if (b->len + reclen > b->cap) {
		b->overflow = true;
		return false;
	}
	struct dirent64 *d = (struct dirent64 *)(b->buf + b->len);
	memset(d, 0, reclen);
	d->d_ino = ino;
	d->d_off = (int64_t)next;
	d->d_reclen = (unsigned short)reclen;
	d->d_type = type;
	memcpy(d->d_name, name, namelen);
	b->len += reclen;
	return true;
}

int64_t getdents_common(struct sentry *s, struct platform_syscall *sc,
			bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				     const char *name, size_t namelen))
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
	/* One reader of a description at a time, as Linux's f_pos lock: the
	 * gofer's listing is read without the sentry lock (readdir may give
	 * it up), and the pin keeps the description's entry meanwhile. */
	f->pins++;
	while (f->reading)
		vfs_io_wait();
	f->reading = true;
	size_t count = (size_t)(unsigned)sc->args[2];
	if (count > 1 << 20)
		count = 1 << 20;
	struct dirent_buf b = { malloc(count ? count : 1), count, 0, false };
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
		bool prev = vfs_io_allow(true);
		rc = ino->fs->ops->readdir(f, &p, emit, &b);
		vfs_io_allow(prev);
		if (rc == 0 && b.len == 0 && b.overflow)
			rc = -EINVAL;   /* the buffer cannot hold even one entry */
		if (rc == 0)
			rc = platform_write(s->plat, sc, sc->args[1], b.buf, b.len);
		if (rc == 0 && lseek(dup, (off_t)p, SEEK_SET) < 0)
			rc = -errno;
		if (rc == 0)
			rc = (int64_t)b.len;
	}
	f->reading = false;
	f->pins--;
	vfs_io_wake();
	free(b.buf);
	close(dup);
	return rc;
}

static int64_t sys_getdents64(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return getdents_common(s, sc, emit_dirent64);
}

/* ---- cwd ------------------------------------------------------------------ */

static int64_t sys_chdir(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	char path[VFS_PATH_MAX];
	int rc = read_path(s, sc, sc->args[0], path);
	if (rc < 0)
		return rc;
	struct vfs_walk w = { .root = t->fs->root, .start = t->fs->cwd,
			      .flags = VFS_FOLLOW | VFS_DIRECTORY, .cred = &t->cred };
	rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	rc = vfs_permission(w.result.dentry->inode, &t->cred, VFS_MAY_EXEC);
	if (rc < 0) {
		vfs_path_put(w.result);
		return rc;
	}
	fs_set_cwd(t->fs, w.result);
	return 0;
}

static int64_t sys_fchdir(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int err;
	struct vfs_file *f = files_lookup(s, sc, (int)sc->args[0], &err, NULL);
	if (!f)
		return err ? err : -ENOTDIR;
	if (!vfs_is_dir(f->path.dentry->inode))
		return -ENOTDIR;
	int rc = vfs_permission(f->path.dentry->inode, &t->cred, VFS_MAY_EXEC);
	if (rc < 0)
		return rc;
	fs_set_cwd(t->fs, vfs_path_get(f->path));
	return 0;
}

static int64_t sys_getcwd(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	/* a removed working directory has no path any more (Linux: ENOENT) */
	for (struct vfs_dentry *d = t->fs->cwd.dentry; d; d = d->parent)
		if (d->deleted)
			return -ENOENT;
	char buf[VFS_PATH_MAX];
	int n = vfs_path_string(&t->fs->root, &t->fs->cwd, buf, sizeof buf);
	if (n < 0)
		return -ENAMETOOLONG;
	if ((uint64_t)n + 1 > sc->args[1])
		return -ERANGE;
	int rc = platform_write(s->plat, sc, sc->args[0], buf, (size_t)n + 1);
	return rc < 0 ? rc : n + 1;
}

/* ---- statfs ----------------------------------------------------------------- */

/* The statfs of p's filesystem.  The gofer's one request goes without the
 * sentry lock (as its changes do); p is referenced meanwhile. */
static int fs_statfs(struct vfs_path p, struct statfs *st)
{
	struct vfs_inode *ino = p.dentry->inode;
	if (!ino->fs->ops->statfs)
		return -ENOSYS;
	bool prev = vfs_io_allow_change(ino->fs);
	int rc = ino->fs->ops->statfs(ino, st);
	vfs_io_allow(prev);
	return rc;
}

static int64_t sys_statfs(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	struct vfs_path p;
	int dup = -1;
	int rc = resolve_at(s, sc, t, AT_FDCWD, sc->args[0], 0, true, &p, &dup);
	struct statfs st;
	if (rc == 1) {   /* a pipe behind /dev/fd/N: its own filesystem */
		rc = fstatfs(dup, &st) < 0 ? -errno : 0;
		close(dup);
		return rc < 0 ? rc : platform_write(s->plat, sc, sc->args[1], &st, sizeof st);
	}
	if (rc < 0)
		return rc;
	rc = fs_statfs(p, &st);
	vfs_path_put(p);
	return rc < 0 ? rc : platform_write(s->plat, sc, sc->args[1], &st, sizeof st);
}

static int64_t sys_fstatfs(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int err, dup;
	struct vfs_file *f = files_lookup(s, sc, (int)sc->args[0], &err, &dup);
	if (!f && err)
		return err;
	struct statfs st;
	int rc;
	if (f) {
		struct vfs_path p = vfs_path_get(f->path);   /* (the fd may be closed meanwhile) */
		rc = fs_statfs(p, &st);
		vfs_path_put(p);
	} else {
		rc = fstatfs(dup, &st) < 0 ? -errno : 0;
	}
	close(dup);
	return rc < 0 ? rc : platform_write(s->plat, sc, sc->args[1], &st, sizeof st);
}

/* ---- exec ----------------------------------------------------------------- */

static int64_t sys_execve(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return exec_syscall(s, sc, t, AT_FDCWD, sc->args[0], 0);
}

static int64_t sys_execveat(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return exec_syscall(s, sc, t, (int)sc->args[0], sc->args[1], (int)sc->args[4]);
}

/* ---- dispatch --------------------------------------------------------------- */

#define MAX_NR 512
static const handler_fn handlers[MAX_NR] = {
#ifdef __NR_open
	[SYS_open] = sys_open,
#endif
	[SYS_openat] = sys_openat,
	[SYS_openat2] = sys_openat2,
#ifdef __NR_creat
	[SYS_creat] = sys_creat,
#endif
#ifdef __NR_stat
	[SYS_stat] = sys_stat,
#endif
#ifdef __NR_lstat
	[SYS_lstat] = sys_lstat,
#endif
	[SYS_fstat] = sys_fstat,
	[SYS_newfstatat] = sys_newfstatat,
	[SYS_statx] = sys_statx,
#ifdef __NR_access
	[SYS_access] = sys_access,
#endif
	[SYS_faccessat] = sys_faccessat,
	[SYS_faccessat2] = sys_faccessat2,
#ifdef __NR_readlink
	[SYS_readlink] = sys_readlink,
#endif
	[SYS_readlinkat] = sys_readlinkat,
	[SYS_getdents64] = sys_getdents64,
	[SYS_chdir] = sys_chdir,
	[SYS_fchdir] = sys_fchdir,
	[SYS_getcwd] = sys_getcwd,
	[SYS_statfs] = sys_statfs,
	[SYS_fstatfs] = sys_fstatfs,
	[SYS_execve] = sys_execve,
	[SYS_execveat] = sys_execveat,
#define TABLE_ENTRY(name) [SYS_##name] = sys_##name,
	MUTATE_HANDLERS(TABLE_ENTRY)
	CRED_HANDLERS(TABLE_ENTRY)
#ifdef __NR_unlink
	LEGACY_MUTATE_HANDLERS(TABLE_ENTRY)
#endif
};

void syscalls_dispatch(struct sentry *s, struct platform_syscall *sc)
{
	if (sc->event == PLATFORM_TASK_CREATED) {
		/* both tasks wait for this answer: the child is known before
		 * it or its parent can trap again */
		task_created(s, sc->tid, (pid_t)sc->args[0], sc->args[1]);
		platform_reply(s->plat, sc, 0);
		return;
	}
	s->nr_trapped++;
	detail[0] = 0;
	trace_begin(s, sc);
	vfs_shrink();   /* between syscalls: no walk holds an unreferenced dentry */
	struct task *t = task_get(s, sc->tid);
	procfs_set_caller(t);
	int64_t rc;
	if (!t) {
		rc = -ESRCH;   /* vanished between the trap and now */
	} else if (sc->nr >= 0 && sc->nr < MAX_NR && handlers[sc->nr]) {
		/* before any check: it changed them since (sentry/creds.c) */
		if (t->cred_stale)
			task_refresh_cred(s, t);
		task_note_syscall(s, sc, t);
		vfs_set_current_cred(&t->cred);
		t->busy++;
		rc = handlers[sc->nr](s, sc, t);
		if (--t->busy == 0 && t->exited) {
			task_free(t);
			t = NULL;   /* gone meanwhile: the trace names no task */
		}
		vfs_set_current_cred(NULL);
	} else {
		/* trapped by the policy but not served yet: fail closed (or an
		 * errno rule trapped only to be recorded: its errno) */
		rc = trace_refused(s, sc, t);
		s->nr_unimplemented += rc == -ENOSYS;
	}
	trace_done(s, sc, t, rc);
	if (log_enabled()) {
		if (rc == SYSCALL_ANSWERED)
			debugf("[%d] %s(%s) = answered", (int)sc->tid, platform_syscall_name(sc->nr), detail);
		else
			debugf("[%d] %s(%s) = %lld%s%s", (int)sc->tid, platform_syscall_name(sc->nr),
			       detail, (long long)rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np((int)-rc) ?: "" : "");
	}
	procfs_set_caller(NULL);
	if (rc != SYSCALL_ANSWERED) {
		/* -ENOENT from a failed re-validation means the task is gone: the
		 * reply fails harmlessly */
		platform_reply(s->plat, sc, rc);
	}
}
