/* Resource-limit probe (tests/integration/test_limits.sh).
 *
 *   bomb     a fork bomb: every process forks as fast as it can and keeps
 *            retrying when fork fails; each successful fork writes a byte to
 *            a pipe the first process reads.  When no fork has succeeded for
 *            a second the growth has ended: prints "forks N first-error E
 *            seconds S" and exits (and, as pid 1 of the sandbox's pid
 *            namespace, takes every other task with it).
 *   hog MB   allocates and touches MB MiB, 1 MiB at a time; prints "hog done"
 *            if it got them all, "hog ENOMEM at N" if malloc failed.
 *   nofile   opens /dev/null until it fails: "nofile limit N errno E".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void grow(int wr)
{
	int first_err = 0;
	for (;;) {
		pid_t p = fork();
		if (p == 0) {
			if (write(wr, "+", 1) < 0)
				_exit(1);
			continue;   /* the child forks too */
		}
		if (p < 0) {
			if (!first_err) {
				first_err = errno;
				char c = (char)('a' + (first_err & 15));
				(void)!write(wr, &c, 1);   /* one report of the error kind */
			}
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		}
	}
}

static int bomb(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 2;
	double t0 = now(), last = t0;
	pid_t first = fork();
	if (first == 0) {
		close(p[0]);
		grow(p[1]);
	}
	close(p[1]);
	if (first < 0) {
		printf("forks 0 first-error %s seconds 0\n", strerrorname_np(errno));
		return 0;
	}
	long forks = 1;
	int err = 0;
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int n = poll(&pfd, 1, 1000);
		if (n <= 0)
			break;   /* a second without a new task: growth has ended */
		char buf[4096];
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '+') {
				forks++;
				last = now();
			} else if (!err) {
				err = buf[i] - 'a';
			}
		}
		if (now() - t0 > 60)
			break;   /* never settles: report what we have */
	}
	printf("forks %ld first-error %s seconds %.1f\n", forks, err ? strerrorname_np(err) : "none",
	       last - t0);
	fflush(stdout);
	return 0;
}

static int hog(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *m = malloc(1 << 20);
		if (!m) {
			printf("hog ENOMEM at %ld\n", i);
			return 0;
		}
		memset(m, (int)i | 1, 1 << 20);
	}
	printf("hog done\n");
	return 0;
}

/* The limit and how opening beyond it fails (how many fds were open
 * already differs between callers, so no count). */
static int nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 2;
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	printf("nofile limit %llu errno %s\n", (unsigned long long)rl.rlim_cur, strerrorname_np(errno));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "bomb") == 0)
		return bomb();
	if (argc > 2 && strcmp(argv[1], "hog") == 0)
		return hog(atol(argv[2]));
	if (argc > 1 && strcmp(argv[1], "nofile") == 0)
		return nofile();
	fprintf(stderr, "usage: %s bomb | hog MB | nofile\n", argv[0]);
	return 2;
}
