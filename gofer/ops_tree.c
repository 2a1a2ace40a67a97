/*
 * gofer: operations on directory entries — Tmkdir, Tsymlink, Tmknod, Tlink,
 * Trenameat, Trename, Tunlinkat, Tremove — and Ttmpfile (an unnamed file
 * that Tlink may name later).
 *
 * Every received name goes through gofer_name_check (gofer_dir_entry), and
 * every host call takes a directory FD the gofer holds plus one checked name,
 * so it can only reach a child of that directory.  None follows a symlink:
 * mkdirat, symlinkat, mknodat, renameat and unlinkat never follow the last
 * component, linkat runs without AT_SYMLINK_FOLLOW.  All of them are refused
 * on read-only mounts (EROFS); link and rename stay within one mount (EXDEV).
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The creation gid rule (Tmkdir, Tsymlink, Tmknod, Tlcreate).  9P2000.L
 * creation carries a gid but no uid: the new entry belongs to the gofer's
 * uid (Tsetattr may change it later).  The client's gid is applied only when
 * it differs from the gofer's own effective gid and from the gid the entry
 * already got (a set-gid directory may have chosen it), with
 * fchownat(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) on the entry's own O_PATH FD:
 * the very inode just made, never a name that could have been replaced.
 * chown clears S_ISUID/S_ISGID of a non-directory; they are put back, so the
 * result is what creating with that gid directly gives.  A failure (EPERM
 * for an unprivileged gofer outside that group) is returned, not ignored, and
 * the entry is removed again: creation is all or nothing.
 */
__thread uint32_t gofer_create_uid = (uint32_t)-1;

int gofer_apply_create_gid(int dfd, const char *name, int pfd, struct stat *st, uint32_t gid)
{
	mode_t before = st->st_mode;
	uint32_t uid = gofer_create_uid;
	struct stat cur;
	int rc;

	/* the Tu* extensions also give the owner uid, with the same rule */
	if (uid == (uint32_t)geteuid() || uid == st->st_uid)
		uid = (uint32_t)-1;
	if (gid == (uint32_t)-1 || gid == (uint32_t)getegid() || gid == st->st_gid)
		gid = (uint32_t)-1;
	if (uid == (uint32_t)-1 && gid == (uint32_t)-1)
		return 0;
	rc = fchownat(pfd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	if (rc == 0)
		rc = gofer_stat_fd(pfd, st);
	if (rc == 0 && !S_ISLNK(before) && ((before ^ st->st_mode) & (S_ISUID | S_ISGID))) {
		rc = gofer_chmod_node(pfd, dfd, name, before & 07777);
		if (rc == 0)
			rc = gofer_stat_fd(pfd, st);
	}
	if (rc < 0 && name && fstatat(dfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
	    gofer_same_inode(&cur, st))
		unlinkat(dfd, name, S_ISDIR(cur.st_mode) ? AT_REMOVEDIR : 0);
	return rc;
}

/* After mkdirat/symlinkat/mknodat: the qid of the new entry `name`, which
 * must still be of the created type, with the gid rule applied. */
static int created(int dfd, const char *name, mode_t type, uint32_t gid, struct p9_qid *qid)
{
	struct stat st;
	int rc, pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (pfd < 0)
		return -errno;
	rc = gofer_stat_fd(pfd, &st);
	if (rc == 0 && (st.st_mode & S_IFMT) != type)
		rc = -ESTALE; /* replaced meanwhile: not ours to chown */
	if (rc == 0)
		rc = gofer_apply_create_gid(dfd, name, pfd, &st, gid);
	close(pfd);
	if (rc == 0)
		*qid = gofer_qid_of(&st);
	return rc;
}

int gofer_bound(int dfd, const char *name, mode_t mode, uint32_t gid, struct p9_qid *qid)
{
	struct stat st;
	int rc, pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (pfd < 0)
		return -errno;
	rc = gofer_stat_fd(pfd, &st);
	if (rc == 0 && !S_ISSOCK(st.st_mode))
		rc = -ESTALE; /* replaced meanwhile: not ours to change */
	if (rc == 0)
		rc = gofer_chmod_node(pfd, dfd, name, mode & 07777);
	if (rc == 0)
		rc = gofer_stat_fd(pfd, &st);
	if (rc == 0)
		rc = gofer_apply_create_gid(dfd, name, pfd, &st, gid);
	else if (rc != -ESTALE)
		unlinkat(dfd, name, 0);   /* the socket file we made */
	close(pfd);
	if (rc == 0)
		*qid = gofer_qid_of(&st);
	return rc;
}

/* Tmkdir: mode & 07777, exactly (the gofer's umask is 0); gid rule above. */
int gofer_op_mkdir(void *arg, const struct p9_tmkdir *t, struct p9_rmkdir *r)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_fid *d;
	int rc = gofer_dir_entry(arg, t->dfid, t->name, name, &d);

	if (rc < 0)
		return rc;
	if (mkdirat(d->node->fd, name, (mode_t)(t->mode & 07777)) < 0)
		return -errno;
	return created(d->node->fd, name, S_IFDIR, t->gid, &r->qid);
}

/* A symlink body as a C string. It is stored as given and never resolved
 * by the gofer (the sentry resolves links), so any bytes but NUL are fine. */
static int link_body(struct p9_str s, char out[PATH_MAX])
{
	if (s.len == 0)
		return -ENOENT; /* as symlink(2) */
	if (s.len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (memchr(s.str, '\0', s.len))
		return -EINVAL; /* the host would store a shorter body */
	memcpy(out, s.str, s.len);
	out[s.len] = '\0';
	return 0;
}

/* Tsymlink: gid rule above; a symlink's mode is always 0777. */
int gofer_op_symlink(void *arg, const struct p9_tsymlink *t, struct p9_rsymlink *r)
{
	char name[GOFER_NAME_MAX + 1], body[PATH_MAX];
	struct gofer_fid *d;
	int rc = gofer_dir_entry(arg, t->fid, t->name, name, &d);

	if (rc == 0)
		rc = link_body(t->symtgt, body);
	if (rc < 0)
		return rc;
	if (symlinkat(body, d->node->fd, name) < 0)
		return -errno;
	return created(d->node->fd, name, S_IFLNK, t->gid, &r->qid);
}

/* The file types Tmknod makes: FIFOs, sockets, (type 0 or S_IFREG, as
 * mknod(2)) empty regular files, and whiteouts (a 0:0 character device,
 * which no driver serves; Linux lets anyone make one).  Other devices are
 * never made (EPERM): a device node in the host tree would reach host
 * hardware.  A directory is EPERM and anything else EINVAL, as mknod(2). */
static int mknod_type(uint32_t mode, uint32_t major, uint32_t minor, mode_t *type)
{
	if ((mode & S_IFMT) == S_IFCHR && major == 0 && minor == 0) {
		*type = S_IFCHR;
		return 0;
	}
	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
		*type = S_IFREG;
		return 0;
	case S_IFIFO:
	case S_IFSOCK:
		*type = (mode_t)(mode & S_IFMT);
		return 0;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

/* Tmknod: type above, mode & 07777 exactly, device number 0 (no devices
 * but whiteouts); gid rule above. */
int gofer_op_mknod(void *arg, const struct p9_tmknod *t, struct p9_rmknod *r)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_fid *d;
	mode_t type = 0;
	int rc = gofer_dir_entry(arg, t->dfid, t->name, name, &d);

	if (rc == 0)
		rc = mknod_type(t->mode, t->major, t->minor, &type);
	if (rc < 0)
		return rc;
	if (mknodat(d->node->fd, name, type | (mode_t)(t->mode & 07777), 0) < 0)
		return -errno;
	return created(d->node->fd, name, type, t->gid, &r->qid);
}

/*
 * A new name `name` in dfd for the fid's inode.  linkat(AT_EMPTY_PATH) on the
 * fid's own O_PATH FD links exactly that inode (a symlink itself, never its
 * target).  Without CAP_DAC_READ_SEARCH the kernel refuses that form with
 * ENOENT; then the fid's name is linked instead (flags 0: not followed), after
 * checking it still is the fid's inode and, since a host process could swap
 * it in between, checking the new name afterwards (undone if wrong).
 */
static int link_node(struct gofer_fid *f, int dfd, const char *name)
{
	struct stat st, cur;
	int rc;

	if (linkat(f->node->fd, "", dfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	struct gofer_name n;
	gofer_name_begin(f, &n);
	rc = gofer_check_name(f, &n, &st);
	if (rc == 0 && linkat(n.dfd, n.name, dfd, name, 0) < 0)
		rc = -errno;
	gofer_name_end();
	if (rc < 0)
		return rc;
	if (fstatat(dfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 && gofer_same_inode(&cur, &st))
		return 0;
	unlinkat(dfd, name, 0);
	return -ESTALE;
}

/*
 * The first name of an unnamed file (a Ttmpfile fid, held exclusively):
 * linkat(AT_EMPTY_PATH) of its own FD, which only the gofer holds besides
 * the application.  Refused (ENOENT, as Linux) for one made with O_EXCL,
 * whatever the kernel would do.  The kernel allows this flink with
 * CAP_DAC_READ_SEARCH (the root gofer) or, since Linux 6.10, to the very
 * credentials that opened the file (the unprivileged gofer: one set for all
 * its threads); otherwise it says ENOENT, and the gofer answers EOPNOTSUPP:
 * this mount cannot name unnamed files (the directory gone stays ENOENT).
 * Named, the fid is what a walk to dir/name gives.
 */
static int link_unnamed(struct gofer_conn *c, struct gofer_fid *f, struct gofer_fid *d,
			const char *name)
{
	struct stat ds;

	if (!f->linkable)
		return -ENOENT;
	gofer_names_hold();   /* named by it before any rename (rule 6) */
	if (linkat(f->node->fd, "", d->node->fd, name, AT_EMPTY_PATH) < 0) {
		int rc = -errno;

		gofer_names_release();
		if (rc == -ENOENT && gofer_stat_fd(d->node->fd, &ds) == 0 && ds.st_nlink > 0)
			rc = -EOPNOTSUPP;
		return rc;
	}
	gofer_fid_set_node(c, f, f->mount, gofer_handle_get(f->node), gofer_handle_get(d->node),
			   name, S_IFREG);
	gofer_names_release();
	f->unnamed = f->linkable = false; /* Linux clears I_LINKABLE too */
	return 0;
}

/* Tlink: dfid/name becomes a new name of fid's file, which must not be a
 * directory (EPERM, as link(2)) and must be of the same mount (EXDEV). */
int gofer_op_link(void *arg, const struct p9_tlink *t)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_fid *d, *f;
	int rc = gofer_dir_entry(arg, t->dfid, t->name, name, &d);

	if (rc == 0)
		rc = gofer_node_fid(arg, t->fid, &f);
	if (rc < 0)
		return rc;
	if (S_ISDIR(f->type))
		return -EPERM;
	if (f->mount != d->mount)
		return -EXDEV;
	if (f->unnamed)
		return link_unnamed(arg, f, d, name);
	return link_node(f, d->node->fd, name);
}

/* What Ttmpfile passes on to the host open: an access mode that writes (as
 * O_TMPFILE requires), never linkable, and the status flags Tlopen keeps. */
#define TMPFILE_FLAGS (O_ACCMODE | O_EXCL | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | \
		       O_DIRECT | O_NOATIME)

/*
 * Ttmpfile: open(dir, O_TMPFILE) on the host, relative to the directory
 * fid's own O_PATH FD ("." of it: no name, nothing followed), so the file
 * lives on that directory's filesystem, inside the served tree.  Mode &
 * 07777 exactly (the gofer's umask is 0), the owner rule of the Tu*
 * requests (by the file's own FD; a failure closes the file, which is then
 * gone).  newfid keeps a duplicate of the FD (the same description: the
 * gofer never does I/O on it) for Tgetattr, Tsetattr, xattrs and Tlink; the
 * donated FD is the application's.
 */
int gofer_op_tmpfile(void *arg, const struct p9_ttmpfile *t, struct p9_rlcreate *r, int *fd_out)
{
	struct gofer_conn *c = arg;
	uint32_t lflags = p9_lopen_flags_to_linux(t->flags);
	int acc = (int)(lflags & O_ACCMODE), fd, nfd, rc;
	struct gofer_fid *d, *f;
	struct gofer_handle *h;
	struct stat st;

	if (!c->fd_donation)
		return -EOPNOTSUPP; /* the file would be unreachable */
	if (acc == O_RDONLY)
		return -EINVAL;
	rc = gofer_node_fid(c, t->dfid, &d);
	if (rc < 0)
		return rc;
	if (!S_ISDIR(d->type))
		return -ENOTDIR;
	if (d->mount->readonly)
		return -EROFS;
	if (t->newfid == P9_NOFID || gofer_fid_lookup(c, t->newfid))
		return t->newfid == P9_NOFID ? -EINVAL : -EEXIST;
	fd = openat(d->node->fd, ".", (int)(lflags & TMPFILE_FLAGS) | O_TMPFILE | O_NOCTTY | O_CLOEXEC,
		    (mode_t)(t->mode & 07777));
	if (fd < 0)
		return -errno;
	rc = gofer_stat_fd(fd, &st);
	if (rc == 0 && !S_ISREG(st.st_mode))
		rc = -EIO;
	if (rc == 0) {
		gofer_create_uid = t->uid;
		rc = gofer_apply_create_gid(-1, NULL, fd, &st, t->gid);
		gofer_create_uid = (uint32_t)-1;
	}
	nfd = rc == 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (rc == 0 && nfd < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	h = gofer_handle_new(nfd, &st);
	rc = h ? gofer_fid_create(c, t->newfid, &f) : -ENOMEM;
	if (rc < 0) {
		gofer_handle_put(h);
		close(fd);
		return rc;
	}
	gofer_fid_set_node(c, f, d->mount, h, gofer_handle_get(d->node), "", S_IFREG);
	f->unnamed = true;
	f->linkable = !(lflags & O_EXCL);
	f->open_acc = acc;
	*fd_out = fd; /* the p9 library sends and closes it */
	r->qid = gofer_qid_of(&st);
	r->iounit = 0;
	return 0;
}

/* What moved in a rename, to keep the fids that named it pointing at it. */
struct moved {
	struct gofer_conn *conn;
	dev_t olddev;            /* the old directory, by identity: its handle */
	ino_t oldino;            /* may go while the fids are updated */
	struct gofer_handle *newdir;
	const char *oldname, *newname;
	struct stat st;          /* the file that moved */
};

/* Under conn->lock (gofer_fids_foreach): a fid in use by other requests
 * moves once they are done (internal.h, rule 3). */
static void follow_one(struct gofer_fid *f, void *arg)
{
	struct moved *m = arg;
	struct gofer_handle *old;
	const char *name;

	gofer_fid_where(f, &old, &name);
	if (!old || old->dev != m->olddev || old->ino != m->oldino ||
	    strcmp(name, m->oldname) != 0 || !gofer_handle_is(f->node, &m->st))
		return;
	gofer_fid_move(m->conn, f, m->newdir, m->newname);
}

/*
 * renameat(olddir/oldname -> newdir/newname), then every fid that named the
 * moved file by that entry names it by the new one: a fid follows its file,
 * as a Linux dentry does (children of a moved directory need nothing: their
 * parent FD moved with it).  oldname must not point into a fid.
 */
static int rename_entry(struct gofer_conn *c, struct gofer_handle *olddir, const char *oldname,
			struct gofer_handle *newdir, const char *newname)
{
	struct moved m = { c, olddir->dev, olddir->ino, newdir, oldname, newname, { 0 } };

	if (fstatat(olddir->fd, oldname, &m.st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    renameat(olddir->fd, oldname, newdir->fd, newname) < 0)
		return -errno;
	gofer_fids_foreach(c, follow_one, &m);
	return 0;
}

/* Trenameat2: renameat2(2) with its flags.  An exchange moves two files:
 * the fids of each follow it under the other's name (two passes, told apart
 * by file identity, so the first pass's fids are not moved back). */
int gofer_op_renameat2(void *arg, const struct p9_trenameat2 *t)
{
	char oldname[GOFER_NAME_MAX + 1], newname[GOFER_NAME_MAX + 1];
	struct gofer_conn *c = arg;
	struct gofer_fid *od, *nd;
	unsigned flags = t->flags;
	int rc;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) ||
	    ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))))
		return -EINVAL;
	rc = gofer_dir_entry(arg, t->base.olddirfid, t->base.oldname, oldname, &od);
	if (rc == 0)
		rc = gofer_dir_entry(arg, t->base.newdirfid, t->base.newname, newname, &nd);
	if (rc < 0)
		return rc;
	if (od->mount != nd->mount)
		return -EXDEV;
	struct gofer_handle *olddir = od->node, *newdir = nd->node;
	struct moved there = { c, olddir->dev, olddir->ino, newdir, oldname, newname, { 0 } };
	struct moved back = { c, newdir->dev, newdir->ino, olddir, newname, oldname, { 0 } };
	gofer_rename_begin();
	if (fstatat(olddir->fd, oldname, &there.st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    ((flags & RENAME_EXCHANGE) &&
	     fstatat(newdir->fd, newname, &back.st, AT_SYMLINK_NOFOLLOW) < 0) ||
	    renameat2(olddir->fd, oldname, newdir->fd, newname, flags) < 0) {
		rc = -errno;
	} else {
		gofer_fids_foreach(c, follow_one, &there);
		if (flags & RENAME_EXCHANGE)
			gofer_fids_foreach(c, follow_one, &back);
	}
	gofer_rename_end();
	return rc;
}

/* Trenameat: olddirfid/oldname -> newdirfid/newname within one mount. */
int gofer_op_renameat(void *arg, const struct p9_trenameat *t)
{
	char oldname[GOFER_NAME_MAX + 1], newname[GOFER_NAME_MAX + 1];
	struct gofer_fid *od, *nd;
	int rc = gofer_dir_entry(arg, t->olddirfid, t->oldname, oldname, &od);

	if (rc == 0)
		rc = gofer_dir_entry(arg, t->newdirfid, t->newname, newname, &nd);
	if (rc < 0)
		return rc;
	if (od->mount != nd->mount)
		return -EXDEV;
	gofer_rename_begin();
	rc = rename_entry(arg, od->node, oldname, nd->node, newname);
	gofer_rename_end();
	return rc;
}

/* Trename: fid's file becomes dfid/name (same mount); the fid follows.  A
 * mount root has no name to rename (EBUSY); a name that no longer is the
 * fid's file is not renamed (ESTALE). */
int gofer_op_rename(void *arg, const struct p9_trename *t)
{
	char name[GOFER_NAME_MAX + 1], oldname[GOFER_NAME_MAX + 1];
	struct gofer_fid *f, *d;
	struct stat st;
	int rc = gofer_node_fid(arg, t->fid, &f);

	if (rc == 0)
		rc = gofer_dir_entry(arg, t->dfid, t->name, name, &d);
	if (rc < 0)
		return rc;
	if (f->mount != d->mount)
		return -EXDEV;
	struct gofer_name n;
	gofer_rename_begin();
	gofer_name_now(f, &n);
	rc = gofer_check_name(f, &n, &st);
	if (rc == 0) {
		memcpy(oldname, n.name, strlen(n.name) + 1);   /* (the fid's own name moves) */
		rc = rename_entry(arg, n.dir, oldname, d->node, name);
	}
	gofer_rename_end();
	return rc;
}

/* Tunlinkat: flags 0 (unlink) or AT_REMOVEDIR (rmdir); errors as Linux
 * (EISDIR, ENOTDIR, ENOTEMPTY, ENOENT, EBUSY for a mount point). */
int gofer_op_unlinkat(void *arg, const struct p9_tunlinkat *t)
{
	char name[GOFER_NAME_MAX + 1];
	struct gofer_fid *d;
	int rc = gofer_dir_entry(arg, t->dirfid, t->name, name, &d);

	if (rc < 0)
		return rc;
	if (t->flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	return unlinkat(d->node->fd, name, (int)t->flags) < 0 ? -errno : 0;
}

/* Unlinks (or, for a directory, removes) the entry naming the fid's file,
 * if it still names it. */
static int remove_node(struct gofer_fid *f)
{
	struct stat st;
	int rc;

	if (f->mount->readonly)
		return -EROFS;
	struct gofer_name n;
	gofer_name_begin(f, &n);
	rc = gofer_check_name(f, &n, &st);
	if (rc == 0 && unlinkat(n.dfd, n.name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		rc = -errno;
	gofer_name_end();
	return rc;
}

/* Tremove: removes what the fid names, then the fid goes, whatever the
 * outcome (9P: Tremove clunks, even when it fails). */
int gofer_op_remove(void *arg, const struct p9_tremove *t)
{
	struct gofer_fid *f;
	int rc = gofer_node_fid(arg, t->fid, &f);

	if (rc == 0)
		rc = remove_node(f);
	gofer_fid_destroy(arg, t->fid);
	return rc;
}
