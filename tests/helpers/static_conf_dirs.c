/* Conformance probe: mkdir mkdirat rmdir getdents getdents64 chdir fchdir
 * getcwd (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <limits.h>

static char gbase[PATH_MAX];   /* getcwd() of the group's directory */

static void setup_tree(void)
{
	if (!getcwd(gbase, sizeof gbase))
		line("setup", "getcwd %s", ename(errno));
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	mkd("d/sub", 0755);
	mkfile("d/x", 0600, "x");
	sl("d", "ld");
	sl("f", "l");
}

static void g_mkdir(void)
{
	group("dirs.mkdir");
	setup_tree();
	R("mkdir", mkdir("m1", 0755));
	S("mkdir-result", AT_FDCWD, "m1", 0);
	R("mkdir-existing", mkdir("m1", 0755));
	R("mkdir-over-file", mkdir("f", 0755));
	R("mkdir-over-link", mkdir("l", 0755));
	R("mkdir-over-dangling", (symlink("nothere", "dl"), mkdir("dl", 0755)));
	R("mkdir-trailing-slash", mkdir("m2/", 0755));
	R("mkdir-trailing-slashes", mkdir("m3//", 0755));
	R("mkdir-missing-parent", mkdir("missing/m", 0755));
	R("mkdir-through-file", mkdir("f/m", 0755));
	R("mkdir-dot", mkdir(".", 0755));
	R("mkdir-dotdot", mkdir("d/..", 0755));
	R("mkdir-empty", mkdir("", 0755));
	R("mkdir-mode-07777", mkdir("m4", 07777));
	S("mkdir-mode-07777-result", AT_FDCWD, "m4", 0);
	R("mkdir-mode-0", mkdir("m5", 0));
	S("mkdir-mode-0-result", AT_FDCWD, "m5", 0);
	mode_t old = umask(027);
	R("mkdir-umask-027", mkdir("m6", 0777));
	S("mkdir-umask-027-result", AT_FDCWD, "m6", 0);
	umask(old);
	R("mkdir-through-link-dir", mkdir("ld/m7", 0755));
	char longname[NAME_MAX + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	R("mkdir-name-too-long", mkdir(longname, 0755));
	longname[NAME_MAX] = 0;
	R("mkdir-name-max", mkdir(longname, 0755));
	R("rmdir-name-max", rmdir(longname));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	int ffd = open("f", O_RDONLY);
	R("mkdirat-dirfd", mkdirat(dfd, "m8", 0700));
	R("mkdirat-file-dirfd", mkdirat(ffd, "m9", 0700));
	R("mkdirat-bad-dirfd", mkdirat(999, "m9", 0700));
	R("raw-mkdir", syscall(SYS_mkdir, "m10", 0711));
	R("raw-mkdir-null", syscall(SYS_mkdir, NULL, 0711));
	S("parent-nlink", AT_FDCWD, ".", 0);
	close(dfd);
	close(ffd);
}

static void g_rmdir(void)
{
	group("dirs.rmdir");
	setup_tree();
	mkd("e1", 0755);
	mkd("e2", 0755);
	mkd("e3", 0000);
	R("rmdir", rmdir("e1"));
	R("rmdir-again", rmdir("e1"));
	R("rmdir-trailing-slash", rmdir("e2/"));
	R("rmdir-mode-0", rmdir("e3"));
	R("rmdir-nonempty", rmdir("d"));
	R("rmdir-file", rmdir("f"));
	R("rmdir-file-slash", rmdir("f/"));
	R("rmdir-link-to-dir", rmdir("ld"));
	R("rmdir-link-to-dir-slash", rmdir("ld/"));
	R("rmdir-dot", rmdir("."));
	R("rmdir-sub-dot", rmdir("d/sub/."));
	R("rmdir-dotdot", rmdir("d/sub/.."));
	R("rmdir-empty", rmdir(""));
	R("rmdir-missing", rmdir("missing"));
	R("rmdir-through-file", rmdir("f/x"));
	R("rmdir-sub", rmdir("d/sub"));
	R("raw-rmdir", syscall(SYS_rmdir, "missing"));
	R("raw-rmdir-null", syscall(SYS_rmdir, NULL));
	S("parent-nlink", AT_FDCWD, ".", 0);
}

struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

struct ent {
	char name[256];
	char type;
};

static int entcmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static char dtype(unsigned char t)
{
	switch (t) {
	case DT_REG: return 'f';
	case DT_DIR: return 'd';
	case DT_LNK: return 'l';
	case DT_FIFO: return 'p';
	case DT_SOCK: return 's';
	case DT_UNKNOWN: return '?';
	}
	return '!';
}

/* Lists an open directory with getdents64 (old = 0) or getdents (old = 1)
 * in calls of bufsz bytes: "N entries: name/t name/t ..." sorted. */
static void LS(const char *name, int fd, size_t bufsz, int old)
{
	static struct ent ents[64];
	char buf[8192] __attribute__((aligned(8)));
	int n = 0, calls = 0;
	for (;;) {
		long r = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, bufsz);
		if (r < 0) {
			line(name, "%s after %d entries", ename(errno), n);
			return;
		}
		if (r == 0)
			break;
		calls++;
		for (long off = 0; off < r;) {
			const char *nm;
			unsigned char t;
			unsigned short reclen;
			if (old) {
				struct linux_dirent *e = (void *)(buf + off);
				nm = e->d_name;
				reclen = e->d_reclen;
				t = buf[off + reclen - 1];
			} else {
				struct dirent64 *e = (void *)(buf + off);
				nm = e->d_name;
				reclen = e->d_reclen;
				t = e->d_type;
			}
			if (n < 64) {
				snprintf(ents[n].name, sizeof ents[n].name, "%s", nm);
				ents[n].type = dtype(t);
			}
			n++;
			off += reclen;
		}
	}
	if (n > 64) {
		line(name, "%d entries", n);
		return;
	}
	qsort(ents, n, sizeof *ents, entcmp);
	char out[4096] = "";
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += snprintf(out + len, sizeof out - len, " %s/%c", ents[i].name, ents[i].type);
	line(name, "%d entries%s%s", n, calls > 1 ? " (several calls)" : "", out);
}

static void g_getdents(void)
{
	group("dirs.getdents");
	setup_tree();
	if (mkfifo("p", 0644) < 0)
		line("setup", "mkfifo %s", ename(errno));
	mkd("empty", 0755);
	mkd("many", 0755);
	for (int i = 0; i < 40; i++) {
		char n[64];
		snprintf(n, sizeof n, "many/entry-with-a-longer-name-%02d", i);
		mkfile(n, 0644, "");
	}
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	LS("getdents64-cwd", fd, 8192, 0);
	LS("getdents64-at-end", fd, 8192, 0);
	R("lseek-rewind", lseek(fd, 0, SEEK_SET));
	LS("getdents64-rewound", fd, 8192, 0);
	lseek(fd, 0, SEEK_SET);
	LS("getdents-old-cwd", fd, 8192, 1);
	lseek(fd, 0, SEEK_SET);
	LS("getdents64-small-buffer", fd, 40, 0);
	lseek(fd, 0, SEEK_SET);
	LS("getdents64-tiny-buffer", fd, 8, 0);
	lseek(fd, 0, SEEK_SET);
	LS("getdents-old-tiny-buffer", fd, 8, 1);
	lseek(fd, 0, SEEK_SET);
	LS("getdents64-zero-buffer", fd, 0, 0);
	close(fd);
	fd = open("many", O_RDONLY | O_DIRECTORY);
	LS("getdents64-many-small-calls", fd, 128, 0);
	lseek(fd, 0, SEEK_SET);
	LS("getdents-old-many-small-calls", fd, 128, 1);
	close(fd);
	fd = open("empty", O_RDONLY | O_DIRECTORY);
	LS("getdents64-empty", fd, 8192, 0);
	R("create-while-open", close(open("empty/new", O_CREAT | O_WRONLY, 0644)));
	lseek(fd, 0, SEEK_SET);
	LS("getdents64-after-create", fd, 8192, 0);
	R("unlink-while-open", unlink("empty/new"));
	lseek(fd, 0, SEEK_SET);
	LS("getdents64-after-unlink", fd, 8192, 0);
	close(fd);
	fd = open("f", O_RDONLY);
	LS("getdents64-file", fd, 8192, 0);
	LS("getdents-old-file", fd, 8192, 1);
	close(fd);
	fd = open("d", O_PATH | O_DIRECTORY);
	LS("getdents64-opath", fd, 8192, 0);
	close(fd);
	LS("getdents64-bad-fd", 999, 8192, 0);
	LS("getdents-old-bad-fd", 999, 8192, 1);
	LS("getdents64-closed-fd", fd, 8192, 0);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	RV("getdents64-null-buffer", syscall(SYS_getdents64, fd, NULL, 8192));
	RV("getdents-old-null-buffer", syscall(SYS_getdents, fd, NULL, 8192));
	close(fd);
	int pp[2];
	if (pipe(pp) == 0) {
		LS("getdents64-pipe", pp[0], 8192, 0);
		close(pp[0]);
		close(pp[1]);
	}
}

static void CWD(const char *name)
{
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof buf)) {
		line(name, "%s", ename(errno));
		return;
	}
	size_t bl = strlen(gbase);
	if (!strcmp(buf, gbase))
		line(name, ".");
	else if (!strncmp(buf, gbase, bl) && buf[bl] == '/')
		line(name, ".%s", buf + bl);
	else if (!strcmp(buf, "/"))
		line(name, "/");
	else
		line(name, "outside the group directory");
}

static void back(void)
{
	if (chdir(gbase) < 0)
		line("setup", "chdir back %s", ename(errno));
}

static void g_cwd(void)
{
	group("dirs.cwd");
	setup_tree();
	CWD("getcwd");
	R("chdir", chdir("d"));
	CWD("getcwd-after-chdir");
	R("chdir-dotdot", chdir(".."));
	CWD("getcwd-after-dotdot");
	R("chdir-link", chdir("ld"));
	CWD("getcwd-after-link");
	back();
	R("chdir-file", chdir("f"));
	R("chdir-missing", chdir("missing"));
	R("chdir-empty", chdir(""));
	R("chdir-through-file", chdir("f/x"));
	R("chdir-slash", chdir("d/sub/"));
	CWD("getcwd-after-slash");
	back();
	int fd = open("d/sub", O_RDONLY | O_DIRECTORY);
	R("fchdir", fchdir(fd));
	CWD("getcwd-after-fchdir");
	close(fd);
	back();
	fd = open("d", O_PATH | O_DIRECTORY);
	R("fchdir-opath", fchdir(fd));
	CWD("getcwd-after-fchdir-opath");
	close(fd);
	back();
	fd = open("f", O_RDONLY);
	R("fchdir-file", fchdir(fd));
	close(fd);
	R("fchdir-closed", fchdir(fd));
	R("fchdir-bad", fchdir(999));
	CWD("getcwd-unchanged");
	char small[4];
	RV("raw-getcwd-small", syscall(SYS_getcwd, small, sizeof small));
	RV("raw-getcwd-zero", syscall(SYS_getcwd, small, 0));
	RV("raw-getcwd-null", syscall(SYS_getcwd, NULL, 100));
	char exact[PATH_MAX];
	long len = syscall(SYS_getcwd, exact, sizeof exact);
	R("raw-getcwd-exact-size", len < 0 ? len : syscall(SYS_getcwd, exact, len));
	RV("raw-getcwd-one-short", len < 0 ? len : syscall(SYS_getcwd, exact, len - 1));
	R("chdir-raw", syscall(SYS_chdir, "d"));
	R("chdir-raw-null", syscall(SYS_chdir, NULL));
	back();
	/* the cwd removed beneath us */
	mkd("gone", 0755);
	R("chdir-gone", chdir("gone"));
	R("rmdir-cwd", rmdir("../gone"));
	char buf[PATH_MAX];
	RV("raw-getcwd-removed", syscall(SYS_getcwd, buf, sizeof buf));
	R("stat-dot-removed", access(".", F_OK));
	R("create-in-removed", open("x", O_CREAT | O_WRONLY, 0644));
	back();
}

int main(void)
{
	static void (*const groups[])(void) = { g_mkdir, g_rmdir, g_getdents, g_cwd, NULL };
	return conf_main(groups);
}
