/*
 * subreaper PIDFILE CREATE... -- START...
 *
 * What conmon and the containerd shim do around an OCI runtime: become a
 * child subreaper, run the runtime's create (which exits, leaving the
 * sandbox's processes to us), read the pid file, run start, wait for that
 * pid and report its exit status, then reap every other orphan (the gofer)
 * and report whether any was still there 5 s later.
 *
 * Prints "exit N" (or "signal N"), then "leftover 0" or "leftover N".
 * Exits 0 when it could do all that, 2 otherwise (with a reason on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run(char **argv)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int ws;
	if (pid < 0 || waitpid(pid, &ws, 0) != pid)
		return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: subreaper PIDFILE CREATE... -- START...\n");
		return 2;
	}
	int sep = 0;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (!sep || sep == 2 || sep == argc - 1) {
		fprintf(stderr, "subreaper: CREATE -- START expected\n");
		return 2;
	}
	argv[sep] = NULL;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	int rc = run(argv + 2);
	if (rc != 0) {
		fprintf(stderr, "subreaper: create exited %d\n", rc);
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	int pid = 0;
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		fprintf(stderr, "subreaper: no pid in %s\n", argv[1]);
		return 2;
	}
	fclose(f);
	rc = run(argv + sep + 1);
	if (rc != 0) {
		fprintf(stderr, "subreaper: start exited %d\n", rc);
		return 2;
	}
	int ws;
	pid_t p;
	/* the pid file's process is ours to wait for (create has exited) */
	while ((p = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (p != pid) {
		fprintf(stderr, "subreaper: pid %d is not our child: %s\n", pid, strerror(errno));
		return 2;
	}
	if (WIFEXITED(ws))
		printf("exit %d\n", WEXITSTATUS(ws));
	else
		printf("signal %d\n", WTERMSIG(ws));
	int left = 0;
	for (int i = 0; i < 500; i++) {
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (i == 499)
			left = 1;
	}
	printf("leftover %d\n", left);
	return 0;
}
