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

int main(void)
{
	static void (*const groups[])(void) = { g_flags, g_creat, g_trunc_append, g_at, NULL };
	return conf_main(groups);
}
