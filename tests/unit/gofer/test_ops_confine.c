/*
 * gofer confinement for the modifying operations.  A REAL gofer process
 * (fork + gofer_serve) over temporary trees, this test as the 9P client
 * (a hostile one, as a compromised sentry would be):
 *   - a read-only mount refuses EVERY modifying request with EROFS and the
 *     tree is byte-identical afterwards (paths, modes, owners, sizes,
 *     mtimes, ctimes, contents, link bodies, xattrs);
 *   - symlinks in the tree that point outside it are never followed by any
 *     operation, even when a walked name is swapped for such a link behind
 *     the gofer's back: the outside tree's hash never changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include <sys/xattr.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

/* ---- harness (as in test_gofer.c) ----------------------------------------- */

#include "tests/unit/gofer/ops_harness.h"

/* ---- tree hash -------------------------------------------------------------------- */

static uint64_t hash_acc;

static void mix(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		hash_acc ^= b[i];
		hash_acc *= 0x100000001b3ull; /* FNV-1a */
	}
}

static void mix_xattrs(const char *path)
{
	char names[4096], val[4096];
	ssize_t n = llistxattr(path, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v = lgetxattr(path, names + i, val, sizeof(val));

		mix(names + i, strlen(names + i));
		if (v > 0)
			mix(val, (size_t)v);
	}
}

static int hash_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char buf[4096];
	ssize_t n;
	int fd;

	mix(path, strlen(path));
	mix(&st->st_mode, sizeof(st->st_mode));
	mix(&st->st_uid, sizeof(st->st_uid));
	mix(&st->st_gid, sizeof(st->st_gid));
	mix(&st->st_nlink, sizeof(st->st_nlink));
	mix(&st->st_size, sizeof(st->st_size));
	mix(&st->st_ino, sizeof(st->st_ino));
	mix(&st->st_mtim, sizeof(st->st_mtim));
	mix(&st->st_ctim, sizeof(st->st_ctim)); /* any change at all moves ctime */
	mix_xattrs(path);
	if (S_ISLNK(st->st_mode)) {
		n = readlink(path, buf, sizeof(buf));
		if (n > 0)
			mix(buf, (size_t)n);
	} else if (S_ISREG(st->st_mode)) {
		fd = open(path, O_RDONLY | O_NOATIME);
		if (fd < 0)
			fd = open(path, O_RDONLY);
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			mix(buf, (size_t)n);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* Everything but access times, of every entry below dir (links not followed). */
static uint64_t tree_hash(const char *dir)
{
	hash_acc = 0xcbf29ce484222325ull;
	assert_int_equal(nftw(dir, hash_entry, 16, FTW_PHYS), 0);
	return hash_acc;
}

/* ---- helpers ------------------------------------------------------------------------ */

static char outside[64];

static void host_symlink(const char *target, const char *rel)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup_all(void **state)
{
	char p[256];
	int fd;

	if (setup_tree(state) < 0)
		return -1;
	/* the host files no operation may touch */
	strcpy(outside, "/tmp/p9outside.XXXXXX");
	if (!mkdtemp(outside))
		return -1;
	path_in(p, sizeof(p), outside, "secret");
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "host secret\n", 12) != 12)
		return -1;
	close(fd);
	if (setxattr(p, "user.s", "keep", 4, 0) < 0)
		return -1;
	path_in(p, sizeof(p), outside, "odir");
	if (mkdir(p, 0700) < 0)
		return -1;
	/* a little of everything in the served tree */
	write_file("ro.txt", "read-only\n");
	path_in(p, sizeof(p), root, "ro.txt");
	if (setxattr(p, "user.k", "v", 1, 0) < 0)
		return -1;
	path_in(p, sizeof(p), root, "rodir");
	if (mkdir(p, 0755) < 0)
		return -1;
	path_in(p, sizeof(p), root, "rofifo");
	return mkfifo(p, 0644) < 0 ? -1 : 0;
}

static int teardown_all(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", outside);
	if (system(cmd) != 0)
		return -1;
	return teardown_tree(state);
}

static int setattr_one(struct p9_client *c, uint32_t fid, uint32_t valid)
{
	struct p9_setattr a = {
		.valid = valid, .mode = 0777, .uid = 4000, .gid = 4001, .size = 1,
		.atime_sec = 5, .mtime_sec = 6,
	};

	return p9_setattr(c, fid, &a);
}

/* ---- read-only mount ------------------------------------------------------------- */

static void test_readonly_refuses_every_modification(void **state)
{
	static const uint32_t setattrs[] = {
		P9_SETATTR_MODE, P9_SETATTR_UID, P9_SETATTR_GID, P9_SETATTR_SIZE,
		P9_SETATTR_ATIME, P9_SETATTR_MTIME, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET,
		P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, P9_SETATTR_CTIME, 0,
	};
	static const uint32_t lopens[] = {
		O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT, O_WRONLY | O_APPEND,
	};
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, dfid, ofid, cfid;
	struct p9_client *c = open_client(&g, "ro", &rootfid);
	uint64_t before = tree_hash(root);
	uint8_t status;
	char buf[64];
	int fd = -2;

	fid = walk1(c, rootfid, "ro.txt");
	dfid = walk1(c, rootfid, "rodir");
	cfid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_lcreate(c, cfid, "new", O_RDWR, 0644, 0, NULL, NULL, &fd), -EROFS);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_mkdir(c, rootfid, "new", 0755, 0, NULL), -EROFS);
	assert_int_equal(p9_symlink(c, rootfid, "new", "ro.txt", 0, NULL), -EROFS);
	assert_int_equal(p9_mknod(c, rootfid, "new", S_IFIFO | 0644, 0, 0, 0, NULL), -EROFS);
	assert_int_equal(p9_mknod(c, rootfid, "new", S_IFREG | 0644, 0, 0, 0, NULL), -EROFS);
	assert_int_equal(p9_link(c, rootfid, fid, "new"), -EROFS);
	assert_int_equal(p9_link(c, dfid, fid, "new"), -EROFS);
	assert_int_equal(p9_renameat(c, rootfid, "ro.txt", rootfid, "new"), -EROFS);
	assert_int_equal(p9_renameat(c, rootfid, "ro.txt", dfid, "ro.txt"), -EROFS);
	assert_int_equal(p9_rename(c, fid, rootfid, "new"), -EROFS);
	assert_int_equal(p9_unlinkat(c, rootfid, "ro.txt", 0), -EROFS);
	assert_int_equal(p9_unlinkat(c, rootfid, "rodir", AT_REMOVEDIR), -EROFS);
	assert_int_equal(p9_unlinkat(c, rootfid, "rofifo", 0), -EROFS);
	for (size_t i = 0; i < sizeof(setattrs) / sizeof(setattrs[0]); i++) {
		assert_int_equal(setattr_one(c, fid, setattrs[i]), -EROFS);
		assert_int_equal(setattr_one(c, dfid, setattrs[i]), -EROFS);
		assert_int_equal(setattr_one(c, rootfid, setattrs[i]), -EROFS);
	}
	assert_int_equal(p9_setxattr(c, fid, "user.k", "w", 1, 0), -EROFS);
	assert_int_equal(p9_setxattr(c, fid, "user.n", "w", 1, XATTR_CREATE), -EROFS);
	assert_int_equal(p9_removexattr(c, fid, "user.k"), -EROFS);
	assert_int_equal(p9_setxattr(c, rootfid, "user.n", "w", 1, 0), -EROFS);
	for (size_t i = 0; i < sizeof(lopens) / sizeof(lopens[0]); i++) {
		ofid = walk1(c, rootfid, "ro.txt");
		assert_int_equal(p9_lopen(c, ofid, lopens[i], NULL, NULL, &fd), -EROFS);
		assert_int_equal(fd, -1);
		assert_int_equal(p9_clunk(c, ofid), 0);
	}
	assert_int_equal(p9_write(c, fid, 0, "w", 1), -EROFS); /* not opened */
	ofid = walk1(c, rootfid, "ro.txt");
	assert_int_equal(p9_lopen(c, ofid, O_RDONLY, NULL, NULL, &fd), 0);
	close(fd);
	assert_int_equal(p9_write(c, ofid, 0, "w", 1), -EROFS); /* opened read-only */
	assert_int_equal(p9_lock(c, ofid, P9_LOCK_TYPE_WRLCK, 0, 0, 0, 1, "", &status), -EBADF);
	/* Tremove: refused, and the fid is gone as with any Tremove */
	assert_int_equal(p9_remove(c, ofid), -EROFS);
	ofid = walk1(c, rootfid, "rodir");
	assert_int_equal(p9_remove(c, ofid), -EROFS);

	/* what does not modify still works */
	assert_int_equal(p9_getxattr(c, fid, "user.k", buf, sizeof(buf)), 1);
	assert_true(p9_listxattr(c, fid, buf, sizeof(buf)) > 0);
	assert_int_equal(p9_fsync(c, fid, false), 0);
	assert_int_equal(p9_fsync(c, dfid, true), 0);
	assert_int_equal(p9_lock(c, fid, P9_LOCK_TYPE_RDLCK, 0, 0, 0, 1, "", &status), 0);
	assert_int_equal(status, P9_LOCK_SUCCESS);
	stop(&g, c);
	assert_true(tree_hash(root) == before);
}

/* The same, without FD donation (the gofer would do the writing). */
static void test_readonly_without_donation(void **state)
{
	struct gofer_proc g = start_gofer(OPT_PLAIN);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "ro", &rootfid);
	uint64_t before = tree_hash(root);
	char buf[16];
	int fd;

	assert_false(p9_client_has_fd_donation(c));
	fid = walk1(c, rootfid, "ro.txt");
	assert_int_equal(p9_lopen(c, fid, O_RDWR, NULL, NULL, &fd), -EROFS);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(p9_write(c, fid, 0, "overwrite", 9), -EROFS);
	assert_int_equal(p9_read(c, fid, 0, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "read-only\n", 10);
	stop(&g, c);
	assert_true(tree_hash(root) == before);
}

/* ---- symlinks pointing outside ------------------------------------------------------ */

/* Every operation on fids of links to outside files acts on the link or
 * fails; the outside tree never changes. */
static void test_outside_links_never_followed(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, lfid, rfid, dlfid, nfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *through[] = { "escdir", "secret" };
	uint64_t before = tree_hash(outside);
	char target[256], rel[256], buf[64];
	struct stat st;
	uint8_t status;
	uint16_t nq = 0;
	int fd = -2;

	path_in(target, sizeof(target), outside, "secret");
	host_symlink(target, "esc");
	snprintf(rel, sizeof(rel), "../%s/secret", strrchr(outside, '/') + 1);
	host_symlink(rel, "escrel");
	host_symlink(outside, "escdir");
	lfid = walk1(c, rootfid, "esc");
	rfid = walk1(c, rootfid, "escrel");
	dlfid = walk1(c, rootfid, "escdir");

	for (int i = 0; i < 2; i++) {
		uint32_t f = i ? rfid : lfid;

		assert_int_equal(setattr_one(c, f, P9_SETATTR_MODE), -EOPNOTSUPP);
		assert_int_equal(setattr_one(c, f, P9_SETATTR_SIZE), -ELOOP);
		assert_int_equal(setattr_one(c, f, P9_SETATTR_UID | P9_SETATTR_GID), 0);   /* the link's */
		assert_int_equal(setattr_one(c, f, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET |
						   P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET), 0);
		assert_int_equal(p9_setxattr(c, f, "user.s", "gone", 4, 0), -EPERM);
		assert_int_equal(p9_removexattr(c, f, "user.s"), -EPERM);
		assert_int_equal(p9_getxattr(c, f, "user.s", buf, sizeof(buf)), -ENODATA);
		assert_int_equal(p9_fsync(c, f, false), -EINVAL);
		assert_int_equal(p9_lock(c, f, P9_LOCK_TYPE_WRLCK, 0, 0, 0, 1, "", &status), -EINVAL);
		assert_int_equal(p9_read(c, f, 0, buf, sizeof(buf)), -EBADF);
		assert_int_equal(p9_write(c, f, 0, "x", 1), -EBADF);
	}
	assert_int_equal(host_lstat("esc", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, 4000); /* lchown semantics */
	assert_int_equal(st.st_mtim.tv_sec, 6);
	/* a hard link of the link is a link, not the secret */
	assert_int_equal(p9_link(c, rootfid, lfid, "esc_hl"), 0);
	assert_int_equal(host_lstat("esc_hl", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* a link to a directory outside is no directory for the gofer */
	assert_int_equal(p9_walk(c, rootfid, p9_fid_alloc(c), 2, through, NULL, &nq), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(p9_mkdir(c, dlfid, "x", 0755, 0, NULL), -ENOTDIR);
	assert_int_equal(p9_symlink(c, dlfid, "x", "y", 0, NULL), -ENOTDIR);
	assert_int_equal(p9_mknod(c, dlfid, "x", S_IFREG | 0644, 0, 0, 0, NULL), -ENOTDIR);
	assert_int_equal(p9_link(c, dlfid, lfid, "x"), -ENOTDIR);
	assert_int_equal(p9_unlinkat(c, dlfid, "secret", 0), -ENOTDIR);
	assert_int_equal(p9_renameat(c, dlfid, "secret", rootfid, "stolen"), -ENOTDIR);
	assert_int_equal(p9_renameat(c, rootfid, "esc", dlfid, "esc"), -ENOTDIR);
	assert_int_equal(p9_rename(c, lfid, dlfid, "esc"), -ENOTDIR);
	nfid = walk_ok(c, dlfid, 0, NULL);
	assert_int_equal(p9_lcreate(c, nfid, "x", O_RDWR, 0644, 0, NULL, NULL, &fd), -ENOTDIR);
	assert_int_equal(p9_lopen(c, lfid, O_RDWR | O_TRUNC, NULL, NULL, &fd), -ELOOP);
	assert_int_equal(p9_lopen(c, dlfid, O_RDONLY | O_DIRECTORY, NULL, NULL, &fd), -ELOOP);
	/* renaming and removing act on the link */
	assert_int_equal(p9_rename(c, rfid, rootfid, "escrel2"), 0);
	assert_int_equal(host_lstat("escrel2", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(p9_remove(c, lfid), 0);
	assert_int_equal(host_lstat("esc", &st), -ENOENT);
	assert_int_equal(p9_unlinkat(c, rootfid, "escdir", 0), 0);
	stop(&g, c);
	assert_true(tree_hash(outside) == before);
}

/* A walked name is swapped for a link to an outside file after the walk:
 * no operation on the fid reaches the outside file (normal and fallback
 * paths). */
static void check_swapped_for_outside_link(int opts)
{
	struct gofer_proc g = start_gofer(opts);
	uint32_t rootfid, fid, lfid, dfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	uint64_t before = tree_hash(outside);
	char target[256], p[256], p2[256], buf[64], vname[32], oname[40], dname[32], d2[40];
	struct stat st;
	uint8_t status;
	int fd = -2;

	snprintf(vname, sizeof(vname), "victim%d", opts);
	snprintf(oname, sizeof(oname), "victim%d.old", opts);
	snprintf(dname, sizeof(dname), "vdir%d", opts);
	snprintf(d2, sizeof(d2), "vdir%d.old", opts);
	write_file(vname, "victim\n");
	path_in(p, sizeof(p), root, dname);
	assert_int_equal(mkdir(p, 0755), 0);
	fid = walk1(c, rootfid, vname);
	lfid = walk1(c, rootfid, vname);
	dfid = walk1(c, rootfid, dname);

	/* behind the gofer's back: the names now lead outside */
	path_in(target, sizeof(target), outside, "secret");
	path_in(p, sizeof(p), root, vname);
	path_in(p2, sizeof(p2), root, oname);
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(symlink(target, p), 0);
	path_in(p, sizeof(p), root, dname);
	path_in(p2, sizeof(p2), root, d2);
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(symlink(outside, p), 0);

	assert_int_equal(setattr_one(c, fid, P9_SETATTR_SIZE), -ELOOP);
	/* chmod/chown/utimes act on the walked inode itself, or not at all */
	assert_int_equal(setattr_one(c, fid, P9_SETATTR_MODE), (opts & OPT_RESTRICTED) ? -ELOOP : 0);
	assert_int_equal(setattr_one(c, fid, P9_SETATTR_UID | P9_SETATTR_GID), 0);
	assert_int_equal(setattr_one(c, fid, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET), 0);
	assert_int_equal(host_lstat(oname, &st), 0);
	assert_int_equal(st.st_uid, 4000);
	assert_int_equal(st.st_mtim.tv_sec, 6);
	assert_int_equal(p9_setxattr(c, fid, "user.s", "gone", 4, 0), -ELOOP);
	assert_int_equal(p9_removexattr(c, fid, "user.s"), -ELOOP);
	assert_int_equal(p9_getxattr(c, fid, "user.s", buf, sizeof(buf)), -ELOOP);
	assert_int_equal(p9_listxattr(c, fid, buf, sizeof(buf)), -ELOOP);
	assert_int_equal(p9_fsync(c, fid, false), -ELOOP);
	assert_int_equal(p9_lock(c, lfid, P9_LOCK_TYPE_RDLCK, 0, 0, 0, 1, "", &status), -ELOOP);
	assert_int_equal(p9_rename(c, fid, rootfid, "moved"), -ESTALE);
	{
		int rc = p9_link(c, rootfid, fid, "linked");

		/* linkat(AT_EMPTY_PATH) links the walked inode; by name: refused */
		assert_int_equal(rc, (opts & OPT_RESTRICTED) ? -ESTALE : 0);
		if (rc == 0) {
			struct stat old;

			assert_int_equal(host_lstat("linked", &st), 0);
			assert_int_equal(host_lstat(oname, &old), 0);
			assert_true(st.st_ino == old.st_ino);
			assert_int_equal(p9_unlinkat(c, rootfid, "linked", 0), 0);
		}
	}
	assert_int_equal(p9_lopen(c, lfid, O_RDWR | O_TRUNC, NULL, NULL, &fd), -ELOOP);
	assert_int_equal(p9_remove(c, fid), -ESTALE);
	assert_int_equal(host_lstat(vname, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* the directory fid still is the directory it walked, wherever it went */
	assert_int_equal(p9_mkdir(c, dfid, "made", 0755, 0, NULL), 0);
	snprintf(buf, sizeof(buf), "%s/made", d2);
	assert_int_equal(host_lstat(buf, &st), 0);
	assert_int_equal(p9_unlinkat(c, dfid, "made", AT_REMOVEDIR), 0);
	assert_int_equal(p9_setxattr(c, dfid, "user.d", "x", 1, 0), 0);
	assert_int_equal(p9_fsync(c, dfid, false), 0);
	stop(&g, c);
	assert_true(tree_hash(outside) == before);
}

static void test_swapped_for_outside_link(void **state)
{
	check_swapped_for_outside_link(0);
}

static void test_swapped_for_outside_link_fallback(void **state)
{
	check_swapped_for_outside_link(OPT_RESTRICTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readonly_refuses_every_modification),
		cmocka_unit_test(test_readonly_without_donation),
		cmocka_unit_test(test_outside_links_never_followed),
		cmocka_unit_test(test_swapped_for_outside_link),
		cmocka_unit_test(test_swapped_for_outside_link_fallback),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
