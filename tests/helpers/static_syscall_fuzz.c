/* Syscall fuzzer, run inside the sandbox (tests/integration/
 * test_fuzz_syscalls.sh; `make fuzz-syscalls` for the long run).
 *
 *   static_syscall_fuzz SEED CALLS THREADS
 *
 * THREADS threads issue CALLS random trapped syscalls in all (every family
 * the sentry serves but exec), with arguments drawn from hostile pools:
 * NULL, unmapped, kernel and non-canonical pointers, a page of bytes with
 * no terminator before a PROT_NONE guard page, paths from a pool (absolute,
 * relative, "..", /proc magic links, 5000-byte and 4095-byte names), a
 * path buffer another thread keeps rewriting, random and boundary fds,
 * flags and sizes.  It changes only what the sandbox owns (run it under the
 * memory overlay, cwd in a scratch directory).
 *
 * Prints "fuzz mark1" after a warm-up of CALLS/10 calls and waits for
 * "go\n" on stdin (the host measures the sentry then), "fuzz mark2" after
 * half the rest and "fuzz mark3" at the end, waiting each time, then
 * "fuzz calls N alive" if a final stat("/") still works.  Exit 0.  (Caches
 * of the sentry -- shared read handles, dentries -- fill up during the
 * first half; a leak keeps growing in the second.) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const long trapped[] = {
	SYS_open, SYS_openat, SYS_openat2, SYS_creat, SYS_stat, SYS_lstat, SYS_fstat,
	SYS_newfstatat, SYS_statx, SYS_access, SYS_faccessat, SYS_faccessat2, SYS_readlink,
	SYS_readlinkat, SYS_getdents, SYS_getdents64, SYS_mkdir, SYS_mkdirat, SYS_rmdir,
	SYS_unlink, SYS_unlinkat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_link, SYS_linkat,
	SYS_symlink, SYS_symlinkat, SYS_chmod, SYS_fchmod, SYS_fchmodat, SYS_chown, SYS_fchown,
	SYS_lchown, SYS_fchownat, SYS_truncate, SYS_utime, SYS_utimes, SYS_futimesat,
	SYS_utimensat, SYS_mknod, SYS_mknodat, SYS_statfs, SYS_fstatfs, SYS_chdir, SYS_fchdir,
	SYS_getcwd, SYS_chroot, SYS_getxattr, SYS_lgetxattr, SYS_fgetxattr, SYS_setxattr,
	SYS_lsetxattr, SYS_fsetxattr, SYS_listxattr, SYS_llistxattr, SYS_flistxattr,
	SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr, SYS_inotify_add_watch,
	SYS_connect, SYS_bind, SYS_getsockname, SYS_getpeername, SYS_umask, 452 /* fchmodat2 */,
	/* fds to aim at: made here, so random fd numbers hit real files and
	 * sockets too */
	SYS_close, SYS_dup, SYS_socket,
};
#define NTRAPPED (sizeof trapped / sizeof trapped[0])

static char *unterminated;          /* a page of 'A's, then PROT_NONE */
static char flipbuf[4200];          /* rewritten by the flipper */
static char longpath[5200], maxname[4200];
static atomic_int stop;

static const char *paths[] = {
	"/", ".", "..", "a", "a/b", "d", "d/", "d/../a", "f", "l", "/tmp", "/proc/self/fd/0",
	"/proc/self/exe", "/proc/self/cwd/f", "/proc/1/root", "/dev/null", "/dev/tty", "/etc/passwd",
	"../../../../..", "/.rl/loader", "x/../../f", "", "//", "/bin/sh", "sock", "fifo",
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t pointer(uint64_t *s)
{
	switch (rnd(s) % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 0xdead0000;                      /* unmapped */
	case 3: return 0xffffffff81000000ULL;           /* kernel */
	case 4: return 0x8000000000000000ULL;           /* non-canonical */
	case 5: return (uint64_t)(uintptr_t)unterminated;
	case 6: return (uint64_t)(uintptr_t)(unterminated + 4095);
	case 7: return (uint64_t)(uintptr_t)flipbuf;
	case 8: return (uint64_t)(uintptr_t)longpath;
	case 9: return (uint64_t)(uintptr_t)maxname;
	default: return (uint64_t)(uintptr_t)paths[rnd(s) % (sizeof paths / sizeof paths[0])];
	}
}

static uint64_t number(uint64_t *s)
{
	switch (rnd(s) % 10) {
	case 0: return 0;
	case 1: return (uint64_t)-1;
	case 2: return (uint64_t)(int64_t)-100;         /* AT_FDCWD */
	case 3: return rnd(s) % 32;                     /* a likely fd */
	case 4: return rnd(s) & 0xffffffff;
	case 5: return rnd(s);
	case 6: return 1ULL << (rnd(s) % 64);
	case 7: return 4096;
	case 8: return 0x7fffffff;
	default: return rnd(s) % 0x1000;                /* small flags, modes, sizes */
	}
}

static atomic_long done;

static void *worker(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg | 1;
	long n = (long)(((uint64_t)(uintptr_t)arg) >> 32);
	for (long i = 0; i < n; i++) {
		long nr = trapped[rnd(&s) % NTRAPPED];
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = rnd(&s) % 3 ? pointer(&s) : number(&s);
		/* keep stdio: the test talks to us through it (the kernel reads an
		 * fd as an unsigned int: the upper half does not count) */
		if ((nr == SYS_close || nr == SYS_fchdir || nr == SYS_fchmod || nr == SYS_fchown) &&
		    (uint32_t)a[0] < 3)
			a[0] = 3 + rnd(&s) % 20;
		if (nr == SYS_dup)
			a[0] = rnd(&s) % 24;
		if (nr == SYS_umask)
			a[0] &= 0777;
		if (nr == SYS_socket) {   /* unix, non-blocking: a connect never waits */
			a[0] = AF_UNIX;
			a[1] = (rnd(&s) % 2 ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK;
			a[2] = 0;
		}
		/* no FIFO: an open of one would wait for a peer forever */
		if (nr == SYS_mknod)
			a[1] = (a[1] & 07777) | (rnd(&s) % 2 ? S_IFREG : S_IFSOCK);
		if (nr == SYS_mknodat)
			a[2] = (a[2] & 07777) | (rnd(&s) % 2 ? S_IFREG : S_IFSOCK);
		/* a new root would only end the run early: chroot is EPERM anyway,
		 * chdir is allowed (the test's paths are relative to the start) */
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		atomic_fetch_add(&done, 1);
	}
	return NULL;
}

static void *flipper(void *arg)
{
	(void)arg;
	const char *alt[] = { "f", "/etc/passwd", "../../../../../../etc/shadow", "d/../a", longpath };
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		const char *p = alt[i % 5];
		size_t n = strlen(p);
		for (size_t j = 0; j <= n && j < sizeof flipbuf - 1; j++)
			((volatile char *)flipbuf)[j] = p[j];
	}
	return NULL;
}

static void run(uint64_t seed, long calls, int threads)
{
	pthread_t th[64];
	for (int t = 0; t < threads; t++) {
		uint64_t per = (uint64_t)(calls / threads);
		uint64_t arg = (per << 32) | (((seed + (uint64_t)t * 0x9e3779b9) & 0x7fffffff) | 1);
		pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)arg);
	}
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
}

/* The host measures the sentry with the program holding no fd but stdio,
 * so what the sentry keeps per application fd does not count. */
static void wait_go(const char *mark)
{
	syscall(SYS_close_range, 3, ~0U, 0);
	printf("fuzz %s\n", mark);
	fflush(stdout);
	char b[8];
	if (read(0, b, sizeof b) <= 0)
		return;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SEED CALLS THREADS\n", argv[0]);
		return 2;
	}
	uint64_t seed = strtoull(argv[1], NULL, 0);
	long calls = atol(argv[2]);
	int threads = atoi(argv[3]);
	if (calls < 10 || threads < 1 || threads > 64 || calls / threads > 0x7fffffffL)
		return 2;
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + 4096, 4096, PROT_NONE) < 0)
		return 2;
	memset(m, 'A', 4096);
	unterminated = m;
	memset(longpath, 'p', sizeof longpath - 1);
	for (size_t i = 1; i < sizeof longpath - 1; i += 2)
		longpath[i] = '/';
	memset(maxname, 'n', 4095);
	/* something for the paths to find */
	mkdir("d", 0755);
	close(open("f", O_CREAT | O_WRONLY, 0644));
	close(open("a", O_CREAT | O_WRONLY, 0644));
	symlink("f", "l");
	for (int i = 0; i < 8; i++)
		open(i % 2 ? "f" : "d", O_RDONLY);   /* fds 3.. for the fd calls */
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return 2;

	pthread_t fl;
	pthread_create(&fl, NULL, flipper, NULL);
	run(seed, calls / 10, threads);
	/* the calls may have renamed or removed the start directory, or taken
	 * the search permission of "/": then the run goes on where it is */
	if (chdir(cwd) < 0)
		(void)!chdir("/");
	wait_go("mark1");
	long half = (calls - calls / 10) / 2;
	run(seed ^ 0x5555, half, threads);
	if (chdir(cwd) < 0)
		(void)!chdir("/");
	wait_go("mark2");
	run(seed ^ 0xaaaa, calls - calls / 10 - half, threads);
	atomic_store(&stop, 1);
	pthread_join(fl, NULL);
	wait_go("mark3");
	struct stat st;
	printf("fuzz calls %ld %s\n", atomic_load(&done), stat("/", &st) == 0 ? "alive" : strerror(errno));
	return 0;
}
