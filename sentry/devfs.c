/*
 * devfs: the sandbox's /dev, the same in `do` and `run` mode; the host's
 * /dev is never visible.  As container runtimes give one, /dev is a tmpfs
 * of the sandbox (sentry/tmpfs.c, size-limited like --tmpfs), holding at
 * the start
 *
 *   null zero full random urandom   character devices (1:3 1:5 1:7 1:8 1:9)
 *   tty console                     the opener's controlling terminal (5:0 5:1)
 *   ptmx                            the ptmx of the sandbox's devpts (5:2)
 *   pts/                            where devpts_new()'s filesystem is mounted
 *   shm/                            where the sentry mounts a tmpfs
 *   fd stdin stdout stderr          symlinks into /proc/self/fd
 *
 * and the application may create, rename and remove names there as on
 * Linux's devtmpfs (a capability-less root may; others by the modes).
 * mknod of a device stays EPERM (the VFS: no CAP_MKNOD), so the device
 * nodes are the ones made here, and each opens the device its number
 * names in the table below (devfs_open_device) -- renamed or linked, it
 * is still that device; a number not in the table (a whiteout) is ENXIO.
 * No other host device can ever be reached.
 *
 * Opening a device must give the application a real host open file
 * description (read/write/ioctl/poll then run natively), a fresh one per
 * open as on Linux: O_NONBLOCK and O_APPEND are per description, and so is
 * the access mode (a read-only open of /dev/null must not be writable).  So
 * the sentry really opens the device each time, through `devfd`: a detached
 * mount tree, prepared before the sentry pivots into its staging tmpfs
 * (devfs_prepare_host), holding a read-only tmpfs with bind mounts of the
 * host's null, zero, full, random, urandom and tty, and a new devpts
 * instance at pts/, attached at .rl/d beneath the staging directory once
 * the application's mount namespace exists (devfs_attach).  The sentry's
 * seccomp policy lets it call openat2 beneath stagingfd alone (and openat
 * only on its procfs, read-only): even a subverted
 * sentry can open for writing no host device but these.  Rejected:
 *  - re-opening kept fds through /proc/self/fd/N: the policy allows procfs
 *    opens read-only only, and allowing writes there would open all of
 *    /proc/sys and /proc/PID/mem to the sentry's uid;
 *  - one kept description per device, dup'ed into every open: the access
 *    mode would be wrong and F_SETFL(O_NONBLOCK) by one process would
 *    change every other process's /dev/null;
 *  - a pool of pre-opened descriptions: runs dry, and still needs a pool
 *    per flag combination.
 *
 * Every open adds O_NOCTTY: the sentry must never acquire a controlling
 * terminal (so an application that opens a terminal without O_NOCTTY as a
 * session leader does not get it as its controlling terminal either:
 * TIOCSCTTY does that, natively).
 */
#include "sentry/internal.h"

#include "runsc-lite/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define DEVPTS_MAGIC 0x1cd1

/* ---- the tree ------------------------------------------------------------ */

struct dev_node {
	const char *name;
	mode_t mode;
	unsigned major, minor;
	const char *host;     /* character device: what the sentry opens beneath devfd */
	const char *target;   /* symlink target */
	bool ctty;            /* the opener's controlling terminal (tty, console) */
};

/* Host nodes bound into devfd's tree, each checked to be the expected device.
 * (Never the host's console: /dev/console is the sandbox's terminal.) */
static const struct { const char *name; unsigned major, minor; } host_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 },
	{ "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* What /dev holds at the start; the character devices here are also the
 * only device numbers that open anything (devfs_open_device). */
static const struct dev_node nodes[] = {
	{ "null", S_IFCHR | 0666, 1, 3, "null", NULL, false },
	{ "zero", S_IFCHR | 0666, 1, 5, "zero", NULL, false },
	{ "full", S_IFCHR | 0666, 1, 7, "full", NULL, false },
	{ "random", S_IFCHR | 0666, 1, 8, "random", NULL, false },
	{ "urandom", S_IFCHR | 0666, 1, 9, "urandom", NULL, false },
	{ "tty", S_IFCHR | 0666, 5, 0, NULL, NULL, true },
	/* as container runtimes do: the console is the sandbox's terminal */
	{ "console", S_IFCHR | 0600, 5, 1, NULL, NULL, true },
	/* Linux's /dev/ptmx opens the devpts instance mounted at /dev/pts */
	{ "ptmx", S_IFCHR | 0666, 5, 2, "pts/ptmx", NULL, false },
	{ "pts", S_IFDIR | 0755, 0, 0, NULL, NULL, false },
	{ "shm", S_IFDIR | 01777, 0, 0, NULL, NULL, false },
	{ "fd", S_IFLNK | 0777, 0, 0, NULL, "/proc/self/fd", false },
	{ "stdin", S_IFLNK | 0777, 0, 0, NULL, "/proc/self/fd/0", false },
	{ "stdout", S_IFLNK | 0777, 0, 0, NULL, "/proc/self/fd/1", false },
	{ "stderr", S_IFLNK | 0777, 0, 0, NULL, "/proc/self/fd/2", false },
};
#define NNODES (sizeof nodes / sizeof nodes[0])
#define PTS_INO_BASE 0x10000   /* pts/ entries: host devpts inode + this */

struct devfs {
	int devfd;            /* the device tree (see above), or -1 */
	int stagingfd;        /* beneath which the tree is attached (DEV_TREE) */
	int procfd;           /* the sentry's procfs: an opener's controlling terminal */
	struct timespec boot; /* the times of pts/ */
};

/* An inode of devpts: its root (pts/), or one of its entries. */
struct dev_ino {
	bool pts_entry;
	char name[16];                 /* a pts entry's name ("ptmx" or a number) */
	ino_t host_ino;                /* a pts entry's devpts inode */
};

static bool is_pts_dir(const struct vfs_inode *ino)
{
	return !((const struct dev_ino *)ino->priv)->pts_entry;
}

static struct vfs_inode *new_inode(struct vfs_fs *fs, ino_t ino)
{
	struct devfs *d = fs->priv;
	struct dev_ino *di = calloc(1, sizeof *di);
	struct vfs_inode *i = di ? vfs_inode_new(fs, di) : NULL;
	if (!i) {
		free(di);
		return NULL;
	}
	struct stat *st = &i->attr;
	st->st_dev = fs->dev;
	st->st_ino = ino;
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = d->boot;
	return i;
}

/* ---- opening devices ------------------------------------------------------- */

/* The open flags a device's description keeps.  O_CREAT, O_EXCL, O_TRUNC,
 * O_DIRECTORY and O_NOFOLLOW have done their work in the walk (and O_TRUNC
 * means nothing to a character device). */
#define DEV_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_ASYNC | \
			O_DIRECT | O_NOATIME | O_LARGEFILE)

/* Opens `rel` of the device tree (attached at DEV_TREE beneath the staging
 * directory): a new open file description of the device. */
#define DEV_TREE ".rl/d"
static int open_beneath(struct devfs *d, const char *rel, int flags)
{
	char path[64];
	if (d->devfd < 0 || snprintf(path, sizeof path, DEV_TREE "/%s", rel) >= (int)sizeof path)
		return -ENXIO;
	struct open_how how = {
		.flags = (uint64_t)((flags & DEV_OPEN_FLAGS) | O_NOCTTY | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, (long)d->stagingfd, path, &how, sizeof how);
	if (fd < 0)
		return errno == ENOENT ? -ENXIO : -errno;   /* not on this host */
	return (int)fd;
}

/* The controlling terminal of task `tid` (0: none), from its procfs stat:
 * "pid (comm) state ppid pgrp session tty_nr ...". */
static dev_t task_ctty(struct devfs *d, pid_t tid)
{
	char path[32], buf[1024];
	snprintf(path, sizeof path, "%d/stat", (int)tid);
	int fd = tid > 0 ? openat(d->procfd, path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	const char *p = strrchr(buf, ')');   /* comm may hold anything but ends there */
	int ppid, pgrp, session;
	unsigned tty_nr;
	char state;
	if (!p || sscanf(p + 1, " %c %d %d %d %u", &state, &ppid, &pgrp, &session, &tty_nr) != 5)
		return 0;
	/* the kernel's new_encode_dev(), which glibc's major()/minor() decode */
	return (dev_t)tty_nr;
}

/*
 * /dev/tty (and /dev/console): Linux opens the opener's controlling
 * terminal, ENXIO without one.  The sandbox inherits runsc-lite's session
 * (neither the sentry nor the application calls setsid), so its terminal is
 * the sentry's own: opening the host's /dev/tty beneath devfd gives it, and
 * TIOCGDEV says which device that is.  A task that made itself a new
 * session has none (ENXIO), or, if it took a terminal of the sandbox's
 * devpts as its controlling terminal, that one.
 */
static int open_ctty(struct devfs *d, pid_t tid, int flags)
{
	dev_t want = task_ctty(d, tid);
	if (want == 0)
		return -ENXIO;
	int fd = open_beneath(d, "tty", flags);
	unsigned int real;
	if (fd >= 0 && ioctl(fd, TIOCGDEV, &real) == 0 && (dev_t)real == want)
		return fd;
	if (fd >= 0)
		close(fd);
	if (major(want) >= 136 && major(want) <= 143) {   /* UNIX98 pty slaves */
		char rel[32];
		snprintf(rel, sizeof rel, "pts/%u", (major(want) - 136) * 256 + minor(want));
		fd = open_beneath(d, rel, flags);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_rdev == want)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -ENXIO;
}

/* The device number rdev of a /dev node, opened for task `opener`: a new
 * host description, or ENXIO for a number devfs does not serve. */
static int devfs_open_device(void *arg, dev_t rdev, int flags, pid_t opener)
{
	struct devfs *d = arg;
	for (size_t i = 0; i < NNODES; i++) {
		const struct dev_node *n = &nodes[i];
		if (!S_ISCHR(n->mode) || rdev != makedev(n->major, n->minor))
			continue;
		return n->ctty ? open_ctty(d, opener, flags) : open_beneath(d, n->host, flags);
	}
	return -ENXIO;
}

/* A pty of pts/ (or its ptmx). */
static int pts_open(struct vfs_inode *ino, int flags, struct vfs_open_result *res)
{
	struct dev_ino *di = ino->priv;
	if (!di->pts_entry || !S_ISCHR(ino->attr.st_mode))
		return -ENXIO;
	char rel[32];
	snprintf(rel, sizeof rel, "pts/%s", di->name);
	int fd = open_beneath(ino->fs->priv, rel, flags);
	if (fd < 0)
		return fd;
	res->host_fd = fd;
	return 0;
}

/* ---- pts/: what the devpts instance holds -------------------------------------- */

/* pts entries are "ptmx" and pty numbers: nothing else is asked of the host. */
static bool pts_name_ok(const char *name)
{
	if (strcmp(name, "ptmx") == 0)
		return true;
	size_t n = strlen(name);
	return n > 0 && n < 11 && strspn(name, "0123456789") == n;
}

static int pts_stat(struct devfs *d, const char *name, struct stat *st)
{
	char rel[32];
	if (d->devfd < 0 || !pts_name_ok(name))
		return -ENOENT;
	snprintf(rel, sizeof rel, "pts/%s", name);
	return fstatat(d->devfd, rel, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static void pts_attr(struct vfs_inode *ino, const struct stat *host)
{
	struct dev_ino *di = ino->priv;
	di->host_ino = host->st_ino;
	ino->attr = *host;
	ino->attr.st_dev = ino->fs->dev;
	ino->attr.st_ino = PTS_INO_BASE + host->st_ino;
}

static int pts_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	struct stat st;
	int rc = pts_stat(dir->fs->priv, name, &st);
	if (rc < 0)
		return rc == -ENOENT || rc == -ENOTDIR ? -ENOENT : rc;
	if (!S_ISCHR(st.st_mode))
		return -ENOENT;
	struct vfs_inode *ino = new_inode(dir->fs, 0);
	if (!ino)
		return -ENOMEM;
	struct dev_ino *di = ino->priv;
	di->pts_entry = true;
	snprintf(di->name, sizeof di->name, "%s", name);
	pts_attr(ino, &st);
	*out = ino;
	return 0;
}

/* ---- devpts: the filesystem at /dev/pts ------------------------------------------ */

static int dev_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	return is_pts_dir(dir) ? pts_lookup(dir, name, out) : -ENOTDIR;
}

typedef bool (*emit_fn)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
			const char *name, size_t namelen);

/* pts/ lists what the devpts instance holds now; the position is the
 * entry's index (the listing is short and re-read on every call). */
static int pts_readdir(struct vfs_file *f, uint64_t *pos, emit_fn emit, void *arg)
{
	struct vfs_inode *dir = f->path.dentry->inode;
	struct devfs *d = dir->fs->priv;
	static const char *const dots[] = { ".", ".." };
	for (; *pos < 2; (*pos)++)
		if (!emit(arg, dir->attr.st_ino, *pos + 1, DT_DIR, dots[*pos], strlen(dots[*pos])))
			return 0;
	int fd = open_beneath(d, "pts", O_RDONLY | O_DIRECTORY);
	DIR *dd = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dd) {
		if (fd >= 0)
			close(fd);
		return 0;   /* no devpts instance: an empty directory */
	}
	struct dirent *e;
	uint64_t i = 2;   /* the index of the next entry */
	while ((e = readdir(dd))) {
		if (!pts_name_ok(e->d_name) || i++ < *pos)
			continue;
		if (!emit(arg, PTS_INO_BASE + e->d_ino, i, DT_CHR, e->d_name, strlen(e->d_name)))
			break;
		*pos = i;
	}
	closedir(dd);
	return 0;
}

static int dev_statfs(struct vfs_inode *ino, struct statfs *out)
{
	(void)ino;
	memset(out, 0, sizeof *out);
	out->f_type = DEVPTS_MAGIC;
	out->f_bsize = 4096;
	out->f_namelen = 255;
	out->f_flags = ST_NOSUID | ST_NOEXEC;
	return 0;
}

/* pts entries change with the ptys: re-read on every stat (the fs is
 * "revalidating"); an entry whose pty is gone keeps its last attributes,
 * as an open fd of it does on Linux. */
static int dev_refresh(struct vfs_inode *ino)
{
	const struct dev_ino *di = ino->priv;
	struct stat st;
	if (di->pts_entry && pts_stat(ino->fs->priv, di->name, &st) == 0 && st.st_ino == di->host_ino)
		pts_attr(ino, &st);
	return 0;
}

/* Cached names of pts/ are checked against the devpts instance (a pty
 * closed, or a new one with a cached negative entry's number). */
static int dev_revalidate(struct vfs_inode *dir, struct vfs_dentry *dent)
{
	if (!is_pts_dir(dir))
		return 0;
	struct stat st;
	bool exists = pts_stat(dir->fs->priv, dent->name, &st) == 0 && S_ISCHR(st.st_mode);
	if (!dent->inode)
		return exists ? 1 : 0;
	const struct dev_ino *di = dent->inode->priv;
	if (!exists || st.st_ino != di->host_ino)
		return 1;
	pts_attr(dent->inode, &st);
	return 0;
}

static void dev_release(struct vfs_inode *ino)
{
	free(ino->priv);
}

/* Linux's devpts: no names can be made in it (no such operation: EPERM). */
static const struct vfs_fs_ops devpts_ops = {
	.name = "devpts",
	.lookup = dev_lookup,
	.open = pts_open,
	.readdir = pts_readdir,
	.statfs = dev_statfs,
	.refresh = dev_refresh,
	.revalidate = dev_revalidate,
	.release = dev_release,
};

static struct devfs *devfs_state(int devfd, int stagingfd, int procfd)
{
	struct devfs *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->devfd = devfd;
	d->stagingfd = stagingfd;
	d->procfd = procfd;
	clock_gettime(CLOCK_REALTIME, &d->boot);
	return d;
}

int devpts_new(struct vfs_fs **out, int devfd, int stagingfd, struct vfs_inode **root)
{
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	struct devfs *d = devfs_state(devfd, stagingfd, -1);
	if (!fs || !d) {
		free(fs);
		free(d);
		return -ENOMEM;
	}
	fs->ops = &devpts_ops;
	fs->priv = d;
	fs->devices = true;
	/* pts/ changes behind the VFS's back: cached names are revalidated */
	fs->policy = VFS_CACHE_REMOTE_REVALIDATING;
	fs->dev = makedev(0, 0x30);   /* (the overlay numbers from 0x31) */
	*root = new_inode(fs, 1);
	if (!*root) {
		free(fs);
		free(d);
		return -ENOMEM;
	}
	*out = fs;
	return 0;
}

/* Puts the starting nodes into the new /dev tmpfs (as uid 0: no task's
 * credentials are published while the sentry boots). */
static int populate(struct vfs_inode *root)
{
	const struct vfs_fs_ops *ops = root->fs->ops;
	for (size_t i = 0; i < NNODES; i++) {
		const struct dev_node *n = &nodes[i];
		struct vfs_inode *ino = NULL;
		int rc;
		if (S_ISCHR(n->mode))
			rc = tmpfs_make_device(root, n->name, n->mode, makedev(n->major, n->minor), &ino);
		else if (S_ISDIR(n->mode))
			rc = ops->mkdir(root, n->name, n->mode, &ino);
		else
			rc = ops->symlink(root, n->name, n->target, &ino);
		if (rc < 0)
			return rc;
		vfs_inode_put(ino);   /* the directory entry keeps its own reference */
	}
	return 0;
}

int devfs_new(struct vfs_fs **out, int devfd, int stagingfd, int procfd, const char *backing,
	      struct vfs_inode **root)
{
	struct devfs *d = devfs_state(devfd, stagingfd, procfd);
	if (!d)
		return -ENOMEM;
	struct tmpfs_opts o = {
		.stagingfd = stagingfd, .backing = backing, .mode = 0755,
		.open_device = devfs_open_device, .device_arg = d,
	};
	int rc = tmpfs_new(out, root, &o);
	if (rc < 0) {
		free(d);
		return rc;
	}
	/* d lives as long as the mount: the sandbox's */
	return populate(*root);
}

/* ---- before the pivot: the device tree behind devfd ----------------------------------- */

/* Binds the host's /dev/NAME onto DIR/NAME if it is the expected device. */
static void bind_host_node(const char *dir, const char *name, unsigned maj, unsigned min)
{
	char src[64], dst[PATH_MAX];
	struct stat st;
	snprintf(src, sizeof src, "/dev/%s", name);
	if (snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst)
		return;
	if (lstat(src, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min)) {
		debugf("devfs: host %s is not device %u:%u: not provided", src, maj, min);
		return;
	}
	int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (fd < 0 || mount(src, dst, NULL, MS_BIND, NULL) < 0)
		debugf("devfs: binding %s: %s", src, strerror(errno));
}

int devfs_prepare_host(const char *staging)
{
	char dir[PATH_MAX], pts[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s/.rl-devfs", staging) >= (int)sizeof dir ||
	    snprintf(pts, sizeof pts, "%s/pts", dir) >= (int)sizeof pts)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0)
		return -errno;
	int rc = 0, fd = -1;
	if (mount("runsc-lite-dev", dir, "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=16k,nr_inodes=32") < 0) {
		rc = -errno;
		goto out;
	}
	for (size_t i = 0; i < sizeof host_nodes / sizeof host_nodes[0]; i++)
		bind_host_node(dir, host_nodes[i].name, host_nodes[i].major, host_nodes[i].minor);
	/* A devpts of the sandbox's own: its ptys are numbered from 0 and no
	 * host pty is in it.  ptmxmode: the instance's ptmx is what /dev/ptmx
	 * opens; the slaves keep the kernel's default mode (0600, the opener's
	 * gid: the sandbox maps no tty group).  Without it, /dev/ptmx is ENXIO. */
	if (mkdir(pts, 0755) < 0 ||
	    mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666") < 0)
		warnx_rl("sentry: devpts for /dev/pts: %s (no ptys in the sandbox)", strerror(errno));
	/* nothing can be created beneath devfd, whatever flags it is opened with */
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0) {
		rc = -errno;
		goto out;
	}
	/* a detached copy of the tree with its bind mounts, reachable only through fd */
	fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		rc = -errno;
out:
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return rc < 0 ? rc : fd;
}

int devfs_attach(int devfd, int stagingfd)
{
	if (devfd < 0)
		return 0;
	if (mkdirat(stagingfd, ".rl", 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mkdirat(stagingfd, DEV_TREE, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (syscall(SYS_move_mount, devfd, "", stagingfd, DEV_TREE, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}
