/*
 * The gofer inode backend: each inode is a 9P fid walked to that file on the
 * gofer, with its attributes cached in the sentry (the `fscache` policy; the
 * other policies of the seed arrive with the VFS issue).  Regular files are
 * opened by asking the gofer for a fresh host FD (Tlopen/Tlcreate with FD
 * donation): every application open gets its own open file description, so
 * offsets and flags are never shared between unrelated opens.
 */
#include "sentry/vfs.h"

#include "p9/p9.h"
#include "runsc-lite/log.h"

#include <errno.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define V9FS_MAGIC 0x01021997

/*
 * Owners as the sandbox sees them.  Unprivileged, the sentry and the
 * application live in a user namespace that maps id 0 to the invoking
 * user's; the gofer, outside it, reports host ids.  Inside, the kernel
 * shows the mapped ids translated and everyone else's as the overflow id
 * (what fstat(2) of a donated FD says in the sentry, and what `unshare -r`
 * shows), so Rgetattr's ids are mapped the same way, and a chown's and a
 * new file's owner back.  Read once from the sentry's own uid_map/gid_map
 * (any number of ranges, up to IDMAP_RANGES; a line beyond is an unmapped
 * range: its ids show as the overflow id, fail closed); off when they are
 * the identity of the whole range (the sentry runs as root in the host's
 * user namespace).
 */
#define IDMAP_RANGES 16
struct idmap_range { uint32_t inside, host, count; };
struct idmap {
	bool on;
	int nuid, ngid;
	struct idmap_range uid[IDMAP_RANGES], gid[IDMAP_RANGES];
	uint32_t overflow_uid, overflow_gid;  /* what an unmapped host id is here */
};

/* host -> inside, or the overflow id */
static uint32_t idmap_in(const struct idmap_range *r, int n, uint32_t host, uint32_t overflow)
{
	for (int i = 0; i < n; i++)
		if (host >= r[i].host && host - r[i].host < r[i].count)
			return r[i].inside + (host - r[i].host);
	return overflow;
}

/* inside -> host, or -1: not mapped */
static int64_t idmap_out(const struct idmap_range *r, int n, uint32_t inside)
{
	for (int i = 0; i < n; i++)
		if (inside >= r[i].inside && inside - r[i].inside < r[i].count)
			return (int64_t)r[i].host + (inside - r[i].inside);
	return -1;
}

struct goferfs {
	struct p9_client *client;
	int procfd;            /* the sentry's own procfs: re-opens read handles */
	struct idmap ids;
};

/*
 * Shared read handles (the seed's readHandles).  The first read-only open
 * of a file keeps the host FD the gofer donated as the inode's read handle;
 * every later read-only open re-opens that handle through /proc/self/fd/N:
 * a new open file description (its own offset) without asking the gofer.
 * Only for reading: the sentry's seccomp policy forbids it any re-open for
 * writing, so a handle can never be upgraded behind the gofer's back;
 * writes, O_TRUNC and the `none` policy always go to the gofer.  At most
 * READ_HANDLES_MAX handles are kept, least recently used dropped first.
 */
#define READ_HANDLES_MAX 512

/*
 * Readdir cache (fscache policies): the whole listing of a directory, read
 * through the gofer once, then served from sentry memory with the host's
 * own offsets (so positions stay valid across cached and uncached reads).
 * Void as soon as the sandbox changes the directory (vfs_inode.dir_gen);
 * directories of more than DIRCACHE_MAX entries are not cached.
 */
#define DIRCACHE_MAX 4096

struct cached_dirent {
	uint64_t ino, next;
	uint8_t type;
	char *name;
};

struct dircache {
	uint64_t gen;
	size_t n;
	bool incomplete;       /* an entry could not be kept: not a whole listing */
	struct cached_dirent *e;
};

struct gofer_inode {
	uint32_t fid;
	int read_fd;                         /* the cached read handle, or -1 */
	struct gofer_inode *lru_prev, *lru_next;
	struct dircache *dircache;           /* directories only, or NULL */
	char *link;                          /* a symlink's body, once read */
};

static struct {
	struct gofer_inode *head, *tail;     /* most recently used first */
	int count;
} read_handles;

struct gofer_dir {
	uint32_t fid;          /* opened for Treaddir, P9_NOFID until first use */
};

static struct p9_client *client_of(struct vfs_inode *ino)
{
	return ((struct goferfs *)ino->fs->priv)->client;
}

static uint32_t fid_of(struct vfs_inode *ino)
{
	return ((struct gofer_inode *)ino->priv)->fid;
}

/*
 * Requests made without the sentry lock read a fid first and use it after
 * the lock is given up.  A fid that is replaced (refid) or dropped
 * (an inode or an open directory freed) meanwhile must not be clunked yet:
 * the gofer would fail the request, or, worse, the client would hand the
 * number out again and the request would reach another file.  While any
 * such request is in flight, retired fids wait here and are clunked when
 * the last one ends.  Both counters are touched with the lock held.
 */
struct retired_fid {
	struct p9_client *c;
	uint32_t fid;
};
static unsigned unlocked_requests;
static struct retired_fid *retired;
static size_t nretired, retired_cap;

static bool gofer_io_begin(void)
{
	unlocked_requests++;
	bool released = vfs_io_begin();
	if (!released)
		unlocked_requests--;
	return released;
}

static void gofer_io_end(bool released)
{
	vfs_io_end(released);
	if (!released || --unlocked_requests)
		return;
	size_t n = nretired;
	nretired = 0;
	for (size_t i = 0; i < n; i++)   /* (a clunk is never made without the lock) */
		p9_clunk(retired[i].c, retired[i].fid);
}

/* One 9P request made as gofer_io_begin allows, its value.  Its client and
 * fids are read before (they may change once the lock is given up). */
#define UNLOCKED(call) ({                                 \
	bool released_ = gofer_io_begin();                \
	__auto_type result_ = (call);                     \
	gofer_io_end(released_);                          \
	result_;                                          \
})

static void fid_retire(struct p9_client *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	if (!unlocked_requests) {
		p9_clunk(c, fid);
		return;
	}
	if (nretired == retired_cap) {
		size_t cap = retired_cap ? retired_cap * 2 : 16;
		struct retired_fid *r = realloc(retired, cap * sizeof *r);
		if (!r)
			return;   /* never clunked: the fid stays allocated, no number is reused */
		retired = r;
		retired_cap = cap;
	}
	retired[nretired++] = (struct retired_fid){ c, fid };
}

static void attr_to_stat(const struct p9_attr *a, const struct vfs_fs *fs, struct stat *st)
{
	const struct idmap *m = &((const struct goferfs *)fs->priv)->ids;
	memset(st, 0, sizeof *st);
	st->st_dev = fs->dev;
	st->st_ino = a->qid.path;
	st->st_mode = a->mode;
	st->st_nlink = a->nlink;
	st->st_uid = !m->on ? a->uid : idmap_in(m->uid, m->nuid, a->uid, m->overflow_uid);
	st->st_gid = !m->on ? a->gid : idmap_in(m->gid, m->ngid, a->gid, m->overflow_gid);
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = (blksize_t)a->blksize;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim.tv_sec = (time_t)a->atime_sec;
	st->st_atim.tv_nsec = (long)a->atime_nsec;
	st->st_mtim.tv_sec = (time_t)a->mtime_sec;
	st->st_mtim.tv_nsec = (long)a->mtime_nsec;
	st->st_ctim.tv_sec = (time_t)a->ctime_sec;
	st->st_ctim.tv_nsec = (long)a->ctime_nsec;
}

static struct vfs_inode *inode_new(struct vfs_fs *fs, uint32_t fid, const struct p9_attr *a);

static int inode_for_fid(struct vfs_fs *fs, uint32_t fid, struct vfs_inode **out)
{
	struct goferfs *g = fs->priv;
	struct p9_attr a;
	int rc = p9_getattr(g->client, fid, P9_GETATTR_BASIC, &a);
	if (rc < 0)
		return rc;
	*out = inode_new(fs, fid, &a);
	return *out ? 0 : -ENOMEM;
}

/* A new fid on the same file, for an open that must not disturb the inode's. */
static int clone_fid(struct p9_client *c, uint32_t fid, uint32_t *out)
{
	uint32_t nf = p9_fid_alloc(c);
	uint16_t nq = 0;
	int rc = p9_walk(c, fid, nf, 0, NULL, NULL, &nq);
	if (rc < 0)
		return rc;
	*out = nf;
	return 0;
}

static struct vfs_inode *inode_new(struct vfs_fs *fs, uint32_t fid, const struct p9_attr *a)
{
	struct gofer_inode *gi = malloc(sizeof *gi);
	struct vfs_inode *ino = gi ? vfs_inode_new(fs, gi) : NULL;
	if (!ino) {
		free(gi);
		return NULL;
	}
	gi->fid = fid;
	gi->read_fd = -1;
	gi->lru_prev = gi->lru_next = NULL;
	gi->dircache = NULL;
	gi->link = NULL;
	attr_to_stat(a, fs, &ino->attr);
	return ino;
}

/* One round trip: Twalkgetattr, without the sentry lock when the walk
 * allows it (the client is thread-safe; nothing else is touched), as
 * Tmultigetattr (revalidate) and Treadlink. */
static int gofer_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	struct p9_client *c = client_of(dir);
	uint32_t nf = p9_fid_alloc(c), dfid = fid_of(dir);
	struct p9_qid qid;
	struct p9_attr a;
	uint16_t nq = 0;
	const char *names[1] = { name };
	int rc = UNLOCKED(p9_walk_getattr(c, dfid, nf, 1, names, &qid, &nq, &a));
	if (rc < 0 || nq != 1) {
		p9_fid_free(c, nf);
		return rc < 0 ? rc : -ENOENT;
	}
	*out = inode_new(dir->fs, nf, &a);
	if (!*out) {
		p9_clunk(c, nf);
		return -ENOMEM;
	}
	return 0;
}

/*
 * remote_revalidating / none: one Tmultigetattr of the name (no fid) tells
 * whether the cached entry still is the same file.  A positive entry is
 * valid while the name has the same inode number and type (its attributes
 * are refreshed); a negative one while the name is still absent.
 */
static int gofer_revalidate(struct vfs_inode *dir, struct vfs_dentry *d)
{
	struct p9_attr a;
	char name[VFS_NAME_MAX + 1];
	snprintf(name, sizeof name, "%s", d->name);   /* d may be renamed meanwhile */
	const char *names[1] = { name };
	struct p9_client *c = client_of(dir);
	uint32_t fid = fid_of(dir);
	bool released = gofer_io_begin();
	int n = p9_multigetattr(c, fid, 1, names, &a);
	gofer_io_end(released);
	/* (the directory's fid may have been replaced meanwhile: look up again) */
	if (released && n < 0 && n != -ENOENT && n != -EINTR)
		return 1;
	if (n == -ENOENT || n == 0)
		return d->inode ? 1 : 0;
	if (n < 0)
		return n;
	if (!d->inode || a.qid.path != (uint64_t)d->inode->attr.st_ino ||
	    (a.mode & S_IFMT) != (d->inode->attr.st_mode & S_IFMT))
		return 1;
	attr_to_stat(&a, d->inode->fs, &d->inode->attr);
	return 0;
}

/* A symlink's body never changes (a new one is a new file, which a
 * lookup or re-validation sees): kept after the first Treadlink, but under
 * the "none" policy.  The request goes without the lock when the walk
 * allows it. */
static int gofer_readlink(struct vfs_inode *ino, char *buf, size_t cap)
{
	struct gofer_inode *gi = ino->priv;
	char body[VFS_PATH_MAX];
	const char *link = gi->link;
	if (!link) {
		struct p9_client *c = client_of(ino);
		uint32_t fid = gi->fid;
		bool released = gofer_io_begin();
		int rc = p9_readlink(c, fid, body, sizeof body);
		gofer_io_end(released);
		if (rc < 0)
			return rc;
		link = body;
		if (ino->fs->policy != VFS_CACHE_NONE && !gi->link)
			gi->link = strdup(body);   /* (no memory: read again next time) */
	}
	size_t len = strlen(link);
	if (len + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(buf, link, len + 1);
	return (int)len;
}

/*
 * The owner of a new file, as Linux's inode_init_owner(): the creator's
 * fs uid and fs gid (host ids, through the map), but the directory's gid
 * when it is set-gid (left to the host: (uint32_t)-1).  No credentials
 * (the sentry's own creations): the gofer's ids.  The gofer skips ids that
 * are its own, so a root or rootless creator costs no chown.  An fs id the
 * map does not hold cannot own a file: EOVERFLOW, as Linux says.
 */
static int create_owner(const struct vfs_inode *dir, uint32_t *uid, uint32_t *gid)
{
	const struct vfs_cred *c = vfs_current_cred();
	const struct idmap *m = &((const struct goferfs *)dir->fs->priv)->ids;
	*uid = *gid = (uint32_t)-1;
	if (!c)
		return 0;
	int64_t u = m->on ? idmap_out(m->uid, m->nuid, c->fsuid) : c->fsuid;
	int64_t g = m->on ? idmap_out(m->gid, m->ngid, c->fsgid) : c->fsgid;
	if (u < 0 || g < 0)
		return -EOVERFLOW;
	*uid = (uint32_t)u;
	if (!(dir->attr.st_mode & S_ISGID))
		*gid = (uint32_t)g;
	return 0;
}

/* Flags the gofer must not see: creation is Tlcreate's, the rest is the
 * sentry's or the application's business. */
#define OPEN_FLAGS_LOCAL (O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)

/* Opens (name NULL) or creates `name` in, a fresh clone of fid, which is
 * clunked afterwards: the donated host fd keeps the file open on its own. */
static int open_on_clone(struct p9_client *c, uint32_t fid, const char *name, int flags,
			 mode_t mode, uint32_t uid, uint32_t gid, int *host_fd)
{
	uint32_t clone;
	int rc = clone_fid(c, fid, &clone);
	if (rc < 0)
		return rc;
	struct p9_qid qid;
	uint32_t iounit, p9flags = (uint32_t)(flags & ~OPEN_FLAGS_LOCAL);
	int fd = -1;
	rc = name && uid != (uint32_t)-1 ? p9_ucreate(c, clone, name, p9flags, mode, uid, gid, &qid, &fd)
	     : name ? p9_lcreate(c, clone, name, p9flags, mode, gid, &qid, &iounit, &fd)
		    : p9_lopen(c, clone, p9flags, &qid, &iounit, &fd);
	p9_clunk(c, clone);
	if (rc < 0)
		return rc;
	if (fd < 0)
		return -EOPNOTSUPP;   /* a gofer without FD donation cannot serve I/O */
	*host_fd = fd;
	return 0;
}

/* One round trip: Twalkopen of the inode's own fid (no names), which
 * creates no fid on the gofer. */
/* ---- read handles ---------------------------------------------------------- */

static void lru_unlink(struct gofer_inode *gi)
{
	if (gi->lru_prev)
		gi->lru_prev->lru_next = gi->lru_next;
	else if (read_handles.head == gi)
		read_handles.head = gi->lru_next;
	if (gi->lru_next)
		gi->lru_next->lru_prev = gi->lru_prev;
	else if (read_handles.tail == gi)
		read_handles.tail = gi->lru_prev;
	gi->lru_prev = gi->lru_next = NULL;
}

static void lru_push(struct gofer_inode *gi)
{
	gi->lru_next = read_handles.head;
	if (read_handles.head)
		read_handles.head->lru_prev = gi;
	read_handles.head = gi;
	if (!read_handles.tail)
		read_handles.tail = gi;
}

static void drop_read_handle(struct gofer_inode *gi)
{
	if (gi->read_fd < 0)
		return;
	lru_unlink(gi);
	close(gi->read_fd);
	gi->read_fd = -1;
	read_handles.count--;
}

static void keep_read_handle(struct gofer_inode *gi, int fd)
{
	if (read_handles.count >= READ_HANDLES_MAX && read_handles.tail)
		drop_read_handle(read_handles.tail);
	gi->read_fd = fd;
	lru_push(gi);
	read_handles.count++;
}

/* A new open file description of the cached handle: /proc/self/fd/N in
 * the sentry's own procfs (read-only; the policy allows nothing else). */
static int reopen_read_handle(struct vfs_inode *ino, int flags)
{
	struct goferfs *g = ino->fs->priv;
	struct gofer_inode *gi = ino->priv;
	char path[32];
	snprintf(path, sizeof path, "self/fd/%d", gi->read_fd);
	int fd = openat(g->procfd, path,
			O_RDONLY | O_CLOEXEC | (flags & (O_NONBLOCK | O_NOATIME | O_DIRECT | O_SYNC | O_DSYNC)));
	if (fd < 0)
		return -errno;
	lru_unlink(gi);
	lru_push(gi);
	return fd;
}

static bool shares_read_handle(struct vfs_inode *ino, int flags)
{
	struct goferfs *g = ino->fs->priv;
	return g->procfd >= 0 && ino->fs->policy != VFS_CACHE_NONE && S_ISREG(ino->attr.st_mode) &&
	       (flags & O_ACCMODE) == O_RDONLY && !(flags & O_TRUNC);
}

/* One round trip: Twalkopen of the inode's own fid (no names), which
 * creates no fid on the gofer. */
static int open_fid(struct p9_client *c, uint32_t fid, int flags, int *fd)
{
	struct p9_qid qid;
	int rc = p9_walk_open(c, fid, 0, NULL, (uint32_t)(flags & ~OPEN_FLAGS_LOCAL), &qid, fd);
	if (rc == -EOPNOTSUPP)   /* a gofer without the extension */
		rc = open_on_clone(c, fid, NULL, flags, 0, (uint32_t)-1, 0, fd);
	return rc;
}

static int open_through_gofer(struct vfs_inode *ino, int flags, int *fd)
{
	return open_fid(client_of(ino), fid_of(ino), flags, fd);
}

/* As open_through_gofer, without the sentry lock when the caller allows
 * it.  The inode's fid may be replaced meanwhile (a rename re-points it):
 * an open that failed then is made again, with the lock. */
static int open_released(struct vfs_inode *ino, int flags, int *fd)
{
	struct gofer_inode *gi = ino->priv;
	struct p9_client *c = client_of(ino);
	uint32_t fid = gi->fid;
	bool released = gofer_io_begin();
	int rc = open_fid(c, fid, flags, fd);
	gofer_io_end(released);
	if (released && rc < 0 && rc != -EINTR && gi->fid != fid)
		rc = open_through_gofer(ino, flags, fd);
	return rc;
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/*
 * overlayfs_stale_read (the seed's): on an overlayfs host, the first write
 * open copies the file up to the upper layer, and a read handle taken
 * before still reads the lower file.  Re-create the read handle and dup3 it
 * onto the old number, so later read opens see the new data; if no new
 * handle can be had, keep the old one and say so.  (Since Linux 4.19
 * overlayfs re-targets old descriptions after a copy-up by itself, so on
 * current kernels this only matters for the handle's own description.)
 */
static void refresh_read_handle_after_write(struct vfs_inode *ino)
{
	struct gofer_inode *gi = ino->priv;
	struct statfs sf;
	if (gi->read_fd < 0 || fstatfs(gi->read_fd, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC)
		return;
	int fd = -1;
	if (open_through_gofer(ino, O_RDONLY, &fd) < 0 || fd < 0) {
		debugf("overlayfs: cannot refresh the read handle of inode %llu; keeping the old one",
		       (unsigned long long)ino->attr.st_ino);
		return;
	}
	dup3(fd, gi->read_fd, O_CLOEXEC);
	close(fd);
}

static int gofer_open(struct vfs_inode *ino, int flags, struct vfs_open_result *res)
{
	struct gofer_inode *gi = ino->priv;
	bool shared = shares_read_handle(ino, flags);
	if (shared && gi->read_fd >= 0) {
		int fd = reopen_read_handle(ino, flags);
		if (fd >= 0) {
			res->host_fd = fd;
			return 0;
		}
		drop_read_handle(gi);   /* stale or refused: ask the gofer again */
	}
	int fd = -1;
	int rc = open_released(ino, flags, &fd);
	if (rc < 0)
		return rc;
	/* (another open may have kept a handle meanwhile: this fd is the
	 * application's own then) */
	if (shared && gi->read_fd < 0) {
		/* keep the donated FD as the handle; the application gets a
		 * description of its own */
		keep_read_handle(gi, fd);
		int own = reopen_read_handle(ino, flags);
		if (own < 0) {
			gi->read_fd = -1;   /* hand the handle itself over instead */
			lru_unlink(gi);
			read_handles.count--;
			own = fd;
		}
		fd = own;
	} else if ((flags & O_ACCMODE) != O_RDONLY) {
		refresh_read_handle_after_write(ino);
	}
	if (flags & O_TRUNC)
		ino->attr.st_size = 0;
	res->host_fd = fd;
	return 0;
}

static int gofer_create(struct vfs_inode *dir, const char *name, int flags, mode_t mode,
			struct vfs_inode **out, struct vfs_open_result *res)
{
	int fd;
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0)
		return rc;
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	/* (the clone fid is this call's own) */
	rc = UNLOCKED(open_on_clone(c, dfid, name, flags, mode, uid, gid, &fd));
	if (rc < 0)
		return rc;
	rc = gofer_lookup(dir, name, out);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	res->host_fd = fd;
	return 0;
}

/*
 * O_TMPFILE: Ttmpfile makes the unnamed file on the host and binds a new fid
 * to it, which becomes the inode's (its attributes, chmod, xattrs and a
 * later link go through that fid).  The gofer cannot re-open a file without
 * a name, so until it is linked the only descriptions are the one donated
 * here and its dups.  The owner is the creator's (create_owner).
 */
static int gofer_tmpfile(struct vfs_inode *dir, int flags, mode_t mode, struct vfs_inode **out,
			 struct vfs_open_result *res)
{
	struct p9_client *c = client_of(dir);
	uint32_t nf = p9_fid_alloc(c);
	uint32_t p9flags = (uint32_t)((flags & ~(OPEN_FLAGS_LOCAL | (O_TMPFILE & ~O_DIRECTORY))) |
				      (flags & O_EXCL));
	struct p9_qid qid;
	int fd = -1;
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0) {
		p9_fid_free(c, nf);
		return rc;
	}
	/* (the caller allows no release) */
	uint32_t dfid = fid_of(dir);
	rc = UNLOCKED(p9_tmpfile(c, dfid, nf, p9flags, mode & 07777, uid, gid, &qid, &fd));
	if (rc < 0) {
		p9_fid_free(c, nf);
		return rc;
	}
	rc = inode_for_fid(dir->fs, nf, out);
	if (rc < 0) {
		close(fd);
		p9_clunk(c, nf);
		return rc;
	}
	res->host_fd = fd;
	return 0;
}

/* The fid a directory is listed through.  Our gofer lists the inode's own
 * walked fid (PROTOCOL.md §5: one Treaddir per chunk, nothing to open or
 * clunk, where plain 9P2000.L needs a clone opened for it). */
static int dir_fid(struct vfs_file *f, uint32_t *out)
{
	struct vfs_inode *ino = f->path.dentry->inode;
	struct gofer_dir *gd = f->priv;
	if (p9_client_has_fd_donation(client_of(ino))) {
		*out = fid_of(ino);
		return 0;
	}
	if (!gd) {
		gd = malloc(sizeof *gd);
		if (!gd)
			return -ENOMEM;
		gd->fid = P9_NOFID;
		f->priv = gd;
	}
	if (gd->fid == P9_NOFID) {
		struct p9_client *c = client_of(ino);
		uint32_t fid;
		int rc = clone_fid(c, fid_of(ino), &fid);
		if (rc < 0)
			return rc;
		struct p9_qid qid;
		uint32_t iounit;
		int fd = -1;
		rc = p9_lopen(c, fid, O_RDONLY | O_DIRECTORY, &qid, &iounit, &fd);
		if (fd >= 0)
			close(fd);   /* never expected for a directory; never kept */
		if (rc < 0) {
			p9_clunk(c, fid);
			return rc;
		}
		gd->fid = fid;
	}
	*out = gd->fid;
	return 0;
}

static void dircache_free(struct dircache *dc)
{
	if (!dc)
		return;
	for (size_t i = 0; i < dc->n; i++)
		free(dc->e[i].name);
	free(dc->e);
	free(dc);
}

/* An emit() that records entries into a dircache (false: too many). */
static bool dircache_add(void *arg, uint64_t ino, uint64_t next, uint8_t type,
			 const char *name, size_t namelen)
{
	struct dircache *dc = arg;
	if (dc->n >= DIRCACHE_MAX) {
		dc->incomplete = true;
		return false;
	}
	if (dc->n >= 16 && (dc->n & (dc->n - 1)) == 0) {   /* grow at powers of two */
		struct cached_dirent *e = realloc(dc->e, dc->n * 2 * sizeof *e);
		if (!e) {
			dc->incomplete = true;
			return false;
		}
		dc->e = e;
	}
	char *copy = strndup(name, namelen);
	if (!copy) {
		dc->incomplete = true;
		return false;
	}
	dc->e[dc->n++] = (struct cached_dirent){ ino, next, type, copy };
	return true;
}

static int readdir_through_gofer(struct vfs_file *f, uint64_t *pos,
				 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
					      const char *name, size_t namelen), void *arg);

/* The cached listing of f's directory, filled on first use; NULL when the
 * policy does not cache or the directory is too large. */
static struct dircache *dircache_get(struct vfs_file *f)
{
	struct vfs_inode *ino = f->path.dentry->inode;
	struct gofer_inode *gi = ino->priv;
	if (ino->fs->policy >= VFS_CACHE_REMOTE_REVALIDATING)
		return NULL;
	if (gi->dircache && gi->dircache->gen == ino->dir_gen)
		return gi->dircache;
	dircache_free(gi->dircache);
	gi->dircache = NULL;
	struct dircache *dc = calloc(1, sizeof *dc);
	if (dc)
		dc->e = malloc(16 * sizeof *dc->e);
	if (!dc || !dc->e) {
		free(dc);
		return NULL;
	}
	dc->gen = ino->dir_gen;
	uint64_t p = 0;
	int rc = readdir_through_gofer(f, &p, dircache_add, dc);
	/* (the lock may have been given up: a change meanwhile makes this
	 * listing one not to keep, and another reader may have kept its own) */
	if (rc < 0 || dc->incomplete || dc->gen != ino->dir_gen) {
		dircache_free(dc);
		return NULL;
	}
	dircache_free(gi->dircache);
	gi->dircache = dc;
	return dc;
}

static int gofer_readdir(struct vfs_file *f, uint64_t *pos,
			 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				      const char *name, size_t namelen), void *arg)
{
	struct dircache *dc = dircache_get(f);
	if (!dc)
		return readdir_through_gofer(f, pos, emit, arg);
	size_t i = 0;
	if (*pos != 0) {
		while (i < dc->n && dc->e[i].next != *pos)
			i++;
		if (i == dc->n)   /* a position the listing does not know: ask the gofer */
			return readdir_through_gofer(f, pos, emit, arg);
		i++;
	}
	for (; i < dc->n; i++) {
		const struct cached_dirent *e = &dc->e[i];
		if (!emit(arg, e->ino, e->next, e->type, e->name, strlen(e->name)))
			return 0;
		*pos = e->next;
	}
	return 0;
}

static int readdir_through_gofer(struct vfs_file *f, uint64_t *pos,
				 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
					      const char *name, size_t namelen), void *arg)
{
	struct p9_client *c = client_of(f->path.dentry->inode);
	char buf[8192];
	for (;;) {
		/* the fid again each time: a rename may have replaced it while the
		 * lock was given up (the old one stays valid until then: fid_retire) */
		uint32_t fid;
		int rc = dir_fid(f, &fid);
		if (rc < 0)
			return rc;
		bool end;
		bool released = gofer_io_begin();
		int n = p9_readdir_end(c, fid, *pos, sizeof buf, buf, &end);
		gofer_io_end(released);
		if (n <= 0)
			return n;
		size_t at = 0;
		struct p9_dirent e;
		while ((rc = p9_dirent_next(buf, (size_t)n, &at, &e)) == 1) {
			if (e.namelen == 0 || e.namelen > VFS_NAME_MAX)
				return -EIO;   /* a gofer that sends this is broken or hostile */
			char name[VFS_NAME_MAX + 1];
			memcpy(name, e.name, e.namelen);
			name[e.namelen] = 0;
			if (memchr(name, '/', e.namelen))
				return -EIO;
			if (!emit(arg, e.qid.path, e.offset, e.type, name, e.namelen))
				return 0;
			*pos = e.offset;
		}
		if (rc < 0)
			return -EIO;
		if (end)
			return 0;   /* the gofer said so: no Treaddir just to hear it */
	}
}

static int gofer_statfs(struct vfs_inode *ino, struct statfs *out)
{
	struct p9_statfs s;
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	int rc = UNLOCKED(p9_statfs(c, fid, &s));
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof *out);
	out->f_type = V9FS_MAGIC;
	out->f_bsize = s.bsize;
	out->f_blocks = s.blocks;
	out->f_bfree = s.bfree;
	out->f_bavail = s.bavail;
	out->f_files = s.files;
	out->f_ffree = s.ffree;
	out->f_namelen = s.namelen;
	out->f_frsize = s.bsize;
	memcpy(&out->f_fsid, &s.fsid, sizeof out->f_fsid);
	return 0;
}

/*
 * Under the exclusive policies a regular file changes only through the
 * sandbox — natively, through the FDs it holds (size, times), or by the
 * sentry (links).  A host FD of the file then tells what the gofer would,
 * without a round trip: the cached read handle (taken now if there is
 * none) is fstat'ed.  The mode too (a chown or a write clears set-id
 * bits); the ids stay the cache's (the gofer's view of them, which the
 * sentry's user namespace may not share; only the sentry changes them).
 * 1 when done this way, 0 when not possible.
 */
static int refresh_from_host_fd(struct vfs_inode *ino)
{
	struct gofer_inode *gi = ino->priv;
	if (ino->fs->policy >= VFS_CACHE_REMOTE_REVALIDATING || !shares_read_handle(ino, O_RDONLY))
		return 0;
	if (gi->read_fd < 0) {
		int fd = -1;
		if (open_through_gofer(ino, O_RDONLY, &fd) < 0 || fd < 0)
			return 0;
		keep_read_handle(gi, fd);
	}
	struct stat hs;
	if (fstat(gi->read_fd, &hs) < 0 || (uint64_t)hs.st_ino != (uint64_t)ino->attr.st_ino)
		return 0;
	ino->attr.st_mode = hs.st_mode;
	ino->attr.st_size = hs.st_size;
	ino->attr.st_blocks = hs.st_blocks;
	ino->attr.st_nlink = hs.st_nlink;
	ino->attr.st_atim = hs.st_atim;
	ino->attr.st_mtim = hs.st_mtim;
	ino->attr.st_ctim = hs.st_ctim;
	return 1;
}

static int gofer_refresh(struct vfs_inode *ino)
{
	if (refresh_from_host_fd(ino))
		return 0;
	struct p9_attr a;
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	bool released = gofer_io_begin();
	int rc = p9_getattr(c, fid, P9_GETATTR_BASIC, &a);
	gofer_io_end(released);
	/* (a change made meanwhile marked it stale: what it wrote is newer) */
	if (rc == 0 && !(released && ino->attr_stale))
		attr_to_stat(&a, ino->fs, &ino->attr);
	return rc;
}

/* ---- changes ------------------------------------------------------------------ */

/*
 * The requests of changes go without the sentry lock when the handler
 * allows it (fs->unlocked_changes: it holds the directories and inodes it
 * changes, vfs_inode_lock).  Client and fids are read before the lock is
 * given up: a rename of the directory itself (its parent's change) may
 * replace its fid meanwhile, and the old one stays valid until the request
 * ends (fid_retire).  The lookup of the new name after a create releases
 * the lock the same way.
 */
static int gofer_mkdir(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	struct p9_qid qid;
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0)
		return rc;
	rc = UNLOCKED(uid != (uint32_t)-1 ? p9_umkdir(c, dfid, name, mode & 07777, uid, gid, &qid)
		      : p9_mkdir(c, dfid, name, mode & 07777, gid, &qid));
	return rc < 0 ? rc : gofer_lookup(dir, name, out);
}

static int gofer_mknod(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	struct p9_qid qid;
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0)
		return rc;
	rc = UNLOCKED(uid != (uint32_t)-1 ? p9_umknod(c, dfid, name, mode, uid, gid, &qid)
		      : p9_mknod(c, dfid, name, mode, 0, 0, gid, &qid));
	return rc < 0 ? rc : gofer_lookup(dir, name, out);
}

/* bind(2) on a gofer mount: the gofer binds the application's socket (the
 * sentry's duplicate, the same description) to a host socket file, which
 * a host process can connect to, and the sandbox through Tlconnect. */
static int gofer_bind(struct vfs_inode *dir, const char *name, mode_t mode, int sock,
		      struct vfs_inode **out)
{
	struct p9_qid qid;
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0)
		return rc;
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	rc = UNLOCKED(p9_bind(c, dfid, name, mode & 07777, uid, gid, sock, &qid));
	return rc < 0 ? rc : gofer_lookup(dir, name, out);
}

static int gofer_symlink(struct vfs_inode *dir, const char *name, const char *target,
			 struct vfs_inode **out)
{
	struct p9_qid qid;
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	uint32_t uid, gid;
	int rc = create_owner(dir, &uid, &gid);
	if (rc < 0)
		return rc;
	rc = UNLOCKED(uid != (uint32_t)-1 ? p9_usymlink(c, dfid, name, target, uid, gid, &qid)
		      : p9_symlink(c, dfid, name, target, gid, &qid));
	return rc < 0 ? rc : gofer_lookup(dir, name, out);
}

/* The new name gets an inode (and fid) of its own: the gofer opens files by
 * parent and name, so a fid must name a path that exists. */
static int gofer_link(struct vfs_inode *dir, const char *name, struct vfs_inode *target,
		      struct vfs_inode **out)
{
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir), tfid = fid_of(target);
	int rc = UNLOCKED(p9_link(c, dfid, tfid, name));
	return rc < 0 ? rc : gofer_lookup(dir, name, out);
}

static int gofer_unlink(struct vfs_inode *dir, const char *name, bool is_dir)
{
	struct p9_client *c = client_of(dir);
	uint32_t dfid = fid_of(dir);
	return UNLOCKED(p9_unlinkat(c, dfid, name, is_dir ? AT_REMOVEDIR : 0));
}

/* After a rename the moved inode's fid still names the old place on the
 * gofer (which reopens files by parent and name): walk a fresh fid to the
 * new name and swap it in. */
/* The gofer moves the fids of a renamed file itself; walking a fresh one to
 * the new name anyway keeps ino's fid right should it not have followed. */
static void refid(struct vfs_inode *dir, const char *name, struct vfs_inode *ino)
{
	struct p9_client *c = client_of(dir);
	uint32_t nf = p9_fid_alloc(c), dfid = fid_of(dir);
	struct p9_qid qid;
	uint16_t nq = 0;
	const char *names[1] = { name };
	int rc = UNLOCKED(p9_walk(c, dfid, nf, 1, names, &qid, &nq));
	if (rc == 0 && nq == 1) {
		struct gofer_inode *gi = ino->priv;
		fid_retire(c, gi->fid);
		gi->fid = nf;
	} else {
		p9_fid_free(c, nf);
	}
}

static int gofer_rename(struct vfs_inode *old_dir, const char *old_name, struct vfs_inode *new_dir,
			const char *new_name, struct vfs_inode *moved)
{
	struct p9_client *c = client_of(old_dir);
	uint32_t ofid = fid_of(old_dir), nfid = fid_of(new_dir);
	int rc = UNLOCKED(p9_renameat(c, ofid, old_name, nfid, new_name));
	if (rc < 0)
		return rc;
	refid(new_dir, new_name, moved);
	return 0;
}

static int gofer_rename_flags(struct vfs_inode *old_dir, const char *old_name,
			      struct vfs_inode *new_dir, const char *new_name, unsigned flags,
			      struct vfs_inode *moved, struct vfs_inode *other)
{
	struct p9_client *c = client_of(old_dir);
	uint32_t ofid = fid_of(old_dir), nfid = fid_of(new_dir);
	int rc = UNLOCKED(p9_renameat2(c, ofid, old_name, nfid, new_name, flags));
	if (rc == -EOPNOTSUPP)
		rc = -EINVAL;   /* a gofer without the extension: as a filesystem without the flag */
	if (rc < 0)
		return rc;
	refid(new_dir, new_name, moved);
	if (other)
		refid(old_dir, old_name, other);
	return 0;
}

static int gofer_setattr(struct vfs_inode *ino, const struct vfs_setattr *a)
{
	/* an id the user namespace does not map is EINVAL, as chown(2) says */
	const struct idmap *m = &((const struct goferfs *)ino->fs->priv)->ids;
	uint32_t uid = a->uid, gid = a->gid;
	if (m->on && (a->valid & VFS_SET_UID)) {
		int64_t h = idmap_out(m->uid, m->nuid, a->uid);
		if (h < 0)
			return -EINVAL;
		uid = (uint32_t)h;
	}
	if (m->on && (a->valid & VFS_SET_GID)) {
		int64_t h = idmap_out(m->gid, m->ngid, a->gid);
		if (h < 0)
			return -EINVAL;
		gid = (uint32_t)h;
	}
	/* VFS_SET_* bits are the 9P2000.L setattr bits */
	struct p9_setattr p = {
		.valid = a->valid,
		.mode = a->mode,
		.uid = uid,
		.gid = gid,
		.size = (uint64_t)a->size,
		.atime_sec = (uint64_t)a->atime.tv_sec,
		.atime_nsec = (uint64_t)a->atime.tv_nsec,
		.mtime_sec = (uint64_t)a->mtime.tv_sec,
		.mtime_nsec = (uint64_t)a->mtime.tv_nsec,
	};
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	return UNLOCKED(p9_setattr(c, fid, &p));
}

/* The xattr requests go without the lock when the caller allows it
 * (sentry/xattr.c; the xattr fid is the request's own). */
static ssize_t gofer_getxattr(struct vfs_inode *ino, const char *name, void *buf, size_t cap)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	return UNLOCKED(p9_getxattr(c, fid, name, buf, cap));
}

static ssize_t gofer_listxattr(struct vfs_inode *ino, char *buf, size_t cap)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	return UNLOCKED(p9_listxattr(c, fid, buf, cap));
}

static int gofer_setxattr(struct vfs_inode *ino, const char *name, const void *value, size_t size,
			  int flags)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	return UNLOCKED(p9_setxattr(c, fid, name, value, size, flags));
}

static int gofer_removexattr(struct vfs_inode *ino, const char *name)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	return UNLOCKED(p9_removexattr(c, fid, name));
}

/* Sockets on a gofer mount are the host's: the gofer connects (Tlconnect). */
static int gofer_connect(struct vfs_inode *ino, int type, int *sock_fd)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	/* (the gofer may wait for the listener) */
	return UNLOCKED(p9_lconnect(c, fid, type, sock_fd));
}

/* The gofer adds the watch on the host object the fid names (Tinotify),
 * for the instance sent along: events come from the host kernel, with the
 * host's names, which on a gofer mount are the sandbox's. */
static int gofer_add_watch(struct vfs_inode *ino, int inotify_fd, uint32_t mask)
{
	struct p9_client *c = client_of(ino);
	uint32_t fid = fid_of(ino);
	/* (only when the caller allows it) */
	return UNLOCKED(p9_inotify_add_watch(c, fid, mask, inotify_fd));
}

_Static_assert(VFS_SET_MODE == P9_SETATTR_MODE && VFS_SET_UID == P9_SETATTR_UID &&
	       VFS_SET_GID == P9_SETATTR_GID && VFS_SET_SIZE == P9_SETATTR_SIZE &&
	       VFS_SET_ATIME == P9_SETATTR_ATIME && VFS_SET_MTIME == P9_SETATTR_MTIME &&
	       VFS_SET_ATIME_SET == P9_SETATTR_ATIME_SET && VFS_SET_MTIME_SET == P9_SETATTR_MTIME_SET,
	       "VFS setattr bits are the 9P2000.L ones");

static void gofer_release_file(struct vfs_file *f)
{
	struct gofer_dir *gd = f->priv;
	if (gd && gd->fid != P9_NOFID)
		fid_retire(client_of(f->path.dentry->inode), gd->fid);
	free(gd);
	f->priv = NULL;
}

static void gofer_release(struct vfs_inode *ino)
{
	struct gofer_inode *gi = ino->priv;
	dircache_free(gi->dircache);
	free(gi->link);
	drop_read_handle(ino->priv);
	fid_retire(client_of(ino), fid_of(ino));
	free(ino->priv);
}

static const struct vfs_fs_ops goferfs_ops = {
	.name = "9p",
	.lookup = gofer_lookup,
	.readlink = gofer_readlink,
	.open = gofer_open,
	.create = gofer_create,
	.tmpfile = gofer_tmpfile,
	.readdir = gofer_readdir,
	.statfs = gofer_statfs,
	.refresh = gofer_refresh,
	.revalidate = gofer_revalidate,
	.mkdir = gofer_mkdir,
	.mknod = gofer_mknod,
	.symlink = gofer_symlink,
	.link = gofer_link,
	.unlink = gofer_unlink,
	.rename = gofer_rename,
	.rename_flags = gofer_rename_flags,
	.setattr = gofer_setattr,
	.getxattr = gofer_getxattr,
	.listxattr = gofer_listxattr,
	.setxattr = gofer_setxattr,
	.removexattr = gofer_removexattr,
	.connect = gofer_connect,
	.bind = gofer_bind,
	.add_watch = gofer_add_watch,
	.release_file = gofer_release_file,
	.release = gofer_release,
};


/* The ranges of self/uid_map (or gid_map): how many (0: unreadable or
 * not understood), or -1 for the identity of the whole range. */
static int read_ranges(int procfd, const char *file, struct idmap_range *r)
{
	char buf[4096];
	int fd = procfd >= 0 ? openat(procfd, file, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	int nr = 0;
	for (char *line = buf, *next; *line && nr < IDMAP_RANGES; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		unsigned long long inside, host, count;
		int used = 0;
		if (sscanf(line, " %llu %llu %llu %n", &inside, &host, &count, &used) != 3 ||
		    line + used != next || inside > UINT32_MAX || host > UINT32_MAX || count == 0 ||
		    count > UINT32_MAX || inside + count > (1ULL << 32) || host + count > (1ULL << 32))
			return 0;
		if (inside == 0 && host == 0 && count == UINT32_MAX && nr == 0 && !*next)
			return -1;
		r[nr++] = (struct idmap_range){ (uint32_t)inside, (uint32_t)host, (uint32_t)count };
	}
	return nr;
}

static uint32_t overflow_id(int procfd, const char *file)
{
	char buf[32];
	int fd = procfd >= 0 ? openat(procfd, file, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 65534;
	buf[n] = 0;
	return (uint32_t)strtoul(buf, NULL, 10);
}

static void read_idmap(int procfd, struct idmap *m)
{
	*m = (struct idmap){ 0 };
	m->nuid = read_ranges(procfd, "self/uid_map", m->uid);
	m->ngid = read_ranges(procfd, "self/gid_map", m->gid);
	/* (unreadable maps: the identity, as before any map was read) */
	m->on = m->nuid > 0 && m->ngid > 0;
	if (!m->on)
		return;
	m->overflow_uid = overflow_id(procfd, "sys/kernel/overflowuid");
	m->overflow_gid = overflow_id(procfd, "sys/kernel/overflowgid");
}

int goferfs_new(struct vfs_fs **out, struct p9_client *c, uint32_t root_fid,
		bool readonly, enum vfs_cache_policy policy, int procfd, struct vfs_inode **root)
{
	static unsigned next_minor = 1;
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	struct goferfs *g = calloc(1, sizeof *g);
	if (!fs || !g) {
		free(fs);
		free(g);
		return -ENOMEM;
	}
	g->client = c;
	g->procfd = procfd;
	read_idmap(procfd, &g->ids);
	fs->ops = &goferfs_ops;
	fs->priv = g;
	fs->readonly = readonly;
	fs->policy = policy;
	fs->unlocked_changes = true;
	fs->dev = makedev(0, 0x40 + next_minor++);
	int rc = inode_for_fid(fs, root_fid, root);
	if (rc < 0) {
		free(fs);
		free(g);
		return rc;
	}
	*out = fs;
	return 0;
}
