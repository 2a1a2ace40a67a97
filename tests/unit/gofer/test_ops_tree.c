/*
 * gofer entry operations: Tmkdir, Tsymlink, Tmknod, Tlink, Trenameat,
 * Trename, Tunlinkat, Tremove (and the gid rule of Tlcreate).  A REAL gofer
 * process (fork + gofer_serve) over temporary trees, this test as the 9P
 * client; every result is compared with what the host shows (lstat,
 * readlink, readdir).
 *
 * Mounts: "root" (read-write) and "ro" (read-only) over the same tree,
 * "other" (read-write) over a second tree, for EXDEV.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

/* ---- harness (as in test_gofer.c) ----------------------------------------- */

#include "tests/unit/gofer/ops_harness.h"

/* Sorted names of a host directory, joined: to see that nothing changed. */
static void host_listing(const char *dir, char *out, size_t cap)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t len = 0;

	assert_true(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, "%s/", ents[i]->d_name);
		assert_true(len < cap);
		free(ents[i]);
	}
	free(ents);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_mkdir(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, sub;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_qid q;
	struct stat st;

	assert_int_equal(p9_mkdir(c, rootfid, "d1", 0750, getegid(), &q), 0);
	assert_int_equal(host_lstat("d1", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750); /* exact: the test's umask 022 is not applied */
	assert_int_equal(q.type, P9_QTDIR);
	assert_true(q.path == st.st_ino);
	assert_int_equal(st.st_gid, getegid());
	assert_int_equal(st.st_uid, geteuid());

	/* sticky bit, other bits masked to 07777, another gid applied */
	assert_int_equal(p9_mkdir(c, rootfid, "d2", S_IFDIR | 01777, 4242, &q), 0);
	assert_int_equal(host_lstat("d2", &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(st.st_gid, 4242);

	/* in a subdirectory, then walk into it */
	sub = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_mkdir(c, sub, "deep", 0700, getegid(), NULL), 0);
	assert_int_equal(host_lstat("subdir/deep", &st), 0);
	fid = walk1(c, sub, "deep");
	assert_int_equal(p9_clunk(c, fid), 0);

	/* errors as Linux */
	assert_int_equal(p9_mkdir(c, rootfid, "d1", 0755, getegid(), NULL), -EEXIST);
	assert_int_equal(p9_mkdir(c, rootfid, "file.txt", 0755, getegid(), NULL), -EEXIST);
	fid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_mkdir(c, fid, "x", 0755, getegid(), NULL), -ENOTDIR);
	assert_int_equal(p9_mkdir(c, 9999, "x", 0755, getegid(), NULL), -EBADF);
	assert_int_equal(p9_mkdir(c, rootfid, NULL, 0755, getegid(), NULL), -EINVAL);
	assert_int_equal(host_lstat("x", &st), -ENOENT);
	stop(&g, c);
}

static void test_symlink(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char big[PATH_MAX + 8], buf[PATH_MAX], p[256];
	struct p9_qid q;
	struct stat st, etc;

	/* stored exactly as given, never resolved (it points nowhere here) */
	assert_int_equal(lstat("/etc/passwd", &etc), 0);
	assert_int_equal(p9_symlink(c, rootfid, "s1", "../../../etc/passwd", getegid(), &q), 0);
	path_in(p, sizeof(p), root, "s1");
	assert_int_equal(readlink(p, buf, sizeof(buf)), 19);
	assert_memory_equal(buf, "../../../etc/passwd", 19);
	assert_int_equal(host_lstat("s1", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(q.type, P9_QTSYMLINK);
	assert_true(q.path == st.st_ino);
	/* the gid goes to the link itself */
	assert_int_equal(p9_symlink(c, rootfid, "s2", "/etc", 4243, NULL), 0);
	assert_int_equal(host_lstat("s2", &st), 0);
	assert_int_equal(st.st_gid, 4243);
	assert_int_equal(lstat("/etc", &st), 0);
	assert_int_not_equal(st.st_gid, 4243);
	/* readable back through the gofer */
	fid = walk1(c, rootfid, "s1");
	assert_int_equal(p9_readlink(c, fid, buf, sizeof(buf)), 19);
	assert_int_equal(p9_clunk(c, fid), 0);

	/* errors as symlink(2) */
	assert_int_equal(p9_symlink(c, rootfid, "s1", "x", getegid(), NULL), -EEXIST);
	assert_int_equal(p9_symlink(c, rootfid, "s3", "", getegid(), NULL), -ENOENT);
	memset(big, 'a', PATH_MAX);
	big[PATH_MAX] = '\0';
	assert_int_equal(p9_symlink(c, rootfid, "s3", big, getegid(), NULL), -ENAMETOOLONG);
	big[PATH_MAX - 1] = '\0'; /* PATH_MAX - 1 bytes: the longest body */
	assert_int_equal(p9_symlink(c, rootfid, "s3", big, getegid(), NULL), 0);
	path_in(p, sizeof(p), root, "s3");
	assert_int_equal(readlink(p, buf, sizeof(buf)), PATH_MAX - 1);
	fid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_symlink(c, fid, "s4", "x", getegid(), NULL), -ENOTDIR);
	assert_int_equal(lstat("/etc/passwd", &st), 0);
	assert_true(st.st_mtim.tv_sec == etc.st_mtim.tv_sec && st.st_ctim.tv_nsec == etc.st_ctim.tv_nsec);
	stop(&g, c);
}

static void test_mknod(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	static const struct { const char *name; uint32_t mode; int rc; mode_t type; } cases[] = {
		{ "fifo", S_IFIFO | 0640, 0, S_IFIFO },
		{ "sock", S_IFSOCK | 0600, 0, S_IFSOCK },
		{ "reg", S_IFREG | 0604, 0, S_IFREG },
		{ "reg0", 0644, 0, S_IFREG },            /* type 0: regular, as mknod(2) */
		{ "chr", S_IFCHR | 0666, -EPERM, 0 },    /* devices: never */
		{ "blk", S_IFBLK | 0666, -EPERM, 0 },
		{ "dir", S_IFDIR | 0755, -EPERM, 0 },    /* as mknod(2) */
		{ "lnk", S_IFLNK | 0777, -EINVAL, 0 },
		{ "bad", 0170000, -EINVAL, 0 },
	};
	struct p9_qid q;
	struct stat st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = p9_mknod(c, rootfid, cases[i].name, cases[i].mode, 1, 3, getegid(), &q);

		assert_int_equal(rc, cases[i].rc);
		if (rc < 0) {
			assert_int_equal(host_lstat(cases[i].name, &st), -ENOENT);
			continue;
		}
		assert_int_equal(host_lstat(cases[i].name, &st), 0);
		assert_int_equal(st.st_mode & S_IFMT, cases[i].type);
		assert_int_equal(st.st_mode & 07777, cases[i].mode & 07777);
		assert_int_equal(st.st_rdev, 0); /* major/minor ignored */
		assert_int_equal(st.st_size, 0);
		assert_true(q.path == st.st_ino);
	}
	assert_int_equal(p9_mknod(c, rootfid, "fifo", S_IFIFO | 0600, 0, 0, getegid(), NULL), -EEXIST);
	/* a whiteout (0:0) is the one character device made */
	{
		struct stat wst;
		assert_int_equal(p9_mknod(c, rootfid, "whiteout", S_IFCHR, 0, 0, getegid(), NULL), 0);
		assert_int_equal(host_lstat("whiteout", &wst), 0);
		assert_true(S_ISCHR(wst.st_mode) && wst.st_rdev == 0);
	}
	/* gid applied; a set-uid/set-gid file keeps its bits across that chown */
	assert_int_equal(p9_mknod(c, rootfid, "suid", S_IFREG | 06755, 0, 0, 4244, NULL), 0);
	assert_int_equal(host_lstat("suid", &st), 0);
	assert_int_equal(st.st_gid, 4244);
	assert_int_equal(st.st_mode & 07777, 06755);
	assert_int_equal(p9_mknod(c, rootfid, "fifo2", S_IFIFO | 0600, 0, 0, 4245, NULL), 0);
	assert_int_equal(host_lstat("fifo2", &st), 0);
	assert_int_equal(st.st_gid, 4245);
	stop(&g, c);
}

/* Tlcreate follows the same creation rules: exact mode, gid applied. */
static void test_lcreate_mode_gid(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat st;
	int fd;

	fid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_lcreate(c, fid, "created", O_RDWR, 0666, 4246, NULL, NULL, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(host_lstat("created", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(st.st_gid, 4246);
	assert_int_equal(p9_clunk(c, fid), 0);
	fid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_lcreate(c, fid, "created", O_RDWR, 0666, 0, NULL, NULL, &fd), -EEXIST);
	assert_int_equal(p9_lcreate(c, fid, "c2", O_WRONLY, 02755, getegid(), NULL, NULL, &fd), 0);
	close(fd);
	assert_int_equal(host_lstat("c2", &st), 0);
	assert_int_equal(st.st_mode & 07777, 02755);
	stop(&g, c);
}

static void test_link(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, sub, dfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat st, st2;
	char p[256];

	write_file("l.txt", "linked\n");
	fid = walk1(c, rootfid, "l.txt");
	sub = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_link(c, rootfid, fid, "l2.txt"), 0);
	assert_int_equal(p9_link(c, sub, fid, "l3.txt"), 0);
	assert_int_equal(host_lstat("l.txt", &st), 0);
	assert_int_equal(host_lstat("l2.txt", &st2), 0);
	assert_true(st.st_ino == st2.st_ino);
	assert_int_equal(host_lstat("subdir/l3.txt", &st2), 0);
	assert_true(st.st_ino == st2.st_ino);
	assert_int_equal(st.st_nlink, 3);

	/* a symlink is linked itself, not its target */
	path_in(p, sizeof(p), root, "sl");
	assert_int_equal(symlink("l.txt", p), 0);
	dfid = walk1(c, rootfid, "sl");
	assert_int_equal(p9_link(c, rootfid, dfid, "sl2"), 0);
	assert_int_equal(host_lstat("sl2", &st2), 0);
	assert_true(S_ISLNK(st2.st_mode));
	assert_int_equal(host_lstat("l.txt", &st), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(p9_clunk(c, dfid), 0);

	/* errors as link(2) */
	assert_int_equal(p9_link(c, rootfid, fid, "file.txt"), -EEXIST);
	assert_int_equal(p9_link(c, rootfid, sub, "dirlink"), -EPERM);
	assert_int_equal(p9_link(c, fid, fid, "x"), -ENOTDIR);
	assert_int_equal(p9_link(c, rootfid, 9999, "x"), -EBADF);
	/* the file was unlinked: nothing to link (ENOENT as Linux) */
	path_in(p, sizeof(p), root, "l.txt");
	assert_int_equal(unlink(p), 0);
	path_in(p, sizeof(p), root, "l2.txt");
	assert_int_equal(unlink(p), 0);
	path_in(p, sizeof(p), root, "subdir/l3.txt");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(p9_link(c, rootfid, fid, "l4.txt"), -ENOENT);
	assert_int_equal(host_lstat("l4.txt", &st), -ENOENT);
	stop(&g, c);
}

/* Ttmpfile: an unnamed file on the host (nothing in the tree), its FD
 * donated and kept by the fid; Tlink gives it its first name (the data
 * written through the FD is there) and the fid then names it; O_EXCL:
 * never linkable; the errors of open(O_TMPFILE). */
static void test_tmpfile(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, rofid, otherfid, tf, xf, sub, file, clone;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char before[1024], after[1024], buf[16];
	struct p9_attr a;
	struct p9_qid q;
	struct stat st;
	uint16_t nq = 0;
	int fd = -1, fd2 = -1;

	host_listing(root, before, sizeof(before));
	tf = p9_fid_alloc(c);
	assert_int_equal(p9_tmpfile(c, rootfid, tf, O_RDWR, 0640, (uint32_t)-1, (uint32_t)-1, &q, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "tmpdata", 7), 7);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0640); /* exact: no umask in the gofer */
	assert_true(q.path == st.st_ino);
	host_listing(root, after, sizeof(after));
	assert_string_equal(before, after); /* unnamed: nothing new in the tree */
	/* the fid: attributes through its own FD; no walk, clone or open */
	assert_int_equal(p9_getattr(c, tf, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(a.nlink, 0);
	assert_int_equal(a.size, 7);
	clone = p9_fid_alloc(c);
	const char *below[] = { "x" };
	assert_int_equal(p9_walk(c, tf, clone, 1, below, NULL, &nq), -ENOTDIR);
	assert_int_equal(p9_walk(c, tf, clone, 0, NULL, NULL, &nq), 0);   /* a clone: unnamed too */
	assert_int_equal(p9_lopen(c, clone, O_RDONLY, NULL, NULL, &fd2), -ENOENT);
	assert_int_equal(p9_getattr(c, clone, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(a.nlink, 0);
	assert_int_equal(p9_clunk(c, clone), 0);
	assert_int_equal(p9_walk_open(c, tf, 0, NULL, O_RDONLY, &q, &fd2), -ENOENT);
	assert_int_equal(p9_lopen(c, tf, O_RDONLY, NULL, NULL, &fd2), -ENOENT);
	/* a truncate through the fid acts on the unnamed file itself */
	struct p9_setattr sa = { .valid = P9_SETATTR_SIZE, .size = 3 };
	assert_int_equal(p9_setattr(c, tf, &sa), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(pwrite(fd, "tmpdata", 7, 0), 7);

	/* linked: the name shows the data, the fid names the file */
	assert_int_equal(p9_link(c, rootfid, tf, "file.txt"), -EEXIST);
	sub = walk1(c, rootfid, "subdir");
	assert_int_equal(p9_link(c, sub, tf, "named"), 0);
	assert_int_equal(host_lstat("subdir/named", &st), 0);
	assert_int_equal(st.st_nlink, 1);
	assert_true(st.st_ino == q.path);
	fd2 = -1;
	assert_int_equal(p9_walk_open(c, tf, 0, NULL, O_RDONLY, &q, &fd2), 0);
	assert_int_equal(read(fd2, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "tmpdata", 7);
	close(fd2);
	assert_int_equal(p9_getattr(c, tf, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(a.nlink, 1);
	assert_int_equal(p9_clunk(c, tf), 0);
	close(fd);

	/* O_EXCL: never linkable */
	xf = p9_fid_alloc(c);
	assert_int_equal(p9_tmpfile(c, rootfid, xf, O_WRONLY | O_EXCL, 0600, (uint32_t)-1,
				    (uint32_t)-1, &q, &fd), 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_int_equal(p9_link(c, rootfid, xf, "excl"), -ENOENT);
	assert_int_equal(host_lstat("excl", &st), -ENOENT);
	/* xattrs: the read-only try on a write-only unnamed file is refused, the
	 * write-only one (its own FD) works */
	assert_int_equal(p9_setxattr(c, xf, "user.k", "v", 1, 0), 0);
	assert_int_equal(p9_clunk(c, xf), 0);
	close(fd);

	/* errors: read-only access, not a directory, fid in use, read-only
	 * mount, another mount's directory */
	tf = p9_fid_alloc(c);
	assert_int_equal(p9_tmpfile(c, rootfid, tf, O_RDONLY, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), -EINVAL);
	file = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_tmpfile(c, file, tf, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), -ENOTDIR);
	assert_int_equal(p9_tmpfile(c, rootfid, sub, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), -EEXIST);
	assert_int_equal(p9_client_attach(c, "ro", &rofid, &q), 0);
	assert_int_equal(p9_tmpfile(c, rofid, tf, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), -EROFS);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_tmpfile(c, rootfid, tf, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), 0);
	assert_int_equal(p9_link(c, rofid, tf, "ro-link"), -EROFS);
	assert_int_equal(p9_client_attach(c, "other", &otherfid, &q), 0);
	assert_int_equal(p9_link(c, otherfid, tf, "x-link"), -EXDEV);
	assert_int_equal(p9_clunk(c, tf), 0);
	close(fd);
	host_listing(root, after, sizeof(after));
	assert_non_null(strstr(before, "subdir/"));
	assert_int_equal(host_lstat("ro-link", &st), -ENOENT);
	assert_int_equal(host_lstat("subdir/named", &st), 0); /* the one name made */
	stop(&g, c);
}

/* A gofer whose kernel refuses to name an unnamed file (linkat's
 * AT_EMPTY_PATH: ENOENT, as without CAP_DAC_READ_SEARCH before Linux 6.10)
 * says EOPNOTSUPP; the unnamed file still works, chmod too without
 * fchmodat2 (pre-6.6).  Without the extension
 * there is no Ttmpfile. */
static void test_tmpfile_unlinkable(void **state)
{
	struct gofer_proc g = start_gofer(OPT_RESTRICTED);
	uint32_t rootfid, tf;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_qid q;
	struct stat st;
	int fd = -1;

	tf = p9_fid_alloc(c);
	assert_int_equal(p9_tmpfile(c, rootfid, tf, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), 0);
	assert_int_equal(write(fd, "x", 1), 1);
	/* no fchmodat2 either: the chmod goes through the file's own FD */
	struct p9_setattr sa = { .valid = P9_SETATTR_MODE, .mode = 0604 };
	assert_int_equal(p9_setattr(c, tf, &sa), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(p9_link(c, rootfid, tf, "never"), -EOPNOTSUPP);
	assert_int_equal(host_lstat("never", &st), -ENOENT);
	assert_int_equal(p9_clunk(c, tf), 0);
	close(fd);
	stop(&g, c);

	g = start_gofer(OPT_PLAIN);
	c = open_client(&g, "root", &rootfid);
	tf = p9_fid_alloc(c);
	assert_int_equal(p9_tmpfile(c, rootfid, tf, O_RDWR, 0600, (uint32_t)-1, (uint32_t)-1, &q, &fd), -EOPNOTSUPP);
	stop(&g, c);
}

/* Without linkat(AT_EMPTY_PATH) the gofer links the fid's name, checked. */
static void test_link_fallback(void **state)
{
	struct gofer_proc g = start_gofer(OPT_RESTRICTED);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat st, st2;
	char p[256], p2[256];

	write_file("fb.txt", "fallback\n");
	fid = walk1(c, rootfid, "fb.txt");
	assert_int_equal(p9_link(c, rootfid, fid, "fb2.txt"), 0);
	assert_int_equal(host_lstat("fb.txt", &st), 0);
	assert_int_equal(host_lstat("fb2.txt", &st2), 0);
	assert_true(st.st_ino == st2.st_ino);
	/* the name now holds another file: not linked (ESTALE) */
	write_file("fbnew.txt", "other\n");
	path_in(p, sizeof(p), root, "fbnew.txt");
	path_in(p2, sizeof(p2), root, "fb.txt");
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(p9_link(c, rootfid, fid, "fb3.txt"), -ESTALE);
	assert_int_equal(host_lstat("fb3.txt", &st2), -ENOENT);
	/* ... and a symlink taking the name is never followed */
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(symlink("/etc/passwd", p2), 0);
	assert_int_equal(p9_link(c, rootfid, fid, "fb3.txt"), -ESTALE);
	assert_int_equal(host_lstat("fb3.txt", &st2), -ENOENT);
	stop(&g, c);
}

static void test_renameat(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, sub, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat before, st;
	char buf[32];
	int fd;

	write_file("a.txt", "moving\n");
	assert_int_equal(host_lstat("a.txt", &before), 0);
	sub = walk1(c, rootfid, "subdir");
	fid = walk1(c, rootfid, "a.txt"); /* a fid naming the file that moves */
	assert_int_equal(p9_renameat(c, rootfid, "a.txt", sub, "b.txt"), 0);
	assert_int_equal(host_lstat("a.txt", &st), -ENOENT);
	assert_int_equal(host_lstat("subdir/b.txt", &st), 0);
	assert_true(st.st_ino == before.st_ino);
	/* the fid followed its file: it opens it under the new name */
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "moving\n", 7);
	close(fd);
	assert_int_equal(p9_clunk(c, fid), 0);

	/* a whole directory, then walk through it */
	make_dir("mv");
	write_file("mv/in.txt", "x");
	assert_int_equal(p9_renameat(c, rootfid, "mv", sub, "mv2"), 0);
	assert_int_equal(host_lstat("subdir/mv2/in.txt", &st), 0);

	/* errors as rename(2) */
	make_dir("full");
	write_file("full/x", "x");
	make_dir("empty");
	assert_int_equal(p9_renameat(c, rootfid, "nope", rootfid, "x"), -ENOENT);
	assert_int_equal(p9_renameat(c, rootfid, "file.txt", rootfid, "empty"), -EISDIR);
	assert_int_equal(p9_renameat(c, rootfid, "empty", rootfid, "file.txt"), -ENOTDIR);
	assert_int_equal(p9_renameat(c, rootfid, "empty", rootfid, "full"), -ENOTEMPTY);
	assert_int_equal(p9_renameat(c, rootfid, "subdir", sub, "inside"), -EINVAL);
	fid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_renameat(c, fid, "x", rootfid, "y"), -ENOTDIR);
	/* replacing an existing file is allowed, as rename(2) */
	write_file("r1", "one");
	write_file("r2", "two");
	assert_int_equal(host_lstat("r1", &before), 0);
	assert_int_equal(p9_renameat(c, rootfid, "r1", rootfid, "r2"), 0);
	assert_int_equal(host_lstat("r2", &st), 0);
	assert_true(st.st_ino == before.st_ino);
	stop(&g, c);
}

/* Trenameat2: NOREPLACE refuses an existing target, EXCHANGE swaps two
 * names and each fid follows its own file, bad flag sets are EINVAL. */
static void test_renameat2(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fa, fb;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat sa, sb, st;
	char buf[16];
	int fd;

	write_file("xa", "AAA");
	write_file("xb", "BB");
	assert_int_equal(host_lstat("xa", &sa), 0);
	assert_int_equal(host_lstat("xb", &sb), 0);
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "xb", RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "xb", 8), -EINVAL);
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "xb",
				      RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "missing", RENAME_EXCHANGE), -ENOENT);
	fa = walk1(c, rootfid, "xa");
	fb = walk1(c, rootfid, "xb");
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "xb", RENAME_EXCHANGE), 0);
	assert_int_equal(host_lstat("xa", &st), 0);
	assert_true(st.st_ino == sb.st_ino);
	assert_int_equal(host_lstat("xb", &st), 0);
	assert_true(st.st_ino == sa.st_ino);
	/* each fid still opens its own file, now under the other name */
	assert_int_equal(p9_lopen(c, fa, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	close(fd);
	assert_int_equal(p9_lopen(c, fb, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 2);
	close(fd);
	assert_int_equal(p9_clunk(c, fa), 0);
	assert_int_equal(p9_clunk(c, fb), 0);
	/* NOREPLACE onto a free name is a rename */
	assert_int_equal(p9_renameat2(c, rootfid, "xa", rootfid, "xc", RENAME_NOREPLACE), 0);
	assert_int_equal(host_lstat("xc", &st), 0);
	stop(&g, c);
}

static void test_rename(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, sub, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat before, st;
	struct p9_attr a;
	char p[256], p2[256], buf[16];
	int fd;

	write_file("r.txt", "rename\n");
	assert_int_equal(host_lstat("r.txt", &before), 0);
	sub = walk1(c, rootfid, "subdir");
	fid = walk1(c, rootfid, "r.txt");
	assert_int_equal(p9_rename(c, fid, sub, "r2.txt"), 0);
	assert_int_equal(host_lstat("r.txt", &st), -ENOENT);
	assert_int_equal(host_lstat("subdir/r2.txt", &st), 0);
	assert_true(st.st_ino == before.st_ino);
	/* the fid names the file at its new place */
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), 0);
	assert_true(a.qid.path == before.st_ino);
	assert_int_equal(p9_rename(c, fid, rootfid, "r3.txt"), 0); /* and again */
	assert_int_equal(host_lstat("r3.txt", &st), 0);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	assert_int_equal(p9_clunk(c, fid), 0);

	/* a mount root has no name */
	assert_int_equal(p9_rename(c, rootfid, sub, "root"), -EBUSY);
	/* the fid's name now holds another file: not renamed */
	write_file("s.txt", "one");
	fid = walk1(c, rootfid, "s.txt");
	write_file("s2.txt", "two");
	path_in(p, sizeof(p), root, "s2.txt");
	path_in(p2, sizeof(p2), root, "s.txt");
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(host_lstat("s.txt", &before), 0);
	assert_int_equal(p9_rename(c, fid, sub, "moved"), -ESTALE);
	assert_int_equal(host_lstat("subdir/moved", &st), -ENOENT);
	assert_int_equal(host_lstat("s.txt", &st), 0);
	assert_true(st.st_ino == before.st_ino);
	/* into a file */
	assert_int_equal(p9_clunk(c, fid), 0);
	fid = walk1(c, rootfid, "file.txt");
	assert_int_equal(p9_rename(c, sub, fid, "x"), -ENOTDIR);
	stop(&g, c);
}

static void test_unlinkat(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct stat st, target;
	char p[256];

	write_file("u.txt", "x");
	make_dir("ud");
	make_dir("ufull");
	write_file("ufull/x", "x");
	path_in(p, sizeof(p), root, "ulink");
	assert_int_equal(symlink("file.txt", p), 0);
	assert_int_equal(host_lstat("file.txt", &target), 0);

	assert_int_equal(p9_unlinkat(c, rootfid, "u.txt", 0), 0);
	assert_int_equal(host_lstat("u.txt", &st), -ENOENT);
	assert_int_equal(p9_unlinkat(c, rootfid, "ud", 0), -EISDIR);
	assert_int_equal(p9_unlinkat(c, rootfid, "file.txt", AT_REMOVEDIR), -ENOTDIR);
	assert_int_equal(p9_unlinkat(c, rootfid, "ufull", AT_REMOVEDIR), -ENOTEMPTY);
	assert_int_equal(p9_unlinkat(c, rootfid, "nope", 0), -ENOENT);
	assert_int_equal(p9_unlinkat(c, rootfid, "ud", 0x1), -EINVAL);
	assert_int_equal(p9_unlinkat(c, rootfid, "ud", AT_REMOVEDIR), 0);
	assert_int_equal(host_lstat("ud", &st), -ENOENT);
	/* a symlink goes, its target stays */
	assert_int_equal(p9_unlinkat(c, rootfid, "ulink", 0), 0);
	assert_int_equal(host_lstat("ulink", &st), -ENOENT);
	assert_int_equal(host_lstat("file.txt", &st), 0);
	assert_true(st.st_ino == target.st_ino && st.st_nlink == target.st_nlink);
	assert_int_equal(host_lstat("ufull/x", &st), 0);
	stop(&g, c);
}

static void test_remove(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_attr a;
	struct stat st, before;
	char p[256], p2[256];

	write_file("rm.txt", "x");
	fid = walk1(c, rootfid, "rm.txt");
	assert_int_equal(p9_remove(c, fid), 0);
	assert_int_equal(host_lstat("rm.txt", &st), -ENOENT);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF); /* fid gone */

	make_dir("rmd");
	fid = walk1(c, rootfid, "rmd");
	assert_int_equal(p9_remove(c, fid), 0);
	assert_int_equal(host_lstat("rmd", &st), -ENOENT);

	/* a failure clunks the fid too */
	make_dir("rmfull");
	write_file("rmfull/x", "x");
	fid = walk1(c, rootfid, "rmfull");
	assert_int_equal(p9_remove(c, fid), -ENOTEMPTY);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	assert_int_equal(host_lstat("rmfull/x", &st), 0);

	/* the name holds another file now: it stays */
	write_file("rs.txt", "one");
	fid = walk1(c, rootfid, "rs.txt");
	write_file("rs2.txt", "two");
	path_in(p, sizeof(p), root, "rs2.txt");
	path_in(p2, sizeof(p2), root, "rs.txt");
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(host_lstat("rs.txt", &before), 0);
	assert_int_equal(p9_remove(c, fid), -ESTALE);
	assert_int_equal(host_lstat("rs.txt", &st), 0);
	assert_true(st.st_ino == before.st_ino);

	/* a mount root: never */
	fid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_remove(c, fid), -EBUSY);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	assert_int_equal(lstat(root, &st), 0);
	assert_int_equal(p9_remove(c, 9999), -EBADF);
	stop(&g, c);
}

/* link and rename never cross mounts, even when both are writable. */
static void test_exdev(void **state)
{
	struct gofer_proc g = start_gofer(0);
	struct p9_fcall t, r;
	uint8_t buf[8192];
	char before[1024], after[1024], obefore[1024], oafter[1024];

	host_listing(root, before, sizeof(before));
	host_listing(other, obefore, sizeof(obefore));
	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 0, "root"), 0);
	assert_int_equal(raw_attach(g.sock, 1, "other"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 2, "file.txt"), 0);
	assert_int_equal(raw_walk(g.sock, 1, 3, "o.txt"), 0);

	memset(&t, 0, sizeof(t));
	t.type = P9_TRENAMEAT;
	t.tag = 5;
	t.u.trenameat.olddirfid = 0;
	t.u.trenameat.oldname = p9_str_make("file.txt");
	t.u.trenameat.newdirfid = 1;
	t.u.trenameat.newname = p9_str_make("moved");
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EXDEV);
	memset(&t, 0, sizeof(t));
	t.type = P9_TLINK;
	t.tag = 6;
	t.u.tlink.dfid = 1;
	t.u.tlink.fid = 2;
	t.u.tlink.name = p9_str_make("linked");
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EXDEV);
	t.u.tlink.dfid = 0;
	t.u.tlink.fid = 3;
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EXDEV);
	memset(&t, 0, sizeof(t));
	t.type = P9_TRENAME;
	t.tag = 7;
	t.u.trename.fid = 2;
	t.u.trename.dfid = 1;
	t.u.trename.name = p9_str_make("moved");
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EXDEV);
	host_listing(root, after, sizeof(after));
	host_listing(other, oafter, sizeof(oafter));
	assert_string_equal(before, after);
	assert_string_equal(obefore, oafter);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

/* Every name-taking operation rejects "", ".", "..", "/" and NUL in names
 * (EINVAL), names over 255 bytes (ENAMETOOLONG), and creates nothing. */
static void test_bad_names_every_op(void **state)
{
	static char longname[257];
	static const struct p9_str bad[] = {
		{ "", 0 }, { ".", 1 }, { "..", 2 }, { "a/b", 3 }, { "/etc", 4 }, { "../x", 4 },
		{ "x\0/../..", 8 }, { "\0", 1 }, { "sub/", 4 },
	};
	struct gofer_proc g = start_gofer(0);
	struct p9_fcall t, r;
	uint8_t buf[8192];
	char before[1024], after[1024];

	memset(longname, 'n', 256);
	host_listing(root, before, sizeof(before));
	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 0, "root"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 1, "file.txt"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 2, "subdir"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 3, NULL), 0); /* for Tlcreate */
	for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		struct p9_str name = i < sizeof(bad) / sizeof(bad[0]) ? bad[i] : (struct p9_str){ longname, 256 };
		int want = i < sizeof(bad) / sizeof(bad[0]) ? -EINVAL : -ENAMETOOLONG;
		struct p9_fcall reqs[10];

		memset(reqs, 0, sizeof(reqs));
		reqs[0].type = P9_TMKDIR;
		reqs[0].u.tmkdir = (struct p9_tmkdir){ 0, name, 0755, 0 };
		reqs[1].type = P9_TSYMLINK;
		reqs[1].u.tsymlink = (struct p9_tsymlink){ 0, name, p9_str_make("file.txt"), 0 };
		reqs[2].type = P9_TMKNOD;
		reqs[2].u.tmknod = (struct p9_tmknod){ 0, name, S_IFIFO | 0644, 0, 0, 0 };
		reqs[3].type = P9_TLINK;
		reqs[3].u.tlink = (struct p9_tlink){ 0, 1, name };
		reqs[4].type = P9_TRENAMEAT;
		reqs[4].u.trenameat = (struct p9_trenameat){ 0, name, 2, p9_str_make("x") };
		reqs[5].type = P9_TRENAMEAT;
		reqs[5].u.trenameat = (struct p9_trenameat){ 0, p9_str_make("file.txt"), 2, name };
		reqs[6].type = P9_TRENAME;
		reqs[6].u.trename = (struct p9_trename){ 1, 2, name };
		reqs[7].type = P9_TUNLINKAT;
		reqs[7].u.tunlinkat = (struct p9_tunlinkat){ 0, name, 0 };
		reqs[8].type = P9_TUNLINKAT;
		reqs[8].u.tunlinkat = (struct p9_tunlinkat){ 0, name, AT_REMOVEDIR };
		reqs[9].type = P9_TLCREATE;
		reqs[9].u.tlcreate = (struct p9_tlcreate){ 3, name, P9_DOTL_RDWR, 0644, 0 };
		for (size_t k = 0; k < sizeof(reqs) / sizeof(reqs[0]); k++) {
			reqs[k].tag = (uint16_t)(10 + k);
			assert_int_equal(raw_call(g.sock, &reqs[k], &r, buf, sizeof(buf)), want);
		}
	}
	/* a symlink body is stored as given, but a NUL would cut it short */
	memset(&t, 0, sizeof(t));
	t.type = P9_TSYMLINK;
	t.tag = 30;
	t.u.tsymlink = (struct p9_tsymlink){ 0, p9_str_make("nul"), { "file.txt\0/etc", 13 }, 0 };
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EINVAL);
	host_listing(root, after, sizeof(after));
	assert_string_equal(before, after);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

/* Every FD an entry operation opens is closed again, failures included. */
static void test_no_fd_leak(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, sub;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int base;

	make_dir("leak");
	sub = walk1(c, rootfid, "leak");
	base = count_fds(g.pid);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(p9_mkdir(c, sub, "d", 0755, 4250, NULL), 0);
		assert_int_equal(p9_mkdir(c, sub, "d", 0755, 4250, NULL), -EEXIST);
		assert_int_equal(p9_symlink(c, sub, "s", "d", 4250, NULL), 0);
		assert_int_equal(p9_mknod(c, sub, "f", S_IFIFO | 0600, 0, 0, 4250, NULL), 0);
		assert_int_equal(p9_mknod(c, sub, "r", S_IFREG | 0600, 0, 0, getegid(), NULL), 0);
		fid = walk1(c, sub, "r");
		assert_int_equal(p9_link(c, sub, fid, "r2"), 0);
		assert_int_equal(p9_rename(c, fid, sub, "r3"), 0);
		assert_int_equal(p9_renameat(c, sub, "r3", sub, "r4"), 0);
		assert_int_equal(p9_remove(c, fid), 0);
		assert_int_equal(p9_unlinkat(c, sub, "r2", 0), 0);
		assert_int_equal(p9_unlinkat(c, sub, "f", 0), 0);
		assert_int_equal(p9_unlinkat(c, sub, "s", 0), 0);
		assert_int_equal(p9_unlinkat(c, sub, "d", AT_REMOVEDIR), 0);
	}
	assert_int_equal(count_fds(g.pid), base);
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir),
		cmocka_unit_test(test_symlink),
		cmocka_unit_test(test_mknod),
		cmocka_unit_test(test_lcreate_mode_gid),
		cmocka_unit_test(test_link),
		cmocka_unit_test(test_link_fallback),
		cmocka_unit_test(test_renameat),
		cmocka_unit_test(test_renameat2),
		cmocka_unit_test(test_tmpfile),
		cmocka_unit_test(test_tmpfile_unlinkable),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_unlinkat),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_exdev),
		cmocka_unit_test(test_bad_names_every_op),
		cmocka_unit_test(test_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
