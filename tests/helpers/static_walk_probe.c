/* Path-walk conformance probe.  Run with its cwd in an empty scratch
 * directory; it builds a tree there, then prints one line per case:
 *
 *     group/case -> result
 *
 * where result is "ok", a file description ("reg 0644 n=1 s=10 u=0 g=0"),
 * a link text, "same"/"different" for identity checks, or the errno name.
 * Built static so it runs in a busybox rootfs.  Run natively and in the
 * sandbox on identical (empty) directories: the outputs must be identical.
 *
 * Nothing printed depends on which directory is the scratch directory or
 * which tree is "/" (host root or rootfs): no inode numbers, devices, times
 * or absolute paths; things outside the scratch directory (/, /etc, /bin)
 * are printed by file type only, identities by "same"/"different".
 *
 * The DAC cases (modes 0 and 0111, read-only files) come last: the probe
 * runs as root natively and as uid 0 without capabilities in the sandbox. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static char base[8192];		/* getcwd() of the scratch dir, stripped from getcwd output */
static int basefd = -1;		/* O_PATH fd of the scratch dir, to come back with fchdir */
static int ncases;

static void line(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("%s -> ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	ncases++;
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	static char buf[32];
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

/* rc < 0: the errno name, else "ok". */
static void R(const char *name, long rc)
{
	if (rc < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "ok");
}

static const char *ftype(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	}
	return "?";
}

/* Full description of a file inside the scratch dir. */
static void desc(char *out, size_t n, const struct stat *st)
{
	snprintf(out, n, "%s %04o n=%lu s=%lld u=%u g=%u", ftype(st->st_mode),
		 (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink,
		 (long long)st->st_size, (unsigned)st->st_uid, (unsigned)st->st_gid);
}

/* fstatat, full description. */
static void S(const char *name, int dirfd, const char *path, int flags)
{
	struct stat st;
	char d[128];
	if (fstatat(dirfd, path, &st, flags) < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	desc(d, sizeof d, &st);
	line(name, "%s", d);
}

/* fstatat, file type only (for paths outside the scratch dir). */
static void T(const char *name, int dirfd, const char *path, int flags)
{
	struct stat st;
	if (fstatat(dirfd, path, &st, flags) < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "%s", ftype(st.st_mode));
}

/* Do a and b (stat, following) name the same file? */
static void SAME(const char *name, const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0) {
		line(name, "a:%s", ename(errno));
		return;
	}
	if (stat(b, &sb) < 0) {
		line(name, "b:%s", ename(errno));
		return;
	}
	line(name, "%s", sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? "same" : "different");
}

static void SAMEFD(const char *name, int fd, const char *b)
{
	struct stat sa, sb;
	if (fstat(fd, &sa) < 0) {
		line(name, "fd:%s", ename(errno));
		return;
	}
	if (stat(b, &sb) < 0) {
		line(name, "b:%s", ename(errno));
		return;
	}
	line(name, "%s", sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? "same" : "different");
}

/* openat; prints "fd <type>" (+ full description when inside the scratch
 * dir: full != 0) or the errno; closes the fd. */
static void O(const char *name, int dirfd, const char *path, int flags, mode_t mode, int full)
{
	int fd = openat(dirfd, path, flags, mode);
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) {
		line(name, "fd fstat:%s", ename(errno));
	} else if (full) {
		char d[128];
		desc(d, sizeof d, &st);
		line(name, "fd %s", d);
	} else {
		line(name, "fd %s", ftype(st.st_mode));
	}
	close(fd);
}

/* readlinkat into a buffer of size bufsz. */
static void RL(const char *name, int dirfd, const char *path, size_t bufsz)
{
	char buf[8192];
	ssize_t n = readlinkat(dirfd, path, buf, bufsz);
	if (n < 0)
		line(name, "%s", ename(errno));
	else if (n > 200)
		line(name, "%zd bytes", n);
	else
		line(name, "%zd \"%.*s\"", n, (int)n, buf);
}

/* getcwd relative to the scratch dir ("." for itself); absolute paths
 * outside it are printed as they are only when they are "/" or "/etc". */
static void CWD(const char *name)
{
	char buf[8192];
	if (!getcwd(buf, sizeof buf)) {
		line(name, "%s", ename(errno));
		return;
	}
	size_t bl = strlen(base);
	if (strcmp(buf, base) == 0)
		line(name, ".");
	else if (strncmp(buf, base, bl) == 0 && buf[bl] == '/')
		line(name, ".%s", buf + bl);
	else if (strcmp(buf, "/") == 0 || strcmp(buf, "/etc") == 0)
		line(name, "%s", buf);
	else
		line(name, "outside-scratch");
}

static void back(void)
{
	if (fchdir(basefd) < 0) {
		perror("fchdir back to the scratch dir");
		exit(2);
	}
}

static void mkfile(const char *path, mode_t mode, const char *content)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		printf("setup/%s -> create %s\n", path, ename(errno));
		return;
	}
	if (content && write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		printf("setup/%s -> write %s\n", path, ename(errno));
	close(fd);
	if (chmod(path, mode) < 0)
		printf("setup/%s -> chmod %s\n", path, ename(errno));
}

static void mkd(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0)
		printf("setup/%s -> mkdir %s\n", path, ename(errno));
	else if (chmod(path, mode) < 0)
		printf("setup/%s -> chmod %s\n", path, ename(errno));
}

static void sl(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		printf("setup/%s -> symlink %s\n", path, ename(errno));
}

static char *rep(const char *unit, int times, const char *tail)
{
	size_t ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(ul * times + tl + 1), *p = s;
	for (int i = 0; i < times; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static char *chars(int c, int n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = 0;
	return s;
}

/* A chain of n symlinks prefix_0 -> prefix_1 -> ... -> prefix_{n-1} -> target. */
static void chain(const char *prefix, int n, const char *target)
{
	char name[64], next[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s_%d", prefix, i);
		snprintf(next, sizeof next, "%s_%d", prefix, i + 1);
		sl(i == n - 1 ? target : next, name);
	}
}

/* Nested directories of 250-byte names under "deep": DEEP_LEVELS levels,
 * made with mkdirat/openat so no path ever exceeds PATH_MAX. */
#define DEEP_LEVELS 20
static char *deepname;

static void build_deep(void)
{
	deepname = chars('D', 250);
	mkd("deep", 0755);
	int fd = open("deep", O_PATH | O_DIRECTORY);
	for (int i = 0; i < DEEP_LEVELS && fd >= 0; i++) {
		if (mkdirat(fd, deepname, 0755) < 0)
			printf("setup/deep level %d -> mkdirat %s\n", i, ename(errno));
		int nfd = openat(fd, deepname, O_PATH | O_DIRECTORY);
		if (nfd < 0)
			printf("setup/deep level %d -> openat %s\n", i, ename(errno));
		close(fd);
		fd = nfd;
	}
	if (fd >= 0)
		close(fd);
}

static void setup(void)
{
	umask(022);
	mkd("d1", 0755);
	mkd("d1/d2", 0755);
	mkd("d1/d2/d3", 0755);
	mkfile("d1/d2/f", 0644, "hello\n");
	mkfile("d1/marker1", 0644, "m1\n");
	mkfile("file", 0644, "0123456789");
	mkfile("file2", 0644, "x");
	mkfile("exe", 0755, "#!/bin/sh\n");
	mkfile("y", 0644, "");
	mkfile("fx", 0644, "");
	mkfile("trunc_me", 0644, "0123456789");
	mkfile("app", 0644, "abc");
	mkd("emptyd", 0755);
	mkd("full", 0755);
	mkfile("full/x", 0644, "");

	sl("file", "sl_rel_file");
	sl("d1/d2", "sl_rel_dir");
	sl("/etc", "sl_abs_etc");
	sl("/bin", "sl_abs_bin");
	sl("/", "sl_abs_root");
	sl("/etc/passwd", "sl_etc_passwd");
	sl("/../../etc", "sl_abs_dotdot");
	sl("nothere", "sl_dangle");
	sl("nodir/nothere", "sl_dangle_dir");
	sl("created_by_link", "sl_dangle_creat");
	sl("created_excl", "sl_dangle_excl");
	sl("loop_b", "loop_a");
	sl("loop_a", "loop_b");
	sl("self", "self");
	sl(".", "sl_dot");
	sl("..", "d1/up");
	sl("../file", "d1/sl_back");
	sl("../marker1", "d1/d2/rel_up");
	sl("d1/", "sl_slash_dir");
	sl("file/", "sl_slash_file");
	sl("sl_rel_dir", "sl_to_link");
	sl("sl_rel_file", "sl_to_flink");
	char *longt = rep("./", 2000, "d1");	/* a 4002-byte link text */
	sl(longt, "sl_long");
	free(longt);
	chain("c40", 40, "file");
	chain("c41", 41, "file");
	chain("c20", 20, "file");
	chain("dc20", 20, "d1");
	chain("dc21", 21, "d1");

	char *n255 = chars('n', 255);
	mkfile(n255, 0644, "");
	free(n255);
	build_deep();

	/* The DAC cases' tree (used last). */
	mkd("dmode0", 0755);
	mkfile("dmode0/inner", 0644, "");
	chmod("dmode0", 0);
	mkd("d0111", 0755);
	mkfile("d0111/inner", 0644, "");
	chmod("d0111", 0111);
	mkfile("f444", 0444, "ro");
	mkfile("f000", 0000, "none");
}

static void t_paths(void)
{
	/* absolute, relative, AT_FDCWD */
	T("abs/root", AT_FDCWD, "/", 0);
	T("abs/etc", AT_FDCWD, "/etc", 0);
	T("abs/etc-passwd", AT_FDCWD, "/etc/passwd", 0);
	T("abs/etc-slash", AT_FDCWD, "/etc/", 0);
	T("abs/double-slash", AT_FDCWD, "//etc//passwd", 0);
	T("abs/bin-sh", AT_FDCWD, "/bin/sh", 0);
	T("abs/bin-followed", AT_FDCWD, "/bin/", AT_SYMLINK_NOFOLLOW);
	T("abs/missing", AT_FDCWD, "/nonexistent-walk-zz", 0);
	T("abs/missing-middle", AT_FDCWD, "/nonexistent-walk-zz/x", 0);
	T("abs/etc-missing", AT_FDCWD, "/etc/nonexistent-walk-zz", 0);
	T("abs/passwd-slash", AT_FDCWD, "/etc/passwd/", 0);
	T("abs/passwd-dotdot", AT_FDCWD, "/etc/passwd/..", 0);
	S("rel/file", AT_FDCWD, "file", 0);
	S("rel/dot-file", AT_FDCWD, "./file", 0);
	S("rel/nested", AT_FDCWD, "d1/d2/f", 0);
	S("rel/nested-slashes", AT_FDCWD, "d1//d2///f", 0);
	S("rel/dir", AT_FDCWD, "d1", 0);
	S("rel/dir-d2", AT_FDCWD, "d1/d2", 0);
	S("rel/emptyd", AT_FDCWD, "emptyd", 0);
	S("rel/exe", AT_FDCWD, "exe", 0);
	S("rel/missing", AT_FDCWD, "missing", 0);
	S("rel/missing-middle", AT_FDCWD, "missing/x", 0);
	S("rel/three-dots", AT_FDCWD, "...", 0);
	T("rel/dot", AT_FDCWD, ".", 0);
	O("rel/open-file", AT_FDCWD, "file", O_RDONLY, 0, 1);
	O("rel/open-nested", AT_FDCWD, "d1/d2/f", O_RDONLY, 0, 1);

	/* dirfd-relative */
	int dfd = open("d1", O_RDONLY | O_DIRECTORY);
	int pfd = open("d1", O_PATH | O_DIRECTORY);
	int ffd = open("file", O_RDONLY);
	int fpfd = open("file", O_PATH);
	int sfd = open("sl_rel_dir", O_RDONLY | O_DIRECTORY);
	O("dirfd/dir-rel", dfd, "d2/f", O_RDONLY, 0, 1);
	O("dirfd/opath-rel", pfd, "d2/f", O_RDONLY, 0, 1);
	S("dirfd/dir-fstatat", dfd, "marker1", 0);
	S("dirfd/opath-fstatat", pfd, "d2", 0);
	O("dirfd/dotdot", pfd, "../file", O_RDONLY, 0, 1);
	O("dirfd/dot", pfd, ".", O_RDONLY | O_DIRECTORY, 0, 1);
	O("dirfd/abs-ignores-dirfd", pfd, "/etc", O_RDONLY | O_DIRECTORY, 0, 0);
	O("dirfd/via-symlink", sfd, "f", O_RDONLY, 0, 1);
	O("dirfd/via-symlink-dotdot", sfd, "../marker1", O_RDONLY, 0, 1);
	O("dirfd/file-dirfd", ffd, "x", O_RDONLY, 0, 0);
	O("dirfd/file-dirfd-dot", ffd, ".", O_RDONLY, 0, 0);
	O("dirfd/opath-file-dirfd", fpfd, "x", O_RDONLY, 0, 0);
	O("dirfd/file-dirfd-abs", ffd, "/etc", O_RDONLY, 0, 0);
	S("dirfd/file-dirfd-fstatat", ffd, "x", 0);
	R("dirfd/file-dirfd-mkdirat", mkdirat(ffd, "x", 0755));
	O("dirfd/bad-999-rel", 999, "file", O_RDONLY, 0, 0);
	O("dirfd/bad-999-abs", 999, "/etc", O_RDONLY, 0, 0);
	O("dirfd/bad-neg-rel", -5, "file", O_RDONLY, 0, 0);
	O("dirfd/bad-neg-abs", -5, "/etc/passwd", O_RDONLY, 0, 0);
	S("dirfd/bad-fstatat", 999, "file", 0);
	R("dirfd/bad-mkdirat", mkdirat(999, "x", 0755));
	R("dirfd/mkdirat-opath", mkdirat(pfd, "made_by_dirfd", 0700));
	S("dirfd/mkdirat-opath-result", AT_FDCWD, "d1/made_by_dirfd", 0);
	R("dirfd/unlinkat-opath", unlinkat(pfd, "made_by_dirfd", AT_REMOVEDIR));
	close(dfd);
	close(sfd);

	/* "." and ".." */
	SAME("dot/d1-dotdot", "d1/..", ".");
	SAME("dot/d1-d2-dotdot-dotdot", "d1/d2/../..", ".");
	SAME("dot/dotdot-twice", "../..", "../../.");
	S("dot/dot-components", AT_FDCWD, "d1/./d2/./f", 0);
	S("dot/dotdot-back", AT_FDCWD, "d1/d2/../d2/f", 0);
	S("dot/dotdot-to-top", AT_FDCWD, "d1/d2/../../file", 0);
	S("dot/missing-dotdot", AT_FDCWD, "missing/..", 0);
	S("dot/file-dotdot", AT_FDCWD, "file/..", 0);
	S("dot/file-dot", AT_FDCWD, "file/.", 0);
	T("dot/dotdot", AT_FDCWD, "..", 0);
	O("dot/open-dotdot", AT_FDCWD, "..", O_RDONLY | O_DIRECTORY, 0, 0);
	S("dot/after-symlink-physical", AT_FDCWD, "sl_rel_dir/../marker1", 0);
	S("dot/after-symlink-not-lexical", AT_FDCWD, "sl_rel_dir/../file", 0);
	SAME("dot/after-symlink-is-d1", "sl_rel_dir/..", "d1");
	S("dot/after-link-to-link", AT_FDCWD, "sl_to_link/../marker1", 0);
	SAME("dot/up-link-is-scratch", "d1/up", ".");
	SAME("dot/up-link-dotdot", "d1/up/..", "..");
	S("dot/up-link-twice", AT_FDCWD, "d1/up/d1/up/file", 0);
	S("dot/sl-dot", AT_FDCWD, "sl_dot/sl_dot/file", 0);

	/* the root */
	SAME("root/dotdot", "/..", "/");
	SAME("root/dotdot-dotdot", "/../..", "/");
	SAME("root/dot-dot", "/./.", "/");
	SAME("root/slashes", "///", "/");
	SAME("root/dotdot-etc", "/../etc", "/etc");
	SAME("root/many-dotdot-etc", "/../../../../etc/../../etc", "/etc");
	SAME("root/rel-dotdots", "../../../../../../../../../../../../../../../..", "/");
	int rfd = open("/", O_PATH | O_DIRECTORY);
	O("root/dirfd-dotdot-etc", rfd, "../../etc", O_RDONLY | O_DIRECTORY, 0, 0);
	int rdd = openat(rfd, "..", O_PATH | O_DIRECTORY);
	SAMEFD("root/dirfd-dotdot-same", rdd, "/");
	if (rdd >= 0)
		close(rdd);
	close(rfd);
	SAME("root/abs-link-dotdot", "sl_abs_root/..", "/");
	SAME("root/abs-link-etc-dotdot", "sl_abs_etc/..", "/");
	SAME("root/abs-link-dotdot-target", "sl_abs_dotdot", "/etc");

	/* symlinks */
	S("symlink/rel-file", AT_FDCWD, "sl_rel_file", 0);
	S("symlink/rel-file-lstat", AT_FDCWD, "sl_rel_file", AT_SYMLINK_NOFOLLOW);
	S("symlink/rel-dir", AT_FDCWD, "sl_rel_dir", 0);
	S("symlink/rel-dir-lstat", AT_FDCWD, "sl_rel_dir", AT_SYMLINK_NOFOLLOW);
	S("symlink/middle", AT_FDCWD, "sl_rel_dir/f", 0);
	S("symlink/middle-lstat", AT_FDCWD, "sl_rel_dir/f", AT_SYMLINK_NOFOLLOW);
	S("symlink/link-to-link", AT_FDCWD, "sl_to_link/f", 0);
	S("symlink/link-to-flink", AT_FDCWD, "sl_to_flink", 0);
	S("symlink/relative-to-link-dir", AT_FDCWD, "d1/d2/rel_up", 0);
	S("symlink/back-to-parent", AT_FDCWD, "d1/sl_back", 0);
	T("symlink/abs-etc", AT_FDCWD, "sl_abs_etc", 0);
	S("symlink/abs-etc-lstat", AT_FDCWD, "sl_abs_etc", AT_SYMLINK_NOFOLLOW);
	T("symlink/abs-etc-passwd", AT_FDCWD, "sl_abs_etc/passwd", 0);
	T("symlink/abs-bin-sh", AT_FDCWD, "sl_abs_bin/sh", 0);
	T("symlink/abs-file", AT_FDCWD, "sl_etc_passwd", 0);
	T("symlink/abs-root", AT_FDCWD, "sl_abs_root", 0);
	T("symlink/abs-root-etc", AT_FDCWD, "sl_abs_root/etc/passwd", 0);
	S("symlink/dangling", AT_FDCWD, "sl_dangle", 0);
	S("symlink/dangling-lstat", AT_FDCWD, "sl_dangle", AT_SYMLINK_NOFOLLOW);
	S("symlink/dangling-dir", AT_FDCWD, "sl_dangle_dir", 0);
	S("symlink/dangling-middle", AT_FDCWD, "sl_dangle/x", 0);
	S("symlink/loop", AT_FDCWD, "loop_a", 0);
	S("symlink/loop-lstat", AT_FDCWD, "loop_a", AT_SYMLINK_NOFOLLOW);
	S("symlink/loop-middle", AT_FDCWD, "loop_a/x", 0);
	S("symlink/self", AT_FDCWD, "self", 0);
	O("symlink/loop-open", AT_FDCWD, "loop_b", O_RDONLY, 0, 0);
	S("symlink/slash-dir-target", AT_FDCWD, "sl_slash_dir", 0);
	S("symlink/slash-file-target", AT_FDCWD, "sl_slash_file", 0);
	S("symlink/slash-file-target-lstat", AT_FDCWD, "sl_slash_file", AT_SYMLINK_NOFOLLOW);
	S("symlink/long-text", AT_FDCWD, "sl_long", 0);
	S("symlink/long-text-middle", AT_FDCWD, "sl_long/d2/f", 0);
	R("symlink/create-empty-target", symlink("", "sl_empty"));
	R("symlink/create-existing", symlink("x", "file"));
	R("symlink/create-in-missing", symlink("x", "missing/l"));
	R("symlink/create-via-dirfd", symlinkat("../file", pfd, "sl_made"));
	RL("symlink/create-via-dirfd-text", AT_FDCWD, "d1/sl_made", 4096);
	S("symlink/create-via-dirfd-follow", AT_FDCWD, "d1/sl_made", 0);

	/* chains and the 40-link limit (per whole walk) */
	S("chain/40", AT_FDCWD, "c40_0", 0);
	S("chain/41", AT_FDCWD, "c41_0", 0);
	S("chain/41-from-second", AT_FDCWD, "c41_1", 0);
	S("chain/41-lstat", AT_FDCWD, "c41_0", AT_SYMLINK_NOFOLLOW);
	O("chain/40-open", AT_FDCWD, "c40_0", O_RDONLY, 0, 1);
	O("chain/41-open", AT_FDCWD, "c41_0", O_RDONLY, 0, 1);
	S("chain/dir20-then-file20", AT_FDCWD, "dc20_0/../c20_0", 0);
	S("chain/dir21-then-file20", AT_FDCWD, "dc21_0/../c20_0", 0);
	S("chain/dir20-then-file40", AT_FDCWD, "dc20_0/../c40_0", 0);
	S("chain/dir21-middle", AT_FDCWD, "dc21_0/marker1", 0);
	RL("chain/readlink-41", AT_FDCWD, "c41_0", 4096);

	/* O_NOFOLLOW */
	O("nofollow/last-file-link", AT_FDCWD, "sl_rel_file", O_RDONLY | O_NOFOLLOW, 0, 0);
	O("nofollow/last-dir-link", AT_FDCWD, "sl_rel_dir", O_RDONLY | O_NOFOLLOW, 0, 0);
	O("nofollow/last-dir-link-odirectory", AT_FDCWD, "sl_rel_dir", O_RDONLY | O_NOFOLLOW | O_DIRECTORY, 0, 0);
	O("nofollow/dangling", AT_FDCWD, "sl_dangle", O_RDONLY | O_NOFOLLOW, 0, 0);
	O("nofollow/dangling-creat", AT_FDCWD, "sl_dangle", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644, 0);
	O("nofollow/middle", AT_FDCWD, "sl_rel_dir/f", O_RDONLY | O_NOFOLLOW, 0, 1);
	O("nofollow/regular", AT_FDCWD, "file", O_RDONLY | O_NOFOLLOW, 0, 1);
	O("nofollow/trailing-slash", AT_FDCWD, "sl_rel_dir/", O_RDONLY | O_NOFOLLOW, 0, 0);
	O("nofollow/opath-link", AT_FDCWD, "sl_rel_file", O_PATH | O_NOFOLLOW, 0, 1);
	O("nofollow/opath-loop", AT_FDCWD, "loop_a", O_PATH | O_NOFOLLOW, 0, 1);
	O("nofollow/opath-follow", AT_FDCWD, "sl_rel_file", O_PATH, 0, 1);
	int lfd = open("sl_rel_file", O_PATH | O_NOFOLLOW);
	S("nofollow/opath-link-fstatat-empty", lfd, "", AT_EMPTY_PATH);
	S("nofollow/opath-link-fstatat-empty-nofollow", lfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	RL("nofollow/opath-link-readlinkat-empty", lfd, "", 4096);
	O("nofollow/opath-link-as-dirfd", lfd, "x", O_RDONLY, 0, 0);
	if (lfd >= 0)
		close(lfd);
	int ldfd = open("sl_abs_etc", O_PATH | O_NOFOLLOW);
	RL("nofollow/opath-abs-link-readlinkat-empty", ldfd, "", 4096);
	if (ldfd >= 0)
		close(ldfd);

	/* readlink */
	RL("readlink/rel", AT_FDCWD, "sl_rel_file", 4096);
	RL("readlink/abs", AT_FDCWD, "sl_abs_etc", 4096);
	RL("readlink/dangling", AT_FDCWD, "sl_dangle", 4096);
	RL("readlink/loop", AT_FDCWD, "loop_a", 4096);
	RL("readlink/regular-file", AT_FDCWD, "file", 4096);
	RL("readlink/dir", AT_FDCWD, "d1", 4096);
	RL("readlink/missing", AT_FDCWD, "missing", 4096);
	RL("readlink/trailing-slash", AT_FDCWD, "sl_rel_dir/", 4096);
	RL("readlink/in-symlinked-dir", AT_FDCWD, "sl_rel_dir/rel_up", 4096);
	RL("readlink/short-buffer", AT_FDCWD, "sl_rel_file", 2);
	RL("readlink/zero-buffer", AT_FDCWD, "sl_rel_file", 0);
	RL("readlink/long-text", AT_FDCWD, "sl_long", 8192);
	RL("readlink/dirfd", pfd, "d2/rel_up", 4096);
	RL("readlink/empty-path-dirfd", pfd, "", 4096);
	RL("readlink/empty-path-opath-file", fpfd, "", 4096);
	RL("readlink/empty-path-cwd", AT_FDCWD, "", 4096);

	/* trailing slashes */
	S("trail/dir", AT_FDCWD, "d1/", 0);
	S("trail/dir-2", AT_FDCWD, "d1//", 0);
	S("trail/dir-dot", AT_FDCWD, "d1/.", 0);
	S("trail/file", AT_FDCWD, "file/", 0);
	S("trail/file-lstat", AT_FDCWD, "file/", AT_SYMLINK_NOFOLLOW);
	S("trail/link-dir", AT_FDCWD, "sl_rel_dir/", 0);
	S("trail/link-dir-lstat", AT_FDCWD, "sl_rel_dir/", AT_SYMLINK_NOFOLLOW);
	S("trail/link-file", AT_FDCWD, "sl_rel_file/", 0);
	S("trail/link-file-lstat", AT_FDCWD, "sl_rel_file/", AT_SYMLINK_NOFOLLOW);
	S("trail/missing", AT_FDCWD, "missing/", 0);
	S("trail/dangling", AT_FDCWD, "sl_dangle/", AT_SYMLINK_NOFOLLOW);
	O("trail/open-dir", AT_FDCWD, "d1/", O_RDONLY, 0, 1);
	O("trail/open-file", AT_FDCWD, "file/", O_RDONLY, 0, 0);
	O("trail/open-file-opath", AT_FDCWD, "file/", O_PATH, 0, 0);
	O("trail/open-link-dir", AT_FDCWD, "sl_rel_dir/", O_RDONLY, 0, 1);
	O("trail/open-link-file", AT_FDCWD, "sl_rel_file/", O_RDONLY, 0, 0);
	O("trail/creat-missing", AT_FDCWD, "missing_t/", O_WRONLY | O_CREAT, 0644, 0);
	S("trail/creat-missing-nothing-made", AT_FDCWD, "missing_t", AT_SYMLINK_NOFOLLOW);
	O("trail/creat-existing-dir", AT_FDCWD, "d1/", O_RDONLY | O_CREAT, 0644, 0);
	O("trail/creat-existing-file", AT_FDCWD, "file/", O_RDONLY | O_CREAT, 0644, 0);
	O("trail/creat-dangling", AT_FDCWD, "sl_dangle/", O_WRONLY | O_CREAT, 0644, 0);
	R("trail/mkdir-new", mkdir("newdir/", 0755));
	S("trail/mkdir-new-result", AT_FDCWD, "newdir", 0);
	R("trail/mkdir-new-2", mkdir("newdir2//", 0755));
	R("trail/mkdir-file", mkdir("file/", 0755));
	R("trail/mkdir-dangling", mkdir("sl_dangle/", 0755));
	R("trail/rmdir-dir", rmdir("newdir2/"));
	R("trail/rmdir-link-dir", rmdir("sl_rel_dir/"));
	R("trail/unlink-file", unlink("file2/"));
	R("trail/unlink-dir", unlink("newdir/"));
	R("trail/unlink-link-dir", unlink("sl_rel_dir/"));
	R("trail/rename-file-from", rename("file2/", "renamed"));
	R("trail/rename-file-to", rename("file2", "renamed/"));
	R("trail/rename-dir", rename("newdir/", "newdir_r/"));
	S("trail/rename-dir-result", AT_FDCWD, "newdir_r", 0);
	R("trail/symlink-to-slash", symlink("x", "newlink/"));
	R("trail/link-to-slash", link("file2", "newhl/"));

	/* ENAMETOOLONG */
	char *n255 = chars('n', 255), *n256 = chars('n', 256);
	char buf[8192];
	S("long/255-stat", AT_FDCWD, n255, 0);
	O("long/255-open", AT_FDCWD, n255, O_RDONLY, 0, 1);
	S("long/256-stat", AT_FDCWD, n256, 0);
	O("long/256-creat", AT_FDCWD, n256, O_WRONLY | O_CREAT, 0644, 0);
	R("long/256-mkdir", mkdir(n256, 0755));
	R("long/256-symlink", symlink("x", n256));
	snprintf(buf, sizeof buf, "d1/%s", n256);
	S("long/256-in-dir", AT_FDCWD, buf, 0);
	snprintf(buf, sizeof buf, "%s/x", n256);
	S("long/256-middle", AT_FDCWD, buf, 0);
	snprintf(buf, sizeof buf, "missing/%s", n256);
	S("long/256-after-missing", AT_FDCWD, buf, 0);
	snprintf(buf, sizeof buf, "%s/x", n255);
	S("long/255-middle-file", AT_FDCWD, buf, 0);
	char *p;
	p = rep("./", 2047, "y");	/* 4095 bytes */
	S("long/path-4095-dots", AT_FDCWD, p, 0);
	free(p);
	p = rep("./", 2047, "fx");	/* 4096 bytes */
	S("long/path-4096-dots", AT_FDCWD, p, 0);
	free(p);
	p = rep("./", 2047, "zz");	/* 4096 bytes, missing */
	S("long/path-4096-missing", AT_FDCWD, p, 0);
	free(p);
	p = rep("./", 2500, "y");
	S("long/path-5001", AT_FDCWD, p, 0);
	free(p);
	/* nested dirs: "deep/" + 16 x (250 + "/") = 4021 bytes, then a name */
	{
		char *d = rep("", 0, "deep/"), *q;
		for (int i = 0; i < 16; i++) {
			q = malloc(strlen(d) + 252);
			sprintf(q, "%s%s/", d, deepname);
			free(d);
			d = q;
		}
		size_t dl = strlen(d);
		char *tail = chars('t', 4095 - dl);
		q = malloc(4200);
		sprintf(q, "%s%s", d, tail);
		O("long/nested-4095-creat", AT_FDCWD, q, O_WRONLY | O_CREAT, 0644, 1);
		S("long/nested-4095-stat", AT_FDCWD, q, 0);
		free(tail);
		tail = chars('t', 4096 - dl);
		sprintf(q, "%s%s", d, tail);
		O("long/nested-4096-creat", AT_FDCWD, q, O_WRONLY | O_CREAT, 0644, 0);
		S("long/nested-4096-stat", AT_FDCWD, q, 0);
		free(tail);
		free(q);
		free(d);
	}
	p = rep("./", 2000, "file");
	R("long/symlink-text-4004", symlink(p, "sl_long2"));
	S("long/symlink-text-4004-follow", AT_FDCWD, "sl_long2", 0);
	free(p);
	p = chars('x', 4095);
	R("long/symlink-text-4095", symlink(p, "sl_long3"));
	free(p);
	p = chars('x', 4096);
	R("long/symlink-text-4096", symlink(p, "sl_long4"));
	free(p);
	free(n255);
	free(n256);

	/* ENOTDIR: a non-directory in the middle */
	S("notdir/file-middle", AT_FDCWD, "file/x", 0);
	S("notdir/nested-file-middle", AT_FDCWD, "d1/d2/f/x", 0);
	S("notdir/link-file-middle", AT_FDCWD, "sl_rel_file/x", 0);
	S("notdir/abs-link-file-middle", AT_FDCWD, "sl_etc_passwd/x", 0);
	O("notdir/creat-under-file", AT_FDCWD, "file/x", O_WRONLY | O_CREAT, 0644, 0);
	R("notdir/mkdir-under-file", mkdir("file/x", 0755));
	R("notdir/chdir-file", chdir("file"));
	back();

	close(pfd);
	close(ffd);
	close(fpfd);
}

static void t_open(void)
{
	O("open/file-rdonly", AT_FDCWD, "file", O_RDONLY, 0, 1);
	O("open/dir-rdonly", AT_FDCWD, "d1", O_RDONLY, 0, 1);
	O("open/dir-odirectory", AT_FDCWD, "d1", O_RDONLY | O_DIRECTORY, 0, 1);
	O("open/file-odirectory", AT_FDCWD, "file", O_RDONLY | O_DIRECTORY, 0, 0);
	O("open/link-dir-odirectory", AT_FDCWD, "sl_rel_dir", O_RDONLY | O_DIRECTORY, 0, 1);
	O("open/link-file-odirectory", AT_FDCWD, "sl_rel_file", O_RDONLY | O_DIRECTORY, 0, 0);
	O("open/excl-existing", AT_FDCWD, "file", O_WRONLY | O_CREAT | O_EXCL, 0644, 0);
	O("open/excl-dangling", AT_FDCWD, "sl_dangle_excl", O_WRONLY | O_CREAT | O_EXCL, 0644, 0);
	S("open/excl-dangling-nothing-made", AT_FDCWD, "created_excl", AT_SYMLINK_NOFOLLOW);
	O("open/excl-link-file", AT_FDCWD, "sl_rel_file", O_WRONLY | O_CREAT | O_EXCL, 0644, 0);
	O("open/excl-dir", AT_FDCWD, "d1", O_RDONLY | O_CREAT | O_EXCL, 0644, 0);
	O("open/excl-without-creat", AT_FDCWD, "file", O_RDONLY | O_EXCL, 0, 1);
	O("open/creat-dangling", AT_FDCWD, "sl_dangle_creat", O_WRONLY | O_CREAT, 0640, 1);
	S("open/creat-dangling-target", AT_FDCWD, "created_by_link", AT_SYMLINK_NOFOLLOW);
	S("open/creat-dangling-link-still", AT_FDCWD, "sl_dangle_creat", AT_SYMLINK_NOFOLLOW);
	O("open/creat-dangling-missing-dir", AT_FDCWD, "sl_dangle_dir", O_WRONLY | O_CREAT, 0644, 0);
	O("open/creat-dir", AT_FDCWD, "d1", O_RDONLY | O_CREAT, 0644, 0);
	O("open/creat-dir-wronly", AT_FDCWD, "d1", O_WRONLY | O_CREAT, 0644, 0);
	O("open/wronly-dir", AT_FDCWD, "d1", O_WRONLY, 0, 0);
	O("open/rdwr-dir", AT_FDCWD, "d1", O_RDWR, 0, 0);
	O("open/creat-odirectory-missing", AT_FDCWD, "cd_missing", O_RDONLY | O_CREAT | O_DIRECTORY, 0755, 0);
	O("open/creat-odirectory-dir", AT_FDCWD, "d1", O_RDONLY | O_CREAT | O_DIRECTORY, 0755, 0);
	O("open/creat-new", AT_FDCWD, "created_new", O_WRONLY | O_CREAT, 0751, 1);
	O("open/creat-new-excl", AT_FDCWD, "created_excl_new", O_WRONLY | O_CREAT | O_EXCL, 0666, 1);
	O("open/creat-existing-keeps", AT_FDCWD, "file", O_RDONLY | O_CREAT, 0600, 1);
	O("open/creat-via-link-middle", AT_FDCWD, "sl_rel_dir/created_mid", O_WRONLY | O_CREAT, 0644, 1);
	S("open/creat-via-link-middle-result", AT_FDCWD, "d1/d2/created_mid", 0);
	O("open/creat-opath-missing", AT_FDCWD, "opath_creat", O_PATH | O_CREAT, 0644, 0);
	O("open/missing", AT_FDCWD, "missing", O_RDONLY, 0, 0);
	O("open/empty-path", AT_FDCWD, "", O_RDONLY, 0, 0);
	O("open/bad-pointer", AT_FDCWD, (const char *)8, O_RDONLY, 0, 0);
	{
		int fd = creat("creat_new", 0600);
		R("open/creat-syscall", fd);
		if (fd >= 0)
			close(fd);
		S("open/creat-syscall-result", AT_FDCWD, "creat_new", 0);
	}
	{
		int fd = open("trunc_me", O_RDONLY | O_TRUNC);
		R("open/trunc-rdonly", fd);
		if (fd >= 0)
			close(fd);
		S("open/trunc-rdonly-size", AT_FDCWD, "trunc_me", 0);
	}
	O("open/trunc-dir", AT_FDCWD, "d1", O_RDONLY | O_TRUNC, 0, 0);
	{
		int fd = open("app", O_WRONLY | O_APPEND);
		R("open/append", fd);
		if (fd >= 0) {
			lseek(fd, 0, SEEK_SET);
			R("open/append-write", write(fd, "XYZ", 3));
			close(fd);
		}
		char b[32] = "";
		int rfd = open("app", O_RDONLY);
		ssize_t n = rfd >= 0 ? read(rfd, b, sizeof b - 1) : -1;
		if (n < 0)
			line("open/append-content", "%s", ename(errno));
		else
			line("open/append-content", "\"%.*s\"", (int)n, b);
		if (rfd >= 0)
			close(rfd);
	}
	O("open/tmpfile", AT_FDCWD, "d1", O_TMPFILE | O_RDWR, 0600, 1);
	O("open/tmpfile-on-file", AT_FDCWD, "file", O_TMPFILE | O_RDWR, 0600, 0);
}

static void fdflags(const char *name, const char *path, int flags)
{
	char n[96];
	int fd = open(path, flags);
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	int fdf = fcntl(fd, F_GETFD);
	int fl = fcntl(fd, F_GETFL);
	snprintf(n, sizeof n, "%s", name);
	line(n, "cloexec=%d acc=%d append=%d path=%d directory=%d nofollow=%d",
	     fdf >= 0 ? !!(fdf & FD_CLOEXEC) : -1, fl & O_ACCMODE, !!(fl & O_APPEND),
	     !!(fl & O_PATH), !!(fl & O_DIRECTORY), !!(fl & O_NOFOLLOW));
	close(fd);
}

static int cmpname(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void t_fd(void)
{
	fdflags("fd/file-cloexec", "file", O_RDONLY | O_CLOEXEC);
	fdflags("fd/file-no-cloexec", "file", O_RDONLY);
	fdflags("fd/file-rdwr-append", "file2", O_RDWR | O_APPEND);
	fdflags("fd/dir-cloexec", "d1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fdflags("fd/dir-no-cloexec", "d1", O_RDONLY | O_DIRECTORY);
	fdflags("fd/opath-cloexec", "file", O_PATH | O_CLOEXEC);
	fdflags("fd/opath-dir", "d1", O_PATH | O_DIRECTORY);
	fdflags("fd/opath-link-nofollow", "sl_rel_file", O_PATH | O_NOFOLLOW);
	char b[16];
	int fd = open("d1", O_RDONLY | O_DIRECTORY);
	R("fd/read-dir", read(fd, b, sizeof b));
	close(fd);
	fd = open("file", O_PATH);
	R("fd/read-opath", read(fd, b, sizeof b));
	close(fd);
	fd = open("file", O_RDONLY);
	R("fd/write-rdonly", write(fd, "x", 1));
	R("fd/getdents-file", syscall(SYS_getdents64, fd, b, sizeof b));
	close(fd);
	fd = open("d1", O_PATH | O_DIRECTORY);
	char db[4096];
	R("fd/getdents-opath-dir", syscall(SYS_getdents64, fd, db, sizeof db));
	close(fd);
	/* getdents on an ordinary directory fd: the sorted names */
	fd = open("d1/d2", O_RDONLY | O_DIRECTORY);
	long n = syscall(SYS_getdents64, fd, db, sizeof db);
	if (n < 0) {
		line("fd/getdents-dir", "%s", ename(errno));
	} else {
		char names[16][64];
		int k = 0;
		for (long off = 0; off < n && k < 16;) {
			struct dirent64 *de = (struct dirent64 *)(db + off);
			snprintf(names[k++], 64, "%.63s", de->d_name);
			off += de->d_reclen;
		}
		qsort(names, k, 64, cmpname);
		char out[1100] = "";
		for (int i = 0; i < k; i++) {
			strcat(out, names[i]);
			strcat(out, i + 1 < k ? "," : "");
		}
		line("fd/getdents-dir", "%s", out);
	}
	close(fd);
}

static void t_stat(void)
{
	int dfd = open("d1", O_RDONLY | O_DIRECTORY);
	int ffd = open("file", O_RDONLY);
	int pfd = open("file", O_PATH);
	S("empty/fstatat-dirfd", dfd, "", AT_EMPTY_PATH);
	S("empty/fstatat-filefd", ffd, "", AT_EMPTY_PATH);
	S("empty/fstatat-opathfd", pfd, "", AT_EMPTY_PATH);
	T("empty/fstatat-cwd", AT_FDCWD, "", AT_EMPTY_PATH);
	S("empty/fstatat-no-flag-dirfd", dfd, "", 0);
	S("empty/fstatat-no-flag-filefd", ffd, "", 0);
	S("empty/fstatat-no-flag-cwd", AT_FDCWD, "", 0);
	S("empty/fstatat-bad-fd", 999, "", AT_EMPTY_PATH);
	{
		struct stat st;	/* NULL path with AT_EMPTY_PATH: allowed since Linux 6.11 */
		long r = syscall(SYS_newfstatat, ffd, NULL, &st, AT_EMPTY_PATH);
		line("empty/fstatat-null-path", "%s", r < 0 ? ename(errno) : ftype(st.st_mode));
	}
	S("empty/fstatat-bad-flags", AT_FDCWD, "file", 0x80000);
	{
		struct stat st;
		int r = fstat(pfd, &st);
		line("empty/fstat-opath", "%s", r < 0 ? ename(errno) : ftype(st.st_mode));
	}
	S("nofollow/stat-flag-link", AT_FDCWD, "sl_rel_file", AT_SYMLINK_NOFOLLOW);
	S("nofollow/stat-flag-dangling", AT_FDCWD, "sl_dangle", AT_SYMLINK_NOFOLLOW);
	S("nofollow/stat-flag-regular", AT_FDCWD, "file", AT_SYMLINK_NOFOLLOW);
	S("nofollow/stat-flag-middle-link", AT_FDCWD, "sl_to_link/f", AT_SYMLINK_NOFOLLOW);

	struct statx sx;
	char d[160];
#define SX(name, fd, path, flags, mask)                                                        \
	do {                                                                                   \
		if (statx(fd, path, flags, mask, &sx) < 0) {                                   \
			line(name, "%s", ename(errno));                                        \
		} else {                                                                       \
			snprintf(d, sizeof d, "%s %04o n=%u s=%llu u=%u g=%u basic=%s",        \
				 ftype(sx.stx_mode), sx.stx_mode & 07777, sx.stx_nlink,        \
				 (unsigned long long)sx.stx_size, sx.stx_uid, sx.stx_gid,      \
				 (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS ? "all" \
											 : "partial"); \
			line(name, "%s", d);                                                   \
		}                                                                              \
	} while (0)
	SX("statx/file", AT_FDCWD, "file", 0, STATX_BASIC_STATS);
	SX("statx/dir", AT_FDCWD, "d1", 0, STATX_BASIC_STATS);
	SX("statx/link-follow", AT_FDCWD, "sl_rel_file", 0, STATX_BASIC_STATS);
	SX("statx/link-nofollow", AT_FDCWD, "sl_rel_file", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
	SX("statx/dangling", AT_FDCWD, "sl_dangle", 0, STATX_BASIC_STATS);
	SX("statx/empty-path-dirfd", dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	SX("statx/empty-path-filefd", ffd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	SX("statx/empty-path-opathfd", pfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	SX("statx/empty-no-flag", ffd, "", 0, STATX_BASIC_STATS);
	{
		long r = syscall(SYS_statx, ffd, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
		line("statx/null-path-empty-flag", "%s", r < 0 ? ename(errno) : ftype(sx.stx_mode));
	}
	SX("statx/dirfd-rel", dfd, "d2/f", 0, STATX_BASIC_STATS);
	SX("statx/file-dirfd", ffd, "x", 0, STATX_BASIC_STATS);
	/* which basic fields a zero request reports (6.13+ omits mtime/ctime:
	 * multigrain timestamps), and STATX_MNT_ID, always reported since 5.8 */
	if (statx(AT_FDCWD, "file", 0, 0, &sx) < 0)
		line("statx/mask-zero-basic-fields", "%s", ename(errno));
	else
		line("statx/mask-zero-basic-fields", "%#x", sx.stx_mask & STATX_BASIC_STATS);
	if (statx(AT_FDCWD, "file", 0, STATX_BASIC_STATS, &sx) < 0)
		line("statx/mask-has-mnt-id", "%s", ename(errno));
	else
		line("statx/mask-has-mnt-id", "%s", sx.stx_mask & STATX_MNT_ID ? "yes" : "no");
	SX("statx/mask-reserved", AT_FDCWD, "file", 0, STATX__RESERVED);
	SX("statx/bad-flags", AT_FDCWD, "file", 0x40000000, STATX_BASIC_STATS);
	SX("statx/bad-sync-flags", AT_FDCWD, "file", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
	SX("statx/trailing-slash-file", AT_FDCWD, "file/", 0, STATX_BASIC_STATS);
	SX("statx/loop", AT_FDCWD, "loop_a", 0, STATX_BASIC_STATS);
	close(dfd);
	close(ffd);
	close(pfd);

	R("access/exe-x-eaccess", faccessat(AT_FDCWD, "exe", X_OK, AT_EACCESS));
	R("access/exe-x", faccessat(AT_FDCWD, "exe", X_OK, 0));
	R("access/file-x-eaccess", faccessat(AT_FDCWD, "file", X_OK, AT_EACCESS));
	R("access/file-x", access("file", X_OK));
	R("access/file-rw", access("file", R_OK | W_OK));
	R("access/f000-x", access("f000", X_OK));
	R("access/dir-x", access("d1", X_OK));
	R("access/dir-rwx", access("d1", R_OK | W_OK | X_OK));
	R("access/missing", access("missing", F_OK));
	R("access/dangling", access("sl_dangle", F_OK));
	R("access/dangling-nofollow", faccessat(AT_FDCWD, "sl_dangle", F_OK, AT_SYMLINK_NOFOLLOW));
	R("access/loop", access("loop_a", F_OK));
	R("access/trailing-slash-file", access("file/", F_OK));
	R("access/bad-mode", access("file", 0x10));
	R("access/bad-flags", faccessat(AT_FDCWD, "file", F_OK, 0x1));
	{
		int fd = open("exe", O_PATH);
		R("access/faccessat2-empty-path", syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH));
		R("access/faccessat2-empty-no-flag", syscall(SYS_faccessat2, fd, "", X_OK, 0));
		close(fd);
	}
}

static void t_cwd(void)
{
	CWD("cwd/start");
	R("cwd/chdir-d1", chdir("d1"));
	CWD("cwd/after-d1");
	R("cwd/chdir-d2", chdir("d2"));
	CWD("cwd/after-d2");
	S("cwd/relative-after-chdir", AT_FDCWD, "../marker1", 0);
	R("cwd/chdir-dotdot", chdir(".."));
	CWD("cwd/after-dotdot");
	back();
	R("cwd/chdir-symlink", chdir("sl_rel_dir"));
	CWD("cwd/after-symlink-physical");
	R("cwd/chdir-symlink-dotdot", chdir(".."));
	CWD("cwd/after-symlink-dotdot");
	back();
	R("cwd/chdir-slash-dot", chdir("d1/./d2/."));
	CWD("cwd/after-slash-dot");
	back();
	R("cwd/chdir-file", chdir("file"));
	R("cwd/chdir-missing", chdir("missing"));
	R("cwd/chdir-empty", chdir(""));
	R("cwd/chdir-dangling", chdir("sl_dangle"));
	R("cwd/chdir-loop", chdir("loop_a"));
	R("cwd/chdir-link-file", chdir("sl_rel_file"));
	CWD("cwd/unchanged-after-errors");
	R("cwd/chdir-root", chdir("/"));
	CWD("cwd/after-root");
	R("cwd/chdir-root-dotdot", chdir(".."));
	CWD("cwd/after-root-dotdot");
	R("cwd/chdir-etc", chdir("/etc"));
	CWD("cwd/after-etc");
	back();
	R("cwd/chdir-many-dotdot", chdir("../../../../../../../../../../../../../../../.."));
	CWD("cwd/after-many-dotdot");
	back();
	R("cwd/chdir-abs-link", chdir("sl_abs_etc"));
	CWD("cwd/after-abs-link");
	back();
	int dfd = open("d1/d2", O_RDONLY | O_DIRECTORY);
	int pfd = open("d1", O_PATH | O_DIRECTORY);
	int ffd = open("file", O_RDONLY);
	R("cwd/fchdir-dirfd", fchdir(dfd));
	CWD("cwd/after-fchdir");
	R("cwd/fchdir-opath", fchdir(pfd));
	CWD("cwd/after-fchdir-opath");
	S("cwd/relative-after-fchdir", AT_FDCWD, "d2/f", 0);
	R("cwd/fchdir-file", fchdir(ffd));
	R("cwd/fchdir-bad", fchdir(999));
	CWD("cwd/unchanged-after-fchdir-errors");
	back();
	CWD("cwd/back");
	close(dfd);
	close(pfd);
	close(ffd);
	{
		char b[8];
		line("cwd/getcwd-small-buffer", "%s", getcwd(b, 1) ? "ok" : ename(errno));
		line("cwd/getcwd-zero-size", "%s", syscall(SYS_getcwd, b, 0) >= 0 ? "ok" : ename(errno));
	}
	/* a renamed cwd and a removed cwd */
	mkdir("cwd_ren", 0755);
	R("cwd/chdir-to-be-renamed", chdir("cwd_ren"));
	R("cwd/rename-cwd", rename("../cwd_ren", "../cwd_ren2"));
	CWD("cwd/after-rename");
	O("cwd/create-in-renamed", AT_FDCWD, "inside", O_WRONLY | O_CREAT, 0644, 1);
	S("cwd/create-in-renamed-result", AT_FDCWD, "../cwd_ren2/inside", 0);
	back();
	mkdir("cwd_rm", 0755);
	R("cwd/chdir-to-be-removed", chdir("cwd_rm"));
	R("cwd/rmdir-cwd", rmdir("../cwd_rm"));
	{
		char b[4096];
		line("cwd/after-rmdir", "%s", syscall(SYS_getcwd, b, sizeof b) >= 0 ? "ok" : ename(errno));
	}
	S("cwd/stat-dot-removed", AT_FDCWD, ".", 0);
	O("cwd/create-in-removed", AT_FDCWD, "x", O_WRONLY | O_CREAT, 0644, 0);
	S("cwd/dotdot-from-removed", AT_FDCWD, "../file", 0);
	back();
	/* a dirfd whose directory was renamed, then removed */
	mkdir("dfd_ren", 0755);
	int rfd = open("dfd_ren", O_PATH | O_DIRECTORY);
	rename("dfd_ren", "dfd_ren2");
	O("dirfd/renamed-create", rfd, "inner", O_WRONLY | O_CREAT, 0644, 1);
	S("dirfd/renamed-create-result", AT_FDCWD, "dfd_ren2/inner", 0);
	unlink("dfd_ren2/inner");
	rmdir("dfd_ren2");
	O("dirfd/removed-create", rfd, "inner", O_WRONLY | O_CREAT, 0644, 0);
	S("dirfd/removed-fstat", rfd, "", AT_EMPTY_PATH);
	close(rfd);
	/* deep cwd: relative paths beyond PATH_MAX from the scratch dir */
	R("cwd/chdir-deep-0", chdir("deep"));
	int ok = 1;
	for (int i = 0; i < DEEP_LEVELS && ok; i++)
		if (chdir(deepname) < 0)
			ok = 0;
	line("cwd/chdir-deep-levels", "%s", ok ? "ok" : ename(errno));
	{
		char b[8192];
		line("cwd/deep-getcwd-raw", "%s", syscall(SYS_getcwd, b, sizeof b) >= 0 ? "ok" : ename(errno));
	}
	O("cwd/deep-create", AT_FDCWD, "leaf", O_WRONLY | O_CREAT, 0644, 1);
	char *up = rep("../", DEEP_LEVELS + 1, "file");
	S("cwd/deep-dotdot-to-scratch", AT_FDCWD, up, 0);
	free(up);
	back();
}

static void t_last(void)
{
	R("last/mkdir-existing", mkdir("d1", 0755));
	R("last/mkdir-existing-file", mkdir("file", 0755));
	R("last/mkdir-link", mkdir("sl_rel_dir", 0755));
	R("last/mkdir-dot", mkdir("d1/.", 0755));
	R("last/mkdir-dotdot", mkdir("d1/..", 0755));
	R("last/mkdir-missing-parent", mkdir("missing/x", 0755));
	R("last/mkdir-mode", mkdir("mode_dir", 01777));
	S("last/mkdir-mode-result", AT_FDCWD, "mode_dir", 0);
	R("last/rmdir-file", rmdir("file"));
	R("last/rmdir-dot", rmdir("."));
	R("last/rmdir-d1-dot", rmdir("d1/."));
	R("last/rmdir-dotdot", rmdir("d1/d2/.."));
	R("last/rmdir-nonempty", rmdir("full"));
	R("last/rmdir-link-dir", rmdir("sl_rel_dir"));
	R("last/rmdir-missing", rmdir("missing"));
	R("last/unlink-dir", unlink("d1"));
	R("last/unlink-dot", unlink("."));
	R("last/unlink-missing", unlink("missing"));
	R("last/link-dir", link("d1", "hl_dir"));
	R("last/link-file", link("file", "hl_file"));
	S("last/link-file-nlink", AT_FDCWD, "file", 0);
	R("last/link-to-existing", link("file", "file2"));
	R("last/link-symlink-nofollow", link("sl_rel_file", "hl_link"));
	S("last/link-symlink-result", AT_FDCWD, "hl_link", AT_SYMLINK_NOFOLLOW);
	R("last/linkat-follow", linkat(AT_FDCWD, "sl_rel_file", AT_FDCWD, "hl_followed", AT_SYMLINK_FOLLOW));
	S("last/linkat-follow-result", AT_FDCWD, "hl_followed", AT_SYMLINK_NOFOLLOW);
	R("last/unlink-link-keeps-target", unlink("hl_link"));
	S("last/unlink-link-target", AT_FDCWD, "file", 0);
	R("last/rename-into-itself", rename("d1", "d1/d2/d1"));
	R("last/rename-over-nonempty", rename("emptyd", "full"));
	R("last/rename-dir-over-file", rename("emptyd", "file2"));
	R("last/rename-file-over-dir", rename("file2", "emptyd"));
	R("last/rename-dot", rename(".", "renamed_dot"));
	R("last/rename-to-dotdot", rename("file2", "d1/.."));
	R("last/rename-same", rename("file2", "file2"));
	R("last/rename-link", rename("sl_to_flink", "sl_to_flink2"));
	S("last/rename-link-result", AT_FDCWD, "sl_to_flink2", AT_SYMLINK_NOFOLLOW);
	R("last/rename-over-empty-dir", rename("newdir_r", "emptyd"));
	S("last/rename-over-empty-dir-result", AT_FDCWD, "emptyd", 0);
	R("last/unlinkat-removedir-file", unlinkat(AT_FDCWD, "file2", AT_REMOVEDIR));
	R("last/unlinkat-bad-flag", unlinkat(AT_FDCWD, "file2", 0x1));
}

static void t_dac(void)
{
	S("dac/mode0-dir", AT_FDCWD, "dmode0", 0);
	S("dac/mode0-inner-stat", AT_FDCWD, "dmode0/inner", 0);
	O("dac/mode0-open-dir", AT_FDCWD, "dmode0", O_RDONLY | O_DIRECTORY, 0, 1);
	O("dac/mode0-opath-dir", AT_FDCWD, "dmode0", O_PATH | O_DIRECTORY, 0, 1);
	O("dac/mode0-inner-open", AT_FDCWD, "dmode0/inner", O_RDONLY, 0, 1);
	O("dac/mode0-creat", AT_FDCWD, "dmode0/new", O_WRONLY | O_CREAT, 0644, 1);
	R("dac/mode0-chdir", chdir("dmode0"));
	back();
	R("dac/mode0-access-x", access("dmode0", X_OK));
	R("dac/mode0-access-r", access("dmode0", R_OK));
	S("dac/0111-dir", AT_FDCWD, "d0111", 0);
	S("dac/0111-inner-stat", AT_FDCWD, "d0111/inner", 0);
	O("dac/0111-inner-open", AT_FDCWD, "d0111/inner", O_RDONLY, 0, 1);
	O("dac/0111-open-dir", AT_FDCWD, "d0111", O_RDONLY | O_DIRECTORY, 0, 1);
	O("dac/0111-opath-dir", AT_FDCWD, "d0111", O_PATH | O_DIRECTORY, 0, 1);
	O("dac/0111-creat", AT_FDCWD, "d0111/new", O_WRONLY | O_CREAT, 0644, 1);
	R("dac/0111-chdir", chdir("d0111"));
	CWD("dac/0111-getcwd");
	back();
	R("dac/f444-access-w", access("f444", W_OK));
	R("dac/f444-access-w-eaccess", faccessat(AT_FDCWD, "f444", W_OK, AT_EACCESS));
	O("dac/f444-open-w", AT_FDCWD, "f444", O_WRONLY, 0, 1);
	R("dac/f000-access-r", access("f000", R_OK));
	O("dac/f000-open-r", AT_FDCWD, "f000", O_RDONLY, 0, 1);
	R("dac/f000-chmod", chmod("f000", 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getcwd(base, sizeof base)) {
		perror("getcwd");
		return 2;
	}
	basefd = open(".", O_PATH | O_DIRECTORY);
	if (basefd < 0) {
		perror("open .");
		return 2;
	}
	setup();
	t_paths();
	t_open();
	t_fd();
	t_stat();
	t_cwd();
	t_last();
	t_dac();
	line("end/cases", "%d", ncases);
	return 0;
}
