/*
 * gofer: the runsc-lite extensions that reach host objects other than
 * plain files (PROTOCOL.md 5d, 5f): named pipes opened without ever
 * blocking the gofer, host unix sockets connected on the sandbox's behalf,
 * fallocate, and inotify watches added on the sandbox's instances.
 */
#include "gofer/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * A FIFO is opened by name relative to its parent with O_NONBLOCK, so the
 * gofer never waits for the other end: a writer without a reader gets ENXIO
 * (the sentry decides whether to wait); O_RDWR never waits, as on Linux.  A
 * reader gets an O_PATH descriptor, which counts as no reader: the sentry
 * re-opens it itself (through its procfs, read-only), so no reader
 * description stays alive in the gofer for the moment after the donation,
 * when a writer's non-blocking open would wrongly find one.  Then
 * it must still be the fid's inode, and O_NONBLOCK is cleared unless asked
 * for.  Only with FD donation: the gofer keeps no FIFO open for Tread.
 */
int gofer_lopen_fifo(struct gofer_conn *c, struct gofer_fid *f, uint32_t lflags, int *fd_out)
{
	struct stat st, st2;
	int fd, rc, fl;

	if (!c->fd_donation || !f->parent)
		return -EOPNOTSUPP;
	rc = gofer_stat_fd(f->node->fd, &st);
	if (rc < 0)
		return rc;
	bool reader = (lflags & O_ACCMODE) == O_RDONLY;
	struct gofer_name n;
	gofer_name_begin(f, &n);
	fd = reader ? openat(n.dfd, n.name, O_PATH | O_NOFOLLOW | O_CLOEXEC)
		    : gofer_open_leaf(n.dfd, n.name,
				      (int)(lflags & O_ACCMODE) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	rc = fd < 0 ? -errno : 0;
	gofer_name_end();
	if (rc < 0)
		return rc;
	rc = gofer_stat_fd(fd, &st2);
	if (rc == 0 && (!gofer_same_inode(&st, &st2) || !S_ISFIFO(st2.st_mode)))
		rc = -ESTALE;
	if (rc == 0 && !reader && !(lflags & O_NONBLOCK)) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			rc = -errno;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	f->opened = true;
	*fd_out = fd;
	return 0;
}

/*
 * connect(2) and inotify_add_watch(2) take a path, and the gofer has no
 * /proc to name an fd: it enters the directory (fchdir to an fd it holds)
 * and names the object by one component, "." or a bare name.  The cwd is
 * the process's, shared by the workers, so this is serialised; every other
 * gofer call is relative to an fd it holds, so nothing else depends on the
 * cwd.  It is put back afterwards (conn->home_fd), so that it never pins a
 * served directory.
 */
static pthread_mutex_t cwd_lock = PTHREAD_MUTEX_INITIALIZER;

static int in_dir(struct gofer_conn *c, int dirfd, int (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&cwd_lock);
	int rc = fchdir(dirfd) < 0 ? -errno : fn(arg);
	if (c->home_fd >= 0)
		(void)!fchdir(c->home_fd);
	pthread_mutex_unlock(&cwd_lock);
	return rc;
}

/*
 * A listener whose accept queue is full makes connect(2) wait, and a host
 * peer controls that: the gofer never lets it hold a worker for long.  The
 * socket is non-blocking; a full queue (EAGAIN) is retried for at most
 * CONNECT_WAIT_MS, by one request at a time (the others get EAGAIN at
 * once), so the other workers always serve; and a listener that kept its
 * queue full that long gets EAGAIN at once for the next SATURATED_MS.
 */
#define CONNECT_WAIT_MS 3000
#define SATURATED_MS    10000
static atomic_bool connect_waiting;
static pthread_mutex_t saturated_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { dev_t dev; ino_t ino; struct timespec until; } saturated;

static bool is_saturated(const struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&saturated_lock);
	bool r = saturated.dev == st->st_dev && saturated.ino == st->st_ino &&
		 (now.tv_sec < saturated.until.tv_sec ||
		  (now.tv_sec == saturated.until.tv_sec && now.tv_nsec < saturated.until.tv_nsec));
	pthread_mutex_unlock(&saturated_lock);
	return r;
}

static void mark_saturated(const struct stat *st)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&saturated_lock);
	saturated.dev = st->st_dev;
	saturated.ino = st->st_ino;
	saturated.until = (struct timespec){ now.tv_sec + SATURATED_MS / 1000, now.tv_nsec };
	pthread_mutex_unlock(&saturated_lock);
}

struct connect_args {
	int sock;
	const struct sockaddr_un *sa;
};

static int connect_here(void *arg)
{
	const struct connect_args *a = arg;
	return connect(a->sock, (const struct sockaddr *)a->sa, sizeof(*a->sa)) < 0 ? -errno : 0;
}

static int connect_once(struct gofer_conn *c, int s, int dirfd, const struct sockaddr_un *sa)
{
	struct connect_args a = { s, sa };
	return in_dir(c, dirfd, connect_here, &a);
}

static int connect_by_name(struct gofer_conn *c, int dirfd, const char *name,
			   const struct stat *st, int type, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, rc;

	if (strlen(name) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, name, strlen(name) + 1);
	s = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	rc = connect_once(c, s, dirfd, &sa);
	if (rc == -EAGAIN && !is_saturated(st) && !atomic_exchange(&connect_waiting, true)) {
		for (int waited = 0; rc == -EAGAIN && waited < CONNECT_WAIT_MS; waited++) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
			rc = connect_once(c, s, dirfd, &sa);
		}
		if (rc == -EAGAIN)
			mark_saturated(st);
		atomic_store(&connect_waiting, false);
	}
	/* the application gets a blocking socket, as connect(2) gave it */
	int fl = rc == 0 ? fcntl(s, F_GETFL) : -1;
	if (rc == 0 && (fl < 0 || fcntl(s, F_SETFL, fl & ~O_NONBLOCK) < 0))
		rc = -errno;
	if (rc < 0) {
		close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/*
 * Tlconnect: the fid must name a socket; the name in its parent is checked
 * to be that socket before and after the connect (connect() would follow a
 * symlink planted in between: the second check refuses the result).
 */
static int op_lconnect(void *arg, const struct p9_tlconnect *t, int *fd_out)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f;
	struct stat st;
	int rc = gofer_node_fid(c, t->fid, &f), s = -1;

	if (rc < 0)
		return rc;
	if (!c->fd_donation)
		return -EOPNOTSUPP;
	if (t->type != SOCK_STREAM && t->type != SOCK_SEQPACKET && t->type != SOCK_DGRAM)
		return -EINVAL;
	if (!S_ISSOCK(f->type) || !f->parent)
		return -ECONNREFUSED;   /* what connect(2) says for a non-socket */
	/* The connect itself may wait for the listener (connect_by_name): it
	 * goes without the names lock, on a copy of the name, and the
	 * identity checks before and after catch a rename meanwhile. */
	char name[GOFER_NAME_MAX + 1];
	struct gofer_handle *dir = NULL;
	struct gofer_name n;
	gofer_name_begin(f, &n);
	rc = gofer_check_name(f, &n, &st);
	if (rc == 0) {
		dir = gofer_handle_get(n.dir);
		memcpy(name, n.name, strlen(n.name) + 1);
	}
	gofer_name_end();
	if (rc == 0)
		rc = connect_by_name(c, dir->fd, name, &st, (int)t->type, &s);
	if (rc == 0) {
		gofer_name_begin(f, &n);
		rc = n.dir == dir && strcmp(n.name, name) == 0 ? gofer_check_name(f, &n, &st) : -ESTALE;
		gofer_name_end();
	}
	gofer_handle_put(dir);
	if (rc < 0) {
		if (s >= 0)
			close(s);
		return rc;
	}
	*fd_out = s;
	return 0;
}

static int op_allocate(void *arg, const struct p9_tallocate *t)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f;
	int fd, rc = gofer_node_fid(c, t->fid, &f);

	if (rc < 0)
		return rc;
	if (f->mount->readonly)
		return -EROFS;
	if (!S_ISREG(f->type))
		return S_ISDIR(f->type) ? -EISDIR : -ENODEV;
	if ((int64_t)t->offset < 0 || (int64_t)t->length <= 0)
		return -EINVAL;
	rc = gofer_open_real(f, O_WRONLY, &fd);
	if (rc < 0)
		return rc;
	if (fallocate(fd, (int)t->mode, (off_t)t->offset, (off_t)t->length) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* ---- Tinotify ------------------------------------------------------------------- */

struct watch_args {
	int ifd;
	const char *name;
	uint32_t mask;
};

static int watch_here(void *arg)
{
	const struct watch_args *a = arg;
	int wd = inotify_add_watch(a->ifd, a->name, a->mask);
	return wd < 0 ? -errno : wd;
}

/*
 * The FD a hostile sentry sends must be an inotify instance.  The gofer has
 * no /proc to read its name, so it accepts only an anonymous inode (every
 * inotify instance is one; a host file, directory, socket or pipe is not),
 * and inotify_add_watch itself refuses any other anonymous inode (eventfd,
 * epoll...) with EINVAL: the kernel checks the file's operations.  Nothing
 * else is ever done with it, and it is closed after the request (p9 server).
 */
static bool is_anon_inode(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && sf.f_type == ANON_INODE_FS_MAGIC;
}

/*
 * Tinotify: the watch goes on the object the fid names, found by one
 * component from an fd the gofer holds and never through a symlink
 * (IN_DONT_FOLLOW; the sentry resolved the sandbox's links already):
 *   - a directory: "." after entering it (its own fd): exactly the fid's
 *     inode;
 *   - anything else: its name in its parent, checked before and after to be
 *     the fid's inode.  A host process that swaps the name in between could
 *     make the watch land on another entry of that directory (still beneath
 *     the served tree): then the watch is removed again and the answer is
 *     ESTALE.  (A swap and a swap back between the checks goes unseen; only
 *     a host process can race here: the sandbox's own renames wait for the
 *     sentry's lock, which this request holds.)
 * The events are then the host kernel's, queued on the sandbox's own
 * instance: the gofer keeps nothing.
 */
static int op_inotify(void *arg, const struct p9_tinotify *t, struct p9_rinotify *r, int ifd)
{
	struct gofer_conn *c = arg;
	struct gofer_fid *f;
	struct stat st;
	int rc = gofer_node_fid(c, t->fid, &f);

	if (rc < 0)
		return rc;
	if (ifd < 0)
		return -EBADF;
	if (!is_anon_inode(ifd))
		return -EINVAL;   /* what inotify_add_watch says for a non-inotify fd */
	if (t->mask == 0)
		return -EINVAL;   /* the kernel's answer, which IN_DONT_FOLLOW would hide */
	struct watch_args a = { ifd, ".", t->mask | IN_DONT_FOLLOW };
	if (S_ISDIR(f->type)) {
		rc = in_dir(c, f->node->fd, watch_here, &a);
	} else {
		struct gofer_name n;
		gofer_name_begin(f, &n);
		rc = gofer_check_name(f, &n, &st);
		if (rc == 0) {
			a.name = n.name;
			rc = in_dir(c, n.dfd, watch_here, &a);
			if (rc > 0 && gofer_check_name(f, &n, &st) < 0) {
				inotify_rm_watch(ifd, rc);
				rc = -ESTALE;
			}
		} else if (rc == -EBUSY) {
			rc = -EINVAL;   /* a mount root that is no directory */
		}
		gofer_name_end();
	}
	if (rc < 0)
		return rc;
	r->wd = (uint32_t)rc;
	return 0;
}

int gofer_op_inotify(void *arg, const struct p9_tinotify *t, struct p9_rinotify *r, int fd)
{
	return op_inotify(arg, t, r, fd);
}

struct bind_args {
	int sock;
	struct sockaddr_un sa;
	socklen_t len;
};

static int bind_here(void *arg)
{
	const struct bind_args *a = arg;
	return bind(a->sock, (const struct sockaddr *)&a->sa, a->len) < 0 ? -errno : 0;
}

/*
 * Tbind: bind(2) of the sandbox's own unix socket (the FD the sentry sent
 * with the request: the application's socket itself) to `name` in the
 * directory dfid names.  bind takes a path, and the gofer has no /proc: it
 * enters the directory and binds to the bare name (in_dir, as Tlconnect),
 * so the kernel makes the socket file there and nowhere else.  The gofer's
 * umask is 0: the file is made 0777, then given the mode the sentry asked
 * for (the application's umask applied), then the owner rule of the Tu*
 * requests (gofer_bound).  The socket keeps that bare name as its address
 * (the sentry puts the application's back for getsockname).  A host
 * process, and the sandbox through Tlconnect, can then connect to it.
 */
int gofer_op_bind(void *arg, const struct p9_tbind *t, struct p9_rbind *r, int sock)
{
	struct gofer_conn *c = arg;
	char name[GOFER_NAME_MAX + 1];
	struct gofer_fid *d;
	int domain = 0, rc;
	socklen_t dl = sizeof(domain);

	if (!c->fd_donation)
		return -EOPNOTSUPP;
	if (sock < 0)
		return -EBADF;
	if (getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0)
		return -ENOTSOCK;
	if (domain != AF_UNIX)
		return -EINVAL;   /* what bind(2) says for a unix address on another family */
	rc = gofer_dir_entry(c, t->dfid, t->name, name, &d);
	if (rc < 0)
		return rc;
	struct bind_args a = { .sock = sock, .sa = { .sun_family = AF_UNIX } };
	size_t len = strlen(name);
	if (len >= sizeof(a.sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sa.sun_path, name, len + 1);
	a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	rc = in_dir(c, d->node->fd, bind_here, &a);
	if (rc < 0)
		return rc;
	gofer_create_uid = t->uid;
	rc = gofer_bound(d->node->fd, name, (mode_t)t->mode, t->gid, &r->qid);
	gofer_create_uid = (uint32_t)-1;
	return rc;
}

int gofer_op_lconnect(void *arg, const struct p9_tlconnect *t, int *fd)
{
	return op_lconnect(arg, t, fd);
}

int gofer_op_allocate(void *arg, const struct p9_tallocate *t)
{
	return op_allocate(arg, t);
}
