/*
 * tmpfs: a memory filesystem of the sandbox (`--tmpfs=PATH[:size=N]`).
 *
 * The tree — directories, names, symlinks, sockets, owners, modes,
 * xattrs — lives in sentry memory.  Regular files (and FIFOs, and the
 * sockets bound by bind(2): tmpfs_bind) need a real inode, because the
 * application does read/write/mmap (connect) on them natively:
 * each is a file of a *backing* tmpfs, a real tmpfs the sentry mounts for
 * this mount alone (size= and its ENOSPC are the kernel's), beneath the
 * staging directory (stagingfd), named by the file's inode number.  It is
 * mounted in the sentry's own mount namespace after the application's was
 * copied, so the application never sees it.
 *
 * Every application open is an openat2() of the backing name (relative to
 * stagingfd, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a new open file
 * description with its own offset and flags, exactly as two opens of a
 * Linux tmpfs file.  (The sentry's policy allows write opens only there:
 * see configs/sentry.policy and docs/ARCHITECTURE.md.)  Hard links are
 * several directory entries of one inode, so they share one backing file.
 *
 * Attributes: mode, owner, link count, inode number and xattrs are the
 * sentry's (vfs_fs.own_attrs); a regular file's size, blocks, atime and
 * mtime are the backing file's (the application writes it natively), and
 * its ctime the later of the backing file's and the sentry's last change.
 *
 * The backing tmpfs also holds a mirror of the names (MIRROR, below),
 * which inotify's directory watches watch and through which the
 * application's files are opened.
 *
 * Bounds (the application is hostile): inodes (nr_inodes=) and the sentry
 * memory that names, symlink bodies and xattrs take (TMPFS_META_MAX) are
 * limited per mount; beyond them ENOSPC, as Linux's tmpfs answers.
 */
#include "sentry/vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994
/* What Linux's tmpfs reports as a directory's size: 20 per entry. */
#define BOGO_DIRENT_SIZE 20
/* Sentry memory one mount may use for its tree (names, symlink bodies,
 * xattrs, and a fixed charge per inode). */
#define TMPFS_META_MAX (64u << 20)
#define INODE_CHARGE 512u
/* Linux's tmpfs limits the user.* xattrs of one inode (names + values). */
#define USER_XATTR_MAX (128u << 10)
/* Directory cookies: "." is 1, ".." 2, entries from 3 on. */
#define FIRST_COOKIE 3

struct tmpfs_dirent {
	struct tmpfs_dirent *hash_next;      /* in the mount's name hash */
	struct tmpfs_dirent *prev, *next;    /* in the directory, by cookie */
	struct vfs_inode *dir;
	struct vfs_inode *ino;               /* holds a reference */
	uint64_t cookie;
	size_t namelen;
	char name[];
};

struct tmpfs_xattr {
	struct tmpfs_xattr *next;
	size_t size;
	char *name;
	char value[];
};

struct tmpfs_node {
	/* directories */
	struct tmpfs_dirent *first, *last;
	uint64_t next_cookie;
	size_t nentries;
	struct vfs_inode *parent;   /* no reference; NULL once removed */
	bool dead;                  /* a removed directory: readdir is ENOENT */
	/* symlinks */
	char *target;
	/* regular files, FIFOs and bound sockets: a backing file named by the
	 * inode number (a socket's is the kernel's socket file, bound by bind) */
	bool backed;
	/* An O_TMPFILE file that was never linked (and not made with O_EXCL):
	 * link may give it a first name (Linux's I_LINKABLE).  Its backing
	 * file keeps its name until the inode goes, so the sentry can still
	 * re-open it (/proc/self/fd/N). */
	bool linkable;
	struct timespec ctime;      /* the sentry's last change (regular files) */
	/* The newest directory entry naming it (the one name a directory
	 * has): where it is in the mirror tree.  NULL when that entry went
	 * and others remain (hard links): the mirror then is not used to
	 * open it. */
	struct tmpfs_dirent *entry;
	ino_t host_ino;             /* its backing file's inode, once backed */
	/* The backing file's ctime just after the mirror last linked or
	 * chmodded it: a change of the sentry's own making, not the
	 * application's (tmpfs_refresh keeps the sentry's ctime then). */
	struct timespec mirror_ctime;
	struct tmpfs_xattr *xattrs;
	size_t user_xattr_bytes;
	struct tmpfs_mark mark;     /* the overlay's, when this is its upper layer */
};

struct tmpfs {
	int stagingfd;
	char backing[64];           /* the backing tmpfs, beneath stagingfd */
	uint64_t next_ino;
	uint64_t ninodes, max_inodes;
	size_t meta;                /* sentry memory charged to this mount */
	struct tmpfs_dirent **hash;
	size_t nbuckets, nhashed;
	/* the sandbox's /dev: how its device nodes open (tmpfs_opts) */
	int (*open_device)(void *arg, dev_t rdev, int flags, pid_t opener);
	void *device_arg;
	struct vfs_inode *root;     /* (no reference: the mount holds it) */
	struct tmpfs *next;         /* every tmpfs of the sentry (tmpfs_mirror_all) */
};
static struct tmpfs *all_tmpfs;

static struct tmpfs *tfs(const struct vfs_inode *ino) { return ino->fs->priv; }
static struct tmpfs_node *node(const struct vfs_inode *ino) { return ino->priv; }

static struct timespec now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

static int charge(struct tmpfs *t, size_t n)
{
	if (n > TMPFS_META_MAX - t->meta)
		return -ENOSPC;
	t->meta += n;
	return 0;
}

static void uncharge(struct tmpfs *t, size_t n)
{
	t->meta -= n < t->meta ? n : t->meta;
}

static void backing_name(const struct vfs_inode *ino, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%llu", tfs(ino)->backing, (unsigned long long)ino->attr.st_ino);
}

/* Opens the backing file of ino beneath stagingfd: never following a
 * symlink, never leaving the staging tree. */
static int open_backing(const struct vfs_inode *ino, int flags, mode_t mode)
{
	char name[96];
	backing_name(ino, name, sizeof name);
	/* (RESOLVE_NO_SYMLINKS, not O_NOFOLLOW, which F_GETFL would show) */
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, tfs(ino)->stagingfd, name, &how, sizeof how);
	return fd < 0 ? -errno : fd;
}

/* ---- the name hash ---------------------------------------------------------- */

static size_t name_hash(const struct vfs_inode *dir, const char *name, size_t len, size_t nbuckets)
{
	uint64_t h = (uint64_t)(uintptr_t)dir * 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ULL;
	return (size_t)(h >> 11) & (nbuckets - 1);
}

static void hash_grow(struct tmpfs *t)
{
	size_t n = t->nbuckets * 2;
	struct tmpfs_dirent **h = calloc(n, sizeof *h);
	if (!h)
		return;   /* longer chains, still correct */
	for (size_t b = 0; b < t->nbuckets; b++)
		for (struct tmpfs_dirent *e = t->hash[b], *next; e; e = next) {
			next = e->hash_next;
			size_t nb = name_hash(e->dir, e->name, e->namelen, n);
			e->hash_next = h[nb];
			h[nb] = e;
		}
	free(t->hash);
	t->hash = h;
	t->nbuckets = n;
}

static struct tmpfs_dirent *find(struct vfs_inode *dir, const char *name)
{
	struct tmpfs *t = tfs(dir);
	size_t len = strlen(name);
	for (struct tmpfs_dirent *e = t->hash[name_hash(dir, name, len, t->nbuckets)]; e; e = e->hash_next)
		if (e->dir == dir && e->namelen == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

/* Adds dir/name -> ino, taking over one reference of ino. */
static int dirent_add(struct vfs_inode *dir, const char *name, struct vfs_inode *ino)
{
	struct tmpfs *t = tfs(dir);
	struct tmpfs_node *dn = node(dir);
	size_t len = strlen(name);
	int rc = charge(t, sizeof(struct tmpfs_dirent) + len + 1);
	if (rc < 0)
		return rc;
	struct tmpfs_dirent *e = malloc(sizeof *e + len + 1);
	if (!e) {
		uncharge(t, sizeof *e + len + 1);
		return -ENOMEM;
	}
	memcpy(e->name, name, len + 1);
	e->namelen = len;
	e->dir = dir;
	e->ino = ino;
	e->cookie = dn->next_cookie++;
	e->next = NULL;
	e->prev = dn->last;
	if (dn->last)
		dn->last->next = e;
	else
		dn->first = e;
	dn->last = e;
	dn->nentries++;
	node(ino)->entry = e;
	if (t->nhashed >= t->nbuckets * 2)
		hash_grow(t);
	size_t b = name_hash(dir, name, len, t->nbuckets);
	e->hash_next = t->hash[b];
	t->hash[b] = e;
	t->nhashed++;
	dir->attr.st_size = (off_t)(dn->nentries + 2) * BOGO_DIRENT_SIZE;
	return 0;
}

/* Unlinks e from its directory; returns its inode's reference. */
static struct vfs_inode *dirent_remove(struct tmpfs_dirent *e)
{
	struct vfs_inode *dir = e->dir;
	struct tmpfs *t = tfs(dir);
	struct tmpfs_node *dn = node(dir);
	for (struct tmpfs_dirent **pp = &t->hash[name_hash(dir, e->name, e->namelen, t->nbuckets)];
	     *pp; pp = &(*pp)->hash_next)
		if (*pp == e) {
			*pp = e->hash_next;
			break;
		}
	t->nhashed--;
	if (e->prev)
		e->prev->next = e->next;
	else
		dn->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		dn->last = e->prev;
	dn->nentries--;
	dir->attr.st_size = (off_t)(dn->nentries + 2) * BOGO_DIRENT_SIZE;
	struct vfs_inode *ino = e->ino;
	if (node(ino)->entry == e)
		node(ino)->entry = NULL;
	uncharge(t, sizeof *e + e->namelen + 1);
	free(e);
	return ino;
}

/* ---- inodes ------------------------------------------------------------------ */

static void touch(struct vfs_inode *ino, bool mtime)
{
	struct timespec ts = now();
	ino->attr.st_ctim = ts;
	if (mtime)
		ino->attr.st_mtim = ts;
	node(ino)->ctime = ts;
}

/* A new inode owned by the caller (Linux's inode_init_owner()): the fs ids
 * of the task being served; a set-gid directory gives its group (and, to
 * a directory, its set-gid bit). */
static int inode_alloc(struct vfs_inode *dir, mode_t mode, struct vfs_inode **out)
{
	struct vfs_fs *fs = dir->fs;
	struct tmpfs *t = fs->priv;
	if (node(dir)->dead)
		return -ENOENT;   /* a removed directory takes no new names */
	if (t->ninodes >= t->max_inodes)
		return -ENOSPC;
	int rc = charge(t, INODE_CHARGE);
	if (rc < 0)
		return rc;
	struct tmpfs_node *n = calloc(1, sizeof *n);
	struct vfs_inode *ino = n ? vfs_inode_new(fs, n) : NULL;
	if (!ino) {
		free(n);
		uncharge(t, INODE_CHARGE);
		return -ENOMEM;
	}
	const struct vfs_cred *c = vfs_current_cred();
	struct stat *st = &ino->attr;
	st->st_dev = fs->dev;
	st->st_ino = t->next_ino++;
	st->st_mode = mode;
	st->st_nlink = 1;
	st->st_uid = c ? c->fsuid : 0;
	st->st_gid = c ? c->fsgid : 0;
	st->st_blksize = 4096;
	if (dir->attr.st_mode & S_ISGID) {
		st->st_gid = dir->attr.st_gid;
		if (S_ISDIR(mode))
			st->st_mode |= S_ISGID;
	}
	if (!S_ISDIR(mode) && (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && c &&
	    !vfs_in_group(c, st->st_gid) && !vfs_capable(c, 4 /* CAP_FSETID */))
		st->st_mode &= ~(mode_t)S_ISGID;
	st->st_atim = st->st_mtim = st->st_ctim = n->ctime = now();
	if (S_ISDIR(mode)) {
		n->next_cookie = FIRST_COOKIE;
		n->parent = dir;
		st->st_nlink = 2;
		st->st_size = 2 * BOGO_DIRENT_SIZE;
	}
	/* the application changes a regular file natively: always re-read */
	ino->host_writable = S_ISREG(mode);
	t->ninodes++;
	*out = ino;
	return 0;
}

/* Adds the new inode as dir/name: the directory's entry takes one
 * reference, the caller (the dentry cache) keeps the other. */
static int link_new(struct vfs_inode *dir, const char *name, struct vfs_inode *ino)
{
	int rc = dirent_add(dir, name, ino);
	if (rc < 0)
		return rc;
	ino->refs++;
	if (S_ISDIR(ino->attr.st_mode))
		dir->attr.st_nlink++;
	touch(dir, true);
	return 0;
}

static void xattrs_free(struct tmpfs *t, struct tmpfs_node *n)
{
	for (struct tmpfs_xattr *x = n->xattrs, *next; x; x = next) {
		next = x->next;
		uncharge(t, sizeof *x + x->size + strlen(x->name) + 1);
		free(x->name);
		free(x);
	}
	n->xattrs = NULL;
}

/* The sentry-side path of an inode's backing file (a socket node's
 * socket, for bind and connect; any backed file, for inotify): an absolute
 * path, the sentry's root being the staging tmpfs (sentry/boot.c).  It
 * names a file of this mount's backing tmpfs, which exists in the
 * sentry's mount namespace only. */
static int backing_path(const struct vfs_inode *ino, char *buf, size_t cap)
{
	char name[96];
	backing_name(ino, name, sizeof name);
	int n = snprintf(buf, cap, "/%s", name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int tmpfs_unlink(struct vfs_inode *dir, const char *name, bool is_dir);

/* ---- the mirror tree: what directory watches watch -------------------------------
 *
 * inotify reports a directory's events from the kernel's directory, and a
 * tmpfs directory has none (the tree is sentry memory).  So each backing
 * tmpfs also holds, beneath MIRROR, a real tree of the mount's names: a
 * real directory per directory, a hard link to the backing file per
 * regular file, FIFO and bound socket name, a real symlink per symlink, a
 * socket node or a 0:0 node (a whiteout) for unbound socket nodes and
 * character devices.  Every change of the tree is made there too, by
 * name, so the kernel queues on a watch of a mirror directory the events
 * Linux would queue (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with their
 * cookie, IN_MOVE_SELF, IN_DELETE_SELF...); changes only the sentry makes
 * (a chmod, an owner, an xattr) are shown by a chmod of the mirror entry
 * to its own mode: IN_ATTRIB.  The application's opens of regular files
 * and FIFOs go through the mirror name (tmpfs_open), so its reads and
 * writes report IN_ACCESS, IN_MODIFY, IN_OPEN and IN_CLOSE_* to a watch of
 * the directory, with the name.  The mirror is only ever a witness: a
 * mirror operation that fails (a path beyond PATH_MAX, say) costs events,
 * never data, and an open through it is checked to reach the backing file
 * (else the backing name is opened).  The mirror holds the sandbox's own
 * symlinks, and the sentry's policy lets its name calls take stagingfd
 * only (no directory fd of the mirror), so paths are walked from there:
 * its directories are made by the sentry alone, in step with the tree
 * (a failed mirror operation leaves a name missing, never a symlink where
 * a directory is), opens refuse symlinks (RESOLVE_NO_SYMLINKS), and
 * beneath stagingfd nothing of the host can be changed anyway (the device
 * tree is a read-only mount): at worst sandbox memory.
 */
#define MIRROR "m"

/* The mirror path of dir/name (name NULL: of dir itself), relative to
 * stagingfd. */
static int mirror_path(const struct vfs_inode *dir, const char *name, char *buf, size_t cap)
{
	const char *comps[VFS_PATH_MAX / 2];
	size_t n = 0;
	for (const struct vfs_inode *d = dir; node(d)->parent != d; d = node(d)->parent) {
		const struct tmpfs_dirent *e = node(d)->entry;
		if (!e || !node(d)->parent || n == sizeof comps / sizeof comps[0])
			return -ENOENT;   /* a removed directory */
		comps[n++] = e->name;
	}
	int len = snprintf(buf, cap, "%s/" MIRROR, tfs(dir)->backing);
	while (len >= 0 && (size_t)len < cap && n)
		len += snprintf(buf + len, cap - (size_t)len, "/%s", comps[--n]);
	if (name && len >= 0 && (size_t)len < cap)
		len += snprintf(buf + len, cap - (size_t)len, "/%s", name);
	return len < 0 || (size_t)len >= cap ? -ENAMETOOLONG : 0;
}

static void note_mirror_ctime(struct vfs_inode *ino);

/* dir/name is now ino: the same in the mirror. */
static void mirror_add(struct vfs_inode *dir, const char *name, struct vfs_inode *ino)
{
	char path[VFS_PATH_MAX], bname[96];
	int fd = tfs(dir)->stagingfd;
	if (mirror_path(dir, name, path, sizeof path) < 0)
		return;
	mode_t m = ino->attr.st_mode;
	if (S_ISDIR(m)) {
		mkdirat(fd, path, 0700);
	} else if (S_ISLNK(m)) {
		symlinkat(node(ino)->target ? node(ino)->target : "", fd, path);
	} else if (node(ino)->backed) {
		backing_name(ino, bname, sizeof bname);
		if (linkat(fd, bname, fd, path, 0) == 0)
			note_mirror_ctime(ino);
	} else {
		/* an unbound socket node, a device, a whiteout: a stand-in */
		mknodat(fd, path, S_ISSOCK(m) ? S_IFSOCK | 0600 : S_IFCHR | 0600, 0);
	}
}

static void mirror_remove(struct vfs_inode *dir, const char *name, bool is_dir)
{
	char path[VFS_PATH_MAX];
	if (mirror_path(dir, name, path, sizeof path) == 0)
		unlinkat(tfs(dir)->stagingfd, path, is_dir ? AT_REMOVEDIR : 0);
}

static void mirror_rename(struct vfs_inode *odir, const char *oname, struct vfs_inode *ndir,
			  const char *nname, unsigned flags)
{
	char op[VFS_PATH_MAX], np[VFS_PATH_MAX];
	int fd = tfs(odir)->stagingfd;
	if (mirror_path(odir, oname, op, sizeof op) == 0 && mirror_path(ndir, nname, np, sizeof np) == 0)
		syscall(SYS_renameat2, fd, op, fd, np, flags);
}

/* An attribute the sentry alone keeps changed: IN_ATTRIB, by a chmod of
 * the mirror entry to the mode it has (a symlink's times instead). */
static void mirror_attrib(struct vfs_inode *ino)
{
	char path[VFS_PATH_MAX];
	struct tmpfs_dirent *e = node(ino)->entry;
	struct stat st;
	int fd = tfs(ino)->stagingfd;
	if (!e || mirror_path(e->dir, e->name, path, sizeof path) < 0 ||
	    fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
		utimensat(fd, path, ts, AT_SYMLINK_NOFOLLOW);
	} else if (fchmodat(fd, path, st.st_mode & 07777, 0) == 0) {
		note_mirror_ctime(ino);
	}
}

/* Opens ino by its mirror name when it has one that reaches its backing
 * file; -1 when not (the caller opens the backing name). */
static int open_mirror(const struct vfs_inode *ino, int flags)
{
	char path[VFS_PATH_MAX];
	const struct tmpfs_dirent *e = node(ino)->entry;
	if (!e || !node(ino)->host_ino || mirror_path(e->dir, e->name, path, sizeof path) < 0)
		return -1;
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, tfs(ino)->stagingfd, path, &how, sizeof how);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_ino != node(ino)->host_ino)) {
		close(fd);
		return -1;
	}
	return fd < 0 ? -1 : fd;
}

/* After a mirror operation on a backed inode's name: the backing ctime
 * it left, which is not a change of the file (tmpfs_refresh). */
static void note_mirror_ctime(struct vfs_inode *ino)
{
	char name[96];
	struct stat st;
	if (!node(ino)->backed)
		return;
	backing_name(ino, name, sizeof name);
	if (fstatat(tfs(ino)->stagingfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		node(ino)->mirror_ctime = st.st_ctim;
}

/* The backing file's inode, which an open through the mirror must reach. */
static void note_host_ino(struct vfs_inode *ino)
{
	char name[96];
	struct stat st;
	backing_name(ino, name, sizeof name);
	if (fstatat(tfs(ino)->stagingfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		node(ino)->host_ino = st.st_ino;
}

static void tmpfs_release(struct vfs_inode *ino)
{
	struct tmpfs *t = tfs(ino);
	struct tmpfs_node *n = node(ino);
	while (n->first)   /* only when the whole mount goes (a removed directory is empty) */
		vfs_inode_put(dirent_remove(n->first));
	if (n->backed) {
		char name[96];
		backing_name(ino, name, sizeof name);
		unlinkat(t->stagingfd, name, 0);
	}
	if (n->target)
		uncharge(t, strlen(n->target) + 1);
	free(n->target);
	xattrs_free(t, n);
	free(n);
	uncharge(t, INODE_CHARGE);
	t->ninodes--;
}

/* ---- lookup, readdir, readlink, statfs ----------------------------------------- */

static int tmpfs_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	struct tmpfs_dirent *e = find(dir, name);
	if (!e)
		return -ENOENT;
	e->ino->refs++;
	*out = e->ino;
	return 0;
}

static uint8_t dtype(mode_t m)
{
	return (uint8_t)((m & S_IFMT) >> 12);   /* DT_* are S_IF* >> 12 */
}

static int tmpfs_readdir(struct vfs_file *f, uint64_t *pos,
			 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				      const char *name, size_t namelen), void *arg)
{
	struct vfs_inode *dir = f->path.dentry->inode;
	struct tmpfs_node *n = node(dir);
	if (n->dead)
		return -ENOENT;   /* Linux: getdents on a removed directory */
	bool from_start = *pos == 0;
	if (from_start)
		f->priv = NULL;
	if (*pos < 1) {
		if (!emit(arg, dir->attr.st_ino, 1, dtype(S_IFDIR), ".", 1))
			return 0;
		*pos = 1;
	}
	if (*pos < 2) {
		struct vfs_inode *up = n->parent && n->parent != dir ? n->parent : dir;
		if (!emit(arg, up->attr.st_ino, 2, dtype(S_IFDIR), "..", 2))
			return 0;
		*pos = 2;
	}
	/* Linux (simple_offset, 6.12+) lists only the entries that existed
	 * when the listing began (open, or a rewind to 0), so a directory
	 * that keeps growing cannot keep a reader busy forever.  The end is
	 * kept in the open file (f->priv; set when reading from 0). */
	if (from_start || !f->priv)
		f->priv = (void *)(uintptr_t)n->next_cookie;
	uint64_t end = (uint64_t)(uintptr_t)f->priv;
	struct tmpfs_dirent *e = n->first;
	while (e && e->cookie <= *pos)
		e = e->next;
	for (; e && e->cookie < end; e = e->next) {
		if (!emit(arg, e->ino->attr.st_ino, e->cookie, dtype(e->ino->attr.st_mode), e->name,
			  e->namelen))
			return 0;
		*pos = e->cookie;
	}
	return 0;
}

static int tmpfs_readlink(struct vfs_inode *ino, char *buf, size_t cap)
{
	const char *target = node(ino)->target;
	if (!target)
		return -EINVAL;
	size_t n = strlen(target);
	if (n > cap)
		n = cap;
	memcpy(buf, target, n);
	if (n < cap)
		buf[n] = 0;   /* callers may use the body as a string */
	ino->attr.st_atim = now();
	return (int)n;
}

static int tmpfs_statfs(struct vfs_inode *ino, struct statfs *out)
{
	struct tmpfs *t = tfs(ino);
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
	int fd = (int)syscall(SYS_openat2, t->stagingfd, t->backing, &how, sizeof how);
	if (fd < 0)
		return -errno;
	int rc = fstatfs(fd, out) < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	/* the backing mount holds only the regular files: inodes are ours */
	out->f_type = TMPFS_MAGIC;
	out->f_files = t->max_inodes;
	out->f_ffree = t->max_inodes - t->ninodes;
	out->f_namelen = VFS_NAME_MAX;
	memset(&out->f_fsid, 0, sizeof out->f_fsid);
	return 0;
}

/* A regular file's size, blocks, atime and mtime are the backing file's. */
static int tmpfs_refresh(struct vfs_inode *ino)
{
	struct tmpfs_node *n = node(ino);
	if (!n->backed || !S_ISREG(ino->attr.st_mode))
		return 0;
	char name[96];
	backing_name(ino, name, sizeof name);
	struct stat hs;
	if (fstatat(tfs(ino)->stagingfd, name, &hs, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ino->attr.st_size = hs.st_size;
	ino->attr.st_blocks = hs.st_blocks;
	ino->attr.st_atim = hs.st_atim;
	ino->attr.st_mtim = hs.st_mtim;
	bool mirror_made = hs.st_ctim.tv_sec == n->mirror_ctime.tv_sec &&
			   hs.st_ctim.tv_nsec == n->mirror_ctime.tv_nsec;
	bool later = !mirror_made && (hs.st_ctim.tv_sec > n->ctime.tv_sec ||
		     (hs.st_ctim.tv_sec == n->ctime.tv_sec && hs.st_ctim.tv_nsec > n->ctime.tv_nsec));
	ino->attr.st_ctim = later ? hs.st_ctim : n->ctime;
	return 0;
}

/* ---- open and create --------------------------------------------------------- */

/* Open flags that reach the backing file; the rest is the VFS's. */
#define BACKING_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | \
			    O_NOATIME | O_TRUNC | O_LARGEFILE | O_ASYNC)

static int tmpfs_open(struct vfs_inode *ino, int flags, struct vfs_open_result *res)
{
	struct tmpfs_node *n = node(ino);
	if (S_ISSOCK(ino->attr.st_mode))
		return -ENXIO;   /* Linux: a socket cannot be opened (its backing neither) */
	if (S_ISCHR(ino->attr.st_mode)) {
		/* Only /dev's tmpfs opens devices, and only those whose number
		 * devfs serves: a whiteout (0:0) or any other number is ENXIO,
		 * as a device without a driver.  The number is the inode's, set
		 * when devfs made the node; rename and link move the inode, so
		 * they make no new device reachable. */
		struct tmpfs *t = tfs(ino);
		if (!t->open_device || ino->attr.st_rdev == 0)
			return -ENXIO;
		int fd = t->open_device(t->device_arg, ino->attr.st_rdev, flags, res->opener);
		if (fd < 0)
			return fd;
		res->host_fd = fd;
		return 0;
	}
	if (!n->backed)
		return S_ISREG(ino->attr.st_mode) || S_ISFIFO(ino->attr.st_mode) ? -ENOENT : -ENXIO;
	int f = flags & BACKING_OPEN_FLAGS;
	if (S_ISFIFO(ino->attr.st_mode)) {
		/* as the gofer does: never wait here (a writer without a reader
		 * is ENXIO), the blocking opens are the VFS's (open_fifo) */
		int fd = open_mirror(ino, (f & ~O_TRUNC) | O_NONBLOCK);
		if (fd < 0)
			fd = open_backing(ino, (f & ~O_TRUNC) | O_NONBLOCK, 0);
		if (fd < 0)
			return fd;
		if (!(flags & O_NONBLOCK))
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		res->host_fd = fd;
		return 0;
	}
	/* through its mirror name: a watch of its directory sees the I/O */
	int fd = open_mirror(ino, f);
	if (fd < 0)
		fd = open_backing(ino, f, 0);
	if (fd < 0)
		return fd;
	if (flags & O_TRUNC)
		touch(ino, false);   /* the backing file's own mtime and ctime changed too */
	res->host_fd = fd;
	return 0;
}

/* The backing file of a new regular file or FIFO; for a regular file
 * opened with `flags` (-1: not opened). */
static int create_backing(struct vfs_inode *ino, int flags)
{
	struct tmpfs_node *n = node(ino);
	if (S_ISFIFO(ino->attr.st_mode)) {
		char name[96];
		backing_name(ino, name, sizeof name);
		if (mknodat(tfs(ino)->stagingfd, name, S_IFIFO | 0600, 0) < 0)
			return -errno;
		n->backed = true;
		note_host_ino(ino);
		return -1;
	}
	int acc = flags < 0 ? O_RDONLY : (flags & BACKING_OPEN_FLAGS & ~O_TRUNC);
	int fd = open_backing(ino, acc | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return fd;
	n->backed = true;
	struct stat hs;
	if (fstat(fd, &hs) == 0) {
		ino->attr.st_atim = ino->attr.st_mtim = ino->attr.st_ctim = n->ctime = hs.st_mtim;
		n->host_ino = hs.st_ino;
	}
	if (flags < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tmpfs_create(struct vfs_inode *dir, const char *name, int flags, mode_t mode,
			struct vfs_inode **out, struct vfs_open_result *res)
{
	struct vfs_inode *ino;
	int rc = inode_alloc(dir, S_IFREG | (mode & 07777), &ino);
	if (rc < 0)
		return rc;
	int fd = create_backing(ino, flags);
	if (fd < 0 && fd != -1) {
		vfs_inode_put(ino);
		return fd;
	}
	rc = link_new(dir, name, ino);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		vfs_inode_put(ino);
		return rc;
	}
	mirror_add(dir, name, ino);
	if (fd >= 0) {
		/* the application's description, by the mirror name (tmpfs_open) */
		int mfd = open_mirror(ino, flags & BACKING_OPEN_FLAGS & ~O_TRUNC);
		if (mfd >= 0) {
			close(fd);
			fd = mfd;
		}
	}
	*out = ino;
	res->host_fd = fd;
	return 0;
}

/* open(dir, O_TMPFILE): an inode of the mount (counted against nr_inodes,
 * owned as a new file) with no entry and no link, its backing file made
 * and opened like any other; the VFS gives it an unnamed dentry, and the
 * inode goes (backing name unlinked) with that dentry's last reference. */
static int tmpfs_tmpfile(struct vfs_inode *dir, int flags, mode_t mode, struct vfs_inode **out,
			 struct vfs_open_result *res)
{
	struct vfs_inode *ino;
	int rc = inode_alloc(dir, S_IFREG | (mode & 07777), &ino);
	if (rc < 0)
		return rc;
	ino->attr.st_nlink = 0;
	node(ino)->linkable = !(flags & O_EXCL);
	int fd = create_backing(ino, flags);
	if (fd < 0) {
		vfs_inode_put(ino);
		return fd == -1 ? -EIO : fd;
	}
	*out = ino;
	res->host_fd = fd;
	return 0;
}

/* ---- changes ------------------------------------------------------------------ */

static int make(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	struct vfs_inode *ino;
	int rc = inode_alloc(dir, mode, &ino);
	if (rc < 0)
		return rc;
	if (S_ISREG(mode) || S_ISFIFO(mode)) {
		rc = create_backing(ino, -1);
		if (rc < 0 && rc != -1) {
			vfs_inode_put(ino);
			return rc;
		}
	}
	rc = link_new(dir, name, ino);
	if (rc < 0) {
		vfs_inode_put(ino);
		return rc;
	}
	mirror_add(dir, name, ino);
	*out = ino;
	return 0;
}

static int tmpfs_mkdir(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	/* Linux's vfs_mkdir(): a directory's mode keeps no set-id bits (a
	 * set-gid parent passes its own on, in inode_alloc) */
	return make(dir, name, S_IFDIR | (mode & 01777), out);
}

static int tmpfs_mknod(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	mode_t type = mode & S_IFMT;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR)
		return -EPERM;   /* S_IFCHR: a whiteout, the VFS lets no other device here */
	return make(dir, name, mode, out);
}

int tmpfs_make_device(struct vfs_inode *dir, const char *name, mode_t mode, dev_t rdev,
		      struct vfs_inode **out)
{
	if (!S_ISCHR(mode) || dir->fs->ops->mknod != tmpfs_mknod)
		return -EINVAL;
	struct vfs_inode *ino;
	int rc = make(dir, name, mode, &ino);
	if (rc < 0)
		return rc;
	ino->attr.st_rdev = rdev;
	ino->attr.st_uid = 0;
	ino->attr.st_gid = 0;
	*out = ino;
	return 0;
}

/*
 * bind(2) of a unix socket: the node first (its name is then taken, so no
 * second bind can race for it), then the kernel's bind of the
 * application's socket (sock: the sentry's duplicate of it, the same open
 * file description) to the node's backing name.  The kernel's bind fails
 * for a socket already bound (EINVAL, after the name check as in Linux);
 * the node is removed again then.  The backing socket file goes with the
 * node's last name (dropped_name) or with the mount (tmpfs_release), as
 * the file of a bound socket does on Linux: the socket itself stays bound.
 */
static int tmpfs_bind(struct vfs_inode *dir, const char *name, mode_t mode, int sock,
		      struct vfs_inode **out)
{
	struct vfs_inode *ino;
	int rc = inode_alloc(dir, S_IFSOCK | (mode & 07777), &ino);
	if (rc < 0)
		return rc;
	rc = link_new(dir, name, ino);
	if (rc < 0) {
		vfs_inode_put(ino);
		return rc;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	rc = backing_path(ino, sa.sun_path, sizeof sa.sun_path);
	if (rc == 0 && bind(sock, (struct sockaddr *)&sa, sizeof sa) < 0)
		rc = -errno;
	if (rc < 0) {
		tmpfs_unlink(dir, name, false);   /* drops the entry's reference */
		vfs_inode_put(ino);
		return rc == -EADDRINUSE ? -EIO : rc;   /* a backing name is never reused */
	}
	node(ino)->backed = true;
	note_host_ino(ino);
	mirror_add(dir, name, ino);
	*out = ino;
	return 0;
}

static int tmpfs_socket_path(struct vfs_inode *ino, char *buf, size_t cap)
{
	if (!node(ino)->backed)
		return -ECONNREFUSED;   /* mknod(S_IFSOCK), or no name left */
	return backing_path(ino, buf, cap);
}

/*
 * inotify: a regular file's or FIFO's (or bound socket's) watch goes on its
 * backing file, by its path in the sentry's root (inotify_add_watch names
 * no fd; nothing else can rename backing names, which only the sentry
 * makes); anything else -- a directory, a symlink, an unbound socket node
 * -- on its mirror (above), where every change of the tree is made again
 * by name, so the kernel queues the events Linux queues.  The application
 * reads, writes and opens its files natively, through their mirror names:
 * those events are the kernel's own.  Character devices (/dev's) are the
 * host's, not watched: EOPNOTSUPP.
 */
static int tmpfs_add_watch(struct vfs_inode *ino, int inotify_fd, uint32_t mask)
{
	char path[VFS_PATH_MAX + 1];
	int rc;
	if (node(ino)->backed) {
		rc = backing_path(ino, path, sizeof path);
	} else {
		const struct tmpfs_dirent *e = node(ino)->entry;
		if (S_ISCHR(ino->attr.st_mode) || (S_ISREG(ino->attr.st_mode)))
			return -EOPNOTSUPP;   /* a device; a file with no name left */
		path[0] = '/';   /* the sentry's root is the staging tmpfs */
		rc = vfs_is_dir(ino) ? mirror_path(ino, NULL, path + 1, sizeof path - 1)
		     : e ? mirror_path(e->dir, e->name, path + 1, sizeof path - 1) : -EOPNOTSUPP;
	}
	if (rc < 0)
		return rc == -ENAMETOOLONG ? -EOPNOTSUPP : rc;
	int wd = inotify_add_watch(inotify_fd, path, mask | IN_DONT_FOLLOW);
	return wd < 0 ? -errno : wd;
}

static int tmpfs_symlink(struct vfs_inode *dir, const char *name, const char *target,
			 struct vfs_inode **out)
{
	size_t len = strlen(target);
	if (len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	struct tmpfs *t = tfs(dir);
	int rc = charge(t, len + 1);
	if (rc < 0)
		return rc;
	char *copy = strdup(target);
	struct vfs_inode *ino = NULL;
	rc = copy ? inode_alloc(dir, S_IFLNK | 0777, &ino) : -ENOMEM;
	if (rc < 0) {
		free(copy);
		uncharge(t, len + 1);
		return rc;
	}
	node(ino)->target = copy;
	ino->attr.st_size = (off_t)len;
	rc = link_new(dir, name, ino);
	if (rc < 0) {
		vfs_inode_put(ino);
		return rc;
	}
	mirror_add(dir, name, ino);
	*out = ino;
	return 0;
}

/* Another name of the same inode: the new dentry gets the inode itself. */
static int tmpfs_link(struct vfs_inode *dir, const char *name, struct vfs_inode *target,
		      struct vfs_inode **out)
{
	/* a file whose last name went stays nameless; an O_TMPFILE one gets
	 * its first name once (Linux's I_LINKABLE) */
	if (node(dir)->dead || (target->attr.st_nlink == 0 && !node(target)->linkable))
		return -ENOENT;
	if (target->attr.st_nlink >= 65000)
		return -EMLINK;
	int rc = dirent_add(dir, name, target);
	if (rc < 0)
		return rc;
	target->refs += 2;   /* the entry's and the caller's */
	target->attr.st_nlink++;
	node(target)->linkable = false;
	mirror_add(dir, name, target);
	touch(target, false);
	touch(dir, true);
	*out = target;
	return 0;
}

static void dropped_name(struct vfs_inode *dir, struct vfs_inode *ino)
{
	if (S_ISDIR(ino->attr.st_mode)) {
		ino->attr.st_nlink = 0;
		node(ino)->dead = true;
		node(ino)->parent = NULL;
		dir->attr.st_nlink--;
	} else if (--ino->attr.st_nlink == 0 && node(ino)->backed) {
		/* The last name: the backing name goes now, so the data is freed
		 * (and its space counts no more) when the application closes its
		 * last fd and mapping, as on Linux.  Until then the open fds keep
		 * the backing inode; the sentry can no longer re-open it. */
		char name[96];
		backing_name(ino, name, sizeof name);
		unlinkat(tfs(ino)->stagingfd, name, 0);
		node(ino)->backed = false;
	}
	touch(ino, false);
	vfs_inode_put(ino);
}

static int tmpfs_unlink(struct vfs_inode *dir, const char *name, bool is_dir)
{
	struct tmpfs_dirent *e = find(dir, name);
	if (!e)
		return -ENOENT;
	if (is_dir != S_ISDIR(e->ino->attr.st_mode))
		return is_dir ? -ENOTDIR : -EISDIR;
	if (is_dir && node(e->ino)->nentries)
		return -ENOTEMPTY;
	mirror_remove(dir, name, is_dir);
	dropped_name(dir, dirent_remove(e));
	touch(dir, true);
	return 0;
}

static int tmpfs_rename(struct vfs_inode *old_dir, const char *old_name, struct vfs_inode *new_dir,
			const char *new_name, struct vfs_inode *moved)
{
	struct tmpfs_dirent *from = find(old_dir, old_name);
	if (!from || from->ino != moved)
		return -ENOENT;
	if (node(new_dir)->dead)
		return -ENOENT;
	struct tmpfs_dirent *to = find(new_dir, new_name);
	bool is_dir = S_ISDIR(moved->attr.st_mode);
	if (to) {
		if (to->ino == moved)
			return 0;
		if (S_ISDIR(to->ino->attr.st_mode) != is_dir)
			return is_dir ? -ENOTDIR : -EISDIR;
		if (is_dir && node(to->ino)->nentries)
			return -ENOTEMPTY;
	}
	/* the new entry first: a failure then changes nothing */
	int rc = dirent_add(new_dir, new_name, moved);
	if (rc < 0)
		return rc;
	if (to)
		dropped_name(new_dir, dirent_remove(to));
	dirent_remove(from);   /* its reference went to the new entry */
	if (is_dir && old_dir != new_dir) {
		old_dir->attr.st_nlink--;
		new_dir->attr.st_nlink++;
		node(moved)->parent = new_dir;
	}
	mirror_rename(old_dir, old_name, new_dir, new_name, 0);
	touch(moved, false);
	touch(old_dir, true);
	touch(new_dir, true);
	return 0;
}

/* RENAME_EXCHANGE: the two entries keep their names and places in their
 * directories and swap inodes; a directory that changes parent moves its
 * ".." link count with it. */
static int tmpfs_rename_flags(struct vfs_inode *old_dir, const char *old_name,
			      struct vfs_inode *new_dir, const char *new_name, unsigned flags,
			      struct vfs_inode *moved, struct vfs_inode *other)
{
	if (flags & RENAME_WHITEOUT) {
		/* the move, then a whiteout (a 0:0 character device, as Linux's
		 * tmpfs makes it) in the old name's place */
		int rc = tmpfs_rename(old_dir, old_name, new_dir, new_name, moved);
		struct vfs_inode *wo = NULL;
		if (rc == 0 && (rc = make(old_dir, old_name, S_IFCHR, &wo)) == 0)
			vfs_inode_put(wo);   /* the directory entry holds it */
		return rc;
	}
	if (flags != RENAME_EXCHANGE)
		return -EINVAL;
	struct tmpfs_dirent *a = find(old_dir, old_name), *b = find(new_dir, new_name);
	if (!a || !b || a->ino != moved || b->ino != other)
		return -ENOENT;
	if (a == b)
		return 0;
	a->ino = other;
	b->ino = moved;
	node(other)->entry = a;
	node(moved)->entry = b;
	if (old_dir != new_dir) {
		if (S_ISDIR(moved->attr.st_mode)) {
			old_dir->attr.st_nlink--;
			new_dir->attr.st_nlink++;
			node(moved)->parent = new_dir;
		}
		if (S_ISDIR(other->attr.st_mode)) {
			new_dir->attr.st_nlink--;
			old_dir->attr.st_nlink++;
			node(other)->parent = old_dir;
		}
	}
	mirror_rename(old_dir, old_name, new_dir, new_name, RENAME_EXCHANGE);
	touch(moved, false);
	touch(other, false);
	touch(old_dir, true);
	touch(new_dir, true);
	return 0;
}

static int tmpfs_setattr(struct vfs_inode *ino, const struct vfs_setattr *a)
{
	struct tmpfs_node *n = node(ino);
	struct stat *st = &ino->attr;
	bool reg = S_ISREG(st->st_mode) && n->backed;
	if ((a->valid & (VFS_SET_SIZE | VFS_SET_ATIME | VFS_SET_MTIME)) && S_ISREG(st->st_mode) && !reg)
		return -ENOENT;   /* no name left: the backing file cannot be reached */
	if (a->valid & VFS_SET_SIZE) {
		if (!reg)
			return -EINVAL;
		int fd = open_backing(ino, O_WRONLY, 0);
		if (fd < 0)
			return fd;
		int rc = ftruncate(fd, a->size) < 0 ? -errno : 0;
		close(fd);
		if (rc < 0)
			return rc;
	}
	if (a->valid & (VFS_SET_ATIME | VFS_SET_MTIME)) {
		struct timespec ts[2] = { a->atime, a->mtime };
		if (!(a->valid & VFS_SET_ATIME))
			ts[0].tv_nsec = UTIME_OMIT;
		else if (!(a->valid & VFS_SET_ATIME_SET))
			ts[0] = now();
		if (!(a->valid & VFS_SET_MTIME))
			ts[1].tv_nsec = UTIME_OMIT;
		else if (!(a->valid & VFS_SET_MTIME_SET))
			ts[1] = now();
		if (reg) {
			/* through the mirror name when it reaches the file: a
			 * watch of the directory sees it */
			char name[VFS_PATH_MAX];
			int mfd = open_mirror(ino, O_PATH);
			if (mfd >= 0) {
				int rc = utimensat(mfd, "", ts, AT_EMPTY_PATH) < 0 ? -errno : 0;
				close(mfd);
				if (rc < 0)
					return rc;
			} else {
				backing_name(ino, name, sizeof name);
				if (utimensat(tfs(ino)->stagingfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
					return -errno;
			}
		}
		if (a->valid & VFS_SET_ATIME)
			st->st_atim = ts[0];
		if (a->valid & VFS_SET_MTIME)
			st->st_mtim = ts[1];
	}
	if (a->valid & VFS_SET_MODE)
		st->st_mode = (st->st_mode & S_IFMT) | (a->mode & 07777);
	if (a->valid & (VFS_SET_UID | VFS_SET_GID)) {
		if (a->valid & VFS_SET_UID)
			st->st_uid = a->uid;
		if (a->valid & VFS_SET_GID)
			st->st_gid = a->gid;
		/* Linux: a chown of a non-directory clears set-uid, and set-gid
		 * when group-executable */
		if (!S_ISDIR(st->st_mode)) {
			st->st_mode &= ~(mode_t)S_ISUID;
			if (st->st_mode & S_IXGRP)
				st->st_mode &= ~(mode_t)S_ISGID;
		}
	}
	/* what the sentry alone changed, for the watches: IN_ATTRIB (a
	 * truncate's IN_MODIFY and a file's new times are the kernel's own) */
	if ((a->valid & (VFS_SET_MODE | VFS_SET_UID | VFS_SET_GID)) ||
	    ((a->valid & (VFS_SET_ATIME | VFS_SET_MTIME)) && !reg))
		mirror_attrib(ino);
	/* (a truncate's mtime is the backing file's) */
	touch(ino, false);
	return 0;
}

/* ---- xattrs -------------------------------------------------------------------- */

/* 0 for a name of a supported namespace; a bare prefix is EINVAL (Linux's
 * xattr_resolve_name()). */
static int xattr_check(const char *name)
{
	static const char *const prefixes[] = { "user.", "security." };
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], l) == 0)
			return name[l] ? 0 : -EINVAL;
	}
	return -EOPNOTSUPP;
}

/* The list is kept in descending name order: the order in which Linux's
 * tmpfs (an rbtree of simple_xattrs) lists them.  Returns where `name` is
 * or would be inserted. */
static struct tmpfs_xattr **xattr_find(struct tmpfs_node *n, const char *name)
{
	struct tmpfs_xattr **pp = &n->xattrs;
	while (*pp && strcmp((*pp)->name, name) > 0)
		pp = &(*pp)->next;
	return pp;
}

static struct tmpfs_xattr *xattr_get(struct tmpfs_node *n, const char *name)
{
	struct tmpfs_xattr *x = *xattr_find(n, name);
	return x && strcmp(x->name, name) == 0 ? x : NULL;
}

static ssize_t tmpfs_getxattr(struct vfs_inode *ino, const char *name, void *buf, size_t cap)
{
	int rc = xattr_check(name);
	if (rc < 0)
		return rc;
	struct tmpfs_xattr *x = xattr_get(node(ino), name);
	if (!x)
		return -ENODATA;
	if (cap == 0)
		return (ssize_t)x->size;
	if (cap < x->size)
		return -ERANGE;
	memcpy(buf, x->value, x->size);
	return (ssize_t)x->size;
}

static ssize_t tmpfs_listxattr(struct vfs_inode *ino, char *buf, size_t cap)
{
	size_t total = 0;
	for (struct tmpfs_xattr *x = node(ino)->xattrs; x; x = x->next) {
		size_t len = strlen(x->name) + 1;
		if (cap) {
			if (total + len > cap)
				return -ERANGE;
			memcpy(buf + total, x->name, len);
		}
		total += len;
	}
	return (ssize_t)total;
}

static int tmpfs_setxattr(struct vfs_inode *ino, const char *name, const void *value, size_t size,
			  int flags)
{
	int rc = xattr_check(name);
	if (rc < 0)
		return rc;
	struct tmpfs *t = tfs(ino);
	struct tmpfs_node *n = node(ino);
	struct tmpfs_xattr **pp = xattr_find(n, name), *old = *pp;
	if (old && strcmp(old->name, name) != 0)
		old = NULL;
	if (old && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & XATTR_REPLACE))
		return -ENODATA;
	bool user = strncmp(name, "user.", 5) == 0;
	size_t namelen = strlen(name) + 1;
	size_t cost = sizeof(struct tmpfs_xattr) + size + namelen;
	size_t old_cost = old ? sizeof *old + old->size + namelen : 0;
	if (user && n->user_xattr_bytes - (old ? old->size + namelen : 0) + size + namelen > USER_XATTR_MAX)
		return -ENOSPC;
	rc = charge(t, cost);
	if (rc < 0)
		return rc;
	struct tmpfs_xattr *x = malloc(sizeof *x + size);
	char *copy = strdup(name);
	if (!x || !copy) {
		free(x);
		free(copy);
		uncharge(t, cost);
		return -ENOMEM;
	}
	x->name = copy;
	x->size = size;
	if (size)
		memcpy(x->value, value, size);   /* (an empty value may come as NULL) */
	if (old) {
		x->next = old->next;
		*pp = x;
		if (user)
			n->user_xattr_bytes -= old->size + namelen;
		free(old->name);
		free(old);
		uncharge(t, old_cost);
	} else {
		x->next = *pp;
		*pp = x;
	}
	if (user)
		n->user_xattr_bytes += size + namelen;
	mirror_attrib(ino);
	touch(ino, false);
	return 0;
}

static int tmpfs_removexattr(struct vfs_inode *ino, const char *name)
{
	int rc = xattr_check(name);
	if (rc < 0)
		return rc;
	struct tmpfs_node *n = node(ino);
	struct tmpfs_xattr **pp = xattr_find(n, name), *x = *pp;
	if (!x || strcmp(x->name, name) != 0)
		return -ENODATA;
	*pp = x->next;
	size_t namelen = strlen(name) + 1;
	if (strncmp(name, "user.", 5) == 0)
		n->user_xattr_bytes -= x->size + namelen;
	uncharge(tfs(ino), sizeof *x + x->size + namelen);
	free(x->name);
	free(x);
	mirror_attrib(ino);
	touch(ino, false);
	return 0;
}

static const struct vfs_fs_ops tmpfs_ops = {
	.name = "tmpfs",
	.lookup = tmpfs_lookup,
	.readlink = tmpfs_readlink,
	.open = tmpfs_open,
	.create = tmpfs_create,
	.tmpfile = tmpfs_tmpfile,
	.readdir = tmpfs_readdir,
	.statfs = tmpfs_statfs,
	.refresh = tmpfs_refresh,
	.mkdir = tmpfs_mkdir,
	.mknod = tmpfs_mknod,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rename = tmpfs_rename,
	.rename_flags = tmpfs_rename_flags,
	.setattr = tmpfs_setattr,
	.getxattr = tmpfs_getxattr,
	.listxattr = tmpfs_listxattr,
	.setxattr = tmpfs_setxattr,
	.removexattr = tmpfs_removexattr,
	.release = tmpfs_release,
	.bind = tmpfs_bind,
	.socket_path = tmpfs_socket_path,
	.add_watch = tmpfs_add_watch,
};

int tmpfs_new(struct vfs_fs **out, struct vfs_inode **root, const struct tmpfs_opts *o)
{
	static unsigned next_minor = 1;
	if (!o->backing || strlen(o->backing) >= sizeof ((struct tmpfs *)0)->backing)
		return -EINVAL;
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	struct tmpfs *t = calloc(1, sizeof *t);
	struct tmpfs_node *n = calloc(1, sizeof *n);
	if (t) {
		t->nbuckets = 256;
		t->hash = calloc(t->nbuckets, sizeof *t->hash);
	}
	struct vfs_inode *ino = fs && t && t->hash && n ? vfs_inode_new(fs, n) : NULL;
	if (!ino) {
		if (t)
			free(t->hash);
		free(fs);
		free(t);
		free(n);
		return -ENOMEM;
	}
	t->stagingfd = o->stagingfd;
	snprintf(t->backing, sizeof t->backing, "%s", o->backing);
	t->next_ino = 2;
	t->max_inodes = o->max_inodes ? o->max_inodes : TMPFS_DEFAULT_INODES;
	t->ninodes = 1;
	t->open_device = o->open_device;
	t->device_arg = o->device_arg;
	t->root = ino;
	t->next = all_tmpfs;
	all_tmpfs = t;
	fs->ops = &tmpfs_ops;
	fs->devices = o->open_device != NULL;
	fs->priv = t;
	fs->policy = VFS_CACHE_FSCACHE;
	fs->own_attrs = true;
	fs->dev = makedev(0, 0xc0 + next_minor++);
	struct stat *st = &ino->attr;
	st->st_dev = fs->dev;
	st->st_ino = 1;
	st->st_mode = S_IFDIR | (o->mode ? (o->mode & 07777) : 01777);
	st->st_nlink = 2;
	st->st_uid = o->uid;
	st->st_gid = o->gid;
	st->st_blksize = 4096;
	st->st_size = 2 * BOGO_DIRENT_SIZE;
	st->st_atim = st->st_mtim = st->st_ctim = n->ctime = now();
	n->next_cookie = FIRST_COOKIE;
	n->parent = ino;
	*out = fs;
	*root = ino;
	return 0;
}

/* The mirror of dir's subtree, made anew (at boot, once the backing
 * tmpfs is mounted: the tree may have names already). */
static void mirror_subtree(struct vfs_inode *dir, int depth)
{
	if (depth > VFS_PATH_MAX / 2)
		return;
	for (struct tmpfs_dirent *e = node(dir)->first; e; e = e->next) {
		mirror_add(dir, e->name, e->ino);
		if (S_ISDIR(e->ino->attr.st_mode))
			mirror_subtree(e->ino, depth + 1);
	}
}

void tmpfs_mirror_all(void)
{
	for (struct tmpfs *t = all_tmpfs; t; t = t->next) {
		char path[96];
		snprintf(path, sizeof path, "%s/" MIRROR, t->backing);
		if (mkdirat(t->stagingfd, path, 0700) == 0)
			mirror_subtree(t->root, 0);
	}
}

void tmpfs_free(struct vfs_fs *fs)
{
	struct tmpfs *t = fs->priv;
	for (struct tmpfs **pp = &all_tmpfs; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	free(t->hash);
	free(t);
	free(fs);
}

void tmpfs_get_mark(const struct vfs_inode *ino, struct tmpfs_mark *m)
{
	*m = node(ino)->mark;
}

void tmpfs_set_mark(struct vfs_inode *ino, const struct tmpfs_mark *m)
{
	node(ino)->mark = *m;
}

int tmpfs_parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}
