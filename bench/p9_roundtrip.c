/*
 * Cost of one 9P round trip between the sentry's client and a real gofer
 * process, against the floor: a bare SOCK_SEQPACKET ping-pong between two
 * processes.  Built and run by bench/p9.sh.
 *
 *   p9_roundtrip [-n ITERATIONS] [-r REPEATS]
 *
 * Measured, each in its own loop, in µs per operation (mean of ITERATIONS
 * after a warm-up, best of REPEATS runs; for "unpinned" also the worst):
 *   ping-pong         8 bytes there and back, no 9P: the floor
 *   Tgetattr          on a fid walked once beforehand
 *   Twalk 3           {"a","b","file"} to a new fid, alone
 *   Tclunk            of that new fid, alone
 *   Twalk 3 + Tclunk  the two above together (what a cache miss costs)
 *   Tlopen            of a cloned file fid, with FD donation (SCM_RIGHTS
 *                     receive included), alone
 *   open cycle        Twalk clone + Tlopen + close(fd) + Tclunk: one file
 *                     open as the sentry does it
 * Each operation is timed by itself (clock_gettime around the call), so the
 * alone figures exclude the setup and cleanup ops of the same iteration.
 *
 * Every measurement runs in three placements, because the wake-up latency
 * across vCPUs dominates a round trip on VMs:
 *   same CPU   both processes pinned to one CPU (sched_setaffinity)
 *   unpinned   both free to run on every allowed CPU (the default)
 *   split      client and server pinned to two different CPUs
 * and is also given as a multiple of the ping-pong of the same placement.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9/p9.h"

enum { OP_PINGPONG, OP_GETATTR, OP_WALK3, OP_CLUNK, OP_WALK3_CLUNK, OP_LOPEN, OP_OPEN_CYCLE, NOPS };

static const char *const op_names[NOPS] = {
	"ping-pong 8 B (a)", "Tgetattr", "Twalk 3 names", "Tclunk", "Twalk 3 + Tclunk",
	"Tlopen + FD donation", "open cycle (clone+lopen+close+clunk)",
};

/* A placement: the CPU of the client and of the server, -1 = any allowed. */
struct placement { const char *name; int client_cpu, server_cpu; };

static cpu_set_t allowed;
static char tree[64];
static int tree_fd = -1;

static void die(const char *what, int err)
{
	fprintf(stderr, "p9_roundtrip: %s: %s\n", what, strerror(err));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void place(int cpu)
{
	cpu_set_t s = allowed;

	if (cpu >= 0) {
		CPU_ZERO(&s);
		CPU_SET(cpu, &s);
	}
	if (sched_setaffinity(0, sizeof(s), &s) < 0)
		die("sched_setaffinity", errno);
}

/* The n-th allowed CPU (wrapping), for the pinned placements. */
static int nth_cpu(int n)
{
	int count = CPU_COUNT(&allowed), seen = 0;

	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && seen++ == n % count)
			return cpu;
	return 0;
}

/* ---- (a) the floor: a bare SOCK_SEQPACKET ping-pong ----------------------- */

static void echo_server(int sock)
{
	char b[8];
	ssize_t n;

	while ((n = recv(sock, b, sizeof(b), 0)) > 0)
		if (send(sock, b, (size_t)n, MSG_NOSIGNAL) != n)
			break;
}

static pid_t fork_server(const struct placement *pl, int *client_sock, void (*serve)(int))
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(sv[0]);
		place(pl->server_cpu);
		serve(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	*client_sock = sv[0];
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("server exit", EIO);
}

static double pingpong_us(int sock, int n)
{
	char b[8] = "ping-pon";
	uint64_t t0 = 0;

	for (int i = -n / 10; i < n; i++) {
		if (i == 0)
			t0 = now_ns();
		if (send(sock, b, sizeof(b), 0) != sizeof(b) || recv(sock, b, sizeof(b), 0) != sizeof(b))
			die("ping-pong", errno);
	}
	return (double)(now_ns() - t0) / n / 1000.0;
}

/* ---- (b) 9P against a real gofer process ---------------------------------- */

static void gofer_server(int sock)
{
	struct gofer_mount m = { "bench", tree_fd, false };
	struct gofer_config cfg = { &m, 1, -1 };

	if (gofer_serve(sock, &cfg) < 0)
		_exit(1);
}

static void check(int rc, const char *what)
{
	if (rc < 0)
		die(what, -rc);
}

static uint32_t walk_to(struct p9_client *c, uint32_t from, uint16_t n, const char *const *names)
{
	uint32_t fid = p9_fid_alloc(c);
	uint16_t nq = 0;

	check(p9_walk(c, from, fid, n, names, NULL, &nq), "Twalk");
	if (nq != n)
		die("Twalk stopped early", ENOENT);
	return fid;
}

/* Sums of the time spent in each op over one loop, in ns. */
struct sums { uint64_t ns[NOPS]; };

static void loop_getattr(struct p9_client *c, uint32_t file, int n, struct sums *s)
{
	struct p9_attr a;

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		check(p9_getattr(c, file, P9_GETATTR_BASIC, &a), "Tgetattr");
		s->ns[OP_GETATTR] += now_ns() - t0;
	}
}

static void loop_walk3(struct p9_client *c, uint32_t root, int n, struct sums *s)
{
	static const char *const path[] = { "a", "b", "file" };

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns(), t1, t2;
		uint32_t fid = walk_to(c, root, 3, path);

		t1 = now_ns();
		check(p9_clunk(c, fid), "Tclunk");
		t2 = now_ns();
		s->ns[OP_WALK3] += t1 - t0;
		s->ns[OP_CLUNK] += t2 - t1;
		s->ns[OP_WALK3_CLUNK] += t2 - t0;
	}
}

static void loop_lopen(struct p9_client *c, uint32_t file, int n, struct sums *s)
{
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns(), t1, t2;
		uint32_t fid = walk_to(c, file, 0, NULL);
		int fd = -1;

		t1 = now_ns();
		check(p9_lopen(c, fid, O_RDONLY, NULL, NULL, &fd), "Tlopen");
		t2 = now_ns();
		if (fd < 0)
			die("Tlopen donated no FD", EPROTO);
		close(fd);
		check(p9_clunk(c, fid), "Tclunk");
		s->ns[OP_LOPEN] += t2 - t1;
		s->ns[OP_OPEN_CYCLE] += now_ns() - t0;
	}
}

/* One run of every 9P loop (after a warm-up of each); means in µs. */
static void run_9p(struct p9_client *c, uint32_t root, int n, double us[NOPS])
{
	static const char *const path[] = { "a", "b", "file" };
	uint32_t file = walk_to(c, root, 3, path);
	struct sums warm = { { 0 } }, s = { { 0 } };

	loop_getattr(c, file, n / 10, &warm);
	loop_getattr(c, file, n, &s);
	loop_walk3(c, root, n / 10, &warm);
	loop_walk3(c, root, n, &s);
	loop_lopen(c, file, n / 10, &warm);
	loop_lopen(c, file, n, &s);
	check(p9_clunk(c, file), "Tclunk");
	for (int op = OP_GETATTR; op < NOPS; op++)
		us[op] = (double)s.ns[op] / n / 1000.0;
}

/* Best and worst run of each op over the repeats. */
struct result { double best[NOPS], worst[NOPS]; };

static void keep(struct result *res, const double run[NOPS])
{
	for (int op = 0; op < NOPS; op++) {
		if (res->best[op] == 0 || run[op] < res->best[op])
			res->best[op] = run[op];
		if (run[op] > res->worst[op])
			res->worst[op] = run[op];
	}
}

static void measure(const struct placement *pl, int n, int repeats, struct result *res)
{
	for (int r = 0; r < repeats; r++) {
		double run[NOPS] = { 0 };
		struct p9_client *c;
		struct p9_qid q;
		uint32_t root;
		int sock;
		pid_t pid;

		place(pl->client_cpu);
		pid = fork_server(pl, &sock, echo_server);
		run[OP_PINGPONG] = pingpong_us(sock, n);
		close(sock);
		reap(pid);

		pid = fork_server(pl, &sock, gofer_server);
		check(p9_client_open(&c, sock, 64 * 1024, "bench", &root, &q), "attach");
		if (!p9_client_has_fd_donation(c))
			die("no FD donation", EPROTO);
		run_9p(c, root, n, run);
		p9_client_close(c);
		reap(pid);
		keep(res, run);
	}
	place(-1);
}

/* ---- the tree and the report ---------------------------------------------- */

static void make_tree(void)
{
	char p[128];
	int fd;

	strcpy(tree, "/tmp/rl-bench.XXXXXX");
	if (!mkdtemp(tree))
		die("mkdtemp", errno);
	snprintf(p, sizeof(p), "%s/a", tree);
	if (mkdir(p, 0755) < 0)
		die(p, errno);
	snprintf(p, sizeof(p), "%s/a/b", tree);
	if (mkdir(p, 0755) < 0)
		die(p, errno);
	snprintf(p, sizeof(p), "%s/a/b/file", tree);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "bench\n", 6) != 6)
		die(p, errno);
	close(fd);
	tree_fd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tree_fd < 0)
		die(tree, errno);
}

static void remove_tree(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/a/b/file", tree);
	unlink(p);
	snprintf(p, sizeof(p), "%s/a/b", tree);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/a", tree);
	rmdir(p);
	rmdir(tree);
}

static void cell(const double v[NOPS], int op)
{
	printf(" %9.2f (%5.1fx)", v[op], v[op] / v[OP_PINGPONG]);
}

/* Best of the repeats for each placement; for "unpinned" the worst run
 * too: where the scheduler puts the two processes varies from run to run,
 * and with it the cost, by up to the cross-CPU wake-up. */
static void report(const struct placement *pls, int npl, const struct result *res, int n,
		   int repeats)
{
	struct utsname u;

	uname(&u);
	printf("Linux %s, %d CPUs allowed, %d iterations per op, best of %d runs\n",
	       u.release, CPU_COUNT(&allowed), n, repeats);
	printf("%-38s", "operation (us/op, x ping-pong)");
	for (int p = 0; p < npl; p++) {
		printf(" %17s", pls[p].name);
		if (pls[p].client_cpu < 0)
			printf(" %17s", "unpinned (worst)");
	}
	printf("\n");
	for (int op = 0; op < NOPS; op++) {
		printf("%-38s", op_names[op]);
		for (int p = 0; p < npl; p++) {
			cell(res[p].best, op);
			if (pls[p].client_cpu < 0)
				cell(res[p].worst, op);
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	int n = 10000, repeats = 3, opt, npl;
	struct placement pls[3];
	struct result res[3] = { { { 0 }, { 0 } } };

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			repeats = atoi(optarg);
		else
			return 2;
	}
	if (n < 10 || repeats < 1) {
		fprintf(stderr, "usage: p9_roundtrip [-n ITERATIONS >= 10] [-r REPEATS]\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		die("sched_getaffinity", errno);
	pls[0] = (struct placement){ "same CPU", nth_cpu(0), nth_cpu(0) };
	pls[1] = (struct placement){ "unpinned", -1, -1 };
	pls[2] = (struct placement){ "split CPUs", nth_cpu(0), nth_cpu(1) };
	npl = CPU_COUNT(&allowed) > 1 ? 3 : 1; /* one CPU: the other two are the same */

	signal(SIGPIPE, SIG_IGN);
	make_tree();
	for (int p = 0; p < npl; p++)
		measure(&pls[p], n, repeats, &res[p]);
	remove_tree();
	report(pls, npl, res, n, repeats);
	return 0;
}
