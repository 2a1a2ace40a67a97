/*
 * Unix sockets bound to a path, server and client both here: one case per
 * line ("sock/case -> result"), so that a native run (in a tmpfs) and a
 * sandboxed run (cwd on a --tmpfs mount) can be compared line by line.
 * Run in an empty writable directory; argv[1], if given, is a read-only
 * directory (bind there is EROFS).  The names getsockname, getpeername and
 * accept give are the ones the program bound (the sentry puts them back:
 * docs/ARCHITECTURE.md, "Unix sockets bound in the sandbox").
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void result(const char *name, long rc, int err)
{
	if (rc < 0)
		printf("sock/%s -> -1 %s\n", name, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("sock/%s -> %ld\n", name, rc);
	fflush(stdout);
}

/* errno is read after the call: argument order is unspecified */
#define R(name, expr)                       \
	do {                                \
		errno = 0;                  \
		long r_ = (long)(expr);     \
		result(name, r_, errno);    \
	} while (0)

static socklen_t addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof sa->sun_path, "%s", path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static int do_bind(int fd, const char *path)
{
	struct sockaddr_un sa;
	return bind(fd, (struct sockaddr *)&sa, addr(&sa, path));
}

/* getsockname/getpeername of fd: the path and the length. */
static void name_case(const char *name, int fd, bool peer)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	memset(&sa, 0, sizeof sa);
	int rc = peer ? getpeername(fd, (struct sockaddr *)&sa, &len) : getsockname(fd, (struct sockaddr *)&sa, &len);
	if (rc < 0)
		printf("sock/%s -> -1 %s\n", name, strerrorname_np(errno));
	else
		printf("sock/%s -> \"%.*s\" len=%u\n", name,
		       len > offsetof(struct sockaddr_un, sun_path) ? (int)(len - offsetof(struct sockaddr_un, sun_path)) : 0,
		       sa.sun_path, (unsigned)len);
	fflush(stdout);
}

static int do_connect(int fd, const char *path)
{
	struct sockaddr_un sa;
	return connect(fd, (struct sockaddr *)&sa, addr(&sa, path));
}

/* The socket file's type and permissions, as "sock 0755". */
static void stat_case(const char *name, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		result(name, -1, errno);
		return;
	}
	printf("sock/%s -> %s %04o\n", name, S_ISSOCK(st.st_mode) ? "sock" : "other",
	       (unsigned)(st.st_mode & 07777));
	fflush(stdout);
}

/* A client in another process: connects to `path`, sends "ping", expects
 * "pong"; exit status 0 on success, else the step that failed. */
static pid_t client(const char *path, int type)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int fd = socket(AF_UNIX, type, 0);
	if (fd < 0)
		_exit(10);
	if (do_connect(fd, path) < 0)
		_exit(11);
	if (write(fd, "ping", 4) != 4)
		_exit(12);
	if (type == SOCK_DGRAM)
		_exit(0);
	char buf[8] = { 0 };
	_exit(read(fd, buf, sizeof buf) == 4 && memcmp(buf, "pong", 4) == 0 ? 0 : 13);
}

static long reaped(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

/* Accepts one client on `srv` and answers its "ping" with "pong". */
static long serve_one(int srv)
{
	int c = accept(srv, NULL, NULL);
	if (c < 0)
		return -1;
	char buf[8] = { 0 };
	long ok = read(c, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0 && write(c, "pong", 4) == 4;
	close(c);
	return ok ? 0 : 1;
}

/* Two programs: "--serve PATH" binds, listens, prints where getsockname
 * says it is bound, answers one client and exits; "--client PATH" waits
 * for the name and exchanges with it. */
static int two_programs(const char *mode, const char *path)
{
	if (strcmp(mode, "--client") == 0) {
		for (int i = 0; i < 200 && access(path, F_OK) < 0; i++)
			usleep(20000);
		pid_t pid = client(path, SOCK_STREAM);
		long rc = reaped(pid);
		printf("client -> %ld\n", rc);
		return rc == 0 ? 0 : 1;
	}
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	if (do_bind(srv, path) < 0 || listen(srv, 8) < 0) {
		perror("bind/listen");
		return 1;
	}
	struct sockaddr_un sa = { 0 };
	socklen_t len = sizeof sa;
	if (getsockname(srv, (struct sockaddr *)&sa, &len) == 0)
		printf("name -> %.*s\n", (int)(len - offsetof(struct sockaddr_un, sun_path)), sa.sun_path);
	fflush(stdout);
	long rc = serve_one(srv);
	printf("served -> %ld\n", rc);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int cases = 0;
	if (argc > 2 && strncmp(argv[1], "--", 2) == 0)
		return two_programs(argv[1], argv[2]);
	signal(SIGPIPE, SIG_IGN);
	umask(022);

	/* a server and a client in another process */
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	R("bind", do_bind(srv, "s.sock")); cases++;
	stat_case("stat", "s.sock"); cases++;
	R("listen", listen(srv, 8)); cases++;
	pid_t pid = client("s.sock", SOCK_STREAM);
	R("accept+exchange", serve_one(srv)); cases++;
	R("client", reaped(pid)); cases++;
	/* the same name by an absolute path, from another process */
	char cwd[256], abs[300];
	if (!getcwd(cwd, sizeof cwd))
		return 1;
	snprintf(abs, sizeof abs, "%s/s.sock", cwd);
	if (strlen(abs) < sizeof ((struct sockaddr_un *)0)->sun_path) {
		pid = client(abs, SOCK_STREAM);
		R("absolute/exchange", serve_one(srv));
		R("absolute/client", reaped(pid));
	} else {
		printf("sock/absolute/exchange -> 0\nsock/absolute/client -> 0\n");
	}
	cases += 2;

	/* names and errors */
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	R("bind-existing", do_bind(other, "s.sock")); cases++;
	R("bind-bound-again", do_bind(srv, "x.sock")); cases++;
	R("bound-again-no-name", access("x.sock", F_OK)); cases++;
	R("bind-missing-dir", do_bind(other, "nodir/a.sock")); cases++;
	close(open("file", O_CREAT | O_WRONLY, 0644));
	R("bind-notdir", do_bind(other, "file/a.sock")); cases++;
	R("bind-trailing-slash", do_bind(other, "t.sock/")); cases++;
	R("bind-existing-file", do_bind(other, "file")); cases++;
	umask(077);
	R("bind-umask", do_bind(other, "m.sock")); cases++;
	stat_case("stat-umask", "m.sock"); cases++;
	umask(022);
	R("connect-missing", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "none.sock")); cases++;
	R("connect-not-listening", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "m.sock")); cases++;
	R("connect-regular-file", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "file")); cases++;
	R("mknod-sock", mknod("n.sock", S_IFSOCK | 0644, 0)); cases++;
	stat_case("stat-mknod", "n.sock"); cases++;
	R("connect-mknod", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "n.sock")); cases++;
	R("open-sock", open("s.sock", O_RDONLY)); cases++;
	R("connect-wrong-type", do_connect(socket(AF_UNIX, SOCK_DGRAM, 0), "s.sock")); cases++;

	/* rename keeps the binding; unlink frees the name, not the socket */
	R("rename", rename("s.sock", "r.sock")); cases++;
	pid = client("r.sock", SOCK_STREAM);
	R("renamed/exchange", serve_one(srv)); cases++;
	R("renamed/client", reaped(pid)); cases++;
	R("unlink", unlink("r.sock")); cases++;
	R("connect-unlinked", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "r.sock")); cases++;
	int again = socket(AF_UNIX, SOCK_STREAM, 0);
	R("rebind", do_bind(again, "r.sock")); cases++;
	R("rebind/listen", listen(again, 8)); cases++;
	pid = client("r.sock", SOCK_STREAM);
	R("rebind/exchange", serve_one(again)); cases++;
	R("rebind/client", reaped(pid)); cases++;
	close(again);
	R("connect-closed", do_connect(socket(AF_UNIX, SOCK_STREAM, 0), "r.sock")); cases++;
	close(srv);

	/* a non-blocking client */
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	do_bind(srv, "nb.sock");
	listen(srv, 8);
	int nb = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	R("nonblock/connect", do_connect(nb, "nb.sock")); cases++;
	R("nonblock/connect-again", do_connect(nb, "nb.sock")); cases++;
	int acc = accept(srv, NULL, NULL);
	R("nonblock/accepted", acc >= 0 ? 0 : -1); cases++;
	R("nonblock/write", write(nb, "x", 1)); cases++;
	char ch = 0;
	R("nonblock/read", read(acc, &ch, 1)); cases++;
	close(acc);
	close(nb);
	close(srv);

	/* datagrams: a bound receiver, a connected sender */
	int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	R("dgram/bind", do_bind(rx, "d.sock")); cases++;
	pid = client("d.sock", SOCK_DGRAM);
	R("dgram/client", reaped(pid)); cases++;
	char buf[8] = { 0 };
	R("dgram/recv", recv(rx, buf, sizeof buf, MSG_DONTWAIT)); cases++;
	close(rx);

	/* abstract names are not files: natively, in the sandbox's netns */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "rl-probe-%d", (int)getpid());
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	int ab = socket(AF_UNIX, SOCK_STREAM, 0);
	R("abstract/bind", bind(ab, (struct sockaddr *)&sa, alen)); cases++;
	R("abstract/listen", listen(ab, 8)); cases++;
	int ac = socket(AF_UNIX, SOCK_STREAM, 0);
	R("abstract/connect", connect(ac, (struct sockaddr *)&sa, alen)); cases++;
	R("abstract/bind-existing", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&sa, alen)); cases++;
	close(ac);
	close(ab);
	/* autobind: an unnamed address gets an abstract one */
	int au = socket(AF_UNIX, SOCK_DGRAM, 0);
	R("autobind", bind(au, (struct sockaddr *)&sa, sizeof(sa_family_t))); cases++;
	close(au);
	/* another family with a path-looking address is the kernel's */
	R("inet-with-unix-address", do_bind(socket(AF_INET, SOCK_STREAM, 0), "i.sock")); cases++;
	R("not-a-socket", do_bind(open("file", O_RDONLY), "f.sock")); cases++;
	R("bad-fd", do_bind(9999, "b.sock")); cases++;

	/* names: what was bound, by whom, as it was given (relative too) */
	{
		int gs = socket(AF_UNIX, SOCK_STREAM, 0), gc = socket(AF_UNIX, SOCK_STREAM, 0), ga;
		R("names/bind", do_bind(gs, "./gn.sock")); cases++;
		R("names/listen", listen(gs, 8)); cases++;
		R("names/connect", do_connect(gc, "gn.sock")); cases++;
		name_case("names/server-sockname", gs, false); cases++;
		name_case("names/client-peername", gc, true); cases++;
		name_case("names/client-sockname", gc, false); cases++;
		struct sockaddr_un na;
		socklen_t len = sizeof na;
		memset(&na, 0xff, sizeof na);
		ga = accept(gs, (struct sockaddr *)&na, &len);
		printf("sock/names/accept-address -> %s len=%u\n", ga < 0 ? "fail" : "ok", (unsigned)len);
		cases++;
		name_case("names/accepted-sockname", ga, false); cases++;
		name_case("names/accepted-peername", ga, true); cases++;
		len = 4;   /* shorter than the name: truncated, the whole length told */
		memset(&na, 0, sizeof na);
		R("names/short-buffer", getsockname(gs, (struct sockaddr *)&na, &len)); cases++;
		printf("sock/names/short-buffer-len -> %u %.2s\n", (unsigned)len, na.sun_path);
		cases++;
		int neg = -1;
		R("names/negative-length", getsockname(gs, (struct sockaddr *)&na, (socklen_t *)&neg)); cases++;
		R("names/bad-length-pointer", getsockname(gs, (struct sockaddr *)&na, (socklen_t *)8)); cases++;
		R("names/not-a-socket", getsockname(0 + open("file", O_RDONLY), (struct sockaddr *)&na, &len)); cases++;
		R("names/bad-fd", getpeername(9999, (struct sockaddr *)&na, &len)); cases++;
		R("names/unconnected-peer", getpeername(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&na, &len)); cases++;
		close(ga);
		close(gc);
		close(gs);
	}

	if (argc > 1) {
		char ro[300];
		snprintf(ro, sizeof ro, "%s/ro.sock", argv[1]);
		R("bind-read-only", do_bind(socket(AF_UNIX, SOCK_STREAM, 0), ro));
		cases++;
	}
	printf("end/cases -> %d\n", cases);
	return 0;
}
