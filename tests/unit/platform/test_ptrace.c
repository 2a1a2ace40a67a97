/*
 * The ptrace platform, run for real.  The test process plays the sentry: it
 * opens the platform (its tracer thread), forks a child that waits until it
 * is attached, installs a SECCOMP_RET_TRACE filter for a few syscalls and
 * runs a scenario; the test answers the trapped syscalls and the child
 * writes what it saw (int64 records) into a pipe that the test checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 10000
#define SKIP_REPLY INT64_MIN

typedef void (*scenario_fn)(int out);
typedef int64_t (*handler_fn)(struct platform *p, struct platform_syscall *sc, void *ctx);

static void put(int out, int64_t v)
{
	if (write(out, &v, sizeof v) != sizeof v)
		_exit(99);
}

static void child_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int trapped[] = { SCMP_SYS(getcwd), SCMP_SYS(openat), SCMP_SYS(getppid), SCMP_SYS(mkdirat) };
	for (size_t i = 0; i < sizeof trapped / sizeof trapped[0]; i++)
		seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), trapped[i], 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		_exit(98);
	seccomp_release(ctx);
}

struct run {
	struct platform *p;
	pid_t pid;
	int res;        /* read end of the results pipe */
	int64_t got[256];
	int ngot;
};

/* Forks the child, attaches, lets it go. */
static void start(struct run *r, scenario_fn body, bool task_events)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(platform_ptrace_open(&r->p), 0);
	platform_set_task_events(r->p, task_events);
	int res[2], go[2];
	assert_int_equal(pipe2(res, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(res[0]);
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(97);
		int out = fcntl(res[1], F_DUPFD, 100);   /* out of the way of fd numbering */
		close(res[1]);
		close(go[0]);
		child_filter();
		body(out);
		_exit(0);
	}
	close(res[1]);
	close(go[0]);
	r->pid = pid;
	r->res = res[0];
	assert_int_equal(platform_ptrace_attach(r->p, pid), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
}

/* Serves trapped syscalls with `h` until every traced task is gone. */
static void serve(struct run *r, handler_fn h, void *ctx)
{
	for (;;) {
		struct pollfd pfd = { platform_poll_fd(r->p), POLLIN, 0 };
		int n = poll(&pfd, 1, TIMEOUT_MS);
		if (n == 0) {
			kill(r->pid, SIGKILL);
			fail_msg("timeout waiting for a trapped syscall");
		}
		struct platform_syscall sc;
		int rc = platform_wait(r->p, &sc);
		if (rc == -ECHILD)
			break;
		assert_int_equal(rc, 0);
		int64_t v = h(r->p, &sc, ctx);
		if (v != SKIP_REPLY)
			platform_reply(r->p, &sc, v);
	}
	int64_t v;
	while (read(r->res, &v, sizeof v) == sizeof v && r->ngot < 256)
		r->got[r->ngot++] = v;
}

static void finish(struct run *r)
{
	platform_close(r->p);
	close(r->res);
	waitpid(r->pid, NULL, __WALL | WNOHANG);
}

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 100; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* ---- replies: values, errnos, memory ------------------------------------------ */

static void sc_values(int out)
{
	char buf[64] = "";
	put(out, syscall(SYS_getcwd, buf, sizeof buf));
	put(out, strcmp(buf, "/in/the/sandbox"));
	errno = 0;
	put(out, syscall(SYS_openat, AT_FDCWD, "/etc/secret", O_RDONLY));
	put(out, errno);
	errno = 0;
	put(out, syscall(SYS_mkdirat, AT_FDCWD, (char *)8, 0755));   /* a bad pointer */
	put(out, errno);
	put(out, syscall(SYS_getppid));
}

static int64_t h_values(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	char path[256];
	switch (sc->nr) {
	case SYS_getcwd: {
		static const char cwd[] = "/in/the/sandbox";
		assert_int_equal(platform_write(p, sc, sc->args[0], cwd, sizeof cwd), 0);
		return sizeof cwd;
	}
	case SYS_openat:
		assert_int_equal(platform_read_string(p, sc, path, sizeof path, sc->args[1]), 11);
		assert_string_equal(path, "/etc/secret");
		assert_int_equal(platform_check(p, sc), 0);
		return -EACCES;
	case SYS_mkdirat:
		return platform_read_string(p, sc, path, sizeof path, sc->args[1]);   /* -EFAULT */
	case SYS_getppid:
		return 4242;
	}
	return -ENOSYS;
}

static void test_reply_values_and_errnos(void **state)
{
	struct run r;
	start(&r, sc_values, false);
	serve(&r, h_values, NULL);
	assert_int_equal(r.ngot, 7);
	assert_int_equal(r.got[0], 16);
	assert_int_equal(r.got[1], 0);
	assert_int_equal(r.got[2], -1);
	assert_int_equal(r.got[3], EACCES);
	assert_int_equal(r.got[4], -1);
	assert_int_equal(r.got[5], EFAULT);
	assert_int_equal(r.got[6], 4242);
	finish(&r);
}

/* ---- continue ------------------------------------------------------------------------ */

static void sc_continue(int out)
{
	put(out, syscall(SYS_getppid));
	put(out, syscall(SYS_getppid));
}

static int64_t h_continue(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	int *calls = ctx;
	if (++*calls == 2) {
		/* an fd installed first: the syscall entry was used for the
		 * injection, so the syscall is issued again, and not trapped twice */
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(platform_add_fd(p, sc, fd, 0) >= 0);
		close(fd);
	}
	assert_int_equal(platform_continue(p, sc), 0);
	return SKIP_REPLY;
}

static void test_continue_runs_the_syscall_once(void **state)
{
	struct run r;
	int calls = 0;
	start(&r, sc_continue, false);
	serve(&r, h_continue, &calls);
	assert_int_equal(calls, 2);
	assert_int_equal(r.ngot, 2);
	assert_int_equal(r.got[0], getpid());
	assert_int_equal(r.got[1], getpid());
	finish(&r);
}

/* ---- fd installation ------------------------------------------------------------------- */

static void sc_fds(int out)
{
	int before = count_fds();
	int lowest = dup(0);
	close(lowest);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/memfd", O_RDONLY | O_CLOEXEC);
	put(out, fd == lowest);
	char buf[16] = "";
	put(out, pread(fd, buf, sizeof buf, 0));
	put(out, strcmp(buf, "hello"));
	put(out, fcntl(fd, F_GETFD) == FD_CLOEXEC);
	put(out, count_fds() - before);   /* exactly one more: no socket left over */
	/* add twice + replace + reply */
	int pfd[2];
	if (pipe(pfd) < 0)
		_exit(96);
	int slot = dup2(pfd[0], 50);
	put(out, syscall(SYS_openat, AT_FDCWD, "/several", O_RDONLY));
	char c = 0;
	put(out, read(slot, &c, 1));   /* the memfd now, not the pipe */
	put(out, c);
	put(out, fcntl(slot, F_GETFD));
	put(out, count_fds() - before);
}

static int64_t h_fds(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	char path[64];
	assert_true(platform_read_string(p, sc, path, sizeof path, sc->args[1]) > 0);
	int mfd = memfd_create("x", MFD_CLOEXEC);
	assert_int_equal(write(mfd, "hello", 6), 6);
	lseek(mfd, 0, SEEK_SET);
	int64_t rc;
	if (strcmp(path, "/memfd") == 0) {
		assert_int_equal(platform_reply_fd(p, sc, mfd, O_CLOEXEC), 0);
		rc = SKIP_REPLY;
	} else {
		int a = platform_add_fd(p, sc, mfd, 0);
		int b = platform_add_fd(p, sc, mfd, O_CLOEXEC);
		assert_true(a >= 0 && b > a);
		assert_int_equal(platform_replace_fd(p, sc, mfd, 50, 0), 0);
		rc = 777;
	}
	close(mfd);
	return rc;
}

static void test_fd_installation(void **state)
{
	struct run r;
	start(&r, sc_fds, false);
	serve(&r, h_fds, NULL);
	assert_int_equal(r.ngot, 10);
	assert_int_equal(r.got[0], 1);     /* the lowest free slot, as Linux */
	assert_int_equal(r.got[1], 6);
	assert_int_equal(r.got[2], 0);
	assert_int_equal(r.got[3], 1);
	assert_int_equal(r.got[4], 1);
	assert_int_equal(r.got[5], 777);
	assert_int_equal(r.got[6], 1);
	assert_int_equal(r.got[7], 'h');
	assert_int_equal(r.got[8], 0);     /* replace without O_CLOEXEC */
	assert_int_equal(r.got[9], 6);     /* 1 + pipe pair + slot 50 + two added */
	finish(&r);
}

/* ---- a task killed while stopped --------------------------------------------------------- */

static void sc_killed(int out)
{
	char buf[8];
	put(out, 1);
	syscall(SYS_getcwd, buf, sizeof buf);
	put(out, 2);   /* never */
}

static int64_t h_killed(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	struct run *r = ctx;
	kill(r->pid, SIGKILL);
	/* the platform learns of the death asynchronously: poll until it has */
	for (int i = 0; i < 2000 && platform_check(p, sc) == 0; i++)
		usleep(1000);
	assert_int_equal(platform_check(p, sc), -ENOENT);
	char b[4];
	assert_int_equal(platform_read(p, sc, b, sc->args[0], 1), -ENOENT);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(platform_reply_fd(p, sc, fd, 0), -ENOENT);
	close(fd);
	assert_int_equal(platform_reply(p, sc, 0), -ENOENT);
	return SKIP_REPLY;
}

static void test_task_killed_while_stopped(void **state)
{
	struct run r;
	start(&r, sc_killed, false);
	serve(&r, h_killed, &r);
	assert_int_equal(r.ngot, 1);
	finish(&r);
}

/* ---- fork, clone: creation events ------------------------------------------------------------- */

static void *thread_body(void *arg)
{
	char buf[8];
	return (void *)(intptr_t)syscall(SYS_getcwd, buf, sizeof buf);
}

static void sc_fork(int out)
{
	pid_t c = fork();
	if (c == 0) {
		char buf[8];
		_exit((int)syscall(SYS_getcwd, buf, sizeof buf));
	}
	int st = 0;
	waitpid(c, &st, 0);
	put(out, WEXITSTATUS(st));
	pthread_t th;
	void *ret = NULL;
	pthread_create(&th, NULL, thread_body, NULL);
	pthread_join(th, &ret);
	put(out, (intptr_t)ret);
	pid_t v = vfork();
	if (v == 0)
		_exit(3);
	waitpid(v, &st, 0);
	put(out, WEXITSTATUS(st));
}

struct fork_log {
	pid_t root;
	int created;
	pid_t children[3];
	uint64_t flags[3];
	int trapped_after_created;
};

static int64_t h_fork(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	struct fork_log *log = ctx;
	if (sc->event == PLATFORM_TASK_CREATED) {
		assert_int_equal(sc->tid, log->root);
		if (log->created < 3) {
			log->children[log->created] = (pid_t)sc->args[0];
			log->flags[log->created] = sc->args[1];
		}
		log->created++;
		return 0;
	}
	for (int i = 0; i < log->created && i < 3; i++)
		if (sc->tid == log->children[i])
			log->trapped_after_created++;
	return 11;
}

static void test_fork_clone_events(void **state)
{
	struct run r;
	struct fork_log log = { 0 };
	start(&r, sc_fork, true);
	log.root = r.pid;
	serve(&r, h_fork, &log);
	assert_int_equal(r.ngot, 3);
	assert_int_equal(r.got[0], 11);   /* the forked child was traced */
	assert_int_equal(r.got[1], 11);   /* and the thread */
	assert_int_equal(r.got[2], 3);
	assert_int_equal(log.created, 3);
	assert_int_equal(log.trapped_after_created, 2);   /* every trap came after its creation */
	assert_int_equal(log.flags[0] & 0xff, SIGCHLD);
	assert_true(log.flags[1] & CLONE_THREAD);
	assert_true(log.flags[1] & CLONE_FS);
	assert_true(log.flags[2] & CLONE_VFORK);
	finish(&r);
}

/* ---- signals ------------------------------------------------------------------------------------ */

static volatile sig_atomic_t got_sig, got_code, got_value;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	got_sig++;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
}

static void sc_signals(int out)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	char buf[8];
	put(out, syscall(SYS_getcwd, buf, sizeof buf));   /* signal while stopped */
	put(out, got_sig);
	put(out, got_value);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/x", O_RDONLY);   /* signal during an injection */
	put(out, fd >= 0);
	put(out, got_sig);
	put(out, got_code == SI_QUEUE);
	put(out, got_value);
	put(out, 1000);   /* the stop below: seen only after SIGCONT */
	put(out, syscall(SYS_getppid));
	put(out, 2000);
}

static int64_t h_signals(struct platform *p, struct platform_syscall *sc, void *ctx)
{
	struct run *r = ctx;
	union sigval v;
	switch (sc->nr) {
	case SYS_getcwd:
		v.sival_int = 7;
		sigqueue(r->pid, SIGUSR1, v);
		return 5;
	case SYS_openat: {
		v.sival_int = 1234;
		sigqueue(r->pid, SIGUSR1, v);
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_int_equal(platform_reply_fd(p, sc, fd, 0), 0);
		close(fd);
		return SKIP_REPLY;
	}
	case SYS_getppid: {
		kill(r->pid, SIGSTOP);
		platform_reply(p, sc, 55);
		/* stopped: the next record does not come */
		struct pollfd pfd = { r->res, POLLIN, 0 };
		int64_t rec[16];
		int n = 0;
		/* drain what was written before the stop */
		while (poll(&pfd, 1, 200) > 0 && n < 16) {
			if (read(r->res, &rec[n], sizeof rec[n]) != sizeof rec[n])
				break;
			n++;
			if (rec[n - 1] == 2000)
				break;
		}
		assert_true(n >= 1);
		assert_true(rec[n - 1] != 2000);   /* did not get past the stop */
		for (int i = 0; i < n && r->ngot < 256; i++)
			r->got[r->ngot++] = rec[i];
		kill(r->pid, SIGCONT);
		return SKIP_REPLY;
	}
	}
	return -ENOSYS;
}

static void test_signals_delivered_to_stopped_tasks(void **state)
{
	struct run r;
	start(&r, sc_signals, false);
	serve(&r, h_signals, &r);
	/* the records drained during the stop come first in r.got */
	assert_int_equal(r.ngot, 10);
	assert_int_equal(r.got[0], 5);
	assert_int_equal(r.got[1], 1);      /* delivered after our answer */
	assert_int_equal(r.got[2], 7);
	assert_int_equal(r.got[3], 1);
	assert_int_equal(r.got[4], 2);      /* held during the injection, then delivered */
	assert_int_equal(r.got[5], 1);      /* with its siginfo */
	assert_int_equal(r.got[6], 1234);
	assert_int_equal(r.got[7], 1000);
	assert_int_equal(r.got[8], 55);
	assert_int_equal(r.got[9], 2000);
	finish(&r);
}

/* ---- concurrent platform_wait callers ------------------------------------------------------------ */

#define NTHREADS 4
#define NCALLS 200

static void *hammer(void *arg)
{
	long bad = 0;
	for (int i = 0; i < NCALLS; i++) {
		char buf[8];
		if (syscall(SYS_getcwd, buf, sizeof buf) != 3 || strcmp(buf, "/w") != 0)
			bad++;
	}
	return (void *)bad;
}

static void sc_threads(int out)
{
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, hammer, NULL);
	long bad = 0;
	for (int i = 0; i < NTHREADS; i++) {
		void *b;
		pthread_join(th[i], &b);
		bad += (long)b;
	}
	put(out, bad);
}

static atomic_int served;

static void *worker(void *arg)
{
	struct platform *p = arg;
	struct platform_syscall sc;
	while (platform_wait(p, &sc) == 0) {
		if (sc.event == PLATFORM_SYSCALL && sc.nr == SYS_getcwd) {
			platform_write(p, &sc, sc.args[0], "/w", 3);
			platform_reply(p, &sc, 3);
			atomic_fetch_add(&served, 1);
		} else {
			platform_reply(p, &sc, -ENOSYS);
		}
	}
	return NULL;
}

static void test_concurrent_waiters(void **state)
{
	struct run r;
	atomic_store(&served, 0);
	start(&r, sc_threads, false);
	pthread_t w[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&w[i], NULL, worker, r.p);
	for (int i = 0; i < 3; i++)
		pthread_join(w[i], NULL);
	int64_t v;
	assert_int_equal(read(r.res, &v, sizeof v), sizeof v);
	assert_int_equal(v, 0);
	assert_int_equal(atomic_load(&served), NTHREADS * NCALLS);
	finish(&r);
}

/* ---- without a tracer, RET_TRACE fails closed --------------------------------------------------- */

static void test_no_tracer_fails_closed(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_filter();
		char buf[64];
		long rc = syscall(SYS_getcwd, buf, sizeof buf);
		_exit(rc == -1 && errno == ENOSYS ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_values_and_errnos),
		cmocka_unit_test(test_continue_runs_the_syscall_once),
		cmocka_unit_test(test_fd_installation),
		cmocka_unit_test(test_task_killed_while_stopped),
		cmocka_unit_test(test_fork_clone_events),
		cmocka_unit_test(test_signals_delivered_to_stopped_tasks),
		cmocka_unit_test(test_concurrent_waiters),
		cmocka_unit_test(test_no_tracer_fails_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
