/*
 * FD identity: which sentry file is behind the application's fd N?
 *
 * close/dup/fork/SCM_RIGHTS run natively, so the sentry cannot keep a
 * per-process fd table.  Instead every fd the sentry installs is
 * recognisable by the identity of the file it refers to, read back with
 * pidfd_getfd + fstat (st_dev, st_ino):
 *  - a regular file is the donated host fd: its (dev, ino) maps to the VFS
 *    path it was opened through;
 *  - a directory (or an O_PATH fd) is a placeholder: an empty directory of
 *    the staging tmpfs, created, opened O_RDONLY|O_DIRECTORY and removed at
 *    once, so its inode belongs to exactly one sentry file and fcntl(F_GETFL)
 *    and read() (EISDIR) behave as on a real directory, natively.  (An O_PATH
 *    description cannot be installed with SECCOMP_IOCTL_NOTIF_ADDFD, so
 *    O_PATH fds get the same read-only placeholder.)  The sentry keeps its own
 *    reference so the inode number cannot be reused while the entry exists.
 *    The directory offset lives in the placeholder's file position (tmpfs
 *    directories take any non-negative position), so it is shared exactly as
 *    Linux shares a directory offset (dup, fork, SCM_RIGHTS) and
 *    lseek(fd, 0, SEEK_SET) rewinds it.
 * An fd whose identity is not in the table is not a VFS file (a pipe, a
 * socket, stdio) and fd-based calls on it are answered from the fd itself.
 *
 * close is not trapped, so entries are collected instead: when the table
 * has grown to twice its size after the last collection, the sentry walks
 * every sandbox task's fd table in its own procfs and drops the entries no
 * fd refers to any more (closing the placeholder, clunking the readdir fid).
 * Known limit: an fd in flight in a unix socket (sent, not yet received) is
 * in no table; if a collection runs meanwhile, its entry is dropped and the
 * received fd is then served as a file the VFS does not know.
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define FILES_BUCKETS 1024

struct file_entry {
	dev_t dev;
	ino_t ino;
	struct vfs_file file;
	int placeholder;          /* the sentry's reference to the placeholder, or -1 */
	bool alive;               /* seen in a task's fd table by the collection */
	struct file_entry *next;
};

#define GC_MIN 256
static size_t nentries, gc_at = GC_MIN;

static struct file_entry *files[FILES_BUCKETS];

static size_t bucket(dev_t dev, ino_t ino)
{
	return (size_t)((dev * 31 + ino) * 0x9e3779b97f4a7c15ULL >> 20) % FILES_BUCKETS;
}

static struct file_entry *find(dev_t dev, ino_t ino)
{
	for (struct file_entry *e = files[bucket(dev, ino)]; e; e = e->next)
		if (e->dev == dev && e->ino == ino)
			return e;
	return NULL;
}

static struct file_entry *insert(dev_t dev, ino_t ino, struct vfs_path path, int flags)
{
	struct file_entry *e = find(dev, ino);
	if (e) {
		/* the same host file opened again: it now answers for this path */
		vfs_path_put(e->file.path);
	} else {
		e = calloc(1, sizeof *e);
		if (!e)
			return NULL;
		e->dev = dev;
		e->ino = ino;
		e->placeholder = -1;
		size_t b = bucket(dev, ino);
		e->next = files[b];
		files[b] = e;
		nentries++;
	}
	e->file.path = vfs_path_get(path);
	e->file.flags = flags;
	return e;
}

struct vfs_file *files_find(dev_t dev, ino_t ino)
{
	struct file_entry *e = find(dev, ino);
	return e ? &e->file : NULL;
}

void files_note_host_fd(int host_fd, struct vfs_path path)
{
	struct stat st;
	if (fstat(host_fd, &st) == 0)
		insert(st.st_dev, st.st_ino, path, O_RDONLY);
}

/* The sentry may open paths only beneath its procfs: it reaches the new
 * directory through /proc/self/fd/<stagingfd>/... (read-only, as its
 * policy requires). */
static int new_placeholder(struct sentry *s)
{
	static uint64_t serial;
	char rel[64], via[96];
	snprintf(rel, sizeof rel, ".rl/ph-%llu", (unsigned long long)++serial);
	if (mkdirat(s->stagingfd, rel, 0500) < 0)
		return -errno;
	snprintf(via, sizeof via, "self/fd/%d/%s", s->stagingfd, rel);
	/* O_PATH descriptions cannot be installed (SECCOMP_IOCTL_NOTIF_ADDFD
	 * takes no O_PATH file): an O_PATH fd gets a read-only one too */
	int fd = openat(s->procfd, via, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = errno;
	unlinkat(s->stagingfd, rel, AT_REMOVEDIR);
	return fd < 0 ? -err : fd;
}

/* ---- collection ------------------------------------------------------------ */

static void mark(dev_t dev, ino_t ino)
{
	struct file_entry *e = find(dev, ino);
	if (e)
		e->alive = true;
}

/* Marks the files task `pid` has mapped: a program, its interpreter and
 * the libraries stay mapped after their fds are closed, and procfs's maps
 * names them by their entries. */
static void mark_mapped(int procfd, const char *pid)
{
	char path[NAME_MAX + 8];
	snprintf(path, sizeof path, "%s/maps", pid);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned maj, min;
		unsigned long long ino;
		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &min, &ino) == 3 && ino)
			mark(makedev(maj, min), (ino_t)ino);
	}
	fclose(f);
}

/* Marks the entries behind every fd of task `pid` (its fd directory in the
 * sentry's procfs; fstatat follows each magic link to the open file). */
static void mark_task(int procfd, const char *pid)
{
	char path[NAME_MAX + 8];
	snprintf(path, sizeof path, "%s/fd", pid);
	int dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;   /* gone, or a thread sharing its leader's table */
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	struct dirent *de;
	struct stat st;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && fstatat(dfd, de->d_name, &st, 0) == 0)
			mark(st.st_dev, st.st_ino);
	closedir(d);
	mark_mapped(procfd, pid);
}

static void drop(struct file_entry *e)
{
	struct vfs_inode *ino = e->file.path.dentry->inode;
	if (ino->fs->ops->release_file)
		ino->fs->ops->release_file(&e->file);
	vfs_path_put(e->file.path);
	if (e->placeholder >= 0)
		close(e->placeholder);
	free(e);
	nentries--;
}

static void collect(struct sentry *s)
{
	int dfd = openat(s->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;   /* cannot tell what is alive: keep everything */
	}
	for (size_t b = 0; b < FILES_BUCKETS; b++)
		for (struct file_entry *e = files[b]; e; e = e->next)
			e->alive = false;
	struct dirent *de;
	char self[16];
	snprintf(self, sizeof self, "%d", (int)getpid());
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && strcmp(de->d_name, self) != 0)
			mark_task(s->procfd, de->d_name);   /* (never the sentry's own table) */
	closedir(d);
	size_t before = nentries;
	for (size_t b = 0; b < FILES_BUCKETS; b++)
		for (struct file_entry **pp = &files[b]; *pp;) {
			struct file_entry *e = *pp;
			if (e->alive || e->file.pins) {   /* (pinned: a handler reads it unlocked) */
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			drop(e);
		}
	gc_at = nentries * 2 > GC_MIN ? nentries * 2 : GC_MIN;
	debugf("files: collected %zu of %zu entries", before - nentries, before);
}

int files_install(struct sentry *s, const struct platform_syscall *sc,
		  struct vfs_path path, int flags, int host_fd)
{
	if (nentries >= gc_at)
		collect(s);
	int fd = host_fd;
	if (fd < 0) {
		fd = new_placeholder(s);
		if (fd < 0)
			return fd;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !insert(st.st_dev, st.st_ino, path, flags)) {
		close(fd);
		return -ENOMEM;
	}
	int rc;
	if (host_fd >= 0 && S_ISFIFO(st.st_mode)) {
		/* A FIFO counts its writers and readers by open description, and
		 * the sentry's reference is one: it is dropped before the task
		 * runs again, or a close by the task would leave a peer that a
		 * reader sees as a writer still there (EAGAIN, not EOF). */
		rc = platform_add_fd(s->plat, sc, fd, flags & O_CLOEXEC);
		close(fd);
		trace_file(path, rc);
		if (rc >= 0 && platform_reply(s->plat, sc, rc) < 0)
			rc = -ENOENT;
		return rc;
	}
	rc = platform_reply_fd(s->plat, sc, fd, flags & O_CLOEXEC);
	trace_file(path, rc < 0 ? rc : platform_last_reply_fd());
	if (host_fd >= 0) {
		close(fd);   /* the application's copy is the only one kept */
	} else {
		struct file_entry *e = find(st.st_dev, st.st_ino);
		e->placeholder = fd;
	}
	return rc;
}

struct vfs_file *files_lookup(struct sentry *s, const struct platform_syscall *sc,
			      int app_fd, int *err, int *dup)
{
	if (dup)
		*dup = -1;
	int fd = platform_get_fd(s->plat, sc, app_fd);
	if (fd < 0) {
		*err = fd == -ENOENT ? -ENOENT : -EBADF;
		return NULL;
	}
	struct stat st;
	struct file_entry *e = NULL;
	if (fstat(fd, &st) == 0)
		e = find(st.st_dev, st.st_ino);
	*err = 0;
	if (dup)
		*dup = fd;
	else
		close(fd);
	return e ? &e->file : NULL;
}
