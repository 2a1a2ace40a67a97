/* Conformance probe: /dev — the nodes' attributes, and what opening,
 * reading and writing them does; a pty from /dev/ptmx.  Run natively on
 * the host's /dev and in the sandbox on devfs (tests/lib/conformance.sh).
 * Nothing that exists only on the host (disks, /dev/mem) is looked at
 * here: test_devfs.sh checks those are absent. */
#include "conf.h"

#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

/* type, mode, device numbers, owner, links: all a device node shows */
static void node(const char *name, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	line(name, "%s %04o %u:%u u=%u g=%u n=%lu", ftype(st.st_mode), (unsigned)(st.st_mode & 07777),
	     major(st.st_rdev), minor(st.st_rdev), (unsigned)st.st_uid, (unsigned)st.st_gid,
	     (unsigned long)st.st_nlink);
}

static void link_node(const char *name, const char *path)
{
	char t[256];
	struct stat st;
	ssize_t n = readlink(path, t, sizeof t - 1);
	if (n < 0 || lstat(path, &st) < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	t[n] = 0;
	line(name, "%s %04o -> %s", ftype(st.st_mode), (unsigned)(st.st_mode & 07777), t);
}

static void g_nodes(void)
{
	group("dev.nodes");
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty",
					    "console", "ptmx" };
	char path[64], name[64];
	for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
		snprintf(path, sizeof path, "/dev/%s", devs[i]);
		snprintf(name, sizeof name, "stat:%s", devs[i]);
		node(name, path);
	}
	static const char *const links[] = { "fd", "stdin", "stdout", "stderr" };
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(path, sizeof path, "/dev/%s", links[i]);
		snprintf(name, sizeof name, "lstat:%s", links[i]);
		link_node(name, path);
	}
	T("type:pts", AT_FDCWD, "/dev/pts", 0);
	T("type:shm", AT_FDCWD, "/dev/shm", 0);
	struct stat st;
	RV("mode:shm", stat("/dev/shm", &st) < 0 ? -1 : (long)(st.st_mode & 07777));
	T("type:null-nofollow", AT_FDCWD, "/dev/null", AT_SYMLINK_NOFOLLOW);
	R("access:null-rw", access("/dev/null", R_OK | W_OK));
	R("access:null-x", access("/dev/null", X_OK));
	R("access:zero-w", access("/dev/zero", W_OK));
}

/* open, then the access mode and status flags the description has */
static void flags_of(const char *name, const char *path, int oflags)
{
	int fd = open(path, oflags);
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	int fl = fcntl(fd, F_GETFL);
	line(name, "acc=%d append=%d nonblock=%d", fl & O_ACCMODE, !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	close(fd);
}

/* reads n bytes: "n bytes, zero=Z" or the errno */
static void rd(const char *name, int fd, size_t n)
{
	char buf[64];
	ssize_t r = read(fd, buf, n);
	if (r < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	bool zero = true;
	for (ssize_t i = 0; i < r; i++)
		zero &= buf[i] == 0;
	line(name, "%zd bytes zero=%d", r, zero && r > 0);
}

static void g_io(void)
{
	group("dev.io");
	flags_of("flags:null-ro", "/dev/null", O_RDONLY);
	flags_of("flags:null-wo-append", "/dev/null", O_WRONLY | O_APPEND);
	flags_of("flags:null-rw-nonblock", "/dev/null", O_RDWR | O_NONBLOCK);
	flags_of("flags:null-creat-trunc", "/dev/null", O_WRONLY | O_CREAT | O_TRUNC);
	flags_of("flags:null-excl", "/dev/null", O_WRONLY | O_CREAT | O_EXCL);
	flags_of("flags:null-directory", "/dev/null", O_RDONLY | O_DIRECTORY);
	flags_of("flags:urandom-ro", "/dev/urandom", O_RDONLY);

	/* each open is its own description: status flags are not shared */
	int a = open("/dev/null", O_WRONLY), b = open("/dev/null", O_WRONLY);
	R("two-opens:setfl", fcntl(a, F_SETFL, O_NONBLOCK));
	RV("two-opens:other-nonblock", b < 0 ? -1 : !!(fcntl(b, F_GETFL) & O_NONBLOCK));
	close(a);
	close(b);

	int fd = open("/dev/null", O_RDONLY);
	rd("null:read", fd, 16);
	RV("null:write-on-ro", write(fd, "x", 1));
	struct stat st;
	RV("null:fstat-rdev", fstat(fd, &st) < 0 ? -1 : (long)st.st_rdev);
	RV("null:fstat-mode", fstat(fd, &st) < 0 ? -1 : (long)st.st_mode);
	close(fd);
	fd = open("/dev/null", O_WRONLY);
	RV("null:write", write(fd, "hello", 5));
	rd("null:read-on-wo", fd, 1);
	RV("null:lseek", lseek(fd, 100, SEEK_SET));
	close(fd);

	fd = open("/dev/zero", O_RDWR);
	rd("zero:read", fd, 16);
	RV("zero:write", write(fd, "hello", 5));
	close(fd);
	fd = open("/dev/full", O_RDWR);
	RV("full:write", write(fd, "hello", 5));
	rd("full:read", fd, 16);
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	rd("random:read", fd, 16);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	rd("urandom:read", fd, 32);
	RV("urandom:cloexec", fcntl(fd, F_GETFD));
	close(fd);
	/* no controlling terminal here (test runs have none) */
	fd = open("/dev/tty", O_RDWR);
	line("tty:open", "%s", fd < 0 ? ename(errno) : "ok");
	if (fd >= 0)
		close(fd);
}

static void g_pty(void)
{
	group("dev.pty");
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	R("ptmx:open", m);
	if (m < 0)
		return;
	R("ptmx:grantpt", grantpt(m));
	R("ptmx:unlockpt", unlockpt(m));
	const char *name = ptsname(m);
	line("ptsname:prefix", "%s", name && strncmp(name, "/dev/pts/", 9) == 0 ? "/dev/pts/" : "other");
	char slave[64];
	snprintf(slave, sizeof slave, "%s", name ? name : "/dev/pts/none");
	struct stat st;
	RV("slave:stat-major", stat(slave, &st) < 0 ? -1 : (long)major(st.st_rdev));
	line("slave:stat-type", "%s", stat(slave, &st) < 0 ? ename(errno) : ftype(st.st_mode));
	/* the slave is listed in /dev/pts */
	DIR *d = opendir("/dev/pts");
	int listed = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		listed |= strcmp(e->d_name, slave + 9) == 0;
	if (d)
		closedir(d);
	RV("slave:listed", listed);
	int s = open(slave, O_RDWR | O_NOCTTY);
	R("slave:open", s);
	RV("slave:isatty", s < 0 ? -1 : isatty(s));
	RV("master:write", write(m, "hi\n", 3));
	char buf[16] = { 0 };
	ssize_t n = s < 0 ? -1 : read(s, buf, sizeof buf - 1);
	line("slave:read", "%s", n < 0 ? ename(errno) : strcmp(buf, "hi\n") == 0 ? "hi" : "other");
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	RV("master:peer-isatty", peer < 0 ? -1 : isatty(peer));
	if (peer >= 0)
		close(peer);
	if (s >= 0)
		close(s);
	close(m);
	R("slave:gone", stat(slave, &st));
	R("pts:bad-name", stat("/dev/pts/../null", &st));
	R("pts:missing", stat("/dev/pts/999999", &st));
}

static void g_refused(void)
{
	group("dev.refused");
	/* no capability: CAP_MKNOD */
	NOCAP("mknod:chr", mknod("/dev/rl-probe-chr", S_IFCHR | 0600, makedev(1, 3)));
	NOCAP("mknod:blk", mknod("/dev/rl-probe-blk", S_IFBLK | 0600, makedev(7, 0)));
	/* Linux's devtmpfs lets a capability-less root create files, and
	 * the sandbox's /dev tmpfs too (test_dev_write.sh: every change) */
	int fd = open("/dev/rl-probe-file", O_WRONLY | O_CREAT | O_EXCL, 0600);
	R("create:file", fd);
	if (fd >= 0) {
		close(fd);
		unlink("/dev/rl-probe-file");
	}
	R("create:in-shm", open("/dev/shm/rl-probe", O_WRONLY | O_CREAT | O_EXCL, 0600));
	unlink("/dev/shm/rl-probe");
	R("open:dev-dir-write", open("/dev", O_WRONLY));
}

int main(void)
{
	static void (*const groups[])(void) = { g_nodes, g_io, g_pty, g_refused, NULL };
	return conf_main(groups);
}
