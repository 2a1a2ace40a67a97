/* Probe: what a unix server learns of its clients, and a client of its
 * server, for sockets bound by path in the cwd: SO_PEERCRED, SO_PEERPIDFD,
 * SCM_CREDENTIALS (through a dup, a passed fd, after the client is gone),
 * and the peer addresses accept, getpeername and recvfrom give (unnamed,
 * or the name the peer bound).  Pids are printed as whom they name
 * ("client", "server", "0"), never as numbers, so a native run and a
 * sandboxed one compare line by line (test_peercred.sh). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static pid_t server, client;

static const char *ename(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

static const char *who(pid_t p)
{
	static char buf[32];
	if (p == server)
		return "server";
	if (p == client)
		return "client";
	if (p == 0)
		return "0";
	snprintf(buf, sizeof buf, "other");
	return buf;
}

static struct sockaddr_un addr(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	return sa;
}

static void peercred(const char *name, int fd)
{
	struct ucred u;
	socklen_t l = sizeof u;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &l) < 0)
		printf("%s -> %s\n", name, ename(errno));
	else
		printf("%s -> pid=%s uid=%u gid=%u len=%u\n", name, who(u.pid), (unsigned)u.uid,
		       (unsigned)u.gid, (unsigned)l);
}

/* The pid a pidfd refers to, in the reader's pid namespace (PIDFD_GET_INFO,
 * Linux 6.13; -2 without it). */
struct pidfd_info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask, spare;
};
#define PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info)
static pid_t pidfd_pid(int fd)
{
	struct pidfd_info i = { .mask = 1 /* PIDFD_INFO_PID */ };
	return ioctl(fd, PIDFD_GET_INFO, &i) < 0 ? -2 : (pid_t)i.tgid;
}

static void peerpidfd(const char *name, int fd)
{
	int pfd = -1;
	socklen_t l = sizeof pfd;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pfd, &l) < 0) {
		printf("%s -> %s\n", name, ename(errno));
		return;
	}
	printf("%s -> pid=%s cloexec=%d len=%u\n", name, who(pidfd_pid(pfd)),
	       (fcntl(pfd, F_GETFD) & FD_CLOEXEC) != 0, (unsigned)l);
	close(pfd);
}

static void show_addr(const char *name, int rc, const struct sockaddr_un *sa, socklen_t len)
{
	if (rc < 0) {
		printf("%s -> %s\n", name, ename(errno));
		return;
	}
	size_t off = offsetof(struct sockaddr_un, sun_path);
	if (len <= off)
		printf("%s -> unnamed len=%u\n", name, (unsigned)len);
	else if (sa->sun_path[0] == 0)
		printf("%s -> abstract len=%u\n", name, (unsigned)len);
	else
		printf("%s -> %.*s len=%u\n", name, (int)(len - off), sa->sun_path, (unsigned)len);
}

static void xwrite(int fd, const void *b, size_t n)
{
	if (write(fd, b, n) != (ssize_t)n)
		printf("write -> %s\n", ename(errno));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	server = getpid();
	struct sockaddr_un sa = addr("s.sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 8) < 0) {
		printf("setup -> %s\n", ename(errno));
		return 1;
	}
	int go[2], ready[2];
	if (pipe(go) < 0 || pipe(ready) < 0)
		return 1;

	/* the client: connects, tells its own view, then sends and waits */
	client = fork();
	if (client == 0) {
		client = getpid();
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof sa) < 0) {
			printf("client:connect -> %s\n", ename(errno));
			_exit(1);
		}
		peercred("client:peercred", c);
		struct sockaddr_un me;
		socklen_t ml = sizeof me;
		int rc = getsockname(c, (struct sockaddr *)&me, &ml);
		show_addr("client:getsockname", rc, &me, ml);
		xwrite(c, "x", 1);
		xwrite(c, "y", 1);
		xwrite(ready[1], "r", 1);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		close(c);
		_exit(0);
	}
	char b;
	if (read(ready[0], &b, 1) != 1)
		return 1;
	struct sockaddr_un pa;
	socklen_t pl = sizeof pa;
	int s = accept(l, (struct sockaddr *)&pa, &pl);
	show_addr("accept:addr", s, &pa, pl);
	if (s < 0)
		return 1;
	peercred("server:peercred", s);
	struct ucred u;
	socklen_t sl = 4;
	memset(&u, 0xff, sizeof u);
	int rc = getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &sl);
	printf("server:peercred-short -> %s len=%u uid-untouched=%d\n", rc < 0 ? ename(errno) : "ok",
	       (unsigned)sl, u.uid == (uid_t)-1);
	sl = (socklen_t)-1;
	printf("server:peercred-negative-len -> %s\n",
	       getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &sl) < 0 ? ename(errno) : "ok");
	peerpidfd("server:peerpidfd", s);
	pl = sizeof pa;
	rc = getpeername(s, (struct sockaddr *)&pa, &pl);
	show_addr("server:getpeername", rc, &pa, pl);
	char two[3] = "";
	pl = sizeof pa;
	ssize_t n = recvfrom(s, two, 2, MSG_PEEK | MSG_WAITALL, (struct sockaddr *)&pa, &pl);
	printf("server:recvfrom-peek-waitall -> %zd %.2s\n", n, two);
	pl = sizeof pa;
	n = recvfrom(s, &b, 1, 0, (struct sockaddr *)&pa, &pl);
	show_addr("server:recvfrom-addr", n < 0 ? -1 : 0, &pa, pl);
	int on = 1;
	setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof cbuf };
	n = recvmsg(s, &m, 0);
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (cm && cm->cmsg_type == SCM_CREDENTIALS) {
		memcpy(&u, CMSG_DATA(cm), sizeof u);
		printf("server:scm-credentials -> pid=%s uid=%u gid=%u\n", who(u.pid), (unsigned)u.uid,
		       (unsigned)u.gid);
	} else {
		printf("server:scm-credentials -> none (%zd)\n", n);
	}
	int d = dup(s);
	peercred("server:peercred-dup", d);
	close(d);
	fflush(stdout);
	pid_t kid = fork();
	if (kid == 0) {
		peercred("other-process:peercred", s);   /* the fd, passed on by fork */
		_exit(0);
	}
	waitpid(kid, NULL, 0);
	xwrite(go[1], "g", 1);
	waitpid(client, NULL, 0);
	peercred("server:peercred-client-gone", s);
	close(s);

	/* a client bound to a name of its own: accept shows it */
	client = fork();
	if (client == 0) {
		client = getpid();
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un mine = addr("c.sock");
		if (bind(c, (struct sockaddr *)&mine, sizeof mine) < 0 ||
		    connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
			printf("bound-client -> %s\n", ename(errno));
		xwrite(ready[1], "r", 1);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(ready[0], &b, 1) != 1)
		return 1;
	pl = sizeof pa;
	s = accept4(l, (struct sockaddr *)&pa, &pl, SOCK_CLOEXEC);
	show_addr("accept4:bound-client", s, &pa, pl);
	printf("accept4:cloexec -> %d\n", s >= 0 && (fcntl(s, F_GETFD) & FD_CLOEXEC));
	peercred("server:peercred-bound-client", s);
	xwrite(go[1], "g", 1);
	waitpid(client, NULL, 0);
	close(s);
	/* accept4's own errors, before the fd */
	printf("accept4:bad-flags -> %s\n", accept4(l, (struct sockaddr *)&pa, &pl, 0x40) < 0 ? ename(errno) : "ok");
	printf("accept4:bad-fd -> %s\n",
	       accept4(99, (struct sockaddr *)&pa, &pl, 0) < 0 ? ename(errno) : "ok");
	fcntl(l, F_SETFL, O_NONBLOCK);
	pl = sizeof pa;
	printf("accept:nonblocking-none -> %s\n", accept(l, (struct sockaddr *)&pa, &pl) < 0 ? ename(errno) : "ok");

	/* datagrams: the sender's name as it bound it, or unnamed */
	int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un da = addr("d.sock"), ca = addr("dc.sock");
	bind(dg, (struct sockaddr *)&da, sizeof da);
	int c1 = socket(AF_UNIX, SOCK_DGRAM, 0), c2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(c1, (struct sockaddr *)&ca, sizeof ca);
	if (connect(c1, (struct sockaddr *)&da, sizeof da) < 0 || connect(c2, (struct sockaddr *)&da, sizeof da) < 0)
		printf("dgram:connect -> %s\n", ename(errno));
	xwrite(c1, "1", 1);
	xwrite(c2, "22", 2);
	char buf[8];
	pl = sizeof pa;
	n = recvfrom(dg, buf, sizeof buf, 0, (struct sockaddr *)&pa, &pl);
	printf("dgram:recvfrom-bound -> %zd\n", n);
	show_addr("dgram:recvfrom-bound-addr", n < 0 ? -1 : 0, &pa, pl);
	pl = 4;
	n = recvfrom(dg, buf, 1, MSG_TRUNC, (struct sockaddr *)&pa, &pl);
	printf("dgram:recvfrom-unbound-trunc -> %zd len=%u\n", n, (unsigned)pl);
	pl = sizeof pa;
	n = recvfrom(dg, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&pa, &pl);
	printf("dgram:recvfrom-empty -> %s\n", n < 0 ? ename(errno) : "data");
	struct timeval tv = { 0, 100000 };
	setsockopt(dg, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	pl = sizeof pa;
	n = recvfrom(dg, buf, sizeof buf, 0, (struct sockaddr *)&pa, &pl);
	printf("dgram:recvfrom-timeout -> %s\n", n < 0 ? ename(errno) : "data");
	xwrite(c1, "abc", 3);
	pl = 5;   /* the name cut to the length given, the whole length back */
	memset(&pa, 0, sizeof pa);
	n = recvfrom(dg, buf, sizeof buf, 0, (struct sockaddr *)&pa, &pl);
	printf("dgram:recvfrom-short-addr -> %zd len=%u path=%.3s\n", n, (unsigned)pl, pa.sun_path);
	xwrite(c1, "q", 1);
	pl = sizeof pa;
	socklen_t *bad = (socklen_t *)8;
	n = recvfrom(dg, buf, sizeof buf, 0, (struct sockaddr *)&pa, bad);
	printf("dgram:recvfrom-bad-len -> %s\n", n < 0 ? ename(errno) : "ok");

	/* a socketpair: the kernel's own answer */
	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	client = -1;
	peercred("socketpair:peercred", sp[0]);
	printf("end -> ok\n");
	return 0;
}
