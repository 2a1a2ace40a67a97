/*
 * bind(2) and connect(2) of unix sockets named by a path: the path is the
 * sandbox's, so the sentry resolves it in the VFS.
 *
 * connect(2) to a unix socket named by a path: the path is the sandbox's, so
 * the sentry resolves it in the VFS.  A socket file on a gofer mount is a
 * host socket: the gofer connects (Tlconnect) and the sentry puts the
 * connected socket in the application's fd slot in place of its own
 * unconnected one (SECCOMP_ADDFD_FLAG_SETFD), with its O_NONBLOCK and
 * close-on-exec.  Every other address family, and abstract or unnamed unix
 * addresses, connect natively (the sandbox has its own network namespace).
 * Known limits: options set on the socket before connect are not carried
 * over (gofer sockets only: a socket bound in the sandbox is connected
 * through the sentry's duplicate of the application's own socket).
 * Sockets bound inside the sandbox (on a tmpfs mount): sys_bind below and
 * docs/ARCHITECTURE.md, "Unix sockets bound in the sandbox".
 */
#include "sentry/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Whether the task's fd is close-on-exec (a per-slot flag: fdinfo says). */
static bool app_fd_cloexec(struct sentry *s, pid_t tid, int fd)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "%d/fdinfo/%d", (int)tid, fd);
	int f = openat(s->procfd, path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return false;
	ssize_t n = read(f, buf, sizeof buf - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = 0;
	const char *flags = strstr(buf, "flags:");
	return flags && (strtoul(flags + 6, NULL, 8) & O_CLOEXEC);
}

/* A copy of the task's unix socket address, when it names a path: 1 with
 * the path, 0 for anything else (another family, an abstract or unnamed
 * address, a length the kernel refuses by itself), or a negative errno. */
static int read_unix_path(struct sentry *s, struct platform_syscall *sc, char *path)
{
	uint64_t len = sc->args[2];
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	if (len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof sa)
		return 0;
	int rc = platform_read(s->plat, sc, &sa, sc->args[1], len);
	if (rc < 0)
		return rc;
	if (sa.sun_family != AF_UNIX || sa.sun_path[0] == 0)
		return 0;
	/* Linux (unix_mkname_bsd): the path ends at the first NUL or at
	 * the address's length */
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	memcpy(path, sa.sun_path, plen);
	path[plen] = 0;
	snprintf(detail_buffer(), 128, "\"%s\"", path);
	return 1;
}

/* Lets the kernel run a bind/connect that names no path (when the network
 * is not mediated: sentry/net.c).  Safe even if
 * another thread of the task rewrites the address meanwhile into a path
 * (the kernel reads it again): a path then resolves in the task's own
 * kernel-level root, the read-only staging tmpfs, where nothing can be
 * created (EROFS) and no socket exists (ENOENT/ECONNREFUSED); the backing
 * tmpfs mounts where the sandbox's sockets are bound are in the sentry's
 * mount namespace only, and no host file is in either. */
static int64_t native(struct sentry *s, struct platform_syscall *sc)
{
	int rc = platform_continue(s->plat, sc);
	return rc < 0 ? rc : SYSCALL_ANSWERED;
}

int64_t socket_native(struct sentry *s, struct platform_syscall *sc)
{
	return native(s, sc);
}

/*
 * The addresses of the sockets the sentry bound.  The kernel knows such a
 * socket by its backing name (/.rl/t/N/INO, never reused), which
 * getsockname(2) and the peer's getpeername(2) would show; Linux shows the
 * address the program gave to bind(2), as it gave it.  Kept per backing
 * name, at most BOUND_NAMES_MAX (the oldest forgotten first: such a socket
 * then shows its backing name).
 */
#define BOUND_NAMES_MAX 4096
static struct bound_name {
	char backing[sizeof ((struct sockaddr_un *)0)->sun_path];
	struct sockaddr_un addr;      /* as the program bound it */
	socklen_t len;
} *bound_names;
static size_t bound_next, bound_count;

static void remember_bound(int sock, const struct sockaddr_un *addr, socklen_t len)
{
	struct sockaddr_un k;
	socklen_t kl = sizeof k;
	if (getsockname(sock, (struct sockaddr *)&k, &kl) < 0 || kl <= offsetof(struct sockaddr_un, sun_path))
		return;
	if (!bound_names && !(bound_names = calloc(BOUND_NAMES_MAX, sizeof *bound_names)))
		return;
	struct bound_name *b = &bound_names[bound_next];
	bound_next = (bound_next + 1) % BOUND_NAMES_MAX;
	if (bound_count < BOUND_NAMES_MAX)
		bound_count++;
	memset(b, 0, sizeof *b);
	memcpy(b->backing, k.sun_path, kl - offsetof(struct sockaddr_un, sun_path));
	b->addr = *addr;
	b->len = len;
}

/* The address the program bound for a kernel address, if it is a backing
 * name the sentry gave; false otherwise. */
static bool bound_address(const struct sockaddr_un *k, socklen_t kl, struct sockaddr_un *out,
			  socklen_t *out_len)
{
	size_t plen = kl > offsetof(struct sockaddr_un, sun_path) ? kl - offsetof(struct sockaddr_un, sun_path) : 0;
	if (k->sun_family != AF_UNIX || plen == 0 || plen > sizeof k->sun_path || k->sun_path[0] == 0)
		return false;
	for (size_t i = 0; i < bound_count; i++) {
		const struct bound_name *b = &bound_names[i];
		if (strncmp(b->backing, k->sun_path, plen) == 0 &&
		    (plen == sizeof b->backing || b->backing[plen] == 0)) {
			*out = b->addr;
			*out_len = b->len;
			return true;
		}
	}
	return false;
}

void socket_app_address(void *addr, socklen_t *len)
{
	struct sockaddr_un mine;
	socklen_t mine_len;
	if (*len < sizeof(sa_family_t) || ((struct sockaddr *)addr)->sa_family != AF_UNIX)
		return;
	if (bound_address(addr, *len, &mine, &mine_len)) {
		memcpy(addr, &mine, sizeof mine);
		*len = mine_len;
	} else if (peer_hidden(addr, *len)) {
		*len = sizeof(sa_family_t);   /* unnamed, as the program left it */
	} else {
		uint32_t l = *len;
		net_unprefix(addr, &l);   /* an abstract name of the sandbox's (host network) */
		*len = l;
	}
}

/*
 * getsockname(2), getpeername(2): the kernel's answer, with a backing name
 * put back to the address the program bound (above).  In Linux's order:
 * the length first (EFAULT, EINVAL), then the socket, then the copy out,
 * truncated to the length given and that length set to the whole one.
 */
static int64_t socket_name(struct sentry *s, struct platform_syscall *sc, bool peer)
{
	int32_t cap;
	int rc = platform_read(s->plat, sc, &cap, sc->args[2], sizeof cap);
	if (rc < 0)
		return rc;
	if (cap < 0)
		return -EINVAL;
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : -EBADF;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	rc = (peer ? getpeername(dup, (struct sockaddr *)&ss, &len) : getsockname(dup, (struct sockaddr *)&ss, &len)) < 0
		     ? -errno : 0;
	close(dup);
	if (rc < 0)
		return rc;
	socket_app_address(&ss, &len);
	size_t n = len < (socklen_t)cap ? len : (size_t)cap;
	if (n && (rc = platform_write(s->plat, sc, sc->args[1], &ss, n)) < 0)
		return rc;
	int32_t full = (int32_t)len;
	rc = platform_write(s->plat, sc, sc->args[2], &full, sizeof full);
	return rc < 0 ? rc : 0;
}

int64_t sys_getsockname(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return socket_name(s, sc, false);
}

int64_t sys_getpeername(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	return socket_name(s, sc, true);
}

/*
 * bind(2) of a unix socket to a path.  The path is the sandbox's: the
 * sentry creates the socket node in the VFS, and a tmpfs binds the
 * application's socket (through the sentry's duplicate of it: one open
 * file description) to the node's backing name, beneath the staging
 * directory (sentry/tmpfs.c).  Anything but a path-named unix socket binds
 * natively.
 */
int64_t sys_bind(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
	int rc = read_unix_path(s, sc, path);
	if (rc == 0) {   /* no path: the network's business */
		int64_t r = net_bind(s, sc);
		return r == NET_NATIVE ? native(s, sc) : r;
	}
	if (rc < 0)
		return rc;
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : -EBADF;
	int domain = 0;
	socklen_t sl = sizeof domain;
	if (getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &domain, &sl) < 0) {
		close(dup);
		return -ENOTSOCK;
	}
	if (domain != AF_UNIX) {
		/* the kernel refuses a unix address for this family itself */
		close(dup);
		return native(s, sc);
	}
	int64_t r = bind_socket_node(s, sc, t, path, dup);
	if (r == 0) {
		/* Linux keeps the path up to its first NUL, with one NUL
		 * counted (unix_mkname_bsd) */
		struct sockaddr_un as_bound = { .sun_family = AF_UNIX };
		size_t plen = strnlen(path, sizeof as_bound.sun_path - 1);
		memcpy(as_bound.sun_path, path, plen);
		remember_bound(dup, &as_bound, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1));
	}
	close(dup);
	return r;
}

struct connect_wait {
	int sock;
	const struct sockaddr_un *sa;
};

static int connect_now(void *arg)
{
	struct connect_wait *c = arg;
	return connect(c->sock, (const struct sockaddr *)c->sa, sizeof *c->sa) < 0 ? -errno : 0;
}

/*
 * connect(2) to a socket bound in the sandbox: the sentry connects its
 * duplicate of the application's socket (the same open file description,
 * so its options, O_NONBLOCK and address are the application's own) to
 * the backing socket.  A blocking connect to a full listen queue waits
 * without the sentry lock (sentry_wait_unlocked): the listening process
 * may need the sentry before it accepts.  An interrupted unix connect
 * leaves the socket unconnected, so it is simply made again.
 */
static int64_t connect_bound(struct sentry *s, struct platform_syscall *sc, struct task *t, int dup,
			     const struct sockaddr_un *sa)
{
	struct connect_wait c = { dup, sa };
	/* whom the connection is for: the server's SO_PEERCRED (peercred.c) */
	int prc = peer_before_connect(s, sc, t, dup);
	if (prc < 0)
		return prc;
	int fl = fcntl(dup, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		return connect_now(&c);   /* never waits: EAGAIN as the kernel says */
	int rc;
	do
		rc = sentry_wait_unlocked(s, sc, 50, connect_now, &c);
	while (rc == -EINTR);
	return rc;
}

int64_t sys_connect(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int fd = (int)sc->args[0];
	char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
	int rc = read_unix_path(s, sc, path);
	if (rc == 0) {   /* no path: the network's business (sentry/net.c) */
		int64_t r = net_connect(s, sc);
		return r == NET_NATIVE ? native(s, sc) : r;
	}
	if (rc < 0)
		return rc;

	int dup = platform_get_fd(s->plat, sc, fd);
	if (dup < 0)
		return dup == -ENOENT ? dup : -EBADF;
	int type = 0, domain = 0;
	socklen_t sl = sizeof type;
	struct sockaddr_un peer;
	socklen_t pl = sizeof peer;
	if (getsockopt(dup, SOL_SOCKET, SO_TYPE, &type, &sl) < 0) {
		close(dup);
		return -ENOTSOCK;
	}
	sl = sizeof domain;
	getsockopt(dup, SOL_SOCKET, SO_DOMAIN, &domain, &sl);
	int fl = fcntl(dup, F_GETFL);
	bool connected = getpeername(dup, (struct sockaddr *)&peer, &pl) == 0;
	if (domain != AF_UNIX) {
		close(dup);
		return -EINVAL;
	}

	struct vfs_walk w = { 0 };
	rc = walk_start(s, sc, t, AT_FDCWD, path, &w);
	if (rc == 0) {
		w.flags = VFS_FOLLOW;
		rc = vfs_walk(&w, path);
	}
	if (rc < 0) {
		close(dup);
		return rc;
	}
	struct vfs_inode *ino = w.result.dentry->inode;
	int sock = -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* bound in the sandbox (a path the sentry binds and connects on the
	 * application's behalf), unless socket_path says ENXIO: a host
	 * socket the filesystem reaches through ->connect (an overlay's
	 * lower layer) */
	if (S_ISSOCK(ino->attr.st_mode) && ino->fs->ops->socket_path &&
	    ino->fs->ops->socket_path(ino, sa.sun_path, sizeof sa.sun_path) != -ENXIO) {
		/* Linux (unix_find_bsd) asks for write permission on the
		 * socket file */
		rc = vfs_permission(ino, &t->cred, VFS_MAY_WRITE);
		if (rc == 0)
			rc = ino->fs->ops->socket_path(ino, sa.sun_path, sizeof sa.sun_path);
		vfs_path_put(w.result);
		if (rc == 0)
			rc = (int)connect_bound(s, sc, t, dup, &sa);
		close(dup);
		return rc;
	}
	close(dup);
	if (connected)
		rc = -EISCONN;   /* (the kernel's answer for a bound socket above) */
	else if (!S_ISSOCK(ino->attr.st_mode) || !ino->fs->ops->connect)
		rc = -ECONNREFUSED;
	else {
		/* a host listener may make it wait: without the sentry lock
		 * (w.result is referenced; the overlay's connect is its lower
		 * layer's) */
		bool prev = vfs_io_allow(true);
		rc = ino->fs->ops->connect(ino, type, &sock);
		vfs_io_allow(prev);
	}
	vfs_path_put(w.result);
	if (rc < 0)
		return rc;
	if ((fl & O_NONBLOCK) && fcntl(sock, F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	if (rc == 0)
		rc = platform_replace_fd(s->plat, sc, sock,
					 fd, app_fd_cloexec(s, sc->tid, fd) ? O_CLOEXEC : 0);
	close(sock);
	return rc;
}

/* Sends naming a destination: trapped only when the sentry mediates the
 * network (sentry/net.c); the rest runs natively. */
int64_t sys_sendto(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int64_t r = net_sendto(s, sc);
	return r == NET_NATIVE ? native(s, sc) : r;
}

int64_t sys_sendmsg(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int64_t r = net_sendmsg(s, sc);
	return r == NET_NATIVE ? native(s, sc) : r;
}

int64_t sys_sendmmsg(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int64_t r = net_sendmmsg(s, sc);
	return r == NET_NATIVE ? native(s, sc) : r;
}

/* listen: trapped only when the trace asks for its events
 * (configs/apptrace.policy).  listen is made on the sentry's duplicate of
 * the socket (its arguments are registers: nothing to re-read), so its
 * result is seen.  accept: sentry/sockrecv.c. */
int64_t sys_listen(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int dup = platform_get_fd(s->plat, sc, (int)sc->args[0]);
	if (dup < 0)
		return dup == -ENOENT ? dup : native(s, sc);   /* EBADF: the kernel's */
	int64_t rc = listen(dup, (int)sc->args[1]) < 0 ? -errno : 0;
	if (rc == 0)
		peer_note_listen(s, t, dup);   /* its clients' SO_PEERCRED (peercred.c) */
	close(dup);
	return rc;
}
