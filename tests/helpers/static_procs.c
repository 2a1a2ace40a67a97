/*
 * static_procs: the process model, run as pid 1 of a pid namespace both
 * natively (unshare --pid --fork) and in the sandbox; the outputs must be
 * identical.  No pid is printed, only relations between them.
 *   zombies and wait4/waitid (WNOWAIT, WNOHANG, rusage, ECHILD), stop and
 *   continue, a child killed by a signal, SIGCHLD's siginfo; an orphan
 *   reparented to init and reaped by it; setsid/getsid, setpgid/getpgid
 *   and their errors, kill(-pgid) reaching exactly the group, setpgid of a
 *   child that has exec'd (EACCES); a child's cwd is its parent's at fork
 *   time, not what the parent changes afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int rc)
{
	return rc < 0 ? strerrorname_np(errno) : "ok";
}

/* The child blocks on a pipe until the parent writes a byte (or closes). */
static pid_t child_waiting(int *go, int status)
{
	int p[2];
	if (pipe(p) < 0)
		exit(1);
	pid_t c = fork();
	if (c == 0) {
		char b;
		close(p[1]);
		ssize_t n = read(p[0], &b, 1);
		_exit(n == 1 ? status : 99);
	}
	close(p[0]);
	*go = p[1];
	return c;
}

static volatile sig_atomic_t chld_pid, chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *ctx)
{
	chld_pid = si->si_pid;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void waiting(void)
{
	printf("-- zombies, wait4, waitid\n");
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };
	sigaction(SIGCHLD, &sa, NULL);
	int go;
	pid_t c = child_waiting(&go, 5);
	siginfo_t si = { 0 };
	int rc = waitid(P_PID, (id_t)c, &si, WEXITED | WNOHANG);
	printf("waitid WNOHANG on a running child: %s, si_pid %s\n", err(rc), si.si_pid ? "set" : "0");
	if (write(go, "x", 1) != 1)
		exit(1);
	memset(&si, 0, sizeof si);
	rc = waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT);
	printf("waitid WNOWAIT: %s, code %s, status %d, pid right %d\n", err(rc),
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status, si.si_pid == c);
	/* still a zombie: it can be waited for again */
	int st;
	struct rusage ru;
	memset(&ru, 0xff, sizeof ru);
	pid_t w = wait4(c, &st, 0, &ru);
	printf("wait4: pid right %d, exited %d status %d, rusage filled %d\n", w == c, WIFEXITED(st),
	       WEXITSTATUS(st), ru.ru_maxrss >= 0 && ru.ru_utime.tv_sec >= 0);
	printf("wait4 again: %s\n", err(wait4(c, &st, 0, NULL)));
	printf("SIGCHLD: pid right %d, code %s, status %d\n", chld_pid == c,
	       chld_code == CLD_EXITED ? "CLD_EXITED" : "other", (int)chld_status);
	close(go);
	signal(SIGCHLD, SIG_DFL);

	c = child_waiting(&go, 0);
	kill(c, SIGSTOP);
	w = waitpid(c, &st, WUNTRACED);
	printf("stopped: %d sig %d\n", WIFSTOPPED(st), WSTOPSIG(st));
	kill(c, SIGCONT);
	w = waitpid(c, &st, WCONTINUED);
	printf("continued: %d\n", WIFCONTINUED(st));
	kill(c, SIGTERM);
	memset(&si, 0, sizeof si);
	rc = waitid(P_PID, (id_t)c, &si, WEXITED);
	printf("killed: %s, code %s, signal %d\n", err(rc), si.si_code == CLD_KILLED ? "CLD_KILLED" : "other",
	       si.si_status);
	close(go);
	printf("waitpid with no children: %s\n", err(waitpid(-1, &st, 0)));
}

static void orphans(void)
{
	printf("-- orphans\n");
	int p[2];
	if (pipe(p) < 0)
		exit(1);
	pid_t c = fork();
	if (c == 0) {
		if (fork() == 0) {
			/* the grandchild: wait (bounded) for its parent to be gone */
			for (int i = 0; i < 2000 && getppid() != 1; i++)
				usleep(5000);
			char b = getppid() == 1 ? 'R' : 'N';
			if (write(p[1], &b, 1) != 1)
				_exit(1);
			_exit(9);
		}
		_exit(0);
	}
	close(p[1]);
	int st;
	waitpid(c, &st, 0);
	char b = '?';
	if (read(p[0], &b, 1) != 1)
		b = '?';
	printf("grandchild's parent is init after its parent exited: %s\n", b == 'R' ? "yes" : "no");
	pid_t w = waitpid(-1, &st, 0);
	printf("init reaps the orphan: %s, exit %d\n", w > 0 ? "yes" : err(-1), WEXITSTATUS(st));
	close(p[0]);
}

static void groups(void)
{
	printf("-- sessions and process groups\n");
	int p[2];
	if (pipe(p) < 0)
		exit(1);
	pid_t c = fork();
	if (c == 0) {
		pid_t sid = setsid();
		char line[160];
		int n = snprintf(line, sizeof line,
				 "child setsid: %s, sid == pid %d, pgid == pid %d, again: %s, setpgid into init's group: %s\n",
				 err(sid), getsid(0) == getpid(), getpgrp() == getpid(), err(setsid()),
				 err(setpgid(0, 1)));
		if (write(p[1], line, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	char buf[256];
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	fputs(buf, stdout);
	int st;
	waitpid(c, &st, 0);
	close(p[0]);

	/* three children in a new group (the first one's pid), one outside */
	int go[4];
	pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		kids[i] = child_waiting(&go[i], 0);
		if (i < 3 && setpgid(kids[i], kids[0]) < 0)
			printf("setpgid %d: %s\n", i, err(-1));
	}
	printf("group: getpgid of each %d %d %d, outsider %d\n", getpgid(kids[0]) == kids[0],
	       getpgid(kids[1]) == kids[0], getpgid(kids[2]) == kids[0], getpgid(kids[3]) == getpgrp());
	printf("kill(-pgid, SIGUSR1): %s\n", err(kill(-kids[0], SIGUSR1)));
	int killed = 0;
	pid_t w;
	while ((w = waitpid(-kids[0], &st, 0)) > 0)
		killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1;
	printf("group members killed by SIGUSR1: %d, then: %s\n", killed, err(w));
	printf("outsider still running: %d\n", waitpid(kids[3], &st, WNOHANG) == 0);
	if (write(go[3], "x", 1) != 1)
		exit(1);
	waitpid(kids[3], &st, 0);
	printf("outsider exit %d\n", WEXITSTATUS(st));
	for (int i = 0; i < 4; i++)
		close(go[i]);

	printf("setpgid(-1): %s\n", err(setpgid(-1, 0)));
	printf("getpgid(no such pid): %s\n", err(getpgid(99999)));
	printf("kill(-(no such group)): %s\n", err(kill(-99999, 0)));
	c = child_waiting(&go[0], 0);
	printf("setpgid into a group of another session: %s\n", err(setpgid(c, 99999)));
	close(go[0]);
	waitpid(c, &st, 0);
}

/* The child's cwd is the parent's at fork time. */
static void cwd_after_fork(void)
{
	printf("-- fs context at fork\n");
	int go;
	int p[2];
	if (pipe(p) < 0)
		exit(1);
	mkdir("fork-a", 0755);
	mkdir("fork-b", 0755);
	if (chdir("fork-a") < 0)
		exit(1);
	mode_t old = umask(0);
	umask(old);
	pid_t c = fork();
	if (c == 0) {
		char b;
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(1);
		char cwd[4096];
		const char *base = getcwd(cwd, sizeof cwd) ? strrchr(cwd, '/') + 1 : "?";
		printf("child's cwd after the parent moved: %s, umask unchanged: %s\n", base,
		       umask(0) == old ? "yes" : "no");
		fflush(stdout);
		_exit(0);
	}
	close(p[0]);
	go = p[1];
	if (chdir("../fork-b") < 0)
		exit(1);
	umask(077);
	if (write(go, "x", 1) != 1)
		exit(1);
	int st;
	waitpid(c, &st, 0);
	close(go);
	if (chdir("..") < 0)
		exit(1);
}

/* setpgid on a child that has exec'd is EACCES. */
static void after_exec(const char *self)
{
	printf("-- setpgid after exec\n");
	int p[2];
	if (pipe(p) < 0)
		exit(1);
	pid_t c = fork();
	if (c == 0) {
		dup2(p[0], 0);
		close(p[1]);
		execl(self, self, "read-stdin", NULL);
		_exit(127);
	}
	close(p[0]);
	char b;
	int st;
	/* wait for the exec: the new image blocks reading stdin; poll until
	 * setpgid stops succeeding (it succeeds while the child is pre-exec) */
	int rc = 0;
	for (int i = 0; i < 4000; i++) {
		rc = setpgid(c, c);
		if (rc < 0)
			break;
		usleep(1000);
	}
	printf("setpgid after the child exec'd: %s\n", err(rc));
	b = 'x';
	if (write(p[1], &b, 1) != 1)
		exit(1);
	close(p[1]);
	waitpid(c, &st, 0);
	printf("exec'd child exit %d\n", WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "read-stdin") == 0) {
		char b;
		return read(0, &b, 1) == 1 ? 4 : 5;
	}
	printf("pid 1: %s\n", getpid() == 1 ? "yes" : "no");
	waiting();
	orphans();
	groups();
	cwd_after_fork();
	after_exec(argv[0]);
	return 0;
}
