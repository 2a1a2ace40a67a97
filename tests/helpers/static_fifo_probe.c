/*
 * Named-pipe semantics, printed one case per line ("fifo/case -> result"),
 * so that a native run and a sandboxed run can be compared line by line.
 * Run in an empty writable directory.  The peers are child processes that
 * open the other end after a pause; the results do not depend on timing,
 * only on Linux's rules (a blocking open waits for its peer).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void result(const char *name, long rc, int err)
{
	if (rc < 0)
		printf("fifo/%s -> -1 %s\n", name, strerrorname_np(err) ? strerrorname_np(err) : "?");
	else
		printf("fifo/%s -> %ld\n", name, rc);
	fflush(stdout);
}

/* errno is read after the call: argument order is unspecified */
#define R(name, expr)                       \
	do {                                \
		long r_ = (long)(expr);     \
		result(name, r_, errno);    \
	} while (0)

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A child that, after a pause, opens `path` with `flags`, writes `msg`
 * (writers) or reads and checks it (readers), and exits 0 on success. */
static pid_t peer(const char *path, int flags, const char *msg)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	pause_ms(200);
	int fd = open(path, flags);
	if (fd < 0)
		_exit(10);
	if ((flags & O_ACCMODE) == O_WRONLY) {
		_exit(write(fd, msg, strlen(msg)) == (ssize_t)strlen(msg) ? 0 : 11);
	}
	char buf[64] = { 0 };
	ssize_t n = read(fd, buf, sizeof buf - 1);
	_exit(n == (ssize_t)strlen(msg) && memcmp(buf, msg, (size_t)n) == 0 ? 0 : 12);
}

static int reap(pid_t pid)
{
	int ws;
	if (waitpid(pid, &ws, 0) < 0)
		return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
	struct stat st;
	int rc = mkfifo("f", 0644);
	R("mkfifo", rc);
	rc = stat("f", &st);
	R("stat-is-fifo", rc < 0 ? rc : S_ISFIFO(st.st_mode));
	R("mkfifo-exists", mkfifo("f", 0644));

	/* non-blocking opens */
	R("wronly-nonblock-no-reader", open("f", O_WRONLY | O_NONBLOCK));
	int r = open("f", O_RDONLY | O_NONBLOCK);
	R("rdonly-nonblock", r >= 0 ? 0 : -1);
	int w = open("f", O_WRONLY | O_NONBLOCK);
	R("wronly-nonblock-with-reader", w >= 0 ? 0 : -1);
	R("write", write(w, "abc", 3));
	char buf[16] = { 0 };
	R("read", read(r, buf, sizeof buf));
	printf("fifo/read-data -> %s\n", buf);
	R("read-empty-nonblock", read(r, buf, sizeof buf));
	int fl = fcntl(w, F_GETFL);
	R("wronly-getfl-nonblock", fl < 0 ? -1 : !!(fl & O_NONBLOCK));
	close(w);
	/* Wait for the hang-up first: in the sandbox the gofer drops its copy
	 * of a donated description microseconds after sending it
	 * (docs/ARCHITECTURE.md, named pipes), so the last writer's close can
	 * reach a reader that late; a blocking reader never sees the gap. */
	struct pollfd pfd = { .fd = r, .events = POLLIN };
	R("poll-after-writer-gone", poll(&pfd, 1, 5000) == 1 ? !!(pfd.revents & POLLHUP) : -1);
	R("read-after-writer-gone", read(r, buf, sizeof buf));
	close(r);

	/* O_RDWR never waits (Linux-specific, but programs use it) */
	int rw = open("f", O_RDWR);
	fl = rw < 0 ? -1 : fcntl(rw, F_GETFL);
	R("rdwr", rw < 0 ? -1 : (fl & (O_ACCMODE | O_NONBLOCK)));
	R("rdwr-write", write(rw, "xy", 2));
	R("rdwr-read", read(rw, buf, sizeof buf));
	close(rw);

	/* a blocking reader waits for a writer, then reads what it wrote */
	pid_t p = peer("f", O_WRONLY, "hello");
	r = open("f", O_RDONLY);
	fl = r < 0 ? -1 : fcntl(r, F_GETFL);
	R("rdonly-blocking-getfl", r < 0 ? -1 : (fl & (O_ACCMODE | O_NONBLOCK)));
	memset(buf, 0, sizeof buf);
	R("rdonly-blocking-read", r < 0 ? -1 : read(r, buf, sizeof buf));
	printf("fifo/rdonly-blocking-data -> %s\n", buf);
	result("rdonly-blocking-peer", reap(p), 0);
	if (r >= 0)
		close(r);

	/* While a reader waits in open(), another process's stats are served:
	 * if the waiting open held the sandbox's kernel, the child's stats
	 * would never finish and nobody would open the writer (the test's hang
	 * guard fails it); no timing is measured. */
	p = fork();
	if (p == 0) {
		for (int i = 0; i < 200; i++)
			if (stat(".", &st) < 0)
				_exit(20);
		int fd = open("f", O_WRONLY);
		_exit(fd >= 0 && write(fd, "200", 3) == 3 ? 0 : 21);
	}
	r = open("f", O_RDONLY);
	memset(buf, 0, sizeof buf);
	R("stats-while-reader-waits-read", r < 0 ? -1 : read(r, buf, sizeof buf));
	printf("fifo/stats-while-reader-waits-data -> %s\n", buf);
	R("stats-while-reader-waits-peer", reap(p));
	if (r >= 0)
		close(r);

	/* a blocking writer waits for a reader */
	p = peer("f", O_RDONLY, "world");
	w = open("f", O_WRONLY);
	fl = w < 0 ? -1 : fcntl(w, F_GETFL);
	R("wronly-blocking-getfl", w < 0 ? -1 : (fl & (O_ACCMODE | O_NONBLOCK)));
	R("wronly-blocking-write", w < 0 ? -1 : write(w, "world", 5));
	if (w >= 0)
		close(w);
	result("wronly-blocking-peer", reap(p), 0);

	/* a signal without SA_RESTART interrupts a waiting open: EINTR */
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	R("rdonly-interrupted", open("f", O_RDONLY));
	alarm(1);
	R("wronly-interrupted", open("f", O_WRONLY));

	/* with SA_RESTART the open goes on waiting and completes */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 100000 }, { 0, 100000 } };   /* signals while it waits */
	setitimer(ITIMER_REAL, &it, NULL);
	p = peer("f", O_WRONLY, "again");
	r = open("f", O_RDONLY);
	memset(buf, 0, sizeof buf);
	R("rdonly-restarted-read", r < 0 ? -1 : read(r, buf, sizeof buf));
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("fifo/rdonly-restarted-data -> %s\n", buf);
	result("rdonly-restarted-peer", reap(p), 0);
	if (r >= 0)
		close(r);

	/* SIGKILL of a task waiting in open(): it dies at once, and the sandbox
	 * goes on serving (the next opens behave as before) */
	p = fork();
	if (p == 0) {
		open("f", O_RDONLY);   /* waits: nobody writes */
		_exit(30);
	}
	pause_ms(200);
	kill(p, SIGKILL);
	R("killed-while-waiting-status", reap(p));
	R("after-kill-wronly-nonblock-no-reader", open("f", O_WRONLY | O_NONBLOCK));

	/* a FIFO is not a regular file */
	R("trunc-ignored", (r = open("f", O_RDWR | O_TRUNC)) >= 0 ? 0 : -1);
	if (r >= 0)
		close(r);
	R("unlink", unlink("f"));
	printf("end/cases -> done\n");
	return 0;
}
