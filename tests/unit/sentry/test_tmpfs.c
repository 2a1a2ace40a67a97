/* tmpfs internals (sentry/tmpfs.c) through its vfs_fs_ops, with a plain
 * temporary directory standing in for the staging tmpfs: names, links,
 * readdir cookies, backing files, the inode bound, xattr order. */
#include "sentry/vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

struct fixture {
	char dir[64];
	int stagingfd;
	struct vfs_fs *fs;
	struct vfs_inode *root;
	const struct vfs_fs_ops *ops;
};

static int setup_with(void **state, uint64_t max_inodes)
{
	struct fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/tmpfs-unit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->stagingfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->stagingfd >= 0);
	assert_int_equal(mkdirat(f->stagingfd, "b", 0700), 0);
	struct tmpfs_opts o = { .stagingfd = f->stagingfd, .backing = "b", .max_inodes = max_inodes };
	assert_int_equal(tmpfs_new(&f->fs, &f->root, &o), 0);
	f->ops = f->fs->ops;
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_with(state, 0); }
static int setup_small(void **state) { return setup_with(state, 4); }

static int teardown(void **state)
{
	struct fixture *f = *state;
	vfs_inode_put(f->root);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	close(f->stagingfd);
	tmpfs_free(f->fs);
	free(f);
	return 0;
}

struct listing {
	char names[16][32];
	uint64_t cookies[16];
	int n;
};

static bool collect(void *arg, uint64_t ino, uint64_t next, uint8_t type, const char *name, size_t len)
{
	struct listing *l = arg;
	if (l->n == 16)
		return false;
	snprintf(l->names[l->n], sizeof l->names[0], "%.*s", (int)len, name);
	l->cookies[l->n++] = next;
	return true;
}

static struct listing list_from(struct fixture *f, uint64_t pos)
{
	struct vfs_dentry d = { .inode = f->root };
	struct vfs_file file = { .path = { NULL, &d } };
	struct listing l = { .n = 0 };
	assert_int_equal(f->ops->readdir(&file, &pos, collect, &l), 0);
	return l;
}

static void backing_exists(struct fixture *f, struct vfs_inode *ino, bool want)
{
	char name[64];
	snprintf(name, sizeof name, "b/%llu", (unsigned long long)ino->attr.st_ino);
	struct stat st;
	assert_int_equal(fstatat(f->stagingfd, name, &st, 0) == 0, want);
}

static void test_create_link_unlink(void **state)
{
	struct fixture *f = *state;
	struct vfs_inode *a, *b, *found;
	struct vfs_open_result res = { .host_fd = -1 };
	assert_int_equal(f->ops->create(f->root, "a", O_RDWR, 0644, &a, &res), 0);
	assert_true(res.host_fd >= 0);
	assert_int_equal(write(res.host_fd, "xyz", 3), 3);
	close(res.host_fd);
	assert_int_equal(f->ops->lookup(f->root, "a", &found), 0);
	assert_ptr_equal(found, a);
	vfs_inode_put(found);
	assert_int_equal(f->ops->link(f->root, "b", a, &b), 0);
	assert_ptr_equal(b, a);
	assert_int_equal(a->attr.st_nlink, 2);
	assert_int_equal(f->ops->refresh(a), 0);
	assert_int_equal(a->attr.st_size, 3);
	/* two opens: two descriptions */
	struct vfs_open_result r1 = { .host_fd = -1 }, r2 = { .host_fd = -1 };
	assert_int_equal(f->ops->open(a, O_RDONLY, &r1), 0);
	assert_int_equal(f->ops->open(a, O_RDONLY, &r2), 0);
	char c;
	assert_int_equal(read(r1.host_fd, &c, 1), 1);
	assert_int_equal(lseek(r2.host_fd, 0, SEEK_CUR), 0);
	close(r1.host_fd);
	close(r2.host_fd);
	assert_int_equal(f->ops->unlink(f->root, "a", false), 0);
	backing_exists(f, a, true);   /* "b" still names it */
	assert_int_equal(f->ops->unlink(f->root, "b", false), 0);
	backing_exists(f, a, false);  /* the last name: the backing file goes */
	assert_int_equal(f->ops->lookup(f->root, "a", &found), -ENOENT);
	vfs_inode_put(a);   /* the callers' (dentry cache's) two references */
	vfs_inode_put(b);
}

static void test_readdir_cookies(void **state)
{
	struct fixture *f = *state;
	struct vfs_inode *x, *y, *z;
	assert_int_equal(f->ops->mkdir(f->root, "x", 0755, &x), 0);
	assert_int_equal(f->ops->mknod(f->root, "y", S_IFIFO | 0644, &y), 0);
	assert_int_equal(f->ops->symlink(f->root, "z", "target", &z), 0);
	assert_int_equal(f->root->attr.st_nlink, 3);
	struct listing l = list_from(f, 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.names[2], "x");
	assert_string_equal(l.names[4], "z");
	uint64_t after_x = l.cookies[2];
	/* removing an entry keeps the others' positions */
	assert_int_equal(f->ops->unlink(f->root, "y", false), 0);
	l = list_from(f, after_x);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "z");
	/* rename gives the entry a new, later position */
	assert_int_equal(f->ops->rename(f->root, "x", f->root, "w", x), 0);
	l = list_from(f, 0);
	assert_string_equal(l.names[l.n - 1], "w");
	char buf[16];
	assert_int_equal(f->ops->readlink(z, buf, sizeof buf), 6);
	assert_string_equal(buf, "target");
	/* a non-empty directory is not removed */
	struct vfs_inode *sub;
	assert_int_equal(f->ops->mkdir(x, "sub", 0755, &sub), 0);
	assert_int_equal(f->ops->unlink(f->root, "w", true), -ENOTEMPTY);
	assert_int_equal(f->ops->unlink(x, "sub", true), 0);
	assert_int_equal(f->ops->unlink(f->root, "w", true), 0);
	/* a removed directory takes no new names */
	struct vfs_inode *late;
	assert_int_equal(f->ops->mkdir(x, "late", 0755, &late), -ENOENT);
	vfs_inode_put(sub);
	vfs_inode_put(x);
	vfs_inode_put(y);
	vfs_inode_put(z);
}

static void test_inode_bound(void **state)
{
	struct fixture *f = *state;
	struct vfs_inode *ino[4];
	char name[16];
	int made = 0;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "d%d", i);
		int rc = f->ops->mkdir(f->root, name, 0755, &ino[made]);
		if (rc == 0)
			made++;
		else
			assert_int_equal(rc, -ENOSPC);
	}
	assert_int_equal(made, 3);   /* the root is one of the four */
	for (int i = 0; i < made; i++)
		vfs_inode_put(ino[i]);
}

static void test_xattrs(void **state)
{
	struct fixture *f = *state;
	const struct vfs_fs_ops *o = f->ops;
	assert_int_equal(o->setxattr(f->root, "user.a", "1", 1, 0), 0);
	assert_int_equal(o->setxattr(f->root, "user.c", "3", 1, 0), 0);
	assert_int_equal(o->setxattr(f->root, "user.b", "2", 1, 0), 0);
	assert_int_equal(o->setxattr(f->root, "user.", "x", 1, 0), -EINVAL);
	assert_int_equal(o->setxattr(f->root, "system.x", "x", 1, 0), -EOPNOTSUPP);
	assert_int_equal(o->setxattr(f->root, "user.a", "x", 1, 1 /* XATTR_CREATE */), -EEXIST);
	char buf[64];
	assert_int_equal(o->listxattr(f->root, buf, sizeof buf), 21);
	assert_memory_equal(buf, "user.c\0user.b\0user.a\0", 21);   /* Linux's order */
	assert_int_equal(o->listxattr(f->root, buf, 5), -ERANGE);
	assert_int_equal(o->getxattr(f->root, "user.b", buf, sizeof buf), 1);
	assert_int_equal(o->removexattr(f->root, "user.b"), 0);
	assert_int_equal(o->getxattr(f->root, "user.b", buf, sizeof buf), -ENODATA);
	static char big[70000];
	assert_int_equal(o->setxattr(f->root, "user.big", big, 65536, 0), 0);
	assert_int_equal(o->setxattr(f->root, "user.big2", big, 65536, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_link_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdir_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inode_bound, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_xattrs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
