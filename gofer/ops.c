/*
 * gofer operations: session, walk, open/create, readdir, readlink, statfs,
 * clunk, the helpers every operation file shares, and the callback table.
 * The other operations live in ops_tree.c (entries), ops_attr.c (setattr,
 * fsync), ops_io.c (read, write, locks) and ops_xattr.c.
 * Confinement rules are stated in gofer/gofer.h.
 */
#include "gofer/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

struct p9_qid gofer_qid_of(const struct stat *st)
{
	struct p9_qid q = { P9_QTFILE, 0, (uint64_t)st->st_ino };

	if (S_ISDIR(st->st_mode))
		q.type = P9_QTDIR;
	else if (S_ISLNK(st->st_mode))
		q.type = P9_QTSYMLINK;
	return q;
}

int gofer_stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/*
 * Host kernel filesystems are never served beneath their root: procfs would
 * show host pids and, through /proc/PID/root and /proc/PID/fd, every file of
 * every host process; sysfs, cgroupfs, debugfs and the like expose and
 * control the host.  Their mount point itself may be walked to (so the
 * sandbox can list and cover it), but not through, opened or read.  This
 * holds even when the gofer runs unprivileged and cannot unmount them.
 */
bool gofer_on_host_pseudo_fs(int fd)
{
	static const unsigned long denied[] = {
		0x9fa0,      /* proc */        0x62656572, /* sysfs */
		0x64626720,  /* debugfs */     0x74726163, /* tracefs */
		0x73636673,  /* securityfs */  0x27e0eb,   /* cgroup */
		0x63677270,  /* cgroup2 */     0xcafe4a11, /* bpf */
		0x1cd1,      /* devpts */      0x62656570, /* configfs */
		0x6165676c,  /* pstore */      0xde5e81e4, /* efivarfs */
		0x42494e4d,  /* binfmt_misc */ 0x65735543, /* fusectl */
		0x6e736673,  /* nsfs */
	};
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return true;   /* fail closed */
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if ((unsigned long)sf.f_type == denied[i])
			return true;
	return false;
}

static void op_reset(void *arg, uint32_t msize, bool fd_donation)
{
	struct gofer_conn *c = arg;

	gofer_fids_clear(c);
	c->fd_donation = fd_donation;
	/* Creation modes arrive with the application's umask already applied
	 * by the sentry: the host file must get exactly that mode. */
	umask(0);
}

static int op_attach(void *arg, const struct p9_tattach *t, struct p9_rattach *r)
{
	struct gofer_conn *c = arg;
	const struct gofer_mount *m = NULL;
	struct gofer_handle *h;
	struct gofer_fid *f;
	struct stat st;
	int fd, rc;

	if (t->afid != P9_NOFID)
		return -EINVAL; /* no authentication in runsc-lite */
	for (size_t i = 0; i < c->cfg->nmounts && !m; i++) {
		const char *a = c->cfg->mounts[i].aname ? c->cfg->mounts[i].aname : "";

		if (p9_str_eq(t->aname, a)) /* exact bytes: "root\0x" != "root" */
			m = &c->cfg->mounts[i];
	}
	if (!m)
		return -ENOENT;
	if (gofer_fid_lookup(c, t->fid))
		return -EEXIST;
	fd = fcntl(m->root_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = gofer_stat_fd(fd, &st);
	if (rc == 0 && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	h = gofer_handle_new(fd, &st);
	if (!h)
		return -ENOMEM;
	rc = gofer_fid_create(c, t->fid, &f);
	if (rc < 0) {
		gofer_handle_put(h);
		return rc;
	}
	gofer_fid_set_node(c, f, m, h, NULL, "", S_IFDIR);
	r->qid = gofer_qid_of(&st);
	return 0;
}

/*
 * Walks the names from src one component at a time into tmp (a fid that is
 * not in the table).  Never follows a symlink (O_NOFOLLOW gives the link
 * itself, and a link is not a directory, so the next step from it fails
 * with ENOTDIR), never walks beneath a host pseudo-filesystem.  Returns the
 * number of names walked (qids filled), or a negative errno when the first
 * step fails; tmp holds references only when every name was walked.
 */
static int walk_names(struct gofer_fid *src, const struct p9_wnames *w, struct p9_qid *qids,
		      struct gofer_fid *tmp)
{
	char names[P9_MAXWELEM][GOFER_NAME_MAX + 1];
	struct gofer_handle *node, *parent;
	const char *name;
	mode_t type;
	unsigned i, n = w->n;
	int rc = 0;

	/* Every name is checked before anything is touched. */
	for (i = 0; i < n; i++) {
		rc = gofer_name_check(w->name[i], names[i]);
		if (rc < 0)
			return rc;
	}
	struct gofer_handle *src_parent;
	gofer_fid_where(src, &src_parent, &name);   /* (op_walk holds the names lock) */
	node = gofer_handle_get(src->node);
	parent = gofer_handle_get(src_parent);
	type = src->type;
	for (i = 0; i < n; i++) {
		struct gofer_handle *h;
		struct stat st;
		int fd;

		if (gofer_on_host_pseudo_fs(node->fd)) {
			rc = -ENOENT;
			break;
		}
		fd = openat(node->fd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			break;
		}
		rc = gofer_stat_fd(fd, &st);
		if (rc < 0) {
			close(fd);
			break;
		}
		h = gofer_handle_new(fd, &st);
		if (!h) {
			rc = -ENOMEM;
			break;
		}
		gofer_handle_put(parent);
		parent = node;
		node = h;
		name = names[i];
		type = st.st_mode & S_IFMT;
		qids[i] = gofer_qid_of(&st);
	}
	if (i < n) {
		gofer_handle_put(node);
		gofer_handle_put(parent);
		return i == 0 ? rc : (int)i;
	}
	tmp->mount = src->mount;
	tmp->node = node;
	tmp->parent = parent;
	memcpy(tmp->name, name, strlen(name) + 1);
	tmp->type = type;
	return (int)n;
}

static int op_walk(void *arg, const struct p9_twalk *t, struct p9_rwalk *r)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *src = gofer_fid_lookup(c, t->fid), *dst, tmp;
	int rc;

	if (!src)
		return -EBADF;
	if (src->opened)
		return -EBUSY; /* 9P: an opened fid cannot be walked */
	if (t->newfid != t->fid) {
		if (gofer_fid_lookup(c, t->newfid))
			return -EEXIST;
		if (c->nfids >= GOFER_MAX_FIDS)
			return -ENFILE;
	} else if (t->wname.n == 0) {
		return 0; /* cloning a fid onto itself */
	}
	/* no rename from reading the names to the new fid in the table, where
	 * renames find it (rule 6) */
	gofer_names_hold();
	rc = walk_names(src, &t->wname, r->wqid.qid, &tmp);
	if (rc >= 0)
		r->wqid.n = (uint16_t)rc;
	if (rc < 0 || rc < t->wname.n) {
		gofer_names_release();
		return rc < 0 ? rc : 0; /* stopped early: a partial Rwalk, newfid not created */
	}
	if (t->newfid == t->fid) {
		dst = src;
		gofer_fid_release(c, dst);
	} else {
		rc = gofer_fid_create(c, t->newfid, &dst);
		if (rc < 0) {
			gofer_names_release();
			gofer_handle_put(tmp.node);
			gofer_handle_put(tmp.parent);
			return rc;
		}
	}
	gofer_fid_set_node(c, dst, tmp.mount, tmp.node, tmp.parent, tmp.name, tmp.type);
	gofer_names_release();
	if (src->unnamed && dst != src) {
		/* a clone (no names: a file has no children) of an unnamed
		 * file is one too, with the same FD and no more rights */
		dst->unnamed = true;
		dst->linkable = src->linkable;
		dst->open_acc = src->open_acc;
	}
	return 0;
}

static int op_getattr(void *arg, const struct p9_tgetattr *t, struct p9_attr *r)
{
	struct gofer_fid *f = gofer_fid_lookup(arg, t->fid);
	struct stat st;
	int rc;

	if (!f)
		return -EBADF;
	rc = gofer_stat_fd(f->node->fd, &st);
	if (rc < 0)
		return rc;
	gofer_attr_of(&st, r);
	return 0;
}

void gofer_attr_of(const struct stat *st_in, struct p9_attr *r)
{
	const struct stat st = *st_in;

	r->valid = P9_GETATTR_BASIC;
	r->qid = gofer_qid_of(&st);
	r->mode = st.st_mode;
	r->uid = st.st_uid;
	r->gid = st.st_gid;
	r->nlink = st.st_nlink;
	r->rdev = st.st_rdev;
	r->size = (uint64_t)st.st_size;
	r->blksize = (uint64_t)st.st_blksize;
	r->blocks = (uint64_t)st.st_blocks;
	r->atime_sec = (uint64_t)st.st_atim.tv_sec;
	r->atime_nsec = (uint64_t)st.st_atim.tv_nsec;
	r->mtime_sec = (uint64_t)st.st_mtim.tv_sec;
	r->mtime_nsec = (uint64_t)st.st_mtim.tv_nsec;
	r->ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	r->ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
}

bool gofer_same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int gofer_node_fid(struct gofer_conn *c, uint32_t num, struct gofer_fid **out)
{
	struct gofer_fid *f = gofer_fid_lookup(c, num);

	if (!f)
		return -EBADF;
	if (f->xattr)
		return -EINVAL; /* an xattr fid only reads, writes and clunks */
	if (gofer_on_host_pseudo_fs(f->node->fd))
		return -EACCES;
	*out = f;
	return 0;
}

int gofer_dir_entry(struct gofer_conn *c, uint32_t num, struct p9_str name,
		    char out[GOFER_NAME_MAX + 1], struct gofer_fid **dir)
{
	int rc = gofer_node_fid(c, num, dir);

	if (rc < 0)
		return rc;
	if (!S_ISDIR((*dir)->type))
		return -ENOTDIR;
	rc = gofer_name_check(name, out);
	if (rc < 0)
		return rc;
	return (*dir)->mount->readonly ? -EROFS : 0;
}

int gofer_check_name(const struct gofer_fid *f, const struct gofer_name *n, struct stat *st)
{
	struct stat cur;
	int rc;

	if (n->dfd < 0)
		return -EBUSY; /* a mount root has no name to act on */
	rc = gofer_stat_fd(f->node->fd, st);
	if (rc < 0)
		return rc;
	if (fstatat(n->dfd, n->name, &cur, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return gofer_same_inode(st, &cur) ? 0 : -ESTALE;
}

/* Flags a client may ask for on an existing regular file. O_CREAT/O_EXCL
 * are dropped (the file exists: it was walked; creating is Tlcreate's job,
 * and O_CREAT could recreate a file removed behind our back); O_TRUNC is
 * applied by ftruncate() after the identity check. */
#define LOPEN_FILE_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | \
			  O_DIRECT | O_NOATIME)

int gofer_open_leaf(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
	return fd < 0 ? -1 : (int)fd;
}

int gofer_open_real(struct gofer_fid *f, int flags, int *fd_out)
{
	struct stat st, st2;
	int fd, rc = gofer_stat_fd(f->node->fd, &st);

	if (rc < 0)
		return rc;
	if (f->unnamed) {
		/* no name to re-open by: its own FD, within that FD's access */
		int acc = flags & O_ACCMODE;
		bool readable = f->open_acc == O_RDWR;
		bool writable = f->open_acc == O_WRONLY || f->open_acc == O_RDWR;
		if (((acc == O_RDONLY || acc == O_RDWR) && !readable) ||
		    ((acc == O_WRONLY || acc == O_RDWR) && !writable) || acc == O_ACCMODE)
			return -EACCES;
		fd = fcntl(f->node->fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		*fd_out = fd;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if ((flags & O_ACCMODE) != O_RDONLY)
			return -EISDIR;
		/* "." of the directory's own O_PATH FD: no name, no race */
		fd = openat(f->node->fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else if (S_ISREG(st.st_mode) && f->parent) {
		/* By name relative to the parent (no /proc needed). O_NONBLOCK so
		 * that a FIFO swapped in since the walk cannot block the gofer
		 * (nor a lease break); the identity check then rejects it. */
		struct gofer_name n;
		gofer_name_begin(f, &n);
		fd = gofer_open_leaf(n.dfd, n.name,
				     (flags & LOPEN_FILE_FLAGS) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		int err = errno;
		gofer_name_end();
		errno = err;
	} else {
		return -EINVAL;
	}
	if (fd < 0)
		return -errno;
	rc = gofer_stat_fd(fd, &st2);
	if (rc == 0 && (!gofer_same_inode(&st, &st2) || ((st.st_mode ^ st2.st_mode) & S_IFMT)))
		rc = -ESTALE;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

static int lopen_dir(struct gofer_fid *f, uint32_t lflags)
{
	int fd, rc;

	if ((lflags & O_ACCMODE) != O_RDONLY || (lflags & O_TRUNC))
		return -EISDIR;
	rc = gofer_open_real(f, O_RDONLY, &fd);
	if (rc < 0)
		return rc;
	/* Kept for Treaddir, NEVER donated: a directory FD would let its
	 * holder openat() its way around the host tree. */
	f->open_fd = fd;
	f->opened = true;
	return 0;
}

static int lopen_file(struct gofer_conn *c, struct gofer_fid *f, uint32_t lflags, int *fd_out)
{
	int fd, rc, fl;

	if (lflags & O_DIRECTORY)
		return -ENOTDIR;
	rc = gofer_open_real(f, (int)lflags, &fd);
	if (rc < 0)
		return rc;
	if (!(lflags & O_NONBLOCK)) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			rc = -errno;
	}
	if (rc == 0 && (lflags & O_TRUNC) && ftruncate(fd, 0) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	f->opened = true;
	if (c->fd_donation)
		*fd_out = fd; /* the p9 library sends and closes it */
	else
		f->open_fd = fd;
	return 0;
}

static int op_lopen(void *arg, const struct p9_tlopen *t, struct p9_rlopen *r, int *fd_out)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f = gofer_fid_lookup(c, t->fid);
	uint32_t lflags = p9_lopen_flags_to_linux(t->flags);
	struct stat st;
	int rc;

	if (!f)
		return -EBADF;
	if (f->opened)
		return -EINVAL;
	if (f->unnamed)
		return -ENOENT; /* no name to open by; its FD was donated at Ttmpfile */
	rc = gofer_stat_fd(f->node->fd, &st);
	if (rc < 0)
		return rc;
	/* access mode 3 ("ioctl only", Linux-specific): a donated regular file
	 * only; the gofer itself could do no I/O with it */
	if ((lflags & O_ACCMODE) == O_ACCMODE && !(c->fd_donation && S_ISREG(st.st_mode)))
		return -EINVAL;
	/* writing a FIFO changes nothing on the filesystem: allowed read-only */
	if (f->mount->readonly && !S_ISFIFO(st.st_mode) &&
	    ((lflags & O_ACCMODE) != O_RDONLY || (lflags & (O_TRUNC | O_CREAT))))
		return -EROFS;
	if (gofer_on_host_pseudo_fs(f->node->fd))
		return -EACCES;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		rc = lopen_dir(f, lflags);
		break;
	case S_IFREG:
		rc = lopen_file(c, f, lflags, fd_out);
		break;
	case S_IFLNK:
		rc = -ELOOP;
		break;
	case S_IFIFO:
		rc = gofer_lopen_fifo(c, f, lflags, fd_out);
		break;
	default:
		rc = -EPERM; /* sockets (Tlconnect) and devices: never opened */
	}
	if (rc < 0)
		return rc;
	f->open_acc = (int)(lflags & O_ACCMODE); /* what Tlock may do with it */
	r->qid = gofer_qid_of(&st);
	r->iounit = 0;
	return 0;
}

/* The new file of Tlcreate: its O_PATH handle, checked to be the file the
 * creating open returned (fd), with the client's gid applied. */
static int lcreate_node(int dfd, const char *name, int fd, uint32_t gid,
			struct stat *st, struct gofer_handle **out)
{
	struct stat fst;
	int pfd, rc;

	pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	rc = gofer_stat_fd(fd, &fst);
	if (rc == 0)
		rc = gofer_stat_fd(pfd, st);
	if (rc == 0 && !gofer_same_inode(&fst, st))
		rc = -ESTALE; /* the name was replaced meanwhile: not ours */
	if (rc == 0)
		rc = gofer_apply_create_gid(dfd, name, pfd, st, gid);
	if (rc < 0) {
		close(pfd);
		return rc;
	}
	*out = gofer_handle_new(pfd, st);
	return *out ? 0 : -ENOMEM;
}

/* Tlcreate: creates `name` in the directory fid and opens it; the fid then
 * stands for the new file (9P semantics).  O_EXCL always: the client creates
 * only a name it found absent, and must never be steered onto an existing
 * host file (or a symlink planted meanwhile) by a race.  The mode is the
 * client's & 07777, exactly (the gofer's umask is 0: the sentry applies the
 * application's); the gid rule is gofer_apply_create_gid's. */
static int op_lcreate(void *arg, const struct p9_tlcreate *t, struct p9_rlcreate *r, int *fd_out)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f = gofer_fid_lookup(c, t->fid);
	uint32_t lflags = p9_lopen_flags_to_linux(t->flags);
	char name[GOFER_NAME_MAX + 1];
	struct gofer_handle *node = NULL;
	struct stat st;
	int fd, rc;

	if (f && f->opened)
		return -EINVAL; /* it would stop being the directory */
	if ((lflags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	rc = gofer_dir_entry(c, t->fid, t->name, name, &f);
	if (rc < 0)
		return rc;
	/* no rename of the new name until the fid is named by it (rule 6) */
	gofer_names_hold();
	/* O_EXCL: never through a symlink (an existing name is EEXIST) */
	fd = openat(f->node->fd, name,
		    (int)(lflags & LOPEN_FILE_FLAGS) | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC,
		    (mode_t)(t->mode & 07777));
	rc = fd < 0 ? -errno : lcreate_node(f->node->fd, name, fd, t->gid, &st, &node);
	if (rc < 0) {
		gofer_names_release();
		if (fd >= 0)
			close(fd);
		return rc;
	}
	/* the directory becomes the parent, the new file the node */
	gofer_fid_set_node(c, f, f->mount, node, gofer_handle_get(f->node), name, S_IFREG);
	gofer_names_release();
	f->opened = true;
	f->open_acc = (int)(lflags & O_ACCMODE);
	if (c->fd_donation)
		*fd_out = fd;
	else
		f->open_fd = fd;
	r->qid = gofer_qid_of(&st);
	r->iounit = 0;
	return 0;
}

static int op_readdir(void *arg, const struct p9_treaddir *t, struct p9_rreaddir *r, void *buf)
{
	/* Rreaddir entry: qid[13] offset[8] type[1] name[s] */
	enum { FIXED = 13 + 8 + 1 + 2 };
	struct gofer_fid *f = gofer_fid_lookup(arg, t->fid);
	union { struct dirent64 d; char b[8192]; } dents;
	uint8_t *out = buf;
	size_t pos = 0;
	bool full = false;
	ssize_t n;

	int dfd;

	if (!f)
		return -EBADF;
	if (f->opened) {
		if (f->open_fd < 0 || !S_ISDIR(f->type))
			return -ENOTDIR;
		dfd = f->open_fd;
	} else {
		/* The extension lists a walked directory without Tlopen (one
		 * message per listing); plain 9P2000.L wants it opened. */
		struct gofer_conn *c = arg;
		if (!c->fd_donation || f->unnamed || f->xattr)
			return -EBADF;
		if (!S_ISDIR(f->type))
			return -ENOTDIR;
		if (f->dir_fd < 0) {
			int rc = gofer_open_real(f, O_RDONLY, &f->dir_fd);
			if (rc < 0)
				return rc;
		}
		dfd = f->dir_fd;
	}
	/* Stateless: every call seeks to the client's cookie (0 or a d_off).
	 * A reply is filled as long as the next entry fits, so one that is
	 * not full is the end of the listing (PROTOCOL.md §5). */
	if (lseek(dfd, (off_t)t->offset, SEEK_SET) < 0)
		return -errno;
	while (!full) {
		n = getdents64(dfd, dents.b, sizeof(dents.b));
		if (n < 0)
			return -errno;   /* not the entries before it: a short reply is the end */
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *d = (const struct dirent64 *)(dents.b + off);
			size_t namelen = strnlen(d->d_name, GOFER_NAME_MAX + 1);
			struct p9_qid q = { P9_QTFILE, 0, d->d_ino };
			uint64_t v;

			if (d->d_reclen == 0)
				break; /* never from the kernel; do not spin */
			off += d->d_reclen;
			if (FIXED + namelen > t->count - pos) {
				full = true;
				break;
			}
			if (d->d_type == DT_DIR)
				q.type = P9_QTDIR;
			else if (d->d_type == DT_LNK)
				q.type = P9_QTSYMLINK;
			out[pos] = q.type;
			for (int k = 0; k < 4; k++)
				out[pos + 1 + k] = (uint8_t)(q.version >> (8 * k));
			for (int k = 0; k < 8; k++)
				out[pos + 5 + k] = (uint8_t)(q.path >> (8 * k));
			v = (uint64_t)d->d_off;
			for (int k = 0; k < 8; k++)
				out[pos + 13 + k] = (uint8_t)(v >> (8 * k));
			out[pos + 21] = d->d_type;
			out[pos + 22] = (uint8_t)namelen;
			out[pos + 23] = (uint8_t)(namelen >> 8);
			memcpy(out + pos + FIXED, d->d_name, namelen);
			pos += FIXED + namelen;
		}
	}
	if (pos == 0 && full)
		return -EINVAL; /* count too small for one entry */
	r->data.data = buf;
	r->data.count = (uint32_t)pos;
	return 0;
}

/* The Rreadlink target until the reply is encoded: per thread, since
 * several workers serve at once (the next callback on this thread comes
 * after the encoding). */
static __thread char linkbuf[PATH_MAX];

static int op_readlink(void *arg, const struct p9_treadlink *t, struct p9_rreadlink *r)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f = gofer_fid_lookup(c, t->fid);
	ssize_t n;

	if (!f)
		return -EBADF;
	if (!S_ISLNK(f->type))
		return -EINVAL;
	n = readlinkat(f->node->fd, "", linkbuf, sizeof(linkbuf));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(linkbuf))
		return -ENAMETOOLONG;
	r->target.str = linkbuf;
	r->target.len = (size_t)n;
	return 0;
}

static int op_statfs(void *arg, const struct p9_tstatfs *t, struct p9_statfs *r)
{
	struct gofer_fid *f = gofer_fid_lookup(arg, t->fid);
	struct statfs sf;

	if (!f)
		return -EBADF;
	if (fstatfs(f->node->fd, &sf) < 0)
		return -errno;
	r->type = (uint32_t)sf.f_type;
	r->bsize = (uint32_t)sf.f_bsize;
	r->blocks = sf.f_blocks;
	r->bfree = sf.f_bfree;
	r->bavail = sf.f_bavail;
	r->files = sf.f_files;
	r->ffree = sf.f_ffree;
	r->fsid = (uint64_t)(uint32_t)sf.f_fsid.__val[0] |
		  (uint64_t)(uint32_t)sf.f_fsid.__val[1] << 32;
	r->namelen = (uint32_t)sf.f_namelen;
	return 0;
}

/* Tclunk: the fid goes in every case; an xattr fid from Txattrcreate sets
 * its attribute now, and the reply tells whether that worked (Linux v9fs
 * semantics). */
static int op_clunk(void *arg, const struct p9_tclunk *t)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f = gofer_fid_lookup(c, t->fid);
	int rc;

	if (!f)
		return -EBADF;
	rc = f->xattr ? gofer_xattr_commit(f) : 0;
	gofer_fid_destroy(c, t->fid);
	return rc;
}

/* ---- runsc-lite extensions (PROTOCOL.md 5c-5e) ----------------------------- */

/* Tucreate: Tlcreate with the owner uid of the new file (gofer_create_uid
 * is read by the creation owner rule in ops_tree.c; per thread). */
static int op_ucreate(void *arg, const struct p9_tucreate *t, struct p9_rlcreate *r, int *fd_out)
{
	gofer_create_uid = t->uid;
	int rc = op_lcreate(arg, &t->base, r, fd_out);
	gofer_create_uid = (uint32_t)-1;
	return rc;
}

/* Tsetattrclunk: the fid is gone afterwards whatever Tsetattr said. */
static int op_setattrclunk(void *arg, const struct p9_tsetattr *t)
{
	int rc = gofer_op_setattr(arg, t);
	struct p9_tclunk ct = { t->fid };
	int crc = op_clunk(arg, &ct);
	return rc < 0 ? rc : crc;
}

/* Tmultigetattr: each element's attributes, walking like Twalk (checked
 * names, O_NOFOLLOW, never beneath a host pseudo-filesystem), no fid. */
static int op_multigetattr(void *arg, const struct p9_tmultigetattr *t, struct p9_rmultigetattr *r,
			   void *buf)
{
	struct gofer_fid *src = gofer_fid_lookup(arg, t->fid);
	uint8_t *out = buf;
	int rc = 0, dir;
	unsigned i;

	if (!src)
		return -EBADF;
	dir = fcntl(src->node->fd, F_DUPFD_CLOEXEC, 0);
	if (dir < 0)
		return -errno;
	for (i = 0; i < t->wname.n; i++) {
		char name[GOFER_NAME_MAX + 1];
		struct p9_fcall fc = { .type = P9_RGETATTR };
		uint8_t body[P9_ATTR_SIZE + 7];
		struct stat st;
		int fd;

		rc = gofer_name_check(t->wname.name[i], name);
		if (rc == 0 && gofer_on_host_pseudo_fs(dir))
			rc = -ENOENT;
		if (rc < 0)
			break;
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || gofer_stat_fd(fd, &st) < 0) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		close(dir);
		dir = fd;
		gofer_attr_of(&st, &fc.u.rgetattr);
		/* the body of an Rgetattr, without its 7-byte header */
		if (p9_pack(body, sizeof(body), &fc) != (int)sizeof(body)) {
			rc = -EIO;
			break;
		}
		memcpy(out + (size_t)i * P9_ATTR_SIZE, body + 7, P9_ATTR_SIZE);
	}
	close(dir);
	if (i == 0 && rc < 0)
		return rc;
	r->count = (uint16_t)i;
	r->data.data = buf;
	r->data.count = i * P9_ATTR_SIZE;
	return 0;
}

/* Tumkdir, Tumknod, Tusymlink: the 9P2000.L call with an owner uid. */
static int op_umkdir(void *arg, const struct p9_tumkdir *t, struct p9_rmkdir *r)
{
	gofer_create_uid = t->uid;
	int rc = gofer_op_mkdir(arg, &t->base, r);
	gofer_create_uid = (uint32_t)-1;
	return rc;
}

static int op_umknod(void *arg, const struct p9_tumknod *t, struct p9_rmknod *r)
{
	gofer_create_uid = t->uid;
	int rc = gofer_op_mknod(arg, &t->base, r);
	gofer_create_uid = (uint32_t)-1;
	return rc;
}

static int op_usymlink(void *arg, const struct p9_tusymlink *t, struct p9_rsymlink *r)
{
	gofer_create_uid = t->uid;
	int rc = gofer_op_symlink(arg, &t->base, r);
	gofer_create_uid = (uint32_t)-1;
	return rc;
}

/* Twalkgetattr: Twalk, then Tgetattr of newfid, in one round trip. */
static int op_walkgetattr(void *arg, const struct p9_twalk *t, struct p9_rwalkgetattr *r)
{
	struct p9_rwalk rw;
	int rc = op_walk(arg, t, &rw);

	if (rc < 0)
		return rc;
	r->wqid = rw.wqid;
	if (rw.wqid.n < t->wname.n)
		return 0; /* partial: attr.valid stays 0 */
	struct p9_tgetattr g = { t->newfid, P9_GETATTR_BASIC };
	return op_getattr(arg, &g, &r->attr);
}

/* Twalkopen: walk names from fid and open the regular file or FIFO
 * reached, with FD donation, creating no fid: Twalk + Tlopen + Tclunk in one
 * round trip.  The same checks as Tlopen; a directory is opened for Treaddir
 * on a fid, and its FD is never donated. */
static int op_walkopen(void *arg, const struct p9_twalkopen *t, struct p9_rlopen *r, int *fd_out)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *src = gofer_fid_lookup(c, t->fid), tmp;
	struct p9_qid qids[P9_MAXWELEM];
	uint32_t lflags = p9_lopen_flags_to_linux(t->flags);
	struct stat st;
	int rc;

	if (!src)
		return -EBADF;
	if (src->opened)
		return -EBUSY;
	if (src->unnamed)
		return -ENOENT;
	memset(&tmp, 0, sizeof(tmp));
	tmp.open_fd = tmp.lock_fd = -1;
	/* tmp is in no table, where renames would find it: none until the
	 * open by its name is done (rule 6) */
	gofer_names_hold();
	rc = walk_names(src, &t->wname, qids, &tmp);
	if (rc >= 0 && rc < t->wname.n)
		rc = -ENOENT;
	if (rc < 0) {
		gofer_names_release();
		return rc;
	}
	rc = gofer_stat_fd(tmp.node->fd, &st);
	if (rc == 0 && gofer_on_host_pseudo_fs(tmp.node->fd))
		rc = -EACCES;
	if (rc == 0 && (lflags & O_ACCMODE) == O_ACCMODE && !S_ISREG(st.st_mode))
		rc = -EINVAL;   /* access mode 3: a regular file only (as Tlopen) */
	/* writing a FIFO changes nothing on the filesystem: allowed read-only */
	if (rc == 0 && src->mount->readonly && !S_ISFIFO(st.st_mode) &&
	    ((lflags & O_ACCMODE) != O_RDONLY || (lflags & (O_TRUNC | O_CREAT))))
		rc = -EROFS;
	if (rc == 0) {
		switch (st.st_mode & S_IFMT) {
		case S_IFREG:
			rc = lopen_file(c, &tmp, lflags, fd_out);
			if (rc == 0 && tmp.open_fd >= 0) {
				close(tmp.open_fd);   /* no fid to keep it: no donation, no open */
				rc = -EOPNOTSUPP;
			}
			break;
		case S_IFIFO:
			rc = gofer_lopen_fifo(c, &tmp, lflags, fd_out);
			break;
		case S_IFDIR:
			rc = -EISDIR;
			break;
		case S_IFLNK:
			rc = -ELOOP;
			break;
		default:
			rc = -EPERM;
		}
	}
	gofer_names_release();
	gofer_handle_put(tmp.node);
	gofer_handle_put(tmp.parent);
	if (rc < 0)
		return rc;
	r->qid = gofer_qid_of(&st);
	r->iounit = 0;
	return 0;
}

const struct p9_server_ops gofer_ops = {
	.reset = op_reset,
	.attach = op_attach,
	.walk = op_walk,
	.getattr = op_getattr,
	.lopen = op_lopen,
	.walkgetattr = op_walkgetattr,
	.walkopen = op_walkopen,
	.lconnect = gofer_op_lconnect,
	.allocate = gofer_op_allocate,
	.inotify = gofer_op_inotify,
	.bind = gofer_op_bind,
	.ucreate = op_ucreate,
	.umkdir = op_umkdir,
	.umknod = op_umknod,
	.usymlink = op_usymlink,
	.setattrclunk = op_setattrclunk,
	.multigetattr = op_multigetattr,
	.lcreate = op_lcreate,
	.readdir = op_readdir,
	.readlink = op_readlink,
	.statfs = op_statfs,
	.clunk = op_clunk,
	.remove = gofer_op_remove,
	.read = gofer_op_read,
	.write = gofer_op_write,
	.mkdir = gofer_op_mkdir,
	.symlink = gofer_op_symlink,
	.mknod = gofer_op_mknod,
	.link = gofer_op_link,
	.rename = gofer_op_rename,
	.renameat = gofer_op_renameat,
	.renameat2 = gofer_op_renameat2,
	.tmpfile = gofer_op_tmpfile,
	.unlinkat = gofer_op_unlinkat,
	.setattr = gofer_op_setattr,
	.fsync = gofer_op_fsync,
	.xattrwalk = gofer_op_xattrwalk,
	.xattrcreate = gofer_op_xattrcreate,
	.lock = gofer_op_lock,
	.getlock = gofer_op_getlock,
};
