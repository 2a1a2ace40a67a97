/*
 * static_exec_probe: execve/execveat semantics, run natively and in the
 * sandbox from a scratch directory holding a copy of itself named `probe`;
 * the two outputs must be identical.  Every path is relative to the cwd
 * (the #! lines too: "#!./probe show"), so the same files work in both.
 *
 *   probe cases        sets up scripts and files, then runs each case in a
 *                      child: the exec and what the new image reports, or
 *                      the errno, then the child's exit status
 *   probe show ...     (the exec'd image) prints argv, AT_EXECFN (with the
 *                      cwd prefix as "<cwd>"), the fds above 2 that are
 *                      open and whether they are close-on-exec
 *   probe thread-exec  execs from a second thread while others run
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int show(int argc, char **argv)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return 90;
	printf("  argv:");
	for (int i = 0; i < argc; i++)
		printf(" [%s]", argv[i]);
	const char *fn = (const char *)getauxval(AT_EXECFN);
	size_t cl = strlen(cwd);
	if (fn && strncmp(fn, cwd, cl) == 0 && fn[cl] == '/')
		printf("\n  execfn: <cwd>%s\n", fn + cl);
	else
		printf("\n  execfn: %s\n", fn ? fn : "(none)");
	printf("  fds:");
	for (int fd = 3; fd < 64; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			printf(" %d%s", fd, (fl & FD_CLOEXEC) ? "(cloexec)" : "");
	}
	const char *pid = getenv("PROBE_EXPECT_PID");
	if (pid)
		printf("\n  pid is the old tgid: %s, single thread: %s",
		       atoi(pid) == getpid() ? "yes" : "no",
		       syscall(SYS_gettid) == getpid() ? "yes" : "no");
	printf("\n");
	return 7;   /* a status of its own, so the parent sees the new image ran */
}

static void put(const char *name, const char *content, mode_t mode)
{
	unlink(name);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content) || close(fd) < 0) {
		printf("setup %s: %s\n", name, strerror(errno));
		exit(1);
	}
	chmod(name, mode);
}

static void copy(const char *from, const char *to, mode_t mode)
{
	static char buf[1 << 16];
	unlink(to);
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in < 0 || out < 0 || close(out) < 0) {
		printf("setup copy %s: %s\n", to, strerror(errno));
		exit(1);
	}
	close(in);
}

static void setup(void)
{
	mkdir("sub", 0755);
	mkdir("adir", 0755);
	mkdir("bin1", 0755);
	mkdir("bin2", 0755);
	copy("probe", "bin2/probe2", 0755);
	put("bin1/probe2", "#!./probe show\n", 0644);   /* found first, not executable */
	put("s1", "#!./probe show\n", 0755);
	put("sarg", "#! \t./probe   show  with  spaces \t \n", 0755);
	put("s2", "#!./s1 level2\n", 0755);
	/* n1 -> probe, n2 -> n1, ...: a chain of n scripts */
	put("n1", "#!./probe show\n", 0755);
	for (int i = 2; i <= 7; i++) {
		char name[8], line[32];
		snprintf(name, sizeof name, "n%d", i);
		snprintf(line, sizeof line, "#!./n%d\n", i - 1);
		put(name, line, 0755);
	}
	put("noexec", "#!./probe show\n", 0644);
	put("text", "just text, no #!\n", 0755);
	put("empty", "", 0755);
	put("badelf", "\177ELF\002\001\001", 0755);
	put("nointerp", "#!\n", 0755);
	put("blankinterp", "#!   \n", 0755);
	put("missinginterp", "#!./no-such-interpreter\n", 0755);
	put("interpnoexec", "#!./noexec\n", 0755);
	put("interpdir", "#!./adir\n", 0755);
	put("interpself", "#!./interpself\n", 0755);
	copy("probe", "victim", 0755);
	unlink("link-to-probe");
	symlink("probe", "link-to-probe");
}

static void report_status(int st)
{
	if (WIFEXITED(st))
		printf("  exit %d\n", WEXITSTATUS(st));
	else
		printf("  signal %d\n", WTERMSIG(st));
}

/* Runs fn in a child; fn returns only when its exec failed. */
static void run_case(const char *name, int (*fn)(void *), void *arg)
{
	printf("%s\n", name);
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		int rc = fn(arg);
		printf("  failed: %s\n", rc < 0 ? strerrorname_np(errno) : "returned");
		fflush(stdout);
		_exit(3);
	}
	int st;
	waitpid(p, &st, 0);
	report_status(st);
}

struct ex {
	const char *path;
	const char *argv[4];
};

static int do_execve(void *arg)
{
	struct ex *e = arg;
	return execve(e->path, (char **)e->argv, environ);
}

static int do_execvp(void *arg)
{
	struct ex *e = arg;
	setenv("PATH", "./nonexistent:./bin1:./bin2", 1);
	return execvp(e->path, (char **)e->argv);
}

static int do_fds(void *arg)
{
	/* fd 5 close-on-exec, fd 6 not, fd 7 close-on-exec via fcntl */
	int a = open("s1", O_RDONLY | O_CLOEXEC), b = open("s1", O_RDONLY), c = open("s1", O_RDONLY);
	dup3(a, 5, O_CLOEXEC);
	dup2(b, 6);
	dup2(c, 7);
	fcntl(7, F_SETFD, FD_CLOEXEC);
	close(a);
	close(b);
	close(c);
	char *argv[] = { "fds", NULL };
	return execve("./probe", argv, environ);
}

static int do_e2big_one(void *arg)
{
	/* one string longer than MAX_ARG_STRLEN (32 pages) */
	size_t len = 33 * 4096;
	char *s = malloc(len + 1);
	memset(s, 'x', len);
	s[len] = 0;
	char *argv[] = { "big", s, NULL };
	return execve("./probe", argv, environ);
}

static int do_e2big_total(void *arg)
{
	/* many strings, together far beyond a quarter of an 8 MiB stack */
	size_t n = 4096;
	char **argv = calloc(n + 2, sizeof *argv);
	char *s = malloc(4096);
	memset(s, 'y', 4095);
	s[4095] = 0;
	argv[0] = "big";
	for (size_t i = 1; i <= n; i++)
		argv[i] = s;
	return execve("./probe", argv, environ);
}

static int do_etxtbsy(void *arg)
{
	int fd = open("victim", O_WRONLY);
	if (fd < 0)
		return -1;
	char *argv[] = { "victim", NULL };
	return execve("./victim", argv, environ);
}

struct at {
	const char *dir;     /* opened as dirfd (NULL: AT_FDCWD) */
	int dir_flags;
	const char *path;
	int flags;
};

static int do_execveat(void *arg)
{
	struct at *a = arg;
	int dfd = AT_FDCWD;
	if (a->dir) {
		dfd = open(a->dir, a->dir_flags);
		if (dfd < 0)
			return -1;
		/* a fixed number, so that /dev/fd/N reads the same everywhere */
		if (dup3(dfd, 9, a->dir_flags & O_CLOEXEC) < 0)
			return -1;
		close(dfd);
		dfd = 9;
	}
	char *argv[] = { "at", "x", NULL };
	return (int)syscall(SYS_execveat, dfd, a->path, argv, environ, a->flags);
}

/* An fexecve the kernel refuses after the sentry let it through (E2BIG):
 * the fd must still be the program afterwards. */
static int do_fexecve_e2big(void *arg)
{
	int fd = open("probe", O_RDONLY);
	if (fd < 0 || dup2(fd, 9) < 0)
		return -1;
	size_t len = 33 * 4096;
	char *s = malloc(len + 1);
	memset(s, 'x', len);
	s[len] = 0;
	char *argv[] = { "big", s, NULL };
	long rc = syscall(SYS_execveat, 9, "", argv, environ, AT_EMPTY_PATH);
	int err = errno;
	struct stat a, b;
	char head[4] = "";
	int same = rc < 0 && fstat(9, &a) == 0 && stat("probe", &b) == 0 && a.st_ino == b.st_ino &&
		   pread(9, head, 4, 0) == 4 && memcmp(head, "\177ELF", 4) == 0;
	printf("  fd 9 afterwards: %s\n", same ? "the program" : "something else");
	errno = err;
	return -1;
}

static int do_badfd(void *arg)
{
	char *argv[] = { "at", NULL };
	return (int)syscall(SYS_execveat, 42, "probe", argv, environ, 0);
}

static int cases(void)
{
	/* only the fds the cases open may show up in the new images */
	syscall(SYS_close_range, 3, ~0U, 0);
	setup();
	struct ex ex[] = {
		{ "./probe", { "zero", "a", NULL } },
		{ "probe", { "bare", NULL } },
		{ "sub/../probe", { "dotdot", NULL } },
		{ "./link-to-probe", { "symlink", NULL } },
		{ "./s1", { "S1", "x", "y", NULL } },
		{ "s1", { "S1-bare", NULL } },
		{ "./sarg", { "SARG", "x", NULL } },
		{ "./s2", { "S2", "x", NULL } },
		{ "./n4", { "N4", NULL } },
		{ "./n5", { "N5", NULL } },
		{ "./n6", { "N6", NULL } },
		{ "./n7", { "N7", NULL } },
		{ "./noexec", { "x", NULL } },
		{ "./adir", { "x", NULL } },
		{ "./nope", { "x", NULL } },
		{ "./probe/x", { "x", NULL } },
		{ "", { "x", NULL } },
		{ "./text", { "x", NULL } },
		{ "./empty", { "x", NULL } },
		{ "./badelf", { "x", NULL } },
		{ "./nointerp", { "x", NULL } },
		{ "./blankinterp", { "x", NULL } },
		{ "./missinginterp", { "x", NULL } },
		{ "./interpnoexec", { "x", NULL } },
		{ "./interpdir", { "x", NULL } },
		{ "./interpself", { "x", NULL } },
		{ "./sub/", { "x", NULL } },
		{ "./probe/", { "x", NULL } },
	};
	char name[256];
	for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
		snprintf(name, sizeof name, "execve %s", ex[i].path);
		run_case(name, do_execve, &ex[i]);
	}
	struct ex vp[] = {
		{ "probe2", { "vp", NULL } },
		{ "nothing-anywhere", { "vp", NULL } },
		{ "s1", { "vp", NULL } },
	};
	for (size_t i = 0; i < sizeof vp / sizeof vp[0]; i++) {
		snprintf(name, sizeof name, "execvp %s (PATH=./nonexistent:./bin1:./bin2)", vp[i].path);
		run_case(name, do_execvp, &vp[i]);
	}
	run_case("close-on-exec fds are closed, others survive", do_fds, NULL);
	run_case("E2BIG: one argument longer than MAX_ARG_STRLEN", do_e2big_one, NULL);
	run_case("E2BIG: 16 MiB of arguments", do_e2big_total, NULL);
	run_case("ETXTBSY: exec of a file open for writing", do_etxtbsy, NULL);
	struct at at[] = {
		{ "probe", O_RDONLY, "", AT_EMPTY_PATH },
		{ "probe", O_RDONLY | O_CLOEXEC, "", AT_EMPTY_PATH },
		{ "probe", O_PATH, "", AT_EMPTY_PATH },
		{ "s1", O_RDONLY, "", AT_EMPTY_PATH },
		{ "s1", O_RDONLY | O_CLOEXEC, "", AT_EMPTY_PATH },
		{ "noexec", O_RDONLY, "", AT_EMPTY_PATH },
		{ "adir", O_RDONLY | O_DIRECTORY, "", AT_EMPTY_PATH },
		{ "probe", O_RDONLY, "", 0 },
		{ ".", O_RDONLY | O_DIRECTORY, "probe", 0 },
		{ ".", O_PATH | O_DIRECTORY, "probe", 0 },
		{ ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, "s1", 0 },
		{ "sub", O_RDONLY | O_DIRECTORY, "../s1", 0 },
		{ "sub", O_RDONLY | O_DIRECTORY, "nope", 0 },
		{ "probe", O_RDONLY, "probe", 0 },
		{ NULL, 0, "link-to-probe", AT_SYMLINK_NOFOLLOW },
		{ NULL, 0, "probe", AT_SYMLINK_NOFOLLOW },
		{ NULL, 0, "probe", 0x8000 },
	};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		snprintf(name, sizeof name, "execveat(%s%s%s, \"%s\", %s)", at[i].dir ? at[i].dir : "AT_FDCWD",
			 at[i].dir_flags & O_PATH ? " O_PATH" : "",
			 at[i].dir_flags & O_CLOEXEC ? " O_CLOEXEC" : "", at[i].path,
			 at[i].flags == AT_EMPTY_PATH ? "AT_EMPTY_PATH"
			 : at[i].flags == AT_SYMLINK_NOFOLLOW ? "AT_SYMLINK_NOFOLLOW"
			 : at[i].flags ? "bad flags" : "0");
		run_case(name, do_execveat, &at[i]);
	}
	run_case("execveat(42 (not open), \"probe\", 0)", do_badfd, NULL);
	run_case("fexecve refused by the kernel (E2BIG) leaves the fd alone", do_fexecve_e2big, NULL);
	return 0;
}

/* ---- exec from a thread while others run ---- */

static volatile int spin;

static void *spinner(void *arg)
{
	struct stat st;
	/* half of them busy in trapped syscalls, half computing */
	while ((long)arg & 1 ? stat("probe", &st) == 0 || 1 : 1)
		spin++;
	return NULL;
}

static void *execer(void *arg)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("PROBE_EXPECT_PID", pid, 1);
	char *argv[] = { "from-thread", NULL };
	execve("./probe", argv, environ);
	printf("  failed: %s\n", strerrorname_np(errno));
	fflush(stdout);
	_exit(3);
}

static int thread_exec(void)
{
	syscall(SYS_close_range, 3, ~0U, 0);
	printf("execve from a second thread while 4 others run\n");
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		pthread_t t;
		for (long i = 0; i < 4; i++)
			pthread_create(&t, NULL, spinner, (void *)i);
		pthread_create(&t, NULL, execer, NULL);
		for (;;)
			pause();
	}
	int st;
	waitpid(p, &st, 0);
	report_status(st);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strncmp(argv[1], "show", 4) == 0)
		return show(argc, argv);
	if (argc == 2 && strcmp(argv[1], "cases") == 0)
		return cases();
	if (argc == 2 && strcmp(argv[1], "thread-exec") == 0)
		return thread_exec();
	/* exec'd directly (not through a #! line): report like show */
	return show(argc, argv);
}
