/*
 * connect(2) to a unix socket named by a path: the path is the sandbox's, so
 * the sentry resolves it in the VFS.  A socket file on a gofer mount is a
 * host socket: the gofer connects (Tlconnect) and the sentry puts the
 * connected socket in the application's fd slot in place of its own
 * unconnected one (SECCOMP_ADDFD_FLAG_SETFD), with its O_NONBLOCK and
 * close-on-exec.  Every other address family, and abstract or unnamed unix
 * addresses, connect natively (the sandbox has its own network namespace).
 * Known limits: options set on the socket before connect are not carried
 * over; sockets bound inside the sandbox arrive with the filesystems issue
 * (until then such a path is ECONNREFUSED).
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

int64_t sys_connect(struct sentry *s, struct platform_syscall *sc, struct task *t)
{
	int fd = (int)sc->args[0];
	uint64_t len = sc->args[2];
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	if (len < sizeof(sa_family_t) || len > sizeof sa)
		return platform_continue(s->plat, sc) < 0 ? -EINVAL : SYSCALL_ANSWERED;
	int rc = platform_read(s->plat, sc, &sa, sc->args[1], len);
	if (rc < 0)
		return rc;
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	if (sa.sun_family != AF_UNIX || plen == 0 || sa.sun_path[0] == 0) {
		/* not a path: the kernel's business, in the sandbox's netns */
		rc = platform_continue(s->plat, sc);
		return rc < 0 ? rc : SYSCALL_ANSWERED;
	}
	char path[sizeof sa.sun_path + 1];
	memcpy(path, sa.sun_path, plen);
	path[plen] = 0;
	snprintf(detail_buffer(), 128, "\"%s\"", path);

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
	close(dup);
	if (domain != AF_UNIX)
		return -EINVAL;
	if (connected)
		return -EISCONN;

	struct vfs_walk w = { 0 };
	rc = walk_start(s, sc, t, AT_FDCWD, path, &w);
	if (rc < 0)
		return rc;
	w.flags = VFS_FOLLOW;
	rc = vfs_walk(&w, path);
	if (rc < 0)
		return rc;
	struct vfs_inode *ino = w.result.dentry->inode;
	int sock = -1;
	if (!S_ISSOCK(ino->attr.st_mode) || !ino->fs->ops->connect)
		rc = -ECONNREFUSED;
	else
		rc = ino->fs->ops->connect(ino, type, &sock);
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
