/* Probe: changing /dev, as a capability-less uid 0 may on Linux's
 * devtmpfs or the tmpfs container runtimes mount there.  It renames,
 * links and removes the device nodes themselves, so it never runs on a
 * host's /dev: test_dev_write.sh runs it natively in a mount namespace
 * of its own with a tmpfs on /dev holding what the sandbox's /dev holds
 * (made by real root with mknod), and in the sandbox; the outputs must be
 * identical.  One line per case: "case -> result". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static const char *ename(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

static void R(const char *name, long rc)
{
	printf("%s -> %s\n", name, rc < 0 ? ename(errno) : "ok");
}

static const char *ftype(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFCHR: return "chr";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	}
	return "?";
}

/* type, mode, links, owner, and a device's numbers (no times, no inode) */
static void ST(const char *name, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		printf("%s -> %s\n", name, ename(errno));
		return;
	}
	printf("%s -> %s %04o n=%lu u=%u g=%u", name, ftype(st.st_mode), (unsigned)(st.st_mode & 07777),
	       (unsigned long)st.st_nlink, (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (S_ISCHR(st.st_mode))
		printf(" %u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (S_ISREG(st.st_mode))
		printf(" s=%lld", (long long)st.st_size);
	putchar('\n');
}

/* What open(path, flags) and one read or write of it give. */
static void IO(const char *name, const char *path, int flags, const char *data)
{
	int fd = open(path, flags | O_NONBLOCK);
	if (fd < 0) {
		printf("%s -> open:%s\n", name, ename(errno));
		return;
	}
	char buf[16];
	ssize_t n;
	if (data) {
		n = write(fd, data, strlen(data));
	} else {
		n = read(fd, buf, 4);
		for (ssize_t i = 0; i < n && buf[i] == 0; i++)
			if (i == n - 1)
				n = 100 + n;   /* all zeros: 100 + the count */
	}
	printf("%s -> %s%zd\n", name, n < 0 ? ename(errno) : "", n < 0 ? (ssize_t)0 : n);
	close(fd);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing(const char *name, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("%s -> %s\n", name, ename(errno));
		return;
	}
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	printf("%s ->", name);
	for (size_t i = 0; i < n; i++) {
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		printf(" %s:%s", names[i], lstat(path, &st) == 0 ? ftype(st.st_mode) : "?");
		free(names[i]);
	}
	putchar('\n');
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	char buf[256];

	/* what the nodes are to begin with */
	listing("start:list", "/dev");
	ST("start:root", "/dev");

	/* names of every kind */
	int fd = open("/dev/rl-file", O_WRONLY | O_CREAT | O_EXCL, 0644);
	R("create:file", fd);
	if (fd >= 0) {
		R("create:write", write(fd, "hello", 5) == 5 ? 0 : -1);
		close(fd);
	}
	ST("create:file-stat", "/dev/rl-file");
	R("create:again-excl", open("/dev/rl-file", O_WRONLY | O_CREAT | O_EXCL, 0644));
	R("mkdir:mqueue", mkdir("/dev/mqueue", 01777));
	ST("mkdir:mqueue-stat", "/dev/mqueue");
	R("mkdir:nested", mkdir("/dev/mqueue/sub", 0700));
	R("rmdir:nonempty", rmdir("/dev/mqueue"));
	R("rmdir:nested", rmdir("/dev/mqueue/sub"));
	R("symlink:fd", symlink("/proc/self/fd", "/dev/rl-fd"));
	ssize_t n = readlink("/dev/rl-fd", buf, sizeof buf - 1);
	printf("symlink:readlink -> %.*s\n", n < 0 ? 0 : (int)n, buf);
	ST("symlink:through", "/dev/rl-fd/");
	R("mkfifo", mkfifo("/dev/rl-fifo", 0600));
	ST("mkfifo:stat", "/dev/rl-fifo");
	IO("mkfifo:open-nonblock-read", "/dev/rl-fifo", O_RDONLY, NULL);
	fd = open("/dev/rl-tmp-dir", O_RDONLY);
	R("open:missing", fd);
	fd = open("/dev", O_TMPFILE | O_RDWR, 0600);
	R("tmpfile", fd);
	if (fd >= 0)
		close(fd);

	/* devices stay the ones there are: no CAP_MKNOD */
	R("mknod:chr", mknod("/dev/rl-chr", S_IFCHR | 0666, makedev(1, 3)));
	R("mknod:blk", mknod("/dev/rl-blk", S_IFBLK | 0666, makedev(7, 0)));
	R("mknod:mem", mknod("/dev/rl-mem", S_IFCHR | 0666, makedev(1, 1)));
	R("mknod:whiteout", mknod("/dev/rl-wh", S_IFCHR | 0666, makedev(0, 0)));
	ST("mknod:whiteout-stat", "/dev/rl-wh");
	R("mknod:whiteout-open", open("/dev/rl-wh", O_RDONLY));
	R("mknod:reg", mknod("/dev/rl-reg", S_IFREG | 0600, 0));

	/* a renamed or linked device is the same device */
	R("rename:null", rename("/dev/null", "/dev/rl-null"));
	ST("rename:old-name", "/dev/null");
	ST("rename:new-name", "/dev/rl-null");
	IO("rename:write-new-name", "/dev/rl-null", O_WRONLY, "x");
	IO("rename:read-new-name", "/dev/rl-null", O_RDONLY, NULL);
	R("rename:back", rename("/dev/rl-null", "/dev/null"));
	R("link:zero", link("/dev/zero", "/dev/rl-zero"));
	ST("link:stat", "/dev/zero");
	IO("link:read", "/dev/rl-zero", O_RDONLY, NULL);
	R("link:unlink", unlink("/dev/rl-zero"));
	R("link:into-shm", link("/dev/zero", "/dev/shm/rl-zero"));
	R("rename:into-shm", rename("/dev/zero", "/dev/shm/rl-zero"));
	R("rename:into-pts", rename("/dev/zero", "/dev/pts/rl-zero"));

	/* over a device, and a device over a file */
	fd = open("/dev/rl-over", O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0)
		close(fd);
	R("rename:file-over-full", rename("/dev/rl-over", "/dev/full"));
	ST("rename:full-now", "/dev/full");
	IO("rename:write-full-now", "/dev/full", O_WRONLY, "abc");
	fd = open("/dev/rl-f2", O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd >= 0)
		close(fd);
	R("rename:urandom-over-file", rename("/dev/urandom", "/dev/rl-f2"));
	ST("rename:file-now", "/dev/rl-f2");
	IO("rename:read-file-now", "/dev/rl-f2", O_RDONLY, NULL);
	R("rename:exchange-missing", renameat2(AT_FDCWD, "/dev/rl-f2", AT_FDCWD, "/dev/urandom",
					       RENAME_EXCHANGE));

	/* attributes and removal */
	R("chmod:zero", chmod("/dev/zero", 0600));
	ST("chmod:zero-stat", "/dev/zero");
	R("chown:zero-same", chown("/dev/zero", 0, 0));
	R("unlink:tty", unlink("/dev/tty"));
	ST("unlink:tty-gone", "/dev/tty");
	R("rmdir:pts", rmdir("/dev/pts"));
	R("rmdir:shm", rmdir("/dev/shm"));
	R("rename:pts", rename("/dev/pts", "/dev/rl-pts"));
	R("mkdir:in-pts", mkdir("/dev/pts/rl-d", 0755));
	R("create:in-pts", open("/dev/pts/rl-f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	R("unlink:stdin", unlink("/dev/stdin"));
	R("symlink:stdin-again", symlink("/proc/self/fd/0", "/dev/stdin"));

	/* a unix socket bound there (syslog's /dev/log) */
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0), cli = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/rl-log" };
	R("bind:log", bind(srv, (struct sockaddr *)&sa, sizeof sa));
	R("connect:log", connect(cli, (struct sockaddr *)&sa, sizeof sa));
	R("send:log", send(cli, "m", 1, 0) == 1 ? 0 : -1);
	n = recv(srv, buf, sizeof buf, MSG_DONTWAIT);
	printf("recv:log -> %zd\n", n);
	ST("bind:log-stat", "/dev/rl-log");
	close(srv);
	close(cli);

	struct statfs sf;
	printf("statfs:dev -> %s\n", statfs("/dev", &sf) < 0 ? ename(errno)
		: sf.f_type == 0x01021994 ? "tmpfs" : "other");
	printf("statfs:pts -> %s\n", statfs("/dev/pts", &sf) < 0 ? ename(errno)
		: sf.f_type == 0x1cd1 ? "devpts" : "other");

	/* the size limit (64 MiB, as runc's and crun's): ENOSPC when full */
	fd = open("/dev/rl-big", O_WRONLY | O_CREAT | O_EXCL, 0600);
	static char mib[1 << 20];
	long total = 0;
	int err = 0;
	while (fd >= 0 && total < (100L << 20)) {
		ssize_t w = write(fd, mib, sizeof mib);
		if (w <= 0) {
			err = w < 0 ? errno : 0;
			break;
		}
		total += w;
	}
	printf("size:full -> %s %s\n", total > (60L << 20) && total <= (64L << 20) ? "60-64MiB" : "other",
	       err ? ename(err) : "no-error");
	if (total > (64L << 20) || total <= (60L << 20))
		printf("size:written -> %ld\n", total);
	if (fd >= 0)
		close(fd);
	R("size:unlink", unlink("/dev/rl-big"));

	listing("end:list", "/dev");
	ST("end:root", "/dev");
	return 0;
}
