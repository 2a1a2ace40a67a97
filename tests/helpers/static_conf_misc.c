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

/* The events queued on the non-blocking instance `in`, one line:
 * "wd:MASK|MASK:name ..." ("none" when nothing is queued).  A rename's two
 * events show "c" when they carry the same cookie. */
static void EV(const char *name, int in)
{
	static const struct { uint32_t bit; const char *n; } bits[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
		{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
		{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
		{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
		{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
	};
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char out[1024] = "";
	size_t len = 0;
	uint32_t cookie = 0;
	ssize_t n = read(in, buf, sizeof buf);
	if (n < 0) {
		line(name, "%s", errno == EAGAIN ? "none" : ename(errno));
		return;
	}
	for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
		const struct inotify_event *e = (const void *)(buf + off);
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%d:", len ? " " : "", e->wd);
		const char *sep = "";
		for (size_t i = 0; i < sizeof bits / sizeof bits[0] && len < sizeof out; i++)
			if (e->mask & bits[i].bit) {
				len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", sep, bits[i].n);
				sep = "|";
			}
		if (len < sizeof out && e->len)
			len += (size_t)snprintf(out + len, sizeof out - len, ":%s", e->name);
		if (len < sizeof out && e->cookie) {
			if (!cookie)
				cookie = e->cookie;
			len += (size_t)snprintf(out + len, sizeof out - len, ":%s",
						e->cookie == cookie ? "c" : "other-cookie");
		}
		if (len >= sizeof out)
			break;
		off += (ssize_t)sizeof(struct inotify_event) + e->len;
	}
	line(name, "%s", out);
}

static void g_inotify(void)
{
	group("misc.inotify");
	mkfile("f", 0644, "x");
	mkd("d", 0755);
	sl("f", "lf");
	sl("d", "ld");
	sl("nothere", "dl");
	mkfile("noread", 0200, "x");
	mkd("noreaddir", 0300);
	int in = inotify_init1(IN_CLOEXEC);
	R("init", in);
	RV("add-watch-file", inotify_add_watch(in, "f", IN_MODIFY));
	RV("add-watch-dir", inotify_add_watch(in, ".", IN_CREATE));
	RV("add-watch-missing", inotify_add_watch(in, "missing", IN_MODIFY));
	RV("add-watch-empty-mask", inotify_add_watch(in, "f", 0));
	RV("add-watch-onlydir-file", inotify_add_watch(in, "f", IN_MODIFY | IN_ONLYDIR));
	int fd = open("f", O_RDONLY);
	RV("add-watch-not-inotify-fd", inotify_add_watch(fd, "f", IN_MODIFY));
	/* the fd is checked before the path is looked at */
	RV("add-watch-not-inotify-fd-missing", inotify_add_watch(fd, "missing", IN_MODIFY));
	close(fd);
	RV("add-watch-bad-fd", inotify_add_watch(999, "f", IN_MODIFY));
	RV("add-watch-bad-fd-missing", inotify_add_watch(999, "missing", IN_MODIFY));
	/* the mask is checked before the fd, the fd before IN_MASK_ADD|IN_MASK_CREATE */
	RV("add-watch-bad-fd-empty-mask", inotify_add_watch(999, "f", 0));
	RV("add-watch-bad-fd-unknown-bit", inotify_add_watch(999, "f", IN_MODIFY | 0x1000));
	RV("add-watch-unknown-bit", inotify_add_watch(in, "f", IN_MODIFY | 0x1000));
	RV("add-watch-bad-fd-add-create", inotify_add_watch(999, "f", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	RV("add-watch-add-create", inotify_add_watch(in, "f", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	RV("add-watch-add-create-missing", inotify_add_watch(in, "missing", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	/* one inode, one watch: the same descriptor through any name */
	RV("add-watch-file-again", inotify_add_watch(in, "f", IN_ATTRIB | IN_MASK_ADD));
	RV("add-watch-link-follow", inotify_add_watch(in, "lf", IN_MODIFY));
	RV("add-watch-mask-create-existing", inotify_add_watch(in, "lf", IN_MODIFY | IN_MASK_CREATE));
	RV("add-watch-link-nofollow", inotify_add_watch(in, "lf", IN_MODIFY | IN_DONT_FOLLOW));
	RV("add-watch-dangling-follow", inotify_add_watch(in, "dl", IN_MODIFY));
	RV("add-watch-dangling-nofollow", inotify_add_watch(in, "dl", IN_MODIFY | IN_DONT_FOLLOW));
	RV("add-watch-onlydir-link-to-dir", inotify_add_watch(in, "ld", IN_CREATE | IN_ONLYDIR));
	RV("add-watch-onlydir-link-nofollow", inotify_add_watch(in, "ld", IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW));
	RV("add-watch-onlydir-dir-slash", inotify_add_watch(in, "d/", IN_CREATE | IN_ONLYDIR));
	RV("add-watch-file-slash", inotify_add_watch(in, "f/", IN_MODIFY));
	RV("add-watch-through-file", inotify_add_watch(in, "f/x", IN_MODIFY));
	RV("add-watch-empty-path", inotify_add_watch(in, "", IN_MODIFY));
	RV("add-watch-null-path", syscall(SYS_inotify_add_watch, in, NULL, IN_MODIFY));
	/* read permission on the file itself (the probe is uid 0 without
	 * capabilities: the owner's bits) */
	RV("add-watch-no-read", inotify_add_watch(in, "noread", IN_MODIFY));
	RV("add-watch-dir-no-read", inotify_add_watch(in, "noreaddir", IN_CREATE));
	R("rm-watch-dir", inotify_rm_watch(in, 2));
	R("rm-watch-again", inotify_rm_watch(in, 2));
	close(in);

	/* Events, as the kernel queues them: on a directory (names), then on
	 * files, each on an instance of its own (so that watch descriptors do
	 * not depend on one another); OPEN/ACCESS/CLOSE are left out of the
	 * masks (docs/ARCHITECTURE.md: the sentry's and gofer's own opens). */
	mkd("ev", 0755);
	mkfile("w", 0644, "x");
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int inf = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	uint32_t dmask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM |
			 IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
	RV("watch-events-dir", inotify_add_watch(in, "ev", dmask));
	EV("ev-none-yet", in);
	fd = open("ev/n", O_CREAT | O_WRONLY, 0644);
	EV("ev-create", in);
	R("write", write(fd, "data", 4));
	EV("ev-write", in);
	close(fd);
	EV("ev-close", in);
	R("rename", rename("ev/n", "ev/m"));
	EV("ev-rename", in);
	R("chmod", chmod("ev/m", 0600));
	EV("ev-chmod", in);
	R("mkdir", mkdir("ev/sub", 0755));
	EV("ev-mkdir", in);
	R("rmdir", rmdir("ev/sub"));
	EV("ev-rmdir", in);
	R("symlink", symlink("m", "ev/s"));
	EV("ev-symlink", in);
	R("unlink", unlink("ev/m"));
	EV("ev-unlink", in);
	R("unlink-symlink", unlink("ev/s"));
	EV("ev-unlink-symlink", in);
	RV("watch-events-file", inotify_add_watch(inf, "w", IN_MODIFY | IN_ATTRIB));
	fd = open("w", O_WRONLY | O_APPEND);
	R("file-write", write(fd, "more", 4));
	close(fd);
	EV("ev-file-write", inf);
	R("file-truncate", truncate("w", 1));
	EV("ev-file-truncate", inf);
	R("file-chmod", chmod("w", 0600));
	EV("ev-file-chmod", inf);
	/* removed objects the probe never opened: their last reference goes
	 * with the name */
	R("mknod-file", mknod("nf", S_IFREG | 0644, 0));
	RV("watch-events-unopened-file", inotify_add_watch(inf, "nf", IN_ATTRIB | IN_DELETE_SELF));
	R("unlink-unopened-file", unlink("nf"));
	EV("ev-unopened-file-removed", inf);
	close(inf);
	R("mkdir-empty", mkdir("ed", 0755));
	RV("watch-events-empty-dir", inotify_add_watch(in, "ed", IN_DELETE_SELF));
	R("rmdir-empty", rmdir("ed"));
	EV("ev-empty-dir-removed", in);
	R("rename-dir-away", rename("ev", "ev2"));
	EV("ev-dir-moved", in);
	R("rmdir-watched", rmdir("ev2"));
	EV("ev-dir-removed", in);
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
