/*
 * gofer: extended attributes, Linux v9fs semantics.
 *
 *   Txattrwalk(fid, newfid, name)  newfid holds a snapshot of the value of
 *                                  `name` ("" : the list of names); the reply
 *                                  gives its size; Tread reads it; Tclunk.
 *   Txattrcreate(fid, name, size, flags)
 *                                  fid becomes an xattr fid collecting `size`
 *                                  bytes through Twrite; Tclunk sets the
 *                                  attribute (size 0: removes it) and replies
 *                                  with the outcome.
 *
 * Reaching the host file without following a symlink and without /proc:
 * a regular file or a directory is opened for real by gofer_open_real
 * (O_NOFOLLOW, identity-checked; "." for a directory) and used with
 * f*xattr.  Nothing else is ever opened (a device would act on open), so
 * symlinks, FIFOs and sockets use the Linux 6.13 *xattrat calls on the
 * parent directory FD and the fid's name with AT_SYMLINK_NOFOLLOW (the
 * l*xattr semantics), after checking that the name still is the fid's file;
 * on an older kernel they get EOPNOTSUPP.
 *
 * Policy: any attribute may be read; only the user.* namespace may be set or
 * removed (others: EOPNOTSUPP).  trusted.* and security.* steer the host
 * kernel (security.capability grants capabilities to an executable) and
 * system.* carries ACLs that grant host users access: none of them is the
 * sandbox's to write.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_setxattrat /* Linux 6.13; not in the libc headers yet */
#define SYS_setxattrat    463
#define SYS_getxattrat    464
#define SYS_listxattrat   465
#define SYS_removexattrat 466
#endif

struct xattr_args { uint64_t value; uint32_t size, flags; }; /* <linux/xattr.h>, 6.13 */

#define USER_PREFIX "user."

struct gofer_xattr {
	bool writing;                      /* Txattrcreate: value set at Tclunk */
	int flags;                         /* XATTR_CREATE / XATTR_REPLACE */
	bool remove;                       /* Txattrcreate means removal */
	size_t size;                       /* bytes of the snapshot, or attr_size */
	size_t filled;                     /* written so far, from 0, no holes */
	char name[XATTR_NAME_MAX + 1];
	uint8_t data[];
};

void gofer_xattr_free(struct gofer_xattr *x)
{
	free(x);
}

/* An xattr name is not a directory entry ('/' is fine in it); its limits
 * are setxattr(2)'s: 1..XATTR_NAME_MAX bytes (ERANGE). A NUL would cut it
 * short for the host (EINVAL). */
static int xattr_name(struct p9_str s, char out[XATTR_NAME_MAX + 1])
{
	if (s.len == 0 || s.len > XATTR_NAME_MAX)
		return -ERANGE;
	if (memchr(s.str, '\0', s.len))
		return -EINVAL;
	memcpy(out, s.str, s.len);
	out[s.len] = '\0';
	return 0;
}

/* How the calls reach the fid's file: a real FD (fd >= 0, closed by
 * target_close), or its parent FD and name. */
struct target {
	int fd;
	bool named;   /* by dfd and name, holding the names lock */
	int dfd;
	const char *name;
};

static int target_open(struct gofer_fid *f, bool for_write, struct target *x)
{
	struct stat st;
	int rc = gofer_stat_fd(f->node->fd, &st);

	x->fd = -1;
	x->named = false;
	if (rc < 0)
		return rc;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		rc = gofer_open_real(f, O_RDONLY, &x->fd);
		/* a file the gofer may write but not read (setxattr needs
		 * write permission only) */
		if (rc == -EACCES && for_write && S_ISREG(st.st_mode))
			rc = gofer_open_real(f, O_WRONLY, &x->fd);
		return rc;
	}
	/* by name until target_close (rule 6) */
	struct gofer_name n;
	gofer_name_begin(f, &n);
	x->named = true;
	x->dfd = n.dfd;
	x->name = n.name;
	return gofer_check_name(f, &n, &st);
}

static void target_close(struct target *x)
{
	if (x->fd >= 0)
		close(x->fd);
	if (x->named)
		gofer_name_end();
}

/* The result of a host call: a count, or -errno; ENOSYS (no *xattrat) is
 * EOPNOTSUPP, the answer of a filesystem without xattrs. */
static ssize_t host_result(long n)
{
	if (n >= 0)
		return (ssize_t)n;
	return errno == ENOSYS ? -EOPNOTSUPP : -errno;
}

static ssize_t target_get(const struct target *x, const char *name, void *buf, size_t cap)
{
	struct xattr_args a = { (uint64_t)(uintptr_t)buf, (uint32_t)cap, 0 };

	if (x->fd >= 0)
		return host_result(fgetxattr(x->fd, name, buf, cap));
	return host_result(syscall(SYS_getxattrat, x->dfd, x->name, AT_SYMLINK_NOFOLLOW,
				   name, &a, sizeof(a)));
}

static ssize_t target_list(const struct target *x, char *buf, size_t cap)
{
	if (x->fd >= 0)
		return host_result(flistxattr(x->fd, buf, cap));
	return host_result(syscall(SYS_listxattrat, x->dfd, x->name, AT_SYMLINK_NOFOLLOW, buf, cap));
}

static int target_set(const struct target *x, const char *name, const void *val, size_t size, int flags)
{
	struct xattr_args a = { (uint64_t)(uintptr_t)val, (uint32_t)size, (uint32_t)flags };

	if (x->fd >= 0)
		return (int)host_result(fsetxattr(x->fd, name, val, size, flags));
	return (int)host_result(syscall(SYS_setxattrat, x->dfd, x->name, AT_SYMLINK_NOFOLLOW,
					name, &a, sizeof(a)));
}

static int target_remove(const struct target *x, const char *name)
{
	if (x->fd >= 0)
		return (int)host_result(fremovexattr(x->fd, name));
	return (int)host_result(syscall(SYS_removexattrat, x->dfd, x->name, AT_SYMLINK_NOFOLLOW, name));
}

/* The value of `name` (NULL: the name list) of f's file, in a new xattr
 * state.  Linux bounds both at 64 KiB, so one call with a buffer that size
 * reads it whole; more is E2BIG, as listxattr(2) says. */
static int snapshot(struct gofer_fid *f, const char *name, struct gofer_xattr **out)
{
	enum { CAP = XATTR_SIZE_MAX > XATTR_LIST_MAX ? XATTR_SIZE_MAX : XATTR_LIST_MAX };
	struct gofer_xattr *x;
	struct target tg;
	ssize_t n;
	char *tmp;
	int rc = target_open(f, false, &tg);

	if (rc < 0) {
		target_close(&tg);
		return rc;
	}
	tmp = malloc(CAP);
	n = !tmp ? -ENOMEM : name ? target_get(&tg, name, tmp, CAP) : target_list(&tg, tmp, CAP);
	target_close(&tg);
	if (n == -ERANGE)
		n = -E2BIG;
	x = n < 0 ? NULL : calloc(1, sizeof(*x) + (size_t)n);
	if (x) {
		memcpy(x->data, tmp, (size_t)n);
		x->size = (size_t)n;
		if (name)
			strcpy(x->name, name); /* checked: at most XATTR_NAME_MAX */
	}
	free(tmp);
	if (n < 0)
		return (int)n;
	if (!x)
		return -ENOMEM;
	*out = x;
	return 0;
}

/* Txattrwalk: newfid (not in use: EEXIST) gets the snapshot; errors as
 * getxattr(2)/listxattr(2): ENODATA for a missing attribute. */
int gofer_op_xattrwalk(void *arg, const struct p9_txattrwalk *t, struct p9_rxattrwalk *r)
{
	struct gofer_conn *c = arg;
	char name[XATTR_NAME_MAX + 1];
	struct gofer_xattr *x = NULL;
	struct gofer_fid *f, *nf;
	int rc = gofer_node_fid(c, t->fid, &f);

	if (rc == 0 && gofer_fid_lookup(c, t->newfid))
		rc = -EEXIST;
	if (rc == 0 && t->name.len)
		rc = xattr_name(t->name, name);
	if (rc == 0 && c->nxattrs >= GOFER_MAX_XATTR_FIDS)
		rc = -ENFILE;
	if (rc == 0)
		rc = snapshot(f, t->name.len ? name : NULL, &x);
	if (rc < 0)
		return rc;
	rc = gofer_fid_create(c, t->newfid, &nf);
	if (rc < 0) {
		gofer_xattr_free(x);
		return rc;
	}
	struct gofer_name n;
	gofer_name_begin(f, &n);
	gofer_fid_set_node(c, nf, f->mount, gofer_handle_get(f->node), gofer_handle_get(n.dir),
			   n.name, f->type);
	gofer_name_end();
	nf->opened = true; /* neither walked from nor opened again */
	nf->xattr = x;
	c->nxattrs++;
	r->size = x->size;
	return 0;
}

/* Txattrcreate: checks everything it can now (EROFS, name, namespace
 * policy, E2BIG beyond XATTR_SIZE_MAX as setxattr(2), flags), then the fid
 * becomes an xattr fid: its open FDs (and so its locks) go, as in 9P the
 * fid now stands for the attribute. */
int gofer_op_xattrcreate(void *arg, const struct p9_txattrcreate *t)
{
	struct gofer_conn *c = arg;
	char name[XATTR_NAME_MAX + 1];
	struct gofer_xattr *x;
	struct gofer_fid *f;
	int rc = gofer_node_fid(c, t->fid, &f);

	if (rc == 0 && f->mount->readonly)
		rc = -EROFS;
	if (rc == 0)
		rc = xattr_name(t->name, name);
	if (rc == 0 && strncmp(name, USER_PREFIX, sizeof(USER_PREFIX) - 1) != 0)
		rc = -EOPNOTSUPP;
	if (rc == 0 && t->attr_size > XATTR_SIZE_MAX)
		rc = -E2BIG;
	/* P9_XATTR_REMOVE (runsc-lite extension): plain 9P2000.L cannot tell
	 * "set an empty value" from "remove"; with the extension, size 0
	 * sets an empty value and removal says so. */
	uint32_t known = XATTR_CREATE | XATTR_REPLACE | (c->fd_donation ? P9_XATTR_REMOVE : 0);
	if (rc == 0 && ((t->flags & ~known) || ((t->flags & P9_XATTR_REMOVE) && t->attr_size)))
		rc = -EINVAL;
	if (rc == 0 && c->nxattrs >= GOFER_MAX_XATTR_FIDS)
		rc = -ENFILE;
	if (rc < 0)
		return rc;
	x = calloc(1, sizeof(*x) + (size_t)t->attr_size);
	if (!x)
		return -ENOMEM;
	x->writing = true;
	x->flags = (int)(t->flags & (XATTR_CREATE | XATTR_REPLACE));
	x->remove = (t->flags & P9_XATTR_REMOVE) || (t->attr_size == 0 && !c->fd_donation);
	x->size = (size_t)t->attr_size;
	memcpy(x->name, name, sizeof(x->name));
	if (f->open_fd >= 0)
		close(f->open_fd);
	if (f->lock_fd >= 0)
		close(f->lock_fd);
	f->open_fd = f->lock_fd = -1;
	f->opened = true;
	f->xattr = x;
	c->nxattrs++;
	return 0;
}

int gofer_xattr_read(struct gofer_fid *f, const struct p9_tread *t, struct p9_rread *r)
{
	const struct gofer_xattr *x = f->xattr;
	size_t n;

	if (x->writing)
		return -EBADF;
	if (t->offset >= x->size)
		return 0; /* end of the value: 0 bytes */
	n = x->size - (size_t)t->offset;
	if (n > t->count)
		n = t->count;
	r->data.data = x->data + t->offset; /* lives as long as the fid */
	r->data.count = (uint32_t)n;
	return 0;
}

/* Writes land at their offset, without holes (EINVAL), never past the
 * announced size (ENOSPC beyond it; a write crossing it is cut short). */
int gofer_xattr_write(struct gofer_fid *f, const struct p9_twrite *t, struct p9_rwrite *r)
{
	struct gofer_xattr *x = f->xattr;
	size_t n;

	if (!x->writing)
		return -EBADF;
	if (t->offset > x->size)
		return -ENOSPC;
	if (t->offset > x->filled)
		return -EINVAL;
	n = x->size - (size_t)t->offset;
	if (n > t->data.count)
		n = t->data.count;
	memcpy(x->data + t->offset, t->data.data, n);
	if (t->offset + n > x->filled)
		x->filled = (size_t)t->offset + n;
	r->count = (uint32_t)n;
	return 0;
}

/* At Tclunk: a value not written in full sets nothing (EINVAL). */
int gofer_xattr_commit(struct gofer_fid *f)
{
	const struct gofer_xattr *x = f->xattr;
	struct target tg;
	int rc;

	if (!x->writing)
		return 0;
	if (f->mount->readonly)
		return -EROFS;
	if (x->filled != x->size)
		return -EINVAL;
	if (gofer_on_host_pseudo_fs(f->node->fd))
		return -EACCES;
	rc = target_open(f, true, &tg);
	if (rc == 0)
		rc = x->remove ? target_remove(&tg, x->name)
			       : target_set(&tg, x->name, x->data, x->size, x->flags);
	target_close(&tg);
	return rc;
}
