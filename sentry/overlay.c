/*
 * The overlay root: a read-only lower filesystem (the gofer's rootfs) under
 * a memory upper one (a tmpfs of the sentry), merged as Linux's overlayfs
 * merges them, and discarded with the sandbox.
 *
 * Each overlay inode pairs the lower and the upper inode of one name
 * (either may be missing).  Reads go to the upper inode when there is one,
 * else to the lower; the first change of a lower file — an open for
 * writing, a chmod, a new name in a directory — copies it up: its parent
 * directories first, then the file itself (data, owner, mode, times,
 * user.* and security.* xattrs) into the upper layer under the same name.
 * A removed lower name leaves a whiteout in the upper directory (a 0:0
 * character device, as overlayfs's); a directory made by the sandbox is
 * opaque (it never merges with a lower directory of its name, even after a
 * rename puts it where one is).  Listings merge the upper entries with the
 * lower ones that are neither shadowed nor whited out, without duplicates.
 *
 * As Linux's overlayfs without redirect_dir: renaming a directory that has
 * a lower part is EXDEV (mv copies it instead); copy-up breaks hard links
 * of lower files; a merged directory reports st_nlink 1 (its real count is
 * unknown, and 1 tells find(1) not to count on it).  Inode numbers: a file
 * keeps its lower inode number after a copy-up (the upper inode carries it
 * as its origin mark); files made in the sandbox have the upper inode
 * number with bit 62 set, so the two never collide.
 *
 * A descriptor the application opened on a lower file before it was
 * copied up keeps reading the lower file (Linux's overlayfs before 4.19):
 * the sentry cannot re-target an open file description it handed over.
 */
#include "sentry/vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define UPPER_ONLY_INO (1ULL << 62)

struct ovl_node {
	struct vfs_inode *lower, *upper;   /* references; at least one is set */
	struct vfs_inode *parent;          /* overlay directory it was found in (a reference); NULL: the root */
	char *name;                        /* its name there: where a copy-up puts it */
	/* The root until its first change: its upper inode exists from the
	 * start, but until something changes in it, it is the lower root
	 * (size, link count) as a copied-up directory would only become. */
	bool pristine;
};

static struct ovl_node *node(const struct vfs_inode *ino) { return ino->priv; }

/* The inode that answers for ino: upper if copied up, else lower. */
static struct vfs_inode *real(const struct vfs_inode *ino)
{
	return node(ino)->upper ? node(ino)->upper : node(ino)->lower;
}

static bool is_whiteout(const struct vfs_inode *ino)
{
	return S_ISCHR(ino->attr.st_mode) && ino->attr.st_rdev == 0;
}

static bool is_opaque(const struct vfs_inode *upper)
{
	struct tmpfs_mark m;
	tmpfs_get_mark(upper, &m);
	return m.opaque;
}

/* Does the lower layer take part in dir's listing and lookups? */
static bool merges_lower(const struct vfs_inode *dir)
{
	const struct ovl_node *n = node(dir);
	return n->lower && !(n->upper && is_opaque(n->upper));
}

/* The inode number the sandbox sees for an upper inode (lower_ino: the
 * lower part's, 0: none). */
static uint64_t overlay_ino(const struct vfs_inode *upper, uint64_t lower_ino)
{
	if (lower_ino)
		return lower_ino;
	struct tmpfs_mark m;
	tmpfs_get_mark(upper, &m);
	return m.has_origin ? m.origin : (uint64_t)upper->attr.st_ino | UPPER_ONLY_INO;
}

static void sync_attr(struct vfs_inode *ino)
{
	struct ovl_node *n = node(ino);
	struct vfs_inode *r = n->pristine ? n->lower : real(ino);
	ino->attr = r->attr;
	ino->attr.st_dev = ino->fs->dev;
	if (n->pristine) {
		ino->host_writable = false;
		return;
	}
	ino->attr.st_ino = n->upper ? overlay_ino(n->upper, n->lower ? n->lower->attr.st_ino : 0)
				    : n->lower->attr.st_ino;
	if (S_ISDIR(ino->attr.st_mode) && n->upper && n->lower)
		ino->attr.st_nlink = 1;   /* merged: overlayfs's "unknown" */
	ino->host_writable = r->host_writable;
}

static int node_new(struct vfs_fs *fs, struct vfs_inode *parent, const char *name,
		    struct vfs_inode *lower, struct vfs_inode *upper, struct vfs_inode **out)
{
	struct ovl_node *n = calloc(1, sizeof *n);
	char *copy = name ? strdup(name) : NULL;
	struct vfs_inode *ino = n && (copy || !name) ? vfs_inode_new(fs, n) : NULL;
	if (!ino) {
		free(n);
		free(copy);
		vfs_inode_put(lower);
		vfs_inode_put(upper);
		return -ENOMEM;
	}
	n->lower = lower;
	n->upper = upper;
	n->name = copy;
	n->parent = parent;
	if (parent)
		parent->refs++;
	sync_attr(ino);
	*out = ino;
	return 0;
}

static void set_parent(struct vfs_inode *ino, struct vfs_inode *parent, const char *name)
{
	struct ovl_node *n = node(ino);
	char *copy = strdup(name);
	if (!copy)
		return;   /* (only a copy-up reads it, and an upper inode has none left to do) */
	free(n->name);
	n->name = copy;
	parent->refs++;
	vfs_inode_put(n->parent);
	n->parent = parent;
}

/* ---- one layer's listing -------------------------------------------------- */

/* Reads the whole listing of one layer's directory through its own
 * readdir, as an open file of it would. */
static int layer_readdir(struct vfs_inode *dir,
			 bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				      const char *name, size_t namelen), void *arg)
{
	if (!dir->fs->ops->readdir)
		return -ENOTDIR;
	struct vfs_dentry d = { .inode = dir, .refs = 1 };
	struct vfs_file f = { .path = { .dentry = &d }, .flags = O_RDONLY | O_DIRECTORY };
	uint64_t pos = 0;
	int rc = dir->fs->ops->readdir(&f, &pos, emit, arg);
	if (dir->fs->ops->release_file)
		dir->fs->ops->release_file(&f);
	return rc;
}

struct entry {
	uint64_t ino;
	uint8_t type;
	bool shadowed;        /* lower entries: an upper entry or whiteout hides it */
	char *name;
};

struct listing {
	size_t n, cap;
	struct entry *e;
	int err;
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
	l->e = NULL;
	l->n = l->cap = 0;
}

static bool listing_add(void *arg, uint64_t ino, uint64_t next, uint8_t type, const char *name,
			size_t namelen)
{
	(void)next;
	struct listing *l = arg;
	if ((namelen == 1 && name[0] == '.') || (namelen == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct entry *e = realloc(l->e, cap * sizeof *e);
		if (!e) {
			l->err = -ENOMEM;
			return false;
		}
		l->e = e;
		l->cap = cap;
	}
	char *copy = strndup(name, namelen);
	if (!copy) {
		l->err = -ENOMEM;
		return false;
	}
	l->e[l->n++] = (struct entry){ .ino = ino, .type = type, .name = copy };
	return true;
}

static int read_layer(struct vfs_inode *dir, struct listing *l)
{
	int rc = layer_readdir(dir, listing_add, l);
	if (rc == 0)
		rc = l->err;
	if (rc < 0)
		listing_free(l);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *const *)a)[0]->name, ((const struct entry *const *)b)[0]->name);
}

/*
 * The merged listing of an overlay directory, "." and ".." aside: the
 * upper entries (whiteouts left out), then the lower entries no upper
 * entry or whiteout hides.  Inode numbers are those stat would show.
 */
static int merged_listing(struct vfs_inode *dir, struct listing *out)
{
	struct ovl_node *n = node(dir);
	struct listing lower = { 0 }, upper = { 0 };
	struct entry **sorted = NULL;
	int rc = 0;
	*out = (struct listing){ 0 };
	if (merges_lower(dir) && (rc = read_layer(n->lower, &lower)) < 0)
		return rc;
	if (n->upper && (rc = read_layer(n->upper, &upper)) < 0)
		goto out;
	if (lower.n && !(sorted = malloc(lower.n * sizeof *sorted))) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < lower.n; i++)
		sorted[i] = &lower.e[i];
	if (lower.n)
		qsort(sorted, lower.n, sizeof *sorted, by_name);
	for (size_t i = 0; i < upper.n; i++) {
		struct entry *u = &upper.e[i], key = { .name = u->name }, *kp = &key, **hit = NULL;
		if (lower.n)
			hit = bsearch(&kp, sorted, lower.n, sizeof *sorted, by_name);
		struct entry *l = hit ? *hit : NULL;
		if (l)
			l->shadowed = true;
		struct vfs_inode *ui;
		rc = n->upper->fs->ops->lookup(n->upper, u->name, &ui);
		if (rc < 0)
			goto out;
		bool whiteout = is_whiteout(ui);
		bool merged_dir = S_ISDIR(ui->attr.st_mode) && !is_opaque(ui) && l && l->type == DT_DIR;
		uint64_t ino = overlay_ino(ui, merged_dir ? l->ino : 0);
		vfs_inode_put(ui);
		if (whiteout)
			continue;
		if (!listing_add(out, ino, 0, u->type, u->name, strlen(u->name))) {
			rc = out->err;
			goto out;
		}
	}
	for (size_t i = 0; i < lower.n; i++) {
		struct entry *l = &lower.e[i];
		if (!l->shadowed && !listing_add(out, l->ino, 0, l->type, l->name, strlen(l->name))) {
			rc = out->err;
			goto out;
		}
	}
out:
	free(sorted);
	listing_free(&lower);
	listing_free(&upper);
	if (rc < 0)
		listing_free(out);
	return rc;
}

static int check_empty(struct vfs_inode *dir)
{
	struct listing l;
	int rc = merged_listing(dir, &l);
	if (rc < 0)
		return rc;
	rc = l.n ? -ENOTEMPTY : 0;
	listing_free(&l);
	return rc;
}

/* Removes the whiteouts of an upper directory (before it goes: they are
 * the only names left in a directory the sandbox sees as empty). */
static int purge_whiteouts(struct vfs_inode *upper_dir)
{
	struct listing l = { 0 };
	int rc = read_layer(upper_dir, &l);
	const struct vfs_fs_ops *ops = upper_dir->fs->ops;
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		if (l.e[i].type != DT_CHR)
			continue;
		struct vfs_inode *ui;
		rc = ops->lookup(upper_dir, l.e[i].name, &ui);
		if (rc < 0)
			break;
		bool whiteout = is_whiteout(ui);
		vfs_inode_put(ui);
		if (whiteout)
			rc = ops->unlink(upper_dir, l.e[i].name, false);
	}
	listing_free(&l);
	return rc;
}

/* ---- whiteouts ------------------------------------------------------------- */

/* Removes a whiteout at upper_dir/name: 1 if there was one. */
static int clear_whiteout(struct vfs_inode *upper_dir, const char *name)
{
	struct vfs_inode *ui;
	int rc = upper_dir->fs->ops->lookup(upper_dir, name, &ui);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	bool whiteout = is_whiteout(ui);
	vfs_inode_put(ui);
	if (!whiteout)
		return -EEXIST;   /* the VFS saw no entry here: the layers disagree */
	rc = upper_dir->fs->ops->unlink(upper_dir, name, false);
	return rc < 0 ? rc : 1;
}

static int make_whiteout(struct vfs_inode *upper_dir, const char *name)
{
	struct vfs_inode *wh;
	int rc = upper_dir->fs->ops->mknod(upper_dir, name, S_IFCHR, &wh);
	if (rc == 0)
		vfs_inode_put(wh);
	return rc;
}

/* Does the lower layer have `name` in dir (so removing it needs a whiteout)? */
static int lower_has(struct vfs_inode *dir, const char *name)
{
	if (!merges_lower(dir))
		return 0;
	struct vfs_inode *l = node(dir)->lower, *li;
	int rc = l->fs->ops->lookup(l, name, &li);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	vfs_inode_put(li);
	return 1;
}

/* ---- copy-up ----------------------------------------------------------------- */

static int copy_data(int to, int from)
{
	for (;;) {
		ssize_t n = sendfile(to, from, NULL, 1 << 20);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int copy_up_file(struct vfs_inode *lower, struct vfs_inode *pu, const char *name, bool data,
			struct vfs_inode **out)
{
	struct vfs_open_result lr = { .host_fd = -1 }, ur = { .host_fd = -1 };
	int rc = 0;
	if (data && lower->attr.st_size > 0)
		rc = lower->fs->ops->open(lower, O_RDONLY, &lr);
	if (rc == 0)
		rc = pu->fs->ops->create(pu, name, O_WRONLY, 0600, out, &ur);
	if (rc == 0 && lr.host_fd >= 0) {
		rc = copy_data(ur.host_fd, lr.host_fd);
		if (rc < 0) {
			pu->fs->ops->unlink(pu, name, false);
			vfs_inode_put(*out);
		}
	}
	if (lr.host_fd >= 0)
		close(lr.host_fd);
	if (ur.host_fd >= 0)
		close(ur.host_fd);
	return rc;
}

/* The lower file's user.* and security.* attributes (those a tmpfs keeps). */
static void copy_xattrs(struct vfs_inode *lower, struct vfs_inode *upper)
{
	if (!lower->fs->ops->listxattr || !upper->fs->ops->setxattr)
		return;
	char names[4096], value[4096];
	ssize_t len = lower->fs->ops->listxattr(lower, names, sizeof names);
	for (ssize_t at = 0; len > 0 && at < len; at += (ssize_t)strnlen(names + at, (size_t)(len - at)) + 1) {
		const char *x = names + at;
		if (strncmp(x, "user.", 5) != 0 && strncmp(x, "security.", 9) != 0)
			continue;
		ssize_t n = lower->fs->ops->getxattr(lower, x, value, sizeof value);
		if (n >= 0)
			upper->fs->ops->setxattr(upper, x, value, (size_t)n, 0);
	}
}

static int copy_up(struct vfs_inode *ino, bool data);

/* Makes ino's upper inode, beside its parent's, as a copy of the lower one. */
static int copy_up_one(struct vfs_inode *ino, bool data)
{
	struct ovl_node *n = node(ino);
	if (!n->parent || !n->name)
		return -EIO;   /* only the root has none, and it is always up */
	int rc = copy_up(n->parent, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *pu = node(n->parent)->upper, *l = n->lower, *u = NULL;
	const struct vfs_fs_ops *ops = pu->fs->ops;
	/* overlayfs keeps the parent's times: a copy-up is no change of it */
	struct timespec ptimes[2] = { pu->attr.st_atim, pu->attr.st_mtim };
	const struct stat *la = &l->attr;
	char target[VFS_PATH_MAX];
	switch (la->st_mode & S_IFMT) {
	case S_IFDIR:
		rc = ops->mkdir(pu, n->name, la->st_mode & 07777, &u);
		break;
	case S_IFREG:
		rc = copy_up_file(l, pu, n->name, data, &u);
		break;
	case S_IFLNK:
		rc = l->fs->ops->readlink(l, target, sizeof target - 1);
		if (rc >= 0) {
			target[rc] = 0;
			rc = ops->symlink(pu, n->name, target, &u);
		}
		break;
	case S_IFIFO:
	case S_IFSOCK:
		rc = ops->mknod(pu, n->name, la->st_mode, &u);
		break;
	default:
		rc = -EPERM;   /* a device node: the sandbox makes none of its own */
	}
	if (rc < 0)
		return rc;
	/* owner first: a chown clears set-id bits the mode then restores */
	struct vfs_setattr own = { .valid = VFS_SET_UID | VFS_SET_GID, .uid = la->st_uid, .gid = la->st_gid };
	struct vfs_setattr mode = { .valid = VFS_SET_MODE, .mode = la->st_mode & 07777 };
	struct vfs_setattr times = { .valid = VFS_SET_ATIME | VFS_SET_ATIME_SET | VFS_SET_MTIME |
					      VFS_SET_MTIME_SET,
				     .atime = la->st_atim, .mtime = la->st_mtim };
	struct vfs_setattr ptime = { .valid = times.valid, .atime = ptimes[0], .mtime = ptimes[1] };
	rc = ops->setattr(u, &own);
	if (rc == 0 && !S_ISLNK(la->st_mode))
		rc = ops->setattr(u, &mode);
	if (rc == 0)
		rc = ops->setattr(u, &times);
	if (rc == 0)
		rc = ops->setattr(pu, &ptime);
	if (rc < 0) {
		ops->unlink(pu, n->name, S_ISDIR(la->st_mode));
		vfs_inode_put(u);
		return rc;
	}
	copy_xattrs(l, u);
	struct tmpfs_mark m = { .origin = la->st_ino, .has_origin = true };
	tmpfs_set_mark(u, &m);
	n->upper = u;
	sync_attr(ino);
	sync_attr(n->parent);   /* its upper directory has one entry more (st_size) */
	return 0;
}

/* Copies ino and the directories above it up (data: a regular file's
 * contents too; not for one about to be truncated to nothing). */
static int copy_up(struct vfs_inode *ino, bool data)
{
	struct ovl_node *n = node(ino);
	if (n->pristine) {
		n->pristine = false;
		sync_attr(ino);
	}
	if (n->upper)
		return 0;
	/* one piece: its opens and reads of the lower file keep the lock */
	bool prev = vfs_io_allow(false);
	int rc = copy_up_one(ino, data);
	vfs_io_allow(prev);
	return rc;
}

/* ---- lookup, reading ---------------------------------------------------------- */

static int ovl_lookup(struct vfs_inode *dir, const char *name, struct vfs_inode **out)
{
	struct ovl_node *d = node(dir);
	struct vfs_inode *u = NULL, *l = NULL;
	int rc;
	if (d->upper) {
		rc = d->upper->fs->ops->lookup(d->upper, name, &u);
		if (rc < 0 && rc != -ENOENT)
			return rc;
		if (u && is_whiteout(u)) {
			vfs_inode_put(u);
			return -ENOENT;
		}
	}
	/* a lower name counts beneath a merging directory, and only for a
	 * directory merging with it: an upper file hides the lower one */
	if (merges_lower(dir) && (!u || (S_ISDIR(u->attr.st_mode) && !is_opaque(u)))) {
		rc = d->lower->fs->ops->lookup(d->lower, name, &l);
		if (rc < 0 && rc != -ENOENT) {
			vfs_inode_put(u);
			return rc;
		}
		if (u && l && !S_ISDIR(l->attr.st_mode)) {
			vfs_inode_put(l);
			l = NULL;
		}
	}
	if (!u && !l)
		return -ENOENT;
	return node_new(dir->fs, dir, name, l, u, out);
}

static int ovl_readlink(struct vfs_inode *ino, char *buf, size_t cap)
{
	struct vfs_inode *r = real(ino);
	return r->fs->ops->readlink ? r->fs->ops->readlink(r, buf, cap) : -EINVAL;
}

static int ovl_open(struct vfs_inode *ino, int flags, struct vfs_open_result *res)
{
	/* writing a FIFO or a device is no change of the filesystem */
	if (S_ISREG(ino->attr.st_mode) && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))) {
		int rc = copy_up(ino, !(flags & O_TRUNC));
		if (rc < 0)
			return rc;
	}
	struct vfs_inode *r = real(ino);
	int rc = r->fs->ops->open ? r->fs->ops->open(r, flags, res) : -ENXIO;
	sync_attr(ino);
	return rc;
}

/* Listings of an open directory: built when read from the start (as
 * Linux's overlayfs caches one per open directory), kept in f->priv. */
struct dir_state {
	struct listing l;
};

static int ovl_readdir(struct vfs_file *f, uint64_t *pos,
		       bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				    const char *name, size_t namelen), void *arg)
{
	struct vfs_inode *dir = f->path.dentry->inode;
	struct dir_state *ds = f->priv;
	if (*pos == 0 || !ds) {
		if (!ds && !(ds = calloc(1, sizeof *ds)))
			return -ENOMEM;
		f->priv = ds;
		listing_free(&ds->l);
		int rc = merged_listing(dir, &ds->l);
		if (rc < 0)
			return rc;
	}
	if (*pos < 1) {
		if (!emit(arg, dir->attr.st_ino, 1, DT_DIR, ".", 1))
			return 0;
		*pos = 1;
	}
	if (*pos < 2) {
		struct vfs_inode *up = node(dir)->parent ? node(dir)->parent : dir;
		if (!emit(arg, up->attr.st_ino, 2, DT_DIR, "..", 2))
			return 0;
		*pos = 2;
	}
	for (uint64_t i = *pos - 2; i < ds->l.n; i++) {
		const struct entry *e = &ds->l.e[i];
		if (!emit(arg, e->ino, i + 3, e->type, e->name, strlen(e->name)))
			return 0;
		*pos = i + 3;
	}
	return 0;
}

static void ovl_release_file(struct vfs_file *f)
{
	struct dir_state *ds = f->priv;
	if (ds)
		listing_free(&ds->l);
	free(ds);
	f->priv = NULL;
}

static int ovl_statfs(struct vfs_inode *ino, struct statfs *out)
{
	struct vfs_inode *u = node(ino)->upper;
	if (!u) {   /* the upper root says what the upper layer holds */
		struct vfs_inode *i = ino;
		while (!node(i)->upper)
			i = node(i)->parent;
		u = node(i)->upper;
	}
	int rc = u->fs->ops->statfs ? u->fs->ops->statfs(u, out) : -ENOSYS;
	if (rc == 0)
		out->f_type = OVERLAYFS_SUPER_MAGIC;
	return rc;
}

static int ovl_refresh(struct vfs_inode *ino)
{
	struct vfs_inode *r = real(ino);
	if (r->fs->ops->refresh) {
		int rc = vfs_refresh(r);
		if (rc < 0)
			return rc;
	}
	sync_attr(ino);
	return 0;
}

/* ---- changes ------------------------------------------------------------------ */

/*
 * Makes a new upper entry dir/name with make() (the VFS found no name
 * there): the directory is copied up and a whiteout in the way removed
 * first — and put back if make() fails, so the lower file stays hidden.
 */
static int make_upper(struct vfs_inode *dir, const char *name,
		      int (*make)(struct vfs_inode *upper_dir, void *arg, struct vfs_inode **out),
		      void *arg, struct vfs_inode **out)
{
	int rc = copy_up(dir, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *pu = node(dir)->upper, *u;
	int had_whiteout = clear_whiteout(pu, name);
	if (had_whiteout < 0)
		return had_whiteout;
	rc = make(pu, arg, &u);
	if (rc < 0) {
		if (had_whiteout)
			make_whiteout(pu, name);
		return rc;
	}
	return node_new(dir->fs, dir, name, NULL, u, out);
}

struct make_args {
	const char *name;
	int flags;
	mode_t mode;
	const char *target;
	int sock;
	struct vfs_inode *link_to;
	struct vfs_open_result *res;
};

static int make_file(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	return pu->fs->ops->create(pu, a->name, a->flags, a->mode, out, a->res);
}

static int make_dir(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	int rc = pu->fs->ops->mkdir(pu, a->name, a->mode, out);
	if (rc == 0) {
		/* never merged with a lower directory of its name, wherever
		 * it is moved later */
		struct tmpfs_mark m = { .opaque = true };
		tmpfs_set_mark(*out, &m);
	}
	return rc;
}

static int make_node(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	return pu->fs->ops->mknod(pu, a->name, a->mode, out);
}

static int make_symlink(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	return pu->fs->ops->symlink(pu, a->name, a->target, out);
}

static int make_link(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	return pu->fs->ops->link(pu, a->name, a->link_to, out);
}

static int make_socket(struct vfs_inode *pu, void *arg, struct vfs_inode **out)
{
	struct make_args *a = arg;
	return pu->fs->ops->bind ? pu->fs->ops->bind(pu, a->name, a->mode, a->sock, out) : -EOPNOTSUPP;
}

static int ovl_create(struct vfs_inode *dir, const char *name, int flags, mode_t mode,
		      struct vfs_inode **out, struct vfs_open_result *res)
{
	struct make_args a = { .name = name, .flags = flags, .mode = mode, .res = res };
	return make_upper(dir, name, make_file, &a, out);
}

/* O_TMPFILE: an unnamed file of the upper layer, in a copied-up dir. */
static int ovl_tmpfile(struct vfs_inode *dir, int flags, mode_t mode, struct vfs_inode **out,
		       struct vfs_open_result *res)
{
	int rc = copy_up(dir, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *pu = node(dir)->upper, *u;
	if (!pu->fs->ops->tmpfile)
		return -EOPNOTSUPP;
	rc = pu->fs->ops->tmpfile(pu, flags, mode, &u, res);
	return rc < 0 ? rc : node_new(dir->fs, dir, NULL, NULL, u, out);
}

static int ovl_mkdir(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	struct make_args a = { .name = name, .mode = mode };
	return make_upper(dir, name, make_dir, &a, out);
}

static int ovl_mknod(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out)
{
	if (S_ISCHR(mode))
		return -EPERM;   /* overlayfs: no whiteout of the sandbox's own (they are its own marks) */
	struct make_args a = { .name = name, .mode = mode };
	return make_upper(dir, name, make_node, &a, out);
}

static int ovl_symlink(struct vfs_inode *dir, const char *name, const char *target,
		       struct vfs_inode **out)
{
	struct make_args a = { .name = name, .target = target };
	return make_upper(dir, name, make_symlink, &a, out);
}

static int ovl_bind(struct vfs_inode *dir, const char *name, mode_t mode, int sock,
		    struct vfs_inode **out)
{
	struct make_args a = { .name = name, .mode = mode, .sock = sock };
	return make_upper(dir, name, make_socket, &a, out);
}

/* A new name of target: overlayfs copies the file up and links the copy. */
static int ovl_link(struct vfs_inode *dir, const char *name, struct vfs_inode *target,
		    struct vfs_inode **out)
{
	int rc = copy_up(target, true);
	if (rc < 0)
		return rc;
	struct make_args a = { .name = name, .link_to = node(target)->upper };
	rc = make_upper(dir, name, make_link, &a, out);
	if (rc == 0)
		sync_attr(target);
	return rc;
}

static int ovl_unlink(struct vfs_inode *dir, const char *name, bool is_dir)
{
	int rc = copy_up(dir, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *child;
	if ((rc = ovl_lookup(dir, name, &child)) < 0)
		return rc;
	struct vfs_inode *pu = node(dir)->upper, *cu = node(child)->upper;
	int whiteout = lower_has(dir, name);
	rc = whiteout < 0 ? whiteout : 0;
	if (rc == 0 && is_dir && (rc = check_empty(child)) == 0 && cu)
		rc = purge_whiteouts(cu);
	if (rc == 0 && cu)
		rc = pu->fs->ops->unlink(pu, name, is_dir);
	if (rc == 0 && whiteout)
		rc = make_whiteout(pu, name);
	if (rc == 0 && cu)
		sync_attr(child);   /* nlink, for whoever holds it open */
	vfs_inode_put(child);
	return rc;
}

/*
 * The common part of rename and exchange: both ends copied up (a
 * directory with a lower part cannot move: EXDEV, as overlayfs without
 * redirect_dir), what is at the new name prepared (an empty merged
 * directory loses its whiteouts, a whiteout goes).
 */
static int rename_prepare(struct vfs_inode *old_dir, struct vfs_inode *new_dir, const char *new_name,
			  struct vfs_inode *moved, bool exchange, struct vfs_inode *other)
{
	if (S_ISDIR(moved->attr.st_mode) && node(moved)->lower)
		return -EXDEV;
	if (exchange && S_ISDIR(other->attr.st_mode) && node(other)->lower)
		return -EXDEV;
	int rc = copy_up(old_dir, true);
	if (rc == 0)
		rc = copy_up(new_dir, true);
	if (rc == 0)
		rc = copy_up(moved, true);
	if (rc == 0 && exchange)
		rc = copy_up(other, true);
	if (rc < 0 || exchange)
		return rc;
	struct vfs_inode *to;
	rc = ovl_lookup(new_dir, new_name, &to);
	if (rc == -ENOENT)
		return clear_whiteout(node(new_dir)->upper, new_name) < 0 ? -EIO : 0;
	if (rc < 0)
		return rc;
	if (S_ISDIR(to->attr.st_mode)) {
		rc = check_empty(to);
		if (rc == 0 && node(to)->upper)
			rc = purge_whiteouts(node(to)->upper);
	}
	vfs_inode_put(to);
	return rc;
}

static int ovl_rename(struct vfs_inode *old_dir, const char *old_name, struct vfs_inode *new_dir,
		      const char *new_name, struct vfs_inode *moved)
{
	int rc = rename_prepare(old_dir, new_dir, new_name, moved, false, NULL);
	if (rc < 0)
		return rc;
	int whiteout = lower_has(old_dir, old_name);
	if (whiteout < 0)
		return whiteout;
	struct vfs_inode *opu = node(old_dir)->upper, *npu = node(new_dir)->upper;
	if (whiteout && opu->fs->ops->rename_flags)
		rc = opu->fs->ops->rename_flags(opu, old_name, npu, new_name, RENAME_WHITEOUT,
						node(moved)->upper, NULL);
	else
		rc = opu->fs->ops->rename(opu, old_name, npu, new_name, node(moved)->upper);
	if (rc < 0)
		return rc;
	set_parent(moved, new_dir, new_name);
	sync_attr(moved);
	return 0;
}

static int ovl_rename_flags(struct vfs_inode *old_dir, const char *old_name, struct vfs_inode *new_dir,
			    const char *new_name, unsigned flags, struct vfs_inode *moved,
			    struct vfs_inode *other)
{
	if (flags != RENAME_EXCHANGE)
		return -EINVAL;   /* overlayfs: no RENAME_WHITEOUT of the sandbox's own */
	int rc = rename_prepare(old_dir, new_dir, new_name, moved, true, other);
	if (rc < 0)
		return rc;
	struct vfs_inode *opu = node(old_dir)->upper, *npu = node(new_dir)->upper;
	rc = opu->fs->ops->rename_flags(opu, old_name, npu, new_name, RENAME_EXCHANGE,
					node(moved)->upper, node(other)->upper);
	if (rc < 0)
		return rc;
	set_parent(moved, new_dir, new_name);
	set_parent(other, old_dir, old_name);
	sync_attr(moved);
	sync_attr(other);
	return 0;
}

static int ovl_setattr(struct vfs_inode *ino, const struct vfs_setattr *a)
{
	bool to_nothing = (a->valid & VFS_SET_SIZE) && a->size == 0;
	int rc = copy_up(ino, !to_nothing);
	if (rc < 0)
		return rc;
	struct vfs_inode *u = node(ino)->upper;
	rc = u->fs->ops->setattr(u, a);
	sync_attr(ino);
	return rc;
}

/* ---- xattrs ---------------------------------------------------------------------- */

static ssize_t ovl_getxattr(struct vfs_inode *ino, const char *name, void *buf, size_t cap)
{
	struct vfs_inode *r = real(ino);
	return r->fs->ops->getxattr ? r->fs->ops->getxattr(r, name, buf, cap) : -EOPNOTSUPP;
}

static ssize_t ovl_listxattr(struct vfs_inode *ino, char *buf, size_t cap)
{
	struct vfs_inode *r = real(ino);
	return r->fs->ops->listxattr ? r->fs->ops->listxattr(r, buf, cap) : 0;
}

static int ovl_setxattr(struct vfs_inode *ino, const char *name, const void *value, size_t size,
			int flags)
{
	int rc = copy_up(ino, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *u = node(ino)->upper;
	rc = u->fs->ops->setxattr(u, name, value, size, flags);
	sync_attr(ino);
	return rc;
}

static int ovl_removexattr(struct vfs_inode *ino, const char *name)
{
	/* nothing to remove is no change: no copy-up for ENODATA */
	ssize_t have = ovl_getxattr(ino, name, NULL, 0);
	if (have < 0)
		return (int)have;
	int rc = copy_up(ino, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *u = node(ino)->upper;
	rc = u->fs->ops->removexattr(u, name);
	sync_attr(ino);
	return rc;
}

/* ---- sockets ----------------------------------------------------------------------- */

static int ovl_connect(struct vfs_inode *ino, int type, int *sock_fd)
{
	struct vfs_inode *r = real(ino);
	return r->fs->ops->connect ? r->fs->ops->connect(r, type, sock_fd) : -ECONNREFUSED;
}

static int ovl_socket_path(struct vfs_inode *ino, char *buf, size_t cap)
{
	struct vfs_inode *r = real(ino);
	return r->fs->ops->socket_path ? r->fs->ops->socket_path(r, buf, cap) : -ENXIO;
}

/*
 * inotify: the watch goes on the upper file, copied up first — every
 * later change the sandbox makes lands there, so a watch on the lower
 * file would see none of them.  A directory's new names land in the
 * upper tmpfs directory, which is sentry memory with no host object to
 * watch: EOPNOTSUPP, as for any tmpfs directory.
 */
static int ovl_add_watch(struct vfs_inode *ino, int inotify_fd, uint32_t mask)
{
	if (S_ISDIR(ino->attr.st_mode))
		return -EOPNOTSUPP;
	int rc = copy_up(ino, true);
	if (rc < 0)
		return rc;
	struct vfs_inode *u = node(ino)->upper;
	return u->fs->ops->add_watch ? u->fs->ops->add_watch(u, inotify_fd, mask) : -EOPNOTSUPP;
}

static void ovl_release(struct vfs_inode *ino)
{
	struct ovl_node *n = node(ino);
	vfs_inode_put(n->lower);
	vfs_inode_put(n->upper);
	vfs_inode_put(n->parent);
	free(n->name);
	free(n);
}

static const struct vfs_fs_ops overlay_ops = {
	.name = "overlay",
	.lookup = ovl_lookup,
	.readlink = ovl_readlink,
	.open = ovl_open,
	.create = ovl_create,
	.tmpfile = ovl_tmpfile,
	.readdir = ovl_readdir,
	.statfs = ovl_statfs,
	.refresh = ovl_refresh,
	.mkdir = ovl_mkdir,
	.mknod = ovl_mknod,
	.symlink = ovl_symlink,
	.link = ovl_link,
	.unlink = ovl_unlink,
	.rename = ovl_rename,
	.rename_flags = ovl_rename_flags,
	.setattr = ovl_setattr,
	.getxattr = ovl_getxattr,
	.listxattr = ovl_listxattr,
	.setxattr = ovl_setxattr,
	.removexattr = ovl_removexattr,
	.connect = ovl_connect,
	.bind = ovl_bind,
	.socket_path = ovl_socket_path,
	.add_watch = ovl_add_watch,
	.release_file = ovl_release_file,
	.release = ovl_release,
};

int overlay_new(struct vfs_fs **out, struct vfs_inode *lower_root, struct vfs_inode *upper_root,
		struct vfs_inode **root)
{
	static unsigned next_minor = 1;
	struct vfs_fs *fs = calloc(1, sizeof *fs);
	if (!fs)
		return -ENOMEM;
	fs->ops = &overlay_ops;
	fs->policy = VFS_CACHE_FSCACHE;
	fs->own_attrs = true;
	fs->dev = makedev(0, 0x30 + next_minor++);
	/* the upper root stands for the lower one: same owner, mode, times */
	const struct stat *la = &lower_root->attr;
	struct vfs_setattr a = { .valid = VFS_SET_UID | VFS_SET_GID | VFS_SET_MODE | VFS_SET_ATIME |
					  VFS_SET_ATIME_SET | VFS_SET_MTIME | VFS_SET_MTIME_SET,
				 .uid = la->st_uid, .gid = la->st_gid, .mode = la->st_mode & 07777,
				 .atime = la->st_atim, .mtime = la->st_mtim };
	int rc = upper_root->fs->ops->setattr(upper_root, &a);
	if (rc == 0)
		rc = node_new(fs, NULL, NULL, lower_root, upper_root, root);
	else {
		vfs_inode_put(lower_root);
		vfs_inode_put(upper_root);
	}
	if (rc < 0) {
		free(fs);
		return rc;
	}
	struct tmpfs_mark m = { .origin = la->st_ino, .has_origin = true };
	tmpfs_set_mark(upper_root, &m);
	node(*root)->pristine = true;
	sync_attr(*root);
	*out = fs;
	return 0;
}
