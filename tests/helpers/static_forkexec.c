/*
 * static_forkexec N PROG: forks N children at once, each execs PROG, then
 * reaps them all.  Prints one line: how many exited 0, how many otherwise,
 * and whether any wait4 failed or any child was left over.  The children
 * are all alive together so the sentry sees N processes exec concurrently,
 * not one at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: static_forkexec N PROG\n");
		return 2;
	}
	int n = atoi(argv[1]);
	const char *prog = argv[2];
	pid_t *pids = calloc((size_t)n, sizeof *pids);
	if (!pids)
		return 1;
	int forked = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) {
			printf("fork %d: %s\n", i, strerror(errno));
			break;
		}
		if (p == 0) {
			char *args[] = { (char *)prog, NULL };
			execv(prog, args);
			_exit(100 + errno);   /* the errno, visible in the status */
		}
		pids[forked++] = p;
	}
	int ok = 0, bad = 0, unknown = 0;
	for (int i = 0; i < forked; i++) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0) {
			printf("waitpid: %s\n", strerror(errno));
			return 1;
		}
		int mine = 0;
		for (int j = 0; j < forked; j++)
			if (pids[j] == p) {
				pids[j] = 0;   /* reaped once, never twice */
				mine = 1;
			}
		if (!mine)
			unknown++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
		else {
			if (bad++ < 5)
				printf("child %d: %s %d\n", (int)p, WIFEXITED(st) ? "exit" : "signal",
				       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
	}
	/* nothing may be left to reap */
	int left = waitpid(-1, NULL, WNOHANG) >= 0 || errno != ECHILD;
	printf("forked %d: %d exited 0, %d failed, %d unknown, %s\n", forked, ok, bad, unknown,
	       left ? "children left over" : "none left");
	return forked == n && ok == n && !left ? 0 : 1;
}
