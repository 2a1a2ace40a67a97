/*
 * gofer internal: per-connection state, the fid table and the helpers the
 * operation files (ops*.c) share. Not public.
 *
 * Threads and ownership.  Several workers serve one connection at once
 * (gofer_start); this is what keeps their requests apart:
 *
 *   1. A request uses only the fids it names (every u32 field of the
 *      message whose name ends in "fid": fid, newfid, dfid, olddirfid...).
 *      Before its callback runs it HOLDS each of those fid numbers — shared
 *      when it only reads the fid (a walk's source, the directory of a
 *      mkdir, the fid of a getattr... listed in fid.c), exclusively
 *      otherwise (newfid, open, create, readdir, clunk, remove, write, lock
 *      and any request not listed) — and it keeps them until its reply is
 *      encoded (gofer_request_begin/end, called by the p9 server).  All the
 *      numbers of a request are taken at once, or it waits holding none, so
 *      holds never deadlock.  Hence: a fid is never changed under another
 *      request's feet, a Tclunk waits for the requests using its fid, and a
 *      reply may point into fid memory (an xattr value).
 *   2. conn->lock guards the fid table (hash chains, nfids) and the holds,
 *      and every fid's location: node, parent, name and type are written
 *      only under it (gofer_fid_set_node) by the request holding the fid
 *      exclusively, because a rename moves the location of fids it does
 *      not hold (gofer_fid_move) and reads all of them under the lock.
 *   3. A rename never changes a held fid: the move is kept pending until
 *      the fid's last holder is done, and no new request takes the fid
 *      before it is applied, so a request sees a fid's location stable
 *      from its begin to its end.
 *   4. Handles are immutable but for their atomic reference count: any
 *      holder of a reference may use handle->fd.
 *   5. Per-thread scratch (the Rreadlink target, gofer_create_uid) lives
 *      in thread-local storage; reset() runs with no request in progress.
 *   6. Names.  A rename (host call and the fids' follow-up) takes the
 *      names lock exclusively, so fids follow renames in the order the host
 *      saw them.  Everything else that acts on a file by its name (an open
 *      or chmod of a regular file, link, remove, connect, xattrs and
 *      watches of non-directories) or gives a fid a name (a walk, which
 *      includes a clone) takes it shared, from reading the fid's name to
 *      the end of the host call, and reads the name with any move pending
 *      on the fid (gofer_name_begin).  So a file renamed by the sandbox
 *      while a request holds one of its fids is still found: its request
 *      sees the new name, never the old one (only a rename by a host
 *      process can leave a fid with a stale name: ESTALE, or ENOENT).
 * Lock order: names lock -> conn->lock, which is innermost (nothing is
 * called with it held but memory and FD bookkeeping).
 */
#ifndef RUNSC_LITE_GOFER_INTERNAL_H
#define RUNSC_LITE_GOFER_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gofer/gofer.h"

/* A host O_PATH FD shared by several fids (a clone, or a parent directory
 * referenced by its children). Closed when the last reference goes. dev/ino
 * identify the file it was opened on (used to follow renames). */
struct gofer_handle {
	atomic_int refs;
	int fd;
	dev_t dev;
	ino_t ino;
};

/* An xattr fid (Txattrwalk / Txattrcreate); defined in ops_xattr.c. */
struct gofer_xattr;
/* A rename's move of a held fid, applied when it is free (fid.c). */
struct gofer_move;

struct gofer_fid {
	uint32_t num;
	struct gofer_fid *next;            /* hash chain (conn->lock) */
	const struct gofer_mount *mount;
	/* location: written under conn->lock only (rule 2) */
	struct gofer_handle *node;         /* O_PATH|O_NOFOLLOW FD of the file */
	struct gofer_handle *parent;       /* O_PATH FD of its directory; NULL at a mount root */
	char name[GOFER_NAME_MAX + 1];     /* entry in parent; "" at a mount root */
	mode_t type;                       /* S_IFMT when walked */
	struct gofer_move *move;           /* pending rename (rule 3), conn->lock */
	/* open state: changed only by a request holding the fid exclusively */
	bool opened;                       /* Tlopen/Tlcreate done, or an xattr fid */
	int open_acc;                      /* O_ACCMODE of that open (O_RDONLY otherwise) */
	int open_fd;                       /* kept open FD (directory, or file not donated); -1 */
	/* A walked, not opened, directory's own FD for Treaddir (the
	 * extension's one-message listing: no Tlopen, no clone to clunk),
	 * opened at its first Treaddir, closed when the fid names another
	 * node; -1.  Changed only by a request holding the fid exclusively. */
	int dir_fd;
	int lock_fd;                       /* FD owning this fid's OFD record locks; -1 */
	struct gofer_xattr *xattr;         /* non-NULL: an xattr fid */
	/* A Ttmpfile fid not linked yet: node is the unnamed file's own open
	 * FD (a duplicate of the donated one, of access mode open_acc), parent
	 * the directory it was made in, name "".  It cannot be walked from or
	 * re-opened; Tlink names it (only if linkable: made without O_EXCL)
	 * and it then is a walked fid of that name.  Changed only by a request
	 * holding the fid exclusively. */
	bool unnamed;
	bool linkable;
};

#define GOFER_FID_BUCKETS 4096
/* Live xattr fids per connection: each buffers up to 64 KiB, so a hostile
 * client may pin at most 16 MiB of gofer memory this way (a little more
 * while several workers create some at the same moment). */
#define GOFER_MAX_XATTR_FIDS 256
/* Fid numbers held at once: a request names at most 8 fids (fid.c; two in
 * every message today), and GOFER_WORKERS requests are served at a time. */
#define GOFER_MAX_HOLDS (8 * GOFER_WORKERS)

/* A fid number in use by requests being served (rule 1). */
struct gofer_hold {
	uint32_t num;
	unsigned shared;                   /* holders reading the fid */
	bool excl;                         /* one holder changing it */
};

struct gofer_conn {
	const struct gofer_config *cfg;
	pthread_mutex_t lock;              /* rule 2 */
	pthread_cond_t released;           /* a hold was given back */
	struct gofer_hold holds[GOFER_MAX_HOLDS];
	struct gofer_fid *fids[GOFER_FID_BUCKETS];
	atomic_size_t nfids;
	atomic_size_t nxattrs;             /* live xattr fids */
	bool fd_donation;                  /* of the current session */
	int home_fd;                       /* O_PATH fd of the gofer's cwd at start, or -1 (ops_ext.c) */
};

/* takes fd; st describes it; NULL (fd closed) on ENOMEM */
struct gofer_handle *gofer_handle_new(int fd, const struct stat *st);
struct gofer_handle *gofer_handle_get(struct gofer_handle *h);
void gofer_handle_put(struct gofer_handle *h);
bool gofer_handle_is(const struct gofer_handle *h, const struct stat *st);

/* The fid `num`, or NULL.  The caller holds num (rule 1). */
struct gofer_fid *gofer_fid_lookup(struct gofer_conn *c, uint32_t num);
/* A new, empty fid (open_fd and lock_fd -1, no location yet). -EEXIST if
 * num is in use, -ENFILE past GOFER_MAX_FIDS, -ENOMEM. */
int gofer_fid_create(struct gofer_conn *c, uint32_t num, struct gofer_fid **out);
/* Gives f its location (taking over the references to node and parent),
 * dropping the one it had and any pending move (rule 2). */
void gofer_fid_set_node(struct gofer_conn *c, struct gofer_fid *f, const struct gofer_mount *m,
			struct gofer_handle *node, struct gofer_handle *parent, const char *name,
			mode_t type);
/* Drops the fid's handles, open FDs and xattr state; keeps it in the table. */
void gofer_fid_release(struct gofer_conn *c, struct gofer_fid *f);
/* Removes num from the table and releases it; -EBADF if unknown. */
int gofer_fid_destroy(struct gofer_conn *c, uint32_t num);
/* Every fid goes (Tversion, end of the connection: no request in progress). */
void gofer_fids_clear(struct gofer_conn *c);
/* Calls fn on every fid of the connection, with conn->lock held: fn may read
 * any fid's location and call gofer_fid_move(), nothing else. */
void gofer_fids_foreach(struct gofer_conn *c, void (*fn)(struct gofer_fid *f, void *arg), void *arg);
/* Under conn->lock (from gofer_fids_foreach) or the names lock (rule 6):
 * where f is named, counting a move still pending: its parent (NULL at a
 * mount root) and name. */
void gofer_fid_where(const struct gofer_fid *f, struct gofer_handle **parent, const char **name);
/* Under conn->lock: f is now named `name` in `newdir` (a rename moved it);
 * at once if no request holds f, else when the last one is done (rule 3). */
void gofer_fid_move(struct gofer_conn *c, struct gofer_fid *f, struct gofer_handle *newdir,
		    const char *name);

/* The p9 server's hooks around each request (rule 1): take and give back
 * the fid numbers t names. */
int gofer_request_begin(void *arg, const struct p9_fcall *t);
void gofer_request_end(void *arg, const struct p9_fcall *t);

/* ---- shared helpers (ops.c) ---------------------------------------------- */

struct p9_qid gofer_qid_of(const struct stat *st);
/* lstat of what an O_PATH FD refers to; 0 or -errno */
int gofer_stat_fd(int fd, struct stat *st);
bool gofer_same_inode(const struct stat *a, const struct stat *b);
/* procfs, sysfs and other host kernel filesystems are never served. */
bool gofer_on_host_pseudo_fs(int fd);

/* The fid `num` for an operation on the file it names: -EBADF if unknown,
 * -EINVAL for an xattr fid, -EACCES beneath a host pseudo-filesystem. */
int gofer_node_fid(struct gofer_conn *c, uint32_t num, struct gofer_fid **out);
/* The directory fid `num` and a checked entry name in it, for an operation
 * that creates, removes or renames: gofer_node_fid's errors, -ENOTDIR,
 * gofer_name_check's errors, -EROFS on a read-only mount. */
int gofer_dir_entry(struct gofer_conn *c, uint32_t num, struct p9_str name,
		    char out[GOFER_NAME_MAX + 1], struct gofer_fid **dir);
/* Where a fid's file is named for a host call by name (rule 6). */
struct gofer_name {
	struct gofer_handle *dir;          /* its directory; NULL at a mount root */
	int dfd;                           /* dir's O_PATH FD; -1 at a mount root */
	const char *name;                  /* the entry; "" at a mount root */
};
/* The names lock, shared (renames wait); a thread may take it again. */
void gofer_names_hold(void);
void gofer_names_release(void);
/* Begins a call by f's name (holds the names lock until gofer_name_end):
 * *n is the name f has now, a move pending on it included. */
void gofer_name_begin(const struct gofer_fid *f, struct gofer_name *n);
void gofer_name_end(void);
/* A rename: from the host call to the fids' follow-up, exclusively.  Not
 * with the lock held shared. */
void gofer_rename_begin(void);
void gofer_rename_end(void);
/* Within gofer_rename_begin/end: where f is named now. */
void gofer_name_now(const struct gofer_fid *f, struct gofer_name *n);
/* Between gofer_name_begin/end: checks that n still names the fid's inode
 * (no symlink followed); fills *st. -EBUSY at a mount root (no name to act
 * on), -ESTALE if another file took the name. */
int gofer_check_name(const struct gofer_fid *f, const struct gofer_name *n, struct stat *st);
/*
 * A real (not O_PATH) FD on the fid's file, for the calls that need one:
 *   regular file: re-opened by name relative to its parent with flags (an
 *     access mode, maybe O_APPEND...) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY,
 *     then checked to be the fid's inode (-ESTALE otherwise);
 *   directory: "." of its own O_PATH FD, read-only (-EISDIR for another
 *     access mode);
 *   an unnamed file (Ttmpfile): a duplicate of its own FD, if that FD
 *     allows the access mode asked for (-EACCES otherwise); other flags
 *     are not applied (the description is the application's).
 * Other types: -EINVAL (nothing else is ever opened: devices have side
 * effects on open, FIFOs block). O_NONBLOCK stays set on the result.
 */
/* Opens the entry `name` of dirfd never through a symlink (ELOOP), like
 * O_NOFOLLOW but without it in the description the application receives
 * (its F_GETFL shows what it asked for): openat2 RESOLVE_NO_SYMLINKS.
 * -1 with errno. */
int gofer_open_leaf(int dirfd, const char *name, int flags);
int gofer_open_real(struct gofer_fid *f, int flags, int *fd_out);
/* Tlopen of a FIFO (ops_ext.c): never blocks the gofer; FD donation only. */
int gofer_lopen_fifo(struct gofer_conn *c, struct gofer_fid *f, uint32_t lflags, int *fd_out);
int gofer_op_lconnect(void *arg, const struct p9_tlconnect *t, int *fd);
/* Rgetattr body of a host stat (P9_GETATTR_BASIC). */
void gofer_attr_of(const struct stat *st, struct p9_attr *r);
/* The owner uid the next creation on this thread must get ((uint32_t)-1:
 * the gofer's own), set by the Tu* extension requests around the call. */
extern __thread uint32_t gofer_create_uid;
int gofer_op_allocate(void *arg, const struct p9_tallocate *t);
/* Tinotify (ops_ext.c): fd is the instance the client sent, or -1. */
int gofer_op_inotify(void *arg, const struct p9_tinotify *t, struct p9_rinotify *r, int fd);
/* Tbind (ops_ext.c): sock is the socket the client sent, or -1. */
int gofer_op_bind(void *arg, const struct p9_tbind *t, struct p9_rbind *r, int sock);
/* After a bind(2) made the socket file `name` in dfd (ops_tree.c): still a
 * socket, mode & 07777, the owner rule of the Tu* requests; the qid. */
int gofer_bound(int dfd, const char *name, mode_t mode, uint32_t gid, struct p9_qid *qid);

/* ---- operations (ops_*.c), called through gofer_ops ---------------------- */

int gofer_op_mkdir(void *arg, const struct p9_tmkdir *t, struct p9_rmkdir *r);
int gofer_op_symlink(void *arg, const struct p9_tsymlink *t, struct p9_rsymlink *r);
int gofer_op_mknod(void *arg, const struct p9_tmknod *t, struct p9_rmknod *r);
int gofer_op_link(void *arg, const struct p9_tlink *t);
int gofer_op_tmpfile(void *arg, const struct p9_ttmpfile *t, struct p9_rlcreate *r, int *fd_out);
int gofer_op_renameat(void *arg, const struct p9_trenameat *t);
int gofer_op_renameat2(void *arg, const struct p9_trenameat2 *t);
int gofer_op_rename(void *arg, const struct p9_trename *t);
int gofer_op_unlinkat(void *arg, const struct p9_tunlinkat *t);
int gofer_op_remove(void *arg, const struct p9_tremove *t);
/* Applies the creation gid rule to the new entry `name` of dfd, whose O_PATH
 * FD is pfd and lstat st (updated); undoes the creation on failure.  dfd -1
 * and name NULL: an unnamed file (Ttmpfile), pfd its open FD; closing it
 * undoes the creation. */
int gofer_apply_create_gid(int dfd, const char *name, int pfd, struct stat *st, uint32_t gid);

/* chmod of the file the O_PATH FD pfd refers to, never following a symlink
 * (a symlink: EOPNOTSUPP, as Linux). dfd/name: its parent and entry name, or
 * -1/"" at a mount root (see ops_attr.c for why they may be needed). */
int gofer_chmod_node(int pfd, int dfd, const char *name, mode_t mode);
int gofer_op_setattr(void *arg, const struct p9_tsetattr *t);
int gofer_op_fsync(void *arg, const struct p9_tfsync *t);

int gofer_op_read(void *arg, const struct p9_tread *t, struct p9_rread *r, void *buf);
int gofer_op_write(void *arg, const struct p9_twrite *t, struct p9_rwrite *r);
int gofer_op_lock(void *arg, const struct p9_tlock *t, struct p9_rlock *r);
int gofer_op_getlock(void *arg, const struct p9_tgetlock *t, struct p9_rgetlock *r);

int gofer_op_xattrwalk(void *arg, const struct p9_txattrwalk *t, struct p9_rxattrwalk *r);
int gofer_op_xattrcreate(void *arg, const struct p9_txattrcreate *t);
/* Tread / Twrite on an xattr fid */
int gofer_xattr_read(struct gofer_fid *f, const struct p9_tread *t, struct p9_rread *r);
int gofer_xattr_write(struct gofer_fid *f, const struct p9_twrite *t, struct p9_rwrite *r);
/* At Tclunk of a Txattrcreate fid: sets (or, for size 0, removes) the
 * attribute. 0 or -errno (the fid goes anyway). */
int gofer_xattr_commit(struct gofer_fid *f);
/* Frees the xattr state of a fid (from gofer_fid_release). */
void gofer_xattr_free(struct gofer_xattr *x);

extern const struct p9_server_ops gofer_ops;

#endif
