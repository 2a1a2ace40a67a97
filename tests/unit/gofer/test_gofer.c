/*
 * gofer: a REAL gofer process (fork + gofer_serve) over a temporary tree,
 * with this test as the client through p9_client_open (and, for hostile
 * input, through raw packets).
 *
 * Tree (under mkdtemp /tmp/p9gofer.XXXXXX):
 *   file.txt            "hello gofer\n"
 *   subdir/inner.txt    "inner\n"
 *   link_to_etc      -> /etc
 *   link_up          -> ../../etc
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

static char root[64];
static int root_fd = -1;

struct gofer_proc {
	pid_t pid;
	int sock;        /* our end */
	int debug_fd;    /* memfd the gofer logs to, or -1 */
};

static void write_file(const char *rel, const char *content)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static int setup_tree(void **state)
{
	char p[256];

	strcpy(root, "/tmp/p9gofer.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	write_file("file.txt", "hello gofer\n");
	snprintf(p, sizeof(p), "%s/subdir", root);
	if (mkdir(p, 0755) < 0)
		return -1;
	write_file("subdir/inner.txt", "inner\n");
	snprintf(p, sizeof(p), "%s/link_to_etc", root);
	if (symlink("/etc", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/link_up", root);
	if (symlink("../../etc", p) < 0)
		return -1;
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root_fd < 0 ? -1 : 0;
}

static int teardown_tree(void **state)
{
	char cmd[128];

	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct gofer_proc start_gofer(bool debug)
{
	struct gofer_proc g = { -1, -1, -1 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	if (debug) {
		g.debug_fd = memfd_create("gofer-debug", MFD_CLOEXEC);
		assert_true(g.debug_fd >= 0);
	}
	g.pid = fork();
	assert_true(g.pid >= 0);
	if (g.pid == 0) {
		struct gofer_mount mounts[] = {
			{ "root", root_fd, false },
			{ "ro", root_fd, true },
		};
		struct gofer_config cfg = { mounts, 2, g.debug_fd };

		close(sv[0]);
		_exit(gofer_serve(sv[1], &cfg) == 0 ? 0 : 1);
	}
	close(sv[1]);
	g.sock = sv[0];
	return g;
}

/* Returns the gofer's exit status. */
static int wait_gofer(struct gofer_proc *g)
{
	int st = 0;

	assert_int_equal(waitpid(g->pid, &st, 0), g->pid);
	return st;
}

static struct p9_client *open_client(struct gofer_proc *g, const char *aname, uint32_t *rootfid)
{
	struct p9_client *c = NULL;
	struct p9_qid q;

	assert_int_equal(p9_client_open(&c, g->sock, 64 * 1024, aname, rootfid, &q), 0);
	assert_int_equal(q.type, P9_QTDIR);
	g->sock = -1; /* owned by the client now */
	return c;
}

static void stop(struct gofer_proc *g, struct p9_client *c)
{
	p9_client_close(c);
	if (g->sock >= 0)
		close(g->sock);
	assert_int_equal(wait_gofer(g), 0); /* clean exit when the peer closes */
	if (g->debug_fd >= 0)
		close(g->debug_fd);
}

static uint32_t walk_ok(struct p9_client *c, uint32_t from, uint16_t n, const char *const *names)
{
	uint32_t fid = p9_fid_alloc(c);
	struct p9_qid qids[P9_MAXWELEM];
	uint16_t nq = 0xffff;

	assert_int_equal(p9_walk(c, from, fid, n, names, qids, &nq), 0);
	assert_int_equal(nq, n);
	return fid;
}

static void host_lstat(const char *rel, struct stat *st)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(lstat(p, st), 0);
}

static void assert_attr_matches(const struct p9_attr *a, const struct stat *st)
{
	assert_true(a->valid & P9_GETATTR_BASIC);
	assert_true(a->qid.path == st->st_ino);
	assert_int_equal(a->mode, st->st_mode);
	assert_int_equal(a->uid, st->st_uid);
	assert_int_equal(a->gid, st->st_gid);
	assert_int_equal(a->nlink, st->st_nlink);
	assert_int_equal(a->size, st->st_size);
	assert_int_equal(a->blocks, st->st_blocks);
	assert_int_equal(a->mtime_sec, st->st_mtim.tv_sec);
	assert_int_equal(a->mtime_nsec, st->st_mtim.tv_nsec);
	assert_int_equal(a->ctime_sec, st->st_ctim.tv_sec);
	if (S_ISDIR(st->st_mode))
		assert_int_equal(a->qid.type, P9_QTDIR);
	else if (S_ISLNK(st->st_mode))
		assert_int_equal(a->qid.type, P9_QTSYMLINK);
	else
		assert_int_equal(a->qid.type, P9_QTFILE);
}

/* ---- tests -------------------------------------------------------------- */

static void test_name_check(void **state)
{
	static const struct { const char *s; size_t len; int rc; } cases[] = {
		{ "", 0, -EINVAL }, { ".", 1, -EINVAL }, { "..", 2, -EINVAL },
		{ "a/b", 3, -EINVAL }, { "/", 1, -EINVAL }, { "/etc", 4, -EINVAL },
		{ "a\0b", 3, -EINVAL }, { "\0", 1, -EINVAL }, { "ab/", 3, -EINVAL },
		{ "...", 3, 0 }, { ".a", 2, 0 }, { "a..", 3, 0 }, { "file.txt", 8, 0 },
	};
	char out[GOFER_NAME_MAX + 1], big[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct p9_str s = { cases[i].s, cases[i].len };

		assert_int_equal(gofer_name_check(s, out), cases[i].rc);
		if (cases[i].rc == 0)
			assert_string_equal(out, cases[i].s);
	}
	memset(big, 'n', sizeof(big));
	assert_int_equal(gofer_name_check((struct p9_str){ big, 255 }, out), 0);
	assert_int_equal(strlen(out), 255);
	assert_int_equal(gofer_name_check((struct p9_str){ big, 256 }, out), -ENAMETOOLONG);
}

static void test_attach_unknown_aname(void **state)
{
	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = (struct p9_client *)1;
	uint32_t fid;

	assert_int_equal(p9_client_open(&c, g.sock, 8192, "nope", &fid, NULL), -ENOENT);
	assert_null(c);
	/* the socket was closed by p9_client_open: the gofer exits cleanly */
	assert_int_equal(wait_gofer(&g), 0);
}

static void test_walk_getattr(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_attr a;
	struct stat st;
	static const char *const paths[][2] = {
		{ "file.txt", NULL }, { "subdir", NULL }, { "subdir", "inner.txt" },
		{ "link_to_etc", NULL }, { "link_up", NULL },
	};

	assert_true(p9_client_has_fd_donation(c));
	assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(lstat(root, &st), 0);
	assert_attr_matches(&a, &st);

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		uint16_t n = paths[i][1] ? 2 : 1;
		char rel[128];

		snprintf(rel, sizeof(rel), "%s%s%s", paths[i][0], n == 2 ? "/" : "",
			 n == 2 ? paths[i][1] : "");
		fid = walk_ok(c, rootfid, n, paths[i]);
		assert_int_equal(p9_getattr(c, fid, P9_GETATTR_ALL, &a), 0);
		host_lstat(rel, &st);
		assert_attr_matches(&a, &st);
		assert_int_equal(p9_clunk(c, fid), 0);
		assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	}

	/* walk errors: missing file, walking from a regular file */
	fid = p9_fid_alloc(c);
	{
		const char *missing[] = { "nope" };
		const char *through_file[] = { "file.txt", "x" };
		uint16_t nq = 99;

		assert_int_equal(p9_walk(c, rootfid, fid, 1, missing, NULL, &nq), -ENOENT);
		assert_int_equal(p9_walk(c, rootfid, fid, 2, through_file, NULL, &nq), 0);
		assert_int_equal(nq, 1); /* stopped after file.txt */
		assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	}
	/* clone (nwname 0) */
	assert_int_equal(p9_walk(c, rootfid, fid, 0, NULL, NULL, NULL), 0);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), 0);
	/* newfid in use */
	assert_int_equal(p9_walk(c, rootfid, fid, 0, NULL, NULL, NULL), -EEXIST);
	/* walk a fid onto itself */
	{
		const char *sub[] = { "subdir" };

		assert_int_equal(p9_walk(c, fid, fid, 1, sub, NULL, NULL), 0);
		assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), 0);
		host_lstat("subdir", &st);
		assert_true(a.qid.path == st.st_ino);
	}
	stop(&g, c);
}

static void test_lopen_donates_file_fd(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *file[] = { "file.txt" }, *inner[] = { "subdir", "inner.txt" };
	const char *link[] = { "link_to_etc" };
	struct p9_qid q;
	struct stat st;
	uint32_t iounit = 99;
	char buf[64];
	int fd = -2;

	fid = walk_ok(c, rootfid, 1, file);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, &q, &iounit, &fd), 0);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "hello gofer\n", 12);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(q.path == st.st_ino);
	assert_int_equal(q.type, P9_QTFILE);
	assert_int_equal(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
	close(fd);
	/* an opened fid cannot be opened again nor walked */
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), -EINVAL);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_walk(c, fid, p9_fid_alloc(c), 0, NULL, NULL, NULL), -EBUSY);
	assert_int_equal(p9_clunk(c, fid), 0);

	/* read-write with O_TRUNC: writes land in the host file */
	fid = walk_ok(c, rootfid, 2, inner);
	assert_int_equal(p9_lopen(c, fid, O_RDWR | O_TRUNC, NULL, NULL, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "rewritten\n", 10), 10);
	close(fd);
	{
		char p[256];
		int hfd;

		snprintf(p, sizeof(p), "%s/subdir/inner.txt", root);
		hfd = open(p, O_RDONLY);
		assert_int_equal(read(hfd, buf, sizeof(buf)), 10);
		assert_memory_equal(buf, "rewritten\n", 10);
		close(hfd);
	}
	assert_int_equal(p9_clunk(c, fid), 0);

	/* directories: opened, but the FD is NEVER donated */
	fid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY | O_DIRECTORY, &q, NULL, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(q.type, P9_QTDIR);
	assert_int_equal(p9_clunk(c, fid), 0);
	fid = walk_ok(c, rootfid, 0, NULL);
	assert_int_equal(p9_lopen(c, fid, O_RDWR, NULL, NULL, &fd), -EISDIR);
	assert_int_equal(p9_clunk(c, fid), 0);
	/* O_DIRECTORY on a file */
	fid = walk_ok(c, rootfid, 1, file);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY | O_DIRECTORY, NULL, NULL, &fd), -ENOTDIR);
	assert_int_equal(p9_clunk(c, fid), 0);
	/* a symlink cannot be opened (it would be followed) */
	fid = walk_ok(c, rootfid, 1, link);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), -ELOOP);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_clunk(c, fid), 0);
	stop(&g, c);
}

static void test_lopen_file_replaced(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *name[] = { "swap.txt" };
	char p[256], p2[256];
	int fd;

	write_file("swap.txt", "one\n");
	fid = walk_ok(c, rootfid, 1, name);
	/* behind the gofer's back, another file takes the name */
	write_file("swap2.txt", "two\n");
	snprintf(p, sizeof(p), "%s/swap2.txt", root);
	snprintf(p2, sizeof(p2), "%s/swap.txt", root);
	assert_int_equal(rename(p, p2), 0);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), -ESTALE);
	assert_int_equal(fd, -1);
	/* and a symlink taking the name is not followed */
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(symlink("/etc/passwd", p2), 0);
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), -ELOOP);
	assert_int_equal(unlink(p2), 0);
	assert_int_equal(p9_clunk(c, fid), 0);
	stop(&g, c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_readdir(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	char *got[64], *want[64];
	int ngot = 0, nwant = 0, fd, n;
	uint8_t buf[4096];
	uint64_t off = 0;
	DIR *d;
	struct dirent *de;
	int calls = 0;

	fid = walk_ok(c, rootfid, 0, NULL);
	/* the extension lists a walked directory without Tlopen, and the fid
	 * stays walkable afterwards (plain 9P2000.L: see
	 * test_plain_9p2000L_no_donation) */
	assert_true(p9_readdir(c, fid, 0, sizeof(buf), buf) > 0);
	{
		const char *sub[] = { "subdir" };
		uint32_t sfid = walk_ok(c, fid, 1, sub);
		assert_true(p9_readdir(c, sfid, 0, sizeof(buf), buf) > 0);
		/* walked in place to a file, its listing FD goes with the node */
		const char *inner[] = { "inner.txt" };
		struct p9_qid q[1];
		uint16_t nq = 0;
		assert_int_equal(p9_walk(c, sfid, sfid, 1, inner, q, &nq), 0);
		assert_int_equal(nq, 1);
		assert_int_equal(p9_readdir(c, sfid, 0, sizeof(buf), buf), -ENOTDIR);
		p9_clunk(c, sfid);
	}
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_int_equal(fd, -1);

	/* a small count forces several Treaddir, continuing at d_off */
	while ((n = p9_readdir(c, fid, off, 64, buf)) > 0) {
		struct p9_dirent e;
		size_t pos = 0;
		int r;

		calls++;
		while ((r = p9_dirent_next(buf, (size_t)n, &pos, &e)) == 1) {
			assert_true(ngot < 64);
			got[ngot++] = strndup(e.name, e.namelen);
			off = e.offset;
		}
		assert_int_equal(r, 0);
	}
	assert_int_equal(n, 0);
	assert_true(calls > 1);
	/* a reply with room left for the longest entry is the end (the
	 * extension: PROTOCOL.md 5); a full one is not */
	{
		bool end = true;
		assert_true(p9_readdir_end(c, fid, 0, 64, buf, &end) > 0);
		assert_false(end);
		end = false;
		assert_true(p9_readdir_end(c, fid, 0, sizeof(buf), buf, &end) > 0);
		assert_true(end);
	}
	/* a count too small for any entry */
	assert_int_equal(p9_readdir(c, fid, 0, 10, buf), -EINVAL);

	d = opendir(root);
	assert_non_null(d);
	while ((de = readdir(d)))
		want[nwant++] = strdup(de->d_name);
	closedir(d);
	assert_int_equal(ngot, nwant);
	qsort(got, (size_t)ngot, sizeof(char *), cmp_str);
	qsort(want, (size_t)nwant, sizeof(char *), cmp_str);
	/* sorted: ".", "..", then the tree; nothing skipped */
	assert_true(ngot >= 6);
	assert_string_equal(got[0], ".");
	assert_string_equal(got[1], "..");
	for (int i = 0; i < ngot; i++) {
		assert_string_equal(got[i], want[i]);
		free(got[i]);
		free(want[i]);
	}

	/* readdir on a file fid */
	{
		const char *file[] = { "file.txt" };
		uint32_t ffid = walk_ok(c, rootfid, 1, file);

		assert_int_equal(p9_lopen(c, ffid, O_RDONLY, NULL, NULL, &fd), 0);
		close(fd);
		assert_int_equal(p9_readdir(c, ffid, 0, sizeof(buf), buf), -ENOTDIR);
	}
	stop(&g, c);
}

static void test_readlink(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *l1[] = { "link_to_etc" }, *l2[] = { "link_up" }, *f[] = { "file.txt" };
	char buf[64];

	fid = walk_ok(c, rootfid, 1, l1);
	assert_int_equal(p9_readlink(c, fid, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "/etc");
	assert_int_equal(p9_readlink(c, fid, buf, 4), -ENAMETOOLONG); /* no room for NUL */
	assert_int_equal(p9_readlink(c, fid, buf, 5), 4);
	assert_int_equal(p9_clunk(c, fid), 0);

	fid = walk_ok(c, rootfid, 1, l2);
	assert_int_equal(p9_readlink(c, fid, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "../../etc");
	assert_int_equal(p9_clunk(c, fid), 0);

	fid = walk_ok(c, rootfid, 1, f);
	assert_int_equal(p9_readlink(c, fid, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(p9_clunk(c, fid), 0);
	assert_false(p9_client_is_dead(c));
	stop(&g, c);
}

static void test_bad_names_rejected(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	static const char *const bad[][2] = {
		{ "..", NULL }, { "a/b", NULL }, { "", NULL }, { ".", NULL },
		{ "/etc", NULL }, { "subdir", ".." }, { "subdir", "../.." },
		{ "..", "etc" }, { "subdir/..", NULL }, { "subdir", "" },
	};
	char longname[300];
	struct p9_attr a;

	fid = p9_fid_alloc(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t n = bad[i][1] ? 2 : 1, nq = 77;
		struct p9_qid qids[2];

		assert_int_equal(p9_walk(c, rootfid, fid, n, bad[i], qids, &nq), -EINVAL);
		assert_int_equal(nq, 0);
		/* nothing was created */
		assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	{
		const char *n1[] = { longname };

		assert_int_equal(p9_walk(c, rootfid, fid, 1, n1, NULL, NULL), -ENAMETOOLONG);
	}
	/* more than P9_MAXWELEM names never leave the client */
	{
		const char *many[P9_MAXWELEM + 1];

		for (int i = 0; i <= P9_MAXWELEM; i++)
			many[i] = "subdir";
		assert_int_equal(p9_walk(c, rootfid, fid, P9_MAXWELEM + 1, many, NULL, NULL), -EINVAL);
	}
	assert_false(p9_client_is_dead(c));
	stop(&g, c);
}

static void test_symlink_not_followed(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid, nfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *through[] = { "link_to_etc", "passwd" };
	const char *up[] = { "link_up", "etc" };
	const char *link[] = { "link_to_etc" };
	struct p9_qid qids[2];
	struct p9_attr a;
	struct stat st, etc;
	uint16_t nq = 0;

	nfid = p9_fid_alloc(c);
	assert_int_equal(p9_walk(c, rootfid, nfid, 2, through, qids, &nq), 0);
	assert_int_equal(nq, 1); /* stopped AT the link, not through it */
	assert_int_equal(qids[0].type, P9_QTSYMLINK);
	host_lstat("link_to_etc", &st);
	assert_true(qids[0].path == st.st_ino);
	assert_int_equal(p9_getattr(c, nfid, P9_GETATTR_BASIC, &a), -EBADF);

	assert_int_equal(p9_walk(c, rootfid, nfid, 2, up, qids, &nq), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(p9_getattr(c, nfid, P9_GETATTR_BASIC, &a), -EBADF);

	/* the link itself is a node: lstat data, not /etc's */
	fid = walk_ok(c, rootfid, 1, link);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), 0);
	assert_true(S_ISLNK(a.mode));
	assert_int_equal(stat("/etc", &etc), 0);
	assert_true(a.qid.path != etc.st_ino || st.st_dev != etc.st_dev);
	/* walking from the link fid goes nowhere */
	{
		const char *pw[] = { "passwd" };

		assert_int_equal(p9_walk(c, fid, nfid, 1, pw, NULL, &nq), -ENOTDIR);
	}
	stop(&g, c);
}

static void test_readonly_mount(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "ro", &rootfid);
	const char *file[] = { "file.txt" };
	static const uint32_t refused[] = {
		O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_RDONLY | O_CREAT, O_WRONLY | O_APPEND,
	};
	char buf[16];
	int fd = -2;

	fid = walk_ok(c, rootfid, 1, file);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(p9_lopen(c, fid, refused[i], NULL, NULL, &fd), -EROFS);
		assert_int_equal(fd, -1);
	}
	assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, 5), 5);
	assert_int_equal(write(fd, "x", 1), -1); /* the donated FD is read-only */
	close(fd);
	stop(&g, c);
}

static void test_statfs(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_statfs s;
	struct statfs h;

	assert_int_equal(p9_statfs(c, rootfid, &s), 0);
	assert_int_equal(statfs(root, &h), 0);
	assert_int_equal(s.type, (uint32_t)h.f_type);
	assert_int_equal(s.bsize, (uint32_t)h.f_bsize);
	assert_int_equal(s.namelen, (uint32_t)h.f_namelen);
	assert_int_equal(s.files, h.f_files);
	assert_int_equal(s.fsid, (uint64_t)(uint32_t)h.f_fsid.__val[0] |
				 (uint64_t)(uint32_t)h.f_fsid.__val[1] << 32);
	stop(&g, c);
}

static void test_fid_limit(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, last = 0;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int made = 0, rc;

	for (;;) {
		uint32_t f = p9_fid_alloc(c);

		rc = p9_walk(c, rootfid, f, 0, NULL, NULL, NULL);
		if (rc < 0) {
			p9_fid_free(c, f);
			break;
		}
		last = f;
		made++;
		assert_true(made < GOFER_MAX_FIDS + 10);
	}
	assert_int_equal(rc, -ENFILE);
	assert_int_equal(made, GOFER_MAX_FIDS - 1); /* + the root fid */
	assert_int_equal(p9_clunk(c, last), 0);
	assert_int_equal(p9_walk(c, rootfid, p9_fid_alloc(c), 0, NULL, NULL, NULL), 0);
	stop(&g, c);
}

static int count_fds(pid_t pid)
{
	char p[64];
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	d = opendir(p);
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Every host FD the gofer opens for a fid is closed again by Tclunk. */
static void test_no_fd_leak(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *inner[] = { "subdir", "inner.txt" }, *link[] = { "link_to_etc" };
	const char *through[] = { "subdir", "link_to_etc", "x" };
	const char *partial[] = { "link_to_etc", "passwd" };
	uint8_t buf[1024];
	char lb[64];
	int base = count_fds(g.pid), fd;
	uint16_t nq;

	for (int i = 0; i < 200; i++) {
		fid = walk_ok(c, rootfid, 2, inner);
		assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
		close(fd);
		assert_int_equal(p9_clunk(c, fid), 0);

		fid = walk_ok(c, rootfid, 0, NULL);
		assert_int_equal(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), 0);
		assert_true(p9_readdir(c, fid, 0, sizeof(buf), buf) > 0);
		assert_int_equal(p9_clunk(c, fid), 0);

		fid = walk_ok(c, rootfid, 1, link);
		assert_int_equal(p9_readlink(c, fid, lb, sizeof(lb)), 4);
		assert_int_equal(p9_clunk(c, fid), 0);

		fid = p9_fid_alloc(c);
		assert_int_equal(p9_walk(c, rootfid, fid, 2, partial, NULL, &nq), 0);
		assert_int_equal(nq, 1);
		assert_int_equal(p9_walk(c, rootfid, fid, 3, through, NULL, &nq), 0);
		assert_int_equal(nq, 1);
		p9_fid_free(c, fid);
	}
	assert_int_equal(count_fds(g.pid), base);
	stop(&g, c);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_killed_gofer_gives_eio(void **state)
{
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	struct p9_attr a;
	double t0;
	int st;

	assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(kill(g.pid, SIGKILL), 0);
	st = wait_gofer(&g);
	assert_true(WIFSIGNALED(st));

	alarm(10); /* a hang fails the test instead of blocking it */
	t0 = now();
	assert_int_equal(p9_getattr(c, rootfid, P9_GETATTR_BASIC, &a), -EIO);
	assert_true(p9_client_is_dead(c));
	assert_int_equal(p9_walk(c, rootfid, 5, 0, NULL, NULL, NULL), -EIO);
	assert_int_equal(p9_clunk(c, rootfid), -EIO);
	assert_true(now() - t0 < 1.0);
	alarm(0);
	p9_client_close(c);
}

/* ---- raw packets -------------------------------------------------------- */

static void raw_send(int sock, const void *buf, size_t len)
{
	assert_int_equal(send(sock, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void raw_send_fc(int sock, struct p9_fcall *fc)
{
	uint8_t buf[8192];
	int n = p9_pack(buf, sizeof(buf), fc);

	assert_true(n > 0);
	raw_send(sock, buf, (size_t)n);
}

/* Receives one reply into buf/fc; *fd gets a donated FD or -1. Returns the
 * packet length (0 when the gofer closed the connection). */
static int raw_recv(int sock, uint8_t *buf, size_t cap, struct p9_fcall *fc, int *fd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 4)]; } ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	assert_true(n >= 0);
	if (fd)
		*fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int got;

		assert_int_equal(c->cmsg_type, SCM_RIGHTS);
		memcpy(&got, CMSG_DATA(c), sizeof(int));
		assert_non_null(fd);
		*fd = got;
	}
	if (n > 0)
		assert_int_equal(p9_unpack(buf, (size_t)n, fc), 0);
	return (int)n;
}

static void raw_expect_error(int sock, uint16_t tag, uint32_t ecode)
{
	uint8_t buf[8192];
	struct p9_fcall r;

	assert_true(raw_recv(sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RLERROR);
	assert_int_equal(r.tag, tag);
	assert_int_equal(r.u.rlerror.ecode, ecode);
}

static void raw_version(int sock, const char *version, const char *expect)
{
	struct p9_fcall t = { .type = P9_TVERSION, .tag = P9_NOTAG }, r;
	uint8_t buf[8192];

	t.u.tversion.msize = 8192;
	t.u.tversion.version = p9_str_make(version);
	raw_send_fc(sock, &t);
	assert_true(raw_recv(sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RVERSION);
	assert_true(p9_str_eq(r.u.rversion.version, expect));
	assert_int_equal(r.u.rversion.msize, 8192);
}

static void raw_attach(int sock, uint32_t fid)
{
	struct p9_fcall t = { .type = P9_TATTACH, .tag = 1 }, r;
	uint8_t buf[8192];

	t.u.tattach.fid = fid;
	t.u.tattach.afid = P9_NOFID;
	t.u.tattach.aname = p9_str_make("root");
	raw_send_fc(sock, &t);
	assert_true(raw_recv(sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RATTACH);
}

static void test_hostile_packets(void **state)
{
	struct gofer_proc g = start_gofer(false);
	struct p9_fcall t, r;
	uint8_t buf[8192];
	int n, st;

	/* before Tversion: refused */
	memset(&t, 0, sizeof(t));
	t.type = P9_TATTACH;
	t.tag = 3;
	t.u.tattach.afid = P9_NOFID;
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 3, EPROTO);

	raw_version(g.sock, "9P2000", "unknown");
	raw_version(g.sock, P9_VERSION_RUNSC, P9_VERSION_RUNSC);
	raw_attach(g.sock, 0);

	/* a name with an embedded NUL: "file.txt\0/../../etc" */
	memset(&t, 0, sizeof(t));
	t.type = P9_TWALK;
	t.tag = 4;
	t.u.twalk.fid = 0;
	t.u.twalk.newfid = 1;
	t.u.twalk.wname.n = 1;
	t.u.twalk.wname.name[0] = (struct p9_str){ "file.txt\0/../../etc", 19 };
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 4, EINVAL);

	/* trailing garbage after a valid Twalk */
	t.u.twalk.wname.name[0] = p9_str_make("file.txt");
	n = p9_pack(buf, sizeof(buf), &t);
	buf[n] = 0;
	buf[0] = (uint8_t)(n + 1);
	raw_send(g.sock, buf, (size_t)n + 1);
	raw_expect_error(g.sock, 4, EINVAL);

	/* nwname 17 */
	buf[0] = (uint8_t)n;
	buf[15] = 17;
	raw_send(g.sock, buf, (size_t)n);
	raw_expect_error(g.sock, 4, EINVAL);

	/* unknown type, R-message, unsupported operation */
	{
		uint8_t u[7] = { 7, 0, 0, 0, 99, 5, 0 };

		raw_send(g.sock, u, 7);
		raw_expect_error(g.sock, 5, EOPNOTSUPP);
		u[4] = P9_RGETATTR;
		raw_send(g.sock, u, 7);
		raw_expect_error(g.sock, 5, EINVAL); /* body missing */
		u[4] = P9_RCLUNK;
		raw_send(g.sock, u, 7);
		raw_expect_error(g.sock, 5, EOPNOTSUPP);
	}
	memset(&t, 0, sizeof(t));
	t.type = P9_TREAD;
	t.tag = 6;
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 6, EOPNOTSUPP);
	/* Tflush is answered */
	memset(&t, 0, sizeof(t));
	t.type = P9_TFLUSH;
	t.tag = 7;
	raw_send_fc(g.sock, &t);
	assert_true(raw_recv(g.sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RFLUSH);

	/* random bodies behind valid headers: always some answer, no crash */
	srand(1);
	for (int i = 0; i < 2000; i++) {
		uint8_t p[64];
		size_t len = 7 + (size_t)rand() % 57;
		static const uint8_t types[] = { P9_TWALK, P9_TGETATTR, P9_TLOPEN,
			P9_TREADDIR, P9_TREADLINK, P9_TSTATFS, P9_TCLUNK, P9_TATTACH };

		for (size_t k = 0; k < len; k++)
			p[k] = (uint8_t)rand();
		p[0] = (uint8_t)len; p[1] = p[2] = p[3] = 0;
		p[4] = types[rand() % 8];
		if (p[4] == P9_TCLUNK || p[4] == P9_TATTACH)
			p[7] = 0xee; /* fid low byte: never clunk/attach fid 0 */
		raw_send(g.sock, p, len);
		n = raw_recv(g.sock, buf, sizeof(buf), &r, NULL);
		assert_true(n > 0);
		assert_int_equal(r.tag, p[5] | p[6] << 8);
		if (r.type == P9_RLOPEN) { /* cannot happen: no fid is walked */
			fail();
		}
	}
	/* still serving */
	memset(&t, 0, sizeof(t));
	t.type = P9_TGETATTR;
	t.tag = 8;
	t.u.tgetattr.fid = 0;
	raw_send_fc(g.sock, &t);
	assert_true(raw_recv(g.sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RGETATTR);

	/* FDs sent to the gofer are dropped, the request still served */
	{
		int pfd[2];
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
		struct iovec iov;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c;

		assert_int_equal(pipe(pfd), 0);
		n = p9_pack(buf, sizeof(buf), &t);
		iov.iov_base = buf;
		iov.iov_len = (size_t)n;
		memset(&ctl, 0, sizeof(ctl));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
		assert_int_equal(sendmsg(g.sock, &mh, 0), n);
		close(pfd[0]);
		assert_true(raw_recv(g.sock, buf, sizeof(buf), &r, NULL) > 0);
		assert_int_equal(r.type, P9_RGETATTR);
		/* the gofer closed its copy: the pipe has no reader left */
		signal(SIGPIPE, SIG_IGN);
		assert_int_equal(write(pfd[1], "x", 1), -1);
		assert_int_equal(errno, EPIPE);
		close(pfd[1]);
	}

	/* oversized packet (more than msize 8192) */
	{
		static uint8_t big[9000];

		memset(big, 0, sizeof(big));
		big[0] = (uint8_t)sizeof(big);
		big[1] = (uint8_t)(sizeof(big) >> 8);
		big[4] = P9_TGETATTR;
		big[5] = 9;
		raw_send(g.sock, big, sizeof(big));
		raw_expect_error(g.sock, 9, EMSGSIZE);
	}

	/* an unreadable header: the gofer drops the connection */
	raw_send(g.sock, "\x03\x00\x00", 3);
	assert_int_equal(raw_recv(g.sock, buf, sizeof(buf), &r, NULL), 0);
	close(g.sock);
	st = wait_gofer(&g);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1); /* gofer_serve returned < 0 */
}

static void test_plain_9p2000L_no_donation(void **state)
{
	struct gofer_proc g = start_gofer(false);
	struct p9_fcall t, r;
	uint8_t buf[8192];
	int fd;

	raw_version(g.sock, P9_VERSION_L, P9_VERSION_L);
	raw_attach(g.sock, 0);
	memset(&t, 0, sizeof(t));
	t.type = P9_TWALK;
	t.tag = 2;
	t.u.twalk.newfid = 1;
	t.u.twalk.wname.n = 1;
	t.u.twalk.wname.name[0] = p9_str_make("file.txt");
	raw_send_fc(g.sock, &t);
	assert_true(raw_recv(g.sock, buf, sizeof(buf), &r, NULL) > 0);
	assert_int_equal(r.type, P9_RWALK);

	memset(&t, 0, sizeof(t));
	t.type = P9_TLOPEN;
	t.tag = 3;
	t.u.tlopen.fid = 1;
	t.u.tlopen.flags = P9_DOTL_RDONLY;
	raw_send_fc(g.sock, &t);
	assert_true(raw_recv(g.sock, buf, sizeof(buf), &r, &fd) > 0);
	assert_int_equal(r.type, P9_RLOPEN);
	assert_int_equal(fd, -1); /* no extension: no FD */

	/* no extension: a walked directory must be opened to be listed */
	memset(&t, 0, sizeof(t));
	t.type = P9_TREADDIR;
	t.tag = 5;
	t.u.treaddir.fid = 0;
	t.u.treaddir.count = 4096;
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 5, EBADF);

	/* a new Tversion drops every fid */
	raw_version(g.sock, P9_VERSION_RUNSC, P9_VERSION_RUNSC);
	memset(&t, 0, sizeof(t));
	t.type = P9_TGETATTR;
	t.tag = 4;
	t.u.tgetattr.fid = 1;
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 4, EBADF);
	close(g.sock);
	assert_int_equal(wait_gofer(&g), 0);
}

static int line_count;
static void count_line(void *arg, const char *line)
{
	line_count++;
}

static void test_debug_log(void **state)
{
	struct gofer_proc g = start_gofer(true);
	uint32_t rootfid, fid;
	struct p9_client *c = open_client(&g, "root", &rootfid);
	const char *file[] = { "file.txt" };
	char log[8192];
	struct p9_attr a;
	ssize_t n;
	int lines = 0;

	p9_client_set_trace(c, count_line, NULL);
	line_count = 0;
	fid = walk_ok(c, rootfid, 1, file);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), 0);
	assert_int_equal(line_count, 4); /* T and R of each */
	p9_client_set_trace(c, NULL, NULL);
	p9_client_close(c);
	assert_int_equal(wait_gofer(&g), 0);
	n = pread(g.debug_fd, log, sizeof(log) - 1, 0);
	assert_true(n > 0);
	log[n] = '\0';
	for (char *p = log; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 4); /* version, attach, walk, getattr */
	assert_non_null(strstr(log, "]: 9p Tversion tag=65535 msize=65536 version=\"9P2000.L.runsc-lite.1\" -> Rversion"));
	assert_non_null(strstr(log, "]: 9p Twalk tag=1 fid=1 newfid=2 nwname=1 wname=[\"file.txt\"] -> Rwalk tag=1 nwqid=1"));
	assert_non_null(strstr(log, "Tgetattr tag=2 fid=2"));
	close(g.debug_fd);
}

/* A gofer serving the host root never serves what lies beneath /proc or
 * /sys, even unprivileged: the mount points may be walked to, no further. */
static void test_host_pseudo_fs_not_served(void **state)
{
	static const char *const proc[] = { "proc" };
	static const char *const one[] = { "1" };
	static const char *const deep[] = { "proc", "self", "status" };
	static const char *const sys[] = { "sys", "kernel" };
	struct p9_qid qids[3];
	uint32_t rootfid, pfid, iounit;
	uint16_t nq = 0;
	int saved = root_fd, fd = -1;
	struct p9_qid q;

	struct statfs sf;
	if (statfs("/proc/self", &sf) < 0 || sf.f_type != 0x9fa0)
		skip();   /* no procfs on this machine */
	root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root_fd >= 0);
	struct gofer_proc g = start_gofer(false);
	close(root_fd);
	root_fd = saved;
	struct p9_client *c = open_client(&g, "root", &rootfid);

	pfid = walk_ok(c, rootfid, 1, proc);
	assert_int_equal(p9_walk(c, pfid, p9_fid_alloc(c), 1, one, qids, &nq), -ENOENT);
	nq = 0;
	assert_int_equal(p9_walk(c, rootfid, p9_fid_alloc(c), 3, deep, qids, &nq), 0);
	assert_int_equal(nq, 1);   /* stopped at /proc */
	nq = 0;
	assert_int_equal(p9_walk(c, rootfid, p9_fid_alloc(c), 2, sys, qids, &nq), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(p9_lopen(c, pfid, O_RDONLY | O_DIRECTORY, &q, &iounit, &fd), -EACCES);
	assert_int_equal(fd, -1);
	stop(&g, c);
}

/* Twalkgetattr: one round trip gives the qids and the last file's attrs. */
static void test_ext_walkgetattr(void **state)
{
	static const char *const inner[] = { "subdir", "inner.txt" };
	static const char *const missing[] = { "subdir", "nope" };
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid, fid;
	struct p9_qid qids[2];
	struct p9_attr a, b;
	uint16_t nq = 0;
	struct stat st;

	struct p9_client *c = open_client(&g, "root", &rootfid);
	fid = p9_fid_alloc(c);
	assert_int_equal(p9_walk_getattr(c, rootfid, fid, 2, inner, qids, &nq, &a), 0);
	assert_int_equal(nq, 2);
	host_lstat("subdir/inner.txt", &st);
	assert_attr_matches(&a, &st);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &b), 0);   /* newfid exists */
	assert_int_equal(b.qid.path, a.qid.path);
	/* a walk that stops early: no newfid, attr.valid 0 */
	nq = 0;
	assert_int_equal(p9_walk_getattr(c, rootfid, p9_fid_alloc(c), 2, missing, qids, &nq, &a), 0);
	assert_int_equal(nq, 1);
	assert_int_equal(a.valid, 0);
	stop(&g, c);
}

/* Twalkopen: one round trip, no fid, a donated FD; only regular files, with
 * Tlopen's rules. */
static void test_ext_walkopen(void **state)
{
	static const char *const file[] = { "file.txt" };
	static const char *const dir[] = { "subdir" };
	static const char *const link[] = { "link_to_etc" };
	static const char *const through[] = { "link_to_etc", "passwd" };
	struct gofer_proc g = start_gofer(false);
	uint32_t rootfid;
	struct p9_qid q;
	char buf[64];
	int fd = -1;

	struct p9_client *c = open_client(&g, "root", &rootfid);
	assert_int_equal(p9_walk_open(c, rootfid, 1, file, O_RDONLY, &q, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "hello gofer\n", 12);
	close(fd);
	assert_int_equal(p9_walk_open(c, rootfid, 1, dir, O_RDONLY, &q, &fd), -EISDIR);
	assert_int_equal(fd, -1);
	assert_int_equal(p9_walk_open(c, rootfid, 1, link, O_RDONLY, &q, &fd), -ELOOP);
	assert_int_equal(p9_walk_open(c, rootfid, 2, through, O_RDONLY, &q, &fd), -ENOENT);
	assert_int_equal(fd, -1);
	/* the walked-from fid is untouched and can still be walked */
	uint32_t f2 = walk_ok(c, rootfid, 1, file);
	assert_int_equal(p9_walk_open(c, f2, 0, NULL, O_RDONLY, &q, &fd), 0);
	close(fd);
	stop(&g, c);

	/* read-only mount: no write, no truncate */
	g = start_gofer(false);
	c = open_client(&g, "ro", &rootfid);
	assert_int_equal(p9_walk_open(c, rootfid, 1, file, O_WRONLY, &q, &fd), -EROFS);
	assert_int_equal(p9_walk_open(c, rootfid, 1, file, O_RDONLY | O_TRUNC, &q, &fd), -EROFS);
	stop(&g, c);
}

/* Without the negotiated extension the gofer refuses the new messages. */
static void test_ext_refused_without_negotiation(void **state)
{
	struct gofer_proc g = start_gofer(false);
	struct p9_fcall t;

	raw_version(g.sock, P9_VERSION_L, P9_VERSION_L);
	raw_attach(g.sock, 0);
	memset(&t, 0, sizeof(t));
	t.type = P9_TWALKOPEN;
	t.tag = 2;
	t.u.twalkopen.wname.n = 1;
	t.u.twalkopen.wname.name[0] = p9_str_make("file.txt");
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 2, EOPNOTSUPP);
	memset(&t, 0, sizeof(t));
	t.type = P9_TWALKGETATTR;
	t.tag = 3;
	t.u.twalkgetattr.newfid = 1;
	raw_send_fc(g.sock, &t);
	raw_expect_error(g.sock, 3, EOPNOTSUPP);
	close(g.sock);
	assert_int_equal(wait_gofer(&g), 0);
}

static uint32_t walk1_fid(struct p9_client *c, uint32_t from, const char *name)
{
	const char *const names[1] = { name };
	return walk_ok(c, from, 1, names);
}

/* A named pipe: a writer is opened non-blocking on the host (the gofer
 * never waits) and donated, blocking again; a writer without a reader gets
 * ENXIO; a reader gets an O_PATH descriptor, no reader itself, which the
 * client opens (here as the sentry does, through procfs); read-only mounts
 * still allow writing a FIFO (nothing on disk changes). */
static void test_ext_fifo(void **state)
{
	char p[256], buf[8];
	struct p9_qid q;
	uint32_t iounit, rootfid;
	int rfd = -1, wfd = -1;

	snprintf(p, sizeof(p), "%s/ff", root);
	unlink(p);
	assert_int_equal(mkfifo(p, 0666), 0);
	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	assert_int_equal(p9_lopen(c, walk1_fid(c, rootfid, "ff"), O_WRONLY, &q, &iounit, &wfd), -ENXIO);
	int pathfd = -1;
	assert_int_equal(p9_lopen(c, walk1_fid(c, rootfid, "ff"), O_RDONLY, &q, &iounit, &pathfd), 0);
	assert_true(pathfd >= 0);
	assert_true(fcntl(pathfd, F_GETFL) & O_PATH);
	/* no reader yet: the O_PATH descriptor is none */
	assert_int_equal(open(p, O_WRONLY | O_NONBLOCK), -1);
	assert_int_equal(errno, ENXIO);
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pathfd);
	rfd = open(self, O_RDONLY | O_NONBLOCK);
	close(pathfd);
	assert_true(rfd >= 0);
	int host_w = open(p, O_WRONLY | O_NONBLOCK);
	assert_true(host_w >= 0);
	assert_int_equal(write(host_w, "x", 1), 1);
	assert_int_equal(read(rfd, buf, sizeof(buf)), 1);
	stop(&g, c);

	g = start_gofer(false);
	c = open_client(&g, "ro", &rootfid);
	assert_int_equal(p9_lopen(c, walk1_fid(c, rootfid, "ff"), O_WRONLY, &q, &iounit, &wfd), 0);
	assert_int_equal(write(wfd, "y", 1), 1);
	assert_int_equal(read(rfd, buf, sizeof(buf)), 1);
	close(wfd);
	close(host_w);
	close(rfd);
	stop(&g, c);
	unlink(p);
}

/* Tlconnect: a socket connected to a host unix socket of the tree. */
static void test_ext_lconnect(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint32_t rootfid;
	char buf[8];
	int s = -1;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", root);
	unlink(sa.sun_path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	assert_int_equal(p9_lconnect(c, walk1_fid(c, rootfid, "sock"), SOCK_STREAM, &s), 0);
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(write(s, "hi", 2), 2);
	assert_int_equal(read(a, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	close(a);
	close(s);
	assert_int_equal(p9_lconnect(c, walk1_fid(c, rootfid, "file.txt"), SOCK_STREAM, &s), -ECONNREFUSED);
	assert_int_equal(p9_lconnect(c, walk1_fid(c, rootfid, "sock"), 12345, &s), -EINVAL);
	assert_int_equal(s, -1);
	stop(&g, c);
	close(l);
	unlink(sa.sun_path);
}

/* Tallocate: fallocate of a regular file; EROFS read-only, EISDIR. */
static void test_ext_allocate(void **state)
{
	static const char *const sub[] = { "subdir" };
	uint32_t rootfid;
	struct stat st;
	char p[256];

	write_file("alloc.bin", "");
	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	assert_int_equal(p9_allocate(c, walk1_fid(c, rootfid, "alloc.bin"), 0, 0, 8192), 0);
	snprintf(p, sizeof(p), "%s/alloc.bin", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 8192);
	assert_int_equal(p9_allocate(c, walk_ok(c, rootfid, 1, sub), 0, 0, 10), -EISDIR);
	stop(&g, c);
	g = start_gofer(false);
	c = open_client(&g, "ro", &rootfid);
	assert_int_equal(p9_allocate(c, walk1_fid(c, rootfid, "alloc.bin"), 0, 0, 16384), -EROFS);
	stop(&g, c);
	unlink(p);
}

/* Tu* requests: the new entry's owner is the uid asked for (as root), and
 * an owner the gofer may not give leaves nothing behind. */
static void test_ext_owner(void **state)
{
	const uint32_t uid = 4321;
	struct p9_qid q;
	uint32_t rootfid;
	struct stat st;
	char p[256];
	int fd = -1;

	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	int mk = p9_umkdir(c, rootfid, "o_dir", 0755, uid, (uint32_t)-1, &q);
	if (geteuid() != 0) {
		assert_int_equal(mk, -EPERM);
		snprintf(p, sizeof(p), "%s/o_dir", root);
		assert_int_equal(lstat(p, &st), -1);   /* all or nothing */
		stop(&g, c);
		return;
	}
	assert_int_equal(mk, 0);
	assert_int_equal(p9_usymlink(c, rootfid, "o_link", "o_dir", uid, (uint32_t)-1, &q), 0);
	assert_int_equal(p9_umknod(c, rootfid, "o_fifo", S_IFIFO | 0644, uid, (uint32_t)-1, &q), 0);
	uint32_t dirfid = p9_fid_alloc(c);
	assert_int_equal(p9_walk(c, rootfid, dirfid, 0, NULL, NULL, NULL), 0);
	assert_int_equal(p9_ucreate(c, dirfid, "o_file", O_WRONLY, 04755, uid, (uint32_t)-1, &q, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
	static const char *const names[] = { "o_dir", "o_link", "o_fifo", "o_file" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", root, names[i]);
		assert_int_equal(lstat(p, &st), 0);
		assert_int_equal(st.st_uid, uid);
		if (i == 3)
			assert_int_equal(st.st_mode & 07777, 04755);   /* set-uid kept after chown */
	}
	stop(&g, c);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", root, names[i]);
		i == 0 ? rmdir(p) : unlink(p);
	}
}

/* Tsetattrclunk: the change is made and the fid is gone. */
static void test_ext_setattrclunk(void **state)
{
	uint32_t rootfid;
	struct p9_attr a;
	struct stat st;

	write_file("sac.txt", "x");
	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	uint32_t fid = walk1_fid(c, rootfid, "sac.txt");
	struct p9_setattr sa = { .valid = P9_SETATTR_MODE, .mode = 0600 };
	assert_int_equal(p9_setattr_clunk(c, fid, &sa), 0);
	host_lstat("sac.txt", &st);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(p9_getattr(c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	stop(&g, c);
}

/* Tmultigetattr: every element's attributes in one round trip; stops where
 * a walk would (a missing name, a symlink). */
static void test_ext_multigetattr(void **state)
{
	static const char *const inner[] = { "subdir", "inner.txt" };
	static const char *const missing[] = { "subdir", "nope", "x" };
	static const char *const through[] = { "link_to_etc", "passwd" };
	static const char *const bad[] = { "subdir", ".." };
	struct p9_attr attrs[3];
	uint32_t rootfid;
	struct stat st;

	struct gofer_proc g = start_gofer(false);
	struct p9_client *c = open_client(&g, "root", &rootfid);
	assert_int_equal(p9_multigetattr(c, rootfid, 2, inner, attrs), 2);
	host_lstat("subdir", &st);
	assert_attr_matches(&attrs[0], &st);
	host_lstat("subdir/inner.txt", &st);
	assert_attr_matches(&attrs[1], &st);
	assert_int_equal(p9_multigetattr(c, rootfid, 3, missing, attrs), 1);
	assert_int_equal(p9_multigetattr(c, rootfid, 2, through, attrs), 1);
	assert_true(S_ISLNK(attrs[0].mode));
	assert_int_equal(p9_multigetattr(c, rootfid, 2, bad, attrs), 1);   /* ".." refused */
	stop(&g, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_attach_unknown_aname),
		cmocka_unit_test(test_walk_getattr),
		cmocka_unit_test(test_lopen_donates_file_fd),
		cmocka_unit_test(test_lopen_file_replaced),
		cmocka_unit_test(test_readdir),
		cmocka_unit_test(test_readlink),
		cmocka_unit_test(test_bad_names_rejected),
		cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_readonly_mount),
		cmocka_unit_test(test_statfs),
		cmocka_unit_test(test_fid_limit),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_killed_gofer_gives_eio),
		cmocka_unit_test(test_hostile_packets),
		cmocka_unit_test(test_plain_9p2000L_no_donation),
		cmocka_unit_test(test_debug_log),
		cmocka_unit_test(test_host_pseudo_fs_not_served),
		cmocka_unit_test(test_ext_walkgetattr),
		cmocka_unit_test(test_ext_walkopen),
		cmocka_unit_test(test_ext_refused_without_negotiation),
		cmocka_unit_test(test_ext_fifo),
		cmocka_unit_test(test_ext_lconnect),
		cmocka_unit_test(test_ext_allocate),
		cmocka_unit_test(test_ext_owner),
		cmocka_unit_test(test_ext_setattrclunk),
		cmocka_unit_test(test_ext_multigetattr),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
