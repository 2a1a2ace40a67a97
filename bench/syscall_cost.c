/*
 * Per-syscall cost, run natively and inside the sandbox in the same run by
 * bench/run.sh, which prints the ratios.  Each line: "name ns_per_op".
 *   getppid      never trapped: the floor (native speed inside too)
 *   getcwd       trapped, answered from sentry memory: the bare round trip
 *   stat         a trapped path syscall answered from the sentry's cache
 *   fstat        a trapped fd syscall (FD identity lookup)
 *   open_close   a trapped open (9P walk cached; a shared read handle or
 *                Tlopen + FD donation, by policy); close is native
 *   getdents64   a whole listing of a 1,000-entry directory (lseek to 0 and
 *                getdents64 until the end, 32 KiB buffer)
 *   creat_unlink creat (Tlcreate + donation) + close + unlink (Tunlinkat)
 *   fork_exec_true fork, execve of /bin/true (the host's, dynamic: ld.so and
 *                libc come through the VFS too), waitpid: the process model's cost
 * Usage: syscall_cost [DIR [SCALE]]: DIR is a writable scratch directory
 * (the current one by default) where the files are made.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIR_ENTRIES 1000

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

static int make_files(void)
{
	int fd = open("bench-file", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "bench\n", 6) != 6 || close(fd) < 0)
		return -1;
	if (mkdir("bench-dir", 0755) < 0)
		return 0;   /* made by an earlier run */
	for (int i = 0; i < DIR_ENTRIES; i++) {
		char name[64];
		snprintf(name, sizeof name, "bench-dir/entry-%04d", i);
		if ((fd = open(name, O_CREAT | O_WRONLY, 0644)) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* One whole listing; returns the number of entries. */
static int list_all(int fd)
{
	static char buf[32768];
	int n = 0;
	long r;
	lseek(fd, 0, SEEK_SET);
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (long off = 0; off < r; off += ((struct dirent64 *)(buf + off))->d_reclen)
			n++;
	return r < 0 ? -1 : n;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	int scale = argc > 2 ? atoi(argv[2]) : 1;
	if (chdir(dir) < 0 || make_files() < 0) {
		perror(dir);
		return 1;
	}
	struct stat st;
	int fd = open("bench-file", O_RDONLY);
	int dfd = open("bench-dir", O_RDONLY | O_DIRECTORY);
	if (fd < 0 || dfd < 0 || list_all(dfd) != DIR_ENTRIES + 2) {
		fprintf(stderr, "syscall_cost: the bench files are not as made\n");
		return 1;
	}
	BENCH("getppid", 200000 * scale, getppid());
	char cwd[4096];
	BENCH("getcwd", 20000 * scale, getcwd(cwd, sizeof cwd));
	BENCH("stat", 20000 * scale, stat("bench-file", &st));
	BENCH("fstat", 20000 * scale, fstat(fd, &st));
	BENCH("open_close", 5000 * scale, close(open("bench-file", O_RDONLY)));
	BENCH("getdents64", 200 * scale, list_all(dfd));
	BENCH("creat_unlink", 2000 * scale, (close(creat("bench-new", 0644)), unlink("bench-new")));
	BENCH("fork_exec_true", 300 * scale, fork_exec_wait("/bin/true"));
	return 0;
}
