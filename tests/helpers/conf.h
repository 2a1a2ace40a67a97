/* Shared by the conformance probes (tests/helpers/static_conf_*.c).
 *
 * A probe runs with its cwd in an empty scratch directory, natively and in
 * the sandbox (tests/lib/conformance.sh), and prints one line per case:
 *
 *     family.group/case -> result
 *
 * result is "ok", a value, a file description or the errno name.  Each
 * group works in its own subdirectory (named after the group) and ends
 * with a listing of it ("family.group/state:PATH -> ..."): the resulting
 * state, without times, inode numbers or devices.  Nothing printed may
 * depend on where the scratch directory is or which tree is "/".
 *
 * The native reference runs as root; the sandboxed program is uid 0 with
 * no capabilities.  Cases whose answer depends on capabilities run through
 * NOCAP(), in a child that drops every capability first, on both sides. */
#ifndef CONF_H
#define CONF_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONF_FN static __attribute__((unused))

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

static int conf_ncases;
static int conf_basefd = -1;           /* the scratch directory */
static char conf_group[64];            /* the current group */

CONF_FN void line(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
CONF_FN void line(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("%s/%s -> ", conf_group, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	conf_ncases++;
}

CONF_FN const char *ename(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

/* rc < 0: the errno name, else "ok".  Works for libc wrappers and
 * syscall(2) alike (both set errno). */
CONF_FN void R(const char *name, long rc)
{
	if (rc < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "ok");
}

/* rc < 0: the errno name, else the value. */
CONF_FN void RV(const char *name, long rc)
{
	if (rc < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "%ld", rc);
}

CONF_FN const char *ftype(mode_t m)
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

/* A file inside the scratch directory: type, mode, links, size (not for
 * directories: it depends on the host filesystem's history), owner. */
CONF_FN void desc(char *out, size_t n, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		snprintf(out, n, "dir %04o n=%lu u=%u g=%u", (unsigned)(st->st_mode & 07777),
			 (unsigned long)st->st_nlink, (unsigned)st->st_uid, (unsigned)st->st_gid);
	else
		snprintf(out, n, "%s %04o n=%lu s=%lld u=%u g=%u", ftype(st->st_mode),
			 (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink,
			 (long long)st->st_size, (unsigned)st->st_uid, (unsigned)st->st_gid);
}

/* fstatat with a full description. */
CONF_FN void S(const char *name, int dirfd, const char *path, int flags)
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

/* fstatat, the file type only: for paths outside the scratch directory. */
CONF_FN void T(const char *name, int dirfd, const char *path, int flags)
{
	struct stat st;
	if (fstatat(dirfd, path, &st, flags) < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "%s", ftype(st.st_mode));
}

/* An fd just returned by an open-like call: "fd <description>" and closed. */
CONF_FN void FD(const char *name, int fd)
{
	struct stat st;
	char d[128];
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	if (fstat(fd, &st) < 0) {
		line(name, "fd fstat:%s", ename(errno));
	} else {
		desc(d, sizeof d, &st);
		line(name, "fd %s", d);
	}
	close(fd);
}

/* The content of a small file (up to 64 bytes), or the errno. */
CONF_FN void CONTENT(const char *name, const char *path)
{
	char buf[65];
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0) {
		line(name, "%s", ename(errno));
		return;
	}
	ssize_t n = read(fd, buf, 64);
	close(fd);
	if (n < 0)
		line(name, "read:%s", ename(errno));
	else
		line(name, "\"%.*s\"", (int)n, buf);
}

/* ---- setup helpers: a failure is printed as a case, so it shows ------- */

CONF_FN void mkfile(const char *path, mode_t mode, const char *content)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (fd < 0) {
		line("setup", "create %s %s", path, ename(errno));
		return;
	}
	if (content && write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		line("setup", "write %s %s", path, ename(errno));
	close(fd);
	if (chmod(path, mode) < 0)
		line("setup", "chmod %s %s", path, ename(errno));
}

CONF_FN void mkd(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
		line("setup", "mkdir %s %s", path, ename(errno));
}

CONF_FN void sl(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		line("setup", "symlink %s %s", path, ename(errno));
}

/* ---- capabilities --------------------------------------------------------- */

/* Drops every capability of the calling process (uid stays 0): what the
 * sandboxed program is. */
CONF_FN int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	return (int)syscall(SYS_capset, &h, d);
}

CONF_FN int have_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return d[0].effective || d[1].effective;
}

/* NOCAP(name, expr): evaluates expr (a syscall returning < 0 with errno on
 * failure) in a child without capabilities; prints "ok" or the errno. */
#define NOCAP(name, expr)                                                         \
	do {                                                                      \
		fflush(stdout);                                                   \
		pid_t pid_ = fork();                                              \
		if (pid_ == 0) {                                                  \
			if (drop_caps() < 0)                                      \
				_exit(255);                                       \
			_exit((expr) < 0 ? (errno & 0xff) : 0);                  \
		}                                                                 \
		int st_ = 0;                                                      \
		if (pid_ < 0 || waitpid(pid_, &st_, 0) < 0)                       \
			line(name, "fork:%s", ename(errno));                      \
		else if (!WIFEXITED(st_) || WEXITSTATUS(st_) == 255)              \
			line(name, "child failed (status %d)", st_);              \
		else if (WEXITSTATUS(st_) == 0)                                   \
			line(name, "ok");                                         \
		else                                                              \
			line(name, "%s", ename(WEXITSTATUS(st_)));                \
	} while (0)

/* ---- groups and the resulting state --------------------------------------- */

struct conf_entry {
	char path[512];
	char what[640];
};

static struct conf_entry *conf_entries;
static size_t conf_nentries, conf_capentries;

static void conf_collect(int dirfd, const char *prefix, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (conf_nentries == conf_capentries) {
			conf_capentries = conf_capentries ? 2 * conf_capentries : 64;
			conf_entries = realloc(conf_entries, conf_capentries * sizeof *conf_entries);
		}
		struct conf_entry *ce = &conf_entries[conf_nentries++];
		snprintf(ce->path, sizeof ce->path, "%s%s", prefix, e->d_name);
		struct stat st;
		char dsc[128];
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(ce->what, sizeof ce->what, "%s", ename(errno));
			continue;
		}
		desc(dsc, sizeof dsc, &st);
		if (S_ISLNK(st.st_mode)) {
			char t[256];
			ssize_t n = readlinkat(dirfd, e->d_name, t, sizeof t - 1);
			t[n < 0 ? 0 : n] = 0;
			snprintf(ce->what, sizeof ce->what, "%s -> %s", dsc, t);
		} else {
			snprintf(ce->what, sizeof ce->what, "%s", dsc);
		}
		if (S_ISDIR(st.st_mode) && depth < 8 && (st.st_mode & 0500) == 0500) {
			char sub[sizeof ce->path + 1];
			snprintf(sub, sizeof sub, "%s/", ce->path);
			int fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (fd >= 0)
				conf_collect(fd, sub, depth + 1);
		}
	}
	closedir(d);
}

static int conf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_entry *)a)->path, ((const struct conf_entry *)b)->path);
}

/* Prints the tree of the current group's directory, sorted by path. */
CONF_FN void state(void)
{
	conf_nentries = 0;
	int fd = openat(conf_basefd, conf_group, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		line("state", "%s", ename(errno));
		return;
	}
	conf_collect(fd, "", 0);
	qsort(conf_entries, conf_nentries, sizeof *conf_entries, conf_cmp);
	for (size_t i = 0; i < conf_nentries; i++) {
		char name[600];
		snprintf(name, sizeof name, "state:%s", conf_entries[i].path);
		line(name, "%s", conf_entries[i].what);
	}
	line("state", "%zu entries", conf_nentries);
}

/* Starts a group: a fresh directory named after it, the cwd. */
CONF_FN void group(const char *name)
{
	snprintf(conf_group, sizeof conf_group, "%s", name);
	if (fchdir(conf_basefd) < 0 || mkdir(name, 0755) < 0 || chdir(name) < 0) {
		line("setup", "group directory: %s", ename(errno));
		exit(2);
	}
}

/* Ends a group: its resulting state, back to the scratch directory. */
CONF_FN void end_group(void)
{
	state();
	if (fchdir(conf_basefd) < 0) {
		perror("fchdir back to the scratch directory");
		exit(2);
	}
}

/* main() of a probe: runs the groups, then "end/cases -> N". */
CONF_FN int conf_main(void (*const groups[])(void))
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	conf_basefd = open(".", O_RDONLY | O_DIRECTORY);
	if (conf_basefd < 0) {
		perror("open .");
		return 2;
	}
	for (int i = 0; groups[i]; i++) {
		groups[i]();
		end_group();
	}
	snprintf(conf_group, sizeof conf_group, "end");
	printf("end/cases -> %d\n", conf_ncases);
	return 0;
}

#endif
