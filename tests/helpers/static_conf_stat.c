/* Conformance probe: stat lstat fstat newfstatat statx (tests/helpers/conf.h
 * says how probes work; tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <limits.h>

static void setup_tree(void)
{
	mkfile("f", 0644, "0123456789");
	mkd("d", 0755);
	mkfile("d/x", 0600, "x");
	sl("f", "l");
	sl("nothere", "dl");
	sl("d", "ld");
	if (mkfifo("p", 0640) < 0)
		line("setup", "mkfifo %s", ename(errno));
}

static void g_paths(void)
{
	group("stat.paths");
	setup_tree();
	struct stat st;
	S("stat-file", AT_FDCWD, "f", 0);
	S("stat-dir", AT_FDCWD, "d", 0);
	S("stat-fifo", AT_FDCWD, "p", 0);
	S("stat-dot", AT_FDCWD, ".", 0);
	S("stat-link-follows", AT_FDCWD, "l", 0);
	S("lstat-link", AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW);
	S("stat-dangling", AT_FDCWD, "dl", 0);
	S("lstat-dangling", AT_FDCWD, "dl", AT_SYMLINK_NOFOLLOW);
	S("lstat-link-to-dir-slash", AT_FDCWD, "ld/", AT_SYMLINK_NOFOLLOW);
	S("lstat-link-to-file-slash", AT_FDCWD, "l/", AT_SYMLINK_NOFOLLOW);
	S("stat-file-slash", AT_FDCWD, "f/", 0);
	S("stat-file-dot", AT_FDCWD, "f/.", 0);
	S("stat-dir-slash", AT_FDCWD, "d/", 0);
	S("stat-dir-child", AT_FDCWD, "d/x", 0);
	S("stat-missing", AT_FDCWD, "missing", 0);
	S("stat-missing-parent", AT_FDCWD, "missing/x", 0);
	S("stat-through-file", AT_FDCWD, "f/x", 0);
	S("stat-empty", AT_FDCWD, "", 0);
	char longname[NAME_MAX + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	S("stat-name-too-long", AT_FDCWD, longname, 0);
	longname[NAME_MAX] = 0;
	S("stat-name-max-missing", AT_FDCWD, longname, 0);
	/* the libc-less forms */
	R("raw-stat", syscall(SYS_stat, "f", &st));
	line("raw-stat-size", "%lld", (long long)st.st_size);
	R("raw-lstat", syscall(SYS_lstat, "l", &st));
	line("raw-lstat-type", "%s", ftype(st.st_mode));
	R("raw-stat-null-buf", syscall(SYS_stat, "f", NULL));
	R("raw-stat-null-path", syscall(SYS_stat, NULL, &st));
	R("raw-lstat-missing", syscall(SYS_lstat, "missing", &st));
}

static void g_at(void)
{
	group("stat.at");
	setup_tree();
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int ffd = open("f", O_RDONLY);
	int pfd = open("d", O_PATH);
	S("dirfd-relative", dfd, "x", 0);
	S("dirfd-dotdot", dfd, "../f", 0);
	S("opath-dirfd-relative", pfd, "x", 0);
	S("file-dirfd", ffd, "x", 0);
	T("file-dirfd-absolute", ffd, "/", 0);
	S("bad-dirfd", 999, "x", 0);
	S("bad-dirfd-negative", -5, "x", 0);
	T("bad-dirfd-absolute", 999, "/", 0);
	S("empty-path-file", ffd, "", AT_EMPTY_PATH);
	S("empty-path-dir", dfd, "", AT_EMPTY_PATH);
	S("empty-path-cwd", AT_FDCWD, "", AT_EMPTY_PATH);
	S("empty-path-without-flag", ffd, "", 0);
	S("empty-path-bad-fd", 999, "", AT_EMPTY_PATH);
	S("bad-flag", AT_FDCWD, "f", 0x40000000);
	S("flag-removedir", AT_FDCWD, "f", AT_REMOVEDIR);
	S("no-automount", AT_FDCWD, "d", AT_NO_AUTOMOUNT);
	S("nofollow-dirfd", dfd, "../l", AT_SYMLINK_NOFOLLOW);
	struct stat st;
	R("raw-newfstatat", syscall(SYS_newfstatat, dfd, "x", &st, 0));
	R("raw-newfstatat-null-path-empty", syscall(SYS_newfstatat, ffd, NULL, &st, AT_EMPTY_PATH));
	close(dfd);
	close(ffd);
	close(pfd);
}

static void FS(const char *name, int fd)
{
	struct stat st;
	char d[128];
	if (fstat(fd, &st) < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	desc(d, sizeof d, &st);
	line(name, "%s", d);
}

static void g_fstat(void)
{
	group("stat.fstat");
	setup_tree();
	int fd = open("f", O_RDONLY);
	FS("file", fd);
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	FS("dir", fd);
	close(fd);
	fd = open("f", O_PATH);
	FS("opath-file", fd);
	close(fd);
	fd = open("l", O_PATH | O_NOFOLLOW);
	FS("opath-symlink", fd);
	close(fd);
	fd = open("p", O_RDONLY | O_NONBLOCK);
	FS("fifo", fd);
	close(fd);
	FS("closed", fd);
	FS("bad", 999);
	FS("negative", -1);
	int pp[2];
	if (pipe(pp) == 0) {
		struct stat st;
		line("pipe", "%s", fstat(pp[0], &st) < 0 ? ename(errno) : ftype(st.st_mode));
		close(pp[0]);
		close(pp[1]);
	}
	struct stat st;
	fd = open("f", O_RDONLY);
	R("raw-fstat-null-buf", syscall(SYS_fstat, fd, NULL));
	close(fd);

	/* attributes change under an open writable fd */
	fd = open("f", O_WRONLY | O_APPEND);
	R("append-write", write(fd, "abc", 3));
	S("stat-after-write", AT_FDCWD, "f", 0);
	FS("fstat-after-write", fd);
	R("ftruncate", ftruncate(fd, 4));
	S("stat-after-ftruncate", AT_FDCWD, "f", 0);
	R("link-while-open", link("f", "f2"));
	FS("fstat-after-link", fd);
	R("unlink-while-open", unlink("f"));
	FS("fstat-after-unlink", fd);
	R("unlink-last-while-open", unlink("f2"));
	FS("fstat-unlinked", fd);
	close(fd);
	R("mkdir-sub", mkdir("d/sub", 0755));
	S("dir-nlink-after-mkdir", AT_FDCWD, "d", 0);
	R("rmdir-sub", rmdir("d/sub"));
	S("dir-nlink-after-rmdir", AT_FDCWD, "d", 0);
	(void)st;
}

static void SX(const char *name, int dirfd, const char *path, int flags, unsigned mask)
{
	struct statx sx;
	memset(&sx, 0xa5, sizeof sx);
	if (syscall(SYS_statx, dirfd, path, flags, mask, &sx) < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	line(name, "mask&basic=%#x %s %04o n=%u s=%llu u=%u g=%u", sx.stx_mask & STATX_BASIC_STATS,
	     ftype(sx.stx_mode), sx.stx_mode & 07777, sx.stx_nlink,
	     S_ISDIR(sx.stx_mode) ? 0ULL : (unsigned long long)sx.stx_size, sx.stx_uid, sx.stx_gid);
}

static void g_statx(void)
{
	group("stat.statx");
	setup_tree();
	int ffd = open("f", O_RDONLY);
	SX("file", AT_FDCWD, "f", 0, STATX_BASIC_STATS);
	SX("dir", AT_FDCWD, "d", 0, STATX_BASIC_STATS);
	SX("link-follows", AT_FDCWD, "l", 0, STATX_BASIC_STATS);
	SX("link-nofollow", AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
	SX("dangling", AT_FDCWD, "dl", 0, STATX_BASIC_STATS);
	SX("fifo", AT_FDCWD, "p", 0, STATX_BASIC_STATS);
	SX("mask-type-mode", AT_FDCWD, "f", 0, STATX_TYPE | STATX_MODE);
	SX("mask-size", AT_FDCWD, "f", 0, STATX_SIZE);
	SX("mask-all", AT_FDCWD, "f", 0, STATX_ALL);
	SX("mask-reserved", AT_FDCWD, "f", 0, 0x80000000U);
	SX("sync-force", AT_FDCWD, "f", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS);
	SX("sync-dont", AT_FDCWD, "f", AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
	SX("sync-both", AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
	SX("bad-flag", AT_FDCWD, "f", 0x40000000, STATX_BASIC_STATS);
	SX("empty-path-fd", ffd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	SX("empty-path-no-flag", ffd, "", 0, STATX_BASIC_STATS);
	SX("missing", AT_FDCWD, "missing", 0, STATX_BASIC_STATS);
	SX("file-slash", AT_FDCWD, "f/", 0, STATX_BASIC_STATS);
	SX("bad-dirfd", 999, "f", 0, STATX_BASIC_STATS);
	SX("file-dirfd", ffd, "x", 0, STATX_BASIC_STATS);
	R("null-buffer", syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, NULL));
	close(ffd);
}

int main(void)
{
	static void (*const groups[])(void) = { g_paths, g_at, g_fstat, g_statx, NULL };
	return conf_main(groups);
}
