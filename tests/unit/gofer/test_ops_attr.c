/*
 * gofer Tsetattr, Tfsync, Tread/Twrite (a session without FD donation) and
 * Tlock/Tgetlock.  A REAL gofer process (fork + gofer_serve) over temporary
 * trees, this test as the 9P client; every result is compared with what the
 * host shows (lstat, file contents, fcntl F_GETLK).
 *
 * Mounts: "root" (read-write) and "ro" (read-only) over the same tree,
 * "other" (read-write) over a second tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

/* ---- harness (as in test_gofer.c) ----------------------------------------- */

#include "tests/unit/gofer/ops_harness.h"

/* ---- helpers --------------------------------------------------------------------- */

static void host_read(const char *rel, char *buf, size_t cap, ssize_t *len)
{
	char p[256];
	int fd;

	path_in(p, sizeof(p), root, rel);
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	*len = read(fd, buf, cap);
	assert_true(*len >= 0);
	close(fd);
}

static void host_symlink(const char *target, const char *rel)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void host_fifo(const char *rel)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	assert_int_equal(mkfifo(p, 0644), 0);
}

/* Replaces rel by a new file with other contents (another inode). */
static void host_replace(const char *rel)
{
	char p[256], tmp[300];
	int fd;

	path_in(p, sizeof(p), root, rel);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "replacement\n", 12), 12);
	close(fd);
	assert_int_equal(rename(tmp, p), 0);
}

static bool same_times(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int setattr_mode(struct p9_client *c, uint32_t fid, uint32_t mode)
{
	struct p9_setattr a = { .valid = P9_SETATTR_MODE, .mode = mode };

	return p9_setattr(c, fid, &a);
}

/* ---- Tsetattr ------------------------------------------------------------------ */

/* chmod, normal and pre-6.6 (no fchmodat2) paths: files, directories, the
 * mount root; a symlink's mode cannot change (EOPNOTSUPP, as Linux) and its
 * target is not touched. */
static void check_chmod(int opts)
{
	struct gofer_proc g = start_gofer(opts);
	uint32_t rootfid, fid, dfid, lfid, ffid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat st, target, rootst;
	const char *sfx = (opts & OPT_RESTRICTED) ? ".r" : "";
	char name[32], lname[32], fname[32];

	snprintf(name, sizeof(name), "m.txt%s", sfx);
	snprintf(lname, sizeof(lname), "mlink%s", sfx);
	snprintf(fname, sizeof(fname), "mfifo%s", sfx);
	write_file(name, "mode\n");
	host_symlink(name, lname);
	host_fifo(fname);
	fid = walk1(c, rootfid, name);
	dfid = walk1(c, rootfid, "subdir");
	lfid = walk1(c, rootfid, lname);
	ffid = walk1(c, rootfid, fname);

	assert_int_equal(setattr_mode(c, fid, 0600), 0);
	assert_int_equal(host_lstat(name, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(setattr_mode(c, fid, S_IFDIR | 04751), 0); /* type bits ignored */
	assert_int_equal(host_lstat(name, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 04751);
	assert_int_equal(setattr_mode(c, dfid, 0711), 0);
	assert_int_equal(host_lstat("subdir", &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0711);
	assert_int_equal(setattr_mode(c, dfid, 0755), 0);
	assert_int_equal(lstat(root, &rootst), 0);
	assert_int_equal(setattr_mode(c, rootfid, 0750), 0);
	assert_int_equal(lstat(root, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(setattr_mode(c, rootfid, rootst.st_mode & 07777), 0);

	assert_int_equal(host_lstat(name, &target), 0);
	assert_int_equal(setattr_mode(c, lfid, 0600), -EOPNOTSUPP);
	assert_int_equal(host_lstat(name, &st), 0);
	assert_int_equal(st.st_mode, target.st_mode);
	assert_true(same_times(&st, &target));
	assert_int_equal(host_lstat(lname, &st), 0);
	assert_int_equal(st.st_mode, S_IFLNK | 0777);
	/* a FIFO: fchmodat2 reaches it; the old path never opens one */
	if (opts & OPT_RESTRICTED) {
		assert_int_equal(setattr_mode(c, ffid, 0600), -EOPNOTSUPP);
	} else {
		assert_int_equal(setattr_mode(c, ffid, 0600), 0);
		assert_int_equal(host_lstat(fname, &st), 0);
		assert_int_equal(st.st_mode, S_IFIFO | 0600);
	}
	/* the name now holds another file: the old path does not chmod it */
	if (opts & OPT_RESTRICTED) {
		host_replace(name);
		assert_int_equal(setattr_mode(c, fid, 0640), -ESTALE);
		assert_int_equal(host_lstat(name, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0644);
	}
	stop(&g, c);
}

static void test_setattr_mode(void **state)
{
	check_chmod(0);
}

static void test_setattr_mode_fallback(void **state)
{
	check_chmod(OPT_RESTRICTED);
}

static void test_setattr_owner(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, lfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_setattr a = { 0 };
	struct stat st, target;

	write_file("own.txt", "owner\n");
	host_symlink("own.txt", "ownlink");
	fid = walk1(c, rootfid, "own.txt");
	lfid = walk1(c, rootfid, "ownlink");

	a.valid = P9_SETATTR_UID;
	a.uid = 1234;
	a.gid = 999; /* not in valid: ignored */
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("own.txt", &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, getegid());
	a.valid = P9_SETATTR_GID;
	a.gid = 5678;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("own.txt", &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	a.valid = P9_SETATTR_UID | P9_SETATTR_GID;
	a.uid = 4321;
	a.gid = 8765;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("own.txt", &st), 0);
	assert_int_equal(st.st_uid, 4321);
	assert_int_equal(st.st_gid, 8765);

	/* on a symlink: the link itself (lchown), never the target */
	assert_int_equal(host_lstat("own.txt", &target), 0);
	a.uid = 1111;
	a.gid = 2222;
	assert_int_equal(p9_setattr(c, lfid, &a), 0);
	assert_int_equal(host_lstat("ownlink", &st), 0);
	assert_int_equal(st.st_uid, 1111);
	assert_int_equal(st.st_gid, 2222);
	assert_int_equal(host_lstat("own.txt", &st), 0);
	assert_int_equal(st.st_uid, target.st_uid);
	assert_int_equal(st.st_gid, target.st_gid);
	assert_true(same_times(&st, &target));
	assert_int_equal(p9_setattr(c, 9999, &a), -EBADF);
	stop(&g, c);
}

static void test_setattr_size(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, dfid, lfid, ffid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_setattr a = { .valid = P9_SETATTR_SIZE };
	struct stat st, target;
	char buf[256];
	ssize_t n;

	write_file("sz.txt", "0123456789");
	host_symlink("sz.txt", "szlink");
	host_fifo("szfifo");
	fid = walk1(c, rootfid, "sz.txt");
	dfid = walk1(c, rootfid, "subdir");
	lfid = walk1(c, rootfid, "szlink");
	ffid = walk1(c, rootfid, "szfifo");

	a.size = 100; /* grow: zeros */
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	host_read("sz.txt", buf, sizeof(buf), &n);
	assert_int_equal(n, 100);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(buf[99], 0);
	a.size = 3; /* shrink */
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	host_read("sz.txt", buf, sizeof(buf), &n);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "012", 3);
	a.size = 0;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("sz.txt", &st), 0);
	assert_int_equal(st.st_size, 0);

	write_file("sz.txt", "0123456789");
	assert_int_equal(host_lstat("sz.txt", &target), 0);
	a.size = 1;
	assert_int_equal(p9_setattr(c, dfid, &a), -EISDIR);
	assert_int_equal(p9_setattr(c, lfid, &a), -ELOOP); /* the target is never reached */
	assert_int_equal(p9_setattr(c, ffid, &a), -EINVAL);
	a.size = (uint64_t)INT64_MAX + 1;
	assert_int_equal(p9_setattr(c, fid, &a), -EINVAL);
	assert_int_equal(host_lstat("sz.txt", &st), 0);
	assert_int_equal(st.st_size, 10);
	assert_true(same_times(&st, &target));

	/* the name now holds another file: not truncated (identity check) */
	host_replace("sz.txt");
	a.size = 1;
	assert_int_equal(p9_setattr(c, fid, &a), -ESTALE);
	host_read("sz.txt", buf, sizeof(buf), &n);
	assert_int_equal(n, 12);
	stop(&g, c);
}

static void test_setattr_times(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, lfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_setattr a = { 0 };
	struct stat st, before, target;
	time_t t0;

	write_file("t.txt", "times\n");
	host_symlink("t.txt", "tlink");
	fid = walk1(c, rootfid, "t.txt");
	lfid = walk1(c, rootfid, "tlink");

	a.valid = P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	a.atime_sec = 1000000000;
	a.atime_nsec = 123456789;
	a.mtime_sec = 1100000000;
	a.mtime_nsec = 987654321;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	assert_int_equal(st.st_atim.tv_nsec, 123456789);
	assert_int_equal(st.st_mtim.tv_sec, 1100000000);
	assert_int_equal(st.st_mtim.tv_nsec, 987654321);

	/* mtime only, to "now": atime untouched */
	t0 = time(NULL);
	a.valid = P9_SETATTR_MTIME;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	assert_true(st.st_mtim.tv_sec >= t0 - 1 && st.st_mtim.tv_sec <= time(NULL) + 1);
	/* atime only, given */
	a.valid = P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
	a.atime_sec = 5;
	a.atime_nsec = 6;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 5);
	assert_int_equal(st.st_atim.tv_nsec, 6);
	/* ATIME_SET without ATIME changes nothing */
	assert_int_equal(host_lstat("t.txt", &before), 0);
	a.valid = P9_SETATTR_ATIME_SET;
	a.atime_sec = 7;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	/* CTIME alone: accepted, nothing to do */
	a.valid = P9_SETATTR_CTIME;
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 5);
	assert_true(same_times(&st, &before));
	/* a bad nsec (would be UTIME_NOW in-band) is refused before any change */
	a.valid = P9_SETATTR_MODE | P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	a.mode = 0600;
	a.mtime_nsec = 1000000000;
	assert_int_equal(p9_setattr(c, fid, &a), -EINVAL);
	a.mtime_nsec = (1l << 30) - 1; /* UTIME_NOW */
	assert_int_equal(p9_setattr(c, fid, &a), -EINVAL);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_true(same_times(&st, &before));

	/* on a symlink: the link's times, not the target's */
	assert_int_equal(host_lstat("t.txt", &target), 0);
	a.valid = P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	a.atime_sec = a.mtime_sec = 200000000;
	a.atime_nsec = a.mtime_nsec = 0;
	assert_int_equal(p9_setattr(c, lfid, &a), 0);
	assert_int_equal(host_lstat("tlink", &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, 200000000);
	assert_int_equal(host_lstat("t.txt", &st), 0);
	assert_true(same_times(&st, &target));
	assert_int_equal(st.st_atim.tv_sec, target.st_atim.tv_sec);
	stop(&g, c);
}

/* Every field in one request, applied in an order where each one shows. */
static void test_setattr_all_fields(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_setattr a = {
		.valid = P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID | P9_SETATTR_SIZE |
			 P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME |
			 P9_SETATTR_MTIME_SET | P9_SETATTR_CTIME,
		.mode = 06750, .uid = 3001, .gid = 3002, .size = 4,
		.atime_sec = 300000000, .atime_nsec = 1, .mtime_sec = 400000000, .mtime_nsec = 2,
	};
	struct p9_attr ga;
	struct stat st;

	write_file("all.txt", "all the fields\n");
	fid = walk1(c, rootfid, "all.txt");
	assert_int_equal(p9_setattr(c, fid, &a), 0);
	assert_int_equal(host_lstat("all.txt", &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 06750); /* set-id bits survive chown */
	assert_int_equal(st.st_uid, 3001);
	assert_int_equal(st.st_gid, 3002);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(st.st_atim.tv_sec, 300000000);
	assert_int_equal(st.st_atim.tv_nsec, 1);
	assert_int_equal(st.st_mtim.tv_sec, 400000000); /* not truncate's "now" */
	assert_int_equal(st.st_mtim.tv_nsec, 2);
	/* and Tgetattr agrees */
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &ga), 0);
	assert_int_equal(ga.mode, st.st_mode);
	assert_int_equal(ga.uid, 3001);
	assert_int_equal(ga.size, 4);
	assert_int_equal(ga.mtime_sec, 400000000);
	stop(&g, c);
}

/* ---- Tfsync ---------------------------------------------------------------------- */

static void test_fsync(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, dfid, lfid, ffid, ofid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int fd;

	write_file("sync.txt", "sync\n");
	host_symlink("sync.txt", "synclink");
	host_fifo("syncfifo");
	fid = walk1(c, rootfid, "sync.txt");
	dfid = walk1(c, rootfid, "subdir");
	lfid = walk1(c, rootfid, "synclink");
	ffid = walk1(c, rootfid, "syncfifo");
	assert_int_equal(p9_fsync(c, fid, false), 0);
	assert_int_equal(p9_fsync(c, fid, true), 0);
	assert_int_equal(p9_fsync(c, dfid, false), 0);
	assert_int_equal(p9_fsync(c, rootfid, true), 0);
	assert_int_equal(p9_fsync(c, lfid, false), -EINVAL);
	assert_int_equal(p9_fsync(c, ffid, false), -EINVAL); /* never opened: it could block */
	ofid = walk1(c, rootfid, "sync.txt");
	assert_int_equal(p9_lopen(c, ofid, O_WRONLY, NULL, NULL, &fd), 0);
	close(fd);
	assert_int_equal(p9_fsync(c, ofid, false), 0);
	/* an opened directory fid uses the FD it keeps */
	assert_int_equal(p9_lopen(c, dfid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(p9_fsync(c, dfid, false), 0);
	host_replace("sync.txt");
	assert_int_equal(p9_fsync(c, fid, false), -ESTALE);
	assert_int_equal(p9_fsync(c, 9999, false), -EBADF);
	stop(&g, c);
}

/* ---- Tread / Twrite ------------------------------------------------------------ */

/* A session without FD donation: the gofer reads and writes for the client. */
static void test_read_write_without_donation(void **state)
{
	struct gofer_proc g = start_gofer(OPT_PLAIN);
	uint32_t rootfid, fid, rfid, dfid, nfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	static char big[150000], back[150000];
	char buf[64];
	ssize_t n;
	size_t done;
	int fd = -2;

	assert_false(p9_client_has_fd_donation(c));
	write_file("rw.txt", "");
	fid = walk1(c, rootfid, "rw.txt");
	assert_int_equal(p9_lopen(c, fid, O_RDWR, NULL, NULL, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_write(c, fid, 0, "hello", 5), 5);
	assert_int_equal(p9_write(c, fid, 10, "x", 1), 1); /* a hole, as pwrite */
	host_read("rw.txt", buf, sizeof(buf), &n);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "hello\0\0\0\0\0x", 11);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(p9_read(c, fid, 0, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "hello\0\0\0\0\0x", 11);
	assert_int_equal(p9_read(c, fid, 3, buf, 2), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(p9_read(c, fid, 11, buf, sizeof(buf)), 0);   /* end of file */
	assert_int_equal(p9_read(c, fid, 1000, buf, sizeof(buf)), 0);

	/* more than one message holds: clamped, the caller loops */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	for (done = 0; done < sizeof(big);) {
		int w = p9_write(c, fid, done, big + done, (uint32_t)(sizeof(big) - done));

		assert_true(w > 0 && (uint32_t)w <= p9_client_msize(c));
		done += (size_t)w;
	}
	for (done = 0; done < sizeof(big);) {
		int r = p9_read(c, fid, done, back + done, (uint32_t)(sizeof(back) - done));

		assert_true(r > 0 && (uint32_t)r <= p9_client_msize(c) - P9_IOHDRSZ);
		done += (size_t)r;
	}
	assert_memory_equal(big, back, sizeof(big));
	{
		char p[256];
		struct stat st;

		path_in(p, sizeof(p), root, "rw.txt");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, sizeof(big));
	}

	/* access modes as the host's FD */
	rfid = walk1(c, rootfid, "rw.txt");
	assert_int_equal(p9_lopen(c, rfid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(p9_write(c, rfid, 0, "no", 2), -EBADF);
	assert_int_equal(p9_read(c, rfid, 0, buf, 5), 5);
	/* not opened, a directory */
	nfid = walk1(c, rootfid, "rw.txt");
	assert_int_equal(p9_read(c, nfid, 0, buf, 5), -EBADF);
	assert_int_equal(p9_write(c, nfid, 0, buf, 5), -EBADF);
	dfid = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_lopen(c, dfid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(p9_read(c, dfid, 0, buf, 5), -EOPNOTSUPP); /* Treaddir's job */
	assert_int_equal(p9_write(c, dfid, 0, buf, 5), -EISDIR);
	/* O_APPEND: every write lands at the end (pwrite semantics) */
	write_file("app.txt", "abc");
	fid = walk1(c, rootfid, "app.txt");
	assert_int_equal(p9_lopen(c, fid, O_WRONLY | O_APPEND, NULL, NULL, &fd), 0);
	assert_int_equal(p9_write(c, fid, 0, "def", 3), 3);
	host_read("app.txt", buf, sizeof(buf), &n);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "abcdef", 6);
	assert_int_equal(p9_read(c, 9999, 0, buf, 1), -EBADF);
	stop(&g, c);
}

/* With FD donation the gofer keeps no FD: the client does its own I/O. */
static void test_read_with_donation_is_ebadf(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char buf[8];
	int fd;

	fid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_lopen(c, fid, O_RDWR, NULL, NULL, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(p9_read(c, fid, 0, buf, sizeof(buf)), -EBADF);
	assert_int_equal(p9_write(c, fid, 0, buf, sizeof(buf)), -EBADF);
	stop(&g, c);
}

/* ---- Tlock / Tgetlock ------------------------------------------------------------ */

static uint8_t lock(struct p9_client *c, uint32_t fid, uint8_t type, uint32_t flags,
		    uint64_t start, uint64_t len)
{
	uint8_t status = 0xff;

	assert_int_equal(p9_lock(c, fid, type, flags, start, len, 42, "test", &status), 0);
	return status;
}

static uint32_t open_fid(struct p9_client *c, uint32_t rootfid, const char *name, int flags)
{
	uint32_t fid = walk1(c, rootfid, name);
	int fd;

	assert_int_equal(p9_lopen(c, fid, (uint32_t)flags, NULL, NULL, &fd), 0);
	if (fd >= 0)
		close(fd); /* the gofer opens its own FD for the locks */
	return fid;
}

static void test_locks_between_fids(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, f1, f2, f3;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	uint8_t type;
	uint64_t start, len;
	uint32_t pid;

	write_file("lk.txt", "locks\n");
	f1 = open_fid(c, rootfid, "lk.txt", O_RDWR);
	f2 = open_fid(c, rootfid, "lk.txt", O_RDWR);
	alarm(10); /* the gofer must never wait for a lock */
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_WRLCK, 0, 0, 10), P9_LOCK_SUCCESS);
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_WRLCK, 0, 0, 10), P9_LOCK_SUCCESS); /* its own */
	assert_int_equal(lock(c, f2, P9_LOCK_TYPE_RDLCK, 0, 5, 1), P9_LOCK_BLOCKED);
	assert_int_equal(lock(c, f2, P9_LOCK_TYPE_RDLCK, P9_LOCK_FLAGS_BLOCK, 5, 1), P9_LOCK_BLOCKED);
	assert_int_equal(lock(c, f2, P9_LOCK_TYPE_RDLCK, 0, 20, 5), P9_LOCK_SUCCESS);

	type = P9_LOCK_TYPE_WRLCK, start = 0, len = 0, pid = 7;
	assert_int_equal(p9_getlock(c, f2, &type, &start, &len, &pid), 0);
	assert_int_equal(type, P9_LOCK_TYPE_WRLCK); /* f1's */
	assert_int_equal(start, 0);
	assert_int_equal(len, 10);
	assert_int_equal(pid, 0);
	type = P9_LOCK_TYPE_WRLCK, start = 20, len = 1, pid = 7;
	assert_int_equal(p9_getlock(c, f1, &type, &start, &len, &pid), 0);
	assert_int_equal(type, P9_LOCK_TYPE_RDLCK); /* f2's */
	assert_int_equal(start, 20);
	assert_int_equal(len, 5);
	type = P9_LOCK_TYPE_WRLCK, start = 50, len = 3, pid = 7;
	assert_int_equal(p9_getlock(c, f1, &type, &start, &len, &pid), 0);
	assert_int_equal(type, P9_LOCK_TYPE_UNLCK); /* free: the request comes back */
	assert_int_equal(start, 50);
	assert_int_equal(len, 3);
	assert_int_equal(pid, 7);

	/* unlocking frees it for the other fid */
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_UNLCK, 0, 0, 10), P9_LOCK_SUCCESS);
	assert_int_equal(lock(c, f2, P9_LOCK_TYPE_WRLCK, 0, 0, 10), P9_LOCK_SUCCESS);
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_RDLCK, 0, 0, 0), P9_LOCK_BLOCKED);
	/* clunking a fid drops its locks */
	assert_int_equal(p9_clunk(c, f2), 0);
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_WRLCK, 0, 0, 0), P9_LOCK_SUCCESS);

	/* a fid opened read-only cannot write-lock (EBADF, as fcntl); a fid
	 * never opened gets read locks */
	f3 = open_fid(c, rootfid, "lk.txt", O_RDONLY);
	assert_int_equal(p9_lock(c, f3, P9_LOCK_TYPE_WRLCK, 0, 100, 1, 1, "", &type), -EBADF);
	assert_int_equal(p9_clunk(c, f3), 0);
	f3 = walk1(c, rootfid, "lk.txt");
	assert_int_equal(lock(c, f3, P9_LOCK_TYPE_RDLCK, 0, 0, 1), P9_LOCK_BLOCKED); /* f1 holds it all */
	assert_int_equal(lock(c, f3, P9_LOCK_TYPE_UNLCK, 0, 0, 0), P9_LOCK_SUCCESS);
	alarm(0);
	stop(&g, c);
}

/* The gofer's locks are real host locks: they conflict with a host
 * process's, and the host sees them. */
static void test_locks_against_host(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, f1;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 10 };
	uint8_t type;
	uint64_t start, len;
	uint32_t pid;
	char p[256];
	int hfd;

	write_file("hl.txt", "host locks\n");
	path_in(p, sizeof(p), root, "hl.txt");
	/* opened first: closing the donated FD would drop this process's
	 * POSIX locks on the file */
	f1 = open_fid(c, rootfid, "hl.txt", O_RDWR);
	hfd = open(p, O_RDWR);
	assert_true(hfd >= 0);
	assert_int_equal(fcntl(hfd, F_SETLK, &fl), 0); /* a POSIX lock of this process */
	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_RDLCK, P9_LOCK_FLAGS_BLOCK, 105, 1), P9_LOCK_BLOCKED);
	type = P9_LOCK_TYPE_RDLCK, start = 0, len = 0, pid = 9;
	assert_int_equal(p9_getlock(c, f1, &type, &start, &len, &pid), 0);
	assert_int_equal(type, P9_LOCK_TYPE_WRLCK);
	assert_int_equal(start, 100);
	assert_int_equal(len, 10);
	assert_int_equal(pid, 0); /* the host pid is not disclosed */

	assert_int_equal(lock(c, f1, P9_LOCK_TYPE_WRLCK, 0, 0, 50), P9_LOCK_SUCCESS);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 10;
	fl.l_len = 1;
	assert_int_equal(fcntl(hfd, F_GETLK, &fl), 0);
	assert_int_equal(fl.l_type, F_WRLCK);
	assert_int_equal(fl.l_start, 0);
	assert_int_equal(fl.l_len, 50);
	assert_int_equal(fl.l_pid, -1); /* an OFD lock */
	close(hfd);
	stop(&g, c);
}

static void test_lock_bad_requests(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, f1, lfid, dfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	uint8_t status, type;
	uint64_t start = 0, len = 0;
	uint32_t pid = 0;

	write_file("lb.txt", "x");
	host_symlink("lb.txt", "lblink");
	f1 = open_fid(c, rootfid, "lb.txt", O_RDWR);
	lfid = walk1(c, rootfid, "lblink");
	dfid = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_lock(c, f1, 7, 0, 0, 0, 1, "", &status), -EINVAL);
	assert_int_equal(p9_lock(c, f1, P9_LOCK_TYPE_RDLCK, 0x10, 0, 0, 1, "", &status), -EINVAL);
	assert_int_equal(p9_lock(c, f1, P9_LOCK_TYPE_RDLCK, 0, (uint64_t)INT64_MAX + 1, 0, 1, NULL, &status), -EINVAL);
	assert_int_equal(p9_lock(c, f1, P9_LOCK_TYPE_RDLCK, 0, 0, UINT64_MAX, 1, NULL, &status), -EINVAL);
	assert_int_equal(p9_lock(c, lfid, P9_LOCK_TYPE_RDLCK, 0, 0, 0, 1, NULL, &status), -EINVAL);
	assert_int_equal(p9_lock(c, 9999, P9_LOCK_TYPE_RDLCK, 0, 0, 0, 1, NULL, &status), -EBADF);
	type = P9_LOCK_TYPE_UNLCK;
	assert_int_equal(p9_getlock(c, f1, &type, &start, &len, &pid), -EINVAL);
	/* a directory takes read locks, as fcntl on a directory FD */
	assert_int_equal(lock(c, dfid, P9_LOCK_TYPE_RDLCK, 0, 0, 0), P9_LOCK_SUCCESS);
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setattr_mode),
		cmocka_unit_test(test_setattr_mode_fallback),
		cmocka_unit_test(test_setattr_owner),
		cmocka_unit_test(test_setattr_size),
		cmocka_unit_test(test_setattr_times),
		cmocka_unit_test(test_setattr_all_fields),
		cmocka_unit_test(test_fsync),
		cmocka_unit_test(test_read_write_without_donation),
		cmocka_unit_test(test_read_with_donation_is_ebadf),
		cmocka_unit_test(test_locks_between_fids),
		cmocka_unit_test(test_locks_against_host),
		cmocka_unit_test(test_lock_bad_requests),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
