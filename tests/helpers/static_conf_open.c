/* Conformance probe: open openat openat2 creat (tests/helpers/conf.h says
 * how probes work; tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <linux/openat2.h>
#include <stdint.h>

static void setup_tree(void)
{
	mkfile("f", 0644, "0123456789");
	mkfile("ro", 0444, "ro");
	mkd("d", 0755);
	mkfile("d/x", 0600, "x");
	sl("f", "l");
	sl("d", "ld");
	sl("nothere", "dl");
	sl("loop", "loop");
}

/* open, then the fd's access mode and status flags that matter here. */
static void OF(const char *name, int fd)
{
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	struct stat st;
	int fl = fcntl(fd, F_GETFL);
	fstat(fd, &st);
	line(name, "fd %s acc=%d append=%d cloexec=%d", ftype(st.st_mode), fl & O_ACCMODE,
	     !!(fl & O_APPEND), !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	close(fd);
}

static void g_flags(void)
{
	group("open.flags");
	setup_tree();
	OF("rdonly", open("f", O_RDONLY));
	OF("wronly", open("f", O_WRONLY));
	OF("rdwr", open("f", O_RDWR));
	OF("accmode-3", open("f", O_ACCMODE));
	OF("append", open("f", O_WRONLY | O_APPEND));
	OF("cloexec", open("f", O_RDONLY | O_CLOEXEC));
	OF("dir-rdonly", open("d", O_RDONLY));
	OF("dir-wronly", open("d", O_WRONLY));
	OF("dir-rdwr", open("d", O_RDWR));
	OF("dir-creat", open("d", O_RDONLY | O_CREAT, 0644));
	OF("dir-trunc", open("d", O_RDONLY | O_TRUNC));
	OF("directory-on-file", open("f", O_RDONLY | O_DIRECTORY));
	OF("directory-on-dir", open("d", O_RDONLY | O_DIRECTORY));
	OF("directory-on-link-to-dir", open("ld", O_RDONLY | O_DIRECTORY));
	OF("directory-creat-missing", open("newdir", O_RDONLY | O_DIRECTORY | O_CREAT, 0644));
	OF("nofollow-link", open("l", O_RDONLY | O_NOFOLLOW));
	OF("nofollow-file", open("f", O_RDONLY | O_NOFOLLOW));
	OF("nofollow-link-in-middle", open("ld/x", O_RDONLY | O_NOFOLLOW));
	OF("nofollow-dangling", open("dl", O_RDONLY | O_NOFOLLOW));
	OF("nofollow-directory-link", open("ld", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
	OF("loop", open("loop", O_RDONLY));
	OF("dangling", open("dl", O_RDONLY));
	OF("missing", open("missing", O_RDONLY));
	OF("missing-parent", open("missing/x", O_RDONLY));
	OF("through-file", open("f/x", O_RDONLY));
	OF("file-slash", open("f/", O_RDONLY));
	OF("dir-slash", open("d/", O_RDONLY));
	OF("empty", open("", O_RDONLY));
	OF("opath-file", open("f", O_PATH));
	OF("opath-nofollow-link", open("l", O_PATH | O_NOFOLLOW));
	OF("ro-file-rdonly", open("ro", O_RDONLY));
	OF("raw-open", syscall(SYS_open, "f", O_RDONLY, 0));
	OF("raw-open-null", syscall(SYS_open, NULL, O_RDONLY, 0));
	OF("unknown-flag-ignored", syscall(SYS_open, "f", O_RDONLY | 0x40000000, 0));
	OF("largefile", open("f", O_RDONLY | O_LARGEFILE));
}

static void g_creat(void)
{
	group("open.creat");
	setup_tree();
	FD("creat-new", open("c1", O_WRONLY | O_CREAT, 0640));
	FD("creat-existing", open("f", O_WRONLY | O_CREAT, 0600));
	FD("creat-excl-new", open("c2", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FD("creat-excl-existing", open("f", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FD("creat-excl-dir", open("d", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FD("creat-excl-link", open("l", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FD("creat-excl-dangling", open("dl", O_WRONLY | O_CREAT | O_EXCL, 0600));
	FD("creat-through-dangling", open("dl", O_WRONLY | O_CREAT, 0600));
	S("creat-through-dangling-result", AT_FDCWD, "nothere", AT_SYMLINK_NOFOLLOW);
	FD("creat-nofollow-link", open("l", O_WRONLY | O_CREAT | O_NOFOLLOW, 0600));
	FD("creat-slash", open("c3/", O_WRONLY | O_CREAT, 0600));
	FD("creat-missing-parent", open("missing/c", O_WRONLY | O_CREAT, 0600));
	FD("creat-in-subdir", open("d/c4", O_RDWR | O_CREAT, 0666));
	FD("creat-mode-bits", open("c5", O_RDWR | O_CREAT, 07777));
	FD("creat-rdonly-mode0", open("c6", O_RDONLY | O_CREAT, 0));
	FD("creat-excl-only", open("c7", O_WRONLY | O_EXCL, 0600));
	FD("creat-dot", open(".", O_WRONLY | O_CREAT, 0600));
	FD("creat-dotdot", open("d/..", O_RDONLY | O_CREAT, 0600));
	FD("creat-libc", creat("c8", 0600));
	FD("creat-libc-existing", creat("f", 0600));
	FD("creat-raw", syscall(SYS_creat, "c9", 0604));
	FD("creat-raw-dir", syscall(SYS_creat, "d", 0604));
	mode_t old = umask(077);
	FD("creat-umask-077", open("c10", O_WRONLY | O_CREAT, 0666));
	umask(0);
	FD("creat-umask-0", open("c11", O_WRONLY | O_CREAT, 0666));
	umask(old);
}

static void g_trunc_append(void)
{
	group("open.trunc");
	setup_tree();
	mkfile("t1", 0644, "0123456789");
	mkfile("t2", 0644, "0123456789");
	mkfile("a", 0644, "abc");
	FD("trunc-wronly", open("t1", O_WRONLY | O_TRUNC));
	CONTENT("trunc-wronly-content", "t1");
	FD("trunc-rdonly", open("t2", O_RDONLY | O_TRUNC));
	CONTENT("trunc-rdonly-content", "t2");
	FD("trunc-creat-existing", open("f", O_RDWR | O_CREAT | O_TRUNC, 0600));
	FD("trunc-through-link", open("l", O_WRONLY | O_TRUNC));
	int fd = open("a", O_WRONLY | O_APPEND);
	R("append-lseek0", lseek(fd, 0, SEEK_SET));
	R("append-write", write(fd, "def", 3));
	close(fd);
	CONTENT("append-content", "a");
	fd = open("a", O_RDWR);
	R("rdwr-write-at-0", write(fd, "X", 1));
	close(fd);
	CONTENT("rdwr-content", "a");
	fd = open("a", O_RDONLY);
	R("rdonly-write", write(fd, "X", 1));
	close(fd);
	fd = open("a", O_WRONLY);
	char b[4];
	R("wronly-read", read(fd, b, 1));
	close(fd);
}

static void O2(const char *name, int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
	OF(name, syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

static void g_at(void)
{
	group("open.at");
	setup_tree();
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int pfd = open("d", O_PATH | O_DIRECTORY);
	int ffd = open("f", O_RDONLY);
	OF("openat-dirfd", openat(dfd, "x", O_RDONLY));
	OF("openat-opath-dirfd", openat(pfd, "x", O_RDONLY));
	OF("openat-file-dirfd", openat(ffd, "x", O_RDONLY));
	OF("openat-bad-dirfd", openat(999, "x", O_RDONLY));
	OF("openat-bad-dirfd-absolute", openat(999, "/", O_RDONLY));
	OF("openat-dirfd-dotdot", openat(dfd, "../f", O_RDONLY));
	OF("openat-dirfd-creat", openat(dfd, "new", O_WRONLY | O_CREAT, 0644));
	OF("openat-empty", openat(dfd, "", O_RDONLY));
	O2("openat2-plain", AT_FDCWD, "f", O_RDONLY, 0, 0);
	O2("openat2-mode-without-creat", AT_FDCWD, "f", O_RDONLY, 0644, 0);
	O2("openat2-creat", AT_FDCWD, "o2new", O_WRONLY | O_CREAT, 0600, 0);
	O2("openat2-unknown-flag", AT_FDCWD, "f", O_RDONLY | 0x40000000, 0, 0);
	O2("openat2-unknown-resolve", AT_FDCWD, "f", O_RDONLY, 0, 0x1000);
	O2("openat2-bad-mode", AT_FDCWD, "o2m", O_WRONLY | O_CREAT, 010000, 0);
	O2("openat2-beneath-ok", dfd, "x", O_RDONLY, 0, RESOLVE_BENEATH);
	O2("openat2-beneath-dotdot", dfd, "../f", O_RDONLY, 0, RESOLVE_BENEATH);
	O2("openat2-beneath-absolute", dfd, "/", O_RDONLY, 0, RESOLVE_BENEATH);
	O2("openat2-in-root-absolute", dfd, "/x", O_RDONLY, 0, RESOLVE_IN_ROOT);
	O2("openat2-in-root-dotdot", dfd, "../../x", O_RDONLY, 0, RESOLVE_IN_ROOT);
	O2("openat2-no-symlinks", AT_FDCWD, "l", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
	O2("openat2-no-symlinks-mid", AT_FDCWD, "ld/x", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
	O2("openat2-no-magiclinks", AT_FDCWD, "l", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS);
	O2("openat2-no-xdev", AT_FDCWD, "f", O_RDONLY, 0, RESOLVE_NO_XDEV);
	O2("openat2-beneath-and-in-root", dfd, "x", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT);
	O2("openat2-cached-cold", AT_FDCWD, "f", O_RDONLY, 0, RESOLVE_CACHED);
	O2("openat2-cached-creat", AT_FDCWD, "o2c", O_WRONLY | O_CREAT, 0600, RESOLVE_CACHED);
	O2("openat2-bad-dirfd", 999, "f", O_RDONLY, 0, 0);
	struct open_how how = { .flags = O_RDONLY };
	OF("openat2-size-small", syscall(SYS_openat2, AT_FDCWD, "f", &how, 8));
	char big[64] = { 0 };
	memcpy(big, &how, sizeof how);
	OF("openat2-size-larger-zero", syscall(SYS_openat2, AT_FDCWD, "f", big, sizeof big));
	big[40] = 1;
	OF("openat2-size-larger-nonzero", syscall(SYS_openat2, AT_FDCWD, "f", big, sizeof big));
	OF("openat2-null-how", syscall(SYS_openat2, AT_FDCWD, "f", NULL, sizeof how));
	close(dfd);
	close(pfd);
	close(ffd);
}

/* ---- O_TMPFILE ------------------------------------------------------------ */

/* The fd's attributes: "nlink=N mode=M size=S" (what an unnamed file shows). */
static void FST(const char *name, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "nlink=%lu mode=%04o size=%lld u=%u g=%u", (unsigned long)st.st_nlink,
		     (unsigned)(st.st_mode & 07777), (long long)st.st_size, (unsigned)st.st_uid,
		     (unsigned)st.st_gid);
}

/* /proc/self/fd/N of fd, from the group's directory on ("d/#N (deleted)"):
 * the scratch directory's place and the inode number differ between runs. */
static void FDLINK(const char *name, int fd)
{
	char p[64], t[512], out[512];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, t, sizeof t - 1);
	if (n < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	t[n] = 0;
	char key[80];
	snprintf(key, sizeof key, "/%s/", conf_group);
	const char *at = strstr(t, key);
	at = at ? at + strlen(key) : t;
	size_t o = 0;
	for (; *at && o < sizeof out - 2; at++) {
		if (*at >= '0' && *at <= '9') {
			if (o == 0 || out[o - 1] != 'N')
				out[o++] = 'N';
		} else {
			out[o++] = *at;
		}
	}
	out[o] = 0;
	line(name, "\"%s\"", out);
}

static int link_proc(int fd, const char *to, int flags)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, p, AT_FDCWD, to, flags);
}

static int reopen_proc(int fd, int flags)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	return open(p, flags);
}

static void g_tmpfile(void)
{
	group("open.tmpfile");
	mkd("d", 0755);
	mkd("d2", 0755);
	mkd("nowrite", 0555);
	mkd("nosearch", 0666);
	mkfile("f", 0644, "f");
	mkfile("d/taken", 0644, "taken");
	/* flags: O_TMPFILE must write, is O_DIRECTORY, never O_CREAT */
	OF("rdwr", open("d", O_TMPFILE | O_RDWR, 0600));
	OF("wronly", open("d", O_TMPFILE | O_WRONLY, 0600));
	OF("rdonly", open("d", O_TMPFILE | O_RDONLY, 0600));
	OF("rdonly-trunc", open("d", O_TMPFILE | O_RDONLY | O_TRUNC, 0600));
	OF("accmode-3", open("d", O_TMPFILE | O_ACCMODE, 0600));
	OF("creat", open("d", O_TMPFILE | O_CREAT | O_RDWR, 0600));
	OF("bit-without-directory", syscall(SYS_open, "d", (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600));
	OF("cloexec-append", open("d", O_TMPFILE | O_WRONLY | O_APPEND | O_CLOEXEC, 0600));
	OF("opath-open", syscall(SYS_open, "d", O_TMPFILE | O_PATH | O_RDWR, 0600));
	O2("openat2", AT_FDCWD, "d", O_TMPFILE | O_RDWR, 0600, 0);
	O2("openat2-opath", AT_FDCWD, "d", O_TMPFILE | O_PATH | O_RDWR, 0, 0);
	O2("openat2-cached", AT_FDCWD, "d", O_TMPFILE | O_RDWR, 0600, RESOLVE_CACHED);
	O2("openat2-cached-directory", AT_FDCWD, "d", O_RDONLY | O_DIRECTORY, 0, RESOLVE_CACHED);
	/* the path: a directory, followed; permission to write and search it */
	OF("on-file", open("f", O_TMPFILE | O_RDWR, 0600));
	OF("missing", open("missing", O_TMPFILE | O_RDWR, 0600));
	OF("missing-parent", open("missing/d", O_TMPFILE | O_RDWR, 0600));
	OF("through-file", open("f/d", O_TMPFILE | O_RDWR, 0600));
	OF("empty-path", open("", O_TMPFILE | O_RDWR, 0600));
	OF("dot", open(".", O_TMPFILE | O_RDWR, 0600));
	OF("dir-slash", open("d/", O_TMPFILE | O_RDWR, 0600));
	NOCAP("nowrite-dir", open("nowrite", O_TMPFILE | O_RDWR, 0600));
	NOCAP("nosearch-dir", open("nosearch", O_TMPFILE | O_RDWR, 0600));

	/* an unnamed file: data through the fd, nlink 0, mode & ~umask */
	umask(027);
	int fd = open("d", O_TMPFILE | O_RDWR, 0666);
	umask(022);
	RV("write", write(fd, "unnamed data", 12));
	char b[32] = "";
	ssize_t n = pread(fd, b, sizeof b - 1, 0);
	line("read-back", "%zd \"%.*s\"", n, n > 0 ? (int)n : 0, b);
	FST("fstat", fd);
	FDLINK("fdlink", fd);
	int r = reopen_proc(fd, O_RDONLY);
	OF("reopen-unnamed", r);
	R("fchmod", fchmod(fd, 0604));
	R("ftruncate", ftruncate(fd, 7));
	FST("fstat-changed", fd);
	/* linked through the magic link: the name shows the data, nlink 1 */
	R("link-proc-nofollow", link_proc(fd, "d/nofollow", 0));
	R("link-proc-taken", link_proc(fd, "d/taken", AT_SYMLINK_FOLLOW));
	R("link-proc-missing-dir", link_proc(fd, "missing/x", AT_SYMLINK_FOLLOW));
	R("link-proc", link_proc(fd, "d/named", AT_SYMLINK_FOLLOW));
	FST("fstat-linked", fd);
	S("named", AT_FDCWD, "d/named", 0);
	CONTENT("named-content", "d/named");
	FDLINK("fdlink-linked", fd);
	R("link-proc-again", link_proc(fd, "d2/second", AT_SYMLINK_FOLLOW));
	FST("fstat-twice", fd);
	OF("reopen-linked", reopen_proc(fd, O_RDONLY));
	/* the names go: no further name (I_LINKABLE was for the first) */
	R("unlink-named", unlink("d/named"));
	R("unlink-second", unlink("d2/second"));
	FST("fstat-unlinked", fd);
	R("relink-after-unlink", link_proc(fd, "d/again", AT_SYMLINK_FOLLOW));
	close(fd);

	/* linkat(fd, "", AT_EMPTY_PATH): the opener's own credentials */
	fd = open("d", O_TMPFILE | O_WRONLY, 0640);
	RV("write-wronly", write(fd, "empty-path", 10));
	R("link-empty-path", linkat(fd, "", AT_FDCWD, "d/by-fd", AT_EMPTY_PATH));
	CONTENT("by-fd-content", "d/by-fd");
	R("link-empty-path-no-flag", linkat(fd, "", AT_FDCWD, "d/by-fd2", 0));
	close(fd);
	/* O_EXCL: never linkable */
	fd = open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	FST("excl-fstat", fd);
	R("excl-link-proc", link_proc(fd, "d/excl", AT_SYMLINK_FOLLOW));
	R("excl-link-empty-path", linkat(fd, "", AT_FDCWD, "d/excl", AT_EMPTY_PATH));
	close(fd);
	/* closed without a name: nothing left anywhere (the state below) */
	fd = open("d2", O_TMPFILE | O_RDWR, 0600);
	RV("write-forgotten", write(fd, "gone", 4));
	close(fd);
}

int main(void)
{
	static void (*const groups[])(void) = { g_flags, g_creat, g_trunc_append, g_at, g_tmpfile, NULL };
	return conf_main(groups);
}
