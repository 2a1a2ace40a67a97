/*
 * gofer extended attributes (Txattrwalk, Txattrcreate and the Tread, Twrite,
 * Tclunk of xattr fids), Linux v9fs semantics.  A REAL gofer process
 * (fork + gofer_serve) over temporary trees, this test as the 9P client;
 * every result is compared with the host's getxattr/listxattr.  Also run
 * against a gofer that sees an older kernel (no *xattrat calls).
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

/* ---- helpers --------------------------------------------------------------------- */

/* The host's value of name on root/rel (no symlink followed): size or -errno. */
static ssize_t host_get(const char *rel, const char *name, void *buf, size_t cap)
{
	char p[256];
	ssize_t n;

	path_in(p, sizeof(p), root, rel);
	n = lgetxattr(p, name, buf, cap);
	return n < 0 ? -errno : n;
}

static int host_set(const char *rel, const char *name, const void *val, size_t size)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	return lsetxattr(p, name, val, size, 0) < 0 ? -errno : 0;
}

static ssize_t host_list(const char *rel, char *buf, size_t cap)
{
	char p[256];
	ssize_t n;

	path_in(p, sizeof(p), root, rel);
	n = llistxattr(p, buf, cap);
	return n < 0 ? -errno : n;
}

static void host_symlink(const char *target, const char *rel)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	assert_int_equal(symlink(target, p), 0);
}

/* The client's list equals the host's, as a set of names. */
static void assert_same_list(const char *a, ssize_t alen, const char *b, ssize_t blen)
{
	assert_int_equal(alen, blen);
	for (ssize_t i = 0; i < alen; i += (ssize_t)strlen(a + i) + 1) {
		bool found = false;

		for (ssize_t k = 0; k < blen && !found; k += (ssize_t)strlen(b + k) + 1)
			found = strcmp(a + i, b + k) == 0;
		assert_true(found);
	}
}

/* ---- tests ------------------------------------------------------------------------ */

static void check_set_get(int opts)
{
	struct gofer_proc g = start_gofer(opts);
	uint32_t rootfid, fid, dfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	static const char bin[] = { 'a', 0, 'b', 0, (char)0xff };
	char buf[64];

	write_file("x.txt", "xattrs\n");
	fid = walk1(c, rootfid, "x.txt");
	dfid = walk1(c, rootfid, "subdir");

	assert_int_equal(p9_setxattr(c, fid, "user.a", "v1", 2, 0), 0);
	assert_int_equal(host_get("x.txt", "user.a", buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "v1", 2);
	assert_int_equal(p9_getxattr(c, fid, "user.a", NULL, 0), 2); /* size query */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(p9_getxattr(c, fid, "user.a", buf, 2), 2);
	assert_memory_equal(buf, "v1", 2);
	assert_int_equal(p9_getxattr(c, fid, "user.a", buf, 1), -ERANGE);
	assert_int_equal(p9_getxattr(c, fid, "user.none", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(p9_getxattr(c, fid, "user.none", NULL, 0), -ENODATA);
	assert_int_equal(host_get("x.txt", "user.none", buf, sizeof(buf)), -ENODATA);

	/* binary values, replacement, a value set on the host read back */
	assert_int_equal(p9_setxattr(c, fid, "user.a", bin, sizeof(bin), 0), 0);
	assert_int_equal(host_get("x.txt", "user.a", buf, sizeof(buf)), sizeof(bin));
	assert_memory_equal(buf, bin, sizeof(bin));
	assert_int_equal(host_set("x.txt", "user.host", "from host", 9), 0);
	assert_int_equal(p9_getxattr(c, fid, "user.host", buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "from host", 9);

	/* directories and the mount root */
	assert_int_equal(p9_setxattr(c, dfid, "user.d", "dir", 3, 0), 0);
	assert_int_equal(host_get("subdir", "user.d", buf, sizeof(buf)), 3);
	assert_int_equal(p9_getxattr(c, dfid, "user.d", buf, sizeof(buf)), 3);
	assert_int_equal(p9_setxattr(c, rootfid, "user.r", "root", 4, 0), 0);
	assert_int_equal(lgetxattr(root, "user.r", buf, sizeof(buf)), 4);
	assert_int_equal(p9_getxattr(c, rootfid, "user.r", buf, sizeof(buf)), 4);
	assert_int_equal(p9_removexattr(c, rootfid, "user.r"), 0);
	assert_int_equal(lgetxattr(root, "user.r", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODATA);

	/* flags as setxattr(2) */
	assert_int_equal(p9_setxattr(c, fid, "user.a", "x", 1, XATTR_CREATE), -EEXIST);
	assert_int_equal(p9_setxattr(c, fid, "user.new", "x", 1, XATTR_REPLACE), -ENODATA);
	assert_int_equal(host_get("x.txt", "user.new", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(p9_setxattr(c, fid, "user.new", "n", 1, XATTR_CREATE), 0);
	assert_int_equal(p9_setxattr(c, fid, "user.new", "N", 1, XATTR_REPLACE), 0);
	assert_int_equal(host_get("x.txt", "user.new", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'N');
	assert_int_equal(p9_setxattr(c, fid, "user.new", "x", 1, 4), -EINVAL);

	/* remove */
	assert_int_equal(p9_removexattr(c, fid, "user.new"), 0);
	assert_int_equal(host_get("x.txt", "user.new", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(p9_removexattr(c, fid, "user.new"), -ENODATA);
	assert_int_equal(p9_getxattr(c, 9999, "user.a", buf, sizeof(buf)), -EBADF);
	assert_int_equal(p9_setxattr(c, 9999, "user.a", "x", 1, 0), -EBADF);
	assert_false(p9_client_is_dead(c));
	stop(&g, c);
}

static void test_set_get_remove(void **state)
{
	check_set_get(0);
}

/* An older kernel (no *xattrat): regular files and directories still work. */
static void test_set_get_remove_fallback(void **state)
{
	check_set_get(OPT_RESTRICTED);
}

static void test_list(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char got[4096], want[4096];
	ssize_t n, hn;

	write_file("l.txt", "list\n");
	fid = walk1(c, rootfid, "l.txt");
	hn = host_list("l.txt", want, sizeof(want));
	n = p9_listxattr(c, fid, got, sizeof(got));
	assert_same_list(got, n, want, hn);
	assert_int_equal(host_set("l.txt", "user.one", "1", 1), 0);
	assert_int_equal(p9_setxattr(c, fid, "user.two", "2", 1, 0), 0);
	assert_int_equal(host_set("l.txt", "user.three", "", 0), 0);
	hn = host_list("l.txt", want, sizeof(want));
	n = p9_listxattr(c, fid, got, sizeof(got));
	assert_same_list(got, n, want, hn);
	assert_true(n >= (ssize_t)sizeof("user.one" "user.two" "user.three") + 2);
	assert_int_equal(p9_listxattr(c, fid, NULL, 0), n); /* size query */
	assert_int_equal(p9_listxattr(c, fid, got, (size_t)n - 1), -ERANGE);
	/* an attribute with an empty value is listed and reads as 0 bytes */
	assert_int_equal(p9_getxattr(c, fid, "user.three", got, sizeof(got)), 0);
	stop(&g, c);
}

static void test_limits(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	static char big[65537], back[65536];
	char name[300], buf[8];

	write_file("big.txt", "big\n");
	fid = walk1(c, rootfid, "big.txt");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 13 + 1);
	assert_int_equal(p9_setxattr(c, fid, "user.big", big, 65537, 0), -E2BIG);
	/* ext4 keeps values up to a block in place; ask for one that fits */
	assert_int_equal(p9_setxattr(c, fid, "user.big", big, 3000, 0), 0);
	assert_int_equal(host_get("big.txt", "user.big", back, sizeof(back)), 3000);
	assert_memory_equal(back, big, 3000);
	memset(back, 0, sizeof(back));
	assert_int_equal(p9_getxattr(c, fid, "user.big", back, sizeof(back)), 3000);
	assert_memory_equal(back, big, 3000);
	/* a value too large for the filesystem: the host's error, nothing set */
	assert_int_equal(p9_setxattr(c, fid, "user.huge", big, 65536, 0),
			 lsetxattr(root, "user.huge", big, 65536, 0) < 0 ? -errno : 0);
	removexattr(root, "user.huge");

	/* names: 1..255 bytes, else ERANGE as setxattr(2) */
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[255] = '\0';
	assert_int_equal(p9_setxattr(c, fid, name, "x", 1, 0), 0);
	assert_int_equal(host_get("big.txt", name, buf, sizeof(buf)), 1);
	name[255] = 'n';
	name[256] = '\0';
	assert_int_equal(p9_setxattr(c, fid, name, "x", 1, 0), -ERANGE);
	assert_int_equal(p9_getxattr(c, fid, name, buf, sizeof(buf)), -ERANGE);
	assert_int_equal(p9_setxattr(c, fid, "", "x", 1, 0), -ERANGE);
	assert_int_equal(p9_getxattr(c, fid, "", buf, sizeof(buf)), -ERANGE);
	stop(&g, c);
}

/* Only user.* may be written: the other namespaces steer the host. */
static void test_namespace_policy(void **state)
{
	static const char *const refused[] = {
		"trusted.x", "security.capability", "security.x", "system.posix_acl_access", "other.x",
	};
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char got[4096], want[4096];
	ssize_t n, hn;

	write_file("ns.txt", "ns\n");
	fid = walk1(c, rootfid, "ns.txt");
	hn = host_list("ns.txt", want, sizeof(want));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(p9_setxattr(c, fid, refused[i], "\1\0\0\2", 4, 0), -EOPNOTSUPP);
		assert_int_equal(p9_removexattr(c, fid, refused[i]), -EOPNOTSUPP);
		/* reading is allowed and answers as the host does */
		assert_int_equal(p9_getxattr(c, fid, refused[i], got, sizeof(got)),
				 host_get("ns.txt", refused[i], want + 2048, 2048));
	}
	n = p9_listxattr(c, fid, got, sizeof(got));
	assert_same_list(got, n, want, hn);
	stop(&g, c);
}

/* On a symlink: the link's own attributes (l*xattr), never the target's;
 * without *xattrat (older kernels) EOPNOTSUPP rather than anything unsafe. */
static void check_symlink(int opts)
{
	struct gofer_proc g = start_gofer(opts);
	uint32_t rootfid, lfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char got[256], want[256], name[32], lname[32];
	ssize_t n, hn;

	snprintf(name, sizeof(name), "tgt%d.txt", opts);
	snprintf(lname, sizeof(lname), "xlink%d", opts);
	write_file(name, "target\n");
	assert_int_equal(host_set(name, "user.t", "secret", 6), 0);
	host_symlink(name, lname);
	lfid = walk1(c, rootfid, lname);
	if (opts & OPT_RESTRICTED) {
		assert_int_equal(p9_getxattr(c, lfid, "user.t", got, sizeof(got)), -EOPNOTSUPP);
		assert_int_equal(p9_listxattr(c, lfid, got, sizeof(got)), -EOPNOTSUPP);
		assert_int_equal(p9_setxattr(c, lfid, "user.t", "x", 1, 0), -EOPNOTSUPP);
	} else {
		/* as lgetxattr/lsetxattr: user.* on a symlink is ENODATA/EPERM */
		assert_int_equal(p9_getxattr(c, lfid, "user.t", got, sizeof(got)),
				 host_get(lname, "user.t", want, sizeof(want)));
		assert_int_equal(p9_getxattr(c, lfid, "user.t", got, sizeof(got)), -ENODATA);
		assert_int_equal(p9_setxattr(c, lfid, "user.t", "x", 1, 0), -EPERM);
		assert_int_equal(p9_removexattr(c, lfid, "user.t"), -EPERM);
		hn = host_list(lname, want, sizeof(want));
		n = p9_listxattr(c, lfid, got, sizeof(got));
		assert_same_list(got, n, want, hn);
	}
	assert_int_equal(host_get(name, "user.t", got, sizeof(got)), 6);
	assert_memory_equal(got, "secret", 6);
	stop(&g, c);
}

static void test_symlink_own_xattrs(void **state)
{
	check_symlink(0);
}

static void test_symlink_xattrs_fallback(void **state)
{
	check_symlink(OPT_RESTRICTED);
}

/* The fid's name now holds another file (or a symlink): nothing is read or
 * written through it. */
static void test_stale_name(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char p[256], p2[256], buf[16];

	write_file("st.txt", "one\n");
	fid = walk1(c, rootfid, "st.txt");
	write_file("st2.txt", "two\n");
	assert_int_equal(host_set("st2.txt", "user.v", "two", 3), 0);
	path_in(p, sizeof(p), root, "st2.txt");
	path_in(p2, sizeof(p2), root, "st.txt");
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(p9_getxattr(c, fid, "user.v", buf, sizeof(buf)), -ESTALE);
	assert_int_equal(p9_setxattr(c, fid, "user.w", "x", 1, 0), -ESTALE);
	assert_int_equal(host_get("st.txt", "user.w", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(symlink("st3.txt", p2), 0);
	write_file("st3.txt", "three\n");
	assert_int_equal(p9_setxattr(c, fid, "user.w", "x", 1, 0), -ELOOP);
	assert_int_equal(host_get("st3.txt", "user.w", buf, sizeof(buf)), -ENODATA);
	stop(&g, c);
}

static int xwalk(int sock, uint32_t fid, uint32_t newfid, struct p9_str name, uint64_t *size)
{
	struct p9_fcall t = { .type = P9_TXATTRWALK, .tag = 3 }, r;
	uint8_t buf[8192];
	int rc;

	t.u.txattrwalk = (struct p9_txattrwalk){ fid, newfid, name };
	rc = raw_call(sock, &t, &r, buf, sizeof(buf));
	if (rc == 0 && size)
		*size = r.u.rxattrwalk.size;
	return rc;
}

static int xcreate(int sock, uint32_t fid, struct p9_str name, uint64_t size, uint32_t flags)
{
	struct p9_fcall t = { .type = P9_TXATTRCREATE, .tag = 4 }, r;
	uint8_t buf[8192];

	t.u.txattrcreate = (struct p9_txattrcreate){ fid, name, size, flags };
	return raw_call(sock, &t, &r, buf, sizeof(buf));
}

static int xwrite(int sock, uint32_t fid, uint64_t off, const char *data, uint32_t n)
{
	struct p9_fcall t = { .type = P9_TWRITE, .tag = 5 }, r;
	uint8_t buf[8192];
	int rc;

	t.u.twrite = (struct p9_twrite){ fid, off, { data, n } };
	rc = raw_call(sock, &t, &r, buf, sizeof(buf));
	return rc < 0 ? rc : (int)r.u.rwrite.count;
}

static int xread(int sock, uint32_t fid, uint64_t off, uint32_t count)
{
	struct p9_fcall t = { .type = P9_TREAD, .tag = 6 }, r;
	uint8_t buf[8192];
	int rc;

	t.u.tread = (struct p9_tread){ fid, off, count };
	rc = raw_call(sock, &t, &r, buf, sizeof(buf));
	return rc < 0 ? rc : (int)r.u.rread.data.count;
}

static int xclunk(int sock, uint32_t fid)
{
	struct p9_fcall t = { .type = P9_TCLUNK, .tag = 7 }, r;
	uint8_t buf[8192];

	t.u.tclunk.fid = fid;
	return raw_call(sock, &t, &r, buf, sizeof(buf));
}

/* The xattr fid protocol itself, with raw messages. */
static void test_xattr_fid_protocol(void **state)
{
	struct gofer_proc g = start_gofer(0);
	struct p9_fcall t, r;
	uint8_t buf[8192];
	char hv[16];
	uint64_t size = 0;

	write_file("proto.txt", "p\n");
	assert_int_equal(host_set("proto.txt", "user.v", "value", 5), 0);
	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 0, "root"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 1, "proto.txt"), 0);

	/* walk fid: size, reads at offsets, 0 at the end; not writable */
	assert_int_equal(xwalk(g.sock, 1, 2, p9_str_make("user.v"), &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(xread(g.sock, 2, 0, 3), 3);
	assert_int_equal(xread(g.sock, 2, 3, 100), 2);
	assert_int_equal(xread(g.sock, 2, 5, 100), 0);
	assert_int_equal(xread(g.sock, 2, 500, 100), 0);
	assert_int_equal(xwrite(g.sock, 2, 0, "x", 1), -EBADF);
	assert_int_equal(xwalk(g.sock, 1, 2, p9_str_make("user.v"), NULL), -EEXIST);
	assert_int_equal(xwalk(g.sock, 2, 3, p9_str_make("user.v"), NULL), -EINVAL);
	assert_int_equal(raw_walk(g.sock, 2, 3, NULL), -EBUSY);
	memset(&t, 0, sizeof(t));
	t.type = P9_TLOPEN;
	t.tag = 8;
	t.u.tlopen.fid = 2;
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EINVAL);
	memset(&t, 0, sizeof(t));
	t.type = P9_TSETATTR;
	t.tag = 9;
	t.u.tsetattr = (struct p9_tsetattr){ .fid = 2, .valid = P9_SETATTR_MODE, .mode = 0600 };
	assert_int_equal(raw_call(g.sock, &t, &r, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(xclunk(g.sock, 2), 0);
	/* names: NUL inside, empty for create */
	assert_int_equal(xwalk(g.sock, 1, 2, (struct p9_str){ "user.v\0x", 8 }, NULL), -EINVAL);
	assert_int_equal(raw_walk(g.sock, 1, 2, NULL), 0);
	assert_int_equal(xcreate(g.sock, 2, (struct p9_str){ "user.v\0x", 8 }, 1, 0), -EINVAL);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make(""), 1, 0), -ERANGE);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.big"), 65537, 0), -E2BIG);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.f"), 1, 8), -EINVAL);

	/* create fid: a value written in full is set at clunk */
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.w"), 6, 0), 0);
	assert_int_equal(xread(g.sock, 2, 0, 10), -EBADF);
	assert_int_equal(xwrite(g.sock, 2, 0, "abc", 3), 3);
	assert_int_equal(xwrite(g.sock, 2, 5, "z", 1), -EINVAL); /* a hole */
	assert_int_equal(xwrite(g.sock, 2, 7, "z", 1), -ENOSPC); /* past the size */
	assert_int_equal(xwrite(g.sock, 2, 3, "defghi", 6), 3);  /* cut at the size */
	assert_int_equal(host_get("proto.txt", "user.w", hv, sizeof(hv)), -ENODATA); /* not yet */
	assert_int_equal(xclunk(g.sock, 2), 0);
	assert_int_equal(host_get("proto.txt", "user.w", hv, sizeof(hv)), 6);
	assert_memory_equal(hv, "abcdef", 6);
	/* a value not written in full sets nothing, and says so */
	assert_int_equal(raw_walk(g.sock, 1, 2, NULL), 0);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.part"), 10, 0), 0);
	assert_int_equal(xwrite(g.sock, 2, 0, "12345", 5), 5);
	assert_int_equal(xclunk(g.sock, 2), -EINVAL);
	assert_int_equal(host_get("proto.txt", "user.part", hv, sizeof(hv)), -ENODATA);
	/* the setxattr error comes back on the clunk */
	assert_int_equal(raw_walk(g.sock, 1, 2, NULL), 0);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.w"), 1, XATTR_CREATE), 0);
	assert_int_equal(xwrite(g.sock, 2, 0, "q", 1), 1);
	assert_int_equal(xclunk(g.sock, 2), -EEXIST);
	/* with the runsc-lite extension, size 0 sets an empty value ... */
	assert_int_equal(raw_walk(g.sock, 1, 2, NULL), 0);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.w"), 0, 0), 0);
	assert_int_equal(xclunk(g.sock, 2), 0);
	assert_int_equal(host_get("proto.txt", "user.w", hv, sizeof(hv)), 0);
	/* ... and removal is P9_XATTR_REMOVE (which needs size 0) */
	assert_int_equal(raw_walk(g.sock, 1, 2, NULL), 0);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.w"), 1, P9_XATTR_REMOVE), -EINVAL);
	assert_int_equal(xcreate(g.sock, 2, p9_str_make("user.w"), 0, P9_XATTR_REMOVE), 0);
	assert_int_equal(xclunk(g.sock, 2), 0);
	assert_int_equal(host_get("proto.txt", "user.w", hv, sizeof(hv)), -ENODATA);
	/* the gofer is still fine */
	assert_int_equal(xwalk(g.sock, 1, 2, p9_str_make(""), &size), 0);
	assert_true(size >= 7);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

/* A client cannot pin unbounded gofer memory with xattr fids. */
static void test_xattr_fid_limit(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint64_t size;
	uint32_t n = 0;
	int rc;

	write_file("lim.txt", "l\n");
	assert_int_equal(host_set("lim.txt", "user.v", "v", 1), 0);
	raw_session(g.sock);
	assert_int_equal(raw_attach(g.sock, 0, "root"), 0);
	assert_int_equal(raw_walk(g.sock, 0, 1, "lim.txt"), 0);
	while ((rc = xwalk(g.sock, 1, 100 + n, p9_str_make("user.v"), &size)) == 0)
		n++;
	assert_int_equal(rc, -ENFILE);
	assert_int_equal(n, 256);
	assert_int_equal(xclunk(g.sock, 100), 0);
	assert_int_equal(xwalk(g.sock, 1, 100, p9_str_make("user.v"), &size), 0);
	assert_int_equal(xcreate(g.sock, 1, p9_str_make("user.x"), 1, 0), -ENFILE);
	close(g.sock);
	assert_int_equal(wait_pid(g.pid), 0);
}

static void test_no_fd_leak(void **state)
{
	struct gofer_proc g = start_gofer(0);
	uint32_t rootfid, fid, dfid, lfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char buf[256];
	int base;

	write_file("leak.txt", "leak\n");
	host_symlink("leak.txt", "leaklink");
	fid = walk1(c, rootfid, "leak.txt");
	dfid = walk1(c, rootfid, "subdir");
	lfid = walk1(c, rootfid, "leaklink");
	base = count_fds(g.pid);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(p9_setxattr(c, fid, "user.l", "v", 1, 0), 0);
		assert_int_equal(p9_getxattr(c, fid, "user.l", buf, sizeof(buf)), 1);
		assert_true(p9_listxattr(c, fid, buf, sizeof(buf)) > 0);
		assert_int_equal(p9_removexattr(c, fid, "user.l"), 0);
		assert_int_equal(p9_getxattr(c, fid, "user.l", buf, sizeof(buf)), -ENODATA);
		assert_int_equal(p9_setxattr(c, dfid, "user.l", "v", 1, XATTR_REPLACE), -ENODATA);
		assert_int_equal(p9_getxattr(c, lfid, "user.l", buf, sizeof(buf)), -ENODATA);
		assert_int_equal(p9_setxattr(c, lfid, "user.l", "v", 1, 0), -EPERM);
	}
	assert_int_equal(count_fds(g.pid), base);
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_remove),
		cmocka_unit_test(test_set_get_remove_fallback),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_namespace_policy),
		cmocka_unit_test(test_symlink_own_xattrs),
		cmocka_unit_test(test_symlink_xattrs_fallback),
		cmocka_unit_test(test_stale_name),
		cmocka_unit_test(test_xattr_fid_protocol),
		cmocka_unit_test(test_xattr_fid_limit),
		cmocka_unit_test(test_no_fd_leak),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
