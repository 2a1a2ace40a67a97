/*
 * CLONE_FS without CLONE_THREAD: a child process that shares its parent's
 * fs context changes the parent's cwd with its chdir; without CLONE_FS it
 * changes only its own.  Prints the parent's cwd after each.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
static char stack[65536];
static int child(void *a) { (void)a; return chdir("/tmp") == 0 ? 0 : 1; }
int main(void)
{
	char buf[256];
	if (chdir("/") < 0)
		return 1;
	/* a process (not a thread) sharing the fs context: its chdir is ours */
	pid_t p = clone(child, stack + sizeof stack, CLONE_FS | SIGCHLD, NULL);
	int st; waitpid(p, &st, 0);
	printf("shared: %s\n", getcwd(buf, sizeof buf));
	if (chdir("/") < 0)
		return 1;
	p = clone(child, stack + sizeof stack, SIGCHLD, NULL);
	waitpid(p, &st, 0);
	printf("copied: %s\n", getcwd(buf, sizeof buf));
	return 0;
}
