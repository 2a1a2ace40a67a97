/*
 * The sentry's virtual file system: mounts, a dentry cache (with negative
 * entries), inodes of pluggable filesystems, and the path walk.
 *
 * Contract:
 *  - Every path an application names is resolved here, component by
 *    component, with Linux semantics: `.`/`..` (`..` never leaves the task's
 *    root and crosses mount points), symlinks resolved inside the sandbox view
 *    (40 links at most: ELOOP), trailing slashes (the last component must be a
 *    directory), ENAMETOOLONG (255 per component, 4096 per path), ENOTDIR.
 *  - Filesystems implement struct vfs_fs_ops; the walk never calls a backend
 *    with `.`, `..`, `/` or an empty name.
 *  - Functions return 0 or a negative errno; references (vfs_dentry_get/put)
 *    keep dentries and their inodes alive.
 *  - Permission checks (search on each directory walked, vfs_permission()
 *    for the operations) follow Linux's generic_permission().
 *  - Not thread-safe: the sentry calls it holding its one lock.  A
 *    filesystem's lookup may release that lock around a blocking request
 *    to its backend (vfs_io_begin/vfs_io_end), and only there: meanwhile
 *    the walk keeps the directory and its own start points referenced and
 *    the name is marked in lookup, so that every other lookup of the same
 *    name waits for this one (Linux's d_alloc_parallel).
 */
#ifndef RUNSC_LITE_VFS_H
#define RUNSC_LITE_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#define VFS_NAME_MAX   255
#define VFS_PATH_MAX   4096
#define VFS_SYMLOOP_MAX 40

struct vfs_inode;
struct vfs_dentry;
struct vfs_mount;
struct vfs_file;
struct vfs_path;

/* What open() of a file gives the application. */
struct vfs_open_result {
	int host_fd;          /* donated host fd to install, or -1: placeholder */
	pid_t opener;         /* in: the opening task (whose /dev/tty it is), 0: unknown */
};

/* What a chmod/chown/truncate/utimes changes (the VFS_SET_* bits in valid). */
#define VFS_SET_MODE      0x01
#define VFS_SET_UID       0x02
#define VFS_SET_GID       0x04
#define VFS_SET_SIZE      0x08
#define VFS_SET_ATIME     0x10   /* to atime, or now without VFS_SET_ATIME_SET */
#define VFS_SET_MTIME     0x20
#define VFS_SET_ATIME_SET 0x80
#define VFS_SET_MTIME_SET 0x100
struct vfs_setattr {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec atime, mtime;
};

struct vfs_fs_ops {
	/* Finds `name` in directory `dir`: 0 with *out (a new inode), -ENOENT, ... */
	int (*lookup)(struct vfs_inode *dir, const char *name, struct vfs_inode **out);
	int (*readlink)(struct vfs_inode *ino, char *buf, size_t cap);
	/* Opens a regular file for I/O by the application (flags: Linux O_*). */
	int (*open)(struct vfs_inode *ino, int flags, struct vfs_open_result *res);
	/* Creates and opens a regular file `name` in `dir`. */
	int (*create)(struct vfs_inode *dir, const char *name, int flags, mode_t mode,
		      struct vfs_inode **out, struct vfs_open_result *res);
	/* open(dir, O_TMPFILE): creates and opens an unnamed regular file
	 * (st_nlink 0) on dir's filesystem; mode has the umask applied.  It
	 * may be linked later (link) unless flags has O_EXCL.  Optional:
	 * without it, EOPNOTSUPP. */
	int (*tmpfile)(struct vfs_inode *dir, int flags, mode_t mode, struct vfs_inode **out,
		       struct vfs_open_result *res);
	/* Reads directory entries starting at the backend's cookie `*pos`;
	 * emit() returns false when the caller's buffer is full. */
	int (*readdir)(struct vfs_file *f, uint64_t *pos,
		       bool (*emit)(void *arg, uint64_t ino, uint64_t next, uint8_t type,
				    const char *name, size_t namelen), void *arg);
	int (*statfs)(struct vfs_inode *ino, struct statfs *out);
	/* Re-reads the inode's attributes (for cache policies that revalidate).
	 * Called through vfs_refresh(); when it gives the lock up and finds
	 * attr_stale set again afterwards, a change wrote attributes meanwhile:
	 * it keeps those. */
	int (*refresh)(struct vfs_inode *ino);
	/* Under the revalidating policies (files may change behind the
	 * sandbox's back): is the cached child `d` of `dir` still what the
	 * backend has?  0: yes (attributes refreshed), 1: no (the VFS drops it
	 * and looks up again), or a negative errno. */
	int (*revalidate)(struct vfs_inode *dir, struct vfs_dentry *d);

	/* Changes.  Names are single valid components; the VFS has checked
	 * the filesystem is writable and updates the dentry cache itself. */
	int (*mkdir)(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out);
	/* S_IFREG, S_IFIFO, S_IFSOCK nodes and whiteouts (S_IFCHR, device 0;
	 * other devices are refused by the VFS). */
	int (*mknod)(struct vfs_inode *dir, const char *name, mode_t mode, struct vfs_inode **out);
	int (*symlink)(struct vfs_inode *dir, const char *name, const char *target,
		       struct vfs_inode **out);
	int (*link)(struct vfs_inode *dir, const char *name, struct vfs_inode *target,
		    struct vfs_inode **out);
	int (*unlink)(struct vfs_inode *dir, const char *name, bool is_dir);
	/* Moves old_dir/old_name to new_dir/new_name (replacing what is there);
	 * `moved` is the inode being moved, so the backend can re-point it. */
	int (*rename)(struct vfs_inode *old_dir, const char *old_name, struct vfs_inode *new_dir,
		      const char *new_name, struct vfs_inode *moved);
	/* renameat2's RENAME_EXCHANGE (the two entries swap; `other` is the
	 * file at new_name) and RENAME_WHITEOUT (a whiteout is left at
	 * old_name; other is NULL).  Optional: without it, EINVAL. */
	int (*rename_flags)(struct vfs_inode *old_dir, const char *old_name,
			    struct vfs_inode *new_dir, const char *new_name, unsigned flags,
			    struct vfs_inode *moved, struct vfs_inode *other);
	int (*setattr)(struct vfs_inode *ino, const struct vfs_setattr *attr);

	/* Extended attributes, Linux semantics (cap 0 asks for the size). */
	ssize_t (*getxattr)(struct vfs_inode *ino, const char *name, void *buf, size_t cap);
	ssize_t (*listxattr)(struct vfs_inode *ino, char *buf, size_t cap);
	int (*setxattr)(struct vfs_inode *ino, const char *name, const void *value, size_t size,
			int flags);
	int (*removexattr)(struct vfs_inode *ino, const char *name);

	/* A socket connected to the socket file ino (type: SOCK_STREAM...). */
	int (*connect)(struct vfs_inode *ino, int type, int *sock_fd);
	/* Unix sockets bound inside the sandbox (tmpfs).  bind: a new socket
	 * node `name` in `dir` (mode: S_IFSOCK | permissions, umask applied)
	 * to which sock_fd, the sentry's duplicate of the application's
	 * socket, is bound (the kernel's bind on a backing name): what
	 * bind(2) does.  socket_path: the sentry-side path (in the sentry's
	 * root) that the socket node ino is bound to, for connect(2);
	 * -ECONNREFUSED when no socket was ever bound there (mknod); -ENXIO
	 * when ino is not the sandbox's own but a host socket: connect. */
	int (*bind)(struct vfs_inode *dir, const char *name, mode_t mode, int sock_fd,
		    struct vfs_inode **out);
	int (*socket_path)(struct vfs_inode *ino, char *buf, size_t cap);
	/* inotify_add_watch(2) on ino for the application's inotify
	 * instance (inotify_fd, the sentry's duplicate of it; not taken
	 * over), mask as the application gave it: the watch descriptor, or a
	 * negative errno.  The host kernel then queues the events on that
	 * instance itself.  Optional: without it (nothing on the host stands
	 * for the inode: tmpfs directories, procfs, devfs) EOPNOTSUPP. */
	int (*add_watch)(struct vfs_inode *ino, int inotify_fd, uint32_t mask);
	void (*release_file)(struct vfs_file *f);
	void (*release)(struct vfs_inode *ino);

	/* A magic link (procfs: fd/N, exe, cwd, root): 0 with *out, the
	 * object it refers to (borrowed: valid for the rest of the walk),
	 * which the walk jumps to instead of following a link body; 1: an
	 * ordinary link, follow readlink's body; or a negative errno (the
	 * object is not in the VFS, the task is gone). */
	int (*get_link)(struct vfs_inode *ino, struct vfs_path *out);
	/* The type /proc/mounts shows ("9p", "tmpfs", ...; NULL: "none"). */
	const char *name;
};

/* Cache policies of the seed (gVisor's gofer mounts), per filesystem. */
enum vfs_cache_policy {
	VFS_CACHE_FSCACHE,               /* dentries, attributes cached: exclusive access */
	VFS_CACHE_FSCACHE_WRITETHROUGH,  /* the same here: data I/O is native on host FDs */
	VFS_CACHE_REMOTE_REVALIDATING,   /* every lookup and stat asks the backend again */
	VFS_CACHE_NONE,                  /* likewise, and nothing kept beyond one syscall */
};

struct vfs_fs {
	const struct vfs_fs_ops *ops;
	dev_t dev;            /* the st_dev the sandbox sees for this filesystem */
	bool readonly;
	/* Files are generated by the sentry (procfs): fstat answers with the
	 * VFS's attributes, not those of the memfd the application holds. */
	bool synthetic;
	/* Its character devices may be opened (devfs).  A device node on any
	 * other filesystem is ENXIO: no host device reaches the sandbox. */
	bool devices;
	enum vfs_cache_policy policy;
	/* Mode, owner, links and inode number are the filesystem's, not the
	 * host fd's (tmpfs): fstat asks the VFS, not the donated fd. */
	bool own_attrs;
	/* Its changes (create, remove, rename, link, setattr) may give the
	 * sentry lock up for their backend request (the gofer: one request
	 * each, nothing of the VFS touched meanwhile); the handler holds the
	 * inodes it changes with vfs_inode_lock. */
	bool unlocked_changes;
	void *priv;
};

struct vfs_inode {
	struct vfs_fs *fs;
	struct stat attr;     /* attributes as the sandbox sees them */
	/* The sandbox holds (or held) a writable host fd of this file: its
	 * size and times change natively, so cached attributes are stale. */
	bool host_writable;
	/* Changed by an operation whose effect on the attributes (a
	 * directory's nlink and times, a chmod's ctime) is the host's to say:
	 * re-read once on the next stat. */
	bool attr_stale;
	uint64_t dir_gen;     /* a directory's entries changed: bumped (readdir caches) */
	/* Held by a change that may give the sentry lock up for its backend
	 * request (vfs_inode_lock, Linux's inode lock): the holder's token. */
	const void *lock_owner;
	int lock_depth;
	int refs;
	void *priv;
};

struct vfs_dentry {
	char *name;
	struct vfs_dentry *parent;     /* NULL only for a filesystem root */
	struct vfs_inode *inode;       /* NULL: negative entry */
	struct vfs_mount *mounted;     /* a mount on top of this dentry */
	struct vfs_dentry *hash_next;
	bool deleted;                  /* its name is gone (unlinked, replaced) */
	/* Never had a name (an O_TMPFILE file, "#INO"): not in the cache, freed
	 * with its last reference (vfs_d_alloc_unnamed). */
	bool unnamed;
	/* Being looked up by a thread that released the sentry lock: others
	 * wait (vfs_lock_ops.wait) instead of reading its NULL inode. */
	bool in_lookup;
	/* Given an inode by vfs_add_child while in lookup: the lookup's own
	 * result is older and is dropped. */
	bool superseded;
	int nchildren;                 /* dentries whose parent this is */
	int refs;
};

struct vfs_mount {
	struct vfs_dentry *root;
	struct vfs_mount *parent;      /* NULL for the sandbox root mount */
	struct vfs_dentry *mountpoint; /* in parent */
	struct vfs_fs *fs;
	struct vfs_mount *next;        /* the mount table, in mount order */
};

/* A position in the tree: which mount, which dentry. */
struct vfs_path {
	struct vfs_mount *mnt;
	struct vfs_dentry *dentry;
};

/* An open file of the application, found again through the FD identity
 * table (sentry/files.h). */
struct vfs_file {
	struct vfs_path path;
	int flags;                     /* open flags as the application gave them */
	void *priv;                    /* backend state, e.g. an opened 9P fid */
	unsigned pins;                 /* handlers using it without the lock: kept */
	bool reading;                  /* a getdents is in progress (Linux's f_pos lock) */
};

/* Credentials permission checks are made against: a task's, as Linux's
 * generic_permission() sees them. */
#define VFS_NGROUPS_MAX 64
struct vfs_cred {
	uid_t uid, fsuid;              /* real (access(2)) and file-system ids */
	gid_t gid, fsgid;
	int ngroups;
	gid_t groups[VFS_NGROUPS_MAX];
	uint64_t caps;                 /* effective capabilities, 1 << CAP_* */
};
/* The credentials of the syscall this thread is serving (set by the
 * dispatcher; NULL outside one): filesystems that own their inodes (tmpfs)
 * give new files the caller's fsuid and fsgid, as Linux does. */
void vfs_set_current_cred(const struct vfs_cred *c);
const struct vfs_cred *vfs_current_cred(void);
#define VFS_MAY_EXEC  1
#define VFS_MAY_WRITE 2
#define VFS_MAY_READ  4
/* Linux's DAC check of `mask` on ino: owner, group or other bits by the
 * cred's fs ids and groups; CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH as
 * Linux applies them.  0 or -EACCES.  A NULL cred allows everything. */
int vfs_permission(const struct vfs_inode *ino, const struct vfs_cred *c, int mask);
bool vfs_capable(const struct vfs_cred *c, int cap);
/* Whether c may add or remove names in dir: EROFS on a read-only
 * filesystem, else write and search permission (Linux's may_create). */
int vfs_may_create(const struct vfs_inode *dir, const struct vfs_cred *c);
bool vfs_in_group(const struct vfs_cred *c, gid_t gid);
/* Owner of ino, or CAP_FOWNER (chmod, explicit times, sticky deletion). */
bool vfs_owner_or_capable(const struct vfs_inode *ino, const struct vfs_cred *c);
/* May c remove or replace the entry for `victim` in dir?  Write and search
 * on dir, and the sticky-directory rule: 0, -EACCES or -EPERM. */
int vfs_may_delete(const struct vfs_inode *dir, const struct vfs_inode *victim,
		   const struct vfs_cred *c);

/* Walk flags. */
#define VFS_FOLLOW      0x1   /* follow a symlink in the last component */
#define VFS_DIRECTORY   0x2   /* the last component must be a directory */
#define VFS_PARENT      0x4   /* stop at the parent; return the last name */
#define VFS_EMPTY_OK    0x8   /* "" names the start directory (AT_EMPTY_PATH) */
/* openat2(2) RESOLVE_* semantics (RESOLVE_IN_ROOT is root = start). */
#define VFS_NO_SYMLINKS 0x10  /* any symlink to follow: ELOOP */
#define VFS_NO_XDEV     0x20  /* crossing a mount point: EXDEV */
#define VFS_BENEATH     0x40  /* absolute paths and ".." above start: EXDEV */
#define VFS_CACHED      0x80  /* anything the dentry cache cannot answer: EAGAIN */
#define VFS_NO_MAGICLINKS 0x100 /* a magic link to follow (get_link): ELOOP */
/* A last component that is a magic link to an object outside the VFS (a
 * pipe behind /proc/PID/fd/N: get_link says ENXIO) ends the walk at the
 * link itself, with w->outside set: the caller opens the object. */
#define VFS_OUTSIDE     0x200

struct vfs_walk {
	struct vfs_path root;          /* the task's root: `..` stops here */
	struct vfs_path start;         /* cwd or dirfd */
	int flags;
	const struct vfs_cred *cred;   /* search permission on every directory (NULL: none) */
	/* results */
	struct vfs_path result;        /* with VFS_PARENT: the parent directory */
	char last[VFS_NAME_MAX + 1];   /* with VFS_PARENT: the final name ("" if none) */
	bool trailing_slash;
	bool outside;                  /* with VFS_OUTSIDE: result is such a magic link */
};

void vfs_init(void);

/*
 * How a filesystem's lookup may let other threads run while it waits for
 * its backend.  The sentry provides these (NULL: no releasing at all);
 * every function is called holding the lock.
 *  - release: gives the lock up for a blocking request of the thread's
 *    current syscall, if that syscall may (false: the lock stays held);
 *  - reacquire: takes it back after release returned true;
 *  - wait: sleeps until some lookup ends, the lock released meanwhile;
 *  - wake_all: wakes every wait.
 */
struct vfs_lock_ops {
	bool (*release)(void);
	void (*reacquire)(void);
	void (*wait)(void);
	void (*wake_all)(void);
	/* a request that may block is made with the lock held (NULL: nothing) */
	void (*held)(void);
};
void vfs_set_lock_ops(const struct vfs_lock_ops *ops);
/* Called by a filesystem around a request that may block: true when the
 * lock was given up; then, until vfs_io_end(true), it must touch nothing
 * shared (no VFS object, no state of its own that others change), only the
 * request itself.  False unless the caller allowed it (vfs_io_allow): the
 * walk does for its lookups, re-validations and link reads, the open
 * handler for the open of a regular file, getdents for the listing (its
 * file marked `reading` and pinned).  False, the request is made with the
 * lock held, and lock_ops->held is told (the sentry lets another worker
 * receive the sandbox's syscalls meanwhile). */
bool vfs_io_begin(void);
void vfs_io_end(bool released);
/* Allows (or forbids) vfs_io_begin for this thread: the caller keeps what
 * it uses referenced and expects the world to have moved on afterwards.
 * Returns the previous setting, to restore. */
bool vfs_io_allow(bool allow);
/* Waits until some request made without the lock has ended (the lock is
 * given up meanwhile), and wakes such waits: for state a handler marks
 * busy across its request (an open directory being read).  Only with lock
 * ops set: without them no request ever gives the lock up. */
void vfs_io_wait(void);
/* Re-reads ino's attributes from its backend (ops->refresh), which may give
 * the lock up for it when allowed: the inode must be referenced.  A change
 * made meanwhile marks the inode stale again and keeps what it wrote. */
int vfs_refresh(struct vfs_inode *ino);
/* Linux's inode lock, for a change whose backend request may go without
 * the sentry lock: a and b (b may be NULL or a) are taken together, once
 * no other thread holds either (waiting without the sentry lock: the
 * caller keeps both referenced).  While a directory is held, other
 * threads' lookups of names it has no cached entry for, and its
 * re-validations, wait, so the change and the dentry cache stay in step;
 * cached names are still found.  The holder may take it again. */
void vfs_inode_lock(struct vfs_inode *a, struct vfs_inode *b);
void vfs_inode_unlock(struct vfs_inode *a, struct vfs_inode *b);
/* Allows the backend request of a change on fs to go without the lock
 * (fs->unlocked_changes); returns the previous setting, for vfs_io_allow. */
bool vfs_io_allow_change(const struct vfs_fs *fs);
void vfs_io_wake(void);

/* Frees unused cached dentries beyond the cache's bound; call holding the
 * lock between syscalls (a walk holds references on what it keeps across
 * a released lock, and on nothing else). */
void vfs_shrink(void);
struct vfs_mount *vfs_mount_new(struct vfs_fs *fs, struct vfs_inode *root_inode,
				struct vfs_path *at);
struct vfs_path vfs_root(void);
/* The mount table in mount order (the root mount first). */
struct vfs_mount *vfs_mounts(void);

/* Resolves `path` (relative paths from w->start).  On success w->result
 * holds references the caller drops with vfs_path_put(). */
int vfs_walk(struct vfs_walk *w, const char *path);

/* The child of dir called name: cached positive or negative, else looked
 * up (the lock held throughout, unless the name is being looked up by
 * another thread: then it waits, the lock released, so dentries the caller
 * holds without a reference may be gone afterwards). */
int vfs_lookup_child(struct vfs_path *dir, const char *name, struct vfs_dentry **out);
/* The same in a directory the caller holds (vfs_inode_lock) and references:
 * the backend's lookup may go without the sentry lock, as a walk's. */
int vfs_lookup_child_held(struct vfs_path *dir, const char *name, struct vfs_dentry **out);
/* Records `ino` as the child `name` of `dir` (after a create). */
struct vfs_dentry *vfs_add_child(struct vfs_dentry *dir, const char *name, struct vfs_inode *ino);
/* A dentry for an unnamed file in dir (O_TMPFILE): named `name` ("#INO", as
 * Linux's d_tmpfile) for /proc/self/fd links, deleted, never hashed; the
 * caller holds its one reference, and the last vfs_dentry_put frees it
 * (and puts ino, whose reference it takes).  NULL on ENOMEM. */
struct vfs_dentry *vfs_d_alloc_unnamed(struct vfs_dentry *dir, const char *name,
				       struct vfs_inode *ino);
/* The name is gone (unlink, or replaced by a rename): later lookups miss,
 * while open files that hold the dentry keep its inode.  A dentry nothing
 * else refers to is freed at once: d must not be used afterwards. */
void vfs_d_drop(struct vfs_dentry *d);
/* d now lives as new_name in new_parent (after a rename). */
int vfs_d_move(struct vfs_dentry *d, struct vfs_dentry *new_parent, const char *new_name);
/* a and b swap their names and parents (after RENAME_EXCHANGE). */
void vfs_d_exchange(struct vfs_dentry *a, struct vfs_dentry *b);

/* Absolute path of p as seen from root (for getcwd and logs). */
int vfs_path_string(const struct vfs_path *root, const struct vfs_path *p, char *buf, size_t cap);

struct vfs_path vfs_path_get(struct vfs_path p);
void vfs_path_put(struct vfs_path p);
void vfs_dentry_get(struct vfs_dentry *d);
void vfs_dentry_put(struct vfs_dentry *d);
struct vfs_inode *vfs_inode_new(struct vfs_fs *fs, void *priv);
void vfs_inode_put(struct vfs_inode *ino);

static inline bool vfs_is_dir(const struct vfs_inode *i) { return S_ISDIR(i->attr.st_mode); }
/* A name in dir was added, removed or renamed: its attributes (nlink,
 * times) must be re-read and any cached listing is void. */
static inline void vfs_dir_changed(struct vfs_inode *dir)
{
	dir->attr_stale = true;
	dir->dir_gen++;
}
static inline bool vfs_is_link(const struct vfs_inode *i) { return S_ISLNK(i->attr.st_mode); }

/* Filesystems. */
/* The gofer backend: every inode is a 9P fid on the given client. */
struct p9_client;
/* procfd: the sentry's own procfs, to re-open shared read handles (-1: none). */
int goferfs_new(struct vfs_fs **out, struct p9_client *c, uint32_t root_fid,
		bool readonly, enum vfs_cache_policy policy, int procfd, struct vfs_inode **root);
/* An empty read-only directory, mounted over host paths the sandbox must not
 * see (/sys in `do` mode). */
int emptyfs_new(struct vfs_fs **out, struct vfs_inode **root);
/* A memory filesystem (sentry/tmpfs.c): the tree in sentry memory, regular
 * files and FIFOs as files of a backing tmpfs at `backing` beneath
 * stagingfd (mounted by the caller before the first file is made; its size=
 * is the mount's). */
#define TMPFS_DEFAULT_INODES 262144
struct tmpfs_opts {
	int stagingfd;
	const char *backing;       /* relative to stagingfd, e.g. ".rl/t/0" */
	uint64_t max_inodes;       /* 0: TMPFS_DEFAULT_INODES */
	mode_t mode;               /* of the root; 0: 01777 */
	uid_t uid;
	gid_t gid;
	/* A tmpfs whose character devices open (the sandbox's /dev: devfs):
	 * a new host description of device rdev for the task `opener` (its
	 * controlling terminal), or a negative errno.  NULL: every device
	 * node of the mount is ENXIO, as a device node anywhere else. */
	int (*open_device)(void *arg, dev_t rdev, int flags, pid_t opener);
	void *device_arg;
};
int tmpfs_new(struct vfs_fs **out, struct vfs_inode **root, const struct tmpfs_opts *o);
/* A character device node dir/name (mode: S_IFCHR | permissions, owned by
 * uid 0), which no application call can make (mknod of a device is EPERM):
 * only the sentry, populating /dev.  0 or a negative errno; *out as
 * mkdir gives it. */
int tmpfs_make_device(struct vfs_inode *dir, const char *name, mode_t mode, dev_t rdev,
		      struct vfs_inode **out);
/* Makes the mirror trees of every tmpfs (the directories inotify watches,
 * sentry/tmpfs.c), once their backing tmpfs mounts exist. */
void tmpfs_mirror_all(void);
/* Frees a tmpfs whose inodes are all gone (the root's last reference put). */
void tmpfs_free(struct vfs_fs *fs);
/* What the overlay (sentry/overlay.c) keeps with an inode of its upper
 * tmpfs: the inode number of the lower file it is a copy of, and whether
 * a directory hides any lower directory of its name.  Zero until set. */
struct tmpfs_mark {
	uint64_t origin;
	bool has_origin;
	bool opaque;
};
void tmpfs_get_mark(const struct vfs_inode *ino, struct tmpfs_mark *m);
void tmpfs_set_mark(struct vfs_inode *ino, const struct tmpfs_mark *m);
/* "N", "Nk", "Nm", "Ng" (bytes, nonzero): 0 or -EINVAL. */
int tmpfs_parse_size(const char *s, uint64_t *out);
/* The overlay root (sentry/overlay.c): lower_root's filesystem (the
 * gofer's read-only rootfs) under upper_root's, which must be a tmpfs
 * root: every change lands there, copied up from the lower layer first.
 * Takes over both references. */
int overlay_new(struct vfs_fs **out, struct vfs_inode *lower_root, struct vfs_inode *upper_root,
		struct vfs_inode **root);
/* The sandbox's /dev (sentry/devfs.c): a tmpfs (its backing tmpfs at
 * `backing` beneath stagingfd, as tmpfs_new) holding Linux's standard
 * nodes, writable as Linux's devtmpfs; its device nodes open in the tree
 * devfs_prepare_host() made before the pivot (devfd, -1: none), attached
 * beneath stagingfd by devfs_attach(); procfd tells an opener's
 * controlling terminal.  devpts_new: the filesystem mounted at /dev/pts,
 * the sandbox's own devpts instance from the same tree. */
int devfs_new(struct vfs_fs **out, int devfd, int stagingfd, int procfd, const char *backing,
	      struct vfs_inode **root);
int devpts_new(struct vfs_fs **out, int devfd, int stagingfd, struct vfs_inode **root);

#endif
