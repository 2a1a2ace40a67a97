/* Hostile arguments to the trapped file syscalls.
 *
 *   static_hostile_probe            deterministic cases, one line each
 *                                   ("group/case -> result"), compared with
 *                                   native Linux by tests/lib/conformance.sh
 *   static_hostile_probe race PATH  a thread flips a path buffer between a
 *                                   file in the view ("inside") and PATH
 *                                   while the main thread opens it; prints
 *                                   the outcomes
 *   static_hostile_probe watch DIR  (native, host side) counts opens of
 *                                   DIR/secret until DIR/stop is opened
 *
 * Run from an empty directory. */
#include "conf.h"

#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/xattr.h>

static char *page;     /* a readable page followed by an unmapped one */
static char *guard;    /* the unmapped page */

static void map_pages(void)
{
	page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	guard = page + 4096;
	munmap(guard, 4096);
}

static void g_pointers(void)
{
	group("hostile.pointers");
	mkfile("f", 0644, "x");
	sl("f", "l");
	struct stat st;
	char buf[256];
	char *bad = (char *)0x10;                       /* never mapped */
	char *kernel = (char *)0xffffffff81000000UL;     /* kernel half */
	char *noncanon = (char *)0x0000800000000000UL;   /* non-canonical */
	R("open-null", syscall(SYS_open, NULL, O_RDONLY));
	R("open-low", syscall(SYS_open, bad, O_RDONLY));
	R("open-kernel", syscall(SYS_open, kernel, O_RDONLY));
	R("open-noncanonical", syscall(SYS_open, noncanon, O_RDONLY));
	R("open-unmapped-page", syscall(SYS_open, guard, O_RDONLY));
	R("openat-null", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
	R("stat-null-path", syscall(SYS_stat, NULL, &st));
	R("stat-unmapped-buf", syscall(SYS_stat, "f", guard));
	R("stat-kernel-buf", syscall(SYS_stat, "f", kernel));
	R("stat-buf-straddles-guard", syscall(SYS_stat, "f", guard - 16));
	R("newfstatat-unmapped-buf", syscall(SYS_newfstatat, AT_FDCWD, "f", guard, 0));
	R("fstat-unmapped-buf", syscall(SYS_fstat, 0, guard));
	R("statx-unmapped-buf", syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, guard));
	R("statfs-unmapped-buf", syscall(SYS_statfs, "f", guard));
	R("readlink-unmapped-buf", syscall(SYS_readlink, "l", guard, 16));
	R("readlink-null-path", syscall(SYS_readlink, NULL, buf, 16));
	R("getcwd-unmapped-buf", syscall(SYS_getcwd, guard, 256));
	R("getcwd-kernel-buf", syscall(SYS_getcwd, kernel, 256));
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	R("getdents64-unmapped-buf", syscall(SYS_getdents64, dfd, guard, 4096));
	R("getdents64-straddling-buf", syscall(SYS_getdents64, dfd, guard - 8, 4096));
	close(dfd);
	R("mkdir-null", syscall(SYS_mkdir, NULL, 0755));
	R("unlink-unmapped", syscall(SYS_unlink, guard));
	R("rename-null-new", syscall(SYS_rename, "f", NULL));
	R("rename-null-old", syscall(SYS_rename, NULL, "g"));
	R("link-unmapped-new", syscall(SYS_link, "f", guard));
	R("symlink-null-target", syscall(SYS_symlink, NULL, "s"));
	R("symlink-unmapped-target", syscall(SYS_symlink, guard, "s"));
	R("chmod-null", syscall(SYS_chmod, NULL, 0644));
	R("utimensat-unmapped-times", syscall(SYS_utimensat, AT_FDCWD, "f", guard, 0));
	R("utimes-unmapped-times", syscall(SYS_utimes, "f", guard));
	R("getxattr-null-name", syscall(SYS_getxattr, "f", NULL, buf, sizeof buf));
	R("getxattr-unmapped-name", syscall(SYS_getxattr, "f", guard, buf, sizeof buf));
	R("setxattr-unmapped-value", syscall(SYS_setxattr, "f", "user.x", guard, 16, 0));
	R("listxattr-unmapped-buf", (setxattr("f", "user.y", "1", 1, 0), syscall(SYS_listxattr, "f", guard, 64)));
	R("openat2-unmapped-how", syscall(SYS_openat2, AT_FDCWD, "f", guard, sizeof(struct open_how)));
	R("access-kernel", syscall(SYS_access, kernel, F_OK));
	R("chdir-unmapped", syscall(SYS_chdir, guard));
	R("execve-null", syscall(SYS_execve, NULL, NULL, NULL));
}

static void g_strings(void)
{
	group("hostile.strings");
	mkfile("f", 0644, "x");
	struct stat st;
	/* unterminated: the path runs into the unmapped page */
	memset(page, 'a', 4096);
	R("unterminated-10-bytes", syscall(SYS_stat, guard - 10, &st));
	R("unterminated-4095-bytes", syscall(SYS_stat, guard - 4095, &st));
	R("unterminated-4096-bytes", syscall(SYS_stat, page, &st));
	R("open-unterminated", syscall(SYS_open, guard - 100, O_RDONLY));
	R("mkdir-unterminated", syscall(SYS_mkdir, guard - 100, 0755));
	R("symlink-target-unterminated", syscall(SYS_symlink, guard - 100, "s"));
	/* a terminated path ending just before the unmapped page */
	memcpy(guard - 2, "f", 2);
	R("terminated-at-guard", syscall(SYS_stat, guard - 2, &st));
	page[4095] = 0;
	memset(page, '/', 4095);   /* 4095 slashes: "/" */
	R("4095-slashes", syscall(SYS_stat, page, &st));
	/* lengths around PATH_MAX and a 1 MiB path */
	size_t big = 1 << 20;
	char *p = malloc(big + 1);
	for (size_t i = 0; i < big; i += 2)
		memcpy(p + i, "./", 2);
	p[big] = 0;
	R("path-1MiB", syscall(SYS_stat, p, &st));
	R("open-1MiB", syscall(SYS_open, p, O_RDONLY));
	R("mkdir-1MiB", syscall(SYS_mkdir, p, 0755));
	strcpy(p + PATH_MAX - 2, "f");   /* "./" * 2047 + "f": 4095 bytes */
	R("path-4095-bytes", syscall(SYS_stat, p, &st));
	strcpy(p + PATH_MAX - 2, "ff");  /* 4096 bytes */
	R("path-4096-bytes", syscall(SYS_stat, p, &st));
	memset(p, 'n', 300);
	p[300] = 0;
	R("name-300-bytes", syscall(SYS_stat, p, &st));
	R("creat-name-300-bytes", syscall(SYS_creat, p, 0644));
	char xname[300];
	memset(xname, 'x', sizeof xname);
	memcpy(xname, "user.", 5);
	xname[299] = 0;
	R("xattr-name-299", getxattr("f", xname, NULL, 0));
	memset(page, 'x', 4096);
	memcpy(page, "user.", 5);
	R("xattr-name-unterminated", syscall(SYS_getxattr, "f", guard - 20, NULL, 0));
	R("xattr-name-4096-unterminated", syscall(SYS_getxattr, "f", page, NULL, 0));
	free(p);
}

static void g_args(void)
{
	group("hostile.args");
	mkfile("f", 0644, "x");
	sl("f", "l");
	struct stat st;
	char buf[64];
	int ffd = open("f", O_RDONLY);
	int dirfds[] = { -1, -2, 999, INT_MAX, INT_MIN, ffd };
	const char *dn[] = { "minus1", "minus2", "999", "intmax", "intmin", "file" };
	for (int i = 0; i < 6; i++) {
		char n[64];
		snprintf(n, sizeof n, "openat-dirfd-%s", dn[i]);
		R(n, openat(dirfds[i], "f", O_RDONLY));
		snprintf(n, sizeof n, "fstatat-dirfd-%s", dn[i]);
		R(n, fstatat(dirfds[i], "f", &st, 0));
		snprintf(n, sizeof n, "mkdirat-dirfd-%s", dn[i]);
		R(n, mkdirat(dirfds[i], "m", 0755));
		snprintf(n, sizeof n, "fstat-%s", dn[i]);
		R(n, fstat(dirfds[i], &st));
	}
	R("dirfd-64bit-garbage", syscall(SYS_newfstatat, 0xdeadbeef00000000UL | (unsigned)AT_FDCWD, "f", &st, 0));
	R("openat-creat-directory", openat(AT_FDCWD, "n", O_CREAT | O_DIRECTORY | O_RDONLY, 0644));
	R("fstatat-all-flags", fstatat(AT_FDCWD, "f", &st, -1));
	R("unlinkat-all-flags", unlinkat(AT_FDCWD, "f", -1));
	R("renameat2-all-flags", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "g", -1));
	R("faccessat2-all-flags", syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, -1));
	R("faccessat2-all-mode", syscall(SYS_faccessat2, AT_FDCWD, "f", -1, 0));
	R("statx-all-flags", syscall(SYS_statx, AT_FDCWD, "f", -1, STATX_BASIC_STATS, buf));
	R("linkat-all-flags", linkat(AT_FDCWD, "f", AT_FDCWD, "g", -1));
	R("utimensat-all-flags", utimensat(AT_FDCWD, "f", NULL, -1));
	R("fchownat-all-flags", fchownat(AT_FDCWD, "f", 0, 0, -1));
	R("setxattr-all-flags", setxattr("f", "user.z", "1", 1, -1));
	R("mknod-all-type-bits", mknod("n", 0177777, 0));
	R("umask-all-bits", (umask(-1), umask(022) == 0777 ? 0 : -1));
	struct open_how how = { .flags = (uint64_t)-1 };
	R("openat2-all-flags", syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how));
	how = (struct open_how){ .resolve = (uint64_t)-1 };
	R("openat2-all-resolve", syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how));
	how = (struct open_how){ .flags = O_RDONLY };
	R("openat2-size-huge", syscall(SYS_openat2, AT_FDCWD, "f", &how, (size_t)1 << 40));
	R("openat2-size-zero", syscall(SYS_openat2, AT_FDCWD, "f", &how, 0));
	RV("readlink-size-huge", syscall(SYS_readlink, "l", buf, (size_t)-1));
	RV("readlink-size-intmax-plus", syscall(SYS_readlink, "l", buf, (size_t)INT_MAX + 1));
	RV("getcwd-size-huge-ok", syscall(SYS_getcwd, buf, (size_t)1 << 40) > 0 ? 0 : -1);
	RV("getxattr-size-huge", (setxattr("f", "user.a", "1", 1, 0),
				  syscall(SYS_getxattr, "f", "user.a", buf, (size_t)1 << 40)));
	RV("listxattr-size-huge", syscall(SYS_listxattr, "f", buf, (size_t)1 << 40));
	R("setxattr-size-huge", syscall(SYS_setxattr, "f", "user.a", buf, (size_t)1 << 40, 0));
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	char dents[4096];
	RV("getdents64-count-huge", syscall(SYS_getdents64, dfd, dents, (size_t)1 << 40) > 0 ? 0 : -1);
	close(dfd);
	R("truncate-size-huge", truncate("f", (off_t)1 << 62));
	R("truncate-size-negative", syscall(SYS_truncate, "f", -1L));
	R("truncate-back", truncate("f", 1));
	close(ffd);
	S("file-after-everything", AT_FDCWD, "f", 0);
}

/* ---- race ------------------------------------------------------------------ */

static char racebuf[PATH_MAX];
static char secret_path[PATH_MAX], inside[] = "inside";
static atomic_int stop;

static void *flipper(void *arg)
{
	(void)arg;
	const char *alt[] = { secret_path, inside, "../../../../../../../../../../../../secret", inside };
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		const char *s = alt[i % 4];
		/* rewrite in place, byte by byte: the reader may see any mix */
		size_t n = strlen(s);
		for (size_t j = 0; j <= n; j++)
			racebuf[j] = s[j];
	}
	return NULL;
}

static int race(const char *secret)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(secret_path, sizeof secret_path, "%s", secret);
	snprintf(conf_group, sizeof conf_group, "race");
	mkfile("inside", 0644, "INSIDE");
	strcpy(racebuf, inside);
	pthread_t th;
	pthread_create(&th, NULL, flipper, NULL);
	long n_inside = 0, n_enoent = 0, n_other = 0, n_secret = 0, n_odd = 0;
	for (int i = 0; i < 20000; i++) {
		int fd = open(racebuf, O_RDONLY);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENAMETOOLONG || errno == ENOTDIR)
				n_enoent++;
			else
				n_other++;
			continue;
		}
		char b[16] = "";
		ssize_t r = read(fd, b, sizeof b - 1);
		close(fd);
		b[r > 0 ? r : 0] = 0;
		if (!strcmp(b, "INSIDE"))
			n_inside++;
		else if (strstr(b, "SECRET"))
			n_secret++;
		else
			n_odd++;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("race/inside -> %ld\nrace/not-found -> %ld\nrace/other-errors -> %ld\n"
	       "race/secret -> %ld\nrace/other-content -> %ld\n", n_inside, n_enoent, n_other, n_secret, n_odd);
	struct stat st;
	printf("race/final-stat -> %s\n", stat("inside", &st) == 0 && st.st_size == 6 ? "ok" : ename(errno));
	return 0;
}

/* host side: counts opens of DIR/secret until DIR/stop is opened */
static int watch(const char *dir)
{
	int in = inotify_init1(0);
	if (in < 0 || inotify_add_watch(in, dir, IN_OPEN) < 0) {
		perror("inotify");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	long opens = 0;
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return 2;
		for (ssize_t off = 0; off < n;) {
			struct inotify_event *e = (void *)(buf + off);
			if (e->len && !strcmp(e->name, "secret"))
				opens++;
			if (e->len && !strcmp(e->name, "stop")) {
				printf("opens of secret: %ld\n", opens);
				return 0;
			}
			off += sizeof *e + e->len;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "race"))
		return race(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "watch"))
		return watch(argv[2]);
	map_pages();
	static void (*const groups[])(void) = { g_pointers, g_strings, g_args, NULL };
	return conf_main(groups);
}
