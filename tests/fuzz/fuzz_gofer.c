/*
 * fuzz_gofer: the gofer's request handler (gofer_serve) against a temporary
 * tree, driven with fuzzer-made 9P packets.
 *
 * Design (fast: no fork per input): one gofer thread at a time serves one
 * end of a SOCK_SEQPACKET socketpair in this process; the harness holds the
 * other end and runs every input as one session:
 *
 *   Tattach(fid 0, aname "rw")
 *   the input's packets, one at a time, each answer read before the next
 *   Tversion("9P2000.L.runsc-lite.1", msize 65536): ends the session, drops
 *                                    every fid (also sent first on a new
 *                                    connection)
 *
 * Input format: a sequence of chunks  len[2] (little-endian)  bytes[len].
 *   bit 15 of len clear: bytes = type[1] tag[2] body...; the harness puts
 *                        size[4] in front, so the header is always usable;
 *   bit 15 set:          bytes are sent as they are (own size field), which
 *                        reaches the "unreadable header: drop" paths.
 * A len running past the end of the input takes what is left.
 *
 * Layout: /tmp/rl-fuzz-XXXXXX/canary, a file OUTSIDE the tree holding a
 * random 32-byte marker, and /tmp/rl-fuzz-XXXXXX/tree, served by the mounts
 * "rw" and "ro" (read-only).  The canary sits right beside the tree under a
 * fixed name, so an escape needs no guessing: ".." then "canary" (a seed
 * tries exactly that).  The tree holds files, directories, a FIFO, a
 * listening unix socket, a symlink to /etc/passwd, symlinks made of ".."
 * and one ("link_up") to ../canary.
 *
 * Invariants checked on every input (a violation aborts: libFuzzer saves
 * the input as a crash):
 *   - every request with a usable header gets exactly one reply within
 *     REPLY_TIMEOUT_S: well-formed, same tag, type T+1 or Rlerror with an
 *     errno in 1..4095; Rreaddir data parses;
 *   - the connection is dropped only after a packet whose header is
 *     unusable (shorter than 7 bytes, size field != length; gofer_serve
 *     returns -EPROTO) or an empty packet (read as end of file: no reply,
 *     returns 0);
 *   - nothing from outside the tree: no reply carries the marker, no qid
 *     (Rattach, Rwalk, Rgetattr, Rlopen, Rreaddir entries...) is the inode
 *     of the canary, of the tree's parent directory (except the ".." entry
 *     of Rreaddir, which the host lists), /etc/passwd, /etc or /; no
 *     donated FD is one of them or has the marker in its first 64 KiB;
 *   - FDs come only as PROTOCOL.md allows, one at most, only once the
 *     extension was negotiated: regular files with Rlopen, Rlcreate,
 *     Rucreate, Rwalkopen, Rtmpfile, FIFOs with Rlopen and Rwalkopen, sockets with Rlconnect; never
 *     a directory, never O_PATH but a FIFO reader's; an Rlopen of a file (qid QTFILE), an
 *     Rwalkopen or an Rlconnect always carries its FD;
 *   - after the closing Tversion the gofer holds no FD on the tree (the
 *     harness's own root FD is the only one left);
 *   - an input finishes within INPUT_DEADLINE_S.
 * The tree is rebuilt whenever an input may have changed it (a successful
 * request that writes, or any change in the lstat fingerprint of the tree),
 * so every input starts from the same tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLY_TIMEOUT_S   5
#define INPUT_DEADLINE_S  10
#define SESSION_MSIZE     65536u
#define MARKER_LEN        32
#define CHUNK_RAW         0x8000u
#define CHUNK_LEN_MASK    0x7fffu
#define MANY_ENTRIES      12   /* enough to need several small Treaddir */
#define MAX_NODES         32
#define MAX_FORBIDDEN     5
#define LISTEN_BACKLOG    16   /* connections Tlconnect may leave pending */

/* One entry of the tree: 'f' file (arg: content), 'd' directory,
 * 'l' symlink (arg: target), 'p' FIFO, 's' unix socket with a listener. */
struct node {
	const char *path;           /* static storage */
	char kind;
	const char *arg;
};

/* What lstat says of a node; any difference means the tree changed. */
struct print {
	ino_t ino;
	mode_t mode;
	nlink_t nlink;
	off_t size;
	struct timespec mtim, ctim;
};

static struct {
	bool ready;
	char outer[64], tree[80], canary[80];
	char marker[MARKER_LEN + 1];
	int root_fd;                 /* O_PATH of the tree, served by both mounts */
	int cwd_fd;                  /* the process's cwd, restored after each input */
	int listen_fd;               /* listener of the tree's socket "sock" */
	struct gofer_mount mounts[2];
	struct gofer_config cfg;
	struct node nodes[MAX_NODES];
	size_t nnodes;
	struct print prints[MAX_NODES + 1]; /* [0]: the tree root */
	struct { dev_t dev; ino_t ino; } forbidden[MAX_FORBIDDEN];
	size_t nforbidden;
	ino_t parent_ino;            /* of the tree's parent: only Rreaddir ".." */

	int sock;                    /* harness end; -1: no gofer thread */
	int gofer_sock;
	pthread_t thread;
	int serve_rc;

	bool donation;               /* of the current session, per Rversion */
	bool dirty;                  /* the input may have changed the tree */
	bool session_ready;          /* the harness's Tversion was the last request */
	struct timespec deadline;
} g = { .root_fd = -1, .cwd_fd = -1, .listen_fd = -1, .sock = -1 };

static uint8_t pkt[CHUNK_LEN_MASK + 4];
static uint8_t reply[P9_MAX_MSIZE + 64];
static size_t reply_len;

/* ---- reporting ---------------------------------------------------------- */

static void remove_outer(void)
{
	char cmd[128];

	if (!g.outer[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.outer);
	(void)!system(cmd);
}

/* Aborts: libFuzzer saves the input. The temporary files go first (abort
 * skips atexit), without waiting for the gofer thread, which may hang. */
__attribute__((noreturn, format(printf, 1, 2)))
static void violation(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_gofer: invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	remove_outer();
	abort();
}

/* The harness's own setup cannot fail on a sane machine. */
static void setup_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_gofer: setup: %s: %s\n", what, strerror(errno));
		remove_outer();
		abort();
	}
}

/* ---- the tree and the canary ------------------------------------------- */

static void add_node(const char *path, char kind, const char *arg)
{
	struct node *n = &g.nodes[g.nnodes++];

	n->path = path;
	n->kind = kind;
	n->arg = arg;
}

static void define_tree(void)
{
	static char many[MANY_ENTRIES][64];

	add_node("file", 'f', "inside the tree\n");
	add_node("dir", 'd', NULL);
	add_node("dir/inner", 'f', "inner\n");
	add_node("dir/up", 'l', "..");
	add_node("dir/sub", 'd', NULL);
	add_node("dir/sub/deep", 'f', "deep\n");
	add_node("empty", 'd', NULL);
	add_node("fifo", 'p', NULL);
	add_node("sock", 's', NULL);
	add_node("link_passwd", 'l', "/etc/passwd");
	add_node("link_etc", 'l', "/etc");
	add_node("link_up", 'l', "../canary");
	add_node("link_root", 'l', "../../../../../..");
	add_node("many", 'd', NULL);
	for (int i = 0; i < MANY_ENTRIES; i++) {
		snprintf(many[i], sizeof(many[i]), "many/%02d-a-name-long-enough-to-fill-a-page", i);
		add_node(many[i], 'f', "");
	}
}

static void write_at(int dfd, const char *path, const char *content)
{
	int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(content);

	setup_check(fd >= 0, path);
	setup_check(write(fd, content, len) == (ssize_t)len, path);
	close(fd);
}

/* A listening unix socket at the tree's path, never accepting during an
 * input (drain_listener() empties its queue between inputs). */
static bool make_listener(const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (g.listen_fd >= 0)
		close(g.listen_fd);
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", g.tree, rel) >=
	    sizeof(sa.sun_path))
		return false;
	g.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return g.listen_fd >= 0 && bind(g.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	       listen(g.listen_fd, LISTEN_BACKLOG) == 0;
}

static void drain_listener(void)
{
	int fd;

	while (g.listen_fd >= 0 && (fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
}

static void create_nodes(int dfd)
{
	for (size_t i = 0; i < g.nnodes; i++) {
		const struct node *n = &g.nodes[i];
		bool ok = true;

		switch (n->kind) {
		case 'f': write_at(dfd, n->path, n->arg); break;
		case 'd': ok = mkdirat(dfd, n->path, 0755) == 0; break;
		case 'l': ok = symlinkat(n->arg, dfd, n->path) == 0; break;
		case 'p': ok = mkfifoat(dfd, n->path, 0644) == 0; break;
		case 's': ok = make_listener(n->path); break;
		}
		setup_check(ok, n->path);
	}
}

/* Removes everything beneath the directory dfd (not dfd itself). */
static void remove_children(int dfd)
{
	int rfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = rfd >= 0 ? fdopendir(rfd) : NULL;
	struct dirent *e;

	setup_check(d != NULL, "opendir in tree");
	while ((e = readdir(d))) {
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			continue;
		/* a directory (possibly made unreadable by a fuzzed request) */
		(void)!fchmodat(dfd, e->d_name, 0700, AT_SYMLINK_NOFOLLOW);
		sub = openat(dfd, e->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		setup_check(sub >= 0, e->d_name);
		remove_children(sub);
		close(sub);
		setup_check(unlinkat(dfd, e->d_name, AT_REMOVEDIR) == 0, e->d_name);
	}
	closedir(d);
}

static void take_print(int dfd, const char *path, struct print *p)
{
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (fstatat(dfd, path, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
		return; /* a missing node prints as all zero */
	p->ino = st.st_ino;
	p->mode = st.st_mode;
	p->nlink = st.st_nlink;
	p->size = st.st_size;
	p->mtim = st.st_mtim;
	p->ctim = st.st_ctim;
}

static bool tree_unchanged(void)
{
	struct print p;

	take_print(g.root_fd, "", &p);
	if (memcmp(&p, &g.prints[0], sizeof(p)))
		return false;
	for (size_t i = 0; i < g.nnodes; i++) {
		take_print(g.root_fd, g.nodes[i].path, &p);
		if (memcmp(&p, &g.prints[i + 1], sizeof(p)))
			return false;
	}
	return true;
}

static void rebuild_tree(void)
{
	struct stat st;

	/* The mount root itself is out of every client's reach. */
	if (fstat(g.root_fd, &st) < 0 || st.st_nlink == 0)
		violation("the tree root was removed through the gofer");
	setup_check(chmod(g.tree, 0755) == 0, g.tree);
	setup_check(lchown(g.tree, getuid(), getgid()) == 0, g.tree);
	remove_children(g.root_fd);
	create_nodes(g.root_fd);
	take_print(g.root_fd, "", &g.prints[0]);
	for (size_t i = 0; i < g.nnodes; i++)
		take_print(g.root_fd, g.nodes[i].path, &g.prints[i + 1]);
}

static void make_canary(void)
{
	uint8_t rnd[MARKER_LEN / 2];
	int fd;

	setup_check(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd), "getrandom");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(g.marker + 2 * i, 3, "%02x", rnd[i]);
	snprintf(g.canary, sizeof(g.canary), "%s/canary", g.outer);
	fd = open(g.canary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	setup_check(fd >= 0, g.canary);
	setup_check(write(fd, g.marker, MARKER_LEN) == MARKER_LEN, "write canary");
	close(fd);
}

/* Inodes no qid may ever name: on the tree's filesystem, they can only be
 * reached by leaving the tree. Returns the inode, 0 if not forbidden. */
static ino_t forbid(const char *path, dev_t tree_dev)
{
	struct stat st;

	if (stat(path, &st) < 0 || st.st_dev != tree_dev)
		return 0;
	g.forbidden[g.nforbidden].dev = st.st_dev;
	g.forbidden[g.nforbidden++].ino = st.st_ino;
	return st.st_ino;
}

/* ---- the gofer thread --------------------------------------------------- */

static void *gofer_thread(void *arg)
{
	g.serve_rc = gofer_serve(g.gofer_sock, &g.cfg);
	/* the harness reads EOF: the end of the connection is visible */
	close(g.gofer_sock);
	return NULL;
}

static void start_gofer(void)
{
	struct timeval tv = { REPLY_TIMEOUT_S, 0 };
	int sv[2];

	setup_check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	setup_check(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	setup_check(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO");
	g.sock = sv[0];
	g.gofer_sock = sv[1];
	errno = pthread_create(&g.thread, NULL, gofer_thread, NULL);
	setup_check(errno == 0, "pthread_create");
}

/* Closes our end (if still open) and waits for gofer_serve to return. */
static int stop_gofer(void)
{
	if (g.sock < 0)
		return 0;
	close(g.sock);
	g.sock = -1;
	errno = pthread_join(g.thread, NULL);
	setup_check(errno == 0, "pthread_join");
	return g.serve_rc;
}

static void cleanup(void)
{
	stop_gofer();
	if (g.root_fd >= 0)
		close(g.root_fd);
	if (g.listen_fd >= 0)
		close(g.listen_fd);
	if (g.cwd_fd >= 0)
		close(g.cwd_fd);
	remove_outer();
}

static void init_once(void)
{
	struct stat st;

	if (g.ready)
		return;
	g.cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	setup_check(g.cwd_fd >= 0, "cwd");
	strcpy(g.outer, "/tmp/rl-fuzz-XXXXXX");
	setup_check(mkdtemp(g.outer) != NULL, "mkdtemp");
	make_canary();
	snprintf(g.tree, sizeof(g.tree), "%s/tree", g.outer);
	setup_check(mkdir(g.tree, 0755) == 0, g.tree);
	g.root_fd = open(g.tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	setup_check(g.root_fd >= 0, g.tree);
	define_tree();
	rebuild_tree();
	setup_check(fstat(g.root_fd, &st) == 0, "fstat tree");
	forbid(g.canary, st.st_dev);
	g.parent_ino = forbid(g.outer, st.st_dev);
	forbid("/etc/passwd", st.st_dev);
	forbid("/etc", st.st_dev);
	forbid("/", st.st_dev);

	g.mounts[0] = (struct gofer_mount){ "rw", g.root_fd, false };
	g.mounts[1] = (struct gofer_mount){ "ro", g.root_fd, true };
	g.cfg = (struct gofer_config){ g.mounts, 2, -1 };
	atexit(cleanup);
	g.ready = true;
}

/* ---- checks on one reply ----------------------------------------------- */

/* Between sessions the gofer holds no fid, hence no FD on the tree: the
 * only one is the harness's root_fd.  (Counting every FD of the process
 * would not do: libFuzzer's symbolizer keeps pipes open once it has run.) */
static void check_no_tree_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t len = strlen(g.tree);
	struct dirent *e;
	int n = 0;

	setup_check(d != NULL, "/proc/self/fd");
	while ((e = readdir(d))) {
		char link[300], target[256];
		ssize_t t;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		t = readlink(link, target, sizeof(target) - 1);
		if (t <= 0 || atoi(e->d_name) == g.root_fd)
			continue;
		target[t] = '\0';
		if (!strncmp(target, g.tree, len) && (target[len] == '\0' || target[len] == '/')) {
			fprintf(stderr, "fuzz_gofer: fd %s -> %s\n", e->d_name, target);
			n++;
		}
	}
	closedir(d);
	if (n)
		violation("%d FDs on the tree still open after Tversion: the gofer leaks FDs", n);
}

static void check_qid(const struct p9_qid *q, const char *where)
{
	for (size_t i = 0; i < g.nforbidden; i++)
		if (q->path == g.forbidden[i].ino)
			violation("%s names inode %llu, outside the tree", where,
				  (unsigned long long)q->path);
}

static void check_readdir(const struct p9_rreaddir *r)
{
	struct p9_dirent e;
	size_t pos = 0;
	int rc;

	while ((rc = p9_dirent_next(r->data.data, r->data.count, &pos, &e)) == 1) {
		bool dotdot = e.namelen == 2 && !memcmp(e.name, "..", 2);

		if (!(dotdot && e.qid.path == g.parent_ino))
			check_qid(&e.qid, "an Rreaddir entry");
	}
	if (rc != 0)
		violation("Rreaddir data does not parse (%d)", rc);
}

/* Every qid a reply carries, found through the codec table (qid and qid
 * array fields), so that replies added to the protocol are covered too;
 * plus the entries of Rreaddir data. */
static void check_qids(const struct p9_fcall *r)
{
	const struct p9_msgdesc *d = p9_msg_desc(r->type);
	const char *base = (const char *)r;

	for (size_t i = 0; d->fmt[i]; i++) {
		const void *m = base + d->field[i].off;

		if (d->fmt[i] == 'Q') {
			check_qid(m, d->name);
		} else if (d->fmt[i] == 'R') {
			const struct p9_qids *qs = m;

			for (unsigned k = 0; k < qs->n; k++)
				check_qid(&qs->qid[k], d->name);
		}
	}
	if (r->type == P9_RREADDIR)
		check_readdir(&r->u.rreaddir);
}

/* Which replies may carry an FD, and of what (PROTOCOL.md 5, 5c, 5d, 5g):
 * never a directory, never an O_PATH FD. */
static bool fd_allowed(uint8_t rtype, mode_t mode)
{
	switch (rtype) {
	case P9_RLOPEN: case P9_RWALKOPEN:
		return S_ISREG(mode) || S_ISFIFO(mode);
	case P9_RLCREATE: case P9_RUCREATE: case P9_RTMPFILE:
		return S_ISREG(mode);
	case P9_RLCONNECT:
		return S_ISSOCK(mode);
	}
	return false;
}

/* Replies that succeed only by donating an FD. */
static bool fd_required(const struct p9_fcall *r)
{
	/* Rlopen of a directory (qid QTDIR) carries none */
	return (r->type == P9_RLOPEN && r->u.rlopen.qid.type == P9_QTFILE) ||
	       r->type == P9_RWALKOPEN || r->type == P9_RLCONNECT || r->type == P9_RTMPFILE;
}

static void check_donated_fd(int fd, const struct p9_fcall *r)
{
	static char buf[65536];
	struct stat st;
	ssize_t n;
	int fl;

	if (!g.donation)
		violation("an FD came without the FD-donation extension");
	fl = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) < 0 || fl < 0)
		violation("the donated FD is unusable: %s", strerror(errno));
	if (!fd_allowed(r->type, st.st_mode))
		violation("%s donated an FD of mode 0%o", p9_msg_desc(r->type)->name, st.st_mode);
	if ((fl & O_PATH) && !S_ISFIFO(st.st_mode))
		violation("a donated FD is O_PATH (only a FIFO reader's may be)");
	for (size_t i = 0; i < g.nforbidden; i++)
		if (st.st_dev == g.forbidden[i].dev && st.st_ino == g.forbidden[i].ino)
			violation("a donated FD is inode %llu, outside the tree",
				  (unsigned long long)st.st_ino);
	/* pread: fails at once on a FIFO or socket instead of consuming it */
	n = pread(fd, buf, sizeof(buf), 0);
	if (n > 0 && memmem(buf, (size_t)n, g.marker, MARKER_LEN))
		violation("a donated FD reads the canary");
}

/* Requests that do not change the tree (Tclunk of an xattr fid may commit
 * a Txattrcreate: that changes the node's ctime, which tree_unchanged()
 * sees). Anything else that succeeds marks the tree dirty. */
static bool read_only_request(const uint8_t *p, size_t len)
{
	struct p9_fcall t;
	uint32_t flags;

	if (p9_unpack(p, len, &t) < 0)
		return true; /* refused before any callback ran */
	switch (t.type) {
	case P9_TVERSION: case P9_TATTACH: case P9_TAUTH: case P9_TWALK:
	case P9_TGETATTR: case P9_TREADDIR: case P9_TREADLINK: case P9_TSTATFS:
	case P9_TCLUNK: case P9_TFLUSH: case P9_TXATTRWALK: case P9_TREAD:
	case P9_TGETLOCK: case P9_TWALKGETATTR: case P9_TLCONNECT:
		return true;
	case P9_TLOPEN:
	case P9_TWALKOPEN:
		flags = t.type == P9_TLOPEN ? t.u.tlopen.flags : t.u.twalkopen.flags;
		return (flags & P9_DOTL_ACCMODE) == P9_DOTL_RDONLY &&
		       !(flags & (P9_DOTL_TRUNC | P9_DOTL_CREATE));
	}
	return false;
}

static void check_reply(const uint8_t *req, size_t reqlen, size_t n, const int *fds, int nfds)
{
	struct p9_fcall r;
	uint8_t type = req[4];
	uint16_t tag = (uint16_t)(req[5] | req[6] << 8);
	int rc = p9_unpack(reply, n, &r);

	if (rc < 0)
		violation("the reply to type %u does not decode (%d)", type, rc);
	if (r.tag != tag)
		violation("reply tag %u for request tag %u", r.tag, tag);
	if (r.type != P9_RLERROR && !(type % 2 == 0 && r.type == type + 1))
		violation("reply type %u to request type %u", r.type, type);
	if (r.type == P9_RLERROR && (r.u.rlerror.ecode < 1 || r.u.rlerror.ecode > 4095))
		violation("Rlerror ecode %u", r.u.rlerror.ecode);
	if (memmem(reply, n, g.marker, MARKER_LEN))
		violation("a reply carries the canary marker");
	check_qids(&r);
	if (r.type == P9_RVERSION)
		g.donation = p9_str_eq(r.u.rversion.version, P9_VERSION_RUNSC);
	if (nfds > 1)
		violation("%d FDs on one reply", nfds);
	if (nfds == 1)
		check_donated_fd(fds[0], &r);
	if (nfds == 0 && g.donation && fd_required(&r))
		violation("%s without its FD", p9_msg_desc(r.type)->name);
	if (r.type != P9_RLERROR && !read_only_request(req, reqlen))
		g.dirty = true;
}

/* ---- one exchange -------------------------------------------------------- */

/* Receives one packet into reply[]; FDs into fds. Returns its length, 0 on
 * EOF; a timeout is a hang. */
static size_t recv_reply(int fds[4], int *nfds)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 4)]; } ctl;
	struct iovec iov = { reply, sizeof(reply) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(g.sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		violation("no reply within %d s: the gofer hangs", REPLY_TIMEOUT_S);
	if (n < 0)
		violation("recvmsg: %s", strerror(errno));
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		violation("a reply larger than P9_MAX_MSIZE or with too many FDs");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			violation("unexpected control message %d", c->cmsg_type);
		for (size_t i = 0; i < k && *nfds < 4; i++)
			memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	return (size_t)n;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The connection ended: it must have been for the packet just sent. */
static void check_drop(const uint8_t *p, size_t len)
{
	bool unusable = len < P9_HDRSZ || le32(p) != len;
	int rc = stop_gofer();

	if (!unusable)
		violation("connection dropped after a packet with a usable header (type %u)", p[4]);
	if (rc != -EPROTO)
		violation("gofer_serve returned %d after a %zu-byte packet", rc, len);
}

/* An empty packet reads as end of file (p9_recv_packet): the gofer sends
 * nothing and ends the connection, gofer_serve returning 0. */
static void check_empty_packet_ends(void)
{
	struct pollfd pfd = { g.sock, POLLIN, 0 };
	int fds[4], nfds;

	if (poll(&pfd, 1, REPLY_TIMEOUT_S * 1000) != 1)
		violation("the connection is still open %d s after an empty packet", REPLY_TIMEOUT_S);
	if (recv_reply(fds, &nfds) != 0)
		violation("a reply to an empty packet");
	if (stop_gofer() != 0)
		violation("gofer_serve failed after an empty packet");
}

/* Sends one packet and checks what comes back. Returns false when the
 * connection is gone (as it should be). */
static bool exchange(const uint8_t *p, size_t len)
{
	int fds[4], nfds;
	ssize_t sent;
	size_t n;

	sent = send(g.sock, p, len, MSG_NOSIGNAL);
	if (sent != (ssize_t)len)
		violation("send of a %zu-byte packet: %s", len, strerror(errno));
	if (len == 0) {
		check_empty_packet_ends();
		return false;
	}
	n = recv_reply(fds, &nfds);
	if (n == 0) {
		check_drop(p, len);
		return false;
	}
	if (len < P9_HDRSZ || le32(p) != len)
		violation("a reply to a packet with an unusable header");
	reply_len = n;
	check_reply(p, len, n, fds, nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return true;
}

static void exchange_fc(struct p9_fcall *t, uint8_t want_type)
{
	uint8_t buf[256];
	int n = p9_pack(buf, sizeof(buf), t);
	struct p9_fcall r;

	setup_check(n > 0, "p9_pack");
	if (!exchange(buf, (size_t)n))
		violation("the gofer dropped the session prefix");
	if (p9_unpack(reply, reply_len, &r) < 0 || r.type != want_type)
		violation("session prefix refused: reply type %u", reply[4]);
}

/* Tversion: ends the session, every fid is dropped, so no FD may remain.
 * Run after each input (a leak shows on the input that made it) and before
 * one on a new connection. */
static void reset_session(void)
{
	struct p9_fcall t = { .type = P9_TVERSION, .tag = P9_NOTAG };

	t.u.tversion.msize = SESSION_MSIZE;
	t.u.tversion.version = p9_str_make(P9_VERSION_RUNSC);
	exchange_fc(&t, P9_RVERSION);
	check_no_tree_fds();
	g.session_ready = true;
}

static void attach_root(void)
{
	struct p9_fcall t = { .type = P9_TATTACH, .tag = 0 };

	t.u.tattach.fid = 0;
	t.u.tattach.afid = P9_NOFID;
	t.u.tattach.aname = p9_str_make("rw");
	exchange_fc(&t, P9_RATTACH);
}

static void check_deadline(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > g.deadline.tv_sec ||
	    (now.tv_sec == g.deadline.tv_sec && now.tv_nsec > g.deadline.tv_nsec))
		violation("the input took more than %d s", INPUT_DEADLINE_S);
}

/* Next chunk of the input as a packet in pkt[]; false at the end. */
static bool next_packet(const uint8_t *data, size_t size, size_t *pos, size_t *len)
{
	size_t left, want;
	bool raw;

	if (size - *pos < 2)
		return false;
	want = (size_t)(data[*pos] | data[*pos + 1] << 8);
	*pos += 2;
	raw = want & CHUNK_RAW;
	want &= CHUNK_LEN_MASK;
	left = size - *pos;
	if (want > left)
		want = left;
	if (raw) {
		memcpy(pkt, data + *pos, want);
		*len = want;
	} else {
		uint32_t total = (uint32_t)want + 4;

		for (int i = 0; i < 4; i++)
			pkt[i] = (uint8_t)(total >> (8 * i));
		memcpy(pkt + 4, data + *pos, want);
		*len = total;
	}
	*pos += want;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, len;

	init_once();
	clock_gettime(CLOCK_MONOTONIC, &g.deadline);
	g.deadline.tv_sec += INPUT_DEADLINE_S;
	g.dirty = false;
	if (g.sock < 0) {
		start_gofer();
		g.session_ready = false;
	}
	if (!g.session_ready)
		reset_session();
	g.session_ready = false;
	attach_root();
	while (next_packet(data, size, &pos, &len)) {
		bool alive = exchange(pkt, len);

		check_deadline();
		if (!alive)
			break;
	}
	if (g.sock >= 0)
		reset_session();
	drain_listener();
	if (g.dirty || !tree_unchanged())
		rebuild_tree();
	/* Tlconnect makes the gofer fchdir() into the socket's directory; the
	 * fuzzer's relative paths (corpus, artifacts) must keep working. */
	setup_check(fchdir(g.cwd_fd) == 0, "fchdir");
	return 0;
}
