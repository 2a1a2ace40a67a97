/*
 * VFS core: dentry cache and the path walk.
 *
 * The walk keeps the not-yet-resolved rest of the path in one heap buffer.
 * When a symlink is met, its target is spliced in front of the rest and the
 * walk goes on from the link's directory (or from the root for an absolute
 * target): the same result as Linux's stack of link bodies, with the same
 * 40-link budget.
 */
#include "sentry/vfs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>

#define DCACHE_BUCKETS 4096

static struct vfs_dentry *dcache[DCACHE_BUCKETS];
static struct vfs_mount *root_mount;
static size_t ndentries;      /* hashed dentries */

static size_t dhash(const struct vfs_dentry *parent, const char *name)
{
	size_t h = (size_t)(uintptr_t)parent * 0x9e3779b97f4a7c15ULL;
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return (h >> 7) % DCACHE_BUCKETS;
}

void vfs_init(void)
{
	memset(dcache, 0, sizeof dcache);
	root_mount = NULL;
}

struct vfs_inode *vfs_inode_new(struct vfs_fs *fs, void *priv)
{
	struct vfs_inode *i = calloc(1, sizeof *i);
	if (!i)
		return NULL;
	i->fs = fs;
	i->priv = priv;
	i->refs = 1;
	return i;
}

void vfs_inode_put(struct vfs_inode *ino)
{
	if (!ino || --ino->refs > 0)
		return;
	if (ino->fs->ops->release)
		ino->fs->ops->release(ino);
	free(ino);
}

void vfs_dentry_get(struct vfs_dentry *d) { d->refs++; }

static void dentry_free(struct vfs_dentry *d);

/* Dentries stay cached while their parent lives: the cache holds one
 * reference per entry, so a put never frees a hashed dentry (vfs_shrink
 * evicts them).  An unnamed one is in no cache: its last put frees it.  A
 * dropped one keeps the cache's reference, which nothing else stands for
 * any more: it goes when only that one is left (and no child or mount
 * hangs on it). */
void vfs_dentry_put(struct vfs_dentry *d)
{
	if (!d)
		return;
	d->refs--;
	if (d->unnamed ? d->refs == 0
		       : d->refs == 1 && d->deleted && d->nchildren == 0 && !d->mounted && d->parent)
		dentry_free(d);
}

struct vfs_path vfs_path_get(struct vfs_path p)
{
	vfs_dentry_get(p.dentry);
	return p;
}

void vfs_path_put(struct vfs_path p) { vfs_dentry_put(p.dentry); }

static struct vfs_dentry *dentry_new(struct vfs_dentry *parent, const char *name,
				     struct vfs_inode *ino)
{
	struct vfs_dentry *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->name = strdup(name);
	if (!d->name) {
		free(d);
		return NULL;
	}
	d->parent = parent;
	d->inode = ino;
	d->refs = 1;   /* the cache's reference */
	if (parent) {
		size_t b = dhash(parent, name);
		d->hash_next = dcache[b];
		dcache[b] = d;
		parent->nchildren++;
		ndentries++;
	}
	return d;
}

static struct vfs_dentry *dcache_find(struct vfs_dentry *parent, const char *name)
{
	for (struct vfs_dentry *d = dcache[dhash(parent, name)]; d; d = d->hash_next)
		if (d->parent == parent && strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

struct vfs_dentry *vfs_add_child(struct vfs_dentry *dir, const char *name, struct vfs_inode *ino)
{
	struct vfs_dentry *d = dcache_find(dir, name);
	if (d) {
		vfs_inode_put(d->inode);
		d->inode = ino;
		d->superseded = d->in_lookup;
		return d;
	}
	return dentry_new(dir, name, ino);
}

struct vfs_dentry *vfs_d_alloc_unnamed(struct vfs_dentry *dir, const char *name,
				       struct vfs_inode *ino)
{
	struct vfs_dentry *d = calloc(1, sizeof *d);
	if (!d || !(d->name = strdup(name))) {
		free(d);
		return NULL;
	}
	d->parent = dir;
	dir->nchildren++;   /* keeps the directory (and so the path) cached */
	d->inode = ino;
	d->deleted = d->unnamed = true;
	d->refs = 1;
	return d;
}

static void dcache_unhash(struct vfs_dentry *d)
{
	if (!d->parent)
		return;
	for (struct vfs_dentry **pp = &dcache[dhash(d->parent, d->name)]; *pp; pp = &(*pp)->hash_next)
		if (*pp == d) {
			*pp = d->hash_next;
			d->hash_next = NULL;
			ndentries--;
			return;
		}
}

/*
 * Eviction.  Every cached dentry may pin a backend resource (a gofer fid,
 * i.e. an open fd in the gofer), so the cache is bounded: beyond
 * VFS_DCACHE_MAX hashed dentries, vfs_shrink() frees unused leaves — only
 * the cache's reference, no child, no mount — until a quarter is gone,
 * going round the buckets like a clock hand.  It must run when no walk is
 * in progress (walks hold no references on the dentries they pass).
 */
#define VFS_DCACHE_MAX 8192

static bool evictable(const struct vfs_dentry *d)
{
	return d->refs == 1 && d->nchildren == 0 && !d->mounted && d->parent &&
	       (!d->inode || d->inode->refs == 1);
}

static void dentry_free(struct vfs_dentry *d)
{
	d->parent->nchildren--;
	vfs_inode_put(d->inode);
	free(d->name);
	free(d);
}

void vfs_shrink(void)
{
	static size_t hand;
	if (ndentries <= VFS_DCACHE_MAX)
		return;
	size_t target = VFS_DCACHE_MAX * 3 / 4;
	for (size_t scanned = 0; scanned < DCACHE_BUCKETS && ndentries > target; scanned++) {
		size_t b = hand++ % DCACHE_BUCKETS;
		for (struct vfs_dentry **pp = &dcache[b]; *pp;) {
			struct vfs_dentry *d = *pp;
			if (!evictable(d)) {
				pp = &d->hash_next;
				continue;
			}
			*pp = d->hash_next;
			ndentries--;
			dentry_free(d);
		}
	}
}

/* A dropped name that nothing refers to but the cache (no open file, cwd,
 * walk result, child or mount) is freed at once: its inode goes with it,
 * so a gofer file's fid is clunked and the host's last reference to a
 * removed file is closed (its space comes back, inotify's IN_DELETE_SELF
 * comes).  One still referenced stays until the sandbox ends. */
void vfs_d_drop(struct vfs_dentry *d)
{
	dcache_unhash(d);
	d->deleted = true;
	if (d->refs == 1 && d->nchildren == 0 && !d->mounted && d->parent)
		dentry_free(d);
}

int vfs_d_move(struct vfs_dentry *d, struct vfs_dentry *new_parent, const char *new_name)
{
	char *name = strdup(new_name);
	if (!name)
		return -ENOMEM;
	struct vfs_dentry *old = dcache_find(new_parent, new_name);
	if (old && old != d)
		vfs_d_drop(old);   /* replaced: positive or negative, it is gone */
	dcache_unhash(d);
	free(d->name);
	d->name = name;
	d->parent->nchildren--;
	d->parent = new_parent;
	new_parent->nchildren++;
	size_t b = dhash(new_parent, name);
	d->hash_next = dcache[b];
	dcache[b] = d;
	ndentries++;
	return 0;
}

void vfs_d_exchange(struct vfs_dentry *a, struct vfs_dentry *b)
{
	if (a == b)
		return;
	dcache_unhash(a);
	dcache_unhash(b);
	char *name = a->name;
	struct vfs_dentry *parent = a->parent;
	a->name = b->name;
	a->parent = b->parent;
	b->name = name;
	b->parent = parent;   /* each parent still has as many children */
	struct vfs_dentry *d[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		size_t h = dhash(d[i]->parent, d[i]->name);
		d[i]->hash_next = dcache[h];
		dcache[h] = d[i];
		ndentries++;
	}
}

struct vfs_mount *vfs_mount_new(struct vfs_fs *fs, struct vfs_inode *root_inode,
				struct vfs_path *at)
{
	struct vfs_mount *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->fs = fs;
	m->root = dentry_new(NULL, "/", root_inode);
	if (!m->root) {
		free(m);
		return NULL;
	}
	struct vfs_mount **tail = &root_mount;
	while (*tail)
		tail = &(*tail)->next;
	if (at) {
		*tail = m;
		m->parent = at->mnt;
		m->mountpoint = at->dentry;
		at->dentry->mounted = m;
	} else {
		m->next = root_mount;   /* (the root is mounted first) */
		root_mount = m;
	}
	return m;
}

struct vfs_mount *vfs_mounts(void)
{
	return root_mount;
}

struct vfs_path vfs_root(void)
{
	return (struct vfs_path){ root_mount, root_mount->root };
}

static const struct vfs_lock_ops *lock_ops;
/* Set while a lookup the walk makes runs: only then may its filesystem
 * release the lock (vfs_io_begin). */
static __thread bool io_may_release;

void vfs_set_lock_ops(const struct vfs_lock_ops *ops) { lock_ops = ops; }

bool vfs_io_begin(void)
{
	if (!lock_ops)
		return false;
	if (io_may_release && lock_ops->release())
		return true;
	if (lock_ops->held)
		lock_ops->held();
	return false;
}

void vfs_io_end(bool released)
{
	if (released)
		lock_ops->reacquire();
}

void vfs_io_wait(void)
{
	lock_ops->wait();
}

int vfs_refresh(struct vfs_inode *ino)
{
	/* cleared first: a change while the backend waits without the lock
	 * sets it again, and the backend then leaves the change's attributes
	 * alone (they are newer than its answer may be) */
	bool was_stale = ino->attr_stale;
	ino->attr_stale = false;
	int rc = ino->fs->ops->refresh(ino);
	if (rc < 0)
		ino->attr_stale = ino->attr_stale || was_stale;
	return rc;
}

static __thread char lock_token;   /* its address is this thread's */

static bool held_by_other(const struct vfs_inode *ino)
{
	return ino && ino->lock_owner && ino->lock_owner != &lock_token;
}

void vfs_inode_lock(struct vfs_inode *a, struct vfs_inode *b)
{
	if (b == a)
		b = NULL;
	while (held_by_other(a) || held_by_other(b))
		lock_ops->wait();   /* (only seen with lock_ops: without, nothing is released) */
	a->lock_owner = &lock_token;
	a->lock_depth++;
	if (b) {
		b->lock_owner = &lock_token;
		b->lock_depth++;
	}
}

void vfs_inode_unlock(struct vfs_inode *a, struct vfs_inode *b)
{
	if (b == a)
		b = NULL;
	if (--a->lock_depth == 0)
		a->lock_owner = NULL;
	if (b && --b->lock_depth == 0)
		b->lock_owner = NULL;
	vfs_io_wake();
}

bool vfs_io_allow_change(const struct vfs_fs *fs)
{
	return vfs_io_allow(fs->unlocked_changes);
}

void vfs_io_wake(void)
{
	if (lock_ops)
		lock_ops->wake_all();
}

bool vfs_io_allow(bool allow)
{
	bool prev = io_may_release;
	io_may_release = allow;
	return prev;
}

/* The backend lookup of `name` in dir, entered in the cache.  The new
 * dentry is marked in lookup meanwhile, and referenced, as is the
 * directory: if the filesystem releases the lock, neither is evicted or
 * freed, and another lookup of the name waits for this one. */
static int lookup_new(struct vfs_path *dir, const char *name, bool may_release,
		      struct vfs_dentry **out)
{
	struct vfs_dentry *d = dentry_new(dir->dentry, name, NULL);
	if (!d)
		return -ENOMEM;
	d->in_lookup = true;
	vfs_dentry_get(d);
	vfs_dentry_get(dir->dentry);
	struct vfs_inode *di = dir->dentry->inode, *ino = NULL;
	bool prev = vfs_io_allow(may_release);
	int rc = di->fs->ops->lookup(di, name, &ino);
	vfs_io_allow(prev);
	d->in_lookup = false;
	if (lock_ops)
		lock_ops->wake_all();
	vfs_dentry_put(dir->dentry);
	vfs_dentry_put(d);
	if (d->superseded) {
		vfs_inode_put(ino);   /* created meanwhile: the newer answer stands */
		rc = 0;
	} else if (rc == 0) {
		d->inode = ino;
	} else if (rc != -ENOENT) {
		vfs_d_drop(d);   /* no answer: nothing is cached */
		return rc;
	}
	*out = d;
	return d->inode ? 0 : -ENOENT;
}

/* A cached child under the revalidating policies: is it still what the
 * backend has?  0: yes; 1: no, or it was dropped meanwhile (the backend may
 * have released the lock): look again. */
static int revalidate(struct vfs_path *dir, struct vfs_dentry *d, bool may_release)
{
	struct vfs_inode *di = dir->dentry->inode;
	vfs_dentry_get(d);
	vfs_dentry_get(dir->dentry);
	bool prev = vfs_io_allow(may_release);
	int rc = di->fs->ops->revalidate(di, d);
	vfs_io_allow(prev);
	vfs_dentry_put(dir->dentry);   /* (d, its child, keeps it) */
	if (d->deleted) {
		rc = rc < 0 ? rc : 1;
	} else if (rc > 0) {
		/* changed behind our back: look it up afresh (an unused leaf
		 * is freed at once, or a filesystem whose names come and go,
		 * procfs, would leak one dentry per change) */
		vfs_d_drop(d);
	}
	vfs_dentry_put(d);
	return rc;
}

static int lookup_child(struct vfs_path *dir, const char *name, struct vfs_dentry **out,
			bool cached_only, bool may_release)
{
	for (;;) {
		struct vfs_dentry *d = dcache_find(dir->dentry, name);
		if (d && d->in_lookup) {
			if (cached_only)
				return -EAGAIN;
			vfs_dentry_get(dir->dentry);
			lock_ops->wait();   /* in_lookup is only seen with lock_ops */
			bool gone = dir->dentry->deleted;   /* (the put may free it then) */
			vfs_dentry_put(dir->dentry);
			if (gone)
				return -ENOENT;
			continue;
		}
		struct vfs_inode *di = dir->dentry->inode;
		bool backend = !d || (di->fs->policy >= VFS_CACHE_REMOTE_REVALIDATING &&
				      di->fs->ops->revalidate && !d->mounted);
		if (backend && !cached_only && held_by_other(di)) {
			/* a change in the directory is on its way: wait for it */
			vfs_dentry_get(dir->dentry);
			lock_ops->wait();
			bool gone = dir->dentry->deleted;
			vfs_dentry_put(dir->dentry);
			if (gone)
				return -ENOENT;
			continue;
		}
		/* (a mount point is never dropped: its mount hangs on the dentry) */
		if (d && di->fs->policy >= VFS_CACHE_REMOTE_REVALIDATING && di->fs->ops->revalidate &&
		    !cached_only && !d->mounted) {
			int rc = revalidate(dir, d, may_release);
			if (rc < 0)
				return rc;
			if (rc > 0)
				continue;
		}
		if (!d && cached_only)
			return -EAGAIN;
		if (!d)
			return lookup_new(dir, name, may_release, out);
		*out = d;
		return d->inode ? 0 : -ENOENT;
	}
}

int vfs_lookup_child(struct vfs_path *dir, const char *name, struct vfs_dentry **out)
{
	return lookup_child(dir, name, out, false, false);
}

int vfs_lookup_child_held(struct vfs_path *dir, const char *name, struct vfs_dentry **out)
{
	return lookup_child(dir, name, out, false, true);
}

static bool same_path(struct vfs_path a, struct vfs_path b)
{
	return a.mnt == b.mnt && a.dentry == b.dentry;
}

/* Steps `cur` to its parent, crossing mount points, never above `root`;
 * true if it crossed a mount. */
static bool step_up(struct vfs_path *cur, const struct vfs_path *root)
{
	bool crossed = false;
	for (;;) {
		if (same_path(*cur, *root))
			return crossed;
		if (cur->dentry != cur->mnt->root) {
			cur->dentry = cur->dentry->parent;
			return crossed;
		}
		if (!cur->mnt->parent)
			return crossed;   /* the root of the whole tree */
		cur->dentry = cur->mnt->mountpoint;
		cur->mnt = cur->mnt->parent;
		crossed = true;
	}
}

/* Descends through every mount stacked on cur; true if it crossed one. */
static bool step_down_mounts(struct vfs_path *cur)
{
	bool crossed = false;
	while (cur->dentry->mounted) {
		cur->mnt = cur->dentry->mounted;
		cur->dentry = cur->mnt->root;
		crossed = true;
	}
	return crossed;
}

/* Replaces `rest` (the unresolved remainder) with target + "/" + rest. */
static int splice_link(char **rest, size_t *rest_len, const char *target, size_t tlen)
{
	size_t n = tlen + 1 + *rest_len + 1;
	char *buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, target, tlen);
	size_t at = tlen;
	if (*rest_len) {
		buf[at++] = '/';
		memcpy(buf + at, *rest, *rest_len);
		at += *rest_len;
	}
	buf[at] = 0;
	free(*rest);
	*rest = buf;
	*rest_len = at;
	return 0;
}

static __thread const struct vfs_cred *current_cred;

void vfs_set_current_cred(const struct vfs_cred *c) { current_cred = c; }
const struct vfs_cred *vfs_current_cred(void) { return current_cred; }

bool vfs_capable(const struct vfs_cred *c, int cap)
{
	return !c || (c->caps >> cap) & 1;
}

bool vfs_in_group(const struct vfs_cred *c, gid_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

int vfs_permission(const struct vfs_inode *ino, const struct vfs_cred *c, int mask)
{
	if (!c)
		return 0;
	const struct stat *st = &ino->attr;
	mode_t mode = st->st_mode;
	int bits;
	if (c->fsuid == st->st_uid)
		bits = (int)(mode >> 6) & 7;
	else if (vfs_in_group(c, st->st_gid))
		bits = (int)(mode >> 3) & 7;
	else
		bits = (int)mode & 7;
	if ((mask & ~bits) == 0)
		return 0;
	bool dir = S_ISDIR(mode);
	/* execute needs some x bit even for an overriding caller */
	if (vfs_capable(c, CAP_DAC_OVERRIDE) && (!(mask & VFS_MAY_EXEC) || dir || (mode & 0111)))
		return 0;
	if (vfs_capable(c, CAP_DAC_READ_SEARCH) &&
	    (mask == VFS_MAY_READ || (dir && !(mask & VFS_MAY_WRITE))))
		return 0;
	return -EACCES;
}

int vfs_may_create(const struct vfs_inode *dir, const struct vfs_cred *c)
{
	return dir->fs->readonly ? -EROFS : vfs_permission(dir, c, VFS_MAY_WRITE | VFS_MAY_EXEC);
}

bool vfs_owner_or_capable(const struct vfs_inode *ino, const struct vfs_cred *c)
{
	return !c || c->fsuid == ino->attr.st_uid || vfs_capable(c, CAP_FOWNER);
}

int vfs_may_delete(const struct vfs_inode *dir, const struct vfs_inode *victim,
		   const struct vfs_cred *c)
{
	int rc = vfs_permission(dir, c, VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (rc < 0)
		return rc;
	if ((dir->attr.st_mode & S_ISVTX) && c && c->fsuid != victim->attr.st_uid &&
	    c->fsuid != dir->attr.st_uid && !vfs_capable(c, CAP_FOWNER))
		return -EPERM;
	return 0;
}

static int walk(struct vfs_walk *w, const char *path)
{
	size_t len = strlen(path);
	if (len == 0 && !(w->flags & VFS_EMPTY_OK))
		return -ENOENT;
	if (len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;

	struct vfs_path cur = path[0] == '/' ? w->root : w->start;
	w->trailing_slash = len > 0 && path[len - 1] == '/';
	w->last[0] = 0;
	w->outside = false;
	char *rest = strdup(path);
	if (!rest)
		return -ENOMEM;
	size_t pos = 0, rest_len = len;
	int links = 0, rc = 0;
	step_down_mounts(&cur);

	for (;;) {
		/* skip slashes; a leading slash (of the path, or of an absolute
		 * link body spliced in) restarts at the root */
		if (rest[pos] == '/') {
			if (pos == 0) {
				if (w->flags & VFS_BENEATH) {
					rc = -EXDEV;
					break;
				}
				bool other_mount = cur.mnt != w->root.mnt;
				cur = w->root;
				if ((step_down_mounts(&cur) || other_mount) && (w->flags & VFS_NO_XDEV)) {
					rc = -EXDEV;
					break;
				}
			}
			while (rest[pos] == '/')
				pos++;
		}
		if (rest[pos] == 0)
			break;
		if (!vfs_is_dir(cur.dentry->inode)) {
			rc = -ENOTDIR;
			break;
		}
		/* search permission on every directory a name is looked up in
		 * (Linux's may_lookup: the last component's too, and . and ..) */
		rc = vfs_permission(cur.dentry->inode, w->cred, VFS_MAY_EXEC);
		if (rc < 0)
			break;
		const char *name = rest + pos;
		size_t nlen = strcspn(name, "/");
		if (nlen > VFS_NAME_MAX) {
			rc = -ENAMETOOLONG;
			break;
		}
		char comp[VFS_NAME_MAX + 1];
		memcpy(comp, name, nlen);
		comp[nlen] = 0;
		pos += nlen;
		size_t after = pos;
		while (rest[after] == '/')
			after++;
		bool is_last = rest[after] == 0;

		if (is_last && (w->flags & VFS_PARENT)) {
			memcpy(w->last, comp, nlen + 1);
			break;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if ((w->flags & VFS_BENEATH) && same_path(cur, w->start)) {
				rc = -EXDEV;
				break;
			}
			bool crossed = step_up(&cur, &w->root);
			crossed |= step_down_mounts(&cur);
			if (crossed && (w->flags & VFS_NO_XDEV)) {
				rc = -EXDEV;
				break;
			}
			continue;
		}
		struct vfs_dentry *child;
		rc = lookup_child(&cur, comp, &child, w->flags & VFS_CACHED, true);
		if (rc < 0)
			break;
		struct vfs_path next = { cur.mnt, child };
		if (step_down_mounts(&next) && (w->flags & VFS_NO_XDEV)) {
			rc = -EXDEV;
			break;
		}
		bool follow = !is_last || (w->flags & VFS_FOLLOW) || w->trailing_slash;
		if (vfs_is_link(next.dentry->inode) && follow) {
			if (w->flags & (VFS_NO_SYMLINKS | VFS_CACHED)) {
				/* link bodies are not cached: RESOLVE_CACHED retries uncached */
				rc = (w->flags & VFS_NO_SYMLINKS) ? -ELOOP : -EAGAIN;
				break;
			}
			if (++links > VFS_SYMLOOP_MAX) {
				rc = -ELOOP;
				break;
			}
			char target[VFS_PATH_MAX];
			struct vfs_inode *li = next.dentry->inode;
			if (li->fs->ops->get_link) {
				struct vfs_path to;
				rc = li->fs->ops->get_link(li, &to);
				if (rc == -ENXIO && is_last && (w->flags & VFS_OUTSIDE)) {
					cur = next;   /* the caller opens what is behind it */
					w->outside = true;
					rc = 0;
					break;
				}
				if (rc < 0)
					break;
				if (rc == 0) {
					/* a magic link: on from the object itself */
					if (w->flags & VFS_NO_MAGICLINKS) {
						rc = -ELOOP;
						break;
					}
					cur = to;
					continue;
				}
			}
			/* the link and the directory it is in stay referenced:
			 * reading the body may release the lock */
			vfs_dentry_get(next.dentry);
			vfs_dentry_get(cur.dentry);
			bool prev = vfs_io_allow(true);
			rc = li->fs->ops->readlink(li, target, sizeof target);
			vfs_io_allow(prev);
			vfs_dentry_put(cur.dentry);
			vfs_dentry_put(next.dentry);
			if (rc < 0)
				break;
			if (rc == 0) {
				rc = -ENOENT;
				break;
			}
			/* a link that ends the path and whose body ends in "/" must
			 * name a directory, as if the slash were in the path */
			if (is_last && target[rc - 1] == '/')
				w->trailing_slash = true;
			/* the rest after this component follows the link body */
			char *saved = strndup(rest + pos, rest_len - pos);
			if (!saved) {
				rc = -ENOMEM;
				break;
			}
			free(rest);
			rest = saved;
			rest_len = strlen(rest);
			while (rest_len && rest[0] == '/')
				memmove(rest, rest + 1, rest_len--);
			rc = splice_link(&rest, &rest_len, target, (size_t)rc);
			if (rc < 0)
				break;
			pos = 0;   /* relative: on from the link's directory; absolute: from the root */
			continue;
		}
		cur = next;
	}
	free(rest);
	if (rc < 0)
		return rc;
	if ((w->flags & VFS_PARENT) && w->last[0] == 0) {
		/* the path named a directory itself ("/", ".", "a/..") */
		if (!vfs_is_dir(cur.dentry->inode))
			return -ENOTDIR;
	}
	if (!(w->flags & VFS_PARENT) && (w->trailing_slash || (w->flags & VFS_DIRECTORY)) &&
	    !vfs_is_dir(cur.dentry->inode))
		return -ENOTDIR;
	if ((w->flags & VFS_PARENT) && !vfs_is_dir(cur.dentry->inode))
		return -ENOTDIR;
	w->result = vfs_path_get(cur);
	return 0;
}

/* The root and start are referenced for the walk: a lookup may release the
 * lock, and a thread of the task may chdir or close the dirfd meanwhile. */
int vfs_walk(struct vfs_walk *w, const char *path)
{
	struct vfs_dentry *root = w->root.dentry, *start = w->start.dentry;
	if (root)
		vfs_dentry_get(root);
	if (start)
		vfs_dentry_get(start);
	int rc = walk(w, path);
	vfs_dentry_put(start);
	vfs_dentry_put(root);
	return rc;
}

int vfs_path_string(const struct vfs_path *root, const struct vfs_path *p, char *buf, size_t cap)
{
	/* Collect names from p up to root, then write them in reverse. */
	const char *names[VFS_PATH_MAX / 2];
	size_t n = 0;
	struct vfs_path cur = *p;
	while (!same_path(cur, *root) && n < sizeof names / sizeof names[0]) {
		if (cur.dentry == cur.mnt->root) {
			if (!cur.mnt->parent)
				break;   /* outside the task's root: Linux prints from the real root */
			cur.dentry = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
			continue;
		}
		names[n++] = cur.dentry->name;
		cur.dentry = cur.dentry->parent;
	}
	size_t at = 0;
	if (n == 0) {
		if (cap < 2)
			return -ERANGE;
		memcpy(buf, "/", 2);
		return 1;
	}
	while (n-- > 0) {
		size_t l = strlen(names[n]);
		if (at + 1 + l + 1 > cap)
			return -ERANGE;
		buf[at++] = '/';
		memcpy(buf + at, names[n], l);
		at += l;
	}
	buf[at] = 0;
	return (int)at;
}
