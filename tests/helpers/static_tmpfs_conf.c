/* Conformance probe: what only a tmpfs shows (tests/helpers/conf.h says how
 * probes work; tests/integration/test_tmpfs.sh runs it with its scratch
 * directory on a tmpfs of size=1m, natively on a real tmpfs, sandboxed on
 * `--tmpfs`): statfs, independent offsets of two opens, shared mappings,
 * ENOSPC, hard links sharing data, times, readdir cookies, exec of a copied
 * program, FIFOs, socket nodes, xattrs, rename flags.
 * Not named static_conf_*: the gofer-backed conformance run would list
 * every tmpfs-only case as a difference. */
#include "conf.h"

#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

static const char *self_path;

static void g_statfs(void)
{
	group("tmpfs.statfs");
	struct statfs sf;
	int rc = statfs(".", &sf);
	R("statfs", rc);
	if (rc == 0) {
		line("f_type", "%#lx", (unsigned long)sf.f_type);
		line("f_bsize", "%ld", (long)sf.f_bsize);
		line("f_blocks", "%ld", (long)sf.f_blocks);   /* size=1m: 256 */
		line("f_namelen", "%ld", (long)sf.f_namelen);
	}
}

static void g_offsets(void)
{
	group("tmpfs.offsets");
	mkfile("f", 0644, "0123456789");
	int a = open("f", O_RDWR), b = open("f", O_RDWR);
	char buf[8] = { 0 };
	RV("read-a", read(a, buf, 4));
	line("a-got", "\"%.4s\"", buf);
	RV("read-b-own-offset", read(b, buf, 4));
	line("b-got", "\"%.4s\"", buf);
	RV("lseek-a", lseek(a, 0, SEEK_CUR));
	RV("write-b", write(b, "XY", 2));
	RV("lseek-a-unmoved", lseek(a, 0, SEEK_CUR));
	RV("read-a-sees-write", read(a, buf, 4));
	line("a-got2", "\"%.4s\"", buf);
	int c = open("f", O_WRONLY | O_APPEND);
	RV("append", write(c, "Z", 1));
	RV("append-offset", lseek(c, 0, SEEK_CUR));
	RV("getfl-a", fcntl(a, F_GETFL) & (O_ACCMODE | O_APPEND));
	RV("getfl-c", fcntl(c, F_GETFL) & (O_ACCMODE | O_APPEND));
	close(a);
	close(b);
	close(c);
	CONTENT("content", "f");
}

static void g_mmap(void)
{
	group("tmpfs.mmap");
	mkfile("f", 0644, "hello");
	int fd = open("f", O_RDWR);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	R("mmap", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		m[0] = 'J';
		CONTENT("seen-by-another-open", "f");
		R("unlink-while-mapped", unlink("f"));
		m[1] = 'E';
		RV("pread-after-unlink", pread(fd, m + 100, 5, 0));
		line("mapping-after-unlink", "\"%.5s\"", m + 100);
		munmap(m, 4096);
	}
	close(fd);
}

static void g_enospc(void)
{
	group("tmpfs.enospc");
	static char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	int fd = open("big", O_WRONLY | O_CREAT, 0644);
	long total = 0, n;
	while ((n = write(fd, chunk, sizeof chunk)) > 0)
		total += n;
	line("write-until-full", "%s", n < 0 ? ename(errno) : "no error");
	line("wrote-at-most-1m", "%s", total <= (1 << 20) && total > (1 << 19) ? "yes" : "no");
	RV("fallocate-beyond", fallocate(fd, 0, 0, 4 << 20));
	R("ftruncate-sparse-beyond", ftruncate(fd, 8 << 20));
	close(fd);
	R("unlink", unlink("big"));
	fd = open("again", O_WRONLY | O_CREAT, 0644);
	total = 0;
	for (int i = 0; i < 4 && (n = write(fd, chunk, sizeof chunk)) > 0; i++)
		total += n;
	line("space-freed-by-unlink", "%ld", total);
	close(fd);
	R("unlink-again", unlink("again"));
}

static void g_links(void)
{
	group("tmpfs.links");
	mkfile("a", 0640, "data");
	R("link", link("a", "b"));
	struct stat sa, sb;
	stat("a", &sa);
	stat("b", &sb);
	line("same-inode", "%s", sa.st_ino == sb.st_ino ? "yes" : "no");
	int fd = open("b", O_WRONLY | O_APPEND);
	RV("write-through-b", write(fd, "+", 1));
	close(fd);
	CONTENT("a-sees-it", "a");
	R("unlink-a", unlink("a"));
	S("b-after", AT_FDCWD, "b", 0);
	R("symlink", symlink("b", "s"));
	CONTENT("through-symlink", "s");
	S("symlink-lstat", AT_FDCWD, "s", AT_SYMLINK_NOFOLLOW);
}

static int ts_cmp(struct timespec a, struct timespec b)
{
	return a.tv_sec != b.tv_sec ? (a.tv_sec < b.tv_sec ? -1 : 1)
	       : a.tv_nsec != b.tv_nsec ? (a.tv_nsec < b.tv_nsec ? -1 : 1) : 0;
}

static void pause_a_little(void)
{
	struct timespec t = { 0, 20 * 1000 * 1000 };
	nanosleep(&t, NULL);
}

static void g_times(void)
{
	group("tmpfs.times");
	struct stat d0, d1, s0, s1, s2;
	stat(".", &d0);
	pause_a_little();
	int fd = open("f", O_RDWR | O_CREAT, 0644);
	fstat(fd, &s0);
	stat(".", &d1);
	line("dir-mtime-on-create", "%s", ts_cmp(d1.st_mtim, d0.st_mtim) > 0 ? "later" : "same");
	line("new-file-times", "%s", !ts_cmp(s0.st_atim, s0.st_mtim) && !ts_cmp(s0.st_mtim, s0.st_ctim) ? "equal" : "differ");
	pause_a_little();
	RV("write", write(fd, "abc", 3));
	fstat(fd, &s1);
	line("mtime-after-write", "%s", ts_cmp(s1.st_mtim, s0.st_mtim) > 0 ? "later" : "same");
	line("ctime-is-mtime", "%s", !ts_cmp(s1.st_ctim, s1.st_mtim) ? "yes" : "no");
	stat("f", &s2);
	line("stat-agrees-with-fstat", "%s", !ts_cmp(s1.st_mtim, s2.st_mtim) && s2.st_size == 3 ? "yes" : "no");
	pause_a_little();
	R("chmod", chmod("f", 0600));
	stat("f", &s2);
	line("chmod-ctime", "%s", ts_cmp(s2.st_ctim, s1.st_ctim) > 0 ? "later" : "same");
	line("chmod-mtime", "%s", ts_cmp(s2.st_mtim, s1.st_mtim) ? "changed" : "same");
	struct timespec ts[2] = { { 1000000000, 5 }, { 1200000000, 7 } };
	R("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
	stat("f", &s2);
	line("explicit-times", "%ld.%ld %ld.%ld", (long)s2.st_atim.tv_sec, s2.st_atim.tv_nsec,
	     (long)s2.st_mtim.tv_sec, s2.st_mtim.tv_nsec);
	R("futimens-now", futimens(fd, NULL));
	fstat(fd, &s2);
	line("futimens-now-mtime", "%s", s2.st_mtim.tv_sec > 1200000000 ? "now" : "old");
	close(fd);
}

static void g_readdir(void)
{
	group("tmpfs.readdir");
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "f%02d", i);
		mkfile(name, 0644, "");
	}
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	static char buf[4096] __attribute__((aligned(8)));
	int seen[64] = { 0 }, dups = 0, other = 0;
	long n = syscall(SYS_getdents64, fd, buf, 256);
	RV("first-chunk-ok", n > 0 ? 0 : -1);
	int round = 0;
	while (n > 0) {
		for (long at = 0; at < n;) {
			struct dirent64 *d = (void *)(buf + at);
			int k;
			if (sscanf(d->d_name, "f%d", &k) == 1 && k >= 0 && k < 64) {
				if (seen[k]++)
					dups++;
			} else if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
				other++;
			}
			at += d->d_reclen;
		}
		if (round++ == 0) {
			/* change the directory in the middle of the listing */
			for (int i = 30; i < 40; i++) {
				snprintf(name, sizeof name, "f%02d", i);
				unlink(name);
			}
			mkfile("f50", 0644, "");
		}
		n = syscall(SYS_getdents64, fd, buf, 256);
	}
	int survivors_missed = 0;
	for (int i = 0; i < 30; i++)
		survivors_missed += !seen[i];
	line("duplicates", "%d", dups);
	line("survivors-missed", "%d", survivors_missed);
	line("new-entry-seen", "%d", seen[50]);
	line("other-names", "%d", other);
	/* a position taken from d_off comes back to the same place */
	lseek(fd, 0, SEEK_SET);
	n = syscall(SYS_getdents64, fd, buf, sizeof buf);
	struct dirent64 *d0 = (void *)buf, *d1 = (void *)(buf + d0->d_reclen),
			*d2 = (void *)(buf + d0->d_reclen + d1->d_reclen);
	long off2 = d1->d_off;
	char want[256];
	snprintf(want, sizeof want, "%s", d2->d_name);
	RV("lseek-to-d_off", lseek(fd, off2, SEEK_SET) < 0 ? -1 : 0);
	n = syscall(SYS_getdents64, fd, buf, sizeof buf);
	line("resumes-at-next", "%s", n > 0 && strcmp(d0->d_name, want) == 0 ? "yes" : "no");
	close(fd);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof name, "f%02d", i);
		unlink(name);
	}
	unlink("f50");
	/* getdents on a removed directory */
	mkd("gone", 0755);
	fd = open("gone", O_RDONLY | O_DIRECTORY);
	R("rmdir-open", rmdir("gone"));
	RV("getdents-removed", syscall(SYS_getdents64, fd, buf, sizeof buf));
	close(fd);
}

static void g_exec(void)
{
	group("tmpfs.exec");
	int in = open(self_path, O_RDONLY), out = open("prog", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;
	long total = 0;
	while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		total += write(out, buf, (size_t)n);
	line("copied", "%s", total > 0 ? "yes" : "no");
	/* still open for writing: ETXTBSY */
	pid_t pid = fork();
	if (pid == 0) {
		execl("./prog", "prog", "--child", (char *)NULL);
		_exit(errno);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	line("exec-while-open-for-writing", "%s", WIFEXITED(st) ? ename(WEXITSTATUS(st)) : "signal");
	close(out);
	close(in);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("./prog", "prog", "--child", (char *)NULL);
		_exit(errno);
	}
	waitpid(pid, &st, 0);
	line("exec-status", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	R("chmod-noexec", chmod("prog", 0644));
	pid = fork();
	if (pid == 0) {
		execl("./prog", "prog", "--child", (char *)NULL);
		_exit(errno);
	}
	waitpid(pid, &st, 0);
	line("exec-without-x", "%s", WIFEXITED(st) ? ename(WEXITSTATUS(st)) : "signal");
	R("unlink", unlink("prog"));
}

static void g_nodes(void)
{
	group("tmpfs.nodes");
	R("mkfifo", mkfifo("p", 0640));
	int r = open("p", O_RDONLY | O_NONBLOCK);
	RV("reader-nonblock", r < 0 ? -1 : 0);
	int w = open("p", O_WRONLY | O_NONBLOCK);
	RV("writer", w < 0 ? -1 : 0);
	RV("write", write(w, "pipe", 4));
	char buf[8] = { 0 };
	RV("read", read(r, buf, sizeof buf));
	line("data", "\"%s\"", buf);
	close(w);
	close(r);
	RV("writer-without-reader", open("p", O_WRONLY | O_NONBLOCK));
	R("mknod-sock", mknod("s", S_IFSOCK | 0644, 0));
	RV("open-sock", open("s", O_RDONLY));
	R("mknod-reg", mknod("r", S_IFREG | 0600, 0));
	RV("mknod-chr", mknod("c", S_IFCHR | 0600, makedev(1, 3)));
}

static void g_xattr(void)
{
	group("tmpfs.xattr");
	mkfile("f", 0644, "");
	mkd("d", 0755);
	sl("f", "l");
	R("set-user-file", setxattr("f", "user.a", "va", 2, 0));
	R("set-user-dir", setxattr("d", "user.b", "vb", 2, 0));
	R("set-user-symlink", lsetxattr("l", "user.c", "vc", 2, 0));
	char buf[64] = { 0 };
	RV("get", getxattr("f", "user.a", buf, sizeof buf));
	RV("get-size", getxattr("f", "user.a", NULL, 0));
	RV("get-small-buffer", getxattr("f", "user.a", buf, 1));
	RV("get-missing", getxattr("f", "user.zz", buf, sizeof buf));
	R("create-existing", setxattr("f", "user.a", "x", 1, XATTR_CREATE));
	R("replace-missing", setxattr("f", "user.new", "x", 1, XATTR_REPLACE));
	R("replace", setxattr("f", "user.a", "longer", 6, XATTR_REPLACE));
	RV("list", listxattr("f", buf, sizeof buf));
	R("remove", removexattr("f", "user.a"));
	R("remove-missing", removexattr("f", "user.a"));
	NOCAP("trusted-set", setxattr("f", "trusted.t", "x", 1, 0));
	NOCAP("trusted-get", getxattr("f", "trusted.t", buf, sizeof buf));
	static char big[70000];
	R("value-too-big", setxattr("f", "user.big", big, sizeof big, 0));
}

static void g_rename(void)
{
	group("tmpfs.rename");
	mkfile("a", 0644, "A");
	mkfile("b", 0644, "B");
	mkd("d", 0755);
	mkfile("d/x", 0644, "X");
	R("noreplace-existing", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE));
	R("noreplace-new", syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "c", RENAME_NOREPLACE));
	R("exchange", syscall(SYS_renameat2, AT_FDCWD, "b", AT_FDCWD, "c", RENAME_EXCHANGE));
	CONTENT("b-after", "b");
	R("dir-over-nonempty", (mkd("e", 0755), rename("e", "d")));
	R("replace-file", rename("b", "c"));
	R("dir-move", rename("d", "e/d2"));
	S("moved-dir", AT_FDCWD, "e", 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return 7;
	/* where a copy of this program comes from: its own absolute path */
	static char path[4096];
	if (argv[0][0] == '/')
		self_path = argv[0];
	else if (getenv("TMPFS_PROBE"))
		self_path = getenv("TMPFS_PROBE");
	else {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
		path[n < 0 ? 0 : n] = 0;
		self_path = path;
	}
	umask(022);
	static void (*const groups[])(void) = { g_statfs, g_offsets, g_mmap, g_enospc, g_links,
						g_times, g_readdir, g_exec, g_nodes, g_xattr, g_rename,
						NULL };
	return conf_main(groups);
}
