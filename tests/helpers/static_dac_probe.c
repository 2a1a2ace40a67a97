/*
 * Permission checks (DAC) against the caller's credentials, one case per
 * line ("dac/case -> result").  Run as uid 0 without capabilities in a
 * tree tests/integration/test_dac.sh builds as root beforehand (files of
 * uid 1000, a sticky directory...), natively and in the sandbox: a
 * capability-less root is an ordinary owner of uid 0, nothing more.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

static void result(const char *name, long rc, int err)
{
	if (rc < 0)
		printf("dac/%s -> %s\n", name, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("dac/%s -> ok\n", name);
}

#define R(name, expr)                    \
	do {                             \
		long r_ = (long)(expr);  \
		result(name, r_, errno); \
	} while (0)

static long open_close(const char *path, int flags)
{
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int main(void)
{
	struct stat st;
	char buf[64];
	struct timespec explicit_times[2] = { { 1, 0 }, { 2, 0 } };

	/* search permission on the way */
	R("stat-through-0700-foreign-dir", stat("o700/f", &st));
	R("open-through-0700-foreign-dir", open_close("o700/f", O_RDONLY));
	R("readlink-through-0700-foreign-dir", readlink("o700/l", buf, sizeof buf));
	R("chdir-0700-foreign-dir", chdir("o700"));
	R("opendir-0700-foreign-dir", open_close("o700", O_RDONLY | O_DIRECTORY));
	R("stat-through-0711-foreign-dir", stat("o711/f", &st));
	R("opendir-0711-foreign-dir", open_close("o711", O_RDONLY | O_DIRECTORY));

	/* owner, group, other classes */
	R("open-r-foreign-0644", open_close("o755/f644", O_RDONLY));
	R("open-w-foreign-0644", open_close("o755/f644", O_WRONLY));
	R("open-r-foreign-0600", open_close("o755/f600", O_RDONLY));
	R("open-rw-foreign-0666", open_close("o755/f666", O_RDWR));
	R("open-r-foreign-0604", open_close("o755/f604", O_RDONLY));
	R("open-trunc-foreign-0644", open_close("o755/f644", O_RDONLY | O_TRUNC));
	R("open-rw-group-0060", open_close("o755/g060", O_RDWR));
	R("open-r-group-0606", open_close("o755/g606", O_RDONLY));
	R("open-r-own-0000", open_close("own000", O_RDONLY));
	R("open-noatime-foreign", open_close("o755/f644", O_RDONLY | O_NOATIME));

	/* access(2): real ids */
	R("access-r-foreign-0644", access("o755/f644", R_OK));
	R("access-w-foreign-0644", access("o755/f644", W_OK));
	R("access-x-foreign-0700-dir", access("o700", X_OK));
	R("access-rw-foreign-0666", access("o755/f666", R_OK | W_OK));
	R("faccessat-eaccess-w-0644", syscall(SYS_faccessat2, AT_FDCWD, "o755/f644", W_OK, AT_EACCESS));

	/* names in a directory of another owner */
	R("creat-in-foreign-0755-dir", open_close("o755/new", O_WRONLY | O_CREAT));
	R("mkdir-in-foreign-0755-dir", mkdir("o755/newdir", 0755));
	R("symlink-in-foreign-0755-dir", symlink("x", "o755/newlink"));
	R("mknod-in-foreign-0755-dir", mknod("o755/fifo", S_IFIFO | 0644, 0));
	R("unlink-in-foreign-0755-dir", unlink("o755/f644"));
	R("rename-into-foreign-0755-dir", rename("mine", "o755/mine"));
	R("rename-out-of-foreign-0755-dir", rename("o755/f666", "stolen"));
	R("creat-in-foreign-0777-dir", open_close("o777/new", O_WRONLY | O_CREAT));
	R("unlink-in-foreign-0777-dir", unlink("o777/f644"));

	/* the sticky directory */
	R("unlink-foreign-in-sticky", unlink("sticky/foreign"));
	R("rename-foreign-in-sticky", rename("sticky/foreign", "sticky/moved"));
	R("unlink-own-in-sticky", unlink("sticky/own"));
	R("creat-in-sticky", open_close("sticky/new", O_WRONLY | O_CREAT));

	/* hard links (fs.protected_hardlinks) */
	R("link-foreign-0644", link("o755/f644", "hard644"));
	R("link-foreign-0666", link("o755/f666", "hard666"));

	/* attributes */
	R("chmod-foreign", chmod("o755/f666", 0600));
	R("chown-foreign-to-self", chown("o755/f666", 0, 0));
	R("chown-own-to-foreign", chown("mine", 1000, -1));
	R("chgrp-own-to-own-group", chown("mine", -1, 0));
	R("utimes-now-foreign-writable", utimensat(AT_FDCWD, "o755/f666", NULL, 0));
	R("utimes-now-foreign-readonly", utimensat(AT_FDCWD, "o755/f644", NULL, 0));
	R("utimes-explicit-foreign-writable", utimensat(AT_FDCWD, "o755/f666", explicit_times, 0));
	R("utimes-explicit-own", utimensat(AT_FDCWD, "mine", explicit_times, 0));
	R("truncate-foreign-writable", truncate("o755/f666", 1));
	R("truncate-foreign-readonly", truncate("o755/f644", 1));
	R("setxattr-foreign-readonly", setxattr("o755/f644", "user.k", "v", 1, 0));
	R("getxattr-foreign-0600", getxattr("o755/f600", "user.k", buf, sizeof buf) < 0 && errno == ENODATA ? 0 : -1);

	/* exec needs x for the caller's class */
	R("exec-foreign-0744", access("o755/x744", X_OK));
	R("exec-foreign-0755", access("o755/x755", X_OK));
	printf("end/cases -> done\n");
	return 0;
}
