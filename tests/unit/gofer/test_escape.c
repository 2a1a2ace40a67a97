/*
 * gofer escapes: a REAL gofer process (fork + gofer_serve) over a temporary
 * tree, with this test as the client, while a thread of this test
 * rearranges the tree under the gofer the way a sandboxed application (or
 * any other process) can: atomic renameat2(RENAME_EXCHANGE) swaps of a
 * directory and of a file with symlinks pointing out of the tree.
 *
 * Layout (mkdtemp /tmp/rl-escape.XXXXXX):
 *   outside/f             the canary: random content, never to be served
 *   outside/hl_target     "outside, linked in\n" (hard-linked into the tree)
 *   tree/                 the gofer's mount "root"
 *   tree/d/f              "inside\n"
 *   tree/d/l           -> <outside>/f         swapped with d/f
 *   tree/s_root        -> /                   \
 *   tree/s_out         -> <outside>            > swapped with d
 *   tree/s_up          -> ../outside          /
 *   tree/hl               hard link of outside/hl_target, made by the host
 *
 * What the tests show:
 *   - test_swap_race: whatever the interleaving, walking {"d","f"} and
 *     reading the donated FD gives "inside\n" or a clean errno (ENOENT,
 *     ENOTDIR, ELOOP, ESTALE; in practice a partial walk or ELOOP); walking
 *     {"d","etc","passwd"} never gets past "d"; Treaddir of an opened "d"
 *     lists only "d"'s entries.  Never the canary, never /etc/passwd, never a
 *     dead connection.  The gofer holds each walked directory by FD and
 *     re-opens by name relative to it with O_NOFOLLOW, so a swapped-in
 *     symlink is only ever seen as a symlink.
 *   - test_hardlink_is_a_file: a hard link placed in the tree by the host
 *     to a file outside IS served, as the ordinary file it is: same inode
 *     (qid.path), nlink 2, the outside content.  The gofer confines names,
 *     not inodes; a hard link is a second name of the inode, so whoever
 *     can make one (the host, not the sandbox: every name the sandbox can
 *     use resolves beneath the tree) decides that the file is shared.
 *   - test_bad_names: names containing "/" or equal to ".." (or "." or
 *     empty) are refused with EINVAL by walk and create, and nothing
 *     appears outside.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

#define RACE_SECONDS    3.0
#define RACE_ITERATIONS 20000
#define INSIDE          "inside\n"

static char top[64], tree[96], outside[96];
static char canary[33];             /* content of outside/f */
static char passwd_head[64];        /* first bytes of /etc/passwd */
static int tree_fd = -1;            /* O_PATH of tree/ */

struct gofer_proc { pid_t pid; struct p9_client *c; uint32_t root; };

/* What a failed assertion may leave behind (cmocka leaves the test by
 * longjmp): cleaned by the per-test teardown so the next test starts clean. */
static pid_t live_gofer = -1;
static struct swapper *live_swapper;

/* ---- fixture -------------------------------------------------------------- */

static void write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static void pathf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_true((size_t)vsnprintf(buf, cap, fmt, ap) < cap);
	va_end(ap);
}

static void make_canary(void)
{
	uint8_t rnd[16];

	assert_int_equal(getrandom(rnd, sizeof(rnd), 0), (ssize_t)sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(canary + 2 * i, 3, "%02x", rnd[i]);
}

static void read_passwd_head(void)
{
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, passwd_head, sizeof(passwd_head) - 1) : -1;

	/* no /etc/passwd: an unguessable string stands in for it */
	if (n <= 0)
		snprintf(passwd_head, sizeof(passwd_head), "no-passwd-%s", canary);
	if (fd >= 0)
		close(fd);
}

static int setup(void **state)
{
	char p[256], q[256];

	make_canary();
	read_passwd_head();
	strcpy(top, "/tmp/rl-escape.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	pathf(outside, sizeof(outside), "%s/outside", top);
	pathf(tree, sizeof(tree), "%s/tree", top);
	if (mkdir(outside, 0755) < 0 || mkdir(tree, 0755) < 0)
		return -1;
	pathf(p, sizeof(p), "%s/f", outside);
	write_file(p, canary);
	pathf(p, sizeof(p), "%s/hl_target", outside);
	write_file(p, "outside, linked in\n");
	pathf(q, sizeof(q), "%s/hl", tree);
	if (link(p, q) < 0)
		return -1;

	pathf(p, sizeof(p), "%s/d", tree);
	if (mkdir(p, 0755) < 0)
		return -1;
	pathf(p, sizeof(p), "%s/d/f", tree);
	write_file(p, INSIDE);
	pathf(p, sizeof(p), "%s/f", outside);
	pathf(q, sizeof(q), "%s/d/l", tree);
	if (symlink(p, q) < 0)
		return -1;
	pathf(q, sizeof(q), "%s/s_root", tree);
	if (symlink("/", q) < 0)
		return -1;
	pathf(q, sizeof(q), "%s/s_out", tree);
	if (symlink(outside, q) < 0)
		return -1;
	pathf(q, sizeof(q), "%s/s_up", tree);
	if (symlink("../outside", q) < 0)
		return -1;
	tree_fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return tree_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	close(tree_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

static struct gofer_proc start_gofer(void)
{
	struct gofer_proc g = { -1, NULL, 0 };
	struct p9_qid q;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	g.pid = fork();
	assert_true(g.pid >= 0);
	if (g.pid == 0) {
		struct gofer_mount m = { "root", tree_fd, false };
		struct gofer_config cfg = { &m, 1, -1 };

		close(sv[0]);
		_exit(gofer_serve(sv[1], &cfg) == 0 ? 0 : 1);
	}
	close(sv[1]);
	live_gofer = g.pid;
	assert_int_equal(p9_client_open(&g.c, sv[0], 64 * 1024, "root", &g.root, &q), 0);
	assert_true(p9_client_has_fd_donation(g.c));
	return g;
}

/* The gofer is still serving, then exits cleanly when we close. */
static void stop_gofer(struct gofer_proc *g)
{
	struct p9_attr a;
	int st = 0;

	assert_false(p9_client_is_dead(g->c));
	assert_int_equal(p9_getattr(g->c, g->root, P9_GETATTR_BASIC, &a), 0);
	p9_client_close(g->c);
	assert_int_equal(waitpid(g->pid, &st, 0), g->pid);
	live_gofer = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the swapper ---------------------------------------------------------- */

struct swapper {
	pthread_t thread;
	atomic_bool stop;
	int d_fd;              /* O_PATH of the real tree/d, wherever its name is */
	unsigned long swaps;
};

/* Swaps a and b (both in dfd) and back: each name is always present. */
static void swap_twice(struct swapper *s, int dfd, const char *a, const char *b)
{
	if (renameat2(dfd, a, dfd, b, RENAME_EXCHANGE) == 0 &&
	    renameat2(dfd, a, dfd, b, RENAME_EXCHANGE) == 0)
		s->swaps += 2;
}

static void *swapper_main(void *arg)
{
	static const char *const links[] = { "s_root", "s_out", "s_up" };
	struct swapper *s = arg;

	for (unsigned i = 0; !atomic_load(&s->stop); i++) {
		swap_twice(s, tree_fd, "d", links[i % 3]);
		/* through d's own FD: "d/f" by path could be resolved through
		 * a swapped-in symlink */
		swap_twice(s, s->d_fd, "f", "l");
	}
	return NULL;
}

static void swapper_start(struct swapper *s)
{
	memset(s, 0, sizeof(*s));
	s->d_fd = openat(tree_fd, "d", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(s->d_fd >= 0);
	assert_int_equal(pthread_create(&s->thread, NULL, swapper_main, s), 0);
	live_swapper = s;
}

static void swapper_stop(struct swapper *s)
{
	live_swapper = NULL;
	atomic_store(&s->stop, true);
	assert_int_equal(pthread_join(s->thread, NULL), 0);
	close(s->d_fd);
}

/* Per-test teardown: stop what a failed test left running. */
static int stop_leftovers(void **state)
{
	if (live_swapper)
		swapper_stop(live_swapper);
	if (live_gofer > 0) {
		kill(live_gofer, SIGKILL);
		waitpid(live_gofer, NULL, 0);
		live_gofer = -1;
	}
	return 0;
}

/* ---- checks ----------------------------------------------------------------- */

/* Outcomes of the {"d","f"} walk + open, and of the listings of d. */
struct tally { unsigned long full, partial, reads, eloop, estale, dirs; };

static void assert_clean_errno(int rc)
{
	if (rc == -ENOENT || rc == -ENOTDIR || rc == -ELOOP || rc == -ESTALE)
		return;
	fail_msg("unexpected error %d (%s)", rc, strerror(-rc));
}

/* What a donated FD reads must be the inside file, nothing else. */
static void assert_inside_content(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	if (strstr(buf, canary))
		fail_msg("ESCAPE: read the canary outside the tree");
	if (strstr(buf, passwd_head))
		fail_msg("ESCAPE: read /etc/passwd");
	assert_string_equal(buf, INSIDE);
}

/* Walks names to a new fid; returns it, or P9_NOFID when the walk stopped
 * early (*partial set) or failed with a clean errno. */
static uint32_t walk_new(struct p9_client *c, uint32_t from, uint16_t n,
			 const char *const *names, bool *partial)
{
	uint32_t fid = p9_fid_alloc(c);
	uint16_t nq = 0;
	int rc = p9_walk(c, from, fid, n, names, NULL, &nq);

	*partial = rc == 0 && nq < n;
	if (rc == 0 && nq == n)
		return fid;
	p9_fid_free(c, fid);
	if (rc < 0)
		assert_clean_errno(rc);
	return P9_NOFID;
}

static void race_open_file(struct p9_client *c, uint32_t root, struct tally *t)
{
	static const char *const d_f[] = { "d", "f" };
	bool partial;
	uint32_t fid = walk_new(c, root, 2, d_f, &partial);
	int fd = -1, rc;

	t->partial += partial;   /* d was a symlink: stopped there */
	if (fid == P9_NOFID)
		return;
	t->full++;
	rc = p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd);
	if (rc == 0) {
		assert_true(fd >= 0);
		assert_inside_content(fd);
		close(fd);
		t->reads++;
	} else {
		assert_clean_errno(rc);
		assert_int_equal(fd, -1);
		t->eloop += rc == -ELOOP;     /* f was the symlink l */
		t->estale += rc == -ESTALE;   /* f changed between walk and open */
	}
	assert_int_equal(p9_clunk(c, fid), 0);
}

static void race_walk_passwd(struct p9_client *c, uint32_t root)
{
	static const char *const d_etc_passwd[] = { "d", "etc", "passwd" };
	bool partial;
	uint32_t fid = walk_new(c, root, 3, d_etc_passwd, &partial);

	if (fid != P9_NOFID)
		fail_msg("ESCAPE: walked d/etc/passwd");
}

/* Reading "d" as a directory lists d's own entries, never those of / or
 * of the outside directory. */
static void race_list_dir(struct p9_client *c, uint32_t root, struct tally *t)
{
	static const char *const d[] = { "d" };
	bool partial;
	uint32_t fid = walk_new(c, root, 1, d, &partial);
	uint8_t buf[4096];
	struct p9_dirent e;
	size_t pos = 0;
	int n, fd = -1, rc;

	if (fid == P9_NOFID)
		return;
	rc = p9_lopen(c, fid, O_RDONLY | O_DIRECTORY, NULL, NULL, &fd);
	if (rc < 0) {
		assert_clean_errno(rc);   /* d was a symlink at the walk: ELOOP */
	} else {
		assert_int_equal(fd, -1);
		n = p9_readdir(c, fid, 0, sizeof(buf), buf);
		assert_true(n > 0);
		while (p9_dirent_next(buf, (size_t)n, &pos, &e) == 1) {
			char name[256];

			snprintf(name, sizeof(name), "%.*s", (int)e.namelen, e.name);
			if (strcmp(name, ".") && strcmp(name, "..") && strcmp(name, "f") &&
			    strcmp(name, "l"))
				fail_msg("ESCAPE: \"d\" lists \"%s\"", name);
		}
		t->dirs++;
	}
	assert_int_equal(p9_clunk(c, fid), 0);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_swap_race(void **state)
{
	struct gofer_proc g = start_gofer();
	struct swapper s;
	struct tally t = { 0 };
	double end;
	int i;

	swapper_start(&s);
	end = now() + RACE_SECONDS;
	for (i = 0; i < RACE_ITERATIONS && now() < end; i++) {
		race_open_file(g.c, g.root, &t);
		race_walk_passwd(g.c, g.root);
		race_list_dir(g.c, g.root, &t);
	}
	swapper_stop(&s);
	print_message("# %d iterations, %lu swaps; d/f: %lu full walks, %lu stopped at d, "
		      "%lu reads of \"inside\", opens refused: %lu ELOOP, %lu ESTALE; "
		      "%lu listings of d\n", i, s.swaps, t.full, t.partial, t.reads, t.eloop,
		      t.estale, t.dirs);
	/* the race was real: both states of d were seen */
	assert_true(s.swaps > 0);
	assert_true(t.reads > 0);
	assert_true(t.partial > 0);
	stop_gofer(&g);
}

static void test_hardlink_is_a_file(void **state)
{
	static const char *const hl[] = { "hl" };
	struct gofer_proc g = start_gofer();
	struct stat target;
	struct p9_attr a;
	struct p9_qid qid;
	char p[256], buf[64];
	uint32_t fid = p9_fid_alloc(g.c);
	uint16_t nq = 0;
	ssize_t n;
	int fd = -1;

	pathf(p, sizeof(p), "%s/hl_target", outside);
	assert_int_equal(stat(p, &target), 0);
	assert_int_equal(p9_walk(g.c, g.root, fid, 1, hl, &qid, &nq), 0);
	assert_int_equal(nq, 1);
	/* one inode, two names: the gofer shows it as it is */
	assert_true(qid.path == target.st_ino);
	assert_int_equal(p9_getattr(g.c, fid, P9_GETATTR_BASIC, &a), 0);
	assert_true(S_ISREG(a.mode));
	assert_int_equal(a.nlink, 2);
	assert_int_equal(p9_lopen(g.c, fid, O_RDONLY, NULL, NULL, &fd), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "outside, linked in\n");
	close(fd);
	assert_int_equal(p9_clunk(g.c, fid), 0);
	stop_gofer(&g);
}

static void test_bad_names(void **state)
{
	static const char *const bad[][3] = {
		{ "d/f" }, { ".." }, { "." }, { "" }, { "/" }, { "/etc" },
		{ "d", ".." }, { "d", "../.." }, { "..", "outside", "f" },
		{ "d/../../outside" }, { "d", "f/" },
	};
	static const char *const created[] = { "../escaped", "a/b", "..", "/tmp/escaped" };
	static const char *const d[] = { "d" };
	struct gofer_proc g = start_gofer();
	struct p9_attr a;
	uint32_t fid = p9_fid_alloc(g.c), dir;
	char p[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t n = bad[i][2] ? 3 : bad[i][1] ? 2 : 1, nq = 99;

		assert_int_equal(p9_walk(g.c, g.root, fid, n, bad[i], NULL, &nq), -EINVAL);
		assert_int_equal(p9_getattr(g.c, fid, P9_GETATTR_BASIC, &a), -EBADF);
	}
	p9_fid_free(g.c, fid);

	for (size_t i = 0; i < sizeof(created) / sizeof(created[0]); i++) {
		dir = p9_fid_alloc(g.c);
		assert_int_equal(p9_walk(g.c, g.root, dir, 1, d, NULL, NULL), 0);
		assert_int_equal(p9_lcreate(g.c, dir, created[i], O_RDWR | O_CREAT, 0644, 0,
					    NULL, NULL, NULL), -EINVAL);
		assert_int_equal(p9_clunk(g.c, dir), 0);
	}
	pathf(p, sizeof(p), "%s/escaped", outside);
	assert_int_equal(access(p, F_OK), -1);
	pathf(p, sizeof(p), "%s/escaped", tree);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(access("/tmp/escaped", F_OK), -1);
	stop_gofer(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_swap_race, stop_leftovers),
		cmocka_unit_test_teardown(test_hardlink_is_a_file, stop_leftovers),
		cmocka_unit_test_teardown(test_bad_names, stop_leftovers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
