/* Conformance probe: link linkat symlink symlinkat readlink readlinkat
 * unlink unlinkat (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <limits.h>

static void setup_tree(void)
{
	mkfile("f", 0644, "0123456789");
	mkd("d", 0755);
	mkfile("d/x", 0600, "x");
	sl("f", "l");
	sl("d", "ld");
	sl("nothere", "dl");
}

static void RL(const char *name, int dirfd, const char *path, size_t bufsz)
{
	char buf[PATH_MAX + 16];
	memset(buf, '#', sizeof buf);
	ssize_t n = readlinkat(dirfd, path, buf, bufsz);
	if (n < 0)
		line(name, "%s", ename(errno));
	else if (n > 64)
		line(name, "%zd bytes, next byte %s", n, buf[n] == '#' ? "untouched" : "written");
	else
		line(name, "%zd \"%.*s\" next byte %s", n, (int)n, buf, buf[n] == '#' ? "untouched" : "written");
}

static void g_link(void)
{
	group("links.link");
	setup_tree();
	R("link", link("f", "h1"));
	S("link-nlink", AT_FDCWD, "f", 0);
	R("link-existing", link("f", "h1"));
	R("link-over-dir", link("f", "d"));
	R("link-dir", link("d", "hd"));
	R("link-missing", link("missing", "h2"));
	R("link-into-missing", link("f", "missing/h"));
	R("link-to-slash", link("f", "h3/"));
	R("link-from-slash", link("f/", "h4"));
	R("link-symlink-nofollow", link("l", "hl"));
	S("link-symlink-result", AT_FDCWD, "hl", AT_SYMLINK_NOFOLLOW);
	R("link-dangling", link("dl", "hdl"));
	R("link-into-subdir", link("f", "d/h5"));
	R("link-empty", link("", "h6"));
	R("linkat-follow", linkat(AT_FDCWD, "l", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
	S("linkat-follow-result", AT_FDCWD, "hf", AT_SYMLINK_NOFOLLOW);
	R("linkat-follow-dangling", linkat(AT_FDCWD, "dl", AT_FDCWD, "hfd", AT_SYMLINK_FOLLOW));
	R("linkat-bad-flag", linkat(AT_FDCWD, "f", AT_FDCWD, "h7", 0x1));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int ffd = open("f", O_RDONLY);
	R("linkat-dirfds", linkat(dfd, "x", AT_FDCWD, "hx", 0));
	R("linkat-bad-dirfd", linkat(999, "x", AT_FDCWD, "h8", 0));
	R("linkat-file-dirfd", linkat(ffd, "x", AT_FDCWD, "h9", 0));
	int gfd = open("g", O_RDONLY | O_CREAT, 0644);
	NOCAP("linkat-empty-path-nocap", linkat(gfd, "", AT_FDCWD, "h10", AT_EMPTY_PATH));
	unlink("h10");   /* whatever happened: the case says it, the state stays comparable */
	close(gfd);
	R("raw-link", syscall(SYS_link, "f", "h11"));
	R("raw-link-null", syscall(SYS_link, NULL, "h12"));
	S("final-nlink", AT_FDCWD, "f", 0);
	close(dfd);
	close(ffd);
}

static void g_symlink(void)
{
	group("links.symlink");
	setup_tree();
	R("symlink", symlink("f", "s1"));
	R("symlink-existing", symlink("f", "s1"));
	R("symlink-over-dir", symlink("f", "d"));
	R("symlink-empty-target", symlink("", "s2"));
	R("symlink-empty-name", symlink("f", ""));
	R("symlink-dangling-target", symlink("no/where", "s3"));
	R("symlink-absolute", symlink("/etc/passwd", "s4"));
	R("symlink-slash-name", symlink("f", "s5/"));
	R("symlink-into-missing", symlink("f", "missing/s"));
	R("symlink-over-dangling", symlink("f", "dl"));
	char big[PATH_MAX + 1];
	memset(big, 'a', sizeof big);
	big[PATH_MAX - 1] = 0;
	R("symlink-target-4095", symlink(big, "s6"));
	big[PATH_MAX - 1] = 'a';
	big[PATH_MAX] = 0;
	R("symlink-target-4096", symlink(big, "s7"));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	R("symlinkat-dirfd", symlinkat("x", dfd, "sx"));
	R("symlinkat-bad-dirfd", symlinkat("x", 999, "sy"));
	R("raw-symlink", syscall(SYS_symlink, "f", "s8"));
	R("raw-symlink-null-target", syscall(SYS_symlink, NULL, "s9"));
	S("symlink-stat", AT_FDCWD, "s1", AT_SYMLINK_NOFOLLOW);
	S("symlink-follow", AT_FDCWD, "d/sx", 0);
	close(dfd);
}

static void g_readlink(void)
{
	group("links.readlink");
	setup_tree();
	sl("/etc/passwd", "abs");
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	RL("readlink", AT_FDCWD, "l", 100);
	RL("readlink-abs", AT_FDCWD, "abs", 100);
	RL("readlink-dangling", AT_FDCWD, "dl", 100);
	RL("readlink-short-buffer", AT_FDCWD, "dl", 3);
	RL("readlink-buffer-1", AT_FDCWD, "dl", 1);
	RL("readlink-buffer-0", AT_FDCWD, "dl", 0);
	RL("readlink-file", AT_FDCWD, "f", 100);
	RL("readlink-dir", AT_FDCWD, "d", 100);
	RL("readlink-missing", AT_FDCWD, "missing", 100);
	RL("readlink-link-slash", AT_FDCWD, "ld/", 100);
	RL("readlink-through-link", AT_FDCWD, "ld/x", 100);
	RL("readlink-empty", AT_FDCWD, "", 100);
	RL("readlinkat-dirfd", dfd, "../l", 100);
	RL("readlinkat-bad-dirfd", 999, "l", 100);
	int lfd = open("l", O_PATH | O_NOFOLLOW);
	RL("readlinkat-empty-path-opath-link", lfd, "", 100);
	close(lfd);
	RL("readlinkat-empty-path-dir", dfd, "", 100);
	char buf[16];
	RV("raw-readlink", syscall(SYS_readlink, "l", buf, sizeof buf));
	RV("raw-readlink-null-buf", syscall(SYS_readlink, "l", NULL, 16));
	RV("raw-readlink-negative-size", syscall(SYS_readlink, "l", buf, -1L));
	RV("raw-readlinkat", syscall(SYS_readlinkat, dfd, "../dl", buf, sizeof buf));
	close(dfd);
}

static void g_unlink(void)
{
	group("links.unlink");
	setup_tree();
	mkfile("u1", 0644, "");
	mkfile("u2", 0644, "");
	mkfile("u3", 0444, "");
	mkd("ed", 0755);
	R("unlink", unlink("u1"));
	S("unlink-gone", AT_FDCWD, "u1", 0);
	R("unlink-again", unlink("u1"));
	R("unlink-dir", unlink("d"));
	R("unlink-dir-slash", unlink("d/"));
	R("unlink-file-slash", unlink("u2/"));
	R("unlink-link-keeps-target", unlink("l"));
	S("unlink-link-target", AT_FDCWD, "f", 0);
	R("unlink-link-to-dir-slash", unlink("ld/"));
	R("unlink-dangling", unlink("dl"));
	R("unlink-readonly-file", unlink("u3"));
	R("unlink-dot", unlink("."));
	R("unlink-dotdot", unlink("d/.."));
	R("unlink-empty", unlink(""));
	R("unlink-through-file", unlink("f/x"));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	R("unlinkat-dirfd", unlinkat(dfd, "x", 0));
	R("unlinkat-removedir-file", unlinkat(AT_FDCWD, "u2", AT_REMOVEDIR));
	R("unlinkat-removedir-dir", unlinkat(AT_FDCWD, "ed", AT_REMOVEDIR));
	R("unlinkat-removedir-nonempty", unlinkat(AT_FDCWD, ".", AT_REMOVEDIR));
	R("unlinkat-bad-flag", unlinkat(AT_FDCWD, "u2", 0x1));
	R("unlinkat-bad-dirfd", unlinkat(999, "u2", 0));
	R("unlinkat-removedir-emptied", unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	int fd = open("f", O_RDWR);
	R("unlink-open-file", unlink("f"));
	R("write-after-unlink", write(fd, "ab", 2));
	close(fd);
	R("raw-unlink", syscall(SYS_unlink, "u2"));
	R("raw-unlink-null", syscall(SYS_unlink, NULL));
	close(dfd);
}

int main(void)
{
	static void (*const groups[])(void) = { g_link, g_symlink, g_readlink, g_unlink, NULL };
	return conf_main(groups);
}
