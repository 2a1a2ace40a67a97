/* Conformance probe: statfs fstatfs umask sync syncfs fsync fdatasync
 * inotify_add_watch chroot (tests/helpers/conf.h says how probes work;
 * tests/integration/test_conformance.sh runs it). */
#include "conf.h"

#include <sys/inotify.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

static void SF(const char *name, int rc, const struct statfs *sf)
{
	if (rc < 0)
		line(name, "%s", ename(errno));
	else
		line(name, "type=%#lx namelen=%ld bsize=%ld rdonly=%d", (unsigned long)sf->f_type,
		     (long)sf->f_namelen, (long)sf->f_bsize, !!(sf->f_flags & ST_RDONLY));
}

static void g_statfs(void)
{
	group("misc.statfs");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	sl("nothere", "dl");
	struct statfs sf;
	SF("statfs-file", statfs("f", &sf), &sf);
	SF("statfs-dir", statfs("d", &sf), &sf);
	SF("statfs-dot", statfs(".", &sf), &sf);
	SF("statfs-missing", statfs("missing", &sf), &sf);
	SF("statfs-dangling", statfs("dl", &sf), &sf);
	SF("statfs-file-slash", statfs("f/", &sf), &sf);
	SF("statfs-empty", statfs("", &sf), &sf);
	R("raw-statfs-null-buf", syscall(SYS_statfs, "f", NULL));
	R("raw-statfs-null-path", syscall(SYS_statfs, NULL, &sf));
	int fd = open("f", O_RDONLY);
	SF("fstatfs-file", fstatfs(fd, &sf), &sf);
	R("raw-fstatfs-null-buf", syscall(SYS_fstatfs, fd, NULL));
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	SF("fstatfs-dir", fstatfs(fd, &sf), &sf);
	close(fd);
	fd = open("d", O_PATH);
	SF("fstatfs-opath", fstatfs(fd, &sf), &sf);
	close(fd);
	SF("fstatfs-bad", fstatfs(999, &sf), &sf);
	int pp[2];
	if (pipe(pp) == 0) {
		line("fstatfs-pipe", "%s", fstatfs(pp[0], &sf) < 0 ? ename(errno) : "ok");
		close(pp[0]);
		close(pp[1]);
	}
}

static void g_umask_sync(void)
{
	group("misc.umask-sync");
	RV("umask-initial", umask(027));
	RV("umask-set", umask(0777 | 07000));
	RV("umask-masked", umask(022));
	umask(0);
	FD("umask-0-create", open("u0", O_CREAT | O_WRONLY, 0777));
	umask(0277);
	FD("umask-0277-create", open("u1", O_CREAT | O_WRONLY, 0666));
	R("umask-0277-mkdir", mkdir("u2", 0777));
	umask(022);
	R("raw-umask", syscall(SYS_umask, 022));
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	R("write", write(fd, "data", 4));
	R("fsync", fsync(fd));
	R("fdatasync", fdatasync(fd));
	R("syncfs", syncfs(fd));
	sync();
	line("sync", "ok");
	close(fd);
	R("fsync-bad", fsync(999));
	R("syncfs-bad", syncfs(999));
	fd = open(".", O_RDONLY | O_DIRECTORY);
	R("fsync-dir", fsync(fd));
	R("syncfs-dir", syncfs(fd));
	close(fd);
	fd = open("f", O_RDONLY);
	R("fsync-rdonly", fsync(fd));
	close(fd);
	fd = open("f", O_PATH);
	R("fsync-opath", fsync(fd));
	close(fd);
}

static void g_inotify(void)
{
	group("misc.inotify");
	mkfile("f", 0644, "x");
	int in = inotify_init1(IN_CLOEXEC);
	R("init", in);
	RV("add-watch-file", inotify_add_watch(in, "f", IN_MODIFY));
	RV("add-watch-dir", inotify_add_watch(in, ".", IN_CREATE));
	RV("add-watch-missing", inotify_add_watch(in, "missing", IN_MODIFY));
	RV("add-watch-empty-mask", inotify_add_watch(in, "f", 0));
	RV("add-watch-onlydir-file", inotify_add_watch(in, "f", IN_MODIFY | IN_ONLYDIR));
	int fd = open("f", O_RDONLY);
	RV("add-watch-not-inotify-fd", inotify_add_watch(fd, "f", IN_MODIFY));
	close(fd);
	RV("add-watch-bad-fd", inotify_add_watch(999, "f", IN_MODIFY));
	close(in);
}

static void g_chroot(void)
{
	group("misc.chroot");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	sl("d", "ld");
	/* the sandboxed program has no CAP_SYS_CHROOT: compare without it */
	NOCAP("nocap-dir", chroot("d"));
	NOCAP("nocap-link-to-dir", chroot("ld"));
	NOCAP("nocap-dot", chroot("."));
	NOCAP("nocap-missing", chroot("missing"));
	NOCAP("nocap-file", chroot("f"));
	NOCAP("nocap-empty", chroot(""));
	NOCAP("nocap-through-file", chroot("f/x"));
	NOCAP("nocap-null", syscall(SYS_chroot, NULL));
}

int main(void)
{
	static void (*const groups[])(void) = { g_statfs, g_umask_sync, g_inotify, g_chroot, NULL };
	return conf_main(groups);
}
