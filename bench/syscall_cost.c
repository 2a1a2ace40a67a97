/*
 * Per-syscall cost, run once natively and once inside the sandbox by
 * bench/run.sh, which prints the ratios.  Each line: "name ns_per_op".
 *   getppid     never trapped: the floor (native speed inside too)
 *   getcwd      trapped, answered from sentry memory: the bare round trip
 *   stat        a trapped path syscall answered from the sentry's cache
 *   open_close  a trapped open (9P walk is cached; Tlopen + FD donation each time)
 *   fstat       a trapped fd syscall (FD identity lookup)
 *   fork_exec_true  fork, execve of /bin/true (the host's, dynamic: ld.so and
 *               libc come through the VFS too), waitpid: the whole process
 *               model's cost (staged exec, loader, plan request)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define BENCH(name, n, body)                                        \
	do {                                                        \
		for (int i_ = 0; i_ < (n) / 10; i_++) { body; }     \
		double t0_ = now_ns();                              \
		for (int i_ = 0; i_ < (n); i_++) { body; }          \
		printf("%s %.0f\n", name, (now_ns() - t0_) / (n));  \
	} while (0)

static void fork_exec_wait(const char *prog)
{
	pid_t p = fork();
	if (p == 0) {
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	int st;
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "fork_exec_true: %s failed\n", prog);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/hostname";
	int scale = argc > 2 ? atoi(argv[2]) : 1;
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	BENCH("getppid", 200000 * scale, getppid());
	char cwd[256];
	BENCH("getcwd", 20000 * scale, getcwd(cwd, sizeof cwd));
	BENCH("stat", 20000 * scale, stat(path, &st));
	BENCH("fstat", 20000 * scale, fstat(fd, &st));
	BENCH("open_close", 5000 * scale, close(open(path, O_RDONLY)));
	BENCH("fork_exec_true", 300 * scale, fork_exec_wait("/bin/true"));
	return 0;
}
