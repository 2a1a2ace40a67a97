/*
 * Forks; the parent changes directory at once, the child waits and then
 * prints its own working directory: the one it had at fork time.  Shows
 * whether the sentry tracks forks exactly (tests/integration/test_do.sh).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	if (chdir("/usr") < 0)
		return 2;
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		struct timespec ts = { 0, 300 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		char buf[256];
		if (!getcwd(buf, sizeof buf))
			return 3;
		printf("child: %s\n", buf);
		return 0;
	}
	if (chdir("/etc") < 0)
		return 2;
	int st;
	waitpid(pid, &st, 0);
	char buf[256];
	printf("parent: %s\n", getcwd(buf, sizeof buf) ? buf : "?");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
}
