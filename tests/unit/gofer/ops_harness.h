/*
 * The gofer operation tests' shared harness: a real gofer process (fork +
 * gofer_serve) over two temp trees ("root" and, for EXDEV, "other"), the
 * test being the 9P client; options run it without FD donation (through a
 * relay that downgrades Tversion) or with some host syscalls hidden (to
 * exercise fallbacks).  Included by tests/unit/gofer/test_ops_*.c.
 */
#ifndef RUNSC_LITE_TEST_GOFER_OPS_HARNESS_H
#define RUNSC_LITE_TEST_GOFER_OPS_HARNESS_H

#include <dirent.h>

/* a test file uses some of these, not all */
#define HARNESS_FN __attribute__((unused))

static char root[64], other[64];
static int root_fd = -1, other_fd = -1;

struct gofer_proc {
	pid_t pid;
	pid_t relay;     /* version-downgrading relay, or -1 */
	int sock;        /* our end */
};

enum { OPT_PLAIN = 1, OPT_RESTRICTED = 2 };

static HARNESS_FN void path_in(char *out, size_t cap, const char *base, const char *rel)
{
	snprintf(out, cap, "%s/%s", base, rel);
}

static HARNESS_FN void write_file(const char *rel, const char *content)
{
	char p[256];
	int fd;

	path_in(p, sizeof(p), root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

/* mkdir root/rel, 0755. */
static HARNESS_FN void make_dir(const char *rel)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* -errno of lstat of root/rel; fills st. */
static HARNESS_FN int host_lstat(const char *rel, struct stat *st)
{
	char p[256];

	path_in(p, sizeof(p), root, rel);
	return lstat(p, st) < 0 ? -errno : 0;
}

static HARNESS_FN int setup_tree(void **state)
{
	char p[256];
	int fd;

	umask(022); /* the gofer must not apply it: modes are exact */
	strcpy(root, "/tmp/p9tree.XXXXXX");
	strcpy(other, "/tmp/p9other.XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(other))
		return -1;
	write_file("file.txt", "hello gofer\n");
	path_in(p, sizeof(p), root, "subdir");
	if (mkdir(p, 0755) < 0)
		return -1;
	write_file("subdir/inner.txt", "inner\n");
	path_in(p, sizeof(p), other, "o.txt");
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	other_fd = open(other, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root_fd < 0 || other_fd < 0 ? -1 : 0;
}

static HARNESS_FN int teardown_tree(void **state)
{
	char cmd[200];

	close(root_fd);
	close(other_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, other);
	return system(cmd) == 0 ? 0 : -1;
}

/* In the gofer child: make the host look like an older kernel, to exercise
 * the gofer's fallbacks: no fchmodat2 (452), no *xattrat (463..466), and
 * linkat(AT_EMPTY_PATH) refused with ENOENT (as without
 * CAP_DAC_READ_SEARCH before Linux 6.10). */
static HARNESS_FN void restrict_host_calls(void)
{
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 9),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 452, 5, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 463, 0, 1),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 466, 0, 3),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 265 /* linkat */, 0, 4),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[4])),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AT_EMPTY_PATH, 1, 2),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOENT),
		/* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		_exit(3);
}

/* Forwards packets both ways; the first one from the client (Tversion) is
 * re-packed asking for plain "9P2000.L", so the session has no FD donation
 * and the gofer keeps the FDs it opens (Tread/Twrite are served). */
static HARNESS_FN void relay_loop(int client, int gofer)
{
	static uint8_t buf[P9_MAX_MSIZE];
	struct pollfd p[2] = { { client, POLLIN, 0 }, { gofer, POLLIN, 0 } };
	bool first = true;

	for (;;) {
		if (poll(p, 2, -1) < 0)
			_exit(2);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!p[i].revents)
				continue;
			n = recv(p[i].fd, buf, sizeof(buf), 0);
			if (n <= 0)
				_exit(0);
			if (i == 0 && first) {
				struct p9_fcall fc;

				first = false;
				if (p9_unpack(buf, (size_t)n, &fc) < 0 || fc.type != P9_TVERSION)
					_exit(2);
				fc.u.tversion.version = p9_str_make(P9_VERSION_L);
				n = p9_pack(buf, sizeof(buf), &fc);
			}
			if (send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
				_exit(0);
		}
	}
}

static HARNESS_FN struct gofer_proc start_gofer(int opts)
{
	struct gofer_proc g = { -1, -1, -1 };
	int sv[2], rv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	g.pid = fork();
	assert_true(g.pid >= 0);
	if (g.pid == 0) {
		struct gofer_mount mounts[] = {
			{ "root", root_fd, false },
			{ "ro", root_fd, true },
			{ "other", other_fd, false },
		};
		struct gofer_config cfg = { mounts, 3, -1 };

		close(sv[0]);
		if (opts & OPT_RESTRICTED)
			restrict_host_calls();
		_exit(gofer_serve(sv[1], &cfg) == 0 ? 0 : 1);
	}
	close(sv[1]);
	g.sock = sv[0];
	if (opts & OPT_PLAIN) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rv), 0);
		g.relay = fork();
		assert_true(g.relay >= 0);
		if (g.relay == 0) {
			close(rv[0]);
			relay_loop(rv[1], sv[0]);
		}
		close(rv[1]);
		close(sv[0]);
		g.sock = rv[0];
	}
	return g;
}

static HARNESS_FN int wait_pid(pid_t pid)
{
	int st = 0;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static HARNESS_FN struct p9_client *open_client(struct gofer_proc *g, const char *aname, uint32_t *rootfid)
{
	struct p9_client *c = NULL;
	struct p9_qid q;

	assert_int_equal(p9_client_open(&c, g->sock, 64 * 1024, aname, rootfid, &q), 0);
	assert_int_equal(q.type, P9_QTDIR);
	g->sock = -1; /* owned by the client now */
	return c;
}

static HARNESS_FN void stop(struct gofer_proc *g, struct p9_client *c)
{
	p9_client_close(c);
	if (g->sock >= 0)
		close(g->sock);
	if (g->relay > 0)
		assert_int_equal(wait_pid(g->relay), 0);
	assert_int_equal(wait_pid(g->pid), 0); /* clean exit when the peer closes */
}

static HARNESS_FN uint32_t walk_ok(struct p9_client *c, uint32_t from, uint16_t n, const char *const *names)
{
	uint32_t fid = p9_fid_alloc(c);
	uint16_t nq = 0xffff;

	assert_int_equal(p9_walk(c, from, fid, n, names, NULL, &nq), 0);
	assert_int_equal(nq, n);
	return fid;
}

static HARNESS_FN uint32_t walk1(struct p9_client *c, uint32_t from, const char *name)
{
	const char *names[] = { name };

	return walk_ok(c, from, 1, names);
}

/* Open fds of process pid (entries of /proc/PID/fd, with . and ..). */
static HARNESS_FN int count_fds(pid_t pid)
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

/* ---- raw packets ---------------------------------------------------------- */

/* One request, one reply: 0 (reply in *r, strings in buf) or -ecode. */
static HARNESS_FN int raw_call(int sock, struct p9_fcall *t, struct p9_fcall *r, uint8_t *buf, size_t cap)
{
	int n = p9_pack(buf, cap, t);

	assert_true(n > 0);
	assert_int_equal(send(sock, buf, (size_t)n, MSG_NOSIGNAL), n);
	n = (int)recv(sock, buf, cap, 0);
	assert_true(n > 0);
	assert_int_equal(p9_unpack(buf, (size_t)n, r), 0);
	assert_int_equal(r->tag, t->tag);
	if (r->type == P9_RLERROR)
		return -(int)r->u.rlerror.ecode;
	assert_int_equal(r->type, t->type + 1);
	return 0;
}

static HARNESS_FN void raw_session(int sock)
{
	struct p9_fcall t = { .type = P9_TVERSION, .tag = P9_NOTAG }, r;
	uint8_t buf[8192];

	t.u.tversion.msize = 8192;
	t.u.tversion.version = p9_str_make(P9_VERSION_RUNSC);
	assert_int_equal(raw_call(sock, &t, &r, buf, sizeof(buf)), 0);
}

static HARNESS_FN int raw_attach(int sock, uint32_t fid, const char *aname)
{
	struct p9_fcall t = { .type = P9_TATTACH, .tag = 1 }, r;
	uint8_t buf[8192];

	t.u.tattach.fid = fid;
	t.u.tattach.afid = P9_NOFID;
	t.u.tattach.aname = p9_str_make(aname);
	return raw_call(sock, &t, &r, buf, sizeof(buf));
}

static HARNESS_FN int raw_walk(int sock, uint32_t fid, uint32_t newfid, const char *name)
{
	struct p9_fcall t = { .type = P9_TWALK, .tag = 2 }, r;
	uint8_t buf[8192];

	t.u.twalk.fid = fid;
	t.u.twalk.newfid = newfid;
	t.u.twalk.wname.n = name ? 1 : 0;
	t.u.twalk.wname.name[0] = p9_str_make(name);
	return raw_call(sock, &t, &r, buf, sizeof(buf));
}

#endif
