/* Conformance probe: mknod mknodat (fifos, regular files, sockets; devices
 * need CAP_MKNOD) (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

static void g_mknod(void)
{
	group("mknod.mknod");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	sl("nothere", "dl");
	R("fifo", mknod("p1", S_IFIFO | 0644, 0));
	S("fifo-result", AT_FDCWD, "p1", 0);
	R("mkfifo", mkfifo("p2", 0600));
	R("fifo-existing", mknod("p1", S_IFIFO | 0644, 0));
	R("fifo-over-dangling", mknod("dl", S_IFIFO | 0644, 0));
	R("regular", mknod("r1", S_IFREG | 0640, 0));
	S("regular-result", AT_FDCWD, "r1", 0);
	R("type-zero-is-regular", mknod("r2", 0640, 0));
	S("type-zero-result", AT_FDCWD, "r2", 0);
	R("socket", mknod("s1", S_IFSOCK | 0755, 0));
	S("socket-result", AT_FDCWD, "s1", 0);
	R("dir-type", mknod("x1", S_IFDIR | 0755, 0));
	R("link-type", mknod("x2", S_IFLNK | 0755, 0));
	R("bad-type", mknod("x3", 0170000 | 0644, 0));
	R("missing-parent", mknod("missing/p", S_IFIFO | 0644, 0));
	R("trailing-slash", mknod("p3/", S_IFIFO | 0644, 0));
	R("through-file", mknod("f/p", S_IFIFO | 0644, 0));
	R("empty", mknod("", S_IFIFO | 0644, 0));
	R("mode-bits", mknod("p4", S_IFIFO | 07777, 0));
	S("mode-bits-result", AT_FDCWD, "p4", 0);
	mode_t old = umask(077);
	R("umask", mknod("p5", S_IFIFO | 0666, 0));
	S("umask-result", AT_FDCWD, "p5", 0);
	umask(old);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	R("mknodat-dirfd", mknodat(dfd, "p6", S_IFIFO | 0644, 0));
	R("mknodat-bad-dirfd", mknodat(999, "p7", S_IFIFO | 0644, 0));
	R("raw-mknod", syscall(SYS_mknod, "p8", S_IFIFO | 0644, 0));
	R("raw-mknod-null", syscall(SYS_mknod, NULL, S_IFIFO | 0644, 0));
	close(dfd);
	/* devices (and whiteouts: a 0:0 character device) */
	NOCAP("nocap-char-device", mknod("c1", S_IFCHR | 0600, makedev(1, 3)));
	NOCAP("nocap-block-device", mknod("b1", S_IFBLK | 0600, makedev(7, 0)));
	NOCAP("nocap-whiteout", mknod("w1", S_IFCHR | 0600, 0));
	NOCAP("nocap-fifo", mknod("p9", S_IFIFO | 0600, 0));
	unlink("w1");   /* the case above says what happened; the state stays comparable */
}

static void g_special_use(void)
{
	group("mknod.use");
	if (mkfifo("p", 0644) < 0)
		line("setup", "mkfifo %s", ename(errno));
	FD("open-fifo-rdonly-nonblock", open("p", O_RDONLY | O_NONBLOCK));
	FD("open-fifo-wronly-nonblock-no-reader", open("p", O_WRONLY | O_NONBLOCK));
	R("mknod-socket", mknod("s", S_IFSOCK | 0644, 0));
	FD("open-socket-file", open("s", O_RDONLY));
	FD("opath-socket-file", open("s", O_PATH));
	/* a socket file made by bind(2): as native on a tmpfs, EOPNOTSUPP on
	 * a gofer mount (tests/conformance/KNOWN_DIFFERENCES) */
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, "bound");
	R("bind-unix-socket", bind(sk, (struct sockaddr *)&a, sizeof a));
	close(sk);
	S("bind-unix-socket-result", AT_FDCWD, "bound", 0);
	unlink("bound");   /* the case above says what happened; the state stays comparable */
}

int main(void)
{
	static void (*const groups[])(void) = { g_mknod, g_special_use, NULL };
	return conf_main(groups);
}
